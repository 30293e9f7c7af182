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
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

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
