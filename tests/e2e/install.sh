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

# Man pages, completions and docs where Debian puts them (dist/CMakeLists.txt).
for page in sysphase record phases export run report compare infer show help; do
	[ "$page" = sysphase ] && f=sysphase.1 || f=sysphase-$page.1
	check "man page $f installed" test -s "$prefix/share/man/man1/$f"
	if command -v man >/dev/null; then
		MANWIDTH=80 man -l "$prefix/share/man/man1/$f" >"$T/man.txt" 2>"$T/man.err"
		check "man -l $f renders without a warning" test -s "$T/man.txt" -a ! -s "$T/man.err"
	fi
done
check "bash completion installed" test -s "$prefix/share/bash-completion/completions/sysphase"
check "zsh completion installed" test -s "$prefix/share/zsh/vendor-completions/_sysphase"
check "fish completion installed" test -s "$prefix/share/fish/vendor_completions.d/sysphase.fish"
check "README installed" test -s "$prefix/share/doc/sysphase/README.md"
check "docs installed" test -s "$prefix/share/doc/sysphase/run.md"
check "the quick start's example installed" test -x "$prefix/share/doc/sysphase/examples/own-program.sh"

# The Debian package: what dpkg -i would install, checked with dpkg-deb.
if command -v cpack >/dev/null && command -v dpkg-deb >/dev/null; then
	(cd "$T" && cpack -G DEB --config "$BUILDDIR/CPackConfig.cmake" -B "$T/deb") \
		>"$T/cpack.out" 2>&1
	deb=$(ls "$T"/deb/sysphase_*.deb 2>/dev/null | head -1)
	check "cpack -G DEB builds a package ($(tail -1 "$T/cpack.out"))" test -n "$deb"
	if [ -n "$deb" ]; then
		dpkg-deb --info "$deb" >"$T/deb.info"
		check "the package is sysphase for amd64" grep -q "Architecture: amd64" "$T/deb.info"
		check "it depends on the libraries it links" grep -q "Depends:.*libseccomp" "$T/deb.info"
		check "dpkg -i accepts it (--dry-run: nothing is installed)" \
			quietly dpkg --dry-run -i "$deb"
		dpkg-deb --contents "$deb" >"$T/deb.list"
		for f in ./usr/bin/sysphase ./usr/share/man/man1/sysphase-run.1 \
			./usr/share/bash-completion/completions/sysphase ./usr/share/sysphase/rules/nginx.json \
			./usr/share/doc/sysphase/README.md; do
			check "the package holds $f" grep -q " $f\$" "$T/deb.list"
		done
	fi
else
	echo "skip: cpack or dpkg-deb missing"
fi
finish
