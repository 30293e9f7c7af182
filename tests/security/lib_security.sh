#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Shared by the security tests: each records an attack tracee of
# tests/security/tracees without its attack (the policy of the program as
# it normally runs, rules attacks.json), then runs it under that policy
# with the attack and asserts that the attack is stopped and how the
# program ended.  Source it after nothing else:
#     . "$(dirname "$0")/lib_security.sh"
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"
need_sysphase

RULES=$SRCDIR/tests/security/attacks.json
SEC=$TRACEES/security

# policy_of NAME [ARGS...]: records NAME (with ARGS) and exports $T/NAME.pol/policy.json.
policy_of() {
	local name=$1
	shift
	"$SYSPHASE" record --rules "$RULES" -o "$T/$name.jsonl" -- "$SEC/$name" "$@" \
		>"$T/$name.rec.out" 2>"$T/$name.rec.err"
	check "$name: recorded without its attack (exit 0)" test $? -eq 0
	"$SYSPHASE" export --rules "$RULES" "$T/$name.jsonl" -o "$T/$name.pol" \
		>"$T/$name.export.out" 2>&1
	check "$name: policy exported" test -s "$T/$name.pol/policy.json"
}

# attack TAG NAME [RUN OPTIONS...] -- [ARGS...]: runs NAME under its policy;
# its stdout in $T/TAG.out, stderr in $T/TAG.err, exit status in $st.
attack() {
	local tag=$1 name=$2
	shift 2
	local opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	"${AS[@]}" "$SYSPHASE" run --policy "$T/$name.pol/policy.json" "${opts[@]}" -- "$SEC/$name" "$@" \
		>"$T/$tag.out" 2>"$T/$tag.err"
	st=$?
}

# How `attack` runs sysphase: as it is (root), unless as_nobody or without_sys_admin says.
AS=()

# as_nobody attack ...: the attack with sysphase as uid 65534 (outputs opened by this shell).
as_nobody() {
	chmod a+rx "$T"
	AS=(setpriv --reuid 65534 --regid 65534 --clear-groups)
	"$@"
	AS=()
}

# without_sys_admin attack ...: root without CAP_SYS_ADMIN (a container's root): no read-back.
without_sys_admin() {
	AS=(setpriv --bounding-set -sys_admin)
	"$@"
	AS=()
}

# as_user WHO attack ...: the attack with sysphase as root, as root without
# CAP_SYS_ADMIN (nosysadmin) or as uid 65534 (nobody).
as_user() {
	local who=$1
	shift
	case $who in
	root) "$@" ;;
	nosysadmin) without_sys_admin "$@" ;;
	nobody) as_nobody "$@" ;;
	*) fail "as_user: no user '$who'" ;;
	esac
}

# handover_killed TAG PHASE REASON-REGEX: the one line of a failed hand-over.
handover_killed() {
	grep -Eq "^sysphase: process [0-9]+ \([a-z_0-9]+\) killed: cannot hand over the filter of phase '$2': $3\$" \
		"$T/$1.err"
}

# sealed TAG KEPT NEXT: the one line of a thread whose own filter forbids
# further filters: it keeps phase KEPT's filter and its own, not narrowed to NEXT.
sealed() {
	grep -Eq "^sysphase: warning: process [0-9]+ \([a-z_0-9]+\) installed a seccomp filter of its own that refuses seccomp, so no further filter: it keeps the filter of phase '$2' and its own, not narrowed to '$3'" \
		"$T/$1.err"
}

# lines TAG: how many lines stderr holds.
lines() {
	grep -c . "$T/$1.err"
}
