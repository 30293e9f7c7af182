#!/bin/bash
# SPDX-License-Identifier: MIT
# Profiles a runtime takes as they are: a busybox httpd container recorded
# under runc; export names start.oci.json (the program's needs from its
# first instruction + what the runtime runs after loading it) and
# start.k8s.json.  The start profile, as a bundle's linux.seccomp, runs the
# server under runc and crun with and without noNewPrivileges (Docker sets
# none) and it serves; the serving phase's profile, given to the runtime,
# kills the container before it serves.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_container.sh"
need_sysphase
need jq file curl runc
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (ptrace, runc)"; exit 77; }
need_static_busybox
trap '_container_cleanup; _e2e_cleanup' EXIT

httpd_bundle

# start_container R ID [RECORD-TRACE]: the container in the background (under
# record when a trace is given); its pid in $CPID.
start_container() {
	local r=$1 id=$2
	CONTAINER_IDS+=("$r:$id")
	runtime_argv "$r" "$B" "$id"
	if [ -n "${3:-}" ]; then
		"$SYSPHASE" record -o "$3" --rules generic -- "${RCMD[@]}" </dev/null >"$T/ctr.out" 2>"$T/ctr.err" &
	else
		"${RCMD[@]}" </dev/null >"$T/ctr.out" 2>"$T/ctr.err" &
	fi
	CPID=$!
	track "$CPID"
}
# stop_container R ID: KILL to the container's init (PID 1 ignores a TERM it has no
# handler for, and httpd has none), then its status.
stop_container() {
	local r=$1 id=$2 rc=0
	"$r" kill "$id" KILL >/dev/null 2>&1 || true
	wait "$CPID" || rc=$?
	"$r" delete -f "$id" >/dev/null 2>&1 || true
	return $rc
}

# ---- record the server under runc: two requests ----
set_seccomp "$B" - true
start_container runc "rec-$$" "$T/httpd.trace"
wait_until 60 serves || { cat "$T/ctr.err"; fail "recorded httpd never served"; exit 1; }
serves || fail "second request"
stop_container runc "rec-$$" || true
"$SYSPHASE" export "$T/httpd.trace" -o "$T/pol" --format oci,k8s >"$T/export.out" 2>&1 ||
	{ cat "$T/export.out"; fail "export"; exit 1; }
grep -q "^start profile" "$T/export.out" || fail "export does not name the start profile"
[ -s "$T/pol/start.oci.json" ] && [ -s "$T/pol/start.k8s.json" ] || fail "no start profile"
jq -e '.kind == "SeccompProfile" and .metadata.name == "sysphase-runc-start"
	and .spec.architectures == ["SCMP_ARCH_X86_64"]' "$T/pol/start.k8s.json" >/dev/null ||
	fail "start.k8s.json: $(jq -c '{kind, metadata}' "$T/pol/start.k8s.json")"
SERVING=$(jq -r '[.phases[] | select(.name == "steady state")][0].name // empty' "$T/pol/policy.json")
[ -n "$SERVING" ] || fail "no steady state phase: $(jq -c '[.phases[].name]' "$T/pol/policy.json")"
jq -e '.syscalls[0].names | index("execve") and index("capset") and index("setresuid")' \
	"$T/pol/start.oci.json" >/dev/null || fail "start profile lacks execve, capset (runc) or setresuid (crun)"

# ---- the start profile as linux.seccomp ----
n=0
for R in runc crun; do
	command -v "$R" >/dev/null || { echo "$R: not installed, skipped"; continue; }
	for NNP in true false; do
		n=$((n + 1))
		set_seccomp "$B" "$T/pol/start.oci.json" "$NNP"
		start_container "$R" "start-$$-$n"
		if wait_until 60 serves; then
			pass "$R, noNewPrivileges $NNP: serves under start.oci.json"
		else
			fail "$R, noNewPrivileges $NNP: no answer under start.oci.json: $(cat "$T/ctr.err")"
		fi
		stop_container "$R" "start-$$-$n" || true
	done
done

# ---- the serving phase's profile given to the runtime: killed before serving ----
"$SYSPHASE" export "$T/httpd.trace" -o "$T/rt" --format oci --runtime runc >/dev/null 2>&1 ||
	fail "export --runtime runc"
set_seccomp "$B" "$T/rt/steady_state.oci.json" true
rc=0
run_container runc "$B" || rc=$?
[ "$rc" != 0 ] || fail "runc ran httpd under the serving phase's profile"
serves && fail "httpd served under the serving phase's profile"
pass "serving-phase profile as linux.seccomp: runc status $rc ($(tail -c 200 "$T/ctr.err" | tr '\n' ' '))"

# ---- podman: --security-opt seccomp=start.oci.json on an image of the same rootfs ----
# Its own storage in $T (vfs), no systemd, runc (crun refuses this machine's
# hybrid cgroups); this sandbox's hard RLIMIT_NOFILE is below podman's default.
if command -v podman >/dev/null; then
	PODMAN=(podman --root "$T/pst" --runroot "$T/prun" --storage-driver vfs
		--cgroup-manager cgroupfs --events-backend none --runtime runc)
	RUNOPTS=(--rm --network host --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
	HTTPD=(/bin/busybox httpd -f -p "127.0.0.1:$PORT" -h /www)
	tar -C "$B/rootfs" -cf "$T/rootfs.tar" .
	if timeout 300 "${PODMAN[@]}" import "$T/rootfs.tar" localhost/sysphase-e2e:httpd >/dev/null 2>&1 &&
		timeout 300 "${PODMAN[@]}" run "${RUNOPTS[@]}" localhost/sysphase-e2e:httpd /bin/busybox true \
			>/dev/null 2>&1; then
		"${PODMAN[@]}" run "${RUNOPTS[@]}" --name "sysphase-$$" \
			--security-opt seccomp="$T/pol/start.oci.json" localhost/sysphase-e2e:httpd "${HTTPD[@]}" \
			>"$T/podman.out" 2>&1 &
		PPID_=$!
		track "$PPID_"
		if wait_until 120 serves; then
			pass "podman --security-opt seccomp=start.oci.json: serves"
		else
			fail "podman under start.oci.json: $(cat "$T/podman.out")"
		fi
		"${PODMAN[@]}" kill "sysphase-$$" >/dev/null 2>&1 || true
		wait "$PPID_" || true
		rc=0
		timeout 300 "${PODMAN[@]}" run "${RUNOPTS[@]}" --security-opt seccomp="$T/rt/steady_state.oci.json" \
			localhost/sysphase-e2e:httpd "${HTTPD[@]}" >"$T/podman.out" 2>&1 || rc=$?
		[ "$rc" != 0 ] && pass "podman under the serving phase's profile: status $rc" ||
			fail "podman ran httpd under the serving phase's profile"
	else
		echo "podman cannot run containers here: podman part skipped"
	fi
fi
finish
