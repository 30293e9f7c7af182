#!/bin/bash
# SPDX-License-Identifier: MIT
#
# haproxy (Debian package) in master-worker mode under the generic rules:
# the master ends its worker with SIGTERM, so the recorded worker never
# reaches `termination`.  The policy nests over the rules, not over what
# the recording reached (docs/policy-format.md), so:
#   1. record serving a few requests, stopped with SIGTERM; export;
#   2. run accepts the policy (no "do not nest"), serves, and stops clean;
#   3. the learning loop converges in one round on a reload the recording
#      never saw: the master, re-exec'd on SIGUSR2, keeps its filters
#      across execve; run --complain logs what it needs, export --merge
#      folds it in, and run then serves through two reloads with no
#      denial.
. "$(dirname "$0")/lib.sh"
need haproxy curl
need_sysphase

PORT=$(free_port)
cd "$T" || exit 1
cat >h.cfg <<CFG
global
	log stderr format raw local0 err
defaults
	mode http
	timeout connect 5s
	timeout client 5s
	timeout server 5s
frontend web
	bind 127.0.0.1:$PORT
	http-request return status 200 content-type text/plain string "hello from haproxy"
CFG
SERVER=(haproxy -W -f "$T/h.cfg")

served() {
	[ "$(curl -s --max-time 5 "http://127.0.0.1:$PORT/")" = "hello from haproxy" ]
}

# master SYSPHASE_PID: the haproxy master, sysphase's child.
master() {
	children_of "$1" | head -1
}

# master_waits MASTER: it waits in its event loop (epoll).  A SIGUSR2 that
# finds the master still setting up (its worker may already serve, and a
# reload re-execs the master) is not acted on, natively too.
master_waits() { grep -qE "^(do_epoll_wait|ep_poll)$" "/proc/$1/wchan" 2>/dev/null; }

# reload MASTER: SIGUSR2 once the master waits in its loop, then wait for a
# worker other than the one before.  A SIGUSR2 haproxy has not acted on
# within 10 s is sent again (how many were needed is printed: more than one
# is worth a look at the supervisor's signal handling), with a generous
# ceiling overall.
reload() {
	local before after sent=0 end=$((SECONDS + 90))
	before=$(children_of "$1" | sort | tr '\n' ' ')
	after_differs() {
		after=$(children_of "$1" | sort | tr '\n' ' ')
		[ -n "$after" ] && [ "$after" != "$before" ] && served
	}
	while [ "$SECONDS" -lt "$end" ]; do
		wait_until 60 master_waits "$1" || return 1
		kill -USR2 "$1" || return 1
		sent=$((sent + 1))
		if wait_until 10 after_differs "$1"; then
			echo "  reloaded after $sent SIGUSR2"
			return 0
		fi
	done
	return 1
}

# in_loop SYSPHASE_PID: the master waits in its event loop (epoll), where
# it handles SIGTERM by ending its worker; before that, SIGTERM finds it
# still setting up, a path no workload here records.
in_loop() {
	local m
	m=$(master "$1")
	[ -n "$m" ] && grep -qE "^(do_epoll_wait|ep_poll)$" "/proc/$m/wchan" 2>/dev/null
}

# stop SYSPHASE_PID: SIGTERM to the master once it waits in its loop, then sysphase's status.
stop() {
	local m
	wait_until 60 in_loop "$1"
	m=$(master "$1")
	[ -n "$m" ] && kill -TERM "$m"
	wait "$1"
}

# ---- 1. record ----
"$SYSPHASE" record --rules generic --stack=addr -o t.jsonl -- "${SERVER[@]}" >rec.out 2>&1 &
sp=$!
track "$sp"
check "recorded haproxy serves" wait_until 60 served
for i in 1 2 3; do served; done
stop "$sp"
"$SYSPHASE" export --rules generic t.jsonl -o pol >export.out 2>&1
check "export exits 0" test -s pol/policy.json

# ---- 2. run accepts it ----
"$SYSPHASE" run --policy pol/policy.json -- "${SERVER[@]}" >run.out 2>run.err &
sp=$!
track "$sp"
check "run accepts the policy and haproxy serves" wait_until 60 served
stop "$sp"
st=$?
# haproxy's master exits with its worker's status: 0, or 143 (the worker's SIGTERM).
check "run exits as haproxy does after SIGTERM (status $st)" test "$st" = 0 -o "$st" = 143
check "no refusal, no denial" not grep -q -e "do not nest" -e "killed by" -e "denied" run.err

# ---- 3. a reload, learned in one round ----
"$SYSPHASE" run --policy pol/policy.json --complain=c.log -- "${SERVER[@]}" >c.out 2>c.err &
sp=$!
track "$sp"
check "complain: haproxy serves" wait_until 60 served
check "complain: a reload (SIGUSR2) serves again" reload "$(master "$sp")"
stop "$sp"
st=$?
check "complain: run exits as haproxy does (status $st)" test "$st" = 0 -o "$st" = 143
"$SYSPHASE" export --rules generic t.jsonl --merge c.log -o merged >merge.out 2>&1
check "export --merge exits 0" test -s merged/policy.json
"$SYSPHASE" run --policy merged/policy.json -- "${SERVER[@]}" >run2.out 2>run2.err &
sp=$!
track "$sp"
check "after one merge: haproxy serves" wait_until 60 served
check "... through a reload" reload "$(master "$sp")"
check "... and another" reload "$(master "$sp")"
stop "$sp"
st=$?
check "run exits as haproxy does after SIGTERM (status $st)" test "$st" = 0 -o "$st" = 143
check "no denial after one merge" not grep -q -e "killed by" -e "denied" run2.err
finish
