#!/bin/bash
# Records Debian's nginx through its whole life with `sysphase record --rules
# nginx`: start on 127.0.0.1 (a free port), the workload (workload.sh), an
# optional reload (SIGHUP), graceful stop (SIGQUIT to the master, by PID);
# then prints the timeline with `sysphase phases`.
#
#   run.sh [-s SYSPHASE] [-o DIR] [-w WORKERS] [-d on|off] [-r] [-q]
#     -s  the sysphase binary (default: $SYSPHASE, else `sysphase` in PATH)
#     -o  directory for the config, logs, temp files and trace.jsonl
#         (default: a new directory under /tmp, kept and printed)
#     -w  worker processes (default 1)
#     -d  daemon on or off (default off)
#     -r  reload (SIGHUP) after the workload, then run the workload again
#     -q  do not print the timeline
#
# Everything nginx writes stays in DIR.  Exit status: 0; 77 when nginx or
# curl is not installed; 1 when a step fails (the reason on stderr).
set -u

here=$(cd "$(dirname "$0")" && pwd)
sysphase=${SYSPHASE:-sysphase}
dir=
workers=1
daemon=off
reload=0
quiet=0
while getopts "s:o:w:d:rq" opt; do
	case $opt in
	s) sysphase=$OPTARG ;;
	o) dir=$OPTARG ;;
	w) workers=$OPTARG ;;
	d) daemon=$OPTARG ;;
	r) reload=1 ;;
	q) quiet=1 ;;
	*) exit 2 ;;
	esac
done

nginx=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -x "$nginx" ] || ! command -v curl >/dev/null; then
	echo "run.sh: nginx or curl is not installed" >&2
	exit 77
fi
if [ -z "$dir" ]; then
	dir=$(mktemp -d /tmp/sysphase-nginx.XXXXXX)
fi
mkdir -p "$dir" && dir=$(cd "$dir" && pwd)
rm -f "$dir/nginx.pid" "$dir/trace.jsonl"

recpid=
# Whatever happens, leave no nginx and no recorder behind: by PID only.
cleanup() {
	local pid
	if [ -s "$dir/nginx.pid" ]; then
		pid=$(cat "$dir/nginx.pid")
		kill -TERM "$pid" 2>/dev/null
	fi
	if [ -n "$recpid" ] && kill -0 "$recpid" 2>/dev/null; then
		kill -TERM "$recpid" 2>/dev/null
		wait "$recpid" 2>/dev/null
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "run.sh: $*" >&2
	exit 1
}

# Waits (up to about 30 s) until the command given succeeds.
wait_for() {
	local i
	for i in $(seq 300); do
		"$@" && return 0
		if [ -n "$recpid" ] && ! kill -0 "$recpid" 2>/dev/null; then
			return 1
		fi
		sleep 0.1
	done
	return 1
}

port=$("$here/free-port.sh") || fail "no free port"
"$here/nginx-config.sh" "$dir" "$port" "$workers" "$daemon" || fail "cannot write the config"

"$sysphase" record -o "$dir/trace.jsonl" --rules nginx -- \
	"$nginx" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" \
	>"$dir/record.out" 2>&1 &
recpid=$!

# nginx writes its pid file after its sockets listen: requests can come.
wait_for test -s "$dir/nginx.pid" || fail "nginx did not start (see $dir/record.out, $dir/error.log)"
master=$(cat "$dir/nginx.pid")

"$here/workload.sh" "$port" || fail "workload failed"

if [ "$reload" = 1 ]; then
	before=$(grep -c 'start worker process [0-9]' "$dir/error.log")
	kill -HUP "$master" || fail "cannot signal nginx"
	want=$((before + workers))
	count_workers() { [ "$(grep -c 'start worker process [0-9]' "$dir/error.log")" -ge "$want" ]; }
	wait_for count_workers || fail "nginx did not start new workers after SIGHUP"
	"$here/workload.sh" "$port" || fail "workload after reload failed"
fi

kill -QUIT "$master" || fail "cannot stop nginx"
wait "$recpid"
status=$?
recpid=
rm -f "$dir/nginx.pid"
[ "$status" = 0 ] || fail "record exited with $status (see $dir/record.out)"

if [ "$quiet" = 0 ]; then
	"$sysphase" phases "$dir/trace.jsonl" || fail "phases failed"
	echo
	echo "trace and logs: $dir"
fi
exit 0
