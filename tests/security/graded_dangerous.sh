#!/bin/bash
# SPDX-License-Identifier: MIT
# Attack (issue 17): --default-action graded used to let every call the
# 1998 threat table did not rate through with a log: ptrace on the
# supervisor, process_vm_writev, pidfd_getfd, bpf, perf_event_open,
# unshare, setns, kexec_load, finit_module, userfaultfd, keyctl, the mount
# API, unlink.  Graded means graded now: only calls rated harmless go
# through; each of these, made in serving, kills the process (159) with
# one line naming it.  The run of the program without an extra call is
# not disturbed.
. "$(dirname "$0")/lib_security.sh"

policy_of graded_dangerous
attack plain graded_dangerous --default-action graded
check "plain: runs to its end (0, got $st)" test "$st" -eq 0
for call in ptrace process_vm_writev pidfd_getfd bpf perf_event_open unshare setns kexec_load \
	finit_module userfaultfd keyctl fsopen unlink; do
	attack "$call" graded_dangerous --default-action graded -- --attack "$call"
	check "$call: killed by SIGSYS (159, got $st)" test "$st" -eq 159
	check "$call: it never returned" not grep -q "returned" "$T/$call.out"
	check "$call: one line names it" \
		grep -Eq "^sysphase: process [0-9]+ \(graded_dangerou\) in phase 'serving': $call \(x86_64 nr [0-9]+\) killed by SIGSYS(; to allow it: .*)?$" "$T/$call.err"
done
finish
