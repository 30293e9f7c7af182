#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Record narrow, run wide: haproxy (Debian package) in master-worker mode
# (-W: the master forks the worker, and on SIGUSR2 re-executes itself and
# forks a new worker) proxying HTTP to a python3 http.server backend, all
# on free loopback ports, under the generic rules.
#   1. record it with the plain `record --rules generic` while it proxies
#      one GET, reloads once (SIGUSR2) and proxies one more GET; stop it
#      with SIGTERM by its pid; export (a reload re-executes the master:
#      an execve no static completion grants, so the narrow workload has
#      one, and the wide one two);
#   2. the worker's steady state (child steady state) holds neither bind,
#      listen nor execve;
#   3. run it under the policy: several files, a 404, HEAD, keep-alive
#      requests on one connection, parallel clients, two reloads with
#      requests after each, then SIGTERM: every answer right, no denial.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_servers.sh"
need haproxy curl python3
need_sysphase

PORT=$(free_port)
BPORT=$(free_port)
while [ "$BPORT" = "$PORT" ]; do BPORT=$(free_port); done
mkdir -p "$T/www"
echo "index page" >"$T/www/index.html"
echo "second page" >"$T/www/second.html"
head -c 300000 /dev/urandom | base64 >"$T/www/big.txt"
cat >"$T/haproxy.cfg" <<CFG
global
	maxconn 64
defaults
	mode http
	timeout connect 5s
	timeout client 30s
	timeout server 30s
frontend fe
	bind 127.0.0.1:$PORT
	default_backend be
backend be
	server s1 127.0.0.1:$BPORT
CFG
SERVER=(haproxy -W -db -f "$T/haproxy.cfg")

python3 -m http.server "$BPORT" --bind 127.0.0.1 --directory "$T/www" >"$T/backend.log" 2>&1 &
track $!
backend_up() { curl -sf -o /dev/null "http://127.0.0.1:$BPORT/"; }
check "the backend serves" wait_until 60 backend_up

get() { curl -s --max-time 10 "$@"; }
ready() { [ "$(get "http://127.0.0.1:$PORT/")" = "index page" ]; }

# in_loop SP: the master waits in its event loop, where it handles SIGUSR2
# and SIGTERM; a signal sent while it re-executes itself (after each fork
# of a worker) finds it still in the dynamic loader, and kills it.
in_loop() {
	local m
	m=$(server_of "$1")
	[ -n "$m" ] && grep -qE "^(do_epoll_wait|ep_poll)$" "/proc/$m/wchan" 2>/dev/null
}

# ended PID: the process has exited (a zombie, or reaped and gone).
ended() { ! grep -qE '^State:[[:space:]]+[^Z]' "/proc/$1/status" 2>/dev/null; }

# reload SP: SIGUSR2 to the master in its loop; done once a new worker
# serves, the old one has finished its soft stop (its exit path is part of
# what a reload does: a recording stopped before it lacks the old worker's
# timer_delete, and run then kills the next reload's old worker for it),
# and the master is back in its loop.
reload() {
	local before
	wait_until 60 in_loop "$1" || return 1
	before=$(children_of "$(server_of "$1")" | sort -n | tail -1)
	kill -USR2 "$(server_of "$1")"
	new_worker() {
		local w
		w=$(children_of "$(server_of "$sp")" | sort -n | tail -1)
		[ -n "$w" ] && [ "$w" != "$before" ]
	}
	wait_until 60 new_worker && wait_until 60 ready && wait_until 60 ended "$before" &&
		wait_until 60 in_loop "$1"
}

# stop SP: SIGTERM to the master in its loop; sysphase's status, which is
# haproxy's: its worker's, 0 or 143 (the worker ended by the master's SIGTERM).
stop() {
	wait_until 60 in_loop "$1"
	serve_stop "$1"
}
stopped_clean() { [ "$1" -eq 0 ] || [ "$1" -eq 143 ]; }

# ---- 1. record, narrow ----
serve_record haproxy "${SERVER[@]}"
check "recorded haproxy proxies a GET" wait_until 60 ready
check "recorded haproxy reloads on SIGUSR2" reload "$sp"
check "recorded haproxy proxies after the reload" test "$(get "http://127.0.0.1:$PORT/")" = \
	"index page"
stop "$sp"
st=$?
check "record exits as haproxy does after SIGTERM (status $st)" stopped_clean "$st"
check "export exits 0" serve_export haproxy

# ---- 2. the worker's steady state ----
steady=$(phase_calls haproxy "child steady state")
check "the policy has the worker's steady state" test -n "$steady"
for call in bind listen execve; do
	check "the worker's steady state has no $call" not grep -qx "$call" <<<"$steady"
done

# ---- 3. run, wide ----
wide() {
	local fails=0 n pids=()
	[ "$(get "http://127.0.0.1:$PORT/second.html")" = "second page" ] || fails=$((fails + 1))
	[ "$(get -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/nosuch")" = 404 ] ||
		fails=$((fails + 1))
	get -I "http://127.0.0.1:$PORT/" | grep -q '^HTTP/1.[01] 200' || fails=$((fails + 1))
	[ "$(get "http://127.0.0.1:$PORT/big.txt" | cmp - "$T/www/big.txt" && echo same)" = same ] ||
		fails=$((fails + 1))
	# keep-alive: three requests on one connection
	[ "$(get "http://127.0.0.1:$PORT/" "http://127.0.0.1:$PORT/second.html" \
		"http://127.0.0.1:$PORT/" | wc -l)" -eq 3 ] || fails=$((fails + 1))
	for n in $(seq 6); do
		get "http://127.0.0.1:$PORT/second.html" >"$T/par.$n" &
		pids+=($!)
	done
	wait "${pids[@]}"
	for n in $(seq 6); do
		[ "$(cat "$T/par.$n")" = "second page" ] || fails=$((fails + 1))
	done
	[ "$fails" -eq 0 ]
}
serve_run haproxy "${SERVER[@]}"
check "haproxy under run proxies" wait_until 60 ready
check "the wide workload under run" wide
check "reload 1 under run" reload "$sp"
check "the wide workload after reload 1" wide
check "reload 2 under run" reload "$sp"
check "the wide workload after reload 2" wide
stop "$sp"
st=$?
check "run exits as haproxy does after SIGTERM (status $st)" stopped_clean "$st"
check "no denial under run" no_denial haproxy
finish
