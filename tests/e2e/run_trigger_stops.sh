#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Trigger stops (docs/run.md, "Native speed"; enforce/triggers.c): a thread
# that stays in a phase whose exits are syscall triggers, here generic's
# `initialization`, stops at the calls that may fire one once it has made
# 10000 calls without one, not at every call; it moves on exactly as it
# does with every call seen, and its phase's filter still denies.
#
# tracees/trigger_workers: worker A makes 12000 getuid(), reads a regular
# file (a stop, no trigger), then reads a pipe (generic's steady state);
# worker B makes 12000 getgid() and nothing else; the main thread only
# creates and joins them.
# - `run -v` says that A and B, not the main thread, stop at their trigger
#   calls only, and the phases each thread goes through under `run` are
#   those `record` stamped on it: A moves at its pipe read, not at its
#   file read, and gets steady state's filter;
# - a call A's new phase denies (getuid after the pipe) and a call B's
#   phase denies (getpriority, which no phase allows) still kill.
. "$(dirname "$0")/lib.sh"
need_sysphase
need python3

TW=$TRACEES/trigger_workers

"$SYSPHASE" record --rules generic -o "$T/tw.jsonl" -- "$TW" >"$T/rec.out" 2>"$T/rec.err"
check "record exits 0" test $? -eq 0
"$SYSPHASE" export --no-complete "$T/tw.jsonl" -o "$T/pol" >/dev/null 2>"$T/export.err"
check "export exits 0" test $? -eq 0
check "the policy denies getuid in steady state and getpriority everywhere" \
	python3 - "$T/pol/policy.json" <<'PY'
import json, sys
pol = json.load(open(sys.argv[1]))
enforce = {ph["name"]: set(e["name"] if isinstance(e, dict) else e for e in ph["enforce"])
           for ph in pol["phases"]}
ok = ("getuid" in enforce["initialization"] and "getuid" not in enforce["steady state"]
      and all("getpriority" not in calls for calls in enforce.values()))
sys.exit(0 if ok else 1)
PY

"$SYSPHASE" run -v --policy "$T/pol" -- "$TW" >"$T/run.out" 2>"$T/run.err"
check "run exits 0" test $? -eq 0
check "run: the main thread is done" grep -q "^main: done" "$T/run.out"
check "run: 2 threads on trigger stops" grep -q "2 threads on trigger stops" "$T/run.err"
check "run: A gets steady state's filter at its pipe read" python3 - "$T/run.out" <<'PY'
import re, sys
out = open(sys.argv[1]).read()
before = int(re.search(r"A: before the pipe, (\d+) filters", out).group(1))
after = int(re.search(r"A: after the pipe, (\d+) filters", out).group(1))
sys.exit(0 if after == before + 1 else 1)
PY

# Per role (main, A, B), the phases a thread went through: from record's stamps and from
# run -v's notes; each worker must also be said to stop at its trigger calls only.
same_phases() { # TRACE RECORD_OUT RUN_ERR RUN_OUT
	python3 - "$@" <<'PY'
import json, re, sys
trace, rec_out, run_err, run_out = sys.argv[1:]

def roles(out):
    text = open(out).read()
    return {"A": int(re.search(r"A: tid (\d+)", text).group(1)),
            "B": int(re.search(r"B: tid (\d+)", text).group(1))}

seq, leader = {}, None
for line in open(trace):
    ev = json.loads(line)
    if ev.get("type") != "syscall" or "phase" not in ev:
        continue
    if leader is None:
        leader = ev["pid"]
    s = seq.setdefault(ev["tid"], [])
    if not s or s[-1] != ev["phase"]:
        s.append(ev["phase"])
r = roles(rec_out)
recorded = {"main": seq[leader], "A": seq[r["A"]], "B": seq[r["B"]]}

r = roles(run_out)
err = open(run_err).read()
moves = re.findall(r"thread (\d+) of process (\d+) \([^)]*\): phase '([^']*)' -> '([^']*)'", err)
main = int(moves[0][1])
ran = {}
for role, tid in (("main", main), ("A", r["A"]), ("B", r["B"])):
    steps = [(a, b) for t, _, a, b in moves if int(t) == tid]
    ran[role] = [steps[0][0] if steps else "initialization"] + [b for a, b in steps]
trigger = set(int(t) for t in re.findall(r"thread (\d+) of process \d+ \([^)]*\) in phase "
                                         r"'initialization' stops at its trigger calls only", err))
ok = True
for role in ("main", "A", "B"):
    if ran[role] != recorded[role]:
        print(f"{role}: record {recorded[role]}, run {ran[role]}")
        ok = False
if trigger != {r["A"], r["B"]}:
    print(f"on trigger stops: {sorted(trigger)}, want A {r['A']} and B {r['B']}")
    ok = False
sys.exit(0 if ok else 1)
PY
}
check "run: each thread goes through the phases record stamped on it, on trigger stops" \
	same_phases "$T/tw.jsonl" "$T/rec.out" "$T/run.err" "$T/run.out"

# A filter of B's own, once B is on trigger stops: its RET_TRACE (not sysphase's mark) is
# ENOSYS as natively, and its ERRNO for readv, which outranks the trigger filter's TRACE,
# hides no trigger: seccomp() put the process back on syscall stops.
"$SYSPHASE" record --rules generic -o "$T/own.jsonl" -- "$TW" --own-filter >"$T/own-rec.out" 2>&1
check "own filter: record exits 0" test $? -eq 0
"$SYSPHASE" export --no-complete "$T/own.jsonl" -o "$T/own-pol" >/dev/null 2>&1
check "own filter: export exits 0" test $? -eq 0
"$SYSPHASE" run -v --policy "$T/own-pol" -- "$TW" --own-filter >"$T/own.out" 2>"$T/own.err"
check "own filter: run exits 0" test $? -eq 0
check "own filter: its RET_TRACE is ENOSYS under run as natively" \
	grep -qx "B: getppid: ENOSYS" "$T/own.out"
check "own filter: its ERRNO is EIO under run as natively" grep -qx "B: readv: EIO" "$T/own.out"
check "own filter: each thread goes through the phases record stamped on it" \
	same_phases "$T/own.jsonl" "$T/own-rec.out" "$T/own.err" "$T/own.out"

# Under --default-action errno a trigger call the phase denies fails with EPERM, which
# outranks the trigger filter's TRACE: syscall stops would see it, trigger stops would not.
"$SYSPHASE" run -v --default-action errno --policy "$T/pol" -- "$TW" >"$T/errno.out" 2>"$T/errno.err"
check "errno: run exits 0" test $? -eq 0
check "errno: no thread on trigger stops" grep -q "0 threads on trigger stops" "$T/errno.err"

"$SYSPHASE" run --policy "$T/pol" -- "$TW" --deny-a >"$T/deny-a.out" 2>"$T/deny-a.err"
rc=$?
check "run --deny-a: killed by SIGSYS (159, got $rc)" test "$rc" -eq 159
check "run --deny-a: A's getuid never returned" test "$(tail -1 "$T/deny-a.out")" = "A: getuid"
check "run --deny-a: the denial names getuid in steady state" \
	grep -q "in phase 'steady state': getuid (x86_64 nr 102) killed by SIGSYS" "$T/deny-a.err"

"$SYSPHASE" run --policy "$T/pol" -- "$TW" --deny-b >"$T/deny-b.out" 2>"$T/deny-b.err"
rc=$?
check "run --deny-b: killed by SIGSYS (159, got $rc)" test "$rc" -eq 159
check "run --deny-b: B's getpriority never returned" \
	test "$(tail -1 "$T/deny-b.out")" = "B: getpriority"
check "run --deny-b: the denial names getpriority" grep -q "getpriority (x86_64 nr 140) killed" \
	"$T/deny-b.err"
finish
