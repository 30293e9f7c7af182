#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Landlock per phase on a tracee checked before and after each phase
# (tracees/landlock_phases, rules tests/data/rules/landlock_phases.json:
# setup -> work at listen() -> serve at accept4()).  Recorded without its
# probes, the tracee is then run with them: at the end of each phase it
# tries what the recording never did, and each phase's layer must allow
# exactly what the phases from there on were seen to need, generalised
# where the trace supports it:
#   setup  reads everything setup, work and serve read (data/, www/),
#          not conf/ once it has moved on, never secret.txt or the leak;
#   work   data/ is a data set (two names): data/c.txt too; conf/ no more;
#   serve  the document root (index.html and a missing name): other.html,
#          but not data/, not the planted www/leak -> secret outside, and
#          no file is created in www.
# A layer is a thread's: the probes run in the thread that changed phase.
# Then, under --default-action errno (a seccomp denial is EPERM, a Landlock
# one EACCES), writes, an exec and a TCP bind inside and outside what each
# phase was seen doing; and the same layers on a kernel of an older ABI,
# simulated with SYSPHASE_LANDLOCK_ABI (for testing: docs/run.md).

. "$(dirname "$0")/lib.sh"
need_sysphase
RULES=$SRCDIR/tests/data/rules/landlock_phases.json
PROG=$TRACEES/landlock_phases
D=$T/app
mkdir -p "$D/conf" "$D/logs" "$D/state" "$D/data" "$D/www" "$D/bin"
printf 'not a program\n' >"$D/bin/garbage"
chmod 755 "$D/bin/garbage"
echo conf >"$D/conf/app.conf"
for f in data/a.txt data/b.txt data/c.txt www/index.html www/other.html; do
	echo "$f" >"$D/$f"
done
echo secret >"$T/secret.txt"
echo secret >"$D/secret.txt"

"$SYSPHASE" record --rules "$RULES" -o "$T/trace.jsonl" -- "$PROG" "$D" >"$T/rec.out" 2>&1
check "record exits 0" test $? -eq 0
check "the recorded run finished" grep -q "landlock_phases: done" "$T/rec.out"
"$SYSPHASE" export --rules "$RULES" "$T/trace.jsonl" -o "$T/pol" >"$T/export.out" 2>&1
check "export exits 0" test $? -eq 0
check "every phase has a layer" test "$(grep -c ': layer ' "$T/export.out")" -eq 3

# What the recording never did: a fresh state directory, a planted symlink.
rm -rf "$D/state/run"
ln -s "$T/secret.txt" "$D/www/leak"
"$SYSPHASE" run --policy "$T/pol/policy.json" -- "$PROG" "$D" --probe >"$T/run.out" 2>"$T/run.err"
rc=$?
check "run exits 0 (got $rc)" test "$rc" -eq 0
check "the program finished under its layers" grep -q "landlock_phases: done" "$T/run.out"
# Each denied probe of a thread still followed is named once (docs/run.md, "Landlock denials
# named"); serve is final: its thread is let go, and only the kernel's audit could name those.
check "run names the planted leak as the file it resolves to" grep -q \
	"in phase 'work': Landlock denied read_file on $T/secret.txt (openat: Permission denied)" \
	"$T/run.err"
check "run names conf/ denied once setup is over" grep -q \
	"in phase 'work': Landlock denied read_file on $D/conf/app.conf (openat" "$T/run.err"
check "run names the file made in www" grep -q \
	"in phase 'setup': Landlock denied write_file,make_reg on $D/www (beneath)" "$T/run.err"
check "run names nothing but Landlock denials" test "$(grep -vc 'Landlock denied' "$T/run.err")" -eq 0
check "each is named once" test "$(sort "$T/run.err" | uniq -d | wc -l)" -eq 0
expect() {
	check "$1 $2: $3" grep -qx "probe $1 $2: $3" "$T/run.out"
}
expect setup conf/app.conf ok
expect setup data/c.txt ok
expect setup www/other.html ok
expect setup www/leak EACCES
expect setup secret.txt EACCES
expect setup www/new.txt EACCES
expect work conf/app.conf EACCES
expect work data/c.txt ok
expect work www/other.html ok
expect work www/leak EACCES
expect work secret.txt EACCES
expect serve conf/app.conf EACCES
expect serve data/c.txt EACCES
expect serve www/other.html ok
expect serve www/leak EACCES
expect serve secret.txt EACCES
expect serve www/new.txt EACCES
check "the state directory made anew under the layers holds the pid" test -s "$D/state/run/pid"
check "no file was created in www" test ! -e "$D/www/new.txt"

# The same run without Landlock opens everything: the EACCES above are the layers'.
rm -rf "$D/state/run"
"$SYSPHASE" run --no-landlock --policy "$T/pol/policy.json" -- "$PROG" "$D" --probe \
	>"$T/run2.out" 2>"$T/run2.err"
check "run --no-landlock exits 0" test $? -eq 0
check "without Landlock serve reads the planted leak" grep -qx "probe serve www/leak: ok" "$T/run2.out"
check "without Landlock serve reads secret.txt" grep -qx "probe serve secret.txt: ok" "$T/run2.out"

# Layers are per thread: a helper thread born in work never moves on and keeps work's
# wider layer while the main thread narrows to serve's (recorded with it too).
rm -rf "$D/state/run"
"$SYSPHASE" record --rules "$RULES" -o "$T/trace-th.jsonl" -- "$PROG" "$D" --thread \
	>"$T/rec-th.out" 2>&1
check "record --thread exits 0" test $? -eq 0
"$SYSPHASE" export --rules "$RULES" "$T/trace-th.jsonl" -o "$T/pol-th" >"$T/export-th.out" 2>&1
check "export of the threaded run exits 0" test $? -eq 0
rm -rf "$D/state/run"
"$SYSPHASE" run --policy "$T/pol-th/policy.json" -- "$PROG" "$D" --thread --probe \
	>"$T/run-th.out" 2>"$T/run-th.err"
check "run --thread exits 0" test $? -eq 0
check "run --thread finished" grep -q "landlock_phases: done" "$T/run-th.out"
check "the main thread in serve cannot read data/" grep -qx "probe serve data/c.txt: EACCES" \
	"$T/run-th.out"
check "the helper still in work reads data/ after that" grep -qx "probe helper data/c.txt: ok" \
	"$T/run-th.out"
check "the helper's layer is work's, not none: conf/ is denied" \
	grep -qx "probe helper conf/app.conf: EACCES" "$T/run-th.out"

# Write, execute, bind, before and after each phase.  setup may write its log and
# bind (it does both); it executes only the program and its loader, so bin/garbage
# is EACCES, not ENOEXEC.  work writes its pid file only, and may not bind TCP
# although its filter has bind (for its unix socket).  serve writes nothing.
# Where a phase's filter lacks the call, seccomp answers first (EPERM).
probe_all() { # OUT [run options...]
	local out=$1
	shift
	rm -rf "$D/state/run"
	"$SYSPHASE" run --default-action errno "$@" --policy "$T/pol/policy.json" -- \
		"$PROG" "$D" --probe-all >"$out" 2>"$out.err"
}
probe_all "$T/run3.out"
check "run --default-action errno --probe-all exits 0" test $? -eq 0
check "it finished" grep -q "landlock_phases: done" "$T/run3.out"
expect3() {
	check "$1 $2: $3" grep -qx "probe $1 $2: $3" "$T/run3.out"
}
expect3 setup "write logs/app.log" ok
expect3 setup "write data/a.txt" EACCES
expect3 setup "exec bin/garbage" EACCES
expect3 setup "bind tcp" ok
expect3 work "write logs/app.log" EACCES
expect3 work "write data/a.txt" EACCES
expect3 work "write state/run/pid" ok
expect3 work "exec bin/garbage" EPERM
expect3 work "bind tcp" EACCES
expect3 work "www/new.txt" EACCES
expect3 serve "write state/run/pid" EACCES
expect3 serve "write logs/app.log" EACCES
expect3 serve "exec bin/garbage" EPERM
check "run names work's TCP bind as Landlock's" \
	grep -q "in phase 'work': Landlock denied bind_tcp on TCP port 0 (bind: Permission denied)" \
	"$T/run3.out.err"

probe_all "$T/run4.out" --no-landlock
check "without Landlock setup's exec reaches the kernel's format check (ENOEXEC)" \
	grep -qx "probe setup exec bin/garbage: ENOEXEC" "$T/run4.out"
check "without Landlock work binds TCP" grep -qx "probe work bind tcp: ok" "$T/run4.out"
check "without Landlock work writes the log" grep -qx "probe work write logs/app.log: ok" \
	"$T/run4.out"

# An older ABI (simulated): before ABI 4 TCP ports are not enforced, files still are.
SYSPHASE_LANDLOCK_ABI=3 probe_all "$T/run5.out"
check "ABI 3: run exits 0" test $? -eq 0
check "ABI 3: run says TCP ports are not enforced" \
	grep -q "Landlock ABI (3) cannot enforce all of the policy's layers: not enforced: .*TCP ports" \
	"$T/run5.out.err"
check "ABI 3: work binds TCP" grep -qx "probe work bind tcp: ok" "$T/run5.out"
check "ABI 3: work still cannot write the log" grep -qx "probe work write logs/app.log: EACCES" \
	"$T/run5.out"
check "ABI 3: serve still cannot read the leak" grep -qx "probe serve www/leak: EACCES" "$T/run5.out"
# No Landlock at all (simulated): the filters alone, said in one line.
SYSPHASE_LANDLOCK_ABI=0 probe_all "$T/run6.out"
check "ABI 0: run exits 0" test $? -eq 0
check "ABI 0: run says no layer is enforced" grep -q "this kernel has no Landlock" "$T/run6.out.err"
check "ABI 0: serve reads the leak" grep -qx "probe serve www/leak: ok" "$T/run6.out"
finish
