#!/bin/bash
# SPDX-License-Identifier: MIT
#
# A server restarted on the state it wrote, under the plain flow: redis
# recorded from an empty directory (nothing to load at start-up), a SET, then
# SIGTERM, where it writes dump.rdb.  Under run it starts on that dump: its
# start-up opens dump.rdb for reading, which the recording never did.  The
# directory the recording saw it make files in is its data directory: the
# layer lets it read back what it writes there.  Before, Landlock refused the
# read, and redis exited at start-up ("Fatal error loading the DB:
# Permission denied").  The key set while recording must come back, and
# nothing may be named.
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/lib_servers.sh"
need redis-server redis-cli python3
need_sysphase

PORT=$(free_port)
CLI=(redis-cli -h 127.0.0.1 -p "$PORT")
mkdir -p "$T/data"
SERVER=(redis-server --port "$PORT" --bind 127.0.0.1 --dir "$T/data" --dbfilename dump.rdb
	--daemonize no --logfile "$T/redis.log")

ready() {
	[ "$("${CLI[@]}" ping 2>/dev/null)" = PONG ]
}

serve_record redis "${SERVER[@]}"
check "recorded redis becomes ready" wait_until 60 ready
check "SET under the recorder" test "$("${CLI[@]}" set kept across-restarts)" = OK
serve_stop "$sp"
check "record exits 0 after SIGTERM" test $? -eq 0
check "redis wrote its dump at shutdown" test -s "$T/data/dump.rdb"
serve_export redis
check "export exits 0" test $? -eq 0
landlock_summary redis | sed 's/^/  /'
check "initialization's layer restricts files" landlock_files redis "initialization"

serve_run redis "${SERVER[@]}"
if ! check "redis under run starts on its own dump" wait_until 60 ready; then
	tail -3 "$T/redis.log"
	cat "$T/redis.run.err"
fi
check "the key written while recording is back" \
	test "$("${CLI[@]}" get kept 2>/dev/null)" = across-restarts
check "redis's log says it loaded the dump" grep -q "DB loaded from disk" "$T/redis.log"
serve_stop "$sp"
rc=$?
check "run exits 0 after SIGTERM (got $rc)" test "$rc" -eq 0
check "no false denial" no_denial redis
finish
