#!/bin/bash
# SPDX-License-Identifier: MIT
# Attack (issue 17): a clone(CLONE_VM) process, not a thread, shares the
# program's memory and rewrites the injected BPF to `ret ALLOW` while the
# main thread is handed over.  Only the thread group used to be held:
# without CAP_SYS_ADMIN (uid 65534, root in a container) the filter cannot
# be read back, the count check passed, and the payload's socket()
# succeeded in serving.  Every task that shares the memory (kcmp
# KCMP_VM) is held now: the scanner never sees the program, the real
# filter is in, and socket() kills the process (159).  As root, root
# without CAP_SYS_ADMIN and uid 65534, five times each (interleavings:
# before the fix the scanner found the program in about one run of four
# on a loaded 2-core machine, and every run it found both escaped).
. "$(dirname "$0")/lib_security.sh"

policy_of clone_vm_rewrite
for i in 1 2 3 4 5; do
	for who in root nosysadmin nobody; do
		as_user "$who" attack "$who$i" clone_vm_rewrite -- --attack
		check "$who run $i: killed by SIGSYS at the payload (159, got $st)" test "$st" -eq 159
		check "$who run $i: the scanner never saw the program" \
			grep -qx "clone_vm: found the program 0 times" "$T/$who$i.out"
		check "$who run $i: socket() never returned" not grep -q "socket succeeded" "$T/$who$i.out"
		check "$who run $i: the shell never ran" not grep -q "the shell ran" "$T/$who$i.out"
	done
done
finish
