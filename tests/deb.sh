#!/bin/bash
# The Debian package, end to end (run as root), on any machine: one where
# agent-shell is already installed (the quickstart's /usr/local and /etc, a
# package under /usr) included, which it neither touches nor depends on.
# Builds the .deb with dpkg-buildpackage from a copy of this tree (as the
# unprivileged user nobody, so the source tree stays clean and the build is
# proven not to need root) and runs lintian.  Everything that installs runs
# in an isolated root: a private mount, PID and network namespace (only
# loopback: its egress fence is not the machine's) whose / is an
# overlay of the machine's disk file systems with a tmpfs upper layer, with
# its own /proc, /run and /tmp (pivot_root); every file it writes (/usr,
# /etc/passwd, the dpkg database, homes) vanishes with it, and so does
# every process.  In there, the machine's own agent-shell is removed first.
# Two such roots:
#   - a fresh machine (the groups removed too): postinst creates and
#     records the groups, remove and purge, and an admin's own
#     statoverride and profile survive install and purge;
#   - the real install with apt-get: what it installed (helper 4750
#     root:agent-shell-users through dpkg-statoverride, PAM conffile,
#     profiles, everything `meson install` installs), the integration
#     suites against the installed package, a purge with an agent still
#     provisioned (the registry must be kept) and one after `agent-admin
#     remove`, and the root back to how it was: no group the package
#     added, no statoverride, no file, no account.
# Outside, it checks the machine saw none of it: the package's status, its
# statoverride and every file it (or a /usr/local install) owns are as
# before, and no account of the run is in the machine's /etc/passwd.
#
# Prints TAP, then per-suite totals and, last, "N passed, N failed, N skipped"
# (tests/tap-summary.py).  Exits non-zero when anything failed.
#
# Usage: sudo tests/deb.sh [--no-deps] [--testlog FILE]
#   --no-deps       do not run tests/install-deps.sh first
#   --testlog FILE  also write the results as meson testlog.json lines, for
#                   tests/tap-summary.py to total with the other suites
# AS_DEB_KEEP=1 keeps the scratch directory (build, logs) and says where.
set -uo pipefail

# bash reads a script while it runs it: an edit of this file during a run
# changes what the running copy does next (one such edit once ran part of
# the fresh-machine phase outside the isolated root).  A run goes on from a
# private copy, which its phases run too.
if [ -z "${AS_DEB_SELF:-}" ]; then
	AS_DEB_HERE=$(cd "$(dirname "$0")/.." && pwd) || exit 2
	AS_DEB_SELF=$(mktemp /tmp/as-deb-self.XXXXXX) || exit 2
	cp -- "$0" "$AS_DEB_SELF" || exit 2
	export AS_DEB_HERE AS_DEB_SELF
	exec bash "$AS_DEB_SELF" "$@"
fi
here=${AS_DEB_HERE:-$(cd "$(dirname "$0")/.." && pwd)}
# The run's own copy goes with it; a phase leaves it for the next phase.
case " $* " in
*" --phase "*) ;;
*) trap 'rm -f "$AS_DEB_SELF"' EXIT ;;
esac

deps=1
testlog=
phase=
while [ $# -gt 0 ]; do
	case "$1" in
	--no-deps) deps=0 ;;
	--phase) phase=${2:?}; shift ;;  # internal: see run_isolated
	--testlog) testlog=${2:?--testlog needs a file}; shift ;;
	-h|--help) sed -n '2,35p' "$0"; exit 0 ;;
	*) echo "tests/deb.sh: unknown option: $1" >&2; exit 2 ;;
	esac
	shift
done

if [ "$(id -u)" -ne 0 ]; then
	echo "tests/deb.sh: must run as root (it installs and purges a package); try: sudo tests/deb.sh" >&2
	exit 2
fi

export DEBIAN_FRONTEND=noninteractive
APT=(apt-get -y -q -o DPkg::Lock::Timeout=600)
HELPER=/usr/libexec/agent-shell/agent-shell-helper
GROUPS_=(agent-shell-users agent-shell-agents)
STATE=/var/lib/agent-shell
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
PAM_MODULE=/lib/$MA/security/pam_agent_shell.so
# Everything the package may put on the machine.
PATHS=(/usr/bin/agent-shell /usr/bin/agent-sandbox /usr/sbin/agent-admin
	/usr/libexec/agent-shell "$PAM_MODULE" /usr/lib/"$MA"/security/pam_agent_shell.so
	/etc/pam.d/agent-shell /etc/security/namespace.d/agent-shell.conf
	/etc/agent-shell /usr/share/agent-shell /usr/share/doc/agent-shell "$STATE")
# And what `meson install` puts under /usr/local (the quickstart's).
LOCAL_PATHS=(/usr/local/bin/agent-shell /usr/local/bin/agent-sandbox
	/usr/local/sbin/agent-admin /usr/local/libexec/agent-shell
	/usr/local/lib/"$MA"/security/pam_agent_shell.so /usr/local/share/agent-shell
	/usr/local/share/bash-completion/completions/agent-shell
	/usr/local/share/bash-completion/completions/agent-sandbox
	/usr/local/share/bash-completion/completions/agent-admin
	/usr/local/share/man/man1/agent-shell.1 /usr/local/share/man/man1/agent-sandbox.1
	/usr/local/share/man/man5/agent-shell.profile.5 /usr/local/share/man/man8/agent-admin.8
	/usr/local/share/man/man8/pam_agent_shell.8)

n=0
out() { printf '%s\n' "$*" | tee -a "$TAP"; }
diag() { sed 's/^/# /' "$@" | tee -a "$TAP"; }
pass() { n=$((n + 1)); out "ok $n - $*"; }
fail() { n=$((n + 1)); out "not ok $n - $*"; }
# check DESCRIPTION CMD...: one TAP line; the command's output as
# diagnostics when it fails.
check() {
	local desc=$1
	shift
	if "$@" >"$tmp/check.out" 2>&1; then
		pass "$desc"
	else
		fail "$desc"
		diag "$tmp/check.out"
	fi
}
# expect_eq DESCRIPTION EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1"
		out "#   expected: $2"
		out "#   actual:   $3"
	fi
}

pkg_status() {
	dpkg-query -W -f='${db:Status-Abbrev}' agent-shell 2>/dev/null | tr -d ' '
}

# What of agent-shell this machine has: the package's status and
# statoverride, and every file of the package or of a /usr/local install,
# with type, mode, owner, size and a digest of its content.  Compared
# before and after.  Not times: a file made and removed again meanwhile by
# the machine's own install (a lock, say) leaves only its directory's
# mtime changed.
# Not the namespace.d drop-in: the session-ns and escape suites place and
# remove it themselves when the machine has none, and other test runs on
# this machine may be doing so meanwhile.
machine_state() {
	local p
	echo "package: $(pkg_status)"
	echo "statoverride: $(dpkg-statoverride --list "$HELPER" 2>/dev/null)"
	for p in "${PATHS[@]}" "${LOCAL_PATHS[@]}"; do
		[ "$p" != /etc/security/namespace.d/agent-shell.conf ] || continue
		if [ -e "$p" ] || [ -L "$p" ]; then
			find "$p" -printf '%p %y %m %u %g %s\n' | sort
			find "$p" -type f -exec md5sum {} + | sort
		else
			echo "absent: $p"
		fi
	done
}

# --- the isolated root ----------------------------------------------------

# empty_tmp TARGET UPPER: /tmp and /var/tmp, where they are directories of
# the file system mounted at TARGET, start empty in its overlay (opaque in
# UPPER): the machine's files there (other runs', named by pids that the
# new PID namespace hands out again) stay out of sight.  They stay in the
# same overlay as /home: a hard link from /tmp to /home works, as on the
# machine.
empty_tmp() {
	local target=$1 upper=$2 d rel
	for d in /tmp /var/tmp; do
		# shellcheck disable=SC2015 # "a && b || continue": skip unless both hold
		[ -d "$d" ] && [ "$(findmnt -n -o TARGET -T "$d")" = "$target" ] || continue
		rel=${d#"${target%/}"}
		install -d "$upper$(dirname "$rel")" "$upper$rel" &&
			chmod --reference="$(dirname "$d")" "$upper$(dirname "$rel")" &&
			chown --reference="$(dirname "$d")" "$upper$(dirname "$rel")" &&
			chmod --reference="$d" "$upper$rel" &&
			chown --reference="$d" "$upper$rel" &&
			python3 -c 'import os, sys; os.setxattr(sys.argv[1], "trusted.overlay.opaque", b"y")' \
				"$upper$rel" || return 1
	done
}

# enter_root: in the new mount and PID namespaces of run_isolated, makes
# $tmp/root the root: an overlay of each disk file system (ext4, xfs,
# btrfs...) at its place, upper layers on a tmpfs; the machine's /dev and
# /sys; a /proc of the new PID namespace; an empty /run; $tmp at its own
# path (the .deb, the build, the logs the caller reads); the machine's /
# read-only at /run/as-deb-host (to check from inside that it does not
# change).  Other file systems (network, fuse) are left out and say so.
# xino=on (32-bit inode numbers on the tmpfs) gives every file the
# overlay's st_dev, as on one disk: agent-admin grant skips a file on
# another st_dev than its directory's.
enter_root() {
	local root=$tmp/root layers=$tmp/layers i=0 target fstype
	mkdir -p "$root" "$layers"
	mount -t tmpfs -o mode=0700,inode32 as-deb-layers "$layers" || return 1
	while read -r target fstype; do
		case "$target" in
		/proc | /proc/* | /sys | /sys/* | /dev | /dev/* | /run | /run/*) continue ;;
		"$tmp" | "$tmp"/*) continue ;;
		esac
		case "$fstype" in
		ext2 | ext3 | ext4 | xfs | btrfs | f2fs | jfs | zfs) ;;
		*)
			echo "# isolated root: $target ($fstype) left out"
			continue
			;;
		esac
		i=$((i + 1))
		if [ "$target" != / ] && [ ! -d "$root$target" ]; then
			echo "# isolated root: $target left out (no directory for it)"
			continue
		fi
		# The merged directory takes the upper layer's mode and owner.
		# shellcheck disable=SC2015 # "a && b || fail": the fail branch is for any step failing
		install -d "$layers/$i.up" "$layers/$i.work" &&
			chmod --reference="$target" "$layers/$i.up" &&
			chown --reference="$target" "$layers/$i.up" &&
			empty_tmp "$target" "$layers/$i.up" &&
			mount -t overlay "as-deb-$i" \
				-o "lowerdir=$target,upperdir=$layers/$i.up,workdir=$layers/$i.work,xino=on,index=on,nfs_export=on" \
				"$root${target%/}" || {
			echo "isolated root: overlay on $target failed"
			return 1
		}
	done < <(findmnt -rn -o TARGET,FSTYPE)
	# shellcheck disable=SC2015 # "a && b || fail": the fail branch is for any step failing
	[ "$i" -gt 0 ] && mountpoint -q "$root" || {
		echo "isolated root: / is not an overlay (findmnt found no disk file system at /)"
		return 1
	}
	# /tmp as the machine has it: a directory of / (a hard link from /tmp
	# to /home works), a disk file system (an overlay, above), or a tmpfs
	# (an empty one here).
	if mountpoint -q /tmp && ! mountpoint -q "$root/tmp"; then
		mount -t tmpfs -o mode=1777 as-deb-tmp "$root/tmp" || return 1
	fi
	# shellcheck disable=SC2015 # "a && b || fail": the fail branch is for any step failing
	mount --rbind /dev "$root/dev" &&
		mount --rbind /sys "$root/sys" &&
		mount -t proc as-deb-proc "$root/proc" &&
		mount -t tmpfs -o mode=0755 as-deb-run "$root/run" &&
		install -d -m 1777 "$root/run/lock" &&
		install -d -m 0755 "$root/run/as-deb-host" "$root$tmp" &&
		mount --bind "$tmp" "$root$tmp" &&
		mount --bind / "$root/run/as-deb-host" &&
		mount -o remount,bind,ro "$root/run/as-deb-host" || {
		echo "isolated root: mounting /dev, /sys, /proc, /run, /tmp failed"
		return 1
	}
	# shellcheck disable=SC2015 # "a && b || fail": the fail branch is for any step failing
	cd "$root" && mkdir .as-deb-old-root && pivot_root . .as-deb-old-root &&
		cd / && umount -l /.as-deb-old-root && rmdir /.as-deb-old-root || {
		echo "isolated root: pivot_root failed"
		return 1
	}
	# man-db's trigger re-indexes every page after each dpkg call: 3 s
	# each, and nothing here looks at it.
	rm -f /var/lib/man-db/auto-update
}

# own_ids: accounts made in the isolated root get uids and gids from
# AS_DEB_ID_BASE on (500 of them, none of them the machine's: see
# free_id_base), not the next ones after the machine's.  Same numbers would
# make the two one user to the kernel: a pkill -u on the machine (another
# test run) would kill the isolated root's processes, and RLIMIT_NPROC
# would count both.
# System accounts and groups (groupadd --system: the package's) keep the
# machine's range, whose top useradd derives from UID_MIN and GID_MIN
# unless given.
own_ids() {
	local defs=/etc/login.defs v k sys=()
	for k in UID GID; do
		v=$(awk -v k="SYS_${k}_MAX" '$1 == k { print $2 }' "$defs")
		[ -n "$v" ] || sys+=("SYS_${k}_MAX $(($(awk -v k="${k}_MIN" '$1 == k { print $2 }' "$defs") - 1))")
	done
	[ "${#sys[@]}" -eq 0 ] || printf '%s\n' "${sys[@]}" >>"$defs"
	sed -i -E '/^[[:space:]]*(UID|GID)_(MIN|MAX)[[:space:]]/d' "$defs" &&
		printf 'UID_MIN %s\nUID_MAX %s\nGID_MIN %s\nGID_MAX %s\n' \
			"$AS_DEB_ID_BASE" $((AS_DEB_ID_BASE + 499)) \
			"$AS_DEB_ID_BASE" $((AS_DEB_ID_BASE + 499)) >>"$defs"
}

# free_id_base: one of the ten blocks of 500 ids in 60500-65499 (above
# the regular 1000-60000, below nobody's 65534, which must stay above
# UID_MIN: agent-admin judges an owner by it) that no account or group of
# this machine uses, starting at one this run's pid picks (two runs at
# once then rarely pick the same).
free_id_base() {
	local k base
	for k in $(seq 0 9); do
		base=$((60500 + (($$ + k) % 10) * 500))
		if ! awk -F: -v b="$base" '$3 >= b && $3 < b + 500 { found = 1 } END { exit !found }' \
			/etc/passwd /etc/group; then
			echo "$base"
			return 0
		fi
	done
	return 1
}

# without_agent_shell: the isolated root becomes a machine without
# agent-shell: the package purged (its scripts run in here only), a
# /usr/local install and whatever is left of either removed.
without_agent_shell() {
	local p
	case "$(pkg_status)" in
	"" | un | pn) ;;
	*) dpkg --purge --force-all agent-shell >"$tmp/purge-existing.out" 2>&1 ;;
	esac
	if dpkg-statoverride --list "$HELPER" >/dev/null 2>&1; then
		dpkg-statoverride --remove "$HELPER"
	fi
	for p in "${PATHS[@]}" "${LOCAL_PATHS[@]}"; do
		rm -rf "$p"
	done
	check "isolated root: no agent-shell in it before the install (package status '$(pkg_status)')" \
		sh -c "case '$(pkg_status)' in '' | un | pn) ;; *) exit 1 ;; esac &&
			! dpkg-statoverride --list '$HELPER' && ! ls -d ${PATHS[*]} ${LOCAL_PATHS[*]} 2>/dev/null | grep ."
}

# run_isolated PHASE: runs PHASE (fresh_machine or package) of this script
# in an isolated root; its TAP lines become this script's.
run_isolated() {
	local phase=$1 line log_netns=/proc/sys/net/netfilter/nf_log_all_netns saved_log=
	# The fence's rejections are logged from the isolated network
	# namespace too (egress OWNER log): the kernel logs only the initial
	# one's unless told; restored right after.
	if [ -w "$log_netns" ]; then
		saved_log=$(cat "$log_netns")
		echo 1 >"$log_netns"
	fi
	unshare --mount --pid --net --fork --propagation private \
		env AS_DEB_TMP="$tmp" AS_DEB_DEB="$deb" AS_DEB_OBJ="$obj" AS_DEB_SRC="$tmp/build/src" \
		AS_DEB_OWNER="$owner" AS_DEB_ID_BASE="$id_base" bash "$AS_DEB_SELF" --phase "$phase" >"$tmp/$phase.out" 2>&1
	[ -z "$saved_log" ] || echo "$saved_log" >"$log_netns"
	while IFS= read -r line; do
		case "$line" in
		"not ok "*) fail "${line#not ok * - }" ;;
		"ok "*) pass "${line#ok * - }" ;;
		"# $phase: complete") ;;
		"#"*) out "$line" ;;
		*) out "# $line" ;;
		esac
	done <"$tmp/$phase.out"
	check "$phase: ran to its end in the isolated root" grep -qx "# $phase: complete" "$tmp/$phase.out"
}

# A fresh machine: the groups are absent, so postinst creates and records
# them, a reinstall records nothing twice, remove keeps the
# configuration, purge removes the groups and the statoverride; and an
# admin's own statoverride and profile survive install and purge.
fresh_machine() {
	local g gid
	for g in "${GROUPS_[@]}"; do
		getent group "$g" >/dev/null && groupdel "$g"
	done
	check "fresh machine: no group agent-shell-*" \
		sh -c "! getent group ${GROUPS_[*]}"

	check "fresh machine: dpkg -i" dpkg -i "$deb"
	expect_eq "fresh machine: postinst recorded both groups it created" \
		"$(printf '%s\n' "${GROUPS_[@]}")" "$(cat "$STATE/created-groups" 2>&1)"
	for g in "${GROUPS_[@]}"; do
		gid=$(getent group "$g" | cut -d: -f3)
		check "fresh machine: $g is a system group (gid $gid)" \
			test "${gid:-1000}" -lt 1000
	done
	expect_eq "fresh machine: helper is 4750 root:agent-shell-users" \
		"4750 root agent-shell-users" "$(stat -c '%a %U %G' "$HELPER" 2>&1)"
	check "fresh machine: dpkg -i again (reinstall)" dpkg -i "$deb"
	expect_eq "fresh machine: reinstall records nothing twice" \
		"$(printf '%s\n' "${GROUPS_[@]}")" "$(cat "$STATE/created-groups" 2>&1)"
	expect_eq "fresh machine: reinstall keeps the one statoverride" \
		"root agent-shell-users 4750 $HELPER" "$(dpkg-statoverride --list "$HELPER")"

	check "fresh machine: dpkg --remove" dpkg --remove agent-shell
	expect_eq "fresh machine: remove leaves the configuration (rc)" rc "$(pkg_status)"
	check "fresh machine: remove keeps the PAM conffile, groups and statoverride" \
		sh -c "test -f /etc/pam.d/agent-shell && getent group ${GROUPS_[*]} >/dev/null &&
			dpkg-statoverride --list '$HELPER' && test ! -e '$HELPER'"
	dpkg --purge agent-shell >"$tmp/fresh-purge.out" 2>&1
	expect_eq "fresh machine: dpkg --purge" 0 "$?"
	check "fresh machine: purge removes the groups it created" \
		sh -c "! getent group ${GROUPS_[0]} && ! getent group ${GROUPS_[1]}"
	expect_eq "fresh machine: purge removes its statoverride" "" \
		"$(dpkg-statoverride --list "$HELPER")"
	check "fresh machine: purge removes /etc/pam.d/agent-shell, /etc/agent-shell, $STATE" \
		sh -c "test ! -e /etc/pam.d/agent-shell && test ! -e /etc/agent-shell && test ! -e '$STATE'"
	check "fresh machine: purge says nothing, dpkg warns of nothing" \
		sh -c "! grep -E '^agent-shell:|^dpkg: warning' '$tmp/fresh-purge.out'"

	# An admin who chose the helper's mode, and wrote a profile.
	dpkg-statoverride --add root root 0755 "$HELPER"
	check "admin override: dpkg -i" dpkg -i "$deb"
	expect_eq "admin override: the admin's mode wins" "755 root root" \
		"$(stat -c '%a %U %G' "$HELPER" 2>&1)"
	check "admin override: postinst does not claim it" test ! -e "$STATE/statoverride"
	printf '[profile]\ninclude = default\n' >/etc/agent-shell/profiles/site.profile
	dpkg --purge agent-shell >"$tmp/admin-purge.out" 2>&1
	expect_eq "admin override: dpkg --purge" 0 "$?"
	expect_eq "admin override: purge keeps the admin's statoverride" \
		"root root 755 $HELPER" "$(dpkg-statoverride --list "$HELPER")"
	check "admin override: purge keeps the admin's profile" \
		test -f /etc/agent-shell/profiles/site.profile
	check "admin override: purge lists what it left in /etc/agent-shell" \
		grep -qx 'agent-shell:   /etc/agent-shell/profiles/site.profile' "$tmp/admin-purge.out"
	check "admin override: purge still removes the groups it created" \
		sh -c "! getent group ${GROUPS_[0]} && ! getent group ${GROUPS_[1]}"
}

# The package installed with apt-get, as an admin would, the suites
# against it, and two purges.
package() {
	local g p
	declare -A gid_before
	for g in "${GROUPS_[@]}"; do
		gid_before[$g]=$(getent group "$g" | cut -d: -f3)
	done
	statoverrides_before=$(dpkg-statoverride --list | sort)

	# --- install ------------------------------------------------------------
	t0=$(date +%s)
	check "apt-get install ./$(basename "$deb")" "${APT[@]}" install "$deb"
	t_install=$(($(date +%s) - t0))
	expect_eq "dpkg: agent-shell is installed" ii "$(pkg_status)"
	expect_eq "helper is 4750 root:agent-shell-users" "4750 root agent-shell-users" \
		"$(stat -c '%a %U %G' "$HELPER" 2>&1)"
	expect_eq "helper mode comes from a statoverride" "root agent-shell-users 4750 $HELPER" \
		"$(dpkg-statoverride --list "$HELPER" 2>&1)"
	check "the compiled-in helper path is where the package put it" \
		grep -q "$HELPER" /usr/bin/agent-shell
	for g in "${GROUPS_[@]}"; do
		check "group $g exists" getent group "$g"
	done
	# postinst records exactly the groups that were missing before.
	created_expected=""
	for g in "${GROUPS_[@]}"; do
		[ -z "${gid_before[$g]}" ] && created_expected+="$g "
	done
	expect_eq "postinst recorded the groups it created" "$created_expected" \
		"$(tr '\n' ' ' 2>/dev/null <"$STATE/created-groups")"
	check "/etc/pam.d/agent-shell is a conffile" \
		sh -c "dpkg-query -W -f='\${Conffiles}\n' agent-shell | grep -q '^ /etc/pam.d/agent-shell '"
	check "the PAM service names the installed module" \
		grep -Eq "^auth +required +$PAM_MODULE\$" /etc/pam.d/agent-shell
	check "pam_agent_shell.so is installed" test -f "$PAM_MODULE"
	check "vendor profiles under /usr/share/agent-shell/profiles" \
		test -f /usr/share/agent-shell/profiles/default.profile
	expect_eq "/etc/agent-shell/profiles: an empty directory for admin overrides" "755 root root 0" \
		"$(stat -c '%a %U %G' /etc/agent-shell/profiles 2>&1) $(find /etc/agent-shell/profiles -mindepth 1 2>/dev/null | wc -l)"
	# dh_compress gzips it once it is over 4 KiB.
	check "README.Debian is installed" sh -c \
		'test -f /usr/share/doc/agent-shell/README.Debian || test -f /usr/share/doc/agent-shell/README.Debian.gz'
	# Everything `meson install` installs is in the package (man pages,
	# completion, sudoers template... whatever the build grows).
	if [ -n "$obj" ] && DESTDIR="$tmp/ref" meson install -C "$obj" --no-rebuild --quiet >"$tmp/ref.log" 2>&1; then
		(cd "$tmp/ref" && find . ! -type d | sed 's|^\.||' | sort) >"$tmp/ref-files"
		dpkg -L agent-shell | sort >"$tmp/pkg-files"
		# dh_compress gzips man pages: compare without the .gz.
		sed 's/\.gz$//' "$tmp/pkg-files" | sort >"$tmp/pkg-files-nogz"
		check "the package holds every file meson install installs" \
			sh -c "comm -23 '$tmp/ref-files' '$tmp/pkg-files-nogz' | sed 's/^/missing: /' | grep . && exit 1 || exit 0"
	else
		fail "the package holds every file meson install installs (meson install --destdir failed)"
		diag "$tmp/ref.log"
	fi
	installed_kib=$(dpkg-query -W -f='${Installed-Size}' agent-shell)
	out "# installed size: $installed_kib KiB (Installed-Size), .deb $(stat -c %s "$deb") bytes"

	# --- the integration suites against the installed package ----------------
	t0=$(date +%s)
	AS_PREFIX=/usr AS_SYSCONFDIR=/etc meson test -C "$obj" --no-rebuild --print-errorlogs \
		--suite integration --suite root >"$tmp/meson-test.log" 2>&1
	t_suites=$(($(date +%s) - t0))
	python3 "$here/tests/tap-summary.py" "$obj/meson-logs/testlog.json" >"$tmp/suites.txt" 2>&1
	suites_ok=$?
	login_line=$(grep -E '/ bats-login ' "$tmp/suites.txt")
	if [ "$suites_ok" -eq 0 ] && [ -n "$login_line" ] && ! echo "$login_line" | grep -q ' 0 passed'; then
		pass "integration suites against the installed package: $(tail -n 1 "$tmp/suites.txt")"
	else
		fail "integration suites against the installed package: $(tail -n 1 "$tmp/suites.txt")"
		# Each failed test with the diagnostics bats printed under it.
		python3 - "$obj/meson-logs/testlog.json" <<-'PY' | diag
	import json, sys
	for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
	    if not line.strip():
	        continue
	    t = json.loads(line)
	    show = False
	    for l in (t.get("stdout") or "").splitlines():
	        if l.startswith("not ok"):
	            show = True
	            print(t.get("name", "?") + ": " + l)
	        elif l.startswith("ok") or not l.startswith("#"):
	            show = False
	        elif show:
	            print("  " + l)
	PY
		[ -n "$login_line" ] || out "# the login suite did not run"
	fi
	diag "$tmp/suites.txt"

	# --- purge with an agent still provisioned: the registry is kept ---------
	owner=$OWNER
	useradd --create-home --home-dir "/tmp/$owner-home" --shell /bin/bash \
		--comment "agent-shell test" "$owner" >/dev/null
	check "agent-admin add $owner" /usr/sbin/agent-admin add "$owner"
	check "$owner and its agent have uids of the isolated root's own range (from $AS_DEB_ID_BASE)" \
		sh -c "[ \$(id -u $owner) -ge $AS_DEB_ID_BASE ] && [ \$(id -u $owner-agent) -ge $AS_DEB_ID_BASE ]"
	# Live, while the accounts exist: they are the isolated root's alone.
	check "the machine's own /etc/passwd and /etc/group have no $owner (read outside the isolated root)" \
		sh -c "! grep -q '^$owner' /run/as-deb-host/etc/passwd /run/as-deb-host/etc/group"
	records=$(cat "$STATE/created-groups" 2>/dev/null)
	"${APT[@]}" purge agent-shell >"$tmp/purge1.out" 2>&1
	expect_eq "purge with an agent registered succeeds" 0 "$?"
	check "purge says it keeps the registry" grep -q "purge keeps the agents still provisioned" "$tmp/purge1.out"
	check "purge kept the registry entry of $owner" test -f "/etc/agent-shell/agents.d/$owner.conf"
	for g in "${GROUPS_[@]}"; do
		check "purge kept group $g (agents still use it)" getent group "$g"
	done
	expect_eq "purge kept the record of the groups it created" "$records" \
		"$(cat "$STATE/created-groups" 2>/dev/null)"
	expect_eq "purge removed the statoverride" "" "$(dpkg-statoverride --list "$HELPER")"
	check "purge removed the helper and the PAM service" \
		sh -c "! test -e /usr/libexec/agent-shell && ! test -e /etc/pam.d/agent-shell"

	# Reinstall, remove the agent, purge again: now everything goes.
	check "apt-get install ./$(basename "$deb") again" "${APT[@]}" install "$deb"
	expect_eq "reinstalled helper is 4750 root:agent-shell-users" "4750 root agent-shell-users" \
		"$(stat -c '%a %U %G' "$HELPER" 2>&1)"
	expect_eq "reinstall kept the group record as it was" "$records" \
		"$(cat "$STATE/created-groups" 2>/dev/null)"
	check "agent-admin remove $owner" /usr/sbin/agent-admin remove "$owner"
	userdel --remove "$owner" 2>/dev/null
	rm -rf "/tmp/$owner-home"
	"${APT[@]}" purge agent-shell >"$tmp/purge2.out" 2>&1
	expect_eq "purge succeeds" 0 "$?"
	check "purge with nothing provisioned says nothing, dpkg warns of nothing" \
		sh -c "! grep -E '^agent-shell:|^dpkg: warning' '$tmp/purge2.out'"

	# --- after: the machine is as it was ------------------------------------
	case "$(pkg_status)" in
	"" | un | pn) pass "dpkg: agent-shell is purged" ;;
	*) fail "dpkg: agent-shell is purged (status $(pkg_status))" ;;
	esac
	for p in "${PATHS[@]}"; do
		check "$p is gone" test ! -e "$p"
	done
	for g in "${GROUPS_[@]}"; do
		if [ -n "${gid_before[$g]}" ]; then
			expect_eq "group $g, there before, is still there (same gid)" "${gid_before[$g]}" \
				"$(getent group "$g" | cut -d: -f3)"
		elif echo "$records" | grep -qx "$g"; then
			check "group $g, added by the package, is gone" sh -c "! getent group '$g'"
		else
			# Nobody else makes groups in the isolated root.
			fail "group $g, absent before, was not recorded by postinst"
		fi
	done
	expect_eq "dpkg-statoverride --list is as before" "$statoverrides_before" "$(dpkg-statoverride --list | sort)"
	check "no account of the run is left (the isolated root's /etc/passwd, /etc/group)" \
		sh -c "! grep -q '^$OWNER' /etc/passwd /etc/group"
	out "# times: apt-get install $t_install s, integration suites $t_suites s"
}

if [ -n "$phase" ]; then
	# In the new namespaces (run_isolated): TAP lines on stdout.
	tmp=$AS_DEB_TMP deb=$AS_DEB_DEB obj=$AS_DEB_OBJ here=$AS_DEB_SRC OWNER=$AS_DEB_OWNER
	TAP=/dev/null
	case "$phase" in
	fresh_machine | package) ;;
	*) echo "tests/deb.sh: unknown phase: $phase" >&2; exit 2 ;;
	esac
	# Its own network namespace too: the package's agent-admin reloads the
	# egress fence, whose nftables table (inet agent_shell) and resolvers
	# would otherwise replace the machine's own install's.  Only loopback.
	# The machine's nameservers become addresses of this namespace's
	# loopback, so the agents' DNS to them reaches the nat hook that hands
	# it to their resolver (with no route, connect fails first); nothing
	# leaves the namespace.
	ip link set lo up || { echo "isolated root: cannot bring up loopback"; exit 1; }
	# shellcheck disable=SC2013 # addresses are single words
	for ns in $(awk '$1 == "nameserver" { print $2 }' /etc/resolv.conf 2>/dev/null); do
		case $ns in
		*:*) ip -6 addr add "$ns/128" dev lo ;;
		*) ip addr add "$ns/32" dev lo ;;
		esac || { echo "isolated root: cannot add nameserver $ns to loopback"; exit 1; }
	done
	enter_root || exit 1
	own_ids || { echo "isolated root: cannot set the id range in /etc/login.defs"; exit 1; }
	without_agent_shell
	"$phase"
	echo "# $phase: complete"
	exit 0
fi

if [ "$deps" = 1 ]; then
	"$here/tests/install-deps.sh" || { echo "Bail out! tests/install-deps.sh failed"; exit 1; }
fi

t_start=$(date +%s)
tmp=$(mktemp -d /tmp/as-deb.XXXXXX)
chmod 0755 "$tmp"
TAP="$tmp/deb.tap"
: >"$TAP"
# The account the package phase provisions: this run's pid makes it unique
# on the machine too, where it must never appear.
owner="asdeb$$"
id_base=$(free_id_base) || { echo "Bail out! no free block of 500 uids in 60500-65499 on this machine"; exit 1; }

cleanup() {
	rm -f "$AS_DEB_SELF"
	if [ -n "${AS_DEB_KEEP:-}" ]; then
		echo "# kept $tmp (AS_DEB_KEEP)" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT

# --- before -------------------------------------------------------------
machine_before=$(machine_state)
src_status_before=
if git -C "$here" rev-parse --git-dir >/dev/null 2>&1; then
	src_status_before=$(git -C "$here" status --porcelain --ignored)
fi

# --- build --------------------------------------------------------------
# The copy: every file git knows or would add (uncommitted edits included,
# ignored build directories left out); without git, the tree minus build*.
install -d -o nobody -g nogroup -m 0755 "$tmp/build" "$tmp/build/src"
if git -C "$here" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$here" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar --null -cf - -T -) | tar -xf - -C "$tmp/build/src"
else
	tar -C "$here" --exclude='./build*' --exclude='./obj-*' -cf - . | tar -xf - -C "$tmp/build/src"
fi
(cd "$tmp/build/src" && find . -type f | sort) >"$tmp/files-before-build"
chown -R nobody:nogroup "$tmp/build/src"

check "build dependencies are installed (dpkg-checkbuilddeps)" \
	sh -c "cd '$tmp/build/src' && dpkg-checkbuilddeps"
t0=$(date +%s)
if (cd "$tmp/build/src" && runuser -u nobody -- env HOME="$tmp/build" \
	nice -n 19 dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1; then
	pass "dpkg-buildpackage -us -uc -b, as nobody"
else
	fail "dpkg-buildpackage -us -uc -b, as nobody"
	tail -n 40 "$tmp/build.log" | diag
	echo "Bail out! the package did not build"
	exit 1
fi
t_build=$(($(date +%s) - t0))
version=$(cd "$tmp/build/src" && dpkg-parsechangelog -S Version)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
deb="$tmp/build/agent-shell_${version}_${arch}.deb"
changes="$tmp/build/agent-shell_${version}_${arch}.changes"
check "the build made $(basename "$deb")" test -f "$deb"
grep -E '^[0-9]+/[0-9]+ .*unit' "$tmp/build.log" | diag

# Every file the build added to the tree must be one .gitignore ignores,
# so a dpkg-buildpackage in a checkout leaves `git status` clean.
(cd "$tmp/build/src" && find . -type f | sort) >"$tmp/files-after-build"
comm -13 "$tmp/files-before-build" "$tmp/files-after-build" | sed 's|^\./||' >"$tmp/new-files"
if git -C "$here" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$here" check-ignore --no-index --stdin <"$tmp/new-files" | sort >"$tmp/ignored" || true
	check "every file the build leaves in the tree is in .gitignore" \
		diff "$tmp/new-files" "$tmp/ignored"
fi

# --- lint ---------------------------------------------------------------
if runuser -u nobody -- lintian --fail-on error,warning --info "$changes" >"$tmp/lintian.out" 2>&1; then
	pass "lintian: no errors, no warnings"
else
	fail "lintian: no errors, no warnings"
	grep -E '^[EW]:' "$tmp/lintian.out" | diag
fi
grep -E '^[IPX]:' "$tmp/lintian.out" | diag


obj=$(find "$tmp/build/src" -maxdepth 1 -type d -name 'obj-*' | head -n 1)
chmod 0644 "$deb"

# --- a fresh machine and an admin's override, in an isolated root --------
run_isolated fresh_machine

# --- install, the suites, two purges: in another --------------------------
run_isolated package

# --- after: the machine saw none of it ----------------------------------
machine_state >"$tmp/machine-after"
printf '%s\n' "$machine_before" >"$tmp/machine-before"
check "the machine's own agent-shell (package status, statoverride, files) is as before" \
	diff "$tmp/machine-before" "$tmp/machine-after"
check "the machine has no account of the run ($owner)" \
	sh -c "! grep -q '^$owner' /etc/passwd /etc/group"
if [ -n "$src_status_before" ] || git -C "$here" rev-parse --git-dir >/dev/null 2>&1; then
	expect_eq "the source tree is untouched (git status --ignored)" "$src_status_before" \
		"$(git -C "$here" status --porcelain --ignored)"
fi

t_total=$(($(date +%s) - t_start))
out "# times: build $t_build s, total $t_total s"
out "1..$n"

# Results as meson testlog.json lines: the suites' own, renamed, and this
# script's checks as one more test.
python3 - "$obj/meson-logs/testlog.json" "$TAP" "$tmp/testlog.json" <<'EOF'
import json, re, sys
suites, tap, dest = sys.argv[1:4]
lines = []
try:
    with open(suites, encoding="utf-8", errors="replace") as f:
        for l in f:
            if l.strip():
                t = json.loads(l)
                t["name"] = "deb/" + t.get("name", "?")
                lines.append(t)
except OSError:
    pass
text = open(tap, encoding="utf-8").read()
bad = any(re.match(r"^not ok\b", l) for l in text.splitlines())
lines.append({"name": "deb", "result": "FAIL" if bad else "OK", "stdout": text})
with open(dest, "w", encoding="utf-8") as f:
    for t in lines:
        f.write(json.dumps(t) + "\n")
EOF
[ -n "$testlog" ] && cp "$tmp/testlog.json" "$testlog"
echo
python3 "$here/tests/tap-summary.py" "$tmp/testlog.json"
