#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Hostile names through every exported format and the HTML report.  The
# traced program chooses its own path (a trace header's "command") and a
# rule file chooses phase names; here both carry newlines followed by
# systemd directives, comment terminators, trigraphs, quotes, backslashes,
# control characters and markup.  The exports must come out as if the names
# were plain:
#   - systemd drop-ins: every line systemd reads as a directive is one of
#     ours, and systemd-analyze verify (when installed) sees no key we did
#     not write (a line "SysphaseInjected=yes" would make it warn);
#   - the C header compiles warning-free as C17 with trigraphs, and a
#     program built on it reads every phase name back byte for byte;
#   - OCI and Kubernetes profiles are JSON whose only name is the phase
#     annotation, equal to the phase name;
#   - PFC: the names stay inside its one comment line;
#   - the report is HTML whose elements are the ones a plain run gives,
#     with the names in its text, none as markup.

. "$(dirname "$0")/lib.sh"
need python3 jq cc
need_sysphase

RULES=$SRCDIR/tests/data/rules/run_lifecycle.json
PROG=$TRACEES/run_lifecycle

# The three phases renamed, and the program's path in the trace header.
python3 - "$RULES" "$T" <<'PY'
import json, sys
rules, out = sys.argv[1], sys.argv[2]
names = {
    "init": "init\n[Service]\nExecStartPre=/bin/sh -c 'touch /tmp/pwned'\nSysphaseInjected=yes",
    "ready": "*/ int evil; /* ??/ \"q\" \\",
    "serving": "</script><script>alert(1)</script>]]><!-- \t\x1b[31m \\\r\nSysphaseInjected=yes",
}
r = json.load(open(rules))
for p in r["phases"]:
    p["name"] = names[p["name"]]
r["initial"] = names[r["initial"]]
for t in r["transitions"]:
    t["from"], t["to"] = names[t["from"]], names[t["to"]]
json.dump(r, open(out + "/rules.json", "w"))
json.dump(list(names.values()), open(out + "/names.json", "w"))
PY

"$SYSPHASE" record --rules "$T/rules.json" -o "$T/plain.jsonl" -- "$PROG" >/dev/null 2>"$T/rec.err"
check "record with hostile phase names exits 0" test $? -eq 0
python3 - "$T/plain.jsonl" "$T/trace.jsonl" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().split("\n")
h = json.loads(lines[0])
h["command"] = ["/opt/x\n[Service]\nExecStartPre=/bin/evil\nSysphaseInjected=yes */ ??/ \\",
                "arg\n"]
lines[0] = json.dumps(h, separators=(",", ":"))
open(sys.argv[2], "w").write("\n".join(lines))
PY

"$SYSPHASE" export --rules "$T/rules.json" "$T/trace.jsonl" -o "$T/out" --format all \
	>/dev/null 2>"$T/export.err"
check "export --format all exits 0 ($(head -c 300 "$T/export.err"))" test $? -eq 0
check "every format was written for the three phases" \
	test "$(find "$T/out" -name '*.conf' | wc -l)" -eq 3

# ---- systemd ----
systemd_lines_ok() {
	python3 - "$1" <<'PY'
import sys
ours = {"[Service]", "SystemCallArchitectures=native", "SystemCallErrorNumber=EPERM"}
text, line, lines = open(sys.argv[1], "rb").read().decode("ascii"), "", []
# systemd.syntax(7): a line ending in a backslash is joined to the next.
for raw in text.split("\n"):
    if raw.endswith("\\"):
        line += raw[:-1] + " "
        continue
    lines.append(line + raw)
    line = ""
bad = [l for l in lines if l.strip() and l.lstrip()[0] not in "#;"
       and l not in ours and not l.startswith("SystemCallFilter=")]
for l in bad:
    print("not ours: %r" % l)
sys.exit(1 if bad else 0)
PY
}
for conf in "$T"/out/*.conf; do
	check "${conf##*/}: only our directives, in ASCII" systemd_lines_ok "$conf"
done
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$T/units/t.service.d"
	printf '[Unit]\nDescription=t\n[Service]\nExecStart=/bin/true\n' >"$T/units/t.service"
	i=0
	for conf in "$T"/out/*.conf; do
		cp "$conf" "$T/units/t.service.d/$i.conf"
		i=$((i + 1))
	done
	(cd "$T/units" && SYSTEMD_UNIT_PATH="$T/units:" systemd-analyze verify --man=no \
		t.service) >"$T/verify.out" 2>&1
	check "systemd-analyze verify: status 0" test $? -eq 0
	check "systemd-analyze verify reads no key we did not write ($(head -c 300 "$T/verify.out"))" \
		not grep -q 'SysphaseInjected\|ExecStartPre\|Unknown' "$T/verify.out"
else
	echo "skip: the systemd-analyze check: systemd-analyze is not installed"
fi

# ---- the C header ----
H=$T/out/sysphase_phases.h
cc -std=c17 -trigraphs -Wall -Wextra -Werror -fsyntax-only -include "$H" -x c /dev/null \
	>"$T/cc.out" 2>&1
check "the C header compiles with -std=c17 -trigraphs -Werror ($(head -c 300 "$T/cc.out"))" \
	test $? -eq 0
cat >"$T/names.c" <<'EOF'
#include <stdio.h>
#include "sysphase_phases.h"
int main(void)
{
	for (size_t i = 0; i < sizeof(sysphase_phases) / sizeof(sysphase_phases[0]); i++)
		printf("%s%c", sysphase_phases[i].name, 0);
	return 0;
}
EOF
cc -std=c17 -trigraphs -Wall -Wextra -Werror -I "$T/out" -o "$T/names" "$T/names.c" &&
	"$T/names" >"$T/names.out"
check "a program on the header runs" test $? -eq 0
check "it reads every phase name back byte for byte" python3 -c '
import json, sys
want = json.load(open(sys.argv[1]))
got = open(sys.argv[2], "rb").read().decode().split("\0")[:-1]
sys.exit(0 if sorted(got) == sorted(want) else 1)' "$T/names.json" "$T/names.out"

# ---- OCI, Kubernetes, PFC ----
# no_names FILE: FILE is JSON and no string in it comes from a name.
no_names() {
	jq -e '[.. | strings | select(test("pwned|evil|script|Injected"))] | length == 0' \
		"$1" >/dev/null
}
# names_in_comments FILE: no line of FILE outside a comment holds a name.
names_in_comments() {
	! grep -v '^#' "$1" | grep -q 'pwned\|evil\|script\|Injected\|Service'
}
for f in "$T"/out/*.oci.json; do
	check "${f##*/} is JSON with no name in it" no_names "$f"
done
check "each Kubernetes profile's phase annotation is one of the phase names" python3 -c '
import json, sys, glob, re
names = json.load(open(sys.argv[1]))
for f in glob.glob(sys.argv[2] + "/*.k8s.json"):
    m = json.load(open(f))["metadata"]
    if m["annotations"]["sysphase/phase"] not in names:
        sys.exit(1)
    if not re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", m["name"]) or len(m["name"]) > 253:
        sys.exit(1)' "$T/names.json" "$T/out"
for f in "$T"/out/*.pfc; do
	check "${f##*/}: the names stay in comment lines" names_in_comments "$f"
done

# ---- the HTML report ----
"$SYSPHASE" report --rules "$T/rules.json" "$T/trace.jsonl" -o "$T/hostile.html" \
	>/dev/null 2>&1
check "report of the hostile trace exits 0" test $? -eq 0
"$SYSPHASE" report --rules "$RULES" "$T/plain.jsonl" -o "$T/plain.html" >/dev/null 2>&1
check "report of the plain trace exits 0" test $? -eq 0
html_tags() {
	python3 - "$1" <<'PY'
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    tags = set()
    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for k, _ in attrs:
            if k.startswith("on"):
                self.tags.add("EVENT-HANDLER " + k)
    def handle_comment(self, data):
        self.tags.add("COMMENT")
p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
print("\n".join(sorted(p.tags)))
PY
}
check "the hostile report has the plain report's elements, no script, no handler" \
	test "$(html_tags "$T/hostile.html")" = "$(html_tags "$T/plain.html")"
check "the hostile names are the report's text" python3 -c '
import sys, html
text = html.unescape(open(sys.argv[1], encoding="utf-8").read())
sys.exit(0 if "</script><script>alert(1)</script>]]>" in text else 1)' "$T/hostile.html"

finish
