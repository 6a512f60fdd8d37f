#!/usr/bin/env bats
# agent-admin against real accounts, groups and ACLs (suite 'root').
#
# Every account this file creates starts with a prefix unique to the run
# ("ast" + pid); nothing else on the host is touched.  setup_file creates
# the owners alice, bob, carol, dave and erin (prefixed) and gives alice and
# bob their agents; each test shares its own directories and revokes them
# in teardown; teardown_file deletes everything with the prefix and the
# agent-shell groups if this run created them, then checks that
# /etc/passwd, group, shadow and gshadow are back to what they were.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

setup_file() {
	if [ -n "${AS_PREFIX:-}" ] && [ -x "$AS_PREFIX/sbin/agent-admin" ]; then
		ADM="$AS_PREFIX/sbin/agent-admin"
	else
		ADM="$AS_BUILD_DIR/tools/agent-admin"
	fi
	# A copy anyone can execute, for the tests that run it unprivileged.
	ADM_PUBLIC=$(mktemp -d /tmp/as-adm.XXXXXX)
	chmod 0755 "$ADM_PUBLIC"
	install -m 0755 "$ADM" "$ADM_PUBLIC/agent-admin"
	REGDIR=$("$ADM" --help | sed -n 's|^Registry: \(.*\)/OWNER.conf.*|\1|p')
	P="ast$$"
	SNAP="$BATS_FILE_TMPDIR/snap"
	mkdir -p "$SNAP"
	for f in passwd group shadow gshadow; do cp -p "/etc/$f" "$SNAP/$f"; done
	HAD_USERS_GROUP=0; getent group agent-shell-users >/dev/null && HAD_USERS_GROUP=1
	HAD_AGENTS_GROUP=0; getent group agent-shell-agents >/dev/null && HAD_AGENTS_GROUP=1

	ALICE=${P}a BOB=${P}b CAROL=${P}c DAVE=${P}d ERIN=${P}e
	for u in "$ALICE" "$BOB" "$CAROL" "$DAVE" "$ERIN"; do
		useradd --create-home --shell /bin/bash --comment "agent-admin test" "$u"
		# A private home: the agent needs the traverse entry to get in.
		chmod 0700 "/home/$u"
	done
	"$ADM" add "$ALICE" >/dev/null
	"$ADM" add "$BOB" >/dev/null
	export ADM ADM_PUBLIC REGDIR P SNAP HAD_USERS_GROUP HAD_AGENTS_GROUP ALICE BOB CAROL DAVE ERIN
}

teardown_file() {
	local u g f
	# shellcheck disable=SC2013 # account names are single words
	for u in $(cut -d: -f1 /etc/passwd | grep "^$P" | grep -- '-agent$'); do
		pkill -KILL -u "$u" 2>/dev/null || true
	done
	for u in "$ALICE" "$BOB" "$CAROL" "$DAVE" "$ERIN"; do
		"$ADM" remove "$u" >/dev/null 2>&1 || true
	done
	# shellcheck disable=SC2013 # account names are single words
	for u in $(cut -d: -f1 /etc/passwd | grep "^$P"); do
		pkill -KILL -u "$u" 2>/dev/null || true
		userdel --remove "$u" 2>/dev/null || true
	done
	# shellcheck disable=SC2013 # account names are single words
	for g in $(cut -d: -f1 /etc/group | grep "^$P"); do groupdel "$g" 2>/dev/null || true; done
	rm -f "$REGDIR/$P"*.conf "$REGDIR/.$P"*
	# The groups stay on a real host (docs/agent-admin.md); a test run
	# leaves the host as it found it, if nobody else uses them by now.
	if [ "$HAD_USERS_GROUP" = 0 ] && [ -z "$(getent group agent-shell-users | cut -d: -f4)" ]; then
		groupdel agent-shell-users 2>/dev/null || true
	fi
	if [ "$HAD_AGENTS_GROUP" = 0 ] && [ -z "$(getent group agent-shell-agents | cut -d: -f4)" ]; then
		groupdel agent-shell-agents 2>/dev/null || true
	fi
	rm -rf "$ADM_PUBLIC"
	for f in passwd group shadow gshadow; do
		diff -u "$SNAP/$f" "/etc/$f" >&3 || echo "# teardown: /etc/$f differs from before the run (see above)" >&3
	done
}

teardown() {
	local o p
	for o in "$ALICE" "$BOB"; do
		[ -f "$REGDIR/$o.conf" ] || continue
		sed -n 's/^path = //p' "$REGDIR/$o.conf" | while read -r p; do
			"$ADM" revoke "$o" "$p" >/dev/null 2>&1 || true
		done
	done
	pkill -KILL -u "$ALICE-agent" 2>/dev/null || true
	# A test that pinned alice's profiles lifts the pin again.
	if grep -q '^profiles = ' "$REGDIR/$ALICE.conf" 2>/dev/null; then
		"$ADM" set "$ALICE" --profiles all --profile default >/dev/null
	fi
	rm -rf "/home/$ALICE/t" "/home/$BOB/t" "/home/$DAVE/t" "/home/$ERIN/t"
}

# A fresh directory owned by OWNER under ~OWNER/t, printed.
mkproj() {
	local owner=$1 name=$2 d
	install -d -o "$owner" -g "$owner" -m 0750 "/home/$owner/t"
	d="/home/$owner/t/$name"
	install -d -o "$owner" -g "$owner" -m 0750 "$d"
	echo "$d"
}

# Runs a shell command as USER, as a session would: its own ids and groups,
# its home, umask 007.
as() {
	local user=$1 home
	home=$(getent passwd "$user" | cut -d: -f6)
	setpriv --reuid="$user" --regid="$user" --init-groups \
		env -i HOME="$home" PATH=/usr/bin:/bin LC_ALL=C \
		bash -c "umask 007; cd /; $2"
}

acl_of() { getfacl --absolute-names --recursive "$@" 2>/dev/null; }

# ---- calling it ----------------------------------------------------------

@test "--help and --version work without privileges" {
	run setpriv --reuid=nobody --regid=nogroup --clear-groups "$ADM_PUBLIC/agent-admin" --version
	assert_success
	assert_output --regexp '^agent-admin [0-9]+\.[0-9]+'
	run setpriv --reuid=nobody --regid=nogroup --clear-groups "$ADM_PUBLIC/agent-admin" --help
	assert_success
	assert_output --partial 'agent-admin grant OWNER DIR [--read-only]'
}

@test "a non-root caller is refused" {
	run setpriv --reuid=nobody --regid=nogroup --clear-groups "$ADM_PUBLIC/agent-admin" list
	assert_failure 1
	assert_output 'agent-admin: must be run as root'
}

@test "usage errors exit 2 with one line" {
	run "$ADM" frobnicate
	assert_failure 2
	assert_output "agent-admin: unknown command 'frobnicate' (see --help)"
	run "$ADM" grant "$ALICE"
	assert_failure 2
	assert_equal "${#lines[@]}" 1
	assert_output --regexp '^agent-admin: grant: missing argument; usage: agent-admin grant OWNER DIR .* \(see --help\)$'
	run "$ADM" grant "$ALICE" /tmp --recursive
	assert_failure 2
	assert_output "agent-admin: grant: unknown option '--recursive' (see --help)"
	run "$ADM" list --read-only
	assert_failure 2
	assert_output "agent-admin: list: option '--read-only' does not apply here (see --help)"
}

# ---- add -------------------------------------------------------------------

@test "add makes a locked agent with its own group, bash, a 0700 home and no other group" {
	local a="$ALICE-agent"
	run getent passwd "$a"
	assert_success
	assert_output --regexp "^$a:x:[0-9]+:[0-9]+:agent-shell agent of $ALICE:/home/$a:/bin/bash\$"
	[ "$(id -gn "$a")" = "$a" ]
	run id -nG "$a"
	assert_output --regexp "^($a agent-shell-agents|agent-shell-agents $a)\$"
	[ "$(getent shadow "$a" | cut -d: -f2 | cut -c1)" = '!' ]
	[ "$(stat -c '%a %U' "/home/$a")" = "700 $a" ]
	getent group agent-shell-users | cut -d: -f4 | tr ',' '\n' | grep -qx "$ALICE"
	[ "$(stat -c '%a %U' "$REGDIR/$ALICE.conf")" = "644 root" ]
}

# This file's accounts (prefix $P) as passwd, group, shadow and gshadow
# hold them, and every group membership of theirs.  Not the whole files:
# other test runs on this machine add and remove their own accounts
# meanwhile.
own_accounts() {
	grep -H "^$P" /etc/passwd /etc/group /etc/shadow /etc/gshadow
	awk -F: -v p="$P" '{ n = split($4, m, ","); for (i = 1; i <= n; i++)
		if (index(m[i], p) == 1) print FILENAME ":" $1 ":" m[i] }' /etc/group /etc/gshadow
}

@test "re-running add changes nothing" {
	local before
	before=$(own_accounts; cat "$REGDIR/$ALICE.conf")
	[ -n "$before" ]
	run "$ADM" add "$ALICE"
	assert_success
	assert_output "$ALICE-agent: already set up as the agent of $ALICE; nothing to do"
	[ "$(own_accounts; cat "$REGDIR/$ALICE.conf")" = "$before" ]
}

@test "add refuses an existing account named OWNER-agent that is not an agent" {
	useradd --no-create-home "$CAROL-agent"
	run "$ADM" add "$CAROL"
	assert_failure 1
	assert_output "agent-admin: $CAROL-agent: an account with this name exists and is not an agent of $CAROL; refusing to adopt it"
	[ ! -e "$REGDIR/$CAROL.conf" ]
	userdel "$CAROL-agent"
}

@test "an add interrupted after useradd is finished by a re-run" {
	# What kill -9 between useradd and the registry leaves: the account
	# and the intent record, no registry.
	run "$ADM" add "$DAVE"
	assert_success
	rm "$REGDIR/$DAVE.conf"
	printf '%s\n' "$DAVE-agent" >"$REGDIR/.$DAVE.adding"
	run "$ADM" add "$DAVE"
	assert_success
	assert_output --partial "is the agent of $DAVE"
	[ -f "$REGDIR/$DAVE.conf" ]
	[ ! -e "$REGDIR/.$DAVE.adding" ]
	run "$ADM" remove "$DAVE"
	assert_success
	run getent passwd "$DAVE-agent"
	assert_failure
}

@test "add refuses a user name with '/'" {
	run "$ADM" add 'a/b'
	assert_failure 1
	assert_output "agent-admin: user name 'a/b': '/' is not allowed (letters, digits, '_', '.' and '-' only)"
}

@test "add refuses a user name with ':'" {
	run "$ADM" add 'a:b'
	assert_failure 1
	assert_output "agent-admin: user name 'a:b': ':' is not allowed (letters, digits, '_', '.' and '-' only)"
}

@test "add refuses a user name with a newline, shown escaped" {
	run "$ADM" add $'a\nb'
	assert_failure 1
	assert_output "agent-admin: user name 'a\\x0ab': \\x0a is not allowed (letters, digits, '_', '.' and '-' only)"
}

@test "add refuses a user name of 33 bytes" {
	run "$ADM" add abcdefghijklmnopqrstuvwxyz0123456
	assert_failure 1
	assert_output "agent-admin: user name 'abcdefghijklmnopqrstuvwxyz0123456': longer than 32 bytes"
}

@test "add refuses an account name with '/'" {
	run "$ADM" add "$ERIN" --account 'x/y'
	assert_failure 1
	assert_output "agent-admin: account name 'x/y': '/' is not allowed (lowercase letters, digits, '_' and '-' only)"
}

@test "add refuses an unknown owner" {
	run "$ADM" add "${P}nobody"
	assert_failure 1
	assert_output "agent-admin: ${P}nobody: no such user"
}

@test "add refuses root" {
	run "$ADM" add root
	assert_failure 1
	assert_output "agent-admin: root: refusing to give root an agent (uid 0)"
}

@test "add refuses a system account" {
	run "$ADM" add daemon
	assert_failure 1
	assert_output --regexp '^agent-admin: daemon: a system account \(uid 1 is below UID_MIN [0-9]+\)$'
}

@test "add refuses nobody" {
	run "$ADM" add nobody
	assert_failure 1
	assert_output "agent-admin: nobody: the overflow account (uid 65534) is nobody's to delegate"
}

@test "add refuses an agent as owner" {
	run "$ADM" add "$ALICE-agent"
	assert_failure 1
	assert_output "agent-admin: $ALICE-agent: is itself the agent of $ALICE"
}

# ---- grant: what is refused ------------------------------------------------

@test "grant refuses /" {
	run "$ADM" grant "$ALICE" /
	assert_failure 1
	assert_output "agent-admin: /: refusing to share the root directory"
}

@test "grant refuses /etc" {
	run "$ADM" grant "$ALICE" /etc
	assert_failure 1
	assert_output "agent-admin: /etc: inside the system directory /etc"
}

@test "grant refuses a directory under /var without --allow-var" {
	local d
	d=$(mktemp -d /var/tmp/as-var.XXXXXX)
	chown "$ALICE:" "$d"
	run "$ADM" grant "$ALICE" "$d"
	assert_failure 1
	assert_output "agent-admin: $d: inside the system directory /var (pass --allow-var to share it anyway)"
	rm -rf "$d"
}

@test "grant refuses the home root" {
	run "$ADM" grant "$ALICE" /home
	assert_failure 1
	assert_output "agent-admin: /home: a home root; grant a project directory instead"
}

@test "grant refuses the owner's whole home" {
	run "$ADM" grant "$ALICE" "/home/$ALICE"
	assert_failure 1
	assert_output "agent-admin: /home/$ALICE: $ALICE's whole home; grant a project directory inside it instead"
}

@test "grant refuses a directory in another user's home" {
	local d
	d=$(mkproj "$BOB" theirs)
	chown "$ALICE" "$d"
	run "$ADM" grant "$ALICE" "$d"
	assert_failure 1
	assert_output "agent-admin: $d: inside $BOB's home"
}

@test "grant refuses a directory the owner does not own" {
	local d
	d=$(mktemp -d /tmp/as-notmine.XXXXXX)
	run "$ADM" grant "$ALICE" "$d"
	assert_failure 1
	assert_output "agent-admin: $d: owned by root (uid 0), not by $ALICE"
	rmdir "$d"
}

@test "grant refuses a DIR that is a symlink" {
	local d
	d=$(mkproj "$ALICE" real)
	ln -s "$d" "/home/$ALICE/t/link"
	run "$ADM" grant "$ALICE" "/home/$ALICE/t/link"
	assert_failure 1
	assert_output "agent-admin: /home/$ALICE/t/link: a symbolic link; name the directory itself"
}

@test "grant refuses a relative DIR" {
	run "$ADM" grant "$ALICE" src/foo
	assert_failure 1
	assert_output "agent-admin: src/foo: not an absolute path"
}

@test "grant refuses a DIR that does not exist" {
	run "$ADM" grant "$ALICE" "/home/$ALICE/nonexistent"
	assert_failure 1
	assert_output "agent-admin: /home/$ALICE/nonexistent: does not exist"
}

@test "grant refuses a path the registry cannot store" {
	local d
	d=$(mkproj "$ALICE" 'semi;colon')
	run "$ADM" grant "$ALICE" "$d"
	assert_failure 1
	assert_output "agent-admin: path '$d': contains ';', which the registry (INI) cannot store"
}

@test "grant refuses an owner without an agent" {
	local d
	d=$(mkproj "$ERIN" p)
	run "$ADM" grant "$ERIN" "$d"
	assert_failure 1
	assert_output "agent-admin: $ERIN: has no agent; run 'agent-admin add $ERIN' first"
}

@test "grant refuses a directory inside one already shared" {
	local d
	d=$(mkproj "$ALICE" outer)
	install -d -o "$ALICE" "$d/inner"
	"$ADM" grant "$ALICE" "$d" >/dev/null
	run "$ADM" grant "$ALICE" "$d/inner"
	assert_failure 1
	assert_output "agent-admin: $d/inner: inside $d, which is already shared with $ALICE-agent"
}

@test "a hand-edited registry is refused with file and line" {
	cp -p "$REGDIR/$ALICE.conf" "$BATS_TEST_TMPDIR/saved"
	printf 'this is not ini\n' >>"$REGDIR/$ALICE.conf"
	run "$ADM" grant "$ALICE" "/home/$ALICE"
	cp -p "$BATS_TEST_TMPDIR/saved" "$REGDIR/$ALICE.conf"
	assert_failure 1
	assert_output --regexp "^agent-admin: $REGDIR/$ALICE.conf:[0-9]+: expected 'key = value', a \[section\] or a comment\$"
}

# ---- grant: what it does ---------------------------------------------------

@test "owner and agent edit each other's files, new files and directories included" {
	local d a="$ALICE-agent"
	d=$(mkproj "$ALICE" edit)
	as "$ALICE" "umask 077; echo owner >$d/owner.txt; mkdir $d/old"
	run "$ADM" grant "$ALICE" "$d"
	assert_success
	as "$a" "echo agent >>$d/owner.txt && mkdir $d/sub && echo a >$d/sub/agent.txt && echo n >$d/agent.txt && echo x >$d/old/agent.txt"
	as "$ALICE" "echo owner >>$d/agent.txt && echo o >$d/sub/owner.txt && echo x >>$d/sub/agent.txt && mkdir $d/sub/deeper"
	as "$a" "echo y >$d/sub/deeper/agent.txt && echo z >>$d/sub/owner.txt"
	run as "$ALICE" "cat $d/owner.txt $d/agent.txt $d/sub/owner.txt $d/sub/deeper/agent.txt"
	assert_success
	assert_output $'owner\nagent\nn\nowner\no\nz\ny'
}

@test "an editor's write-temp-then-rename keeps both sides able to write" {
	local d a="$ALICE-agent"
	d=$(mkproj "$ALICE" editor)
	as "$ALICE" "echo v1 >$d/file"
	"$ADM" grant "$ALICE" "$d" >/dev/null
	as "$a" "printf 'v2\n' >$d/.file.swp && mv $d/.file.swp $d/file"
	as "$ALICE" "echo v3 >>$d/file && printf 'v4\n' >$d/.file.tmp && mv $d/.file.tmp $d/file"
	as "$a" "echo v5 >>$d/file"
	run as "$ALICE" "cat $d/file"
	assert_output $'v4\nv5'
}

@test "a read-only grant lets the agent read but not write" {
	local d a="$ALICE-agent"
	d=$(mkproj "$ALICE" ro)
	as "$ALICE" "echo data >$d/file"
	run "$ADM" grant "$ALICE" "$d" --read-only
	assert_success
	run as "$a" "cat $d/file"
	assert_output data
	run as "$a" "echo x >>$d/file"
	assert_failure
	assert_output --partial 'Permission denied'
	run as "$a" "touch $d/new"
	assert_failure
	assert_output --partial 'Permission denied'
}

@test "the agent gets traverse-only on its owner's private home, and no more" {
	local d a="$ALICE-agent"
	d=$(mkproj "$ALICE" trav)
	as "$ALICE" "mkdir -p ~/.ssh && umask 077 && echo key >~/.ssh/id_rsa"
	"$ADM" grant "$ALICE" "$d" >/dev/null
	run getfacl --absolute-names --omit-header "/home/$ALICE"
	assert_line "user:$a:--x"
	grep -qx "traverse = /home/$ALICE" "$REGDIR/$ALICE.conf"
	run as "$a" "ls /home/$ALICE"
	assert_failure
	assert_output --partial 'Permission denied'
	run as "$a" "cat /home/$ALICE/.ssh/id_rsa"
	assert_failure
	assert_output --partial 'Permission denied'
	run as "$a" "ls $d"
	assert_success
}

@test "bob's agent cannot read alice's project" {
	local d
	d=$(mkproj "$ALICE" private)
	as "$ALICE" "echo secret >$d/file"
	"$ADM" grant "$ALICE" "$d" >/dev/null
	run as "$BOB-agent" "cat $d/file"
	assert_failure
	assert_output --partial 'Permission denied'
}

@test "a symlink inside the tree is not followed" {
	local d target
	d=$(mkproj "$ALICE" sym)
	target="$BATS_TEST_TMPDIR/secret"
	echo secret >"$target"
	chmod 0600 "$target"
	ln -s "$target" "$d/link"
	ln -s /etc "$d/etc-link"
	local before_t before_etc
	before_t=$(acl_of "$target")
	before_etc=$(getfacl --absolute-names /etc /etc/shadow)
	run "$ADM" grant "$ALICE" "$d"
	assert_success
	[ "$(acl_of "$target")" = "$before_t" ]
	[ "$(getfacl --absolute-names /etc /etc/shadow)" = "$before_etc" ]
	run as "$ALICE-agent" "cat $d/link"
	assert_failure
	assert_output --partial 'Permission denied'
}

@test "a hardlink inside the tree to a file outside it is not granted" {
	local d target before
	d=$(mkproj "$ALICE" hard)
	target="$BATS_TEST_TMPDIR/root-secret"
	echo secret >"$target"
	chmod 0600 "$target"
	ln "$target" "$d/hard"
	before=$(acl_of "$target")
	run "$ADM" grant "$ALICE" "$d"
	assert_success
	[ "$(acl_of "$target")" = "$before" ]
}

@test "the agent's git reads the owner's repository but writes nothing in its git directory" {
	local d a="$ALICE-agent"
	d=$(mkproj "$ALICE" repo)
	# umask 022: git's default modes, which let anyone read the git dir.
	as "$ALICE" "cd $d && umask 022 && git init -q && git -c user.name=o -c user.email=o@x commit -q --allow-empty -m first"
	"$ADM" grant "$ALICE" "$d" >/dev/null
	run as "$a" "git config --global --get-all safe.directory"
	assert_output "$d"
	run as "$a" "cd $d && git log --format=%s"
	assert_success
	assert_output first
	# Commits go to the agent's own git dir, in sessions (session-ns.bats).
	run as "$a" "cd $d && git -c user.name=g -c user.email=g@x commit -q --allow-empty -m agent"
	assert_failure
	run as "$a" "echo x >> $d/.git/config"
	assert_failure
	assert_output --partial 'Permission denied'
	run as "$ALICE" "cd $d && git -c user.name=o -c user.email=o@x commit -q --allow-empty -m second && git log --format=%s"
	assert_success
	assert_output $'second\nfirst'
	"$ADM" revoke "$ALICE" "$d" >/dev/null
	run as "$a" "git config --global --get-all safe.directory"
	assert_output ''
}

@test "grant gives the agent no ACL entry in any git directory and names each one" {
	local d
	d=$(mkproj "$ALICE" gitdirs)
	as "$ALICE" "cd $d && git init -q repo && git -C repo -c user.name=o -c user.email=o@x commit -q --allow-empty -m first &&
		git init -q --bare bare.git && git -C repo worktree add -q ../wt && mkdir plain && echo x > plain/f"
	run "$ADM" grant "$ALICE" "$d"
	assert_success
	assert_line "git directory $d/repo/.git: no access for the agent (its sessions use a git directory of their own)"
	assert_line "git directory $d/bare.git: no access for the agent (its sessions use a git directory of their own)"
	run getfacl --skip-base --absolute-names --recursive "$d/repo/.git" "$d/bare.git"
	refute_output --partial "$ALICE-agent"
	run getfacl --omit-header --absolute-names "$d/plain/f"
	assert_line "user:$ALICE-agent:rw-"
	run as "$ALICE-agent" "touch $d/bare.git/hooks/post-receive"
	assert_failure
	run as "$ALICE-agent" "echo x > $d/repo/.git/worktrees/wt/commondir"
	assert_failure
}

@test "re-grant takes away the entries an older grant gave inside .git" {
	local d
	d=$(mkproj "$ALICE" migrate)
	as "$ALICE" "cd $d && git init -q"
	"$ADM" grant "$ALICE" "$d" >/dev/null
	# What agent-admin grant used to write there.
	setfacl -R -m "u:$ALICE-agent:rwX" "$d/.git"
	setfacl -R -d -m "u:$ALICE-agent:rwx,u:$ALICE:rwx" "$d/.git"
	run as "$ALICE-agent" "echo x >> $d/.git/config"
	assert_success
	run "$ADM" grant "$ALICE" "$d"
	assert_success
	run getfacl --skip-base --absolute-names --recursive "$d/.git"
	refute_output --partial "$ALICE-agent"
	run as "$ALICE-agent" "echo x >> $d/.git/config"
	assert_failure
}

@test "revoke takes away the agent's entries inside .git too" {
	local d
	d=$(mkproj "$ALICE" revgit)
	as "$ALICE" "cd $d && git init -q"
	"$ADM" grant "$ALICE" "$d" >/dev/null
	setfacl -R -m "u:$ALICE-agent:rwX" "$d/.git"
	"$ADM" revoke "$ALICE" "$d" >/dev/null
	run getfacl --skip-base --absolute-names --recursive "$d"
	refute_output --partial "$ALICE-agent"
}

@test "re-granting changes nothing the second time" {
	local d
	d=$(mkproj "$ALICE" again)
	as "$ALICE" "touch $d/a $d/b"
	"$ADM" grant "$ALICE" "$d" >/dev/null
	local acl reg
	acl=$(acl_of "$d")
	reg=$(cat "$REGDIR/$ALICE.conf")
	run "$ADM" grant "$ALICE" "$d"
	assert_success
	assert_output --partial ' 0 changed'
	[ "$(acl_of "$d")" = "$acl" ]
	[ "$(cat "$REGDIR/$ALICE.conf")" = "$reg" ]
}

# ---- revoke and remove -----------------------------------------------------

@test "add, grant, revoke, remove leave passwd, group and every ACL as before" {
	local d accounts acls
	d=$(mkproj "$DAVE" proj)
	as "$DAVE" "mkdir $d/sub && echo x >$d/file && echo y >$d/sub/file && ln -s file $d/link"
	accounts=$(own_accounts)
	[ -n "$accounts" ]
	acls=$(acl_of "/home/$DAVE")
	run "$ADM" add "$DAVE"
	assert_success
	run "$ADM" grant "$DAVE" "$d"
	assert_success
	as "$DAVE-agent" "echo new >$d/sub/new && mkdir $d/newdir"
	rm -rf "$d/sub/new" "$d/newdir"
	run "$ADM" revoke "$DAVE" "$d"
	assert_success
	run "$ADM" remove "$DAVE"
	assert_success
	[ "$(own_accounts)" = "$accounts" ]
	# shellcheck disable=SC2005 # echo of $() drops trailing newlines, as <(echo "$acls") does
	diff <(echo "$acls") <(echo "$(acl_of "/home/$DAVE")")
	[ ! -e "/home/$DAVE-agent" ]
	[ ! -e "$REGDIR/$DAVE.conf" ]
}

@test "remove deletes the git directories the agent's sessions used, following no symlink" {
	local base g
	# meson's localstatedir beside the registry's sysconfdir (/var for /usr).
	case "$REGDIR" in
	/etc/*) base=/var/lib/agent-shell/git ;;
	*) base="${REGDIR%/etc/agent-shell/agents.d}/var/lib/agent-shell/git" ;;
	esac
	"$ADM" add "$ERIN" >/dev/null
	g="$base/$ERIN-agent"
	install -d -m 0755 "$base"
	install -d -o "$ERIN-agent" -g "$ERIN-agent" -m 0700 "$g" "$g/x.git" "$g/x.git/objects"
	echo keep >"/home/$ERIN/victim"
	ln -s "/home/$ERIN/victim" "$g/x.git/objects/link"
	ln -s "/home/$ERIN" "$g/home"
	run "$ADM" remove "$ERIN"
	assert_success
	[ ! -e "$g" ]
	[ "$(cat "/home/$ERIN/victim")" = keep ]
	[ -d "/home/$ERIN" ]
	rm -f "/home/$ERIN/victim"
}

@test "revoke keeps an ancestor's traverse entry that another project still needs" {
	local d1 d2 a="$ALICE-agent"
	d1=$(mkproj "$ALICE" one)
	d2=$(mkproj "$ALICE" two)
	"$ADM" grant "$ALICE" "$d1" >/dev/null
	"$ADM" grant "$ALICE" "$d2" >/dev/null
	"$ADM" revoke "$ALICE" "$d1" >/dev/null
	run as "$a" "ls $d2"
	assert_success
	"$ADM" revoke "$ALICE" "$d2" >/dev/null
	run getfacl --absolute-names --omit-header "/home/$ALICE" "/home/$ALICE/t"
	refute_output --partial "$a"
}

@test "revoke refuses a directory that is not shared" {
	local d
	d=$(mkproj "$ALICE" notshared)
	run "$ADM" revoke "$ALICE" "$d"
	assert_failure 1
	assert_output "agent-admin: $d: not shared with $ALICE-agent"
}

@test "remove refuses while the agent still runs processes" {
	"$ADM" add "$ERIN" >/dev/null
	setpriv --reuid="$ERIN-agent" --regid="$ERIN-agent" --init-groups sleep 60 &
	local pid=$!
	sleep 0.2
	run "$ADM" remove "$ERIN"
	assert_failure 1
	assert_output --regexp "^agent-admin: $ERIN-agent: still running processes \(pid [0-9]+\); stop them first"
	kill "$pid"
	wait "$pid" || true
	run "$ADM" remove "$ERIN" --keep-home
	assert_success
	[ -d "/home/$ERIN-agent" ]
	rm -rf "/home/$ERIN-agent"
}

# ---- concurrency and crashes -----------------------------------------------

@test "two agent-admin runs at once both succeed and both are recorded" {
	local d1 d2 s1 s2
	d1=$(mkproj "$ALICE" c1)
	d2=$(mkproj "$ALICE" c2)
	"$ADM" grant "$ALICE" "$d1" >"$BATS_TEST_TMPDIR/1" 2>&1 &
	local p1=$!
	"$ADM" grant "$ALICE" "$d2" >"$BATS_TEST_TMPDIR/2" 2>&1 &
	local p2=$!
	wait "$p1"; s1=$?
	wait "$p2"; s2=$?
	[ "$s1" = 0 ] && [ "$s2" = 0 ]
	grep -qx "path = $d1" "$REGDIR/$ALICE.conf"
	grep -qx "path = $d2" "$REGDIR/$ALICE.conf"
	run "$ADM" list
	assert_line "  rw $d1"
	assert_line "  rw $d2"
}

@test "kill -9 in the middle of a grant leaves a registry that parses, and a re-run converges" {
	local d before i
	d=$(mkproj "$ALICE" big)
	python3 - "$d" <<-'EOF'
		import os, sys
		root = sys.argv[1]
		for i in range(200):
		    sub = os.path.join(root, "d%03d" % i)
		    os.mkdir(sub)
		    for j in range(300):
		        os.close(os.open(os.path.join(sub, "f%03d" % j), os.O_CREAT | os.O_WRONLY, 0o640))
	EOF
	chown -R "$ALICE:$ALICE" "$d"
	before=$(acl_of "$d" | md5sum)
	"$ADM" grant "$ALICE" "$d" >/dev/null 2>&1 &
	local pid=$!
	# shellcheck disable=SC2034 # a bounded retry count
	for i in $(seq 1 500); do
		grep -q '^state = granting' "$REGDIR/$ALICE.conf" 2>/dev/null && break
		sleep 0.01
	done
	sleep 0.05
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" || true
	run "$ADM" list --json
	assert_success
	echo "$output" | python3 -m json.tool >/dev/null
	run "$ADM" list
	assert_line "  rw $d  (grant interrupted; re-run grant or revoke)"
	run "$ADM" grant "$ALICE" "$d"
	assert_success
	run "$ADM" grant "$ALICE" "$d"
	assert_output --partial ' 0 changed'
	run "$ADM" list
	assert_line "  rw $d"
	run "$ADM" revoke "$ALICE" "$d"
	assert_success
	[ "$(acl_of "$d" | md5sum)" = "$before" ]
}

@test "a tree changed during grant never redirects it" {
	local d etc
	d=$(mkproj "$ALICE" mut)
	python3 - "$d" <<-'EOF'
		import os, sys
		for i in range(40):
		    sub = os.path.join(sys.argv[1], "d%02d" % i)
		    os.mkdir(sub)
		    for j in range(200):
		        os.close(os.open(os.path.join(sub, "f%03d" % j), os.O_CREAT | os.O_WRONLY, 0o640))
	EOF
	chown -R "$ALICE:$ALICE" "$d"
	etc=$(getfacl --absolute-names /etc /etc/passwd /etc/shadow)
	# The owner swaps directories for symlinks to /etc, renames and
	# creates files while the walk runs.
	as "$ALICE" "for i in \$(seq 1 300); do for k in 05 17 33; do mv $d/d\$k $d/x\$k && ln -s /etc $d/d\$k && rm $d/d\$k && mv $d/x\$k $d/d\$k; done; touch $d/n\$i; rm -f $d/n\$((i - 1)); done 2>/dev/null" &
	local mutator=$!
	run "$ADM" grant "$ALICE" "$d"
	[ "$status" -eq 0 ] || [ "${#lines[@]}" -eq 1 ]
	wait "$mutator" || true
	[ "$(getfacl --absolute-names /etc /etc/passwd /etc/shadow)" = "$etc" ]
	run "$ADM" grant "$ALICE" "$d"
	assert_success
	run as "$ALICE-agent" "cat $d/d17/f199 && touch $d/d33/new"
	assert_success
}

@test "a second run waits for the lock, and says so" {
	local lock
	lock=$("$ADM" --help | sed -n 's/.*Lock: //p')
	flock "$lock" sleep 2 &
	local holder=$!
	sleep 0.3
	run "$ADM" list
	assert_success
	assert_output --partial "agent-admin: waiting for another agent-admin to finish (lock $lock)"
	wait "$holder"
}

# ---- list and apply --------------------------------------------------------

@test "list --json is valid JSON naming each agent and project" {
	local d
	d=$(mkproj "$ALICE" listed)
	"$ADM" grant "$ALICE" "$d" --read-only >/dev/null
	run "$ADM" list --json
	assert_success
	echo "$output" | python3 -m json.tool >/dev/null
	echo "$output" | python3 -c '
import json, sys
doc = json.load(sys.stdin)
a = [x for x in doc["agents"] if x["owner"] == sys.argv[1]][0]
assert a["account"] == sys.argv[1] + "-agent", a
assert {"path": sys.argv[2], "access": "ro", "state": "granted"}.items() <= a["projects"][0].items(), a
' "$ALICE" "$d"
}

# ---- admin-pinned profiles -------------------------------------------------

@test "add --profiles pins the profiles, and moves the default into the pin" {
	run "$ADM" add "$ALICE" --profiles offline,strict
	assert_success
	assert_line "$ALICE-agent: allowed profiles are now offline,strict"
	assert_line "$ALICE-agent: default profile is now offline (default is not allowed)"
	run grep -E '^profiles? = ' "$REGDIR/$ALICE.conf"
	assert_output "profile = offline
profiles = offline,strict"
}

@test "list and list --json show the pinned profiles" {
	"$ADM" set "$ALICE" --profiles strict,offline >/dev/null
	run "$ADM" list
	assert_line --partial "agent of $ALICE, profile strict (allowed: strict,offline), home "
	run "$ADM" list --json
	echo "$output" | python3 -c '
import json, sys
doc = json.load(sys.stdin)
a = [x for x in doc["agents"] if x["owner"] == sys.argv[1]][0]
assert a["profiles"] == ["strict", "offline"], a
b = [x for x in doc["agents"] if x["owner"] == sys.argv[2]][0]
assert b["profiles"] is None, b
' "$ALICE" "$BOB"
}

@test "set --profiles all lifts the pin and leaves the default" {
	"$ADM" set "$ALICE" --profiles offline >/dev/null
	run "$ADM" set "$ALICE" --profiles all
	assert_success
	assert_output "$ALICE-agent: any profile is now allowed"
	run grep -E '^profiles? = ' "$REGDIR/$ALICE.conf"
	assert_output "profile = offline"
	run "$ADM" set "$ALICE" --profiles all
	assert_output "$ALICE-agent: nothing to change"
}

@test "set refuses a --profile outside the pin, changing nothing" {
	local before
	"$ADM" set "$ALICE" --profiles offline >/dev/null
	before=$(md5sum <"$REGDIR/$ALICE.conf")
	run "$ADM" set "$ALICE" --profile default
	assert_failure 1
	assert_output "agent-admin: --profile default: not among the allowed profiles (offline); change --profiles too"
	run "$ADM" set "$ALICE" --profile default --profiles strict
	assert_failure 1
	assert_output "agent-admin: --profile default: not among the allowed profiles (strict); change --profiles too"
	[ "$(md5sum <"$REGDIR/$ALICE.conf")" = "$before" ]
}

@test "set refuses a malformed --profiles with what is wrong, changing nothing" {
	local before
	before=$(md5sum <"$REGDIR/$ALICE.conf")
	run "$ADM" set "$ALICE" --profiles offline,../etc/x
	assert_failure 1
	assert_output "agent-admin: --profiles 'offline,../etc/x': '../etc/x' is not a valid profile name"
	run "$ADM" set "$ALICE" --profiles strict,strict
	assert_failure 1
	assert_output "agent-admin: --profiles 'strict,strict': 'strict' is listed twice"
	run "$ADM" set "$ALICE" --profiles ''
	assert_failure 1
	assert_output "agent-admin: --profiles: empty value"
	run "$ADM" add "$ALICE" --profiles "$(printf 'a\nb')"
	assert_failure 1
	assert_output --partial 'a\x0ab'
	[ "$(md5sum <"$REGDIR/$ALICE.conf")" = "$before" ]
}

@test "set needs an option and an existing agent" {
	run "$ADM" set "$ALICE"
	assert_failure 2
	assert_output "agent-admin: set: nothing to set: give --profile, --profiles or both (see --help)"
	run "$ADM" set "$CAROL" --profiles offline
	assert_failure 1
	assert_output "agent-admin: $CAROL has no agent account (agent-admin add $CAROL first)"
	run "$ADM" set "$ALICE" --account x
	assert_failure 2
	assert_output "agent-admin: set: option '--account' does not apply here (see --help)"
}

@test "apply pins and unpins profiles, and is idempotent" {
	local f="$BATS_TEST_TMPDIR/pin.ini"
	printf '[apply]\nremove-unlisted = no\n\n[agent]\nowner = %s\nprofiles = strict\n' "$ALICE" >"$f"
	run "$ADM" apply "$f"
	assert_success
	assert_output "add $ALICE --profiles strict"
	run grep -E '^profiles? = ' "$REGDIR/$ALICE.conf"
	assert_output "profile = strict
profiles = strict"
	run "$ADM" apply "$f"
	assert_success
	assert_output ''
	printf '[apply]\nremove-unlisted = no\n\n[agent]\nowner = %s\nprofiles = all\n' "$ALICE" >"$f"
	run "$ADM" apply "$f"
	assert_output "add $ALICE --profiles all"
	run grep -c '^profiles = ' "$REGDIR/$ALICE.conf"
	assert_output 0
}

@test "apply --dry-run prints the plan and changes nothing" {
	local d f before
	d=$(mkproj "$ERIN" web)
	f="$BATS_TEST_TMPDIR/agents.ini"
	cat >"$f" <<-EOF
		[apply]
		remove-unlisted = no

		[agent]
		owner = $ERIN
		profile = offline
		project = $d
	EOF
	before=$(own_accounts; ls -la "$REGDIR")
	run "$ADM" apply "$f" --dry-run
	assert_success
	assert_output "add $ERIN --profile offline
grant $ERIN $d"
	[ "$(own_accounts; ls -la "$REGDIR")" = "$before" ]
}

@test "apply converges the host to the file and is idempotent" {
	local d1 d2 f
	d1=$(mkproj "$ERIN" one)
	d2=$(mkproj "$ERIN" two)
	f="$BATS_TEST_TMPDIR/agents.ini"
	printf '[apply]\nremove-unlisted = no\n\n[agent]\nowner = %s\nproject = %s\nproject-ro = %s\n' \
		"$ERIN" "$d1" "$d2" >"$f"
	run "$ADM" apply "$f"
	assert_success
	assert_output "add $ERIN
grant $ERIN $d1
grant $ERIN $d2 --read-only"
	run "$ADM" apply "$f"
	assert_success
	assert_output ''
	printf '[apply]\nremove-unlisted = no\n\n[agent]\nowner = %s\nproject = %s\n' "$ERIN" "$d1" >"$f"
	run "$ADM" apply "$f"
	assert_success
	assert_output "revoke $ERIN $d2"
	run "$ADM" list
	assert_line "  rw $d1"
	refute_line "  ro $d2"
	"$ADM" remove "$ERIN" >/dev/null
}

@test "apply removes agents the file no longer lists" {
	local other
	other=$("$ADM" list --json | python3 -c '
import json, sys
print(" ".join(a["owner"] for a in json.load(sys.stdin)["agents"] if not a["owner"].startswith(sys.argv[1])))' "$P")
	[ -z "$other" ] || skip "agents outside this test run are registered ($other); pruning would remove them"
	"$ADM" add "$ERIN" >/dev/null
	printf '[agent]\nowner = %s\n\n[agent]\nowner = %s\n' "$ALICE" "$BOB" >"$BATS_TEST_TMPDIR/f.ini"
	run "$ADM" apply "$BATS_TEST_TMPDIR/f.ini"
	assert_success
	assert_output "remove $ERIN"
	run getent passwd "$ERIN-agent"
	assert_failure
}

@test "apply refuses a malformed file with its line, changing nothing" {
	printf '[agent]\nowner = %s\nprojet = /x\n' "$ERIN" >"$BATS_TEST_TMPDIR/bad.ini"
	run "$ADM" apply "$BATS_TEST_TMPDIR/bad.ini"
	assert_failure 1
	assert_output "agent-admin: $BATS_TEST_TMPDIR/bad.ini:3: unknown key 'projet' in [agent]"
}

@test "add --sudo installs a visudo-checked drop-in for exactly the owner's sandbox stage" {
	local f="/etc/sudoers.d/agent-shell-$DAVE" sandbox
	sandbox=$(dirname "$(dirname "$ADM")")/bin/agent-sandbox
	run "$ADM" add "$DAVE" --sudo
	assert_success
	assert_line "installed $f ($DAVE may enter $DAVE-agent through sudo)"
	[ "$(stat -c '%a %U %G' "$f")" = "440 root root" ]
	run grep -v '^#' "$f"
	assert_output "Defaults!$sandbox use_pty
$DAVE ALL=($DAVE-agent) NOPASSWD: $sandbox --session $DAVE *"
	visudo -c -q -f "$f"
	grep -qx 'sudo = yes' "$REGDIR/$DAVE.conf"
	# Nothing half-written stays behind for sudo to pick up.
	[ ! -e /etc/sudoers.d/.agent-shell-new ]
	# Again: nothing to do, the file untouched.
	local before
	before=$(stat -c '%i %Y' "$f")
	run "$ADM" add "$DAVE" --sudo
	assert_success
	assert_output "$DAVE-agent: already set up as the agent of $DAVE; nothing to do"
	[ "$(stat -c '%i %Y' "$f")" = "$before" ]
	# remove takes it away with the agent.
	run "$ADM" remove "$DAVE"
	assert_success
	assert_line "removed $f"
	[ ! -e "$f" ]
}

@test "add --sudo restores a drop-in that was edited, and never takes over a foreign one" {
	local f="/etc/sudoers.d/agent-shell-$ERIN"
	printf '%s ALL=(ALL) NOPASSWD: ALL\n' "$ERIN" >"$f"
	chmod 0440 "$f"
	run "$ADM" add "$ERIN" --sudo
	assert_failure 1
	assert_output --partial "$f exists and was not written by agent-admin; move it away first"
	# Left exactly as it was.
	grep -qx "$ERIN ALL=(ALL) NOPASSWD: ALL" "$f"
	rm -f "$f"
	run "$ADM" add "$ERIN" --sudo
	assert_success
	sed -i 's/NOPASSWD: .*/NOPASSWD: ALL/' "$f"
	chmod 0644 "$f"
	run "$ADM" add "$ERIN" --sudo
	assert_success
	assert_line "installed $f ($ERIN may enter $ERIN-agent through sudo)"
	[ "$(stat -c '%a' "$f")" = 440 ]
	refute grep -q 'NOPASSWD: ALL' "$f"
	"$ADM" remove "$ERIN" >/dev/null
	[ ! -e "$f" ]
}
