#!/usr/bin/env bash
# Held-out false denials with and without static completion, on real servers.
# For each program: record it (record --stack=addr) under a NARROW workload,
# export two policies (export, export --no-complete), then run it under each
# in complain mode (nothing is denied, every call a phase's filter would deny
# is logged) under a WIDE workload the recording never saw.  Prints, per
# program and policy, the distinct (phase, syscall) pairs that would have been
# denied, the steady phase's enforce allowlist size and the largest phase's.
# A third policy allows what completion held back (export --allow-held-back).
# A benchmark, not a test: it prints figures and never fails on them.
#   bench/generalisation.sh [BUILD_DIR] [PROGRAM...]
#   PROGRAM: nginx redis postgres lighttpd memcached pyhttp (default: all)
set -uo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
shift || true
sysphase=$build/sysphase
scratch=$(mktemp -d /tmp/sysphase-gen.XXXXXX)
chmod 755 "$scratch"
export XDG_CACHE_HOME=$scratch/cache
server_pid=
trap 'stop_server; rm -rf "$scratch"' EXIT

[ -x "$sysphase" ] || { echo "bench: build sysphase first ($sysphase)" >&2; exit 1; }

free_port() { bash "$src/examples/nginx/free-port.sh"; }

# wait_for CMD...: polls CMD for up to 30 s.
wait_for() {
	for _ in $(seq 300); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# stop_server: the program's own stop (STOP_CMD), then TERM to the sysphase
# we started, by pid; waits for it.
stop_server() {
	[ -n "$server_pid" ] || return 0
	${stop_cmd:-true} >/dev/null 2>&1
	for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
	kill -TERM "$server_pid" 2>/dev/null
	wait "$server_pid" 2>/dev/null
	server_pid=
}

# ---- the programs: setup_X sets cmd (array), rules, ready, narrow, wide, stop_cmd, steady ----
setup_nginx() {
	local d=$scratch/nginx
	mkdir -p "$d"
	port=$(free_port)
	bash "$src/examples/nginx/nginx-config.sh" "$d" "$port" 1 off
	sed -i -e 's|error_log \(.*\) notice;|error_log \1;|' -e '/try_files/d' "$d/nginx.conf"
	head -c 3000000 /dev/urandom >"$d/www/big.bin"
	chmod 644 "$d/www/big.bin"
	cmd=(/usr/sbin/nginx -c "$d/nginx.conf" -p "$d")
	rules=nginx
	steady="accepting and serving requests"
	ready="curl -sf -o /dev/null http://127.0.0.1:$port/"
	narrow="curl -s -o /dev/null http://127.0.0.1:$port/"
	wide="bash $src/examples/nginx/workload.sh $port; curl -s -I http://127.0.0.1:$port/;
	      curl -s -o /dev/null http://127.0.0.1:$port/big.bin;
	      wrk -t1 -c4 -d2s http://127.0.0.1:$port/"
	stop_cmd="kill -QUIT $(cat "$d/nginx.pid" 2>/dev/null || echo 0)"
	stop_file=$d/nginx.pid
}

setup_redis() {
	port=$(free_port)
	cmd=(/usr/bin/redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no
		--dir "$scratch" --daemonize no)
	rules=generic
	steady="steady state"
	ready="redis-cli -p $port ping"
	narrow="redis-cli -p $port set k v; redis-cli -p $port get k; redis-cli -p $port incr n"
	wide="redis-benchmark -p $port -q -n 2000 -c 10"
	stop_cmd="redis-cli -p $port shutdown nosave"
}

setup_lighttpd() {
	local d=$scratch/lighttpd
	mkdir -p "$d/www"
	port=$(free_port)
	echo hello >"$d/www/index.html"
	head -c 1000000 /dev/urandom >"$d/www/big.bin"
	mkdir -p "$d/www/dir" && touch "$d/www/dir/a" "$d/www/dir/b"
	cat >"$d/lighttpd.conf" <<-CONF
		server.document-root = "$d/www"
		server.port = $port
		server.bind = "127.0.0.1"
		server.errorlog = "$d/error.log"
		server.modules = ("mod_dirlisting")
		dir-listing.activate = "enable"
		index-file.names = ("index.html")
	CONF
	cmd=(/usr/sbin/lighttpd -D -f "$d/lighttpd.conf")
	rules=generic
	steady="steady state"
	ready="curl -sf -o /dev/null http://127.0.0.1:$port/"
	narrow="curl -s -o /dev/null http://127.0.0.1:$port/"
	wide="curl -s -o /dev/null http://127.0.0.1:$port/nope; curl -s -o /dev/null http://127.0.0.1:$port/big.bin;
	      curl -s -o /dev/null http://127.0.0.1:$port/dir/; curl -s -I http://127.0.0.1:$port/;
	      wrk -t1 -c4 -d2s http://127.0.0.1:$port/"
	stop_cmd=
}

setup_memcached() {
	port=$(free_port)
	cmd=(/usr/bin/memcached -u nobody -l 127.0.0.1 -p "$port" -U 0 -t 2)
	rules=generic
	steady="steady state"
	ready="bash -c 'exec 3<>/dev/tcp/127.0.0.1/$port; printf \"version\\r\\n\" >&3; head -c 7 <&3'"
	narrow="bash -c 'exec 3<>/dev/tcp/127.0.0.1/$port; printf \"set k 0 0 1\\r\\nv\\r\\nget k\\r\\nquit\\r\\n\" >&3; cat <&3'"
	wide="bash -c 'exec 3<>/dev/tcp/127.0.0.1/$port; printf \"set big 0 0 100000\\r\\n%s\\r\\nget big\\r\\nincr n 1\\r\\nset n 0 0 1\\r\\n5\\r\\nincr n 3\\r\\ndelete k\\r\\nstats\\r\\nstats slabs\\r\\nflush_all\\r\\nquit\\r\\n\" \$(head -c 100000 /dev/zero | tr \"\\\\0\" x) >&3; cat <&3'"
	stop_cmd=
}

setup_pyhttp() {
	local d=$scratch/pyhttp
	mkdir -p "$d/sub"
	port=$(free_port)
	echo hello >"$d/index.html"
	touch "$d/sub/a"
	cmd=(/usr/bin/python3 -m http.server "$port" --bind 127.0.0.1 --directory "$d")
	rules=generic
	steady="steady state"
	ready="curl -sf -o /dev/null http://127.0.0.1:$port/"
	narrow="curl -s -o /dev/null http://127.0.0.1:$port/"
	wide="curl -s -o /dev/null http://127.0.0.1:$port/sub/; curl -s -o /dev/null http://127.0.0.1:$port/nope;
	      curl -s -I http://127.0.0.1:$port/"
	stop_cmd=
}

setup_postgres() {
	local d=$scratch/pg bin=/usr/lib/postgresql/15/bin
	mkdir -p "$d/sock"
	chown -R postgres "$d"
	port=$(free_port)
	runuser -u postgres -- "$bin/initdb" -D "$d/data" -A trust >/dev/null 2>&1 || return 1
	cmd=(setpriv --reuid=postgres --regid=postgres --init-groups "$bin/postgres" -D "$d/data"
		-k "$d/sock" -p "$port" -c listen_addresses= -c fsync=off)
	rules=generic
	steady="steady state"
	ready="runuser -u postgres -- psql -h $d/sock -p $port -d postgres -c 'select 1'"
	narrow="runuser -u postgres -- psql -h $d/sock -p $port -d postgres -c 'select 1'"
	wide="runuser -u postgres -- pgbench -h $d/sock -p $port -i -s 1 postgres;
	      runuser -u postgres -- pgbench -h $d/sock -p $port -t 200 -c 4 postgres;
	      runuser -u postgres -- psql -h $d/sock -p $port -d postgres -c 'vacuum full; checkpoint'"
	stop_cmd=
}

# start MODE OUT [sysphase options...]
start() {
	local mode=$1 out=$2
	shift 2
	"$sysphase" "$mode" "$@" -- "${cmd[@]}" >"$out" 2>&1 &
	server_pid=$!
	wait_for bash -c "$ready"
}

# sizes POLICY: "steady-enforce max-enforce"
sizes() {
	python3 - "$1" "$steady" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
steady = [ph for ph in p["phases"] if ph["name"] == sys.argv[2]]
print(len(steady[0]["enforce"]) if steady else "-", max(len(ph["enforce"]) for ph in p["phases"]))
PY
}

# denials LOG: distinct phase:syscall pairs the complain log holds, and their names
denials() {
	python3 - "$1" <<'PY'
import json, sys
seen = set()
for line in open(sys.argv[1], errors="replace"):
    try:
        v = json.loads(line)
    except ValueError:
        continue
    # clone3 is ENOSYS under every filter run installs (its flags are out of
    # seccomp's sight) and glibc falls back to clone: not a denial that matters.
    if v.get("type") == "violation" and v.get("syscall") != "clone3":
        seen.add(v.get("syscall") or str(v.get("nr")))
print(len(seen), ",".join(sorted(seen)) or "-")
PY
}

printf '%-10s %-12s %8s %8s %8s  %s\n' program policy denials steady maxphase "denied syscalls"
for prog in ${*:-nginx redis postgres lighttpd memcached pyhttp}; do
	stop_cmd=
	if ! setup_"$prog"; then
		echo "$prog: skipped (set-up failed)"
		continue
	fi
	command -v "${cmd[0]}" >/dev/null || { echo "$prog: skipped (${cmd[0]} missing)"; continue; }
	dir=$scratch/$prog.out
	mkdir -p "$dir"
	if ! start record "$dir/rec.out" --stack=addr --rules "$rules" -o "$dir/trace.jsonl"; then
		echo "$prog: skipped (did not start under record)"
		stop_server
		continue
	fi
	bash -c "$narrow" >/dev/null 2>&1
	[ "$prog" = nginx ] && stop_cmd="kill -QUIT $(cat "$stop_file")"
	stop_server
	rm -f "${stop_file:-/nonexistent}"
	"$sysphase" export --rules "$rules" "$dir/trace.jsonl" -o "$dir/pol" --format bpf >"$dir/exp.out" 2>&1
	"$sysphase" export --no-complete --rules "$rules" "$dir/trace.jsonl" -o "$dir/pol0" --format bpf \
		>/dev/null 2>&1
	"$sysphase" export --allow-held-back --rules "$rules" "$dir/trace.jsonl" -o "$dir/polh" \
		-f bpf >/dev/null 2>&1
	for pol in pol0 pol polh; do
		case $pol in
		pol0) label=recorded ;;
		pol) label=completion ;;
		*) label=+held-back ;;
		esac
		start run "$dir/run-$pol.out" --complain="$dir/$pol.log" --policy "$dir/$pol/policy.json"
		bash -c "$wide" >/dev/null 2>&1
		[ "$prog" = nginx ] && stop_cmd="kill -QUIT $(cat "$stop_file")"
		stop_server
		rm -f "${stop_file:-/nonexistent}"
		read -r n names < <(denials "$dir/$pol.log")
		read -r st mx < <(sizes "$dir/$pol/policy.json")
		printf '%-10s %-12s %8s %8s %8s  %s\n' "$prog" "$label" "$n" "$st" "$mx" "$names"
	done
	stop_file=
done
