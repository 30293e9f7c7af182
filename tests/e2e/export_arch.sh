#!/bin/bash
# SPDX-License-Identifier: MIT
# export --arch: a recording of Debian's static busybox (x86-64) exported for
# x86_64 and aarch64.  Every aarch64 filter is judged by the project's BPF
# simulator (tests/tools/bpfcheck) on aarch64 numbers: each call of the
# phase's translation is allowed, a call outside it and any x86-64 call are
# killed.  The OCI and k8s profiles list both architectures.  With qemu-user
# and Debian's arm64 busybox-static (tests/deps.sh unpacks it), the same
# commands run as aarch64 code and every call they make is allowed by the
# starting phase's aarch64 filter, and refused by the last phase's; the same
# for Debian's armhf busybox against the arm filter.  The i386 busybox runs on
# this kernel (IA32 emulation) in a runc container whose linux.seccomp is the
# start profile for x86_64 and i386: the kernel itself enforces the i386 part.
. "$(dirname "$0")/lib.sh"
need_sysphase
need jq busybox
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (ptrace)"; exit 77; }
BPFCHECK=${BUILDDIR:?}/tools/bpfcheck
[ -x "$BPFCHECK" ] || { echo "FAIL: $BPFCHECK missing"; exit 1; }
BB=$(command -v busybox)
file "$BB" | grep -q "statically linked" || { echo "SKIP: busybox is not static"; exit 77; }

# The same commands for both architectures: directory listing, a rename,
# pipes and dup2 (the shell's redirections), fork and exec.
SCRIPT="ls / >/dev/null; cat /etc/hostname >/dev/null; mkdir -p $T/w/d; mv $T/w/d $T/w/e; rmdir $T/w/e; echo x | cat >/dev/null"
mkdir -p "$T/w"
env -i PATH=/usr/bin:/bin "$SYSPHASE" record -o "$T/bb.trace" --rules generic -- "$BB" sh -c "$SCRIPT" \
	>/dev/null || fail "record failed"
"$SYSPHASE" export "$T/bb.trace" -o "$T/out" --arch x86_64,aarch64 --format bpf,oci,k8s,systemd \
	>"$T/export.out" 2>&1 || { cat "$T/export.out"; fail "export --arch failed"; exit 1; }
grep -E '^aarch64:' "$T/export.out" | grep -q 'dup2->dup3' || fail "no dup2->dup3 in: $(cat "$T/export.out")"
grep -q 'arch_prctl: no counterpart on aarch64' "$T/export.out" || fail "arch_prctl not reported"

P="$T/out/policy.json"
stem() { printf '%s' "$1" | sed 's/[^A-Za-z0-9._-]/_/g; s/^\./_/'; }
n=0
while read -r phase; do
	s=$(stem "$phase")
	for f in "$s.bpf" "$s.aarch64.bpf" "$s.aarch64.conf" "$s.conf" "$s.oci.json" "$s.k8s.json"; do
		[ -s "$T/out/$f" ] || fail "$f missing"
	done
	jq -e '.architectures == ["SCMP_ARCH_X86_64","SCMP_ARCH_AARCH64"]' "$T/out/$s.oci.json" >/dev/null ||
		fail "$s.oci.json: architectures $(jq -c .architectures "$T/out/$s.oci.json")"
	jq -e '.spec.architectures == ["SCMP_ARCH_X86_64","SCMP_ARCH_AARCH64"]' "$T/out/$s.k8s.json" \
		>/dev/null || fail "$s.k8s.json: spec.architectures"
	names=$(sed -n 's/^SystemCallFilter=//p' "$T/out/$s.aarch64.conf")
	[ -n "$names" ] || fail "$s.aarch64.conf: no names"
	for x86only in open stat poll epoll_wait dup2 pipe fork arch_prctl; do
		case " $names " in *" $x86only "*) fail "$s: aarch64 list holds '$x86only'" ;; esac
	done
	# Every call of the translation, on aarch64 numbers.
	"$BPFCHECK" "$T/out/$s.aarch64.bpf" aarch64 $names >"$T/check.out" || fail "bpfcheck $s"
	bad=$(awk '$3 != "allow"' "$T/check.out")
	[ -z "$bad" ] || fail "$s.aarch64.bpf refuses its own translation: $bad"
	[ "$(wc -l <"$T/check.out")" = "$(echo $names | wc -w)" ] || fail "$s: not every call checked"
	# Outside the list, and x86-64's numbers, are killed.
	outside=$(for c in kexec_load bpf init_module ptrace; do case " $names " in *" $c "*) ;; *) echo "$c" ;; esac; done)
	"$BPFCHECK" "$T/out/$s.aarch64.bpf" aarch64 $outside | awk '$3 != "kill_process"' |
		grep . && fail "$s.aarch64.bpf allows a call outside its list"
	"$BPFCHECK" "$T/out/$s.aarch64.bpf" x86_64 read | grep -q kill_process ||
		fail "$s.aarch64.bpf allows an x86-64 call"
	n=$((n + 1))
done < <(jq -r '.phases[].name' "$P")
[ "$n" -ge 3 ] || fail "only $n phases"
echo "aarch64: $n phases' filters checked"

# The recording's translation, then the real aarch64 program under qemu-user.
ARCH_DIR=${SYSPHASE_ARCH_DIR:-/var/cache/sysphase}
ARM64_BB=$ARCH_DIR/arm64/bin/busybox
QEMU=$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)
if [ -z "$QEMU" ] || [ ! -x "$ARM64_BB" ]; then
	echo "qemu part skipped: qemu-aarch64 or $ARM64_BB missing (tests/deps.sh)"
else
	FIRST=$(stem "$(jq -r '[.phases[] | select(.processes_started > 0)][0].name' "$P")")
	LAST=$(stem "$(jq -r '.phases[-1].name' "$P")")
	env -i PATH=/usr/bin:/bin "$QEMU" -strace "$ARM64_BB" sh -c "$SCRIPT" 2>"$T/qemu.log" >/dev/null ||
		fail "aarch64 busybox failed under qemu"
	calls=$(grep -oE '^[0-9]+ [a-z_0-9]+\(|Unknown syscall [0-9]+' "$T/qemu.log" |
		sed -E 's/^[0-9]+ //; s/\($//; s/Unknown syscall /#/' | sort -u)
	[ "$(echo "$calls" | wc -w)" -gt 15 ] || fail "qemu -strace showed too few calls: $calls"
	"$BPFCHECK" "$T/out/$FIRST.aarch64.bpf" aarch64 $calls >"$T/qemu.check" || fail "bpfcheck qemu"
	bad=$(awk '$3 != "allow"' "$T/qemu.check")
	[ -z "$bad" ] || fail "aarch64 busybox makes calls $FIRST.aarch64.bpf refuses: $bad"
	echo "qemu: $(echo "$calls" | wc -w) distinct aarch64 calls, all allowed by $FIRST"
	"$BPFCHECK" "$T/out/$LAST.aarch64.bpf" aarch64 $calls | grep -q 'execve .* kill_process' ||
		fail "the last phase ($LAST) allows execve on aarch64"
fi
# qemu_calls QEMU BUSYBOX: the distinct calls the foreign busybox makes running $SCRIPT.
qemu_calls() {
	rm -rf "$T/w"/*
	env -i PATH=/usr/bin:/bin "$1" -strace "$2" sh -c "$SCRIPT" 2>"$T/qemu.log" >/dev/null ||
		fail "$2 failed under $1"
	grep -oE '^[0-9]+ [a-z_0-9]+\(|Unknown syscall [0-9]+' "$T/qemu.log" |
		sed -E 's/^[0-9]+ //; s/\($//; s/Unknown syscall /#/' | sort -u
}

# ---- arm (armhf) under qemu-arm against PHASE.arm.bpf ----
ARM_BB=$ARCH_DIR/armhf/bin/busybox
QEMU_ARM=$(command -v qemu-arm-static || command -v qemu-arm || true)
if [ -n "$QEMU_ARM" ] && [ -x "$ARM_BB" ]; then
	"$SYSPHASE" export "$T/bb.trace" -o "$T/arm" --arch arm --format bpf,systemd >/dev/null 2>&1 ||
		fail "export --arch arm"
	FIRST=$(stem "$(jq -r '[.phases[] | select(.processes_started > 0)][0].name' "$T/arm/policy.json")")
	calls=$(qemu_calls "$QEMU_ARM" "$ARM_BB")
	[ "$(echo "$calls" | wc -w)" -gt 15 ] || fail "qemu-arm -strace showed too few calls: $calls"
	"$BPFCHECK" "$T/arm/$FIRST.arm.bpf" arm $calls >"$T/arm.check" || fail "bpfcheck arm"
	bad=$(awk '$3 != "allow"' "$T/arm.check")
	[ -z "$bad" ] || fail "armhf busybox makes calls $FIRST.arm.bpf refuses: $bad"
	echo "qemu-arm: $(echo "$calls" | wc -w) distinct arm calls, all allowed by $FIRST"
else
	echo "arm part skipped: qemu-arm or $ARM_BB missing (tests/deps.sh)"
fi

# ---- i386 for real: runc loads the start profile (x86_64 + i386), the kernel enforces it ----
I386_BB=$ARCH_DIR/i386/bin/busybox
if [ -x "$I386_BB" ] && "$I386_BB" true 2>/dev/null && command -v runc >/dev/null; then
	"$SYSPHASE" export "$T/bb.trace" -o "$T/i386" --arch x86_64,i386 --format oci >/dev/null 2>&1 ||
		fail "export --arch x86_64,i386"
	jq -e '.architectures == ["SCMP_ARCH_X86_64","SCMP_ARCH_X86"]' "$T/i386/start.oci.json" \
		>/dev/null || fail "start.oci.json: $(jq -c .architectures "$T/i386/start.oci.json")"
	B="$T/b32"
	mkdir -p "$B/rootfs/bin" "$B/rootfs/etc" "$B/rootfs/proc" "$B/rootfs/dev" "$B/rootfs/$T/w"
	cp "$I386_BB" "$B/rootfs/bin/busybox"
	ln -s busybox "$B/rootfs/bin/sh"
	ln -s busybox "$B/rootfs/bin/ls"
	echo c >"$B/rootfs/etc/hostname"
	(cd "$B" && runc spec)
	run32() {
		jq --slurpfile p "$1" --arg s "$SCRIPT; echo done32" '.process.terminal = false
			| .process.args = ["/bin/sh", "-c", $s] | .linux.seccomp = $p[0] | .root.readonly = false' \
			"$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
		local id="sysphase-$$-i386-$2" rc=0
		timeout 120 runc run --bundle "$B" "$id" </dev/null >"$T/b32.out" 2>"$T/b32.err" || rc=$?
		runc delete -f "$id" >/dev/null 2>&1 || true
		return $rc
	}
	if run32 "$T/i386/start.oci.json" ok && grep -q done32 "$T/b32.out"; then
		echo "i386: busybox ran the script under the start profile's i386 part"
	else
		fail "i386 busybox under start.oci.json: $(cat "$T/b32.err")"
	fi
	# Control: the same profile without its i386 architecture kills the i386 program.
	jq '.architectures = ["SCMP_ARCH_X86_64"]' "$T/i386/start.oci.json" >"$T/x86only.json"
	rc=0
	run32 "$T/x86only.json" ctl || rc=$?
	[ "$rc" != 0 ] && ! grep -q done32 "$T/b32.out" || fail "an x86-64-only profile let i386 busybox run"
else
	echo "i386 part skipped: no i386 busybox, no IA32 emulation, or no runc"
fi
[ "$_e2e_failed" = 0 ] && echo PASS
exit "$_e2e_failed"
