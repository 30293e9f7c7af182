#!/bin/bash
# SPDX-License-Identifier: MIT
#
# sysphase record --no-exit (entry-only, through a SECCOMP_RET_TRACE
# filter) records what the default mode records for deterministic
# tracees, less the return values: the same syscall names per process and
# thread, the same process events (exec, fork, signal, exit), and no
# "ret"/"errno" fields.

. "$(dirname "$0")/lib.sh"
need python3
need_sysphase

# process_events TRACE: per process in order of first appearance, its
# non-syscall events with what identifies them (pids left out).
process_events() {
	python3 - "$1" <<'PY'
import json, os, sys
order, evs_of = [], {}
for l in open(sys.argv[1]).read().split("\n")[1:]:
    if not l:
        continue
    e = json.loads(l)
    p = e["pid"]
    if e["type"] == "fork" and e["child"] not in evs_of:
        order.append(e["child"])
        evs_of[e["child"]] = []
    if p not in evs_of:
        order.append(p)
        evs_of[p] = []
    t = e["type"]
    if t == "exec":
        evs_of[p].append("exec %s%s" % (os.path.basename(e.get("path") or "?"),
                                       " from a thread" if e.get("former_tid") else ""))
    elif t == "fork":
        evs_of[p].append("fork via %s" % e.get("via"))
    elif t == "clone":
        evs_of[p].append("clone via %s" % e.get("via"))
    elif t == "signal":
        evs_of[p].append("signal %s" % e.get("sig"))
    elif t == "exit":
        what = ("killed %s" % e.get("sig", e.get("signo"))) if e.get("killed") \
            else "status %s" % e.get("status")
        evs_of[p].append("exit%s %s" % (" (process)" if e.get("whole_process") else "", what))
for i, p in enumerate(order):
    print("process #%d: %s" % (i + 1, ", ".join(evs_of[p])))
PY
}

# returns_check TRACE WANT: WANT=with|without "ret" on syscall events
# (exit and exit_group never return, so they are left out).
returns_check() {
	python3 - "$1" "$2" <<'PY'
import json, sys
path, want = sys.argv[1], sys.argv[2]
calls = [json.loads(l) for l in open(path).read().split("\n")[1:] if l]
calls = [e for e in calls if e["type"] == "syscall" and e.get("name") not in ("exit", "exit_group")]
with_ret = [e for e in calls if "ret" in e or "errno" in e]
if not calls:
    print("no syscall events")
    sys.exit(1)
if want == "without" and with_ret:
    print("%d of %d syscall events have ret/errno, e.g. %s"
          % (len(with_ret), len(calls), json.dumps(with_ret[0])[:200]))
    sys.exit(1)
if want == "with" and len(with_ret) != len(calls):
    print("%d of %d syscall events lack ret" % (len(calls) - len(with_ret), len(calls)))
    sys.exit(1)
PY
}

# header_field TRACE KEY: the header's KEY as JSON.
header_field() {
	python3 -c 'import json, sys
print(json.dumps(json.loads(open(sys.argv[1]).readline()).get(sys.argv[2])))' "$1" "$2"
}

for name in fork_wait vfork_exec; do
	def="$T/$name-default.jsonl"
	noexit="$T/$name-noexit.jsonl"
	check "$name: default mode exits 0" \
		"$SYSPHASE" record -o "$def" -- "$TRACEES/$name" >"$T/out" 2>"$T/err"
	check "$name: --no-exit exits 0" \
		"$SYSPHASE" record --no-exit -o "$noexit" -- "$TRACEES/$name" >"$T/out" 2>"$T/err"
	check "$name: --no-exit kept the program's output" grep -q 'exited [03]' "$T/out"
	check "$name: --no-exit wrote nothing on stderr" test ! -s "$T/err"

	check "$name: header entry_only is false by default" test "$(header_field "$def" entry_only)" = false
	check "$name: header entry_only is true with --no-exit" \
		test "$(header_field "$noexit" entry_only)" = true

	a=$(trace_seqs "$def")
	b=$(trace_seqs "$noexit")
	if [ "$a" = "$b" ]; then
		pass "$name: same syscall names per process and thread in both modes"
	else
		fail "$name: syscall names differ (- default, + --no-exit):"
		diff -u <(echo "$a" | tr ' ' '\n') <(echo "$b" | tr ' ' '\n') | head -n 40
	fi
	a=$(process_events "$def")
	b=$(process_events "$noexit")
	if [ "$a" = "$b" ]; then
		pass "$name: same process events in both modes ($(echo $a))"
	else
		fail "$name: process events differ (- default, + --no-exit):"
		diff -u <(echo "$a") <(echo "$b")
	fi

	if out=$(returns_check "$noexit" without); then
		pass "$name: no ret/errno with --no-exit"
	else
		fail "$name: --no-exit: $out"
	fi
	if out=$(returns_check "$def" with); then
		pass "$name: every returning call has ret in default mode"
	else
		fail "$name: default mode: $out"
	fi
done
finish
