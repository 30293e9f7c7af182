#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Complain mode answers as enforcing does, so that a program learned in
# complain mode takes the path it will take enforced:
#   - tracees/io_uring recorded through its ring (io_uring held back at
#     export): enforced, io_uring_setup gets EPERM and it falls back; in
#     complain mode it must fall back too, both where the thread is judged
#     at its stops (rules io_uring: a syscall trigger leaves 'start') and
#     where it holds its phase's LOG filter (one final phase), and the log
#     says it tried io_uring_setup, with the answer it got;
#   - the merge of that log says in one line that io_uring stays held back,
#     and the merged policy runs the fallback enforced;
#   - tracees/clone3 (a raw clone3 with no fallback): enforced and in
#     complain mode alike it sees ENOSYS and says so; clone3 is never logged.
. "$(dirname "$0")/lib.sh"
need_sysphase
need jq
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (ptrace)"; exit 77; }
cd "$T"
PROG=$TRACEES/io_uring

st=0
IO_URING_PROBE=1 "$PROG" >probe.out 2>&1 || st=$?
if [ "$st" = 77 ]; then
	echo "SKIP: io_uring is not available here: $(cat probe.out)"
	exit 77
fi

cat >one.json <<'EOF'
{"name": "io_uring_one", "description": "one phase, let go at once", "initial": "all",
 "phases": [{"name": "all", "description": "the whole run", "final": true}], "transitions": []}
EOF

# answered LOG PHASE SEEN: the log has io_uring_setup in PHASE, answered EPERM, seen by SEEN.
answered() {
	jq -e --arg p "$2" --arg s "$3" 'select(.type == "violation" and .syscall == "io_uring_setup"
		and .phase == $p and .seen == $s and .answer == "EPERM")' "$1" >/dev/null
}

for rules in "$SRCDIR/tests/data/rules/io_uring.json:start:ptrace:stops" "one.json:all:kernel:log"; do
	IFS=: read -r file phase seen how <<<"$rules"
	"$SYSPHASE" record --rules "$file" -o "$how.jsonl" -- "$PROG" >"$how.rec" 2>&1 ||
		fail "$how: record: $(cat "$how.rec")"
	check "$how: the recording went through the ring" grep -qx "enter: ok" "$how.rec"
	"$SYSPHASE" export --rules "$file" "$how.jsonl" -o "$how.pol" >/dev/null 2>"$how.exp" ||
		fail "$how: export: $(cat "$how.exp")"
	st=0
	"$SYSPHASE" run --policy "$how.pol/policy.json" -- "$PROG" >"$how.run" 2>&1 || st=$?
	check "$how: enforced, io_uring_setup is answered EPERM (status $st)" \
		grep -qx "setup: EPERM" "$how.run"
	st=0
	"$SYSPHASE" run --policy "$how.pol/policy.json" --complain="$how.log" -- "$PROG" \
		>"$how.cmp" 2>"$how.cmp.err" || st=$?
	check "$how: complain mode exits 0 (status $st)" test "$st" = 0
	check "$how: complain mode answers io_uring_setup EPERM too" grep -qx "setup: EPERM" "$how.cmp"
	check "$how: ... and the program takes its fallback" grep -qx "fallback: ok" "$how.cmp"
	check "$how: ... never its ring" not grep -q "enter:" "$how.cmp"
	check "$how: the log says it tried io_uring_setup in '$phase', answered EPERM ($seen)" \
		answered "$how.log" "$phase" "$seen"
	check "$how: ... and nothing else of io_uring" test "$(grep -c io_uring_ "$how.log")" = 1
done

# The merge: held back, said once, and the fallback runs enforced.
"$SYSPHASE" export --rules "$SRCDIR/tests/data/rules/io_uring.json" stops.jsonl -o merged \
	--merge stops.log >merge.out 2>merge.err || fail "merge: $(cat merge.err)"
check "the merge says in one line that io_uring_setup stays held back" \
	test "$(grep -c "stops.log: phase 'start' called io_uring_setup: held back" merge.err)" = 1
check "... and no phase allows io_uring" \
	jq -e '[.phases[].enforce[] | select(startswith("io_uring"))] | length == 0' \
	merged/policy.json >/dev/null
st=0
"$SYSPHASE" run --policy merged/policy.json -- "$PROG" >merged.out 2>&1 || st=$?
check "the merged policy runs the fallback enforced (status $st)" grep -qx "fallback: ok" merged.out

# clone3 without a fallback: the same ENOSYS in both modes, never logged.
# The recording made its child through clone3; after ENOSYS it reports the
# error (perror: a dup the recording never saw), which enforcing kills and
# complain mode logs: the path enforcing takes is the one learned.
C=$TRACEES/clone3
"$SYSPHASE" record --rules generic -o c.jsonl -- "$C" >/dev/null 2>&1 || fail "record clone3"
"$SYSPHASE" export c.jsonl -o cpol >/dev/null 2>&1 || fail "export clone3"
"$SYSPHASE" run --policy cpol/policy.json -- "$C" >c.run 2>&1
check "clone3: enforced, it sees ENOSYS and dies reporting it" grep -q "dup (x86_64 nr 32) killed" c.run
"$SYSPHASE" run --policy cpol/policy.json --complain=c.log -- "$C" >c.cmp 2>&1
check "clone3: in complain mode it sees ENOSYS too" \
	grep -q "clone3: clone3: Function not implemented" c.cmp
check "clone3: ... and no child ran" not grep -q "exited 5 as expected" c.cmp
check "clone3: the log has the dup of that path" grep -q '"syscall":"dup"' c.log
check "clone3: clone3 is not logged" not grep -q '"syscall":"clone3"' c.log

finish
