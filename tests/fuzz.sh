#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser of user files and of /proc (tests/fuzz/): each
# libFuzzer harness runs for FUZZ_SECONDS (default 60) from its seed corpus
# (tests/fuzz/corpus/NAME/), under AddressSanitizer, LeakSanitizer and UBSan.
#   tests/fuzz.sh             every harness
#   tests/fuzz.sh rules ...   only these (fuzz_rules, ...)
# Builds with clang in build-fuzz/.  Exits non-zero when a harness finds a
# crash, a leak, a timeout or any sanitizer report; the input that did it is
# left in build-fuzz/fuzz/findings/NAME/ (replay: build-fuzz/fuzz/fuzz_NAME FILE).
# What a run learned stays in build-fuzz/fuzz/corpus/NAME/ for the next one;
# the repository's seeds are never written to.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build="$src/build-fuzz"
seconds=${FUZZ_SECONDS:-60}

CC=clang cmake -S "$src" -B "$build" -DSYSPHASE_FUZZ=ON -DSYSPHASE_TESTS=OFF \
	-DSYSPHASE_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for h in "$src"/tests/fuzz/fuzz_*.c; do
		h=${h##*/fuzz_}
		names+=("${h%.c}")
	done
fi
cmake --build "$build" -j"$(nproc)" --target "${names[@]/#/fuzz_}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
for name in "${names[@]}"; do
	bin="$build/fuzz/fuzz_$name"
	seeds="$src/tests/fuzz/corpus/$name"
	corpus="$build/fuzz/corpus/$name"
	findings="$build/fuzz/findings/$name"
	if [ ! -x "$bin" ] || [ ! -d "$seeds" ]; then
		echo "fuzz: no harness or no seeds for '$name'" >&2
		failed+=("$name")
		continue
	fi
	mkdir -p "$corpus" "$findings"
	dict=()
	[ -f "$src/tests/fuzz/$name.dict" ] && dict=(-dict="$src/tests/fuzz/$name.dict")
	echo "fuzz: $name for ${seconds}s"
	# New inputs go to the first directory only (the build's corpus);
	# -timeout turns a hang into a finding.
	if ! "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$findings/" "${dict[@]}" \
		"$corpus" "$seeds" >"$build/fuzz/$name.log" 2>&1; then
		tail -n 40 "$build/fuzz/$name.log" >&2
		echo "fuzz: $name FAILED (log: $build/fuzz/$name.log, inputs: $findings/)" >&2
		failed+=("$name")
		continue
	fi
	grep -E '^stat::(number_of_executed_units|new_units_added|peak_rss_mb)' \
		"$build/fuzz/$name.log" | tr '\n' ' '
	echo
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz: FAILED: ${failed[*]}" >&2
	exit 1
fi
echo "fuzz: all harnesses ran ${seconds}s without a finding"
