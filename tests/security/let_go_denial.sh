#!/bin/bash
# SPDX-License-Identifier: MIT
# A forked child that run has let go in its final phase makes a call that
# phase forbids and is killed by SIGSYS: only the kernel's audit record
# tells, and run must name it every time, whether the child is followed
# by 99 more let go and gone (the sweeps of processes let go keep it
# resolvable) or is the program's last act (run drains the audit stream
# up to a barrier before it exits).  Before, the line was missing in most
# runs on a loaded machine: the sweep freed the dead child's entry before
# its record came, and the end of the run did not wait for records.
. "$(dirname "$0")/lib_security.sh"

policy_of let_go_denial
for where in first last; do
	attack "$where" let_go_denial -- --attack "$where"
	check "$where: the killed child died of SIGSYS, the others ended well (0, got $st)" \
		test "$st" -eq 0
	check "$where: the line names the child let go, its phase and its call" \
		grep -Eq "^sysphase: process [0-9]+ \(let_go_denial\) in phase 'serving': socket \(x86_64 nr 41\) killed by SIGSYS" \
		"$T/$where.err"
	check "$where: one denial line" test "$(grep -c 'killed by SIGSYS' "$T/$where.err")" -eq 1
done
finish
