#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The learning loop converges in one round on a program that maps code
# late (tracees/jit, rules tests/data/rules/jit.json: setup, then serving
# from getppid, where "jit" makes a page executable).  Recorded without
# the JIT, the serving phase allocates and maps no code, so export lets
# mmap and mprotect through only without PROT_EXEC (W^X), and under run
# the JIT is killed.  One `run --complain` round logs the mprotect (the
# kernel's record: serving is let go, so the log has no arguments);
# `export --merge` lifts W^X in serving and says so in one line; the
# merged policy runs the JIT to its end, and the same round again logs
# nothing new.
. "$(dirname "$0")/lib.sh"
need python3
need_sysphase

RULES=$SRCDIR/tests/data/rules/jit.json
PROG=$TRACEES/jit
cd "$T" || exit 1

"$SYSPHASE" record --rules "$RULES" -o t.jsonl -- "$PROG" >rec.out 2>&1
check "recording without the JIT" grep -qx "jit: done" rec.out
"$SYSPHASE" export --rules "$RULES" t.jsonl -o narrow >narrow.out 2>&1
check "export exits 0" test -s narrow/policy.json
check "serving allows mprotect only without PROT_EXEC" python3 - narrow/policy.json <<'PY'
import json, sys
pol = json.load(open(sys.argv[1]))
ph = [p for p in pol["phases"] if p["name"] == "serving"][0]
a = ph["enforce_args"].get("mprotect")
sys.exit(0 if a and a[0]["index"] == 2 and a[0]["mask"] == 4 and a[0]["values"] == [0] else
         "mprotect in serving: %s" % a)
PY

"$SYSPHASE" run --policy narrow/policy.json -- "$PROG" jit >jit.out 2>jit.err
st=$?
check "under the narrow policy the JIT is killed (status $st)" test "$st" = 159
check "... at mprotect" grep -q "mprotect.*killed by SIGSYS" jit.err

"$SYSPHASE" run --policy narrow/policy.json --complain=c.log -- "$PROG" jit >c.out 2>c.err
st=$?
check "complain mode runs the JIT to its end (status $st)" test "$st" = 0
check "... and logs the mprotect in serving" grep -q '"phase":"serving","syscall":"mprotect"' c.log

"$SYSPHASE" export --rules "$RULES" t.jsonl --merge c.log -o merged >merged.out 2>merged.err
st=$?
check "export --merge exits 0 (status $st)" test "$st" = 0
check "... saying in one line that serving maps code and W^X is lifted there" \
	test "$(grep -c "phase 'serving' was seen mapping code (mprotect.*W^X is lifted there" merged.err)" = 1
check "serving's mprotect is no longer limited" python3 - merged/policy.json <<'PY'
import json, sys
pol = json.load(open(sys.argv[1]))
ph = [p for p in pol["phases"] if p["name"] == "serving"][0]
sys.exit("mprotect" not in ph["enforce"] or "mprotect" in ph["enforce_args"])
PY
"$SYSPHASE" run --policy merged/policy.json -- "$PROG" jit >after.out 2>after.err
st=$?
check "after one merge the JIT runs under run (status $st)" test "$st" = 0
check "... and its code ran" grep -qx "jit: code says 42" after.out
"$SYSPHASE" run --policy merged/policy.json --complain=c2.log -- "$PROG" jit >/dev/null 2>&1
check "a second complain round logs nothing new" not grep -q '"type":"violation"' c2.log
finish
