#!/bin/bash
# SPDX-License-Identifier: MIT
# Real consumers load what `sysphase export` writes:
#   bwrap --seccomp   runs /bin/pwd under a phase's raw BPF (and cannot start it
#                     under a phase that lacks execve);
#   runc              runs a busybox container under the OCI profile (allowed
#                     command works, a denied syscall gets EPERM or SIGSYS);
#   systemd-analyze   verifies a unit carrying the SystemCallFilter= drop-in;
#   the C header      pwd's phases installed in order by a program that
#                     includes it, killed when it leaves its phase's list.
set -euo pipefail

: "${SYSPHASE:?}" "${SRCDIR:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (ptrace, runc, bwrap)"; exit 77; }
for tool in jq bwrap runc busybox cc; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done

T=$(mktemp -d /tmp/sysphase-consumers.XXXXXX)
CONTAINERS=()
cleanup() {
	for id in "${CONTAINERS[@]}"; do
		runc delete -f "$id" >/dev/null 2>&1 || true
	done
	rm -rf "$T"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# The file stem export uses for a phase name.
stem() {
	printf '%s' "$1" | sed 's/[^A-Za-z0-9._-]/_/g; s/^\./_/'
}

# Phases of a policy: the one processes start in (its enforce covers the run),
# and one whose enforce filter lacks execve.
first_phase() {
	jq -r '[.phases[] | select(.processes_started > 0)][0].name' "$1"
}
phase_without() {
	jq -r --arg s "$2" '[.phases[] | select(.enforce | index($s) | not)][0].name // empty' "$1"
}

# pwd reads locale files unless LANG=C: the same clean environment for the
# recording and for every consumer.
CLEAN=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C)

# ---- a trace of /bin/pwd with its rules, exported two ways ----
(cd /tmp && "${CLEAN[@]}" "$SYSPHASE" record -o "$T/pwd.trace" --rules pwd -- /bin/pwd) >"$T/pwd.out"
[ "$(cat "$T/pwd.out")" = /tmp ] || fail "pwd under record printed '$(cat "$T/pwd.out")'"
"$SYSPHASE" export "$T/pwd.trace" -o "$T/kill" >/dev/null
"$SYSPHASE" export --rules pwd "$T/pwd.trace" -o "$T/errno" --default-action errno >/dev/null
P="$T/kill/policy.json"
FIRST=$(first_phase "$P")
NOEXEC=$(phase_without "$P" execve)
[ -n "$FIRST" ] && [ "$FIRST" != null ] || fail "no starting phase in $P"
[ -n "$NOEXEC" ] || fail "every phase of pwd allows execve: no negative case"
echo "pwd: starting phase '$FIRST', a phase without execve: '$NOEXEC'"

# ---- bwrap: the filter is loaded before bwrap's execve ----
out=$("${CLEAN[@]}" bwrap --ro-bind / / --chdir /tmp --seccomp 9 9<"$T/kill/$(stem "$FIRST").bpf" /bin/pwd)
[ "$out" = /tmp ] || fail "bwrap + $FIRST.bpf: pwd printed '$out'"
set +e
"${CLEAN[@]}" bwrap --ro-bind / / --chdir /tmp --seccomp 9 9<"$T/kill/$(stem "$NOEXEC").bpf" /bin/pwd \
	>"$T/bw.out" 2>"$T/bw.err"
rc=$?
set -e
[ "$rc" = 159 ] || fail "bwrap + $NOEXEC.bpf (kill): status $rc, wanted 159 (SIGSYS)"
[ ! -s "$T/bw.out" ] || fail "pwd ran under a filter without execve"
set +e
"${CLEAN[@]}" bwrap --ro-bind / / --chdir /tmp --seccomp 9 9<"$T/errno/$(stem "$NOEXEC").bpf" /bin/pwd \
	>"$T/bw.out" 2>"$T/bw.err"
rc=$?
set -e
[ "$rc" != 0 ] && grep -q "Operation not permitted" "$T/bw.err" ||
	fail "bwrap + $NOEXEC.bpf (errno): status $rc, stderr '$(cat "$T/bw.err")'"
# With --args the same start works: argument constraints keep what pwd does.
"$SYSPHASE" export "$T/pwd.trace" -o "$T/args" --args --format bpf >/dev/null
jq -e '[.phases[].enforce_args | length] | add > 0' "$T/args/policy.json" >/dev/null ||
	fail "--args gave no constraint for pwd"
out=$("${CLEAN[@]}" bwrap --ro-bind / / --chdir /tmp --seccomp 9 9<"$T/args/$(stem "$FIRST").bpf" \
	/bin/pwd)
[ "$out" = /tmp ] || fail "bwrap + $FIRST.bpf with --args: pwd printed '$out'"
echo "bwrap: ok"

# ---- the C header: pwd's phases entered by the program itself ----
"$SYSPHASE" export "$T/pwd.trace" -o "$T/c" --format c >/dev/null
"$SYSPHASE" export "$T/pwd.trace" -o "$T/c-errno" --format c --default-action errno >/dev/null
cc -std=gnu17 -Wall -Wextra -Werror -I"$T/c" -o "$T/filter_pwd" "$SRCDIR/tests/tracees/filter_pwd.c"
cc -std=gnu17 -Wall -Wextra -Werror -I"$T/c-errno" -o "$T/filter_pwd_errno" \
	"$SRCDIR/tests/tracees/filter_pwd.c"
if command -v clang >/dev/null; then
	clang -std=c17 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -I"$T/c" \
		"$SRCDIR/tests/tracees/filter_pwd.c"
fi
# The phase that makes each of pwd's steps, from the policy itself: where it
# was observed (the runtime baseline adds exit_group to every phase).
phase_of() {
	jq -r --arg s "$1" '[.phases[] | select([.exact[] | select((.provenance // "observed")
		== "observed") | .name] | index($s))][0].name // empty' "$P"
}
WORK=$(phase_of getcwd)
OUTP=$(phase_of write)
END=$(phase_of exit_group)
[ -n "$WORK" ] && [ -n "$OUTP" ] && [ -n "$END" ] || fail "pwd phases not found in $P"
jq -e --arg e "$END" '.phases[] | select(.name == $e) | .enforce | index("getcwd") | not' "$P" \
	>/dev/null || fail "phase '$END' allows getcwd: no violation to test"
echo "pwd steps: getcwd in '$WORK', write in '$OUTP', exit_group in '$END'"
out=$(cd /tmp && "${CLEAN[@]}" "$T/filter_pwd" "$WORK" "$OUTP" "$END")
[ "$out" = /tmp ] || fail "filter_pwd printed '$out'"
set +e
(cd /tmp && exec "${CLEAN[@]}" "$T/filter_pwd" "$WORK" "$OUTP" "$END" violate) >/dev/null 2>"$T/fp.err"
rc=$?
(cd /tmp && exec "${CLEAN[@]}" "$T/filter_pwd_errno" "$WORK" "$OUTP" "$END" violate) >/dev/null 2>"$T/fpe.err"
rce=$?
set -e
[ "$rc" = 159 ] || fail "getcwd in '$END' (kill): status $rc, wanted 159: $(cat "$T/fp.err")"
[ "$rce" = 4 ] || fail "getcwd in '$END' (errno): status $rce, wanted 4 (EPERM)"
echo "C header: ok"

# ---- systemd: the drop-in must parse (unknown names are errors) ----
if command -v systemd-analyze >/dev/null; then
	U="$T/units"
	mkdir -p "$U/sysphase-pwd.service.d"
	printf '[Unit]\nDescription=pwd\n[Service]\nType=oneshot\nExecStart=/bin/pwd\n' \
		>"$U/sysphase-pwd.service"
	cp "$T/kill/$(stem "$FIRST").conf" "$U/sysphase-pwd.service.d/sysphase.conf"
	grep -q '^SystemCallFilter=.*getcwd' "$U/sysphase-pwd.service.d/sysphase.conf" ||
		fail "drop-in lacks SystemCallFilter="
	systemd-analyze verify --recursive-errors=no "$U/sysphase-pwd.service" ||
		fail "systemd-analyze verify refused the drop-in"
	# Control: the same drop-in with a name systemd does not know must be refused,
	# which shows the drop-in is really read.
	sed -i 's/^SystemCallFilter=/SystemCallFilter=no_such_call /' \
		"$U/sysphase-pwd.service.d/sysphase.conf"
	if systemd-analyze verify --recursive-errors=no "$U/sysphase-pwd.service" 2>/dev/null; then
		fail "systemd-analyze did not read the drop-in"
	fi
	echo "systemd: ok"
else
	echo "systemd-analyze missing (package systemd): drop-in not verified"
fi

# ---- runc: a busybox container under the OCI profile ----
B="$T/bundle"
mkdir -p "$B/rootfs/bin"
cp "$(command -v busybox)" "$B/rootfs/bin/busybox"
file "$B/rootfs/bin/busybox" 2>/dev/null | grep -q "dynamically" &&
	{ echo "SKIP: busybox is not static (install busybox-static)"; exit 77; }
(cd /tmp && "${CLEAN[@]}" "$SYSPHASE" record -o "$T/bb.trace" --rules generic -- "$B/rootfs/bin/busybox" \
	echo hello) >/dev/null
"$SYSPHASE" export "$T/bb.trace" -o "$T/oci-kill" --format oci --runtime runc >/dev/null
"$SYSPHASE" export "$T/bb.trace" -o "$T/oci-errno" --format oci --runtime runc \
	--default-action errno >/dev/null
"$SYSPHASE" export "$T/bb.trace" -o "$T/oci-bare" --format oci --default-action errno >/dev/null
BBFIRST=$(first_phase "$T/oci-kill/policy.json")
(cd "$B" && runc spec)
# run_container NAME PROFILE ARGS-JSON: status of the container, its output in $T/ctr.out/err
run_container() {
	local id="sysphase-e2e-$$-$1"
	jq --slurpfile prof "$2" --argjson args "$3" \
		'.process.terminal = false | .process.args = $args | .process.noNewPrivileges = true
		 | .root.readonly = true | .linux.seccomp = $prof[0]' \
		"$B/config.json" >"$B/config.json.new"
	mv "$B/config.json.new" "$B/config.json"
	CONTAINERS+=("$id")
	set +e
	timeout 60 runc run --bundle "$B" "$id" </dev/null >"$T/ctr.out" 2>"$T/ctr.err"
	local rc=$?
	set -e
	runc delete -f "$id" >/dev/null 2>&1 || true
	return $rc
}
PROF_KILL="$T/oci-kill/$(stem "$BBFIRST").oci.json"
PROF_ERRNO="$T/oci-errno/$(stem "$BBFIRST").oci.json"
jq -e '.architectures == ["SCMP_ARCH_X86_64"] and .defaultAction == "SCMP_ACT_KILL_PROCESS"' \
	"$PROF_KILL" >/dev/null || fail "OCI profile header"
run_container ok "$PROF_KILL" '["/bin/busybox","echo","hello"]' ||
	fail "allowed command failed (status $?): $(cat "$T/ctr.err")"
[ "$(cat "$T/ctr.out")" = hello ] || fail "container printed '$(cat "$T/ctr.out")'"
run_container ok2 "$PROF_ERRNO" '["/bin/busybox","echo","hello"]' ||
	fail "allowed command failed under errno (status $?): $(cat "$T/ctr.err")"
# Control: without --runtime runc, runc's own init is refused what it needs
# between loading the filter and exec'ing busybox.
rc=0
run_container bare "$T/oci-bare/$(stem "$BBFIRST").oci.json" '["/bin/busybox","echo","hello"]' ||
	rc=$?
[ "$rc" != 0 ] && [ ! -s "$T/ctr.out" ] ||
	fail "runc ran busybox without its base set: the base set is not shown to matter"
# mkdir is not in echo's profile; on the read-only rootfs it would fail with EROFS
# if the filter let it through.
rc=0
run_container eperm "$PROF_ERRNO" '["/bin/busybox","mkdir","/denied"]' || rc=$?
[ "$rc" != 0 ] && grep -q "Operation not permitted" "$T/ctr.err" ||
	fail "mkdir under errno profile: status $rc, stderr '$(cat "$T/ctr.err")'"
rc=0
run_container sigsys "$PROF_KILL" '["/bin/busybox","mkdir","/denied"]' || rc=$?
[ "$rc" = 159 ] || fail "mkdir under kill profile: status $rc, wanted 159 (SIGSYS)"
echo "runc: ok"
echo "PASS"
