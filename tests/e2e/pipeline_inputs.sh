#!/bin/bash
# SPDX-License-Identifier: MIT
#
# What every command that reads a trace gets from the one pipeline
# (trace/segment.c), on inputs that used to go wrong:
#  - a trace header naming a rule FILE is not loaded, and nothing of that
#    file is quoted (it named /etc/shadow: "near 'root'");
#  - a --rules file that is not JSON rules is refused without quoting it;
#  - --rules DIR says "is a directory" in one line (not "Input/output error");
#  - report reads "-" and /dev/stdin (sniffing the input kind lost bytes);
#  - an unstamped event in a stamped trace is the same error (FILE:LINE:1)
#    for phases and report (report used to drop it silently).
. "$(dirname "$0")/lib.sh"
need_sysphase
need python3

(cd /tmp && "$SYSPHASE" record -o "$T/pwd.trace" --rules pwd -- /bin/pwd) >/dev/null 2>&1 ||
	fail "record --rules pwd /bin/pwd"

# one_line STATUS PATTERN CMD...: CMD exits STATUS with one stderr line matching PATTERN.
one_line() {
	local want=$1 pat=$2 rc=0
	shift 2
	"$@" >"$T/out" 2>"$T/err" || rc=$?
	if [ "$rc" != "$want" ] || [ "$(wc -l <"$T/err")" != 1 ] || ! grep -q -- "$pat" "$T/err"; then
		fail "'$*': status $rc (wanted $want), stderr: $(cat "$T/err")"
	else
		pass "'${*:2}': $(cat "$T/err")"
	fi
}

# ---- a header naming a file: never opened, never quoted ----
printf 'root:TOPSECRET:19000:0:99999:7:::\n' >"$T/secret"
python3 - "$T/pwd.trace" "$T/secret" "$T/evil.trace" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines(True)
h = json.loads(lines[0])
h["rules"] = sys.argv[2]
open(sys.argv[3], "w").write(json.dumps(h, separators=(",", ":")) + "\n" + "".join(lines[1:]))
EOF
"$SYSPHASE" report "$T/evil.trace" -o "$T/evil.html" >"$T/out" 2>"$T/err"
check "report of a trace whose header names a file still works (stamps)" test $? = 0
check "report does not quote the file the header names" not grep -q "TOPSECRET\|root" "$T/err"
check "report says why the header's rules were not used" grep -q "not a built-in" "$T/err"
check "the report does not carry the file's bytes" not grep -q TOPSECRET "$T/evil.html"
"$SYSPHASE" phases "$T/evil.trace" >"$T/out" 2>"$T/err"
check "phases of that trace works from its stamps" test $? = 0
check "phases does not quote the file" not grep -q "TOPSECRET" "$T/out" "$T/err"
# The same file given by the user is refused without a byte of it.
one_line 4 "not a JSON rule file" "$SYSPHASE" phases --rules "$T/secret" "$T/pwd.trace"
check "--rules FILE: nothing of the file is quoted" not grep -q "TOPSECRET\|root" "$T/err"
printf '{"secret": "TOPSECRET"}\n' >"$T/other.json"
one_line 4 "not a sysphase rule set" "$SYSPHASE" phases --rules "$T/other.json" "$T/pwd.trace"
check "--rules JSON that is no rule set: not quoted" not grep -q "TOPSECRET" "$T/err"

# ---- --rules DIR ----
mkdir "$T/rules.d"
one_line 4 "is a directory" "$SYSPHASE" phases --rules "$T/rules.d/" "$T/pwd.trace"
check "--rules DIR: not an I/O error" not grep -q "Input/output" "$T/err"
one_line 4 "is a directory" "$SYSPHASE" report --rules "$T/rules.d" "$T/pwd.trace" -o "$T/x.html"

# ---- report from standard input ----
"$SYSPHASE" report "$T/pwd.trace" -o "$T/file.html" >/dev/null 2>&1 || fail "report from a file"
"$SYSPHASE" report - -o "$T/dash.html" <"$T/pwd.trace" >/dev/null 2>"$T/err"
check "report - reads a trace from stdin" test $? = 0
"$SYSPHASE" report /dev/stdin -o "$T/stdin.html" <"$T/pwd.trace" >/dev/null 2>"$T/err"
check "report /dev/stdin reads a trace" test $? = 0
cat "$T/pwd.trace" | "$SYSPHASE" report - -o "$T/pipe.html" >/dev/null 2>"$T/err"
check "report - reads a trace from a pipe" test $? = 0
# A pipe cannot be rewound: sniffing the input's kind must not lose its first bytes.
cat "$T/pwd.trace" | "$SYSPHASE" report /dev/stdin -o "$T/devpipe.html" >/dev/null 2>"$T/err"
check "report /dev/stdin reads a trace from a pipe" test $? = 0
# Apart from the source's name, the reports are the same document.
for h in dash stdin pipe devpipe; do
	check "report via $h equals the report of the file" python3 - "$T/file.html" "$T/$h.html" <<'EOF'
import re, sys
def norm(p):
    t = open(p).read()
    # The source name (file path vs - or /dev/stdin) is shown; nothing else may differ.
    return re.sub(r"(/tmp/sysphase-e2e\.[^/]+/pwd\.trace|/dev/stdin|(?<=>)-(?=<))", "SRC", t)
a, b = norm(sys.argv[1]), norm(sys.argv[2])
sys.exit(0 if a == b else 1)
EOF
done
"$SYSPHASE" export "$T/pwd.trace" -o "$T/pol" --format bpf >/dev/null 2>&1 || fail "export"
"$SYSPHASE" report - -o "$T/pol.html" <"$T/pol/policy.json" >/dev/null 2>"$T/err"
check "report - reads a policy.json from stdin" test $? = 0
one_line 4 "not a sysphase trace or policy" "$SYSPHASE" report - -o "$T/x.html" <"$T/secret"
check "junk on stdin is not quoted" not grep -q "TOPSECRET\|root" "$T/err"

# ---- an unstamped event in a stamped trace: one error, file:line:1, everywhere ----
python3 - "$T/pwd.trace" "$T/unstamped.trace" <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines(True)
ev = json.loads(lines[5])
del ev["phase"]
lines[5] = json.dumps(ev, separators=(",", ":")) + "\n"
open(sys.argv[2], "w").write("".join(lines))
EOF
one_line 4 "unstamped.trace:6:1: event without a phase stamp" \
	"$SYSPHASE" phases "$T/unstamped.trace"
one_line 4 "unstamped.trace:6:1: event without a phase stamp" \
	"$SYSPHASE" report "$T/unstamped.trace" -o "$T/x.html"
check "no report written for it" test ! -e "$T/x.html"
# With --rules the trace is re-cut: its stamps do not matter.
"$SYSPHASE" phases --rules pwd "$T/unstamped.trace" >/dev/null 2>"$T/err"
check "phases --rules re-cuts an unstamped event" test $? = 0

# ---- compare reads traces through the same pipeline ----
"$SYSPHASE" phases --format json --syscalls "$T/pwd.trace" >"$T/pwd.phases.json" ||
	fail "phases --format json"
check "compare TRACE: the trace's syscalls, all in the policy exported from it" \
	python3 - "$SYSPHASE" "$T/pwd.trace" "$T/pol/policy.json" "$T/pwd.phases.json" <<'EOF2'
import json, subprocess, sys
sp, trace, policy, phases = sys.argv[1:]
def cmp(a, b):
    out = subprocess.run([sp, "compare", "--format", "json", a, b], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)
names = lambda part: sorted(n for lvl in part["syscalls"].values() for n in lvl)
segs = [ph for proc in json.load(open(phases))["processes"] for ph in proc["phases"]]
whole = sorted({n for ph in segs for n in ph["set"]})
c = cmp(trace, policy)
assert names(c["a"]) == whole, (names(c["a"]), whole)
assert c["only_a"]["size"] == 0, names(c["only_a"])
for ph in segs:
    c = cmp(trace + ":" + ph["phase"], policy + ":" + ph["phase"])
    assert names(c["a"]) == sorted(ph["set"]), (ph["phase"], names(c["a"]), sorted(ph["set"]))
    assert c["only_a"]["size"] == 0, (ph["phase"], names(c["only_a"]))
EOF2
one_line 4 "no phase 'nope' (it has: execution initiation" \
	"$SYSPHASE" compare "$T/pwd.trace:nope" "$T/pol/policy.json"

finish
