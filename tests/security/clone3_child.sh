#!/bin/bash
# SPDX-License-Identifier: MIT
# Attack 4, clone3: a clone3(CLONE_UNTRACED) hides its flags from seccomp.
# run's filters fail every clone3 with ENOSYS: no untraced child is made,
# glibc's own users (pthread_create, fork) fall back to clone and work,
# the ENOSYS is not reported as a violation, and the program exits 0.
. "$(dirname "$0")/lib_security.sh"

policy_of clone3_child
for action in kill errno; do
	attack "$action" clone3_child --default-action "$action" -- --attack
	check "$action: exits 0 (got $st)" test "$st" -eq 0
	check "$action: clone3 fails with ENOSYS" grep -qx "clone3: failed: ENOSYS" "$T/$action.out"
	check "$action: threads and fork still work" \
		grep -qx "clone3: a thread and a fork child (status 7) still work" "$T/$action.out"
	check "$action: no child ran the payload" not grep -q "clone3 child" "$T/$action.out"
	check "$action: nothing reported" test "$(lines "$action")" -eq 0
done
finish
