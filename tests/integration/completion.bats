#!/usr/bin/env bats
# bash completion for agent-shell, agent-sandbox and agent-admin: source
# the file this build configured, drive each completion function the way
# bash does (COMP_WORDS, COMP_CWORD) and compare COMPREPLY.

bats_require_minimum_version 1.5.0

load common

setup() {
	COMPLETION="$AS_BUILD_DIR/completion/agent-shell"
	# shellcheck source=/dev/null
	source "$COMPLETION"
	T=$(mktemp -d /tmp/as-compl.XXXXXX)
	mkdir -p "$T/etc" "$T/vendor" "$T/reg" "$T/work/sub dir"
	touch "$T/afile"
	touch "$T/vendor/default.profile" "$T/vendor/offline.profile" "$T/vendor/strict.profile"
	touch "$T/etc/default.profile" "$T/etc/mine.profile" "$T/etc/notes.txt"
	printf '[agent]\nowner = alice\naccount = alice-agent\n\n[project]\npath = /home/alice/src/foo\naccess = rw\n\n[project]\npath = /home/alice/docs\naccess = ro\n' >"$T/reg/alice.conf"
	printf '[agent]\nowner = bob\n' >"$T/reg/bob.conf"
	touch "$T/reg/.carol.adding" "$T/reg/.bob.conf.Xa1b2c" "$T/reg/.dave.conf"
	# What the build configured stays checked in its own test; the
	# others point the same code at the scratch tree.
	_agent_shell_profile_dirs=("$T/etc" "$T/vendor")
	_agent_shell_registry_dir="$T/reg"
	_agent_shell_egress_dirs=("$T/etc" "$T/vendor")
	unset AGENT_SANDBOX_PROFILE_PATH
}

teardown() {
	rm -rf "$T"
}

# complete WORD...: completes the last word as bash would, and prints
# COMPREPLY sorted, one per line.
complete_words() {
	local spec fn
	spec=$(complete -p "$1") || return 1
	fn=${spec#*-F }
	fn=${fn%% *}
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	"$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" 2>/dev/null
	[ "${#COMPREPLY[@]}" -eq 0 ] || printf '%s\n' "${COMPREPLY[@]}" | sort
}

@test "the file names this build's profile and registry directories" {
	run bash -c "source '$COMPLETION'; printf '%s\n' \"\${_agent_shell_profile_dirs[@]}\" \"\$_agent_shell_registry_dir\""
	assert_success
	# sysconfdir is PREFIX/etc, or /etc for the prefix /usr (a package).
	local etc="$AS_CONFIGURED_PREFIX/etc"
	[ "$AS_CONFIGURED_PREFIX" = /usr ] && etc=/etc
	assert_line --index 0 "$etc/agent-shell/profiles"
	assert_line --index 1 "$AS_CONFIGURED_PREFIX/share/agent-shell/profiles"
	assert_line --index 2 "$etc/agent-shell/agents.d"
	refute_output --partial '@'
}

@test "each command has its completion function" {
	run complete -p agent-shell agent-sandbox agent-admin
	assert_success
	assert_output "complete -F _agent_shell agent-shell
complete -F _agent_sandbox agent-sandbox
complete -F _agent_admin agent-admin"
}

@test "agent-admin completes its subcommands" {
	run complete_words agent-admin ''
	assert_output "--help
--version
add
apply
check
egress
grant
harden
list
remove
revoke
set"
	run complete_words agent-admin re
	assert_output "remove
revoke"
}

@test "agent-shell -p completes profile names from both directories, once each" {
	run complete_words agent-shell -p ''
	assert_output "default
mine
offline
strict"
	run complete_words agent-shell --profile o
	assert_output "offline"
}

@test "agent-shell completes its options, and none after the command" {
	run complete_words agent-shell --ex
	assert_output "--explain"
	run complete_words agent-shell -C "$T/work" -- ls --ex
	refute_output --partial -- "--explain"
	run complete_words agent-shell ls --ex
	refute_output --partial -- "--explain"
}

@test "agent-shell -C completes directories only" {
	run complete_words agent-shell -C "$T/"
	assert_output "$T/etc
$T/reg
$T/vendor
$T/work"
}

@test "agent-sandbox -p reads AGENT_SANDBOX_PROFILE_PATH like agent-sandbox does" {
	run complete_words agent-sandbox -p ''
	assert_output "default
mine
offline
strict"
	# shellcheck disable=SC2034 # read by the completion function, which runs in this shell
	AGENT_SANDBOX_PROFILE_PATH="$T/etc"
	run complete_words agent-sandbox -p ''
	assert_output "default
mine"
}

@test "agent-sandbox --test-ablate completes the four layers" {
	run complete_words agent-sandbox --test-ablate ''
	assert_output "caps
landlock
nnp
seccomp"
}

@test "agent-admin completes owners from the registry, not its temporary files" {
	run complete_words agent-admin grant ''
	assert_output "alice
bob"
	run complete_words agent-admin check a
	assert_output "alice"
	shopt -s dotglob # a user's setting must not surface hidden files
	run complete_words agent-admin remove ''
	shopt -u dotglob
	assert_output "alice
bob"
}

@test "agent-admin egress completes owners, actions, lists and the owner's allow lines" {
	touch "$T/vendor/codex.list" "$T/vendor/packages.list" "$T/etc/codex.list"
	printf '\n[egress]\nmode = restricted\nallow = github.com:22,443\n' >>"$T/reg/alice.conf"
	run complete_words agent-admin egress a
	assert_output "alice"
	run complete_words agent-admin egress --l
	assert_output "--load"
	run complete_words agent-admin egress alice ''
	assert_output "allow
log
open
remove
restrict"
	run complete_words agent-admin egress alice allow ''
	assert_output "@codex
@packages"
	run complete_words agent-admin egress alice remove ''
	assert_output "@codex
@packages
github.com:22,443"
	run complete_words agent-admin egress alice open ''
	assert_output ""
}

@test "agent-admin revoke completes the owner's registered projects" {
	run complete_words agent-admin revoke alice ''
	assert_output "/home/alice/docs
/home/alice/src/foo"
	run complete_words agent-admin revoke alice /home/alice/s
	assert_output "/home/alice/src/foo"
}

@test "agent-admin harden completes --undo and --userns" {
	run complete_words agent-admin harden --u
	assert_output "--undo
--userns"
}

@test "agent-admin add --profile completes profile names; options per subcommand" {
	run complete_words agent-admin add alice --profile m
	assert_output "mine"
	run complete_words agent-admin grant alice /tmp --
	assert_output "--allow-var
--help
--read-only"
	run complete_words agent-admin add --
	assert_output "--account
--help
--home
--profile
--profiles
--sudo"
	run complete_words agent-admin set alice --
	assert_output "--help
--profile
--profiles"
}

@test "the install puts the completion under all three names" {
	[ -n "${AS_PREFIX:-}" ] || skip "no install (AS_PREFIX unset)"
	local d="$AS_PREFIX/share/bash-completion/completions"
	[ -f "$d/agent-shell" ]
	[ "$(readlink "$d/agent-sandbox")" = agent-shell ]
	[ "$(readlink "$d/agent-admin")" = agent-shell ]
	cmp "$d/agent-shell" "$COMPLETION"
}
