#!/usr/bin/env bats
# shellcheck disable=SC2016 # single-quoted scripts run in another shell (the agent's, a session's); the $ is theirs
# Daily friction (suite 'root'): what a developer and their agent do all
# day in a shared project -- git on both sides, editors' atomic saves,
# package caches, terminal programs, ssh with the agent's own key --
# through the installed setuid helper.  Needs the setuid install of
# tests/run.sh (AS_PREFIX); skips with a message without it.
#
# The ssh push test runs an sshd unprivileged on a free port: AS_TEST_SSHD,
# /usr/sbin/sshd, or the one of Debian's openssh-server package, unpacked
# (not installed; not with AS_TEST_OFFLINE=1); it skips when none can be had.

bats_require_minimum_version 1.5.0

load common
load session

setup_file() {
	as_session_setup day
	[ -z "${AS_SESSION_SKIP:-}" ] || return 0
	# The owner's repository, made after the grant, as on any day.
	runuser -u "$OWNER" -- env -C "$PROJ" HOME="$OHOME" /bin/sh -c '
		git config --global user.name Owner && git config --global user.email owner@example.com &&
		git init -q -b main && echo "first line" >README && git add README && git commit -qm "owner: first"'
	# The agent's identity for its commits, in its own ~/.gitconfig.
	runuser -u "$AGENT" -- env HOME="$AHOME" /bin/sh -c '
		git config --global user.name Agent && git config --global user.email agent@example.com'
}

setup() {
	as_session_skip
}

teardown_file() {
	if [ -n "${AS_SESSION_PREFIX:-}" ]; then
		rm -f "$AS_SYSCONFDIR/agent-shell/profiles/$AS_SESSION_PREFIX-ssh.profile"
		rm -rf "/tmp/$AS_SESSION_PREFIX-sshd"
	fi
	as_session_teardown
}

# ACL permissions the named user effectively has on PATH ("rw-", ...).
effective() {
	getfacl -p "$2" 2>/dev/null | awk -v u="user:$1:" '
		index($0, u) == 1 { split($0, a, "\t"); p = substr(a[1], length(u) + 1)
			if (a[2] ~ /#effective:/) { sub(/#effective:/, "", a[2]); p = a[2] } print p }'
}

@test "grant made the project a git safe.directory for the agent" {
	run runuser -u "$AGENT" -- env HOME="$AHOME" git config --global --get-all safe.directory
	assert_success
	assert_line "$PROJ"
}

@test "git status, commit and log work in the owner's repository (no dubious ownership)" {
	agent_sh default 'git status --short --branch'
	assert_success
	assert_output '## main'
	agent_sh default 'echo "agent line" >>README && git commit -qam "agent: second" && git log --format="%an %s"'
	assert_success
	assert_output 'Agent agent: second
Owner owner: first'
}

@test "the owner takes the agent's commits from its git directory; the agent follows the owner's next" {
	# The agent committed in its own git directory (lib/gitmeta.h); the
	# shared work tree already holds its files, so taking its commits is
	# a fast-forward of the branch and the index (docs/agents.md).
	owner_sh "$SH --git-remote >/dev/null && git fetch -q agent && git merge-base --is-ancestor HEAD agent/main &&
		git reset -q agent/main && git log --format='%an %s' && git fsck --strict --no-progress && git status --short"
	assert_success
	assert_output 'Agent agent: second
Owner owner: first'
	# Nothing in the owner's .git belongs to the agent.
	run find "$PROJ/.git" -user "$AGENT"
	assert_output ''
	owner_sh 'echo "owner line" >>README && git commit -qam "owner: third" && git gc --quiet --prune=now && git count-objects -v | grep "^count: 0"'
	assert_success
	# The agent's main follows: the owner's went past the agent's commit.
	agent_sh default 'git log --format=%s -1 && git status --short'
	assert_success
	assert_output 'owner: third'
}

@test "a repository the owner makes below the project after the grant: trusted once grant runs again" {
	# git 2.39 matches safe.directory exactly; grant lists the project and
	# the repositories directly in it when it runs (docs/agents.md).
	runuser -u "$OWNER" -- env -C "$PROJ" HOME="$OHOME" /bin/sh -c \
		'git init -q -b main sub && cd sub && git commit -q --allow-empty -m sub'
	agent_sh default 'cd sub && git status --short --branch'
	assert_failure 128
	assert_output --partial "detected dubious ownership in repository at '$PROJ/sub'"
	run "$ADM" grant "$OWNER" "$PROJ"
	assert_success
	agent_sh default 'cd sub && git status --short --branch'
	assert_success
	assert_output '## main'
}

@test "the owner's git refuses a repository the agent made: its .git/config is the agent's" {
	# A repository the agent creates carries a config and hooks the agent
	# wrote (core.fsmonitor runs a command): git's ownership check keeps
	# the owner from running them unawares.
	agent_sh default "git init -q -b main agent-repo && cd agent-repo &&
		git config core.fsmonitor 'touch $PROJ/fsmonitor-ran; false' && git commit -q --allow-empty -m by-agent"
	assert_success
	rm -f "$PROJ/fsmonitor-ran"
	owner_sh 'cd agent-repo && git status'
	assert_failure 128
	assert_output --partial "detected dubious ownership in repository at '$PROJ/agent-repo'"
	[ ! -e "$PROJ/fsmonitor-ran" ]
}

@test "atomic saves by the agent (sed -i, vi, temp + rename) keep the owner's access" {
	owner_sh 'for f in a b c; do echo owner > save-$f.txt; done'
	agent_sh default 'sed -i s/owner/agent-sed/ save-a.txt &&
		vi -u NONE -i NONE -N -es -c "set backupcopy=no" -c "%s/owner/agent-vi/" -c wq save-b.txt &&
		python3 -c "
import os
st = os.stat(\"save-c.txt\")
fd = os.open(\".save-c.txt.tmp\", os.O_WRONLY | os.O_CREAT | os.O_EXCL, st.st_mode & 0o777)
os.write(fd, b\"agent-rename\n\"); os.fsync(fd); os.close(fd)
os.rename(\".save-c.txt.tmp\", \"save-c.txt\")"'
	assert_success
	for f in a b c; do
		assert_equal "$(stat -c %U "$PROJ/save-$f.txt")" "$AGENT"
	done
	owner_sh 'cat save-a.txt save-b.txt save-c.txt && for f in a b c; do echo owner-again >>save-$f.txt; done'
	assert_success
	assert_output 'agent-sed
agent-vi
agent-rename'
}

@test "atomic saves by the owner keep the agent's access" {
	agent_sh default 'for f in d e f; do echo agent > save-$f.txt; done'
	owner_sh 'sed -i s/agent/owner-sed/ save-d.txt &&
		vi -u NONE -i NONE -N -es -c "set backupcopy=no" -c "%s/agent/owner-vi/" -c wq save-e.txt &&
		umask 077 && printf "owner-rename\n" >.save-f.tmp && chmod --reference=save-f.txt .save-f.tmp &&
		mv .save-f.tmp save-f.txt'
	assert_success
	for f in d e f; do
		assert_equal "$(stat -c %U "$PROJ/save-$f.txt")" "$OWNER"
	done
	agent_sh default 'cat save-d.txt save-e.txt save-f.txt && for f in d e f; do echo agent-again >>save-$f.txt; done'
	assert_success
	assert_output 'owner-sed
owner-vi
owner-rename'
}

@test "a temp file made 0600 and renamed over closes the other side out until grant runs again" {
	# The ACL mask follows the mode a file is created with (acl(5)):
	# mkstemp's 0600 leaves the named users nothing.  Re-running grant
	# repairs the tree (docs/agents.md).
	agent_sh default 'python3 -c "
import os, tempfile
fd, t = tempfile.mkstemp(dir=\".\"); os.write(fd, b\"mkstemp\n\"); os.close(fd)
os.rename(t, \"save-g.txt\")"'
	assert_success
	owner_sh 'cat save-g.txt'
	assert_failure
	assert_output --partial 'Permission denied'
	run "$ADM" grant "$OWNER" "$PROJ"
	assert_success
	owner_sh 'cat save-g.txt'
	assert_success
	assert_output mkstemp
}

@test "npm and pip keep their caches in the agent's home" {
	agent_sh default 'npm config get cache && python3 -m pip cache dir'
	assert_success
	assert_output "$AHOME/.npm
$AHOME/.cache/pip"
	# pip builds and caches a wheel from an sdist (offline; Debian's
	# python3-wheel in the venv), npm writes its logs: all of it in the
	# agent's home, nothing in the owner's home or the project.
	agent_sh aider 'npm --version >/dev/null && mkdir -p ~/pkg && cd ~/pkg &&
		printf "from setuptools import setup\nsetup(name=\"cache-probe\", version=\"1.0\", py_modules=[])\n" >setup.py &&
		python3 setup.py -q sdist 2>/dev/null && python3 -m venv --system-site-packages ~/venv &&
		~/venv/bin/pip install --quiet --no-index --no-build-isolation dist/cache-probe-1.0.tar.gz'
	assert_success
	[ -d "$AHOME/.npm/_logs" ]
	run find "$AHOME/.cache/pip/wheels" -name 'cache_probe-1.0-*.whl' -user "$AGENT"
	assert_output --partial cache_probe-1.0-py3-none-any.whl
	run find "$OHOME" "$PROJ" -name .npm -o -name .cache -o -name _cacache -o -name pip
	assert_output ''
}

@test "less runs on a pseudo-terminal" {
	on_tty q -- less README
	assert_success
	assert_output --partial 'first line'
	# Its prompt: less is paging on the terminal and took the q from it.
	assert_output --partial 'README (END)'
}

@test "vi edits a file through a pseudo-terminal" {
	on_tty 'ityped in vi\033:wq\r' -- vi -u NONE -i NONE -N typed.txt
	assert_success
	assert_equal "$(cat "$PROJ/typed.txt")" 'typed in vi'
}

@test "tmux runs a session on a pseudo-terminal and as a detached server" {
	on_tty '' -- tmux -f /dev/null new-session "'echo inside-tmux-\\\$((6 * 7)); sleep 0.5'"
	assert_success
	assert_output --partial 'inside-tmux-42'
	agent_sh default 'tmux -f /dev/null -L t new-session -d -x 80 -y 24 &&
		tmux -L t send-keys "echo sent-\$((6 * 7))" Enter && sleep 0.5 &&
		tmux -L t capture-pane -p && tmux -L t kill-server'
	assert_success
	assert_line 'sent-42'
}

@test "the agent makes its own ssh key, reads it, and the owner cannot" {
	agent_sh default 'ssh -V 2>&1 && ssh-keygen -q -t ed25519 -N "" -C "$USER deploy key" -f ~/.ssh/id_ed25519 &&
		head -1 ~/.ssh/id_ed25519 && cat ~/.ssh/id_ed25519.pub'
	assert_success
	assert_line --regexp '^OpenSSH_'
	assert_line -- '-----BEGIN OPENSSH PRIVATE KEY-----'
	assert_line --regexp "^ssh-ed25519 [A-Za-z0-9+/]+ $AGENT deploy key\$"
	assert_equal "$(stat -c '%U %a' "$AHOME/.ssh" "$AHOME/.ssh/id_ed25519")" "$AGENT 700
$AGENT 600"
	owner_sh "cat $AHOME/.ssh/id_ed25519"
	assert_failure
	assert_output --partial 'Permission denied'
}

@test "ssh reaches port 22 but no other port under the default profile" {
	# Nothing needs to listen: Landlock refuses connect() before any packet.
	agent_sh default 'ssh -o BatchMode=yes -o ConnectTimeout=5 -p 2222 git@127.0.0.1 true'
	assert_failure 255
	assert_output --partial 'port 2222: Permission denied'
	agent_sh default 'ssh -o BatchMode=yes -o ConnectTimeout=5 -p 22 git@127.0.0.1 true'
	assert_failure 255
	refute_output --partial 'port 22: Permission denied'
}

# An sshd to push to: AS_TEST_SSHD, the system's, or else the one of
# Debian's openssh-server package unpacked into a scratch directory, with
# the libwrap0 it links (installing the package would start a system sshd
# on port 22).  It runs unprivileged: no install, no privilege separation.
find_sshd() {
	local c d="/tmp/$AS_SESSION_PREFIX-sshd" deb libs
	for c in "${AS_TEST_SSHD:-}" /usr/sbin/sshd; do
		if [ -n "$c" ] && [ -x "$c" ]; then
			echo "$c"
			return 0
		fi
	done
	[ "${AS_TEST_OFFLINE:-}" != 1 ] && command -v apt-get >/dev/null || return 1
	install -d -m 0755 "$d" "$d/root"
	(cd "$d" && apt-get download -qq openssh-server libwrap0 >/dev/null 2>&1) || return 1
	for deb in "$d"/*.deb; do
		dpkg-deb -x "$deb" "$d/root" || return 1
	done
	libs=$(find "$d/root" -name 'libwrap.so.0' -printf '%h')
	printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s "$@"\n' "$libs" "$d/root/usr/sbin/sshd" >"$d/sshd"
	chmod -R a+rX "$d"
	chmod 0755 "$d/sshd"
	"$d/sshd" -V >/dev/null 2>&1 || return 1
	echo "$d/sshd"
}

@test "git push over ssh with the agent's deploy key" {
	local sshd
	if ! sshd=$(find_sshd); then
		skip "no sshd: none at /usr/sbin/sshd, none in AS_TEST_SSHD, and none from apt-get download openssh-server"
	fi
	[ -f "$AHOME/.ssh/id_ed25519.pub" ]
	# The git server: a throwaway account running its own sshd,
	# unprivileged, on a free port of 127.0.0.1.
	local srv="${AS_SESSION_PREFIX}g" port
	useradd --create-home --shell /bin/sh --comment "agent-shell test" "$srv"
	local sh="/home/$srv"
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	runuser -u "$srv" -- /bin/sh -c "cd && git init -q --bare proj.git && mkdir -m 700 sshd &&
		ssh-keygen -q -t ed25519 -N '' -f sshd/host_key && cat >sshd/config <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $sh/sshd/host_key
PidFile $sh/sshd/pid
AuthorizedKeysFile $sh/sshd/authorized_keys
UsePAM no
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
EOF"
	install -o "$srv" -m 0600 "$AHOME/.ssh/id_ed25519.pub" "$sh/sshd/authorized_keys"
	runuser -u "$srv" -- "$sshd" -f "$sh/sshd/config" -E "$sh/sshd/log"
	# The recipe of docs/agents.md: a Host entry in the agent's ~/.ssh/config,
	# an admin profile that adds the server's port, and the server in the
	# agent's egress fence.
	cat >"$AHOME/.ssh/config" <<EOF
Host gitserver
	HostName 127.0.0.1
	Port $port
	User $srv
	IdentityFile ~/.ssh/id_ed25519
	IdentitiesOnly yes
	StrictHostKeyChecking accept-new
EOF
	chown "$AGENT:" "$AHOME/.ssh/config"
	chmod 0600 "$AHOME/.ssh/config"
	install -d -m 0755 "$AS_SYSCONFDIR/agent-shell/profiles"
	printf '[profile]\ninclude = default\n\n[network]\nconnect-tcp = %s\n' "$port" \
		>"$AS_SYSCONFDIR/agent-shell/profiles/$AS_SESSION_PREFIX-ssh.profile"
	"$ADM" egress "$OWNER" allow "127.0.0.1:$port" >/dev/null
	agent_sh "$AS_SESSION_PREFIX-ssh" 'git push -q gitserver:proj.git HEAD:refs/heads/main 2>&1'
	assert_success
	run runuser -u "$srv" -- git --git-dir="$sh/proj.git" log --format=%s -1 main
	assert_output "$(runuser -u "$OWNER" -- git -C "$PROJ" log --format=%s -1)"
	# The same push under the default profile: the port is not granted.
	agent_sh default 'git push -q gitserver:proj.git HEAD:refs/heads/other 2>&1'
	assert_failure
	assert_output --partial "port $port: Permission denied"
	kill "$(cat "$sh/sshd/pid")"
}
