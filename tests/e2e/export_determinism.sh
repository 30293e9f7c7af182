#!/bin/bash
# SPDX-License-Identifier: MIT
# The same trace and rules export to the same bytes, in every format, with and
# without argument constraints, whatever the output directory is called.
set -euo pipefail

: "${SYSPHASE:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (ptrace)"; exit 77; }

T=$(mktemp -d /tmp/sysphase-determinism.XXXXXX)
trap 'rm -rf "$T"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

(cd /tmp && LANG=C "$SYSPHASE" record -o "$T/pwd.trace" --rules pwd -- /bin/pwd) >/dev/null

for opts in "" "--args" "--args --default-action errno --runtime runc" "--view exact"; do
	# shellcheck disable=SC2086
	"$SYSPHASE" export --rules pwd "$T/pwd.trace" -o "$T/a" $opts >"$T/a.summary"
	# shellcheck disable=SC2086
	(cd "$T" && "$SYSPHASE" export --rules pwd pwd.trace -o other-name $opts) >"$T/b.summary"
	diff -r "$T/a" "$T/other-name" >"$T/diff" || fail "export '$opts' differs: $(head "$T/diff")"
	files=$(ls "$T/a" | wc -l)
	[ "$files" -ge 7 ] || fail "export '$opts' wrote only $files files"
	rm -rf "$T/a" "$T/other-name"
done
echo PASS
