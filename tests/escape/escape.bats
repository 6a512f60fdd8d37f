#!/usr/bin/env bats
# The escape suite (suite 'escape', root): every attempt of attempts.bash,
# each asserting its exact failure both inside a real agent-shell session
# (the setuid install at AS_PREFIX, an owner provisioned by agent-admin)
# and under agent-sandbox run as the owner itself.  Where the two differ
# (an attempt that only the separate uid stops), both outcomes are
# asserted and docs/escape-matrix.md says why.  The last tests check that
# the ablation switches cannot reach the setuid path and that the matrix
# is current.

bats_require_minimum_version 1.5.0

load ../integration/common

setup_file() {
	# bats 1.8 cannot skip from setup_file: mark it, and skip each test.
	if [ -z "${AS_PREFIX:-}" ] || [ ! -u "$AS_PREFIX/libexec/agent-shell/agent-shell-helper" ]; then
		export ESC_SKIP="needs the setuid install of tests/run.sh (AS_PREFIX)"
		return 0
	fi
	. "$BATS_TEST_DIRNAME/fixture.bash"
	esc_locate
	esc_fixture_up >"$BATS_FILE_TMPDIR/fixture.log" 2>&1 || {
		cat "$BATS_FILE_TMPDIR/fixture.log" >&2
		esc_fixture_down
		return 1
	}
	export ESC_FIXTURE_READY=1
}

teardown_file() {
	if [ -n "${ESC_P:-}" ]; then
		esc_fixture_down
	fi
}

setup() {
	if [ -n "${ESC_SKIP:-}" ]; then
		skip "$ESC_SKIP"
	fi
	. "$BATS_TEST_DIRNAME/fixture.bash"
	. "$BATS_TEST_DIRNAME/attempts.bash"
	esc_attempts
}

# Runs attempt ID in a session and under agent-sandbox; each must end
# exactly as attempts.bash says.
esc_check() {
	local id=$1 mode want got bad=0

	for mode in session sandbox; do
		esc_reset
		if [ "$mode" = session ]; then
			want=${ESC_EXP_SESSION[$id]}
		else
			want=${ESC_EXP_SANDBOX[$id]}
		fi
		got=$(esc_run "$id" "$mode") || true
		if [ "$got" != "$want" ]; then
			printf '%s (%s): %s\n  expected: %s\n  actual:   %s\n' "$id" "$mode" "${ESC_CMD[$id]}" "$want" "$got" >&2
			bad=1
		fi
	done
	esc_reset
	return "$bad"
}

@test "the owner's secrets: read ~/.ssh/id_ed25519 (0600)" {
	esc_check ssh-key
}

@test "the owner's secrets: cat ~/.ssh/id_ed25519 with a real tool" {
	esc_check ssh-key-cat
}

@test "the owner's secrets: list ~/.ssh" {
	esc_check ssh-pub-list
}

@test "the owner's secrets: read a world-readable ~/.netrc (0644)" {
	esc_check netrc
}

@test "another owner's secrets: read their world-readable file in a 0755 home" {
	esc_check other-owner
}

@test "the owner's secrets: read a world-readable ~/.aws/credentials" {
	esc_check aws
}

@test "the owner's secrets: read a world-readable ~/.config/gh/hosts.yml" {
	esc_check gh-token
}

@test "the owner's secrets: read a world-readable ~/.docker/config.json" {
	esc_check docker-config
}

@test "the owner's secrets: read ~/.bash_history" {
	esc_check history
}

@test "the owner's secrets: read ~/.git-credentials" {
	esc_check git-credentials
}

@test "the owner's secrets: read a Firefox profile's cookies.sqlite" {
	esc_check firefox
}

@test "the owner's secrets: read Chrome's Cookies" {
	esc_check chrome
}

@test "the owner's secrets: read a ~/.gnupg private key" {
	esc_check gnupg
}

@test "the owner's secrets: list the owner's home (mode 0755)" {
	esc_check home-list
}

@test "writing outside the grant: append to ~/.bashrc" {
	esc_check bashrc
}

@test "writing outside the grant: append to ~/.bashrc with a shell redirection" {
	esc_check bashrc-sh
}

@test "writing outside the grant: truncate ~/.profile" {
	esc_check profile-trunc
}

@test "writing outside the grant: create ~/.config/autostart/evil.desktop" {
	esc_check autostart
}

@test "writing outside the grant: create ~/.ssh/authorized_keys" {
	esc_check authorized-keys
}

@test "writing outside the grant: plant ~/.local/bin/git (PATH hijack)" {
	esc_check path-hijack
}

@test "writing outside the grant: create a file in the owner's home" {
	esc_check home-create
}

@test "writing outside the grant: plant a pre-commit hook in another repository" {
	esc_check other-hook
}

@test "writing outside the grant: rewrite another repository's .git/config" {
	esc_check other-gitconfig
}

@test "writing in the grant: plant a post-receive hook in a bare repository in the project" {
	esc_check proj-bare-hook
}

@test "writing outside the grant: make ~/.bashrc world-writable (chmod 0666)" {
	esc_check chmod-bashrc
}

@test "writing outside the grant: write the owner's file in /tmp (0644)" {
	esc_check owner-tmp
}

@test "path games: read the ssh key through project/../.." {
	esc_check dotdot
}

@test "path games: read ~/.netrc through project/../.." {
	esc_check dotdot-netrc
}

@test "path games: read ~/.netrc through /proc/self/root" {
	esc_check proc-self-root
}

@test "path games: read ~/.netrc through a symlink made in the project" {
	esc_check symlink
}

@test "path games: hardlink ~/.netrc into the project" {
	esc_check hardlink
}

@test "path games: hardlink the ssh key into the project" {
	esc_check hardlink-key
}

@test "path games: rename a project file into the owner's home" {
	esc_check rename-out
}

@test "path games: rename a project file over ~/.bashrc" {
	esc_check rename-over
}

@test "path games: read ~/.netrc through /proc/PID/cwd of the owner's process" {
	esc_check proc-cwd
}

@test "path games: read ~/.netrc through /proc/PID/root of the owner's process" {
	esc_check proc-root
}

@test "path games: reopen an O_PATH fd of ~/.netrc through /proc/self/fd" {
	esc_check opath-reopen
}

@test "path games: openat ~/.netrc relative to a directory fd passed by the launcher" {
	esc_check fd-passed
}

@test "path games: mint a file handle for ~/.netrc (name_to_handle_at, shocker)" {
	esc_check file-handle
}

@test "the owner's processes: signal the owner's process" {
	esc_check kill
}

@test "the owner's processes: kill the owner's process with kill(1)" {
	esc_check kill-sh
}

@test "the owner's processes: ptrace-attach the owner's process" {
	esc_check ptrace
}

@test "the owner's processes: process_vm_readv from the owner's process" {
	esc_check vm-read
}

@test "the owner's processes: open /proc/PID/mem of the owner's process" {
	esc_check proc-mem
}

@test "the owner's processes: read /proc/PID/environ of the owner's process" {
	esc_check proc-environ
}

@test "the owner's processes: steal an fd of the owner's process (pidfd_getfd)" {
	esc_check pidfd-getfd
}

@test "the owner's processes: lower the owner's process's limits (prlimit)" {
	esc_check prlimit
}

@test "the owner's processes: renice the owner's process" {
	esc_check renice
}

@test "the owner's processes: push keystrokes into the controlling terminal (TIOCSTI)" {
	esc_check tiocsti
}

@test "the owner's sockets: connect to the owner's ssh-agent socket in /tmp" {
	esc_check ssh-agent
}

@test "the owner's sockets: list the owner's ssh-agent keys with ssh-add" {
	esc_check ssh-add
}

@test "the owner's sockets: connect to a docker.sock in the owner's runtime dir" {
	esc_check docker-sock
}

@test "the owner's sockets: connect to the owner's X11 abstract socket (@/tmp/.X11-unix/X...)" {
	esc_check x11
}

@test "the owner's sockets: connect to a D-Bus-like abstract socket" {
	esc_check dbus
}

@test "the owner's sockets: connect to the owner's loopback TCP service on a port not granted" {
	esc_check loopback-tcp
}

@test "the owner's sockets: connect to the loopback service with bash's /dev/tcp" {
	esc_check loopback-bash
}

@test "the owner's sockets: listen on a TCP port not granted" {
	esc_check tcp-bind
}

@test "the owner's sockets: connect to the loopback service on a port not granted over MPTCP" {
	esc_check mptcp
}

@test "the owner's sockets: open an SCTP socket (SOCK_SEQPACKET, protocol 0)" {
	esc_check sctp
}

@test "the owner's sockets: open an AF_SMC socket" {
	esc_check smc
}

@test "the owner's sockets: open an AF_VSOCK socket (to the hypervisor host)" {
	esc_check vsock
}

@test "the owner's sockets: offline: connect to the loopback TCP service" {
	esc_check offline-tcp
}

@test "the owner's sockets: offline: send UDP to a loopback port" {
	esc_check offline-udp
}

@test "the owner's sockets: offline: open a NETLINK_ROUTE socket" {
	esc_check offline-netlink
}

@test "the owner's sockets: offline: open an AF_VSOCK socket" {
	esc_check offline-vsock
}

@test "the owner's sockets: send UDP to a loopback port (the egress fence)" {
	esc_check udp
}

@test "privilege: setuid(0) in a setuid-root binary" {
	esc_check suid-setuid
}

@test "privilege: read /etc/shadow with a setuid-root binary" {
	esc_check suid-shadow
}

@test "privilege: read /etc/shadow with a cap_dac_read_search file capability" {
	esc_check fcap-shadow
}

@test "privilege: su to root" {
	esc_check su
}

@test "privilege: sudo -n" {
	esc_check sudo
}

@test "privilege: create a user namespace (unshare)" {
	esc_check unshare-user
}

@test "privilege: unshare -U with util-linux" {
	esc_check unshare-tool
}

@test "privilege: create a mount namespace" {
	esc_check unshare-mount
}

@test "privilege: mount tmpfs inside a new user+mount namespace" {
	esc_check userns-mount
}

@test "privilege: clone3 with CLONE_NEWUSER" {
	esc_check clone3-ns
}

@test "privilege: mount tmpfs on /tmp" {
	esc_check mount
}

@test "privilege: bpf(BPF_MAP_CREATE)" {
	esc_check bpf
}

@test "privilege: io_uring_setup" {
	esc_check io-uring
}

@test "privilege: keyctl on the user keyring" {
	esc_check keyctl
}

@test "privilege: perf_event_open" {
	esc_check perf
}

@test "privilege: userfaultfd" {
	esc_check userfaultfd
}

@test "privilege: unshare(CLONE_NEWUSER) through int 0x80 (i386 table)" {
	esc_check int80
}

@test "privilege: a syscall through the x32 ABI" {
	esc_check x32
}

@test "resources: fork 200 processes" {
	esc_check forkbomb
}

@test "resources: write a 2 MiB file" {
	esc_check fsize
}

@test "not stopped by the five layers, only by a session's PID namespace: see the owner's process in /proc" {
	esc_check proc-status
}

@test "not stopped by the five layers, only by a session's PID namespace: read the owner's process's command line" {
	esc_check cmdline
}

@test "not stopped by the five layers, only by a session's IPC namespace: attach the owner's 0666 SysV segment" {
	esc_check owner-shm
}

@test "the suite makes at least 60 attempts, each one a test here" {
	local n=0 id
	for id in "${ESC_IDS[@]}"; do
		[ "${ESC_CLASS[$id]}" = limits ] || n=$((n + 1))
		grep -qx "	esc_check $id" "$BATS_TEST_FILENAME" || { echo "no test for $id" >&2; return 1; }
	done
	echo "attempts: $n" >&2
	[ "$n" -ge 60 ]
	[ "$(grep -c '^	esc_check ' "$BATS_TEST_FILENAME")" -eq "${#ESC_IDS[@]}" ]
}

@test "ablation: agent-shell has no ablation switch" {
	run runuser -u "$OWNER" -- env -C "$PROJ" "$SH" --test-ablate seccomp -- /bin/true
	assert_failure 2
	assert_output "agent-shell: unknown option '--test-ablate' (see --help)"
}

@test "ablation: the setuid helper refuses ablation switches" {
	local l
	for l in caps nnp landlock seccomp; do
		run runuser -u "$OWNER" -- "$HELPER" -C "$PROJ" --test-ablate "$l" -- /bin/true
		assert_failure 2
		assert_output "agent-shell: invalid arguments (the helper is run by agent-shell(1))"
	done
}

@test "ablation: after --, a switch is the command's argument and every layer stays on" {
	run runuser -u "$OWNER" -- env -C "$PROJ" "$SH" -- /bin/sh -c \
		'exec grep -E "^(CapBnd|NoNewPrivs|Seccomp|CapEff):" /proc/self/status' --test-ablate=landlock
	assert_output --partial "CapEff:	0000000000000000"
	assert_output --partial "CapBnd:	0000000000000000"
	assert_output --partial "NoNewPrivs:	1"
	assert_output --partial "Seccomp:	2"
	# Landlock too: the owner's world-readable .netrc stays out of reach.
	run runuser -u "$OWNER" -- env -C "$PROJ" "$SH" -- "$PROBE" read "$OH/.netrc" --test-ablate landlock
	assert_output EACCES
}

@test "ablation: the sudo path's sandbox stage (agent-sandbox --session) refuses ablation switches" {
	# On sudo sites sudo runs agent-sandbox --session OWNER as the agent,
	# with arguments the owner chose; it must take no switch that lowers
	# the session's policy.
	local l
	for l in caps nnp landlock seccomp; do
		run runuser -u "$AGENT" -- env -C "$PROJ" "$SB" --session "$OWNER" --test-ablate "$l" -- /bin/true
		assert_failure 2
		assert_output "agent-sandbox: --session takes only -p, -C and --explain"
	done
}

@test "ablation: an unprivileged caller cannot drop no_new_privs and keep Landlock or seccomp" {
	# Why the matrix removes no_new_privs with a root driver (escape-run):
	# without it the kernel refuses both other layers to an unprivileged
	# process, so agent-sandbox fails closed instead of half-applying.
	run runuser -u "$OWNER" -- env -C "$PROJ" "$SB" --test-ablate nnp -- /bin/true
	assert_failure 125
	assert_output "agent-sandbox: landlock: restricting: Operation not permitted (needs no_new_privs or CAP_SYS_ADMIN)"
	run runuser -u "$OWNER" -- env -C "$PROJ" "$SB" --test-ablate nnp --test-ablate landlock -- /bin/true
	assert_failure 125
	assert_output "agent-sandbox: seccomp: loading the filter needs no_new_privs (or CAP_SYS_ADMIN)"
}

@test "docs/escape-matrix.md is what tests/escape/matrix.sh generates now" {
	run "$BATS_TEST_DIRNAME/matrix.sh" --check
	assert_success
}
