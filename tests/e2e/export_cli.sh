#!/bin/bash
# SPDX-License-Identifier: MIT
# sysphase export on a real pwd trace: the files it writes, the summary table,
# policy.json's views, and bad input (one-line errors, exit 2, nothing written).
set -euo pipefail

: "${SYSPHASE:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (ptrace)"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq is not installed"; exit 77; }

T=$(mktemp -d /tmp/sysphase-export.XXXXXX)
trap 'rm -rf "$T"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# expect_error STATUS PATTERN CMD...: fails unless CMD exits STATUS with one
# stderr line matching PATTERN.
expect_error() {
	local want=$1 pat=$2 rc=0
	shift 2
	"$@" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = "$want" ] || fail "'$*': status $rc, wanted $want; stderr: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "'$*': not one line on stderr: $(cat "$T/err")"
	grep -q -- "$pat" "$T/err" || fail "'$*': stderr '$(cat "$T/err")' lacks '$pat'"
	grep -q "^sysphase: " "$T/err" || fail "'$*': message without 'sysphase: '"
}

# No leftovers of a failed export: neither DIR nor a temporary directory.
no_leftovers() {
	[ ! -e "$1" ] || fail "$1 was created by a failing export"
	! ls -A "$(dirname "$1")" | grep -q '^\.sysphase-export' ||
		fail "temporary directory left next to $1"
}

(cd /tmp && LANG=C "$SYSPHASE" record -o "$T/pwd.trace" --rules pwd -- /bin/pwd) >/dev/null
(cd /tmp && LANG=C "$SYSPHASE" record -o "$T/plain.trace" -- /bin/pwd) >/dev/null

# ---- a good export: every format, every phase ----
"$SYSPHASE" export --rules pwd "$T/pwd.trace" -o "$T/out1" >"$T/summary"
P="$T/out1/policy.json"
jq -e '.format == "sysphase-policy" and .version == 1 and .rules_name == "pwd"
	and (.rules | type) == "object" and .program.command[0] == "/bin/pwd"' "$P" >/dev/null ||
	fail "policy.json header"
n=$(jq '.phases | length' "$P")
[ "$n" -ge 2 ] || fail "pwd gave $n phases"
while IFS= read -r ph; do
	s=$(printf '%s' "$ph" | sed 's/[^A-Za-z0-9._-]/_/g; s/^\./_/')
	for ext in bpf pfc oci.json k8s.json conf; do
		[ -s "$T/out1/$s.$ext" ] || fail "missing $s.$ext"
	done
	grep -q "^$ph " "$T/summary" || fail "summary lacks phase $ph"
	# A bpf file is whole sock_filter instructions.
	[ $(($(stat -c %s "$T/out1/$s.bpf") % 8)) = 0 ] || fail "$s.bpf is not BPF"
done < <(jq -r '.phases[].name' "$P")
[ -s "$T/out1/sysphase_phases.h" ] || fail "missing the C header"
# policy.json, the C header, and the start profile for a runtime (oci and k8s).
[ -s "$T/out1/start.oci.json" ] && [ -s "$T/out1/start.k8s.json" ] || fail "missing the start profile"
[ "$(ls "$T/out1" | wc -l)" = $((5 * n + 4)) ] || fail "unexpected files: $(ls "$T/out1")"
head -1 "$T/summary" | grep -q "exact.*enforce.*L1.*L2.*L3.*L4" || fail "summary header"
# enforce is the union of exact over the reachable phases.
jq -e '.phases as $all | all(.phases[]; . as $p |
	([$p.reach[] as $r | $all[] | select(.name == $r) | .exact[].name] | unique) == $p.enforce)' \
	"$P" >/dev/null || fail "enforce is not the union of exact over reach"
jq -e 'all(.phases[]; (.threat.enforce | [."1", ."2", ."3", ."4", .unrated] | add)
	== (.enforce | length))' "$P" >/dev/null || fail "threat counts do not add up"
# execve is level 1 and is in the first phase's enforce view.
jq -e '[.phases[] | select(.processes_started > 0)][0].threat.enforce."1" >= 1' "$P" \
	>/dev/null || fail "first phase has no level-1 call (execve)"

# pfc files are for reading: the exact view unless --view says otherwise.
FIRST=$(jq -r '[.phases[] | select(.processes_started > 0)][0].name' "$P")
FS=$(printf '%s' "$FIRST" | sed 's/[^A-Za-z0-9._-]/_/g; s/^\./_/')
# (getcwd: a later phase's call; exit_group is in every phase's runtime baseline.)
jq -e --arg f "$FIRST" '.phases[] | select(.name == $f) | [.exact[].name] | index("getcwd")
	| not' "$P" >/dev/null || fail "first phase calls getcwd itself"
grep -q '"execve"' "$T/out1/$FS.pfc" || fail "$FS.pfc lacks its own execve"
! grep -q '"getcwd"' "$T/out1/$FS.pfc" || fail "$FS.pfc is not the exact view"
grep -q "^# sysphase: .*exact view" "$T/out1/$FS.pfc" || fail "$FS.pfc does not say its view"
"$SYSPHASE" export --rules pwd "$T/pwd.trace" -o "$T/pfc" --view enforce --format pfc >/dev/null
grep -q '"getcwd"' "$T/pfc/$FS.pfc" || fail "--view enforce: $FS.pfc lacks getcwd"

# --view exact: the OCI files hold each phase's own list.
"$SYSPHASE" export --rules pwd "$T/pwd.trace" -o "$T/exact" --view exact --format oci >/dev/null
while IFS= read -r ph; do
	s=$(printf '%s' "$ph" | sed 's/[^A-Za-z0-9._-]/_/g; s/^\./_/')
	want=$(jq -c --arg p "$ph" '[.phases[] | select(.name == $p) | .exact[].name] | sort' "$P")
	got=$(jq -c '[.syscalls[].names[]] | sort' "$T/exact/$s.oci.json")
	[ "$want" = "$got" ] || fail "exact view of $ph: $got, wanted $want"
done < <(jq -r '.phases[].name' "$P")
[ "$(ls "$T/exact" | wc -l)" = $((n + 2)) ] || fail "--format oci wrote other files (than policy.json and start.oci.json)"

# The trace's own stamps (no --rules) give the same policy as re-detecting.
"$SYSPHASE" export "$T/pwd.trace" -o "$T/stamps" --format bpf >/dev/null
cmp -s "$T/stamps/policy.json" "$P" || fail "policy from the trace's stamps differs"

# ---- bad input ----
expect_error 2 "unknown format 'xml'" "$SYSPHASE" export --rules pwd "$T/pwd.trace" -o "$T/b1" \
	--format bpf,xml
no_leftovers "$T/b1"
expect_error 2 "view" "$SYSPHASE" export --rules pwd "$T/pwd.trace" -o "$T/b2" --view wide
expect_error 2 "default-action" "$SYSPHASE" export --rules pwd "$T/pwd.trace" -o "$T/b2" \
	--default-action trap
expect_error 2 "runtime" "$SYSPHASE" export --rules pwd "$T/pwd.trace" -o "$T/b2" \
	--runtime lxc
no_leftovers "$T/b2"
# Recorded without --rules: exported under generic, as the plain flow needs.
"$SYSPHASE" export "$T/plain.trace" -o "$T/b3" >/dev/null 2>&1 ||
	fail "export of a trace recorded without --rules failed"
[ "$(jq -r .rules_name "$T/b3/policy.json")" = generic ] ||
	fail "a trace recorded without --rules is not exported under generic"
expect_error 4 "no-such" "$SYSPHASE" export --rules pwd "$T/no-such.trace" -o "$T/b4"
no_leftovers "$T/b4"
expect_error 2 "TRACE" "$SYSPHASE" export --rules pwd -o "$T/b4"
expect_error 2 "unknown option '--bogus'" "$SYSPHASE" export --bogus "$T/pwd.trace" -o "$T/b4"
expect_error 5 "no-dir/out" "$SYSPHASE" export --rules pwd "$T/pwd.trace" -o "$T/no-dir/out"
no_leftovers "$T/b4"
# An empty phase: an exit event restamped with a phase no syscall is in.
jq -c 'if .type == "exit" then .phase = "ghost" else . end' "$T/pwd.trace" >"$T/ghost.trace"
expect_error 4 "phase 'ghost'.*empty phase" "$SYSPHASE" export "$T/ghost.trace" -o "$T/b5"
no_leftovers "$T/b5"
# Phase names are not paths: "../evil" stays inside DIR; two names that would
# share a file name are refused.
jq -c 'if .phase == "output handling" then .phase = "../evil" else . end' "$T/pwd.trace" \
	>"$T/evil.trace"
mkdir "$T/evil"
"$SYSPHASE" export "$T/evil.trace" -o "$T/evil/out" --format bpf >/dev/null
[ -s "$T/evil/out/_._evil.bpf" ] || fail "'../evil' was not written as _._evil.bpf"
[ "$(ls "$T/evil")" = out ] || fail "a phase name escaped the output directory"
jq -c 'if .phase == "output handling" then .phase = "a/b" elif .phase == "process termination"
	then .phase = "a_b" else . end' "$T/pwd.trace" >"$T/clash.trace"
expect_error 4 "share the file name 'a_b'" "$SYSPHASE" export "$T/clash.trace" -o "$T/b7"
no_leftovers "$T/b7"
# A malformed line names its line number.
{ head -3 "$T/pwd.trace"; echo '{"type": "syscall", "tid": }'; tail -n +4 "$T/pwd.trace"; } \
	>"$T/bad.trace"
expect_error 4 "bad.trace:4" "$SYSPHASE" export --rules pwd "$T/bad.trace" -o "$T/b6"
no_leftovers "$T/b6"

# ---- an existing directory: refused unless empty or --force ----
mkdir "$T/busy"
echo keep >"$T/busy/mine"
expect_error 5 "not empty.*--force" "$SYSPHASE" export --rules pwd "$T/pwd.trace" -o "$T/busy"
[ "$(cat "$T/busy/mine")" = keep ] || fail "export touched a busy directory"
! ls -A "$T" | grep -q '^\.sysphase-export' || fail "temporary directory left behind"
"$SYSPHASE" export --rules pwd "$T/pwd.trace" -o "$T/busy" --force --format bpf >/dev/null
[ ! -e "$T/busy/mine" ] || fail "--force kept the old content"
[ -s "$T/busy/policy.json" ] || fail "--force did not write"
! ls -A "$T" | grep -q '^\.sysphase-export' || fail "--force left the old directory"
mkdir "$T/empty"
"$SYSPHASE" export --rules pwd "$T/pwd.trace" -o "$T/empty" --format bpf >/dev/null
[ -s "$T/empty/policy.json" ] || fail "export into an empty directory"

# ---- a truncated trace (killed run): a warning, and the events before it ----
head -c -5 "$T/pwd.trace" >"$T/cut.trace"
"$SYSPHASE" export --rules pwd "$T/cut.trace" -o "$T/cut" --format bpf >/dev/null 2>"$T/err"
grep -q "truncated" "$T/err" || fail "no warning for a truncated trace: $(cat "$T/err")"

echo PASS
