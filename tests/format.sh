#!/usr/bin/env bash
# Checks that every C source and header is formatted as .clang-format says
# (clang-format --dry-run -Werror), and names the files that are not.
#   tests/format.sh           check the whole tree
#   tests/format.sh FILE...   check these files only
# Skips build directories and generated files (a "DO NOT EDIT" or
# "@generated" mark in their first lines).  Fix a file with
#   clang-format -i FILE
# Exits 1 when a file is not formatted, 2 when clang-format is missing.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
command -v clang-format >/dev/null || {
	echo "format: clang-format is not installed (tests/deps.sh installs it)" >&2
	exit 2
}

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		mapfile -t files < <(git ls-files -- '*.c' '*.h')
	else
		mapfile -t files < <(find . -path './build*' -prune -o \( -name '*.c' -o -name '*.h' \) \
			-type f -print | sed 's|^\./||' | sort)
	fi
fi

bad=()
checked=0
for f in "${files[@]}"; do
	case $f in
	build*/* | */build*/*) continue ;;
	esac
	[ -f "$f" ] || continue
	if head -n 10 "$f" | grep -q 'DO NOT EDIT\|@generated'; then
		continue
	fi
	checked=$((checked + 1))
	if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		bad+=("$f")
	fi
done
if [ ${#bad[@]} -gt 0 ]; then
	printf 'format: not formatted: %s\n' "${bad[@]}" >&2
	echo "format: ${#bad[@]} of $checked files differ from .clang-format" \
		"(clang-format -i FILE fixes one)" >&2
	exit 1
fi
echo "format: $checked files formatted"
