#!/bin/bash
# SPDX-License-Identifier: MIT
# A user's data is never lost or mixed, and every exit status is the one
# the table in cli/cli.h (and every --help) gives:
#   - a failed attach or launch leaves an existing trace untouched, exits
#     non-zero, and leaves no temporary file;
#   - a trace with no events is an input error for phases;
#   - `record -o -` keeps the program's stdout out of the trace stream;
#   - write errors on stdout (/dev/full) are output errors (5), with the
#     system's words ("No space left on device");
#   - input errors are 4, output errors 5, usage 2;
#   - run prints an errno-mode denial once, with its count at the end.
. "$(dirname "$0")/lib.sh"
need_sysphase
need python3

cd "$T" || exit 1

# status WANT DESCRIPTION CMD...: CMD exits WANT.
status() {
	local want=$1 what=$2 rc=0
	shift 2
	"$@" >"$T/out" 2>"$T/err" || rc=$?
	check "$what: exit status $want (got $rc; $(head -c 300 "$T/err"))" test "$rc" = "$want"
}

no_temporary() {
	! ls -a "$T" | grep -q 'sysphase-'
}

# --- a failed recording leaves the old trace as it was --------------------------------
"$SYSPHASE" record -o t.jsonl -- /bin/echo hello >/dev/null
before=$(sha256sum <t.jsonl)
status 1 "record -p of a pid that does not exist" "$SYSPHASE" record -p 999999 -o t.jsonl
check "... names the pid" grep -q "999999" "$T/err"
check "... leaves the existing trace untouched" test "$(sha256sum <t.jsonl)" = "$before"
check "... and no temporary file" no_temporary
status 127 "record of a program that does not exist" "$SYSPHASE" record -o t.jsonl -- ./no-such-prog
check "... leaves the existing trace untouched" test "$(sha256sum <t.jsonl)" = "$before"
printf '#!/bin/sh\n' >noexec && chmod -x noexec
status 126 "record of a file that cannot be executed" "$SYSPHASE" record -o t.jsonl -- ./noexec
check "... leaves the existing trace untouched" test "$(sha256sum <t.jsonl)" = "$before"
check "... and no temporary file" no_temporary
status 5 "record -o /dev/full" "$SYSPHASE" record -o /dev/full -- /bin/true
check "... says why in the system's words" grep -q "No space left on device" "$T/err"
check "/dev/full is still a device" test -c /dev/full
status 5 "record -o into a missing directory" "$SYSPHASE" record -o no/dir/t.jsonl -- /bin/true
# A successful recording replaces the file, with its permissions.
chmod 640 t.jsonl
"$SYSPHASE" record -o t.jsonl -- /bin/echo again >/dev/null
check "a successful recording replaces the trace" grep -q '"again"' t.jsonl
check "... keeping its permissions" test "$(stat -c %a t.jsonl)" = 640

# --- an empty trace is an input error ---------------------------------------------------
head -n 1 t.jsonl >empty.jsonl
status 4 "phases on a trace with no events" "$SYSPHASE" phases --rules generic empty.jsonl
check "... says it holds no events" grep -q "holds no events" "$T/err"
check "... prints nothing on stdout" test ! -s "$T/out"

# --- record -o -: only the trace goes down the pipe -------------------------------------
"$SYSPHASE" record -o - -- /bin/echo HELLO-OUT 2>stderr.txt >stream.jsonl
check "record -o - exits 0" test $? = 0
check "the program's stdout went to stderr" grep -qx HELLO-OUT stderr.txt
check "the stream holds no program output" not grep -qx HELLO-OUT stream.jsonl
check "the stream is a trace every line of which is JSON" python3 -c '
import json, sys
lines = open("stream.jsonl").read().splitlines()
assert json.loads(lines[0])["format"] == "sysphase-trace"
for l in lines[1:]:
    json.loads(l)
'
"$SYSPHASE" record --rules generic -o - -- /bin/echo PIPED 2>/dev/null |
	"$SYSPHASE" phases - >phases.out
check "record -o - | phases - works" grep -q "execution initiation\|exec" phases.out

# --- stdout write errors ----------------------------------------------------------------
"$SYSPHASE" record --rules generic -o g.jsonl -- /bin/true >/dev/null 2>&1
for cmd in "--help" "help export" "export --help" "phases g.jsonl" "show g.jsonl" \
	"compare g.jsonl g.jsonl" "report g.jsonl -o -" "--version"; do
	rc=0
	# shellcheck disable=SC2086
	"$SYSPHASE" $cmd >/dev/full 2>"$T/err" || rc=$?
	check "$cmd > /dev/full: exit 5 (got $rc)" test "$rc" = 5
	check "$cmd > /dev/full: says No space left on device" \
		grep -q "No space left on device" "$T/err"
	check "$cmd > /dev/full: one line" test "$(wc -l <"$T/err")" = 1
done
status 5 "report -o /dev/full" "$SYSPHASE" report g.jsonl -o /dev/full
check "... says No space left on device" grep -q "No space left on device" "$T/err"
status 5 "export into a path under a file" "$SYSPHASE" export g.jsonl -o t.jsonl/x

# --- run: errno-mode denials once each, counted; the first says the next step ----------
"$SYSPHASE" record --rules generic -o lg.jsonl -- "$TRACEES/loop_getppid" 0 >/dev/null 2>&1
"$SYSPHASE" export --no-complete lg.jsonl -o lgpol >/dev/null 2>&1
rc=0
"$SYSPHASE" run -d errno --policy lgpol -- "$TRACEES/loop_getppid" 50 >/dev/null 2>"$T/err" || rc=$?
check "run -d errno: the program goes on (status $rc)" test "$rc" = 0
check "50 denied getppid calls: one line names it" \
	test "$(grep -c "getppid (x86_64 nr 110) denied with EPERM" "$T/err")" = 1
check "... saying the next step" \
	grep -q "to allow it: 'sysphase run --complain=LOG --policy lgpol -- .*', then 'sysphase export TRACE... --merge LOG'" "$T/err"
check "... and the count at the end" grep -Eq "^sysphase: getppid denied with EPERM [0-9]+ times in all" "$T/err"
rc=0
"$SYSPHASE" run -q -d errno --policy lgpol -- "$TRACEES/loop_getppid" 50 >/dev/null 2>"$T/err" || rc=$?
check "run -q: no denial line ($rc)" test ! -s "$T/err"

# --- the exit-status table everywhere ---------------------------------------------------
for cmd in record phases export run report compare infer show help; do
	"$SYSPHASE" "$cmd" --help >"$T/help"
	for code in 0 1 2 3 4 5 125 126 127; do
		check "$cmd --help lists exit status $code" grep -q "^  $code " "$T/help"
	done
done
finish
