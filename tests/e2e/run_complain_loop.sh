#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The learning loop on the real nginx (Debian package), at enforcement
# speed (docs/run.md, "Complain mode"):
#   1. record nginx under a narrow workload (GET / only), export;
#   2. run --complain under a wider one (the example workload: a 404,
#      keep-alive, a large file, HEAD, and the logs reopened with USR1,
#      which the narrow recording never did): the
#      worker follows the same phases as under run and, where run lets it
#      go, holds its serving filter with SECCOMP_RET_LOG as the default and
#      is followed by process events alone (its forks are seen); what that
#      filter does not list is logged by the kernel and collected from the
#      audit stream, in the phase whose filter would deny it; nothing is
#      denied;
#   3. export --merge folds the log in; run (enforcing) then serves the
#      wide workload with no denial: the loop converges in one round, and a
#      second complain run logs nothing new;
#   4. the log: appended (one header per run, program and policy digest),
#      one line per (process, phase, syscall) with a count;
#   5. merge refusals, one line and exit 3 each (inputs that do not belong together): a log made under another
#      policy (pwd's, into nginx's), a log naming a phase the rules lack.
. "$(dirname "$0")/lib_nginx.sh"

# More than the recording saw: a large file, HEAD, a directory without an index.
mkdir -p "$DIR/www/sub"
head -c 3000000 /dev/zero >"$DIR/www/large.bin"
chmod -R a+rX "$DIR/www"

wide() {
	bash "$EX/workload.sh" "$PORT" || return 1
	[ "$(curl -s "$URL/large.bin" | wc -c)" = 3000000 ] || return 1
	[ "$(curl -s -I -o /dev/null -w '%{http_code}' "$URL/")" = 200 ] || return 1
	# Reopening the logs: the master passes it on to the worker over their channel.
	kill -USR1 "$(master_pid)" || return 1
	curl -s -o /dev/null -w '%{http_code}\n' "$URL/sub/" | grep -q '^[0-9]'
}

# start_under CMD...: nginx under a sysphase command, in the background; $sp is its pid.
start_under() {
	"$@" -- "$NGINX" -c "$DIR/nginx.conf" -p "$DIR" >"$T/out" 2>"$T/err" &
	sp=$!
	track "$sp"
	wait_until 60 nginx_ready
}

stop_it() {
	kill -QUIT "$(master_pid)"
	wait "$sp"
}

# ---- 1. narrow recording ----
start_under "$SYSPHASE" record --rules nginx -o "$T/narrow.jsonl"
check "recorded nginx serves GET /" curl -sf -o /dev/null "$URL/"
stop_it
check "record exits 0" test $? -eq 0
rm -f "$DIR/nginx.pid"
"$SYSPHASE" export "$T/narrow.jsonl" -o "$T/pol1" >/dev/null 2>&1
check "export exits 0" test $? -eq 0

# ---- 2. complain under the wide workload ----
check "complain: nginx starts" start_under "$SYSPHASE" run --policy "$T/pol1/policy.json" \
	--complain="$T/complain.log"
w=$(worker_of "$(master_pid)")
check "complain: the worker is followed by events alone, not let go (its forks are seen)" \
	test "$(status_of "$w" TracerPid)" != 0
check "complain: ... holding a filter (its serving phase's, logging)" \
	test "$(status_of "$w" Seccomp_filters)" -ge 1
check "complain: the wide workload is served" wide
check "complain: 2000 wrk requests" wrk_count 2000
stop_it
check "complain: run exits 0" test $? -eq 0
check "complain: nothing denied" not grep -q -e "killed by" -e "denied" "$T/err"
check "complain: the kernel logged calls of the worker let go" \
	grep -q '"phase":"accepting and serving requests".*"seen":"kernel"' "$T/complain.log"
# The master's reopening of its logs (USR1) is on the rules' reload path,
# which its filter nests over (docs/policy-format.md): whatever of the
# master is logged, the supervisor that follows it saw it.
check "complain: the master, followed, is never logged by the kernel alone" \
	not grep -q '"phase":"setting up worker processes".*"seen":"kernel"' "$T/complain.log"

# ---- 3. merge, run, and a second complain round ----
"$SYSPHASE" export "$T/narrow.jsonl" --merge "$T/complain.log" -o "$T/pol2" >/dev/null 2>"$T/merge.err"
check "export --merge exits 0" test $? -eq 0
check "run: nginx starts under the merged policy" start_under "$SYSPHASE" run \
	--policy "$T/pol2/policy.json"
check "run: the wide workload is served" wide
check "run: 2000 wrk requests" wrk_count 2000
stop_it
check "run: exits 0" test $? -eq 0
check "run: no denial" not grep -q -e "killed by" -e "denied" "$T/err"
check "complain again: nginx starts" start_under "$SYSPHASE" run --policy "$T/pol2/policy.json" \
	--complain="$T/complain.log"
check "complain again: the wide workload is served" wide
stop_it

# ---- 4. the log itself ----
check "the log has one header per run, with program and policy digest" python3 - \
	"$T/complain.log" "$NGINX" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
heads = [i for i, l in enumerate(lines) if l["type"] == "run"]
if len(heads) != 2 or heads[0] != 0:
    sys.exit("headers at %s" % heads)
for i in heads:
    h = lines[i]
    if h["program"][0] != sys.argv[2] or not h["policy"] or not h["time"].endswith("Z"):
        sys.exit("bad header %s" % h)
first, second = lines[1:heads[1]], lines[heads[1] + 1:]
keys = [(l["pid"], l["phase"], l["syscall"]) for l in first]
if not first or len(keys) != len(set(keys)) or any(l["count"] < 1 for l in first):
    sys.exit("first run: %d entries, %d distinct" % (len(keys), len(set(keys))))
if second:
    sys.exit("the second round still logged %s" % [(l["phase"], l["syscall"]) for l in second])
PY

# ---- 5. refusals ----
"$SYSPHASE" record --rules pwd -o "$T/pwd.jsonl" -- /bin/pwd >/dev/null
"$SYSPHASE" export "$T/pwd.jsonl" -o "$T/pwdpol" >/dev/null 2>&1
"$SYSPHASE" run --policy "$T/pwdpol/policy.json" --complain="$T/pwd.log" -- /bin/ls / >/dev/null 2>&1
check "a pwd log has a header" grep -q '"type":"run"' "$T/pwd.log"
"$SYSPHASE" export "$T/narrow.jsonl" --merge "$T/pwd.log" -o "$T/bad1" >/dev/null 2>"$T/bad1.err"
check "a log of another policy is refused (exit 3)" test $? -eq 3
check "... in one line that says so" \
	test "$(grep -c "made under another policy" "$T/bad1.err")" -eq 1
check "... and nothing is written" not test -e "$T/bad1"
python3 - "$T/complain.log" "$T/ghost.log" <<'PY'
import json, sys
out = open(sys.argv[2], "w")
for l in open(sys.argv[1]):
    j = json.loads(l)
    if j["type"] == "violation":
        j["phase"] = "ghost phase"
    out.write(json.dumps(j) + "\n")
PY
"$SYSPHASE" export "$T/narrow.jsonl" --merge "$T/ghost.log" -o "$T/bad2" >/dev/null 2>"$T/bad2.err"
check "a log naming a phase the rules lack is refused (exit 3)" test $? -eq 3
check "... naming the phase and the line" grep -q "ghost.log:2: phase 'ghost phase' is not in the rules" "$T/bad2.err"
check "... and nothing is written" not test -e "$T/bad2"
finish
