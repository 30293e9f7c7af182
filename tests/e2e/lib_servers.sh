#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Record narrow, run wide, for a real server (sourced after lib.sh):
#   serve_record NAME CMD...   `sysphase record --rules generic` of CMD in the
#                              background; its pid in $sp
#   serve_run NAME CMD...      `sysphase run --policy $T/NAME.pol/policy.json`
#                              of CMD in the background; its pid in $sp
#   server_of SP               the server process under sysphase SP
#   serve_stop SP [SIGNAL]     SIGNAL (TERM) to the server by its pid, then
#                              waits for sysphase: its status
#   serve_export NAME          the plain export of $T/NAME.jsonl to $T/NAME.pol
#   no_denial NAME             run's stderr names no denial and no kill
# Every process is tracked (killed by PID at exit); nothing is found by name.

serve_record() {
	local name=$1
	shift
	"$SYSPHASE" record --rules generic -o "$T/$name.jsonl" -- "$@" \
		>"$T/$name.rec.out" 2>"$T/$name.rec.err" &
	sp=$!
	track "$sp"
}

serve_run() {
	local name=$1
	shift
	"$SYSPHASE" run --policy "$T/$name.pol/policy.json" -- "$@" \
		>"$T/$name.run.out" 2>"$T/$name.run.err" &
	sp=$!
	track "$sp"
}

server_of() {
	children_of "$1" | head -1
}

serve_stop() {
	local s
	s=$(server_of "$1")
	[ -n "$s" ] && kill -"${2:-TERM}" "$s"
	wait "$1"
}

serve_export() {
	"$SYSPHASE" export "$T/$1.jsonl" -o "$T/$1.pol" >"$T/$1.export.out" 2>&1
}

no_denial() {
	# The lines that say otherwise go to the log, so that a failure says what was denied.
	! grep -e "killed by" -e "denied" -e "SIGSYS" "$T/$1.run.err" >&2
}

# phase_calls NAME PHASE: the exact allowlist of PHASE in NAME's policy, one per line.
phase_calls() {
	python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
for ph in p["phases"]:
    if ph["name"] == sys.argv[2]:
        for c in ph["exact"]:
            print(c["name"])
' "$T/$1.pol/policy.json" "$2"
}

# landlock_summary NAME: per phase of NAME's policy, one line "PHASE: layer with N rules,
# handled FS" (or "no file system: WHY", or "no layer: WHY"), for the test log and checks.
landlock_summary() {
	python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
for ph in p.get("landlock", {}).get("phases", []):
    l = ph.get("layer")
    if ph.get("no_file_system"):
        print("%s: no file system: %s" % (ph["phase"], ph["no_file_system"]))
    elif l:
        print("%s: layer with %d rules, handled %s" % (ph["phase"], len(l["rules"]), ",".join(l["handled_fs"])))
    else:
        print("%s: no layer: %s" % (ph["phase"], ph.get("no_layer", "")))
' "$T/$1.pol/policy.json"
}

# landlock_files NAME PHASE: whether PHASE's layer (or the one before it that it keeps)
# restricts files: a layer with a file system part somewhere on NAME's policy for PHASE.
landlock_files() {
	landlock_summary "$1" | grep "^$2: layer with .* handled .*read_file" >/dev/null
}

# unbound_setup: unbound's config in the scratch directory (two threads, a
# local zone test. on a free loopback port; no daemon, chroot, user switch,
# trust anchor or remote control); sets PORT and SERVER, defines q (dig's
# short answer), ready and wide (the held-out workload).
unbound_setup() {
	PORT=$(free_port)
	cat >"$T/unbound.conf" <<CONF
server:
	interface: 127.0.0.1
	port: $PORT
	num-threads: 2
	do-daemonize: no
	chroot: ""
	username: ""
	directory: "$T"
	pidfile: ""
	use-syslog: no
	logfile: ""
	verbosity: 0
	do-ip6: no
	module-config: "iterator"
	local-zone: "test." static
	local-data: "alpha.test. A 127.0.0.2"
	local-data: "beta.test. A 127.0.0.3"
	local-data: "gamma.test. AAAA ::5"
remote-control:
	control-enable: no
CONF
	SERVER=(unbound -d -c "$T/unbound.conf")

	q() { # q [dig options...] NAME: the short answer
		dig +short +time=5 +tries=1 @127.0.0.1 -p "$PORT" "$@" 2>&1
	}
	ready() { [ "$(q alpha.test)" = 127.0.0.2 ]; }
	# wide: held-out queries over UDP and TCP (A, AAAA, NXDOMAIN, 8+8 at once)
	wide() {
		local fails=0 n pids=()
		[ "$(q alpha.test)" = 127.0.0.2 ] || fails=$((fails + 1))
		[ "$(q +tcp alpha.test)" = 127.0.0.2 ] || fails=$((fails + 1))
		[ "$(q AAAA gamma.test)" = ::5 ] || fails=$((fails + 1))
		[ "$(q +tcp AAAA gamma.test)" = ::5 ] || fails=$((fails + 1))
		dig +time=5 +tries=1 @127.0.0.1 -p "$PORT" nosuch.test 2>&1 | grep -q NXDOMAIN ||
			fails=$((fails + 1))
		for n in $(seq 8); do
			q beta.test >"$T/udp.$n" &
			pids+=($!)
			q +tcp beta.test >"$T/tcp.$n" &
			pids+=($!)
		done
		wait "${pids[@]}"
		for n in $(seq 8); do
			[ "$(cat "$T/udp.$n")" = 127.0.0.3 ] || fails=$((fails + 1))
			[ "$(cat "$T/tcp.$n")" = 127.0.0.3 ] || fails=$((fails + 1))
		done
		[ "$fails" -eq 0 ]
	}
}
