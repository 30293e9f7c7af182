#!/usr/bin/env bash
# Enforcement overhead of `sysphase run` on nginx (Debian package, 127.0.0.1):
#   nginx + wrk -t1 -c10 -d10s, natively and under `sysphase run` with a
#   policy recorded from the example workload, interleaved (native, run,
#   native, run, ...) for ROUNDS rounds; prints each round, the median
#   throughput ratio run/native (of the per-round ratios), and the median
#   time nginx takes to become ready (launch until the first 200 answer)
#   both ways.  Target: ratio >= 0.97.
#   On a shared machine throughput swings with the neighbours' load, so
#   each run also reports the worker's own CPU time per request (utime +
#   stime from /proc/PID/stat over the wrk run), which filters and ptrace
#   would raise and other processes hardly move.
#   A third way, nginx under one plain seccomp filter installed before exec
#   (no ptrace), shows what seccomp itself costs on this kernel.
#   A fourth, `sysphase run --complain`, is the learning mode: the same
#   phases, and where run lets the worker go it holds its phase's filter
#   with SECCOMP_RET_LOG and is followed by events alone (its forks seen);
#   unlisted calls logged by the kernel.  Target:
#   complain/run >= 0.90, so a server can learn under production traffic.
# A benchmark, not a test: it prints figures and never fails on them.
#   bench/enforce.sh [BUILD_DIR]   (ROUNDS=3, DURATION=10; SYSPHASE=binary overrides)
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
sysphase=${SYSPHASE:-$build/sysphase}
rounds=${ROUNDS:-3}
duration=${DURATION:-10}
nginx=/usr/sbin/nginx
scratch=$(mktemp -d /tmp/sysphase-bench.XXXXXX)
# nginx's worker runs as nobody and must reach the document root.
chmod 755 "$scratch"
launcher_pid=
trap 'stop_nginx; rm -rf "$scratch"' EXIT

for tool in "$nginx" wrk curl python3 cc; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 1; }
done
if [ ! -x "$sysphase" ]; then
	cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$build" -j"$(nproc)" >/dev/null
fi

ngx=$scratch/ngx
mkdir -p "$ngx"
port=$(bash "$src/examples/nginx/free-port.sh")
bash "$src/examples/nginx/nginx-config.sh" "$ngx" "$port" 1 off
url=http://127.0.0.1:$port/

# launch PORT LOG COMMAND...: starts COMMAND in the background and polls
# GET / every millisecond until it answers 200.  Prints the command's pid
# and the seconds from its fork to that answer: one process does both, so
# no interpreter start-up is counted.  The command is left running.
launch() {
	python3 - "$@" <<'PY'
import socket, subprocess, sys, time
port, log, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
req = b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n"
out = open(log, "ab")
t0 = time.perf_counter()
child = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
deadline = t0 + 60
while time.perf_counter() < deadline and child.poll() is None:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(req)
            if s.recv(64).startswith(b"HTTP/1.1 200"):
                print(child.pid, "%.4f" % (time.perf_counter() - t0))
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.001)
print(child.pid, "never")
sys.exit(1)
PY
}

# start_nginx [WRAPPER...]: launches nginx (through WRAPPER); its ready time in $ready.
start_nginx() {
	local out
	rm -f "$ngx/nginx.pid"
	out=$(launch "$port" "$scratch/launch.log" "$@" "$nginx" -p "$ngx" -c "$ngx/nginx.conf" \
		-e "$ngx/error.log")
	launcher_pid=${out%% *}
	ready=${out#* }
	if [ "$ready" = never ]; then
		echo "bench: nginx did not become ready" >&2
		return 1
	fi
}

gone() {
	! kill -0 "$1" 2>/dev/null
}

# Stops nginx by the pid in its pid file, then waits until the launcher is gone.
stop_nginx() {
	[ -n "$launcher_pid" ] || return 0
	if [ -s "$ngx/nginx.pid" ]; then
		kill -QUIT "$(cat "$ngx/nginx.pid")" 2>/dev/null || true
	fi
	# The launcher is not our child (launch's python started it): poll.
	for _ in $(seq 3000); do
		gone "$launcher_pid" && break
		sleep 0.01
	done
	launcher_pid=
}

# cpu_ticks PID: utime + stime of PID, in clock ticks.
cpu_ticks() {
	local stat
	stat=$(cat "/proc/$1/stat")
	stat=${stat##*) }
	awk '{ print $12 + $13 }' <<<"$stat"
}

# measure: one wrk run against the running nginx; sets $rps and $cpu_us
# (the worker's CPU microseconds per request) and $state (the worker's
# TracerPid and Seccomp_filters).
measure() {
	local w t0 t1 out n hz
	w=$(pgrep -P "$(cat "$ngx/nginx.pid")" | head -1)
	hz=$(getconf CLK_TCK)
	t0=$(cpu_ticks "$w")
	out=$(wrk -t1 -c10 -d"${duration}s" "$url")
	t1=$(cpu_ticks "$w")
	rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
	n=$(awk '/ requests in / { print $1 }' <<<"$out")
	cpu_us=$(python3 -c "print('%.2f' % (($t1 - $t0) * 1e6 / $hz / $n))")
	state=$(awk '/^(TracerPid|Seccomp_filters):/ { printf "%s%s ", $1, $2 }' "/proc/$w/status")
}

median() {
	python3 -c 'import statistics, sys; print("%.4f" % statistics.median(map(float, sys.argv[1:])))' "$@"
}

echo "== policy: sysphase record --rules nginx under examples/nginx/workload.sh"
start_nginx "$sysphase" record --rules nginx -o "$scratch/trace.jsonl" --
WRK=1 bash "$src/examples/nginx/workload.sh" "$port"
stop_nginx
"$sysphase" export --rules nginx "$scratch/trace.jsonl" -o "$scratch/pol" | tail -1

# The cost of seccomp itself, without sysphase: nginx under one plain filter
# (its first phase's, from the export's own C header) installed before exec.
cat >"$scratch/one_filter.c" <<'C'
#include <stdio.h>
#include <unistd.h>
#include "sysphase_phases.h"
int main(int argc, char **argv)
{
	(void)argc;
	if (sysphase_enter_phase("execution initiation") != 0) {
		perror("one_filter: sysphase_enter_phase");
		return 1;
	}
	execv(argv[1], argv + 1);
	perror("one_filter: execv");
	return 127;
}
C
cc -O2 -I"$scratch/pol" -o "$scratch/one_filter" "$scratch/one_filter.c"

echo "== nginx + wrk -t1 -c10 -d${duration}s on 127.0.0.1, $rounds rounds, interleaved"
echo "   (one: one plain seccomp filter, no ptrace: what any seccomp sandbox costs)"
printf '%-5s %11s %11s %11s %11s %7s %7s %8s %9s %9s %9s %9s\n' round native_rps one_rps \
	run_rps cmp_rps one/nat run/nat cmp/run native_us run_us native_rdy run_rdy
ratios=() one_ratios=() n_rps=() o_rps=() r_rps=() c_rps=() n_ready=() r_ready=() n_cpu=() r_cpu=()
cpu_ratios=() cmp_ratios=()
for r in $(seq "$rounds"); do
	start_nginx
	nr=$ready
	measure
	nt=$rps nc=$cpu_us
	stop_nginx
	start_nginx "$scratch/one_filter"
	measure
	ot=$rps
	stop_nginx
	start_nginx "$sysphase" run --policy "$scratch/pol/policy.json" --
	rr=$ready
	measure
	rt=$rps rc=$cpu_us
	stop_nginx
	start_nginx "$sysphase" run --policy "$scratch/pol/policy.json" \
		--complain="$scratch/complain.log" --
	measure
	ct=$rps cstate=$state
	stop_nginx
	ratio=$(python3 -c "print('%.4f' % ($rt / $nt))")
	cmp_ratio=$(python3 -c "print('%.4f' % ($ct / $rt))")
	one_ratio=$(python3 -c "print('%.4f' % ($ot / $nt))")
	# The figures only count if the worker really ran detached and filtered.
	printf '%-5s %11s %11s %11s %11s %7s %7s %8s %9s %9s %9s %9s  run worker: %s complain worker: %s\n' \
		"$r" "$nt" "$ot" "$rt" "$ct" "$one_ratio" "$ratio" "$cmp_ratio" "$nc" "$rc" "$nr" "$rr" \
		"$state" "$cstate"
	ratios+=("$ratio") one_ratios+=("$one_ratio") n_rps+=("$nt") o_rps+=("$ot")
	r_rps+=("$rt") c_rps+=("$ct") n_ready+=("$nr") r_ready+=("$rr") n_cpu+=("$nc") r_cpu+=("$rc")
	cmp_ratios+=("$cmp_ratio")
	cpu_ratios+=("$(python3 -c "print('%.4f' % ($rc / $nc))")")
done
if grep -q -e "killed by" -e "denied" "$scratch/launch.log"; then
	echo "bench: sysphase reported violations:" >&2
	grep -e "killed by" -e "denied" "$scratch/launch.log" >&2
fi
echo "median requests/s: native $(median "${n_rps[@]}"), one plain filter $(median "${o_rps[@]}")," \
	"sysphase run $(median "${r_rps[@]}"), run --complain $(median "${c_rps[@]}")"
echo "median throughput ratio complain/run: $(median "${cmp_ratios[@]}") (target >= 0.90)"
echo "complain log: $(grep -c . "$scratch/complain.log") lines after $rounds runs (appended, deduplicated)"
echo "median throughput ratio run/native: $(median "${ratios[@]}") (target >= 0.97);" \
	"one plain filter/native: $(median "${one_ratios[@]}")"
echo "median worker CPU per request: native $(median "${n_cpu[@]}") us, sysphase run $(median "${r_cpu[@]}") us;" \
	"median ratio run/native $(median "${cpu_ratios[@]}")"
echo "median time to ready: native $(median "${n_ready[@]}") s, sysphase run $(median "${r_ready[@]}") s"
