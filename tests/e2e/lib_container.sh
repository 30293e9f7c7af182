#!/bin/bash
# SPDX-License-Identifier: MIT
# Helpers for the container tests: a runc/crun bundle whose rootfs is built
# from Debian's static busybox, and running a container under a runtime.
# Source after lib.sh.

# need_static_busybox: $BUSYBOX, a statically linked busybox, or skip.
need_static_busybox() {
	BUSYBOX=$(command -v busybox || true)
	[ -n "$BUSYBOX" ] || { echo "SKIP: busybox is not installed (busybox-static)"; exit 77; }
	file -L "$BUSYBOX" 2>/dev/null | grep -q "statically linked" ||
		{ echo "SKIP: busybox is not static (install busybox-static)"; exit 77; }
}

# make_bundle DIR ARGS-JSON: a bundle in DIR running ARGS, $BUSYBOX (if set) in its rootfs.
make_bundle() {
	local b=$1 args=$2
	mkdir -p "$b/rootfs/bin" "$b/rootfs/etc" "$b/rootfs/proc" "$b/rootfs/dev" "$b/rootfs/sys" \
		"$b/rootfs/tmp"
	if [ -n "${BUSYBOX:-}" ]; then
		cp "$BUSYBOX" "$b/rootfs/bin/busybox"
		ln -sf busybox "$b/rootfs/bin/sh"
	fi
	echo container >"$b/rootfs/etc/hostname"
	(cd "$b" && rm -f config.json && runc spec)
	jq --argjson args "$args" '.process.terminal = false | .process.args = $args
		| .root.readonly = true' "$b/config.json" >"$b/config.json.new"
	mv "$b/config.json.new" "$b/config.json"
}

# set_seccomp BUNDLE PROFILE [NNP]: linux.seccomp from an OCI profile (or none with "-").
set_seccomp() {
	local b=$1 prof=$2 nnp=${3:-true}
	if [ "$prof" = - ]; then
		jq --argjson nnp "$nnp" 'del(.linux.seccomp) | .process.noNewPrivileges = $nnp' \
			"$b/config.json" >"$b/config.json.new"
	else
		jq --slurpfile p "$prof" --argjson nnp "$nnp" \
			'.linux.seccomp = $p[0] | .process.noNewPrivileges = $nnp' \
			"$b/config.json" >"$b/config.json.new"
	fi
	mv "$b/config.json.new" "$b/config.json"
}

# runtime_argv R BUNDLE ID: RCMD, the command that runs BUNDLE under runtime R
# (runc or crun) as container ID.
# crun 1.8 refuses this machine's hybrid cgroup layout (a cgroup2 mount at
# /sys/fs/cgroup/unified next to v1 controllers): in a private mount
# namespace without that mount it runs as on a v1 host.
runtime_argv() {
	local r=$1 b=$2 id=$3
	if [ "$r" = crun ] && mountpoint -q /sys/fs/cgroup/unified 2>/dev/null &&
		[ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
		RCMD=(unshare -m --propagation private sh -c
			"umount /sys/fs/cgroup/unified && exec crun run --bundle $b $id")
	else
		RCMD=("$r" run --bundle "$b" "$id")
	fi
}

CONTAINER_IDS=()
# run_container R BUNDLE: status of the container; output in $T/ctr.out, $T/ctr.err.
run_container() {
	local r=$1 b=$2 id="sysphase-$$-${#CONTAINER_IDS[@]}"
	CONTAINER_IDS+=("$r:$id")
	local rc=0
	runtime_argv "$r" "$b" "$id"
	timeout 120 "${RCMD[@]}" </dev/null >"$T/ctr.out" 2>"$T/ctr.err" || rc=$?
	"$r" delete -f "$id" >/dev/null 2>&1 || true
	return $rc
}

_container_cleanup() {
	local e
	for e in "${CONTAINER_IDS[@]}"; do
		"${e%%:*}" delete -f "${e#*:}" >/dev/null 2>&1 || true
	done
}

# start_dockerd: a dockerd of the test's own (Debian's docker.io: dockerd and
# its docker client side by side), its data root, exec root and socket in $T,
# vfs storage, no iptables, no bridge; $DOCKER is the client for it, $DOCKERD_PID
# its pid (stop_dockerd).  Skips (77) when dockerd is missing; 1 when it does
# not come up.
start_dockerd() {
	local d
	d=$(command -v dockerd || true)
	[ -n "$d" ] || { echo "SKIP: dockerd is not installed (docker.io)"; exit 77; }
	local cli
	cli=$(dirname "$(readlink -f "$d")")/../bin/docker
	[ -x "$cli" ] || cli=$(command -v docker || true)
	[ -n "$cli" ] || { echo "SKIP: no docker client"; exit 77; }
	mkdir -p "$T/dk"
	"$d" --data-root "$T/dk/data" --exec-root "$T/dk/exec" --pidfile "$T/dk/pid" \
		-H "unix://$T/dk/sock" --storage-driver vfs --iptables=false --ip6tables=false \
		--bridge=none --ip-forward=false --ip-masq=false --userland-proxy=false \
		--exec-opt native.cgroupdriver=cgroupfs >"$T/dk/log" 2>&1 &
	DOCKERD_PID=$!
	track "$DOCKERD_PID"
	DOCKER=("$cli" -H "unix://$T/dk/sock")
	_docker_up() { "${DOCKER[@]}" info >/dev/null 2>&1; }
	wait_until 120 _docker_up || { tail -20 "$T/dk/log"; return 1; }
}

# stop_dockerd: TERM to the test's dockerd (it stops its containerd), then wait.
stop_dockerd() {
	[ -n "${DOCKERD_PID:-}" ] || return 0
	kill -TERM "$DOCKERD_PID" 2>/dev/null || true
	_dockerd_gone() { ! kill -0 "$DOCKERD_PID" 2>/dev/null; }
	wait_until 60 _dockerd_gone || kill -KILL "$DOCKERD_PID" 2>/dev/null || true
	wait "$DOCKERD_PID" 2>/dev/null || true
	DOCKERD_PID=
}

# make_nginx_bundle DIR: a bundle in DIR whose rootfs holds Debian's nginx
# ($NGINX, from lib_nginx.sh), the libraries it loads, the NSS modules
# nsswitch.conf names and the files glibc reads, and the scratch
# configuration ($DIR) copied to the same path as on the host (never
# shared: the container's pid file holds its own PID 1, which must never
# reach a host-side kill); the host's network, Docker's default
# capabilities (the master chowns its temp directories and drops its
# worker to nobody, as on the host).
make_nginx_bundle() {
	local b=$1 lib mod svc f
	make_bundle "$b" "[\"$NGINX\",\"-c\",\"$DIR/nginx.conf\"]"
	local r="$b/rootfs"
	_copy() { mkdir -p "$r$(dirname "$1")" && cp -L "$1" "$r$1"; }
	_copy "$NGINX"
	for lib in $(ldd "$NGINX" | grep -oE '/[^ ]+'); do _copy "$lib"; done
	mkdir -p "$r$DIR"
	cp -a "$DIR/." "$r$DIR/"
	rm -f "$r$DIR/nginx.pid"
	# The NSS modules nsswitch.conf names (libnss_systemd: the worker's initgroups asks it).
	for svc in $(sed -n 's/^\(passwd\|group\):[[:space:]]*//p' /etc/nsswitch.conf | tr ' ' '\n' | sort -u); do
		for mod in /lib/x86_64-linux-gnu/libnss_"$svc".so.2 /usr/lib/x86_64-linux-gnu/libnss_"$svc".so.2; do
			[ -e "$mod" ] || continue
			_copy "$mod"
			for lib in $(ldd "$mod" | grep -oE '/[^ ]+'); do _copy "$lib"; done
		done
	done
	for f in /etc/passwd /etc/group /etc/nsswitch.conf /etc/ld.so.cache /etc/localtime /etc/nginx/mime.types; do
		[ -e "$f" ] && _copy "$f"
	done
	jq '.root.readonly = false | .linux.namespaces |= map(select(.type != "network"))
		| .process.capabilities |= with_entries(.value += ["CAP_CHOWN", "CAP_DAC_OVERRIDE",
			"CAP_FOWNER", "CAP_FSETID", "CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP"] | .value |= unique)' \
		"$b/config.json" >"$b/c"
	mv "$b/c" "$b/config.json"
}

# httpd_bundle: $B, a bundle in $T whose busybox httpd serves "hello from the
# container" from /www on 127.0.0.1:$PORT (a free port) in the host's
# network, so that the test reaches it; defines serves.
httpd_bundle() {
	PORT=$(free_port)
	B="$T/bundle"
	make_bundle "$B" "[\"/bin/busybox\",\"httpd\",\"-f\",\"-p\",\"127.0.0.1:$PORT\",\"-h\",\"/www\"]"
	mkdir -p "$B/rootfs/www"
	echo "hello from the container" >"$B/rootfs/www/index.html"
	jq '.linux.namespaces |= map(select(.type != "network"))' "$B/config.json" >"$B/c" &&
		mv "$B/c" "$B/config.json"
	serves() { curl -sf "http://127.0.0.1:$PORT/" 2>/dev/null | grep -q "hello from the container"; }
}

# record_httpd_in_runc: runc runs $B under `sysphase record --rules generic`
# into $T/httpd.trace until it has served twice, then KILL ends it.
record_httpd_in_runc() {
	set_seccomp "$B" - true
	CONTAINER_IDS+=("runc:rec-$$")
	runtime_argv runc "$B" "rec-$$"
	"$SYSPHASE" record -o "$T/httpd.trace" --rules generic -- "${RCMD[@]}" </dev/null \
		>"$T/rec.out" 2>"$T/rec.err" &
	REC=$!
	track "$REC"
	wait_until 60 serves || { cat "$T/rec.err"; fail "recorded httpd never served"; exit 1; }
	serves || fail "second request"
	runc kill "rec-$$" KILL >/dev/null 2>&1 || true
	wait "$REC" || true
}
