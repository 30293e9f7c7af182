#!/bin/bash
# SPDX-License-Identifier: MIT
# io_uring through export and run: a tracee that sets up a ring and submits
# through it (raw syscalls) is recorded, then exported.  By default every
# phase's filter denies io_uring_setup/enter/register (its operations are
# invisible to seccomp), export says so in one line naming the phase, and
# under `run` io_uring_setup is answered with EPERM (the graceful default:
# the program falls back, nothing is killed); the learning loop then
# converges: a complain log holding io_uring is merged with one line that
# says it stays held back, and the merged policy runs the program to its
# end.  --allow-io-uring keeps them and the same program runs through its
# ring.
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
check "where io_uring is held back, its libaio fallback is allowed (baseline)" \
	jq -e '.phases[] | select(.name == "ring") | .enforce | index("io_submit") and index("io_getevents")' \
	deny/policy.json >/dev/null
check "the held-back entries say why" \
	jq -e '[.phases[] | select(.name == "ring") | .held_back[] | .why.reason] | length > 0' \
	deny/policy.json >/dev/null
st=0
"$SYSPHASE" run --policy deny/policy.json -- "$PROG" >run.out 2>run.err || st=$?
check "under run, io_uring_setup is answered, not killed (status $st)" test "$st" = 0
check "... with EPERM" grep -qx "setup: EPERM" run.out
check "... and the program's fallback runs" grep -qx "fallback: ok" run.out
check "... with no denial reported" not grep -q "killed\|denied" run.err
st=0
"$SYSPHASE" run --policy deny/policy.json --default-action errno -- "$PROG" >errno.out 2>&1 || st=$?
check "with --default-action errno, io_uring_setup fails with EPERM" grep -qx "setup: EPERM" errno.out

# ---- the learning loop: io_uring is merged or refused with one clear line ----
st=0
"$SYSPHASE" run --policy deny/policy.json --complain=c.log -- "$PROG" >c.out 2>&1 || st=$?
check "complain mode: the program runs to its end (status $st)" test "$st" = 0
# A log from a run that judged io_uring_setup a violation (as complain mode
# did before its answer was the policy's), so the merge is tested either way.
printf '{"type":"violation","phase":"ring","pid":1,"tid":1,"nr":425,"syscall":"io_uring_setup","abi":"x86_64","count":1,"seen":"kernel"}\n' >uring.log
"$SYSPHASE" export --rules "$RULES" t.jsonl -o merged --merge uring.log >merge.out 2>merge.err
st=$?
check "export --merge of a log holding io_uring succeeds (status $st)" test "$st" = 0
check "... saying in one line that it stays held back and run answers EPERM" \
	test "$(grep -c "uring.log: phase 'ring' called io_uring_setup: held back.*EPERM.*libaio.*--allow-io-uring" merge.err)" = 1
check "... and the merged policy still holds it back" \
	jq -e '[.phases[].enforce[] | select(startswith("io_uring"))] | length == 0' merged/policy.json \
	>/dev/null
st=0
"$SYSPHASE" run --policy merged/policy.json -- "$PROG" >merged.out 2>&1 || st=$?
check "the merged policy runs the program to its end (status $st)" test "$st" = 0
check "... through its fallback" grep -qx "fallback: ok" merged.out
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
