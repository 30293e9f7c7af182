#!/bin/bash
# The example workload against an nginx on 127.0.0.1:PORT:
# GET / (the index through the location rule), a 404, and two requests
# on one keep-alive connection.  With WRK=1 and wrk installed, a short
# wrk run follows.  Exits non-zero when a response is not what it should be.
#   workload.sh PORT
set -eu
port=$1
url=http://127.0.0.1:$port

code=$(curl -s -o /dev/null -w '%{http_code}' "$url/")
[ "$code" = 200 ] || { echo "workload: GET / gave $code" >&2; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' "$url/no-such-page")
[ "$code" = 404 ] || { echo "workload: GET /no-such-page gave $code" >&2; exit 1; }
# Two URLs in one curl invocation share one keep-alive connection.
n=$(curl -s -o /dev/null -o /dev/null -w '%{http_code}\n' "$url/" "$url/index.html" | grep -c '^200$')
[ "$n" = 2 ] || { echo "workload: keep-alive requests failed" >&2; exit 1; }
if [ "${WRK:-0}" = 1 ] && command -v wrk >/dev/null; then
	wrk -t1 -c4 -d2s "$url/" >/dev/null
fi
exit 0
