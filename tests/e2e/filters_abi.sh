#!/bin/bash
# SPDX-License-Identifier: MIT
# The int80 tracee makes an x86-64 getpid, an i386 getpid (int $0x80) and an
# x32 getpid.  Exported from its own trace, its filter allows getpid, yet the
# i386 and x32 calls must get the default action: EPERM with errno, SIGSYS
# with kill.  The filter is loaded by a real consumer (bwrap).  On a kernel
# without IA32 emulation the tracee makes only the x32 call (the i386 one
# would die of SIGSEGV with or without a filter), and says so.

. "$(dirname "$0")/lib.sh"
need jq bwrap cc
need_sysphase
[ "$(id -u)" = 0 ] || {
	echo "SKIP: needs root (ptrace)"
	exit 77
}

die() {
	fail "$@"
	finish
}
CLEAN=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C)

args=()
abis=2
if ! have_ia32; then
	args=(--no-i386)
	abis=1
fi

# A plain build of the tracee: a sanitizer build's runtime would add its own
# calls (and LeakSanitizer cannot run under ptrace).
cc -o "$T/int80" "$SRCDIR/tests/tracees/int80.c"

(cd /tmp && "${CLEAN[@]}" "$SYSPHASE" record -o "$T/t" --rules generic -- "$T/int80" \
	"${args[@]}") >"$T/rec.out"
grep -q "x32 getpid" "$T/rec.out" || die "int80 under record: $(cat "$T/rec.out")"
"$SYSPHASE" export "$T/t" -o "$T/errno" --default-action errno --format bpf >/dev/null \
	2>"$T/warn"
grep -q "no x86-64 filter can allow" "$T/warn" || die "no warning about i386/x32: $(cat "$T/warn")"
"$SYSPHASE" export "$T/t" -o "$T/kill" --format bpf >/dev/null 2>&1
P="$T/errno/policy.json"
FIRST=$(jq -r '[.phases[] | select(.processes_started > 0)][0].name' "$P")
jq -e --arg f "$FIRST" '.phases[] | select(.name == $f) | .enforce | index("getpid")' "$P" \
	>/dev/null || die "the x86-64 getpid is not allowed: no point"
jq -e --argjson n "$abis" '[.phases[].other_abi] | add >= $n' "$P" >/dev/null ||
	die "i386/x32 calls not counted"
stem=$(printf '%s' "$FIRST" | sed 's/[^A-Za-z0-9._-]/_/g; s/^\./_/')

# errno: the calls fail with EPERM (int80 reports them and exits 1).
rc=0
"${CLEAN[@]}" bwrap --ro-bind / / --dev /dev --seccomp 9 9<"$T/errno/$stem.bpf" "$T/int80" \
	"${args[@]}" >"$T/out" 2>&1 || rc=$?
cat "$T/out"
check "int80 under the errno filter exits 1 (status $rc)" test "$rc" = 1
if [ "$abis" = 2 ]; then
	check "i386 getpid is denied with EPERM" grep -q "i386 getpid returned -1," "$T/out"
fi
check "x32 getpid is denied with EPERM" grep -q "x32 getpid failed with EPERM" "$T/out"

# kill: the process dies at its first foreign-ABI call.
rc=0
"${CLEAN[@]}" bwrap --ro-bind / / --dev /dev --seccomp 9 9<"$T/kill/$stem.bpf" "$T/int80" \
	"${args[@]}" >"$T/out" 2>&1 || rc=$?
check "int80 under the kill filter dies of SIGSYS (status $rc, wanted 159)" test "$rc" = 159
finish
