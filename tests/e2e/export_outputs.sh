#!/bin/bash
# SPDX-License-Identifier: MIT
# Every output is written the way cp or a shell redirect writes it: through
# a character device (it stays a device), a FIFO (its reader gets the bytes)
# and a symlink (its target is written, the link stays); atomically only for
# a regular file.  A failed export leaves no half-written directory and keeps
# the old one.  The device is a private node made with mknod (major 1, minor 3:
# what /dev/null is), never /dev/null itself: a regression must not take the
# machine's /dev/null with it.
. "$(dirname "$0")/lib.sh"
need_sysphase
need jq mknod mkfifo
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (ptrace, mknod)"; exit 77; }
cd "$T"

(cd /tmp && "$SYSPHASE" record -o "$T/pwd.trace" --rules pwd -- /bin/pwd) >/dev/null
mknod "$T/null" c 1 3

no_temporary() {
	! ls -A | grep -q 'sysphase-'
}

# wait_reader PID: the FIFO's reader gets EOF once the writer closes; if the
# FIFO was replaced by a file instead, nobody ever opens it: stop the reader.
wait_reader() {
	if [ -p fifo ]; then
		wait "$1"
	else
		fail "fifo is no longer a FIFO"
		kill "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		mv fifo fifo.replaced && mkfifo fifo
	fi
}

is_null_device() {
	[ -c "$1" ] && [ "$(stat -c '%t:%T' "$1")" = 1:3 ]
}

# ---- report -o ----
"$SYSPHASE" report pwd.trace -o "$T/null" >/dev/null 2>err || fail "report -o a device: $(cat err)"
check "report -o a character device leaves the device" is_null_device "$T/null"

mkfifo fifo
cat fifo >from-fifo &
reader=$!
track "$reader"
"$SYSPHASE" report pwd.trace -o fifo >/dev/null 2>err || fail "report -o a FIFO: $(cat err)"
wait_reader "$reader"
check "report -o a FIFO: its reader gets the document" grep -q '<!DOCTYPE html>' from-fifo
check "the FIFO stays a FIFO" test -p fifo

echo old >target.html
ln -s target.html link.html
"$SYSPHASE" report pwd.trace -o link.html >/dev/null 2>err || fail "report -o a symlink: $(cat err)"
check "report -o a symlink keeps the link" test -L link.html
check "... and writes its target" grep -q '<!DOCTYPE html>' target.html

chmod 0640 target.html
"$SYSPHASE" report pwd.trace -o target.html >/dev/null
check "a replaced report keeps the file's permissions" test "$(stat -c %a target.html)" = 640
check "no temporary file is left" no_temporary

# ---- record -o ----
"$SYSPHASE" record -o "$T/null" --rules pwd -- /bin/pwd >/dev/null 2>err ||
	fail "record -o a device: $(cat err)"
check "record -o a character device leaves the device" is_null_device "$T/null"
cat fifo >trace-from-fifo &
reader=$!
track "$reader"
"$SYSPHASE" record -o fifo --rules pwd -- /bin/pwd >/dev/null 2>err || fail "record -o a FIFO"
wait_reader "$reader"
check "record -o a FIFO: its reader gets the trace" \
	test "$(head -1 trace-from-fifo | jq -r .format)" = sysphase-trace
# A program that cannot be executed: no trace is left, but a device is never removed.
printf '\x7fELF-not-really' >not-a-program
chmod +x not-a-program
"$SYSPHASE" record -o "$T/null" -- ./not-a-program >/dev/null 2>&1 || true
check "a failed exec does not remove the device it was recording to" is_null_device "$T/null"

# ---- run --complain=LOG ----
"$SYSPHASE" export --rules pwd pwd.trace -o pol --format bpf >/dev/null
"$SYSPHASE" run --policy pol/policy.json --complain="$T/null" -- /bin/ls / >/dev/null 2>err ||
	fail "run --complain to a device: $(cat err)"
check "run --complain=DEVICE leaves the device" is_null_device "$T/null"
ln -s complain.log log-link
"$SYSPHASE" run --policy pol/policy.json --complain=log-link -- /bin/ls / >/dev/null 2>&1
check "run --complain=SYMLINK writes its target" test -s complain.log
check "... and the link stays" test -L log-link

# ---- export -o ----
mkdir real-dir
echo keep >real-dir/mine
ln -s real-dir dir-link
"$SYSPHASE" export --rules pwd pwd.trace -o dir-link --force --format bpf >/dev/null 2>err ||
	fail "export -o a symlink to a directory: $(cat err)"
check "export -o a symlink to a directory keeps the link" test -L dir-link
check "... and replaces the directory it names" test -s real-dir/policy.json
check "... whole" not test -e real-dir/mine
# A failed export (two phases sharing a file name) keeps the old directory whole.
jq -c 'if .phase == "output handling" then .phase = "a/b" elif .phase == "process termination"
	then .phase = "a_b" else . end' pwd.trace >clash.trace
before=$(cd real-dir && sha256sum ./* | sort)
st=0
"$SYSPHASE" export clash.trace -o real-dir --force >/dev/null 2>err || st=$?
check "a failing export fails (status $st)" test "$st" != 0
check "... and keeps the old directory as it was" test "$(cd real-dir && sha256sum ./* | sort)" = "$before"
check "... with no temporary directory left" no_temporary
# Not a directory: refused before anything is written.
st=0
"$SYSPHASE" export --rules pwd pwd.trace -o "$T/null" >/dev/null 2>err || st=$?
check "export -o a device is refused (status $st)" test "$st" = 5
check "... in one line naming it" grep -qi "null.*not a directory" err
check "... and the device stays" is_null_device "$T/null"

finish
