#!/bin/bash
# SPDX-License-Identifier: MIT
# Stall (issue 17): openat()'s path on a page registered with a
# userfaultfd nobody serves.  The supervisor's read of the path used to
# sleep in the kernel until the page was filled (never): SIGTERM did
# nothing and the run never ended.  sysphase reads through /proc/PID/mem
# now, which fails on such a page: the program stalls in its own call,
# and the stop requests reach sysphase's loop: the first SIGTERM is
# forwarded to the program (as a shell does), which, traced, cannot die of
# it while it spins on the page; the second ends the run (SIGKILL, 137).
# Root only (a userfaultfd that handles kernel faults); the ceilings (30 s)
# stand for "never".
. "$(dirname "$0")/lib_security.sh"

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root for a userfaultfd that handles kernel faults"; exit 77; }
policy_of uffd_stall
grep -q "no userfaultfd" "$T/uffd_stall.rec.out" && { echo "SKIP: no userfaultfd here"; exit 77; }
"$SYSPHASE" run --policy "$T/uffd_stall.pol/policy.json" -- "$SEC/uffd_stall" --attack \
	>"$T/a.out" 2>"$T/a.err" &
sp=$!
track "$sp"
opening() { grep -q "^uffd: pid [0-9]* opens its path" "$T/a.out"; }
check "the program reaches its openat()" wait_until 30 opening
prog=$(sed -n 's/^uffd: pid \([0-9]*\) opens.*/\1/p' "$T/a.out")
# In openat() for good: asleep on the page (or, before the fix, held at the entry stop).
in_openat() { [ "$(cut -d' ' -f1 "/proc/$prog/syscall" 2>/dev/null)" = 257 ] && state_is "$prog" S t; }
check "the program sits in openat()" wait_until 30 in_openat
forwarded() { grep -q "ShdPnd:.*4000$" "/proc/$prog/status" 2>/dev/null || ! kill -0 "$prog" 2>/dev/null; }
kill -TERM "$sp"
check "the first SIGTERM reaches the program" wait_until 30 forwarded
kill -TERM "$sp"
gone() { ! kill -0 "$sp" 2>/dev/null; }
check "the second SIGTERM ends the run" wait_until 30 gone
wait "$sp" 2>/dev/null
st=$?
check "the program was killed (137 or 143, got $st)" test "$st" -eq 137 -o "$st" -eq 143
check "openat() never returned" not grep -q "openat returned" "$T/a.out"
finish
