#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Record narrow, run wide, the other way round from run_unbound.sh: unbound
# recorded answering UDP queries only, then asked over TCP under run.  Its
# TCP accept is reached from its event loop through a callback, which
# completion never follows, and the recording saw no connection: the plain
# flow killed unbound at its first accept4.  A phase where a process that
# holds a listening socket waits for input now gets accept and accept4 (a
# listening socket is there to be accepted on): every answer right over
# both transports, no denial.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_servers.sh"
need unbound dig
need_sysphase

unbound_setup

# ---- 1. record, narrow ----
check "unbound accepts the config" quietly unbound-checkconf "$T/unbound.conf"
serve_record unbound "${SERVER[@]}"
check "recorded unbound answers over UDP" wait_until 60 ready
check "unbound runs two threads" test "$(ls /proc/"$(server_of "$sp")"/task | wc -l)" -ge 2
serve_stop "$sp"
check "record exits 0 after SIGTERM" test $? -eq 0
check "export exits 0" serve_export unbound

# ---- 2. the steady state ----
steady=$(phase_calls unbound "steady state")
check "the policy has a steady state" test -n "$steady"
check "the recording saw no accept" not grep -q '"name":"accept' "$T/unbound.jsonl"
enforce=$(python3 -c '
import json, sys
for ph in json.load(open(sys.argv[1]))["phases"]:
    if ph["name"] == "steady state":
        print("\n".join(c if isinstance(c, str) else c["name"] for c in ph["enforce"]))
' "$T/unbound.pol/policy.json")
check "the steady state allows accept4 (completed)" grep -qx accept4 <<<"$enforce"
check "... and still no execve" not grep -qx execve <<<"$enforce"

# ---- 3. run, wide ----
serve_run unbound "${SERVER[@]}"
check "unbound under run answers" wait_until 60 ready
check "the wide workload under run" wide
check "the wide workload again" wide
serve_stop "$sp"
check "run exits 0 after SIGTERM" test $? -eq 0
check "no denial under run" no_denial unbound
finish
