#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Policies nest over the rules, not over the recording (DESIGN.md
# invariant 5).  Rules a -> b, b -> c, a -> c (tests/data/rules/three_phase.json,
# tracees/three_phase): traces of a -> b and of a -> c are exported
# together, so the recording never took b -> c.  Still:
#   - b's enforce view holds c's calls, and b has exits (seccomp is let
#     through: run installs c's filter from b);
#   - run accepts the policy, and a program taking a -> b -> c runs to its
#     end, is not killed, and holds one filter per phase;
#   - a policy whose has_exits was edited away is read the same way (it is
#     derived, never trusted).
. "$(dirname "$0")/lib.sh"
need python3
need_sysphase

RULES=$SRCDIR/tests/data/rules/three_phase.json
PROG=$TRACEES/three_phase
cd "$T" || exit 1

"$SYSPHASE" record --rules "$RULES" -o ab.jsonl -- "$PROG" ab >ab.out 2>&1
check "recording a -> b" grep -qx "three_phase: done" ab.out
"$SYSPHASE" record --rules "$RULES" -o ac.jsonl -- "$PROG" ac >ac.out 2>&1
check "recording a -> c" grep -qx "three_phase: done" ac.out
"$SYSPHASE" export --rules "$RULES" -o pol ab.jsonl ac.jsonl >export.out 2>&1
check "the two traces export together" test -s pol/policy.json

check "b's enforce view holds c's calls, and b has exits" python3 - pol/policy.json <<'PY'
import json, sys
pol = json.load(open(sys.argv[1]))
ph = {p["name"]: p for p in pol["phases"]}
b = ph["b"]
need = {"getpgrp", "getgid"}
if not need <= set(b["enforce"]):
    sys.exit("b's enforce lacks %s" % sorted(need - set(b["enforce"])))
if "c" not in b["reach"] or not b["has_exits"]:
    sys.exit("b: reach %s, has_exits %s" % (b["reach"], b["has_exits"]))
if ("b", "c") in {(e["from"], e["to"]) for e in pol["graph"]["edges"]}:
    sys.exit("the recording took b -> c: the test proves nothing")
PY

for path in ab ac abc; do
	"$SYSPHASE" run --policy pol/policy.json -- "$PROG" "$path" >"run-$path.out" 2>"run-$path.err"
	st=$?
	check "run accepts the policy and $path runs to its end (exit $st)" test "$st" = 0
	check "$path printed done" grep -qx "three_phase: done" "run-$path.out"
done
check "nothing is denied on a -> b -> c" not grep -q "killed\|denied\|cannot" run-abc.err

# has_exits is derived from the rules on reading: a stored false changes nothing.
python3 - pol/policy.json edited.json <<'PY'
import json, sys
pol = json.load(open(sys.argv[1]))
for p in pol["phases"]:
    p["has_exits"] = False
json.dump(pol, open(sys.argv[2], "w"))
PY
"$SYSPHASE" run --policy edited.json -- "$PROG" abc >edited.out 2>edited.err
st=$?
check "a stored has_exits is not trusted (exit $st)" test "$st" = 0
finish
