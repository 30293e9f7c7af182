#!/usr/bin/env bash
# The trace pipeline's speed, as ratios against a baseline measured in the
# same run: a 1,000,000-syscall trace (~230 MB) read by
#   - a Python loop that only json.loads() each line (the baseline),
#   - sysphase phases, sysphase export, sysphase report (the trace's stamps),
#   - sysphase phases --rules generic (re-cut by the detector).
# The ways are interleaved over ROUNDS (default 3) rounds and medians are
# printed with each one's peak RSS (/usr/bin/time -f %M: a child forked by
# Python would count Python's own pages before its exec), so that a slow
# spell of the (virtual, shared) machine hits every way alike.
# The target (issue 9): export, phases and report in at most a third of the
# Python loop's time, memory flat.
#
# The trace: a real recording of tests/tracees/loop_getppid under
# `record --rules generic`.  By default N=1000 calls are recorded and the
# steady-state getppid line is repeated (with increasing timestamps) up to
# 1,000,000 syscalls, which takes seconds instead of minutes of ptrace;
# RECORD=1 records all N=1000000 calls for real.  TRACE=FILE uses a trace
# you already have.
# A benchmark, not a test: it prints figures and never fails on them.
#   bench/pipeline.sh [BUILD_DIR]
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
sysphase=$build/sysphase
loop=$build/tracees/loop_getppid
scratch=$(mktemp -d /tmp/sysphase-bench.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
calls=${N:-1000000}

if [ ! -x "$sysphase" ] || [ ! -x "$loop" ]; then
	bash "$src/tests/deps.sh"
	cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$build" -j"$(nproc)" >/dev/null
fi

trace=${TRACE:-$scratch/trace.jsonl}
if [ -z "${TRACE:-}" ]; then
	if [ -n "${RECORD:-}" ]; then
		"$sysphase" record --rules generic -o "$trace" -- "$loop" "$calls" >/dev/null
	else
		"$sysphase" record --rules generic -o "$scratch/small.jsonl" -- "$loop" 1000 \
			>/dev/null
		# Repeat the last getppid line until the trace holds $calls getppid calls.
		python3 - "$scratch/small.jsonl" "$trace" "$calls" <<'PY'
import json, sys
src, dst, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = open(src).read().splitlines(True)
idx = [i for i, l in enumerate(lines) if '"name":"getppid"' in l]
first, last = idx[0], idx[-1]
ev = json.loads(lines[last])
t0, step = ev["ts"], 1e-6
head, tail = lines[:last + 1], lines[last + 1:]
with open(dst, "w") as out:
    out.writelines(head)
    prefix, rest = lines[last].split('"ts":', 1)
    rest = rest.split(",", 1)[1]
    for k in range(calls - len(idx)):
        out.write(f'{prefix}"ts":{t0 + (k + 1) * step:.6f},{rest}')
    shift = (calls - len(idx)) * step
    for l in tail:
        e = json.loads(l)
        e["ts"] = round(e["ts"] + shift, 6)
        out.write(json.dumps(e, separators=(",", ":")) + "\n")
PY
	fi
fi
lines=$(wc -l <"$trace")
size=$(du -m "$trace" | cut -f1)
echo "== $trace: $lines lines, $size MB, ${ROUNDS:-3} interleaved rounds, medians"

python3 - "$sysphase" "$trace" "$scratch" "${ROUNDS:-3}" <<'PY'
import statistics, subprocess, sys, time
sysphase, trace, scratch, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
pyloop = "import json,sys\nfor l in open(sys.argv[1], 'rb'):\n    json.loads(l)\n"
ways = [
    ("python3 json.loads loop", [sys.executable, "-c", pyloop, trace]),
    ("sysphase phases", [sysphase, "phases", trace]),
    ("sysphase export", [sysphase, "export", trace, "-o", scratch + "/policy", "--force"]),
    ("sysphase report", [sysphase, "report", trace, "-o", scratch + "/report.html"]),
    ("sysphase phases --rules generic", [sysphase, "phases", "--rules", "generic", trace]),
]
times = [[] for _ in ways]
rss = [0 for _ in ways]
for _ in range(rounds):
    for i, (_, cmd) in enumerate(ways):
        rssfile = scratch + "/rss"
        t = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rssfile] + cmd,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times[i].append(time.perf_counter() - t)
        if p.returncode != 0:
            sys.exit(f"{' '.join(cmd)}: exit status {p.returncode}")
        rss[i] = max(rss[i], int(open(rssfile).read().split()[-1]))
base = statistics.median(times[0])
print(f"{'':34} {'median':>8} {'vs python':>10} {'peak RSS':>10}")
for i, (name, _) in enumerate(ways):
    m = statistics.median(times[i])
    print(f"{name:34} {m:7.2f}s {m / base:9.2f}x {rss[i] / 1024:8.1f}MB")
PY
