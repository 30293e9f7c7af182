#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Static completion on the real nginx (Debian package), at nginx's default
# `error` log level and without try_files: the recording sees one GET /,
# which never takes the error-log path (ngx_log_error_core ->
# ngx_thread_tid -> gettid).  Then, under the exported policy:
#   - the full example workload (a 404, keep-alive, wrk), a HEAD and a
#     3 MB file are all served;
#   - master and worker are alive, the worker detached and filtered;
#   - QUIT stops it cleanly, with no violation;
# and the policy stays tight: the serving phase's enforce allowlist holds
# at most 50 calls, and none that is dangerous unless a phase it reaches
# made it while recording (mmap and mprotect only without PROT_EXEC).  The same run without completion dies (the
# worker and then the master on gettid): the check that completion is
# what keeps the server up.

. "$(dirname "$0")/lib_nginx.sh"
export XDG_CACHE_HOME=$T/cache
SERVING="accepting and serving requests"

# The default log level (no `notice`, which records gettid anyway) and no try_files.
sed -i -e 's|error_log \(.*\) notice;|error_log \1;|' -e '/try_files/d' "$DIR/nginx.conf"
check "the configuration logs at the default level" not grep -q notice "$DIR/nginx.conf"

# ---- 1. record one GET / ----
"$SYSPHASE" record --stack=addr --rules nginx -o "$T/trace.jsonl" -- "$NGINX" -c "$DIR/nginx.conf" \
	-p "$DIR" >"$T/rec.out" 2>"$T/rec.err" &
sp=$!
track "$sp"
check "recorded nginx becomes ready" wait_until 60 nginx_ready
stop_nginx
wait "$sp"
check "record exits 0 after QUIT" test $? -eq 0
rm -f "$DIR/nginx.pid"
"$SYSPHASE" export --rules nginx "$T/trace.jsonl" -o "$T/pol" >"$T/export.out" 2>&1
check "export exits 0" test $? -eq 0
"$SYSPHASE" export --no-complete --rules nginx "$T/trace.jsonl" -o "$T/pol0" >/dev/null 2>&1
check "export --no-complete exits 0" test $? -eq 0
cat "$T/export.out"

# ---- 2. tight ----
python3 - "$T/pol/policy.json" "$SERVING" >"$T/tight.out" 2>&1 <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
phases = {ph["name"]: ph for ph in p["phases"]}
serving = phases[sys.argv[2]]
dangerous = set("""execve execveat fork vfork clone clone3 kill tkill tgkill socket socketpair
connect bind listen setuid setgid setreuid setregid setresuid setresgid setgroups capset
unlink unlinkat rename renameat renameat2 mkdir mkdirat rmdir chmod fchmod fchmodat chown
fchown lchown fchownat pkey_mprotect ptrace mount memfd_create""".split())
# mmap and mprotect: only without PROT_EXEC (W^X) unless the phase made them.
wx = [{"index": 2, "op": "SCMP_CMP_MASKED_EQ", "mask": 4, "values": [0]}]
args = serving.get("enforce_args", {})
observed = set()
for name in serving["reach"]:
    ph = phases[name]
    observed |= {c["name"] for c in ph["exact"] if c.get("provenance") == "observed"}
bad = sorted(n for n in serving["enforce"] if n in dangerous and n not in observed)
bad += sorted(n for n in ("mmap", "mprotect")
              if n in serving["enforce"] and n not in observed and args.get(n) != wx)
print(f"serving enforce {len(serving['enforce'])}, dangerous unobserved {bad}")
sys.exit(0 if len(serving["enforce"]) <= 50 and not bad else 1)
PY
rc=$?
check "serving: at most 50 allowed, no dangerous call it did not make ($(cat "$T/tight.out"))" \
	test "$rc" -eq 0

# ---- 3. run the wider workload ----
head -c 3000000 /dev/urandom >"$DIR/www/big.bin"
chmod 644 "$DIR/www/big.bin"
"$SYSPHASE" run --policy "$T/pol/policy.json" -- "$NGINX" -c "$DIR/nginx.conf" -p "$DIR" \
	>"$T/run.out" 2>"$T/run.err" &
sp=$!
track "$sp"
check "nginx under the completed policy becomes ready" wait_until 60 nginx_ready
m=$(master_pid)
w=$(worker_of "$m")
track "$w"
check "the full example workload is served" env WRK=1 bash "$EX/workload.sh" "$PORT"
check "HEAD / is answered" test "$(curl -s -I -o /dev/null -w '%{http_code}' "$URL/")" = 200
check "a 3 MB file is served whole" \
	test "$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$URL/big.bin")" = \
	"200 3000000"
check "the master is alive" kill -0 "$m"
check "the worker that served is the one nginx started" test "$(worker_of "$m")" = "$w"
check "the worker is detached (TracerPid 0)" test "$(status_of "$w" TracerPid)" = 0
check "the worker is filtered" test "$(status_of "$w" Seccomp_filters)" -gt 0
stop_nginx
wait "$sp"
check "run exits 0 after QUIT" test $? -eq 0
check "no violation reported" not grep -q 'killed by SIGSYS' "$T/run.err"
rm -f "$DIR/nginx.pid"

# ---- 4. the same without completion goes down ----
"$SYSPHASE" run --policy "$T/pol0/policy.json" -- "$NGINX" -c "$DIR/nginx.conf" -p "$DIR" \
	>"$T/run0.out" 2>"$T/run0.err" &
sp=$!
track "$sp"
if wait_until 60 nginx_ready; then
	track $(children_of "$(master_pid)")
	curl -s -o /dev/null "$URL/no-such-page"
	wait_until 30 not kill -0 "$sp" 2>/dev/null
	check "without completion, the 404's error log kills nginx at gettid" \
		grep -q 'gettid (x86_64 nr 186) killed by SIGSYS' "$T/run0.err"
else
	fail "nginx under the uncompleted policy did not become ready"
fi
stop_nginx
finish
