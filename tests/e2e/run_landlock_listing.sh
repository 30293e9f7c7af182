#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Directory listings under Landlock layers, in the plain README flow
# (record --rules generic, export, run) on the real nginx with
# `autoindex on;` (Debian's nginx-light), on a free loopback port:
#   1. recorded listing one directory of the document root (docs/) and
#      reading one file (a.html), then stopped and exported: the worker's
#      filter allows getdents64, so its layer lets it list the document
#      root it generalised from the file it read (read_dir, with why);
#   2. under `sysphase run`, held-out requests: a listing of another
#      directory of the document root (pics/, never opened by the
#      recording) and a file never read (b.html) are served (200) with
#      their content, and run's stderr names no denial and no kill;
#   3. a directory outside the document root stays unlisted (403): the
#      layer still narrows.
# Before read_dir followed the filter, pics/ got 403 (opendir: EACCES).
# nginx is only ever stopped by the pid in its pid file, never by name.

. "$(dirname "$0")/lib_nginx.sh"
. "$E2E_DIR/lib_servers.sh"

WWW=$DIR/www
rm -f "$WWW/index.html" # so that a request for a directory is its listing
mkdir -p "$WWW/docs" "$WWW/pics" "$DIR/elsewhere"
printf 'page a\n' >"$WWW/a.html"
printf 'page b, never read by the recording\n' >"$WWW/b.html"
printf 'manual\n' >"$WWW/docs/manual.txt"
printf 'not an image\n' >"$WWW/pics/cat.jpg"
printf 'second\n' >"$WWW/pics/dog.jpg"
printf 'secret\n' >"$DIR/elsewhere/secret.txt"
chmod -R a+rX "$WWW" "$DIR/elsewhere"

# The example configuration with listings on, and an alias outside the document root.
cat >"$DIR/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes 1;
pid $DIR/nginx.pid;
error_log $DIR/error.log notice;
events {
	worker_connections 64;
}
http {
	include /etc/nginx/mime.types;
	default_type application/octet-stream;
	access_log $DIR/access.log;
	client_body_temp_path $DIR/client_body;
	proxy_temp_path $DIR/proxy;
	fastcgi_temp_path $DIR/fastcgi;
	uwsgi_temp_path $DIR/uwsgi;
	scgi_temp_path $DIR/scgi;
	server {
		listen 127.0.0.1:$PORT;
		server_name localhost;
		root $WWW;
		autoindex on;
		location /elsewhere/ {
			alias $DIR/elsewhere/;
		}
	}
}
CONF
SERVER=("$NGINX" -c "$DIR/nginx.conf" -p "$DIR")

# get PATH: the status of GET PATH; the body in $T/body.
get() {
	curl -s -m 10 -o "$T/body" -w '%{http_code}' "$URL$1"
}

# ready: the file the recording reads is served (no listing of the document root itself).
ready() {
	local m
	m=$(master_pid) || return 1
	[ -n "$m" ] && kill -0 "$m" 2>/dev/null && [ "$(get /a.html)" = 200 ]
}

# stop SP: QUIT to nginx's master by its pid file, then sysphase SP's status.
stop() {
	kill -QUIT "$(master_pid)"
	wait "$1"
}

# ---- 1. record narrow, export ----
serve_record nginx "${SERVER[@]}"
check "recorded nginx becomes ready" wait_until 60 ready
check "recorded: the listing of docs/ (200)" test "$(get /docs/)" = 200
check "recorded: the listing names manual.txt" grep -q 'manual.txt' "$T/body"
check "recorded: a.html (200)" test "$(get /a.html)" = 200
stop "$sp"
check "record exits 0 after QUIT" test $? -eq 0
rm -f "$DIR/nginx.pid"
check "the recording never opened pics/" not grep -q "$WWW/pics" "$T/nginx.jsonl"
check "the recording never read b.html" not grep -q "$WWW/b.html" "$T/nginx.jsonl"
serve_export nginx
check "export exits 0" test $? -eq 0
landlock_summary nginx | sed 's/^/  /'
check "the worker lists, and its layer lets it list the document root" \
	python3 - "$T/nginx.pol/policy.json" "$WWW" <<'EOF'
import json, sys
pol, www = json.load(open(sys.argv[1])), sys.argv[2]
listing = [ph["name"] for ph in pol["phases"]
           if any(c["name"] == "getdents64" for c in ph["exact"])]
found = False
for ph in pol["landlock"]["phases"]:
    if ph["phase"] not in listing:
        continue
    for r in ph["own"]["rules"]:
        if r["path"] == www:
            assert "read_dir" in r["access"] and "read_file" in r["access"], r
            assert "filter allows getdents64, so listing" in r["why"], r
            found = True
    layer = ph.get("layer")
    if layer:
        paths = [r["path"] for r in layer["rules"]]
        assert www + "/docs" not in paths, paths  # beneath the document root's rule
assert found, listing
EOF

# ---- 2. run wide ----
serve_run nginx "${SERVER[@]}"
check "nginx under sysphase run becomes ready" wait_until 60 ready
code=$(get /pics/)
check "held out: the listing of pics/ is served (200, got $code)" test "$code" = 200
check "the listing names cat.jpg" grep -q 'cat.jpg' "$T/body"
check "the listing names dog.jpg" grep -q 'dog.jpg' "$T/body"
code=$(get /b.html)
check "held out: b.html is served (200, got $code)" test "$code" = 200
check "b.html is the file on disk" cmp -s "$T/body" "$WWW/b.html"
check "the recorded listing still served (200)" test "$(get /docs/)" = 200

# ---- 3. outside the document root, the layer still narrows ----
code=$(get /elsewhere/)
check "a directory outside the document root is not listed (403, got $code)" test "$code" = 403
check "nginx says the kernel refused it (EACCES)" \
	grep -qF "opendir() \"$DIR/elsewhere\" failed (13: Permission denied)" "$DIR/error.log"
check "the master is still there" kill -0 "$(master_pid)"
stop "$sp"
rc=$?
check "sysphase run exits 0 after QUIT (got $rc)" test "$rc" -eq 0
check "run's stderr names no denial and no kill" no_denial nginx
check "no worker died on a signal" not grep -q "exited on signal" "$DIR/error.log"
rm -f "$DIR/nginx.pid"

finish
