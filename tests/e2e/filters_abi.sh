#!/bin/bash
# SPDX-License-Identifier: MIT
# The int80 tracee makes an x86-64 getpid, an i386 getpid (int $0x80) and an
# x32 getpid.  Exported from its own trace, its filter allows getpid, yet the
# i386 and x32 calls must get the default action: EPERM with errno, SIGSYS
# with kill.  The filter is loaded by a real consumer (bwrap).
set -euo pipefail

: "${SYSPHASE:?}" "${SRCDIR:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (ptrace)"; exit 77; }
for tool in jq bwrap cc; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done

T=$(mktemp -d /tmp/sysphase-abi.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
CLEAN=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C)

# A plain build of the tracee: a sanitizer build's runtime would add its own
# calls (and LeakSanitizer cannot run under ptrace).
cc -o "$T/int80" "$SRCDIR/tests/tracees/int80.c"

(cd /tmp && "${CLEAN[@]}" "$SYSPHASE" record -o "$T/t" --rules generic -- "$T/int80") \
	>"$T/rec.out"
grep -q "i386 getpid returned" "$T/rec.out" || fail "int80 under record: $(cat "$T/rec.out")"
"$SYSPHASE" export "$T/t" -o "$T/errno" --default-action errno --format bpf >/dev/null \
	2>"$T/warn"
grep -q "no x86-64 filter can allow" "$T/warn" || fail "no warning about i386/x32: $(cat "$T/warn")"
"$SYSPHASE" export "$T/t" -o "$T/kill" --format bpf >/dev/null 2>&1
P="$T/errno/policy.json"
FIRST=$(jq -r '[.phases[] | select(.processes_started > 0)][0].name' "$P")
jq -e --arg f "$FIRST" '.phases[] | select(.name == $f) | .enforce | index("getpid")' "$P" \
	>/dev/null || fail "the x86-64 getpid is not allowed: no point"
jq -e '[.phases[].other_abi] | add >= 2' "$P" >/dev/null || fail "i386/x32 calls not counted"
stem=$(printf '%s' "$FIRST" | sed 's/[^A-Za-z0-9._-]/_/g; s/^\./_/')

# errno: both calls fail with EPERM (int80 reports them and exits 1).
rc=0
"${CLEAN[@]}" bwrap --ro-bind / / --dev /dev --seccomp 9 9<"$T/errno/$stem.bpf" "$T/int80" \
	>"$T/out" 2>&1 || rc=$?
cat "$T/out"
[ "$rc" = 1 ] || fail "int80 under the errno filter: status $rc"
grep -q "i386 getpid returned -1," "$T/out" || fail "i386 getpid was not denied with EPERM"
grep -q "x32 getpid failed with EPERM" "$T/out" || fail "x32 getpid was not denied with EPERM"

# kill: the process dies at the i386 call.
rc=0
"${CLEAN[@]}" bwrap --ro-bind / / --dev /dev --seccomp 9 9<"$T/kill/$stem.bpf" "$T/int80" \
	>"$T/out" 2>&1 || rc=$?
[ "$rc" = 159 ] || fail "int80 under the kill filter: status $rc, wanted 159 (SIGSYS)"
echo PASS
