#!/bin/bash
# SPDX-License-Identifier: MIT
# Threads born while sysphase holds the process still for an injection: a
# spawner makes threads without pause through every phase change.  The
# tasks in flight are held too, no hand-over fails, and every thread,
# old or new, ends up with the serving filter (3 filters).  Repeated for
# more interleavings.
. "$(dirname "$0")/lib_security.sh"

policy_of thread_storm
for i in 1 2 3; do
	attack "s$i" thread_storm
	check "run $i: exits 0 (got $st)" test "$st" -eq 0
	check "run $i: main holds 3 filters" grep -qx "storm: main holds 3 filters" "$T/s$i.out"
	check "run $i: a thread born in serving holds 3" \
		grep -qx "storm: a thread born in serving holds 3 filters" "$T/s$i.out"
	check "run $i: nothing reported" test "$(lines "s$i")" -eq 0
done
finish
