#!/usr/bin/env bash
# Recording overhead, as ratios against baselines measured in the same run:
#   (a) 200,000 getppid() calls: native, strace -f, sysphase record (the default:
#       module+offset stacks for static completion), record --no-stack, --no-exit
#   (b) nginx (Debian package, 127.0.0.1) under wrk -t1 -c10 -d10s, the same four ways
#   Both interleave the four ways over several rounds (ROUNDS=5, NGINX_ROUNDS=2) and
#   print medians: this VM's ptrace speed drifts over minutes, and a slow spell
#   must hit every way alike.
#   (c) the supervisor's peak RSS over a 1,000,000-syscall run
#   (d) what stacks cost: 200,000 getppid() calls recorded by default (module+offset
#       frames, each call path unwound once), with --stack (symbolised) and with
#       --no-stack, interleaved the same way
# A benchmark, not a test: it prints figures and never fails on them.
#   bench/record.sh [BUILD_DIR]     (DURATION=10 to change the wrk run length)
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
sysphase=$build/sysphase
loop=$build/tracees/loop_getppid
duration=${DURATION:-10}
scratch=$(mktemp -d /tmp/sysphase-bench.XXXXXX)
nginx_pid=
trap 'stop_nginx; rm -rf "$scratch"' EXIT

if [ ! -x "$sysphase" ] || [ ! -x "$loop" ]; then
	bash "$src/tests/deps.sh"
	cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$build" -j"$(nproc)" >/dev/null
fi

ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }

# (a): the four ways interleaved, ROUNDS times, so that a slow spell of the
# (virtual) machine hits all of them alike; the median of each is shown.
echo "== (a) 200000 x getppid(), ${ROUNDS:-5} interleaved rounds, medians"
read -r native strace_t rec nostack noexit < <(python3 - "$loop" "$sysphase" "${ROUNDS:-5}" <<'PY'
import statistics, subprocess, sys, time
loop, sysphase, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
ways = [
    [loop, "200000"],
    ["strace", "-f", "-o", "/dev/null", loop, "200000"],
    [sysphase, "record", "-o", "/dev/null", "--", loop, "200000"],
    [sysphase, "record", "--no-stack", "-o", "/dev/null", "--", loop, "200000"],
    [sysphase, "record", "--no-exit", "-o", "/dev/null", "--", loop, "200000"],
]
times = [[] for _ in ways]
for _ in range(rounds):
    for i, cmd in enumerate(ways):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times[i].append(time.perf_counter() - t)
print(" ".join(f"{statistics.median(t):.4f}" for t in times))
PY
)
# "speed vs strace" is strace's time over this way's: 1.00 or more is at least as fast.
printf '%-28s %8ss  %7sx native  %5sx strace'"'"'s time  %5sx strace'"'"'s speed\n' \
	native "$native" 1.00 "$(ratio "$native" "$strace_t")" "$(ratio "$strace_t" "$native")" \
	"strace -f" "$strace_t" "$(ratio "$strace_t" "$native")" 1.00 1.00 \
	"sysphase record" "$rec" "$(ratio "$rec" "$native")" "$(ratio "$rec" "$strace_t")" \
	"$(ratio "$strace_t" "$rec")" \
	"record --no-stack" "$nostack" "$(ratio "$nostack" "$native")" \
	"$(ratio "$nostack" "$strace_t")" "$(ratio "$strace_t" "$nostack")" \
	"record --no-exit" "$noexit" "$(ratio "$noexit" "$native")" \
	"$(ratio "$noexit" "$strace_t")" "$(ratio "$strace_t" "$noexit")"

start_nginx() { # wrapper... -> sets nginx_pid, waits until it answers
	local port
	port=$(bash "$src/examples/nginx/free-port.sh")
	rm -rf "$scratch/ngx"
	mkdir -p "$scratch/ngx"
	bash "$src/examples/nginx/nginx-config.sh" "$scratch/ngx" "$port" 1 off
	"$@" /usr/sbin/nginx -p "$scratch/ngx" -c "$scratch/ngx/nginx.conf" \
		-e "$scratch/ngx/error.log" >/dev/null 2>&1 &
	nginx_pid=$!
	nginx_port=$port
	for _ in $(seq 200); do
		curl -s -o /dev/null "http://127.0.0.1:$port/" && return 0
		sleep 0.05
	done
	echo "bench: nginx did not start" >&2
	return 1
}

stop_nginx() {
	[ -n "$nginx_pid" ] || return 0
	# The master's pid file names it even when a tracer started it.
	if [ -s "$scratch/ngx/nginx.pid" ]; then
		kill -QUIT "$(cat "$scratch/ngx/nginx.pid")" 2>/dev/null || true
	fi
	wait "$nginx_pid" 2>/dev/null || true
	nginx_pid=
}

rps() { # -> requests/s of one wrk run against the running nginx
	wrk -t1 -c10 -d"${duration}s" "http://127.0.0.1:$nginx_port/" |
		awk '/^Requests\/sec/ { print $2 }'
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

nginx_rounds=${NGINX_ROUNDS:-2}
echo "== (b) nginx, wrk -t1 -c10 -d${duration}s, $nginx_rounds interleaved rounds, medians"
declare -A r all
for round in $(seq "$nginx_rounds"); do
	for mode in native strace record noexit; do
		case $mode in
		native) start_nginx env ;;
		strace) start_nginx strace -f -o /dev/null ;;
		record) start_nginx "$sysphase" record -o /dev/null -- ;;
		noexit) start_nginx "$sysphase" record --no-exit -o /dev/null -- ;;
		esac
		all[$mode]="${all[$mode]:-} $(rps)"
		stop_nginx
	done
done
for mode in native strace record noexit; do
	# shellcheck disable=SC2086 # the list of figures is meant to split
	r[$mode]=$(median ${all[$mode]})
done
printf '%-28s %10s req/s  %5s of native  %5sx strace\n' \
	native "${r[native]}" 1.00 "$(ratio "${r[native]}" "${r[strace]}")" \
	"strace -f" "${r[strace]}" "$(ratio "${r[strace]}" "${r[native]}")" 1.00 \
	"sysphase record" "${r[record]}" "$(ratio "${r[record]}" "${r[native]}")" \
	"$(ratio "${r[record]}" "${r[strace]}")" \
	"sysphase record --no-exit" "${r[noexit]}" "$(ratio "${r[noexit]}" "${r[native]}")" \
	"$(ratio "${r[noexit]}" "${r[strace]}")"

echo "== (c) supervisor peak RSS, 1000000 syscalls"
python3 - "$sysphase" "$loop" <<'PY'
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "record", "-o", "/dev/null", "--", sys.argv[2], "1000000"])
_, status, ru = os.wait4(pid, 0)
# ru_maxrss (KiB) of sysphase and what it reaped: the getppid loop is ~1 MB of it.
print(f"peak RSS {ru.ru_maxrss / 1024:.1f} MB (exit status {os.waitstatus_to_exitcode(status)})")
PY

# (d): the stacks export's completion needs.  getppid from a loop is the worst
# case: one unwind per syscall, nothing else to amortise it against.
echo "== (d) 200000 x getppid(): the cost of stacks, ${ROUNDS:-5} interleaved rounds, medians"
read -r plain addr symb < <(python3 - "$loop" "$sysphase" "${ROUNDS:-5}" <<'PY'
import statistics, subprocess, sys, time
loop, sysphase, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
ways = [
    [sysphase, "record", "--no-stack", "-o", "/dev/null", "--", loop, "200000"],
    [sysphase, "record", "-o", "/dev/null", "--", loop, "200000"],
    [sysphase, "record", "--stack", "-o", "/dev/null", "--", loop, "200000"],
]
times = [[] for _ in ways]
for _ in range(rounds):
    for i, cmd in enumerate(ways):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times[i].append(time.perf_counter() - t)
print(" ".join(f"{statistics.median(t):.4f}" for t in times))
PY
)
printf '%-28s %8ss  %7sx --no-stack\n' \
	"record --no-stack" "$plain" 1.00 \
	"record (stacks, default)" "$addr" "$(ratio "$addr" "$plain")" \
	"record --stack" "$symb" "$(ratio "$symb" "$plain")"
