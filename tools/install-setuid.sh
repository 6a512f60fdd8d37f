#!/bin/sh
# meson install script: make the helper setuid root, mode 4750
# root:agent-shell-users (DESIGN.md, "Files").  With DESTDIR (packaging) the
# package's own maintainer scripts and dpkg-statoverride do this instead.
set -eu

helper=$1
group=$2

if [ -n "${DESTDIR:-}" ]; then
	echo "install-setuid: DESTDIR set; leaving ${DESTDIR}${helper} for the package to make setuid"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-setuid: not root; ${helper} is NOT setuid (re-run meson install as root)" >&2
	exit 0
fi
if ! getent group "$group" >/dev/null; then
	/usr/sbin/groupadd --system "$group"
fi
# Group first, then mode: chown clears the setuid bit.
chown "root:${group}" "$helper"
chmod 4750 "$helper"
echo "install-setuid: ${helper} is 4750 root:${group}"
