#!/bin/bash
# SPDX-License-Identifier: MIT
# `cmake --install` puts the binary and its built-in data under a prefix,
# and the installed binary finds its rule sets there, with the source
# tree out of its reach (SYSPHASE_RULES_DIR unset, SYSPHASE_SOURCE_DIR
# moved aside by pointing the binary at a copy of the prefix).
. "$(dirname "$0")/lib.sh"
need_sysphase
need cmake

prefix=$T/prefix
check "cmake --install succeeds" quietly cmake --install "$BUILDDIR" --prefix "$prefix"
check "binary installed" test -x "$prefix/bin/sysphase"
for r in nginx pwd generic; do
	check "rule set $r installed" test -s "$prefix/share/sysphase/rules/$r.json"
done

# A relocated copy with no rule files at all: the built-in sets are compiled in
# (phases/builtin_rules.h), so a static binary in a container needs no file.
cp -a "$prefix" "$T/moved"
rm -rf "$T/moved/share/sysphase/rules"
"$T/moved/bin/sysphase" record --rules pwd -o "$T/pwd.jsonl" -- /bin/pwd >/dev/null
check "installed binary records with a built-in rule set" test -s "$T/pwd.jsonl"
strace -f -qq -e trace=openat -o "$T/opens" "$T/moved/bin/sysphase" phases --rules pwd \
	"$T/pwd.jsonl" >/dev/null
check "the built-in rules come from the binary, no file opened" not grep -q "rules/pwd\.json" "$T/opens"
# SYSPHASE_RULES_DIR still comes first: a user's own copy of a built-in set.
mkdir -p "$T/myrules"
sed 's/"name": "pwd"/"name": "pwd-mine"/' "$prefix/share/sysphase/rules/pwd.json" >"$T/myrules/pwd.json"
SYSPHASE_RULES_DIR=$T/myrules "$T/moved/bin/sysphase" phases --rules pwd --format json \
	"$T/pwd.jsonl" >"$T/mine.json" 2>/dev/null
check "SYSPHASE_RULES_DIR overrides the compiled-in set" grep -q "pwd-mine" "$T/mine.json"
check "--help works when installed" quietly "$T/moved/bin/sysphase" --help
finish
