#!/bin/bash
# SPDX-License-Identifier: MIT
# Phases inside a container: a static sysphase (cmake -DSYSPHASE_STATIC=ON,
# built here) is the only sysphase file in a busybox rootfs.
#  - `record --rules generic` works inside: the built-in rule sets are
#    compiled in;
#  - `run` is the container's entrypoint, PID 1, in front of a busybox httpd
#    (started by a shell that leaves an orphan behind): it serves, the
#    orphan is reaped (no zombie), and `runc kill ID QUIT` reaches httpd, so
#    the container ends (status 128+SIGQUIT) instead of hanging.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_container.sh"
need_sysphase
need jq file curl runc cmake
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (ptrace, runc)"; exit 77; }
need_static_busybox
trap '_container_cleanup; _e2e_cleanup' EXIT

# ---- the static binary (an incremental build after the first run) ----
SB="${BUILDDIR:?}/static"
if ! { cmake -S "$SRCDIR" -B "$SB" -DSYSPHASE_STATIC=ON -DSYSPHASE_TESTS=OFF \
	-DCMAKE_BUILD_TYPE=Release >"$T/static.log" 2>&1 &&
	cmake --build "$SB" --target sysphase -j2 >>"$T/static.log" 2>&1; }; then
	tail -20 "$T/static.log"
	fail "cmake -DSYSPHASE_STATIC=ON failed"
	exit 1
fi
file "$SB/sysphase" | grep -q "statically linked" || { fail "$SB/sysphase is not static"; exit 1; }
echo "static sysphase: $(stat -c %s "$SB/sysphase") bytes"

PORT=$(free_port)
B="$T/bundle"
make_bundle "$B" '["/sysphase","--help"]'
cp "$SB/sysphase" "$B/rootfs/sysphase"
mkdir -p "$B/rootfs/www/cgi-bin" "$T/out"
echo "served by a wrapped httpd" >"$B/rootfs/www/index.html"
printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho cgi\n' >"$B/rootfs/www/cgi-bin/x"
chmod +x "$B/rootfs/www/cgi-bin/x"
# ptrace needs CAP_SYS_PTRACE; /out is the host's $T/out; the host's network.
jq --arg out "$T/out" '
	.process.capabilities |= with_entries(.value += ["CAP_SYS_PTRACE"])
	| .mounts += [{"destination": "/out", "type": "bind", "source": $out, "options": ["rbind", "rw"]}]
	| .linux.namespaces |= map(select(.type != "network"))' "$B/config.json" >"$B/c"
mv "$B/c" "$B/config.json"
set_args() {
	jq --argjson a "$1" '.process.args = $a' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
}
[ ! -e "$B/rootfs/usr" ] && [ -z "$(find "$B/rootfs" -name '*.json')" ] || fail "the rootfs holds more than busybox"

# ---- record inside: the built-in rules need no file ----
set_args '["/sysphase","record","--rules","generic","-o","/out/inside.jsonl","--","/bin/busybox","echo","inside"]'
run_container runc "$B" || fail "record inside the container: $(cat "$T/ctr.err")"
[ "$(cat "$T/ctr.out")" = inside ] || fail "the recorded echo printed '$(cat "$T/ctr.out")'"
head -1 "$T/out/inside.jsonl" | jq -e '.rules == "generic"' >/dev/null || fail "no generic rules in the header"
grep -q '"phase":"termination"' "$T/out/inside.jsonl" || fail "no phase stamps inside"

# ---- a policy for the httpd, recorded on the host (same binary, same script) ----
serves() { curl -sf "http://127.0.0.1:$PORT/" 2>/dev/null | grep -q "served by a wrapped httpd"; }
SCRIPT="(busybox true &); exec busybox httpd -f -p 127.0.0.1:$PORT -h"
env -i PATH=/usr/bin:/bin "$SYSPHASE" record --rules generic -o "$T/httpd.trace" -- \
	"$BUSYBOX" sh -c "$SCRIPT $B/rootfs/www" >/dev/null 2>"$T/rec.err" &
REC=$!
track "$REC"
wait_until 60 serves || { fail "recorded httpd never served: $(cat "$T/rec.err")"; exit 1; }
serves
for p in $(children_of "$REC"); do kill -TERM "$p"; done
wait "$REC" || true
# --no-landlock: the host recording served $B/rootfs/www, the container serves /www; a
# Landlock layer derived from the host's paths would refuse the container's.
"$SYSPHASE" export "$T/httpd.trace" -o "$T/out/pol" --format bpf --no-landlock >/dev/null 2>&1 ||
	fail "export"

# ---- run as PID 1 ----
id="sysphase-$$-wrap"
CONTAINER_IDS+=("runc:$id")
set_args "[\"/sysphase\",\"run\",\"--policy\",\"/out/pol/policy.json\",\"--\",\"/bin/busybox\",\"sh\",\"-c\",\"$SCRIPT /www\"]"
runc run --bundle "$B" "$id" </dev/null >"$T/wrap.out" 2>"$T/wrap.err" &
RUNC=$!
track "$RUNC"
if wait_until 60 serves; then
	pass "httpd serves under sysphase run as the container's PID 1"
else
	fail "no answer from the wrapped httpd: $(cat "$T/wrap.err")"
fi
init=$(runc state "$id" 2>/dev/null | jq -r .pid)
[ -n "$init" ] && [ "$init" != null ] || fail "no container init pid"
zombies() {
	local p st n=0
	for p in $(children_of "$init"); do
		st=$(proc_state "$p")
		[ "$st" = Z ] && n=$((n + 1))
	done
	echo "$n"
}
no_zombie() { [ "$(zombies)" = 0 ]; }
check "the orphan left by the shell is reaped by PID 1" wait_until 60 no_zombie
check "PID 1 is sysphase" grep -q sysphase "/proc/$init/cmdline"
# A call outside its phase: a CGI request makes httpd's connection child fork
# and exec, which the recording never saw.  Inside the container no audit
# record can name it (host pids, no /dev/kmsg): run says so once, and names
# the call from the registers the child died with (it is followed by
# events alone: PTRACE_EVENT_EXIT, SECCOMP_MODE_DEAD).
curl -s -m 10 "http://127.0.0.1:$PORT/cgi-bin/x" >/dev/null 2>&1 || true
denial_said() { grep -q "killed by SIGSYS" "$T/wrap.err"; }
if wait_until 30 denial_said; then
	line=$(grep -m1 "killed by SIGSYS" "$T/wrap.err")
	check "the denial is named inside the container: $line" \
		grep -q "(x86_64 nr [0-9]*) killed by SIGSYS" <(echo "$line")
else
	fail "no denial said: $(tail -c 600 "$T/wrap.err")"
fi
serves || fail "httpd stopped serving after its child was killed"
runc kill "$id" QUIT
gone() { ! kill -0 "$RUNC" 2>/dev/null; }
if wait_until 120 gone; then
	rc=0
	wait "$RUNC" || rc=$?
	check "runc kill QUIT ends the container with 128+SIGQUIT (got $rc)" test "$rc" -eq 131
else
	fail "runc kill QUIT: the container is still running"
	runc kill "$id" KILL 2>/dev/null
fi
# ---- -d errno: an EPERM of a process followed by events alone is not seen; said once ----
id="sysphase-$$-errno"
CONTAINER_IDS+=("runc:$id")
set_args "[\"/sysphase\",\"run\",\"-d\",\"errno\",\"--policy\",\"/out/pol/policy.json\",\"--\",\"/bin/busybox\",\"sh\",\"-c\",\"$SCRIPT /www\"]"
runc run --bundle "$B" "$id" </dev/null >"$T/errno.out" 2>"$T/errno.err" &
RUNC=$!
track "$RUNC"
if wait_until 60 serves; then
	curl -s -m 10 "http://127.0.0.1:$PORT/cgi-bin/x" >/dev/null 2>&1 || true
	serves || fail "-d errno: httpd stopped serving"
	check "-d errno: why denials cannot all be named is said once ($(grep -c "cannot all be named" "$T/errno.err"))" \
		test "$(grep -c "cannot all be named: .*PID namespace\|cannot all be named: no audit" "$T/errno.err")" = 1
else
	fail "-d errno: no answer: $(cat "$T/errno.err")"
fi
runc kill "$id" KILL 2>/dev/null || true
wait "$RUNC" 2>/dev/null || true
finish
