#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Phases are per thread (docs/rules.md, docs/run.md): `run` narrows a
# thread when the thread itself reaches a transition, a new thread starts
# with its creator's filter, and a thread in a final phase is let go alone.
# Rules: tests/data/rules/run_threads.json (init -> ready at getppid() ->
# serving at getpgrp(), serving final).
#
# - tracees/run_sleeper: a helper thread sleeps in a loop while the main
#   thread changes phase and is detached.  Recorded without signals, run
#   with --poke: once the main thread is let go it sends the sleeping
#   helper SIGWINCH, which a traced thread stops for, and the kernel
#   resumes the sleep through restart_syscall (in no recording: the
#   runtime baseline, docs/baseline.md).  20 runs, no denial; the main
#   thread holds 3 filters and is detached, the helper holds 1 and is
#   still followed.  (With process-wide phases the helper was moved and
#   detached with the main thread, interrupted in its sleep, and killed
#   at restart_syscall.)
# - tracees/run_storm: threads created at random moments around two phase
#   changes, each making its own era's call; recorded once, run 50 times,
#   no denial.  (With TSYNC a worker born in init but still before its
#   getuid when the main thread moved to ready was killed, now and then.)
. "$(dirname "$0")/lib.sh"
need_sysphase

RULES=$SRCDIR/tests/data/rules/run_threads.json

# ---- a helper sleeping in a loop ----
"$SYSPHASE" record --rules "$RULES" -o "$T/sleeper.jsonl" -- "$TRACEES/run_sleeper" \
	>"$T/sleeper-rec.out" 2>"$T/sleeper-rec.err"
check "sleeper: record exits 0" test $? -eq 0
check "sleeper: the recording has no restart_syscall" not grep -q '"restart_syscall"' "$T/sleeper.jsonl"
"$SYSPHASE" export --rules "$RULES" "$T/sleeper.jsonl" -o "$T/sleeper-pol" >/dev/null 2>&1
check "sleeper: export exits 0" test $? -eq 0
check "sleeper: the main thread's serving filter does not allow the helper's sleep" python3 - \
	"$T/sleeper-pol/policy.json" <<'PY'
import json, sys
pol = json.load(open(sys.argv[1]))
for ph in pol["phases"]:
    if ph["name"] == "serving":
        names = set(e["name"] if isinstance(e, dict) else e for e in ph["enforce"])
        sys.exit(1 if "clock_nanosleep" in names else 0)
sys.exit(1)
PY
check "sleeper: the policy allows restart_syscall in init, as baseline" python3 - \
	"$T/sleeper-pol/policy.json" <<'PY'
import json, sys
pol = json.load(open(sys.argv[1]))
for ph in pol["phases"]:
    if ph["name"] == "init":
        calls = ph["exact"]
        entry = calls.get("restart_syscall") if isinstance(calls, dict) else \
            next((c for c in calls if c.get("name") == "restart_syscall"), None)
        sys.exit(0 if entry and entry.get("provenance") == "baseline" and
                 entry.get("why", {}).get("reason") else 1)
sys.exit(1)
PY

bad=0
for i in $(seq 20); do
	"$SYSPHASE" run --policy "$T/sleeper-pol/policy.json" -- "$TRACEES/run_sleeper" --poke \
		>"$T/s.out" 2>"$T/s.err"
	rc=$?
	if [ "$rc" -ne 0 ] || [ -s "$T/s.err" ] ||
		! grep -qx "sleeper: the helper slept on after the signal" "$T/s.out"; then
		bad=$((bad + 1))
		cp "$T/s.out" "$T/s-bad.out"
		cp "$T/s.err" "$T/s-bad.err"
	fi
done
check "sleeper: 20 runs with the helper poked in its sleep, no denial ($bad bad)" test "$bad" -eq 0
[ "$bad" -eq 0 ] || sed 's/^/    /' "$T/s-bad.out" "$T/s-bad.err"
check "sleeper: the main thread holds three filters and is let go" \
	grep -qx "sleeper: main Seccomp_filters=3 traced=no" "$T/s.out"
check "sleeper: the helper holds its birth phase's filter only, still followed" \
	grep -qx "sleeper: helper Seccomp_filters=1 traced=yes" "$T/s.out"

# ---- threads born at random moments around phase changes ----
"$SYSPHASE" record --rules "$RULES" -o "$T/storm.jsonl" -- "$TRACEES/run_storm" \
	>"$T/storm-rec.out" 2>&1
check "storm: record exits 0" test $? -eq 0
# --no-complete: what is checked is which thread's era a call is attributed to, and static
# completion would add getuid wherever the code that calls it is reachable.
"$SYSPHASE" export --no-complete --rules "$RULES" "$T/storm.jsonl" -o "$T/storm-pol" >/dev/null 2>&1
check "storm: export exits 0" test $? -eq 0
check "storm: each phase's filter allows only what threads born in it or later make" \
	python3 - "$T/storm-pol/policy.json" <<'PY'
import json, sys
pol = json.load(open(sys.argv[1]))
enforce = {ph["name"]: set(e["name"] if isinstance(e, dict) else e for e in ph["enforce"])
           for ph in pol["phases"]}
ok = ("getuid" in enforce["init"] and "getgid" in enforce["ready"] and "geteuid" in enforce["serving"]
      and "getuid" not in enforce["ready"] and "getuid" not in enforce["serving"]
      and "getgid" not in enforce["serving"])
sys.exit(0 if ok else 1)
PY
bad=0
for i in $(seq 50); do
	"$SYSPHASE" run --policy "$T/storm-pol/policy.json" -- "$TRACEES/run_storm" \
		>"$T/st.out" 2>"$T/st.err"
	rc=$?
	if [ "$rc" -ne 0 ] || [ -s "$T/st.err" ] || ! grep -q "every one finished" "$T/st.out"; then
		bad=$((bad + 1))
		cp "$T/st.out" "$T/st-bad.out"
		cp "$T/st.err" "$T/st-bad.err"
	fi
done
check "storm: 50 runs with threads born around phase changes, no denial ($bad bad)" \
	test "$bad" -eq 0
[ "$bad" -eq 0 ] || sed 's/^/    /' "$T/st-bad.out" "$T/st-bad.err"
finish
