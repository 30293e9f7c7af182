#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The generic rules' steady state of a server that talks to libraries'
# own peers during start-up (tracees/netlink_serve): getifaddrs() reads a
# netlink reply (recvmsg), a DNS-like UDP exchange waits for its answer
# (poll, recvfrom), and only then does the server bind, listen and accept.
# Recorded with the plain `record --rules generic`, the phase where it
# accepts must hold neither socket, bind nor listen: not in the stamps
# (phases), not in the export's allowlist for that phase.  `phases
# --rules generic --diff` must agree with the online stamps.

. "$(dirname "$0")/lib.sh"
need_sysphase
need python3

prog=$TRACEES/netlink_serve

# The "resolver" the tracee asks: a UDP answerer on a free loopback port.
python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
while True:
    data, peer = s.recvfrom(512)
    s.sendto(b"answer " + data, peer)
' >"$T/dns.port" &
dns_pid=$!
track "$dns_pid"
wait_until 20 test -s "$T/dns.port" || fail "the UDP answerer did not start"
dns_port=$(cat "$T/dns.port")

"$SYSPHASE" record --rules generic -o "$T/trace.jsonl" -- "$prog" "$dns_port" >"$T/out" 2>"$T/err" &
rec_pid=$!
track "$rec_pid"
port_of() { sed -n 's/^port //p' "$T/out"; }
have_port() { test -n "$(port_of)"; }
wait_until 30 have_port || fail "netlink_serve did not listen: $(cat "$T/err")"
port=$(port_of)
say() { python3 -c '
import socket, sys
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
c.sendall(sys.argv[2].encode())
print(c.recv(256).decode())' "$port" "$1"; }
check "the server answers a client" test "$(say hello)" = hello
say quit >/dev/null
wait "$rec_pid"
check "record exits 0" test $? -eq 0
kill "$dns_pid" 2>/dev/null

check "the trace has getifaddrs' netlink reply" grep -q '"name":"recvmsg".*"family":"AF_NETLINK"' \
	"$T/trace.jsonl"
check "the trace has the UDP reply" grep -q '"name":"recvfrom".*"family":"AF_INET"' \
	"$T/trace.jsonl"

# phase_of TRACE SYSCALL [NTH]: the phase stamped on the syscall's first event.
"$SYSPHASE" phases --format json --syscalls "$T/trace.jsonl" >"$T/phases.json"
check "phases reads the trace" test $? -eq 0
python3 - "$T/trace.jsonl" "$T/phases.json" >"$T/check.out" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
sc = [e for e in events if e.get("type") == "syscall"]
accept = next(e for e in sc if e["name"] in ("accept", "accept4"))
serving = accept["phase"]
print("serving", serving)
for e in sc:
    if e["name"] == "recvmsg" and e.get("dec", {}).get("sockfd", {}).get("family") == "AF_NETLINK":
        print("netlink", e["phase"])
    if e["name"] in ("poll", "recvfrom"):
        print("udp", e["name"], e["phase"])
t = json.load(open(sys.argv[2]))
for p in t["processes"]:
    for ph in p["phases"]:
        if ph["phase"] == serving:
            print("set", " ".join(sorted(ph["set"])))
PY
serving=$(sed -n 's/^serving //p' "$T/check.out")
check "accept is in the steady state (got '$serving')" test "$serving" = "steady state"
check "getifaddrs' netlink reply is not (it is in initialization)" \
	grep -qx 'netlink initialization' "$T/check.out"
check "the resolver's poll and UDP reply are not" \
	not grep -q '^udp .* steady state$' "$T/check.out"
set_line=$(grep '^set ' "$T/check.out")
for call in socket bind listen; do
	check "the serving phase has no $call ($set_line)" not grep -qw "$call" <<<"${set_line#set }"
done
check "the serving phase has accept4" grep -qw accept4 <<<"$set_line"
check "offline and online phases agree" quietly "$SYSPHASE" phases --rules generic --diff \
	"$T/trace.jsonl"

# The export's filter for the serving phase: the exact allowlist.
"$SYSPHASE" export "$T/trace.jsonl" -o "$T/pol" --format bpf >"$T/export.out" 2>&1
check "export exits 0" test $? -eq 0
python3 - "$T/pol/policy.json" >"$T/exact.out" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
for ph in p["phases"]:
    if ph["name"] == "steady state":
        print(" ".join(sorted({c["name"] for c in ph["exact"]})))
PY
exact=$(cat "$T/exact.out")
check "export has a steady state phase" test -n "$exact"
for call in socket bind listen; do
	check "the steady state's allowlist has no $call" not grep -qw "$call" <<<"$exact"
done

finish
