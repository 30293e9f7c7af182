#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Directory listings under Landlock layers follow the seccomp filter, on
# the real lighttpd (Debian package) with mod_dirlisting, on a free
# loopback port, in the plain README flow (record --rules generic, export,
# run):
#   1. recorded serving one file and listing nothing: lighttpd reaches its
#      listing through a handler pointer, which completion does not follow,
#      so its steady state's filter has no getdents64 and its layer no
#      read_dir on the document root.  Under run a listing the recording
#      never made is refused by the layer (403, EACCES in lighttpd's log)
#      and lighttpd lives on: granting read_dir there only let the open
#      through for seccomp to kill lighttpd at getdents64 (the first
#      attempt, reverted in 3ea69fa);
#   2. recorded listing one directory (docs/): the filter has getdents64,
#      and under run another directory of the document root (pics/) is
#      listed (200) with no denial named.
# tests/e2e/run_landlock_listing.sh does 2. with nginx's autoindex.
# lighttpd is only ever stopped by its pid, never by name.
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/lib_servers.sh"
need lighttpd curl python3
need_sysphase

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
WWW=$T/www
mkdir -p "$WWW/docs" "$WWW/pics"
printf 'page a\n' >"$WWW/a.html"
printf 'page b, never read by the recordings\n' >"$WWW/b.html"
printf 'manual\n' >"$WWW/docs/manual.txt"
printf 'not an image\n' >"$WWW/pics/cat.jpg"
cat >"$T/lighttpd.conf" <<CONF
server.document-root = "$WWW"
server.bind = "127.0.0.1"
server.port = $PORT
server.errorlog = "$T/error.log"
server.modules = ("mod_dirlisting")
dir-listing.activate = "enable"
CONF
SERVER=(lighttpd -D -f "$T/lighttpd.conf")

# get PATH: the status of GET PATH; the body in $T/body.
get() {
	curl -s -m 10 -o "$T/body" -w '%{http_code}' "$URL$1"
}

ready() {
	[ "$(get /a.html)" = 200 ]
}

# www_rule NAME: the access of the document root's own rule in steady state, comma-separated.
www_rule() {
	python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
for ph in p["landlock"]["phases"]:
    if ph["phase"] == "steady state":
        for r in ph["own"]["rules"]:
            if r["path"] == sys.argv[2]:
                print(",".join(r["access"]))
' "$T/$1.pol/policy.json" "$WWW"
}

# ---- 1. recorded without a listing: the listing is the layer's EACCES, not a kill ----
serve_record plain "${SERVER[@]}"
check "recorded lighttpd becomes ready" wait_until 60 ready
serve_stop "$sp"
check "record exits 0 after TERM" test $? -eq 0
serve_export plain
check "export exits 0" test $? -eq 0
check "steady state's filter has no getdents64 (no listing recorded, none completed)" \
	not grep -qx getdents64 <(phase_calls plain "steady state")
check "so the document root is read, not listed (got $(www_rule plain))" \
	test "$(www_rule plain)" = read_file
serve_run plain "${SERVER[@]}"
check "lighttpd under run becomes ready" wait_until 60 ready
code=$(get /pics/)
check "the listing the recording never made is refused (403, got $code)" test "$code" = 403
check "lighttpd says the kernel refused it (EACCES)" \
	grep -qF "opendir $WWW/pics/: Permission denied" "$T/error.log"
code=$(get /b.html)
check "lighttpd lives on and serves a held-out file (200, got $code)" test "$code" = 200
check "b.html is the file on disk" cmp -s "$T/body" "$WWW/b.html"
serve_stop "$sp"
rc=$?
check "run exits with lighttpd's own status 0 (got $rc)" test "$rc" -eq 0
check "run's stderr names no kill" not grep -e "killed by" -e "SIGSYS" "$T/plain.run.err"

# ---- 2. recorded listing docs/: another directory of the document root is listed ----
serve_record listing "${SERVER[@]}"
check "recorded lighttpd becomes ready" wait_until 60 ready
check "recorded: the listing of docs/ (200)" test "$(get /docs/)" = 200
check "recorded: the listing names manual.txt" grep -q manual.txt "$T/body"
serve_stop "$sp"
check "record exits 0 after TERM" test $? -eq 0
check "the recording never opened pics/" not grep -q "$WWW/pics" "$T/listing.jsonl"
serve_export listing
check "export exits 0" test $? -eq 0
check "steady state's filter has getdents64" grep -qx getdents64 \
	<(phase_calls listing "steady state")
check "so the document root is read and listed (got $(www_rule listing))" \
	test "$(www_rule listing)" = read_file,read_dir
serve_run listing "${SERVER[@]}"
check "lighttpd under run becomes ready" wait_until 60 ready
code=$(get /pics/)
check "held out: the listing of pics/ is served (200, got $code)" test "$code" = 200
check "the listing names cat.jpg" grep -q cat.jpg "$T/body"
check "held out: b.html is served (200)" test "$(get /b.html)" = 200
serve_stop "$sp"
rc=$?
check "run exits 0 (got $rc)" test "$rc" -eq 0
check "run's stderr names no denial and no kill" no_denial listing

finish
