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

. "$(dirname "$0")/lib_nginx.sh"

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
