#!/bin/bash
# SPDX-License-Identifier: MIT
#
# OpenSSH's sshd through one round of the learning loop, under the generic
# rules.  Its privilege-separated child installs a seccomp sandbox of its
# own, which kills seccomp() and refuses openat: that child can never take
# another filter.  run lets such a thread go with the filter of the phase
# it holds and its own, says so once (docs/security.md: "A filter that
# forbids further filters"), and never injects into it (an injection would
# only get it killed).
#   1. record sshd narrow (a key scan: no login), export;
#   2. enforced under that policy, a login's pre-auth child is let go with
#      that line, not killed for a failed hand-over;
#   3. complain mode under a wide workload (two key-auth logins running
#      commands): the logins work, the same line, a log;
#   4. the log merged, the wide workload runs enforced: the logins work,
#      no denial, no failed hand-over.
# sshd listens on a free loopback port with its own host key, config and
# authorized key in the test's directory; it is stopped by its pid.
. "$(dirname "$0")/lib.sh"
need_sysphase
[ -x /usr/sbin/sshd ] || { echo "SKIP: /usr/sbin/sshd is not installed"; exit 77; }
need ssh ssh-keygen ssh-keyscan
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (ptrace, sshd's privilege separation)"; exit 77; }
cd "$T"

# sshd's privilege separation chroots into this directory (compiled in).
mkdir -p /run/sshd
PORT=$(free_port)
ssh-keygen -q -t ed25519 -N '' -f "$T/host_key" || fail "ssh-keygen (host key)"
ssh-keygen -q -t ed25519 -N '' -f "$T/client" || fail "ssh-keygen (client key)"
cp "$T/client.pub" "$T/authorized_keys"
chmod 600 "$T/authorized_keys"
cat >"$T/sshd_config" <<EOF
Port $PORT
ListenAddress 127.0.0.1
HostKey $T/host_key
PidFile $T/sshd.pid
AuthorizedKeysFile $T/authorized_keys
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
EOF
SERVER=(/usr/sbin/sshd -D -e -f "$T/sshd_config")
SSH=(ssh -q -i "$T/client" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o BatchMode=yes -o ConnectTimeout=60 -p "$PORT" "$(id -un)@127.0.0.1")
"${SERVER[@]}" -t || { echo "FAIL: sshd refuses its config"; exit 1; }

ready() {
	ssh-keyscan -T 10 -p "$PORT" 127.0.0.1 2>/dev/null | grep -q ssh-ed25519
}

# start NAME SYSPHASE-ARGS...: sshd under sysphase; waits until it answers.
start() {
	local name=$1
	shift
	"$SYSPHASE" "$@" -- "${SERVER[@]}" >"$T/$name.out" 2>&1 &
	sp=$!
	track "$sp"
	check "$name: sshd answers" wait_until 120 ready
}

# stop NAME: SIGTERM to sshd by its pid (sysphase's child), then wait for sysphase.
stop() {
	local d st=0
	d=$(children_of "$sp" | head -1)
	[ -n "$d" ] && kill -TERM "$d"
	wait "$sp" || st=$?
	check "$1: sysphase exits 0 after sshd's SIGTERM (status $st)" test "$st" = 0
}

# wide NAME: two key-auth logins running commands.
wide() {
	"${SSH[@]}" 'echo hello from sshd; ls / >/dev/null' >"$T/$1.ssh1" 2>&1
	"${SSH[@]}" 'uname -s' >"$T/$1.ssh2" 2>&1
	check "$1: a key-auth login runs a command" grep -qx "hello from sshd" "$T/$1.ssh1"
	check "$1: and a second one" grep -qx Linux "$T/$1.ssh2"
}

SEALED="installed a seccomp filter of its own that refuses seccomp, so no further filter: it keeps the filter of phase"

# ---- 1. record narrow ----
start record record --rules generic -o "$T/trace.jsonl"
ssh-keyscan -T 10 -p "$PORT" 127.0.0.1 >/dev/null 2>&1
stop record
"$SYSPHASE" export --rules generic "$T/trace.jsonl" -o "$T/pol" >"$T/export.out" 2>&1 ||
	fail "export: $(tail -3 "$T/export.out")"

# ---- 2. enforced, narrow policy: the pre-auth child is let go, not killed ----
start narrow run --policy "$T/pol/policy.json"
"${SSH[@]}" true >/dev/null 2>&1
stop narrow
check "narrow: the sandboxed child is let go, said once" \
	test "$(grep -c "$SEALED" "$T/narrow.out")" = 1
check "narrow: no hand-over into it was tried" not grep -q "cannot hand over" "$T/narrow.out"

# ---- 3. complain mode, wide ----
start complain run --policy "$T/pol/policy.json" --complain="$T/complain.log"
wide complain
stop complain
check "complain: the sandboxed child is judged at its stops, said once" \
	test "$(grep -c "$SEALED.*complain mode judges its calls" "$T/complain.out")" = 1
check "complain: no failed hand-over" not grep -q "cannot hand over" "$T/complain.out"
check "complain: the log has what the logins did" \
	test "$(grep -c '"type":"violation"' "$T/complain.log")" -gt 0

# ---- 4. merged, enforced, wide ----
"$SYSPHASE" export --rules generic "$T/trace.jsonl" --merge "$T/complain.log" -o "$T/merged" \
	>"$T/merge.out" 2>&1 || fail "merge: $(tail -3 "$T/merge.out")"
start merged run --policy "$T/merged/policy.json"
wide merged
stop merged
check "merged: no denial" not grep -q "killed by\|denied" "$T/merged.out"
check "merged: no failed hand-over" not grep -q "cannot hand over" "$T/merged.out"

finish
