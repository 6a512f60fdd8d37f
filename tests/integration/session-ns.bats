#!/usr/bin/env bats
# The session namespace (suite 'root'), through the really installed setuid
# helper and real PAM: the private /tmp and /var/tmp, and the read-only git
# metadata of the granted repositories.  Accounts start with "asn" + pid and
# are deleted.

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
	rm -rf "$(proj)"/*
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

@test "--explain and the session log say which protections are active" {
	make_repos
	as_owner "$OWNER" "$(proj)" "$SH" --explain
	assert_success
	assert_line "session: private /tmp and /var/tmp (an empty tmpfs each, discarded when the session ends)"
	assert_line "session: own PID and IPC namespaces (only the session's processes and IPC objects are visible; every process of the session ends when its command exits)"
	# repo, lib, the submodule's git dir and the worktree's.
	assert_line "session: git metadata read-only (.git/config, .git/hooks, submodules, worktrees) in 4 repositories of the read-write grants"
}

@test "the agent cannot plant hooks or config in the owner's repository" {
	make_repos
	local r="$(proj)/repo"
	as_owner "$OWNER" "$r" "$SH" -- "$PROBE" create "$r/.git/hooks/post-commit"
	assert_output EROFS
	as_owner "$OWNER" "$r" "$SH" -- "$PROBE" write "$r/.git/config"
	assert_output EROFS
	as_owner "$OWNER" "$r" "$SH" -- git config core.fsmonitor 'touch /tmp/pwned'
	assert_failure
	assert_output --partial 'could not write config file .git/config: Device or resource busy'
	as_owner "$OWNER" "$r" "$SH" -- git config core.hooksPath /tmp
	assert_failure
	as_owner "$OWNER" "$r" "$SH" -- "$PROBE" rename "$r/.git/config" "$r/.git/config.old"
	assert_output EBUSY
	as_owner "$OWNER" "$r" "$SH" -- "$PROBE" rename "$r/.git" "$r/.git.old"
	assert_output EBUSY
	as_owner "$OWNER" "$r" "$SH" -- "$PROBE" rename "$r/.git/hooks" "$r/.git/hooks.old"
	assert_output EBUSY
	grep -q fsmonitor "$r/.git/config" && false
	[ ! -e "$r/.git/hooks/post-commit" ]
}

@test "the same holds in a submodule and a linked worktree" {
	make_repos
	local r="$(proj)/repo"
	as_owner "$OWNER" "$r" "$SH" -- "$PROBE" create "$r/.git/modules/sub/hooks/post-checkout"
	assert_output EROFS
	as_owner "$OWNER" "$r" "$SH" -- "$PROBE" write "$r/.git/modules/sub/config"
	assert_output EROFS
	as_owner "$OWNER" "$r" "$SH" -- "$PROBE" rename "$r/.git/modules/sub/config" "$r/.git/modules/sub/x"
	assert_output EBUSY
	# A .git file keeps pointing where the owner set it.
	as_owner "$OWNER" "$r" "$SH" -- "$PROBE" write "$r/sub/.git"
	assert_output EROFS
	as_owner "$OWNER" "$r" "$SH" -- "$PROBE" write "$(proj)/wt/.git"
	assert_output EROFS
	as_owner "$OWNER" "$(proj)/wt" "$SH" -- git config core.fsmonitor 'touch /tmp/pwned'
	assert_failure
	run grep -c fsmonitor "$r/.git/config" "$r/.git/modules/sub/config"
	refute_output --partial ':1'
}

@test "afterwards the owner's git commit and status run no agent code" {
	make_repos
	local r="$(proj)/repo" marker="/tmp/asn-ran-$$"
	# Everything the agent might try, in one session.
	as_owner "$OWNER" "$r" "$SH" -- /bin/sh -c "
		printf '#!/bin/sh\\ntouch $marker\\n' > .git/hooks/post-commit; chmod +x .git/hooks/post-commit
		git config core.fsmonitor 'touch $marker'
		git config core.hooksPath ../planted
		git config alias.status '!touch $marker'
		mv .git/hooks .git/hooks.old; mkdir .git/hooks
		mv .git .git.old; true"
	owner_git -C "$r" commit -q --allow-empty -m "owner commit"
	owner_git -C "$r" status >/dev/null
	owner_git -C "$(proj)/wt" status >/dev/null
	[ ! -e "$marker" ]
	[ -d "$r/.git" ]
}

@test "the agent's commits, branches, fetches and gc keep working" {
	make_repos
	local r="$(proj)/repo"
	as_owner "$OWNER" "$r" "$SH" -- /bin/sh -c '
		export GIT_AUTHOR_NAME=a GIT_AUTHOR_EMAIL=a@x GIT_COMMITTER_NAME=a GIT_COMMITTER_EMAIL=a@x
		echo change > file && git add file && git commit -q -m "agent commit" &&
		git branch agent-branch && r=$(cd ../remote.git && pwd) && git config --global --add safe.directory "$r" && git fetch -q "$r" main && git gc -q && echo ALL-OK'
	assert_success
	assert_output ALL-OK
	run owner_git -C "$r" log --oneline -1 agent-branch
	assert_output --partial 'agent commit'
}

@test "a repository the agent creates stays its own; the owner's git refuses it until adopted" {
	as_owner "$OWNER" "$(proj)" "$SH" -- git init -q "$(proj)/agentrepo"
	assert_success
	[ "$(stat -c %U "$(proj)/agentrepo/.git")" = "$OWNER-agent" ]
	run owner_git -C "$(proj)/agentrepo" status
	assert_failure
	assert_output --partial 'dubious ownership'
	# Not protected (the session says why in its log), so the agent may use it.
	as_owner "$OWNER" "$(proj)" "$SH" -- git -C "$(proj)/agentrepo" config user.name agent
	assert_success
}

@test "bad input: a .git link out of the grant is not followed; the session still starts" {
	install -d -o "$OWNER" -g "$OWNER" "$(proj)/linked" "/home/$OWNER/outside.git/hooks"
	echo "gitdir: /home/$OWNER/outside.git" >"$(proj)/linked/.git"
	chown -R "$OWNER:" "$(proj)/linked" "/home/$OWNER/outside.git"
	as_owner "$OWNER" "$(proj)" "$SH" --explain
	assert_line --partial "not protected: $(proj)/linked/.git: its git dir is outside the grant; not followed"
	as_owner "$OWNER" "$(proj)" "$SH" -- /bin/true
	assert_success
	rm -rf "/home/$OWNER/outside.git"
}

@test "bad input: a symlinked .git/hooks refuses the session with a clear line" {
	owner_git init -q "$(proj)/repo"
	mv "$(proj)/repo/.git/hooks" "$(proj)/repo/hooks-real"
	ln -s ../hooks-real "$(proj)/repo/.git/hooks"
	chown -h "$OWNER:" "$(proj)/repo/.git/hooks"
	as_owner "$OWNER" "$(proj)" "$SH" -- /bin/true
	assert_failure 1
	assert_line --partial "$(proj)/repo/.git/hooks is a symbolic link, which a read-only bind mount cannot cover"
	assert_line --partial 'no session: its git metadata could not be protected'
}

@test "bad input: a missing .git/hooks is created empty and read-only" {
	owner_git init -q "$(proj)/repo"
	rm -rf "$(proj)/repo/.git/hooks"
	as_owner "$OWNER" "$(proj)" "$SH" -- "$PROBE" create "$(proj)/repo/.git/hooks/x"
	assert_output EROFS
	[ "$(stat -c %U "$(proj)/repo/.git/hooks")" = "$OWNER" ]
}

@test "bad input: thousands of repositories start in bounded time; beyond the limit a clear refusal" {
	local i
	for i in $(seq 1 1500); do
		mkdir -p "$(proj)/many/r$i/.git/hooks"
		: >"$(proj)/many/r$i/.git/config"
		echo 'ref: refs/heads/main' >"$(proj)/many/r$i/.git/HEAD"
	done
	chown -R "$OWNER:" "$(proj)/many"
	local t0=$SECONDS
	as_owner "$OWNER" "$(proj)" "$SH" -- "$PROBE" write "$(proj)/many/r1500/.git/config"
	assert_output EROFS
	[ $((SECONDS - t0)) -lt 30 ]
	for i in $(seq 1501 4001); do
		mkdir -p "$(proj)/many/r$i/.git"
	done
	chown -R "$OWNER:" "$(proj)/many"
	as_owner "$OWNER" "$(proj)" "$SH" -- /bin/true
	assert_failure 1
	assert_output --partial "more than 4000 git repositories under $(proj)"
	rm -rf "$(proj)/many"
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
