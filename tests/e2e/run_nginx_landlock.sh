#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Landlock per phase on the real nginx (Debian package), on 127.0.0.1 at a
# free port with the example configuration (master + 1 worker):
#   1. record nginx under the example workload with the built-in nginx
#      rules, stop it, export: the serving worker's layer reads the
#      document root only (generalised from index.html and the 404's name);
#   2. an attacker plants www/leak -> /etc/passwd, and a 3 MB file appears;
#      natively nginx serves the leak (200);
#   3. under `sysphase run` the leak is refused (403, EACCES in nginx's
#      error log) while the workload the recording never saw is served:
#      the 3 MB file whole, a 404, keep-alive, wrk with zero errors;
#   4. with --no-landlock the same run serves the leak again (200): the
#      403 is the layer's doing;
#   5. QUIT stops it cleanly: run exits 0 and reports nothing.
# nginx is only ever stopped by the pid in its pid file, never by name.

. "$(dirname "$0")/lib_nginx.sh"

# ---- 1. record and export ----
"$SYSPHASE" record --rules nginx -o "$T/trace.jsonl" -- "$NGINX" -c "$DIR/nginx.conf" -p "$DIR" \
	>"$T/rec.out" 2>"$T/rec.err" &
sp=$!
track "$sp"
check "recorded nginx becomes ready" wait_until 60 nginx_ready
check "workload under the recorder" bash "$EX/workload.sh" "$PORT"
stop_nginx
wait "$sp"
check "record exits 0 after QUIT" test $? -eq 0
rm -f "$DIR/nginx.pid"
"$SYSPHASE" export --rules nginx "$T/trace.jsonl" -o "$T/pol" >"$T/export.out" 2>&1
check "export exits 0" test $? -eq 0
check "the policy has Landlock layers" grep -q '"landlock"' "$T/pol/policy.json"
check "export prints the layers" grep -q "^Landlock layers" "$T/export.out"
# The worker's last layer: the document root, for reading, with its evidence.
check "the serving worker's layer is the document root, read-only" python3 - "$T/pol/policy.json" "$DIR/www" <<'EOF'
import json, sys
pol, www = json.load(open(sys.argv[1])), sys.argv[2]
phases = {p["phase"]: p for p in pol["landlock"]["phases"]}
layer = phases["entering event loop"]["layer"] or phases["accepting and serving requests"]["layer"]
rules = [(r["path"], r["access"]) for r in layer["rules"]]
assert rules == [(www, ["read_file"])], rules
assert "generalised" in layer["rules"][0]["why"], layer["rules"][0]
assert layer["ports"] == [], layer["ports"]
EOF

# ---- 2. the attack, and the held-out file ----
ln -s /etc/passwd "$DIR/www/leak"
head -c 3000000 /dev/urandom >"$DIR/www/big.bin"
chmod 644 "$DIR/www/big.bin"
code() {
	curl -s -o "$T/body" -w '%{http_code}' "$URL/$1"
}
"$NGINX" -c "$DIR/nginx.conf" -p "$DIR" >"$T/native.out" 2>&1 &
track $!
check "native nginx becomes ready" wait_until 60 nginx_ready
check "natively, the planted symlink serves /etc/passwd (200)" test "$(code leak)" = 200
check "natively, it is /etc/passwd" cmp -s "$T/body" /etc/passwd
stop_nginx
rm -f "$DIR/nginx.pid"

# ---- 3. under run ----
"$SYSPHASE" run --policy "$T/pol/policy.json" -- "$NGINX" -c "$DIR/nginx.conf" -p "$DIR" \
	>"$T/run.out" 2>"$T/run.err" &
sp=$!
track "$sp"
check "nginx under sysphase run becomes ready" wait_until 60 nginx_ready
m=$(master_pid)
w=$(worker_of "$m")
track "$w"
leak=$(code leak)
check "under run, the planted symlink is refused (403, got $leak)" test "$leak" = 403
check "nginx says the kernel refused it (EACCES)" \
	grep -q 'leak" failed (13: Permission denied)' "$DIR/error.log"
check "the 3 MB file is served whole" test "$(code big.bin)" = 200
check "the 3 MB file is the one on disk" cmp -s "$T/body" "$DIR/www/big.bin"
check "the example workload (GET /, a 404, keep-alive)" bash "$EX/workload.sh" "$PORT"
check "2,000 wrk requests, zero errors" wrk_count 2000
check "the same worker served everything" test "$(worker_of "$m")" = "$w"
check "the worker is detached (TracerPid 0)" test "$(status_of "$w" TracerPid)" = 0
kill -QUIT "$m"
check "sysphase run ends after QUIT" wait_gone "$sp"
wait "$sp"
rc=$?
check "sysphase run exits 0 (got $rc)" test "$rc" -eq 0
check "no violation or failed hand-over reported" \
	not grep -q -e "killed by" -e "denied" -e "violation" -e "hand-over" "$T/run.err"
check "no worker died on a signal" not grep -q "exited on signal" "$DIR/error.log"
rm -f "$DIR/nginx.pid"

# ---- 4. the same without Landlock ----
"$SYSPHASE" run --no-landlock --policy "$T/pol/policy.json" -- "$NGINX" -c "$DIR/nginx.conf" \
	-p "$DIR" >"$T/run2.out" 2>"$T/run2.err" &
sp=$!
track "$sp"
check "nginx under run --no-landlock becomes ready" wait_until 60 nginx_ready
check "with --no-landlock the leak is served again (200)" test "$(code leak)" = 200
m=$(master_pid)
kill -QUIT "$m"
check "run --no-landlock ends after QUIT" wait_gone "$sp"
wait "$sp"
check "run --no-landlock exits 0" test $? -eq 0

finish
