# The escape suite's world, shared by escape.bats and matrix.sh: a
# throwaway owner with real secrets, running processes and listening
# sockets, and the owner's agent account made by agent-admin.  Needs root.
#
# Every name starts with ESC_P (esc + pid), removed by esc_fixture_down.
# Variables are exported so bats' per-test processes see them.

# Where the binaries are: the install at AS_PREFIX (setuid helper), else
# the build directory (agent-sandbox and escape-run only).
esc_locate() {
	# The install's sysconfdir, as integration/common.bash says: /etc for
	# the prefix /usr (the Debian package), else PREFIX/etc.
	if [ -z "${AS_SYSCONFDIR:-}" ]; then
		case "$AS_PREFIX" in
		/usr | /usr/) AS_SYSCONFDIR=/etc ;;
		*) AS_SYSCONFDIR="$AS_PREFIX/etc" ;;
		esac
	fi
	export AS_SYSCONFDIR
	export ADM="$AS_PREFIX/sbin/agent-admin"
	export SH="$AS_PREFIX/bin/agent-shell"
	export SB="$AS_PREFIX/bin/agent-sandbox"
	export HELPER="$AS_PREFIX/libexec/agent-shell/agent-shell-helper"
	export RUNNER="$AS_BUILD_DIR/tests/escape-run"
}

# Runs CMD as the owner in the background, in the owner's home.  setpriv
# execs (no parent left behind as root), so pkill -u OWNER ends it; fds
# 3-9 are closed so bats does not wait for them (bats keeps fd 3).
esc_owner_bg() {
	setpriv --reuid="$OWNER" --regid="$OWNER" --init-groups \
		env -C "$OH" -i HOME="$OH" PATH=/usr/bin:/bin "$@" </dev/null 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
}

# Waits until FILE says the listener is up ("ok"), at most ~5 s.
esc_wait_ok() {
	local _
	for _ in $(seq 50); do
		[ "$(cat "$1" 2>/dev/null)" = ok ] && return 0
		sleep 0.1
	done
	echo "listener did not start: $1: $(cat "$1" 2>/dev/null)" >&2
	return 1
}

esc_fixture_up() {
	export ESC_P="esc$$"
	export OWNER="${ESC_P}o"
	export AGENT="$OWNER-agent"
	export OH="/home/$OWNER"
	export PROJ="$OH/src/proj"
	export OTHER_REPO="$OH/src/other"
	# A second developer with an agent of their own: agent-admin shuts
	# every agent out of their 0755 home (g:agent-shell-agents:---).
	export OWNER2="${ESC_P}b"
	export OH2="/home/$OWNER2"
	# Not in /tmp: a session has its own (pam_namespace).  Under /usr, which
	# the base profile lets every side execute.
	export STAGE="/usr/local/libexec/$ESC_P-stage"
	export SBHOME="/tmp/$ESC_P-sbhome"
	export PROBE="$STAGE/probe"
	export OWNER_TMP="/tmp/$ESC_P-owner-notes"
	export SSH_DIR="/tmp/ssh-$ESC_P"
	export SSH_SOCK="$SSH_DIR/agent.sock"
	export X11_NAME="/tmp/.X11-unix/X$(( $$ % 9000 + 1000 ))"
	export DBUS_NAME="/tmp/dbus-$ESC_P"
	export TCP_PORT=$(( $$ % 20000 + 30000 ))
	export LIMITS_PROFILE="escape-$ESC_P"

	# The owner.  Home mode 0755, as adduser made it on Debian
	# before 12 and Ubuntu before 21.04: world-readable dotfiles are then
	# readable by every other uid, the agent's included, and only Landlock
	# stands in the way.  ~/.ssh, ~/.gnupg and the browser stay 0700.
	useradd --create-home --shell /bin/bash --comment "agent-shell escape test" "$OWNER"
	chmod 0755 "$OH"
	OWNER_UID=$(id -u "$OWNER")
	export OWNER_UID
	local o="install -o $OWNER -g $OWNER"
	$o -d -m 0755 "$OH/src" "$PROJ" "$OTHER_REPO" "$OTHER_REPO/.git" "$OTHER_REPO/.git/hooks"
	$o -d -m 0700 "$OH/.ssh" "$OH/.gnupg" "$OH/.gnupg/private-keys-v1.d" "$OH/.mozilla" \
		"$OH/.mozilla/firefox" "$OH/.mozilla/firefox/esc.default-release" "$OH/.config/google-chrome"
	$o -d -m 0755 "$OH/.aws" "$OH/.config" "$OH/.config/autostart" "$OH/.config/gh" \
		"$OH/.docker" "$OH/.local" "$OH/.local/bin"
	$o -d -m 0700 "$OH/.config/google-chrome/Default"
	esc_secret 0600 .ssh/id_ed25519 "-----BEGIN OPENSSH PRIVATE KEY----- esc"
	esc_secret 0644 .ssh/id_ed25519.pub "ssh-ed25519 AAAA esc"
	esc_secret 0644 .netrc "machine example.com login esc password hunter2"
	esc_secret 0644 .aws/credentials "[default] aws_secret_access_key = esc"
	esc_secret 0600 .bash_history "mysql -p'hunter2'"
	esc_secret 0600 .git-credentials "https://esc:ghp_secret@github.com"
	esc_secret 0600 .mozilla/firefox/esc.default-release/cookies.sqlite "SQLite format 3 session=esc"
	esc_secret 0600 .config/google-chrome/Default/Cookies "SQLite format 3 SID=esc"
	esc_secret 0600 .gnupg/private-keys-v1.d/esc.key "(private-key (rsa esc))"
	esc_secret 0644 .config/gh/hosts.yml "oauth_token: gho_esc"
	esc_secret 0644 .docker/config.json '{"auths":{"x":{"auth":"ZXNj"}}}'
	esc_secret 0644 README "project file"
	mv "$OH/README" "$PROJ/README"
	# A bare repository in the project, made before the grant: a git
	# directory by content, which grant leaves without agent entries.
	$o -d -m 0755 "$PROJ/bare.git" "$PROJ/bare.git/hooks" "$PROJ/bare.git/objects" "$PROJ/bare.git/refs"
	$o -m 0644 /dev/null "$PROJ/bare.git/HEAD"
	$o -m 0644 /dev/null "$OTHER_REPO/.git/config"
	$o -m 0644 /dev/null "$OWNER_TMP"

	# The agent account and the grant, by the real provisioning tool.
	"$ADM" add "$OWNER" >/dev/null
	"$ADM" grant "$OWNER" "$PROJ" >/dev/null
	useradd --create-home --shell /bin/bash --comment "agent-shell escape test" "$OWNER2"
	chmod 0755 "$OH2"
	install -o "$OWNER2" -g "$OWNER2" -m 0644 /dev/null "$OH2/notes"
	echo "another owner's notes" >"$OH2/notes"
	"$ADM" add "$OWNER2" >/dev/null

	# Binaries both sides can run: the probe, a setuid-root copy, a copy
	# with a file capability.
	install -d -m 0755 /usr/local/libexec "$STAGE" "$STAGE/sb" "$STAGE/drv"
	install -m 0755 "$AS_PROBE" "$PROBE"
	install -m 4755 -o root -g root "$AS_PROBE" "$STAGE/probe-suid"
	install -m 0755 "$AS_PROBE" "$STAGE/probe-fcap"
	setcap cap_dac_read_search+ep "$STAGE/probe-fcap"

	# Profiles.  Session: the installed default, and a limits profile
	# (the shipped ones bound neither processes nor file size).
	# agent-sandbox as the owner: the same default, but @home is a
	# scratch directory standing in for the agent's home (with -p
	# default, @home would be the owner's own home, dotfiles and all:
	# default.profile says so).  escape-run: the source default as is
	# (@home = the agent's home).
	local src="$AS_SRC_DIR/profiles"
	install -d -o "$OWNER" -g "$OWNER" -m 0700 "$SBHOME"
	install -m 0644 "$src/base.profile" "$STAGE/sb/base.profile"
	sed "s|^write = @home|write = $SBHOME|" "$src/default.profile" >"$STAGE/sb/default.profile"
	sed "s|^write = @home|write = $SBHOME|" "$src/offline.profile" >"$STAGE/sb/offline.profile"
	install -m 0644 "$src/base.profile" "$src/default.profile" "$src/offline.profile" "$STAGE/drv/"
	local limits="[profile]
description = escape suite: default plus process and file-size limits
include = default

[limits]
nproc = 40
fsize = 1M"
	printf '%s\n' "$limits" >"$STAGE/sb/limits.profile"
	printf '%s\n' "$limits" >"$STAGE/drv/limits.profile"
	install -d -m 0755 "$AS_SYSCONFDIR/agent-shell/profiles"
	printf '%s\n' "$limits" >"$AS_SYSCONFDIR/agent-shell/profiles/$LIMITS_PROFILE.profile"
	chmod 0644 "$STAGE"/*/*.profile "$AS_SYSCONFDIR/agent-shell/profiles/$LIMITS_PROFILE.profile"

	# The owner's running processes and services.
	esc_owner_bg sleep 100000
	export SLEEP_PID=$!
	# A SysV shared memory segment of the owner's, open to every uid.
	OWNER_SHM=$(setpriv --reuid="$OWNER" --regid="$OWNER" --init-groups ipcmk -M 4096 -p 0666 |
		sed -n 's/^Shared memory id: //p')
	export OWNER_SHM
	export ESC_RUNUSER_MADE=0
	if [ ! -d /run/user ]; then
		install -d -m 0755 /run/user
		ESC_RUNUSER_MADE=1
	fi
	install -d -o "$OWNER" -g "$OWNER" -m 0700 "$SSH_DIR" "/run/user/$OWNER_UID"
	setpriv --reuid="$OWNER" --regid="$OWNER" --init-groups \
		env -i HOME="$OH" PATH=/usr/bin:/bin ssh-agent -a "$SSH_SOCK" >/dev/null 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-
	export DOCKER_SOCK="/run/user/$OWNER_UID/docker.sock"
	esc_owner_bg "$PROBE" listen-unix "$DOCKER_SOCK" >"$STAGE/l-docker"
	esc_owner_bg "$PROBE" listen-abstract "$X11_NAME" >"$STAGE/l-x11"
	esc_owner_bg "$PROBE" listen-abstract "$DBUS_NAME" >"$STAGE/l-dbus"
	esc_owner_bg "$PROBE" listen-tcp "$TCP_PORT" >"$STAGE/l-tcp"
	esc_wait_ok "$STAGE/l-docker" && esc_wait_ok "$STAGE/l-x11" &&
		esc_wait_ok "$STAGE/l-dbus" && esc_wait_ok "$STAGE/l-tcp" && [ -S "$SSH_SOCK" ] &&
		[ -n "$SLEEP_PID" ]
}

# FILE under the owner's home with MODE and CONTENT.
esc_secret() {
	printf '%s\n' "$3" >"$OH/$2"
	chown "$OWNER:$OWNER" "$OH/$2"
	chmod "$1" "$OH/$2"
}

# Undo what an attempt that was NOT stopped may have changed (matrix runs
# with layers removed), so the next attempt meets the same world.  The
# renice and prlimit attempts need no undo: repeating them is allowed.
esc_reset() {
	esc_secret 0644 .bashrc "# owner's bashrc"
	esc_secret 0644 .profile "# owner's profile"
	rm -f "$OH/planted" "$OH/.config/autostart/evil.desktop" "$OTHER_REPO/.git/hooks/pre-commit" \
		"$OH/.ssh/authorized_keys" "$OH/.local/bin/git" "$OH/esc-renamed" \
		"$PROJ/esc-link" "$PROJ/esc-hard" "$PROJ"/esc-big.* "$PROJ/esc-key" \
		"$PROJ/bare.git/hooks/post-receive"
	: >"$OTHER_REPO/.git/config"
	: >"$OWNER_TMP"
	install -o "$OWNER" -g "$OWNER" -m 0664 /dev/null "$PROJ/esc-src"
}

esc_fixture_down() {
	[ -n "${ESC_P:-}" ] || return 0
	local u
	if [ -n "${OWNER_SHM:-}" ]; then
		ipcrm -m "$OWNER_SHM" 2>/dev/null || true
	fi
	for u in "$OWNER" "$AGENT"; do
		pkill -KILL -u "$u" 2>/dev/null || true
	done
	"$ADM" remove "$OWNER" >/dev/null 2>&1 || true
	"$ADM" remove "$OWNER2" >/dev/null 2>&1 || true
	# shellcheck disable=SC2013 # account names are single words
	for u in $(cut -d: -f1 /etc/passwd | grep "^$ESC_P"); do
		pkill -KILL -u "$u" 2>/dev/null || true
		userdel --remove "$u" 2>/dev/null || true
	done
	rm -rf "$STAGE" "$SBHOME" "$SSH_DIR" "$OWNER_TMP" "$OH"
	if [ -n "${OWNER_UID:-}" ]; then
		rm -rf "/run/user/$OWNER_UID"
	fi
	if [ "${ESC_RUNUSER_MADE:-0}" = 1 ]; then
		rmdir /run/user 2>/dev/null || true
	fi
	rm -f "$AS_SYSCONFDIR/agent-shell/profiles/$LIMITS_PROFILE.profile"
}
