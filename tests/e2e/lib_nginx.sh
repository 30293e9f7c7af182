#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Shared set-up of the tests that run the real nginx under sysphase run:
# sourced after the caller's header comment.  Gives $DIR (the scratch
# nginx prefix), $PORT and $URL, and helpers that stop nginx by the pid in
# its pid file (never by name), find its worker, read /proc status fields
# and drive wrk until a number of requests was answered.

. "$(dirname "$0")/lib.sh"
need python3 curl wrk
need_sysphase
NGINX=/usr/sbin/nginx
if [ ! -x "$NGINX" ]; then
	echo "SKIP: $NGINX is not installed (Debian package nginx-light or nginx)"
	exit 77
fi
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: nginx's master needs root here (it drops to nobody for its worker)"
	exit 77
fi

EX=$SRCDIR/examples/nginx
DIR=$T/nginx
mkdir -p "$DIR"
# The worker runs as nobody: it must be able to reach the document root.
chmod 755 "$T"
PORT=$(free_port)
bash "$EX/nginx-config.sh" "$DIR" "$PORT" 1 off
URL=http://127.0.0.1:$PORT

# Stop whatever nginx is left by its pid file (QUIT, then KILL), before lib.sh's own cleanup.
stop_nginx() {
	local m
	m=$(cat "$DIR/nginx.pid" 2>/dev/null) || return 0
	# A pid file written inside a PID namespace says 1: never signal the host's init.
	[ -n "$m" ] && [ "$m" -gt 1 ] 2>/dev/null || return 0
	track $(children_of "$m")
	kill -QUIT "$m" 2>/dev/null
	wait_until 20 not kill -0 "$m" 2>/dev/null
}
trap 'stop_nginx; _e2e_cleanup' EXIT

master_pid() {
	cat "$DIR/nginx.pid" 2>/dev/null
}

# nginx_ready: the pid file names a live process and / is served.
nginx_ready() {
	local m
	m=$(master_pid) || return 1
	[ -n "$m" ] && kill -0 "$m" 2>/dev/null || return 1
	curl -s -o /dev/null -m 5 "$URL/"
}

# worker_of MASTER: the master's one child.
worker_of() {
	children_of "$1" | head -1
}

status_of() {
	awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null
}

# wrk_count N: wrk runs (1 s each) until N requests were answered; fails on any error.
wrk_count() {
	local want=$1 total=0 n out
	while [ "$total" -lt "$want" ]; do
		out=$(wrk -t1 -c10 -d1s "$URL/" 2>&1) || { echo "$out"; return 1; }
		if grep -q -e "Socket errors" -e "Non-2xx" <<<"$out"; then
			echo "$out"
			return 1
		fi
		n=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' <<<"$out")
		[ -n "$n" ] && [ "$n" -gt 0 ] || { echo "$out"; return 1; }
		total=$((total + n))
	done
	echo "  $total requests answered"
}

# wait_gone PID: until sysphase (our child) has exited.
wait_gone() {
	wait_until 30 not kill -0 "$1" 2>/dev/null
}
