#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The learning loop with Landlock (docs/run.md, "Complain mode and
# Landlock"): tracees/landlock_phases recorded narrow, then made to read a
# file the recording never read (extra/d.txt, in the phase 'work').
#   1. under run the layer of 'work' denies it: the program fails with
#      EACCES and exits 1;
#   2. under run --complain the program runs, and the log holds one
#      Landlock would-be denial: that path, read_file, phase 'work';
#   3. export --merge LOG widens the rules of 'work' with it, generalised
#      as the derivation generalises (a file only read stands for its
#      directory), its provenance "merged from complain log";
#   4. under run with the merged policy the held-out path and another file
#      of its directory are read, and what is outside still is not: a
#      planted symlink out of the document root, a file outside DIR.
. "$(dirname "$0")/lib.sh"
need_sysphase
RULES=$SRCDIR/tests/data/rules/landlock_phases.json
PROG=$TRACEES/landlock_phases
D=$T/app
mkdir -p "$D/conf" "$D/logs" "$D/state" "$D/data" "$D/www" "$D/extra"
echo conf >"$D/conf/app.conf"
for f in data/a.txt data/b.txt www/index.html extra/d.txt extra/e.txt; do
	echo "$f" >"$D/$f"
done
echo secret >"$T/secret.txt"
echo secret >"$D/secret.txt"

"$SYSPHASE" record --rules "$RULES" -o "$T/trace.jsonl" -- "$PROG" "$D" >"$T/rec.out" 2>&1
check "record exits 0" test $? -eq 0
"$SYSPHASE" export --rules "$RULES" "$T/trace.jsonl" -o "$T/pol" >"$T/export.out" 2>&1
check "export exits 0" test $? -eq 0

# 1. Enforced, the held-out read is denied by the layer of 'work'.
rm -rf "$D/state/run"
"$SYSPHASE" run --policy "$T/pol/policy.json" -- "$PROG" "$D" --read=extra/d.txt \
	>"$T/run1.out" 2>"$T/run1.err"
rc=$?
check "run without the merge exits 1 (got $rc)" test "$rc" -eq 1
check "the held-out read fails with EACCES" \
	grep -q "landlock_phases: extra/d.txt: Permission denied" "$T/run1.out"
check "run names the denial: process, phase, path, right" grep -q \
	"process [0-9]* (landlock_phases) in phase 'work': Landlock denied read_file on $D/extra/d.txt (openat: Permission denied); to allow it: 'sysphase run --complain=LOG" \
	"$T/run1.err"

# 2. Complain mode runs it and logs the would-be denial.
rm -rf "$D/state/run"
"$SYSPHASE" run --complain="$T/complain.log" --policy "$T/pol/policy.json" -- \
	"$PROG" "$D" --read=extra/d.txt >"$T/run2.out" 2>"$T/run2.err"
rc=$?
check "run --complain exits 0 (got $rc)" test "$rc" -eq 0
check "the program finished in complain mode" grep -q "landlock_phases: done" "$T/run2.out"
check "the log's header says Landlock was simulated" \
	grep -q '"type":"run".*"landlock":"simulated"' "$T/complain.log"
check "the log names the held-out read in phase 'work'" \
	grep -q "\"type\":\"landlock\".*\"phase\":\"work\".*\"path\":\"$D/extra/d.txt\",\"beneath\":false,\"access\":\\[\"read_file\"\\]" \
	"$T/complain.log"
check "only that path is logged" test "$(grep -c '"type":"landlock"' "$T/complain.log")" -eq 1

# 3. The merge widens the rules of 'work'.
"$SYSPHASE" export --rules "$RULES" "$T/trace.jsonl" --merge "$T/complain.log" \
	-o "$T/pol2" >"$T/export2.out" 2>&1
check "export --merge exits 0" test $? -eq 0
python3 - "$T/pol2/policy.json" "$D" >"$T/merged.txt" <<'PY'
import json, sys
pol = json.load(open(sys.argv[1]))
for ph in pol["landlock"]["phases"]:
    for r in ph["own"]["rules"]:
        print(ph["phase"], r["path"], ",".join(r["access"]), r.get("beneath", False), r["why"])
PY
check "work's own rules hold extra/, beneath, merged" \
	grep -q "^work $D/extra read_file True merged from complain log $T/complain.log; generalised" \
	"$T/merged.txt"

# 4. Enforced with the merged policy: the held-out path and its directory, nothing outside.
rm -rf "$D/state/run"
ln -s "$T/secret.txt" "$D/www/leak"
"$SYSPHASE" run --policy "$T/pol2/policy.json" -- "$PROG" "$D" --probe \
	--read=extra/d.txt --read=extra/e.txt >"$T/run3.out" 2>"$T/run3.err"
rc=$?
check "run with the merged policy exits 0 (got $rc)" test "$rc" -eq 0
check "the program finished under its layers" grep -q "landlock_phases: done" "$T/run3.out"
check "run names only the probes outside" not grep -q "extra/" "$T/run3.err"
check "work still cannot read secret.txt" grep -qx "probe work secret.txt: EACCES" "$T/run3.out"
check "work still cannot read the planted leak" grep -qx "probe work www/leak: EACCES" "$T/run3.out"
check "serve still cannot read secret.txt" grep -qx "probe serve secret.txt: EACCES" "$T/run3.out"

# What complain mode cannot see: serve's thread is let go (final phase) under a LOG filter,
# so its calls outside the filter reach the log through the kernel alone ("seen":"kernel")
# and its files not at all.  Merged, such a line leaves serve's files unknown: no layer
# reaching serve restricts files any more (said in no_file_system), while a call seen at a
# ptrace stop (work's, followed) does not.
mkdir -p "$D/bin"
printf 'not a program\n' >"$D/bin/garbage"
chmod 755 "$D/bin/garbage"
rm -rf "$D/state/run"
"$SYSPHASE" run --complain="$T/let-go.log" --policy "$T/pol/policy.json" -- \
	"$PROG" "$D" --probe-all >"$T/run4.out" 2>"$T/run4.err"
check "run --complain --probe-all exits 0" test $? -eq 0
check "serve's calls outside its filter came through the kernel" \
	grep -q '"phase":"serve".*"seen":"kernel"' "$T/let-go.log"
check "work's came through ptrace" grep -q '"type":"violation".*"phase":"work".*"seen":"ptrace"' \
	"$T/let-go.log"
check "serve's reads outside its layer were not seen (let go)" \
	not grep -q '"type":"landlock".*"phase":"serve"' "$T/let-go.log"
check "work's were (followed)" grep -q '"type":"landlock".*"phase":"work".*secret.txt' \
	"$T/let-go.log"
"$SYSPHASE" export --rules "$RULES" "$T/trace.jsonl" --merge "$T/let-go.log" -o "$T/pol4" \
	>"$T/export4.out" 2>&1
check "export --merge of it exits 0" test $? -eq 0
python3 - "$T/pol4/policy.json" >"$T/pol4.txt" <<'PY'
import json, sys
for ph in json.load(open(sys.argv[1]))["landlock"]["phases"]:
    print(ph["phase"], "unresolved" if ph["own"].get("unresolved") else "resolved",
          "no-fs" if ph.get("no_file_system") else "fs")
PY
check "serve's own rules are unresolved, and its layer has no file system part" \
	grep -qx "serve unresolved no-fs" "$T/pol4.txt"
check "work's own rules stay resolved (its calls were seen), its layer reaches serve" \
	grep -qx "work resolved no-fs" "$T/pol4.txt"

# A Landlock line of another policy is refused.
sed 's/"phase":"work"/"phase":"nosuch"/' "$T/complain.log" >"$T/bad.log"
"$SYSPHASE" export --rules "$RULES" "$T/trace.jsonl" --merge "$T/bad.log" -o "$T/pol3" \
	>"$T/export3.out" 2>&1
rc=$?
check "a log naming a phase the policy lacks is refused (exit $rc)" test "$rc" -eq 3
finish
