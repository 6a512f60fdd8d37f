#!/usr/bin/env bats
# Layer 0, the host (suite 'root'; issue 15): agent accounts start nothing
# except through agent-shell -- no ssh login, no cron, no at, no lingering
# user manager -- and other owners' agents are shut out of each owner's
# home and grants.  Tried with the real programs: an sshd on 127.0.0.1 that
# reads the real drop-in directory, crontab(1) and at(1).
#
# sshd, crontab and at come from AS_TEST_SSHD / the system, or from
# Debian's packages unpacked into a scratch directory (never installed:
# their postinst would start daemons); tests that need one skip when none
# can be had (AS_TEST_OFFLINE=1).  The sshd runs as root, as a real one
# does: it needs the privilege-separation account "sshd" and /run/sshd,
# created for the run if missing and removed again.
#
# Every account starts with a prefix unique to the run; the files of /etc
# this suite changes are saved in setup_file and put back in teardown_file.

bats_require_minimum_version 1.5.0

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

DROPIN=/etc/ssh/sshd_config.d/agent-shell.conf
SAVED_FILES="/etc/cron.deny /etc/cron.allow /etc/at.deny /etc/at.allow $DROPIN"

setup_file() {
	if [ -n "${AS_PREFIX:-}" ] && [ -x "$AS_PREFIX/sbin/agent-admin" ]; then
		ADM="$AS_PREFIX/sbin/agent-admin"
	else
		ADM="$AS_BUILD_DIR/tools/agent-admin"
	fi
	REGDIR=$("$ADM" --help | sed -n 's|^Registry: \(.*\)/OWNER.conf.*|\1|p')
	P="ash$$"
	SAVE="$BATS_FILE_TMPDIR/save"
	SCRATCH=$(mktemp -d /tmp/as-host.XXXXXX)
	chmod 0755 "$SCRATCH"
	mkdir -p "$SAVE"
	local f
	for f in $SAVED_FILES; do
		if [ -e "$f" ]; then cp -p "$f" "$SAVE/$(echo "$f" | tr / _)"; fi
	done
	HAD_LINGER_DIR=0; [ -d /var/lib/systemd/linger ] && HAD_LINGER_DIR=1
	HAD_SPOOL=0; [ -d /var/spool/cron ] && HAD_SPOOL=1
	HAD_SSHD_DIR=0; [ -d /etc/ssh/sshd_config.d ] && HAD_SSHD_DIR=1
	HAD_STATE_DIR=0; [ -d /var/lib/agent-shell ] && HAD_STATE_DIR=1
	ALICE=${P}a BOB=${P}b CAROL=${P}c
	for f in "$ALICE" "$BOB" "$CAROL"; do
		useradd --create-home --home-dir "/tmp/$f-home" --shell /bin/bash --comment "agent-shell host test" "$f"
	done
	# Debian's homes: 0755, files 0644.
	for f in "$ALICE" "$BOB"; do
		chmod 0755 "/tmp/$f-home"
		runuser -u "$f" -- sh -c "umask 022; cd && echo secret >notes && mkdir proj && echo code >proj/main.c"
	done
	ls -l --time-style=full-iso "/tmp/$ALICE-home" >"$SAVE/ls-before"
	stat -c '%A %U %G' "/tmp/$ALICE-home" >"$SAVE/stat-before"
	"$ADM" add "$ALICE" >/dev/null
	"$ADM" add "$BOB" >/dev/null
	"$ADM" grant "$ALICE" "/tmp/$ALICE-home/proj" >/dev/null
	export ADM REGDIR P SAVE SCRATCH HAD_LINGER_DIR HAD_SPOOL HAD_SSHD_DIR HAD_STATE_DIR ALICE BOB CAROL
}

teardown_file() {
	local u f
	for f in "$SCRATCH"/*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	for u in "$ALICE" "$BOB" "$CAROL"; do
		pkill -KILL -u "$u-agent" 2>/dev/null || true
		"$ADM" remove "$u" >/dev/null 2>&1 || true
	done
	# shellcheck disable=SC2013 # account names are single words
	for u in $(cut -d: -f1 /etc/passwd | grep "^$P"); do
		pkill -KILL -u "$u" 2>/dev/null || true
		userdel --remove "$u" 2>/dev/null || true
		rm -rf "/tmp/$u-home"
	done
	rm -f "$REGDIR/$P"*.conf "$REGDIR/.$P"*
	for f in $SAVED_FILES; do
		if [ -e "$SAVE/$(echo "$f" | tr / _)" ]; then
			cp -p "$SAVE/$(echo "$f" | tr / _)" "$f"
		else
			rm -f "$f"
		fi
	done
	[ "$HAD_LINGER_DIR" = 1 ] || rm -rf /var/lib/systemd/linger
	[ "$HAD_SPOOL" = 1 ] || rm -rf /var/spool/cron
	[ "$HAD_SSHD_DIR" = 1 ] || rmdir /etc/ssh/sshd_config.d 2>/dev/null || true
	[ "$HAD_STATE_DIR" = 1 ] || rmdir /var/lib/agent-shell 2>/dev/null || true
	if [ -f "$SCRATCH/made-sshd-user" ]; then userdel sshd 2>/dev/null || true; fi
	if [ -f "$SCRATCH/made-run-sshd" ]; then rmdir /run/sshd 2>/dev/null || true; fi
	rm -rf "$SCRATCH"
}

# ---- tools from Debian's packages, unpacked ------------------------------

# Prints the path of PROGRAM (usr/bin/crontab, usr/sbin/sshd, ...) from
# PACKAGE, unpacked under $SCRATCH with the extra packages it links.
unpacked() {
	local pkg=$1 prog=$2 d="$SCRATCH/$1" deb libs
	shift 2
	if [ ! -x "$d/root/$prog" ]; then
		[ "${AS_TEST_OFFLINE:-}" != 1 ] && command -v apt-get >/dev/null || return 1
		install -d -m 0755 "$d" "$d/root"
		(cd "$d" && apt-get download -qq "$pkg" "$@" >/dev/null 2>&1) || return 1
		for deb in "$d"/*.deb; do dpkg-deb -x "$deb" "$d/root" || return 1; done
		chmod -R a+rX "$d"
	fi
	libs=$(find "$d/root" -name '*.so*' -printf '%h\n' | sort -u | paste -sd:)
	printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s "$@"\n' "$libs" "$d/root/$prog" >"$d/run"
	chmod 0755 "$d/run"
	echo "$d/run"
}

find_sshd() {
	local c
	for c in "${AS_TEST_SSHD:-}" /usr/sbin/sshd; do
		if [ -n "$c" ] && [ -x "$c" ]; then echo "$c"; return 0; fi
	done
	unpacked openssh-server usr/sbin/sshd libwrap0
}

# An sshd as root on a free port of 127.0.0.1 that includes the real
# drop-in directory, as Debian's sshd_config does from its first line
# (NAME "plain": one that does not, the control).  Its port is in
# $SCRATCH/NAME.port.
start_sshd() {
	local name=${1:-real} sshd port include="Include /etc/ssh/sshd_config.d/*.conf"
	[ "$name" = real ] || include=""
	sshd=$(find_sshd) || skip "no sshd: none installed, none in AS_TEST_SSHD, and none from apt-get download openssh-server"
	if ! getent passwd sshd >/dev/null; then
		useradd --system --no-create-home --home-dir /run/sshd --shell /usr/sbin/nologin sshd
		touch "$SCRATCH/made-sshd-user"
	fi
	if [ ! -d /run/sshd ]; then
		install -d -m 0755 /run/sshd
		touch "$SCRATCH/made-run-sshd"
	fi
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	[ -f "$SCRATCH/host_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$SCRATCH/host_key"
	cat >"$SCRATCH/$name.config" <<EOF
$include
Port $port
ListenAddress 127.0.0.1
HostKey $SCRATCH/host_key
PidFile $SCRATCH/$name.pid
UsePAM yes
PasswordAuthentication no
KbdInteractiveAuthentication no
EOF
	"$sshd" -f "$SCRATCH/$name.config" -E "$SCRATCH/$name.log"
	for _ in $(seq 50); do [ -s "$SCRATCH/$name.pid" ] && break; sleep 0.1; done
	echo "$port" >"$SCRATCH/$name.port"
}

# A key in USER's ~/.ssh/authorized_keys, written as the user would.
plant_key() {
	local user=$1 home
	home=$(getent passwd "$user" | cut -d: -f6)
	[ -f "$SCRATCH/id_$user" ] || ssh-keygen -q -t ed25519 -N '' -f "$SCRATCH/id_$user"
	runuser -u "$user" -- sh -c "umask 077; mkdir -p '$home/.ssh' && cat >>'$home/.ssh/authorized_keys'" <"$SCRATCH/id_$user.pub"
}

# ssh_as USER [SSHD]: runs "echo logged-in" as USER over ssh.
ssh_as() {
	run ssh -F /dev/null -i "$SCRATCH/id_$1" -o BatchMode=yes -o IdentitiesOnly=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-o ConnectTimeout=10 -p "$(cat "$SCRATCH/${2:-real}.port")" "$1@127.0.0.1" echo logged-in
}

# ---- ssh, cron, at, linger --------------------------------------------------

@test "add installs the sshd drop-in denying the agents group, root's and 0644" {
	run cat "$DROPIN"
	assert_success
	assert_line "DenyGroups agent-shell-agents"
	assert_equal "$(stat -c '%U:%G %a' "$DROPIN")" "root:root 644"
}

@test "every agent account is in the group the drop-in denies" {
	run id -nG "$ALICE-agent"
	assert_output --regexp '(^| )agent-shell-agents( |$)'
	run id -nG "$BOB-agent"
	assert_output --regexp '(^| )agent-shell-agents( |$)'
}

@test "a key the agent planted in its authorized_keys does not log in over ssh" {
	start_sshd
	plant_key "$ALICE-agent"
	ssh_as "$ALICE-agent"
	assert_failure 255
	refute_output --partial logged-in
	run grep -F "User $ALICE-agent from 127.0.0.1 not allowed because a group is listed in DenyGroups" "$SCRATCH/real.log"
	assert_success
}

@test "a normal user's key logs in over the same sshd" {
	[ -f "$SCRATCH/real.port" ] || start_sshd
	plant_key "$CAROL"
	ssh_as "$CAROL"
	assert_success
	assert_output logged-in
}

@test "an sshd without the drop-in lets the agent's planted key in (the drop-in is what stops it)" {
	[ -f "$SCRATCH/real.port" ] || start_sshd
	start_sshd plain
	plant_key "$BOB-agent"
	ssh_as "$BOB-agent" plain
	assert_success
	assert_output logged-in
	ssh_as "$BOB-agent" real
	assert_failure 255
	assert_output --partial "$BOB-agent@127.0.0.1: Permission denied (publickey)."
}

@test "add puts the agent in cron.deny once, keeping the other lines, owner and mode" {
	printf '# site list\nsomeone\n' >/etc/cron.deny
	chmod 0640 /etc/cron.deny
	"$ADM" add "$ALICE" >/dev/null
	"$ADM" add "$ALICE" >/dev/null
	run cat /etc/cron.deny
	assert_output "# site list
someone
$ALICE-agent"
	assert_equal "$(stat -c '%U:%G %a' /etc/cron.deny)" "root:root 640"
}

@test "remove takes exactly the agent's line out of cron.deny and at.deny" {
	printf 'daemon\n' >/etc/at.deny
	"$ADM" add "$CAROL" >/dev/null
	run grep -cx "$CAROL-agent" /etc/cron.deny /etc/at.deny
	assert_output "/etc/cron.deny:1
/etc/at.deny:1"
	"$ADM" remove "$CAROL" >/dev/null
	run grep -cx "$CAROL-agent" /etc/cron.deny /etc/at.deny
	assert_output "/etc/cron.deny:0
/etc/at.deny:0"
	run cat /etc/at.deny
	assert_output daemon
}

@test "add refuses a cron.deny that is not root's, and leaves it as it was" {
	printf 'someone\n' >/etc/cron.deny
	chown nobody /etc/cron.deny
	run "$ADM" add "$ALICE"
	local content
	content=$(cat /etc/cron.deny)
	chown root /etc/cron.deny
	"$ADM" add "$ALICE" >/dev/null
	assert_failure 1
	assert_output --partial "agent-admin: /etc/cron.deny: not owned by root (uid $(id -u nobody)); refusing to trust it"
	assert_equal "$content" someone
}

@test "add refuses an sshd drop-in directory others can write" {
	mv "$DROPIN" "$SCRATCH/dropin.saved"
	chmod 0777 /etc/ssh/sshd_config.d
	run "$ADM" add "$ALICE"
	chmod 0755 /etc/ssh/sshd_config.d
	mv "$SCRATCH/dropin.saved" "$DROPIN"
	assert_failure 1
	assert_output "agent-admin: /etc/ssh/sshd_config.d: not a root-owned directory only root can write; refusing to put the sshd drop-in there"
}

@test "a cron.deny that add created goes again with the last agent line" {
	rm -f /etc/cron.deny
	"$ADM" add "$CAROL" >/dev/null
	run cat /etc/cron.deny
	assert_output "# agent-shell: created by agent-admin add; removed with its last agent line
$CAROL-agent"
	run "$ADM" remove "$CAROL"
	assert_success
	assert_line "removed /etc/cron.deny (agent-admin had created it; no agent is left in it)"
	[ ! -e /etc/cron.deny ]
	"$ADM" add "$ALICE" >/dev/null
	"$ADM" add "$BOB" >/dev/null
	run grep -cx -e "$ALICE-agent" -e "$BOB-agent" /etc/cron.deny
	assert_output 2
}

@test "add creates no at.deny where at is already root's only (neither list exists)" {
	rm -f /etc/at.deny /etc/at.allow
	"$ADM" add "$ALICE" >/dev/null
	[ ! -e /etc/at.deny ]
	run "$ADM" check "$ALICE"
	refute_output --partial "at lets agent"
}

@test "crontab as the agent is refused; as a normal user it is not" {
	local crontab
	crontab=$(unpacked cron usr/bin/crontab) || skip "no crontab from apt-get download cron"
	mkdir -p /var/spool/cron/crontabs
	printf 'daemon\n' >/etc/cron.deny
	chmod 0644 /etc/cron.deny
	"$ADM" add "$ALICE" >/dev/null
	run runuser -u "$ALICE-agent" -- "$crontab" -l
	assert_failure 1
	assert_line "You ($ALICE-agent) are not allowed to use this program (crontab)"
	run runuser -u "$CAROL" -- "$crontab" -l
	assert_output "no crontab for $CAROL"
}

@test "at as the agent is refused; as a normal user it is not" {
	local at
	at=$(unpacked at usr/bin/at) || skip "no at from apt-get download at"
	printf 'daemon\n' >/etc/at.deny
	"$ADM" add "$ALICE" >/dev/null
	run runuser -u "$ALICE-agent" -- "$at" -l
	assert_failure 1
	assert_output "You do not have permission to use at."
	run runuser -u "$CAROL" -- "$at" -l
	refute_output --partial "permission to use at"
}

@test "add turns lingering off for the agent" {
	install -d -m 0755 /var/lib/systemd/linger
	touch "/var/lib/systemd/linger/$ALICE-agent"
	run "$ADM" add "$ALICE"
	assert_success
	assert_line "turned lingering off for $ALICE-agent (removed /var/lib/systemd/linger/$ALICE-agent)"
	[ ! -e "/var/lib/systemd/linger/$ALICE-agent" ]
}

@test "check reports a lingering agent" {
	install -d -m 0755 /var/lib/systemd/linger
	touch "/var/lib/systemd/linger/$ALICE-agent"
	run "$ADM" check "$ALICE"
	rm -f "/var/lib/systemd/linger/$ALICE-agent"
	assert_failure 1
	assert_line "problem: $ALICE: agent $ALICE-agent lingers: systemd runs its user units outside agent-shell — fix: loginctl disable-linger $ALICE-agent"
}

@test "check reports an agent crontab lets in" {
	sed -i "/^$ALICE-agent\$/d" /etc/cron.deny
	run "$ADM" check "$ALICE"
	"$ADM" add "$ALICE" >/dev/null
	assert_failure 1
	assert_line "problem: $ALICE: crontab lets agent $ALICE-agent in (/etc/cron.deny or /etc/cron.allow): it can schedule cron jobs outside agent-shell — fix: agent-admin add $ALICE"
}

@test "check reports an agent listed in cron.allow" {
	printf '%s\n' "$ALICE-agent" >/etc/cron.allow
	run "$ADM" check "$ALICE"
	rm -f /etc/cron.allow
	assert_failure 1
	assert_line --partial "problem: $ALICE: crontab lets agent $ALICE-agent in"
}

@test "check reports an agent at lets in" {
	printf 'daemon\n' >/etc/at.deny
	run "$ADM" check "$ALICE"
	"$ADM" add "$ALICE" >/dev/null
	assert_failure 1
	assert_line "problem: $ALICE: at lets agent $ALICE-agent in (/etc/at.deny or /etc/at.allow): it can queue jobs outside agent-shell — fix: agent-admin add $ALICE"
}

@test "check reports a missing sshd drop-in, and add puts it back" {
	mv "$DROPIN" "$SCRATCH/dropin.saved"
	run "$ADM" check "$ALICE"
	assert_failure 1
	assert_line "problem: $ALICE: $DROPIN is missing: sshd lets agent $ALICE-agent log in with a key — fix: agent-admin add $ALICE"
	run "$ADM" add "$ALICE"
	assert_success
	cmp "$DROPIN" "$SCRATCH/dropin.saved"
}

@test "check reports a drop-in that is not agent-admin's" {
	cp -p "$DROPIN" "$SCRATCH/dropin.saved"
	echo "DenyGroups nobody" >"$DROPIN"
	run "$ADM" check "$ALICE"
	cp -p "$SCRATCH/dropin.saved" "$DROPIN"
	assert_failure 1
	assert_line --partial "problem: $ALICE: $DROPIN is not what agent-admin writes"
}

# ---- other owners' agents shut out -------------------------------------------

@test "another owner's agent cannot list the owner's 0755 home" {
	run runuser -u "$BOB-agent" -- ls "/tmp/$ALICE-home"
	assert_failure
	assert_output --partial "Permission denied"
}

@test "another owner's agent cannot read the owner's 0644 file" {
	run runuser -u "$BOB-agent" -- cat "/tmp/$ALICE-home/notes"
	assert_failure
	assert_output "cat: /tmp/$ALICE-home/notes: Permission denied"
}

@test "another owner's agent cannot read inside the owner's grant" {
	run runuser -u "$BOB-agent" -- cat "/tmp/$ALICE-home/proj/main.c"
	assert_failure
	assert_output "cat: /tmp/$ALICE-home/proj/main.c: Permission denied"
}

@test "the owner's own agent still reads and writes in its grant" {
	run runuser -u "$ALICE-agent" -- cat "/tmp/$ALICE-home/proj/main.c"
	assert_success
	assert_output code
	run runuser -u "$ALICE-agent" -- sh -c "echo more >>/tmp/$ALICE-home/proj/main.c"
	assert_success
}

@test "the owner's own agent cannot list the rest of the home" {
	run runuser -u "$ALICE-agent" -- ls "/tmp/$ALICE-home"
	assert_failure
	assert_output --partial "Permission denied"
}

@test "a user who is not an agent still reads the 0644 file" {
	run runuser -u "$CAROL" -- cat "/tmp/$ALICE-home/notes"
	assert_success
	assert_output secret
}

@test "the owner's ls -l of the home is byte-identical after add shut the agents out" {
	local d="/tmp/${P}d-home"
	useradd --create-home --home-dir "$d" --shell /bin/bash --comment "agent-shell host test" "${P}d"
	chmod 0755 "$d"
	runuser -u "${P}d" -- sh -c "umask 022; cd && echo x >file && mkdir dir && chmod 0750 dir"
	local ls_before stat_before
	ls_before=$(runuser -u "${P}d" -- ls -l --time-style=full-iso "$d")
	stat_before=$(stat -c '%A %a %U %G' "$d")
	"$ADM" add "${P}d" >/dev/null
	assert_equal "$(runuser -u "${P}d" -- ls -l --time-style=full-iso "$d")" "$ls_before"
	assert_equal "$(stat -c '%A %a %U %G' "$d")" "$stat_before"
	run getfacl -cp "$d"
	assert_output "user::rwx
group::r-x
group:agent-shell-agents:---
mask::r-x
other::r-x"
	"$ADM" remove "${P}d" >/dev/null
}

@test "the grant's root carries the entry for the agents' group" {
	run getfacl -cp "/tmp/$ALICE-home/proj"
	assert_line "group:agent-shell-agents:---"
	assert_line --regexp "^user:$ALICE-agent:rwx"
}

@test "check reports an owner's home without the agents' entry; add puts it back" {
	setfacl -x g:agent-shell-agents "/tmp/$ALICE-home"
	run "$ADM" check "$ALICE"
	assert_failure 1
	assert_line "problem: $ALICE: other owners' agents are not shut out of the home /tmp/$ALICE-home (no g:agent-shell-agents:--- entry) — fix: agent-admin add $ALICE"
	run "$ADM" add "$ALICE"
	assert_success
	assert_line "shut agent-shell-agents out of $ALICE's home /tmp/$ALICE-home (g:agent-shell-agents:---)"
	run runuser -u "$BOB-agent" -- ls "/tmp/$ALICE-home"
	assert_failure
}

@test "check reports a grant without the agents' entry" {
	setfacl -x g:agent-shell-agents "/tmp/$ALICE-home/proj"
	run "$ADM" check "$ALICE"
	"$ADM" grant "$ALICE" "/tmp/$ALICE-home/proj" >/dev/null
	assert_failure 1
	assert_line "problem: $ALICE: other owners' agents are not shut out of the grant /tmp/$ALICE-home/proj (no g:agent-shell-agents:--- entry) — fix: agent-admin grant $ALICE /tmp/$ALICE-home/proj"
}

@test "revoke and remove take the agents' entries away again" {
	local d="/tmp/$CAROL-home"
	chmod 0755 "$d"
	runuser -u "$CAROL" -- mkdir "$d/work"
	local before
	before=$(getfacl -cp "$d" "$d/work")
	"$ADM" add "$CAROL" >/dev/null
	"$ADM" grant "$CAROL" "$d/work" >/dev/null
	run getfacl -cp "$d"
	assert_line "group:agent-shell-agents:---"
	"$ADM" revoke "$CAROL" "$d/work" >/dev/null
	run getfacl -cp "$d/work"
	refute_line --partial "agent-shell-agents"
	"$ADM" remove "$CAROL" >/dev/null
	assert_equal "$(getfacl -cp "$d" "$d/work")" "$before"
}

# ---- harden --------------------------------------------------------------------

KNOBS="dev/tty/legacy_tiocsti kernel/io_uring_disabled kernel/unprivileged_bpf_disabled kernel/perf_event_paranoid fs/protected_symlinks fs/protected_hardlinks fs/protected_fifos fs/protected_regular"

knob_values() {
	local k
	for k in $KNOBS; do
		[ -e "/proc/sys/$k" ] && printf '%s=%s\n' "$k" "$(cat "/proc/sys/$k")"
	done
}

# The real values, saved before a harden test and written back after it
# whatever happened (the drop-in and the record removed too).
save_knobs() {
	knob_values >"$SCRATCH/knobs.saved"
}

teardown() {
	local k v
	[ -f "$SCRATCH/knobs.saved" ] || return 0
	while IFS='=' read -r k v; do
		echo "$v" >"/proc/sys/$k" 2>/dev/null || true
	done <"$SCRATCH/knobs.saved"
	rm -f "$SCRATCH/knobs.saved" /etc/sysctl.d/60-agent-shell.conf /var/lib/agent-shell/harden.state
}

@test "harden sets the knobs and harden --undo restores the exact previous values" {
	save_knobs
	run "$ADM" harden
	assert_success
	assert_line "wrote /etc/sysctl.d/60-agent-shell.conf (previous values in /var/lib/agent-shell/harden.state)"
	assert_equal "$(cat /proc/sys/dev/tty/legacy_tiocsti)" 0
	assert_equal "$(cat /proc/sys/kernel/io_uring_disabled)" 1
	assert_equal "$(cat /proc/sys/fs/protected_symlinks)" 1
	assert_equal "$(cat /proc/sys/fs/protected_fifos)" 2
	assert_equal "$(cat /proc/sys/fs/protected_regular)" 2
	[ "$(cat /proc/sys/kernel/unprivileged_bpf_disabled)" != 0 ]
	[ "$(cat /proc/sys/kernel/perf_event_paranoid)" -ge 2 ]
	run grep -c ' = ' /etc/sysctl.d/60-agent-shell.conf
	assert_output 8
	assert_equal "$(stat -c '%U %a' /var/lib/agent-shell/harden.state)" "root 600"
	run "$ADM" harden --undo
	assert_success
	assert_equal "$(knob_values)" "$(cat "$SCRATCH/knobs.saved")"
	[ ! -e /etc/sysctl.d/60-agent-shell.conf ]
	[ ! -e /var/lib/agent-shell/harden.state ]
}

@test "a second harden keeps the first record: --undo still goes back to before the first" {
	save_knobs
	"$ADM" harden >/dev/null
	"$ADM" harden >/dev/null
	"$ADM" harden --undo >/dev/null
	assert_equal "$(knob_values)" "$(cat "$SCRATCH/knobs.saved")"
}

@test "check reports a knob weaker than the drop-in after harden" {
	save_knobs
	"$ADM" harden >/dev/null
	echo 0 >/proc/sys/fs/protected_symlinks
	run "$ADM" check
	"$ADM" harden --undo >/dev/null
	assert_failure 1
	assert_line "problem: kernel: fs.protected_symlinks is 0, weaker than 1 in /etc/sysctl.d/60-agent-shell.conf — fix: sysctl -w fs.protected_symlinks=1"
}

@test "check warns about weaker knobs on a host never hardened" {
	save_knobs
	echo 0 >/proc/sys/fs/protected_fifos
	run "$ADM" check
	assert_line --regexp "^warning: kernel: [0-9]+ knob\(s\) weaker than agent-admin harden sets: .*fs\.protected_fifos.* — fix: agent-admin harden$"
}

@test "harden --userns reports a knob this kernel lacks, and still succeeds" {
	if [ -e /proc/sys/kernel/unprivileged_userns_clone ] || [ -e /proc/sys/kernel/apparmor_restrict_unprivileged_userns ]; then
		skip "this kernel has a knob for unprivileged user namespaces"
	fi
	save_knobs
	run "$ADM" harden --userns
	assert_success
	assert_line "kernel.unprivileged_userns_clone: not on this kernel; skipped"
	assert_line --partial "--userns: this kernel has no knob for unprivileged user namespaces alone"
	"$ADM" harden --undo >/dev/null
	assert_equal "$(knob_values)" "$(cat "$SCRATCH/knobs.saved")"
}

@test "harden --undo --userns is a usage error" {
	run "$ADM" harden --undo --userns
	assert_failure 2
	assert_output "agent-admin: harden: --undo restores what was recorded; it takes no --userns (see --help)"
}

@test "harden --undo with nothing recorded changes nothing" {
	save_knobs
	run "$ADM" harden --undo
	assert_success
	assert_output "harden --undo: nothing recorded; nothing to undo"
	assert_equal "$(knob_values)" "$(cat "$SCRATCH/knobs.saved")"
}

@test "harden --undo writes no knob the record names that harden does not set" {
	save_knobs
	install -d -m 0700 /var/lib/agent-shell
	local pattern
	pattern=$(cat /proc/sys/kernel/core_pattern)
	printf 'kernel.core_pattern=|/tmp/evil\n' >/var/lib/agent-shell/harden.state
	chmod 0600 /var/lib/agent-shell/harden.state
	run "$ADM" harden --undo
	assert_failure 1
	assert_line "agent-admin: /var/lib/agent-shell/harden.state: unknown knob 'kernel.core_pattern'"
	assert_equal "$(cat /proc/sys/kernel/core_pattern)" "$pattern"
}

# ---- revoke and remove never stop early ------------------------------------------

# 304 named entries (uids 70000-70303), as setfacl from a session sets them.
acl304() {
	local spec="" i
	for i in $(seq 70000 70303); do spec="${spec}u:$i:r,"; done
	echo "${spec%,}"
}

@test "revoke finishes past a file the agent gave a 304-entry ACL" {
	local d="/tmp/$ALICE-home/big"
	runuser -u "$ALICE" -- mkdir "$d"
	runuser -u "$ALICE" -- sh -c "echo x >'$d/owners'"
	"$ADM" grant "$ALICE" "$d" >/dev/null
	runuser -u "$ALICE-agent" -- sh -c "echo y >'$d/agents' && setfacl -m '$(acl304)' '$d/agents'"
	runuser -u "$ALICE" -- setfacl -m "$(acl304)" "$d/owners"
	[ "$(getfacl -cp "$d/agents" | grep -c '^user:7')" = 304 ]
	run "$ADM" revoke "$ALICE" "$d"
	assert_success
	assert_line --regexp "^revoked $d: "
	run grep -c "^path = $d\$" "$REGDIR/$ALICE.conf"
	assert_output 0
	# Exactly the agent's entry went; the 304 others stayed.
	run getfacl -cp "$d/owners"
	refute_line --partial "user:$ALICE-agent:"
	[ "$(getfacl -cp "$d/owners" | grep -c '^user:7')" = 304 ]
}

@test "grant takes a file with a 304-entry ACL too" {
	local d="/tmp/$ALICE-home/big2"
	runuser -u "$ALICE" -- mkdir "$d"
	runuser -u "$ALICE" -- sh -c "echo x >'$d/f' && setfacl -m '$(acl304)' '$d/f'"
	run "$ADM" grant "$ALICE" "$d"
	assert_success
	run getfacl -cp "$d/f"
	assert_line --regexp "^user:$ALICE-agent:rw-"
	"$ADM" revoke "$ALICE" "$d" >/dev/null
}

@test "revoke carries on past a file it cannot change, reports it, and a re-run finishes" {
	local d="/tmp/$ALICE-home/stuck"
	runuser -u "$ALICE" -- mkdir "$d" "$d/sub"
	runuser -u "$ALICE" -- sh -c "cd '$d' && echo a >a && echo b >sub/b && echo c >sub/c"
	"$ADM" grant "$ALICE" "$d" >/dev/null
	chattr +i "$d/sub/b" || skip "no chattr +i on this filesystem"
	run "$ADM" revoke "$ALICE" "$d"
	chattr -i "$d/sub/b"
	assert_failure 1
	assert_line --regexp "^agent-admin: 1 file\(s\) or directories could not be changed; the first: $d/sub/b: cannot write ACL: Operation not permitted$"
	assert_line "agent-admin: revoke $d: 1 step(s) failed (above), the rest is done; it stays 'revoking' until a re-run of revoke finishes it"
	# Everything else is already clean.
	run getfacl -cp "$d/a" "$d/sub/c" "$d/sub" "$d"
	refute_line --partial "user:$ALICE-agent:"
	run grep -A3 "^path = $d\$" "$REGDIR/$ALICE.conf"
	assert_line "state = revoking"
	run "$ADM" revoke "$ALICE" "$d"
	assert_success
	run getfacl -cp "$d/sub/b"
	refute_line --partial "user:$ALICE-agent:"
}

@test "remove carries on past a project it cannot revoke and keeps the account" {
	local d="/tmp/$CAROL-home/stuck"
	chmod 0755 "/tmp/$CAROL-home"
	"$ADM" add "$CAROL" >/dev/null
	runuser -u "$CAROL" -- mkdir -p "$d" "/tmp/$CAROL-home/fine"
	runuser -u "$CAROL" -- sh -c "echo a >'$d/a' && echo b >'/tmp/$CAROL-home/fine/b'"
	"$ADM" grant "$CAROL" "$d" >/dev/null
	"$ADM" grant "$CAROL" "/tmp/$CAROL-home/fine" >/dev/null
	chattr +i "$d/a" || skip "no chattr +i on this filesystem"
	run "$ADM" remove "$CAROL"
	chattr -i "$d/a"
	assert_failure 1
	assert_line "agent-admin: remove $CAROL: 1 step(s) failed (above), the rest is done; $CAROL-agent and its registry are kept until a re-run of remove finishes"
	# The other project was revoked all the same.
	run getfacl -cp "/tmp/$CAROL-home/fine/b"
	refute_line --partial "user:$CAROL-agent:"
	getent passwd "$CAROL-agent" >/dev/null
	run "$ADM" remove "$CAROL"
	assert_success
	run getent passwd "$CAROL-agent"
	assert_failure
}

# ---- walks stop at mount boundaries ---------------------------------------------

@test "grant does not cross a bind mount of the owner's other directory inside the tree" {
	local d="/tmp/$ALICE-home/mnttree" priv="/tmp/$ALICE-home/private"
	runuser -u "$ALICE" -- sh -c "umask 077; mkdir -p '$d/mnt' '$priv' && echo key >'$priv/id_rsa'"
	# Same filesystem, same st_dev: only the mount id tells them apart.
	# In a private mount namespace, so nothing else on the host sees it.
	run unshare -m sh -c "mount --bind '$priv' '$d/mnt' &&
		[ \"\$(stat -c %d '$priv')\" = \"\$(stat -c %d '$d/mnt')\" ] &&
		'$ADM' grant '$ALICE' '$d' && getfacl -cp '$priv/id_rsa' '$priv'"
	"$ADM" revoke "$ALICE" "$d" >/dev/null
	assert_success
	refute_line --partial "user:$ALICE-agent:"
	assert_line --regexp "^granted $d: .* [1-9][0-9]* skipped"
}

@test "revoke does not cross a bind mount inside the tree either" {
	local d="/tmp/$ALICE-home/mnttree2" other="/tmp/$ALICE-home/other2"
	runuser -u "$ALICE" -- sh -c "mkdir -p '$d/mnt' '$other' && echo x >'$other/f'"
	# An entry for the agent beyond the mount that revoke must leave
	# alone: it is not the tree's.
	setfacl -m "u:$ALICE-agent:r" "$other/f"
	"$ADM" grant "$ALICE" "$d" >/dev/null
	run unshare -m sh -c "mount --bind '$other' '$d/mnt' && '$ADM' revoke '$ALICE' '$d' &&
		getfacl -cp '$other/f'"
	assert_success
	assert_line "user:$ALICE-agent:r--"
	setfacl -x "u:$ALICE-agent" "$other/f"
}

# ---- check: agent-planted symlinks out of a grant -----------------------------------

@test "check reports the agent's symlink from the grant into the owner's home" {
	local d="/tmp/$ALICE-home/proj"
	runuser -u "$ALICE-agent" -- ln -s "/tmp/$ALICE-home/.bashrc" "$d/build.log"
	run "$ADM" check "$ALICE"
	rm -f "$d/build.log"
	assert_failure 1
	assert_line "problem: $ALICE: $ALICE-agent's symlink $d/build.log in the grant points outside it, into the owner's home: /tmp/$ALICE-home/.bashrc — fix: rm $d/build.log (and look at what was written through it)"
}

@test "check resolves a relative symlink of the agent that climbs out of the grant" {
	local d="/tmp/$ALICE-home/proj"
	runuser -u "$ALICE-agent" -- mkdir -p "$d/a/b"
	runuser -u "$ALICE-agent" -- ln -s ../../../notes "$d/a/b/out"
	run "$ADM" check "$ALICE"
	rm -rf "$d/a"
	assert_failure 1
	assert_line --partial "problem: $ALICE: $ALICE-agent's symlink $d/a/b/out in the grant points outside it, into the owner's home: ../../../notes"
}

@test "check only warns about the agent's symlink to a system file" {
	local d="/tmp/$ALICE-home/proj"
	runuser -u "$ALICE-agent" -- ln -s /usr/bin/python3 "$d/python"
	run "$ADM" check "$ALICE"
	rm -f "$d/python"
	assert_line "warning: $ALICE: $ALICE-agent's symlink $d/python in the grant points outside it: /usr/bin/python3 — fix: rm $d/python"
	refute_line --partial "problem: $ALICE: $ALICE-agent's symlink"
}

@test "check says nothing about symlinks inside the grant or the owner's own" {
	local d="/tmp/$ALICE-home/proj"
	runuser -u "$ALICE-agent" -- ln -s main.c "$d/inside"
	runuser -u "$ALICE" -- ln -s "/tmp/$ALICE-home/notes" "$d/owners-link"
	run "$ADM" check "$ALICE"
	rm -f "$d/inside" "$d/owners-link"
	refute_line --partial "'s symlink"
}

@test "the session's git metadata walk does not cross a bind mount inside the grant" {
	local sh="${AS_PREFIX:-/usr}/bin/agent-shell" d="/tmp/$ALICE-home/gitmnt" other="/tmp/$ALICE-home/gitother"
	[ -x "$sh" ] || skip "needs the install at AS_PREFIX"
	runuser -u "$ALICE" -- sh -c "mkdir -p '$d/mnt' '$other' && git init -q '$d/own' &&
		git init -q '$other/r1' && git init -q '$other/r2'"
	"$ADM" grant "$ALICE" "$d" >/dev/null
	run unshare -m sh -c "mount --bind '$other' '$d/mnt' &&
		runuser -u '$ALICE' -- '$sh' --explain -C '$d'"
	"$ADM" revoke "$ALICE" "$d" >/dev/null
	assert_success
	# proj (main.c, no repository) and own: the two under mnt are not the grant's.
	assert_line --regexp "^session: git: 1 repositories of the read-write grants get the agent's own git directory "
}
