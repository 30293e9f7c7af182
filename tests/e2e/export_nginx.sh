#!/bin/bash
# SPDX-License-Identifier: MIT
# Export from a recorded nginx run (master + one worker on a loopback port):
# eleven per-phase filters (plus shutdown), and the worker's serving phase enforce filter
# allows at most 25 syscalls and none of the dangerous ones.
set -euo pipefail

: "${SYSPHASE:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (ptrace, nginx's setuid)"; exit 77; }
NGINX=/usr/sbin/nginx
[ -x "$NGINX" ] || { echo "SKIP: nginx is not installed"; exit 77; }
for tool in jq curl; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done

T=$(mktemp -d /tmp/sysphase-nginx.XXXXXX)
REC=""
cleanup() {
	if [ -s "$T/nginx.pid" ]; then
		kill -TERM "$(cat "$T/nginx.pid")" 2>/dev/null || true
	fi
	if [ -n "$REC" ]; then
		wait "$REC" 2>/dev/null || true
	fi
	rm -rf "$T"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	[ -f "$T/record.err" ] && tail -5 "$T/record.err" >&2
	exit 1
}

# A loopback port nobody listens on.
PORT=""
for p in $(seq $((20000 + $$ % 20000)) $((20100 + $$ % 20000))); do
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		PORT=$p
		break
	fi
done
[ -n "$PORT" ] || fail "no free loopback port"

# The worker runs as nobody: everything it reads must be world-readable.
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
	server {
		listen 127.0.0.1:$PORT;
		root $T/www;
	}
}
EOF

"$SYSPHASE" record -o "$T/nginx.trace" --rules nginx -- \
	"$NGINX" -e "$T/error.log" -c "$T/nginx.conf" -g 'daemon off;' \
	>"$T/record.out" 2>"$T/record.err" &
REC=$!

# Serving: wait until it answers (no fixed sleeps), then a hit and a miss.
ok=""
for _ in $(seq 300); do
	if curl -sf "http://127.0.0.1:$PORT/" -o "$T/got" 2>/dev/null; then
		ok=1
		break
	fi
	kill -0 "$REC" 2>/dev/null || fail "nginx under record exited early"
	sleep 0.1
done
[ -n "$ok" ] || fail "nginx did not answer on 127.0.0.1:$PORT"
grep -q "hello from sysphase" "$T/got" || fail "nginx served '$(cat "$T/got")'"
for _ in 1 2 3; do
	curl -sf "http://127.0.0.1:$PORT/" -o /dev/null || fail "second request"
done
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/missing")
[ "$code" = 404 ] || fail "missing page gave $code"

# Stop it by PID: SIGQUIT is nginx's graceful shutdown.
[ -s "$T/nginx.pid" ] || fail "no pid file"
kill -QUIT "$(cat "$T/nginx.pid")"
wait "$REC" || fail "record of nginx failed"
REC=""

"$SYSPHASE" export "$T/nginx.trace" -o "$T/out" >"$T/summary"
cat "$T/summary"
P="$T/out/policy.json"
# The built-in nginx rules hold the thesis's eleven phases plus "shutdown"
# (master) and "worker shutdown", which the graceful stop above enters:
# eleven filters for the eleven, and one for each shutdown.
n=$(jq '.phases | length' "$P")
eleven=$(jq '[.phases[] | select(.name != "shutdown" and .name != "worker shutdown")] | length' "$P")
[ "$eleven" = 11 ] ||
	fail "$eleven of the thesis's phases have filters, wanted 11: $(jq -c '[.phases[].name]' "$P")"
jq -e '[.phases[].name] | index("shutdown")' "$P" >/dev/null || fail "no shutdown phase"
jq -e '[.phases[].name] | index("worker shutdown")' "$P" >/dev/null || fail "no worker shutdown phase"
[ "$(ls "$T/out"/*.bpf | wc -l)" = "$n" ] || fail "not one .bpf file per phase"
[ "$(ls "$T/out"/*.oci.json | grep -cv "/start.oci.json$")" = "$n" ] || fail "not one .oci.json file per phase (and start.oci.json)"

# The serving phase: the worker's phase that accepts connections.
SERVE=$(jq -r '[.phases[] | select([.exact[].name] | index("accept4"))] | last | .name' "$P")
[ -n "$SERVE" ] && [ "$SERVE" != null ] || fail "no phase calls accept4"
size=$(jq --arg s "$SERVE" '.phases[] | select(.name == $s) | .enforce | length' "$P")
echo "serving phase '$SERVE': $size syscalls allowed: \
$(jq -r --arg s "$SERVE" '.phases[] | select(.name == $s) | .enforce | join(" ")' "$P")"
# Completed (the plain record has stacks): what the served code reaches by direct calls is in.
[ "$size" -le 50 ] || fail "serving phase allows $size syscalls (more than 50)"
stem=$(printf '%s' "$SERVE" | sed 's/[^A-Za-z0-9._-]/_/g; s/^\./_/')
for bad in execve execveat clone clone3 fork setuid setgid socket bind listen chmod chown \
	mount ptrace; do
	jq -e --arg s "$SERVE" --arg b "$bad" \
		'.phases[] | select(.name == $s) | .enforce | index($b) | not' "$P" >/dev/null ||
		fail "serving phase enforce allows $bad"
	# ...and so does the deployable profile.
	jq -e --arg b "$bad" '[.syscalls[].names[]] | index($b) | not' \
		"$T/out/$stem.oci.json" >/dev/null || fail "$stem.oci.json allows $bad"
	if grep -q "^SystemCallFilter=.*\b$bad\b" "$T/out/$stem.conf"; then
		fail "$stem.conf allows $bad"
	fi
done
# --args: the serving phase may open files only read-only (O_ACCMODE == O_RDONLY),
# in policy.json and in the deployable profile.
"$SYSPHASE" export --args "$T/nginx.trace" -o "$T/args" >/dev/null
jq -e --arg s "$SERVE" '.phases[] | select(.name == $s) | .enforce_args.openat ==
	[{"index": 2, "op": "SCMP_CMP_MASKED_EQ", "mask": 3, "values": [0]}]' "$T/args/policy.json" \
	>/dev/null || fail "--args: serving phase openat is not limited to O_RDONLY"
jq -e '[.syscalls[] | select(.names == ["openat"])] == [{"names": ["openat"],
	"action": "SCMP_ACT_ALLOW", "args": [{"index": 2, "value": 3, "valueTwo": 0,
	"op": "SCMP_CMP_MASKED_EQ"}]}]' "$T/args/$stem.oci.json" >/dev/null ||
	fail "--args: $stem.oci.json does not limit openat to O_RDONLY"
echo PASS
