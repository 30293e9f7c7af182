#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Shared helpers for the end-to-end tests.  Source it:
#     . "$(dirname "$0")/lib.sh"
# It gives each test a scratch directory ($T), a cleanup trap that kills
# (by PID) whatever the test registered with `track`, a `need` that skips
# (exit 77) when a tool is missing, polling helpers, and a python3 module
# ($SP_PY) that turns a sysphase trace or an `strace -f -qq` log into
# per-process, per-thread sequences of syscall names and compares them.
#
# Run directly, it tests its own helpers on fixed input (lib_selftest,
# which the oracle also runs first).

set -u

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TRACEES=${TRACEES:-}
SYSPHASE=${SYSPHASE:-}

_e2e_failed=0
_e2e_pids=()

T=$(mktemp -d "${TMPDIR:-/tmp}/sysphase-e2e.XXXXXX")

# Kills every registered process that is still there (by PID, never by name).
_e2e_cleanup() {
	local p
	for p in "${_e2e_pids[@]}"; do
		if kill -0 "$p" 2>/dev/null; then
			kill -KILL "$p" 2>/dev/null
		fi
	done
	if [ -n "${E2E_KEEP:-}" ]; then
		echo "kept scratch directory $T"
	else
		rm -rf "$T"
	fi
}
trap _e2e_cleanup EXIT
trap 'exit 130' INT TERM

# track PID...: kill these at exit if they are still alive.
track() {
	_e2e_pids+=("$@")
}

# growing TRACE: the file a running `sysphase record -o TRACE` writes: it grows
# under .TRACE.sysphase-XXXXXXXXXXXX next to TRACE (left there when sysphase is
# killed) and takes TRACE's name when the recording ends.
growing() {
	local f
	for f in "$(dirname "$1")/.$(basename "$1")".sysphase-*; do
		if [ -e "$f" ]; then
			echo "$f"
			return
		fi
	done
	echo "$1"
}

# need TOOL...: skip the whole test (exit 77) when one is missing.
need() {
	local t
	for t in "$@"; do
		if ! command -v "$t" >/dev/null 2>&1; then
			echo "SKIP: '$t' is not installed"
			exit 77
		fi
	done
}

# need_sysphase: the binary and the tracees must exist; a missing one is a
# build failure, not a reason to skip.
need_sysphase() {
	if [ -z "$SYSPHASE" ] || [ ! -x "$SYSPHASE" ]; then
		echo "FAIL: \$SYSPHASE ('$SYSPHASE') is not an executable"
		exit 1
	fi
	if [ -z "$TRACEES" ] || [ ! -d "$TRACEES" ]; then
		echo "FAIL: \$TRACEES ('$TRACEES') is not a directory"
		exit 1
	fi
}

fail() {
	echo "FAIL: $*"
	_e2e_failed=1
}

# have_ia32: whether this kernel runs i386 syscalls (`int $0x80`) at all,
# probed by $TRACEES/ia32_probe in a forked child.  When it does not, says
# "skip: ..." once: the caller skips its i386 checks only, never the rest.
# A probe that cannot tell ends the test as a failure.
have_ia32() {
	local out rc=0
	out=$("$TRACEES/ia32_probe" 2>&1) || rc=$?
	case $rc in
	0) return 0 ;;
	1)
		echo "skip: the i386 checks: ${out#ia32: }"
		return 1
		;;
	*)
		echo "FAIL: $TRACEES/ia32_probe (status $rc): $out"
		exit 1
		;;
	esac
}

pass() {
	echo "ok: $*"
}

# check DESCRIPTION COMMAND...: pass or fail on the command's status.
check() {
	local what=$1
	shift
	if "$@"; then
		pass "$what"
	else
		fail "$what"
	fi
}

# not COMMAND...: succeeds when COMMAND fails (for check and wait_until).
not() {
	! "$@"
}

# quietly COMMAND...: COMMAND with its output thrown away.
quietly() {
	"$@" >/dev/null 2>&1
}

# finish: the test's exit status.
finish() {
	if [ "$_e2e_failed" -ne 0 ]; then
		echo "some checks FAILED"
		exit 1
	fi
	echo "all checks passed"
	exit 0
}

# wait_until SECONDS COMMAND...: polls every 20 ms until COMMAND succeeds.
# COMMAND is run as given, so its arguments are expanded once, by the
# caller: to poll a changing value, pass a function that reads it.
# The limit only stops a broken run from hanging; nothing relies on it
# being short or long.  Returns 1 when the limit was reached.
wait_until() {
	local limit=$1
	shift
	local end=$((SECONDS + limit))
	until "$@"; do
		if [ "$SECONDS" -ge "$end" ]; then
			return 1
		fi
		sleep 0.02
	done
	return 0
}

# free_port: a TCP port on 127.0.0.1 that nothing uses right now, below the
# kernel's ephemeral range: a port from that range (bind to port 0) is
# also what every client connection of the other tests takes as its local
# port, and a server restarted on it later in a test could find it taken.
free_port() {
	python3 -c 'import random, socket
lo = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
for _ in range(1000):
    port = random.randrange(max(1024, lo - 12000), lo)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    break
else:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()'
}

# proc_state PID: the one-letter state from /proc/PID/stat (empty if gone).
# The command name may hold spaces and parentheses: cut after the last ')'.
proc_state() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	stat=${stat##*) }
	echo "${stat%% *}"
}

# state_is PID LETTER...: whether PID's state is one of the LETTERs.
state_is() {
	local pid=$1 st l
	shift
	st=$(proc_state "$pid")
	for l in "$@"; do
		if [ "$st" = "$l" ]; then
			return 0
		fi
	done
	return 1
}

# tracer_pid PID: TracerPid from /proc/PID/status (empty if gone).
tracer_pid() {
	awk '/^TracerPid:/ { print $2 }' "/proc/$1/status" 2>/dev/null
}

# children_of PID: PIDs whose parent is PID, one per line.  The kernel's
# per-thread children lists when it has them (CONFIG_PROC_CHILDREN), else
# a scan of every process's parent.
children_of() {
	local d stat ppid
	if compgen -G "/proc/$1/task/*/children" >/dev/null; then
		cat /proc/"$1"/task/*/children 2>/dev/null | tr ' ' '\n' | grep -v '^$'
		return 0
	fi
	for d in /proc/[0-9]*; do
		stat=$(cat "$d/stat" 2>/dev/null) || continue
		stat=${stat##*) }
		read -r _ ppid _ <<<"$stat"
		if [ "$ppid" = "$1" ]; then
			echo "${d#/proc/}"
		fi
	done
}

# pids_with_arg STRING: PIDs of processes that have STRING as an argument.
pids_with_arg() {
	local d
	for d in /proc/[0-9]*; do
		if tr '\0' '\n' 2>/dev/null <"$d/cmdline" | grep -qxF -- "$1"; then
			echo "${d#/proc/}"
		fi
	done
}

# The python3 module: sequences from traces and strace logs, and the oracle's comparison.
SP_PY="$T/sptrace.py"
cat >"$SP_PY" <<'PYTHON'
"""Per-process, per-thread event sequences from sysphase traces and strace logs.

A run becomes a list of processes in order of first appearance (a pid
appears when it first prints a line, or is returned by the syscall that
made it); each process holds its threads, each thread the list of tokens
it produced: a syscall name, or "--- SIGNAME" for a signal delivery.
"""
import difflib
import json
import re
import signal
import sys

CREATORS = ("fork", "vfork", "clone", "clone3")


def signame(n):
    try:
        return signal.Signals(n).name
    except ValueError:
        return "SIG%d" % n


class Run:
    def __init__(self):
        self.procs = {}          # tgid -> {tid: [tokens]}
        self.order = []          # tgids in order of first appearance
        self.thread_order = {}   # tgid -> [tids] in order of first appearance
        self.exits = {}          # tgid -> "exited N" / "killed SIGX"
        self.execs = {}          # tgid -> ["exec" / "exec from a thread"]

    def proc(self, tgid):
        if tgid not in self.procs:
            self.procs[tgid] = {}
            self.order.append(tgid)
            self.thread_order[tgid] = []
        return self.procs[tgid]

    def thread(self, tgid, tid):
        p = self.proc(tgid)
        if tid not in p:
            p[tid] = []
            self.thread_order[tgid].append(tid)
        return p[tid]

    def add(self, tgid, tid, token):
        self.thread(tgid, tid).append(token)


def load_sysphase(path, events=None):
    """Run from a sysphase trace; the parsed events are appended to `events` if given."""
    run = Run()
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if not lines or not lines[0].strip():
        raise ValueError("%s: empty trace" % path)
    header = json.loads(lines[0])
    if header.get("format") != "sysphase-trace":
        raise ValueError("%s:1: not a sysphase trace header: %r" % (path, lines[0][:80]))
    body = [(i + 1, l) for i, l in enumerate(lines) if i > 0 and l.strip()]
    for n, (lineno, line) in enumerate(body):
        try:
            ev = json.loads(line)
        except ValueError:
            if n == len(body) - 1 and lines[-1] != "":
                print("%s:%d: truncated last line ignored" % (path, lineno), file=sys.stderr)
                break
            raise ValueError("%s:%d: not JSON: %r" % (path, lineno, line[:80]))
        if events is not None:
            events.append(ev)
        kind = ev["type"]
        tgid, tid = ev["pid"], ev["tid"]
        if kind == "syscall":
            name = ev.get("name") or "nr_%s" % ev.get("nr")
            run.add(tgid, tid, name)
        elif kind == "signal":
            run.add(tgid, tid, "--- " + (ev.get("sig") or signame(ev["signo"])))
        elif kind == "exec":
            run.thread(tgid, tid)
            run.execs.setdefault(tgid, []).append(
                "exec from a thread" if ev.get("former_tid") else "exec")
        elif kind == "fork":
            run.thread(tgid, tid)
            run.thread(ev["child"], ev["child"])
        elif kind == "clone":
            run.thread(tgid, tid)
            run.thread(tgid, ev["child"])
        elif kind == "exit":
            run.thread(tgid, tid)
            if ev.get("whole_process"):
                if ev.get("killed"):
                    run.exits[tgid] = "killed " + (ev.get("sig") or signame(ev["signo"]))
                else:
                    run.exits[tgid] = "exited %d" % ev["status"]
        else:
            run.thread(tgid, tid)
    return run, header


STRACE_LINE = re.compile(r"^(\d+)\s+(.*)$")
RESUMED = re.compile(r"^<\.\.\. ([\w]+) resumed>(.*)$")
SYSCALL = re.compile(r"^([\w]+)\((.*)$")
SIGNAL = re.compile(r"^--- (SIG\w+) ")
STOPPED = re.compile(r"^--- stopped by SIG\w+ ---$")
EXITED = re.compile(r"^\+\+\+ exited with (\d+) \+\+\+$")
KILLED = re.compile(r"^\+\+\+ killed by (SIG\w+)( \(core dumped\))? \+\+\+$")
SUPERSEDED = re.compile(r"^\+\+\+ superseded by execve in pid (\d+) \+\+\+$")
RESULT = re.compile(r"\)\s+= (-?\d+|\?)(?: [A-Z]\w*)?(?: \(.*\))?$")


def load_strace(path):
    """Run from `strace -f -qq -o FILE` output (every line starts with a pid)."""
    raw = []             # (tid, kind, payload)
    pending = {}         # tid -> text of an unfinished creator syscall
    creations = []       # (creator tid, child tid, is_thread)
    seen = set()
    pending_at_birth = {}  # tid -> creator calls unfinished when it first showed up
    with open(path, encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line:
                continue
            if line.startswith("[ Process PID="):
                continue
            m = STRACE_LINE.match(line)
            if not m:
                raise ValueError("%s:%d: no pid at line start: %r" % (path, lineno, line))
            tid, rest = int(m.group(1)), m.group(2)
            if rest.startswith("[ Process PID="):
                continue
            if tid not in seen:
                seen.add(tid)
                pending_at_birth[tid] = list(pending.items())
            m = RESUMED.match(rest)
            if m:
                name, text = m.group(1), m.group(2)
                raw.append((tid, "resumed", name))
                if name == "execve" and _returned_zero(text):
                    raw.append((tid, "exec", None))
                if name in CREATORS and tid in pending:
                    text = pending.pop(tid) + text
                    _creation(creations, tid, name, text)
                continue
            m = SIGNAL.match(rest)
            if m:
                raw.append((tid, "signal", m.group(1)))
                continue
            if STOPPED.match(rest):
                continue
            m = EXITED.match(rest)
            if m:
                raw.append((tid, "exit", "exited " + m.group(1)))
                continue
            m = KILLED.match(rest)
            if m:
                raw.append((tid, "exit", "killed " + m.group(1)))
                continue
            m = SUPERSEDED.match(rest)
            if m:
                raw.append((tid, "superseded", int(m.group(1))))
                continue
            m = SYSCALL.match(rest)
            if m:
                name = m.group(1)
                raw.append((tid, "syscall", name))
                if name == "execve" and _returned_zero(rest):
                    raw.append((tid, "exec", None))
                if name in CREATORS:
                    if rest.endswith("<unfinished ...>"):
                        pending[tid] = rest
                    else:
                        _creation(creations, tid, name, rest)
                continue
            raise ValueError("%s:%d: unrecognised strace line: %r" % (path, lineno, line))

    # Which process each tid belongs to: CLONE_THREAD in the creating call.
    tgid_of = {}
    if raw:
        tgid_of[raw[0][0]] = raw[0][0]
    creators_of = {child: (creator, thread) for creator, child, thread in creations}
    # A creating call that never returned (its caller was killed, e.g. by
    # an exec in the new thread) names no child: the child is the tid that
    # first showed up while that call was the only one unfinished; strace
    # also says which thread an exec superseded the leader with.
    for tid, kind, payload in raw:
        if kind == "superseded" and payload not in creators_of:
            creators_of[payload] = (tid, True)
    for tid in seen:
        cands = pending_at_birth.get(tid, [])
        if tid not in creators_of and tid != raw[0][0] and len(cands) == 1:
            creator, text = cands[0]
            creators_of[tid] = (creator, text.startswith("clone") and "CLONE_THREAD" in text)

    def tgid(t):
        seen = set()
        while t not in tgid_of:
            if t not in creators_of or t in seen:
                tgid_of[t] = t
                break
            seen.add(t)
            creator, thread = creators_of[t]
            if not thread:
                tgid_of[t] = t
                break
            tgid_of[t] = tgid(creator)
        return tgid_of[t]

    run = Run()
    by_child = {}
    for creator, child, thread in creations:
        by_child.setdefault(creator, []).append((child, thread))
    superseded = set()
    for tid, kind, payload in raw:
        g = tgid(tid)
        if kind == "superseded":
            superseded.add(g)
        if kind == "exec":
            run.execs.setdefault(g, []).append(
                "exec from a thread" if g in superseded else "exec")
            superseded.discard(g)
        if kind == "syscall":
            run.add(g, tid, payload)
        elif kind == "signal":
            run.add(g, tid, "--- " + payload)
        elif kind == "exit":
            run.thread(g, tid)
            if tid == g:
                run.exits[g] = payload
        else:
            run.thread(g, tid)
        if kind == "resumed" and payload in CREATORS and by_child.get(tid):
            # The child appears no later than its creator's return.
            child, thread = by_child[tid].pop(0)
            run.thread(tgid(child), child)
    return run


def _returned_zero(text):
    m = RESULT.search(text)
    return bool(m) and m.group(1) == "0"


def _creation(creations, tid, name, text):
    m = RESULT.search(text)
    if not m or m.group(1) in ("?",) or int(m.group(1)) <= 0:
        return
    thread = name in ("clone", "clone3") and "CLONE_THREAD" in text
    creations.append((tid, int(m.group(1)), thread))


def view(run, what):
    """[(process label, [(thread label, [tokens])])], threads as a sorted
    multiset; what: "syscalls", "signals" or "interleaved" (both)."""
    out = []
    for i, g in enumerate(run.order):
        threads = run.procs[g]
        def keep(seq):
            if what == "interleaved":
                return list(seq)
            return [t for t in seq if t.startswith("--- ") == (what == "signals")]
        leader = keep(threads.get(g, []))
        others = sorted(keep(threads[t]) for t in run.thread_order[g] if t != g)
        entry = [("main thread", leader)]
        entry += [("other thread #%d" % (k + 1), s) for k, s in enumerate(others)]
        out.append(("process #%d" % (i + 1), entry))
    return out


def strip_first_exec(run):
    """Drops, in the first process's main thread, everything up to and
    including its first execve: sysphase may start recording at the exec of
    the program (or record the launcher's set-up before it), strace starts
    with it.  Only the first process: later execs must match exactly."""
    if not run.order:
        return
    g = run.order[0]
    seq = run.procs[g].get(g, [])
    if "execve" in seq:
        del seq[: seq.index("execve") + 1]


def compare(strace_run, sp_run, what):
    """Unified diffs (strace = expected, sysphase = actual); empty when equal."""
    a, b = view(strace_run, what), view(sp_run, what)
    out = []
    if len(a) != len(b):
        out.append("number of processes: strace %d, sysphase %d" % (len(a), len(b)))
    for (plabel, athreads), (_, bthreads) in zip(a, b):
        if len(athreads) != len(bthreads):
            out.append("%s: number of threads: strace %d, sysphase %d"
                       % (plabel, len(athreads), len(bthreads)))
        for (tlabel, aseq), (_, bseq) in zip(athreads, bthreads):
            if aseq != bseq:
                out.append("%s, %s:" % (plabel, tlabel))
                out.extend(difflib.unified_diff(aseq, bseq, "strace", "sysphase", lineterm="", n=3))
    return out


def what_of(argv):
    for w in ("signals", "interleaved"):
        if "--" + w in argv:
            return w
    return "syscalls"


def dump(run, what):
    lines = []
    for plabel, threads in view(run, what):
        for tlabel, seq in threads:
            lines.append("%s, %s: %s" % (plabel, tlabel, " ".join(seq)))
    return lines


def main(argv):
    cmd = argv[1]
    if cmd == "seqs":
        # seqs sysphase|strace FILE [--signals|--interleaved]
        run = load_sysphase(argv[3])[0] if argv[2] == "sysphase" else load_strace(argv[3])
        print("\n".join(dump(run, what_of(argv))))
        return 0
    if cmd == "compare":
        # compare STRACE_LOG TRACE [--signals|--interleaved] [--keep-first-exec]
        s, (p, _) = load_strace(argv[2]), load_sysphase(argv[3])
        if "--keep-first-exec" not in argv:
            strip_first_exec(s)
            strip_first_exec(p)
        diff = compare(s, p, what_of(argv))
        if diff:
            print("\n".join(diff))
        return 1 if diff else 0
    if cmd == "exits":
        # exits sysphase|strace FILE: how each process ended, in order
        run = load_sysphase(argv[3])[0] if argv[2] == "sysphase" else load_strace(argv[3])
        for i, g in enumerate(run.order):
            print("process #%d: %s" % (i + 1, run.exits.get(g, "no exit seen")))
        return 0
    if cmd == "execs":
        # execs sysphase|strace FILE: each process's successful execs, in order
        run = load_sysphase(argv[3])[0] if argv[2] == "sysphase" else load_strace(argv[3])
        for i, g in enumerate(run.order):
            print("process #%d: %s" % (i + 1, ", ".join(run.execs.get(g, [])) or "none"))
        return 0
    if cmd == "events":
        # events TRACE: the parsed events, one JSON object per line (validates the trace)
        events = []
        load_sysphase(argv[2], events)
        for ev in events:
            print(json.dumps(ev, sort_keys=True))
        return 0
    print("unknown command %r" % cmd, file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (ValueError, KeyError, OSError) as e:
        print("sptrace: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        sys.exit(3)
PYTHON

# sp_py ARGS...: the module above (see main() for the commands).
sp_py() {
	python3 "$SP_PY" "$@"
}

# trace_seqs TRACE [--signals|--interleaved]: per-process, per-thread
# syscall-name sequences of a sysphase trace (or signal deliveries, or both).
trace_seqs() {
	sp_py seqs sysphase "$@"
}

# strace_seqs LOG [--signals|--interleaved]: the same from an `strace -f -qq -o LOG` log.
strace_seqs() {
	sp_py seqs strace "$@"
}

# lib_selftest: checks of the helpers above on fixed input.  The oracle
# runs them before trusting the parsers; `bash lib.sh` runs them alone.
lib_selftest() {
	need python3
	local port
	port=$(free_port)
	check "free_port gives a number in range ($port)" test "$port" -gt 0 -a "$port" -lt 65536
	check "free_port gives a port that can be bound" python3 -c "import socket
s = socket.socket(); s.bind(('127.0.0.1', $port))"

	sleep 60 &
	local sl=$!
	track "$sl"
	# Right after the fork it may still be running or exec'ing: wait for its sleep.
	check "proc_state of a sleeping process is S" wait_until 10 state_is "$sl" S
	check "proc_state reads S" test "$(proc_state "$sl")" = S
	kill -STOP "$sl"
	check "state_is sees the stop" wait_until 10 state_is "$sl" T t
	check "state_is is false for other states" not state_is "$sl" S R
	check "tracer_pid of an untraced process is 0" test "$(tracer_pid "$sl")" = 0
	check "pids_with_arg finds sleep 60" test "$(pids_with_arg 60 | grep -cx "$sl")" = 1
	check "children_of finds sleep 60" test "$(children_of $$ | grep -cx "$sl")" = 1
	kill -KILL "$sl"
	wait "$sl" 2>/dev/null

	# An strace log with everything the parser must know: a thread made
	# with clone3 finishing before its creator's call returns, a fork, a
	# signal, a group-stop, exits and a kill.
	cat >"$T/s.log" <<'EOF'
100  execve("./x", ["./x"], 0x7ffc /* 1 var */) = 0
100  brk(NULL)                         = 0x55
100  clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM, exit_signal=0} <unfinished ...>
101  rseq(0x7f, 0x20, 0, 0x53053053 <unfinished ...>
100  <... clone3 resumed> => {parent_tid=[101]}, 88) = 101
101  <... rseq resumed>)               = 0
101  getpid()                          = 100
100  clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f) = 102
102  --- SIGSTOP {si_signo=SIGSTOP, si_code=SI_USER, si_pid=102, si_uid=0} ---
102  --- stopped by SIGSTOP ---
102  getppid()                         = 100
102  exit_group(3)                     = ?
101  exit(0)                           = ?
102  +++ exited with 3 +++
100  wait4(-1, NULL, 0, NULL)          = 102
100  kill(100, SIGKILL)                = ?
100  +++ killed by SIGKILL +++
EOF
	local want got
	want=$(printf '%s\n' \
		"process #1, main thread: execve brk clone3 clone wait4 kill" \
		"process #1, other thread #1: rseq getpid exit" \
		"process #2, main thread: --- SIGSTOP getppid exit_group")
	got=$(strace_seqs "$T/s.log" --interleaved)
	check "strace log parsed into processes and threads" test "$got" = "$want"
	check "strace execs" test "$(sp_py execs strace "$T/s.log")" = "$(printf '%s\n' \
		'process #1: exec' 'process #2: none')"
	check "strace exits" test "$(sp_py exits strace "$T/s.log")" = "$(printf '%s\n' \
		'process #1: killed SIGKILL' 'process #2: exited 3')"

	# exec from a non-leader thread: the leader's clone never returns,
	# strace names the exec'ing thread only in the "superseded" line.
	cat >"$T/e.log" <<'EOF'
300  clone(child_stack=0x7f, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_VFORK|CLONE_THREAD|CLONE_SYSVSEM <unfinished ...>
301  gettid()                          = 301
301  execve("/proc/self/exe", ["./e", "--after"], 0x7ffe /* 1 var */ <unfinished ...>
300  <... clone resumed>)              = ?
300  +++ superseded by execve in pid 301 +++
300  <... execve resumed>)             = 0
300  exit_group(0)                     = ?
EOF
	check "exec from a thread: one process, the thread keeps its execve" \
		test "$(strace_seqs "$T/e.log")" = "$(printf '%s\n' \
		"process #1, main thread: clone exit_group" \
		"process #1, other thread #1: gettid execve")"
	check "exec from a thread: execs" test "$(sp_py execs strace "$T/e.log")" = \
		"process #1: exec from a thread"

	# The same run as a sysphase trace, but with the pids of another run
	# and a truncated last line: the comparison must find no difference.
	cat >"$T/t.jsonl" <<'EOF'
{"format":"sysphase-trace","version":1,"command":["./x"],"kernel":"6","arch":"x86_64","start_time":1.5}
{"type":"syscall","tid":200,"pid":200,"ts":0.1,"abi":"x86_64","nr":12,"name":"brk"}
{"type":"syscall","tid":200,"pid":200,"ts":0.2,"abi":"x86_64","nr":435,"name":"clone3"}
{"type":"clone","tid":200,"pid":200,"ts":0.2,"child":201,"via":"clone3"}
{"type":"syscall","tid":201,"pid":200,"ts":0.3,"abi":"x86_64","nr":334,"name":"rseq"}
{"type":"syscall","tid":201,"pid":200,"ts":0.3,"abi":"x86_64","nr":39,"name":"getpid"}
{"type":"syscall","tid":200,"pid":200,"ts":0.4,"abi":"x86_64","nr":56,"name":"clone"}
{"type":"fork","tid":200,"pid":200,"ts":0.4,"child":202,"via":"fork"}
{"type":"signal","tid":202,"pid":202,"ts":0.5,"signo":19,"sig":"SIGSTOP"}
{"type":"syscall","tid":202,"pid":202,"ts":0.5,"abi":"x86_64","nr":110,"name":"getppid"}
{"type":"syscall","tid":202,"pid":202,"ts":0.6,"abi":"x86_64","nr":231,"name":"exit_group"}
{"type":"syscall","tid":201,"pid":200,"ts":0.6,"abi":"x86_64","nr":60,"name":"exit"}
{"type":"exit","tid":202,"pid":202,"ts":0.7,"whole_process":true,"killed":false,"status":3}
{"type":"syscall","tid":200,"pid":200,"ts":0.8,"abi":"x86_64","nr":61,"name":"wait4"}
{"type":"syscall","tid":200,"pid":200,"ts":0.9,"abi":"x86_64","nr":62,"name":"kill"}
{"type":"exit","tid":200,"pid":200,"ts":1.0,"whole_process":true,"killed":true,"signo":9
EOF
	# A killed run leaves its last line without its newline.
	truncate -s -1 "$T/t.jsonl"
	check "trace with a truncated last line matches the strace log" \
		sp_py compare "$T/s.log" "$T/t.jsonl" --interleaved
	check "sysphase exits" test "$(sp_py exits sysphase "$T/t.jsonl" 2>/dev/null)" = \
		"$(printf '%s\n' 'process #1: no exit seen' 'process #2: exited 3')"

	# A difference inside one thread must be found and shown.
	sed 's/"name":"getpid"/"name":"gettid"/' "$T/t.jsonl" >"$T/t2.jsonl"
	local diff
	diff=$(sp_py compare "$T/s.log" "$T/t2.jsonl" 2>/dev/null)
	check "a changed syscall in a thread is reported" test $? -eq 1
	check "the report names the thread and the calls" \
		grep -q -- '-getpid' <<<"$diff"$'\n'
	check "the report shows the sysphase side" grep -q -- '+gettid' <<<"$diff"$'\n'

	# A signal missing from the trace matters only when signals are compared.
	grep -v '"type":"signal"' "$T/t.jsonl" | head -c -1 >"$T/t3.jsonl"
	check "syscall-only comparison ignores signals" sp_py compare "$T/s.log" "$T/t3.jsonl"
	check "a missing signal is found with --signals" \
		not quietly sp_py compare "$T/s.log" "$T/t3.jsonl" --signals
	check "signals-only view of the strace log" test "$(strace_seqs "$T/s.log" --signals)" = \
		"$(printf '%s\n' "process #1, main thread: " "process #1, other thread #1: " \
			"process #2, main thread: --- SIGSTOP")"

	# A signal delivered at another point of the thread is found only interleaved.
	awk 'NR == 9 { held = $0; next } { print } NR == 10 { print held }' "$T/t.jsonl" |
		head -c -1 >"$T/t4.jsonl"
	check "the signal was moved after getppid" test "$(trace_seqs "$T/t4.jsonl" --interleaved \
		2>/dev/null | tail -1)" = "process #2, main thread: getppid --- SIGSTOP exit_group"
	check "a moved signal passes the signals-only comparison" \
		sp_py compare "$T/s.log" "$T/t4.jsonl" --signals
	check "a moved signal passes the syscalls-only comparison" \
		sp_py compare "$T/s.log" "$T/t4.jsonl"
	check "a moved signal fails the interleaved comparison" \
		not quietly sp_py compare "$T/s.log" "$T/t4.jsonl" --interleaved
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	lib_selftest
	finish
fi
