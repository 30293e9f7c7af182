#!/bin/bash
# SPDX-License-Identifier: MIT
# Attack (issue 17): an SQPOLL io_uring ring made in init, where the policy
# allows io_uring (export --allow-io-uring), keeps working in serving,
# whose filter has no io_uring call: the kernel's poller submits what the
# program writes into the ring, without a syscall (openat of /etc/shadow
# succeeded).  run refuses a hand-over into a phase without io_uring while
# the process holds a ring (fd or mapping): killed at the hand-over into
# ready, one line says why, run exits 125.  The program that closes its
# ring first runs to its end.
. "$(dirname "$0")/lib_security.sh"

"$SYSPHASE" record --rules "$RULES" -o "$T/sq.jsonl" -- "$SEC/sqpoll_ring" >"$T/rec.out" 2>&1
st=$?
[ "$st" -eq 77 ] && { echo "SKIP: $(cat "$T/rec.out")"; exit 77; }
check "recorded without its attack (exit 0, got $st)" test "$st" -eq 0
mkdir -p "$T/sqpoll_ring.pol"
"$SYSPHASE" export --rules "$RULES" --allow-io-uring "$T/sq.jsonl" -o "$T/sqpoll_ring.pol" \
	>"$T/export.out" 2>&1
check "policy exported with io_uring" grep -q io_uring_setup "$T/sqpoll_ring.pol/policy.json"
attack plain sqpoll_ring
check "plain: the ring closed, the phases change, it runs to its end (0, got $st)" test "$st" -eq 0
check "plain: done" grep -qx "sqpoll: done" "$T/plain.out"
attack ring sqpoll_ring -- --attack
check "attack: the hand-over is refused (125, got $st)" test "$st" -eq 125
check "attack: the ring was up in init" grep -q "^sqpoll: ring up" "$T/ring.out"
check "attack: the ring never ran in serving" not grep -q "serving" "$T/ring.out"
check "attack: one line names the phase and the ring" \
	handover_killed ring ready "process [0-9]+ holds an io_uring ring \\([0-9]+ fds, [0-9]+ with a kernel poller, [0-9]+ mappings, [0-9]+ poller threads\\), whose operations no filter sees, and the new phase has no io_uring"
finish
