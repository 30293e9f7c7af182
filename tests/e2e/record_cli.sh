#!/bin/bash
# SPDX-License-Identifier: MIT
#
# sysphase record as a command: exit statuses like a shell's, the trace's
# header and exit events, and bad input (missing or non-executable
# program, unwritable output, bad options, dead or foreign pid): each a
# one-line error with the documented status, and no tracee left behind,
# stopped or running.

. "$(dirname "$0")/lib.sh"
need python3
need_sysphase

cd "$T" || exit 1

# expect_status WANT DESCRIPTION COMMAND...: runs COMMAND with stdout/stderr
# in $T/out and $T/err, and checks its status.
expect_status() {
	local want=$1 what=$2 rc
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" = "$want" ]; then
		pass "$what: status $rc"
	else
		fail "$what: status $rc, want $want (stderr: $(head -c 400 "$T/err" | tr '\n' ' '))"
	fi
}

# one_line_error DESCRIPTION: $T/err is exactly one line starting "sysphase: ".
one_line_error() {
	local n
	n=$(wc -l <"$T/err")
	if [ "$n" = 1 ] && grep -q '^sysphase: ' "$T/err"; then
		pass "$1: one-line error ($(cat "$T/err"))"
	else
		fail "$1: want one line 'sysphase: ...' on stderr, got $n line(s):" \
			"$(head -c 400 "$T/err" | tr '\n' '|')"
	fi
}

# no_stray MARKER DESCRIPTION: no process carries MARKER as an argument
# (a forked tracee that was never exec'd, or was left stopped, would).
no_stray() {
	local left
	left=$(pids_with_arg "$1")
	if [ -z "$left" ]; then
		pass "$2: no process left with argument '$1'"
	else
		local p
		for p in $left; do
			track "$p"
		done
		fail "$2: stray process(es) left: $(for p in $left; do
			echo "$p state $(proc_state "$p") ppid $(awk '{ print $4 }' "/proc/$p/stat")"
		done)"
	fi
}

# --- Exit statuses: the program's, or 128+signal ---------------------------
expect_status 0 "a program exiting 0" "$SYSPHASE" record -o "$T/t0.jsonl" -- "$TRACEES/loop_getppid" 10
expect_status 3 "a program exiting 3" "$SYSPHASE" record -o "$T/t3.jsonl" -- sh -c 'exit 3'
expect_status 139 "a program killed by SIGSEGV" "$SYSPHASE" record -o "$T/tsegv.jsonl" -- \
	"$TRACEES/segv"
check "segv's own output came through" grep -q '^segv: expect death by SIGSEGV' "$T/out"
expect_status 137 "a program killed by SIGKILL" "$SYSPHASE" record -o "$T/tkill.jsonl" -- \
	"$TRACEES/sigkill"
check "no core file left by segv" test -z "$(ls "$T" | grep -i '^core')"

# --- The trace: header, exit events -------------------------------------------
expect_status 0 "fork_wait" "$SYSPHASE" record -o "$T/fw.jsonl" -- "$TRACEES/fork_wait" \
	arg-one "arg two"
check "fork_wait's output came through" grep -q 'child exited 3 as expected' "$T/out"
if out=$(python3 - "$T/fw.jsonl" "$TRACEES/fork_wait" "$(uname -r)" "$(date +%s)" <<'PY'
import json, sys
path, prog, kernel, now = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
lines = open(path).read().split("\n")
bad = []
if lines[-1] != "":
    bad.append("the trace does not end with a newline")
h = json.loads(lines[0])
if h.get("format") != "sysphase-trace":
    bad.append("format %r" % h.get("format"))
if h.get("version") != 1:
    bad.append("version %r" % h.get("version"))
if h.get("command") != [prog, "arg-one", "arg two"]:
    bad.append("command %r" % h.get("command"))
if h.get("kernel") != kernel:
    bad.append("kernel %r, uname -r says %r" % (h.get("kernel"), kernel))
if h.get("arch") != "x86_64":
    bad.append("arch %r" % h.get("arch"))
st = h.get("start_time")
if not isinstance(st, (int, float)) or abs(st - now) > 3600:
    bad.append("start_time %r is not near now (%d)" % (st, now))
if h.get("entry_only") is not False or h.get("attached") is not False:
    bad.append("entry_only/attached %r/%r" % (h.get("entry_only"), h.get("attached")))
evs = [json.loads(l) for l in lines[1:] if l]
types = {e["type"] for e in evs}
for t in ("syscall", "fork", "exec", "exit"):
    if t not in types:
        bad.append("no %s event" % t)
for e in evs:
    for k in ("type", "tid", "pid", "ts"):
        if k not in e:
            bad.append("event without %r: %r" % (k, e))
            break
ts = [e["ts"] for e in evs if "ts" in e]
if any(t < 0 for t in ts):
    bad.append("negative ts")
forks = [e for e in evs if e["type"] == "fork"]
parent = evs[0]["pid"] if evs else None
exits = sorted((e["pid"], e.get("killed"), e.get("status")) for e in evs
               if e["type"] == "exit" and e.get("whole_process"))
want = sorted([(parent, False, 0)] + [(f["child"], False, 3) for f in forks])
if len(forks) != 1 or exits != want:
    bad.append("whole-process exits %r, want %r" % (exits, want))
calls = [e for e in evs if e["type"] == "syscall"]
if not all(e.get("abi") == "x86_64" and isinstance(e.get("nr"), int) and e.get("name")
           for e in calls):
    bad.append("a syscall event lacks abi x86_64, nr or name")
if not all("ret" in e for e in calls if e.get("name") not in ("exit", "exit_group")):
    bad.append("a syscall other than exit/exit_group has no ret")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
); then
	pass "header (format, version, command, kernel, arch, start_time) and exit events"
else
	fail "trace of fork_wait: $(echo "$out" | tr '\n' ';')"
fi
check "killed program: the exit event says SIGSEGV" python3 -c '
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]).read().split("\n")[1:] if l]
ex = [e for e in evs if e["type"] == "exit" and e.get("whole_process")]
sys.exit(0 if len(ex) == 1 and ex[0].get("killed") is True and ex[0].get("signo") == 11 else 1)
' "$T/tsegv.jsonl"

# Without -o the trace goes to ./trace.jsonl.
mkdir -p "$T/default-out"
(cd "$T/default-out" && "$SYSPHASE" record -- "$TRACEES/loop_getppid" 3 >/dev/null 2>&1)
check "default output is ./trace.jsonl" \
	grep -q '"format":"sysphase-trace"' "$T/default-out/trace.jsonl"

# -s caps decoded strings and marks the cut (docs/trace-format.md: a sibling
# "<name>_truncated": true); the default cap (256) leaves short paths whole.
first_execve_path() {
	python3 -c '
import json, sys
for l in open(sys.argv[1]).read().split("\n")[1:]:
    e = json.loads(l)
    if e.get("name") == "execve":
        d = e.get("dec", {})
        print(d.get("pathname"), d.get("pathname_truncated", False))
        break
' "$1"
}
"$SYSPHASE" record -s 4 -o "$T/s4.jsonl" -- /bin/true >/dev/null 2>&1
check "-s 4: the execve path is cut to 4 bytes and marked" \
	test "$(first_execve_path "$T/s4.jsonl")" = "/bin True"
"$SYSPHASE" record -o "$T/s256.jsonl" -- /bin/true >/dev/null 2>&1
check "default -s: the execve path is whole" \
	test "$(first_execve_path "$T/s256.jsonl")" = "/bin/true False"

# --- Bad input ----------------------------------------------------------------
expect_status 127 "missing program" "$SYSPHASE" record -o "$T/x.jsonl" -- nonexistent-prog
check "missing program: exact message" test "$(cat "$T/err")" = \
	"sysphase: cannot execute 'nonexistent-prog': No such file or directory"
no_stray nonexistent-prog "missing program"

printf '#!/bin/sh\ntouch "%s/noexec-ran"\n' "$T" >"$T/noexec-prog"
chmod 644 "$T/noexec-prog"
expect_status 126 "non-executable program" "$SYSPHASE" record -o "$T/x.jsonl" -- "$T/noexec-prog"
check "non-executable program: exact message" test "$(cat "$T/err")" = \
	"sysphase: cannot execute '$T/noexec-prog': Permission denied"
check "non-executable program did not run" test ! -e "$T/noexec-ran"
no_stray "$T/noexec-prog" "non-executable program"
# Found but not executable is 126, as a shell says; a directory and a file
# execve refuses (ENOEXEC) are found too.
sh -c "\"$T/noexec-prog\"" 2>/dev/null
check "a shell says 126 for that program too (got $?)" test $? -eq 126
mkdir -p "$T/a-directory"
expect_status 126 "a directory as the program" "$SYSPHASE" record -o "$T/x.jsonl" -- "$T/a-directory"
one_line_error "a directory as the program"
printf 'not a program\n' >"$T/garbage-prog"
chmod 755 "$T/garbage-prog"
expect_status 126 "a program execve refuses" "$SYSPHASE" record -o "$T/x.jsonl" -- "$T/garbage-prog"
one_line_error "a program execve refuses"
check "no trace is left for a program that never ran" test ! -e "$T/x.jsonl"

# The output is checked before anything starts: the program must not run.
marker="marker-unwritable-$$"
rc=0
"$SYSPHASE" record -o /nonexistent/dir/t.jsonl -- sh -c 'touch "$1"' "$marker" "$T/ran" \
	>"$T/out" 2>"$T/err" || rc=$?
check "unwritable output: non-zero status ($rc)" test "$rc" -ne 0
one_line_error "unwritable output"
check "unwritable output: the program did not run" test ! -e "$T/ran"
no_stray "$marker" "unwritable output"

# Bad usage: exit 2 and one line each.
bad_usage() {
	local what=$1
	shift
	expect_status 2 "$what" "$SYSPHASE" record "$@"
	one_line_error "$what"
	check "$what: nothing on stdout" test ! -s "$T/out"
}
bad_usage "unknown option" --bogus -- true
bad_usage "no program and no -p"
bad_usage "non-numeric -s" -s abc -- true
bad_usage "zero -s" -s 0 -- true
bad_usage "non-numeric -p" -p abc
bad_usage "both -p and a program" -p 1 -- true
bad_usage "missing -o argument" -o
bad_usage "--no-exit with -p (no exec to install the filter before)" --no-exit -p $$

# A pid that is gone: run something, reap it, make sure the pid is free.
true &
dead=$!
wait "$dead"
if kill -0 "$dead" 2>/dev/null; then
	echo "note: pid $dead was reused at once; skipping the dead-pid case"
else
	rc=0
	"$SYSPHASE" record -p "$dead" -o "$T/x.jsonl" >"$T/out" 2>"$T/err" || rc=$?
	check "dead pid: non-zero status ($rc)" test "$rc" -ne 0
	one_line_error "dead pid"
fi

# A process nobody may trace: kthreadd (pid 2) refuses ptrace even to root.
if [ "$(cat /proc/2/comm 2>/dev/null)" = kthreadd ]; then
	rc=0
	"$SYSPHASE" record -p 2 -o "$T/x.jsonl" >"$T/out" 2>"$T/err" || rc=$?
	check "kernel thread pid: non-zero status ($rc)" test "$rc" -ne 0
	one_line_error "kernel thread pid"
	check "the error says it is a kernel thread" grep -q "cannot attach to 2: .*(a kernel thread)" "$T/err"
	check "kernel thread is not left traced" test "$(tracer_pid 2)" = 0
fi

# A process someone else traces already: the error names that tracer.
sleep 30 &
victim=$!
track "$victim"
python3 - "$victim" <<'PY' &
import ctypes, os, signal, sys, time
libc = ctypes.CDLL(None, use_errno=True)
PTRACE_SEIZE = 0x4206
pid = int(sys.argv[1])
if libc.ptrace(PTRACE_SEIZE, pid, None, None) != 0:
    sys.exit(1)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
time.sleep(30)
PY
other=$!
track "$other"
wait_until 5 grep -q "TracerPid:[[:space:]]*$other\$" "/proc/$victim/status"
rc=0
"$SYSPHASE" record -p "$victim" -o "$T/x.jsonl" >"$T/out" 2>"$T/err" || rc=$?
check "a traced pid: non-zero status ($rc)" test "$rc" -ne 0
one_line_error "a traced pid"
check "the error names the other tracer" grep -q "(already traced by process $other)" "$T/err"
kill "$other" "$victim" 2>/dev/null

# The supervisor killed outright: PTRACE_O_EXITKILL must take the launched
# program with it, and what was written of the trace must still be readable.
marker="marker-exitkill-$$"
"$SYSPHASE" record -o "$T/killed.jsonl" -- "$TRACEES/busy" 2 "$marker" >/dev/null 2>&1 &
sp=$!
track "$sp"
busy_traced() {
	local p
	p=$(pids_with_arg "$marker" | grep -vx "$sp") # sysphase carries the marker too
	[ -n "$p" ] && [ "$(tracer_pid "$p")" = "$sp" ]
}
nothing_with_marker() {
	[ -z "$(pids_with_arg "$marker")" ]
}
# Some of the trace must have reached the file (it is written in blocks).
killed_has_data() { # the trace grows under a temporary name until the recording ends
	test -s "$(growing "$T/killed.jsonl")"
}
if wait_until 30 busy_traced && wait_until 30 killed_has_data; then
	kill -KILL "$sp"
	wait "$sp" 2>/dev/null
	check "supervisor killed: the traced program dies with it (EXITKILL)" \
		wait_until 30 nothing_with_marker
	check "supervisor killed: the partial trace is kept under its temporary name" \
		test "$(growing "$T/killed.jsonl")" != "$T/killed.jsonl"
	check "supervisor killed: the partial trace still parses" \
		quietly sp_py events "$(growing "$T/killed.jsonl")"
else
	fail "supervisor killed: busy never showed up traced by sysphase"
fi
no_stray "$marker" "supervisor killed"

# --- Help ---------------------------------------------------------------------------
expect_status 0 "record --help" "$SYSPHASE" record --help
for opt in -o --stack --no-exit -s --rules -p; do
	check "record --help describes $opt" grep -q -- "$opt\b" "$T/out"
done
expect_status 0 "sysphase --help" "$SYSPHASE" --help
check "sysphase --help lists record" grep -q 'record' "$T/out"

finish
