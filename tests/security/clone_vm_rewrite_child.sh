#!/bin/bash
# SPDX-License-Identifier: MIT
# clone_vm_rewrite.sh's attack made by a forked child.  A forked child's
# memory is its own at its birth, and sysphase holds nobody for its
# hand-overs (tracer/quiesce.c, thread.sole_mm): a fork-per-connection
# server's children cost no pass over /proc.  This child then makes a
# clone(CLONE_VM) process that rewrites the injected program in a loop:
# from that call on the child's memory is shared, and its hand-overs hold
# the scanner again.  As root, root without CAP_SYS_ADMIN (no read-back:
# only the holding stands between the scanner and the program) and uid
# 65534, three times each: killed by SIGSYS at the payload (159), the
# scanner never saw the program.
. "$(dirname "$0")/lib_security.sh"

policy_of clone_vm_rewrite --in-child
for i in 1 2 3; do
	for who in root nosysadmin nobody; do
		as_user "$who" attack "$who$i" clone_vm_rewrite -- --in-child --attack
		check "$who run $i: the child was killed by SIGSYS at the payload (159, got $st)" \
			test "$st" -eq 159
		check "$who run $i: the scanner never saw the program" \
			grep -qx "clone_vm: found the program 0 times" "$T/$who$i.out"
		check "$who run $i: socket() never returned" not grep -q "socket succeeded" "$T/$who$i.out"
		check "$who run $i: the shell never ran" not grep -q "the shell ran" "$T/$who$i.out"
	done
done
finish
