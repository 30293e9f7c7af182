#!/bin/bash
# SPDX-License-Identifier: MIT
#
# sysphase run moves one thread of a multi-threaded process between
# filters while its other threads sit blocked in syscalls
# (tracees/run_threads: two threads in read() on a pipe, one in a futex
# wait; rules run_threads.json: init -> ready at getppid() -> serving at
# getpgrp(), serving final).  Phases are per thread (docs/run.md): the
# main thread, which makes the marker calls, narrows and is let go; the
# helper threads, born in init, never make one and keep init's filter.
# Neither the injection nor the main thread's detach may disturb a
# blocked call or its result:
#   - the main thread's Seccomp_filters grow 1 -> 2 -> 3 and it ends with
#     TracerPid 0; each helper holds 1 filter throughout, still traced;
#   - every blocked read returns exactly the bytes written to it, the
#     futex wait returns 0, nothing crashes;
#   - afterwards socket() (used in init only) fails with EPERM in the main
#     thread (--default-action errno) and kills the whole process with
#     SIGSYS in enforce mode; in the helpers, still in init, it succeeds.
# The normal run is repeated a few times: each repetition takes other
# interleavings of the supervisor and the threads, none may lose a result.
# Last, a thread with a filter of its own (--diverge): filters are
# installed into one thread at a time (no TSYNC), so the diverging thread
# does not stand in the way of the main thread's phases.

. "$(dirname "$0")/lib.sh"
need python3
need_sysphase

RULES=$SRCDIR/tests/data/rules/run_threads.json
PROG=$TRACEES/run_threads
WHO=("main" "thread 0" "thread 1" "thread 2")
HELPERS=("thread 0" "thread 1" "thread 2")

# step_is OUT WHO STEP FILTERS TRACED: WHO's report at STEP.
step_is() {
	local line filters tp
	line=$(grep -m1 "^threads: $2 $3: " "$1") || return 1
	filters=$(sed -n 's/.*Seccomp_filters=\([^ ]*\).*/\1/p' <<<"$line")
	tp=$(sed -n 's/.*TracerPid=\([^ ]*\).*/\1/p' <<<"$line")
	[ "$filters" = "$4" ] || return 1
	case $5 in
	traced) [ -n "$tp" ] && [ "$tp" != 0 ] ;;
	detached) [ "$tp" = 0 ] ;;
	*) return 1 ;;
	esac
}

# every_thread_at OUT STEP FILTERS TRACED
every_thread_at() {
	local w
	for w in "${WHO[@]}"; do
		step_is "$1" "$w" "$2" "$3" "$4" || { echo "  ($w at $2)"; return 1; }
	done
}

# helpers_at OUT STEP FILTERS TRACED
helpers_at() {
	local w
	for w in "${HELPERS[@]}"; do
		step_is "$1" "$w" "$2" "$3" "$4" || { echo "  ($w at $2)"; return 1; }
	done
}

helpers_probe_is() {
	local w
	for w in "${HELPERS[@]}"; do
		grep -qx "threads: $w probe socket: $2" "$1" || { echo "  ($w)"; return 1; }
	done
}

"$SYSPHASE" record --rules "$RULES" -o "$T/trace.jsonl" -- "$PROG" >"$T/rec.out" 2>"$T/rec.err"
check "record exits 0" test $? -eq 0
check "record: no result lost under the recorder either" \
	grep -qx "threads: 0 lost or wrong syscall results" "$T/rec.out"
"$SYSPHASE" export --rules "$RULES" "$T/trace.jsonl" -o "$T/pol" >"$T/export.out" 2>&1
check "export exits 0" test $? -eq 0

# ---- the normal run, repeated ----
for i in 1 2 3 4 5; do
	"$SYSPHASE" run --policy "$T/pol/policy.json" -- "$PROG" >"$T/n$i.out" 2>"$T/n$i.err"
	rc=$?
	check "run $i: exits 0 (got $rc)" test "$rc" -eq 0
	check "run $i: no lost or wrong syscall result" \
		grep -qx "threads: 0 lost or wrong syscall results" "$T/n$i.out"
	check "run $i: both transitions made while every thread was blocked" \
		test "$(grep -c '^threads: main: all threads blocked' "$T/n$i.out")" -eq 2
	check "run $i: init: every thread holds the initial filter, traced" \
		every_thread_at "$T/n$i.out" init 1 traced
	check "run $i: ready: the main thread holds 2 filters, still traced" \
		step_is "$T/n$i.out" main ready 2 traced
	check "run $i: serving: the main thread holds 3 filters, detached" \
		step_is "$T/n$i.out" main serving 3 detached
	check "run $i: the helpers hold init's filter only, traced, at every step" \
		helpers_at "$T/n$i.out" ready 1 traced
	check "run $i: ... and after the main thread's last phase change" \
		helpers_at "$T/n$i.out" serving 1 traced
	check "run $i: nothing on stderr" test ! -s "$T/n$i.err"
done

# ---- the filters' behaviour in every thread ----
"$SYSPHASE" run --policy "$T/pol/policy.json" --default-action errno -- "$PROG" --probe \
	>"$T/errno.out" 2>"$T/errno.err"
rc=$?
check "errno: exits 0 (got $rc)" test "$rc" -eq 0
check "errno: socket() fails with EPERM in the main thread" \
	grep -qx "threads: main probe socket: EPERM" "$T/errno.out"
check "errno: the helpers, still in init, may use it" helpers_probe_is "$T/errno.out" ok
check "errno: no lost or wrong syscall result" \
	grep -qx "threads: 0 lost or wrong syscall results" "$T/errno.out"
check "errno: one line for the denial, naming phase and syscall" \
	test "$(grep -c "in phase 'serving': socket\\b" "$T/errno.err")" -eq 1

"$SYSPHASE" run --policy "$T/pol/policy.json" -- "$PROG" --probe >"$T/kill.out" 2>"$T/kill.err"
rc=$?
check "enforce: the first socket() kills the process with SIGSYS (status 159, got $rc)" \
	test "$rc" -eq 159
check "enforce: the main thread never saw socket() return" \
	not grep -q "main probe socket:" "$T/kill.out"
check "enforce: one line naming the phase and the syscall" \
	grep -q "in phase 'serving': socket\\b" "$T/kill.err"

# ---- a thread with filters of its own does not hold the others back ----
"$SYSPHASE" record --rules "$RULES" -o "$T/div.jsonl" -- "$PROG" --diverge >"$T/div-rec.out" 2>&1
check "diverge: record exits 0" test $? -eq 0
"$SYSPHASE" export --rules "$RULES" "$T/div.jsonl" -o "$T/div-pol" >/dev/null 2>&1
check "diverge: export exits 0" test $? -eq 0
"$SYSPHASE" run --policy "$T/div-pol/policy.json" -- "$PROG" --diverge >"$T/div.out" 2>"$T/div.err"
rc=$?
check "diverge: the program runs to its end (got $rc)" test "$rc" -eq 0
check "diverge: the main thread went through its phases" step_is "$T/div.out" main serving 3 detached
check "diverge: thread 0 holds init's filter and its own" \
	step_is "$T/div.out" "thread 0" serving 2 traced
check "diverge: nothing on stderr" test ! -s "$T/div.err"

finish
