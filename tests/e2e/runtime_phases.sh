#!/bin/bash
# SPDX-License-Identifier: MIT
# The runtime is not the program: `record -- runc run` (and crun) traces the
# runtime and the container; phases, export and report start at the
# container's entrypoint without options, and show everything before as the
# runtime's.  The container's phases (generic rules) equal those of the same
# busybox command recorded on the host, within a few calls; without the
# detection (--no-runtime-detect) they are the runtime's, much larger.
# --entrypoint-exec N names the entrypoint by hand.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_container.sh"
need_sysphase
need jq file
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (ptrace, runc)"; exit 77; }
need_static_busybox
trap '_container_cleanup; _e2e_cleanup' EXIT

# The same work in the container and on the host: a shell that reads a file,
# lists a directory and forks a child for a pipeline.
mkdir -p "$T/host/etc"
echo container >"$T/host/etc/hostname"
SCRIPT='cat /etc/hostname; ls / >/dev/null; echo x | cat >/dev/null'
HOST_SCRIPT="cat $T/host/etc/hostname; ls $T/host >/dev/null; echo x | cat >/dev/null"
env -i PATH=/usr/bin:/bin "$SYSPHASE" record -o "$T/host.trace" --rules generic -- \
	"$BUSYBOX" sh -c "$HOST_SCRIPT" >/dev/null || fail "host record"
"$SYSPHASE" export "$T/host.trace" -o "$T/host" --format oci --force >/dev/null 2>&1 ||
	fail "host export"

# phase -> sorted exact names, one line per phase: "PHASE: a b c"
lists() {
	jq -r '.phases[] | "\(.name): \([.exact[].name] | sort | join(" "))"' "$1"
}
# How many names differ between two policies, phase by phase (symmetric difference).
policy_distance() {
	jq -n --slurpfile a "$1" --slurpfile b "$2" '
		def m(p): [p.phases[] | {key: .name, value: [.exact[].name]}] | from_entries;
		(m($a[0])) as $x | (m($b[0])) as $y
		| [($x + $y) | keys[] | . as $k
		   | (($x[$k] // []) - ($y[$k] // [])) + (($y[$k] // []) - ($x[$k] // [])) | length]
		| add'
}

for R in runc crun; do
	if ! command -v "$R" >/dev/null; then
		echo "$R: not installed, skipped"
		continue
	fi
	B="$T/bundle-$R"
	make_bundle "$B" '["/bin/sh","-c","cat /etc/hostname; ls / >/dev/null; echo x | cat >/dev/null"]'
	id="sysphase-$$-rec-$R"
	CONTAINER_IDS+=("$R:$id")
	runtime_argv "$R" "$B" "$id"
	"$SYSPHASE" record -o "$T/$R.trace" --rules generic -- "${RCMD[@]}" </dev/null \
		>"$T/$R.out" 2>"$T/$R.err" || { fail "$R: record: $(cat "$T/$R.err")"; continue; }
	"$R" delete -f "$id" >/dev/null 2>&1 || true
	[ "$(cat "$T/$R.out")" = container ] || fail "$R: the container printed '$(cat "$T/$R.out")'"
	grep -q "container runtime is in front" "$T/$R.err" || fail "$R: record did not say so"

	# phases: the runtime's processes shown as such, the container's from its entrypoint.
	"$SYSPHASE" phases "$T/$R.trace" >"$T/$R.phases" 2>"$T/$R.phases.err" || fail "$R: phases"
	grep -q "container runtime is in front" "$T/$R.phases.err" || fail "$R: phases did not say so"
	grep -q '^  (runtime) ' "$T/$R.phases" || fail "$R: no (runtime) in the timeline"
	"$SYSPHASE" phases --format json "$T/$R.trace" 2>/dev/null >"$T/$R.json"
	first=$(jq -r '[.processes[] | .phases[] | select(.phase != "(runtime)")][0].phase' "$T/$R.json")
	[ "$first" = "execution initiation" ] || fail "$R: the program starts in '$first'"
	nrt=$(jq '[.processes[] | .phases[] | select(.phase == "(runtime)") | .syscalls] | add' "$T/$R.json")
	[ "$nrt" -gt 100 ] || fail "$R: only $nrt runtime calls"

	# export: the container's policy is the host's, within a few calls.
	"$SYSPHASE" export "$T/$R.trace" -o "$T/$R-pol" --format oci --force >"$T/$R.export" 2>&1 ||
		fail "$R: export: $(cat "$T/$R.export")"
	d=$(policy_distance "$T/$R-pol/policy.json" "$T/host/policy.json")
	echo "$R: $nrt calls of the runtime; container vs host policy: $d names differ"
	[ "$d" -le 4 ] || fail "$R: container and host policies differ by $d names:
$(diff <(lists "$T/$R-pol/policy.json") <(lists "$T/host/policy.json"))"

	# Without detection the runtime's calls are in the phases: far from the host's.
	"$SYSPHASE" export --no-runtime-detect "$T/$R.trace" -o "$T/$R-nodetect" --format oci \
		--force >/dev/null 2>&1 || fail "$R: export --no-runtime-detect"
	d2=$(policy_distance "$T/$R-nodetect/policy.json" "$T/host/policy.json")
	[ "$d2" -gt 30 ] || fail "$R: --no-runtime-detect is only $d2 names from the host's"

	# --entrypoint-exec: the entrypoint by its number among the trace's execs
	# (the container's /bin/sh, a link to busybox, is the first exec of /bin/busybox).
	n=$(grep '"type":"exec"' "$T/$R.trace" | grep -n '"path":"/bin/busybox"' | head -1 | cut -d: -f1)
	"$SYSPHASE" export --entrypoint-exec "$n" "$T/$R.trace" -o "$T/$R-byexec" --format oci \
		--force >/dev/null 2>&1 || fail "$R: --entrypoint-exec $n"
	d3=$(policy_distance "$T/$R-byexec/policy.json" "$T/$R-pol/policy.json")
	[ "$d3" = 0 ] || fail "$R: --entrypoint-exec $n differs from the detection by $d3 names"
done

[ "$_e2e_failed" = 0 ] && echo PASS
exit "$_e2e_failed"
