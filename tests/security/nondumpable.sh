#!/bin/bash
# SPDX-License-Identifier: MIT
# Attack (issue 17): the program makes itself non-dumpable
# (prctl(PR_SET_DUMPABLE, 0)).  Under uid 65534 the supervisor can no
# longer read its memory: the hand-over used to take that for "not ready"
# and postpone itself forever, the payload's socket() succeeded under
# init's filter and the run exited 0.  Now a memory access that fails is
# a failed hand-over: the process is killed before it runs on, one line
# says why, run exits 125.  As root the hand-over goes through
# (CAP_SYS_PTRACE) and the payload is killed (159).
. "$(dirname "$0")/lib_security.sh"

policy_of nondumpable
attack root nondumpable -- --attack
check "root: killed by SIGSYS at the payload (159, got $st)" test "$st" -eq 159
check "root: in serving with 3 filters" grep -qx "nondumpable: serving, 3 filters" "$T/root.out"
check "root: socket() never returned" not grep -q "socket succeeded" "$T/root.out"
as_nobody attack nobody nondumpable -- --attack
check "uid 65534: the failed hand-over ends the run (125, got $st)" test "$st" -eq 125
check "uid 65534: it never reached serving" not grep -q "serving" "$T/nobody.out"
check "uid 65534: socket() never returned" not grep -q "socket" "$T/nobody.out"
check "uid 65534: one line names the phase and why" \
	handover_killed nobody ready "(the injection failed: reading the program's stack|cannot tell whether process [0-9]+ holds an io_uring ring): Permission denied \\(the program made itself non-dumpable, and sysphase has no CAP_SYS_PTRACE over it\\)"
finish
