#!/usr/bin/env bats
# agent-shell end to end (suite 'root'): the really installed setuid helper,
# real PAM (the installed service file and pam_agent_shell.so), real
# accounts made by agent-admin, every layer on.  Needs the scratch install
# of tests/run.sh (AS_PREFIX); skips with a message without it.
#
# Accounts start with a prefix unique to the run ("asl" + pid) and are
# deleted in teardown_file.

bats_require_minimum_version 1.5.0

load common

setup_file() {
	# bats 1.8 cannot skip from setup_file: mark it, and skip each test.
	if [ -z "${AS_PREFIX:-}" ] || [ ! -u "$AS_PREFIX/libexec/agent-shell/agent-shell-helper" ]; then
		export AS_LOGIN_SKIP="needs the setuid install of tests/run.sh (AS_PREFIX)"
		return 0
	fi
	ADM="$AS_PREFIX/sbin/agent-admin"
	SH="$AS_PREFIX/bin/agent-shell"
	HELPER="$AS_PREFIX/libexec/agent-shell/agent-shell-helper"
	REGDIR="$AS_SYSCONFDIR/agent-shell/agents.d"
	P="asl$$"
	OWNER=${P}a OTHER=${P}b OUTSIDER=${P}c
	for u in "$OWNER" "$OTHER" "$OUTSIDER"; do
		useradd --create-home --shell /bin/bash --comment "agent-shell test" "$u"
		chmod 0700 "/home/$u"
	done
	for u in "$OWNER" "$OTHER"; do
		install -d -o "$u" -g "$u" -m 0755 "/home/$u/src" "/home/$u/src/proj"
		echo "project file" >"/home/$u/src/proj/README"
		chown "$u:" "/home/$u/src/proj/README"
		"$ADM" add "$u" >/dev/null
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
	install -m 0755 "$AS_PROBE" /tmp/asl-probe-$$
	PROBE=/tmp/asl-probe-$$
	export ADM SH HELPER REGDIR P OWNER OTHER OUTSIDER PROBE
}

setup() {
	if [ -n "${AS_LOGIN_SKIP:-}" ]; then
		skip "$AS_LOGIN_SKIP"
	fi
}

teardown_file() {
	if [ -z "${P:-}" ]; then
		return 0
	fi
	for u in "$OWNER" "$OTHER"; do "$ADM" remove "$u" >/dev/null 2>&1 || true; done
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
	run runuser -u "$user" -- env -C "$dir" -i HOME="/home/$user" USER="$user" \
		PATH=/usr/local/bin:/usr/bin:/bin TERM=xterm LANG=C.UTF-8 "$@"
}

proj() { echo "/home/$OWNER/src/proj"; }

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
	assert_line --regexp '^CapBnd:[[:space:]]+0000000000000000$'
	assert_line --regexp '^CapEff:[[:space:]]+0000000000000000$'
	assert_line --regexp '^NoNewPrivs:[[:space:]]+1$'
	assert_line --regexp '^Seccomp:[[:space:]]+2$'
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
	run runuser -u "$OWNER" -- env -C "$(proj)" -i HOME="/home/$OWNER" PATH=/usr/bin:/bin \
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
	as_owner "$OUTSIDER" /tmp "$SH" -C /tmp -- /bin/true
	assert_failure 1
	assert_output --partial "Permission denied (only members of agent-shell-users may use it"
	run runuser -u "$OUTSIDER" -- "$HELPER" -C /tmp
	assert_failure
	assert_output --partial 'Permission denied'
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
	as_owner "$OWNER" "$(proj)" "$SH" -- "$PROBE" kill "$target"
	assert_output EPERM
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
	run runuser -u "$OWNER" -- env -C "$(proj)" -i HOME="/home/$OWNER" PATH=/usr/bin:/bin TERM=xterm \
		script -qec "$SH -- /bin/sh -c 'stty raw -echo && stty sane && tty && echo TTY-OK'" /dev/null
	assert_success
	assert_output --partial 'TTY-OK'
	assert_output --partial '/dev/pts/'
}

@test "the session environment is the agent's, with nothing of the owner's" {
	run runuser -u "$OWNER" -- env -C "$(proj)" -i HOME="/home/$OWNER" PATH=/usr/bin:/bin TERM=xterm \
		SSH_AUTH_SOCK=/tmp/ssh-x/agent.1 DISPLAY=:0 XDG_RUNTIME_DIR=/run/user/1 \
		DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1/bus LD_PRELOAD=/tmp/evil.so \
		GCONV_PATH=/tmp GLIBC_TUNABLES=glibc.malloc.check=3 BASH_ENV=/tmp/evil.sh PYTHONPATH=/tmp \
		NODE_OPTIONS=--require=/tmp/x.js "$SH" -- /usr/bin/env
	assert_success
	assert_line "HOME=/home/$OWNER-agent"
	assert_line "USER=$OWNER-agent"
	assert_line "LOGNAME=$OWNER-agent"
	assert_line "SHELL=/bin/bash"
	assert_line --regexp '^PATH=/'
	assert_line "TERM=xterm"
	for v in SSH_AUTH_SOCK DISPLAY XDG_RUNTIME_DIR DBUS_SESSION_BUS_ADDRESS LD_PRELOAD GCONV_PATH \
		GLIBC_TUNABLES BASH_ENV PYTHONPATH NODE_OPTIONS; do
		refute_line --regexp "^$v="
	done
}

@test "hostile: argc == 0 is refused with no session" {
	run runuser -u "$OWNER" -- "$PROBE" exec-argc0 "$HELPER"
	assert_failure 2
	assert_output 'agent-shell: refusing to run with an empty argument vector'
}

@test "hostile: BASH_ENV and ENV in the caller's environment run nothing" {
	printf 'echo PLANTED\n' >/tmp/asl-evil-$$.sh
	chmod 0644 /tmp/asl-evil-$$.sh
	run runuser -u "$OWNER" -- env -C "$(proj)" BASH_ENV=/tmp/asl-evil-$$.sh ENV=/tmp/asl-evil-$$.sh \
		"$SH" -- /bin/bash -c 'echo clean'
	rm -f /tmp/asl-evil-$$.sh
	assert_success
	assert_output clean
}

@test "hostile: closed fds 0-2 still give a working session" {
	run runuser -u "$OWNER" -- /bin/sh -c "cd '$(proj)' && '$SH' -- /bin/sh -c 'echo ran > fd-test' <&- >&- 2>&-; echo status=\$?"
	assert_output status=0
	[ "$(cat "$(proj)/fd-test")" = ran ]
}

@test "hostile: an fd to a secret opened by the caller does not reach the session" {
	run runuser -u "$OWNER" -- /bin/bash -c "cd '$(proj)' && exec 7</home/$OWNER/.ssh/id_rsa && '$SH' -- /bin/sh -c 'cat <&7'"
	assert_failure
	refute_output --partial 'PRIVATE KEY'
	assert_output --partial 'Bad file descriptor'
}

@test "hostile: a command beginning with '-' is a command, not an option" {
	run -127 runuser -u "$OWNER" -- env -C "$(proj)" -i PATH=/usr/bin:/bin "$SH" -- -p
	assert_output --partial -- '-p: command not found'
}

@test "hostile: project paths with .., symlinks and control characters" {
	as_owner "$OWNER" "$(proj)" "$SH" -C "$(proj)/../proj" -- /bin/pwd
	assert_success
	assert_output "$(proj)"
	ln -s /etc "/home/$OWNER/src/proj/etc-link"
	as_owner "$OWNER" "$(proj)" "$SH" -C "$(proj)/etc-link" -- /bin/pwd
	rm -f "/home/$OWNER/src/proj/etc-link"
	assert_failure 1
	assert_output --partial '/etc is not inside a project granted'
	run runuser -u "$OWNER" -- "$HELPER" -C "$(printf '/tmp/a\nb')" -- /bin/true
	assert_failure 1
	assert_output --partial 'control characters'
}

@test "hostile: a group-writable registry is not trusted" {
	chmod 0664 "$REGDIR/$OWNER.conf"
	as_owner "$OWNER" "$(proj)" "$SH" -- /bin/true
	chmod 0644 "$REGDIR/$OWNER.conf"
	assert_failure 1
	assert_output --partial "$OWNER.conf: writable by group or others"
}

@test "hostile: a target that is not the caller's agent cannot be reached" {
	# The helper takes no target at all: the agent comes from the
	# caller's own registry entry, found by uid.
	run runuser -u "$OWNER" -- "$HELPER" -u root -C "$(proj)" -- /bin/true
	assert_failure 2
	run runuser -u "$OTHER" -- "$HELPER" -C "$(proj)" -- /usr/bin/id -un
	assert_failure 1
	refute_output --partial "$OWNER-agent"
}

@test "hostile: tiny rlimits fail cleanly or are harmless" {
	# With 3 fds the dynamic loader itself stops, before any of our code:
	# one line, no session.
	run -127 runuser -u "$OWNER" -- env -C "$(proj)" prlimit --nofile=3 "$HELPER" -C "$(proj)" -- /bin/sh -c 'echo ran > nofile-test'
	[ "${#lines[@]}" -eq 1 ]
	[ ! -e "$(proj)/nofile-test" ]
	as_owner "$OWNER" "$(proj)" prlimit --fsize=0 "$SH" -- /bin/sh -c 'echo ok'
	assert_success
	assert_output ok
}

@test "--explain shows the session and every layer without switching" {
	as_owner "$OWNER" "$(proj)" "$SH" --explain
	assert_success
	assert_line "session: agent $OWNER-agent (uid $(id -u "$OWNER-agent"), home /home/$OWNER-agent, shell /bin/bash)"
	assert_line "session: project $(proj)"
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
