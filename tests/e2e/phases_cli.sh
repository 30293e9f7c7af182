#!/bin/bash
# The `phases` command and `record --rules` with bad input: a bad rule file
# is reported as FILE:LINE:COL: message with exit status 4 and nothing is
# written; a trace without stamps needs --rules; built-ins are found by name.
set -u
: "${SYSPHASE:?}" "${SRCDIR:?}"

work=$(mktemp -d /tmp/sysphase-e2e-phcli.XXXXXX)
trap 'rm -rf "$work"' EXIT
rc=0
fail() {
	echo "FAIL: $*"
	rc=1
}

cat >"$work/bad.json" <<'J'
{
	"phases": [
		{"name": "a", "description": "first"},
		{"name": "b", "description": "second"}
	],
	"transitions": [
		{"from": "a", "to": "b", "when": {"syscall": "opnat"}}
	]
}
J
want="sysphase: $work/bad.json:7:48: unknown syscall \"opnat\" (did you mean \"openat\"?)"

# record: the rules are checked before anything runs; no trace is written.
"$SYSPHASE" record -o "$work/t.jsonl" --rules "$work/bad.json" -- /bin/true >"$work/out" 2>"$work/err"
st=$?
[ $st = 4 ] || fail "record with bad rules exited $st, want 4"
[ -e "$work/t.jsonl" ] && fail "record with bad rules wrote a trace"
grep -qxF "$want" "$work/err" || fail "record: want '$want', got '$(cat "$work/err")'"

# A good trace to work on, without stamps.
"$SYSPHASE" record -o "$work/plain.jsonl" -- /bin/pwd >/dev/null 2>&1 || fail "record /bin/pwd"

"$SYSPHASE" phases --rules "$work/bad.json" "$work/plain.jsonl" >"$work/out" 2>"$work/err"
st=$?
[ $st = 4 ] || fail "phases with bad rules exited $st, want 4"
[ -s "$work/out" ] && fail "phases with bad rules printed something on stdout"
grep -qxF "$want" "$work/err" || fail "phases: want '$want', got '$(cat "$work/err")'"

# Recorded without --rules: cut with generic, as if --rules generic had been given.
"$SYSPHASE" phases "$work/plain.jsonl" >"$work/out" 2>"$work/err"
st=$?
[ $st = 0 ] || fail "phases without stamps or rules exited $st, want 0: $(cat "$work/err")"
"$SYSPHASE" phases --rules generic "$work/plain.jsonl" >"$work/generic.out" 2>/dev/null
cmp -s "$work/out" "$work/generic.out" || fail "phases without stamps is not phases --rules generic"

"$SYSPHASE" phases --rules nosuchset "$work/plain.jsonl" >/dev/null 2>"$work/err"
[ $? = 4 ] || fail "unknown built-in should exit 4"
grep -q 'no built-in rule set "nosuchset"' "$work/err" || fail "unknown built-in: $(cat "$work/err")"

"$SYSPHASE" phases --rules pwd --format xml "$work/plain.jsonl" >/dev/null 2>&1
[ $? = 2 ] || fail "--format xml should exit 2"

# Built-ins by name, found from the build tree; JSON output is data.
for set in pwd generic nginx; do
	"$SYSPHASE" phases --rules $set --format json --syscalls "$work/plain.jsonl" >"$work/$set.json" ||
		fail "phases --rules $set"
	python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))
assert t["rules"] == sys.argv[2], t["rules"]
p = t["processes"][0]
assert p["phases"] and all("set" in s and s["syscalls"] == sum(s["set"].values()) for s in p["phases"])
assert p["phases"][0]["phase"] == "execution initiation"
' "$work/$set.json" $set || fail "phases --rules $set --format json: bad output"
done

# generic on pwd: loader calls from ld.so, then initialisation and termination.
python3 -c '
import json, sys
seq = [s["phase"] for s in json.load(open(sys.argv[1]))["processes"][0]["phases"]]
want = ["execution initiation", "dynamic loading", "initialization", "termination"]
assert seq == want, seq
' "$work/generic.json" || fail "generic rules on pwd: unexpected phases"

# The text timeline names each phase with its counts.
"$SYSPHASE" phases --rules pwd --syscalls "$work/plain.jsonl" >"$work/out" || fail "text output"
grep -q '^  process termination ' "$work/out" || fail "text output lacks the termination phase"
grep -q 'exit_group(1)' "$work/out" || fail "--syscalls lists no syscalls"

[ $rc = 0 ] && echo ok
exit $rc
