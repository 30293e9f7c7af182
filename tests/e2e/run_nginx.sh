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

. "$(dirname "$0")/lib_nginx.sh"

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
