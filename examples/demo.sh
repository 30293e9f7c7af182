#!/usr/bin/env bash
# The main job on a bundled default: trace Debian's nginx through start,
# a request workload and a graceful stop, cut the trace into nginx's
# lifecycle phases, export one seccomp filter per phase, then serve the
# same workload again under those filters with `sysphase run`.
#   examples/demo.sh [OUTDIR]      (default: ./sysphase-demo)
# Does its own set-up: the Debian packages it needs if missing (the build and
# nginx-light: examples/deps.sh), configure, build.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-sysphase-demo}" && cd "${1:-sysphase-demo}" && pwd)
build="$src/build"
nginx_pid=

bash "$src/examples/deps.sh" nginx-light   # the build and nginx, nothing else
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target sysphase >/dev/null
sysphase=$build/sysphase

stop_nginx() {
	# nginx's master names itself in its pid file; QUIT is its graceful stop.
	if [ -s "$out/nginx/nginx.pid" ]; then
		kill -QUIT "$(cat "$out/nginx/nginx.pid")" 2>/dev/null || true
	fi
	if [ -n "$nginx_pid" ]; then
		wait "$nginx_pid" 2>/dev/null || true
	fi
	nginx_pid=
}
trap stop_nginx EXIT

wait_ready() {
	for _ in $(seq 200); do
		curl -s -o /dev/null "http://127.0.0.1:$port/" && return 0
		sleep 0.05
	done
	echo "demo: nginx did not answer on 127.0.0.1:$port" >&2
	exit 1
}

port=$(bash "$src/examples/nginx/free-port.sh")
rm -rf "$out/nginx" "$out/filters"
mkdir -p "$out/nginx"
bash "$src/examples/nginx/nginx-config.sh" "$out/nginx" "$port" 1 off
nginx_cmd=(/usr/sbin/nginx -p "$out/nginx" -c "$out/nginx/nginx.conf" -e "$out/nginx/error.log")

echo "== 1. record nginx on 127.0.0.1:$port under a workload"
"$sysphase" record --rules nginx -o "$out/nginx.trace.jsonl" -- "${nginx_cmd[@]}" &
nginx_pid=$!
wait_ready
bash "$src/examples/nginx/workload.sh" "$port"
stop_nginx
echo "trace: $out/nginx.trace.jsonl ($(wc -l <"$out/nginx.trace.jsonl") lines)"

echo
echo "== 2. the phase timeline"
"$sysphase" phases "$out/nginx.trace.jsonl"

echo
echo "== 3. one seccomp filter per phase"
"$sysphase" export --rules nginx --format bpf,oci,systemd,c -o "$out/filters" --force \
	"$out/nginx.trace.jsonl"

echo
echo "== 4. nginx again, under its phases"
"$sysphase" run --policy "$out/filters/policy.json" -- "${nginx_cmd[@]}" &
nginx_pid=$!
wait_ready
bash "$src/examples/nginx/workload.sh" "$port" && echo "workload served: /, a 404, keep-alive"
master=$(cat "$out/nginx/nginx.pid")
for w in $(cat "/proc/$master/task/$master/children"); do
	# Detached (no tracer) and filtered: the serving phase runs under BPF alone.
	printf 'worker %s: %s, %s\n' "$w" \
		"$(grep TracerPid "/proc/$w/status" | tr -s '\t' ' ')" \
		"$(grep Seccomp_filters "/proc/$w/status" | tr -s '\t' ' ')"
done
stop_nginx
echo
echo "done: trace, policy and filters are in $out"
