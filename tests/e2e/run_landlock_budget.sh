#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The kernel's 16 Landlock layers per thread, when the program already
# holds some (docs/security.md).  tracees/landlock_stack puts N layers of
# its own on (they deny nothing) and execs tracees/landlock_phases, whose
# policy gives each of its three phases a layer: setup's goes in before
# the program's exec, then N of the program's, then work's and serve's.
#   N = 13: 1 + 13 + 2 = 16, the kernel's most: every hand-over succeeds
#           and the layers still deny what they deny;
#   N = 14: serve's layer would be the 17th: landlock_restrict_self fails
#           with E2BIG, and run kills the process (fail closed: exit 125)
#           with one line naming the phase, never letting it serve under
#           work's wider layer.
. "$(dirname "$0")/lib.sh"
need_sysphase
RULES=$SRCDIR/tests/data/rules/landlock_phases.json
STACK=$TRACEES/landlock_stack
PROG=$TRACEES/landlock_phases
D=$T/app
mkdir -p "$D/conf" "$D/logs" "$D/state" "$D/data" "$D/www"
echo conf >"$D/conf/app.conf"
for f in data/a.txt data/b.txt data/c.txt www/index.html www/other.html; do
	echo "$f" >"$D/$f"
done
echo secret >"$D/secret.txt"

# Recorded with one layer of its own: its landlock calls are in setup's filter.
"$SYSPHASE" record --rules "$RULES" -o "$T/trace.jsonl" -- "$STACK" 1 "$PROG" "$D" \
	>"$T/rec.out" 2>&1
check "record exits 0" test $? -eq 0
check "the recorded run finished" grep -q "landlock_phases: done" "$T/rec.out"
"$SYSPHASE" export --rules "$RULES" "$T/trace.jsonl" -o "$T/pol" >"$T/export.out" 2>&1
check "export exits 0" test $? -eq 0
check "every phase has a layer" test "$(grep -c ': layer ' "$T/export.out")" -eq 3

rm -rf "$D/state/run"
"$SYSPHASE" run --policy "$T/pol/policy.json" -- "$STACK" 13 "$PROG" "$D" --probe \
	>"$T/run13.out" 2>"$T/run13.err"
rc=$?
check "13 layers of its own: run exits 0 (got $rc)" test "$rc" -eq 0
check "13 layers of its own: the program finished" grep -q "landlock_phases: done" "$T/run13.out"
check "13: serve reads its document root" grep -qx "probe serve www/other.html: ok" "$T/run13.out"
check "13: serve's layer denies data/" grep -qx "probe serve data/c.txt: EACCES" "$T/run13.out"
check "13: work's layer denies conf/" grep -qx "probe work conf/app.conf: EACCES" "$T/run13.out"

rm -rf "$D/state/run"
"$SYSPHASE" run --policy "$T/pol/policy.json" -- "$STACK" 14 "$PROG" "$D" --probe \
	>"$T/run14.out" 2>"$T/run14.err"
rc=$?
check "14 layers of its own: run kills it and exits 125 (got $rc)" test "$rc" -eq 125
check "14: it never served under a wider layer" not grep -q "probe serve" "$T/run14.out"
check "14: work still ran under its layer" grep -qx "probe work conf/app.conf: EACCES" "$T/run14.out"
check "14: one line names the phase whose layer could not go in" \
	grep -q "killed: cannot hand over the filter of phase 'serve': landlock_restrict_self: .*16 Landlock layers already" "$T/run14.err"
finish
