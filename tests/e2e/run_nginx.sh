#!/bin/bash
# SPDX-License-Identifier: MIT
#
# sysphase run on the real nginx (Debian package), on 127.0.0.1 at a free
# port with the example configuration (master + 1 worker, daemon off):
#   1. record nginx under the example workload with the built-in nginx
#      rules, stop it (QUIT by its pid file), export the policy;
#   2. run nginx under that policy and serve the same workload plus at
#      least 20,000 wrk requests, with zero errors;
#   3. the worker ends detached (TracerPid 0) and filtered
#      (Seccomp_filters > 0), the master stays watched (it can still
#      reload), and the worker that served everything is the one nginx
#      started (no worker was killed by a filter and replaced);
#   4. a file created after the worker entered its serving phase, and so
#      opened in that phase, is served;
#   5. QUIT stops it cleanly: sysphase exits 0 and reports no violation.
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

# ---- 1. record under the workload ----
"$SYSPHASE" record --rules nginx -o "$T/trace.jsonl" -- "$NGINX" -c "$DIR/nginx.conf" -p "$DIR" \
	>"$T/rec.out" 2>"$T/rec.err" &
sp=$!
track "$sp"
check "recorded nginx becomes ready" wait_until 60 nginx_ready
check "workload under the recorder" env WRK=1 bash "$EX/workload.sh" "$PORT"
stop_nginx
wait "$sp"
check "record exits 0 after QUIT" test $? -eq 0
rm -f "$DIR/nginx.pid"
"$SYSPHASE" export --rules nginx "$T/trace.jsonl" -o "$T/pol" >"$T/export.out" 2>&1
check "export exits 0" test $? -eq 0
check "the policy has a serving phase" grep -q '"accepting and serving requests"' \
	"$T/pol/policy.json"

# ---- 2. run under the policy ----
"$SYSPHASE" run --policy "$T/pol/policy.json" -- "$NGINX" -c "$DIR/nginx.conf" -p "$DIR" \
	>"$T/run.out" 2>"$T/run.err" &
sp=$!
track "$sp"
check "nginx under sysphase run becomes ready" wait_until 60 nginx_ready
m=$(master_pid)
w=$(worker_of "$m")
track "$w"
check "the workload is served" bash "$EX/workload.sh" "$PORT"
check "20,000 wrk requests, zero errors" wrk_count 20000
body=$(curl -s "$URL/")
check "GET / serves the index" test "$body" = "<html><body>sysphase example</body></html>"

# ---- 3. the state of the processes ----
check "the worker is detached (TracerPid 0)" test "$(status_of "$w" TracerPid)" = 0
check "the worker is filtered (Seccomp 2, Seccomp_filters > 0)" \
	test "$(status_of "$w" Seccomp)" = 2 -a "$(status_of "$w" Seccomp_filters)" -gt 0
check "the master is filtered" test "$(status_of "$m" Seccomp_filters)" -gt 0
check "the master, which can still reload, stays watched" \
	test "$(status_of "$m" TracerPid)" = "$sp"
check "the worker has more filters than the master (it went further)" \
	test "$(status_of "$w" Seccomp_filters)" -gt "$(status_of "$m" Seccomp_filters)"

# ---- 4. a file the worker opens in its serving phase ----
printf 'opened while serving\n' >"$DIR/www/late.txt"
chmod 644 "$DIR/www/late.txt"
check "a file created now is served" test "$(curl -s "$URL/late.txt")" = "opened while serving"
check "a missing file is a 404" \
	test "$(curl -s -o /dev/null -w '%{http_code}' "$URL/still-missing")" = 404
check "the same worker served everything" test "$(worker_of "$m")" = "$w"
check "no worker died on a signal" not grep -q "exited on signal" "$DIR/error.log"

# ---- 5. stop ----
kill -QUIT "$m"
check "sysphase run ends after QUIT" wait_gone "$sp"
wait "$sp"
rc=$?
check "sysphase run exits 0 (got $rc)" test "$rc" -eq 0
check "no violation reported" not grep -q -e "killed by" -e "denied" -e "violation" "$T/run.err"
check "the worker shut down cleanly too" not grep -q "exited on signal" "$DIR/error.log"

finish
