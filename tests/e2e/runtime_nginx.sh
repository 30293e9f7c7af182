#!/bin/bash
# SPDX-License-Identifier: MIT
# The runtime is not the program, with a real server: Debian's nginx and the
# libraries it loads copied into a runc rootfs (with the loader's cache and
# the files glibc reads), the scratch configuration copied to the same path
# inside the rootfs as on the host (never shared: the container's pid file
# holds its own PID 1, which must never reach a host-side kill).  The same
# workload recorded on the host and in the
# container (under runc, and crun where it runs) gives the same nginx phases
# within a few calls; the runtime's own calls are in none.
. "$(dirname "$0")/lib_nginx.sh"
. "$(dirname "$0")/lib_container.sh"
need jq runc ldd
trap '_container_cleanup; stop_nginx; _e2e_cleanup' EXIT

served() { curl -s -o /dev/null -m 5 "$URL/"; }
workload() {
	curl -sf "$URL/" >/dev/null && curl -s "$URL/missing" >/dev/null
}

# ---- the rootfs: nginx, its libraries, what glibc reads, the pristine scratch dir ----
B="$T/bundle"
make_nginx_bundle "$B"

# ---- on the host ----
"$SYSPHASE" record --rules nginx -o "$T/host.trace" -- "$NGINX" -c "$DIR/nginx.conf" \
	>"$T/host.out" 2>&1 &
REC=$!
track "$REC"
wait_until 60 nginx_ready || { fail "nginx did not start: $(cat "$T/host.out")"; exit 1; }
workload || fail "host workload"
m=$(master_pid)
[ -n "$m" ] && [ "$m" -gt 1 ] && kill -QUIT "$m"
wait "$REC" || true
rm -f "$DIR/nginx.pid"
"$SYSPHASE" export "$T/host.trace" -o "$T/host-pol" --format oci >/dev/null 2>&1 || fail "host export"

lists() {
	jq -r '.phases[] | "\(.name): \([.exact[].name] | sort | join(" "))"' "$1"
}
policy_distance() {
	jq -n --slurpfile a "$1" --slurpfile b "$2" '
		def m(p): [p.phases[] | {key: .name, value: [.exact[].name]}] | from_entries;
		(m($a[0])) as $x | (m($b[0])) as $y
		| [($x + $y) | keys[] | . as $k
		   | (($x[$k] // []) - ($y[$k] // [])) + (($y[$k] // []) - ($x[$k] // [])) | length]
		| add'
}

for RT in runc crun; do
	command -v "$RT" >/dev/null || { echo "$RT: not installed, skipped"; continue; }
	id="sysphase-$$-nginx-$RT"
	CONTAINER_IDS+=("$RT:$id")
	runtime_argv "$RT" "$B" "$id"
	"$SYSPHASE" record --rules nginx -o "$T/$RT.trace" -- "${RCMD[@]}" </dev/null >"$T/$RT.out" 2>&1 &
	REC=$!
	track "$REC"
	if ! wait_until 60 served; then
		fail "$RT: nginx did not start in the container: $(tail -5 "$T/$RT.out")"
		"$RT" delete -f "$id" >/dev/null 2>&1
		continue
	fi
	workload || fail "$RT: workload"
	"$RT" kill "$id" QUIT
	wait "$REC" || true
	"$RT" delete -f "$id" >/dev/null 2>&1 || true
	"$SYSPHASE" export "$T/$RT.trace" -o "$T/$RT-pol" --format oci >"$T/$RT.export" 2>&1 ||
		{ fail "$RT: export: $(cat "$T/$RT.export")"; continue; }
	grep -q "container runtime is in front" "$T/$RT.export" || fail "$RT: the runtime was not recognised"
	d=$(policy_distance "$T/$RT-pol/policy.json" "$T/host-pol/policy.json")
	n=$(jq '[.phases[].exact | length] | add' "$T/host-pol/policy.json")
	echo "$RT: container vs host nginx policy: $d of $n names differ"
	echo "$RT: $(diff <(lists "$T/$RT-pol/policy.json") <(lists "$T/host-pol/policy.json") | grep '^[<>]' | head -8)"
	[ "$d" -le 3 ] || fail "$RT: container and host nginx policies differ by $d names"
done
finish
