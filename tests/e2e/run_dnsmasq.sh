#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Record narrow, run wide: dnsmasq (Debian package) answering from a hosts
# file on a free loopback port, UDP and TCP, under the generic rules.
#   1. record it with the plain `record --rules generic` while it answers
#      one UDP and one TCP query (dnsmasq forks a child per TCP client),
#      stop it with SIGTERM by its pid, export the policy as documented;
#   2. its steady state must hold neither bind, listen, setuid, setgid,
#      capset nor chdir: it starts at its poll for queries, not at its
#      netlink exchange or any other start-up one (socket stays: dnsmasq
#      makes UDP sockets for interface ioctls while it serves);
#   3. run it under the policy with a wider workload: every name over UDP
#      and TCP, AAAA and unknown names (NXDOMAIN), several TCP clients, a
#      SIGHUP (the hosts file re-read, a name added to it) and queries
#      after it, then SIGTERM: every answer right, no denial.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_servers.sh"
need dnsmasq dig
need_sysphase

PORT=$(free_port)
# dnsmasq drops root for its own user before it reads the hosts file.
chmod a+rx "$T"
printf '127.0.0.2 alpha.test\n127.0.0.3 beta.test\n::5 gamma.test\n' >"$T/hosts"
chmod a+r "$T/hosts"
SERVER=(dnsmasq -k --port="$PORT" --listen-address=127.0.0.1 --bind-interfaces --no-resolv
	--no-hosts -H "$T/hosts" --local=/test/ --pid-file= --log-facility=- --conf-file=/dev/null)

q() { # q [dig options...] NAME: the short answer
	dig +short +time=5 +tries=1 @127.0.0.1 -p "$PORT" "$@" 2>&1
}
ready() { [ "$(q alpha.test)" = 127.0.0.2 ]; }

# ---- 1. record, narrow ----
serve_record dnsmasq "${SERVER[@]}"
check "recorded dnsmasq answers over UDP" wait_until 60 ready
check "recorded dnsmasq answers over TCP" test "$(q +tcp beta.test)" = 127.0.0.3
serve_stop "$sp"
check "record exits 0 after SIGTERM" test $? -eq 0
check "export exits 0" serve_export dnsmasq

# ---- 2. the steady state ----
steady=$(phase_calls dnsmasq "steady state")
check "the policy has a steady state" test -n "$steady"
for call in bind listen setuid setgid capset chdir; do
	check "the steady state has no $call" not grep -qx "$call" <<<"$steady"
done

# ---- 3. run, wide ----
wide() {
	local fails=0 n
	[ "$(q alpha.test)" = 127.0.0.2 ] || fails=$((fails + 1))
	[ "$(q +tcp alpha.test)" = 127.0.0.2 ] || fails=$((fails + 1))
	[ "$(q AAAA gamma.test)" = ::5 ] || fails=$((fails + 1))
	[ "$(q +tcp AAAA gamma.test)" = ::5 ] || fails=$((fails + 1))
	[ -z "$(q nosuch.test)" ] || fails=$((fails + 1))
	dig +time=5 +tries=1 @127.0.0.1 -p "$PORT" nosuch.test 2>&1 | grep -q NXDOMAIN ||
		fails=$((fails + 1))
	local pids=()
	for n in 1 2 3 4; do
		q +tcp beta.test >"$T/tcp.$n" &
		pids+=($!)
	done
	wait "${pids[@]}"
	for n in 1 2 3 4; do
		[ "$(cat "$T/tcp.$n")" = 127.0.0.3 ] || fails=$((fails + 1))
	done
	[ "$fails" -eq 0 ]
}
serve_run dnsmasq "${SERVER[@]}"
check "dnsmasq under run answers" wait_until 60 ready
check "the wide workload under run" wide
echo "127.0.0.9 delta.test" >>"$T/hosts"
kill -HUP "$(server_of "$sp")"
has_delta() { [ "$(q delta.test)" = 127.0.0.9 ]; }
check "after SIGHUP it re-read the hosts file" wait_until 30 has_delta
check "the wide workload after SIGHUP" wide
serve_stop "$sp"
check "run exits 0 after SIGTERM" test $? -eq 0
check "no denial under run" no_denial dnsmasq
finish
