#!/bin/bash
# SPDX-License-Identifier: MIT
# Attack: the program moves its stack pointer into a MAP_SHARED mapping it
# shares with a forked child before its phase calls, so the filter sysphase
# writes below it sits in memory another process can write, and no holding
# stops that process; the child overwrites the program with `ret ALLOW`.
# Without CAP_SYS_ADMIN (no read-back) only the filter count would witness
# the hand-over, and it would rise by one all the same.  sysphase refuses
# to inject into memory that is not private: the hand-over fails closed
# (killed, one line, exit 125) before anything is written, as root and as
# uid 65534.  The probe (a call ready allows and serving does not) and the
# payload never run.
. "$(dirname "$0")/lib_security.sh"

policy_of shared_stack
check "recorded: the sweeper found nothing" \
	grep -qx "shared: found the program 0 times" "$T/shared_stack.rec.out"
# The phase's Landlock layer goes in first (its paths would be rewritten
# the same way), then its filter: each refuses the shared mapping.
shared="its stack pointer points into a shared mapping \\(MAP_SHARED\\), which another process could write while the injected data sits below it"
for who in root nosysadmin nobody root-nolandlock nobody-nolandlock; do
	reason="the Landlock layer cannot be injected: $shared"
	opts=()
	if [ "${who%-nolandlock}" != "$who" ]; then
		reason="the filter cannot be injected: $shared"
		opts=(--no-landlock)
	fi
	as_user "${who%-nolandlock}" attack "$who" shared_stack "${opts[@]}" -- --attack
	check "$who: the hand-over failure ends the run (125, got $st)" test "$st" -eq 125
	check "$who: one line names the process, the phase and the shared mapping" \
		handover_killed "$who" ready "$reason"
	check "$who: it never got past its markers" not grep -q "^shared: found" "$T/$who.out"
	check "$who: the probe and the payload never ran" \
		not grep -Eq "getppid|socket|shell" "$T/$who.out"
done
finish
