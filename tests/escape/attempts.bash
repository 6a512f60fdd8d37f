# The escape attempts, as data: escape.bats asserts each one in a real
# agent-shell session and under agent-sandbox run as the owner;
# matrix.sh runs each with one layer removed at a time
# (docs/escape-matrix.md).  Sourced after esc_fixture_up set the paths.
#
#   A ID CLASS OPTS SESSION SANDBOX DESCRIPTION COMMAND
#
# COMMAND runs as `/bin/sh -c COMMAND` inside the sandbox.  SESSION is its
# exact output inside an agent-shell session (every layer on), SANDBOX
# under agent-sandbox run as the owner itself ("=": the same).  A SANDBOX
# of "ok" is an attempt that is NOT stopped without the separate uid: the
# matrix and docs/security-model.md explain each.  Every COMMAND prints
# exactly "ok" when the attempt succeeds (the matrix counts that as an
# escape) and its error otherwise.  OPTS: "-", or a comma list of
#   tty     run on a pseudo-terminal that is the caller's controlling tty
#   fd7     the launcher passes an fd 7 open on the owner's home
#   limits  use the escape limits profile (default + nproc/fsize)
#   offline use the offline profile instead of default
#   limit   a known limit, not an escape: what no layer stops, documented
#           in docs/security-model.md with the admin's fix
#
# A session has a private /tmp, so the owner's /tmp files and ssh-agent
# socket are not even there (ENOENT), and its own PID and IPC namespaces,
# so the owner's processes and SysV segments are not either (ESRCH,
# ENOENT, EINVAL); the matrix's driver has no namespaces and shows what the
# five layers do alone (ESC_EXP_NO_NS).
#
# Probe outputs are errno names (tests/integration/probe.c); "SIGSYS"
# means seccomp killed the process.

# shellcheck disable=SC2034 # the arrays are read by escape.bats and matrix.sh, which source this file
ESC_IDS=()
declare -gA ESC_CLASS ESC_OPTS ESC_EXP_SESSION ESC_EXP_SANDBOX ESC_DESC ESC_CMD ESC_EXP_NO_NS

A() {
	ESC_IDS+=("$1")
	ESC_CLASS[$1]=$2
	ESC_OPTS[$1]=$3
	ESC_EXP_SESSION[$1]=$4
	ESC_EXP_SANDBOX[$1]=$([ "$5" = "=" ] && printf '%s' "$4" || printf '%s' "$5")
	ESC_DESC[$1]=$6
	ESC_CMD[$1]=$7
}

# sudo 1.9.13 and later say why they cannot run under no_new_privs.
ESC_SUDO_NNP='sudo: The "no new privileges" flag is set, which prevents sudo from running as root.
sudo: If sudo is running in a container, you may need to adjust the container configuration to disable the flag.'

esc_attempts() {
	local p="$PROBE"
	ESC_IDS=()

	# --- reading the owner's secrets ---------------------------------------
	A ssh-key secrets - EACCES = "read ~/.ssh/id_ed25519 (0600)" "$p read $OH/.ssh/id_ed25519"
	A ssh-key-cat secrets - "cat: $OH/.ssh/id_ed25519: Permission denied" = \
		"cat ~/.ssh/id_ed25519 with a real tool" "cat $OH/.ssh/id_ed25519 >/dev/null && echo ok"
	A ssh-pub-list secrets - EACCES = "list ~/.ssh" "$p readdir $OH/.ssh"
	A netrc secrets - EACCES = "read a world-readable ~/.netrc (0644)" "$p read $OH/.netrc"
	A other-owner secrets - EACCES = "read another owner's world-readable file (0644, home 0755)" \
		"$p read $OH2/notes"
	A aws secrets - EACCES = "read a world-readable ~/.aws/credentials" "$p read $OH/.aws/credentials"
	A gh-token secrets - EACCES = "read a world-readable ~/.config/gh/hosts.yml" "$p read $OH/.config/gh/hosts.yml"
	A docker-config secrets - EACCES = "read a world-readable ~/.docker/config.json" "$p read $OH/.docker/config.json"
	A history secrets - EACCES = "read ~/.bash_history" "$p read $OH/.bash_history"
	A git-credentials secrets - EACCES = "read ~/.git-credentials" "$p read $OH/.git-credentials"
	A firefox secrets - EACCES = "read a Firefox profile's cookies.sqlite" \
		"$p read $OH/.mozilla/firefox/esc.default-release/cookies.sqlite"
	A chrome secrets - EACCES = "read Chrome's Cookies" "$p read $OH/.config/google-chrome/Default/Cookies"
	A gnupg secrets - EACCES = "read a ~/.gnupg private key" "$p read $OH/.gnupg/private-keys-v1.d/esc.key"
	A home-list secrets - EACCES = "list the owner's home (mode 0755)" "$p readdir $OH"

	# --- writing outside the grant ------------------------------------------
	A bashrc write - EACCES = "append to ~/.bashrc" "$p write $OH/.bashrc"
	A bashrc-sh write - "/bin/sh: 1: cannot create $OH/.bashrc: Permission denied" = \
		"append to ~/.bashrc with a shell redirection" "echo evil >>$OH/.bashrc && echo ok"
	A profile-trunc write - EACCES = "truncate ~/.profile" "$p truncate $OH/.profile"
	A autostart write - EACCES = "create ~/.config/autostart/evil.desktop" \
		"$p create $OH/.config/autostart/evil.desktop"
	A authorized-keys write - EACCES = "create ~/.ssh/authorized_keys" "$p create $OH/.ssh/authorized_keys"
	A path-hijack write - EACCES = "plant ~/.local/bin/git (PATH hijack)" "$p create $OH/.local/bin/git"
	A home-create write - EACCES = "create a file in the owner's home" "$p create $OH/planted"
	A other-hook write - EACCES = "plant a pre-commit hook in another repository" \
		"$p create $OTHER_REPO/.git/hooks/pre-commit"
	A other-gitconfig write - EACCES = "rewrite another repository's .git/config" \
		"$p write $OTHER_REPO/.git/config"
	A proj-bare-hook write - EROFS ok "plant a post-receive hook in a bare repository in the project" \
		"$p create $PROJ/bare.git/hooks/post-receive"
	A chmod-bashrc write - EPERM ok "make ~/.bashrc world-writable (chmod 0666)" "$p chmod $OH/.bashrc 0666"
	A owner-tmp write - ENOENT ok "write the owner's file in /tmp (0644)" "$p write $OWNER_TMP"

	# --- rename, link, symlink and path games --------------------------------
	A dotdot paths - EACCES = "read the ssh key through project/../.." "$p read $PROJ/../../.ssh/id_ed25519"
	A dotdot-netrc paths - EACCES = "read ~/.netrc through project/../.." "$p read $PROJ/../../.netrc"
	A proc-self-root paths - EACCES = "read ~/.netrc through /proc/self/root" "$p read /proc/self/root$OH/.netrc"
	A symlink paths - EACCES = "read ~/.netrc through a symlink made in the project" \
		"ln -sf $OH/.netrc $PROJ/esc-link && $p read $PROJ/esc-link"
	A hardlink paths - EPERM EXDEV "hardlink ~/.netrc into the project" "$p link $OH/.netrc $PROJ/esc-hard"
	A hardlink-key paths - EACCES EXDEV "hardlink the ssh key into the project" \
		"$p link $OH/.ssh/id_ed25519 $PROJ/esc-key"
	A rename-out paths - EACCES = "rename a project file into the owner's home" \
		"$p rename $PROJ/esc-src $OH/esc-renamed"
	A rename-over paths - EACCES = "rename a project file over ~/.bashrc" "$p rename $PROJ/esc-src $OH/.bashrc"
	A proc-cwd paths - ENOENT EACCES "read ~/.netrc through /proc/PID/cwd of the owner's process" \
		"$p read /proc/$SLEEP_PID/cwd/.netrc"
	A proc-root paths - ENOENT EACCES "read ~/.netrc through /proc/PID/root of the owner's process" \
		"$p read /proc/$SLEEP_PID/root$OH/.netrc"
	A opath-reopen paths - EACCES = "reopen an O_PATH fd of ~/.netrc through /proc/self/fd" \
		"$p opath-reopen $OH/.netrc"
	A fd-passed paths fd7 EBADF EACCES "openat ~/.netrc relative to a directory fd passed by the launcher" \
		"$p openat-fd 7 .netrc"
	A file-handle paths - EPERM = "mint a file handle for ~/.netrc (name_to_handle_at, shocker)" \
		"$p handle $OH/.netrc"

	# --- the owner's processes and terminal ----------------------------------
	A kill procs - ESRCH EPERM "signal the owner's process" "$p kill $SLEEP_PID"
	A kill-sh procs - "/bin/sh: 1: kill: No such process" "/bin/sh: 1: kill: Operation not permitted" "kill the owner's process with kill(1)" \
		"kill -CONT $SLEEP_PID && echo ok"
	A ptrace procs - EPERM = "ptrace-attach the owner's process" "$p ptrace $SLEEP_PID"
	A vm-read procs - EPERM = "process_vm_readv from the owner's process" "$p vm-read $SLEEP_PID"
	A proc-mem procs - ENOENT EACCES "open /proc/PID/mem of the owner's process" "$p open /proc/$SLEEP_PID/mem"
	A proc-environ procs - ENOENT EACCES "read /proc/PID/environ of the owner's process" \
		"$p read /proc/$SLEEP_PID/environ"
	A pidfd-getfd procs - ESRCH EPERM "steal an fd of the owner's process (pidfd_getfd)" \
		"$p pidfd-getfd $SLEEP_PID 0"
	A prlimit procs - "prlimit: failed to set the NOFILE resource limit: No such process" ok \
		"lower the owner's process's limits (prlimit)" "prlimit --pid $SLEEP_PID --nofile=3:3 && echo ok"
	A renice procs - "renice: failed to get priority for $SLEEP_PID (process ID): No such process" ok \
		"renice the owner's process" "renice -n 19 -p $SLEEP_PID >/dev/null && echo ok"
	A tiocsti procs tty EPERM = "push keystrokes into the controlling terminal (TIOCSTI)" "$p tiocsti"

	# --- the owner's sockets ---------------------------------------------------
	A ssh-agent sockets - ENOENT ok "connect to the owner's ssh-agent socket in /tmp" "$p connect-unix $SSH_SOCK"
	A ssh-add sockets - "Error connecting to agent: No such file or directory" ok \
		"list the owner's ssh-agent keys with ssh-add" "SSH_AUTH_SOCK=$SSH_SOCK ssh-add -l >/dev/null; [ \$? -le 1 ] && echo ok"
	A docker-sock sockets - EACCES ok "connect to a docker.sock in the owner's runtime dir" \
		"$p connect-unix $DOCKER_SOCK"
	A x11 sockets - EPERM = "connect to the owner's X11 abstract socket (@/tmp/.X11-unix/X...)" \
		"$p connect-abstract $X11_NAME"
	A dbus sockets - EPERM = "connect to a D-Bus-like abstract socket" "$p connect-abstract $DBUS_NAME"
	A loopback-tcp sockets - EACCES = "connect to the owner's loopback TCP service on a port not granted" \
		"$p connect $TCP_PORT"
	A loopback-bash sockets - "$(printf 'bash: connect: Permission denied\nbash: line 1: /dev/tcp/127.0.0.1/%s: Permission denied' "$TCP_PORT")" = \
		"connect to the loopback service with bash's /dev/tcp" "bash -c 'echo x >/dev/tcp/127.0.0.1/$TCP_PORT' && echo ok"
	A tcp-bind sockets - EACCES = "listen on a TCP port not granted" "$p bind $(( TCP_PORT + 1 ))"
	A mptcp sockets - EPERM = "connect to the loopback service on a port not granted over MPTCP" \
		"$p connect-mptcp $TCP_PORT"
	A sctp sockets - EPERM = "open an SCTP socket (SOCK_SEQPACKET, protocol 0)" "$p socket 2 5 0"
	A smc sockets - EPERM = "open an AF_SMC socket" "$p socket 43 1 0"
	A vsock sockets - EPERM = "open an AF_VSOCK socket (to the hypervisor host)" "$p socket 40 1 0"
	A offline-tcp sockets offline EPERM = "offline: connect to the loopback TCP service" "$p connect $TCP_PORT"
	A offline-udp sockets offline EPERM = "offline: send UDP to a loopback port" "$p udp-send $TCP_PORT"
	A offline-netlink sockets offline EPERM = "offline: open a NETLINK_ROUTE socket" "$p socket 16 3 0"
	A offline-vsock sockets offline EPERM = "offline: open an AF_VSOCK socket" "$p socket 40 1 0"
	# Landlock has no UDP rules: the egress fence (by uid) is what stops it.
	A udp sockets - EPERM ok "send UDP to a loopback port" "$p udp-send $TCP_PORT"

	# --- privilege --------------------------------------------------------------
	A suid-setuid priv - EPERM = "setuid(0) in a setuid-root binary" "$STAGE/probe-suid setuid0"
	A suid-shadow priv - EACCES = "read /etc/shadow with a setuid-root binary" "$STAGE/probe-suid read /etc/shadow"
	A fcap-shadow priv - "/bin/sh: 1: $STAGE/probe-fcap: Operation not permitted" EACCES "read /etc/shadow with a cap_dac_read_search file capability" \
		"$STAGE/probe-fcap read /etc/shadow"
	A su priv - "Password: su: Authentication failure" = "su to root" "su -c true root </dev/null && echo ok"
	A sudo priv - "$ESC_SUDO_NNP" = \
		"sudo -n" "sudo -n true && echo ok"
	A unshare-user priv - EPERM = "create a user namespace (unshare)" "$p unshare-user"
	A unshare-tool priv - "unshare: unshare failed: Operation not permitted" = "unshare -U with util-linux" \
		"unshare -U true && echo ok"
	A unshare-mount priv - EPERM = "create a mount namespace" "$p unshare-mount"
	A userns-mount priv - EPERM = "mount tmpfs inside a new user+mount namespace" "$p userns-mount"
	A clone3-ns priv - ENOSYS = "clone3 with CLONE_NEWUSER" "$p clone3-ns"
	A mount priv - EPERM = "mount tmpfs on /tmp" "$p mount"
	A bpf priv - EPERM = "bpf(BPF_MAP_CREATE)" "$p bpf"
	A io-uring priv - EPERM = "io_uring_setup" "$p io-uring"
	A keyctl priv - EPERM = "keyctl on the user keyring" "$p keyctl"
	A perf priv - EPERM = "perf_event_open" "$p perf"
	A userfaultfd priv - EPERM = "userfaultfd" "$p userfaultfd"
	A int80 priv - SIGSYS = "unshare(CLONE_NEWUSER) through int 0x80 (i386 table)" "$p int80-unshare"
	A x32 priv - SIGSYS = "a syscall through the x32 ABI" "$p x32"

	# Without the session's namespaces (the matrix's driver).
	ESC_EXP_NO_NS=([owner-tmp]=EACCES [ssh-agent]=EACCES
		[ssh-add]="Error connecting to agent: Permission denied"
		[proc-cwd]=EACCES [proc-root]=EACCES [kill]=EPERM [proc-mem]=EACCES [proc-environ]=EACCES
		[kill-sh]="/bin/sh: 1: kill: Operation not permitted" [pidfd-getfd]=EPERM
		[prlimit]="prlimit: failed to set the NOFILE resource limit: Operation not permitted"
		[renice]="renice: failed to set priority for $SLEEP_PID (process ID): Operation not permitted"
		[proc-status]=ok [cmdline]=ok [owner-shm]=ok)

	# --- resources (escape limits profile: nproc 40, fsize 1M) ------------------
	A forkbomb resources limits EAGAIN = "fork 200 processes" "$p forkbomb 200"
	A fsize resources limits EFBIG = "write a 2 MiB file" "$p fsize $PROJ/esc-big.\$\$ 2097152"

	# --- known limits: not stopped by any layer (docs/security-model.md) --------
	# (the first three: a session's PID and IPC namespaces stop them)
	A proc-status limits limit ENOENT ok "see the owner's process in /proc (its status)" \
		"$p read /proc/$SLEEP_PID/status"
	A cmdline limits limit ENOENT ok "read the owner's process's command line (/proc/PID/cmdline)" \
		"$p read /proc/$SLEEP_PID/cmdline"
	A owner-shm limits limit EINVAL ok "attach the owner's 0666 SysV shared memory segment (shmat)" \
		"$p shmat $OWNER_SHM"
}

# Output of one run, normalised: stdout+stderr, no CR (script(1)), no
# trailing blank lines.
esc_norm() {
	tr -d '\r' | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
}

# Runs attempt ID in MODE: session (agent-shell as the owner), sandbox
# (agent-sandbox as the owner), or driver (escape-run as root, with the
# remaining arguments as --off LAYER options).
esc_run() {
	local id=$1 mode=$2
	shift 2
	local opts=",${ESC_OPTS[$id]},"
	local cmd=${ESC_CMD[$id]}
	local -a argv
	local profile_sb="$STAGE/sb/default.profile" profile_drv="$STAGE/drv/default.profile" profile_sh=()

	if [[ $opts == *,limits,* ]]; then
		profile_sb="$STAGE/sb/limits.profile"
		profile_drv="$STAGE/drv/limits.profile"
		profile_sh=(-p "$LIMITS_PROFILE")
	fi
	if [[ $opts == *,offline,* ]]; then
		profile_sb="$STAGE/sb/offline.profile"
		profile_drv="$STAGE/drv/offline.profile"
		profile_sh=(-p offline)
	fi
	case $mode in
	session)
		argv=(runuser -u "$OWNER" -- env -C "$PROJ" -i HOME="$OH" USER="$OWNER" PATH=/usr/bin:/bin
			LANG=C TERM=dumb "$SH" "${profile_sh[@]}" -- /bin/sh -c "$cmd") ;;
	sandbox)
		argv=(runuser -u "$OWNER" -- env -C "$PROJ" -i HOME="$OH" USER="$OWNER" PATH=/usr/bin:/bin
			LANG=C TERM=dumb AGENT_SANDBOX_PROFILE_PATH="$STAGE/sb"
			"$SB" -f "$profile_sb" -- /bin/sh -c "$cmd") ;;
	driver)
		local off=() l
		for l in "$@"; do off+=(--off "$l"); done
		argv=("$RUNNER" --owner "$OWNER" --agent "$AGENT" --profile "$profile_drv" --project "$PROJ"
			"${off[@]}" -- /bin/sh -c "$cmd") ;;
	esac
	if [[ $opts == *,fd7,* ]]; then
		# The launcher (the owner, or root for the driver) opens fd 7.
		if [ "$mode" = driver ]; then
			# shellcheck disable=SC2016 # $0 and $@ are the inner bash's
			argv=(/bin/bash -c 'exec 7<"$0"; exec "$@"' "$OH" "${argv[@]}")
		else
			# shellcheck disable=SC2016 # $0 and $@ are the inner bash's
			argv=("${argv[@]:0:4}" /bin/bash -c 'exec 7<"$0"; exec "$@"' "$OH" "${argv[@]:4}")
		fi
	fi
	if [[ $opts == *,tty,* ]]; then
		# script(1) gives the command a new session whose controlling
		# terminal is the pty: the agent inherits it as the owner's.
		local q
		q=$(printf '%q ' "${argv[@]}")
		argv=(script -qec "stty -echo; $q" /dev/null)
	fi
	"${argv[@]}" </dev/null 2>&1 | esc_norm
}
