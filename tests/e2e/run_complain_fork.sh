#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Complain mode sees every process: a fork in a phase where run lets the
# program go (tests/tracees/run_lifecycle --fork: in serving, final, a
# child calls sysinfo and exits, the parent waits for it; the recording
# did none of it).
#   1. record the plain run, export;
#   2. enforcing, --fork is killed by SIGSYS at the fork (clone is not in
#      serving): the policy really lacks it;
#   3. run --complain: in serving the program holds serving's LOG filter
#      and is followed by events alone, so the fork is seen; the log has
#      the child's sysinfo under the child's own pid in serving (its
#      ancestry known from the fork event, not from /proc after the run),
#      and the parent's clone and wait4 in serving;
#   4. export --merge, then enforcing: --fork runs to its end, no denial.
. "$(dirname "$0")/lib.sh"
need python3
need_sysphase

RULES=$SRCDIR/tests/data/rules/run_lifecycle.json
PROG=$TRACEES/run_lifecycle

# child_pid OUT: the pid the child printed.
child_pid() {
	sed -n 's/^lifecycle: child \([0-9]*\): sysinfo .*/\1/p' "$1" | head -1
}

# entry LOG PID PHASE SYSCALL: prints "ok" when LOG has that violation entry.
entry() {
	python3 - "$@" <<'PY'
import json, sys
log, pid, phase, name = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
for l in open(log):
    e = json.loads(l)
    if (e.get("type") == "violation" and e.get("pid") == pid and e.get("phase") == phase
            and e.get("syscall") == name and e.get("count", 0) >= 1):
        print("ok")
        break
PY
}

# ---- 1. record, export ----
"$SYSPHASE" record --rules "$RULES" -o "$T/trace.jsonl" -- "$PROG" >"$T/rec.out" 2>"$T/rec.err"
check "record exits 0" test $? -eq 0
"$SYSPHASE" export --rules "$RULES" "$T/trace.jsonl" -o "$T/pol" >"$T/export.out" 2>&1
check "export exits 0" test $? -eq 0

# ---- 2. enforcing: the fork is outside the policy ----
"$SYSPHASE" run --policy "$T/pol/policy.json" -- "$PROG" --fork >"$T/kill.out" 2>"$T/kill.err"
rc=$?
check "enforce: --fork is killed by SIGSYS (got $rc)" test "$rc" -eq 159
check "enforce: no child ran" test -z "$(child_pid "$T/kill.out")"

# ---- 3. complain ----
"$SYSPHASE" run --policy "$T/pol/policy.json" --complain="$T/complain.log" -- "$PROG" --fork \
	>"$T/complain.out" 2>"$T/complain.err"
rc=$?
check "complain: exits 0 (got $rc)" test "$rc" -eq 0
child=$(child_pid "$T/complain.out")
parent=$(sed -n 's/^lifecycle: phase init: .*\bpid=\([0-9]*\).*/\1/p' "$T/complain.out" | head -1)
check "complain: the child ran and its sysinfo went through" \
	grep -q "^lifecycle: child $child: sysinfo ok" "$T/complain.out"
check "complain: the child ended with status 0" \
	grep -q "^lifecycle: child $child ended with status 0" "$T/complain.out"
check "complain: nothing on stderr" test ! -s "$T/complain.err"
check "complain: the child's sysinfo is in the log, under its own pid, in serving" \
	test "$(entry "$T/complain.log" "$child" serving sysinfo)" = ok
check "complain: the parent's clone is in the log, in serving" \
	test "$(entry "$T/complain.log" "$parent" serving clone)" = ok
check "complain: the parent's wait4 is in the log, in serving" \
	test "$(entry "$T/complain.log" "$parent" serving wait4)" = ok

# ---- 4. merge, enforce ----
"$SYSPHASE" export --rules "$RULES" "$T/trace.jsonl" --merge "$T/complain.log" -o "$T/pol2" \
	>"$T/merge.out" 2>&1
check "export --merge exits 0" test $? -eq 0
"$SYSPHASE" run --policy "$T/pol2/policy.json" -- "$PROG" --fork >"$T/run.out" 2>"$T/run.err"
rc=$?
check "merged: --fork runs to its end (got $rc)" test "$rc" -eq 0
check "merged: the child's sysinfo went through" grep -q "^lifecycle: child [0-9]*: sysinfo ok" \
	"$T/run.out"
check "merged: the program ran to its end" grep -qx "lifecycle: done" "$T/run.out"
check "merged: no denial" test ! -s "$T/run.err"

finish
