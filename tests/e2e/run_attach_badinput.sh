#!/bin/bash
# SPDX-License-Identifier: MIT
# run -p and hook, without a container: a shell that waits on a FIFO and
# then execs busybox stands for a runtime's init waiting to exec the
# entrypoint.  Bad input gets one clear line and its own status, and a
# refused or failed attach never stops, kills or starts the process:
#   - run -p: a malformed pid, --complain (2); a pid that is gone (124); a
#     process that runs the recorded program already (124);
#   - run -p PID -- START: a start command that fails is said, its status
#     returned, and the process let go, unstarted and running;
#   - hook: no --policy (2); a state that is not JSON, has no pid, the
#     container's pid (1, 0: a createContainer hook), a container that
#     runs already (4); a policy that cannot be read (4); a pid that is
#     gone (124);
#   - hook on the waiting shell: returns 0 once attached, the supervisor
#     outlives it writing to its log, and the program runs under the
#     policy from its exec: a call outside it is killed and named.
. "$(dirname "$0")/lib.sh"
need_sysphase
need jq
BB=$(command -v busybox || true)
[ -n "$BB" ] || { echo "SKIP: busybox is not installed"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (ptrace of a process not our child)"; exit 77; }

"$SYSPHASE" record -o "$T/t.jsonl" --rules generic -- "$BB" sh -c 'echo hi; cat /etc/hostname' \
	>/dev/null 2>&1 || { fail "record"; exit 1; }
"$SYSPHASE" export "$T/t.jsonl" -o "$T/pol" >/dev/null 2>&1 || { fail "export"; exit 1; }

# waiting [EXTRA]: a shell that execs busybox once a line comes on its FIFO; $WPID.
waiting() {
	rm -f "$T/fifo" && mkfifo "$T/fifo"
	sh -c "read l <'$T/fifo'; exec '$BB' sh -c 'echo hi; cat /etc/hostname${1:-}'" >"$T/w.out" 2>&1 &
	WPID=$!
	track "$WPID"
	# Blocked opening the FIFO (openat, 257) until a writer comes.
	_reading() { [ "$(cut -d' ' -f1 "/proc/$WPID/syscall" 2>/dev/null)" = 257 ]; }
	wait_until 30 _reading || fail "the waiting shell did not start"
}
release() { echo go >"$T/fifo"; }
running_untraced() {
	! state_is "$1" t T && [ "$(tracer_pid "$1")" = 0 ]
}

# refused STATUS PATTERN WHAT -- SYSPHASE-ARGS...
refused() {
	local want=$1 pattern=$2 what=$3
	shift 4
	local rc=0
	"$SYSPHASE" "$@" >"$T/out" 2>"$T/err" </dev/null || rc=$?
	check "$what: exit status $want (got $rc)" test "$rc" = "$want"
	check "$what: one line" test "$(wc -l <"$T/err")" = 1
	check "$what: says what is wrong ($(cat "$T/err"))" grep -qE "^sysphase: .*$pattern" "$T/err"
}
# hook_refused STATUS PATTERN WHAT STATE
hook_refused() {
	local want=$1 pattern=$2 what=$3 state=$4 rc=0
	echo "$state" | "$SYSPHASE" hook --policy "$T/pol" --log "$T/hook.log" >"$T/out" 2>"$T/err" || rc=$?
	check "hook, $what: exit status $want (got $rc)" test "$rc" = "$want"
	check "hook, $what: one line" test "$(wc -l <"$T/err")" = 1
	check "hook, $what: says what is wrong ($(cat "$T/err"))" grep -qE "^sysphase: .*$pattern" "$T/err"
}

refused 2 "process id" "run -p abc" -- run --policy "$T/pol" -p abc
refused 2 "process id" "run -p 0" -- run --policy "$T/pol" -p 0
refused 2 "complain" "run -p with --complain" -- run --policy "$T/pol" --complain -p 1
sh -c 'exit 0' &
GONE=$!
wait "$GONE"
refused 124 "cannot attach to $GONE" "run -p of a process that is gone" -- run --policy "$T/pol" -p "$GONE"

# A process that runs the recorded program already: too late for its first filter.
"$BB" sleep 600 &
SLP=$!
track "$SLP"
# Not before the background shell has exec'd busybox: until then it is a
# process that has not exec'd its program yet, which run -p attaches to.
_exec_done() { [ "$(readlink -f "/proc/$SLP/exe")" = "$(readlink -f "$BB")" ]; }
wait_until 30 _exec_done || fail "busybox sleep did not start"
refused 124 "runs .*busybox already" "run -p of a process past its exec" -- run --policy "$T/pol" -p "$SLP"
check "... it runs on, untraced" running_untraced "$SLP"
kill "$SLP"

# A start command that fails: said, its status, the process let go unstarted.
waiting
rc=0
"$SYSPHASE" run --policy "$T/pol" -p "$WPID" -- sh -c 'exit 7' >"$T/out" 2>"$T/err" || rc=$?
check "run -p -- failing start: its status 7 ($rc)" test "$rc" = 7
check "run -p -- failing start: said ($(tail -1 "$T/err"))" grep -q "start command 'sh' failed (status 7)" "$T/err"
check "run -p -- failing start: the process runs on, untraced" running_untraced "$WPID"
release
wait "$WPID" 2>/dev/null
check "... and runs its program unchanged when started later" grep -q "^hi" "$T/w.out"

# hook: bad states and policies.
rc=0
echo '{}' | "$SYSPHASE" hook >"$T/out" 2>"$T/err" || rc=$?
check "hook without --policy: 2 ($rc)" test "$rc" = 2
hook_refused 4 "state on stdin" "not JSON" 'pid 42'
hook_refused 4 'no "pid"' "no pid" '{"ociVersion": "1.0.2", "id": "x", "status": "creating"}'
hook_refused 4 "createRuntime hook" "pid 1 (createContainer)" '{"id": "x", "status": "creating", "pid": 1, "bundle": "/b"}'
hook_refused 4 "createRuntime hook" "pid 0 (crun's createContainer)" '{"id": "x", "status": "created", "pid": 0, "bundle": "/b"}'
hook_refused 4 "runs already" "status running" "{\"id\": \"x\", \"status\": \"running\", \"pid\": $$, \"bundle\": \"/b\"}"
hook_refused 124 "cannot attach to $GONE" "a pid that is gone" "{\"id\": \"x\", \"status\": \"creating\", \"pid\": $GONE, \"bundle\": \"$T\"}"
rc=0
echo "{\"id\": \"x\", \"status\": \"creating\", \"pid\": $$, \"bundle\": \"$T\"}" |
	"$SYSPHASE" hook --policy "$T/nonexistent" >"$T/out" 2>"$T/err" || rc=$?
check "hook with a policy that cannot be read: 4 ($rc: $(cat "$T/err"))" test "$rc" = 4
check "... and it did not attach to anything" test "$(tracer_pid $$)" = 0

# hook on the waiting shell: returns once attached; the program runs under the policy.
waiting '; mkdir /tmp/sysphase-never-made-$$'
rc=0
echo "{\"ociVersion\": \"1.0.2\", \"id\": \"x\", \"status\": \"creating\", \"pid\": $WPID, \"bundle\": \"$T\"}" |
	timeout 60 "$SYSPHASE" hook --policy "$T/pol" >"$T/out" 2>"$T/err" || rc=$?
check "hook: 0 once attached ($rc: $(cat "$T/err"))" test "$rc" = 0
check "hook: the default log is BUNDLE/sysphase.log" grep -q "attached to process $WPID" "$T/sysphase.log"
check "hook: its supervisor traces the process" test "$(tracer_pid "$WPID")" -gt 0
release
wait "$WPID" 2>/dev/null
named() { grep -q "process $WPID (busybox) in phase .* killed by SIGSYS" "$T/sysphase.log"; }
check "hook: a call outside the policy is killed and named ($(tail -1 "$T/sysphase.log"))" wait_until 30 named
check "hook: the program ran up to it" grep -q "^hi" "$T/w.out"
check "hook: the call outside did not happen" test ! -e "/tmp/sysphase-never-made-$$"
finish
