#!/bin/bash
# SPDX-License-Identifier: MIT
#
# memcached under run with its Landlock layers, on a held-out workload
# (record narrow, run wide): recorded on one set and one get over one
# connection; run on many keys, a 200 kB value, incr/decr, append,
# delete, stats, flush_all and eight connections at once.  No false
# denial: every reply is right and nothing is named.  The layers are
# there: every phase from memcached's event loop on has one that restricts
# files (its worker threads read nothing once serving), and TCP bind is
# handled where no phase it reaches binds.
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/lib_servers.sh"
need memcached python3
need_sysphase

PORT=$(free_port)
SERVER=(memcached -u root -l 127.0.0.1 -p "$PORT" -U 0 -t 4 -m 64)

# mc TEXT: sends TEXT (then quit) on a new connection, prints the replies.
mc() {
	exec 3<>"/dev/tcp/127.0.0.1/$PORT" || return 1
	printf '%b' "$1quit\r\n" >&3
	timeout 20 cat <&3
	exec 3<&-
}

ready() {
	mc 'version\r\n' 2>/dev/null | grep -q '^VERSION'
}

narrow() {
	mc 'set greeting 0 0 5\r\nhello\r\nget greeting\r\n' >"$T/narrow.out" 2>&1
	grep -q '^STORED' "$T/narrow.out" && grep -q '^hello' "$T/narrow.out"
}

wide() {
	local out=$T/wide.out big i cmds=''
	big=$(head -c 200000 /dev/zero | tr '\0' x)
	for i in $(seq 200); do cmds+="set key:$i 0 0 ${#i}\r\n$i\r\n"; done
	{
		mc "$cmds"'get key:200 key:1\r\n'
		mc 'set counter 0 0 2\r\n40\r\nincr counter 3\r\ndecr counter 1\r\n'
		mc 'set s 0 0 3\r\nabc\r\nappend s 0 0 3\r\ndef\r\nget s\r\ndelete s\r\nget s\r\n'
		echo "big: $(mc "set big 0 0 ${#big}\r\n$big\r\nget big\r\n" |
			awk 'length($0) >= 200000 { n++ } /^STORED/ { s++ } END { print n + 0, s + 0 }')"
		local conns=()
		for i in $(seq 8); do
			mc "set c$i 0 0 1\r\n$((i % 10))\r\nget c$i\r\n" &
			conns+=($!)
		done
		wait "${conns[@]}"
		echo "stats: $(mc 'stats\r\n' | grep -c '^STAT curr_connections')"
		mc 'flush_all\r\nget key:1\r\n'
	} >"$out" 2>&1
	[ "$(grep -c '^STORED' "$out")" -eq 211 ] && grep -q '^42' "$out" &&
		grep -q '^abcdef' "$out" && grep -q '^DELETED' "$out" && grep -qx 'big: 1 1' "$out" &&
		grep -qx 'stats: 1' "$out" &&
		grep -q '^OK' "$out" && ! grep -q -e '^ERROR' -e '^SERVER_ERROR' "$out"
}

serve_record mc "${SERVER[@]}"
check "recorded memcached becomes ready" wait_until 60 ready
check "the narrow workload under the recorder" narrow
serve_stop "$sp"
check "record exits 0" test $? -eq 0
serve_export mc
check "export exits 0" test $? -eq 0
landlock_summary mc | sed 's/^/  /'
check "steady state's layer restricts files" landlock_files mc "steady state"
check "... and TCP binds" python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
l = [ph["layer"] for ph in p["landlock"]["phases"] if ph["phase"] == "steady state"][0]
sys.exit(0 if "bind_tcp" in l["handled_net"] else 1)' "$T/mc.pol/policy.json"

serve_run mc "${SERVER[@]}"
check "memcached under run becomes ready" wait_until 60 ready
check "the wide workload under run: every reply right" wide
serve_stop "$sp"
rc=$?
check "run exits 0 after SIGTERM (got $rc)" test "$rc" -eq 0
check "no denial named" no_denial mc
finish
