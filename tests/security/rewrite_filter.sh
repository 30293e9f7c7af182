#!/bin/bash
# SPDX-License-Identifier: MIT
# Attack 1: a sibling thread sweeps the stack for the injected sock_fprog
# and overwrites the program's first instruction with `ret ALLOW`.  The
# process is held still while the program sits in its memory, so the
# scanner never sees it (found 0 times); the real serving filter is in,
# and the payload's socket() kills the process (SIGSYS, 159).  Repeated:
# each run is another interleaving of the scanner and the injections.
. "$(dirname "$0")/lib_security.sh"

policy_of rewrite_filter
for i in 1 2 3; do
	attack "r$i" rewrite_filter -- --attack
	check "run $i: killed by SIGSYS at the payload (159, got $st)" test "$st" -eq 159
	check "run $i: the scanner never saw the program" \
		grep -qx "rewrite: found the program 0 times" "$T/r$i.out"
	check "run $i: socket() never returned" not grep -q "socket succeeded" "$T/r$i.out"
	check "run $i: the shell never ran" not grep -q "the shell ran" "$T/r$i.out"
	check "run $i: one line names the phase and the call" \
		grep -Eq "^sysphase: process [0-9]+ \(rewrite_filter\) in phase 'serving': socket \(x86_64 nr 41\) killed by SIGSYS(; to allow it: .*)?$" "$T/r$i.err"
done
finish
