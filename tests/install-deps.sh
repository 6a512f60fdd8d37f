#!/bin/bash
# Installs the build and test dependencies from Debian 12's archive.
#   --missing   print the packages that are not installed yet, one per
#               line, and change nothing (the quickstart uses it to skip
#               apt-get when everything is there)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
packages=(
	meson ninja-build pkg-config gcc clang libclang-rt-14-dev
	libcap-ng-dev libseccomp-dev libacl1-dev libpam0g-dev libinih-dev libjson-c-dev
	# The egress fence: libnftables for agent-admin, dnsmasq as each
	# agent's resolver, nft for the tests' assertions.
	libnftables-dev nftables dnsmasq-base
	bats bats-assert bats-support
	acl sudo passwd login util-linux procps iproute2 python3 git mandoc
	tmux bsdextrautils strace valgrind
	# tests/check-shell.sh and tests/check-format.sh (.clang-format is
	# tuned for Debian 12's clang-format 14).
	shellcheck clang-format
	debhelper dpkg-dev fakeroot lintian
	libcap2-bin openssh-client bsdutils # escape suite: setcap, ssh-agent/ssh-add, script
	# daily.bats: terminal programs on a pty, ssh with the agent's key,
	# pip in a venv (python3-wheel builds without an index).
	less vim python3-venv python3-pip python3-wheel python3-setuptools
	# agents.bats: inspects the CLIs' launchers.
	file
)
# agents.bats installs the agent CLIs with the system's npm.  Debian 12's
# nodejs (18) and npm serve (the suite puts node 22 from the npm registry
# in the agent's home for gemini-cli, which needs >= 20); NodeSource's
# nodejs bundles npm and conflicts with Debian's npm package, so only a
# machine without npm gets Debian's.
if ! command -v npm >/dev/null 2>&1; then
	packages+=(nodejs npm)
fi
if [ "${1:-}" = --missing ]; then
	for p in "${packages[@]}"; do
		s=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
		[ "${s:0:2}" = ii ] || echo "$p"
	done
	exit 0
fi
apt-get update -qq
apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
