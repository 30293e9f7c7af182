#!/bin/bash
# SPDX-License-Identifier: MIT
#
# The learning loop's one round on a program path that maps code: busybox
# httpd (static: it never maps code, so its phases keep W^X) recorded on one
# GET /, then a CGI request: the per-connection child vforks, and the
# grandchild execs /bin/sh, dynamically linked, whose ld.so maps data first
# and its libraries with PROT_EXEC after.  One complain round, export
# --merge, and the CGI must be served enforced, with no denial.  The
# complain log keeps one call's arguments per process, phase and call:
# before, the first mmap's (no PROT_EXEC) were kept, the merge kept W^X,
# and the enforced CGI was killed at its first executable mmap.
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/lib_servers.sh"
need busybox curl python3
need_sysphase
[ -x /bin/sh ] && ldd /bin/sh >/dev/null 2>&1 || {
	echo "SKIP: /bin/sh is not a dynamically linked program"
	exit 77
}

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
mkdir -p "$T/www/cgi-bin"
echo hello >"$T/www/index.html"
printf '#!/bin/sh\necho "Content-type: text/plain"\necho\necho cgi ok\n' >"$T/www/cgi-bin/t.sh"
chmod -R a+rX "$T/www" && chmod 755 "$T/www/cgi-bin/t.sh"
SERVER=(busybox httpd -f -p "127.0.0.1:$PORT" -h "$T/www")

ready() {
	curl -sf -o /dev/null "$URL/"
}

cgi() {
	[ "$(curl -s "$URL/cgi-bin/t.sh")" = "cgi ok" ]
}

serve_record httpd "${SERVER[@]}"
check "recorded busybox httpd serves" wait_until 60 ready
serve_stop "$sp"
serve_export httpd
check "export exits 0" test $? -eq 0

"$SYSPHASE" run --complain="$T/httpd.log" --policy "$T/httpd.pol/policy.json" -- "${SERVER[@]}" \
	>"$T/complain.out" 2>"$T/complain.err" &
sp=$!
track "$sp"
check "busybox httpd under complain serves" wait_until 60 ready
check "the CGI runs under complain" cgi
serve_stop "$sp"
check "the log holds an mmap with PROT_EXEC (4)" python3 -c '
import json, sys
for l in open(sys.argv[1]):
    v = json.loads(l)
    if v.get("syscall") == "mmap" and v.get("args") and int(v["args"][2], 16) & 4:
        sys.exit(0)
sys.exit(1)' "$T/httpd.log"
"$SYSPHASE" export "$T/httpd.jsonl" --merge "$T/httpd.log" -o "$T/merged.pol" >"$T/merge.out" 2>&1
check "export --merge exits 0" test $? -eq 0
check "the merge lifts W^X where the CGI mapped code" grep -q "W^X is lifted" "$T/merge.out"

rm -rf "$T/httpd.pol" && mv "$T/merged.pol" "$T/httpd.pol"
serve_run httpd "${SERVER[@]}"
check "busybox httpd under the merged policy serves" wait_until 60 ready
if ! check "the CGI runs enforced after one round" cgi; then
	cat "$T/httpd.run.err"
fi
check "busybox httpd still serves" ready
serve_stop "$sp"
check "no denial after one round" no_denial httpd
finish
