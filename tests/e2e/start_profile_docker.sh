#!/bin/bash
# SPDX-License-Identifier: MIT
# The README's Docker and Kubernetes lines, tested: a busybox httpd recorded
# under runc; `docker run --security-opt seccomp=start.oci.json` (Debian's
# docker.io, a dockerd started here with its own data root, vfs, no
# iptables, no bridge, stopped by its pid) serves from an image imported
# from a tarball (no registry); the serving phase's profile kills it.  The
# README's Pod manifest is read from the README itself and checked: it
# parses as YAML, is a v1 Pod whose securityContext.seccompProfile is
# {type: Localhost, localhostProfile: a relative path without ".."}, as the
# API server's ValidateSeccompProfileField wants, with no other field in
# it; no API server validates it here (none runs), and the file it names
# is the start.oci.json that runc, crun, podman and Docker load here.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_container.sh"
need_sysphase
need jq file curl runc python3
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (ptrace, runc, dockerd)"; exit 77; }
need_static_busybox
command -v dockerd >/dev/null || { echo "SKIP: dockerd is not installed (docker.io)"; exit 77; }
trap 'stop_dockerd; _container_cleanup; _e2e_cleanup' EXIT

# ---- the README's Pod, checked first: it needs nothing running ----
python3 - "$SRCDIR/README.md" >"$T/pod.json" <<'PY' || fail "the README's Pod manifest does not parse"
import json, re, sys, yaml
readme = open(sys.argv[1]).read()
m = re.search(r"\n( *)apiVersion: v1\n\1kind: Pod\n(?:\1.*\n|\n)*", readme)
if not m:
    sys.exit("no 'apiVersion: v1 / kind: Pod' block in the README")
indent = len(m.group(1))
text = "\n".join(l[indent:] for l in m.group(0).strip("\n").split("\n"))
print(json.dumps(yaml.safe_load(text)))
PY
jq -e '.apiVersion == "v1" and .kind == "Pod" and (.metadata.name | type == "string")
	and (.spec.containers | length >= 1) and all(.spec.containers[]; .name and .image)
	and (.spec.securityContext.seccompProfile | keys == ["localhostProfile", "type"])
	and .spec.securityContext.seccompProfile.type == "Localhost"
	and (.spec.securityContext.seccompProfile.localhostProfile
		| type == "string" and length > 0 and (startswith("/") | not) and (split("/") | index("..") == null))' \
	"$T/pod.json" >/dev/null &&
	pass "the README's Pod: v1, securityContext.seccompProfile Localhost with a relative localhostProfile" ||
	fail "the README's Pod: $(jq -c '.spec.securityContext' "$T/pod.json" 2>/dev/null)"

# ---- the recording under runc ----
httpd_bundle
record_httpd_in_runc
"$SYSPHASE" export "$T/httpd.trace" -o "$T/pol" --format oci,k8s >"$T/export.out" 2>&1 ||
	{ cat "$T/export.out"; fail "export"; exit 1; }

# ---- Docker ----
start_dockerd || { fail "dockerd did not start: $(tail -5 "$T/dk/log")"; exit 1; }
"${DOCKER[@]}" version --format 'docker: client {{.Client.Version}}, server {{.Server.Version}}' || true
tar -C "$B/rootfs" -cf "$T/rootfs.tar" .
"${DOCKER[@]}" import "$T/rootfs.tar" sysphase-e2e:httpd >/dev/null ||
	{ fail "docker import"; exit 1; }
HTTPD=(/bin/busybox httpd -f -p "127.0.0.1:$PORT" -h /www)
"${DOCKER[@]}" run -d --name "sp-$$" --network host --security-opt seccomp="$T/pol/start.oci.json" \
	sysphase-e2e:httpd "${HTTPD[@]}" >"$T/docker.out" 2>&1 || fail "docker run: $(cat "$T/docker.out")"
if wait_until 120 serves; then
	pass "docker run --security-opt seccomp=start.oci.json: serves"
else
	fail "docker under start.oci.json: $(cat "$T/docker.out"; "${DOCKER[@]}" logs "sp-$$" 2>&1 | tail -5)"
fi
check "Docker loaded the profile (Seccomp: 2 in the container's process)" \
	grep -q "^Seccomp:[[:space:]]*2" "/proc/$("${DOCKER[@]}" inspect -f '{{.State.Pid}}' "sp-$$")/status"
"${DOCKER[@]}" rm -f "sp-$$" >/dev/null 2>&1 || true
serves && fail "httpd still serves after docker rm -f"

"${DOCKER[@]}" run -d --name "sp-$$-s" --network host \
	--security-opt seccomp="$T/pol/steady_state.oci.json" sysphase-e2e:httpd "${HTTPD[@]}" \
	>"$T/docker.out" 2>&1 || true
stopped() { [ "$("${DOCKER[@]}" inspect -f '{{.State.Running}}' "sp-$$-s" 2>/dev/null)" != true ]; }
if wait_until 120 stopped; then
	code=$("${DOCKER[@]}" inspect -f '{{.State.ExitCode}}' "sp-$$-s" 2>/dev/null || echo none)
	serves && fail "httpd served under the serving phase's profile"
	check "docker under the serving phase's profile: never served, status $code ($(tail -c 200 "$T/docker.out"))" \
		test "$code" != 0
else
	fail "docker ran httpd under the serving phase's profile"
fi
"${DOCKER[@]}" rm -f "sp-$$-s" >/dev/null 2>&1 || true
finish
