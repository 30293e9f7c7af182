#!/bin/bash
# Writes a scratch nginx configuration for the sysphase examples and tests.
#   nginx-config.sh DIR PORT [WORKERS [DAEMON]]
# DIR receives nginx.conf, www/index.html and, once nginx runs, its pid
# file, logs and temp directories: nothing is written outside DIR.
set -eu
if [ $# -lt 2 ]; then
	echo "usage: $0 DIR PORT [WORKERS [on|off]]" >&2
	exit 2
fi
dir=$(cd "$1" && pwd)
port=$2
workers=${3:-1}
daemon=${4:-off}
here=$(cd "$(dirname "$0")" && pwd)

mkdir -p "$dir/www"
# The workers drop to nobody: they must be able to read the document root.
chmod 755 "$dir" "$dir/www"
printf '<html><body>sysphase example</body></html>\n' >"$dir/www/index.html"
chmod 644 "$dir/www/index.html"
sed -e "s|@DIR@|$dir|g" -e "s|@PORT@|$port|g" -e "s|@WORKERS@|$workers|g" \
	-e "s|@DAEMON@|$daemon|g" "$here/nginx.conf.in" >"$dir/nginx.conf"
