#!/bin/bash
# SPDX-License-Identifier: MIT
#
# run --default-action graded: outside a phase's allowlist only dangerous
# calls kill (threat levels 1 and 2, docs/policy-format.md, and numbers
# libseccomp does not know); the rest go through with a kernel log line,
# which run names ("allowed and logged").  The default stays kill.
#   - ls under pwd's policy: its extra calls (statfs, getdents64, statx...,
#     none dangerous) go through, logged; ls lists the directory;
#   - the same under the default action: killed (SIGSYS, 159);
#   - tracees/run_lifecycle --evil: an execve (level 1) in its serving
#     phase still kills it under graded.
. "$(dirname "$0")/lib.sh"
need_sysphase

"$SYSPHASE" record --rules pwd -o "$T/pwd.jsonl" -- /bin/pwd >/dev/null
"$SYSPHASE" export "$T/pwd.jsonl" -o "$T/pwd" >/dev/null 2>&1
check "export exits 0" test $? -eq 0

"$SYSPHASE" run --policy "$T/pwd/policy.json" --default-action graded -- /bin/ls / \
	>"$T/ls.out" 2>"$T/ls.err"
rc=$?
check "graded: ls runs to its end (got $rc)" test "$rc" -eq 0
check "graded: ls printed its listing" grep -qx usr "$T/ls.out"
check "graded: its extra calls were let through, each named" \
	grep -Eq "^sysphase: process [0-9]+ \(ls\) in phase '[^']+': [a-z0-9_]+ \(x86_64 nr [0-9]+\) allowed and logged(; to allow it: .*)?$" \
	"$T/ls.err"
check "graded: nothing killed" not grep -q "killed" "$T/ls.err"
"$SYSPHASE" run --policy "$T/pwd/policy.json" -- /bin/ls / >/dev/null 2>&1
check "the default is still kill (159)" test $? -eq 159

RULES=$SRCDIR/tests/data/rules/run_lifecycle.json
PROG=$TRACEES/run_lifecycle
"$SYSPHASE" record --rules "$RULES" -o "$T/lc.jsonl" -- "$PROG" >/dev/null 2>&1
"$SYSPHASE" export --rules "$RULES" "$T/lc.jsonl" -o "$T/lc" >/dev/null 2>&1
check "lifecycle: export exits 0" test $? -eq 0
"$SYSPHASE" run --policy "$T/lc/policy.json" --default-action graded -- "$PROG" --evil \
	>"$T/evil.out" 2>"$T/evil.err"
rc=$?
check "graded: an execve (level 1) outside the allowlist still kills (159, got $rc)" \
	test "$rc" -eq 159
check "graded: named in one line" grep -q "in phase 'serving': execve\\b.*killed by SIGSYS" "$T/evil.err"
"$SYSPHASE" run --policy "$T/lc/policy.json" --default-action bogus -- "$PROG" >/dev/null 2>"$T/bad.err"
check "a bad default action is a usage error (2)" test $? -eq 2
check "... naming graded among the choices" grep -q "kill, errno, log or graded" "$T/bad.err"
finish
