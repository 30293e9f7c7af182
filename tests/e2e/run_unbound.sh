#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Record narrow, run wide: unbound (Debian package) with two threads,
# answering a local zone on a free loopback port, UDP and TCP, under the
# generic rules.  Its config lives in the scratch directory: no daemon,
# no chroot, no user switch, no root trust anchor (iterator only), no
# remote control.
#   1. record it with the plain `record --rules generic` while it answers
#      one UDP and one TCP query, stop it with SIGTERM by its pid, export;
#   2. its steady state holds neither bind, listen nor execve;
#   3. run it under the policy: A, AAAA and unknown names (NXDOMAIN) over
#      UDP and TCP, batches of parallel clients on both transports (so
#      that both threads serve), then SIGTERM: every answer right, no
#      denial.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_servers.sh"
need unbound dig
need_sysphase

unbound_setup

# ---- 1. record, narrow ----
check "unbound accepts the config" quietly unbound-checkconf "$T/unbound.conf"
serve_record unbound "${SERVER[@]}"
check "recorded unbound answers over UDP" wait_until 60 ready
check "recorded unbound answers over TCP" test "$(q +tcp beta.test)" = 127.0.0.3
check "unbound runs two threads" test "$(ls /proc/"$(server_of "$sp")"/task | wc -l)" -ge 2
serve_stop "$sp"
check "record exits 0 after SIGTERM" test $? -eq 0
check "export exits 0" serve_export unbound

# ---- 2. the steady state ----
steady=$(phase_calls unbound "steady state")
check "the policy has a steady state" test -n "$steady"
for call in bind listen execve; do
	check "the steady state has no $call" not grep -qx "$call" <<<"$steady"
done

# ---- 3. run, wide ----
serve_run unbound "${SERVER[@]}"
check "unbound under run answers" wait_until 60 ready
check "the wide workload under run" wide
check "the wide workload again" wide
serve_stop "$sp"
check "run exits 0 after SIGTERM" test $? -eq 0
check "no denial under run" no_denial unbound
finish
