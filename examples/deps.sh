#!/usr/bin/env bash
# Installs what the examples need, when it is missing, and nothing more:
# the build (compiler, cmake, the five libraries) and the programs they
# trace.  tests/deps.sh gives it the test suite's longer list: this is the
# repository's one install block.
#   examples/deps.sh [PACKAGE...]    extra Debian packages (nginx-light for demo.sh)
set -euo pipefail

packages=(
	build-essential cmake pkg-config
	libseccomp-dev libunwind-dev libjansson-dev libcapstone-dev libelf-dev libdw-dev
	curl "$@"
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
