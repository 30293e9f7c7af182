#!/bin/bash
# SPDX-License-Identifier: MIT
# A zombie leader listed during a hand-over (tracer/quiesce.c adopt()):
# the main thread reaches the final phase, is let go and leaves with
# pthread_exit(); a worker still in the first phase then makes both
# triggers.  Each hand-over lists the process's tasks and finds the
# leader, a zombie nobody traces: PTRACE_SEIZE refuses it (EPERM).  It
# runs nothing, so the hand-over goes on: the worker ends with 3 filters
# and the run exits 0.  Before the fix the holding listed the tasks again
# forever (the run never ended); a refusal taken at its word would fail
# closed (125).  The leader's name, "z) R 1 (y", is read from stat too.
. "$(dirname "$0")/lib_security.sh"

policy_of zombie_leader
AS=(timeout -k 5 60)
for i in 1 2 3; do
	attack "z$i" zombie_leader --
	check "run $i: exits 0 within 60 s (got $st)" test "$st" -eq 0
	check "run $i: the worker holds 3 filters" \
		grep -qx "zombie_leader: the worker holds 3 filters" "$T/z$i.out"
	check "run $i: nothing reported" test "$(lines "z$i")" -eq 0
done
AS=()
finish
