#!/bin/bash
# SPDX-License-Identifier: MIT
# export of several traces: each phase is the union of what the traces made,
# policy.json says which trace contributed each call; traces recorded with
# other rules are refused in one line with exit status 3.
. "$(dirname "$0")/lib.sh"
need_sysphase
need jq
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (ptrace)"; exit 77; }
cd "$T"

# Two workloads of one program under the same rules: pwd, and pwd -P in another directory.
(cd /tmp && "$SYSPHASE" record --rules pwd -o "$T/a.jsonl" -- /bin/pwd) >/dev/null
(cd / && "$SYSPHASE" record --rules pwd -o "$T/b.jsonl" -- /bin/pwd -P) >/dev/null
"$SYSPHASE" record --rules generic -o c.jsonl -- /bin/pwd >/dev/null

"$SYSPHASE" export a.jsonl b.jsonl -o both --format bpf >both.out 2>both.err ||
	fail "export of two traces: $(cat both.err)"
"$SYSPHASE" export a.jsonl -o one --format bpf >/dev/null
check "policy.json names both traces as sources" \
	quietly jq -e '.sources == ["a.jsonl", "b.jsonl"]' both/policy.json
check "every observed call says which traces made it" \
	quietly jq -e '[.phases[].exact[] | select(.provenance == "observed") | .sources | length > 0] |
		all' both/policy.json
check "each phase of one trace is within the union" \
	quietly jq -e --slurpfile u both/policy.json '[.phases[] as $p | ($u[0].phases[] |
		select(.name == $p.name) | [.exact[].name]) as $all |
		[$p.exact[].name] - $all | length == 0] | all' one/policy.json
check "the summary counts the traces" grep -q "from 2 traces" both.out

st=0
"$SYSPHASE" export a.jsonl c.jsonl -o mixed >/dev/null 2>mixed.err || st=$?
check "traces recorded with other rules are refused (status $st)" test "$st" = 3
check "... in one line naming them" \
	test "$(wc -l <mixed.err)" = 1 -a -n "$(grep "c.jsonl was recorded with other rules" mixed.err)"
check "... and nothing is written" test ! -e mixed
# With --rules both are re-cut by one rule set: accepted.
"$SYSPHASE" export --rules pwd a.jsonl c.jsonl -o recut --format bpf >/dev/null 2>recut.err
check "--rules re-cuts traces of other rules into one policy" test -s recut/policy.json

finish
