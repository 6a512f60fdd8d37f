#!/bin/bash
# Regenerates docs/escape-matrix.md: every escape attempt
# (tests/escape/attempts.bash) run with all layers on, with each single
# layer removed, and with each layer alone, through the test-only driver
# escape-run (see its header for how each layer is removed).
#
#   tests/escape/matrix.sh [--check] [OUTPUT]
#
# Root only (it provisions a throwaway owner and agent with agent-admin).
# Needs AS_PREFIX (an install: agent-admin, profiles), AS_BUILD_DIR (for
# escape-run and probe), AS_SRC_DIR.  --check writes to a temporary file
# and fails if it differs from the checked-in docs/escape-matrix.md; the
# escape suite runs it so the document cannot go stale.  When the escape
# suite already set up the world (ESC_FIXTURE_READY=1), it is reused.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
: "${AS_SRC_DIR:=$(cd "$here/../.." && pwd)}"
: "${AS_BUILD_DIR:?set AS_BUILD_DIR to the meson build directory}"
: "${AS_PREFIX:?set AS_PREFIX to an agent-shell install (meson install)}"
: "${AS_PROBE:=$AS_BUILD_DIR/tests/probe}"
export AS_SRC_DIR AS_BUILD_DIR AS_PREFIX AS_PROBE

check=0
if [ "${1:-}" = --check ]; then
	check=1
	shift
fi
doc="$AS_SRC_DIR/docs/escape-matrix.md"
out=${1:-$doc}

# shellcheck source=fixture.bash
. "$here/fixture.bash"
# shellcheck source=attempts.bash
. "$here/attempts.bash"
esc_locate
if [ "${ESC_FIXTURE_READY:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || { echo "matrix.sh: must run as root" >&2; exit 1; }
	trap 'esc_fixture_down >/dev/null 2>&1' EXIT
	esc_fixture_up >/dev/null 2>&1 || { echo "matrix.sh: cannot set up the owner's world" >&2; exit 1; }
fi
esc_attempts

# "egress" is layer 6, the agent's nftables fence: escape-run cannot
# remove it (it is the host's, by uid), so run_config opens the agent's
# fence with agent-admin for the columns without it.
LAYERS=(uid caps nnp landlock seccomp egress)
declare -A TITLE=([uid]="separate uid" [caps]="capabilities" [nnp]="no_new_privs"
	[landlock]="Landlock" [seccomp]="seccomp" [egress]="egress fence")

# Why an attempt rests on one layer (removing that layer alone lets it
# through).  The generator refuses to write the document when an attempt
# rests on a single layer and has no reason here: a new gap must be
# explained, never silently tabulated.
declare -A WHY=(
	[netrc]="the file is world-readable in a world-traversable home: DAC lets every uid read it; only Landlock's path rules deny it"
	[aws]="world-readable, as .netrc"
	[gh-token]="world-readable, as .netrc"
	[docker-config]="world-readable, as .netrc"
	[home-list]="the home is mode 0755: any uid may list it; only Landlock's read_dir rule denies it"
	[dotdot-netrc]="as .netrc: the path trick changes nothing, the target is world-readable"
	[proc-self-root]="as .netrc: /proc/self/root is the same file, world-readable"
	[symlink]="as .netrc: Landlock checks the file the symlink resolves to"
	[opath-reopen]="as .netrc: reopening through /proc/self/fd is a new open, which Landlock checks"
	[fd-passed]="as .netrc, through a directory fd inherited from the launcher (agent-shell's helper closes every inherited fd, so in a session the fd is not even there: EBADF)"
	[hardlink]="fs.protected_hardlinks=1 stops a link to another uid's file the agent cannot write; as the owner only Landlock (EXDEV: the link would move the file into a tree with other rights) stops it"
	[owner-tmp]="the default profile grants /tmp read-write (tools need it), so Landlock allows it; only the uid (DAC, mode 0644) keeps the owner's /tmp files (in a real session its private /tmp hides them too: ENOENT)"
	[chmod-bashrc]="Landlock (ABI 7) does not mediate chmod, chown, utimes or extended attributes; only the file's owner may chmod it, so only the uid stops this"
	[proj-bare-hook]="Landlock grants the project read-write, git directories in it included; agent-admin grant gives the agent no ACL entry in any git directory, so the uid stops it (EACCES), and in a real session the repository is bound read-only as well (EROFS)"
	[prlimit]="prlimit(2) on another process needs the same uid (or CAP_SYS_RESOURCE); Landlock and seccomp do not mediate it"
	[kill-sh]="kill(2) lets any uid send SIGCONT to a process in its own terminal session; only Landlock's signal scope stops it (the probe's kill, signal 0 first, is stopped by the uid too); in a real session the owner's process is not even there (own PID namespace and terminal session: ESRCH)"
	[renice]="setpriority(2) on another process needs the same uid (or CAP_SYS_NICE); no other layer mediates it"
	[ssh-agent]="Landlock (ABI 7) does not mediate connect(2) to a named unix socket, only creating one (make_sock); the socket's directory (0700) stops another uid (in a real session its private /tmp hides it too: ENOENT)"
	[ssh-add]="as ssh-agent"
	[docker-sock]="as ssh-agent: a named unix socket, reachable by path; DAC on the socket and its directory is the only check"
	[x11]="abstract unix sockets have no permission check at all (unix(7)); only Landlock's abstract-unix scope (ABI 6) stops the connect"
	[dbus]="as x11"
	[loopback-tcp]="TCP ports carry no uid check; only Landlock's connect-tcp rules (ABI 4) stop it (an admin can add nftables 'meta skuid' rules)"
	[loopback-bash]="as loopback-tcp"
	[tcp-bind]="binding an unprivileged port needs no uid check; only Landlock's bind-tcp rules stop it"
	[mptcp]="Landlock's TCP rules see only IPPROTO_TCP sockets (sk_is_tcp), so MPTCP reaches any port, and ports carry no uid check; only seccomp's @non-tcp-streams refuses the socket (an admin's nftables 'meta skuid' rules match MPTCP too)"
	[vsock]="vsock has no port rule in Landlock and no uid check; only seccomp's family allowlist (@non-tcp-streams) refuses the socket"
	[offline-udp]="Landlock does not handle UDP; only seccomp's @net refuses the socket under offline"
	[offline-netlink]="netlink sockets carry no uid check and Landlock does not handle them; only seccomp's @net refuses them under offline"
	[offline-vsock]="as vsock, under offline (@net)"
	[suid-setuid]="a setuid-root binary makes euid 0; the empty bounding set takes its capabilities, not its uid; only no_new_privs keeps the exec from changing uid"
	[suid-shadow]="as suid-setuid: euid 0 owns /etc/shadow (root:shadow 0640) and needs no capability to read it"
	[tiocsti]="TIOCSTI works on the caller's controlling terminal whatever the uid, and the profile must grant ioctl on /dev/pts for terminals to work; only seccomp's ioctl rule stops it (an admin can set dev.tty.legacy_tiocsti=0)"
	[file-handle]="name_to_handle_at needs no privilege; only seccomp denies minting handles (open_by_handle_at itself needs CAP_DAC_READ_SEARCH)"
	[unshare-user]="unprivileged user namespaces are enabled on this kernel; only seccomp denies them (Landlock does not restrict namespace creation)"
	[unshare-tool]="as unshare-user"
	[unshare-mount]="unshare(CLONE_NEWNS) alone needs CAP_SYS_ADMIN, so the kernel refuses it anyway; see the all-off column"
	[clone3-ns]="as unshare-user, through clone3 (seccomp answers ENOSYS: it cannot read clone3's flags)"
	[int80]="as unshare-user, through the i386 syscall table (seccomp kills any non-native ABI)"
	[io-uring]="kernel.io_uring_disabled=0 here: any uid may use io_uring; only seccomp denies it"
	[keyctl]="keyrings are per uid and open to every process; only seccomp denies keyctl"
	[perf]="kernel.perf_event_paranoid=2 still allows a process to count its own user-space events; only seccomp denies perf_event_open"
	[userfaultfd]="user-mode userfaultfd needs no privilege; only seccomp denies it"
	[userns-mount]="Landlock forbids mount topology changes and seccomp denies unshare: two layers"
	[udp]="Landlock has no UDP rules; only the egress fence rejects the agent's datagram (EPERM), and it fences by uid: as the owner (without the separate uid) nothing stops it"
)

# What stops an attempt even with every layer removed (the kernel, or the
# tool itself).  Required for each such attempt, for the same reason.
declare -A NOLAYER=(
	[bpf]="kernel.unprivileged_bpf_disabled=2"
	[mount]="mount(2) needs CAP_SYS_ADMIN in the mount namespace's user namespace"
	[unshare-mount]="unshare(CLONE_NEWNS) needs CAP_SYS_ADMIN"
	[x32]="this kernel is built without CONFIG_X86_X32_ABI (ENOSYS)"
	[sctp]="this kernel is built without SCTP (CONFIG_IP_SCTP is not set)"
	[smc]="this kernel is built without SMC (CONFIG_SMC is not set)"
	[su]="su asks for root's password"
	[sudo]="sudo asks for the owner's password"
	[forkbomb]="the profile's [limits] nproc (applied in every column: rlimits are not an ablated layer)"
	[fsize]="the profile's [limits] fsize (applied in every column)"
)

# A table cell for one output: "ok" is an escape; an errno name stays; a
# tool's message is cut to its last ": " part (no pids or paths).
cell() {
	local o=$1
	if [ "$o" = ok ]; then
		printf '**ESCAPE**'
	elif [[ $o =~ ^[A-Z0-9]+$ ]]; then
		printf '%s' "$o"
	else
		o=${o%%$'\n'*}
		o=${o##*: }
		o=${o%.}
		printf '%s' "${o:0:44}"
	fi
}

declare -A R
run_config() {
	local name=$1 id l open=0
	local -a off=()
	shift
	for l in "$@"; do
		if [ "$l" = egress ]; then open=1; else off+=("$l"); fi
	done
	[ "$open" = 0 ] || "$ADM" egress "$OWNER" open >/dev/null
	for id in "${ESC_IDS[@]}"; do
		R[$id,$name]=$(esc_run "$id" driver "${off[@]}") || true
		if [ "${R[$id,$name]}" = ok ]; then
			esc_reset
		fi
	done
	[ "$open" = 0 ] || "$ADM" egress "$OWNER" restrict >/dev/null
}

esc_reset
run_config all
for l in "${LAYERS[@]}"; do
	run_config "no-$l" "$l"
	others=()
	for m in "${LAYERS[@]}"; do [ "$m" = "$l" ] || others+=("$m"); done
	run_config "only-$l" "${others[@]}"
done
run_config none "${LAYERS[@]}"

# Sanity: with every layer on, the driver must agree with the escape
# suite's session expectations, except where the session has more than the
# six layers: the helper closes inherited fds, the session's mount, PID
# and IPC namespaces hide the owner's /tmp, processes and SysV segments, and
# the helper gives the agent its own git directories (the driver shows what
# the six layers do there alone).
fail=0
for id in "${ESC_IDS[@]}"; do
	exp=${ESC_EXP_NO_NS[$id]:-${ESC_EXP_SESSION[$id]}}
	[ "$id" = fd-passed ] && exp=EACCES
	[ "$id" = proj-bare-hook ] && exp=EACCES
	if [ "${R[$id,all]}" != "$exp" ]; then
		echo "matrix.sh: $id with every layer: '${R[$id,all]}', the session gives '$exp'" >&2
		fail=1
	fi
done

tmp=$(mktemp)
trap 'rm -f "$tmp"; [ "${ESC_FIXTURE_READY:-}" = 1 ] || esc_fixture_down >/dev/null 2>&1' EXIT
{
	abi=$("$SB" --explain -- /bin/true 2>/dev/null | sed -n 's/^kernel: Landlock ABI //p')
	echo "# Escape matrix"
	echo
	echo "Generated by \`tests/escape/matrix.sh\` (do not edit; the escape suite fails"
	echo "when this file differs from a fresh run).  Each attempt of"
	echo "\`tests/escape/attempts.bash\` runs through the test-only driver"
	echo "\`tests/escape/escape-run.c\`, which builds an agent-shell session's state"
	echo "(agent uid, empty bounding set, no_new_privs, Landlock and seccomp from the"
	echo "\`default\` profile, or \`offline\` for the offline-* attempts, and the"
	echo "agent's egress fence) minus the layers named; \"without uid\" runs as the"
	echo "owner, and \"without egress fence\" opens the agent's fence (agent-admin"
	echo "egress OWNER open) for that column."
	echo "How each layer is removed, and why no_new_privs can only be removed by a"
	echo "root driver, is explained in docs/security-model.md."
	echo
	echo "Host facts the results depend on: Landlock ABI $abi;"
	printf 'kernel.unprivileged_bpf_disabled=%s; kernel.perf_event_paranoid=%s;\n' \
		"$(cat /proc/sys/kernel/unprivileged_bpf_disabled)" "$(cat /proc/sys/kernel/perf_event_paranoid)"
	printf 'kernel.io_uring_disabled=%s; dev.tty.legacy_tiocsti=%s; fs.protected_hardlinks=%s;\n' \
		"$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo n/a)" \
		"$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null || echo n/a)" \
		"$(cat /proc/sys/fs/protected_hardlinks)"
	printf 'Yama: %s; owner home mode 0755.\n' \
		"$([ -e /proc/sys/kernel/yama/ptrace_scope ] && cat /proc/sys/kernel/yama/ptrace_scope || echo absent)"
	echo
	echo "A cell is the errno (or the tool's message) the attempt ended with;"
	echo "**ESCAPE** means it succeeded."
	echo
	echo "## By attack class"
	echo
	printf '| class | attempts | all layers |'
	for l in "${LAYERS[@]}"; do printf ' without %s |' "${TITLE[$l]}"; done
	echo
	printf '|---|---|---|'
	for l in "${LAYERS[@]}"; do printf -- '---|'; done
	echo
	declare -A seen=()
	for id in "${ESC_IDS[@]}"; do
		c=${ESC_CLASS[$id]}
		[ -n "${seen[$c]:-}" ] && continue
		seen[$c]=1
		[ "$c" = limits ] && continue
		ids=()
		for j in "${ESC_IDS[@]}"; do [ "${ESC_CLASS[$j]}" = "$c" ] && ids+=("$j"); done
		printf '| %s | %d |' "$c" "${#ids[@]}"
		for cfg in all "${LAYERS[@]/#/no-}"; do
			esc=()
			for j in "${ids[@]}"; do [ "${R[$j,$cfg]}" = ok ] && esc+=("$j"); done
			if [ ${#esc[@]} -eq 0 ]; then
				printf ' stopped |'
			else
				printf ' **NOT stopped**: %s |' "${esc[*]}"
			fi
		done
		echo
	done
	echo
	echo "## Attempts that rest on a single layer"
	echo
	echo "Removing the named layer alone lets these through; every other layer"
	echo "is still on."
	echo
	for l in "${LAYERS[@]}"; do
		list=()
		for id in "${ESC_IDS[@]}"; do
			[ "${ESC_CLASS[$id]}" = limits ] && continue
			[ "${R[$id,no-$l]}" = ok ] && list+=("$id")
		done
		echo "### ${TITLE[$l]}"
		echo
		if [ ${#list[@]} -eq 0 ]; then
			echo "None: every attempt is still stopped without it."
			echo
			continue
		fi
		for id in "${list[@]}"; do
			if [ -z "${WHY[$id]:-}" ]; then
				echo "matrix.sh: $id rests on ${TITLE[$l]} alone and WHY[$id] does not say why" >&2
				fail=1
			fi
			# shellcheck disable=SC2016 # backquotes are Markdown code spans
			printf -- '- `%s` (%s): %s\n' "$id" "${ESC_DESC[$id]}" "${WHY[$id]:-}"
		done
		echo
	done
	echo "## Each attempt"
	echo
	echo "\"Alone\" lists the layers that stop the attempt when every other layer is"
	echo "removed; \"none\" is the result with all six removed."
	echo
	printf '| attempt | class | all |'
	for l in "${LAYERS[@]}"; do printf ' −%s |' "$l"; done
	printf ' alone | none |\n'
	printf '|---|---|---|'
	for l in "${LAYERS[@]}"; do printf -- '---|'; done
	printf -- '---|---|\n'
	for id in "${ESC_IDS[@]}"; do
		[ "${ESC_CLASS[$id]}" = limits ] && continue
		# shellcheck disable=SC2016 # backquotes are Markdown code spans
		printf '| `%s` %s | %s | %s |' "$id" "${ESC_DESC[$id]}" "${ESC_CLASS[$id]}" "$(cell "${R[$id,all]}")"
		for l in "${LAYERS[@]}"; do printf ' %s |' "$(cell "${R[$id,no-$l]}")"; done
		alone=()
		for l in "${LAYERS[@]}"; do [ "${R[$id,only-$l]}" != ok ] && alone+=("$l"); done
		printf ' %s | %s |\n' "${alone[*]:-—}" "$(cell "${R[$id,none]}")"
		if [ "${R[$id,none]}" != ok ] && [ -z "${NOLAYER[$id]:-}" ]; then
			echo "matrix.sh: $id is stopped with every layer removed and NOLAYER[$id] does not say by what" >&2
			fail=1
		fi
	done
	echo
	echo "## Stopped with every layer removed"
	echo
	echo "These fail even as the owner with no sandbox at all; the layers are a"
	echo "second line here (see the \"alone\" column)."
	echo
	for id in "${ESC_IDS[@]}"; do
		[ "${ESC_CLASS[$id]}" = limits ] && continue
		# shellcheck disable=SC2016 # backquotes are Markdown code spans
		[ "${R[$id,none]}" != ok ] && printf -- '- `%s`: %s\n' "$id" "${NOLAYER[$id]:-}"
	done
	echo
	echo "## Known limits (not stopped by any layer)"
	echo
	echo "What the five layers let through; docs/security-model.md says how an"
	echo "admin closes each.  Some are stopped in a real agent-shell session by its"
	echo "own PID and IPC namespaces, which the driver does not make (the escape"
	echo "suite asserts the session's result)."
	echo
	for id in "${ESC_IDS[@]}"; do
		[ "${ESC_CLASS[$id]}" = limits ] || continue
		# shellcheck disable=SC2016 # backquotes are Markdown code spans
		printf -- '- `%s` (%s): all layers: %s; in a session: %s\n' "$id" "${ESC_DESC[$id]}" \
			"$(cell "${R[$id,all]}")" "$(cell "${ESC_EXP_SESSION[$id]}")"
	done
} >"$tmp"

if [ "$check" = 1 ] && [ "$fail" = 0 ]; then
	if ! diff -u "$doc" "$tmp" >&2; then
		echo "matrix.sh: docs/escape-matrix.md is stale: regenerate it with tests/escape/matrix.sh" >&2
		exit 1
	fi
	exit 0
fi
if [ "$check" = 0 ]; then
	cp "$tmp" "$out"
fi
exit "$fail"
