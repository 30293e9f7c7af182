#!/bin/bash
# SPDX-License-Identifier: MIT
#
# sysphase infer on real servers (Debian packages): nginx (a master and one
# worker), redis (I/O threads) and haproxy (master-worker), each recorded
# with --stack (symbolised stacks) under a small workload.  The inferred
# rule set is checked for properties, not against a golden file:
#   - it loads (`phases --rules FILE`) and cuts the same trace, and export
#     takes it;
#   - every transition says where it came from (a comment), and the
#     serving transitions fire on functions of the program's own binary;
#   - the serving phase (the worker's, for nginx and haproxy) exists, holds
#     the server's waits, and holds neither socket, bind, listen nor
#     execve, in the cut and in the exported allowlist.
# Also: a trace without function names is refused with a line that says
# to record with --stack, and FILE is left alone.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_servers.sh"
need python3 curl
need_sysphase

# check_inferred NAME SERVING WAIT MODULE: the properties of $T/NAME.rules.json
# for the trace $T/NAME.jsonl; SERVING the phase that must serve, WAIT a
# call it must hold, MODULE the program's module in the stacks.
check_inferred() {
	local name=$1 serving=$2 wait=$3 module=$4 rules=$T/$1.rules.json
	"$SYSPHASE" infer "$T/$name.jsonl" -o "$rules" 2>"$T/$name.infer.err"
	check "$name: infer exits 0 ($(head -1 "$T/$name.infer.err"))" test $? -eq 0
	check "$name: the rules load and cut the trace" quietly "$SYSPHASE" phases --rules "$rules" \
		"$T/$name.jsonl"
	"$SYSPHASE" phases --rules "$rules" --format json --syscalls "$T/$name.jsonl" \
		>"$T/$name.cut.json"
	check "$name: export takes the rules" quietly "$SYSPHASE" export --rules "$rules" \
		"$T/$name.jsonl" -o "$T/$name.pol"
	python3 - "$rules" "$T/$name.cut.json" "$T/$name.pol/policy.json" "$serving" "$wait" \
		"$module" "$T/$name.jsonl" >"$T/$name.props" 2>&1 <<'PY'
import json, sys
rules_p, cut_p, pol_p, serving, wait, module, trace_p = sys.argv[1:]
rules = json.load(open(rules_p))
bad = []
for t in rules["transitions"]:
    if not t.get("comment"):
        bad.append(f"transition {t['from']} -> {t['to']} has no comment")
edge = [t for t in rules["transitions"] if t["to"] == serving]
if len(edge) != 1:
    bad.append(f"no one transition to {serving!r}")
else:
    fns = set(edge[0]["when"]["stack"])
    # The functions are the program's own: some stack frame of its module names each.
    seen = set()
    for line in open(trace_p):
        e = json.loads(line)
        for f in e.get("stack") or []:
            if f.get("module") == module and f.get("fn") in fns:
                seen.add(f["fn"])
    if seen != fns:
        bad.append(f"stack functions {sorted(fns - seen)} are not {module}'s")
cut = json.load(open(cut_p))
calls = set()
for p in cut["processes"]:
    for ph in p["phases"]:
        if ph["phase"] == serving:
            calls |= set(ph["set"])
if wait not in calls:
    bad.append(f"{serving} does not hold {wait}: {sorted(calls)}")
pol = json.load(open(pol_p))
exact = set()
for ph in pol["phases"]:
    if ph["name"] == serving:
        exact = {c["name"] for c in ph["exact"]}
for c in ("socket", "bind", "listen", "execve"):
    if c in calls:
        bad.append(f"{serving} makes {c}")
    if c in exact:
        bad.append(f"{serving}'s allowlist has {c}")
print("\n".join(bad) if bad else "ok")
sys.exit(1 if bad else 0)
PY
	check "$name: $serving holds $wait and no socket, bind, listen, execve; comments; own functions ($(tr '\n' ';' <"$T/$name.props"))" \
		test "$(cat "$T/$name.props")" = ok
}

ran=0

# ---- nginx: a master and one worker ----
if [ -x /usr/sbin/nginx ] && [ "$(id -u)" = 0 ]; then
	ran=1
	chmod 755 "$T"
	mkdir -p "$T/ngx"
	NPORT=$(free_port)
	bash "$SRCDIR/examples/nginx/nginx-config.sh" "$T/ngx" "$NPORT" 1 off
	"$SYSPHASE" record --stack -o "$T/nginx.jsonl" -- /usr/sbin/nginx -p "$T/ngx" \
		-c "$T/ngx/nginx.conf" -e "$T/ngx/error.log" >"$T/nginx.rec" 2>&1 &
	sp=$!
	track "$sp"
	ngx_up() { curl -s -o /dev/null -m 5 "http://127.0.0.1:$NPORT/"; }
	check "nginx: recorded nginx serves" wait_until 60 ngx_up
	for i in 1 2 3; do
		curl -s -o /dev/null "http://127.0.0.1:$NPORT/"
		curl -s -o /dev/null "http://127.0.0.1:$NPORT/nosuch"
	done
	kill -QUIT "$(cat "$T/ngx/nginx.pid")"
	wait "$sp"
	check "nginx: record exits 0" test $? -eq 0
	check_inferred nginx "worker serving" epoll_wait nginx
	check "nginx: the master's loop is ngx_master_process_cycle" \
		grep -q '"ngx_master_process_cycle"' "$T/nginx.rules.json"
fi

# ---- redis: I/O threads ----
if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then
	ran=1
	RPORT=$(free_port)
	"$SYSPHASE" record --stack -o "$T/redis.jsonl" -- redis-server --port "$RPORT" \
		--bind 127.0.0.1 --io-threads 2 --save '' --appendonly no --dir "$T" \
		--daemonize no --logfile "$T/redis.log" >"$T/redis.rec" 2>&1 &
	sp=$!
	track "$sp"
	redis_up() { [ "$(redis-cli -p "$RPORT" ping 2>/dev/null)" = PONG ]; }
	check "redis: recorded redis answers" wait_until 60 redis_up
	redis-cli -p "$RPORT" set k v >/dev/null
	redis-cli -p "$RPORT" get k >/dev/null
	serve_stop "$sp"
	check "redis: record exits 0" test $? -eq 0
	exe=$(basename "$(readlink -f "$(command -v redis-server)")")
	check_inferred redis serving epoll_wait "$exe"
fi

# ---- haproxy: master-worker ----
if command -v haproxy >/dev/null; then
	ran=1
	HPORT=$(free_port)
	cat >"$T/h.cfg" <<CFG
defaults
	mode http
	timeout connect 5s
	timeout client 5s
	timeout server 5s
frontend web
	bind 127.0.0.1:$HPORT
	http-request return status 200 content-type text/plain string "hello"
CFG
	"$SYSPHASE" record --stack -o "$T/haproxy.jsonl" -- haproxy -W -db -f "$T/h.cfg" \
		>"$T/haproxy.rec" 2>&1 &
	sp=$!
	track "$sp"
	h_up() { [ "$(curl -s -m 5 "http://127.0.0.1:$HPORT/")" = hello ]; }
	check "haproxy: recorded haproxy serves" wait_until 60 h_up
	for i in 1 2 3; do curl -s -o /dev/null "http://127.0.0.1:$HPORT/"; done
	in_loop() {
		local m
		m=$(server_of "$sp")
		[ -n "$m" ] && grep -qE "^(do_epoll_wait|ep_poll)$" "/proc/$m/wchan" 2>/dev/null
	}
	wait_until 60 in_loop
	serve_stop "$sp"
	check_inferred haproxy "worker serving" epoll_wait haproxy
fi

[ "$ran" = 1 ] || {
	echo "SKIP: none of nginx (as root), redis, haproxy is installed"
	exit 77
}

# ---- a trace without function names ----
"$SYSPHASE" record -o "$T/plain.jsonl" -- "$TRACEES/loop_getppid" 10 >/dev/null 2>&1
echo keep >"$T/keep.json"
"$SYSPHASE" infer "$T/plain.jsonl" -o "$T/keep.json" 2>"$T/plain.err"
check "no function names: exit status 4 (the input is not what it should be)" test $? -eq 4
check "no function names: one line that says to record with --stack" \
	test "$(wc -l <"$T/plain.err")" -eq 1 -a -n "$(grep -e '--stack' "$T/plain.err")"
check "no function names: FILE left alone" test "$(cat "$T/keep.json")" = keep
check "bad usage: exit status 2" test "$("$SYSPHASE" infer 2>/dev/null; echo $?)" -eq 2

finish
