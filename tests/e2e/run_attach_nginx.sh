#!/bin/bash
# SPDX-License-Identifier: MIT
# Phases from the host on a real server: Debian's nginx in a runc rootfs
# (lib_container.sh's make_nginx_bundle), recorded in the container with
# the nginx rules, then enforced by `runc create` + `sysphase run -p PID
# -- runc start ID` without changing the image.  The master and its worker
# are narrowed at their phases (the worker holds more filters than the
# master: it went on to its serving phase), the workload is served with no
# denial, and QUIT ends it gracefully through its shutdown phases with
# status 0.  (A call outside the serving phase killed and named by host pid
# is run_attach_container.sh's, with busybox: no request of this
# configuration makes nginx's worker leave its recorded calls; USR1, HUP
# and USR2 stay inside the phases too.)
. "$(dirname "$0")/lib_nginx.sh"
. "$(dirname "$0")/lib_container.sh"
need jq runc ldd
trap '_container_cleanup; stop_nginx; _e2e_cleanup' EXIT

served() { curl -s -o /dev/null -m 5 "$URL/"; }
workload() {
	curl -sf "$URL/" >/dev/null && curl -s "$URL/missing" >/dev/null
}
B="$T/bundle"
make_nginx_bundle "$B"

# ---- the recording, in the container ----
id="sysphase-$$-rec"
CONTAINER_IDS+=("runc:$id")
"$SYSPHASE" record --rules nginx -o "$T/rec.trace" -- runc run --bundle "$B" "$id" </dev/null \
	>"$T/rec.out" 2>&1 &
REC=$!
track "$REC"
wait_until 60 served || { fail "nginx did not start in the container: $(tail -5 "$T/rec.out")"; exit 1; }
workload || fail "recorded workload"
runc kill "$id" QUIT
wait "$REC" || true
runc delete -f "$id" >/dev/null 2>&1 || true
"$SYSPHASE" export "$T/rec.trace" -o "$T/pol" >"$T/export.out" 2>&1 ||
	{ fail "export: $(cat "$T/export.out")"; exit 1; }

# ---- create, then run -p ... -- runc start ----
id="sysphase-$$-att"
CONTAINER_IDS+=("runc:$id")
runc create --bundle "$B" "$id" </dev/null >"$T/create.out" 2>&1 || { fail "runc create: $(cat "$T/create.out")"; exit 1; }
CPID=$(runc state "$id" | jq .pid)
"$SYSPHASE" run --policy "$T/pol" -p "$CPID" -- runc start "$id" >"$T/run.out" 2>"$T/run.err" &
RUN=$!
track "$RUN"
wait_until 60 served || { fail "nginx did not serve under run -p: $(tail -5 "$T/run.err")"; exit 1; }
for i in 1 2 3; do workload || fail "workload $i under run -p"; done
W=$(children_of "$CPID" | head -1)
mf=$(status_of "$CPID" Seccomp_filters)
wf=$(status_of "$W" Seccomp_filters)
check "the master holds the phases' filters ($mf)" test "${mf:-0}" -ge 1
check "the worker ($W) holds more, narrowed to its serving phase ($wf)" test "${wf:-0}" -gt "${mf:-0}"
check "no denial while serving" not grep -q -e "killed by" -e "denied" "$T/run.err"

# ---- the graceful end: QUIT to the container, the workers and master leave through
# their shutdown phases under the filters, with no denial ----
runc kill "$id" QUIT
rc=0
wait "$RUN" || rc=$?
check "run -p ends with nginx's status, 0 ($rc)" test "$rc" = 0
check "no denial at shutdown" not grep -q -e "killed by" -e "denied" "$T/run.err"
runc delete -f "$id" >/dev/null 2>&1 || true
finish
