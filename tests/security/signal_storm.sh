#!/bin/bash
# SPDX-License-Identifier: MIT
# Signals arriving mid-injection: a child sends SIGUSR1 to its parent
# without pause while the parent changes phase.  Every hand-over holds,
# the parent gets its signals and serves with 3 filters, and exits 0.
. "$(dirname "$0")/lib_security.sh"

policy_of signal_storm
for i in 1 2 3; do
	attack "g$i" signal_storm
	check "run $i: exits 0 (got $st)" test "$st" -eq 0
	check "run $i: signals handled, 3 filters" \
		grep -qx "signals: got some (yes), 3 filters" "$T/g$i.out"
	check "run $i: nothing reported" test "$(lines "g$i")" -eq 0
done
finish
