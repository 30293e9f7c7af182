#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The oracle: every tracee runs once under `sysphase record` and once under
# `strace -f -qq` (separate runs of the same program), and for each process,
# in order of creation, the sequence of syscall names must be the same.
# Threads run concurrently, so a process's threads are compared as a
# multiset of per-thread sequences; within a thread the order must match.
# Signal deliveries are compared the same way, alone and then interleaved
# with the calls (where a signal lands between two calls must agree too).
# Each recording mode is checked: the default one, --no-exit and --stack
# (the unwinder reads the tracee at every stop: it must not disturb it).
#
# What legitimately differs is normalised in lib.sh's sptrace module, and
# only this: the first process's calls up to and including its first
# execve (strace shows the execve of the program first; sysphase may start
# at that exec or record its launcher's set-up before it).
#
# Set ORACLE_TRACEES="a b" or ORACLE_MODES="default --stack" to run only
# some tracees or modes, E2E_KEEP=1 to keep the traces and logs.

. "$(dirname "$0")/lib.sh"
need strace python3
need_sysphase

ALL="threads fork_wait vfork_exec exec_thread sigstop stop_threads signals segv sigkill int80 clone3 own_filter"
TRACEES_TO_RUN=${ORACLE_TRACEES:-$ALL}
MODES=${ORACLE_MODES:-default --no-exit --stack}

# Without IA32 emulation `int $0x80` kills the int80 tracee natively, so it
# makes only its x32 call there; everything else is checked all the same.
IA32=1
case " $TRACEES_TO_RUN " in
*" int80 "*) have_ia32 || IA32=0 ;;
esac

# tracee_args NAME: the arguments NAME runs with on this kernel.
tracee_args() {
	if [ "$1" = int80 ] && [ "$IA32" = 0 ]; then
		echo --no-i386
	fi
}

# The status each tracee ends with, as a shell reports it.
expected_status() {
	case $1 in
	segv) echo 139 ;;
	sigkill) echo 137 ;;
	*) echo 0 ;;
	esac
}

# sigstop_pending PID: whether a SIGSTOP (signal 19, mask bit 18) is still
# pending for PID, i.e. sent but not yet acted on.
sigstop_pending() {
	local mask
	for mask in $(awk '/^(SigPnd|ShdPnd):/ { print $2 }' "/proc/$1/status" 2>/dev/null); do
		if (((0x$mask >> 18) & 1)); then
			return 0
		fi
	done
	return 1
}

# drive_sigstop OUT PID: the sigstop tracee (stdout in OUT, run by PID in
# the background) prints its pid and stops itself; once /proc shows it
# stopped (T, or t under a tracer) with no SIGSTOP still pending, send it
# SIGCONT by pid.  The tracee blocks SIGCONT, so a SIGCONT that lands
# early changes nothing recorded: the SIGSTOP that follows discards it,
# and we send another once the tracee is stopped.  Returns PID's status.
drive_sigstop() {
	local out=$1 bg=$2 pid state
	if ! wait_until 60 grep -qs '^sigstop: pid [0-9]* stopping' "$out"; then
		echo "sigstop never printed its pid" >&2
		kill -KILL "$bg" 2>/dev/null
		wait "$bg"
		return
	fi
	pid=$(sed -n 's/^sigstop: pid \([0-9]*\) stopping.*/\1/p' "$out")
	track "$pid"
	local end=$((SECONDS + 60))
	while ! grep -q '^sigstop: continued' "$out" && kill -0 "$pid" 2>/dev/null; do
		state=$(proc_state "$pid")
		if { [ "$state" = T ] || [ "$state" = t ]; } && ! sigstop_pending "$pid"; then
			kill -CONT "$pid" 2>/dev/null
		fi
		if [ "$SECONDS" -ge "$end" ]; then
			echo "sigstop was not continued within 60 s" >&2
			kill -KILL "$pid" "$bg" 2>/dev/null
			break
		fi
		sleep 0.02
	done
	wait "$bg"
}

# all_tasks_in_read PID N: PID has N threads, each asleep (S) in read(2).
all_tasks_in_read() {
	local pid=$1 want=$2 t nr n=0
	for t in /proc/"$pid"/task/*; do
		state_is "$pid/task/${t##*/}" S || return 1
		read -r nr _ 2>/dev/null <"$t/syscall" || return 1
		[ "$nr" = 0 ] || return 1
		n=$((n + 1))
	done
	[ "$n" = "$want" ]
}

# all_tasks_stopped PID: every thread of PID is stopped (T, or t under a tracer).
all_tasks_stopped() {
	local t
	for t in /proc/"$1"/task/*; do
		state_is "$1/task/${t##*/}" T t || return 1
	done
	[ -d "/proc/$1/task" ]
}

# drive_stop_threads DIR PID: the stop_threads tracee (stdout in DIR/out,
# stdin from the FIFO open on fd 7, run by PID in the background).  Only
# once all four threads are blocked in read does it get "stop", so every
# one of them is interrupted by the group-stop.  Once all are stopped, all
# of them did enter the stop (a thread gets there only after the main
# thread's SIGSTOP was delivered and the group-stop begun), so the SIGCONT
# cannot come early.  Returns PID's status.
drive_stop_threads() {
	local dir=$1 bg=$2 pid
	if ! wait_until 60 grep -qs '^stop_threads: pid [0-9]*' "$dir/out"; then
		echo "stop_threads never printed its pid" >&2
	else
		pid=$(sed -n 's/^stop_threads: pid \([0-9]*\).*/\1/p' "$dir/out")
		track "$pid"
		if ! wait_until 60 all_tasks_in_read "$pid" 4; then
			echo "stop_threads: its 4 threads did not all block in read" >&2
		else
			echo stop >&7
			if ! wait_until 60 all_tasks_stopped "$pid"; then
				echo "stop_threads: not all threads stopped" >&2
			fi
			kill -CONT "$pid"
			echo go >&7
		fi
	fi
	exec 7>&-
	if [ -n "$pid" ] && ! wait_until 60 not kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" "$bg" 2>/dev/null
	fi
	wait "$bg"
}

# run_one NAME OUTDIR COMMAND...: runs COMMAND (which runs the tracee NAME)
# in OUTDIR with stdout/stderr in files there; its status goes to RUN_RC.
run_one() {
	local name=$1 dir=$2
	shift 2
	if [ "$name" = sigstop ]; then
		(cd "$dir" && exec "$@" >"$dir/out" 2>"$dir/err") &
		local bg=$!
		track "$bg"
		drive_sigstop "$dir/out" "$bg"
		RUN_RC=$?
	elif [ "$name" = stop_threads ]; then
		rm -f "$dir/ctl"
		mkfifo "$dir/ctl"
		exec 7<>"$dir/ctl"
		(cd "$dir" && exec "$@" <"$dir/ctl" >"$dir/out" 2>"$dir/err" 7>&-) &
		local bg=$!
		track "$bg"
		drive_stop_threads "$dir" "$bg"
		RUN_RC=$?
	else
		(cd "$dir" && exec "$@" >"$dir/out" 2>"$dir/err")
		RUN_RC=$?
	fi
}

# check_abis TRACE IA32: the int80 tracee's i386 (when IA32 is 1) and x32
# getpid calls carry their ABI and their name (strace, with -qq, shows both
# as plain "getpid").
check_abis() {
	python3 - "$1" "$2" <<'PY'
import json, sys
lines = [l for l in open(sys.argv[1]).read().split("\n")[1:] if l.strip()]
evs = [json.loads(l) for l in lines]
calls = [e for e in evs if e.get("type") == "syscall"]
i386 = [e for e in calls if e.get("abi") == "i386"]
x32 = [e for e in calls if e.get("abi") == "x32"]
bad = []
want = [("getpid", 20)] if sys.argv[2] == "1" else []
if [(e.get("name"), e.get("nr")) for e in i386] != want:
    bad.append("i386 calls: want %s, got %s"
               % (want, [(e.get("name"), e.get("nr")) for e in i386]))
if [e.get("name") for e in x32] != ["getpid"] or [e.get("nr") for e in x32] != [0x40000027]:
    bad.append("x32 calls: want one getpid nr 0x40000027, got %s"
               % [(e.get("name"), e.get("nr")) for e in x32])
elif "ret" in x32[0] and x32[0].get("errno") != "ENOSYS" and x32[0].get("ret") != -38:
    bad.append("x32 getpid: want ENOSYS on this kernel, got ret=%s errno=%s"
               % (x32[0].get("ret"), x32[0].get("errno")))
others = sorted({e.get("abi") for e in calls} - {"x86_64", "i386", "x32"})
if others:
    bad.append("unexpected abi values: %s" % others)
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
}

# The parsers and the comparison, on fixed input, before they judge sysphase.
lib_selftest 2>/dev/null

# Natively first: each tracee's own checks pass, with the status expected.
for name in $TRACEES_TO_RUN; do
	dir="$T/$name-native"
	mkdir -p "$dir"
	read -ra args <<<"$(tracee_args "$name")"
	run_one "$name" "$dir" "$TRACEES/$name" "${args[@]}"
	if [ "$RUN_RC" = "$(expected_status "$name")" ]; then
		pass "$name (native): status $RUN_RC: $(head -n 3 "$dir/out" | tr '\n' ' ')"
	else
		fail "$name (native): status $RUN_RC, want $(expected_status "$name"):" \
			"$(head -c 300 "$dir/out" "$dir/err" | tr '\n' ' ')"
	fi
done

for mode in $MODES; do
	for name in $TRACEES_TO_RUN; do
		prog="$TRACEES/$name"
		if [ ! -x "$prog" ]; then
			fail "$name: tracee $prog is not built"
			continue
		fi
		label="$name ($mode)"
		dir="$T/$name-${mode#--}"
		mkdir -p "$dir/strace" "$dir/sysphase"
		opts=()
		[ "$mode" = default ] || opts=("$mode")
		want=$(expected_status "$name")
		read -ra args <<<"$(tracee_args "$name")"

		run_one "$name" "$dir/strace" strace -f -qq -o "$dir/strace.log" "$prog" "${args[@]}"
		src=$RUN_RC
		if [ "$src" != "$want" ]; then
			fail "$label: under strace the tracee ended with $src, want $want" \
				"($(head -c 300 "$dir/strace/out" "$dir/strace/err" | tr '\n' ' '))"
			continue
		fi
		run_one "$name" "$dir/sysphase" "$SYSPHASE" record "${opts[@]}" \
			-o "$dir/trace.jsonl" -- "$prog" "${args[@]}"
		rc=$RUN_RC
		if [ "$rc" != "$want" ]; then
			fail "$label: sysphase record ended with $rc, want $want:" \
				"$(head -c 600 "$dir/sysphase/err" | tr '\n' ' ')"
		fi
		if [ ! -s "$dir/trace.jsonl" ]; then
			fail "$label: no trace written"
			continue
		fi

		sys_ok=1
		if diff=$(sp_py compare "$dir/strace.log" "$dir/trace.jsonl" 2>&1); then
			pass "$label: per-process syscall sequences equal strace's"
		else
			sys_ok=0
			fail "$label: syscall sequences differ (- strace, + sysphase):"
			echo "$diff" | head -n 80
		fi
		if diff=$(sp_py compare "$dir/strace.log" "$dir/trace.jsonl" --signals 2>&1); then
			pass "$label: per-thread signal deliveries equal strace's"
		else
			fail "$label: signal deliveries differ (- strace, + sysphase):"
			echo "$diff" | head -n 40
		fi
		# Where each signal lands among the calls: only telling when
		# the calls themselves agree.
		if [ "$sys_ok" = 1 ]; then
			if diff=$(sp_py compare "$dir/strace.log" "$dir/trace.jsonl" \
				--interleaved 2>&1); then
				pass "$label: signals land between the same calls"
			else
				fail "$label: signals land elsewhere (- strace, + sysphase):"
				echo "$diff" | head -n 40
			fi
		fi

		# Successful execs: as many per process, the same ones from a thread.
		sx=$(sp_py execs strace "$dir/strace.log")
		px=$(sp_py execs sysphase "$dir/trace.jsonl")
		if [ "$sx" = "$px" ]; then
			pass "$label: exec events ($(echo $px))"
		else
			fail "$label: exec events differ: strace '$(echo $sx)', sysphase '$(echo $px)'"
		fi

		# Every process ended with an exit event; those strace saw
		# killed were killed by the same signal in the trace.
		sx=$(sp_py exits strace "$dir/strace.log")
		px=$(sp_py exits sysphase "$dir/trace.jsonl")
		if grep -q 'no exit seen' <<<"$px"; then
			fail "$label: a process has no whole-process exit event: $(echo $px)"
		elif [ "$(grep -c killed <<<"$sx")" -gt 0 ] &&
			[ "$(grep killed <<<"$sx")" != "$(grep killed <<<"$px")" ]; then
			fail "$label: kills differ: strace '$(grep killed <<<"$sx")'," \
				"sysphase '$(grep killed <<<"$px")'"
		else
			pass "$label: exit events ($(echo $px))"
		fi

		if [ "$name" = int80 ]; then
			if out=$(check_abis "$dir/trace.jsonl" "$IA32"); then
				pass "$label: $([ "$IA32" = 1 ] && echo "i386 and x32" || echo x32)" \
					"getpid recorded with their ABI"
			else
				fail "$label: $out"
			fi
		fi
	done
done
finish
