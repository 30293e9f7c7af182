#!/bin/bash
# End to end: coreutils pwd recorded with `record --rules pwd`
# (examples/pwd/run.sh), a normal run and two failure paths (a bad option,
# stdout closed).  Checks that the phases of Table 1 appear in order and
# non-empty, that error handling appears only on the failure paths, with
# the syscalls that mark them, and that the online stamps and an offline
# re-segmentation (`phases --rules pwd --diff`) agree.
set -u
: "${SYSPHASE:?}" "${SRCDIR:?}"
[ -x /bin/pwd ] || { echo "no /bin/pwd: skip"; exit 77; }

work=$(mktemp -d /tmp/sysphase-e2e-pwd.XXXXXX)
trap 'rm -rf "$work"' EXIT

"$SRCDIR/examples/pwd/run.sh" -s "$SYSPHASE" -o "$work" -q || exit 1

rc=0
for run in normal badopt closed; do
	"$SYSPHASE" phases --rules pwd --diff "$work/$run.jsonl" >/dev/null ||
		{ echo "FAIL: $run: offline segmentation differs from the online stamps"; rc=1; }
	"$SYSPHASE" phases --format json --syscalls "$work/$run.jsonl" >"$work/$run.json" ||
		{ echo "FAIL: $run: phases failed"; rc=1; continue; }
	python3 - "$work/$run.json" "$run" <<'PY' || rc=1
import json, sys

tl = json.load(open(sys.argv[1]))
run = sys.argv[2]
procs = tl["processes"]
errors = []
if len(procs) != 1:
    errors.append("want one process, got %d" % len(procs))
p = procs[0]
seq = [s["phase"] for s in p["phases"]]
sets = {s["phase"]: set(s["set"]) for s in p["phases"]}
want = {
    "normal": ["execution initiation", "loading shared libraries", "memory and environment setup",
               "reading configuration", "output handling", "process termination"],
    "badopt": ["execution initiation", "loading shared libraries", "memory and environment setup",
               "reading configuration", "error handling", "process termination"],
    "closed": ["execution initiation", "loading shared libraries", "memory and environment setup",
               "reading configuration", "output handling", "error handling",
               "process termination"],
}[run]
if seq != want:
    errors.append("phases %s, want %s" % (seq, want))
for s in p["phases"]:
    if s["syscalls"] < 1:
        errors.append("phase '%s' is empty" % s["phase"])
marks = {
    "execution initiation": {"execve"},
    "loading shared libraries": {"openat", "mmap"},
    "memory and environment setup": {"arch_prctl", "mprotect"},
    "process termination": {"exit_group"},
}
if run != "badopt":
    marks["reading configuration"] = {"getcwd"}
if run == "normal":
    marks["output handling"] = {"write"}
else:
    marks["error handling"] = {"write"}
for phase, need in marks.items():
    if phase in sets and not need <= sets[phase]:
        errors.append("phase '%s' lacks %s: %s" % (phase, sorted(need - sets[phase]), sorted(sets[phase])))
status = (p.get("exit") or {}).get("status")
if status != (0 if run == "normal" else 1):
    errors.append("exit status %s" % status)
for e in errors:
    print("FAIL: %s: %s" % (run, e))
sys.exit(1 if errors else 0)
PY
done
[ $rc = 0 ] && echo ok
exit $rc
