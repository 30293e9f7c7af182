#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run/native for servers nobody wrote rules for (docs/run.md, "Native speed"):
# redis (2 I/O threads, redis-benchmark SET/GET), memcached (bench/load.py,
# pipelined gets), haproxy (answering itself, wrk), dnsmasq (bench/load.py,
# UDP queries) and busybox httpd (a child forked per connection, wrk on a
# small file), each on a free 127.0.0.1 port.
#   1. the plain flow: `sysphase record --rules generic` under the same load
#      for a moment, `sysphase export`;
#   2. ROUNDS rounds, each natively then under `sysphase run --policy`
#      (interleaved, the same load for DURATION seconds): the throughput both
#      ways, and CPU time per request (the server's utime + stime, plus
#      sysphase's own under run, from /proc) which a loaded machine moves
#      less than throughput;
#   3. per server the median of the per-round ratios run/native, and how
#      the server's threads were followed under run (TracerPid and the
#      number of seccomp filters of each thread, from /proc, in steady state).
# Target (issue 15): redis >= 0.90.  A benchmark, not a test: it prints
# figures and never fails on them.
# redis's I/O threads spin while they wait for work: on a small loaded machine
# they take CPU from the main thread. They stay in `initialization` (they never
# make a steady-state wait) and run on trigger stops (docs/run.md, step 9) after
# their first 10000 calls; REDIS_IO_THREADS=1 shows redis without them.
# Each round's line ends with the load average then; the last line per server
# says how its threads were followed (TracerPid, Seccomp_filters: a thread on
# trigger stops holds one filter more than its siblings).
# busybox httpd's children each start in `child initialization` (syscall stops,
# a hand-over at their first call) and move to `child steady state` (a second
# hand-over), then are let go: it measures what a hand-over costs per connection.
#   bench/servers.sh [BUILD_DIR]   (ROUNDS=5 DURATION=5 SERVERS="redis memcached haproxy dnsmasq httpd"
#                                   REDIS_IO_THREADS=2; SYSPHASE=a copy of the binary, so that a
#                                   rebuild meanwhile cannot break a round)
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
sysphase=${SYSPHASE:-$build/sysphase}
rounds=${ROUNDS:-5}
duration=${DURATION:-5}
servers=${SERVERS:-redis memcached haproxy dnsmasq httpd}
load_py=$src/bench/load.py
scratch=$(mktemp -d /tmp/sysphase-bench-servers.XXXXXX)
chmod 755 "$scratch"
launcher=
trap 'stop_server; rm -rf "$scratch"' EXIT

[ -x "$sysphase" ] || { echo "bench: build sysphase first ($sysphase)" >&2; exit 1; }
for tool in python3; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 1; }
done

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---- each server: its command line, readiness, load (prints requests/s) ----

setup_redis() {
	cmd=(redis-server --port "$port" --bind 127.0.0.1 --io-threads "${REDIS_IO_THREADS:-2}" --save '' --appendonly no
		--dir "$scratch" --daemonize no --logfile "$scratch/redis.log")
	need=(redis-server redis-benchmark redis-cli)
}
ready_redis() { [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]; }
load_redis() {
	# SET and GET, 50 clients; the mean of the two rates.
	redis-benchmark -h 127.0.0.1 -p "$port" -t set,get -n $((8000 * $1)) -c 50 --csv 2>/dev/null |
		awk -F, 'NR > 1 { gsub(/"/, ""); s += $2; n++ } END { printf "%.0f\n", (n ? s / n : 0) }'
}

setup_memcached() {
	cmd=(memcached -l 127.0.0.1 -p "$port" -U 0 -t 2 -u nobody)
	need=(memcached)
}
ready_memcached() { python3 "$load_py" ready-memcached "$port"; }
load_memcached() { python3 "$load_py" memcached "$port" "$1"; }

setup_haproxy() {
	cat >"$scratch/haproxy.cfg" <<-EOF
		global
		    maxconn 2000
		defaults
		    mode http
		    timeout client 10s
		    timeout server 10s
		    timeout connect 5s
		frontend fe
		    bind 127.0.0.1:$port
		    http-request return status 200 content-type text/plain string ok
	EOF
	cmd=(haproxy -db -f "$scratch/haproxy.cfg")
	need=(haproxy wrk curl)
}
ready_haproxy() { curl -sf -o /dev/null "http://127.0.0.1:$port/"; }
load_haproxy() {
	wrk -t1 -c20 -d"$1"s "http://127.0.0.1:$port/" 2>/dev/null |
		awk '/^Requests\/sec/ { printf "%.0f\n", $2 }'
}

setup_dnsmasq() {
	cmd=(dnsmasq -k -C /dev/null -p "$port" --listen-address=127.0.0.1 --bind-interfaces
		--no-resolv --no-hosts --address=/bench.test/127.0.0.1 --pid-file=
		--log-facility="$scratch/dnsmasq.log")
	need=(dnsmasq)
}
ready_dnsmasq() { python3 "$load_py" ready-dns "$port"; }
load_dnsmasq() { python3 "$load_py" dns "$port" "$1"; }

setup_httpd() {
	mkdir -p "$scratch/www"
	printf 'hello from busybox httpd\n' >"$scratch/www/index.html"
	cmd=(busybox httpd -f -p "127.0.0.1:$port" -h "$scratch/www")
	need=(busybox wrk curl)
}
ready_httpd() { curl -sf -o /dev/null "http://127.0.0.1:$port/index.html"; }
load_httpd() {
	# A new connection per request (busybox httpd closes each): a fork per request.
	wrk -t1 -c4 -d"$1"s "http://127.0.0.1:$port/index.html" 2>/dev/null |
		awk '/^Requests\/sec/ { printf "%.0f\n", $2 }'
}

# ---- starting, measuring, stopping ----

# The server itself: the launcher, or its child when it runs under sysphase (waited for, up
# to 10 s: sysphase forks it before it answers, but a stop can come first); empty when gone.
server_pid() {
	local i child
	if [ "$1" = native ]; then
		echo "$launcher"
		return
	fi
	for i in $(seq 100); do
		child=$(awk '{ print $1 }' "/proc/$launcher/task/$launcher/children" 2>/dev/null || true)
		if [ -n "$child" ] || ! kill -0 "$launcher" 2>/dev/null; then
			break
		fi
		sleep 0.1
	done
	echo "$child"
}

# start WAY NAME [WRAPPER...]: starts the server, waits (up to 60 s) until it answers.
start_server() {
	local way=$1 name=$2 i
	shift 2
	"$@" "${cmd[@]}" >"$scratch/$name.$way.log" 2>&1 &
	launcher=$!
	for i in $(seq 600); do
		"ready_$name" && return 0
		kill -0 "$launcher" 2>/dev/null || break
		sleep 0.1
	done
	echo "bench: $name did not start ($way); its log:" >&2
	tail -5 "$scratch/$name.$way.log" >&2
	exit 1
}

stop_server() {
	local pid
	[ -n "$launcher" ] || return 0
	pid=$(awk '{ print $1 }' "/proc/$launcher/task/$launcher/children" 2>/dev/null || true)
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null || true
	fi
	kill -TERM "$launcher" 2>/dev/null || true
	wait "$launcher" 2>/dev/null || true
	launcher=
}

# CPU seconds (utime + stime, every thread, and of the children it has waited for: httpd's
# per connection) of process $1, 0 when it is gone (or not given).
cpu_of() {
	[ -n "$1" ] || { echo 0; return; }
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($12 + $13 + $14 + $15) / hz }' \
		"/proc/$1/stat" 2>/dev/null || echo 0
}

# How each thread of the server is followed: "N traced/M filters" pairs ("gone" when the
# server has exited meanwhile: its threads vanish under the loop).
followed() {
	local pid=$1 t out
	[ -n "$pid" ] && [ -d "/proc/$pid/task" ] || { echo gone; return; }
	out=$(for t in /proc/"$pid"/task/*; do
		awk '/^TracerPid/ { tp = $2 } /^Seccomp_filters/ { f = $2 }
			END { if (f != "") printf "%s/%s\n", (tp == 0 ? "free" : "traced"), f }' \
			"$t/status" 2>/dev/null || true
	done | sort | uniq -c | awk '{ printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1 }')
	echo "${out:-gone}"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

bench_server() {
	local name=$1 way rate cpu0 cpu1 scpu0 scpu1 pid r t0 t1
	port=$(free_port)
	"setup_$name"
	for tool in "${need[@]}"; do
		command -v "$tool" >/dev/null || { echo "$name: skipped ($tool is not installed)"; return 0; }
	done
	# 1. the plain flow: record under the load, export.
	start_server record "$name" "$sysphase" record --rules generic -o "$scratch/$name.jsonl" --
	"load_$name" 1 >/dev/null || true
	stop_server
	"$sysphase" export "$scratch/$name.jsonl" -o "$scratch/$name.pol" >"$scratch/$name.export" 2>&1
	: >"$scratch/$name.ratios"
	: >"$scratch/$name.cpu"
	for r in $(seq "$rounds"); do
		line="$name round $r:"
		for way in native run; do
			if [ "$way" = native ]; then
				start_server native "$name"
			else
				start_server run "$name" "$sysphase" run --policy "$scratch/$name.pol/policy.json" --
			fi
			pid=$(server_pid "$way")
			cpu0=$(cpu_of "$pid")
			scpu0=$([ "$way" = run ] && cpu_of "$launcher" || echo 0)
			t0=$(date +%s.%N)
			rate=$("load_$name" "$duration" || true)
			rate=${rate:-0}
			t1=$(date +%s.%N)
			cpu1=$(cpu_of "$pid")
			scpu1=$([ "$way" = run ] && cpu_of "$launcher" || echo 0)
			[ "$way" = run ] && [ "$r" = 1 ] && how=$(followed "$pid")
			stop_server
			eval "rate_$way=$rate"
			# CPU microseconds per request, the server's and (under run) sysphase's.
			eval "us_$way=$(awk -v a="$cpu0" -v b="$cpu1" -v c="$scpu0" -v d="$scpu1" -v n="$rate" \
				-v t="$t1" -v s="$t0" 'BEGIN { printf "%.1f", (n > 0 ? (b - a + d - c) * 1e6 / (n * (t - s)) : 0) }')"
		done
		awk -v a="$rate_run" -v b="$rate_native" 'BEGIN { printf "%.3f\n", (b > 0 ? a / b : 0) }' \
			>>"$scratch/$name.ratios"
		awk -v a="$us_run" -v b="$us_native" 'BEGIN { printf "%.3f\n", (a > 0 ? b / a : 0) }' \
			>>"$scratch/$name.cpu"
		echo "$line native $rate_native req/s ($us_native us CPU/req), run $rate_run req/s" \
			"($us_run us CPU/req): $(tail -1 "$scratch/$name.ratios") (load $(cut -d' ' -f1 /proc/loadavg))"
	done
	printf '%s: run/native %s (median of %s rounds), CPU per request native/run %s; under run: %s\n' \
		"$name" "$(median <"$scratch/$name.ratios")" "$rounds" "$(median <"$scratch/$name.cpu")" "$how"
}

echo "bench/servers.sh: $rounds rounds of ${duration}s, generic rules, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
for s in $servers; do
	bench_server "$s"
done
