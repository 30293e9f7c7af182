#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Complain mode says what a merge needs, and nothing else
# (tests/tracees/run_lifecycle under the generic rules, recorded plain):
#   - --thread starts a thread in initialization, followed with syscall
#     stops: glibc's clone3, which run's filters answer ENOSYS by design,
#     is no violation; the clone it falls back to is one (the recording
#     made no thread), so the thread creation was judged;
#   - --fork --fork: two children in steady state enter
#     `child initialization`, a phase the policy never saw: said once,
#     not once per child; each child's sysinfo is logged under its own pid.
. "$(dirname "$0")/lib.sh"
need python3
need_sysphase

PROG=$TRACEES/run_lifecycle

# has LOG SYSCALL [PID]: prints "yes" when LOG has a violation of SYSCALL (by PID).
has() {
	python3 - "$@" <<'PY'
import json, sys
log, name = sys.argv[1], sys.argv[2]
pid = int(sys.argv[3]) if len(sys.argv) > 3 else None
for l in open(log):
    e = json.loads(l)
    if e.get("type") == "violation" and e.get("syscall") == name and pid in (None, e.get("pid")):
        print("yes")
        break
else:
    print("no")
PY
}

"$SYSPHASE" record --rules generic -o "$T/trace.jsonl" -- "$PROG" >"$T/rec.out" 2>"$T/rec.err"
check "record exits 0" test $? -eq 0
"$SYSPHASE" export "$T/trace.jsonl" -o "$T/pol" >"$T/export.out" 2>&1
check "export exits 0" test $? -eq 0

"$SYSPHASE" run --policy "$T/pol/policy.json" --complain="$T/complain.log" -- \
	"$PROG" --thread --fork --fork >"$T/out" 2>"$T/err"
rc=$?
check "complain: exits 0 (got $rc)" test "$rc" -eq 0
check "complain: the thread ran" grep -qx "lifecycle: thread started and joined" "$T/out"
check "complain: clone3 (ENOSYS by design) is not logged" test "$(has "$T/complain.log" clone3)" = no
check "complain: the clone glibc falls back to is" test "$(has "$T/complain.log" clone)" = yes
children=$(sed -n 's/^lifecycle: child \([0-9]*\): sysinfo ok/\1/p' "$T/out")
check "complain: two children ran" test "$(echo $children | wc -w)" -eq 2
for c in $children; do
	check "complain: child $c's sysinfo is logged under its pid" \
		test "$(has "$T/complain.log" sysinfo "$c")" = yes
done
check "complain: the phase the policy never saw is said once, not once per child" \
	test "$(grep -c "entered phase 'child initialization', which the policy never saw" "$T/err")" -eq 1
check "complain: nothing else on stderr" test "$(wc -l <"$T/err")" -eq 1

finish
