#!/bin/bash
# The Debian package, end to end (run as root, on a machine where agent-shell
# is not installed under /usr): builds the .deb with dpkg-buildpackage from a
# copy of this tree (as the unprivileged user nobody, so the source tree stays
# clean and the build is proven not to need root), runs lintian; on a fresh
# machine simulated in a mount namespace (copies of /etc and the dpkg
# database, overlays on /usr and /var: the real, shared groups untouched),
# checks postinst creates and records the groups, remove and purge, and that
# an admin's own statoverride and profile survive; then installs it for real
# with apt-get, checks what it installed (helper 4750 root:agent-shell-users
# through dpkg-statoverride, PAM conffile, profiles, everything `meson
# install` installs), runs the integration suites against the installed
# package, purges it once with an agent still provisioned (the registry must
# be kept) and once after `agent-admin remove`, and checks the machine is
# back to how it was: no group the package added, no statoverride, no file.
#
# Prints TAP, then per-suite totals and, last, "N passed, N failed, N skipped"
# (tests/tap-summary.py).  Exits non-zero when anything failed.
#
# Usage: sudo tests/deb.sh [--no-deps] [--testlog FILE]
#   --no-deps       do not run tests/install-deps.sh first
#   --testlog FILE  also write the results as meson testlog.json lines, for
#                   tests/tap-summary.py to total with the other suites
set -uo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)

deps=1
testlog=
in_overlay=
while [ $# -gt 0 ]; do
	case "$1" in
	--no-deps) deps=0 ;;
	--in-overlay) in_overlay=${2:?}; shift ;;  # internal: see fresh_machine
	--testlog) testlog=${2:?--testlog needs a file}; shift ;;
	-h|--help) sed -n '2,23p' "$0"; exit 0 ;;
	*) echo "tests/deb.sh: unknown option: $1" >&2; exit 2 ;;
	esac
	shift
done

if [ "$(id -u)" -ne 0 ]; then
	echo "tests/deb.sh: must run as root (it installs and purges a package); try: sudo $0" >&2
	exit 2
fi

export DEBIAN_FRONTEND=noninteractive
APT=(apt-get -y -q -o DPkg::Lock::Timeout=600)
HELPER=/usr/libexec/agent-shell/agent-shell-helper
GROUPS_=(agent-shell-users agent-shell-agents)
STATE=/var/lib/agent-shell

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

# A fresh machine, inside a private mount namespace (unshare, below):
# copies of /etc and /var/lib/dpkg and overlays on /usr and /var make every
# change here vanish with the namespace, so the groups can be absent without touching the real ones
# (other sessions on this machine use them).  Covers what the real install
# cannot when the groups already exist: postinst creates and records them,
# a reinstall records nothing twice, remove keeps the configuration, purge
# removes the groups and the statoverride; and an admin's own statoverride
# and profile survive install and purge.  Prints TAP lines for the caller.
fresh_machine() {
	local deb=$1 d g rc
	# /etc and the dpkg database: copies, bind-mounted (renames stay
	# within the mount), so what other sessions change meanwhile does not
	# show through.  A shadow lock file copied while a useradd outside held
	# it would make groupadd here give up (lckpwdf does not serialize
	# with the outside through a copy): the copy drops them.
	# tar, not cp: lock files come and go while it reads (exit 1 is
	# "a file changed as we read it").
	rc=0
	tar -C / --exclude='etc/*.lock' --exclude='etc/.pwd.lock' --ignore-failed-read \
		--warning=no-file-changed --warning=no-file-removed -cf - etc var/lib/dpkg 2>"$tmp/copy.err" |
		tar -C "$tmp" -xpf - || rc=$?
	if [ "$rc" -gt 1 ] || [ ! -f "$tmp/etc/group" ] || [ ! -f "$tmp/var/lib/dpkg/status" ]; then
		fail "fresh machine: copy /etc and /var/lib/dpkg"
		cat "$tmp/copy.err"
		return 1
	fi
	# /usr and the rest of /var: overlays, so the package's files and
	# /var/lib/agent-shell vanish with the namespace.
	for d in usr var; do
		mkdir -p "$tmp/$d.up" "$tmp/$d.work"
		if ! mount -t overlay "as-deb-$d" \
			-o "lowerdir=/$d,upperdir=$tmp/$d.up,workdir=$tmp/$d.work" "/$d"; then
			fail "fresh machine: overlay on /$d"
			return 1
		fi
	done
	if ! mount --bind "$tmp/etc" /etc || ! mount --bind "$tmp/var/lib/dpkg" /var/lib/dpkg; then
		fail "fresh machine: bind-mount the copies of /etc and /var/lib/dpkg"
		return 1
	fi
	# man-db's trigger re-indexes every page after each dpkg call here:
	# 3 s each, and nothing this scenario looks at.
	rm -f /var/lib/man-db/auto-update
	for g in "${GROUPS_[@]}"; do
		getent group "$g" >/dev/null && groupdel "$g"
	done
	check "fresh machine: no group agent-shell-* (in the copy of /etc)" \
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

if [ -n "$in_overlay" ]; then
	tmp=$(dirname "$in_overlay")/overlay
	TAP=/dev/null
	mkdir -p "$tmp"
	fresh_machine "$in_overlay" && echo "# fresh machine: complete"
	exit 0
fi

if [ "$deps" = 1 ]; then
	"$here/tests/install-deps.sh" || { echo "Bail out! tests/install-deps.sh failed"; exit 1; }
fi
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
PAM_MODULE=/lib/$MA/security/pam_agent_shell.so
# Everything the package may put on the machine; none may exist before.
PATHS=(/usr/bin/agent-shell /usr/bin/agent-sandbox /usr/sbin/agent-admin
	/usr/libexec/agent-shell "$PAM_MODULE" /usr/lib/"$MA"/security/pam_agent_shell.so
	/etc/pam.d/agent-shell /etc/agent-shell /usr/share/agent-shell
	/usr/share/doc/agent-shell "$STATE")

# Refuse to run over an existing install: the purge at the end would
# remove what someone else installed.
if [ -n "$(pkg_status)" ] && [ "$(pkg_status)" != un ] && [ "$(pkg_status)" != pn ]; then
	echo "Bail out! the package agent-shell is on this machine (status $(pkg_status)); tests/deb.sh installs and purges it itself"
	exit 2
fi
for p in "${PATHS[@]}"; do
	if [ -e "$p" ]; then
		echo "Bail out! $p exists (agent-shell installed into /usr by hand?); tests/deb.sh needs a machine without it"
		exit 2
	fi
done
if dpkg-statoverride --list "$HELPER" >/dev/null 2>&1; then
	echo "Bail out! a statoverride for $HELPER exists; tests/deb.sh needs a machine without it"
	exit 2
fi

t_start=$(date +%s)
tmp=$(mktemp -d /tmp/as-deb.XXXXXX)
chmod 0755 "$tmp"
TAP="$tmp/deb.tap"
: >"$TAP"
owner=""

cleanup() {
	# Whatever happened, leave the machine as it was found.
	if [ -n "$owner" ]; then
		[ -x /usr/sbin/agent-admin ] && /usr/sbin/agent-admin remove "$owner" >/dev/null 2>&1
		pkill -KILL -u "$owner-agent" 2>/dev/null
		userdel --remove "$owner-agent" 2>/dev/null
		groupdel "$owner-agent" 2>/dev/null
		pkill -KILL -u "$owner" 2>/dev/null
		userdel --remove "$owner" 2>/dev/null
		rm -rf "/tmp/$owner-home"
	fi
	case "$(pkg_status)" in
	ii | rc | iU | iF | iH | rH | rU | rF)
		"${APT[@]}" purge agent-shell >/dev/null 2>&1 ;;
	esac
	if [ -n "${AS_DEB_KEEP:-}" ]; then
		echo "# kept $tmp (AS_DEB_KEEP)" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT

# --- before -------------------------------------------------------------
declare -A gid_before
for g in "${GROUPS_[@]}"; do
	gid_before[$g]=$(getent group "$g" | cut -d: -f3)
done
statoverrides_before=$(dpkg-statoverride --list | sort)
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

# --- a fresh machine and an admin's override, in an overlay -------------
install -d -m 0700 "$tmp/fresh"  # it will hold a copy of /etc/shadow
cp "$deb" "$tmp/fresh/"
unshare --mount --propagation private "$here/tests/deb.sh" \
	--in-overlay "$tmp/fresh/$(basename "$deb")" >"$tmp/fresh.out" 2>&1
while IFS= read -r line; do
	case "$line" in
	"not ok "*) fail "${line#not ok * - }" ;;
	"ok "*) pass "${line#ok * - }" ;;
	"# fresh machine: complete") ;;
	"#"*) out "$line" ;;
	*) out "# $line" ;;
	esac
done <"$tmp/fresh.out"
check "fresh machine: the scenario ran to its end" grep -qx '# fresh machine: complete' "$tmp/fresh.out"
check "fresh machine: the real machine saw none of it" test ! -e "$HELPER"

# --- install ------------------------------------------------------------
t0=$(date +%s)
chmod 0644 "$deb"
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
check "README.Debian is installed" test -f /usr/share/doc/agent-shell/README.Debian
# Everything `meson install` installs is in the package (man pages,
# completion, sudoers template... whatever the build grows).
obj=$(find "$tmp/build/src" -maxdepth 1 -type d -name 'obj-*' | head -n 1)
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
	python3 - "$obj/meson-logs/testlog.json" <<'PY' | diag
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
owner="asdeb$$"
useradd --create-home --home-dir "/tmp/$owner-home" --shell /bin/bash \
	--comment "agent-shell test" "$owner" >/dev/null
check "agent-admin add $owner" /usr/sbin/agent-admin add "$owner"
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
owner=""
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
		# Created meanwhile by another session on this machine, not by
		# the package: not ours to judge.
		pass "group $g # SKIP created by someone else during the run"
	fi
done
expect_eq "dpkg-statoverride --list is as before" "$statoverrides_before" "$(dpkg-statoverride --list | sort)"
check "no account of the run is left" sh -c "! grep -q '^asdeb$$' /etc/passwd /etc/group"
if [ -n "$src_status_before" ] || git -C "$here" rev-parse --git-dir >/dev/null 2>&1; then
	expect_eq "the source tree is untouched (git status --ignored)" "$src_status_before" \
		"$(git -C "$here" status --porcelain --ignored)"
fi

t_total=$(($(date +%s) - t_start))
out "# times: build $t_build s, install $t_install s, integration suites $t_suites s, total $t_total s"
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
