#!/bin/bash
# SPDX-License-Identifier: MIT
# The conventions every command keeps, and the one table the help, the man
# pages and the completions come from (cli/help_text.c):
#   - every long option a parser accepts is in its command's --help, and
#     every option --help lists is accepted (no drift either way);
#   - a short option means the same thing in every command;
#   - `sysphase help CMD` is `sysphase CMD --help`; -h works everywhere;
#     `--bogus` is an unknown option, a typo'd command gets "did you mean";
#   - each man page renders with man -l, and dist/completion/ holds what
#     the binary generates;
#   - -f is accepted by record and run, export -o - is refused clearly,
#     --format docker is oci, compare - reads stdin, compare DIR reads
#     DIR/policy.json, run --policy DIR and run --policy TRACE are answered.
. "$(dirname "$0")/lib.sh"
need_sysphase
need python3

CMDS="record phases export run hook report compare infer show help"

# --- the parsers and the table agree ----------------------------------------------------
for cmd in $CMDS; do
	"$SYSPHASE" "$cmd" --help >"$T/help.$cmd"
	listed=$(grep -o -- '--[a-z][a-z0-9-]*' "$T/help.$cmd" | sort -u)
	# Every option the help shows is one the parser takes (not "unknown option").
	for opt in $(grep -oE '^  (-[a-zA-Z], )?--[a-z][a-z0-9-]*' "$T/help.$cmd" | grep -o -- '--.*'); do
		"$SYSPHASE" "$cmd" "$opt" </dev/null >/dev/null 2>"$T/err"
		check "$cmd $opt: the parser knows it" not grep -q "unknown option" "$T/err"
	done
	# Every long option in the parser's source is in the help.
	src=$SRCDIR/cli/cmd_$cmd.c
	[ "$cmd" = help ] && src=$SRCDIR/cli/help.c
	for opt in $(sed -n '/longopts\[\] = {/,/};/p' "$src" | grep -o '{"[a-z][a-z0-9-]*"' |
		tr -d '{"'); do
		[ "$opt" = colour ] && continue # show's British spelling of --color
		check "$cmd --$opt is in its --help" grep -q -- "--$opt\b" <(echo "$listed")
	done
	if sed -n '/longopts\[\] = {/,/};/p' "$src" | grep -q RUNTIME_OPTS_LONG; then
		check "$cmd --no-runtime-detect is in its --help" grep -q -- "--no-runtime-detect" "$T/help.$cmd"
	fi
	rc=0
	"$SYSPHASE" "$cmd" -h >"$T/h" || rc=$?
	check "$cmd -h exits 0 ($rc)" test "$rc" = 0
	check "$cmd -h is --help" cmp -s "$T/h" "$T/help.$cmd"
	"$SYSPHASE" help "$cmd" >"$T/h"
	check "help $cmd is $cmd --help" cmp -s "$T/h" "$T/help.$cmd"
done

# The README's synopsis lists every option of every command.
check "the README synopsis lists every option" python3 - "$T" "$SRCDIR/README.md" $CMDS <<'PY'
import re, sys
readme = open(sys.argv[2]).read()
syn = readme[readme.index("## The commands"):]
syn = syn[:syn.index("\n\n", syn.index("    sysphase record"))]
missing = []
for cmd in sys.argv[3:]:
    for m in re.finditer(r"^  (?:(-\w), )?(--[a-z0-9-]+)", open(f"{sys.argv[1]}/help.{cmd}").read(), re.M):
        short, opt = m.groups()
        # A short option stands for its long one ("[-o TRACE]").
        if opt != "--help" and opt not in syn and not (short and re.search(" \\[?" + short + "[] ]", syn)):
            missing.append(f"{cmd} {opt}")
if missing:
    print("missing from the README synopsis: " + ", ".join(missing))
    sys.exit(1)
PY

# One meaning per short option: collect "-X, --long" pairs over every command.
check "each short option means one long option everywhere" python3 - "$T" $CMDS <<'PY'
import re, sys
seen = {}
for cmd in sys.argv[2:]:
    for m in re.finditer(r"^  -(\w), --([a-z0-9-]+)", open(f"{sys.argv[1]}/help.{cmd}").read(), re.M):
        short, long = m.groups()
        if seen.setdefault(short, long) != long:
            print(f"-{short} is --{seen[short]} and --{long} ({cmd})")
            sys.exit(1)
PY

# --- top level --------------------------------------------------------------------------
rc=0
"$SYSPHASE" --bogus >/dev/null 2>"$T/err" || rc=$?
check "--bogus: usage status 2 ($rc)" test "$rc" = 2
check "--bogus: an unknown option, not command" grep -q "unknown option '--bogus'" "$T/err"
rc=0
"$SYSPHASE" recrod >/dev/null 2>"$T/err" || rc=$?
check "a typo'd command: status 2 ($rc)" test "$rc" = 2
check "a typo'd command: did you mean" grep -q "did you mean 'record'" "$T/err"
"$SYSPHASE" help >"$T/top"
check "sysphase help lists every command" sh -c "for c in $CMDS; do grep -q \"^  \$c \" '$T/top' || exit 1; done"
rc=0
"$SYSPHASE" help nosuch >/dev/null 2>&1 || rc=$?
check "help of an unknown command: status 2 ($rc)" test "$rc" = 2

# --- man pages and completions -----------------------------------------------------------
if command -v man >/dev/null; then
	for page in "" $CMDS; do
		if [ -n "$page" ]; then
			"$SYSPHASE" help --man "$page" >"$T/p.1"
		else
			"$SYSPHASE" help --man >"$T/p.1"
		fi
		MANWIDTH=80 man -l "$T/p.1" >"$T/p.txt" 2>"$T/p.err"
		check "man page ${page:-sysphase}: renders" test -s "$T/p.txt"
		check "man page ${page:-sysphase}: no warning" test ! -s "$T/p.err"
		check "man page ${page:-sysphase}: has EXIT STATUS" grep -q "EXIT STATUS" "$T/p.txt"
	done
	"$SYSPHASE" help --man record | MANWIDTH=80 man -l - 2>/dev/null >"$T/rec.txt"
	check "record(1) lists --output" grep -q -- "--output" "$T/rec.txt"
else
	echo "skip: man is not installed"
fi
for pair in bash:sysphase zsh:_sysphase fish:sysphase.fish; do
	shell=${pair%%:*} file=${pair#*:}
	"$SYSPHASE" help --completion "$shell" >"$T/$file"
	check "dist/completion/$file is what the binary generates (sysphase help --completion $shell)" \
		cmp -s "$T/$file" "$SRCDIR/dist/completion/$file"
done
check "bash completion parses" bash -n "$T/sysphase"
check "bash completes commands" bash -c "
	. '$T/sysphase'
	COMP_WORDS=(sysphase re); COMP_CWORD=1; _sysphase
	printf '%s\n' \"\${COMPREPLY[@]}\" | grep -qx record"
check "bash completes --rules with the built-ins" bash -c "
	. '$T/sysphase'
	COMP_WORDS=(sysphase record --rules ng); COMP_CWORD=3; _sysphase
	printf '%s\n' \"\${COMPREPLY[@]}\" | grep -qx nginx"
check "bash completes export --format" bash -c "
	. '$T/sysphase'
	COMP_WORDS=(sysphase export -F do); COMP_CWORD=3; _sysphase
	printf '%s\n' \"\${COMPREPLY[@]}\" | grep -qx docker"
if command -v zsh >/dev/null; then
	check "zsh completion parses" zsh -n "$T/_sysphase"
fi
if command -v fish >/dev/null; then
	check "fish completion parses" fish -n "$T/sysphase.fish"
fi

# --- conventions ------------------------------------------------------------------------
cd "$T" || exit 1
"$SYSPHASE" record -f --rules generic -o g.jsonl -- /bin/true >/dev/null 2>&1
check "record -f is accepted" test $? = 0
"$SYSPHASE" export g.jsonl -o pol --format docker >/dev/null 2>&1
check "--format docker writes the OCI profiles" sh -c 'ls pol/*.json | grep -v policy.json | grep -q .'
rc=0
"$SYSPHASE" export g.jsonl -o - >/dev/null 2>"$T/err" || rc=$?
check "export -o -: usage status 2 ($rc)" test "$rc" = 2
check "export -o -: says a directory cannot go to stdout" grep -q "writes a directory" "$T/err"
check "export -o -: no directory named -" test ! -e ./-
"$SYSPHASE" compare -F json pol g.jsonl >dir.json
check "compare DIR reads DIR/policy.json" grep -q policy.json dir.json
"$SYSPHASE" compare - pol <g.jsonl >stdin.out
check "compare - reads stdin" grep -q "^A: - (stdin)" stdin.out
rc=0
"$SYSPHASE" run -f --policy pol -- /bin/true >/dev/null 2>"$T/err" || rc=$?
check "run --policy DIR runs (and -f is accepted) ($rc; $(cat "$T/err"))" test "$rc" = 0
rc=0
"$SYSPHASE" run --policy g.jsonl -- /bin/true >/dev/null 2>"$T/err" || rc=$?
check "run --policy TRACE: input error ($rc)" test "$rc" = 4
check "run --policy TRACE: says to export first" grep -q "sysphase export g.jsonl" "$T/err"
ln -s /bin/true mytrue
"$SYSPHASE" run --policy pol -- ./mytrue >/dev/null 2>"$T/err"
check "a symlink to the recorded program is the same program" not grep -q "recorded for" "$T/err"
finish
