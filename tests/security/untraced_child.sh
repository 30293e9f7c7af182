#!/bin/bash
# SPDX-License-Identifier: MIT
# Attack 4: clone(CLONE_UNTRACED|SIGCHLD) in init makes a child nobody
# traces, which would keep init's filter while its parent serves.  Every
# filter run installs denies clone with CLONE_UNTRACED by argument: the
# clone kills the process (SIGSYS, 159), or fails with EPERM under
# --default-action errno and under log, and no untraced child ever runs
# the payload.
. "$(dirname "$0")/lib_security.sh"

policy_of untraced_child
check "recorded: the plain clone worked" grep -qx "untraced: child ended" "$T/untraced_child.rec.out"

attack kill untraced_child -- --attack
check "kill: the clone kills the process (159, got $st)" test "$st" -eq 159
check "kill: one line names the clone in init" \
	grep -Eq "^sysphase: process [0-9]+ \(untraced_child\) in phase 'init': clone \(x86_64 nr 56\) killed by SIGSYS(; to allow it: .*)?$" "$T/kill.err"
check "kill: no child ran the payload" not grep -q "untraced child" "$T/kill.out"

for action in errno log; do
	attack "$action" untraced_child --default-action "$action" -- --attack
	check "$action: the program goes on and exits 0 (got $st)" test "$st" -eq 0
	check "$action: the clone fails with EPERM" \
		grep -qx "untraced: clone failed: EPERM" "$T/$action.out"
	check "$action: no child ran the payload" not grep -q "untraced child" "$T/$action.out"
done
finish
