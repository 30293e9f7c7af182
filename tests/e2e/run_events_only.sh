#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Native speed (DESIGN.md, invariant 6) under the generic rules: in steady
# state only exit_group, an exec and forks lead out, so run follows the
# program by process events alone (tests/tracees/run_lifecycle
# --count-stops --fork, recorded plain):
#   - the tracee counts how often it slept during 1000 getppid() calls in
#     steady state (voluntary context switches: each ptrace stop is one):
#     about 2000 under record, which stops at every entry and exit, and
#     next to none under run, though it is still followed (TracerPid);
#   - the child it forks there is still seen and narrowed to its own phase
#     (`child initialization`) at its own first stop: one filter more than
#     its parent holds;
#   - the program ends through exit_group, which enters `termination`:
#     nothing is installed there and nothing is said.
. "$(dirname "$0")/lib.sh"
need python3
need_sysphase

PROG=$TRACEES/run_lifecycle

# field OUT PHASE KEY: KEY's value on PHASE's report line of OUT.
field() {
	sed -n "s/^lifecycle: phase $2: .*\\b$3=\\([^ ]*\\).*/\\1/p" "$1" | head -1
}

sleeps() {
	sed -n 's/^lifecycle: phase serving: sleeps in 1000 getppid: \([0-9]*\)$/\1/p' "$1"
}

"$SYSPHASE" record --rules generic -o "$T/trace.jsonl" -- "$PROG" --count-stops --fork \
	>"$T/rec.out" 2>"$T/rec.err"
check "record exits 0" test $? -eq 0
check "record stops at every entry and exit: 1000 getppid sleep 2000 times or more ($(sleeps "$T/rec.out"))" \
	test "$(sleeps "$T/rec.out")" -ge 2000
"$SYSPHASE" export "$T/trace.jsonl" -o "$T/pol" >"$T/export.out" 2>&1
check "export exits 0" test $? -eq 0

"$SYSPHASE" run --policy "$T/pol/policy.json" -- "$PROG" --count-stops --fork \
	>"$T/run.out" 2>"$T/run.err"
rc=$?
check "run exits 0 (got $rc)" test "$rc" -eq 0
check "run reports nothing (termination, entered at exit_group, needs no filter)" \
	test ! -s "$T/run.err"
parent=$(field "$T/run.out" serving Seccomp_filters)
check "steady state: still followed (TracerPid not 0)" \
	test "$(field "$T/run.out" serving TracerPid)" != 0
check "steady state: 1000 getppid cost no stop ($(sleeps "$T/run.out") sleeps)" \
	test "$(sleeps "$T/run.out")" -lt 100
check "the child is narrowed at its own first stop: one filter more than its parent ($parent)" \
	test "$(field "$T/run.out" child Seccomp_filters)" = "$((parent + 1))"
check "the child ran" grep -q "^lifecycle: child [0-9]*: sysinfo ok" "$T/run.out"
check "the program ran to its end" grep -qx "lifecycle: done" "$T/run.out"

finish
