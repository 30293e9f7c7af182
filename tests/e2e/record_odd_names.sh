#!/bin/bash
# SPDX-License-Identifier: MIT
# A program path and arguments that are not UTF-8 or hold a newline reach
# the trace header intact (escaped), and the trace reads back.
. "$(dirname "$0")/lib.sh"
need_sysphase

odd="$T/tr$(printf '\xff')ue"
cp /bin/true "$odd"
"$SYSPHASE" record -o "$T/t.jsonl" -- "$odd" "$(printf 'a\nb')" "plain"
check "the program ran (exit 0)" test $? = 0
check "the header names the program and both arguments" python3 - "$T/t.jsonl" <<'PY'
import json, sys
hdr = json.loads(open(sys.argv[1], encoding="utf-8").readline())
cmd = hdr["command"]
sys.exit(0 if len(cmd) == 3 and cmd[0].endswith("tr\u00ffue") and cmd[1] == "a\nb" and cmd[2] == "plain" else 1)
PY
check "the trace reads back" quietly "$SYSPHASE" phases --rules generic "$T/t.jsonl"
finish
