#!/bin/bash
# Records coreutils pwd with `sysphase record --rules pwd` three ways and
# prints each timeline with `sysphase phases`:
#   normal.jsonl   pwd with LANG=C.UTF-8 (locale files are read)
#   badopt.jsonl   pwd --no-such-option   (failure path: usage error)
#   closed.jsonl   pwd with stdout closed (failure path: write EBADF)
# The failure runs show the error-handling phase, the normal run does not.
#
#   run.sh [-s SYSPHASE] [-o DIR] [-q]
#     -s  the sysphase binary (default: $SYSPHASE, else `sysphase` in PATH)
#     -o  directory for the traces (default: a new directory under /tmp)
#     -q  do not print the timelines
# Exit status: 0, or 1 when a recording fails.
set -u

sysphase=${SYSPHASE:-sysphase}
dir=
quiet=0
while getopts "s:o:q" opt; do
	case $opt in
	s) sysphase=$OPTARG ;;
	o) dir=$OPTARG ;;
	q) quiet=1 ;;
	*) exit 2 ;;
	esac
done
pwd_bin=$(command -v pwd -P 2>/dev/null)
[ -x /bin/pwd ] && pwd_bin=/bin/pwd
[ -z "$dir" ] && dir=$(mktemp -d /tmp/sysphase-pwd.XXXXXX)
mkdir -p "$dir" && dir=$(cd "$dir" && pwd)

fail() {
	echo "run.sh: $*" >&2
	exit 1
}

# record's exit status is the program's: 0 for the normal run, 1 for failures.
LANG=C.UTF-8 "$sysphase" record -o "$dir/normal.jsonl" --rules pwd -- "$pwd_bin" >"$dir/normal.out" 2>&1
[ $? = 0 ] || fail "the normal run failed (see $dir/normal.out)"
LANG=C.UTF-8 "$sysphase" record -o "$dir/badopt.jsonl" --rules pwd -- "$pwd_bin" --no-such-option \
	>"$dir/badopt.out" 2>&1
[ $? = 1 ] || fail "pwd --no-such-option should exit 1 (see $dir/badopt.out)"
# The trace file is opened close-on-exec, so pwd really gets no fd 1.
LANG=C.UTF-8 "$sysphase" record -o "$dir/closed.jsonl" --rules pwd -- "$pwd_bin" \
	>&- 2>"$dir/closed.out"
[ $? = 1 ] || fail "pwd with stdout closed should exit 1 (see $dir/closed.out)"

if [ "$quiet" = 0 ]; then
	for run in normal badopt closed; do
		echo "== $run"
		"$sysphase" phases --syscalls "$dir/$run.jsonl" || fail "phases failed on $run"
		echo
	done
	echo "traces: $dir"
fi
exit 0
