#!/bin/bash
# Installs the build and test dependencies from Debian 12's archive.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
packages=(
	meson ninja-build pkg-config gcc clang libclang-rt-14-dev
	libcap-ng-dev libseccomp-dev libacl1-dev libpam0g-dev libinih-dev libjson-c-dev
	bats bats-assert bats-support
	acl sudo passwd login util-linux procps iproute2 python3 git
	tmux bsdextrautils strace
	libcap2-bin openssh-client bsdutils # escape suite: setcap, ssh-agent/ssh-add, script
)
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
