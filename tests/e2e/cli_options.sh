#!/bin/bash
# SPDX-License-Identifier: MIT
# Every subcommand answers a bad option, an option missing its argument and
# --help the same way: one line naming the option and exit 2 for the
# first two, the usage on stdout and exit 0 for the last.
. "$(dirname "$0")/lib.sh"
need_sysphase

for cmd in record phases export run report compare infer show help; do
	rc=0
	"$SYSPHASE" "$cmd" --no-such-option x >"$T/out" 2>"$T/err" || rc=$?
	check "$cmd: unknown option exits 2 ($rc)" test "$rc" = 2
	check "$cmd: one line naming it" \
		test "$(cat "$T/err")" = "sysphase: $cmd: unknown option '--no-such-option' (see 'sysphase $cmd --help')"
	check "$cmd: nothing on stdout" test ! -s "$T/out"

	rc=0
	"$SYSPHASE" "$cmd" -Z >"$T/out" 2>"$T/err" || rc=$?
	check "$cmd: unknown short option exits 2 ($rc)" test "$rc" = 2
	check "$cmd: one line naming -Z" \
		test "$(cat "$T/err")" = "sysphase: $cmd: unknown option '-Z' (see 'sysphase $cmd --help')"

	rc=0
	"$SYSPHASE" "$cmd" --help >"$T/out" 2>"$T/err" || rc=$?
	check "$cmd: --help exits 0 ($rc)" test "$rc" = 0
	check "$cmd: --help prints the usage" grep -q "^usage: sysphase $cmd" "$T/out"
done

for pair in "record -o" "export -o" "phases -r" "report -o" "compare -F" "run --policy"; do
	set -- $pair
	rc=0
	"$SYSPHASE" "$1" "$2" >"$T/out" 2>"$T/err" || rc=$?
	check "$1 $2 without its argument exits 2 ($rc)" test "$rc" = 2
	check "$1 $2: one line saying so" \
		test "$(cat "$T/err")" = "sysphase: $1: option '$2' needs an argument (see 'sysphase $1 --help')"
done
finish
