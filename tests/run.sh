#!/usr/bin/env bash
# Builds sysphase with warnings as errors and runs the whole test suite (ctest).
#   tests/run.sh              normal build in build/
#   tests/run.sh --sanitize   AddressSanitizer + UBSan build in build-sanitize/
# Exits non-zero when anything fails.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build="$src/build"
cmake_args=()
case "${1:-}" in
--sanitize)
	build="$src/build-sanitize"
	cmake_args+=(-DSYSPHASE_SANITIZE=ON)
	;;
"") ;;
*)
	echo "usage: tests/run.sh [--sanitize]" >&2
	exit 2
	;;
esac

bash "$src/tests/deps.sh"
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSYSPHASE_WERROR=ON \
	"${cmake_args[@]}" >/dev/null
cmake --build "$build" -j"$(nproc)"
# Sanitizers: fail on the first report; leaks in the traced programs are not ours.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$build" --output-on-failure -j2
