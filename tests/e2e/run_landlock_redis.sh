#!/bin/bash
# SPDX-License-Identifier: MIT
#
# redis under run with its Landlock layers, on a held-out workload (record
# narrow, run wide): recorded on a few string commands and one SAVE, run on
# lists, hashes, sets, sorted sets, expiries, a pipelined batch, INFO,
# CONFIG GET and two SAVEs (dump.rdb written through a temp-PID.rdb the
# recording never named, then renamed).  No false denial: every reply is
# right, the dump is written, nothing is named.  And the layer is there:
# MODULE LOAD of a library outside what redis was seen reading fails with
# EACCES (natively it is opened, and refused only for lacking
# RedisModule_OnLoad).
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/lib_servers.sh"
need redis-server redis-cli python3
need_sysphase

PORT=$(free_port)
CLI=(redis-cli -h 127.0.0.1 -p "$PORT")
mkdir -p "$T/data" "$T/elsewhere"
SERVER=(redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no
	--dir "$T/data" --dbfilename dump.rdb --daemonize no --logfile "$T/redis.log"
	--enable-module-command yes)

ready() {
	[ "$("${CLI[@]}" ping 2>/dev/null)" = PONG ]
}

narrow() {
	{
		"${CLI[@]}" set greeting hello
		"${CLI[@]}" get greeting
		"${CLI[@]}" save
	} >"$T/narrow.out" 2>&1
	grep -qx hello "$T/narrow.out" && [ "$(grep -cx OK "$T/narrow.out")" -eq 2 ]
}

wide() {
	local out=$T/wide.out
	{
		"${CLI[@]}" rpush list a b c
		"${CLI[@]}" lrange list 0 -1
		"${CLI[@]}" hset h field value
		"${CLI[@]}" hgetall h
		"${CLI[@]}" sadd s x y z
		"${CLI[@]}" scard s
		"${CLI[@]}" zadd z 1 one 2 two
		"${CLI[@]}" zrange z 0 -1 withscores
		"${CLI[@]}" set temp 1 ex 100
		"${CLI[@]}" ttl temp
		for i in $(seq 300); do printf 'SET key:%d %d\r\n' "$i" "$i"; done | "${CLI[@]}" --pipe
		"${CLI[@]}" get key:300
		"${CLI[@]}" info persistence | grep -c '^rdb_last_bgsave_status:ok'
		"${CLI[@]}" config get dbfilename
		"${CLI[@]}" save
		"${CLI[@]}" incr counter
		"${CLI[@]}" save
	} >"$out" 2>&1
	grep -qx 3 "$out" && grep -qx two "$out" && grep -qx 300 "$out" &&
		grep -q "errors: 0, replies: 300" "$out" && grep -qx dump.rdb "$out" &&
		[ "$(grep -cx OK "$out")" -ge 2 ]
}

stop() {
	local r
	r=$(server_of "$1")
	[ -n "$r" ] && kill -TERM "$r"
	wait "$1"
}

serve_record redis "${SERVER[@]}"
check "recorded redis becomes ready" wait_until 60 ready
check "the narrow workload under the recorder" narrow
stop "$sp"
check "record exits 0" test $? -eq 0
serve_export redis
check "export exits 0" test $? -eq 0
landlock_summary redis | sed 's/^/  /'
check "steady state's layer restricts files" landlock_files redis "steady state"

rm -f "$T/data/dump.rdb"
serve_run redis "${SERVER[@]}"
check "redis under run becomes ready" wait_until 60 ready
check "the wide workload under run: every reply right" wide
check "the dump was written under the layers" test -s "$T/data/dump.rdb"
# The layer is in force: a library the recording never read.
cp "$(ldconfig -p | awk '/libm\.so\.6 .*x86-64/ { print $NF; exit }')" "$T/elsewhere/mod.so"
chmod 755 "$T/elsewhere/mod.so"
"${CLI[@]}" module load "$T/elsewhere/mod.so" >"$T/elsewhere.out" 2>&1
check "a MODULE LOAD from elsewhere is refused" grep -q "ERR" "$T/elsewhere.out"
check "... because the layer denied the open (redis's log: Permission denied)" \
	grep -q "mod.so.*Permission denied" "$T/redis.log"
check "redis still serves" ready
stop "$sp"
rc=$?
check "run exits 0 after SIGTERM (got $rc)" test "$rc" -eq 0
check "no false denial: run names only the planted one" \
	test "$(grep -c -e "killed by" -e "denied" "$T/redis.run.err")" -eq \
	"$(grep -c "Landlock denied .* on $T/elsewhere/mod.so" "$T/redis.run.err")"
finish
