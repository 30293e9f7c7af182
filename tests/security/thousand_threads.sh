#!/bin/bash
# SPDX-License-Identifier: MIT
# Stall (issue 17): 1000 threads each make both phase triggers, so 2000
# hand-overs.  When each held every thread, that cost O(threads^2): 92 s
# on the reporter's machine, while every other traced process waited.
# Held threads waiting for a filter are handed over under the same
# holding now (tracer/install.c), so the cost grows about linearly.
# 1000 threads: every thread holds its three filters (init, ready,
# serving).  2000 threads: the run ends within a ceiling of 60 s (about
# 9 s now on a 2-core machine, bench/handover.sh; 07f408a gave up after
# 50 s with a failed hand-over, and its quadratic cost would take longer).
. "$(dirname "$0")/lib_security.sh"

policy_of thousand_threads 10
AS=(timeout -k 5 60)
attack t1000 thousand_threads -- 1000
# A known defect, not the attack: under load a thread just cloned sometimes
# cannot be seized for the holding (EPERM), and the run fails closed (125)
# with that reason.  Never wider, never a stall: the same two ends as below.
check "1000 threads: the run ends (0 or a fail-closed 125, got $st)" \
	test "$st" -eq 0 -o "$st" -eq 125
if [ "$st" -eq 125 ]; then
	check "1000 threads: the fail-closed end says why" \
		grep -q "^sysphase: process [0-9]* (.*) killed: cannot hand over" "$T/t1000.err"
else
	check "1000 threads: each holds 3 filters" \
		grep -qx "thousand: 1000 of 1000 threads hold 3 filters" "$T/t1000.out"
fi
# 2000 threads: what is checked is that the run ends (no stall) and never
# lets a thread run on a wider filter.  On a loaded machine the holding
# may pass its own bound (tracer/install.c: 30 s) first: then the run
# fails closed (125) and says why, which is also an end.
AS=(timeout -k 5 60)
attack t2000 thousand_threads -- 2000
AS=()
check "2000 threads: the run ends within 60 s (0 or a fail-closed 125, got $st)" \
	test "$st" -eq 0 -o "$st" -eq 125
if [ "$st" -eq 125 ]; then
	check "2000 threads: the fail-closed end says why" \
		grep -q "^sysphase: process [0-9]* (.*) killed: cannot hand over" "$T/t2000.err"
	check "2000 threads: no thread went on past the failed hand-over" \
		not grep -q "threads hold" "$T/t2000.out"
else
	check "2000 threads: each holds 3 filters" \
		grep -qx "thousand: 2000 of 2000 threads hold 3 filters" "$T/t2000.out"
fi
finish
