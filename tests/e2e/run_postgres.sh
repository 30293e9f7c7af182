#!/bin/bash
# SPDX-License-Identifier: MIT
#
# sysphase on postgres (Debian package) under the built-in generic rules,
# where a forked child gets a lifecycle of its own (child initialization,
# child steady state): the postmaster forks its backends from its steady
# state, and each backend narrows to a filter for its own role.
#   1. initdb into a temporary directory, then record postgres, started as
#      the postgres user (setpriv) on a Unix socket in that directory with
#      no TCP listener, under a workload: psql statements and pgbench
#      (initialization and 50 transactions on 2 clients); stop it with
#      SIGINT by the pid in postmaster.pid; export the policy;
#   2. the backends are in their own phases: in the trace every process
#      the postmaster forked starts in child initialization, and backends
#      reach child steady state; the policy's child phases allow fewer
#      calls than the postmaster's steady state;
#   3. run postgres under the policy with the same workload: every
#      statement succeeds, a backend holds more filters than the
#      postmaster; a backend killed with SIGKILL sends the postmaster
#      through crash recovery (shared memory made again, shmget), which
#      the recording never saw, and it serves again; the fast shutdown is
#      clean, and sysphase reports no denial.
# Recorded with --stack=addr: completion (docs/generalisation.md) reaches
# what the same code does on paths the workload did not take (a spinlock's
# back-off sleeping in select, the postmaster's crash recovery).
. "$(dirname "$0")/lib.sh"
need setpriv python3
need_sysphase
. "$(dirname "$0")/lib_postgres.sh"

workload() {
	"${PSQL[@]}" >"$T/psql.out" 2>&1 <<'SQL' || return 1
drop table if exists notes;
create table notes (id serial primary key, body text not null);
insert into notes (body) select 'note ' || g from generate_series(1, 500) g;
update notes set body = upper(body) where id % 7 = 0;
select count(*) from notes where body like 'NOTE%';
SQL
	"${PGBENCH[@]}" -i -s 1 postgres >"$T/pgbench-init.out" 2>&1 || return 1
	"${PGBENCH[@]}" -c 2 -t 50 postgres >"$T/pgbench.out" 2>&1 || return 1
	grep -q "number of failed transactions: 0" "$T/pgbench.out"
}

# stop SYSPHASE_PID: a fast shutdown (SIGINT) by the postmaster's pid, then wait for sysphase.
stop() {
	local pm
	pm=$(postmaster_pid)
	[ -n "$pm" ] && kill -INT "$pm"
	wait "$1"
}

# ---- 1. record ----
"$SYSPHASE" record --rules generic --stack=addr -o "$T/trace.jsonl" -- "${SERVER[@]}" >"$T/rec.out" 2>&1 &
sp=$!
track "$sp"
check "recorded postgres becomes ready" wait_until 120 ready
check "the workload under the recorder" workload
stop "$sp"
check "record exits 0 after the fast shutdown" test $? -eq 0
"$SYSPHASE" export --rules generic "$T/trace.jsonl" -o "$T/pol" >"$T/export.out" 2>&1
check "export exits 0" test $? -eq 0

# ---- 2. the backends' own phases ----
"$SYSPHASE" phases --rules generic --format json "$T/trace.jsonl" >"$T/phases.json"
check "every child of the postmaster starts in child initialization; backends serve in child steady state" \
	python3 - "$T/phases.json" "$T/pol/policy.json" <<'PY'
import json, sys
procs = json.load(open(sys.argv[1]))["processes"]
pol = json.load(open(sys.argv[2]))
children = [p for p in procs if p.get("ppid") in {q["pid"] for q in procs
            if any(s["phase"] == "steady state" for s in q["phases"])}]
if not children:
    sys.exit("no child of a process in its steady state")
for c in children:
    if c["phases"][0]["phase"] != "child initialization":
        sys.exit("child %d starts in %s" % (c["pid"], c["phases"][0]["phase"]))
serving = [c for c in children if any(s["phase"] == "child steady state" for s in c["phases"])]
if len(serving) < 3:
    sys.exit("only %d children reached child steady state" % len(serving))
def enforce(name):
    for ph in pol["phases"]:
        if ph["name"] == name:
            return set(e["name"] if isinstance(e, dict) else e for e in ph["enforce"])
    sys.exit("no phase %s in the policy" % name)
cs, ss = enforce("child steady state"), enforce("steady state")
if not cs < ss:
    sys.exit("child steady state (%d) is not narrower than steady state (%d)" % (len(cs), len(ss)))
print("  %d children, %d in child steady state; child steady state allows %d, steady state %d"
      % (len(children), len(serving), len(cs), len(ss)))
PY

# ---- 3. run under the policy ----
"$SYSPHASE" run --policy "$T/pol/policy.json" -- "${SERVER[@]}" >"$T/run.out" 2>"$T/run.err" &
sp=$!
track "$sp"
check "postgres under sysphase run becomes ready" wait_until 120 ready
check "the workload under sysphase run" workload
# A backend that stays: its filters against the postmaster's.
"${PSQL[@]}" -c 'select pg_sleep(30)' >/dev/null 2>&1 &
held=$!
backend_filters() {
	local pm b
	pm=$(postmaster_pid)
	for b in $(children_of "$pm"); do
		if tr '\0' ' ' <"/proc/$b/cmdline" 2>/dev/null | grep -q "postgres postgres"; then
			awk '/^Seccomp_filters:/ { print $2 }' "/proc/$b/status"
			return 0
		fi
	done
	return 1
}
check "a backend is there" quietly wait_until 30 backend_filters
pmf=$(awk '/^Seccomp_filters:/ { print $2 }' "/proc/$(postmaster_pid)/status")
bf=$(backend_filters)
check "a backend holds more filters ($bf) than the postmaster ($pmf)" test "${bf:-0}" -gt "${pmf:-0}"
# Crash recovery, which no recording goes through: a backend killed from
# outside (SIGKILL, as the OOM killer does) makes the postmaster end every
# child and reinitialise its shared memory (shmget, shmctl, ...) from its
# steady state.  Under the policy it recovers and serves again.
pm_before=$(postmaster_pid)
backend=$("${PSQL[@]}" -tAc "select pid from pg_stat_activity where query like 'select pg_sleep%' and pid <> pg_backend_pid()" 2>/dev/null | head -1)
check "the sleeping backend is found ($backend)" test -n "$backend"
[ -n "$backend" ] && kill -KILL "$backend"
wait "$held"
recovered() {
	grep -q "all server processes terminated; reinitializing" "$T/run.err" && ready
}
check "crash recovery under sysphase run: the postmaster reinitialises and serves again" \
	wait_until 120 recovered
check "... the same postmaster ($pm_before)" test "$(postmaster_pid)" = "$pm_before"
check "a statement after the recovery" "${PSQL[@]}" -c 'select count(*) from notes'
stop "$sp"
rc=$?
check "sysphase run exits 0 after the fast shutdown (got $rc)" test "$rc" -eq 0
check "no denial reported" not grep -q -e "^sysphase: .*killed by" -e "^sysphase: .*denied" "$T/run.err"
finish
