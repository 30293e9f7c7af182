#!/bin/bash
# SPDX-License-Identifier: MIT
# Attack 2: the program stacks a filter of its own that answers seccomp()
# with ERRNO|0 (a fake success), TRACE, TRAP or KILL, so that the filter
# sysphase injects never arrives.
#   - As root, run reads the thread's filters back before the hand-over,
#     sees that its own refuses seccomp(), and injects nothing: the thread
#     keeps the filter of 'init' (verified when it went in) and its own,
#     and is let go, with one line (docs/security.md, "A filter that
#     forbids further filters").  It gains nothing: init's filter is what
#     it holds, and the payload, outside it, is killed (SIGSYS) or, under
#     --default-action errno, fails with EPERM.
#   - Root without CAP_SYS_ADMIN cannot read filters back: the hand-over
#     is tried, verified against the kernel's filter count (never the
#     call's result), and fails closed: killed, one line, exit 125.
# The payload never runs.
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
	check "$mode: its own filter was in" grep -qx "fake: own filter installed, 2 filters" "$T/$mode.out"
	check "$mode: nothing was injected into it: one line says it keeps init's filter" \
		sealed "$mode" init ready
	check "$mode: it ran on under init's filter and its own" \
		grep -qx "fake: ready with 2 filters" "$T/$mode.out"
	check "$mode: the payload is killed by init's filter (159, got $st)" test "$st" -eq 159
	check "$mode: the payload never ran" not grep -Eq "socket|shell" "$T/$mode.out"
	check "$mode: the denial names init" grep -q "in phase 'init': socket .*killed by SIGSYS" "$T/$mode.err"

	without_sys_admin attack "$mode-nocap" fake_seccomp -- --attack "$mode"
	check "$mode, no CAP_SYS_ADMIN: the hand-over failure ends the run (125, got $st)" \
		test "$st" -eq 125
	check "$mode, no CAP_SYS_ADMIN: it never ran on in ready" \
		not grep -q "^fake: ready" "$T/$mode-nocap.out"
	check "$mode, no CAP_SYS_ADMIN: the payload never ran" \
		not grep -Eq "socket|shell" "$T/$mode-nocap.out"
	check "$mode, no CAP_SYS_ADMIN: one line names the process, the phase and the reason" \
		handover_killed "$mode-nocap" ready "${why[$mode]}"
done
# The same under --default-action errno: init's filter still holds.
attack errno-action fake_seccomp --default-action errno -- --attack errno0
check "errno action: it keeps init's filter" sealed errno-action init ready
check "errno action: the payload's socket fails with EPERM" \
	grep -qx "fake: socket failed: EPERM" "$T/errno-action.out"
check "errno action: and no shell ran" not grep -q "the shell ran" "$T/errno-action.out"
without_sys_admin attack errno-action-nocap fake_seccomp --default-action errno -- --attack errno0
check "errno action, no CAP_SYS_ADMIN: still killed (125, got $st)" test "$st" -eq 125
finish
