#!/bin/bash
# End to end: real nginx (Debian package) under the example workload,
# recorded with `record --rules nginx` (examples/nginx/run.sh), then:
#  - all eleven phases present, each non-empty, in the right process
#    (master phases in the master, worker phases in each worker), in the
#    order real nginx goes through them;
#  - the serving phase uses none of execve clone setuid socket bind listen;
#  - online stamps and offline re-segmentation (`phases --rules --diff`) agree.
# Cases: one worker with daemon off; two workers, daemon on, and a reload.
# Skips (77) only when nginx or curl is not installed.
set -u
: "${SYSPHASE:?}" "${SRCDIR:?}"

if ! command -v curl >/dev/null || { ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; }; then
	echo "nginx or curl not installed: skip"
	exit 77
fi

work=$(mktemp -d /tmp/sysphase-e2e-nginx.XXXXXX)
# nginx workers run as nobody: they must be able to reach the document root.
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

check() { # DIR WORKERS DAEMON RELOAD
	local dir=$1
	"$SYSPHASE" phases --format json --syscalls "$dir/trace.jsonl" >"$dir/online.json" ||
		{ echo "FAIL: phases on the stamped trace"; return 1; }
	"$SYSPHASE" phases --rules nginx --diff "$dir/trace.jsonl" >/dev/null ||
		{ echo "FAIL: offline segmentation differs from the online stamps"; return 1; }
	# A child's events must follow the fork event that names its parent,
	# or the child cannot start in its on_fork phase: say so plainly.
	python3 - "$dir/trace.jsonl" <<'ORDER' || return 1
import json, sys
first, fork = {}, {}
with open(sys.argv[1]) as f:
    next(f)
    for i, line in enumerate(f, 2):
        e = json.loads(line)
        first.setdefault(e["pid"], i)
        if e["type"] == "fork":
            fork.setdefault(e["child"], i)
bad = [(c, first[c], l) for c, l in fork.items() if first.get(c, l) < l]
for c, a, b in bad:
    print("FAIL: trace: process %d has events from line %d, before its fork event at line %d" % (c, a, b))
sys.exit(1 if bad else 0)
ORDER
	python3 - "$dir/online.json" "$2" "$3" "$4" <<'EOF'
import json, sys

tl = json.load(open(sys.argv[1]))
workers, daemon, reload = int(sys.argv[2]), sys.argv[3] == "on", sys.argv[4] == "1"
procs = tl["processes"]
byid = {p["pid"]: p for p in procs}
errors = []

def names(p):
    return [s["phase"] for s in p["phases"]]

def in_order(seq, want):
    """want appears in seq as a subsequence, each item's first occurrence in order."""
    pos = [seq.index(w) if w in seq else -1 for w in want]
    return all(x >= 0 for x in pos) and pos == sorted(pos)

START = ["execution initiation", "loading shared libraries", "initializing logging",
         "reading configuration files", "opening necessary files and directories",
         "creating and configuring sockets", "setting up signal handlers"]
WORKER = ["worker process initialization", "entering event loop"]
SERVE = "accepting and serving requests"

first = procs[0]
if not in_order(names(first), START):
    errors.append("first process: phases %s, want %s in order" % (names(first), START))
masters = [p for p in procs if "setting up worker processes" in names(p)]
if len(masters) != 1:
    errors.append("want one master, got %d" % len(masters))
else:
    master = masters[0]
    if daemon:
        # The process started forks the daemon and exits; the daemon is the master.
        if master is first or master["ppid"] != first["pid"]:
            errors.append("daemon on: the master should be the first process's child")
        if names(first)[-1] != "shutdown":
            errors.append("daemon on: the parent should end in shutdown, got %s" % names(first))
    elif master is not first:
        errors.append("daemon off: the first process should be the master")
    if names(master)[-1] != "shutdown":
        errors.append("master does not end in shutdown: %s" % names(master))
    if reload and names(master).count("reading configuration files") < 1 + (0 if daemon else 0):
        errors.append("reload: master never re-read its configuration: %s" % names(master))
    if reload and names(master).count("setting up worker processes") < 2:
        errors.append("reload: master did not spawn workers again: %s" % names(master))
    wk = [p for p in procs if p["ppid"] == master["pid"]]
    want = workers * (2 if reload else 1)
    if len(wk) != want:
        errors.append("want %d workers, got %d" % (want, len(wk)))
    for w in wk:
        if not in_order(names(w), WORKER) or names(w)[0] != WORKER[0]:
            errors.append("worker %d: phases %s" % (w["pid"], names(w)))
        if set(names(w)) & set(START):
            errors.append("worker %d has master phases: %s" % (w["pid"], names(w)))
    serving = [s for w in wk for s in w["phases"] if s["phase"] == SERVE]
    if not serving:
        errors.append("no worker reached '%s'" % SERVE)
    used = set()
    for s in serving:
        used |= set(s["set"])
    bad = used & {"execve", "clone", "clone3", "fork", "vfork", "setuid", "socket", "bind", "listen"}
    if bad:
        errors.append("serving phase used %s" % sorted(bad))
    for w in wk:
        if SERVE in names(w) and names(w).index(SERVE) < names(w).index("entering event loop"):
            errors.append("worker %d serves before its event loop" % w["pid"])
    for p in [first, master] + wk:
        for s in p["phases"]:
            if s["syscalls"] < 1:
                errors.append("pid %d: phase '%s' is empty" % (p["pid"], s["phase"]))
        starts = [s["start"] for s in p["phases"]]
        if starts != sorted(starts):
            errors.append("pid %d: phases out of time order" % p["pid"])
    everything = set(n for p in procs for n in names(p))
    missing = set(START + WORKER + ["setting up worker processes", SERVE]) - everything
    if missing:
        errors.append("missing phases: %s" % sorted(missing))

for e in errors:
    print("FAIL:", e)
sys.exit(1 if errors else 0)
EOF
}

rc=0
for case in "1 off 0" "2 on 1"; do
	set -- $case
	dir="$work/w$1-daemon-$2"
	args=(-s "$SYSPHASE" -o "$dir" -w "$1" -d "$2" -q)
	[ "$3" = 1 ] && args+=(-r)
	echo "== nginx: $1 worker(s), daemon $2, reload $3"
	"$SRCDIR/examples/nginx/run.sh" "${args[@]}"
	st=$?
	if [ "$st" = 77 ]; then
		exit 77
	elif [ "$st" != 0 ]; then
		echo "FAIL: examples/nginx/run.sh exited $st"
		cat "$dir/record.out" "$dir/error.log" 2>/dev/null | tail -20
		rc=1
		continue
	fi
	if check "$dir" "$1" "$2" "$3"; then
		echo "ok"
	else
		"$SYSPHASE" phases "$dir/trace.jsonl"
		rc=1
	fi
done
exit $rc
