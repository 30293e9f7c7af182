#!/usr/bin/env bash
# Your own program, from start to a running sandbox, in five commands:
# Python's http.server here, but any program works the same way.
#
#   sysphase record --rules generic -o http.jsonl -- python3 -m http.server 8000
#       ... use it as you would (curl it), then Ctrl-C
#   sysphase phases http.jsonl                      # the phases it went through
#   sysphase export http.jsonl -o http-policy       # one seccomp filter per phase
#   sysphase run --policy http-policy -- python3 -m http.server 8000
#   sysphase show --phase 'steady state' http.jsonl | less -R   # what it did, strace-like
#
# This script runs those five with a scripted workload instead of your
# hands: on a free loopback port, in OUTDIR (default ./sysphase-own).
#   examples/own-program.sh [OUTDIR]
# It installs what it needs if missing (examples/deps.sh), configures and builds.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-sysphase-own}" && cd "${1:-sysphase-own}" && pwd)
bash "$src/examples/deps.sh" python3
if [ -x "$src/build/sysphase" ] || [ ! -x "$(command -v sysphase || true)" ]; then
	cmake -S "$src" -B "$src/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$src/build" -j"$(nproc)" --target sysphase >/dev/null
	sysphase=$src/build/sysphase
else
	sysphase=$(command -v sysphase) # an installed one (a copy of these examples)
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
server=(python3 -m http.server --bind 127.0.0.1 "$port" --directory "$out/www")
mkdir -p "$out/www/sub" && echo hello >"$out/www/index.html" && echo deeper >"$out/www/sub/a.txt"
pid=

stop() { # SIGINT to sysphase reaches the program, as Ctrl-C would
	if [ -n "$pid" ]; then
		kill -INT "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	pid=
}
trap stop EXIT

workload() {
	for _ in $(seq 200); do
		curl -s -o /dev/null "http://127.0.0.1:$port/" && break
		sleep 0.05
	done
	curl -sf "http://127.0.0.1:$port/" >/dev/null
	curl -sf "http://127.0.0.1:$port/sub/a.txt" >/dev/null
	curl -sf "http://127.0.0.1:$port/sub/" >/dev/null
	curl -s -o /dev/null "http://127.0.0.1:$port/missing"
}

echo "== 1. record: sysphase record --rules generic -o http.jsonl -- ${server[*]}"
"$sysphase" record -q --rules generic -o "$out/http.jsonl" -- "${server[@]}" 2>"$out/record.err" &
pid=$!
workload
stop

echo "== 2. phases"
"$sysphase" phases "$out/http.jsonl"

echo "== 3. export"
"$sysphase" export "$out/http.jsonl" -o "$out/http-policy" --force >"$out/export.out"
grep -E '^[0-9]+ phases' "$out/export.out"

echo "== 4. run: the same server, under its phases"
"$sysphase" run --policy "$out/http-policy" -- "${server[@]}" 2>"$out/run.err" &
pid=$!
workload && echo "served /, a file, a directory listing and a 404 under the policy"
stop
if grep -q "denied\|killed" "$out/run.err"; then
	cat "$out/run.err"
	exit 1
fi

echo "== 5. show: the steady state, strace-like (first lines)"
"$sysphase" show --phase "steady state" "$out/http.jsonl" >"$out/steady.txt"
head -n 8 "$out/steady.txt"
echo
echo "done: the trace, policy and logs are in $out"
