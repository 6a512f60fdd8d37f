# Shared setup for the suites that enter real agent-shell sessions
# (agents.bats, daily.bats): the installed setuid helper (AS_PREFIX), a
# throwaway owner provisioned with the installed agent-admin, one granted
# project.  Loaded after common:  load common; load session
#
# bats 1.8 cannot skip from setup_file: as_session_setup sets AS_SESSION_SKIP
# and each test's setup() skips with it.

# as_session_setup TAG: makes owner "as<TAG><pid>a" with ~/src/proj granted.
# Exports ADM SH OWNER AGENT OHOME AHOME PROJ PROBE.
as_session_setup() {
	local tag=$1
	# The sanitizer build installs the helper without the setuid bit
	# (AS_NOSUID_HELPER: as_caller in common.bash enters it).
	if [ -z "${AS_PREFIX:-}" ] || { [ ! -u "$AS_PREFIX/libexec/agent-shell/agent-shell-helper" ] &&
		[ -z "${AS_NOSUID_HELPER:-}" ]; }; then
		export AS_SESSION_SKIP="needs the setuid install of tests/run.sh (AS_PREFIX)"
		return 0
	fi
	ADM="$AS_PREFIX/sbin/agent-admin"
	SH="$AS_PREFIX/bin/agent-shell"
	AS_SESSION_PREFIX="as$tag$$"
	OWNER="${AS_SESSION_PREFIX}a"
	AGENT="$OWNER-agent"
	OHOME="/home/$OWNER"
	PROJ="$OHOME/src/proj"
	useradd --create-home --shell /bin/bash --comment "agent-shell test" "$OWNER"
	# 0755, as homes made before Debian 12 are: the owner's world-readable
	# files are then closed to the agent by Landlock alone.
	chmod 0755 "$OHOME"
	install -d -o "$OWNER" -g "$OWNER" -m 0755 "$OHOME/src" "$PROJ"
	"$ADM" add "$OWNER" >/dev/null
	"$ADM" grant "$OWNER" "$PROJ" >/dev/null
	AHOME=$(getent passwd "$AGENT" | cut -d: -f6)
	# What the agent must never read.
	install -d -o "$OWNER" -g "$OWNER" -m 0700 "$OHOME/.ssh"
	install -o "$OWNER" -g "$OWNER" -m 0600 /dev/null "$OHOME/.ssh/id_ed25519"
	echo "OWNER PRIVATE KEY" >"$OHOME/.ssh/id_ed25519"
	install -o "$OWNER" -g "$OWNER" -m 0644 /dev/null "$OHOME/notes.txt"
	echo "owner's notes, world-readable" >"$OHOME/notes.txt"
	# Not in /tmp: each session has its own.
	PROBE="/usr/local/libexec/$AS_SESSION_PREFIX-probe"
	install -D -m 0755 "$AS_PROBE" "$PROBE"
	export ADM SH AS_SESSION_PREFIX OWNER AGENT OHOME AHOME PROJ PROBE
}

as_session_teardown() {
	[ -n "${AS_SESSION_PREFIX:-}" ] || return 0
	local u
	# A live process a test left behind would make remove refuse.
	pkill -KILL -u "$AGENT" 2>/dev/null || true
	"$ADM" remove "$OWNER" >/dev/null 2>&1 || true
	# shellcheck disable=SC2013 # account names are single words
	for u in $(cut -d: -f1 /etc/passwd | grep "^$AS_SESSION_PREFIX"); do
		pkill -KILL -u "$u" 2>/dev/null || true
		userdel --remove "$u" 2>/dev/null || true
	done
	rm -f "$PROBE"
}

as_session_skip() {
	if [ -n "${AS_SESSION_SKIP:-}" ]; then
		skip "$AS_SESSION_SKIP"
	fi
}

# in_session PROFILE CMD [ARG...]: the owner runs agent-shell -p PROFILE in
# the project with a login-like environment; bats' run captures the result.
in_session() {
	local profile=$1
	shift
	run as_caller "$OWNER" env -C "$PROJ" -i HOME="$OHOME" USER="$OWNER" LOGNAME="$OWNER" \
		PATH=/usr/local/bin:/usr/bin:/bin TERM=xterm LANG=C.UTF-8 \
		"$SH" -p "$profile" -- "$@"
}

# on_tty KEYS ARG...: the owner runs agent-shell ARG... on a pseudo-terminal
# (script), typing KEYS (printf's format) after a second.  script's shell
# would drop as_caller's euid 0 (common.bash): the owner is entered inside.
on_tty() {
	local keys=$1
	shift
	run env -C "$PROJ" -i HOME="$OHOME" PATH=/usr/bin:/bin TERM=xterm \
		/bin/sh -c "(sleep 1; printf '$keys'; sleep 1) |
			script -qec \"$(as_caller_cmd "$OWNER") $SH $*\" /dev/null"
}

# agent_sh PROFILE SCRIPT: SCRIPT in the agent's login shell (~/.profile
# puts ~/.local/bin on PATH, as for a developer's own account).
agent_sh() {
	in_session "$1" /bin/bash -lc "$2"
}

# owner_sh SCRIPT: SCRIPT as the owner, outside any session, in the project.
owner_sh() {
	run runuser -u "$OWNER" -- env -C "$PROJ" -i HOME="$OHOME" USER="$OWNER" \
		PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 /bin/bash -c "$1"
}
