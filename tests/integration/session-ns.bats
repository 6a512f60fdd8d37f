#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2155 # single-quoted scripts run in another shell (the agent's, a session's); the $ is theirs; proj and state_dir only print a path
# The session namespace (suite 'root'), through the really installed setuid
# helper and real PAM: the private /tmp and /var/tmp, and git: the agent's
# own git directory in place of each repository's .git, and every attack of
# issue #12, with the owner's git run as the owner after.  Accounts start
# with "asn" + pid and are deleted.

bats_require_minimum_version 1.5.0

load common

setup_file() {
	# The sanitizer build's helper has no setuid bit (as_caller, common.bash).
	if [ -z "${AS_PREFIX:-}" ] || { [ ! -u "$AS_PREFIX/libexec/agent-shell/agent-shell-helper" ] &&
		[ -z "${AS_NOSUID_HELPER:-}" ]; }; then
		export AS_NS_SKIP="needs the setuid install of tests/run.sh (AS_PREFIX)"
		return 0
	fi
	ADM="$AS_PREFIX/sbin/agent-admin"
	SH="$AS_PREFIX/bin/agent-shell"
	P="asn$$"
	OWNER=${P}a OTHER=${P}b
	for u in "$OWNER" "$OTHER"; do
		useradd --create-home --shell /bin/bash --comment "agent-shell test" "$u"
		chmod 0700 "/home/$u"
		install -d -o "$u" -g "$u" -m 0755 "/home/$u/src" "/home/$u/src/proj"
		"$ADM" add "$u" >/dev/null
		"$ADM" grant "$u" "/home/$u/src/proj" >/dev/null
	done
	# Not in /tmp: the session has its own.
	PROBE=/usr/local/libexec/asn-probe-$$
	install -D -m 0755 "$AS_PROBE" "$PROBE"
	export ADM SH P OWNER OTHER PROBE
}

setup() {
	if [ -n "${AS_NS_SKIP:-}" ]; then
		skip "$AS_NS_SKIP"
	fi
	# A fresh tree of repositories for each test, made by the owner.
	# shellcheck disable=SC2115 # proj prints a fixed non-empty path
	rm -rf "$(proj)"/* "$(proj)"/.[!.]* "/tmp/asn-ran-$$"
	# And the agent's git directories of the last test's repositories.
	rm -rf "$(state_dir)/git/$OWNER-agent"
}

teardown_file() {
	if [ -z "${P:-}" ]; then
		return 0
	fi
	for u in "$OWNER" "$OTHER"; do "$ADM" remove "$u" >/dev/null 2>&1 || true; done
	# shellcheck disable=SC2013 # account names are single words
	for u in $(cut -d: -f1 /etc/passwd | grep "^$P"); do
		pkill -KILL -u "$u" 2>/dev/null || true
		userdel --remove "$u" 2>/dev/null || true
	done
	rm -f "$PROBE"
}

proj() { echo "/home/$OWNER/src/proj"; }

# As USER in DIR: agent-shell -- CMD...
as_owner() {
	local user=$1 dir=$2
	shift 2
	run as_caller "$user" env -C "$dir" -i HOME="/home/$user" USER="$user" \
		PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 "$@"
}

# As the owner, plain git (no session).
owner_git() {
	runuser -u "$OWNER" -- env -i HOME="/home/$OWNER" PATH=/usr/bin:/bin \
		GIT_AUTHOR_NAME=o GIT_AUTHOR_EMAIL=o@x GIT_COMMITTER_NAME=o GIT_COMMITTER_EMAIL=o@x \
		git "$@"
}

# repo with a submodule (sub) and a linked worktree (../wt), all the owner's.
make_repos() {
	owner_git init -q "$(proj)/repo"
	owner_git -C "$(proj)/repo" commit -q --allow-empty -m init
	owner_git init -q "$(proj)/lib"
	owner_git -C "$(proj)/lib" commit -q --allow-empty -m lib
	owner_git -C "$(proj)/repo" -c protocol.file.allow=always submodule add -q "$(proj)/lib" sub
	owner_git -C "$(proj)/repo" commit -q -m "add sub"
	owner_git -C "$(proj)/repo" worktree add -q "$(proj)/wt"
	# A bare remote the agent may fetch from.
	owner_git init -q --bare "$(proj)/remote.git"
	owner_git -C "$(proj)/repo" push -q "$(proj)/remote.git" HEAD:refs/heads/main
	# The grant lists the repositories it finds in the agent's
	# safe.directory: run it again now that they exist.
	"$ADM" grant "$OWNER" "$(proj)" >/dev/null
}

@test "the agent's /tmp and /var/tmp are its own and end with the session" {
	as_owner "$OWNER" "$(proj)" "$SH" -- /bin/sh -c "echo agent > /tmp/asn-x-$$ && cat /tmp/asn-x-$$"
	assert_success
	assert_output agent
	[ ! -e "/tmp/asn-x-$$" ]
	# The next session starts with an empty /tmp.
	as_owner "$OWNER" "$(proj)" "$SH" -- "$PROBE" read "/tmp/asn-x-$$"
	assert_output ENOENT
	# The owner's /tmp and /var/tmp do not show inside (ENOENT, where a
	# shared one would give Landlock's EACCES or the file).
	echo owner >"/tmp/asn-owner-$$"
	echo owner >"/var/tmp/asn-owner-$$"
	as_owner "$OWNER" "$(proj)" "$SH" -- "$PROBE" read "/tmp/asn-owner-$$"
	assert_output ENOENT
	as_owner "$OWNER" "$(proj)" "$SH" -- "$PROBE" read "/var/tmp/asn-owner-$$"
	assert_output ENOENT
	rm -f "/tmp/asn-owner-$$" "/var/tmp/asn-owner-$$"
}

@test "the session's /tmp is root's, sticky and world-writable, nosuid and nodev" {
	as_owner "$OWNER" "$(proj)" "$SH" -- /bin/sh -c 'stat -c "%a %U:%G" /tmp; grep " /tmp tmpfs " /proc/self/mounts'
	assert_success
	assert_line "1777 root:root"
	assert_line --partial "nosuid,nodev"
}

@test "two concurrent sessions of different agents do not see each other's /tmp" {
	as_caller "$OWNER" env -C "$(proj)" "$SH" -- /bin/sh -c "echo secret > /tmp/asn-mine-$$; sleep 3" &
	local bg=$!
	sleep 1
	as_owner "$OTHER" "/home/$OTHER/src/proj" "$SH" -- "$PROBE" read "/tmp/asn-mine-$$"
	assert_output ENOENT
	wait "$bg"
}

# meson's localstatedir of the install under test: /var for /usr.
state_dir() {
	case "$AS_PREFIX" in
	/usr | /usr/) echo /var/lib/agent-shell ;;
	*) echo "$AS_PREFIX/var/lib/agent-shell" ;;
	esac
}

# The agent's git directory for the work tree $1 (lib/gitmeta.h).
agent_gitdir() {
	find "$(state_dir)/git/$OWNER-agent" -maxdepth 1 -name "$(basename "$1")-*.git" 2>/dev/null
}

# As the agent in a session in DIR: sh -c CMD, with a git identity.
agent_sh() {
	local dir=$1
	shift
	as_owner "$OWNER" "$dir" "$SH" -- /bin/sh -c \
		"export GIT_AUTHOR_NAME=a GIT_AUTHOR_EMAIL=a@x GIT_COMMITTER_NAME=a GIT_COMMITTER_EMAIL=a@x; $1"
}

# The "agent code" of every attack below: it creates this file in the
# real /tmp when the owner runs it (the session has a /tmp of its own).
MARK() { echo "/tmp/asn-ran-$$"; }
PAYLOAD() { echo "touch $(MARK)"; }

@test "--explain says which protections are active" {
	make_repos
	as_owner "$OWNER" "$(proj)" "$SH" --explain
	assert_success
	assert_line "session: private /tmp and /var/tmp (an empty tmpfs each, discarded when the session ends)"
	assert_line "session: own PID and IPC namespaces (only the session's processes and IPC objects are visible; every process of the session ends when its command exits)"
	# repo and lib; the bare remote.git read-only.
	assert_line "session: git: 2 repositories of the read-write grants get the agent's own git directory (in $(state_dir)/git/$OWNER-agent), 1 other git directories read-only"
}

@test "in a session .git is the agent's own git directory; the owner's stays as it was" {
	make_repos
	local r="$(proj)/repo" before
	before=$(cat "$r/.git/config"; ls -la "$r/.git/hooks")
	agent_sh "$r" "git config core.fsmonitor '$(PAYLOAD)' &&
		printf '#!/bin/sh\n$(PAYLOAD)\n' > .git/hooks/post-commit && chmod +x .git/hooks/post-commit && echo OK"
	assert_success
	assert_output OK
	[ "$(cat "$r/.git/config"; ls -la "$r/.git/hooks")" = "$before" ]
	local a
	a=$(agent_gitdir "$r")
	[ -n "$a" ]
	[ "$(stat -c %U "$a")" = "$OWNER-agent" ]
	# Not in the agent's home, which keeps mode 0700 and no ACL.
	[ "$(stat -c %a "$(getent passwd "$OWNER-agent" | cut -d: -f6)")" = 700 ]
	[ "$(stat -c %U "$(dirname "$a")")" = "$OWNER-agent" ]
	run getfacl -p "$(dirname "$a")"
	assert_line "user:$OWNER:r-x"
	assert_line "other::---"
	grep -q fsmonitor "$a/config"
	owner_git -C "$r" commit -q --allow-empty -m "owner commit"
	owner_git -C "$r" status >/dev/null
	[ ! -e "$(MARK)" ]
}

@test "the agent cannot rename or replace the owner's .git, nor a .git file" {
	make_repos
	local r="$(proj)/repo"
	as_owner "$OWNER" "$r" "$SH" -- "$PROBE" rename "$r/.git" "$r/.git.old"
	assert_output EBUSY
	as_owner "$OWNER" "$r" "$SH" -- "$PROBE" write "$r/sub/.git"
	assert_output EROFS
	as_owner "$OWNER" "$r" "$SH" -- "$PROBE" write "$(proj)/wt/.git"
	assert_output EROFS
	as_owner "$OWNER" "$r" "$SH" -- "$PROBE" rename "$(proj)/wt/.git" "$(proj)/wt/x"
	assert_output EBUSY
}

@test "attack: .git/commondir pointing at an agent-made git dir reaches no owner git" {
	make_repos
	local r="$(proj)/repo"
	agent_sh "$r" "mkdir -p evil/refs && ln -s $r/.git/objects evil/objects && echo 'ref: refs/heads/master' > evil/HEAD &&
		printf '[core]\n\tfsmonitor = $(PAYLOAD)\n' > evil/config && echo $r/evil > .git/commondir; echo done"
	assert_output 'done'
	[ ! -e "$r/.git/commondir" ]
	owner_git -C "$r" status >/dev/null
	[ ! -e "$(MARK)" ]
}

@test "attack: the owner's git config during a session changes nothing for the agent" {
	make_repos
	local r="$(proj)/repo"
	as_caller "$OWNER" env -C "$r" "$SH" -- /bin/sh -c "
		end=\$((\$(date +%s) + 4)); while [ \$(date +%s) -lt \$end ]; do
		printf '[core]\n\tfsmonitor = $(PAYLOAD)\n' >> .git/config 2>/dev/null; sleep 0.1; done" &
	local bg=$! i
	sleep 1
	for i in 1 2 3; do owner_git -C "$r" config user.name "o$i"; sleep 0.5; done
	wait "$bg"
	run grep -c fsmonitor "$r/.git/config"
	assert_output 0
	owner_git -C "$r" status >/dev/null
	[ ! -e "$(MARK)" ]
}

@test "attack: a hard link to a repository made during a session is not writable in the next" {
	as_caller "$OWNER" env -C "$(proj)" "$SH" -- /bin/sh -c "sleep 2; ln $(proj)/new/.git/config $(proj)/cfglink && echo linked" &
	local bg=$!
	sleep 0.5
	owner_git init -q "$(proj)/new"
	wait "$bg"
	[ -e "$(proj)/cfglink" ]
	# The owner read it, as the end of the session asked.
	mv "$(proj)/new/.git/HEAD.agent-shell-disarmed" "$(proj)/new/.git/HEAD"
	as_owner "$OWNER" "$(proj)" "$SH" -- "$PROBE" write "$(proj)/cfglink"
	assert_output EACCES
	as_owner "$OWNER" "$(proj)" "$SH" -- "$PROBE" write "$(proj)/new/.git/config"
	assert_output ok
	run grep -c . "$(proj)/new/.git/config"
	[ "$output" -gt 1 ]
}

# A repository the owner makes while a session runs inherits the work
# tree's default ACL: until the session ends the agent can write in its
# .git (docs/security-model.md says why nothing closes that window on
# this kernel).  What it made there must not outlive the session.
plant_in_new_repo() {
	as_caller "$OWNER" env -C "$(proj)" "$SH" -- /bin/sh -c "sleep 2; g=$(proj)/new/.git
		printf '#!/bin/sh\n$(PAYLOAD)\n' > \$g/hooks/post-checkout && chmod 0755 \$g/hooks/post-checkout &&
		printf '#!/bin/sh\n$(PAYLOAD)\n' > $(proj)/evil.sh && chmod 0755 $(proj)/evil.sh &&
		ln -s $(proj)/evil.sh \$g/hooks/pre-commit &&
		mkdir \$g/info/sub && printf '#!/bin/sh\n$(PAYLOAD)\n' > \$g/info/sub/x &&
		echo $(proj) > \$g/objects/info/alternates.new &&
		git --git-dir=\$g hash-object -w $(proj)/evil.sh > $(proj)/objid &&
		echo planted" > "$BATS_TEST_TMPDIR/planted" 2>&1 &
	local bg=$!
	sleep 0.5
	owner_git init -q "$(proj)/new"
	owner_git -C "$(proj)/new" commit -q --allow-empty -m init
	wait "$bg"
	run cat "$BATS_TEST_TMPDIR/planted"
	assert_line planted
}

@test "attack: what the agent made in a repository created during a session is disarmed when it ends" {
	plant_in_new_repo
	local g="$(proj)/new/.git"
	assert_line "agent-shell: warning: $g: the agent could write in this git directory during the session (it was made, or put together, while the session ran): git will not use it until you have read its config and hooks and renamed HEAD.agent-shell-disarmed back to HEAD"
	assert_line "agent-shell: warning: $g/hooks/post-checkout: made by the agent inside your git directory; renamed post-checkout.agent-shell-disarmed (read it, and the repository's config, before you trust it)"
	assert_line --partial "$g/hooks/pre-commit: made by the agent"
	assert_line --partial "$g/info/sub: made by the agent"
	[ ! -e "$g/hooks/post-checkout" ] && [ -f "$g/hooks/post-checkout.agent-shell-disarmed" ]
	[ "$(stat -c %U "$g/hooks/post-checkout.agent-shell-disarmed")" = "$OWNER-agent" ]
	[ ! -L "$g/hooks/pre-commit" ] && [ -L "$g/hooks/pre-commit.agent-shell-disarmed" ]
	[ ! -e "$g/info/sub" ]
	# No agent entry is left on it: the agent cannot put anything back.
	run getfacl -cp "$g" "$g/hooks" "$g/config"
	refute_output --partial "$OWNER-agent"
	run owner_git -C "$(proj)/new" status
	assert_failure
	[ ! -e "$g/HEAD" ]
	# Read and put back by the owner: the agent's hooks stay out.
	mv "$g/HEAD.agent-shell-disarmed" "$g/HEAD"
	owner_git -C "$(proj)/new" commit -q --allow-empty -m two
	owner_git -C "$(proj)/new" checkout -q -b other
	[ ! -e "$(MARK)" ]
	# Said once: the next session has nothing left to disarm.
	as_owner "$OWNER" "$(proj)" "$SH" -- /bin/true
	assert_success
	assert_output ""
}

@test "disarming leaves the owner's objects and the agent's own repositories alone" {
	plant_in_new_repo
	local g="$(proj)/new/.git" obj
	assert_line --partial "$g/objects/info/alternates.new: made by the agent"
	# The object the agent wrote into the owner's new repository stays.
	obj=$(cat "$(proj)/objid")
	refute_output --partial "$g/objects/${obj:0:2}"
	[ "$(stat -c %U "$g/objects/${obj:0:2}/${obj:2}")" = "$OWNER-agent" ]
	agent_sh "$(proj)" "git init -q mine && git -C mine commit -q --allow-empty -m a && echo ok"
	assert_output ok
	[ -e "$(proj)/mine/.git/HEAD" ]
	mv "$g/HEAD.agent-shell-disarmed" "$g/HEAD"
	owner_git -C "$(proj)/new" log --oneline >/dev/null
}

@test "attack: an owner's directory the agent dressed up as .git is taken apart when the session ends" {
	local d="$(proj)/lib2"
	owner_git init -q "$(proj)/base"
	install -d -o "$OWNER" -g "$OWNER" "$d" "$d/docs" "$d/docs/a" "$d/docs/b"
	runuser -u "$OWNER" -- sh -c "echo notes > $d/docs/notes.txt; echo head > $d/docs/head.txt"
	"$ADM" grant "$OWNER" "$(proj)" >/dev/null
	# Only the owner's directories and files, their content written by
	# the agent through its ACL, moved into the layout git looks for.
	agent_sh "$d" "printf '[core]\n\tfsmonitor = $(PAYLOAD)\n' > docs/notes.txt && mv docs/notes.txt docs/config &&
		echo 'ref: refs/heads/main' > docs/head.txt && mv docs/head.txt docs/HEAD &&
		mv docs/a docs/objects && mv docs/b docs/refs && mv docs .git && echo done"
	assert_line 'done'
	refute_output --partial "made by the agent"
	assert_line --partial "$d/.git: the agent could write in this git directory during the session"
	[ "$(stat -c %U "$d/.git" "$d/.git/config" "$d/.git/HEAD.agent-shell-disarmed" | sort -u)" = "$OWNER" ]
	[ ! -e "$d/.git/HEAD" ]
	run owner_git -C "$d" status
	assert_failure
	[ ! -e "$(MARK)" ]
}

@test "attack: a .git link made during a session is renamed when the session ends" {
	make_repos
	as_caller "$OWNER" env -C "$(proj)" "$SH" -- /bin/sh -c "sleep 2; mkdir -p evil/refs evil/objects &&
		echo 'ref: refs/heads/main' > evil/HEAD && echo 'gitdir: $(proj)/evil' > $(proj)/wt2/.git &&
		echo done" > "$BATS_TEST_TMPDIR/out" 2>&1 &
	local bg=$!
	sleep 0.5
	owner_git -C "$(proj)/repo" worktree add -q "$(proj)/wt2"
	wait "$bg"
	run cat "$BATS_TEST_TMPDIR/out"
	assert_line 'done'
	assert_line "agent-shell: warning: $(proj)/wt2/.git: the agent could write this .git link during the session: renamed .git.agent-shell-disarmed; read where it points before you rename it back"
	[ ! -e "$(proj)/wt2/.git" ]
	run getfacl -cp "$(proj)/wt2/.git.agent-shell-disarmed"
	refute_output --partial "$OWNER-agent"
	run owner_git -C "$(proj)/wt2" status
	[ ! -e "$(MARK)" ]
}

# The options of the mount at PATH, as the session sees it.
session_mount() {
	as_owner "$OWNER" "$(proj)" "$SH" -- /usr/bin/awk -v p="$1" '$5 == p { print $6 }' /proc/self/mountinfo
}

@test "attack: a bare repository is read-only twice (no ACL entry, read-only mount); the owner's push runs no hook" {
	make_repos
	as_owner "$OWNER" "$(proj)" "$SH" -- "$PROBE" create "$(proj)/remote.git/hooks/post-receive"
	assert_output EROFS
	as_owner "$OWNER" "$(proj)" "$SH" -- "$PROBE" write "$(proj)/remote.git/config"
	assert_output EACCES
	session_mount "$(proj)/remote.git"
	assert_output --regexp '^ro,'
	owner_git -C "$(proj)/repo" push -q "$(proj)/remote.git" HEAD:refs/heads/main
	[ ! -e "$(MARK)" ]
}

@test "attack: core.hooksPath inside the work tree is read-only, created empty when missing" {
	make_repos
	local r="$(proj)/repo"
	owner_git -C "$r" config core.hooksPath .husky
	as_owner "$OWNER" "$r" "$SH" -- "$PROBE" create "$r/.husky/pre-commit"
	assert_output EROFS
	[ "$(stat -c %U "$r/.husky")" = "$OWNER" ]
	install -d -o "$OWNER" -g "$OWNER" "$r/hooks2"
	owner_git -C "$r" config core.hooksPath "$r/hooks2"
	as_owner "$OWNER" "$r" "$SH" -- "$PROBE" create "$r/hooks2/pre-commit"
	assert_output EROFS
	owner_git -C "$r" commit -q --allow-empty -m "owner commit"
	[ ! -e "$(MARK)" ]
}

@test "attack: config.worktree under extensions.worktreeConfig stays the agent's" {
	make_repos
	local r="$(proj)/repo"
	owner_git -C "$r" config core.repositoryformatversion 1
	owner_git -C "$r" config extensions.worktreeConfig true
	agent_sh "$r" "printf '[core]\n\tfsmonitor = $(PAYLOAD)\n' > .git/config.worktree && echo OK"
	assert_output OK
	[ ! -e "$r/.git/config.worktree" ]
	owner_git -C "$r" status >/dev/null
	[ ! -e "$(MARK)" ]
}

@test "attack: an agent-made repository the owner adopted gets the agent's git dir too" {
	agent_sh "$(proj)" "git init -q agentrepo && git -C agentrepo commit -q --allow-empty -m a && echo OK"
	assert_output OK
	owner_git config --global --add safe.directory "$(proj)/agentrepo"
	agent_sh "$(proj)/agentrepo" "git config core.fsmonitor '$(PAYLOAD)' && git log --format=%s"
	assert_output a
	run grep -c fsmonitor "$(proj)/agentrepo/.git/config"
	assert_output 0
	owner_git -C "$(proj)/agentrepo" status >/dev/null
	[ ! -e "$(MARK)" ]
	owner_git config --global --unset-all safe.directory
}

@test "attack: a linked worktree's worktrees/ID/commondir is the agent's copy" {
	make_repos
	local r="$(proj)/repo" before
	before=$(cat "$r/.git/worktrees/wt/commondir")
	agent_sh "$(proj)/wt" "git status --porcelain && echo $r/evil > $r/.git/worktrees/wt/commondir && echo OK"
	assert_output OK
	[ "$(cat "$r/.git/worktrees/wt/commondir")" = "$before" ]
	owner_git -C "$(proj)/wt" status >/dev/null
	[ ! -e "$(MARK)" ]
}

@test "attack: a submodule's modules/NAME/config is the agent's copy" {
	make_repos
	local r="$(proj)/repo"
	# A nested work tree is not in the agent's safe.directory (agent-admin
	# grant lists the grant's top-level repositories).
	agent_sh "$r/sub" "git config --global --add safe.directory $r/sub && git status --porcelain && git log --format=%s && git config core.fsmonitor '$(PAYLOAD)' && echo OK"
	assert_output $'lib\nOK'
	run grep -c fsmonitor "$r/.git/modules/sub/config"
	assert_output 0
	owner_git -C "$r/sub" status >/dev/null
	[ ! -e "$(MARK)" ]
}

@test "attack: a config file the owner's [include] path names in the work tree is read-only" {
	make_repos
	local r="$(proj)/repo"
	runuser -u "$OWNER" -- sh -c "echo '[user]' > $r/team.gitconfig && chmod 664 $r/team.gitconfig"
	owner_git -C "$r" config include.path ../team.gitconfig
	owner_git -C "$r" config includeIf.onbranch:main.path ../local.gitconfig
	as_owner "$OWNER" "$r" "$SH" -- "$PROBE" write "$r/team.gitconfig"
	assert_output EROFS
	session_mount "$r/local.gitconfig"
	assert_output --regexp '^ro,'
	[ "$(stat -c %U "$r/local.gitconfig")" = "$OWNER" ]
	owner_git -C "$r" status >/dev/null
	[ ! -e "$(MARK)" ]
}

@test "the agent's commit, branch, stash, rebase, fetch from a local remote and gc work" {
	make_repos
	local r="$(proj)/repo"
	agent_sh "$r" '
		echo change > file && git add file && git commit -q -m "agent commit" &&
		git branch agent-branch && echo wip >> file && git stash -q && git stash pop -q &&
		git checkout -q -b topic && git commit -qam topic && git rebase -q agent-branch &&
		git checkout -q master && rem=$(cd ../remote.git && pwd) && git config --global --add safe.directory "$rem" &&
		git fetch -q "$rem" main && git gc -q && git log --format=%s -1 topic && echo ALL-OK'
	assert_success
	assert_line ALL-OK
	assert_line topic
	run owner_git -C "$r" log --oneline -1 agent-branch
	assert_failure
}

@test "the owner fetches the agent's commits through agent-shell --git-remote and takes them" {
	make_repos
	local r="$(proj)/repo"
	agent_sh "$r" 'echo change > file && git add file && git commit -q -m "agent commit" && echo OK'
	assert_output OK
	# Not through the helper: as the owner alone (as_owner keeps euid 0 in
	# the sanitizer build, and git then takes the repository for root's).
	run runuser -u "$OWNER" -- env -C "$r" -i HOME="/home/$OWNER" PATH=/usr/bin:/bin "$SH" --git-remote
	assert_success
	assert_output --partial "$r: remote 'agent' = $(agent_gitdir "$r")"
	run owner_git -C "$r" fetch -q agent
	assert_success
	# The work tree holds the agent's files already: a fast-forward of
	# the branch and the index only (docs/security-model.md, Git).
	run owner_git -C "$r" merge-base --is-ancestor HEAD agent/master
	assert_success
	run owner_git -C "$r" reset -q agent/master
	assert_success
	run owner_git -C "$r" log --format=%s -1
	assert_output 'agent commit'
	run owner_git -C "$r" status --porcelain
	assert_output ''
	[ ! -e "$(MARK)" ]
}

@test "an owner commit between sessions is picked up by the next session" {
	make_repos
	local r="$(proj)/repo"
	agent_sh "$r" 'git log --format=%s -1'
	assert_output 'add sub'
	owner_git -C "$r" commit -q --allow-empty -m "owner 2"
	agent_sh "$r" 'git log --format=%s -1 && git status --porcelain --untracked-files=no'
	assert_output 'owner 2'
}

@test "when both committed, the agent keeps its branch and sees the owner's at owner/BRANCH" {
	make_repos
	local r="$(proj)/repo"
	agent_sh "$r" 'git commit -q --allow-empty -m a1 && echo OK'
	assert_output OK
	owner_git -C "$r" commit -q --allow-empty -m o2
	agent_sh "$r" 'git log --format=%s -1; git log --format=%s -1 owner/master'
	assert_output $'a1\no2'
}

# The review list of the owner.
review_state() {
	echo "$(state_dir)/review/$OWNER"
}

@test "the end of a session lists the auto-run files the agent changed; --review shows them again" {
	make_repos
	local r="$(proj)/repo"
	runuser -u "$OWNER" -- sh -c "printf 'all:\n\ttrue\n' > $r/Makefile && chmod 664 $r/Makefile && echo notes > $r/notes.txt"
	agent_sh "$r" 'printf "all:\n\tcurl x | sh\n" > Makefile && echo "eval x" > .envrc &&
		mkdir -p .github/workflows .vscode sub2 && echo "on: push" > .github/workflows/ci.yml &&
		echo "{}" > .vscode/tasks.json && echo "{}" > sub2/package.json && echo x >> notes.txt && echo done'
	assert_success
	assert_line --partial "the agent's session changed files your tools run without asking"
	assert_line "  $r/Makefile"
	assert_line "  $r/.envrc"
	assert_line "  $r/.github/workflows/ci.yml"
	assert_line "  $r/.vscode/tasks.json"
	assert_line "  $r/sub2/package.json"
	refute_line --partial notes.txt
	as_owner "$OWNER" "$(proj)" "$SH" --review
	assert_success
	assert_line "files your tools run without asking that the agent's last session changed:"
	assert_line "  $r/Makefile"
	assert_line "  $r/.github/workflows/ci.yml"
	refute_line --partial notes.txt
	local state
	state=$(review_state)
	[ "$(stat -c '%u %a' "$state")" = "0 640" ]
}

@test "a file the agent backdates (touch -d) is still listed; a session that changes none lists nothing" {
	runuser -u "$OWNER" -- sh -c "echo x > $(proj)/.envrc && chmod 664 $(proj)/.envrc"
	agent_sh "$(proj)" 'echo "evil" >> .envrc && touch -d 2001-01-01 .envrc && echo done'
	assert_line "  $(proj)/.envrc"
	agent_sh "$(proj)" 'echo x > plain.txt && echo done'
	assert_output 'done'
	as_owner "$OWNER" "$(proj)" "$SH" --review
	assert_output "the agent's last session changed none of the files your tools run without asking"
}

@test "--review refuses a list that root did not write" {
	local state
	state=$(review_state)
	agent_sh "$(proj)" 'true'
	chown "$OWNER" "$state"
	as_owner "$OWNER" "$(proj)" "$SH" --review
	assert_failure 1
	assert_output --partial "not written by root"
	rm -f "$state"
	as_owner "$OWNER" "$(proj)" "$SH" --review
	assert_success
	assert_output "no agent session of yours has ended on this host yet"
}

@test "bad input: a .git link out of the grant is read-only; the session still starts" {
	install -d -o "$OWNER" -g "$OWNER" "$(proj)/linked" "/home/$OWNER/outside.git/hooks"
	echo "gitdir: /home/$OWNER/outside.git" >"$(proj)/linked/.git"
	chown -R "$OWNER:" "$(proj)/linked" "/home/$OWNER/outside.git"
	as_owner "$OWNER" "$(proj)" "$SH" -- "$PROBE" write "$(proj)/linked/.git"
	assert_output EROFS
	rm -rf "/home/$OWNER/outside.git"
}

@test "bad input: a walk that runs out of file descriptors refuses the session with one line" {
	local d="$(proj)/deep" i
	for i in $(seq 1 60); do d="$d/d"; done
	mkdir -p "$d"
	owner_git init -q "$d/repo"
	chown -R "$OWNER:" "$(proj)/deep"
	# bash -p: the sanitizer build's launcher keeps euid 0 only through
	# a privileged shell (as_caller, common.bash).
	run as_caller "$OWNER" bash -p -c "ulimit -n 64; cd $(proj) && exec $SH -- /bin/true"
	assert_failure 1
	assert_line --partial 'Too many open files'
	assert_line --partial 'no session: its git metadata could not be protected'
}

@test "bad input: an agent-made tree 130 deep does not block the next session" {
	agent_sh "$(proj)" 'd=.; for i in $(seq 1 130); do d=$d/a; done; mkdir -p $d && echo OK'
	assert_line OK
	# The end-of-session review does not go that deep either, and says so.
	assert_line "  (the walk stopped early: a tree too large or too deep; more files may have changed)"
	as_owner "$OWNER" "$(proj)" "$SH" -- /usr/bin/id -un
	assert_success
	assert_line "$OWNER-agent"
}

@test "bad input: thousands of repositories start in bounded time; beyond the limit a clear refusal" {
	local i
	for i in $(seq 1 1500); do
		mkdir -p "$(proj)/many/r$i/.git/objects" "$(proj)/many/r$i/.git/refs"
		echo 'ref: refs/heads/main' >"$(proj)/many/r$i/.git/HEAD"
	done
	chown -R "$OWNER:" "$(proj)/many"
	local t0=$SECONDS
	as_owner "$OWNER" "$(proj)" "$SH" -- "$PROBE" write "$(proj)/many/r1500/.git/config"
	assert_output ok
	[ ! -e "$(proj)/many/r1500/.git/config" ]
	echo "# 1500 repositories: $((SECONDS - t0)) s" >&3
	[ $((SECONDS - t0)) -lt 60 ]
	for i in $(seq 1501 4001); do
		mkdir -p "$(proj)/many/r$i/.git/objects" "$(proj)/many/r$i/.git/refs"
		echo 'ref: refs/heads/main' >"$(proj)/many/r$i/.git/HEAD"
	done
	chown -R "$OWNER:" "$(proj)/many"
	as_owner "$OWNER" "$(proj)" "$SH" -- /bin/true
	assert_failure 1
	assert_output --partial "more than 4000 git repositories under $(proj)"
	rm -rf "$(proj)/many"
}

@test "the git walk runs as the owner: a repository only root could reach is left alone, and noted" {
	# A directory of the agent's that the owner may not enter, and in it
	# a repository of the owner's with no agent entry.
	agent_sh "$(proj)" 'mkdir locked && chmod 0700 locked && echo OK'
	assert_line OK
	mkdir -p "$(proj)/locked/r/.git/objects" "$(proj)/locked/r/.git/refs"
	echo 'ref: refs/heads/main' >"$(proj)/locked/r/.git/HEAD"
	chown -R "$OWNER:" "$(proj)/locked/r"
	setfacl -R -b "$(proj)/locked/r"
	run runuser -u "$OWNER" -- ls "$(proj)/locked"
	assert_failure
	# --explain walks in its own process: as the owner itself (the
	# sanitizer run's callers keep euid 0).
	run runuser -u "$OWNER" -- env -C "$(proj)" "$SH" --explain
	assert_success
	assert_line "session: git metadata: not protected: $(proj)/locked: you may not enter it (nor may your git): not walked"
	# Root's walk went in and put the agent's own git dir there; the
	# owner's never sees it: the .git stays the owner's, not writable.
	as_owner "$OWNER" "$(proj)" "$SH" -- "$PROBE" write "$(proj)/locked/r/.git/HEAD"
	assert_output EACCES
	[ "$(cat "$(proj)/locked/r/.git/HEAD")" = 'ref: refs/heads/main' ]
	rm -rf "$(proj)/locked"
}

@test "the git walk has the caller's own groups: a directory only they open is walked" {
	# The caller runs with a group /etc/group does not give them (as
	# after newgrp, or a group granted since login): the walk has it too.
	local g="${P}g" uid gid ids
	groupadd "$g"
	install -d -o root -g "$g" -m 0750 "$(proj)/grp"
	mkdir -p "$(proj)/grp/r/.git/objects" "$(proj)/grp/r/.git/refs"
	echo 'ref: refs/heads/main' >"$(proj)/grp/r/.git/HEAD"
	chown -R "$OWNER:" "$(proj)/grp/r"
	setfacl -R -b "$(proj)/grp"
	setfacl -m "u:$OWNER-agent:r-x" "$(proj)/grp"
	uid=$(id -u "$OWNER") gid=$(id -g "$OWNER")
	if [ -n "${AS_NOSUID_HELPER:-}" ]; then ids="--ruid=$uid --regid=$gid"; else ids="--reuid=$uid --regid=$gid"; fi
	# shellcheck disable=SC2086 # two options
	run setpriv $ids --groups="$(getent group agent-shell-users | cut -d: -f3),$(getent group "$g" | cut -d: -f3)" -- \
		env -C "$(proj)" -i HOME="/home/$OWNER" USER="$OWNER" PATH=/usr/bin:/bin \
		"$SH" -- "$PROBE" write "$(proj)/grp/r/.git/HEAD"
	# The agent's own git dir there: written, and the owner's HEAD as it was.
	assert_output ok
	[ "$(cat "$(proj)/grp/r/.git/HEAD")" = 'ref: refs/heads/main' ]
	# With the groups of /etc/group alone the walk cannot go in: the
	# owner's .git stays as it is, and the agent may not write it.
	as_owner "$OWNER" "$(proj)" "$SH" -- "$PROBE" write "$(proj)/grp/r/.git/HEAD"
	assert_output EACCES
	rm -rf "$(proj)/grp"
	groupdel "$g"
}

@test "bad input: a granted directory that is gone is noted, and the session still starts" {
	local gone="/home/$OWNER/src/gone"
	install -d -o "$OWNER" -g "$OWNER" "$gone"
	"$ADM" grant "$OWNER" "$gone" >/dev/null
	rmdir "$gone"
	as_owner "$OWNER" "$(proj)" "$SH" --explain
	assert_line "session: git metadata: not protected: $gone: the granted directory is not there in the session"
	as_owner "$OWNER" "$(proj)" "$SH" -- /usr/bin/id -un
	install -d -o "$OWNER" -g "$OWNER" "$gone"
	"$ADM" revoke "$OWNER" "$gone" >/dev/null
	rmdir "$gone"
	assert_success
	assert_output "$OWNER-agent"
}
