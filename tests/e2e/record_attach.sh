#!/bin/bash
# SPDX-License-Identifier: MIT
#
# sysphase record -p PID: attach to every thread of a running process,
# record its syscalls, and on SIGINT (then SIGTERM, on a second run) detach
# and exit, leaving the process running, untraced and not stopped.

. "$(dirname "$0")/lib.sh"
need python3
need_sysphase

# syscalls_of TRACE: "tid name" for each syscall event (the header is skipped).
syscalls_of() {
	python3 -c '
import json, sys
for l in open(sys.argv[1]).read().split("\n")[1:]:
    try:
        e = json.loads(l)
    except ValueError:
        continue
    if e.get("type") == "syscall":
        print(e["tid"], e.get("name"))
' "$1"
}

# tids_seen TRACE NAME: how many distinct threads made syscall NAME.
tids_seen() {
	syscalls_of "$1" | awk -v n="$2" '$2 == n { t[$1] = 1 } END { print length(t) }'
}

# voluntary_switches PID: grows by one each time PID sleeps in a syscall.
voluntary_switches() {
	awk '/^voluntary_ctxt_switches:/ { print $2 }' "/proc/$1/status" 2>/dev/null
}

# stop_sysphase SIG PID: sends SIG to sysphase (PID) and waits for it to
# exit; its status goes to SP_RC.  A sysphase that does not exit within
# 30 s (a deadlocked detach) is reported, killed, and SP_RC set to "hung".
stop_sysphase() {
	kill "-$1" "$2"
	if wait_until 30 not kill -0 "$2" 2>/dev/null; then
		SP_RC=0
		wait "$2" || SP_RC=$?
	else
		SP_RC=hung
		kill -KILL "$2"
		wait "$2" 2>/dev/null
	fi
}

# Predicates for wait_until (each reads its value afresh).
traced_by() {
	[ "$(tracer_pid "$1")" = "$2" ]
}
every_thread_seen() { # TRACE NTHREADS: each thread made 3+ getppid calls on average
	local f
	f=$(growing "$1") # still being recorded: under its temporary name
	[ "$(tids_seen "$f" getppid)" -ge "$2" ] &&
		[ "$(syscalls_of "$f" | grep -c ' getppid$')" -ge $((3 * $2)) ]
}
switches_reach() {
	[ "$(voluntary_switches "$1")" -ge "$2" ]
}

# attach_run SIGNAL EXTRA_THREADS
attach_run() {
	local sig=$1 nthreads=$2
	local label="attach, $nthreads extra thread(s), detach on $sig"
	local trace="$T/attach-$sig.jsonl"
	# Its own file: the background job truncates a shared one only once it
	# runs, and a grep before that would read the last run's line.
	local out="$T/busy-$sig-$nthreads.out"

	"$TRACEES/busy" "$nthreads" >"$out" 2>&1 &
	local busy=$!
	track "$busy"
	if ! wait_until 30 grep -qs '^busy: pid' "$out"; then
		fail "$label: busy did not start"
		return
	fi
	local ntasks
	ntasks=$(ls "/proc/$busy/task" | wc -l)
	check "$label: busy runs $((nthreads + 1)) thread(s)" test "$ntasks" = $((nthreads + 1))

	"$SYSPHASE" record -p "$busy" -o "$trace" >"$T/sp.out" 2>"$T/sp.err" &
	local sp=$!
	track "$sp"
	check "$label: busy is traced by sysphase" wait_until 30 traced_by "$busy" "$sp"
	# Each thread calls getppid every 10 ms; wait until every thread
	# has been seen doing it a few times.
	if ! wait_until 60 every_thread_seen "$trace" "$ntasks"; then
		fail "$label: the trace did not get getppid calls from all $ntasks thread(s)" \
			"($(tids_seen "$(growing "$trace")" getppid) seen; stderr: $(head -c 300 "$T/sp.err"))"
	fi

	stop_sysphase "$sig" "$sp"
	local rc=$SP_RC
	check "$label: sysphase exits 0 after SIGINT/SIGTERM (got $rc)" test "$rc" = 0
	check "$label: nothing on sysphase's stderr" test ! -s "$T/sp.err"

	check "$label: busy is still alive" kill -0 "$busy"
	check "$label: busy is no longer traced" test "$(tracer_pid "$busy")" = 0
	local t state bad=""
	for t in $(ls "/proc/$busy/task"); do
		state=$(proc_state "$busy/task/$t")
		if [ "$state" = T ] || [ "$state" = t ]; then
			bad="$bad $t:$state"
		fi
		if [ "$(awk '/^TracerPid:/ { print $2 }' "/proc/$busy/task/$t/status")" != 0 ]; then
			bad="$bad $t:traced"
		fi
	done
	check "$label: no thread of busy is stopped or traced ($bad)" test -z "$bad"
	# Still running: it keeps going to sleep in nanosleep.
	local before
	before=$(voluntary_switches "$busy")
	check "$label: busy keeps making syscalls after the detach" \
		wait_until 30 switches_reach "$busy" $((before + 5))

	# The trace: header says attached, with busy's command line; every
	# line is complete; busy's calls are there from each thread.
	if out=$(python3 - "$trace" "$busy" "$TRACEES/busy" "$nthreads" <<'PY'
import json, sys
path, pid, prog, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
text = open(path).read()
bad = []
if not text.endswith("\n"):
    bad.append("the last line is not complete")
lines = text.split("\n")
h = json.loads(lines[0])
if h.get("attached") is not True:
    bad.append("header attached=%r" % h.get("attached"))
if h.get("command") != [prog, n]:
    bad.append("header command %r, want %r" % (h.get("command"), [prog, n]))
evs = [json.loads(l) for l in lines[1:] if l]
calls = [e for e in evs if e["type"] == "syscall"]
if not calls:
    bad.append("no syscall events")
others = sorted({e["pid"] for e in evs} - {pid})
if others:
    bad.append("events from other processes: %r" % others)
names = {e.get("name") for e in calls}
if not {"getppid", "clock_nanosleep"} <= names:
    bad.append("want getppid and clock_nanosleep, got %r" % sorted(names))
if any(e["type"] == "exit" for e in evs):
    bad.append("an exit event, but busy did not exit")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
	); then
		pass "$label: trace header (attached, command) and busy's syscalls"
	else
		fail "$label: trace: $(echo "$out" | tr '\n' ';')"
	fi

	kill -KILL "$busy"
	wait "$busy" 2>/dev/null
}

# A process that is stopped (SIGSTOP) when sysphase attaches must still be
# stopped after the detach, as strace leaves it, and run on SIGCONT.
attach_stopped() {
	local label="attach to a stopped process"
	local trace="$T/attach-stopped.jsonl"

	"$TRACEES/busy" >"$T/busy-stopped.out" 2>&1 &
	local busy=$!
	track "$busy"
	if ! wait_until 30 grep -qs '^busy: pid' "$T/busy-stopped.out"; then
		fail "$label: busy did not start"
		return
	fi
	kill -STOP "$busy"
	check "$label: busy is stopped (T)" wait_until 30 state_is "$busy" T

	"$SYSPHASE" record -p "$busy" -o "$trace" >"$T/sp.out" 2>"$T/sp.err" &
	local sp=$!
	track "$sp"
	check "$label: busy is traced by sysphase" wait_until 30 traced_by "$busy" "$sp"
	stop_sysphase INT "$sp"
	local rc=$SP_RC
	check "$label: sysphase exits 0 after SIGINT (got $rc)" test "$rc" = 0
	check "$label: busy is no longer traced" wait_until 30 traced_by "$busy" 0
	check "$label: busy is still stopped (T) after the detach" state_is "$busy" T
	check "$label: the trace has its header" grep -q '"attached":true' "$trace"

	local before
	before=$(voluntary_switches "$busy")
	kill -CONT "$busy"
	check "$label: busy runs again on SIGCONT" \
		wait_until 30 switches_reach "$busy" $((before + 5))
	kill -KILL "$busy"
	wait "$busy" 2>/dev/null
}

# A process that keeps forking: the children it makes after the attach are
# followed (fork and exec events), and the detach leaves the parent and
# whatever child is alive at that moment untraced and running.
attach_forker() {
	local label="attach to a process that forks"
	local trace="$T/attach-forker.jsonl"

	sh -c 'while :; do /bin/true; sleep 0.02; done' &
	local sh=$!
	track "$sh"
	"$SYSPHASE" record -p "$sh" -o "$trace" >"$T/sp.out" 2>"$T/sp.err" &
	local sp=$!
	track "$sp"
	check "$label: the shell is traced by sysphase" wait_until 30 traced_by "$sh" "$sp"
	# Each round writes a fork, exits and two execs: wait for a few.
	forks_seen() {
		[ "$(grep -c '"type":"fork"' "$(growing "$trace")" 2>/dev/null)" -ge 6 ]
	}
	check "$label: forks of the shell reach the trace" wait_until 60 forks_seen
	stop_sysphase INT "$sp"
	local rc=$SP_RC
	check "$label: sysphase exits 0 after SIGINT (got $rc)" test "$rc" = 0
	local p bad=""
	for p in "$sh" $(children_of "$sh"); do
		if [ "$(tracer_pid "$p")" != 0 ] && [ -n "$(tracer_pid "$p")" ]; then
			bad="$bad $p"
		fi
	done
	check "$label: neither the shell nor its child is traced ($bad)" test -z "$bad"
	if out=$(python3 - "$trace" "$sh" <<'PY'
import json, sys
sh = int(sys.argv[2])
evs = [json.loads(l) for l in open(sys.argv[1]).read().split("\n")[1:] if l]
forks = [e for e in evs if e["type"] == "fork" and e["pid"] == sh]
children = {e["child"] for e in forks}
execs = [e for e in evs if e["type"] == "exec" and e["pid"] in children]
calls = {e["pid"] for e in evs if e["type"] == "syscall"}
bad = []
if len(forks) < 6:
    bad.append("%d fork events from the shell" % len(forks))
if not any((e.get("path") or "").endswith("/true") for e in execs):
    bad.append("no exec of true in a child")
if not children & calls:
    bad.append("no syscall events from the children")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
	); then
		pass "$label: the children's forks, execs and syscalls are in the trace"
	else
		fail "$label: $(echo "$out" | tr '\n' ';')"
	fi
	# Still looping: it keeps going to sleep in wait4 for its next child.
	local before
	before=$(voluntary_switches "$sh")
	check "$label: the shell keeps running after the detach" \
		wait_until 30 switches_reach "$sh" $((before + 10))
	kill -KILL "$sh"
	wait "$sh" 2>/dev/null
}

# A tracee held inside vfork cannot stop until its child execs, and the
# child (followed since the attach) can: detaching on SIGINT must neither
# wait for the parent's stop forever nor leave the child stopped.
# vfork_hold's child waits for a byte from the test before it execs, and
# the test sends it only after sysphase is gone (or given up on).
attach_vfork() {
	local label="detach while a tracee is inside vfork"
	local trace="$T/attach-vfork.jsonl" ctl="$T/vfork.ctl"

	rm -f "$ctl"
	mkfifo "$ctl"
	exec 8<>"$ctl"
	"$TRACEES/vfork_hold" <"$ctl" >"$T/vh.out" 2>&1 8>&- &
	local vh=$!
	track "$vh"
	if ! wait_until 30 grep -qs '^vfork_hold: pid' "$T/vh.out"; then
		fail "$label: vfork_hold did not start"
		exec 8>&-
		return
	fi
	"$SYSPHASE" record -p "$vh" -o "$trace" >"$T/sp.out" 2>"$T/sp.err" 8>&- &
	local sp=$!
	track "$sp"
	check "$label: vfork_hold is traced by sysphase" wait_until 30 traced_by "$vh" "$sp"
	printf v >&8
	local child=""
	child_waiting() {
		child=$(children_of "$vh" | head -n 1)
		[ -n "$child" ] && state_is "$child" S && state_is "$vh" D &&
			[ "$(cut -d' ' -f1 "/proc/$child/syscall" 2>/dev/null)" = 0 ]
	}
	if ! wait_until 30 child_waiting; then
		fail "$label: the vfork child never blocked in read with its parent in vfork"
	fi
	track $child
	check "$label: the child is traced too" traced_by "$child" "$sp"

	kill -INT "$sp"
	local gone=1
	if ! wait_until 30 not kill -0 "$sp" 2>/dev/null; then
		gone=0
		fail "$label: sysphase still running 30 s after SIGINT" \
			"(parent $(proc_state "$vh"), child $(proc_state "$child"))"
	else
		pass "$label: sysphase exits on SIGINT while the parent is in vfork"
		check "$label: the parent is no longer traced" traced_by "$vh" 0
		check "$label: the child is no longer traced" traced_by "$child" 0
	fi
	# Let the child exec; everything must then finish by itself.
	printf x >&8
	exec 8>&-
	local rc=0
	if wait_until 30 not kill -0 "$vh" 2>/dev/null; then
		wait "$vh" || rc=$?
		check "$label: vfork_hold finishes with status 0 (got $rc)" test "$rc" = 0
		check "$label: its child exec'd and exited 0" grep -q 'exited 0' "$T/vh.out"
	else
		fail "$label: vfork_hold still running after its child was released" \
			"(parent $(proc_state "$vh"), child $(proc_state "$child"))"
	fi
	if [ "$gone" = 0 ]; then
		kill -KILL "$sp" "$vh" $child 2>/dev/null
	fi
	wait "$sp" 2>/dev/null
}

attach_run INT 0
attach_run TERM 3
attach_stopped
attach_forker
attach_vfork
finish
