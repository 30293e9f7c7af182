#!/bin/bash
# SPDX-License-Identifier: MIT
#
# sysphase run refuses bad input with one clear line on stderr and the
# right exit status, and never runs the program when it refuses:
#   - usage: no --policy, no program, a bad --default-action (2);
#   - a policy file that is missing or not JSON (4, input error);
#   - a policy whose phases do not match its rules (4);
#   - a policy whose phases do not nest along the rules' graph (4);
#   - a program that is not found (127), or found but not executable
#     (126: not executable, a directory, not a program), as a shell says;
# and warns, then runs, when the program is not the one recorded.
# The refused runs would each create a file if the program ran.

. "$(dirname "$0")/lib.sh"
need python3
need_sysphase

RULES=$SRCDIR/tests/data/rules/run_lifecycle.json
PROG=$TRACEES/run_lifecycle

"$SYSPHASE" record --rules "$RULES" -o "$T/trace.jsonl" -- "$PROG" >/dev/null 2>&1
check "record exits 0" test $? -eq 0
"$SYSPHASE" export --rules "$RULES" "$T/trace.jsonl" -o "$T/pol" >/dev/null 2>&1
check "export exits 0" test $? -eq 0
POL=$T/pol/policy.json

# refused WANT_STATUS PATTERN DESCRIPTION -- RUN_ARGS...: sysphase run RUN_ARGS
# exits WANT_STATUS with one "sysphase: " line matching PATTERN, and the
# program (which would touch $T/ran) never ran.
refused() {
	local want=$1 pattern=$2 what=$3
	shift 4
	rm -f "$T/ran"
	"$SYSPHASE" run "$@" >"$T/out" 2>"$T/err"
	local rc=$?
	check "$what: exit status $want (got $rc)" test "$rc" -eq "$want"
	check "$what: one line on stderr" test "$(wc -l <"$T/err")" -eq 1
	check "$what: the line says what is wrong" grep -qE "^sysphase: .*$pattern" "$T/err"
	check "$what: the program did not run" test ! -e "$T/ran"
}

# edit_policy OUT PYTHON: a copy of the policy changed by PYTHON (p is the JSON object).
edit_policy() {
	python3 - "$POL" "$1" "$2" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(p, open(sys.argv[2], "w"), indent=1)
PY
}

refused 2 "policy" "no --policy" -- -- touch "$T/ran"
refused 2 "PROG" "no program" -- --policy "$POL"
refused 2 "default-action" "bad --default-action" -- --policy "$POL" --default-action maybe \
	-- touch "$T/ran"
refused 4 "no-such" "missing policy" -- --policy "$T/no-such.json" -- touch "$T/ran"
printf '{"format": "sysphase-policy", "phases": [' >"$T/broken.json"
refused 4 "broken.json" "policy that is not JSON" -- --policy "$T/broken.json" -- touch "$T/ran"

# Renamed everywhere in the policy (phases, reach, graph), so that only the rules disagree.
edit_policy "$T/renamed.json" '
ren = lambda n: "listening" if n == "ready" else n
for ph in p["phases"]:
    ph["name"] = ren(ph["name"])
    ph["reach"] = [ren(n) for n in ph["reach"]]
for e in p["graph"]["edges"]:
    e["from"], e["to"] = ren(e["from"]), ren(e["to"])
for ll in p.get("landlock", {}).get("phases", []):
    ll["phase"] = ren(ll["phase"])'
refused 4 "does not match.*listening" "a phase the rules do not have" -- \
	--policy "$T/renamed.json" -- touch "$T/ran"

# serving allows ptrace, which ready before it does not: stacked filters cannot widen.
edit_policy "$T/widened.json" '
for ph in p["phases"]:
    if ph["name"] == "serving":
        ph["enforce"] = sorted(ph["enforce"] + ["ptrace"])
        ph["exact"].append({"name": "ptrace", "count": 1, "first": ph["first"],
                            "last": ph["first"], "sites": ["libc.so.6"]})'
refused 4 "do not nest.*ptrace" "phases that do not nest" -- \
	--policy "$T/widened.json" -- touch "$T/ran"

refused 127 "no-such-program" "a program that does not exist" -- \
	--policy "$POL" -- "$T/no-such-program"
printf '#!/bin/sh\ntouch "%s/ran"\n' "$T" >"$T/not-executable"
chmod 644 "$T/not-executable"
# cannot_exec PATTERN DESCRIPTION PROG: run exits 126 with one error line
# matching PATTERN (after the warning that PROG is not the program recorded).
cannot_exec() {
	rm -f "$T/ran"
	"$SYSPHASE" run --policy "$POL" -- "$3" >"$T/out" 2>"$T/err"
	local rc=$?
	check "$2: exit status 126 (got $rc)" test "$rc" -eq 126
	check "$2: one error line" test "$(grep -vc '^sysphase: warning: ' "$T/err")" -eq 1
	check "$2: the line says what is wrong" grep -qE "^sysphase: cannot execute .*$1" "$T/err"
	check "$2: the program did not run" test ! -e "$T/ran"
}
cannot_exec "Permission denied" "a program without the x bit" "$T/not-executable"
mkdir -p "$T/a-directory"
cannot_exec "Permission denied" "a directory" "$T/a-directory"
printf 'touch "%s/ran"\n' "$T" >"$T/not-a-program"
chmod 755 "$T/not-a-program"
cannot_exec "Exec format error" "an executable that is no program" "$T/not-a-program"
# What a shell says, for the record: the statuses are its own.
sh -c "\"$T/not-executable\"" 2>/dev/null
check "a shell also says 126 for a file without the x bit (got $?)" test $? -eq 126

# Another program than the one recorded: a warning, then it runs under the policy.
"$SYSPHASE" run --policy "$POL" -- /bin/true >"$T/other.out" 2>"$T/other.err"
rc=$?
check "another program: it runs (status $rc)" test "$rc" -eq 0
check "another program: a one-line warning names both" \
	grep -q "^sysphase: warning: .*run_lifecycle.*/bin/true\|^sysphase: warning: .*true.*run_lifecycle" \
	"$T/other.err"

finish
