#!/usr/bin/env bats
# agent-admin check: the consistency and exposure report, against real
# accounts provisioned by the real agent-admin (suite 'root').
#
# The host is shared: other suites create throwaway users at the same time,
# and it may have homes of its own that any agent can list.  So the tests
# assert the lines about our throwaway owner exactly, and the exit status
# only where it follows from them; "healthy" means nothing is reported about
# our owner, and exit 0 exactly when nothing is reported about anything.

bats_require_minimum_version 1.5.0

load common

setup_file() {
	if [ -n "${AS_PREFIX:-}" ] && [ -x "$AS_PREFIX/sbin/agent-admin" ]; then
		ADMIN="$AS_PREFIX/sbin/agent-admin"
	else
		ADMIN="$AS_BUILD_DIR/tools/agent-admin"
	fi
	REGDIR=$("$ADMIN" --help | sed -n 's|^Registry: \(.*\)/OWNER\.conf.*|\1|p')
	[ -n "$REGDIR" ]

	# One prefix for every name this suite creates (owner, agent, group).
	O="achk$$o"
	A="$O-agent"
	OHOME="/home/$O"
	PROJ="$OHOME/src/proj"
	SNAP="$BATS_FILE_TMPDIR/etc"
	mkdir -p "$SNAP"
	for f in passwd group shadow gshadow; do cp -p "/etc/$f" "$SNAP/$f"; done

	useradd --create-home --home-dir "$OHOME" --shell /bin/bash \
		--comment "agent-shell check test" "$O"
	OUID=$(id -u "$O")
	# A careful owner: home and dotfiles closed, the project in ~/src.
	chmod 700 "$OHOME"
	find "$OHOME" -maxdepth 1 -type f -exec chmod 600 {} +
	mkdir -p "$PROJ/sub"
	echo a >"$PROJ/a.txt"
	echo b >"$PROJ/sub/b.txt"
	git init -q "$PROJ"
	chmod 700 "$OHOME/src"
	chown -R "$O:$O" "$OHOME/src"

	"$ADMIN" add "$O" >/dev/null
	"$ADMIN" grant "$O" "$PROJ" >/dev/null
	export ADMIN REGDIR O A OHOME PROJ SNAP OUID
}

teardown_file() {
	[ -n "${O:-}" ] || return 0
	"$ADMIN" remove "$O" >/dev/null 2>&1 || true
	pkill -KILL -u "$O" 2>/dev/null || true
	userdel --remove "$O" 2>/dev/null || true
	rm -f "$REGDIR/$O.conf" "$REGDIR/.$O.adding"
	# The account files must be as before, for our names.  Not restored
	# wholesale from the snapshot: other suites add and remove their own
	# users meanwhile, and a copy back would undo their work.  Anything of
	# ours left over is removed with the system tools and fails the suite.
	local f left=""
	for f in passwd group shadow gshadow; do
		if grep -q -- "$O" "/etc/$f"; then
			left="$left /etc/$f"
		fi
	done
	if [ -n "$left" ]; then
		getent group | grep -- "$O" | cut -d: -f1 | while read -r g; do
			case "$g" in "$O"|"$A") groupdel "$g" 2>/dev/null || true ;;
			*) gpasswd -d "$O" "$g" >/dev/null 2>&1; gpasswd -d "$A" "$g" >/dev/null 2>&1 ;;
			esac
		done
		userdel "$A" 2>/dev/null || true
		echo "teardown: entries of $O were left in:$left" >&2
		return 1
	fi
	# And nothing else of ours: the snapshot lines that mention our prefix
	# (none: it is unique) equal the current ones.
	for f in passwd group shadow gshadow; do
		diff <(grep -- "$O" "$SNAP/$f" || true) <(grep -- "$O" "/etc/$f" || true)
	done
}

# Undo whatever a test planted, then converge the grant again.
teardown() {
	chmod 644 "$REGDIR/$O.conf" 2>/dev/null || true
	rm -f "$REGDIR/${O}b.conf" "$REGDIR/${O}c.conf"
	chmod 700 "$OHOME"
	rm -rf "$OHOME/.ssh" "$OHOME/.token" "$OHOME/.private"
	git config -f "$PROJ/.git/config" --unset core.hooksPath 2>/dev/null || true
	rm -rf "$PROJ/.githooks"
	chmod 644 "$PROJ/a.txt"
	gpasswd -d "$A" adm >/dev/null 2>&1 || true
	usermod -L "$A"
	if [ -n "${SOCK_PID:-}" ]; then kill "$SOCK_PID" 2>/dev/null || true; wait "$SOCK_PID" 2>/dev/null || true; fi
	rm -rf "/tmp/$O-sock"
	"$ADMIN" grant "$O" "$PROJ" >/dev/null
}

check() {
	run "$ADMIN" check "$@"
}

# Lines about our owner's own things: its registry, accounts, projects and
# home.  Our agent listing somebody else's home is the host's finding.
ours() {
	printf '(: %s: |%s[/ ]|/%s\\.conf)' "$O" "$OHOME" "$O"
}

# Findings (not warnings) that are not about our owner.
foreign_findings() {
	grep -E '^(problem|exposure): ' <<<"$output" | grep -Ev -- "$(ours)" || true
}

@test "check on a healthy host says nothing about a well-provisioned owner" {
	check "$O"
	assert_line --regexp '^info: kernel Landlock ABI [0-9]+$'
	refute_line --regexp "^(problem|exposure|warning): .*$(ours)"
	if [ -z "$(foreign_findings)" ]; then
		assert_success
		assert_line --regexp "^ok: the agent of $O checked, Landlock ABI [0-9]+, no problems( \\(see the warnings above\\))?$"
	else
		# What this host has wrong besides our owner (a helper not
		# installed, a home any account can list) still fails check.
		assert_failure 1
	fi
}

@test "check reports a world-readable ~/.ssh/id_rsa with its path and a fix" {
	install -d -m 0755 -o "$O" -g "$O" "$OHOME/.ssh"
	install -m 0644 -o "$O" -g "$O" /dev/null "$OHOME/.ssh/id_rsa"
	install -m 0644 -o "$O" -g "$O" /dev/null "$OHOME/.ssh/id_rsa.pub"
	chmod 755 "$OHOME"
	check "$O"
	assert_failure 1
	assert_line "exposure: $A can read $OHOME/.ssh/id_rsa (mode 0644, uid $OUID) — fix: chmod 600 $OHOME/.ssh/id_rsa"
	assert_line --partial "exposure: $A can list $OHOME/.ssh (mode 0755"
	# The home is 0755 now, yet the agent cannot list it: its own ACL
	# entry u:AGENT:--x (the traverse grant) comes before "other" (acl(5)).
	refute_line --partial "can list $OHOME (mode"
	# A public key is public: readable is fine.
	refute_line --partial "can read $OHOME/.ssh/id_rsa.pub"
}

@test "exposure is what the agent can open, not what the mode bits suggest" {
	# Readable only through a group the agent is in: no "other" bit.
	install -m 0640 -o "$O" -g agent-shell-agents /dev/null "$OHOME/.token"
	# World-readable, but in a directory the agent cannot search.
	install -d -m 0700 -o "$O" -g "$O" "$OHOME/.private"
	install -m 0644 -o "$O" -g "$O" /dev/null "$OHOME/.private/key"
	check "$O"
	assert_failure 1
	assert_line --partial "exposure: $A can read $OHOME/.token (mode 0640"
	refute_line --partial "$OHOME/.private/key"
}

@test "check reports a file whose ACL mask a chmod narrowed" {
	chmod 600 "$PROJ/a.txt"
	check "$O"
	assert_failure 1
	assert_line "problem: $O: $PROJ: 1 file(s) whose ACL mask hides the agent's or the owner's rights (a chmod sets the mask) (first: $PROJ/a.txt) — fix: agent-admin grant $O $PROJ"
}

@test "check reports a missing ACL entry for the agent" {
	setfacl -x "u:$A" "$PROJ/sub/b.txt"
	check "$O"
	assert_failure 1
	assert_line "problem: $O: $PROJ: 1 file(s) without the agent's ACL entry u:$A (first: $PROJ/sub/b.txt) — fix: agent-admin grant $O $PROJ"
}

@test "check reports an agent ACL entry inside the owner's git directory, and grant takes it away" {
	setfacl -m "u:$A:rw" "$PROJ/.git/config"
	check "$O"
	assert_failure 1
	assert_line "problem: $O: $PROJ: 1 file(s) inside the owner's git directories with an ACL entry for the agent, which could plant hooks or config the owner's git runs (first: $PROJ/.git/config) — fix: agent-admin grant $O $PROJ"
	"$ADMIN" grant "$O" "$PROJ" >/dev/null
	run getfacl --omit-header --absolute-names "$PROJ/.git/config"
	refute_output --partial "user:$A"
}

@test "check reports a default ACL entry for the agent on a git directory's hooks" {
	setfacl -d -m "u:$A:rwx" "$PROJ/.git/hooks"
	check "$O"
	assert_failure 1
	assert_line --partial "problem: $O: $PROJ: 1 file(s) inside the owner's git directories with an ACL entry for the agent"
}

@test "check reports a file the agent owns inside the owner's git directory" {
	install -o "$A" -g "$A" -m 0644 /dev/null "$PROJ/.git/commondir"
	check "$O"
	rm -f "$PROJ/.git/commondir"
	assert_failure 1
	assert_line "problem: $O: $PROJ: 1 file(s) inside the owner's git directories belong to the agent, which can change them (first: $PROJ/.git/commondir) — fix: read them, then remove them or chown them to the owner"
}

@test "check reports a project the agent can no longer reach after chmod 700 of the owner's home" {
	# The home's traverse entry u:AGENT:--x stays, but chmod sets the
	# mask to ---: the entry no longer counts.
	chmod 755 "$OHOME"
	chmod 700 "$OHOME"
	check "$O"
	assert_failure 1
	assert_line "problem: $O: $A cannot read and write its granted project $PROJ (Permission denied) — fix: agent-admin grant $O $PROJ"
	assert_line --partial "problem: $O: traverse entry u:$A:--x on $OHOME is gone"
}

@test "check warns when core.hooksPath points inside the shared project" {
	git config -f "$PROJ/.git/config" core.hooksPath .githooks
	check "$O"
	assert_line --partial "warning: $O: $PROJ/.git/config sets core.hooksPath = .githooks, inside the shared tree: $A can write the hooks $O's git runs — fix: "
	# A warning alone does not make check fail.
	refute_line --regexp "^(problem|exposure): .*$(ours)"
}

@test "check does not trust a group-writable registry file" {
	chmod 664 "$REGDIR/$O.conf"
	check "$O"
	assert_failure 1
	assert_line "problem: $O: registry $REGDIR/$O.conf is uid 0 mode 0664, group/other writable: not trusted, $O's agent not checked further — fix: check its content, then chown root:root $REGDIR/$O.conf && chmod 644 $REGDIR/$O.conf"
}

@test "check reports an agent account two registries name, and an owner that is another's agent" {
	# A registry copied by hand under another owner's name.
	sed "s/^owner = $O\$/owner = ${O}b/" "$REGDIR/$O.conf" >"$REGDIR/${O}b.conf"
	chmod 644 "$REGDIR/${O}b.conf"
	check "$O"
	assert_failure 1
	assert_line "problem: $O: agent account $A is also named by ${O}b's registry — fix: keep the registry of $A's rightful owner: move the other out of $REGDIR, then agent-admin add for its owner"
	refute_line --partial "the owner is itself the agent"
	rm "$REGDIR/${O}b.conf"
	# One whose agent account is our owner.
	sed -e "s/^owner = $O\$/owner = ${O}c/" -e "s/^account = $A\$/account = $O/" \
		"$REGDIR/$O.conf" >"$REGDIR/${O}c.conf"
	chmod 644 "$REGDIR/${O}c.conf"
	check "$O"
	assert_failure 1
	assert_line "problem: $O: the owner is itself the agent of ${O}c — fix: agent-admin remove $O"
	refute_line --partial "is also named by"
	rm "$REGDIR/${O}c.conf"
	# Alone again: neither.
	check "$O"
	refute_line --partial "is also named by"
	refute_line --partial "the owner is itself the agent"
}

@test "check reports an unlocked agent password and a privileged group" {
	usermod -p 'not-a-hash' "$A"
	gpasswd -a "$A" adm >/dev/null
	check "$O"
	assert_failure 1
	assert_line "problem: $O: agent $A's password is not locked — fix: usermod -L $A"
	assert_line "problem: $O: agent $A is in the privileged group adm — fix: gpasswd -d $A adm"
}

@test "check reports a unix socket the agent can connect to" {
	[ -x /usr/bin/python3 ] || skip "needs /usr/bin/python3 to listen on a socket"
	install -d -m 0755 -o "$O" -g "$O" "/tmp/$O-sock"
	setpriv --reuid="$O" --regid="$O" --clear-groups -- /usr/bin/python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o777); s.listen(4)
open(sys.argv[1] + ".ready", "w").close()
time.sleep(60)' "/tmp/$O-sock/agent.1" </dev/null >/dev/null 2>&1 3>&- &
	SOCK_PID=$!
	for _ in $(seq 50); do [ -e "/tmp/$O-sock/agent.1.ready" ] && break; sleep 0.1; done
	check "$O"
	assert_failure 1
	assert_line "exposure: $A can connect to /tmp/$O-sock/agent.1 (mode 0777, uid $OUID) — fix: chmod go-rwx /tmp/$O-sock/agent.1 (or its directory)"
}

@test "check --json reports the same findings as objects" {
	[ -x /usr/bin/python3 ] || skip "needs /usr/bin/python3 to read JSON"
	install -m 0644 -o "$O" -g "$O" /dev/null "$OHOME/.token"
	run --separate-stderr "$ADMIN" check "$O" --json
	assert_failure 1
	run /usr/bin/python3 -c '
import json, sys
r = json.loads(sys.argv[1])
want = "%s can read %s/.token (mode 0644, uid %s)" % (sys.argv[2], sys.argv[3], sys.argv[4])
f = [x for x in r["findings"] if x["text"] == want]
assert r["ok"] is False and r["agents_checked"] == 1 and r["landlock_abi"] >= 0, r
assert len(f) == 1 and f[0]["kind"] == "exposure", r["findings"]
print(f[0]["fix"])' "$output" "$A" "$OHOME" "$OUID"
	assert_success
	assert_output "chmod 600 $OHOME/.token"
}

@test "check for an owner without an agent fails with one line naming the fix" {
	check "${O}x"
	assert_failure 1
	assert_line "problem: ${O}x: no agent registered ($REGDIR/${O}x.conf does not exist) — fix: agent-admin add ${O}x"
}

@test "check with two owners or an unknown option is a usage error" {
	check "$O" other
	assert_failure 2
	assert_output --partial "check: unexpected argument 'other'"
	check --frobnicate
	assert_failure 2
	assert_output --partial "check: unknown option '--frobnicate'"
	check 'bad/name'
	assert_failure 2
}

# check parses its arguments like every other subcommand: main's table,
# before the privilege check.  A copy anyone can run, since the build
# directory may be closed to nobody.
as_nobody_check() {
	local pub
	pub=$(mktemp -d /tmp/as-achk.XXXXXX)
	chmod 0755 "$pub"
	install -m 0755 "$ADMIN" "$pub/agent-admin"
	run setpriv --reuid=nobody --regid=nogroup --clear-groups "$pub/agent-admin" check "$@"
	rm -rf "$pub"
}

@test "check's unknown option is a usage error before the privilege check" {
	as_nobody_check --frobnicate
	assert_failure 2
	assert_output "agent-admin: check: unknown option '--frobnicate' (see --help)"
}

@test "check with two owners is a usage error before the privilege check" {
	as_nobody_check "$O" other
	assert_failure 2
	assert_output "agent-admin: check: unexpected argument 'other' (see --help)"
}

@test "check refuses another subcommand's option by name" {
	check "$O" --account x
	assert_failure 2
	assert_output "agent-admin: check: option '--account' does not apply here (see --help)"
}

@test "check with valid arguments still needs root" {
	as_nobody_check "$O" --json
	assert_failure 1
	assert_output 'agent-admin: must be run as root'
}
