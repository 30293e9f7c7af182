#!/bin/bash
# SPDX-License-Identifier: MIT
#
# nginx reloads (SIGHUP) under sysphase run.  The master is never let go
# (the nginx rules let it go back from its worker loop to reading its
# configuration on SIGHUP), so a reload is watched like the start was:
#   1. record nginx under the example workload, a reload, and the workload
#      again; export the policy;
#   2. run nginx under it, serve the workload, reload, serve it again;
#   3. the master is still watched and filtered, the worker started by the
#      reload is filtered and detached like the first one, no process died
#      on a signal, QUIT ends it all with status 0 and no violation.
# nginx is only ever stopped by the pid in its pid file, never by name.

. "$(dirname "$0")/lib.sh"
# With sanitizer builds, lib.sh rebuilds plain copies of these tracees.
E2E_TRACEES=""
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
	[ -n "$m" ] || return 0
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

# reload: SIGHUP to the master; waits until a new worker serves and the old one is gone.
reload() {
	local m=$1 old=$2 new
	kill -HUP "$m"
	new_worker() {
		new=$(children_of "$m" | grep -vx "$old" | head -1)
		[ -n "$new" ] && ! kill -0 "$old" 2>/dev/null
	}
	wait_until 60 new_worker || return 1
	echo "$new"
}

# ---- 1. record a reload under the workload ----
"$SYSPHASE" record --rules nginx -o "$T/trace.jsonl" -- "$NGINX" -c "$DIR/nginx.conf" -p "$DIR" \
	>"$T/rec.out" 2>"$T/rec.err" &
sp=$!
track "$sp"
check "recorded nginx becomes ready" wait_until 60 nginx_ready
check "workload under the recorder" bash "$EX/workload.sh" "$PORT"
m=$(master_pid)
w=$(worker_of "$m")
w2=$(reload "$m" "$w")
check "recorded reload starts a new worker" test -n "$w2"
check "workload after the recorded reload" bash "$EX/workload.sh" "$PORT"
stop_nginx
wait "$sp"
check "record exits 0 after QUIT" test $? -eq 0
rm -f "$DIR/nginx.pid"
"$SYSPHASE" export --rules nginx "$T/trace.jsonl" -o "$T/pol" >"$T/export.out" 2>&1
check "export exits 0" test $? -eq 0

# ---- 2. the same under the policy ----
"$SYSPHASE" run --policy "$T/pol/policy.json" -- "$NGINX" -c "$DIR/nginx.conf" -p "$DIR" \
	>"$T/run.out" 2>"$T/run.err" &
sp=$!
track "$sp"
check "nginx under sysphase run becomes ready" wait_until 60 nginx_ready
m=$(master_pid)
w=$(worker_of "$m")
track "$w"
check "the workload is served" bash "$EX/workload.sh" "$PORT"
check "the first worker is detached" test "$(status_of "$w" TracerPid)" = 0
w2=$(reload "$m" "$w")
check "the reload starts a new worker" test -n "$w2"
track "$w2"
check "the workload is served after the reload" bash "$EX/workload.sh" "$PORT"

# ---- 3. the state after the reload ----
check "the master is still watched" test "$(status_of "$m" TracerPid)" = "$sp"
check "the master is filtered" test "$(status_of "$m" Seccomp_filters)" -gt 0
check "the new worker is detached (TracerPid 0)" test "$(status_of "$w2" TracerPid)" = 0
check "the new worker is filtered, beyond its master" \
	test "$(status_of "$w2" Seccomp_filters)" -gt "$(status_of "$m" Seccomp_filters)"
check "no process died on a signal" not grep -q "exited on signal" "$DIR/error.log"
kill -QUIT "$m"
gone() {
	! kill -0 "$1" 2>/dev/null
}
check "sysphase run ends after QUIT" wait_until 30 gone "$sp"
wait "$sp"
rc=$?
check "sysphase run exits 0 (got $rc)" test "$rc" -eq 0
check "no violation reported" not grep -q -e "killed by" -e "denied" -e "cannot install" "$T/run.err"

finish
