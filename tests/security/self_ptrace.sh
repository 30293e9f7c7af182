#!/bin/bash
# SPDX-License-Identifier: MIT
# A program that ptraces itself or its relatives to get out from under its
# supervisor: PTRACE_TRACEME, a child seizing its parent, the parent
# seizing its child.  A task has one tracer: each fails with EPERM, the
# phases go on, and the payload's socket() in serving kills the program.
. "$(dirname "$0")/lib_security.sh"

policy_of self_ptrace
attack p self_ptrace -- --attack
check "killed by SIGSYS at the payload (159, got $st)" test "$st" -eq 159
check "PTRACE_TRACEME fails with EPERM" grep -qx "ptrace: traceme EPERM" "$T/p.out"
check "the child cannot seize its parent" \
	grep -qx "ptrace: child seizing its parent EPERM" "$T/p.out"
check "the parent cannot seize its child" \
	grep -qx "ptrace: parent seizing its child EPERM" "$T/p.out"
check "socket() never returned" not grep -q "socket succeeded" "$T/p.out"
check "one line names the phase and the call" \
	grep -Eq "^sysphase: process [0-9]+ \(self_ptrace\) in phase 'serving': socket \(x86_64 nr 41\) killed by SIGSYS(; to allow it: .*)?$" "$T/p.err"
finish
