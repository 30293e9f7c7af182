#!/bin/bash
# SPDX-License-Identifier: MIT
#
# `run` warns, in one line on stderr, when the recording a policy was built
# from lacked what the policy needs (policy.json's `recording`,
# docs/policy-format.md): stack function names for `stack` triggers (the
# default `record` keeps addresses only), stacks at all for static
# completion (`record --no-stack`), strings as long as the rules' string
# predicates test (`record -s`).  A policy without `recording` (older)
# runs with no warning; a malformed one is refused.
. "$(dirname "$0")/lib.sh"
need python3
need_sysphase

TW=$TRACEES/trigger_workers
LC=$TRACEES/run_lifecycle

# warned ERR WHAT: exactly one warning line, and it names WHAT.
warned() {
	[ "$(grep -c "warning: run: the policy was recorded without" "$1")" -eq 1 ] &&
		grep "warning: run: the policy was recorded without" "$1" | grep -q -- "$2"
}

# ---- a stack trigger, recorded with addresses only (the default) and with --stack ----
python3 - "$SRCDIR/tests/data/rules/run_lifecycle.json" "$T/stack.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["name"] = "run_lifecycle_stack"
for t in r["transitions"]:
    if t["to"] == "serving":
        t["when"] = {"syscall": "accept4", "stack": "main"}
json.dump(r, open(sys.argv[2], "w"), indent=1)
PY
for how in addr symbols; do
	opt=$([ "$how" = symbols ] && echo --stack || echo --stack=addr)
	"$SYSPHASE" record "$opt" --rules "$T/stack.json" -o "$T/$how.jsonl" -- "$LC" \
		>/dev/null 2>&1
	check "$how: record exits 0" test $? -eq 0
	"$SYSPHASE" export --rules "$T/stack.json" "$T/$how.jsonl" -o "$T/$how.pol" >/dev/null 2>&1
	check "$how: export exits 0" test $? -eq 0
	"$SYSPHASE" run --policy "$T/$how.pol" -- "$LC" >/dev/null 2>"$T/$how.err"
done
check "addr: policy.json says the stacks had addresses only" python3 -c \
	'import json, sys; sys.exit(json.load(open(sys.argv[1]))["recording"]["stacks"] != "addresses")' \
	"$T/addr.pol/policy.json"
check "addr: run warns that stack function names were missing" \
	warned "$T/addr.err" "stack function names"
check "symbols: policy.json says the stacks had symbols" python3 -c \
	'import json, sys; sys.exit(json.load(open(sys.argv[1]))["recording"]["stacks"] != "symbols")' \
	"$T/symbols.pol/policy.json"
check "symbols: run warns of nothing" not grep -q "warning: run: the policy was recorded" \
	"$T/symbols.err"

# ---- no stacks at all, and strings cut shorter than generic's globs need ----
"$SYSPHASE" record --no-stack --rules generic -o "$T/nostack.jsonl" -- "$TW" >/dev/null 2>&1
"$SYSPHASE" export "$T/nostack.jsonl" -o "$T/nostack.pol" >/dev/null 2>&1
check "no stack: export exits 0" test $? -eq 0
"$SYSPHASE" run --policy "$T/nostack.pol" -- "$TW" >/dev/null 2>"$T/nostack.err"
check "no stack: run exits 0" test $? -eq 0
check "no stack: run warns that completion had no stacks" warned "$T/nostack.err" "call stacks"

"$SYSPHASE" record -s 8 --rules generic -o "$T/short.jsonl" -- "$TW" >/dev/null 2>&1
"$SYSPHASE" export "$T/short.jsonl" -o "$T/short.pol" >/dev/null 2>&1
check "-s 8: export exits 0" test $? -eq 0
check "-s 8: policy.json says strings were cut at 8" python3 -c \
	'import json, sys; sys.exit(json.load(open(sys.argv[1]))["recording"]["strings_cut_at"] != 8)' \
	"$T/short.pol/policy.json"
"$SYSPHASE" run --policy "$T/short.pol" -- "$TW" >/dev/null 2>"$T/short.err"
check "-s 8: run warns that strings were cut" warned "$T/short.err" "cut at 8: record -s 11"

# ---- an older policy (no recording) runs quietly; a bad one is refused ----
python3 - "$T/short.pol/policy.json" "$T/old.json" "$T/bad.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
del p["recording"]
json.dump(p, open(sys.argv[2], "w"))
p["recording"] = {"stacks": "many"}
json.dump(p, open(sys.argv[3], "w"))
PY
"$SYSPHASE" run --policy "$T/old.json" -- "$TW" >/dev/null 2>"$T/old.err"
check "older policy: run exits 0" test $? -eq 0
check "older policy: no warning about the recording" \
	not grep -q "the policy was recorded without" "$T/old.err"
"$SYSPHASE" run --policy "$T/bad.json" -- "$TW" >/dev/null 2>"$T/bad.err"
rc=$?
check "bad recording: refused with status 4, bad input (got $rc)" test "$rc" -eq 4
check "bad recording: one line naming /recording" \
	test "$(wc -l <"$T/bad.err")" -eq 1 -a "$(grep -c /recording "$T/bad.err")" -eq 1
finish
