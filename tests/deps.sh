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
	crun podman qemu-user-static
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
install_missing() {
	echo "sysphase: installing ${missing[*]}" >&2
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	# policy-rc.d keeps Debian's nginx package from starting a server on port 80.
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
		$sudo chmod +x /usr/sbin/policy-rc.d
		trap '$sudo rm -f /usr/sbin/policy-rc.d' EXIT
	fi
	$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
[ ${#missing[@]} -eq 0 ] || install_missing

# An aarch64 busybox for tests/e2e/export_arch.sh (run under qemu-user): Debian's
# busybox-static for arm64, unpacked (not installed) where the test looks for it.
ARM64_DIR=${SYSPHASE_ARM64_DIR:-/var/cache/sysphase/arm64}
if [ ! -x "$ARM64_DIR/bin/busybox" ] && [ "$(id -u)" -eq 0 ]; then
	dl=$(mktemp -d)
	apt_arm64=(-o APT::Architectures::=amd64 -o APT::Architectures::=arm64)
	if (cd "$dl" && apt-get "${apt_arm64[@]}" update -qq >/dev/null 2>&1 &&
		apt-get "${apt_arm64[@]}" download busybox-static:arm64 >/dev/null 2>&1); then
		mkdir -p "$ARM64_DIR"
		dpkg-deb -x "$dl"/busybox-static_*_arm64.deb "$ARM64_DIR"
	else
		echo "sysphase: no arm64 busybox-static (export_arch skips its qemu part)" >&2
	fi
	rm -rf "$dl"
fi
