#!/bin/bash
# SPDX-License-Identifier: MIT
# A comm that drives the terminal (ESC [2J, CR, LF, then a fake stat tail
# ") R 1 (") in the line run prints about the process: a forked child
# inherits the name, reaches serving (final: it is let go) and makes a
# call serving forbids.
# The line names the child with every byte outside printable ASCII shown
# as '?', on one line; no ESC or CR reaches the user's terminal.  Before,
# the name was printed raw, cut at its newline.
. "$(dirname "$0")/lib_security.sh"

policy_of hostile_name
attack h hostile_name -- --attack
check "the parent ends well (0, got $st)" test "$st" -eq 0
check "the child was killed at its forbidden call" \
	grep -qx "hostile_name: the child was killed by SIGSYS" "$T/h.out"
check "the line names the child, escaped, on one line" \
	grep -Eq "^sysphase: process [0-9]+ \(a\?\[2J\?\?b\) R 1 \(\) in phase 'serving': socket \(x86_64 nr 41\) killed by SIGSYS" \
	"$T/h.err"
check "no ESC or CR reaches the terminal" not grep -q $'[\033\r]' "$T/h.err"
finish
