#!/bin/bash
# SPDX-License-Identifier: MIT
#
# sysphase run on a program with a known lifecycle (tracees/run_lifecycle,
# rules tests/data/rules/run_lifecycle.json: init -> ready at listen() ->
# serving at accept4(), serving final).  The policy comes from recording
# the program as it normally runs; the runs then check that:
#   - each phase holds one more filter than the last, with NO_NEW_PRIVS set
#     before exec, traced until serving and detached in serving
#     (TracerPid: 0), and the program works as it did natively;
#   - an execve the program never made in serving (--evil) kills it with
#     SIGSYS in enforce mode (status 159, one line naming the process, the
#     phase and the syscall), fails with EPERM under --default-action errno,
#     is allowed under --default-action log, and in --complain mode is
#     allowed and logged: before serving it holds only the answers
#     enforcing gives by design; in serving, serving's filter too,
#     with SECCOMP_RET_LOG as its default, and it is followed by process events
#     alone (not let go, so that its forks are seen), and the kernel's
#     record of the execve becomes the log's entry.

. "$(dirname "$0")/lib.sh"
need python3
need_sysphase

RULES=$SRCDIR/tests/data/rules/run_lifecycle.json
PROG=$TRACEES/run_lifecycle

# field OUT PHASE KEY: KEY's value on PHASE's report line of OUT.
field() {
	sed -n "s/^lifecycle: phase $2: .*\\b$3=\\([^ ]*\\).*/\\1/p" "$1" | head -1
}

# phase_line_is OUT PHASE NNP FILTERS TRACED: TRACED is "traced" or "detached".
phase_line_is() {
	local out=$1 phase=$2 nnp=$3 filters=$4 traced=$5 tp
	tp=$(field "$out" "$phase" TracerPid)
	[ "$(field "$out" "$phase" NoNewPrivs)" = "$nnp" ] || return 1
	[ "$(field "$out" "$phase" Seccomp_filters)" = "$filters" ] || return 1
	case $traced in
	traced) [ -n "$tp" ] && [ "$tp" != 0 ] ;;
	detached) [ "$tp" = 0 ] ;;
	*) return 1 ;;
	esac
}

# run_prog NAME [run options...] -- ARGS: sysphase run of the tracee; sets $rc,
# stdout in $T/NAME.out, stderr in $T/NAME.err.
run_prog() {
	local name=$1
	shift
	local opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	"$SYSPHASE" run --policy "$T/pol/policy.json" "${opts[@]}" -- "$PROG" "$@" \
		>"$T/$name.out" 2>"$T/$name.err"
	rc=$?
}

# ---- natively: the tracee's own view without sysphase ----
"$PROG" >"$T/native.out" 2>&1
check "native run exits 0" test $? -eq 0
check "native run: no filter, not traced" phase_line_is "$T/native.out" serving 0 0 detached

# ---- record the normal run, export its policy ----
"$SYSPHASE" record --rules "$RULES" -o "$T/trace.jsonl" -- "$PROG" >"$T/rec.out" 2>"$T/rec.err"
check "record exits 0" test $? -eq 0
stamps=$(python3 - "$T/trace.jsonl" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().split("\n")[1:]
for l in lines:
    if l:
        e = json.loads(l)
        if e["type"] == "syscall" and e["name"] in ("bind", "listen", "accept4", "exit_group"):
            print("%s=%s" % (e["name"], e.get("phase")))
PY
)
check "the trace stamps bind init, listen ready, accept4 and exit_group serving" \
	test "$(echo $stamps)" = "bind=init listen=ready accept4=serving exit_group=serving"
"$SYSPHASE" export --rules "$RULES" "$T/trace.jsonl" -o "$T/pol" >"$T/export.out" 2>&1
check "export exits 0" test $? -eq 0
check "export wrote policy.json" test -s "$T/pol/policy.json"

# ---- the normal run under the policy ----
run_prog normal --
check "normal run exits 0 (got $rc)" test "$rc" -eq 0
check "init: NO_NEW_PRIVS, the initial filter, traced" \
	phase_line_is "$T/normal.out" init 1 1 traced
check "ready: a second filter, still traced" phase_line_is "$T/normal.out" ready 1 2 traced
check "serving (final): a third filter, detached (TracerPid 0)" \
	phase_line_is "$T/normal.out" serving 1 3 detached
check "the program still serves" grep -qx "lifecycle: served ping/pong" "$T/normal.out"
check "the program ran to its end" grep -qx "lifecycle: done" "$T/normal.out"
check "no violation reported" test ! -s "$T/normal.err"

# ---- --evil, enforce mode (default action kill) ----
run_prog kill -- --evil
pid=$(field "$T/kill.out" init pid)
check "enforce: killed by SIGSYS, status 159 (got $rc)" test "$rc" -eq 159
check "enforce: it got as far as trying execve" \
	grep -qx "lifecycle: phase serving: trying execve /bin/true" "$T/kill.out"
check "enforce: execve neither returned nor ran /bin/true" \
	not grep -q -e "execve: " -e "lifecycle: done" "$T/kill.out"
check "enforce: exactly one line on stderr" test "$(wc -l <"$T/kill.err")" -eq 1
check "enforce: the line names the process, the phase and the syscall" \
	grep -q "process $pid (run_lifecycle) in phase 'serving': execve\\b" "$T/kill.err"

# ---- --evil, --default-action errno ----
run_prog errno --default-action errno -- --evil
pid=$(field "$T/errno.out" init pid)
check "errno: the program goes on and exits 0 (got $rc)" test "$rc" -eq 0
check "errno: execve failed with EPERM" \
	grep -qx "lifecycle: phase serving: execve: EPERM" "$T/errno.out"
check "errno: same filters as enforce mode" phase_line_is "$T/errno.out" serving 1 3 detached
check "errno: exactly one line on stderr" test "$(wc -l <"$T/errno.err")" -eq 1
check "errno: the line names the process, the phase and the syscall" \
	grep -q "process $pid (run_lifecycle) in phase 'serving': execve\\b" "$T/errno.err"

# ---- --evil, --default-action log: allowed (the kernel logs it) ----
run_prog log --default-action log -- --evil
check "log: execve is allowed, /bin/true exits 0 (got $rc)" test "$rc" -eq 0
check "log: execve did not return" not grep -q -e "execve: " -e "lifecycle: done" "$T/log.out"
check "log: filters are installed all the same" phase_line_is "$T/log.out" serving 1 3 detached

# ---- --evil, --complain=LOG ----
run_prog complain "--complain=$T/complain.log" -- --evil
pid=$(field "$T/complain.out" init pid)
check "complain: execve is allowed, /bin/true exits 0 (got $rc)" test "$rc" -eq 0
check "complain: execve did not fail" not grep -q "execve: " "$T/complain.out"
# Before serving it holds one filter: enforcing's answers (io_uring_setup
# EPERM, clone3 ENOSYS...), which init and ready give alike (docs/run.md).
check "complain: before serving only the answers are installed, the program is traced" \
	phase_line_is "$T/complain.out" ready 1 1 traced
check "complain: in serving it holds the logging filter too, followed by events alone" \
	phase_line_is "$T/complain.out" serving 1 2 traced
check "complain: nothing else on stderr" test ! -s "$T/complain.err"
first=$(python3 - "$T/complain.log" "$pid" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]).read().split("\n") if l]
head = lines[0] if lines else {}
e = next((l for l in lines[1:] if l.get("syscall") == "execve"), {})
ok = (head.get("type") == "run" and head.get("program", [""])[-1] == "--evil"
      and e.get("type") == "violation" and e.get("pid") == int(sys.argv[2])
      and e.get("phase") == "serving" and e.get("seen") == "kernel" and e.get("count", 0) >= 1)
print("ok" if ok else "bad: %s" % lines[:3])
PY
)
check "complain: a run header, then the execve logged by the kernel in serving ($first)" \
	test "$first" = ok

# --complain without a file logs to stderr.
run_prog complain2 --complain -- --evil
check "complain to stderr: exits 0 (got $rc)" test "$rc" -eq 0
check "complain to stderr: the execve line is there" \
	grep -q '"syscall":"execve".*"phase":"serving"\|"phase":"serving".*"syscall":"execve"' \
	"$T/complain2.err"

finish
