#!/bin/bash
# SPDX-License-Identifier: MIT
# The learning loop: a policy recorded from pwd is too narrow for ls; ls
# under it is killed and the violation is named; --complain lets ls run
# and logs what would have been denied; export --merge folds that log in,
# and ls then runs under the merged policy.  A malformed log is refused
# with its position and nothing is written.  A log that cannot be written
# (a full disk: /dev/full) fails the run loudly; a path that cannot be
# opened is a usage error before the program runs.
. "$(dirname "$0")/lib.sh"
need_sysphase

cd "$T" || exit 1
"$SYSPHASE" record --rules pwd -o pwd.jsonl -- /bin/pwd >/dev/null
"$SYSPHASE" export -o narrow pwd.jsonl >/dev/null

"$SYSPHASE" run --policy narrow/policy.json -- /bin/ls / >/dev/null 2>err
st=$?
check "ls under pwd's policy is killed by SIGSYS (159)" test "$st" = 159
check "the violation is named in one line" \
	grep -Eq "^sysphase: process [0-9]+ \(ls\) in phase '[^']+': [a-z0-9_]+ \(x86_64 nr [0-9]+\) killed by SIGSYS; " err
check "that line says the next step: complain, then merge" \
	grep -q "to allow it: 'sysphase run --complain=LOG --policy narrow/policy.json -- /bin/ls ...', then 'sysphase export TRACE... --merge LOG'$" err

"$SYSPHASE" run --policy narrow/policy.json --complain=complain.log -- /bin/ls / >ls.out 2>/dev/null
st=$?
check "complain mode lets ls run to completion" test "$st" = 0
check "ls printed its listing" grep -qx usr ls.out
check "complain log has violation lines" test -s complain.log
check "a run header, then violations with phase, syscall and count" python3 - complain.log <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ok = len(lines) > 1 and lines[0]["type"] == "run" and all(
    l["type"] == "violation" and l["phase"] and l["syscall"] and l["count"] >= 1
    and (l["seen"] == "kernel" or len(l["args"]) == 6) for l in lines[1:])
sys.exit(0 if ok else 1)
PY

# A log that cannot be written fails the run loudly, never a cut log and 0.
"$SYSPHASE" run --policy narrow/policy.json --complain=/dev/full -- /bin/ls / >/dev/null 2>full.err
st=$?
check "a full disk fails the run (exit 5, output error, got $st)" test "$st" = 5
check "with one line saying why" grep -qx "sysphase: cannot write the complain log: No space left on device" full.err
"$SYSPHASE" run --policy narrow/policy.json --complain="$T/no/such/dir/log" -- /bin/ls / >/dev/null 2>bad.err
st=$?
check "an unwritable --complain path is an output error (exit 5, got $st)" test "$st" = 5
check "named in one line" grep -q "^sysphase: run: --complain: cannot write '$T/no/such/dir/log'" bad.err
check "and the program never ran" not grep -q "process" bad.err

"$SYSPHASE" export -o merged --merge complain.log pwd.jsonl >/dev/null
check "export --merge succeeds" test -s merged/policy.json
"$SYSPHASE" run --policy merged/policy.json -- /bin/ls / >/dev/null 2>&1
check "ls runs under the merged policy" test $? = 0
"$SYSPHASE" run --policy merged/policy.json -- /bin/pwd >/dev/null 2>&1
check "pwd still runs under the merged policy" test $? = 0

printf '{"type":"violation","phase":"output handling","pid":1,"tid":1,"nr":1,"args":[]}\n' >bad.log
"$SYSPHASE" export -o bad --merge bad.log pwd.jsonl >/dev/null 2>err
st=$?
check "a malformed log is refused (exit 4, input error)" test "$st" = 4
check "with its position" grep -q "bad.log:1:1: not a violation line" err
check "and nothing is written" not test -e bad
finish
