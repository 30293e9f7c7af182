#!/bin/bash
# SPDX-License-Identifier: MIT
#
# A forked child is narrowed to its own phase (the rules' on_fork) before
# its very first system call is judged: tracees/fork_first_call forks 8
# children at once with a raw clone(SIGCHLD); under --evil each child's
# first call is socket(), which its parent's phase (and so the filter it
# inherits) allows and its own phase does not.  A forked child's memory is
# its own, so its hand-over holds nobody (tracer/quiesce.c, sole_mm): this
# checks that the filter still goes in at that first call, for children
# handed over side by side.
#   - recorded normally, each child exits 0 under run too;
#   - --evil, enforce (kill): each child dies of SIGSYS at socket(), none
#     exits 7 (what a child whose socket() succeeded does);
#   - --evil, --default-action errno: socket() fails, each child exits 0;
#   - the same as uid 65534, where the filters cannot be read back.

. "$(dirname "$0")/lib.sh"
need setpriv
need_sysphase

RULES=$SRCDIR/tests/data/rules/fork_first_call.json
PROG=$TRACEES/fork_first_call

# run_prog NAME [run options...] -- ARGS: sets $rc, stdout in $T/NAME.out, stderr in $T/NAME.err.
run_prog() {
	local name=$1
	shift
	local opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	"${AS[@]}" "$SYSPHASE" run --policy "$T/pol/policy.json" "${opts[@]}" -- "$PROG" "$@" \
		>"$T/$name.out" 2>"$T/$name.err"
	rc=$?
}
AS=()

# children NAME WHAT: how many children's lines of NAME's output say WHAT.
children() {
	grep -c "^fork_first_call: child [0-9] $2\$" "$T/$1.out"
}

"$SYSPHASE" record --rules "$RULES" -o "$T/trace.jsonl" -- "$PROG" >"$T/rec.out" 2>"$T/rec.err"
check "record exits 0" test $? -eq 0
check "recorded: every child exited 0" test "$(children rec "exited 0")" -eq 8
"$SYSPHASE" export --rules "$RULES" "$T/trace.jsonl" -o "$T/pol" >"$T/export.out" 2>&1
check "export exits 0" test $? -eq 0

chmod a+rx "$T"
chmod -R a+rX "$T/pol"
for who in root nobody; do
	[ "$who" = nobody ] && AS=(setpriv --reuid 65534 --regid 65534 --clear-groups)
	run_prog "$who.normal" --
	check "$who: normal run exits 0 (got $rc)" test "$rc" -eq 0
	check "$who: normal run: every child exited 0" test "$(children "$who.normal" "exited 0")" -eq 8

	run_prog "$who.kill" -- --evil
	check "$who: --evil exits 0 (the parent's own status, got $rc)" test "$rc" -eq 0
	check "$who: --evil: every child killed by SIGSYS at its first call" \
		test "$(children "$who.kill" "killed by signal 31")" -eq 8
	check "$who: --evil: no child's socket() succeeded" test "$(children "$who.kill" "exited 7")" -eq 0

	run_prog "$who.errno" --default-action errno -- --evil
	check "$who: --evil under errno exits 0 (got $rc)" test "$rc" -eq 0
	check "$who: --evil under errno: socket() failed in every child, each exited 0" \
		test "$(children "$who.errno" "exited 0")" -eq 8
	AS=()
done
finish
