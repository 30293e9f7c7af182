#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Static completion on redis-server (Debian package): recorded (with
# --stack=addr, generic rules) answering a few commands, then run under
# the completed policy while redis-benchmark drives every command it
# knows: no denial, every benchmark answered, a clean SHUTDOWN.  Without
# completion the same benchmark is denied (jemalloc's mmap, and more):
# the check that completion is what keeps it up.  mmap and mprotect come
# in W^X: the steady state's filter must not allow PROT_EXEC.

. "$(dirname "$0")/lib.sh"
need python3 redis-server redis-cli redis-benchmark
need_sysphase
export XDG_CACHE_HOME=$T/cache
REDIS=$(command -v redis-server)

# start_redis MODE OUT [args...]: record or run redis on a new port; sets $sp and $port.
start_redis() {
	local mode=$1 out=$2
	shift 2
	port=$(free_port)
	"$SYSPHASE" "$mode" "$@" -- "$REDIS" --port "$port" --bind 127.0.0.1 --save "" \
		--appendonly no --dir "$T" --daemonize no >"$out" 2>&1 &
	sp=$!
	track "$sp"
	wait_until 60 quietly redis-cli -p "$port" ping
}

stop_redis() {
	redis-cli -p "$port" shutdown nosave >/dev/null 2>&1
	wait_until 30 not kill -0 "$sp" 2>/dev/null
	wait "$sp"
}

check "recorded redis answers" start_redis record "$T/rec.out" --stack=addr --rules generic \
	-o "$T/trace.jsonl"
for cmd in "set k v" "get k" "incr n" "lpush l a" "lrange l 0 -1" "del k"; do
	redis-cli -p "$port" $cmd >/dev/null
done
stop_redis
check "record exits 0" test $? -eq 0
"$SYSPHASE" export "$T/trace.jsonl" -o "$T/pol" --format bpf >"$T/export.out" 2>&1
check "export exits 0" test $? -eq 0
"$SYSPHASE" export --no-complete "$T/trace.jsonl" -o "$T/pol0" --format bpf >/dev/null 2>&1
check "export --no-complete exits 0" test $? -eq 0
grep -E '^completion|steady state' "$T/export.out" | head -3

check "the steady state allows mmap only without PROT_EXEC" python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
ph = [x for x in p["phases"] if x["name"] == "steady state"][0]
wx = [{"index": 2, "op": "SCMP_CMP_MASKED_EQ", "mask": 4, "values": [0]}]
sys.exit(0 if ph.get("enforce_args", {}).get("mmap") == wx else 1)
' "$T/pol/policy.json"

if ! start_redis run "$T/run.out" --policy "$T/pol/policy.json"; then
	fail "redis under the completed policy answers: $(grep -v overcommit "$T/run.out" | tail -5)"
	finish
fi
pass "redis under the completed policy answers"
timeout 300 redis-benchmark -p "$port" -q -n 1000 -c 10 >"$T/bench.out" 2>&1
check "redis-benchmark exits 0" test $? -eq 0
check "every benchmark answered" not grep -q -i 'error' "$T/bench.out"
check "... and it ran them all" test "$(grep -c 'requests per second' "$T/bench.out")" -ge 15
stop_redis
check "run exits 0 after SHUTDOWN" test $? -eq 0
check "no denial" not grep -q 'killed by SIGSYS' "$T/run.out"

check "redis under the uncompleted policy answers" start_redis run "$T/run0.out" \
	--policy "$T/pol0/policy.json"
# The server may die under the benchmark: -t ping,set,get keeps it short either way.
timeout 60 redis-benchmark -p "$port" -q -n 1000 -c 10 -t ping,set,get,lpush,mset \
	>"$T/bench0.out" 2>&1
wait_until 30 not kill -0 "$sp" 2>/dev/null
check "without completion the benchmark is denied" grep -q 'killed by SIGSYS' "$T/run0.out"
redis-cli -p "$port" shutdown nosave >/dev/null 2>&1
finish
