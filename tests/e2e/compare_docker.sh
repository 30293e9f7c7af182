#!/bin/bash
# SPDX-License-Identifier: MIT
# docker:default against an independent reading of the same file: Debian's
# golang-github-docker-docker-dev ships Docker's default seccomp profile and
# the capability set a container gets (oci/caps/defaults.go).  A small
# Python evaluator applies the profile's includes/excludes (arches for
# amd64, caps, minKernel against `uname -r`) and keeps the names that
# exist on x86-64 per the kernel headers (asm/unistd_64.h); sysphase must
# find exactly that set, and the same names conditional on arguments.
. "$(dirname "$0")/lib.sh"

need python3
need_sysphase
docker=/usr/share/gocode/src/github.com/docker/docker
[ -f "$docker/profiles/seccomp/default.json" ] ||
	{ echo "SKIP: golang-github-docker-docker-dev is not installed"; exit 77; }
unistd=$(ls /usr/include/x86_64-linux-gnu/asm/unistd_64.h /usr/include/asm/unistd_64.h 2>/dev/null | head -1)
[ -n "$unistd" ] || { echo "SKIP: no asm/unistd_64.h (linux-libc-dev)"; exit 77; }

"$SYSPHASE" compare --format json docker:default docker:default >"$T/d.json" ||
	{ fail "compare docker:default"; finish; }

cat >"$T/oracle.py" <<'EOF'
import json, os, re, sys

profile, caps_go, unistd, got_path = sys.argv[1:5]
names = set(re.findall(r"#define __NR_(\w+) \d+", open(unistd).read()))
caps = set(re.findall(r'"(CAP_\w+)"', open(caps_go).read()))
kernel = tuple(int(x) for x in re.findall(r"\d+", os.uname().release)[:3])

def kver(s):
    v = tuple(int(x) for x in s.split("."))
    return v + (0,) * (3 - len(v))

def applies(e):
    inc, exc = e.get("includes") or {}, e.get("excludes") or {}
    if inc.get("arches") and "amd64" not in inc["arches"]:
        return False
    if any(c not in caps for c in inc.get("caps") or []):
        return False
    if inc.get("minKernel") and (kernel + (0, 0, 0))[:3] < kver(inc["minKernel"]):
        return False
    if "amd64" in (exc.get("arches") or []):
        return False
    if any(c in caps for c in exc.get("caps") or []):
        return False
    return True

d = json.load(open(profile))
assert d["defaultAction"] == "SCMP_ACT_ERRNO"
allowed, cond = set(), set()
for e in d["syscalls"]:
    if not applies(e):
        continue
    for n in e["names"]:
        if n not in names:
            continue
        if e["action"] == "SCMP_ACT_ALLOW":
            (cond if e.get("args") else allowed).add(n)
        elif not e.get("args"):
            allowed.discard(n)
cond -= allowed
got = json.load(open(got_path))["a"]
got_all = {n for lst in got["syscalls"].values() for n in lst}
ok = True
if got_all != allowed | cond:
    print("FAIL: sysphase has extra %s, lacks %s" % (sorted(got_all - allowed - cond),
                                                      sorted((allowed | cond) - got_all)))
    ok = False
if set(got["conditional"]) != cond:
    print("FAIL: conditional %s, expected %s" % (got["conditional"], sorted(cond)))
    ok = False
print("docker:default: %d syscalls, %d of them only for some arguments" % (len(got_all), len(cond)))
sys.exit(0 if ok else 1)
EOF
check "docker:default equals an independent evaluation of Debian's profile" \
	python3 "$T/oracle.py" "$docker/profiles/seccomp/default.json" "$docker/oci/caps/defaults.go" \
	"$unistd" "$T/d.json"
check "Docker's default caps let chroot in, not reboot or mount" \
	python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["a"]["syscalls"]; s={n for l in a.values() for n in l}; sys.exit(not ("chroot" in s and "reboot" not in s and "mount" not in s))' "$T/d.json"
check "32-bit-only names are skipped, not errors" \
	python3 -c 'import json,sys; sys.exit("_llseek" not in json.load(open(sys.argv[1]))["a"]["skipped"])' "$T/d.json"
"$SYSPHASE" compare docker:default thesis:nginx:chestnut >"$T/t.txt" || fail "docker vs chestnut"
check "text output names both sides" grep -q '^A: docker:default$' "$T/t.txt"
finish
