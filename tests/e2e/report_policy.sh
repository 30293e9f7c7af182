#!/bin/bash
# SPDX-License-Identifier: MIT
# The report's allowlists are export's: for the same trace and the same
# options (--args, --allow-io-uring, --no-complete, --allow-held-back,
# --no-landlock), every phase's exact list (name, provenance, argument
# conditions), its held-back list, its enforce list (names and
# conditions), the summary's count per provenance and the Landlock rules
# (per phase: layer or none, rules with their rights, ports) in the HTML
# equal policy.json.  Both come from policy/assemble.c and the same later
# stages; a second copy of the assembly in the report drifted (it never
# held io_uring back and never passed argument constraints), and this
# test is what notices.  Traces: the io_uring tracee (held back by
# default) and pwd, both with return addresses so that static completion
# has something to add; re-cut with --rules and with the trace's own
# stamps; the same through stdin (-); nginx (master and worker, a page and
# a 404) under its built-in rules; and busybox run by runc, where the
# runtime's thousands of calls are drawn but in no phase and no filter.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_container.sh"

need python3
need_sysphase
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (ptrace)"; exit 77; }
cd "$T"

cat >same.py <<'EOF'
# argv: report.html policy.json: the allowlists of one equal the other's.
import json, sys
import xml.etree.ElementTree as ET

text = open(sys.argv[1], encoding="utf-8").read()
root = ET.fromstring(text.split("\n", 1)[1])
pol = json.load(open(sys.argv[2]))
errors = []

def conds(arr):
    return ";".join("%d:%s:%s:%s" % (c["index"], c["op"], c.get("mask", ""),
                                    ",".join(str(v) for v in c["values"]))
                    for c in arr or [])

def rows(section, cls):
    for t in section.iter("table"):
        if cls in (t.get("class") or "").split():
            return [r for r in t.iter("tr") if r.get("data-syscall") is not None]
    return []

sections = [s for s in root.iter("section") if "phase" in (s.get("class") or "").split()]
if [s.get("data-phase") for s in sections] != [p["name"] for p in pol["phases"]]:
    errors.append("phases %r, policy.json has %r" % ([s.get("data-phase") for s in sections],
                                                     [p["name"] for p in pol["phases"]]))
for s, p in zip(sections, pol["phases"]):
    name = p["name"]
    got = sorted((r.get("data-syscall"), r.get("data-prov"), r.get("data-args"))
                 for r in rows(s, "exact"))
    want = sorted((c["name"], c.get("provenance", "observed"), conds(c.get("args")))
                  for c in p["exact"])
    if got != want:
        errors.append("%s: exact differs: report only %r, policy.json only %r" % (
            name, sorted(set(got) - set(want)), sorted(set(want) - set(got))))
    got = sorted((r.get("data-syscall"), r.get("data-prov")) for r in rows(s, "held"))
    want = sorted((c["name"], "held_back") for c in p.get("held_back", []))
    if got != want:
        errors.append("%s: held back differs: report %r, policy.json %r" % (name, got, want))
    got = [(r.get("data-syscall"), r.get("data-args")) for r in rows(s, "enforce")]
    want = [(n, conds(p.get("enforce_args", {}).get(n))) for n in p["enforce"]]
    if got != want:
        errors.append("%s: enforce differs: report only %r, policy.json only %r" % (
            name, sorted(set(got) - set(want)), sorted(set(want) - set(got))))
# Landlock: a section per phase of policy.json's landlock, its layer's and
# its own rules (path, rights) and ports; none at all without landlock.
def ll_rows(sec, cls):
    for t in sec.iter("table"):
        if cls in (t.get("class") or "").split():
            return sorted((r.get("data-path"), r.get("data-access"))
                          for r in t.iter("tr") if r.get("data-path") is not None)
    return []

def ll_want(rules):
    return sorted((r["path"], " ".join(r["access"])) for r in rules or [])

llsecs = [s for s in root.iter("section") if s.get("class") == "landlock-phase"]
ll = pol.get("landlock")
if ll is None:
    if llsecs or 'id="landlock"' in text:
        errors.append("a Landlock section, policy.json has none")
else:
    if [s.get("data-phase") for s in llsecs] != [p["phase"] for p in ll["phases"]]:
        errors.append("landlock phases %r, policy.json %r" % (
            [s.get("data-phase") for s in llsecs], [p["phase"] for p in ll["phases"]]))
    for s, p in zip(llsecs, ll["phases"]):
        layer = p.get("layer")
        if (s.get("data-layer") == "yes") != isinstance(layer, dict):
            errors.append("landlock %s: layer %s, policy.json %r" % (p["phase"], s.get("data-layer"), layer))
        if isinstance(layer, dict) and ll_rows(s, "layer") != ll_want(layer.get("rules")):
            errors.append("landlock %s: layer rules %r, policy.json %r" % (
                p["phase"], ll_rows(s, "layer"), ll_want(layer.get("rules"))))
        if ll_rows(s, "own") != ll_want((p.get("own") or {}).get("rules")):
            errors.append("landlock %s: own rules %r, policy.json %r" % (
                p["phase"], ll_rows(s, "own"), ll_want((p.get("own") or {}).get("rules"))))
        got = sorted(e.get("data-port") for e in s.iter("span") if e.get("class") == "ll-port")
        want = sorted(str(x["port"] if isinstance(x, dict) else x)
                      for part in (layer if isinstance(layer, dict) else {}, p.get("own") or {})
                      for x in part.get("ports", []))
        if got != want:
            errors.append("landlock %s: ports %r, policy.json %r" % (p["phase"], got, want))

# The hand-over calls: seccomp where the phase has exits (unless its own list
# has it already), never in a terminal phase.
for s, p in zip(sections, pol["phases"]):
    hand = [e.get("data-syscall") for q in s.iter("p") if q.get("class") == "handover"
            for e in q.iter("span") if e.get("data-syscall")]
    own = "seccomp" in p["enforce"]
    if (p["has_exits"] and not own) != ("seccomp" in hand):
        errors.append("%s: has_exits %s, hand-over calls %r" % (p["name"], p["has_exits"], hand))

# The summary's provenance columns are policy.json's counts.
sums = {r.get("data-phase"): r for r in root.iter("tr") if r.get("class") == "phase-sum"}
for p in pol["phases"]:
    r = sums.get(p["name"])
    got = r is not None and {k: int(r.get("data-" + k.replace("_", "-"))) for k in p["provenance"]}
    if got != p["provenance"]:
        errors.append("%s: summary provenance %r, policy.json %r" % (p["name"], got, p["provenance"]))
for e in errors:
    print("FAIL: " + e)
sys.exit(1 if errors else 0)
EOF

# same NAME TRACE RULES [OPTIONS...]: export and report with the same options agree
# (RULES - for the trace's own stamps).
same() {
	local name=$1 trace=$2 rules=$3
	shift 3
	[ "$rules" = - ] || set -- --rules "$rules" "$@"
	if ! "$SYSPHASE" export "$@" "$trace" -o "$name.policy" --format bpf \
		>"$name.export.out" 2>"$name.export.err"; then
		fail "$name: export failed: $(cat "$name.export.err")"
		return
	fi
	if ! "$SYSPHASE" report "$@" "$trace" -o "$name.html" \
		>/dev/null 2>"$name.report.err"; then
		fail "$name: report failed: $(cat "$name.report.err")"
		return
	fi
	check "$name: the report's allowlists are policy.json's (${*:-no options})" \
		python3 same.py "$name.html" "$name.policy/policy.json"
}

# ---- io_uring: held back unless --allow-io-uring, in both ----
st=0
IO_URING_PROBE=1 "$TRACEES/io_uring" >probe.out 2>&1 || st=$?
if [ "$st" = 0 ]; then
	RULES=$SRCDIR/tests/data/rules/io_uring.json
	"$SYSPHASE" record --stack=addr --rules "$RULES" -o ring.jsonl -- "$TRACEES/io_uring" \
		>/dev/null 2>ring.err || fail "record io_uring: $(cat ring.err)"
	same ring ring.jsonl "$RULES"
	check "ring: io_uring is held back in the report" \
		grep -q 'data-syscall="io_uring_setup" data-prov="held_back"' ring.html
	same ring_allowed ring.jsonl "$RULES" --allow-io-uring
	check "ring --allow-io-uring: io_uring_enter allowed in the report" \
		grep -q 'data-syscall="io_uring_enter" data-prov="observed"' ring_allowed.html
	same ring_args ring.jsonl "$RULES" --args --no-complete
else
	echo "io_uring is not available here ($(cat probe.out)): pwd only"
fi

# ---- pwd: completion, argument constraints, held-back calls allowed ----
(cd /tmp && LANG=C "$SYSPHASE" record --stack=addr -o "$T/pwd.jsonl" --rules pwd -- /bin/pwd) \
	>/dev/null 2>pwd.err || fail "record pwd: $(cat pwd.err)"
same pwd pwd.jsonl pwd
same pwd_args pwd.jsonl pwd --args
check "pwd --args: the report shows argument conditions" grep -q 'class="cond">only if arg' \
	pwd_args.html
check "pwd --args: some of them on openat's flags" \
	grep -q 'data-syscall="openat" data-prov="observed" data-args="2:SCMP_CMP_MASKED_EQ:3:' \
	pwd_args.html
same pwd_held pwd.jsonl pwd --allow-held-back
same pwd_plain pwd.jsonl pwd --no-complete --no-landlock
# The trace's own stamps (no re-cut: only what the stages themselves ask the reader for).
same pwd_stamps pwd.jsonl -
same pwd_stamps_args pwd.jsonl - --args --allow-held-back
check "pwd: the report shows policy.json's Landlock rules" grep -q 'class="landlock-phase"' \
	pwd_stamps.html

# The same trace through stdin: the same allowlists.
if "$SYSPHASE" report --rules pwd --args - -o stdin.html <pwd.jsonl >/dev/null 2>stdin.err; then
	check "report - (stdin): the allowlists are policy.json's" \
		python3 same.py stdin.html pwd_args.policy/policy.json
else
	fail "report from stdin: $(cat stdin.err)"
fi

# ---- nginx: master and one worker on a loopback port, a page, a 404, a graceful stop ----
if [ -x /usr/sbin/nginx ] && command -v curl >/dev/null; then
	PORT=$(free_port)
	chmod 755 "$T"
	mkdir -p "$T/www" "$T/tmp"
	echo "hello from sysphase" >"$T/www/index.html"
	chmod -R a+rX "$T/www"
	cat >"$T/nginx.conf" <<EOF
master_process on;
worker_processes 1;
pid $T/nginx.pid;
error_log $T/error.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $T/tmp/body;
	proxy_temp_path $T/tmp/proxy;
	fastcgi_temp_path $T/tmp/fastcgi;
	uwsgi_temp_path $T/tmp/uwsgi;
	scgi_temp_path $T/tmp/scgi;
	server { listen 127.0.0.1:$PORT; root $T/www; }
}
EOF
	"$SYSPHASE" record -o nginx.jsonl --rules nginx -- /usr/sbin/nginx -e "$T/error.log" \
		-c "$T/nginx.conf" -g 'daemon off;' >/dev/null 2>nginx.err &
	rec=$!
	track "$rec"
	if wait_until 60 curl -sf "http://127.0.0.1:$PORT/" -o /dev/null; then
		curl -s "http://127.0.0.1:$PORT/missing" -o /dev/null
		track "$(cat "$T/nginx.pid")"
		kill -QUIT "$(cat "$T/nginx.pid")"
		wait "$rec" || fail "record nginx: $(tail -3 nginx.err)"
		same nginx nginx.jsonl -
		same nginx_args nginx.jsonl - --args
	else
		fail "nginx under record did not answer: $(tail -3 nginx.err)"
	fi
else
	echo "nginx or curl is missing: no nginx case"
fi

# ---- a container runtime in front: drawn, and kept out of the policy as export keeps it ----
if command -v runc >/dev/null && (need_static_busybox) >/dev/null 2>&1; then
	need_static_busybox
	trap '_container_cleanup; _e2e_cleanup' EXIT
	make_bundle "$T/bundle" '["/bin/sh","-c","cat /etc/hostname; ls / >/dev/null"]'
	id="sysphase-$$-report"
	CONTAINER_IDS+=("runc:$id")
	runtime_argv runc "$T/bundle" "$id"
	timeout 120 "$SYSPHASE" record -o ctr.jsonl --rules generic -- "${RCMD[@]}" </dev/null \
		>/dev/null 2>ctr.err || fail "record runc run: $(cat ctr.err)"
	runc delete -f "$id" >/dev/null 2>&1 || true
	same ctr ctr.jsonl -
	check "ctr: the report says a runtime was in front" grep -q 'id="runtime"' ctr.html
	check "ctr: and warns as export does" grep -q "a container runtime is in front" \
		ctr.report.err
	check "ctr: the runtime's processes are listed with their calls" python3 -c '
import sys, xml.etree.ElementTree as ET
root = ET.fromstring(open(sys.argv[1], encoding="utf-8").read().split("\n", 1)[1])
rows = [r for r in root.iter("tr") if r.get("class") == "rt-seg"]
segs = [r for r in root.iter("tr") if r.get("class") == "seg" and r.get("data-phase") == "(runtime)"]
calls = sum(int(r.get("data-syscalls")) for r in rows)
print("  %d runtime segments, %d calls" % (len(rows), calls))
sys.exit(0 if rows and len(rows) == len(segs) and calls > 100 else 1)' ctr.html
	check "ctr: the program's time counts from the entrypoint, marked on the axis" \
		grep -q '<line class="entry"' ctr.html
	same ctr_none ctr.jsonl - --no-runtime-detect
	check "ctr --no-runtime-detect: no runtime section" not grep -q 'id="runtime"' ctr_none.html
else
	echo "runc or a static busybox is missing: no container case"
fi

# What export refuses, the report shows without allowlists, with export's reason.
cat >empty.json <<'EOF'
{"name": "empty", "description": "a last phase entered at the exit, with no syscall",
 "initial": "a",
 "phases": [{"name": "a", "description": "the run"},
            {"name": "b", "description": "after the exit", "final": true}],
 "transitions": [{"from": "a", "to": "b", "when": {"event": "exit"}}]}
EOF
st=0
"$SYSPHASE" export --rules "$T/empty.json" pwd.jsonl -o refused >/dev/null 2>refused.err || st=$?
if [ "$st" != 0 ]; then
	"$SYSPHASE" report --rules "$T/empty.json" pwd.jsonl -o refused.html >/dev/null \
		2>refused.report.err || fail "report of a trace export refuses failed"
	why=$(sed 's/^sysphase: export: //' refused.err)
	check "refused: the report says export's reason ($why)" \
		grep -qF "no allowlists in the report: $why" refused.report.err
	check "refused: and still draws the timeline" grep -q '<g class="lane"' refused.html
else
	fail "export accepted a rule set whose phase b makes no syscall"
fi
finish
