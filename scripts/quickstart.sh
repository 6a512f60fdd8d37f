#!/bin/bash
# Quickstart: installs the dependencies, builds and installs agent-shell,
# provisions an agent account for the user who ran sudo, grants it a demo
# project, and shows in one screen what the agent can and cannot do.
# Idempotent: run it again and it converges to the same state, and says
# what (if anything) it changed.
#
# Usage: sudo scripts/quickstart.sh [--check]
#   --check   only the checks that come before any change (root, the
#             invoking user, the kernel's Landlock), then stop
#
# Before changing anything it checks that it runs as root through sudo and
# that the kernel's Landlock can enforce the shipped profiles; if not, it
# says why and stops with the machine untouched.
#
# For tests: QUICKSTART_TEST_LANDLOCK_ABI=N makes the checks act as if the
# kernel's Landlock ABI were N (0: no Landlock).  It can only make the
# script stop earlier, never skip a check.  QUICKSTART_PREFIX=DIR installs
# into DIR, configuration in DIR/etc, built in build-quickstart/, with
# the egress fence in nftables table agent_shell_qs, instead of
# /usr/local, /etc, build-release/ and table agent_shell: the whole run
# can be checked without touching a system-wide install.
set -euo pipefail

prog=quickstart
here=$(cd "$(dirname "$0")/.." && pwd)
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
die() {
	local code=$1
	shift
	echo "$prog: $*" >&2
	exit "$code"
}

check_only=0
case "${1:-}" in
'') ;;
--check) check_only=1 ;;
-h | --help)
	sed -n '8,10p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
	;;
*) die 2 "unknown option '$1' (usage: sudo $0 [--check])" ;;
esac
[ $# -le 1 ] || die 2 "too many arguments (usage: sudo $0 [--check])"

# ---- checks: nothing below changes the machine until they all pass --------

if [ "$(id -u)" -ne 0 ]; then
	die 2 "run it with sudo, as the developer who will use agent-shell: sudo $0; nothing was changed"
fi
owner=${SUDO_USER:-}
if [ -z "$owner" ] || [ "$owner" = root ]; then
	die 2 "run it with sudo from your own account (SUDO_USER is '${owner:-unset}'); root gets no agent; nothing was changed"
fi
home=$(getent passwd "$owner" | cut -d: -f6) || true
[ -n "$home" ] || die 2 "SUDO_USER '$owner' has no passwd entry; nothing was changed"

# The kernel's Landlock ABI: landlock_create_ruleset(NULL, 0,
# LANDLOCK_CREATE_RULESET_VERSION), syscall 444 on every architecture
# (perl is Essential on Debian: always there before the dependencies are).
# Prints "ABI" or "0 REASON".
landlock_abi() {
	local v=${QUICKSTART_TEST_LANDLOCK_ABI:-}
	if [ -n "$v" ]; then
		[[ "$v" =~ ^[0-9]+$ ]] || die 2 "QUICKSTART_TEST_LANDLOCK_ABI='$v' is not a number"
		if [ "$v" -eq 0 ]; then
			echo "0 not built into this kernel (QUICKSTART_TEST_LANDLOCK_ABI=0)"
		else
			echo "$v"
		fi
		return
	fi
	perl -e '
		my $r = syscall(444, 0, 0, 1);
		if ($r >= 0) { print "$r\n"; }
		elsif ($!{ENOSYS}) { print "0 not built into this kernel\n"; }
		elsif ($!{EOPNOTSUPP}) { print "0 disabled at boot (landlock is missing from the lsm= kernel parameter)\n"; }
		else { print "0 $!\n"; }'
}

# What the shipped profiles need that ABI N lacks.  lib/landlock.c has
# the authoritative table: the built agent-sandbox checks again before
# anything is installed, so a drift here can only stop the script later.
landlock_missing() {
	local abi=$1 m=()
	[ "$abi" -ge 4 ] || m+=("TCP connect/bind rules (ABI 4, Linux 6.7)")
	[ "$abi" -ge 5 ] || m+=("ioctl on devices (ABI 5, Linux 6.10)")
	[ "$abi" -ge 6 ] || m+=("abstract unix socket and signal scopes (ABI 6, Linux 6.12)")
	local IFS=';' out
	out="${m[*]}"
	echo "${out//;/; }"
}

read -r abi why <<<"$(landlock_abi)"
kernel="Linux $(uname -r)"
upgrade="boot Linux 6.12 or newer (Debian 12: apt-get install -t bookworm-backports linux-image-amd64) and run this again"
if [ "$abi" -eq 0 ]; then
	echo "$prog: this kernel ($kernel) has no Landlock ($why), which every agent-shell profile requires; nothing was changed" >&2
	echo "$prog: $upgrade" >&2
	exit 1
fi
missing=$(landlock_missing "$abi")
if [ -n "$missing" ]; then
	echo "$prog: this kernel ($kernel, Landlock ABI $abi) cannot enforce what agent-shell's profiles require: $missing; nothing was changed" >&2
	echo "$prog: $upgrade" >&2
	exit 1
fi
if [ "$check_only" = 1 ]; then
	echo "$prog: ready: running as root for $owner (home $home); $kernel, Landlock ABI $abi; nothing was changed"
	exit 0
fi

# ---- the run ---------------------------------------------------------------

prefix=${QUICKSTART_PREFIX:-/usr/local}
case $prefix in
/usr/local) sysconfdir=/etc build=build-release nft_table=agent_shell ;;
/?*) sysconfdir=$prefix/etc build=build-quickstart nft_table=agent_shell_qs ;;
*) die 2 "QUICKSTART_PREFIX='$prefix' is not an absolute directory" ;;
esac
# By absolute path: PATH may hold another agent-shell (a package's).
agent_admin=$prefix/sbin/agent-admin
agent_shell=$prefix/bin/agent-shell

step=""
trap 'echo "$prog: failed while $step (exit $?); the steps before it are complete; fix the cause and run this again" >&2' ERR

regdir=$sysconfdir/agent-shell/agents.d
demo="$home/agent-shell-demo"
changed=()

# A digest of everything a step may change; equal before and after means
# the step changed nothing.
digest() { { "$@" || true; } 2>/dev/null | md5sum | cut -d' ' -f1; }
# The files this build installs, as meson lists them (before installing
# too), with mode, owner and content.
installed_files() {
	meson introspect --installed "$here/$build" |
		python3 -c 'import json, sys; print("\n".join(sorted(json.load(sys.stdin).values())))' |
		while IFS= read -r f; do
			stat -c '%n %a %U %G %s %N' -- "$f" || echo "absent $f"
			[ ! -f "$f" ] || md5sum <"$f"
		done
}
agent_name() {
	sed -n 's/^account = //p' "$regdir/$owner.conf" 2>/dev/null || true
}
# Only these two accounts' entries: other owners join and leave the
# shared groups all the time.
account_state() {
	local a
	a=$(agent_name)
	getent passwd "$owner" ${a:+"$a"}
	id -nG "$owner" | tr ' ' '\n' | sort
	[ -z "$a" ] || id -nG "$a" | tr ' ' '\n' | sort
	[ -z "$a" ] || getent shadow "$a" | cut -d: -f1-2
	[ -z "$a" ] || stat -c '%n %a %U' "$(getent passwd "$a" | cut -d: -f6)"
	cat "$regdir/$owner.conf"
}
grant_state() {
	local a
	a=$(agent_name)
	getfacl --absolute-names "$home"
	getfacl -R --absolute-names "$demo"
	find "$demo" -printf '%p %m %U %s\n' | sort
	[ -z "$a" ] || cat "$(getent passwd "$a" | cut -d: -f6)/.gitconfig"
}

step="installing build dependencies"
say "Build dependencies"
pkgs=$("$here/tests/install-deps.sh" --missing)
if [ -z "$pkgs" ]; then
	echo "all installed"
else
	echo "installing with apt-get: ${pkgs//$'\n'/ }"
	"$here/tests/install-deps.sh"
	changed+=("dependencies")
fi

step="building agent-shell"
say "Building ($build/) and checking this kernel against the profiles"
cd "$here"
opts=(--prefix="$prefix" --sysconfdir="$sysconfdir" --buildtype=release -Dnft_table="$nft_table")
[ -d "$build/meson-info" ] && opts+=(--reconfigure)
meson setup "$build" "${opts[@]}" >/dev/null
meson compile -C "$build" >/dev/null
# The built agent-sandbox decides, with the profiles about to be
# installed: the same check every session makes.
step="checking the kernel with agent-sandbox"
abi_flag=()
[ -z "${QUICKSTART_TEST_LANDLOCK_ABI:-}" ] || abi_flag=(--test-landlock-abi "$QUICKSTART_TEST_LANDLOCK_ABI")
if ! why=$(AGENT_SANDBOX_PROFILE_PATH="$here/profiles" "$build/tools/agent-sandbox" \
	"${abi_flag[@]}" -p default --explain 2>&1 >/dev/null); then
	echo "$why" >&2
	case $why in
	*landlock*) echo "$prog: nothing was installed; $upgrade" >&2 ;;
	*) echo "$prog: the built agent-sandbox refuses the default profile; nothing was installed" >&2 ;;
	esac
	exit 1
fi
echo "ok: $kernel, Landlock ABI $abi"

step="installing into $prefix (configuration in $sysconfdir)"
say "Installing into $prefix (configuration in $sysconfdir)"
before=$(digest installed_files)
meson install -C "$build" --quiet >/dev/null
if [ "$(digest installed_files)" = "$before" ]; then
	echo "already installed, unchanged"
else
	echo "installed or updated: the $(installed_files | grep -c '^/') files listed in $build/meson-logs/install-log.txt"
	changed+=("installed files")
fi

step="provisioning the agent of $owner"
say "Provisioning the agent of ${owner}"
before=$(digest account_state)
"$agent_admin" add "$owner"
[ "$(digest account_state)" = "$before" ] || changed+=("agent account")
agent=$(agent_name)

step="granting $demo"
before=$(digest grant_state)
if [ ! -d "$demo" ]; then
	install -d -o "$owner" -g "$(id -gn "$owner")" -m 0755 "$demo"
	printf 'Hello from the demo project.\n' >"$demo/README"
	chown "$owner:" "$demo/README"
fi
"$agent_admin" grant "$owner" "$demo"

step="running the demonstration"
say "What the agent sees (agent-shell, as ${owner})"
# The write overwrites the same content, so a second run changes nothing.
runuser -u "$owner" -- "$agent_shell" -C "$demo" -- /bin/bash -c "
check() { if why=\$( { eval \"\$2\"; } 2>&1 >/dev/null ); then echo \"  allowed: \$1\"; else echo \"  denied:  \$1 (\${why##*: })\"; fi; }
echo \"running as \$(id -un) in \$(pwd)\"
check \"read the project README\" \"cat README\"
check \"write in the project\" \"echo 'written by the agent' > agent-was-here\"
check \"list your home ~${owner}\" \"ls $home\"
check \"read ~${owner}/.ssh\" \"ls $home/.ssh\"
check \"open ~${owner}/.bashrc for writing\" \": >> $home/.bashrc\"
check \"connect to TCP port 25\" \"exec 3<>/dev/tcp/127.0.0.1/25\"
check \"become root with su\" \"su -c true root </dev/null\"
"
[ "$(digest grant_state)" = "$before" ] || changed+=("demo project and its grant")

say "Done"
if [ "${#changed[@]}" -eq 0 ]; then
	echo "Nothing changed: agent-shell was already installed and ${agent} already set up for ${owner}."
else
	list=$(IFS=,; echo "${changed[*]}")
	echo "Changed: ${list//,/, }."
fi
echo "Open a sandboxed shell in the demo project:  cd $demo && agent-shell"
echo "Run a command there:                        agent-shell -C $demo -- ls -la"
echo "See the whole policy:                       agent-shell -C $demo --explain"
echo "Read more:                                  man agent-shell; man agent-shell.profile"
echo "(Log in again, or run 'newgrp agent-shell-users', to pick up the new group.)"
echo "Remove it all again: sudo $agent_admin remove $owner; then delete the files listed in"
echo "  $here/$build/meson-logs/install-log.txt"
