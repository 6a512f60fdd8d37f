#!/usr/bin/env bats
# scripts/quickstart.sh on bad input: without root, without a sudo user,
# on a kernel whose Landlock is missing or too old, with a profile the
# built agent-sandbox refuses.  Each case must say why in one line (plus a
# remedy) and change nothing.  The script runs from a scratch copy of the
# tree whose tests/install-deps.sh and PATH tools (meson, agent-admin,
# apt-get, runuser, install) are stubs that record any call, so "nothing
# changed" is checked, not assumed, and the real /usr/local is never
# touched.  The full run, twice, goes into a scratch prefix
# (QUICKSTART_PREFIX) with a throwaway owner: the second run must change
# nothing and say so.

bats_require_minimum_version 1.5.0

load common

setup_file() {
	# A home under /home, as a real developer's: the session's private
	# /tmp (each session has its own) would hide one under /tmp.
	OWNER="astu$$qs"
	useradd --create-home --shell /bin/bash --comment "agent-shell test" "$OWNER" >/dev/null
	export OWNER
}

teardown_file() {
	as_drop_user "$OWNER"
	rm -rf "/home/$OWNER-agent"
}

setup() {
	T=$(mktemp -d /tmp/as-qs.XXXXXX)
	chmod 0755 "$T"
	mkdir -p "$T/scripts" "$T/tests" "$T/bin" "$T/profiles"
	install -m 0755 "$AS_SRC_DIR/scripts/quickstart.sh" "$T/scripts/quickstart.sh"
	install -m 0644 "$AS_SRC_DIR"/profiles/*.profile "$T/profiles/"
	# Stubs: --missing reports nothing missing; anything else is a change.
	cat >"$T/tests/install-deps.sh" <<-EOF
		#!/bin/sh
		[ "\$1" = --missing ] && exit 0
		echo "install-deps.sh \$*" >>"$T/called"
	EOF
	chmod 0755 "$T/tests/install-deps.sh"
	for tool in meson agent-admin apt-get runuser install; do
		cat >"$T/bin/$tool" <<-EOF
			#!/bin/sh
			echo "$tool \$*" >>"$T/called"
			exit 99
		EOF
		chmod 0755 "$T/bin/$tool"
	done
	QS="$T/scripts/quickstart.sh"
}

teardown() {
	teardown_qs_prefix
	rm -rf "$T"
}

# Runs the quickstart as root "through sudo" by OWNER, with the stubs first
# in PATH; extra VAR=VALUE words go to env.
qs_as_owner() {
	env PATH="$T/bin:/usr/sbin:/usr/bin:/sbin:/bin" SUDO_USER="$OWNER" "$@"
}

nothing_ran() {
	if [ -e "$T/called" ]; then
		echo "changed the machine:" >&2
		cat "$T/called" >&2
		return 1
	fi
	if getent passwd "$OWNER-agent" >/dev/null; then
		echo "created $OWNER-agent" >&2
		return 1
	fi
	if [ -e "$T/build-release" ]; then
		echo "created $T/build-release" >&2
		return 1
	fi
}

@test "without root: one line, exit 2, nothing changed" {
	run setpriv --reuid=nobody --regid=nogroup --clear-groups \
		env PATH="$T/bin:/usr/bin:/bin" "$QS"
	assert_failure 2
	assert_output "quickstart: run it with sudo, as the developer who will use agent-shell: sudo $QS; nothing was changed"
	nothing_ran
}

@test "as root without a sudo user: one line, exit 2, nothing changed" {
	run env -u SUDO_USER PATH="$T/bin:/usr/bin:/bin" "$QS"
	assert_failure 2
	assert_output "quickstart: run it with sudo from your own account (SUDO_USER is 'unset'); root gets no agent; nothing was changed"
	run env SUDO_USER=root PATH="$T/bin:/usr/bin:/bin" "$QS"
	assert_failure 2
	assert_output --partial "(SUDO_USER is 'root'); root gets no agent"
	nothing_ran
}

@test "an unknown option is a usage error before anything else; --help works for anyone" {
	run qs_as_owner "$QS" --yes
	assert_failure 2
	assert_output "quickstart: unknown option '--yes' (usage: sudo $QS [--check])"
	run setpriv --reuid=nobody --regid=nogroup --clear-groups "$QS" --help
	assert_success
	assert_line --index 0 "Usage: sudo scripts/quickstart.sh [--check]"
	assert_equal "${#lines[@]}" 3
	nothing_ran
}

@test "a kernel without Landlock: says so, names the remedy, changes nothing" {
	run qs_as_owner QUICKSTART_TEST_LANDLOCK_ABI=0 "$QS"
	assert_failure 1
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 "quickstart: this kernel (Linux $(uname -r)) has no Landlock (not built into this kernel (QUICKSTART_TEST_LANDLOCK_ABI=0)), which every agent-shell profile requires; nothing was changed"
	assert_line --index 1 --partial "quickstart: boot Linux 6.12 or newer"
	nothing_ran
}

@test "a kernel with Landlock ABI 3: names each missing right and its Linux version, changes nothing" {
	run qs_as_owner QUICKSTART_TEST_LANDLOCK_ABI=3 "$QS"
	assert_failure 1
	assert_line --index 0 "quickstart: this kernel (Linux $(uname -r), Landlock ABI 3) cannot enforce what agent-shell's profiles require: TCP connect/bind rules (ABI 4, Linux 6.7); ioctl on devices (ABI 5, Linux 6.10); abstract unix socket and signal scopes (ABI 6, Linux 6.12); nothing was changed"
	nothing_ran
	run qs_as_owner QUICKSTART_TEST_LANDLOCK_ABI=5 "$QS" --check
	assert_failure 1
	assert_line --index 0 --partial "Landlock ABI 5) cannot enforce what agent-shell's profiles require: abstract unix socket and signal scopes (ABI 6, Linux 6.12); nothing"
	nothing_ran
}

@test "--check on this kernel: ready, exit 0, nothing changed" {
	local abi
	abi=$(perl -e 'print syscall(444, 0, 0, 1)')
	[ "$abi" -ge 6 ] || skip "this kernel has Landlock ABI $abi; the shipped profiles need 6"
	run qs_as_owner "$QS" --check
	assert_success
	assert_output "quickstart: ready: running as root for $OWNER (home $(getent passwd "$OWNER" | cut -d: -f6)); Linux $(uname -r), Landlock ABI $abi; nothing was changed"
	nothing_ran
}

@test "a default profile the built agent-sandbox refuses stops before anything is installed" {
	local abi
	abi=$(perl -e 'print syscall(444, 0, 0, 1)')
	[ "$abi" -ge 6 ] || skip "this kernel has Landlock ABI $abi; the shipped profiles need 6"
	# A build that "succeeds" (meson setup/compile record and exit 0) and
	# the real agent-sandbox, so the script reaches its second check.
	cat >"$T/bin/meson" <<-EOF
		#!/bin/sh
		echo "meson \$*" >>"$T/meson-calls"
		[ "\$1" != install ] || echo "meson \$*" >>"$T/called"
		exit 0
	EOF
	mkdir -p "$T/build-release/tools" "$T/build-release/meson-info"
	install -m 0755 "$AS_BUILD_DIR/tools/agent-sandbox" "$T/build-release/tools/agent-sandbox"
	printf '[profile]\ninclude = base\n[network]\nconnect-tcp = 99999\n' >"$T/profiles/default.profile"
	run qs_as_owner "$QS"
	assert_failure 1
	assert_line --partial "agent-sandbox: $T/profiles/default.profile:4: connect-tcp: 99999:"
	assert_line "quickstart: the built agent-sandbox refuses the default profile; nothing was installed"
	grep -qx 'meson compile -C build-release' "$T/meson-calls"
	rm -rf "$T/build-release"
	nothing_ran
}

@test "the full run twice into a scratch prefix: the second changes nothing and says so" {
	local abi prefix host_fence
	abi=$(perl -e 'print syscall(444, 0, 0, 1)')
	[ "$abi" -ge 6 ] || skip "this kernel has Landlock ABI $abi; the shipped profiles need 6"
	# Not under /tmp: it may be mounted nosuid, and the helper is setuid.
	prefix=$(mktemp -d /opt/as-qs-prefix.XXXXXX)
	chmod 0755 "$prefix"
	# shellcheck disable=SC2030 # setup and teardown of one test share its subshell
	QS_PREFIX=$prefix
	# The machine's own fence (an installed agent-shell's) before the run.
	host_fence=$(nft -s list table inet agent_shell 2>&1 || true)
	run env SUDO_USER="$OWNER" QUICKSTART_PREFIX="$prefix" "$AS_SRC_DIR/scripts/quickstart.sh"
	assert_success
	# The scratch install fences its agent in a table of its own.
	nft list chain inet agent_shell_qs "agent_$(id -u "$OWNER-agent")" >/dev/null
	assert_line --partial "running as $OWNER-agent in "
	assert_line "  allowed: write in the project"
	assert_line "  denied:  open ~$OWNER/.bashrc for writing (Permission denied)"
	assert_line "  denied:  connect to TCP port 25 (Permission denied)"
	refute_line --partial "Nothing changed"
	assert_line --regexp '^Changed: .*agent account'
	run env SUDO_USER="$OWNER" QUICKSTART_PREFIX="$prefix" "$AS_SRC_DIR/scripts/quickstart.sh"
	assert_success
	assert_line "already installed, unchanged"
	assert_line "$OWNER-agent: already set up as the agent of $OWNER; nothing to do"
	assert_line "Nothing changed: agent-shell was already installed and $OWNER-agent already set up for $OWNER."
	refute_line --partial "Changed:"
	[ "$(nft -s list table inet agent_shell 2>&1 || true)" = "$host_fence" ]
}

# shellcheck disable=SC2031 # setup and teardown of one test share its subshell
teardown_qs_prefix() {
	[ -n "${QS_PREFIX:-}" ] || return 0
	[ ! -x "$QS_PREFIX/sbin/agent-admin" ] || "$QS_PREFIX/sbin/agent-admin" remove "$OWNER" >/dev/null 2>&1 || true
	rm -rf "$QS_PREFIX" "$AS_SRC_DIR/build-quickstart"
}
