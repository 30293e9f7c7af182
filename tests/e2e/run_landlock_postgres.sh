#!/bin/bash
# SPDX-License-Identifier: MIT
#
# postgres under run with its Landlock layers, on a held-out workload
# (record narrow, run wide): a good test of directory generalisation, since
# postgres names its files by object ids and pids the recording never saw.
#   recorded: one of each kind of work, small: a table, a sort beyond
#             work_mem (temp files in base/pgsql_tmp), a database made,
#             VACUUM, CHECKPOINT, pgbench -s 1 with 10 transactions;
#   run:      more of each under other names: new tables and an index (new
#             object ids), larger sorts (temp files named by other backends'
#             pids), another database (a directory under base/ copied from
#             its template), a WAL switch (new segments in pg_wal), pgbench
#             -s 2 with 200 transactions on 2 clients;
# every statement succeeds, the fast shutdown is clean, nothing is named.
# The layers are in force: pg_read_file('/etc/hostname') works natively
# and fails with "Permission denied" under run.
. "$(dirname "$0")/lib.sh"
need setpriv psql python3
need_sysphase
. "$(dirname "$0")/lib_postgres.sh"

# stop SYSPHASE_PID: a fast shutdown (SIGINT) by the postmaster's pid, then wait for sysphase.
stop() {
	local pm
	pm=$(postmaster_pid)
	[ -n "$pm" ] && kill -INT "$pm"
	wait "$1"
}

# Recorded: one of each kind of work, small.
narrow() {
	"${PSQL[@]}" >"$T/narrow.out" 2>&1 <<'SQL' || return 1
create table notes (id int primary key, body text);
insert into notes select g, 'note ' || g from generate_series(1, 3000) g;
set work_mem = '64kB';
select count(*) from (select body from notes order by body desc) s;
create database recorded;
vacuum notes;
checkpoint;
SQL
	"${PGBENCH[@]}" -i -s 1 postgres >"$T/pgbench-init.out" 2>&1 || return 1
	"${PGBENCH[@]}" -c 1 -t 10 postgres >"$T/pgbench.out" 2>&1
}

# Run: more of it, under other names (object ids, pids, databases, WAL segments).
wide() {
	"${PSQL[@]}" >"$T/wide.out" 2>&1 <<'SQL' || return 1
create table more (id int primary key, body text);
insert into more select g, 'more ' || g from generate_series(1, 30000) g;
create index more_body on more (body);
set work_mem = '64kB';
select count(*) from (select body from more order by body desc) s;
select count(*) from (select n.body from notes n join more m on m.id = n.id order by 1) s;
create database other;
vacuum more;
checkpoint;
select pg_switch_wal() is not null;
SQL
	"${PSQL[@]}" -d other -c 'create table t (x int); insert into t values (1);' \
		>>"$T/wide.out" 2>&1 || return 1
	"${PGBENCH[@]}" -i -s 2 postgres >"$T/pgbench-init.out" 2>&1 || return 1
	"${PGBENCH[@]}" -c 2 -t 200 postgres >"$T/pgbench.out" 2>&1 || return 1
	grep -q "number of failed transactions: 0" "$T/pgbench.out"
}

read_hostname() {
	"${PSQL[@]}" -tAc "select length(pg_read_file('/etc/hostname')) > 0" 2>&1
}

# ---- natively, pg_read_file reads /etc/hostname (the control) ----
"${SERVER[@]}" >"$T/native.out" 2>&1 &
native=$!
track "$native"
check "postgres natively becomes ready" wait_until 120 ready
check "natively pg_read_file('/etc/hostname') works" test "$(read_hostname)" = t
kill -INT "$(postmaster_pid)"
wait "$native"

# ---- record narrow ----
"$SYSPHASE" record --rules generic --stack=addr -o "$T/pg.jsonl" -- "${SERVER[@]}" \
	>"$T/rec.out" 2>&1 &
sp=$!
track "$sp"
check "recorded postgres becomes ready" wait_until 120 ready
check "the narrow workload under the recorder" narrow
stop "$sp"
check "record exits 0 after the fast shutdown" test $? -eq 0
"$SYSPHASE" export "$T/pg.jsonl" -o "$T/pg.pol" >"$T/export.out" 2>&1
check "export exits 0" test $? -eq 0
. "$E2E_DIR/lib_servers.sh"
landlock_summary pg | sed 's/^/  /'
# The backends hold child initialization's layer (child steady state adds none).
check "the backends' layer restricts files" landlock_files pg "child initialization"

# ---- run wide ----
"$SYSPHASE" run --policy "$T/pg.pol/policy.json" -- "${SERVER[@]}" >"$T/run.out" 2>"$T/run.err" &
sp=$!
track "$sp"
check "postgres under run becomes ready" wait_until 120 ready
check "the wide workload under run: every statement succeeds" wide
check "the layers are in force: pg_read_file('/etc/hostname') is denied" \
	grep -q "Permission denied" <<<"$(read_hostname)"
stop "$sp"
rc=$?
check "run exits 0 after the fast shutdown (got $rc)" test "$rc" -eq 0
check "no false denial: sysphase names nothing but the planted read" \
	test "$(grep -c -e "^sysphase: .*killed by" -e "^sysphase: .*denied" "$T/run.err")" -eq \
	"$(grep -c "^sysphase: .*Landlock denied read_file on /etc/hostname" "$T/run.err")"
check "postgres logged no other permission error" \
	test "$(grep -c "Permission denied" "$T/run.err")" -eq \
	"$(grep -c "could not open file \"/etc/hostname\" for reading: Permission denied" "$T/run.err")"
finish
