#!/bin/bash
# SPDX-License-Identifier: MIT
# Phases from the host, without changing the image: a busybox httpd
# container, recorded under runc, is enforced by attaching to its init
# before it execs the entrypoint, for runc and crun, three ways:
#   - `runc create`, then `sysphase run -p PID -- runc start ID` (without
#     a profile, with noNewPrivileges true and false, and under the
#     runtime's start.oci.json);
#   - `sysphase hook` as the bundle's createRuntime hook;
#   - podman with the hook in a hooks.d file.
# Each time: the entrypoint holds the first phase's filter from its
# execve (one more filter than the runtime's), no_new_privs set where the
# bundle did not ask for it, it serves, and a request that makes httpd do
# what the recording never saw (a CGI script: its connection child forks
# and execs) is killed by SIGSYS and named by its host pid.  An attach
# that cannot work (the process is traced already) exits 124, starts
# nothing and leaves the process running; a first filter the runtime's
# own profile keeps out (it denies seccomp) kills the init before the
# entrypoint runs (125).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_container.sh"
need_sysphase
need jq file curl runc
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (ptrace, runc)"; exit 77; }
need_static_busybox
trap '_container_cleanup; _e2e_cleanup' EXIT

httpd_bundle
mkdir -p "$B/rootfs/www/cgi-bin"
printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho cgi\n' >"$B/rootfs/www/cgi-bin/x"
chmod +x "$B/rootfs/www/cgi-bin/x"
cp "$B/config.json" "$T/config.base.json"

# ---- the recording: runc run under record, two requests for static files ----
record_httpd_in_runc
runc delete -f "rec-$$" >/dev/null 2>&1 || true
"$SYSPHASE" export "$T/httpd.trace" -o "$T/pol" --format oci >"$T/export.out" 2>&1 ||
	{ cat "$T/export.out"; fail "export"; exit 1; }

# create R ID: the container created (its init waits to exec httpd); its host pid in $CPID.
create() {
	local r=$1 id=$2
	CONTAINER_IDS+=("$r:$id")
	if [ "$r" = crun ]; then
		runtime_argv crun "$B" "$id"
		# runtime_argv's crun line with "run" made "create" (hybrid cgroups: lib_container.sh).
		RCMD=("${RCMD[@]/crun run/crun create}")
	else
		RCMD=(runc create --bundle "$B" "$id")
	fi
	"${RCMD[@]}" </dev/null >"$T/create.out" 2>&1 || { cat "$T/create.out"; return 1; }
	CPID=$("$r" state "$id" | jq .pid)
}

# filters_of PID: Seccomp_filters of the process (empty when gone).
filters_of() { awk '/^Seccomp_filters:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
nnp_of() { awk '/^NoNewPrivs:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
execd() { [ "$(cat "/proc/$1/comm" 2>/dev/null)" = busybox ]; }

# check_enforced LABEL LOG PID: serving under one filter more than the runtime's, the CGI
# request killed and named by host pid in LOG.
check_enforced() {
	local label=$1 log=$2 pid=$3 min=${4:-0}
	if ! wait_until 60 serves; then
		fail "$label: never served: $(tail -c 400 "$log")"
		return
	fi
	pass "$label: serves"
	check "$label: no_new_privs set in the entrypoint" test "$(nnp_of "$pid")" = 1
	# Beyond the runtime's own (start.oci.json, or none), every filter is one of the phases'.
	check "$label: the entrypoint holds the phases' filters ($(filters_of "$pid"), $min of the runtime's)" \
		test "$(filters_of "$pid")" -gt "$min"
	curl -s -m 10 "http://127.0.0.1:$PORT/cgi-bin/x" >"$T/cgi.out" 2>&1 || true
	check "$label: the CGI request got no answer" not grep -q "^cgi" "$T/cgi.out"
	if wait_until 30 grep -q "killed by SIGSYS" "$log"; then
		local line killed
		line=$(grep -m1 "killed by SIGSYS" "$log")
		killed=$(echo "$line" | sed -n 's/^sysphase: process \([0-9]*\) .*/\1/p')
		# A host pid: the container's own view starts at 1 (httpd is its PID 1) and
		# stays small; the host's wrap around to 300 (the kernel's RESERVED_PIDS).
		if [ -n "$killed" ] && [ "$killed" -ge 300 ] && [ "$killed" != "$pid" ]; then
			pass "$label: the denial is named by host pid: $line"
		else
			fail "$label: the denial names no host pid: $line"
		fi
	else
		fail "$label: no denial named: $(tail -c 600 "$log")"
	fi
	serves && pass "$label: httpd serves on after its child was killed" ||
		fail "$label: httpd stopped serving"
}

for R in runc crun; do
	command -v "$R" >/dev/null || { echo "$R: not installed, skipped"; continue; }
	for NNP in true false profile; do
		# ---- create, then run -p PID -- R start ID ----
		# "profile": the runtime loads start.oci.json itself, without no_new_privs, as
		# Docker would; the phases are stacked under it.
		cp "$T/config.base.json" "$B/config.json"
		if [ "$NNP" = profile ]; then
			set_seccomp "$B" "$T/pol/start.oci.json" false
		else
			set_seccomp "$B" - "$NNP"
		fi
		ID="att-$$-$R-$NNP"
		create "$R" "$ID" || { fail "$R create"; continue; }
		# The runtime sets no_new_privs itself only when the bundle asks for it.
		[ "$NNP" != true ] && check "$R, noNewPrivileges $NNP: the init has none before the attach" \
			test "$(nnp_of "$CPID")" = 0
		"$SYSPHASE" run --policy "$T/pol" -p "$CPID" -- "$R" start "$ID" \
			>"$T/run.out" 2>"$T/run.err" &
		RUN=$!
		track "$RUN"
		rtf=0
		[ "$NNP" = profile ] && rtf=1
		check_enforced "$R create + run -p, noNewPrivileges $NNP" "$T/run.err" "$CPID" "$rtf"
		"$R" kill "$ID" KILL >/dev/null 2>&1 || true
		rc=0
		wait "$RUN" || rc=$?
		check "$R run -p: the program's status, 137 ($rc)" test "$rc" = 137
		"$R" delete -f "$ID" >/dev/null 2>&1 || true
	done

	# ---- the createRuntime hook ----
	cp "$T/config.base.json" "$B/config.json"
	set_seccomp "$B" - false
	jq --arg s "$SYSPHASE" --arg p "$T/pol" --arg l "$T/hook-$R.log" \
		'.hooks.createRuntime = [{path: $s, args: ["sysphase", "hook", "--policy", $p, "--log", $l]}]' \
		"$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
	ID="hook-$$-$R"
	CONTAINER_IDS+=("$R:$ID")
	runtime_argv "$R" "$B" "$ID"
	"${RCMD[@]}" </dev/null >"$T/ctr.out" 2>"$T/ctr.err" &
	CTR=$!
	track "$CTR"
	if wait_until 60 grep -qs "attached to process" "$T/hook-$R.log"; then
		HPID=$(sed -n 's/.*attached to process \([0-9]*\).*/\1/p' "$T/hook-$R.log" | head -1)
		check_enforced "$R createRuntime hook" "$T/hook-$R.log" "$HPID"
	else
		fail "$R hook: never attached: $(cat "$T/ctr.err" "$T/hook-$R.log" 2>/dev/null | tail -c 600)"
	fi
	"$R" kill "$ID" KILL >/dev/null 2>&1 || true
	wait "$CTR" || true
	"$R" delete -f "$ID" >/dev/null 2>&1 || true
done

# ---- fail closed at the entrypoint's exec: the runtime's own profile refuses seccomp() ----
cp "$T/config.base.json" "$B/config.json"
jq '.syscalls |= map(.names -= ["seccomp"])' "$T/pol/start.oci.json" >"$T/noseccomp.json"
set_seccomp "$B" "$T/noseccomp.json" true
ID="closed-$$"
if create runc "$ID"; then
	rc=0
	"$SYSPHASE" run --policy "$T/pol" -p "$CPID" -- runc start "$ID" >"$T/closed.out" 2>"$T/closed.err" || rc=$?
	check "the filter cannot go in at the exec: exit 125 ($rc)" test "$rc" = 125
	check "... said in one line: $(grep -m1 "cannot hand over" "$T/closed.err")" \
		grep -q "process $CPID (.*) killed: cannot hand over the filter of phase" "$T/closed.err"
	check "... and httpd never ran" not serves
	runc delete -f "$ID" >/dev/null 2>&1 || true
else
	fail "runc create under the profile without seccomp"
fi

# ---- podman: the hook from a hooks.d file, for containers annotated io.sysphase.enforce=true ----
# Its own storage in $T (vfs), runc (crun refuses this machine's hybrid cgroups),
# this sandbox's hard RLIMIT_NOFILE and NPROC below podman's defaults.
if command -v podman >/dev/null; then
	mkdir -p "$T/hooks.d"
	jq -n --arg s "$SYSPHASE" --arg p "$T/pol" --arg l "$T/hook-podman.log" '{
		version: "1.0.0",
		hook: {path: $s, args: ["sysphase", "hook", "--policy", $p, "--log", $l]},
		when: {annotations: {"^io\\.sysphase\\.enforce$": "^true$"}},
		stages: ["createRuntime"]}' >"$T/hooks.d/sysphase.json"
	PODMAN=(podman --root "$T/pst" --runroot "$T/prun" --storage-driver vfs --hooks-dir "$T/hooks.d"
		--cgroup-manager cgroupfs --events-backend none --runtime runc)
	tar -C "$B/rootfs" -cf "$T/rootfs.tar" .
	if timeout 300 "${PODMAN[@]}" import "$T/rootfs.tar" localhost/sysphase-e2e:attach >/dev/null 2>&1; then
		"${PODMAN[@]}" run --rm --network host --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
			--annotation io.sysphase.enforce=true --name "sysphase-$$" localhost/sysphase-e2e:attach \
			/bin/busybox httpd -f -p "127.0.0.1:$PORT" -h /www >"$T/podman.out" 2>&1 &
		PM=$!
		track "$PM"
		if wait_until 120 grep -qs "attached to process" "$T/hook-podman.log"; then
			HPID=$(sed -n 's/.*attached to process \([0-9]*\).*/\1/p' "$T/hook-podman.log" | head -1)
			# podman loads its default seccomp profile: one filter is the runtime's.
			check_enforced "podman, hooks.d createRuntime" "$T/hook-podman.log" "$HPID" 1
		else
			fail "podman hook: never attached: $(cat "$T/podman.out" "$T/hook-podman.log" 2>/dev/null | tail -c 600)"
		fi
		"${PODMAN[@]}" kill "sysphase-$$" >/dev/null 2>&1 || true
		wait "$PM" || true
	else
		echo "podman cannot import here: podman part skipped"
	fi
fi

# ---- an attach that cannot work: the init is traced already ----
cp "$T/config.base.json" "$B/config.json"
ID="busy-$$"
create runc "$ID" || fail "runc create"
strace -f -p "$CPID" -o /dev/null &
STRACE=$!
track "$STRACE"
traced() { [ "$(tracer_pid "$CPID")" -gt 0 ] 2>/dev/null; }
wait_until 30 traced || fail "strace did not attach"
rc=0
"$SYSPHASE" run --policy "$T/pol" -p "$CPID" -- runc start "$ID" >"$T/busy.out" 2>"$T/busy.err" || rc=$?
check "traced already: exit 124 ($rc: $(cat "$T/busy.err"))" test "$rc" = 124
check "traced already: one line" test "$(wc -l <"$T/busy.err")" = 1
check "traced already: the start command was not run" test "$(runc state "$ID" | jq -r .status)" = created
check "traced already: the process is not stopped" not state_is "$CPID" t T
kill "$STRACE"
wait "$STRACE" 2>/dev/null || true
runc delete -f "$ID" >/dev/null 2>&1 || true

finish
