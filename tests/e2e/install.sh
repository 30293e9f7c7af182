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

# A relocated copy: only <exe>/../share/sysphase can explain finding the rules.
cp -a "$prefix" "$T/moved"
"$T/moved/bin/sysphase" record --rules pwd -o "$T/pwd.jsonl" -- /bin/pwd >/dev/null
check "installed binary records with a built-in rule set" test -s "$T/pwd.jsonl"
strace -f -qq -e trace=openat -o "$T/opens" "$T/moved/bin/sysphase" phases --rules pwd \
	"$T/pwd.jsonl" >/dev/null
check "the rules came from the relocated prefix" \
	grep -q "$T/moved/bin/../share/sysphase/rules/pwd.json" "$T/opens"
check "--help works when installed" quietly "$T/moved/bin/sysphase" --help
finish
