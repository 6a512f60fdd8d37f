#!/usr/bin/env bats
# agent-sandbox against the real kernel: Landlock, seccomp, no_new_privs and
# capabilities, each asserted by the exact failure the kernel gives.
# Runs twice: as root (suite 'integration') and as a throwaway user
# (suite 'root', AS_TEST_UNPRIVILEGED=1).

bats_require_minimum_version 1.5.0

load common

setup_file() {
	as_locate
	as_stage
	export AS_STAGE AS_PROFILES
	TU=""
	TU_HOME=/root
	if [ "${AS_TEST_UNPRIVILEGED:-}" = 1 ]; then
		TU=$(as_make_user sbx)
		TU_HOME=$(getent passwd "$TU" | cut -d: -f6)
	fi
	export TU TU_HOME
}

teardown_file() {
	as_drop_user "$TU"
	rm -rf "$AS_STAGE"
}

setup() {
	W=$(mktemp -d /tmp/as-work.XXXXXX)
	mkdir -p "$W/proj" "$W/proj2" "$W/ro" "$W/out"
	echo secret >"$W/out/secret"
	echo data >"$W/ro/file"
	echo mine >"$W/proj/file"
	chmod 0755 "$W"
	[ -z "$TU" ] || chown -R "$TU:$TU" "$W"
	# shellcheck disable=SC2164 # setup runs under set -e: a failed cd fails the test
	cd "$W/proj"
	PIDS=()
}

teardown() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	cd /
	rm -rf "$W"
}

# Runs a command as the test user (or root) with a clean environment.
# Always in a subshell: under run, or with &.
as_tu() {
	local envs=(HOME="$TU_HOME" PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8)
	[ -z "$AS_PROFILES" ] || envs+=(AGENT_SANDBOX_PROFILE_PATH="$AS_PROFILES")
	# exec: run in the background, $! is then the command itself, and
	# teardown's kill reaches it.
	if [ -n "$TU" ]; then
		exec setpriv --reuid="$TU" --regid="$TU" --init-groups -- env -i "${envs[@]}" "$@"
	else
		exec env -i "${envs[@]}" "$@"
	fi
}

sbx() {
	run as_tu "$AS_STAGE/agent-sandbox" "$@"
}

# The usual rules for these tests: the probe executable, a project, a
# second writable directory and a read-only one.
P() {
	sbx -x "$AS_STAGE" -w "$W/proj" -w "$W/proj2" -r "$W/ro" "$@"
}

# Starts a loopback TCP listener outside the sandbox; sets PORT.
tcp_listener() {
	local portfile="$W/port.$RANDOM"
	as_tu python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(60)' "$portfile" </dev/null >/dev/null 2>&1 &
	PIDS+=($!)
	for _ in $(seq 200); do [ -s "$portfile" ] && break; sleep 0.05; done
	PORT=$(cat "$portfile")
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

@test "--version and --help work without a profile" {
	sbx --version
	assert_success
	assert_output --regexp '^agent-sandbox [0-9]+\.[0-9]+\.[0-9]+$'
	sbx --help
	assert_success
	assert_output --partial 'Usage: agent-sandbox'
}

@test "an unknown option is a usage error naming it" {
	sbx --bogus -- true
	assert_failure 2
	assert_output "agent-sandbox: unknown option '--bogus' (see --help)"
}

@test "a missing command is a usage error" {
	sbx -p base
	assert_failure 2
	assert_output --partial 'no command given'
}

@test "ports outside 1-65535 are refused" {
	sbx --connect 70000 -- true
	assert_failure 2
	assert_output --partial '70000: port must be in 1-65535'
	sbx --bind 0 -- true
	assert_failure 2
	assert_output --partial 'port must be in 1-65535'
	sbx --connect https -- true
	assert_failure 2
	assert_output --partial 'https: not a port number'
}

@test "a relative path flag is refused" {
	sbx -r relative/dir -- true
	assert_failure 2
	assert_output --partial 'relative/dir: not an absolute path'
}

@test "an unknown profile is refused" {
	sbx -p no-such-profile -- true
	assert_failure 1
	assert_output --partial "profile 'no-such-profile' not found"
}

@test "a malformed profile is refused with file and line" {
	printf '[filesystem]\nread = /usr\nbogus = 1\n' >"$W/bad.profile"
	chmod 0644 "$W/bad.profile"
	sbx -f "$W/bad.profile" -- true
	assert_failure 1
	assert_output --regexp "bad.profile:3: .*bogus"
}

@test "a profile line over the system inih's limit is refused, not split" {
	{ printf '[filesystem]\nread = /'; printf 'a%.0s' $(seq 250); printf '\n'; } >"$W/long.profile"
	chmod 0644 "$W/long.profile"
	sbx -f "$W/long.profile" -- true
	assert_failure 1
	assert_output --regexp 'long.profile:2: line longer than'
}

@test "a missing profile path is an error naming it; an optional one is skipped" {
	printf '[profile]\ninclude = base\n[filesystem]\nread = /nonexistent/as-test\n' >"$W/miss.profile"
	printf '[profile]\ninclude = base\n[filesystem]\nread = ?/nonexistent/as-test\n' >"$W/opt.profile"
	chmod 0644 "$W"/*.profile
	sbx -f "$W/miss.profile" -- true
	assert_failure 1
	assert_output --partial '/nonexistent/as-test'
	sbx -f "$W/opt.profile" -- true
	assert_success
}

@test "a command that does not exist exits 127" {
	run -127 as_tu "$AS_STAGE/agent-sandbox" -- as-no-such-command
	assert_output --partial 'as-no-such-command: command not found'
}

@test "a command that is not executable exits 126" {
	printf '#!/bin/sh\n' >"$W/proj/noexec"
	chmod 0644 "$W/proj/noexec"
	[ -z "$TU" ] || chown "$TU" "$W/proj/noexec"
	run -126 as_tu "$AS_STAGE/agent-sandbox" -w "$W/proj" -- "$W/proj/noexec"
}

@test "the command's exit status is returned" {
	sbx -- /bin/sh -c 'exit 7'
	assert_failure 7
}

@test "the process has no_new_privs, a seccomp filter and no capabilities" {
	sbx -- /bin/cat /proc/self/status
	assert_success
	assert_line --regexp '^NoNewPrivs:[[:space:]]+1$'
	assert_line --regexp '^Seccomp:[[:space:]]+2$'
	assert_line --regexp '^CapEff:[[:space:]]+0000000000000000$'
	assert_line --regexp '^CapPrm:[[:space:]]+0000000000000000$'
	assert_line --regexp '^CapAmb:[[:space:]]+0000000000000000$'
	if [ -z "$TU" ] && [ "$(id -u)" -eq 0 ]; then
		# Started with privilege (as root, not tests/run.sh --quick run
		# by a developer): the bounding set is emptied too.
		assert_line --regexp '^CapBnd:[[:space:]]+0000000000000000$'
	fi
}

@test "reading outside the rules fails with EACCES" {
	P -- "$AS_STAGE/probe" read "$W/out/secret"
	assert_output EACCES
}

@test "reading a granted path works" {
	P -- "$AS_STAGE/probe" read "$W/ro/file"
	assert_output ok
}

@test "writing a read-only path fails with EACCES" {
	P -- "$AS_STAGE/probe" write "$W/ro/file"
	assert_output EACCES
}

@test "truncating a read-only file fails with EACCES" {
	P -- "$AS_STAGE/probe" truncate "$W/ro/file"
	assert_output EACCES
}

@test "creating a file in the project works, outside it fails" {
	P -- "$AS_STAGE/probe" create "$W/proj/new"
	assert_output ok
	P -- "$AS_STAGE/probe" create "$W/out/new"
	assert_output EACCES
	[ ! -e "$W/out/new" ]
}

@test "a rename between two writable directories works" {
	P -- "$AS_STAGE/probe" rename "$W/proj/file" "$W/proj2/file"
	assert_output ok
	[ -f "$W/proj2/file" ]
}

@test "a rename into a read-only directory fails" {
	P -- "$AS_STAGE/probe" rename "$W/proj/file" "$W/ro/file2"
	assert_output EACCES
	[ -f "$W/proj/file" ]
}

@test "a hard link to a file outside the rules fails" {
	P -- "$AS_STAGE/probe" link "$W/out/secret" "$W/proj/stolen"
	assert_output EXDEV
	[ ! -e "$W/proj/stolen" ]
}

@test "executing a program outside the exec rules fails with EACCES" {
	cp /bin/true "$W/proj/mytrue"
	[ -z "$TU" ] || chown "$TU" "$W/proj/mytrue"
	P -- "$AS_STAGE/probe" exec "$W/proj/mytrue"
	assert_output EACCES
	P -x "$W/proj" -- "$AS_STAGE/probe" exec "$W/proj/mytrue"
	assert_output ok
}

@test "a command outside the exec rules is refused at exec with 126 and a hint" {
	# agent-sandbox's own exec fails after every layer is on (in the
	# sanitizer build this path once aborted: its leak check needs ptrace).
	cp /bin/true "$W/proj/mytrue"
	[ -z "$TU" ] || chown "$TU" "$W/proj/mytrue"
	P -- "$W/proj/mytrue"
	assert_failure 126
	assert_output "agent-sandbox: $W/proj/mytrue: Permission denied (is it beneath an exec rule? see --explain)"
}

@test "TCP connect is denied unless the port is granted" {
	tcp_listener
	P -- "$AS_STAGE/probe" connect "$PORT"
	assert_output EACCES
	P --connect "$PORT" -- "$AS_STAGE/probe" connect "$PORT"
	assert_output ok
}

@test "TCP bind is denied unless the port is granted" {
	port=$(free_port)
	P -- "$AS_STAGE/probe" bind "$port"
	assert_output EACCES
	P --bind "$port" -- "$AS_STAGE/probe" bind "$port"
	assert_output ok
}

@test "an abstract unix socket outside the sandbox is unreachable" {
	name="as-test-$$-$RANDOM"
	as_tu python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind("\0" + sys.argv[1]); s.listen(1); time.sleep(60)' "$name" </dev/null >/dev/null 2>&1 &
	# shellcheck disable=SC2030 # a test and its teardown share one subshell
	PIDS+=($!)
	sleep 0.3
	run as_tu "$AS_STAGE/probe" connect-abstract "$name"
	assert_output ok
	P -- "$AS_STAGE/probe" connect-abstract "$name"
	assert_output EPERM
}

@test "signals to a process outside the sandbox fail with EPERM" {
	as_tu sleep 60 </dev/null >/dev/null 2>&1 &
	# shellcheck disable=SC2030,SC2031 # a test and its teardown share one subshell
	PIDS+=($!)
	P -- "$AS_STAGE/probe" kill "$!"
	assert_output EPERM
}

@test "ptrace of a process outside the sandbox fails with EPERM" {
	as_tu sleep 60 </dev/null >/dev/null 2>&1 &
	# shellcheck disable=SC2031 # a test and its teardown share one subshell
	PIDS+=($!)
	P -- "$AS_STAGE/probe" ptrace "$!"
	assert_output EPERM
}

@test "new user namespaces fail with EPERM" {
	P -- "$AS_STAGE/probe" unshare-user
	assert_output EPERM
}

@test "mount fails with EPERM" {
	P -- "$AS_STAGE/probe" mount
	assert_output EPERM
}

@test "TIOCSTI fails with EPERM" {
	P -- "$AS_STAGE/probe" tiocsti
	assert_output EPERM
}

@test "setuid binaries give nothing (no_new_privs)" {
	[ -n "$TU" ] || skip "needs an unprivileged caller"
	[ -u /usr/bin/su ] || skip "no setuid su on this machine"
	sbx -- /usr/bin/su -c id root
	assert_failure
	refute_output --partial 'uid=0'
}

@test "the environment is rebuilt from the allowlist" {
	run as_tu env LD_PRELOAD=/nonexistent.so AS_SECRET=1 BASH_ENV=/tmp/x \
		"$AS_STAGE/agent-sandbox" -- /usr/bin/env
	assert_success
	assert_line --regexp '^PATH='
	assert_line --regexp '^HOME='
	refute_line --regexp '^LD_PRELOAD='
	refute_line --partial 'AS_SECRET'
	refute_line --partial 'BASH_ENV'
}

@test "--explain prints every layer and runs nothing" {
	sbx -p default --explain -- /usr/bin/touch "$W/proj/explained"
	assert_success
	assert_line --regexp '^kernel: Landlock ABI [0-9]+$'
	assert_line --partial 'no_new_privs: on'
	assert_line --regexp '^landlock: .*'"$W/proj"
	assert_line --regexp '^seccomp: '
	assert_line --regexp '^environment: pass PATH'
	assert_line --regexp '^command: /usr/bin/touch '
	[ ! -e "$W/proj/explained" ]
}

@test "an interactive program keeps working on a pseudo-terminal" {
	run as_tu script -qec "$AS_STAGE/agent-sandbox -p default -- /bin/sh -c 'stty raw -echo && stty sane && echo TTY-OK'" /dev/null
	assert_success
	assert_output --partial 'TTY-OK'
	refute_output --partial 'Permission denied'
}

@test "a required profile fails closed on a kernel lacking a right" {
	sbx --test-landlock-abi 3 -- true
	assert_failure 1
	assert_output --partial 'TCP'
	assert_output --partial 'best-effort'
}

@test "a best-effort profile runs on an older ABI and says what is not enforced" {
	printf '[profile]\ninclude = base\nlandlock = best-effort\n' >"$W/be.profile"
	chmod 0644 "$W/be.profile"
	tcp_listener
	run --separate-stderr as_tu "$AS_STAGE/agent-sandbox" -f "$W/be.profile" -x "$AS_STAGE" \
		--test-landlock-abi 3 -- "$AS_STAGE/probe" connect "$PORT"
	assert_output ok
	# shellcheck disable=SC2154 # set by bats' run --separate-stderr
	[ "$(grep -c 'not enforced' <<<"$stderr")" -ge 1 ]
	[ "$(grep -c 'TCP' <<<"$stderr")" -eq 1 ]
}

@test "the offline profile allows no TCP and no UDP, not even a socket" {
	tcp_listener
	sbx -p offline -x "$AS_STAGE" -- "$AS_STAGE/probe" connect "$PORT"
	assert_output EPERM
	sbx -p offline -x "$AS_STAGE" -- "$AS_STAGE/probe" udp
	assert_output EPERM
}

@test "MPTCP cannot reach a port Landlock does not grant" {
	tcp_listener
	P -- "$AS_STAGE/probe" connect-mptcp "$PORT"
	assert_output EPERM
}

@test "MPTCP fails even to a granted port: seccomp refuses the socket" {
	tcp_listener
	P --connect "$PORT" -- "$AS_STAGE/probe" connect-mptcp "$PORT"
	assert_output EPERM
	P --connect "$PORT" -- "$AS_STAGE/probe" connect "$PORT"
	assert_output ok
}

@test "without seccomp MPTCP reaches an ungranted port (the Landlock gap seccomp closes)" {
	tcp_listener
	P --test-ablate seccomp -- "$AS_STAGE/probe" connect "$PORT"
	assert_output EACCES
	P --test-ablate seccomp -- "$AS_STAGE/probe" connect-mptcp "$PORT"
	assert_output ok
}

@test "SCTP, SMC and DCCP sockets are refused under every profile" {
	for spec in "2 1 132" "10 1 132" "2 5 132" "10 5 0" "2 1 256" "2 6 33" "43 1 0"; do
		# shellcheck disable=SC2086 # spec is three numbers
		P -- "$AS_STAGE/probe" socket $spec
		[ "$output" = EPERM ] || { echo "socket $spec: $output"; return 1; }
	done
}

@test "vsock, RDS, TIPC, AF_ALG and bluetooth sockets are refused under every profile" {
	for spec in "40 1 0" "21 5 0" "30 4 0" "38 5 0" "31 1 0"; do
		# shellcheck disable=SC2086 # spec is three numbers
		P -- "$AS_STAGE/probe" socket $spec
		[ "$output" = EPERM ] || { echo "socket $spec: $output"; return 1; }
	done
	P -- "$AS_STAGE/probe" socketpair 40 1
	assert_output EPERM
}

@test "TCP, UDP, netlink and unix sockets still open under the default profile" {
	for spec in "2 1 0" "10 1 6" "2 2 0" "10 2 17" "16 3 0" "1 1 0" "1 2 0"; do
		# shellcheck disable=SC2086 # spec is three numbers
		sbx -p default -x "$AS_STAGE" -- "$AS_STAGE/probe" socket $spec
		[ "$output" = ok ] || { echo "socket $spec: $output"; return 1; }
	done
}

@test "the offline profile refuses netlink, vsock, packet and bluetooth sockets" {
	for spec in "16 3 0" "16 2 0" "40 1 0" "17 2 0" "31 1 0" "10 1 0"; do
		# shellcheck disable=SC2086 # spec is three numbers
		sbx -p offline -x "$AS_STAGE" -- "$AS_STAGE/probe" socket $spec
		[ "$output" = EPERM ] || { echo "socket $spec: $output"; return 1; }
	done
	sbx -p offline -x "$AS_STAGE" -- "$AS_STAGE/probe" socketpair 16 3
	assert_output EPERM
}

@test "the offline profile still opens unix sockets and socket pairs" {
	sbx -p offline -x "$AS_STAGE" -- "$AS_STAGE/probe" socket 1 1 0
	assert_output ok
	sbx -p offline -x "$AS_STAGE" -- "$AS_STAGE/probe" socketpair 1 2
	assert_output ok
}

@test "the default profile writes the project and /tmp but not elsewhere" {
	outside=$(mktemp -d /var/tmp/as-out.XXXXXX)
	chmod 0777 "$outside"
	sbx -p default -x "$AS_STAGE" -- "$AS_STAGE/probe" create "$W/proj/d"
	assert_output ok
	sbx -p default -x "$AS_STAGE" -- "$AS_STAGE/probe" create "$outside/d"
	local got=$output
	rm -rf "$outside"
	[ "$got" = EACCES ]
}
