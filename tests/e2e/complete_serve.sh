#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Static completion on a program of our own (tracees/complete_serve, -O2,
# with symbols and stripped): recorded with --stack=addr while it only
# answers "hit", the policy must still let it answer "miss" (an error path
# making getrusage, gettid and sched_yield, never taken while recording,
# reached from the recorded code by direct calls through a sibling call
# that leaves no frame), and must still stop "exploit" (execve, reachable
# only through a function pointer) with SIGSYS.  Without completion the
# miss kills it: the test would catch a completion that adds nothing.
# Each variant gets a cache of its own: the stripped copy has the same
# build-id, and must be read from its own bytes.

. "$(dirname "$0")/lib.sh"
need_sysphase

for variant in complete_serve complete_serve_stripped; do
	prog=$TRACEES/$variant
	if [ ! -x "$prog" ]; then
		fail "$prog was not built"
		continue
	fi
	export XDG_CACHE_HOME=$T/cache-$variant
	printf 'hit\nhit\n' | "$SYSPHASE" record --stack=addr --rules generic -o "$T/$variant.jsonl" \
		-- "$prog" >"$T/$variant.rec.out" 2>&1
	check "$variant: record exits 0" test $? -eq 0
	"$SYSPHASE" export "$T/$variant.jsonl" -o "$T/$variant.pol" --format bpf >"$T/$variant.exp" 2>&1
	check "$variant: export exits 0" test $? -eq 0
	check "$variant: export says what completion did" grep -q '^completion: .* completed' \
		"$T/$variant.exp"
	check "$variant: the facts were computed and cached" \
		test -n "$(ls "$XDG_CACHE_HOME/sysphase/" 2>/dev/null)"
	pol=$T/$variant.pol/policy.json
	for call in getrusage gettid sched_yield; do
		check "$variant: $call is completed in the steady state" \
			grep -q "\"$call\"" <(python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
for ph in p["phases"]:
    if ph["name"] == "steady state":
        for c in ph["exact"]:
            if c.get("provenance") == "completed":
                print(json.dumps(c["name"]))
' "$pol")
	done
	check "$variant: execve is not allowed in the steady state" not grep -q '"execve"' \
		<(python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
for ph in p["phases"]:
    if ph["name"] == "steady state":
        for c in ph["exact"]:
            print(json.dumps(c["name"]))
' "$pol")

	printf 'hit\nmiss\nexploit\nhit\n' | "$SYSPHASE" run --policy "$pol" -- "$prog" \
		>"$T/$variant.run.out" 2>"$T/$variant.run.err"
	rc=$?
	check "$variant: the error path is served" grep -q '^miss miss served' "$T/$variant.run.out"
	check "$variant: the exploit is stopped by SIGSYS (status 159)" test "$rc" = 159
	check "$variant: at execve" grep -q "execve (x86_64 nr 59) killed by SIGSYS" \
		"$T/$variant.run.err"
	check "$variant: nothing after the exploit ran" not grep -q '^bye' "$T/$variant.run.out"

	"$SYSPHASE" export --no-complete "$T/$variant.jsonl" -o "$T/$variant.pol0" --format bpf \
		>/dev/null 2>&1
	printf 'hit\nmiss\n' | "$SYSPHASE" run --policy "$T/$variant.pol0/policy.json" -- "$prog" \
		>"$T/$variant.run0.out" 2>"$T/$variant.run0.err"
	rc=$?
	check "$variant: without completion the error path is killed" test "$rc" = 159
	check "$variant: ... and it is not served" not grep -q '^miss' "$T/$variant.run0.out"
done
finish
