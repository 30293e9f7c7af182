#!/bin/bash
# SPDX-License-Identifier: MIT
# On a terminal, record's live status line never mixes with the traced
# program's own output: it is drawn on the last row, outside the scroll
# region the program writes in, each draw one save-cursor ... restore-cursor
# sequence; the region is given back at the end; -q draws nothing; and
# show colours its lines on a terminal unless NO_COLOR is set.
# Everything runs in a pseudo-terminal of 24x80 made by python3's pty.
. "$(dirname "$0")/lib.sh"
need_sysphase
need python3

# in_pty OUT CMD...: runs CMD with stdin, stdout and stderr on a 24x80 pty,
# everything the terminal received in OUT; exits with CMD's status.
in_pty() {
	python3 - "$@" <<'PY'
import fcntl, os, pty, struct, sys, termios
out, argv = sys.argv[1], sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    os.execvp(argv[0], argv)
data = b""
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    data += chunk
_, status = os.waitpid(pid, 0)
open(out, "wb").write(data)
sys.exit(os.waitstatus_to_exitcode(status))
PY
}

# The program prints 40 numbered lines, more than the 23 rows left to it.
prog=(sh -c 'i=1; while [ $i -le 40 ]; do echo "program-line-$i"; i=$((i+1)); done')
in_pty "$T/tty.out" "$SYSPHASE" record --rules generic -o "$T/t.jsonl" -- "${prog[@]}"
check "record on a terminal exits 0" test $? = 0
check "the terminal got what it should" python3 - "$T/tty.out" <<'PY'
import re, sys
data = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
# The region: rows 1-23 scroll, row 24 is the status line's.
assert "\x1b[1;23r" in data, "no scroll region reserved"
seqs = re.findall(r"\x1b7\x1b\[24;1H\x1b\[2K(.*?)\x1b8", data)
assert seqs and seqs[-1] == "\x1b[r", "the last sequence must erase the row and free the region"
draws = seqs[:-1]
assert draws and all(d.startswith("sysphase: ") for d in draws), f"draws: {draws[:3]}"
# Take every status sequence out: what is left is exactly the program's lines.
rest = re.sub(r"\x1b7\x1b\[24;1H\x1b\[2K.*?\x1b8", "", data)
rest = re.sub(r"\n?\x1b7\x1b\[1;23r\x1b8\x1b\[1A", "", rest)
rest = rest.replace("\x1b[r", "")
lines = [l for l in rest.replace("\r", "").split("\n") if l]
want = [f"program-line-{i}" for i in range(1, 41)]
assert lines == want, f"program lines mixed: {lines[:5]} ... {lines[-3:]}"
assert "sysphase:" not in rest, "status text outside its row"
PY

in_pty "$T/quiet.out" "$SYSPHASE" record -q -o "$T/q.jsonl" -- "${prog[@]}"
check "record -q exits 0" test $? = 0
check "-q: no escape sequence at all, only the program's lines" python3 - "$T/quiet.out" <<'PY'
import sys
data = open(sys.argv[1], "rb").read().decode()
assert "\x1b" not in data
assert [l for l in data.replace("\r", "").split("\n") if l] == [f"program-line-{i}" for i in range(1, 41)]
PY

# show: colour on a terminal, none with NO_COLOR or into a pipe.
in_pty "$T/show.out" "$SYSPHASE" show "$T/t.jsonl"
check "show colours on a terminal" grep -q $'\x1b\\[1m' "$T/show.out"
in_pty "$T/nocolor.out" env NO_COLOR=1 "$SYSPHASE" show "$T/t.jsonl"
check "NO_COLOR: no colour" not grep -q $'\x1b\\[' "$T/nocolor.out"
"$SYSPHASE" show "$T/t.jsonl" >"$T/pipe.out"
check "into a pipe: no colour" not grep -q $'\x1b\\[' "$T/pipe.out"
"$SYSPHASE" show --color=always "$T/t.jsonl" >"$T/always.out"
check "show --color=always colours a pipe" grep -q $'\x1b\\[1m' "$T/always.out"
finish
