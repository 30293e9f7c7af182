#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Stacks through a static binary whose .eh_frame has no .eh_frame_hdr:
# Debian's busybox (busybox-static) has no PT_GNU_EH_FRAME, so libunwind
# alone found no frame past the syscall's own, and export's completion
# reached no function.  tracer/stack_eh.c indexes .eh_frame itself: the
# plain `record` of `busybox ls -l DIR` must give busybox's syscalls
# stacks that go back through the calls that made them (each outer frame
# a return address: just after a call instruction), and `export` must
# complete from them.

. "$(dirname "$0")/lib.sh"
need_sysphase
need busybox python3

bb=$(command -v busybox)
# The point is a binary without the index; a busybox built with one tests nothing here.
hdr=$(python3 - "$bb" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
if d[:4] != b"\x7fELF" or d[4] != 2:
    print("not-elf64"); sys.exit()
phoff, = struct.unpack_from("<Q", d, 0x20)
phentsize, phnum = struct.unpack_from("<HH", d, 0x36)
interp = any(struct.unpack_from("<I", d, phoff + i * phentsize)[0] == 3 for i in range(phnum))
eh = any(struct.unpack_from("<I", d, phoff + i * phentsize)[0] == 0x6474e550 for i in range(phnum))
print("dynamic" if interp else "has-hdr" if eh else "static-no-hdr")
EOF
)
if [ "$hdr" != static-no-hdr ]; then
	echo "SKIP: $bb is $hdr, not a static binary without .eh_frame_hdr"
	exit 77
fi

mkdir -p "$T/dir/sub"
for f in a b c; do echo "$f" >"$T/dir/$f"; done

"$SYSPHASE" record -o "$T/ls.jsonl" -- "$bb" ls -l "$T/dir" >"$T/ls.out" 2>"$T/ls.err"
check "record busybox ls -l exits 0" test $? -eq 0
check "busybox listed the directory" grep -q ' sub$' "$T/ls.out"

# Frames of the syscalls busybox made itself (after its exec), checked against its own code:
# every outer frame must be a return address, i.e. the byte after a `call` (objdump-free:
# the call's rel32 form e8 xx xx xx xx, the indirect forms ff /2 with their modrm/SIB/disp
# lengths, and an addr32 prefix before either).
read -r total deep dirs calls bad < <(python3 - "$T/ls.jsonl" "$bb" <<'EOF'
import json, struct, sys
trace, exe = sys.argv[1], sys.argv[2]
img = open(exe, "rb").read()
phoff, = struct.unpack_from("<Q", img, 0x20)
phentsize, phnum = struct.unpack_from("<HH", img, 0x36)
loads = []
for i in range(phnum):
    t, fl, off, va, pa, fsz = struct.unpack_from("<IIQQQQ", img, phoff + i * phentsize)
    if t == 1 and fl & 1:
        loads.append((off, fsz))

def after_call(off):
    """Whether the bytes before file offset off end with a call instruction."""
    if not any(o <= off - 1 < o + s for o, s in loads):
        return False
    if off >= 5 and img[off - 5] == 0xE8:
        return True
    for n in (2, 3, 4, 6, 7, 8):  # ff /2: modrm (+SIB) (+disp8/disp32)
        if off >= n and img[off - n] == 0xFF and (img[off - n + 1] >> 3) & 7 == 2:
            return True
    return False

total = deep = dirs = calls = bad = 0
execd = False
for line in open(trace):
    e = json.loads(line)
    if e.get("type") == "exec":
        execd = True
    if not execd or e.get("type") != "syscall":
        continue
    st = e.get("stack") or []
    if not st or st[0].get("module") != "busybox":
        continue
    total += 1
    deep += len(st) > 1
    if e["name"] in ("openat", "getdents64") and len(st) >= 3:
        dirs += 1
    for f in st[1:]:
        if f.get("module") != "busybox":
            bad += 1
        elif after_call(f["module_off"]):
            calls += 1
        else:
            bad += 1
print(total, deep, dirs, calls, bad)
EOF
)
check "busybox made syscalls with stacks ($total)" test "${total:-0}" -gt 10
check "nearly every one has frames past the syscall's own ($deep of $total)" \
	test "$((${deep:-0} * 10))" -ge "$((${total:-1} * 9))"
check "opening and listing the directory went through >= 3 frames ($dirs calls)" \
	test "${dirs:-0}" -ge 2
check "every outer frame is a return address in busybox ($calls after a call, $bad not)" \
	test "${calls:-0}" -gt 20 -a "${bad:-1}" -eq 0

# Completion now has somewhere to start from.
export XDG_CACHE_HOME=$T/cache
"$SYSPHASE" export -o "$T/policy" "$T/ls.jsonl" >"$T/export.out" 2>&1
check "export exits 0" test $? -eq 0
reached=$(sed -n 's/^completion: .* \([0-9][0-9]*\) functions reached.*/\1/p' "$T/export.out")
check "completion reaches busybox's functions (${reached:-none} reached)" \
	test "${reached:-0}" -gt 50

finish
