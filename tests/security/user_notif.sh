#!/bin/bash
# SPDX-License-Identifier: MIT
# Attack (issue 17): the program's own filter answers seccomp() with
# SECCOMP_RET_USER_NOTIF and nobody reads the listener: an injected
# seccomp() would never return.  The supervisor used to wait for it
# forever, deaf to SIGINT and SIGTERM.
#   - As root, run reads the thread's filters back first: its own refuses
#     seccomp(), so nothing is injected; the thread keeps init's filter and
#     its own, one line says so, and the payload is killed by init's filter.
#   - As uid 65534 (no read-back) the injected call is bounded (5 s): the
#     process is killed, one line says why, run exits 125.
# A generous ceiling (60 s) stands for "forever".
. "$(dirname "$0")/lib_security.sh"

policy_of user_notif
for who in root nobody; do
	if [ "$who" = nobody ]; then
		AS=(setpriv --reuid 65534 --regid 65534 --clear-groups)
		chmod a+rx "$T"
	fi
	AS=(timeout -k 5 60 "${AS[@]}")
	attack "$who" user_notif -- --attack
	AS=()
	check "$who: its own filter was in" grep -q "^user_notif: own filter in" "$T/$who.out"
	check "$who: the payload never ran" not grep -Eq "socket|shell" "$T/$who.out"
	if [ "$who" = root ]; then
		check "root: nothing was injected: one line says it keeps init's filter" \
			sealed root init ready
		check "root: the payload is killed by init's filter (159, got $st)" test "$st" -eq 159
		continue
	fi
	check "$who: the run ends, the hand-over failed (125, got $st)" test "$st" -eq 125
	check "$who: it never ran on in ready" not grep -q "^user_notif: ready" "$T/$who.out"
	check "$who: one line names the phase and why" \
		handover_killed "$who" ready "the seccomp\\(\\) injected into thread [0-9]+ did not return within 5 s .*USER_NOTIF.*"
done
finish
