#!/usr/bin/env bash
# Held-out false denials with and without static completion, and after one
# round of the learning loop, on real programs.
# For each program: record it (record --stack=addr) under a NARROW workload,
# export two policies (export --no-complete: "recorded"; export:
# "completed"), then run it under each in complain mode (nothing is denied,
# every call a phase's filter would deny is logged) under a WIDE workload
# the recording never saw.  The completed policy's log is then merged
# (export --merge: "one merge") and the WIDE workload run again under it,
# in complain mode (what the loop still misses) and enforcing (whether the
# program survives: "ok", or the first call named killed or denied).
# Prints, per program and policy, the distinct syscalls that would have
# been denied, the steady phase's enforce allowlist size and the largest
# phase's.
# A benchmark, not a test: it prints figures and never fails on them.
#   bench/generalisation.sh [BUILD_DIR] [PROGRAM...]
#   PROGRAM: nginx redis postgres lighttpd memcached pyhttp haproxy node
#            mariadb sqlite3 sshd busybox rsync socat dnsmasq (default: all)
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
	eval "${stop_cmd:-true}" >/dev/null 2>&1
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

# haproxy 2.6 in master-worker mode; WIDE reloads it (SIGUSR2: the master
# re-execs itself) between requests.
hap_master() { first_child "$SP_SERVER"; }
hap_stop() {
	local m
	m=$(hap_master)
	# SIGTERM once the master waits in its loop (before, it is still setting up).
	for _ in $(seq 300); do
		grep -qE '^(do_epoll_wait|ep_poll)$' "/proc/$m/wchan" 2>/dev/null && break
		sleep 0.1
	done
	kill -TERM "$m"
}
hap_reload() {
	local m before
	m=$(hap_master)
	before=$(cat /proc/"$m"/task/*/children 2>/dev/null)
	kill -USR2 "$m"
	for _ in $(seq 300); do
		[ "$(cat /proc/"$m"/task/*/children 2>/dev/null)" != "$before" ] && return 0
		sleep 0.1
	done
}
setup_haproxy() {
	local d=$scratch/haproxy
	mkdir -p "$d"
	port=$(free_port)
	printf 'global\n\tlog stderr format raw local0 err\ndefaults\n\tmode http\n\ttimeout connect 5s\n\ttimeout client 5s\n\ttimeout server 5s\nfrontend web\n\tbind 127.0.0.1:%s\n\thttp-request return status 200 content-type text/plain string "hello"\n' "$port" >"$d/h.cfg"
	cmd=(/usr/sbin/haproxy -W -f "$d/h.cfg")
	rules=generic
	steady="child steady state"
	ready="curl -sf -o /dev/null http://127.0.0.1:$port/"
	narrow="curl -s -o /dev/null http://127.0.0.1:$port/"
	wide="curl -s -o /dev/null http://127.0.0.1:$port/a; hap_reload; sleep 1;
	      curl -s -o /dev/null http://127.0.0.1:$port/b; hap_reload; sleep 1;
	      curl -s -o /dev/null http://127.0.0.1:$port/c"
	stop_cmd=hap_stop
}

# node 20: an HTTP server; WIDE reads a file (libuv's thread pool, started
# lazily at the first one) and runs a hot loop (V8's optimising JIT maps code).
setup_node() {
	local d=$scratch/node
	mkdir -p "$d"
	port=$(free_port)
	cat >"$d/app.js" <<-JS
		const http = require('http'), fs = require('fs');
		function work(n) { let s = 0; for (let i = 0; i < n; i++) s += Math.sqrt(i) * Math.sin(i); return s; }
		http.createServer((req, res) => {
		  if (req.url === '/read') fs.readFile(__filename, (e, d) => res.end(String(d ? d.length : e)));
		  else if (req.url === '/work') res.end(String(work(3e6)));
		  else res.end('hello\n');
		}).listen($port, '127.0.0.1');
	JS
	cmd=(/usr/bin/node "$d/app.js")
	rules=generic
	steady="steady state"
	ready="curl -sf -o /dev/null http://127.0.0.1:$port/"
	narrow="curl -s -o /dev/null http://127.0.0.1:$port/"
	wide="for i in 1 2 3; do curl -s -o /dev/null http://127.0.0.1:$port/read; done;
	      for i in 1 2 3 4 5 6; do curl -s -o /dev/null http://127.0.0.1:$port/work; done;
	      curl -s -o /dev/null http://127.0.0.1:$port/"
	stop_cmd=
}

# MariaDB 10.11 (InnoDB with io_uring through liburing) on a Unix socket.
setup_mariadb() {
	local d=$scratch/mariadb
	mkdir -p "$d"
	mariadb-install-db --no-defaults --datadir="$d/data" --user=mysql >/dev/null 2>&1 || return 1
	chown -R mysql:mysql "$d"
	local sql="mariadb --no-defaults -S $d/sock -uroot"
	cmd=(/usr/sbin/mariadbd --no-defaults --datadir="$d/data" --socket="$d/sock" --skip-networking
		--user=mysql --log-error="$d/err.log" --pid-file="$d/pid" --innodb-use-native-aio=1)
	rules=generic
	steady="steady state"
	ready="$sql -e 'select 1'"
	narrow="$sql -e 'select 1'"
	wide="$sql -e 'create database if not exists b; create table b.t (id int primary key auto_increment, v text) engine=innodb;
	      insert into b.t (v) select repeat(\"x\", 100) from seq_1_to_20000; update b.t set v = \"y\" where id % 3 = 0;
	      select count(*) from b.t where v = \"y\"; optimize table b.t; drop database b'"
	stop_cmd="mariadb-admin --no-defaults -S $d/sock -uroot shutdown"
}

# sqlite3's shell on a script file: NARROW creates and reads a table; WIDE
# adds an index, a join, a transaction, VACUUM and an integrity check.  A
# command-line program: it exits by itself, and never waits for input (its
# working phase is initialization).
setup_sqlite3() {
	local d=$scratch/sqlite3
	mkdir -p "$d"
	printf 'create table if not exists t (a, b);\ninsert into t values (1, 2);\nselect * from t;\n' >"$d/narrow.sql"
	cat >"$d/wide.sql" <<-SQL
		create table if not exists t (a, b);
		begin; with recursive c(x) as (select 1 union all select x + 1 from c where x < 20000)
		insert into t select x, x * 2 from c; commit;
		create index if not exists ta on t (a);
		create table if not exists u as select a, b + 1 as c from t where a % 7 = 0;
		select count(*) from t join u on t.a = u.a;
		delete from t where a % 2 = 0; vacuum; pragma integrity_check;
		drop table u; drop index ta;
	SQL
	cp "$d/narrow.sql" "$d/work.sql"
	cmd=(/usr/bin/sqlite3 "$d/db" ".read $d/work.sql")
	rules=generic
	steady="initialization"
	ready=true
	narrow=true
	wide=true
	prepare_wide="cp $d/wide.sql $d/work.sql"
	stop_cmd=
}

# OpenSSH's sshd on a free port with keys of its own: NARROW is a key
# scan, WIDE logs in (public key) and runs commands.  sshd forks and
# re-execs itself for every connection, and its privilege-separated child
# installs a seccomp sandbox of its own, which refuses further filters:
# run lets that child go with the filter of its phase and its own.
setup_sshd() {
	local d=$scratch/sshd
	mkdir -p "$d" /run/sshd
	port=$(free_port)
	ssh-keygen -q -t ed25519 -N '' -f "$d/host_key" && ssh-keygen -q -t ed25519 -N '' -f "$d/client" || return 1
	cp "$d/client.pub" "$d/authorized_keys"
	chmod 600 "$d/authorized_keys"
	cat >"$d/sshd_config" <<-CONF
		Port $port
		ListenAddress 127.0.0.1
		HostKey $d/host_key
		PidFile $d/pid
		AuthorizedKeysFile $d/authorized_keys
		PermitRootLogin prohibit-password
		StrictModes no
		UsePAM no
	CONF
	local ssh="ssh -q -i $d/client -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o ConnectTimeout=10 -p $port root@127.0.0.1"
	cmd=(/usr/sbin/sshd -D -e -f "$d/sshd_config")
	rules=generic
	steady="steady state"
	ready="ssh-keyscan -T 5 -p $port 127.0.0.1 | grep -q ssh-ed25519"
	narrow="ssh-keyscan -T 5 -p $port 127.0.0.1"
	wide="$ssh 'echo hi; ls / >/dev/null'; $ssh 'uname -a'"
	stop_cmd="kill -TERM \$(first_child \$SP_SERVER)"
}

# busybox httpd (static, stripped): NARROW is one GET /, WIDE a file in a
# subdirectory, a 404, a 2 MB file, HEAD and a CGI script (a vfork and an
# exec of /bin/sh from the per-connection child).
setup_busybox() {
	local d=$scratch/busybox
	mkdir -p "$d/www/sub" "$d/www/cgi-bin"
	port=$(free_port)
	echo hello >"$d/www/index.html"
	echo x >"$d/www/sub/f.txt"
	head -c 2000000 /dev/urandom >"$d/www/big.bin"
	printf '#!/bin/sh\necho "Content-type: text/plain"\necho\necho cgi ok\n' >"$d/www/cgi-bin/t.sh"
	chmod -R a+rX "$d" && chmod 755 "$d/www/cgi-bin/t.sh"
	cmd=(/usr/bin/busybox httpd -f -p "127.0.0.1:$port" -h "$d/www")
	rules=generic
	steady="child steady state"
	ready="curl -sf -o /dev/null http://127.0.0.1:$port/"
	narrow="curl -s -o /dev/null http://127.0.0.1:$port/"
	wide="curl -s -o /dev/null http://127.0.0.1:$port/sub/f.txt; curl -s -o /dev/null http://127.0.0.1:$port/nope;
	      curl -s -o /dev/null http://127.0.0.1:$port/big.bin; curl -s -I http://127.0.0.1:$port/;
	      curl -s http://127.0.0.1:$port/cgi-bin/t.sh"
	stop_cmd=
}

# rsync --daemon (a module, read-write): NARROW lists the modules, WIDE
# downloads the module, uploads into it twice (--delete) and checksums.
setup_rsync() {
	local d=$scratch/rsync
	mkdir -p "$d/mod/sub" "$d/src"
	port=$(free_port)
	head -c 100000 /dev/urandom >"$d/mod/f1"
	echo a >"$d/mod/sub/a"
	head -c 50000 /dev/urandom >"$d/src/u1"
	printf 'port = %s\naddress = 127.0.0.1\nuse chroot = no\npid file = %s/pid\nlog file = %s/log\n[mod]\n  path = %s/mod\n  read only = no\n  uid = root\n  gid = root\n' \
		"$port" "$d" "$d" "$d" >"$d/rsyncd.conf"
	cmd=(/usr/bin/rsync --daemon --no-detach --config="$d/rsyncd.conf")
	rules=generic
	steady="steady state"
	ready="rsync rsync://127.0.0.1:$port/"
	narrow="rsync rsync://127.0.0.1:$port/"
	wide="rm -rf $d/dl $d/mod/up $d/mod/up2; rsync -a rsync://127.0.0.1:$port/mod/ $d/dl/;
	      rsync -a $d/src/ rsync://127.0.0.1:$port/mod/up/; rsync -a --delete $d/src/ rsync://127.0.0.1:$port/mod/up2/;
	      rsync -az -c rsync://127.0.0.1:$port/mod/f1 $d/dl/f1z"
	stop_cmd=
}

# socat, a forking TCP echo server: NARROW is one line, WIDE 3 MB through
# one connection, 120 short ones from 6 threads, and a connection closed at once.
setup_socat() {
	port=$(free_port)
	cmd=(/usr/bin/socat "TCP-LISTEN:$port,bind=127.0.0.1,fork,reuseaddr" PIPE)
	rules=generic
	steady="steady state"
	local echo_py="import socket, sys, threading
def one(data):
    s = socket.create_connection(('127.0.0.1', $port), timeout=10)
    s.sendall(data); s.shutdown(socket.SHUT_WR); out = b''
    while True:
        d = s.recv(65536)
        if not d: break
        out += d
    assert out == data
if sys.argv[1] == 'narrow': one(b'hello\\n')
else:
    one(b'x' * 3000000)
    ts = [threading.Thread(target=lambda: [one(b'y%d\\n' % i) for i in range(20)]) for _ in range(6)]
    [t.start() for t in ts]; [t.join() for t in ts]
    socket.create_connection(('127.0.0.1', $port)).close()"
	ready="python3 -c \"$echo_py\" narrow"
	narrow=$ready
	wide="python3 -c \"$echo_py\" wide"
	stop_cmd=
}

# dnsmasq answering from its own records, with an upstream that does not
# answer: NARROW is one A query, WIDE TCP (a forked child per connection),
# PTR, AAAA, TXT, wildcard names and forwarded ones (a socket per query).
setup_dnsmasq() {
	local d=$scratch/dnsmasq q
	mkdir -p "$d"
	port=$(free_port)
	echo "10.1.1.1 hosta.lan" >"$d/hosts"
	cmd=(/usr/sbin/dnsmasq -k -p "$port" --listen-address=127.0.0.1 --bind-interfaces --no-resolv
		--no-hosts --addn-hosts="$d/hosts" --address=/test.lan/10.2.2.2 --txt-record=txt.lan,hello
		--server=127.0.0.1#9 --log-facility="$d/log" --pid-file="$d/pid" -u root)
	rules=generic
	steady="steady state"
	q="dig +time=2 +tries=1 -p $port @127.0.0.1"
	ready="$q hosta.lan +short | grep -q 10.1.1.1"
	narrow="$q hosta.lan"
	wide="$q +tcp hosta.lan; $q -x 10.1.1.1; $q hosta.lan AAAA; $q txt.lan TXT; $q x.test.lan;
	      $q nowhere.example; $q +tcp nowhere.example; for i in \$(seq 20); do $q h\$i.test.lan +short; done"
	stop_cmd=
}

# start MODE OUT [sysphase options...]: SP_SERVER is sysphase's pid, for workloads.
start() {
	local mode=$1 out=$2
	shift 2
	"$sysphase" "$mode" "$@" -- "${cmd[@]}" >"$out" 2>&1 &
	server_pid=$!
	export SP_SERVER=$server_pid
	wait_for bash -c "$ready"
}

# first_child PID: the program sysphase started.
first_child() {
	cat /proc/"$1"/task/*/children 2>/dev/null | awk '{ print $1 }'
}
export -f hap_master hap_reload first_child

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
seen, answered = set(), set()
for line in open(sys.argv[1], errors="replace"):
    try:
        v = json.loads(line)
    except ValueError:
        continue
    # clone3 is ENOSYS under every filter run installs (its flags are out of
    # seccomp's sight) and glibc falls back to clone: not a denial that matters.
    # A call answered by design (io_uring_setup's EPERM, "answer") is no
    # denial either: listed with its answer, not counted.
    if v.get("type") == "violation" and v.get("syscall") != "clone3":
        name = v.get("syscall") or str(v.get("nr"))
        if v.get("answer"):
            answered.add(name + " (" + v["answer"] + ")")
        else:
            seen.add(name)
print(len(seen), ",".join(sorted(seen) + sorted(answered)) or "-")
PY
}

# survived OUT: "ok", or the first call sysphase named killed or denied.
survived() {
	local line
	line=$(grep -m1 -E '^sysphase: .*(killed by|denied)' "$1")
	if [ -z "$line" ]; then
		echo ok
	else
		echo "$line" | sed -E 's/.*: ([a-z0-9_]+) \(x86_64.*/\1/; s/^sysphase: //' | cut -c1-40
	fi
}

# complain_run POLICY LOG OUT: the WIDE workload under POLICY in complain mode.
complain_run() {
	eval "${prepare_wide:-true}"
	start run "$3" --complain="$2" --policy "$1"
	timeout 600 bash -c "$wide" >/dev/null 2>&1
	stop_server
	rm -f "${stop_file:-/nonexistent}"
}

printf '%-9s %-11s %7s %6s %6s %-8s  %s\n' program policy denials steady max enforced "denied syscalls"
for prog in ${*:-nginx redis postgres lighttpd memcached pyhttp haproxy node mariadb sqlite3 sshd busybox rsync socat
	dnsmasq}; do
	stop_cmd= prepare_wide=
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
	timeout 600 bash -c "$narrow" >/dev/null 2>&1
	[ "$prog" = nginx ] && stop_cmd="kill -QUIT $(cat "$stop_file")"
	stop_server
	rm -f "${stop_file:-/nonexistent}"
	"$sysphase" export --rules "$rules" "$dir/trace.jsonl" -o "$dir/pol" --format bpf >"$dir/exp.out" 2>&1
	"$sysphase" export --no-complete --rules "$rules" "$dir/trace.jsonl" -o "$dir/pol0" --format bpf \
		>/dev/null 2>&1
	for pol in pol0 pol pol1; do
		case $pol in
		pol0) label=recorded ;;
		pol) label=completed ;;
		*)
			label="one merge"
			"$sysphase" export --rules "$rules" "$dir/trace.jsonl" --merge "$dir/pol.log" \
				-o "$dir/pol1" --format bpf >"$dir/merge.out" 2>&1
			;;
		esac
		[ "$prog" = nginx ] && stop_cmd="kill -QUIT \$(cat $stop_file)"
		complain_run "$dir/$pol/policy.json" "$dir/$pol.log" "$dir/run-$pol.out"
		enforced=-
		if [ "$pol" = pol1 ]; then
			eval "${prepare_wide:-true}"
			start run "$dir/enforce-$pol.out" --policy "$dir/$pol/policy.json"
			timeout 600 bash -c "$wide" >/dev/null 2>&1
			stop_server
			rm -f "${stop_file:-/nonexistent}"
			enforced=$(survived "$dir/enforce-$pol.out")
		fi
		read -r n names < <(denials "$dir/$pol.log")
		read -r st mx < <(sizes "$dir/$pol/policy.json")
		printf '%-9s %-11s %7s %6s %6s %-8s  %s\n' "$prog" "$label" "$n" "$st" "$mx" "$enforced" "$names"
	done
	stop_file=
	[ -n "${KEEP:-}" ] && cp -r "$dir" "$KEEP/" 2>/dev/null
done
