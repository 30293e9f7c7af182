#!/bin/bash
# SPDX-License-Identifier: MIT
#
# sysphase run on redis-server (Debian package) with I/O threads, under the
# built-in generic rules.  redis starts five threads during its
# initialization (three bio threads, the I/O thread, ...); with
# process-wide phases the main thread's first epoll_wait moved every
# thread to its steady state while a new thread was still in glibc's
# start-up, and rseq was killed, in some starts and not others.  Phases
# are per thread now (docs/rules.md): the threads start in the phase
# their creator was in when it made them.
#   1. record redis once under a workload (redis-cli: strings, lists,
#      hashes, a pipelined batch, INFO), stop it with SIGTERM by its pid,
#      export the policy;
#   2. run it 10 times under the policy with the same workload: each
#      start serves every command, stops cleanly on SIGTERM, and sysphase
#      reports no denial;
#   3. run it once under a wider workload (redis-benchmark: 50 clients,
#      commands the recording never saw), with -v: the I/O thread, which
#      never makes a steady-state wait and stays in `initialization`,
#      goes on trigger stops (enforce/triggers.c), and redis serves it
#      all, then the first workload, with no denial.
# redis listens on a free port on 127.0.0.1 (port 0 is not allowed) with
# no persistence, its directory a temporary one.
. "$(dirname "$0")/lib.sh"
need redis-server redis-cli
need_sysphase

PORT=$(free_port)
CLI=(redis-cli -h 127.0.0.1 -p "$PORT")
SERVER=(redis-server --port "$PORT" --bind 127.0.0.1 --io-threads 2 --save '' --appendonly no
	--dir "$T" --daemonize no --logfile "$T/redis.log")

ready() {
	[ "$("${CLI[@]}" ping 2>/dev/null)" = PONG ]
}

# The redis-server process under sysphase (its child), once it is there.
redis_pid() {
	children_of "$1" | head -1
}

workload() {
	local out=$T/workload.out
	{
		"${CLI[@]}" set greeting hello
		"${CLI[@]}" get greeting
		"${CLI[@]}" incrby counter 41
		"${CLI[@]}" incr counter
		"${CLI[@]}" rpush list a b c
		"${CLI[@]}" lrange list 0 -1
		"${CLI[@]}" hset h field value
		"${CLI[@]}" hgetall h
		for i in $(seq 200); do printf 'SET key:%d %d\r\n' "$i" "$i"; done |
			"${CLI[@]}" --pipe
		"${CLI[@]}" get key:200
		"${CLI[@]}" dbsize
		"${CLI[@]}" info server | grep -c '^redis_version:'
		"${CLI[@]}" flushall
	} >"$out" 2>&1
	grep -qx hello "$out" && grep -qx 42 "$out" && grep -qx 200 "$out" &&
		grep -q "errors: 0, replies: 200" "$out"
}

# stop SYSPHASE_PID: SIGTERM to redis by its pid, then wait for sysphase.
stop() {
	local r
	r=$(redis_pid "$1")
	[ -n "$r" ] && kill -TERM "$r"
	wait "$1"
}

# ---- 1. record ----
"$SYSPHASE" record --rules generic -o "$T/trace.jsonl" -- "${SERVER[@]}" >"$T/rec.out" 2>&1 &
sp=$!
track "$sp"
check "recorded redis becomes ready" wait_until 60 ready
cat /proc/"$(redis_pid "$sp")"/task/*/comm >"$T/threads.txt" 2>/dev/null
check "the workload under the recorder" workload
stop "$sp"
check "record exits 0 after SIGTERM" test $? -eq 0
check "redis ran an I/O thread" grep -qx io_thd_1 "$T/threads.txt"
"$SYSPHASE" export --rules generic "$T/trace.jsonl" -o "$T/pol" >"$T/export.out" 2>&1
check "export exits 0" test $? -eq 0

# ---- 2. run it 10 times ----
good=0
for i in $(seq 10); do
	"$SYSPHASE" run --policy "$T/pol/policy.json" -- "${SERVER[@]}" >"$T/run.out" 2>"$T/run.err" &
	sp=$!
	track "$sp"
	ok=1
	wait_until 60 ready || ok=0
	[ "$ok" = 1 ] && { workload || ok=0; }
	stop "$sp"
	rc=$?
	[ "$rc" -eq 0 ] || ok=0
	grep -q -e "killed by" -e "denied" "$T/run.err" && ok=0
	if [ "$ok" = 1 ]; then
		good=$((good + 1))
	else
		echo "  run $i: status $rc"
		sed 's/^/    /' "$T/run.err" | head -5
	fi
done
check "redis under sysphase run: $good of 10 starts served the workload and ended cleanly" \
	test "$good" -eq 10

# ---- 3. a wider workload, the I/O thread on trigger stops ----
if command -v redis-benchmark >/dev/null; then
	"$SYSPHASE" run -v --policy "$T/pol/policy.json" -- "${SERVER[@]}" >"$T/wide.out" 2>"$T/wide.err" &
	sp=$!
	track "$sp"
	check "wide: redis becomes ready" wait_until 60 ready
	redis-benchmark -h 127.0.0.1 -p "$PORT" -c 50 -n 20000 -q \
		-t set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,lrange_100,mset \
		>"$T/bench.out" 2>&1
	check "wide: redis-benchmark runs every test" test "$(grep -c 'requests per second' \
		"$T/bench.out")" -ge 13
	check "wide: then the first workload" workload
	stop "$sp"
	check "wide: run exits 0 after SIGTERM" test $? -eq 0
	check "wide: no denial" not grep -q -e "killed by" -e "denied" "$T/wide.err"
	check "wide: a thread of redis stops at its trigger calls only" \
		grep -q "(redis-server) in phase 'initialization' stops at its trigger calls only" \
		"$T/wide.err"
else
	echo "wide workload skipped: redis-benchmark is not installed"
fi
finish
