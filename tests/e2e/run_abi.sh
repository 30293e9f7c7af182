#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Under sysphase run, an i386 syscall (`int $0x80`) and an x32 syscall
# are denied in every phase (tracees/run_lifecycle --i386=... --x32=...,
# a getpid of each ABI in init, ready and serving), whatever the filter
# of that phase allows for x86-64:
#   - --default-action errno: each attempt fails with EPERM, the program
#     goes on;
#   - enforce (kill): each attempt, alone in its run, kills the program
#     with SIGSYS in that phase, and sysphase names the phase and the ABI;
#   - --complain: each attempt is logged with its ABI and let through;
#   - a policy recorded from a run that made those very calls denies them
#     all the same: a foreign ABI never enters an allowlist.
# On a kernel without IA32 emulation (`int $0x80` dies of SIGSEGV with no
# filter at all) only the x32 attempts are made, and the test says so.

. "$(dirname "$0")/lib.sh"
need python3
need_sysphase

RULES=$SRCDIR/tests/data/rules/run_lifecycle.json
PROG=$TRACEES/run_lifecycle
PHASES="init ready serving"
ALL=init,ready,serving
ABIS="i386 x32"
have_ia32 || ABIS=x32
TRY=()
for abi in $ABIS; do
	TRY+=("--$abi=$ALL")
done

# results OUT: "PHASE ABI RESULT" per attempt, in order.
results() {
	sed -n 's/^lifecycle: phase \([a-z]*\): \([a-z0-9]*\) getpid: \([A-Za-z]*\).*/\1 \2 \3/p' "$1"
}

# want_all RESULT_I386 RESULT_X32: the expected results of a run with every attempt.
want_all() {
	local ph
	for ph in $PHASES; do
		case " $ABIS " in *" i386 "*) echo "$ph i386 $1" ;; esac
		echo "$ph x32 $2"
	done
}

"$PROG" "${TRY[@]}" >"$T/native.out" 2>&1
check "natively ($ABIS): i386 getpid works, x32 is ENOSYS (this kernel has no x32)" \
	test "$(results "$T/native.out")" = "$(want_all ok ENOSYS)"

"$SYSPHASE" record --rules "$RULES" -o "$T/trace.jsonl" -- "$PROG" >/dev/null 2>"$T/rec.err"
check "record exits 0" test $? -eq 0
"$SYSPHASE" export --rules "$RULES" "$T/trace.jsonl" -o "$T/pol" >/dev/null 2>&1
check "export exits 0" test $? -eq 0

# ---- errno: every attempt in every phase fails ----
"$SYSPHASE" run --policy "$T/pol/policy.json" --default-action errno -- \
	"$PROG" "${TRY[@]}" >"$T/errno.out" 2>"$T/errno.err"
rc=$?
check "errno: the program runs to its end (status $rc)" test "$rc" -eq 0
check "errno: every $ABIS attempt in every phase gets EPERM" \
	test "$(results "$T/errno.out")" = "$(want_all EPERM EPERM)"
check "errno: the last phase was reached detached" \
	grep -q "^lifecycle: phase serving: .*Seccomp_filters=3 TracerPid=0$" "$T/errno.out"

# ---- enforce: each attempt kills, in its phase ----
for ph in $PHASES; do
	for abi in $ABIS; do
		"$SYSPHASE" run --policy "$T/pol/policy.json" -- "$PROG" --$abi=$ph \
			>"$T/kill.$ph.$abi.out" 2>"$T/kill.$ph.$abi.err"
		rc=$?
		check "enforce, $abi in $ph: killed by SIGSYS (status 159, got $rc)" \
			test "$rc" -eq 159
		check "enforce, $abi in $ph: the call was made and never returned" \
			test "$(tail -1 "$T/kill.$ph.$abi.out")" = \
			"lifecycle: phase $ph: trying $abi getpid"
		check "enforce, $abi in $ph: sysphase names the phase and the ABI" \
			grep -q "in phase '$ph': getpid $abi\\b" "$T/kill.$ph.$abi.err"
	done
done

# ---- complain: logged with their ABI, and let through ----
"$SYSPHASE" run --policy "$T/pol/policy.json" "--complain=$T/complain.log" -- \
	"$PROG" "${TRY[@]}" >"$T/complain.out" 2>"$T/complain.err"
rc=$?
check "complain: the program runs to its end (status $rc)" test "$rc" -eq 0
check "complain: the calls go through as natively" \
	test "$(results "$T/complain.out")" = "$(want_all ok ENOSYS)"
logged=$(python3 - "$T/complain.log" <<'PY'
import json, sys
for l in open(sys.argv[1]).read().split("\n"):
    if l:
        e = json.loads(l)
        if e.get("type") == "violation":  # after the run's header
            print("%s %s %s" % (e.get("phase"), e.get("abi"), e.get("syscall")))
PY
)
want=$(for ph in $PHASES; do for abi in $ABIS; do echo "$ph $abi getpid"; done; done)
check "complain: exactly the attempts made ($ABIS) are logged, with phase and ABI" \
	test "$logged" = "$want"

# ---- a recording that saw the calls still yields a policy that denies them ----
"$SYSPHASE" record --rules "$RULES" -o "$T/trace2.jsonl" -- "$PROG" "${TRY[@]}" \
	>/dev/null 2>&1
check "record with foreign-ABI calls exits 0" test $? -eq 0
for abi in $ABIS; do
	check "the trace holds the $abi calls" grep -q "\"abi\":\"$abi\"" "$T/trace2.jsonl"
done
"$SYSPHASE" export --rules "$RULES" "$T/trace2.jsonl" -o "$T/pol2" >/dev/null 2>&1
check "export exits 0" test $? -eq 0
"$SYSPHASE" run --policy "$T/pol2/policy.json" --default-action errno -- \
	"$PROG" "${TRY[@]}" >"$T/errno2.out" 2>/dev/null
check "errno, policy recorded with the calls: still EPERM everywhere" \
	test "$(results "$T/errno2.out")" = "$(want_all EPERM EPERM)"

finish
