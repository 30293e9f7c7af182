#!/bin/bash
# SPDX-License-Identifier: MIT
# Attack 2: the program stacks a filter of its own that answers seccomp()
# with ERRNO|0 (a fake success), TRACE, TRAP or KILL, so that the
# filter sysphase injects never arrives.  The hand-over is verified
# against the kernel's filter count, never the call's result: each
# variant kills the program with one line naming the process, the phase
# and the reason, and run exits 125.  The payload never runs.
. "$(dirname "$0")/lib_security.sh"

policy_of fake_seccomp
declare -A why=(
	[errno0]="thread [0-9]+ holds 2 seccomp filters after the hand-over, not 3"
	[trace]="seccomp\\(\\) failed: Function not implemented"
	[trap]="seccomp\\(\\) returned 317, not 0: a filter of the program's own intercepted it"
	[kill]="(seccomp\\(\\) returned 317, not 0: a filter of the program's own intercepted it|thread [0-9]+ died during the injection.*)"
)
for mode in errno0 trace trap kill; do
	attack "$mode" fake_seccomp -- --attack "$mode"
	check "$mode: the hand-over failure ends the run (125, got $st)" test "$st" -eq 125
	check "$mode: its own filter was in" grep -qx "fake: own filter installed, 2 filters" "$T/$mode.out"
	check "$mode: it never ran on in ready" not grep -q "^fake: ready" "$T/$mode.out"
	check "$mode: the payload never ran" not grep -Eq "socket|shell" "$T/$mode.out"
	check "$mode: one line names the process, the phase and the reason" \
		handover_killed "$mode" ready "${why[$mode]}"
done
# The same under --default-action errno: failing closed does not depend on the action.
attack errno-action fake_seccomp --default-action errno -- --attack errno0
check "errno action: still killed (125, got $st)" test "$st" -eq 125
finish
