#!/bin/bash
# SPDX-License-Identifier: MIT
# io_uring through export and run: a tracee that sets up a ring and submits
# through it (raw syscalls) is recorded, then exported.  By default every
# phase's filter denies io_uring_setup/enter/register (its operations are
# invisible to seccomp), export says so in one line naming the phase, and
# under `run` the io_uring_setup is stopped; --allow-io-uring keeps them
# and the same program runs to the end.
. "$(dirname "$0")/lib.sh"
need_sysphase
need jq
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (ptrace)"; exit 77; }
cd "$T"
PROG=$TRACEES/io_uring
RULES=$SRCDIR/tests/data/rules/io_uring.json

st=0
IO_URING_PROBE=1 "$PROG" >probe.out 2>&1 || st=$?
if [ "$st" = 77 ]; then
	echo "SKIP: io_uring is not available here: $(cat probe.out)"
	exit 77
fi
check "the tracee uses io_uring natively" grep -qx "enter: ok" probe.out

"$SYSPHASE" record --rules "$RULES" -o t.jsonl -- "$PROG" >rec.out
check "record sees io_uring_setup and io_uring_enter" \
	test "$(jq -r 'select(.type == "syscall") | .name' t.jsonl | grep -c '^io_uring_')" -ge 2

# ---- the default: denied, with one line naming the phase and why ----
"$SYSPHASE" export --rules "$RULES" t.jsonl -o deny >deny.out 2>deny.err || fail "export: $(cat deny.err)"
check "export warns about io_uring in one line per phase" \
	test "$(grep -c 'io_uring' deny.err)" = "$(jq '[.phases[] | select(.held_back |
		any(.name | startswith("io_uring")))] | length' deny/policy.json)"
check "the warning names the phase" grep -q "phase 'ring' uses io_uring_enter.*denied" deny.err
check "and says why" grep -q "invisible to seccomp" deny.err
check "policy.json lists io_uring as held back" \
	jq -e '[.phases[].held_back[] | select(.name | startswith("io_uring"))] | length >= 2' \
	deny/policy.json >/dev/null
check "no phase's filter allows io_uring" \
	jq -e '[.phases[].enforce[] | select(startswith("io_uring"))] | length == 0' deny/policy.json \
	>/dev/null
check "the held-back entries say why" \
	jq -e '[.phases[] | select(.name == "ring") | .held_back[] | .why.reason] | length > 0' \
	deny/policy.json >/dev/null
st=0
"$SYSPHASE" run --policy deny/policy.json -- "$PROG" >run.out 2>run.err || st=$?
# io_uring_setup is also what opens the ring phase: run may report the
# process killed while it handed over that phase's filter (125) or the
# program's SIGSYS (159); either way the call is named and never returned.
check "under run, the program is stopped (status $st)" test "$st" = 159 -o "$st" = 125
# run names the call killed by SIGSYS, or (when the kill lands while it
# installs the ring phase's filter, which denies it as well) the hand-over.
check "... at io_uring_setup, in one line" \
	grep -q "io_uring_setup.*killed by SIGSYS\|hand over the filter of phase 'ring'" run.err
check "... before it returned" not grep -q "setup: ok" run.out
st=0
"$SYSPHASE" run --policy deny/policy.json --default-action errno -- "$PROG" >errno.out 2>&1 || st=$?
check "with --default-action errno, io_uring_setup fails with EPERM" grep -qx "setup: EPERM" errno.out
# The C header the export wrote denies it too: a program that enters the
# first phase and then sets up a ring dies of SIGSYS.
cat >hdr.c <<'CEOF'
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "sysphase_phases.h"
int main(void)
{
	char params[120] = {0};
	if (sysphase_enter_phase("start") != 0)
		return 3;
	syscall(SYS_io_uring_setup, 4, params);
	return 0;
}
CEOF
if command -v cc >/dev/null && cc -I deny -o hdr hdr.c 2>cc.err; then
	st=0
	(./hdr) 2>/dev/null || st=$?
	check "the generated C header's filter kills io_uring_setup (status $st)" test "$st" = 159
else
	fail "the C header does not compile: $(cat cc.err 2>/dev/null)"
fi

# ---- --allow-io-uring keeps them ----
"$SYSPHASE" export --rules "$RULES" t.jsonl -o allow --allow-io-uring >allow.out 2>allow.err ||
	fail "export --allow-io-uring: $(cat allow.err)"
check "--allow-io-uring: no warning" not grep -q io_uring allow.err
check "--allow-io-uring: the ring phase allows io_uring_enter" \
	jq -e '.phases[] | select(.name == "ring") | .enforce | index("io_uring_enter")' \
	allow/policy.json >/dev/null
st=0
"$SYSPHASE" run --policy allow/policy.json -- "$PROG" >allowed.out 2>&1 || st=$?
check "under run with --allow-io-uring the program runs to the end (status $st)" test "$st" = 0
check "... through its ring" grep -qx "enter: ok" allowed.out

finish
