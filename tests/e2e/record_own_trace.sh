#!/bin/bash
# SPDX-License-Identifier: MIT
# A program whose own seccomp filter answers a call with SECCOMP_RET_TRACE
# (tracees/own_filter trace): natively no tracer asks for seccomp stops,
# so the kernel fails getppid with ENOSYS.  Under record, and under
# record --no-exit, whose own filter returns RET_TRACE for every call, the
# program must see the same ENOSYS, and the trace must record it.  And a
# call its own filter kills (own_filter kill) is recorded as killed.
. "$(dirname "$0")/lib.sh"
need_sysphase
need python3

PROG=$TRACEES/own_filter
"$PROG" trace >"$T/native.out"
check "natively getppid fails with ENOSYS" test $? -eq 0

for mode in full no-exit; do
	opts=()
	[ "$mode" = no-exit ] && opts=(--no-exit)
	"$SYSPHASE" record "${opts[@]}" -o "$T/$mode.jsonl" -- "$PROG" trace >"$T/$mode.out" 2>"$T/$mode.err"
	check "$mode: the program sees ENOSYS as natively (exit 0, got $?)" \
		grep -qx "own_filter: getppid failed with ENOSYS as expected" "$T/$mode.out"
	check "$mode: the trace records getppid failing with ENOSYS" python3 -c '
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]).read().split("\n")[1:] if l]
calls = [e for e in evs if e.get("type") == "syscall" and e.get("name") == "getppid"]
sys.exit(0 if calls and calls[-1].get("ret") == -38 else 1)' "$T/$mode.jsonl"
done
# A call its own filter kills gives an exit stop with the syscall number in
# rax (kernel 6.x): the trace says it was killed, with no return value.
"$SYSPHASE" record -o "$T/kill.jsonl" -- "$PROG" kill >"$T/kill.out" 2>&1
check "kill: record exits with the program's SIGSYS (159, got $?)" test $? -eq 159
check "kill: getppid is recorded as killed, with no ret" python3 -c '
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]).read().split("\n")[1:] if l]
calls = [e for e in evs if e.get("type") == "syscall" and e.get("name") == "getppid"]
c = calls[-1] if calls else {}
sys.exit(0 if c.get("killed") is True and "ret" not in c else 1)' "$T/kill.jsonl"
check "kill: the trace reads back" quietly "$SYSPHASE" phases --rules generic "$T/kill.jsonl"
# The ERRNO variant is untouched: EPERM, with and without --no-exit.
"$SYSPHASE" record --no-exit -o "$T/errno.jsonl" -- "$PROG" >"$T/errno.out" 2>&1
check "the ERRNO filter still gives EPERM" \
	grep -qx "own_filter: getppid failed with EPERM as expected" "$T/errno.out"
finish
