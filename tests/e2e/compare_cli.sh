#!/bin/bash
# SPDX-License-Identifier: MIT
# sysphase compare with every kind of input: plain lists of names and
# numbers, JSON arrays, policy.json (union, a phase, a phase's enforce
# view), the OCI and Kubernetes profiles `sysphase export` writes (which
# must read back as the very allowlist they were made from), the thesis's
# built-in lists; results worked out by hand; and malformed input, which
# must give one line with the file position and exit status 4 (input error).
. "$(dirname "$0")/lib.sh"

need python3
need_sysphase

# jget FILE EXPR: a value from a JSON file (python expression on `d`).
jget() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# --- known small cases, computed by hand -------------------------------------
printf 'read write\nopen # level 1\nexecve, getpid\n' >"$T/a.txt"
printf '0 2 9\n' >"$T/b.txt" # read open mmap, by number
"$SYSPHASE" compare --format json "$T/a.txt" "$T/b.txt" >"$T/ab.json" || fail "compare a b"
check "sizes 5 and 3, 2 shared" test "$(jget "$T/ab.json" '(d["a"]["size"], d["b"]["size"], d["both"]["size"], d["only_a"]["size"], d["only_b"]["size"])')" = "(5, 3, 2, 3, 1)"
check "completeness 2/3" test "$(jget "$T/ab.json" 'round(d["completeness"], 6)')" = 0.666667
check "reduction 3/5" test "$(jget "$T/ab.json" 'd["reduction"]')" = 0.6
check "only in A by level: execve L1, write L3, getpid L4" \
	test "$(jget "$T/ab.json" 'd["only_a"]["syscalls"]')" = "{'1': ['execve'], '2': [], '3': ['write'], '4': ['getpid'], 'unrated': []}"
check "both: open L1, read L3" test "$(jget "$T/ab.json" '(d["both"]["by_level"]["1"], d["both"]["by_level"]["3"], d["both"]["syscalls"]["1"])')" = "(1, 1, ['open'])"
check "only in B: mmap, unrated" test "$(jget "$T/ab.json" 'd["only_b"]["syscalls"]["unrated"]')" = "['mmap']"
"$SYSPHASE" compare "$T/a.txt" "$T/b.txt" >"$T/ab.txt"
check "text: the counts table" grep -Eq '^only in A +3 +1 +0 +1 +1 +0$' "$T/ab.txt"
check "text: completeness" grep -q 'completeness of A wrt B: *66.7%' "$T/ab.txt"
check "text: reduction" grep -q 'reduction of A by B: *60.0%' "$T/ab.txt"
check "text: names by level" grep -Eq '^  L1 +execve$' "$T/ab.txt"
"$SYSPHASE" compare --brief "$T/a.txt" "$T/b.txt" >"$T/brief.txt"
check "--brief: no names" not grep -q execve "$T/brief.txt"
printf '["read", 1, "open",\n 59, "getpid"]\n' >"$T/a.json"
"$SYSPHASE" compare --format json "$T/a.json" "$T/a.txt" >"$T/same.json"
check "a JSON array reads like the text list" test "$(jget "$T/same.json" '(d["completeness"], d["reduction"], d["both"]["size"])')" = "(1.0, 0.0, 5)"

# --- policy.json and the profiles export writes ------------------------------
# Recording needs ptrace rights; without them the policy is made from a
# trace written here by hand (the same events pwd makes, fewer of them).
if ! (cd /tmp && LANG=C "$SYSPHASE" record -o "$T/pwd.trace" --rules pwd -- /bin/pwd) >/dev/null 2>&1; then
	echo "note: cannot record (not root?): using a hand-written trace"
	{
		echo '{"format":"sysphase-trace","version":1,"command":["/bin/pwd"],"kernel":"6.1","arch":"x86_64","start_time":0,"rules":"pwd","entry_only":false,"attached":false}'
		n=0
		for c in "execution initiation:execve:59" "execution initiation:brk:12" \
			"loading shared libraries:openat:257" "loading shared libraries:mmap:9" \
			"reading configuration:getcwd:79" "output handling:write:1" \
			"process termination:exit_group:231"; do
			IFS=: read -r ph name nr <<<"$c"
			n=$((n + 1))
			printf '{"type":"syscall","ts":0.%06d,"tid":7,"pid":7,"abi":"x86_64","nr":%d,"name":"%s","args":["0x0","0x0","0x0","0x0","0x0","0x0"],"phase":"%s"}\n' \
				"$n" "$nr" "$name" "$ph"
		done
	} >"$T/pwd.trace"
fi
"$SYSPHASE" export "$T/pwd.trace" -o "$T/pol" --format oci,k8s >/dev/null || fail "export"
P=$T/pol/policy.json
phases=$(jget "$P" '"\n".join(p["name"] for p in d["phases"])')
union=$(jget "$P" 'len({c["name"] for p in d["phases"] for c in p["exact"]})')
"$SYSPHASE" compare --format json "$P" "$P" >"$T/u.json"
check "policy.json: the union of the phases' exact lists ($union)" test "$(jget "$T/u.json" 'd["a"]["size"]')" = "$union"
while IFS= read -r ph; do
	stem=$(printf '%s' "$ph" | tr -c 'A-Za-z0-9._-' '_')
	n_exact=$(jget "$P" "next(len(p['exact']) for p in d['phases'] if p['name'] == '$ph')")
	n_enf=$(jget "$P" "next(len(p['enforce']) for p in d['phases'] if p['name'] == '$ph')")
	"$SYSPHASE" compare --format json "$P:$ph" "$P:$ph:enforce" >"$T/c.json" ||
		{ fail "compare $ph"; continue; }
	check "$ph: exact $n_exact within enforce $n_enf" test "$(jget "$T/c.json" '(d["a"]["size"], d["b"]["size"], d["only_a"]["size"])')" = "($n_exact, $n_enf, 0)"
	for fmt in oci k8s; do
		"$SYSPHASE" compare --format json "$P:$ph:enforce" "$T/pol/$stem.$fmt.json" >"$T/c.json" ||
			{ fail "compare $ph $fmt"; continue; }
		check "$ph: the $fmt profile allows exactly the enforce list" \
			test "$(jget "$T/c.json" '(d["only_a"]["size"], d["only_b"]["size"], d["b"]["skipped"])')" = "(0, 0, [])"
	done
done <<<"$phases"

# --- the thesis's lists ------------------------------------------------------
"$SYSPHASE" compare --format json thesis:pwd:chestnut thesis:pwd:sysfilter >"$T/t.json"
check "thesis pwd: chestnut 41, sysfilter 49 (as the thesis reports)" test "$(jget "$T/t.json" '(d["a"]["size"], d["b"]["size"])')" = "(41, 49)"
"$SYSPHASE" compare --format json thesis:nginx:chestnut thesis:nginx:manual >"$T/t.json"
check "thesis nginx: chestnut 107" test "$(jget "$T/t.json" 'd["a"]["size"]')" = 107
"$SYSPHASE" compare --format json thesis:pwd:manual:output_handling "$P" >"$T/t.json"
check "a manual phase table: fstat write close" test "$(jget "$T/t.json" 'd["a"]["size"]')" = 3

# --- malformed input: one line, the position, status 4 -----------------------
expect_error() {
	local pat=$1 rc=0 want=${WANT:-4}
	shift
	"$SYSPHASE" compare "$@" >"$T/out" 2>"$T/err" || rc=$?
	if [ "$rc" != "$want" ] || [ "$(wc -l <"$T/err")" != 1 ] || ! grep -q -- "$pat" "$T/err" ||
		! grep -q '^sysphase: compare: \|^sysphase: ' "$T/err" || [ -s "$T/out" ]; then
		fail "compare $*: status $rc, stderr: $(cat "$T/err")"
	else
		pass "$(cat "$T/err")"
	fi
}
printf 'read\nwrite opnat\n' >"$T/typo.txt"
expect_error "typo.txt:2:7: unknown x86-64 syscall 'opnat' (did you mean 'openat'?)" "$T/typo.txt" "$T/a.txt"
printf 'read 1000\n' >"$T/num.txt"
expect_error "num.txt:1:6: 1000 is not an x86-64 syscall number" "$T/a.txt" "$T/num.txt"
printf '["read",\n  "write",\n' >"$T/trunc.json"
expect_error "trunc.json:3:" "$T/trunc.json" "$T/a.txt"
printf '["read",\n  {"name": "write"}]\n' >"$T/obj.json"
expect_error "obj.json:2:3: expected a syscall name or number" "$T/obj.json" "$T/a.txt"
printf '{\n "defaultAction": "SCMP_ACT_ERRNO",\n "syscalls": [\n  {"names": ["read"], "action": "SCMP_ACT_PERHAPS"}\n ]\n}\n' >"$T/act.json"
expect_error "act.json:4:33: unknown action 'SCMP_ACT_PERHAPS'" "$T/act.json" "$T/a.txt"
printf '{\n "defaultAction": "SCMP_ACT_ERRNO",\n "syscalls": [{"names": ["read"]}]\n}\n' >"$T/noact.json"
expect_error "noact.json:3:15: expected an \"action\" string" "$T/noact.json" "$T/a.txt"
printf '{"colour": "blue"}\n' >"$T/other.json"
expect_error "other.json:1:1: neither a sysphase policy" "$T/other.json" "$T/a.txt"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["phases"][0]["exact"][0]["count"]="many"; json.dump(d, open(sys.argv[2],"w"), indent=1)' "$P" "$T/badpol.json"
expect_error "badpol.json:[0-9]*:[0-9]*: " "$T/badpol.json" "$T/a.txt"
expect_error "no phase 'nosuch' (it has: " "$P:nosuch" "$T/a.txt"
expect_error "a list of syscalls has no phase" "$T/a.txt:exact" "$T/a.txt"
expect_error "no such file or built-in" "$T/missing.txt" "$T/a.txt"
expect_error "unknown built-in 'thesis:pwd:strace'" thesis:pwd:strace "$T/a.txt"
expect_error "unknown built-in 'docker:strict'" "$T/a.txt" docker:strict
: >"$T/empty.txt"
expect_error "empty.txt: no syscalls in it" "$T/empty.txt" "$T/a.txt"
WANT=2 expect_error "--format takes text or json" --format yaml "$T/a.txt" "$T/a.txt"
WANT=2 expect_error "exactly two" "$T/a.txt"
finish
