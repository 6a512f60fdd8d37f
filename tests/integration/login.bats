#!/usr/bin/env bats
# shellcheck disable=SC2016 # single-quoted scripts run in another shell (the agent's, a session's); the $ is theirs
# agent-shell end to end (suite 'root'): the really installed setuid helper,
# real PAM (the installed service file and pam_agent_shell.so), real
# accounts made by agent-admin, every layer on.  Needs the scratch install
# of tests/run.sh (AS_PREFIX); skips with a message without it.
#
# The same tests run on both switch paths: AS_TEST_SWITCH=helper (default)
# or sudo (switch = sudo in agent-shell.conf, agent-admin add --sudo, the
# real sudo).  What only the helper has (its own argument checks, PAM, the
# session end log, an empty bounding set) is tested on the helper path.
#
# Accounts start with a prefix unique to the run ("asl" + pid) and are
# deleted in teardown_file.

bats_require_minimum_version 1.5.0

load common

setup_file() {
	# bats 1.8 cannot skip from setup_file: mark it, and skip each test.
	# The sanitizer build installs the helper without the setuid bit
	# (AS_NOSUID_HELPER, see as_caller in common.bash).
	if [ -z "${AS_PREFIX:-}" ] || { [ ! -u "$AS_PREFIX/libexec/agent-shell/agent-shell-helper" ] &&
		[ -z "${AS_NOSUID_HELPER:-}" ]; }; then
		export AS_LOGIN_SKIP="needs the setuid install of tests/run.sh (AS_PREFIX)"
		return 0
	fi
	SWITCH=${AS_TEST_SWITCH:-helper}
	# The sudo path has no helper: enter it as a user really would.
	[ "$SWITCH" = sudo ] && export AS_NOSUID_HELPER=
	if [ "$SWITCH" = sudo ] && { [ ! -x /usr/bin/sudo ] || [ ! -d /etc/sudoers.d ]; }; then
		export AS_LOGIN_SKIP="the sudo path needs sudo and /etc/sudoers.d"
		return 0
	fi
	ADM="$AS_PREFIX/sbin/agent-admin"
	SANDBOX="$AS_PREFIX/bin/agent-sandbox"
	SITECONF="$AS_SYSCONFDIR/agent-shell/agent-shell.conf"
	PAMFILE="$AS_SYSCONFDIR/pam.d/agent-shell"
	SH="$AS_PREFIX/bin/agent-shell"
	HELPER="$AS_PREFIX/libexec/agent-shell/agent-shell-helper"
	REGDIR="$AS_SYSCONFDIR/agent-shell/agents.d"
	P="asl$$"
	OWNER=${P}a OTHER=${P}b OUTSIDER=${P}c
	for u in "$OWNER" "$OTHER" "$OUTSIDER"; do
		useradd --create-home --shell /bin/bash --comment "agent-shell test" "$u"
		chmod 0700 "/home/$u"
	done
	local addopt=()
	if [ "$SWITCH" = sudo ]; then
		addopt=(--sudo)
		install -d -m 0755 "$(dirname "$SITECONF")"
		printf '[agent-shell]\nswitch = sudo\n' >"$SITECONF"
		chmod 0644 "$SITECONF"
	fi
	for u in "$OWNER" "$OTHER"; do
		install -d -o "$u" -g "$u" -m 0755 "/home/$u/src" "/home/$u/src/proj"
		echo "project file" >"/home/$u/src/proj/README"
		chown "$u:" "/home/$u/src/proj/README"
		"$ADM" add "$u" "${addopt[@]}" >/dev/null
		"$ADM" grant "$u" "/home/$u/src/proj" >/dev/null
	done
	# A second project, shared read-only.
	install -d -o "$OWNER" -g "$OWNER" -m 0755 "/home/$OWNER/src/docs"
	"$ADM" grant "$OWNER" "/home/$OWNER/src/docs" --read-only >/dev/null
	# Secrets of the owner the agent must never see.
	install -d -o "$OWNER" -g "$OWNER" -m 0700 "/home/$OWNER/.ssh"
	echo "PRIVATE KEY" >"/home/$OWNER/.ssh/id_rsa"
	chmod 0600 "/home/$OWNER/.ssh/id_rsa"
	echo "machine example.com password hunter2" >"/home/$OWNER/.netrc"
	chmod 0644 "/home/$OWNER/.netrc"
	chown -R "$OWNER:" "/home/$OWNER/.ssh" "/home/$OWNER/.netrc"
	# Not in /tmp, which each session has of its own.
	PROBE=/usr/local/libexec/asl-probe-$$
	install -D -m 0755 "$AS_PROBE" "$PROBE"
	export ADM SH HELPER SANDBOX REGDIR SITECONF PAMFILE SWITCH P OWNER OTHER OUTSIDER PROBE
}

setup() {
	if [ -n "${AS_LOGIN_SKIP:-}" ]; then
		skip "$AS_LOGIN_SKIP"
	fi
}

teardown() {
	syslog_stop
	# The symlink tests' profile, outside tree and planted links.
	if [ -n "${P:-}" ]; then
		rm -f "$AS_SYSCONFDIR/agent-shell/profiles/$P-links.profile"
		rm -f "$AS_SYSCONFDIR/agent-shell/profiles/$P-rootonly.profile" \
			"$AS_SYSCONFDIR/agent-shell/profiles/$P-inc.profile"
		rm -f "$(proj)/ran-rootonly" "$(proj)/ran-inc" "$(proj)/mytrue" \
			"$AS_SYSCONFDIR/agent-shell/profiles/$P-noexec.profile"
		rm -rf "/opt/$P-land"
		rm -f "/home/$OWNER-agent/.npm-global" "/home/$OWNER-agent/.config-link"
	fi
	# The supplementary-group test's group (if it failed before removing it).
	if [ -n "${P:-}" ] && getent group "${P}g" >/dev/null; then
		groupdel "${P}g"
	fi
	# The privileged-group test's membership, the trust tests' modes.
	if [ -n "${P:-}" ] && id -nG "$OWNER-agent" 2>/dev/null | tr ' ' '\n' | grep -qx adm; then
		gpasswd -d "$OWNER-agent" adm >/dev/null
	fi
	if [ -n "${P:-}" ]; then
		chmod 0755 "$REGDIR" "$AS_SYSCONFDIR/agent-shell"
		[ ! -d "$AS_SYSCONFDIR/agent-shell/profiles" ] || chmod 0755 "$AS_SYSCONFDIR/agent-shell/profiles"
	fi
	# A test that pinned the owner's profiles lifts the pin again.
	if [ -n "${P:-}" ] && grep -q '^profiles = ' "$REGDIR/$OWNER.conf" 2>/dev/null; then
		"$ADM" set "$OWNER" --profiles all --profile default >/dev/null
	fi
}

teardown_file() {
	if [ -z "${P:-}" ]; then
		return 0
	fi
	for u in "$OWNER" "$OTHER"; do "$ADM" remove "$u" >/dev/null 2>&1 || true; done
	[ "$SWITCH" = sudo ] && rm -f "$SITECONF"
	rm -f /etc/sudoers.d/agent-shell-"$P"*
	syslog_stop
	# shellcheck disable=SC2013 # account names are single words
	for u in $(cut -d: -f1 /etc/passwd | grep "^$P"); do
		pkill -KILL -u "$u" 2>/dev/null || true
		userdel --remove "$u" 2>/dev/null || true
	done
	rm -f "$PROBE"
}

# Runs agent-shell as USER in DIR with a login-like environment.
as_owner() {
	local user=$1 dir=$2
	shift 2
	run as_caller "$user" env -C "$dir" -i HOME="/home/$user" USER="$user" \
		PATH=/usr/local/bin:/usr/bin:/bin TERM=xterm LANG=C.UTF-8 "$@"
}

proj() { echo "/home/$OWNER/src/proj"; }

helper_only() {
	[ "$SWITCH" = helper ] || skip "the setuid helper's own behaviour (the sudo path has no helper)"
}

sudo_only() {
	[ "$SWITCH" = sudo ] || skip "the sudo path only"
}

# What the session logs: the machine may have no syslog daemon, so a test
# listens on /dev/log itself -- there when nothing else does, else in a
# private mount namespace with its socket bound over the real one.
# syslog_start, then run sessions through "$SYSLOG_RUN" runuser ..., then
# read "$SYSLOG_OUT".
syslog_start() {
	SYSLOG_OUT=/tmp/asl-syslog-$$.log
	: >"$SYSLOG_OUT"
	if [ -e /dev/log ]; then
		SYSLOG_SOCK=/tmp/asl-syslog-$$.sock
		SYSLOG_RUN=(unshare -m --propagation private -- /bin/sh -c 'mount --bind "$0" /dev/log && exec "$@"' "$SYSLOG_SOCK")
	else
		SYSLOG_SOCK=/dev/log
		SYSLOG_RUN=()
	fi
	rm -f "/tmp/asl-syslog-$$.ready"
	python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o666)
open(sys.argv[3], "w").close()
with open(sys.argv[2], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536) + b"\n")
' "$SYSLOG_SOCK" "$SYSLOG_OUT" "/tmp/asl-syslog-$$.ready" 3>&- </dev/null >/dev/null 2>&1 &
	SYSLOG_PID=$!
	for _ in $(seq 100); do [ -e "/tmp/asl-syslog-$$.ready" ] && break; sleep 0.05; done
	[ -e "/tmp/asl-syslog-$$.ready" ]
}

syslog_stop() {
	[ -n "${SYSLOG_PID:-}" ] || return 0
	kill "$SYSLOG_PID" 2>/dev/null || true
	wait "$SYSLOG_PID" 2>/dev/null || true
	rm -f "$SYSLOG_SOCK" "/tmp/asl-syslog-$$.ready" "$SYSLOG_OUT"
	SYSLOG_PID=
}

# The helper's log lines arrive as the session ends; give the datagrams a moment.
syslog_wait_for() {
	for _ in $(seq 40); do grep -q -- "$1" "$SYSLOG_OUT" && return 0; sleep 0.05; done
	return 1
}

@test "the owner lands in the project as the agent" {
	as_owner "$OWNER" "$(proj)" "$SH" -- /bin/sh -c 'id -un; pwd; cat README'
	assert_success
	assert_output "$OWNER-agent
$(proj)
project file"
}

@test "every layer is on inside the session" {
	as_owner "$OWNER" "$(proj)" "$SH" -- /bin/cat /proc/self/status
	assert_success
	for c in CapInh CapPrm CapEff CapAmb; do
		assert_line --regexp "^$c:[[:space:]]+0000000000000000\$"
	done
	assert_line --regexp '^NoNewPrivs:[[:space:]]+1$'
	assert_line --regexp '^Seccomp:[[:space:]]+2$'
	# Clearing the bounding set takes CAP_SETPCAP: the helper's root does
	# it; on the sudo path no_new_privs keeps it from ever mattering.
	if [ "$SWITCH" = helper ]; then
		assert_line --regexp '^CapBnd:[[:space:]]+0000000000000000$'
	fi
}

@test "the session's init runs with every uid 0, so the caller cannot signal it" {
	helper_only
	# Read from the session: its parent is init (pid 1 of the session's
	# PID namespace), forked by the helper after it set its real uid to
	# 0 too.  The gids stay the caller's, as a setuid exec gives, which
	# the sanitizer build's as_caller must reproduce without the setuid
	# bit.
	as_owner "$OWNER" "$(proj)" "$SH" -- /bin/sh -c 'echo "ppid $PPID"; grep -E "^(Uid|Gid|Groups):" /proc/$PPID/status'
	assert_success
	local gid
	gid=$(id -g "$OWNER")
	assert_line "ppid 1"
	assert_line --regexp "^Uid:[[:space:]]+0[[:space:]]+0[[:space:]]+0[[:space:]]+0\$"
	assert_line --regexp "^Gid:[[:space:]]+${gid}[[:space:]]+${gid}[[:space:]]+${gid}[[:space:]]+$gid\$"
	assert_line --regexp "^Groups:.*[[:space:]]$(getent group agent-shell-users | cut -d: -f3)([[:space:]]|\$)"
}

@test "the session has the agent's supplementary groups, exactly those NSS lists" {
	# The helper sets the list it checked for privileged groups (lib/session.c)
	# instead of asking NSS again: a group added after agent-admin add is
	# there, and nothing of the caller's or root's.
	groupadd "${P}g"
	usermod -aG "${P}g" "$OWNER-agent"
	local want extra
	extra=$(getent group "${P}g" | cut -d: -f3)
	want=$(id -G "$OWNER-agent" | tr ' ' '\n' | sort -n | tr '\n' ' ')
	as_owner "$OWNER" "$(proj)" "$SH" -- /bin/sh -c 'id -G | tr " " "\n" | sort -n | tr "\n" " "'
	groupdel "${P}g"
	assert_success
	assert_output "$want"
	[[ " $output" == *" $extra "* ]]
}

@test "the command's exit status comes back" {
	as_owner "$OWNER" "$(proj)" "$SH" -- /bin/sh -c 'exit 7'
	assert_failure 7
}

@test "death by a signal comes back as 128+N" {
	as_owner "$OWNER" "$(proj)" "$SH" -- /bin/sh -c 'kill -TERM $$'
	assert_failure 143
}

@test "without a command the agent gets a login shell" {
	run as_caller "$OWNER" env -C "$(proj)" -i HOME="/home/$OWNER" PATH=/usr/bin:/bin \
		"$SH" <<<'echo "argv0=$0 user=$(id -un) home=$HOME"; exit 3'
	assert_failure 3
	assert_output --partial "argv0=-bash user=$OWNER-agent home=/home/$OWNER-agent"
}

@test "-C outside the grants is refused" {
	as_owner "$OWNER" /tmp "$SH" -C /tmp -- /bin/true
	assert_failure 1
	assert_output --partial "is not inside a project granted to $OWNER-agent"
}

@test "another developer cannot enter the owner's project" {
	as_owner "$OTHER" /tmp "$SH" -C "$(proj)" -- /bin/true
	assert_failure 1
	refute_output --partial "$OWNER-agent"
}

@test "a user outside agent-shell-users cannot run the helper" {
	helper_only
	# runuser, not as_caller: the helper's mode is what refuses here.
	run runuser -u "$OUTSIDER" -- env -C /tmp -i PATH=/usr/bin:/bin "$SH" -C /tmp -- /bin/true
	assert_failure 1
	assert_output --partial "Permission denied (only members of agent-shell-users may use it"
	run runuser -u "$OUTSIDER" -- "$HELPER" -C /tmp
	assert_failure
	assert_output --partial 'Permission denied'
}

@test "a user without a sudoers drop-in cannot switch through sudo" {
	sudo_only
	as_owner "$OUTSIDER" /tmp "$SH" -C /tmp -- /bin/true
	assert_failure 1
	assert_output --partial "$OUTSIDER has no agent account"
	run runuser -u "$OUTSIDER" -- sudo -n -u "$OWNER-agent" -- "$SANDBOX" --session "$OWNER" -C "$(proj)" -- /bin/true
	assert_failure 1
	assert_output --partial 'a password is required'
}

@test "the owner's sudoers drop-in allows the sandbox stage and nothing else" {
	sudo_only
	run cat "/etc/sudoers.d/agent-shell-$OWNER"
	assert_line "$OWNER ALL=($OWNER-agent) NOPASSWD: $SANDBOX --session $OWNER *"
	[ "$(stat -c '%a %U %G' "/etc/sudoers.d/agent-shell-$OWNER")" = "440 root root" ]
	run runuser -u "$OWNER" -- sudo -n -u "$OWNER-agent" -- /usr/bin/id
	assert_failure 1
	assert_output --partial 'a password is required'
	run runuser -u "$OWNER" -- sudo -n -u root -- "$SANDBOX" --session "$OWNER" -C "$(proj)" -- /usr/bin/id
	assert_failure 1
	refute_output --partial 'uid=0'
	# The policy comes from the registry and the profile alone.
	run runuser -u "$OWNER" -- sudo -n -u "$OWNER-agent" -- "$SANDBOX" --session "$OWNER" -C "$(proj)" \
		--test-ablate seccomp -- /bin/true
	assert_failure 2
	assert_output --partial -- '--session takes only -p, -C and --explain'
	run runuser -u "$OWNER" -- sudo -n -u "$OWNER-agent" -- "$SANDBOX" --session "$OWNER" -C "$(proj)" \
		-w / -- /bin/true
	assert_failure 2
}

@test "the owner's ssh key and world-readable .netrc are unreadable" {
	as_owner "$OWNER" "$(proj)" "$SH" -- "$PROBE" read "/home/$OWNER/.ssh/id_rsa"
	assert_output EACCES
	as_owner "$OWNER" "$(proj)" "$SH" -- "$PROBE" read "/home/$OWNER/.netrc"
	assert_output EACCES
}

@test "writes outside the project and the agent's home fail" {
	as_owner "$OWNER" "$(proj)" "$SH" -- "$PROBE" create "/home/$OWNER/planted"
	assert_output EACCES
	as_owner "$OWNER" "$(proj)" "$SH" -- "$PROBE" create "/var/tmp/asl-planted-$$"
	assert_output EACCES
	as_owner "$OWNER" "$(proj)" "$SH" -- "$PROBE" create "$(proj)/agent-made"
	assert_output ok
	as_owner "$OWNER" "$(proj)" "$SH" -- "$PROBE" create "/home/$OWNER-agent/agent-home-file"
	assert_output ok
	[ ! -e "/home/$OWNER/planted" ]
}

@test "the owner can edit what the agent created" {
	as_owner "$OWNER" "$(proj)" "$SH" -- /bin/sh -c 'echo by-agent > shared.txt'
	assert_success
	run runuser -u "$OWNER" -- /bin/sh -c "echo by-owner >> '$(proj)/shared.txt' && cat '$(proj)/shared.txt'"
	assert_success
	assert_output "by-agent
by-owner"
}

@test "signals and ptrace to the owner's processes fail" {
	runuser -u "$OWNER" -- sleep 60 </dev/null >/dev/null 2>&1 &
	local pid=$!
	sleep 0.2
	local target
	target=$(pgrep -u "$OWNER" -n sleep)
	# The helper's session has its own PID namespace: the owner's process
	# has no pid there.  The sudo path has none; the uid refuses it.
	as_owner "$OWNER" "$(proj)" "$SH" -- "$PROBE" kill "$target"
	if [ "$SWITCH" = helper ]; then
		assert_output ESRCH
	else
		assert_output EPERM
	fi
	as_owner "$OWNER" "$(proj)" "$SH" -- "$PROBE" ptrace "$target"
	assert_output EPERM
	kill "$target" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

@test "TIOCSTI into the terminal fails" {
	as_owner "$OWNER" "$(proj)" "$SH" -- "$PROBE" tiocsti
	assert_output EPERM
}

@test "su and sudo give nothing" {
	as_owner "$OWNER" "$(proj)" "$SH" -- /bin/sh -c 'su -c id root </dev/null; echo "su=$?"'
	assert_output --partial "su=1"
	refute_output --partial "uid=0"
	if [ -x /usr/bin/sudo ]; then
		as_owner "$OWNER" "$(proj)" "$SH" -- /usr/bin/sudo -n true
		assert_failure
	fi
}

@test "an interactive session works on a pseudo-terminal" {
	# script's shell would drop as_caller's euid 0 (see below): enter inside it.
	run env -C "$(proj)" -i HOME="/home/$OWNER" PATH=/usr/bin:/bin TERM=xterm \
		script -qec "$(as_caller_cmd "$OWNER") $SH -- /bin/sh -c 'stty raw -echo && stty sane && tty && echo TTY-OK'" /dev/null
	assert_success
	assert_output --partial 'TTY-OK'
	assert_output --partial '/dev/pts/'
}

@test "the session's terminal is a new one, not the caller's" {
	# Helper: its own pty; sudo: use_pty (the drop-in sets it).
	run env -C "$(proj)" -i HOME="/home/$OWNER" PATH=/usr/bin:/bin TERM=xterm \
		script -qec "tty; $(as_caller_cmd "$OWNER") $SH -- /usr/bin/tty" /dev/null
	assert_success
	# The caller's, then the session's (script's terminal adds CRs and
	# may echo its end of input).
	local ttys
	ttys=$(printf '%s\n' "$output" | grep -o '/dev/pts/[0-9]*')
	[ "$(wc -l <<<"$ttys")" -eq 2 ]
	[ "$(sort -u <<<"$ttys" | wc -l)" -eq 2 ]
}

@test "the session environment is the agent's, with nothing of the owner's" {
	run as_caller "$OWNER" env -C "$(proj)" -i HOME="/home/$OWNER" PATH=/usr/bin:/bin TERM=xterm \
		SSH_AUTH_SOCK=/tmp/ssh-x/agent.1 DISPLAY=:0 XDG_RUNTIME_DIR=/run/user/1 \
		DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1/bus LD_PRELOAD=/tmp/evil.so \
		GCONV_PATH=/tmp GLIBC_TUNABLES=glibc.malloc.check=3 BASH_ENV=/tmp/evil.sh PYTHONPATH=/tmp \
		NODE_OPTIONS=--require=/tmp/x.js LD_AUDIT=/tmp/evil.so LD_LIBRARY_PATH=/tmp LOCPATH=/tmp \
		IFS=/ PS4='$(touch /tmp/evil)' ENV=/tmp/evil.sh 'BASH_FUNC_id%%=() { echo evil; }' \
		TERM=../../tmp/evil LANG='C.UTF-8/../../tmp' "$SH" -- /usr/bin/env
	assert_success
	assert_line "HOME=/home/$OWNER-agent"
	assert_line "USER=$OWNER-agent"
	assert_line "LOGNAME=$OWNER-agent"
	assert_line "SHELL=/bin/bash"
	assert_line --regexp '^PATH=/'
	for v in SSH_AUTH_SOCK DISPLAY XDG_RUNTIME_DIR DBUS_SESSION_BUS_ADDRESS LD_PRELOAD GCONV_PATH \
		GLIBC_TUNABLES BASH_ENV PYTHONPATH NODE_OPTIONS LD_AUDIT LD_LIBRARY_PATH LOCPATH IFS PS4 \
		ENV 'BASH_FUNC_id%%'; do
		refute_line --regexp "^$v="
	done
	# Values that could point terminfo or locale loading at a file.
	refute_line --regexp '^[A-Za-z_]+=.*tmp/evil'
	refute_line --regexp '^LANG='
	# (sudo puts TERM=unknown in place of a TERM it drops.)
	refute_line --regexp '^TERM=[^u]'

}

@test "hostile: argc == 0 is refused with no session" {
	helper_only
	run as_caller "$OWNER" "$PROBE" exec-argc0 "$HELPER"
	assert_failure 2
	assert_output 'agent-shell: refusing to run with an empty argument vector'
}

@test "hostile: BASH_ENV and ENV in the caller's environment run nothing" {
	printf 'echo PLANTED\n' >/tmp/asl-evil-$$.sh
	chmod 0644 /tmp/asl-evil-$$.sh
	run as_caller "$OWNER" env -C "$(proj)" BASH_ENV=/tmp/asl-evil-$$.sh ENV=/tmp/asl-evil-$$.sh \
		"$SH" -- /bin/bash -c 'echo clean'
	rm -f /tmp/asl-evil-$$.sh
	assert_success
	assert_output clean
}

@test "hostile: closed fds 0-2 still give a working session" {
	# -p: sh and bash drop an euid that is not the real uid, which
	# as_caller's setpriv mode needs kept; as the owner it changes nothing.
	run as_caller "$OWNER" /bin/sh -pc "cd '$(proj)' && '$SH' -- /bin/sh -c 'echo ran > fd-test' <&- >&- 2>&-; echo status=\$?"
	assert_output status=0
	[ "$(cat "$(proj)/fd-test")" = ran ]
}

@test "hostile: an fd to a secret opened by the caller does not reach the session" {
	run as_caller "$OWNER" /bin/bash -pc "cd '$(proj)' && exec 7</home/$OWNER/.ssh/id_rsa && '$SH' -- /bin/sh -c 'cat <&7'"
	assert_failure
	refute_output --partial 'PRIVATE KEY'
	assert_output --partial 'Bad file descriptor'
}

@test "hostile: a command beginning with '-' is a command, not an option" {
	run -127 as_caller "$OWNER" env -C "$(proj)" -i PATH=/usr/bin:/bin "$SH" -- -p
	assert_output --partial -- '-p: command not found'
}

@test "hostile: project paths with .., symlinks and control characters" {
	local odd
	odd="$(proj)/$(printf 'a\nb\033[2Jc')"
	as_owner "$OWNER" "$(proj)" "$SH" -C "$(proj)/../proj" -- /bin/pwd
	assert_success
	assert_output "$(proj)"
	ln -s /etc "/home/$OWNER/src/proj/etc-link"
	as_owner "$OWNER" "$(proj)" "$SH" -C "$(proj)/etc-link" -- /bin/pwd
	rm -f "/home/$OWNER/src/proj/etc-link"
	assert_failure 1
	assert_output --partial '/etc is not inside a project granted'
	install -d -o "$OWNER" -g "$OWNER" "$odd"
	as_owner "$OWNER" "$(proj)" "$SH" -C "$odd" -- /bin/true
	rmdir "$odd"
	assert_failure 1
	assert_output --partial 'project path contains control characters'
	if [ "$SWITCH" = helper ]; then
		run as_caller "$OWNER" "$HELPER" -C "$(printf '/tmp/a\nb')" -- /bin/true
		assert_failure 1
		assert_output --partial 'control characters'
	fi
}

@test "hostile: a group-writable registry is not trusted" {
	chmod 0664 "$REGDIR/$OWNER.conf"
	as_owner "$OWNER" "$(proj)" "$SH" -- /bin/true
	chmod 0644 "$REGDIR/$OWNER.conf"
	assert_failure 1
	assert_output --partial "$OWNER.conf: writable by group or others"
}

@test "hostile: a registry or profile not owned by root is not trusted" {
	chown "$OWNER" "$REGDIR/$OWNER.conf"
	as_owner "$OWNER" "$(proj)" "$SH" -- /bin/true
	chown root "$REGDIR/$OWNER.conf"
	assert_failure 1
	assert_output --partial "$OWNER.conf: not owned by root"
	local pdir="$AS_SYSCONFDIR/agent-shell/profiles"
	install -d -m 0755 "$pdir"
	printf '[profile]\ninclude = default\n[filesystem]\nwrite = /\n' >"$pdir/asl-evil-$$.profile"
	chown "$OWNER" "$pdir/asl-evil-$$.profile"
	as_owner "$OWNER" "$(proj)" "$SH" -p "asl-evil-$$" -- /bin/true
	assert_failure 1
	assert_output --partial "asl-evil-$$.profile: not owned by root"
	chown root "$pdir/asl-evil-$$.profile"
	chmod 0664 "$pdir/asl-evil-$$.profile"
	as_owner "$OWNER" "$(proj)" "$SH" -p "asl-evil-$$" -- /bin/true
	rm -f "$pdir/asl-evil-$$.profile"
	assert_failure 1
	assert_output --partial "asl-evil-$$.profile: writable by group or others"
}

# A site profile with rules under @home, a world-readable tree outside
# every rule (owned by another user), and the agent planting a symlink in
# its own home from inside a session, as an agent would.
links_setup() {
	local pdir="$AS_SYSCONFDIR/agent-shell/profiles"
	install -d -m 0755 "$pdir"
	{ printf '[profile]\ninclude = default\n[filesystem]\n'; printf '%s\n' "$@"; } >"$pdir/$P-links.profile"
	chmod 0644 "$pdir/$P-links.profile"
	install -d -o "$OTHER" -g "$OTHER" -m 0755 "/opt/$P-land" "/opt/$P-land/tool"
	echo "outside every rule" >"/opt/$P-land/tool/secret"
	chmod 0644 "/opt/$P-land/tool/secret"
}

plant() {
	as_owner "$OWNER" "$(proj)" "$SH" -- /bin/ln -sfn "$1" "/home/$OWNER-agent/$2"
	assert_success
}

@test "hostile: a symlink the agent plants at ?@home/.npm-global -> / cannot widen the next session" {
	links_setup 'exec = ?@home/.npm-global'
	# Without the link the rule is simply absent; the tree is out of reach.
	as_owner "$OWNER" "$(proj)" "$SH" -p "$P-links" -- "$PROBE" read "/opt/$P-land/tool/secret"
	assert_output EACCES
	plant / .npm-global
	as_owner "$OWNER" "$(proj)" "$SH" -p "$P-links" -- "$PROBE" read "/opt/$P-land/tool/secret"
	assert_line EACCES
	assert_line --regexp "warning: landlock rule /home/$OWNER-agent/.npm-global \(from .*$P-links.profile:4\) skipped: a symbolic link in the path \(rules under a variable never follow one\)\$"
}

@test "hostile: a planted symlink to another user's directory, or in a middle component, is not followed" {
	links_setup 'exec = ?@home/.npm-global' 'read = ?@home/.config-link/tool'
	plant "/opt/$P-land" .npm-global
	plant "/opt/$P-land" .config-link
	as_owner "$OWNER" "$(proj)" "$SH" -p "$P-links" -- "$PROBE" read "/opt/$P-land/tool/secret"
	assert_line EACCES
	assert_line --partial "landlock rule /home/$OWNER-agent/.npm-global (from "
	assert_line --partial "landlock rule /home/$OWNER-agent/.config-link/tool (from "
}

@test "hostile: a mandatory rule under @home that is a symlink, or leaves @home with '..', refuses the session" {
	links_setup 'exec = @home/.npm-global'
	plant / .npm-global
	as_owner "$OWNER" "$(proj)" "$SH" -p "$P-links" -- /bin/true
	assert_failure 1
	assert_output --regexp "/home/$OWNER-agent/.npm-global \(.*$P-links.profile:4, under @home\): refused: a symbolic link in the path"
	links_setup 'read = @home/../../opt'
	as_owner "$OWNER" "$(proj)" "$SH" -p "$P-links" -- /bin/true
	assert_failure 1
	assert_output --partial "under @home): refused: the path leaves its base ('..')"
}

@test "--explain prints where each rule under a variable resolves, and a planted symlink's fate" {
	links_setup 'read = ?@project/link'
	ln -s "/opt/$P-land" "$(proj)/link"
	chown -h "$OWNER:" "$(proj)/link"
	as_owner "$OWNER" "$(proj)" "$SH" -p "$P-links" --explain
	rm -f "$(proj)/link"
	assert_success
	assert_line --regexp "^landlock: allow rwx $(proj) \\(from .*\\) -> $(proj) \\(beneath @project, no symlinks\\)\$"
	assert_line --regexp "^landlock: allow ro $(proj)/link \\(from .*$P-links.profile:4\\) -> skipped: a symbolic link in the path"
	assert_line --regexp "^landlock: allow rw /home/$OWNER-agent \\(from .*\\) -> /home/$OWNER-agent \\(beneath @home, no symlinks\\)\$"
}

@test "hostile: -C is resolved with the caller's rights, so it probes nothing only root can see" {
	helper_only
	local d private="/opt/$P-private"
	# As root, realpath would tell "is not inside a project" (it exists)
	# from "No such file", and name where another user's process sits.
	install -d -m 0700 "$private" "$private/inner"
	# A root process sitting in the private directory: its /proc link is a
	# ptrace check, which CAP_SYS_PTRACE alone would pass.
	(cd "$private/inner" && exec sleep 60) &
	local sleeper=$!
	for d in "$private/inner" "$private/no-such" /proc/1/cwd /proc/1/root/etc \
		"/proc/$sleeper/cwd" "/proc/$sleeper/root/etc"; do
		run as_caller "$OWNER" env -C "$(proj)" "$HELPER" -C "$d" -- /bin/true
		[ "$output" = "agent-shell: $d: Permission denied" ] ||
			{ kill "$sleeper"; rm -rf "$private"; echo "$d: $output"; return 1; }
		[ "$status" -eq 1 ] || { kill "$sleeper"; rm -rf "$private"; return 1; }
	done
	kill "$sleeper"
	rm -rf "$private"
	# What the caller may see still resolves (and is then checked).
	run as_caller "$OWNER" env -C "$(proj)" "$HELPER" -C "/home/$OWNER" -- /bin/true
	assert_failure 1
	assert_output "agent-shell: /home/$OWNER is not inside a project granted to $OWNER-agent (see agent-admin list)"
	run as_caller "$OWNER" env -C "$(proj)" "$HELPER" -C "$(proj)/." -- /usr/bin/id -un
	assert_success
	assert_output "$OWNER-agent"
}

@test "hostile: an agent put back into a privileged group after add is refused at session start" {
	usermod -aG adm "$OWNER-agent"
	as_owner "$OWNER" "$(proj)" "$SH" -- /bin/true
	gpasswd -d "$OWNER-agent" adm >/dev/null
	assert_failure 1
	assert_output "agent-shell: agent account $OWNER-agent is in the privileged group adm; an admin runs: agent-admin add $OWNER (which takes it out)"
	as_owner "$OWNER" "$(proj)" "$SH" -- /bin/true
	assert_success
}

@test "hostile: a registry or profile in a directory others can write is not trusted" {
	local pdir="$AS_SYSCONFDIR/agent-shell/profiles"
	chmod 0775 "$REGDIR"
	as_owner "$OWNER" "$(proj)" "$SH" -- /bin/true
	chmod 0755 "$REGDIR"
	assert_failure 1
	assert_output "agent-shell: $REGDIR/$OWNER.conf: its directory is writable by group or others (mode 0775); refusing to trust it"
	chmod 0757 "$AS_SYSCONFDIR/agent-shell"
	as_owner "$OWNER" "$(proj)" "$SH" -- /bin/true
	chmod 0755 "$AS_SYSCONFDIR/agent-shell"
	assert_failure 1
	assert_output "agent-shell: $AS_SYSCONFDIR/agent-shell/agent-shell.conf: its directory is writable by group or others (mode 0757); refusing to trust it"
	install -d -m 0755 "$pdir"
	chmod 1777 "$pdir"
	as_owner "$OWNER" "$(proj)" "$SH" -p default -- /bin/true
	chmod 0755 "$pdir"
	assert_failure 1
	assert_output --partial "$pdir/default.profile: its directory is writable by group or others (mode 1777); refusing to trust it"
}

@test "hostile: a target that is not the caller's agent cannot be reached" {
	if [ "$SWITCH" = sudo ]; then
		run runuser -u "$OWNER" -- sudo -n -u "$OTHER-agent" -- "$SANDBOX" --session "$OTHER" -C "/home/$OTHER/src/proj" -- /usr/bin/id
		assert_failure 1
		assert_output --partial 'a password is required'
		# Even as its own agent, naming another owner leads nowhere.
		run runuser -u "$OWNER" -- sudo -n -u "$OWNER-agent" -- "$SANDBOX" --session "$OTHER" -C "$(proj)" -- /usr/bin/id
		assert_failure 1
		return 0
	fi
	# The helper takes no target at all: the agent comes from the
	# caller's own registry entry, found by uid.
	run as_caller "$OWNER" "$HELPER" -u root -C "$(proj)" -- /bin/true
	assert_failure 2
	run as_caller "$OTHER" "$HELPER" -C "$(proj)" -- /usr/bin/id -un
	assert_failure 1
	refute_output --partial "$OWNER-agent"
}

@test "hostile: tiny rlimits fail cleanly or are harmless" {
	# With 3 fds the dynamic loader itself stops, before any of our code:
	# one line, no session.
	if [ "$SWITCH" = helper ]; then
		run -127 as_caller "$OWNER" env -C "$(proj)" prlimit --nofile=3 "$HELPER" -C "$(proj)" -- /bin/sh -c 'echo ran > nofile-test'
		[ "${#lines[@]}" -eq 1 ]
	fi
	[ ! -e "$(proj)/nofile-test" ]
	# No processes allowed: either the profile's own limits replace the
	# caller's and the session runs, or it ends with a short error.
	as_owner "$OWNER" "$(proj)" prlimit --nproc=0 "$SH" -- /bin/sh -c 'echo ran > nproc-test'
	if [ "$status" -eq 0 ]; then
		[ "$(cat "$(proj)/nproc-test")" = ran ]
	else
		# (LeakSanitizer's check needs a new thread, which the
		# sanitizer build then cannot make: its report is longer.)
		# sudo says it in up to four lines of its own.
		[ -n "${AS_NOSUID_HELPER:-}" ] || [ "${#lines[@]}" -le 4 ]
		[ ! -e "$(proj)/nproc-test" ]
	fi
	as_owner "$OWNER" "$(proj)" prlimit --fsize=0 "$SH" -- /bin/sh -c 'echo ok'
	assert_success
	assert_output ok
}

@test "an admin-pinned profile list refuses any other profile, in one line naming the allowed ones" {
	"$ADM" set "$OWNER" --profiles offline,strict >/dev/null
	as_owner "$OWNER" "$(proj)" "$SH" -p default -- /bin/true
	assert_failure 1
	assert_output "agent-shell: profile 'default' is not allowed for $OWNER-agent (the admin allows: offline, strict)"
	as_owner "$OWNER" "$(proj)" "$SH" -p claude-code -- /bin/true
	assert_failure 1
	assert_output "agent-shell: profile 'claude-code' is not allowed for $OWNER-agent (the admin allows: offline, strict)"
}

@test "under a pin, a pinned profile runs, and so does a plain agent-shell (the default moved into the pin)" {
	"$ADM" set "$OWNER" --profiles offline,strict >/dev/null
	as_owner "$OWNER" "$(proj)" "$SH" -p strict -- /usr/bin/id -un
	assert_success
	assert_output "$OWNER-agent"
	as_owner "$OWNER" "$(proj)" "$SH" -- "$PROBE" connect 443
	assert_output EPERM
}

@test "--explain lists the pinned profiles, and refuses one outside them" {
	as_owner "$OWNER" "$(proj)" "$SH" --explain
	assert_success
	assert_line "session: profiles allowed by the admin: any (not pinned)"
	"$ADM" set "$OWNER" --profiles offline,strict >/dev/null
	as_owner "$OWNER" "$(proj)" "$SH" --explain
	assert_success
	assert_line "session: profile offline"
	assert_line "session: profiles allowed by the admin: offline, strict"
	as_owner "$OWNER" "$(proj)" "$SH" -p default --explain
	assert_failure 1
	assert_output "agent-shell: profile 'default' is not allowed for $OWNER-agent (the admin allows: offline, strict)"
}

@test "hostile: the privileged side refuses a profile outside the pin without agent-shell's check" {
	"$ADM" set "$OWNER" --profiles strict >/dev/null
	if [ "$SWITCH" = helper ]; then
		run as_caller "$OWNER" env -C "$(proj)" "$HELPER" -C "$(proj)" -p default -- /bin/true
		assert_failure 1
		assert_output "agent-shell: profile 'default' is not allowed for $OWNER-agent (the admin allows: strict)"
	else
		run runuser -u "$OWNER" -- sudo -n -u "$OWNER-agent" -- "$SANDBOX" --session "$OWNER" -C "$(proj)" \
			-p default -- /bin/true
		assert_failure 1
		assert_output "agent-sandbox: profile 'default' is not allowed for $OWNER-agent (the admin allows: strict)"
	fi
}

# The privileged side alone, without agent-shell's own resolve: the helper,
# or on the sudo path sudo and agent-sandbox --session.
privileged_side() {
	if [ "$SWITCH" = helper ]; then
		run as_caller "$OWNER" env -C "$(proj)" "$HELPER" -C "$(proj)" "$@"
	else
		run runuser -u "$OWNER" -- sudo -n -u "$OWNER-agent" -- "$SANDBOX" --session "$OWNER" \
			-C "$(proj)" "$@"
	fi
}

@test "the profile is parsed as the agent: one only root can read is refused and nothing runs" {
	local pdir="$AS_SYSCONFDIR/agent-shell/profiles" who=agent-shell
	[ "$SWITCH" = helper ] || who=agent-sandbox
	install -d -m 0755 "$pdir"
	printf '[profile]\ninclude = default\n' >"$pdir/$P-rootonly.profile"
	chmod 0600 "$pdir/$P-rootonly.profile"
	privileged_side -p "$P-rootonly" -- /bin/sh -c 'echo ran >ran-rootonly'
	assert_failure 1
	assert_output "$who: $pdir/$P-rootonly.profile: Permission denied"
	[ ! -e "$(proj)/ran-rootonly" ]
	# The same file readable by all: the session runs.
	chmod 0644 "$pdir/$P-rootonly.profile"
	privileged_side -p "$P-rootonly" -- /usr/bin/id -un
	assert_success
	assert_output "$OWNER-agent"
}

@test "the profile is parsed as the agent: an include only root can read is refused" {
	local pdir="$AS_SYSCONFDIR/agent-shell/profiles" who=agent-shell
	[ "$SWITCH" = helper ] || who=agent-sandbox
	install -d -m 0755 "$pdir"
	printf '[profile]\ninclude = default\n' >"$pdir/$P-rootonly.profile"
	chmod 0600 "$pdir/$P-rootonly.profile"
	printf '[profile]\ninclude = %s\n' "$P-rootonly" >"$pdir/$P-inc.profile"
	chmod 0644 "$pdir/$P-inc.profile"
	privileged_side -p "$P-inc" -- /bin/sh -c 'echo ran >ran-inc'
	assert_failure 1
	assert_output --regexp "^$who: .*$P-rootonly.profile: Permission denied\$"
	[ "${#lines[@]}" -eq 1 ]
	[ ! -e "$(proj)/ran-inc" ]
}

@test "a profile the agent cannot read is refused through agent-shell too, and the helper logs it" {
	local pdir="$AS_SYSCONFDIR/agent-shell/profiles"
	install -d -m 0755 "$pdir"
	printf '[profile]\ninclude = default\n' >"$pdir/$P-rootonly.profile"
	chmod 0600 "$pdir/$P-rootonly.profile"
	syslog_start
	# shellcheck disable=SC2046 # the words of the caller's command line, split on purpose
	run "${SYSLOG_RUN[@]}" $(as_caller_cmd "$OWNER") env -C "$(proj)" "$SH" -p "$P-rootonly" -- /bin/true
	assert_failure 1
	assert_output "agent-shell: $pdir/$P-rootonly.profile: Permission denied"
	if [ "$SWITCH" = helper ]; then
		syslog_wait_for "refused: owner=$OWNER agent=$OWNER-agent: $pdir/$P-rootonly.profile: Permission denied"
	fi
	syslog_stop
}

@test "a command outside the exec rules is refused at exec with 126 and a hint, on both paths" {
	local pdir="$AS_SYSCONFDIR/agent-shell/profiles" who=agent-shell
	[ "$SWITCH" = helper ] || who=agent-sandbox
	install -d -m 0755 "$pdir"
	printf '[profile]\ninclude = base\n[filesystem]\nread = @project\n' >"$pdir/$P-noexec.profile"
	chmod 0644 "$pdir/$P-noexec.profile"
	install -m 0755 -o "$OWNER" -g "$OWNER" /bin/true "$(proj)/mytrue"
	privileged_side -p "$P-noexec" -- "$(proj)/mytrue"
	assert_failure 126
	assert_output "$who: $(proj)/mytrue: Permission denied (is it beneath an exec rule? see --explain)"
}

@test "--explain shows the session and every layer without switching" {
	as_owner "$OWNER" "$(proj)" "$SH" --explain
	assert_success
	assert_line "session: agent $OWNER-agent (uid $(id -u "$OWNER-agent"), home /home/$OWNER-agent, shell /bin/bash)"
	assert_line "session: project $(proj)"
	if [ "$SWITCH" = sudo ]; then
		assert_line --partial "session: switch by sudo -u $OWNER-agent"
		assert_line --partial "session: not on the sudo path"
	else
		assert_line --partial "session: switch by $HELPER (PAM service agent-shell"
	fi
	assert_line --regexp '^landlock: allow rwx? '"$(proj)"
	assert_line --regexp '^seccomp: '
	assert_line "command: login shell /bin/bash"
}

@test "a read-only grant is read-only in Landlock too, whatever the profile" {
	local docs="/home/$OWNER/src/docs"
	as_owner "$OWNER" "$docs" "$SH" --explain
	assert_success
	assert_line "session: project $docs (read-only grant)"
	assert_line --regexp "^landlock: allow rx $docs "
	as_owner "$OWNER" "$docs" "$SH" -- "$PROBE" create "$docs/agent-made"
	assert_output EACCES
}

@test "hostile: a 128 KiB argument arrives intact; 1 MiB stops at the kernel" {
	local big
	big=$(head -c $((128 * 1024 - 1)) /dev/zero | tr '\0' x)
	as_owner "$OWNER" "$(proj)" "$SH" -- /bin/sh -c 'printf %s "$1" | wc -c' sh "$big"
	assert_success
	assert_output $((128 * 1024 - 1))
	# One string over MAX_ARG_STRLEN (32 pages): execve refuses it before
	# agent-shell or the helper runs at all.
	big=$(head -c $((1024 * 1024)) /dev/zero | tr '\0' x)
	run as_caller "$OWNER" /bin/bash -pc 'cd "$1" && exec "$2" -- /bin/true "$3"' sh "$(proj)" "$SH" "$big"
	assert_failure 126
	assert_output --partial 'Argument list too long'
}

@test "hostile: a near-ARG_MAX environment is dropped, not passed on" {
	# 1.8 MiB of variables, and an oversized TERM.
	run as_caller "$OWNER" /usr/bin/python3 -c '
import os, sys
env = {"PATH": "/usr/bin:/bin", "HOME": sys.argv[3], "TERM": "x" * 100000}
for i in range(1800):
    env["JUNK%d" % i] = "y" * 1000
os.chdir(sys.argv[1])
os.execve(sys.argv[2], [sys.argv[2], "--", "/bin/sh", "-c", "env | wc -l; env | grep -c JUNK; echo TERM=${TERM-unset}"], env)
' "$(proj)" "$SH" "/home/$OWNER"
	assert_success
	assert_line --index 1 0
	assert_line --index 2 TERM=unset
	[ "${lines[0]}" -lt 20 ]
}

@test "hostile: SIGSTOP during PAM only delays; SIGKILL leaves no session behind" {
	helper_only
	cp -p "$PAMFILE" "$PAMFILE.asl-save"
	# A slow PAM stack: the owner's signals arrive while the helper is in it.
	sed -i '0,/^auth /s//auth     required  pam_exec.so quiet \/bin\/sleep 1.5\nauth /' "$PAMFILE"
	# setpriv execs (runuser would stay as a parent and stop along).
	local as_owner_exec=(setpriv --reuid="$OWNER" --regid="$OWNER" --init-groups --reset-env)
	if [ -n "${AS_NOSUID_HELPER:-}" ]; then
		as_owner_exec=(setpriv --ruid="$OWNER" --regid="$(id -g "$OWNER")" --init-groups --reset-env)
	fi
	(cd "$(proj)" && exec "${as_owner_exec[@]}" "$SH" -- /bin/sh -c 'echo ran > stop-test') </dev/null >/dev/null 2>&1 &
	local bg=$! pid
	sleep 0.5
	pid=$(pgrep -u root -f -n "agent-shell-helper -C $(proj)")
	[ "$pid" = "$bg" ]
	runuser -u "$OWNER" -- kill -STOP "$pid"
	sleep 0.3
	[ "$(ps -o stat= -p "$pid" | cut -c1)" = T ]
	runuser -u "$OWNER" -- kill -CONT "$pid"
	wait "$bg"
	[ "$(cat "$(proj)/stop-test")" = ran ]

	(cd "$(proj)" && exec "${as_owner_exec[@]}" "$SH" -- /bin/sh -c 'echo ran > kill-test') </dev/null >/dev/null 2>&1 &
	bg=$!
	sleep 0.5
	pid=$(pgrep -u root -f -n "agent-shell-helper -C $(proj)")
	runuser -u "$OWNER" -- kill -KILL "$pid"
	wait "$bg" || true
	sleep 1.5
	mv "$PAMFILE.asl-save" "$PAMFILE"
	[ ! -e "$(proj)/kill-test" ]
	run pgrep -u "$OWNER-agent"
	assert_failure 1
	# And the next session starts as usual.
	as_owner "$OWNER" "$(proj)" "$SH" -- /usr/bin/id -un
	assert_success
	assert_output "$OWNER-agent"
}

@test "sessions are logged: start and end with owner, agent, project, profile, pid, result" {
	syslog_start
	# shellcheck disable=SC2046 # the words of the caller's command line, split on purpose
	run "${SYSLOG_RUN[@]}" $(as_caller_cmd "$OWNER") env -C "$(proj)" "$SH" -- /bin/sh -c 'exit 4'
	assert_failure 4
	syslog_wait_for "session start: owner=$OWNER agent=$OWNER-agent project=$(proj) profile=default pid="
	if [ "$SWITCH" = helper ]; then
		syslog_wait_for "session end: owner=$OWNER agent=$OWNER-agent project=$(proj) profile=default pid=[0-9]* result=4"
		# authpriv.info: <86>
		grep -q '^<86>.*agent-shell\[[0-9]*\]: session start' "$SYSLOG_OUT"
	else
		grep -q 'switch=sudo' "$SYSLOG_OUT"
	fi
	syslog_stop
}

@test "refusals and PAM denials are logged, control characters escaped" {
	helper_only
	local odd
	odd="$(proj)/$(printf 'x\033[31my')"
	install -d -o "$OWNER" -g "$OWNER" "$odd"
	syslog_start
	# shellcheck disable=SC2046 # the words of the caller's command line, split on purpose
	run "${SYSLOG_RUN[@]}" $(as_caller_cmd "$OWNER") "$HELPER" -C "$odd" -- /bin/true
	rmdir "$odd"
	assert_failure 1
	syslog_wait_for "refused: uid=$(id -u "$OWNER"): .*: project path contains control characters"
	run grep -c $'\033' "$SYSLOG_OUT"
	assert_output 0
	# A PAM stack that says no.
	cp -p "$PAMFILE" "$PAMFILE.asl-save"
	sed -i '0,/^auth /s//auth     requisite pam_deny.so\nauth /' "$PAMFILE"
	# shellcheck disable=SC2046 # the words of the caller's command line, split on purpose
	run "${SYSLOG_RUN[@]}" $(as_caller_cmd "$OWNER") env -C "$(proj)" "$SH" -- /bin/true
	mv "$PAMFILE.asl-save" "$PAMFILE"
	assert_failure 1
	assert_output --partial 'authentication: Authentication failure (PAM service agent-shell)'
	syslog_wait_for "denied: owner=$OWNER agent=$OWNER-agent: authentication: Authentication failure"
	syslog_stop
}
