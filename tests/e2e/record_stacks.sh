#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Stacks by default: the plain `record` gives every syscall a module+offset
# stack (what export's static completion needs), `--no-stack` none and
# `--stack` function names too; a loop's one call path is unwound once and
# every event still carries its stack.  The plain flow (record, export,
# run: no flag) completes: tracees/complete_serve recorded answering "hit"
# serves "miss" under run, an error path it never took while recorded.
# record warns when the --rules it is given test what the recording lacks:
# stack function names without --stack, strings longer than -s.

. "$(dirname "$0")/lib.sh"
need_sysphase

# frames TRACE: "syscalls with stacks / syscalls, named frames" of a trace.
frames() {
	python3 -c '
import json, sys
n = with_stack = named = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("type") != "syscall":
        continue
    n += 1
    st = e.get("stack")
    if st:
        with_stack += 1
        assert all("module_off" in f for f in st if "module" in f), e
        named += any("fn" in f for f in st)
print(f"{with_stack}/{n} {named}")
' "$1"
}

loop=$TRACEES/loop_getppid
"$SYSPHASE" record -o "$T/plain.jsonl" -- "$loop" 2000 >/dev/null 2>&1
check "plain record exits 0" test $? -eq 0
read -r plain named < <(frames "$T/plain.jsonl")
check "plain record: every syscall has its stack ($plain)" \
	test "${plain%/*}" = "${plain#*/}" -a "${plain%/*}" -gt 2000
check "plain record: module+offset frames, no names" test "$named" -eq 0
check "plain record: the 2000 getppid calls all carry the loop's one stack" \
	test "$(python3 -c '
import json, sys
s = {json.dumps(e["stack"]) for e in map(json.loads, open(sys.argv[1]))
     if e.get("name") == "getppid"}
print(len(s))' "$T/plain.jsonl")" -eq 1

"$SYSPHASE" record --no-stack -o "$T/nostack.jsonl" -- "$loop" 20 >/dev/null 2>&1
read -r nostack _ < <(frames "$T/nostack.jsonl")
check "--no-stack: no stacks ($nostack)" test "${nostack%/*}" -eq 0

"$SYSPHASE" record --stack -o "$T/sym.jsonl" -- "$loop" 20 >/dev/null 2>&1
read -r sym named < <(frames "$T/sym.jsonl")
check "--stack: stacks with names ($sym, $named named)" test "$named" -gt 0

# The plain flow completes: no flag anywhere.
prog=$TRACEES/complete_serve
export XDG_CACHE_HOME=$T/cache
printf 'hit\nhit\n' | "$SYSPHASE" record --rules generic -o "$T/serve.jsonl" -- "$prog" \
	>"$T/serve.rec" 2>&1
check "complete_serve recorded" test $? -eq 0
"$SYSPHASE" export "$T/serve.jsonl" -o "$T/pol" --format bpf >"$T/export.out" 2>&1
check "export of the plain trace exits 0" test $? -eq 0
check "export of the plain trace completes" grep -q '^completion: [0-9]* stacks' "$T/export.out"
printf 'hit\nmiss\nhit\n' | "$SYSPHASE" run --policy "$T/pol/policy.json" -- "$prog" \
	>"$T/run.out" 2>"$T/run.err"
check "the plain flow serves the error path it never recorded" grep -q '^miss miss served' \
	"$T/run.out"

# Warnings: what the rules test and the recording would lack.
cat >"$T/needs.json" <<'JSON'
{"name": "needs", "phases": [{"name": "a", "description": "a"}, {"name": "b", "description": "b"}],
 "transitions": [{"from": "a", "to": "b", "when": [
	{"syscall": "getppid", "stack": "main"},
	{"syscall": "openat", "args": {"pathname": {"glob": "/etc/some-quite-long-file-name-*.conf"}}}]}]}
JSON
"$SYSPHASE" record --rules "$T/needs.json" -o "$T/w1.jsonl" -- "$loop" 3 >/dev/null 2>"$T/w1.err"
check "without --stack: warned that stack triggers will not fire" \
	grep -q "warning: rules 'needs' test stack function names" "$T/w1.err"
check "-s 256: no string warning" not grep -q "match strings" "$T/w1.err"
"$SYSPHASE" record --stack -s 20 --rules "$T/needs.json" -o "$T/w2.jsonl" -- "$loop" 3 \
	>/dev/null 2>"$T/w2.err"
check "with --stack: no stack warning" not grep -q "stack function names" "$T/w2.err"
check "-s 20: warned that a glob matching 36 bytes at least cannot match" \
	grep -q "match strings of 36 bytes, longer than -s 20" "$T/w2.err"
"$SYSPHASE" record --no-stack --rules "$T/needs.json" -o "$T/w3.jsonl" -- "$loop" 3 \
	>/dev/null 2>"$T/w3.err"
check "--no-stack: warned too" grep -q "stack function names" "$T/w3.err"
"$SYSPHASE" record --rules generic -o "$T/w4.jsonl" -- "$loop" 3 >/dev/null 2>"$T/w4.err"
check "generic rules: no warning" not grep -q warning "$T/w4.err"

finish
