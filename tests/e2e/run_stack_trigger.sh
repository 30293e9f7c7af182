#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Transitions fire under run as in record, `stack` triggers included: the
# lifecycle rules (tests/data/rules/run_lifecycle.json) with serving
# entered at an accept4 made from main() (`"stack": "main"`), recorded
# with symbolised stacks.  run captures the stack at the calls such a
# trigger may fire at, so the program reaches serving under run: three
# filters, let go (a run that never looked at stacks would leave it in
# ready, with two filters, traced).  The same rules with a function the
# program has not keep it in ready under record and run alike.
. "$(dirname "$0")/lib.sh"
need python3
need_sysphase

PROG=$TRACEES/run_lifecycle

# rules FN OUT: the lifecycle rules, serving entered at accept4 from FN.
rules() {
	python3 - "$SRCDIR/tests/data/rules/run_lifecycle.json" "$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["name"] = "run_lifecycle_stack"
for t in r["transitions"]:
    if t["to"] == "serving":
        t["when"] = {"syscall": "accept4", "stack": sys.argv[2]}
json.dump(r, open(sys.argv[3], "w"), indent=1)
PY
}

# field OUT PHASE KEY: KEY's value on PHASE's report line of OUT.
field() {
	sed -n "s/^lifecycle: phase $2: .*\\b$3=\\([^ ]*\\).*/\\1/p" "$1" | head -1
}

# phase_of TRACE SYSCALL: the phase the trace stamps SYSCALL with.
phase_of() {
	python3 - "$1" "$2" <<'PY'
import json, sys
for l in open(sys.argv[1]).read().split("\n")[1:]:
    if l:
        e = json.loads(l)
        if e["type"] == "syscall" and e["name"] == sys.argv[2]:
            print(e.get("phase"))
            break
PY
}

for fn in main no_such_function; do
	rules "$fn" "$T/$fn.json"
	"$SYSPHASE" record --stack --rules "$T/$fn.json" -o "$T/$fn.jsonl" -- "$PROG" \
		>"$T/$fn.rec.out" 2>"$T/$fn.rec.err"
	check "$fn: record --stack exits 0" test $? -eq 0
	"$SYSPHASE" export --rules "$T/$fn.json" "$T/$fn.jsonl" -o "$T/$fn.pol" >"$T/$fn.exp" 2>&1
	check "$fn: export exits 0" test $? -eq 0
	"$SYSPHASE" run --policy "$T/$fn.pol/policy.json" -- "$PROG" >"$T/$fn.out" 2>"$T/$fn.err"
	rc=$?
	check "$fn: run exits 0 (got $rc)" test "$rc" -eq 0
	check "$fn: run reports nothing" test ! -s "$T/$fn.err"
done

check "main: record stamps the accept4 with serving" \
	test "$(phase_of "$T/main.jsonl" accept4)" = serving
check "main: under run the program holds serving's filter (3 filters)" \
	test "$(field "$T/main.out" serving Seccomp_filters)" = 3
check "main: ... and is let go in serving (TracerPid 0)" \
	test "$(field "$T/main.out" serving TracerPid)" = 0
check "no_such_function: record stamps the accept4 with ready" \
	test "$(phase_of "$T/no_such_function.jsonl" accept4)" = ready
check "no_such_function: under run it stays in ready (2 filters)" \
	test "$(field "$T/no_such_function.out" serving Seccomp_filters)" = 2
check "no_such_function: ... and followed (TracerPid not 0)" \
	test "$(field "$T/no_such_function.out" serving TracerPid)" != 0

finish
