#!/usr/bin/env bash
# Installs what building and testing sysphase needs, when it is missing.
# Debian packages only; needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(
	build-essential cmake pkg-config clang libclang-rt-dev clang-format
	libseccomp-dev libunwind-dev libjansson-dev libcmocka-dev libcapstone-dev libelf-dev libdw-dev
	strace python3 jq curl time nginx-light wrk bubblewrap runc busybox-static systemd
	chromium golang-github-docker-docker-dev
	redis-server redis-tools postgresql
	crun podman qemu-user-static docker.io python3-yaml
	haproxy dnsmasq-base unbound bind9-dnsutils memcached man-db lighttpd
	openssh-server openssh-client
)

# One install block for the whole repository: examples/deps.sh installs
# the build and whatever is given to it, when missing.
bash "$(dirname "$0")/../examples/deps.sh" "${packages[@]}"

# Busybox for other architectures, for tests/e2e/export_arch.sh: Debian's
# busybox-static for arm64 and armhf (run under qemu-user) and i386 (run by the
# kernel's IA32 emulation), unpacked (not installed) where the test looks.
ARCH_DIR=${SYSPHASE_ARCH_DIR:-/var/cache/sysphase}
for deb_arch in arm64 armhf i386; do
	[ -x "$ARCH_DIR/$deb_arch/bin/busybox" ] || [ "$(id -u)" -ne 0 ] && continue
	dl=$(mktemp -d)
	apt_arch=(-o APT::Architectures::=amd64 -o "APT::Architectures::=$deb_arch")
	# An index that fails to refresh (a mirror mid-sync) does not stop the download.
	if (cd "$dl" && { apt-get "${apt_arch[@]}" update -qq >/dev/null 2>&1 || true; } &&
		apt-get "${apt_arch[@]}" download "busybox-static:$deb_arch" >/dev/null 2>&1); then
		mkdir -p "$ARCH_DIR/$deb_arch"
		dpkg-deb -x "$dl"/busybox-static_*_"$deb_arch".deb "$ARCH_DIR/$deb_arch"
	else
		echo "sysphase: no $deb_arch busybox-static (export_arch skips that part)" >&2
	fi
	rm -rf "$dl"
done
