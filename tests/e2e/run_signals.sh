#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Signals pending at the moment sysphase run injects a filter reach the
# program as they would without sysphase (tracees/run_signals, rules
# run_signals.json: the phase changes at the rt_sigprocmask that unblocks
# four queued signals).  Every signal must be delivered exactly once, with
# its own si_code and sigqueue value: none dropped, none turned into a
# tkill.  The run must also end detached, as the final phase asks.

. "$(dirname "$0")/lib.sh"
need_sysphase

RULES=$SRCDIR/tests/data/rules/run_signals.json
PROG=$TRACEES/run_signals

"$PROG" >"$T/native.out" 2>&1
check "native run exits 0" test $? -eq 0
grep -v TracerPid "$T/native.out" >"$T/native.signals"
check "natively every signal arrives once, with its own info" test "$(cat "$T/native.signals")" = \
	"$(printf '%s\n' "signals: SIGUSR1 count=1 code=SI_QUEUE value=42" \
		"signals: SIGUSR2 count=1 code=SI_USER" \
		"signals: SIGRTMIN count=2 code=SI_QUEUE value=7")"

"$SYSPHASE" record --rules "$RULES" -o "$T/trace.jsonl" -- "$PROG" >"$T/rec.out" 2>"$T/rec.err"
check "record exits 0" test $? -eq 0
check "the recorder delivers them as natively" diff -u "$T/native.signals" \
	<(grep -v TracerPid "$T/rec.out")
check "the unblocking rt_sigprocmask opens serving" python3 -c '
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]).read().split("\n")[1:] if l]
calls = [e for e in evs if e["type"] == "syscall" and e["name"] == "rt_sigprocmask"
         and (e.get("dec") or {}).get("how") == "SIG_UNBLOCK"]
sys.exit(0 if calls and calls[-1].get("phase") == "serving" else 1)' "$T/trace.jsonl"
"$SYSPHASE" export --rules "$RULES" "$T/trace.jsonl" -o "$T/pol" >"$T/export.out" 2>&1
check "export exits 0" test $? -eq 0

for mode in kill errno; do
	"$SYSPHASE" run --policy "$T/pol/policy.json" --default-action $mode -- "$PROG" \
		>"$T/run.$mode.out" 2>"$T/run.$mode.err"
	rc=$?
	check "run ($mode): exits 0 (got $rc)" test "$rc" -eq 0
	check "run ($mode): every signal delivered once, with its own info" \
		diff -u "$T/native.signals" <(grep -v TracerPid "$T/run.$mode.out")
	check "run ($mode): detached after the phase change" \
		grep -qx "signals: TracerPid=0" "$T/run.$mode.out"
	check "run ($mode): nothing on stderr" test ! -s "$T/run.$mode.err"
done

finish
