#!/bin/bash
# SPDX-License-Identifier: MIT
# sysphase report on real traces (pwd; a forking and a threaded tracee):
# the HTML is well-formed XML and self-contained (no http/https, no script,
# no external reference); the timeline table carries exactly the numbers of
# `sysphase phases --format json`; the summary's counts equal policy.json
# from `sysphase export` and `sysphase compare`; the picture has one lane
# per process, a sub-lane per thread and one edge per fork.  Also a report
# from policy.json alone, and bad input.
. "$(dirname "$0")/lib.sh"

need python3
need_sysphase
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (ptrace)"; exit 77; }

# The checker: argv = html, then optional phases.json, policy.json, compare dir.
cat >"$T/check.py" <<'EOF'
import json, os, re, sys
import xml.etree.ElementTree as ET

html_path = sys.argv[1]
text = open(html_path, encoding="utf-8").read()
errors = []

def err(msg):
    errors.append(msg)

# Well-formed: a strict XML parser takes the whole document.
try:
    root = ET.fromstring(text.split("\n", 1)[1] if text.startswith("<!DOCTYPE html>") else text)
except ET.ParseError as e:
    print("FAIL: not well-formed: %s" % e)
    sys.exit(1)
if not text.startswith("<!DOCTYPE html>\n<html"):
    err("does not start with the HTML5 doctype")

# Self-contained: nothing that could reach the network or another file.
for pat in (r"https?:", r"<script", r"<link", r"<iframe", r"<img", r"@import", r"src="):
    if re.search(pat, text, re.I):
        err("found %r in the report" % pat)
for m in re.finditer(r'(href|xlink:href)="([^"]*)"', text):
    if not m.group(2).startswith("#"):
        err("reference to %r" % m.group(2))
for m in re.finditer(r"url\(([^)]*)\)", text):
    if not m.group(1).startswith("#"):
        err("url(%s)" % m.group(1))

# HTML validity beyond well-formedness: unique ids, internal links that land.
ids = [e.get("id") for e in root.iter() if e.get("id") is not None]
if len(ids) != len(set(ids)):
    err("duplicate ids: %r" % sorted({i for i in ids if ids.count(i) > 1}))
for e in root.iter():
    for attr in ("href", "marker-end"):
        v = e.get(attr)
        target = v[1:] if v and v.startswith("#") else v[5:-1] if v and v.startswith("url(#") else None
        if target is not None and target not in ids:
            err("%s=%r points nowhere" % (attr, v))
if root.tag != "html" or root.find("head/title") is None or root.find("head/meta[@charset]") is None:
    err("no html/head/title/meta charset")

def els(tag, cls=None):
    for e in root.iter(tag):
        if cls is None or cls in (e.get("class") or "").split():
            yield e

mode = sys.argv[2] if len(sys.argv) > 2 else "none"
if mode == "trace":
    phases, policy, cmpdir, trace = sys.argv[3:7]
    tl = json.load(open(phases))
    rows = list(els("tr", "seg"))
    want = [(p["pid"], i, s) for p in tl["processes"] for i, s in enumerate(p["phases"])]
    if len(rows) != len(want):
        err("%d timeline rows, phases --format json has %d segments" % (len(rows), len(want)))
    for r, (pid, i, s) in zip(rows, want):
        got = (int(r.get("data-pid")), int(r.get("data-index")), r.get("data-phase"),
               float(r.get("data-start")), float(r.get("data-end")),
               float(r.get("data-duration")), int(r.get("data-syscalls")),
               int(r.get("data-distinct")))
        exp = (pid, i, s["phase"], s["start"], s["end"], s["duration"], s["syscalls"],
               s["distinct"])
        if got != exp:
            err("row %r != phases %r" % (got, exp))
    # The picture: a lane per process, a thread sub-lane when there are several.
    lanes = [g for g in els("g", "lane")]
    if sorted(int(g.get("data-pid")) for g in lanes) != sorted(p["pid"] for p in tl["processes"]):
        err("lanes %r do not match the processes" % [g.get("data-pid") for g in lanes])
    for g in lanes:
        p = next(p for p in tl["processes"] if p["pid"] == int(g.get("data-pid")))
        subs = [t for t in g.iter("text") if (t.get("class") or "") == "sl"]
        bands = [r for r in g.iter("rect") if (r.get("class") or "") == "band"]
        if len(bands) != len(p["phases"]):
            err("pid %d: %d bands for %d phases" % (p["pid"], len(bands), len(p["phases"])))
        for b in bands:
            t = b.find("title")
            if t is None or "syscalls" not in t.text or "lasting" not in t.text:
                err("band without a title saying duration and syscalls")
        nthreads = p.get("threads", 1)
        if (nthreads > 1) != (len(subs) > 0) or (nthreads > 1 and len(subs) != min(nthreads, 16)):
            err("pid %d: %d threads, %d sub-lanes" % (p["pid"], nthreads, len(subs)))
    forks = sum(1 for line in open(trace) if '"type":"fork"' in line)
    drawn = len(list(els("line", "fork")))
    if drawn != forks:
        err("%d fork edges drawn, the trace has %d fork events" % (drawn, forks))
    evs = [json.loads(line) for line in open(trace)][1:]
    execs = [e for e in evs if e.get("type") == "exec"]
    if len(list(els("path", "execm"))) != len(execs):
        err("exec markers do not match the %d exec events" % len(execs))
    # exec from a thread other than the leader: a dashed edge from its lane.
    by_thread = [e for e in execs if e.get("former_tid") not in (None, 0, e["pid"])]
    if len(list(els("line", "exec"))) != len(by_thread):
        err("%d exec-from-thread edges, the trace has %d" % (len(list(els("line", "exec"))), len(by_thread)))
    # The summary: policy.json's sizes, compare's Level 1/2 drops.
    pol = json.load(open(policy))
    # The phase graph: one arc per edge of policy.json, forks dashed.
    arcs = list(els("path", "edge"))
    edges = pol["graph"]["edges"]
    if len(arcs) != len(edges) or \
       sum("fork-e" in a.get("class") for a in arcs) != sum(e["kind"] == "fork" for e in edges):
        err("%d arcs for %d graph edges" % (len(arcs), len(edges)))
    for a, e in zip(arcs, edges):
        t = a.find("title").text
        if not t.startswith("%s \u2192 %s (%s" % (e["from"], e["to"], e["kind"])):
            err("arc %r for edge %r" % (t, e))
    sums = {r.get("data-phase"): r for r in els("tr", "phase-sum")}
    if list(sums) != [p["name"] for p in pol["phases"]]:
        err("summary phases %r != policy phases" % list(sums))
    union = set()
    for p in pol["phases"]:
        union |= {c["name"] for c in p["exact"]}
    whole = next(els("tr", "whole"))
    if int(whole.get("data-distinct")) != len(union):
        err("whole-run size %s != %d" % (whole.get("data-distinct"), len(union)))
    for p in pol["phases"]:
        r = sums.get(p["name"])
        if r is None:
            continue
        if int(r.get("data-distinct")) != len(p["exact"]) or \
           int(r.get("data-enforce")) != len(p["enforce"]):
            err("phase %s: summary sizes differ from policy.json" % p["name"])
        c = json.load(open(os.path.join(cmpdir, p["name"] + ".json")))
        lv = c["only_a"]["by_level"]
        if int(r.get("data-drop-l1")) != lv["1"] or int(r.get("data-drop-l2")) != lv["2"]:
            err("phase %s: drops L1 %s L2 %s, compare says %d %d" % (
                p["name"], r.get("data-drop-l1"), r.get("data-drop-l2"), lv["1"], lv["2"]))
        # And the phase's own tables list exactly its allowlists.
        sec = next(s for s in els("section", "phase") if s.get("data-phase") == p["name"])
        tables = {c: t for t in sec.iter("table") for c in (t.get("class") or "").split()}
        exact = [tr.find("td").text.strip() for tr in tables["exact"].iter("tr") if tr.find("td") is not None]
        enforce = [tr.find("td").text.strip() for tr in tables["enforce"].iter("tr") if tr.find("td") is not None]
        held = [tr.find("td").text.strip() for tr in tables["held"].iter("tr")
                if tr.find("td") is not None] if "held" in tables else []
        if sorted(held) != sorted(c["name"] for c in p.get("held_back", [])):
            err("phase %s: held-back table %r" % (p["name"], held))
        if sorted(exact) != sorted(c["name"] for c in p["exact"]):
            err("phase %s: exact table %r" % (p["name"], exact))
        if enforce != p["enforce"]:
            err("phase %s: enforce table %r" % (p["name"], enforce))
        for tr in tables["exact"].iter("tr"):
            tds = tr.findall("td")
            if tds and not any(c in (tds[1].get("class") or "") for c in ("lv0", "lv1", "lv2", "lv3", "lv4")):
                err("level cell without a level class")
elif mode == "against":
    # argv: refs count, then per ref its compare directory (one JSON per row).
    dirs = sys.argv[3:]
    rows = list(els("tr", "ref-row"))
    if not rows:
        err("no rows against other allowlists")
    for r in rows:
        name = r.get("data-phase") or "whole run"
        cells = r.findall("td")[2:]
        for k, d in enumerate(dirs):
            c = json.load(open(os.path.join(d, name + ".json")))
            cov, drop = cells[2 * k], cells[2 * k + 1]
            if abs(float(cov.get("data-covers")) - c["completeness"]) > 1e-6 or \
               abs(float(drop.get("data-drops")) - c["reduction"]) > 1e-6 or \
               int(drop.get("data-drop-l1")) != c["only_a"]["by_level"]["1"] or \
               int(drop.get("data-drop-l2")) != c["only_a"]["by_level"]["2"]:
                err("%s against %s: report says %s/%s, compare says %s/%s" % (
                    name, d, cov.get("data-covers"), drop.get("data-drops"),
                    c["completeness"], c["reduction"]))
elif mode == "policy":
    pol = json.load(open(sys.argv[3]))
    bands = list(els("rect", "band"))
    if len(bands) != len(pol["phases"]):
        err("%d bands for %d phases" % (len(bands), len(pol["phases"])))
    if [s.get("data-phase") for s in els("section", "phase")] != [p["name"] for p in pol["phases"]]:
        err("phase sections differ from the policy")

for e in errors:
    print("FAIL: " + e)
sys.exit(1 if errors else 0)
EOF

# report_for NAME RULES PROG...: record, report, and everything to check it against.
report_for() {
	local name=$1 rules=$2
	shift 2
	(cd /tmp && LANG=C "$SYSPHASE" record -o "$T/$name.trace" --rules "$rules" -- "$@") \
		>/dev/null 2>"$T/$name.rec.err" || true
	"$SYSPHASE" report "$T/$name.trace" -o "$T/$name.html" >"$T/$name.out" 2>"$T/$name.err" ||
		{ fail "$name: report failed: $(cat "$T/$name.err")"; return; }
	"$SYSPHASE" phases --format json "$T/$name.trace" >"$T/$name.phases.json" ||
		{ fail "$name: phases failed"; return; }
	"$SYSPHASE" export "$T/$name.trace" -o "$T/$name.policy" --format bpf >/dev/null ||
		{ fail "$name: export failed"; return; }
	mkdir -p "$T/$name.cmp"
	python3 -c 'import json,sys; [print(p["name"]) for p in json.load(open(sys.argv[1]))["phases"]]' \
		"$T/$name.policy/policy.json" | while IFS= read -r ph; do
		"$SYSPHASE" compare --format json "$T/$name.policy/policy.json" \
			"$T/$name.policy/policy.json:$ph:enforce" >"$T/$name.cmp/$ph.json"
	done
	check "$name: well-formed, self-contained, numbers equal phases/export/compare" \
		python3 "$T/check.py" "$T/$name.html" trace "$T/$name.phases.json" \
		"$T/$name.policy/policy.json" "$T/$name.cmp" "$T/$name.trace"
}

report_for pwd pwd /bin/pwd
report_for fork generic "$TRACEES/fork_wait"
report_for threads generic "$TRACEES/threads"
report_for exec_thread generic "$TRACEES/exec_thread"
report_for vfork_exec generic "$TRACEES/vfork_exec"
check "exec_thread: an edge from the exec'ing thread" grep -q 'class="exec"' "$T/exec_thread.html"
check "fork_wait has two lanes" test "$(grep -c '<g class="lane"' "$T/fork.html")" = 2
check "threads has thread sub-lanes" grep -q 'class="sl"' "$T/threads.html"
check "stdout names the file" grep -q "^wrote $T/pwd.html\$" "$T/pwd.out"

# The same trace re-cut with --rules gives the numbers of `phases --rules`.
"$SYSPHASE" report --rules generic "$T/pwd.trace" -o "$T/recut.html" >/dev/null 2>&1 ||
	fail "report --rules failed"
"$SYSPHASE" phases --rules generic --format json "$T/pwd.trace" >"$T/recut.phases.json"
"$SYSPHASE" export --rules generic "$T/pwd.trace" -o "$T/recut.policy" --format bpf >/dev/null
mkdir -p "$T/recut.cmp"
python3 -c 'import json,sys; [print(p["name"]) for p in json.load(open(sys.argv[1]))["phases"]]' \
	"$T/recut.policy/policy.json" | while IFS= read -r ph; do
	"$SYSPHASE" compare --format json "$T/recut.policy/policy.json" \
		"$T/recut.policy/policy.json:$ph:enforce" >"$T/recut.cmp/$ph.json"
done
check "report --rules generic matches phases --rules generic" \
	python3 "$T/check.py" "$T/recut.html" trace "$T/recut.phases.json" \
	"$T/recut.policy/policy.json" "$T/recut.cmp" "$T/pwd.trace"

# Names from user rules reach the HTML: markup characters must not break it.
cat >"$T/odd.json" <<'EOF'
{
	"name": "odd <rules> & co",
	"description": "phase names with markup characters",
	"initial": "<start> & \"go\"",
	"phases": [
		{"name": "<start> & \"go\"", "description": "a <b>bold</b> & 'quoted' start"},
		{"name": "work]]>'s", "description": "CDATA end and an apostrophe"},
		{"name": "exit", "description": "the end", "final": true}
	],
	"transitions": [
		{"from": "<start> & \"go\"", "to": "work]]>'s",
		 "when": {"syscall": "getcwd", "after": {"event": "exec"}}},
		{"from": "work]]>'s", "to": "exit", "when": {"syscall": "exit_group"}}
	]
}
EOF
if "$SYSPHASE" report --rules "$T/odd.json" "$T/pwd.trace" -o "$T/odd.html" >/dev/null 2>"$T/err"; then
	"$SYSPHASE" phases --rules "$T/odd.json" --format json "$T/pwd.trace" >"$T/odd.phases.json"
	"$SYSPHASE" export --rules "$T/odd.json" "$T/pwd.trace" -o "$T/odd.policy" --format bpf >/dev/null
	mkdir -p "$T/odd.cmp"
	python3 -c 'import json,sys; [print(p["name"]) for p in json.load(open(sys.argv[1]))["phases"]]' \
		"$T/odd.policy/policy.json" | while IFS= read -r ph; do
		"$SYSPHASE" compare --format json "$T/odd.policy/policy.json" \
			"$T/odd.policy/policy.json:$ph:enforce" >"$T/odd.cmp/$ph.json"
	done
	check "phase names with <, &, quotes and ]]> stay text" \
		python3 "$T/check.py" "$T/odd.html" trace "$T/odd.phases.json" \
		"$T/odd.policy/policy.json" "$T/odd.cmp" "$T/pwd.trace"
	check "the description is escaped" grep -q 'a &lt;b&gt;bold&lt;/b&gt; &amp; &#39;quoted&#39; start' "$T/odd.html"
else
	fail "report with odd phase names: $(cat "$T/err")"
fi

# --against: each phase held against other allowlists, as `compare REF OURS` says.
printf 'read write close openat execve exit_group getcwd mmap\n' >"$T/mine.txt"
if "$SYSPHASE" report "$T/pwd.trace" --against thesis:pwd:chestnut --against "$T/mine.txt" \
	-o "$T/against.html" >/dev/null 2>"$T/err"; then
	k=0
	for ref in thesis:pwd:chestnut "$T/mine.txt"; do
		k=$((k + 1))
		mkdir -p "$T/against$k"
		"$SYSPHASE" compare --format json "$ref" "$T/pwd.policy/policy.json" \
			>"$T/against$k/whole run.json"
		python3 -c 'import json,sys; [print(p["name"]) for p in json.load(open(sys.argv[1]))["phases"]]' \
			"$T/pwd.policy/policy.json" | while IFS= read -r ph; do
			"$SYSPHASE" compare --format json "$ref" "$T/pwd.policy/policy.json:$ph:enforce" \
				>"$T/against$k/$ph.json"
		done
	done
	check "--against: covers and drops equal sysphase compare" \
		python3 "$T/check.py" "$T/against.html" against "$T/against1" "$T/against2"
else
	fail "report --against: $(cat "$T/err")"
fi
expect_error_early() {
	local rc=0
	"$SYSPHASE" report "$T/pwd.trace" --against "$1" -o "$T/x.html" >"$T/out" 2>"$T/err" || rc=$?
	if [ "$rc" = 4 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q -- "$2" "$T/err"; then
		pass "--against $1 fails: $(cat "$T/err")"
	else
		fail "--against $1: status $rc, stderr $(cat "$T/err")"
	fi
}
printf 'read wirte\n' >"$T/typo.txt"
expect_error_early "$T/typo.txt" "typo.txt:1:6: unknown x86-64 syscall 'wirte'"
expect_error_early thesis:pwd:nope "unknown built-in"

# From policy.json alone: a phase-activity picture and the allowlists.
if "$SYSPHASE" report "$T/pwd.policy/policy.json" -o "$T/policy.html" >/dev/null 2>"$T/err"; then
	check "report from policy.json" python3 "$T/check.py" "$T/policy.html" policy \
		"$T/pwd.policy/policy.json"
else
	fail "report from policy.json: $(cat "$T/err")"
fi
# policy.json's Landlock rules (docs/policy-format.md), rendered by their shape, names escaped.
python3 - "$T/pwd.policy/policy.json" "$T/landlock.json" <<'EOF'
import json, sys
pol = json.load(open(sys.argv[1]))
first, last = pol["phases"][0]["name"], pol["phases"][-1]["name"]
rule = {"path": "/srv/<www> & \"co\"", "access": ["read_file", "read_dir"],
        "why": "generalised: 2 names looked up in it (index.html, no-such-page)", "beneath": True}
pol["landlock"] = {"budget": 12, "phases": [
    {"phase": first,
     "own": {"rules": [rule], "ports": [], "signals_others": False, "abstract_unix": False},
     "layer": {"id": 1, "depth": 1, "handled_fs": ["execute", "read_file", "read_dir"],
               "handled_net": ["bind_tcp", "connect_tcp"], "scoped": ["signal"],
               "rules": [rule, {"path": "/etc/ld.so.cache", "access": ["read_file"], "why": "opened"}],
               "ports": [{"port": 8080, "access": ["bind_tcp"]}], "abi_note": "needs ABI 4"}},
    {"phase": last, "own": {"rules": [], "ports": []}, "layer": None,
     "no_layer": "the same as the layer of '%s' before it" % first}]}
json.dump(pol, open(sys.argv[2], "w"))
EOF
if "$SYSPHASE" report "$T/landlock.json" -o "$T/landlock.html" >/dev/null 2>"$T/err"; then
	check "landlock: the report is well-formed" python3 "$T/check.py" "$T/landlock.html" policy \
		"$T/landlock.json"
	check "landlock: a section per phase of policy.json's landlock" \
		test "$(grep -c '<section class="landlock-phase"' "$T/landlock.html")" = 2
	check "landlock: the layer's rules, path escaped, rights listed" \
		grep -q 'data-path="/srv/&lt;www&gt; &amp; &quot;co&quot;" data-access="read_file read_dir"' \
		"$T/landlock.html"
	check "landlock: ports" grep -q 'data-port="8080">8080 (bind_tcp)' "$T/landlock.html"
	check "landlock: a phase without a layer says why" \
		grep -q "No layer of its own: the same as the layer of" "$T/landlock.html"
	check "landlock: a member the report does not know is still shown" \
		grep -q "abi_note: needs ABI 4" "$T/landlock.html"
else
	fail "report of a policy with landlock rules: $(cat "$T/err")"
fi
"$SYSPHASE" export --no-landlock "$T/pwd.trace" -o "$T/nolandlock" --format bpf >/dev/null
"$SYSPHASE" report "$T/nolandlock/policy.json" -o "$T/nolandlock.html" >/dev/null
check "no Landlock section without landlock rules" not grep -q 'id="landlock"' "$T/nolandlock.html"
check "--axis linear works" quietly "$SYSPHASE" report --axis linear "$T/pwd.trace" -o "$T/lin.html"
check "linear axis says so" grep -q "time (linear axis)" "$T/lin.html"
check "-o - writes to stdout" sh -c "'$SYSPHASE' report '$T/pwd.trace' -o - | python3 '$T/check.py' /dev/stdin"

# Bad input: one line on stderr, exit 4 (2 for usage), no file.
expect_error() {
	local want=$1 pat=$2 rc=0
	shift 2
	"$@" >"$T/out" 2>"$T/err" || rc=$?
	if [ "$rc" != "$want" ] || [ "$(wc -l <"$T/err")" != 1 ] || ! grep -q -- "$pat" "$T/err"; then
		fail "'$*': status $rc (wanted $want), stderr: $(cat "$T/err")"
	else
		pass "'${*:2}' fails: $(cat "$T/err")"
	fi
}
(cd /tmp && "$SYSPHASE" record -o "$T/plain.trace" -- /bin/true) >/dev/null 2>&1
"$SYSPHASE" report "$T/plain.trace" -o "$T/plain.html" >/dev/null 2>&1
check "a trace recorded without --rules is reported under generic" grep -q "steady state\|execution initiation" "$T/plain.html"
expect_error 4 "cannot read" "$SYSPHASE" report "$T/missing.trace" -o "$T/x.html"
expect_error 4 "no rule set\|nosuchrules" "$SYSPHASE" report --rules nosuchrules "$T/pwd.trace" -o "$T/x.html"
expect_error 2 "axis" "$SYSPHASE" report --axis sideways "$T/pwd.trace" -o "$T/x.html"
printf '{"format":"sysphase-trace","version":1}\n{"type":"syscall",\n' >"$T/bad.trace"
printf '{"format":"sysphase-policy","version":1,"phases":7}\n' >"$T/bad.policy.json"
expect_error 4 "bad.policy.json" "$SYSPHASE" report "$T/bad.policy.json" -o "$T/x.html"
printf '{"format": "sysphase-policy",\n "phases": [,]}\n' >"$T/syntax.json"
expect_error 4 "syntax.json:2:" "$SYSPHASE" report "$T/syntax.json" -o "$T/x.html"
check "no report written on error" test ! -e "$T/x.html"
check "no temporary file left" not sh -c "ls -A '$T' | grep -q '^\.sysphase-report'"
finish
