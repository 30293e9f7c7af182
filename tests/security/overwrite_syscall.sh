#!/bin/bash
# SPDX-License-Identifier: MIT
# Attack (issue 17): the trigger call, pipe2() made from a writable stub,
# writes its descriptors over its own `syscall` instruction.  The hand-over
# used to wait for an exit stop "at a syscall instruction" and let the next
# call, socket(), run in serving under init's filter (it succeeded).  Now
# the filter goes in at the next syscall-entry stop, before the kernel
# judges that call: socket() is the first call of serving, and it kills
# the process (SIGSYS, 159).  The same as uid 65534.
. "$(dirname "$0")/lib_security.sh"

RULES=$SRCDIR/tests/security/overwrite_syscall.json
policy_of overwrite_syscall
check "recorded: serving reached" grep -qx "overwrite: serving" "$T/overwrite_syscall.rec.out"
attack root overwrite_syscall -- --attack
check "root: killed by SIGSYS at socket() (159, got $st)" test "$st" -eq 159
check "root: socket() never returned" not grep -q "socket" "$T/root.out"
check "root: one line names the phase and the call" \
	grep -Eq "^sysphase: process [0-9]+ \(overwrite_sysca\) in phase 'serving': socket \(x86_64 nr 41\) killed by SIGSYS(; to allow it: .*)?$" "$T/root.err"
as_nobody attack nobody overwrite_syscall -- --attack
check "uid 65534: killed by SIGSYS at socket() (159, got $st)" test "$st" -eq 159
check "uid 65534: socket() never returned" not grep -q "socket" "$T/nobody.out"
finish
