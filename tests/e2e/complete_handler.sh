#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Static completion seeds signal handlers: tracees/signal_work calls
# getppid() only from its SIGALRM handler.  Recorded by the plain flow
# (no signal comes), exported, then run with a SIGALRM while it waits in
# its steady state: the handler's call is allowed, so it is handled and the
# program exits 0 (before: killed by SIGSYS at getppid).
. "$(dirname "$0")/lib.sh"
need_sysphase
export XDG_CACHE_HOME=$T/cache
PROG=$TRACEES/signal_work

printf 'quit\n' | "$SYSPHASE" record -o "$T/t.jsonl" -- "$PROG" >"$T/rec.out" 2>"$T/rec.err"
check "record exits 0" test $? -eq 0
check "the recording never ran the handler" not grep -q '"getppid"' "$T/t.jsonl"
"$SYSPHASE" export "$T/t.jsonl" -o "$T/pol" >"$T/export.out" 2>&1
check "export exits 0" test $? -eq 0
check "steady state allows the handler's getppid" \
	quietly jq -e '.phases[] | select(.name == "steady state") | .enforce | map(if type == "string" then . else .name end) | index("getppid")' \
	"$T/pol/policy.json"

mkfifo "$T/in"
"$SYSPHASE" run --policy "$T/pol/policy.json" -- "$PROG" <"$T/in" >"$T/run.out" 2>"$T/run.err" &
sp=$!
track "$sp"
exec 3>"$T/in" # the writer end: the program's read blocks until we write
check "the program is ready" wait_until 30 grep -q ready "$T/run.out"
kid=$(cat "/proc/$sp/task/$sp/children" 2>/dev/null | awk '{ print $1 }')
check "the program runs under sysphase run" test -n "$kid"
# Waiting for input (its read on the FIFO): its steady state, by the generic rules.
in_read() { grep -q '^State:.*S' "/proc/$kid/status" 2>/dev/null; }
check "it waits in its read" wait_until 30 in_read
kill -ALRM "$kid"
check "the handler ran under the steady state's filter" wait_until 30 grep -q handled "$T/run.out"
printf 'quit\n' >&3
exec 3>&-
wait "$sp"
st=$?
check "run exits 0 (got $st)" test "$st" -eq 0
check "no denial reported" not grep -q "killed\|denied" "$T/run.err"
finish
