# Shared setup for the bats suites.  Sourced with `load common`.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

# The sysconfdir of the install under test (registry, admin profiles):
# meson's rule, /etc for the prefix /usr (the Debian package, tests/deb.sh),
# else PREFIX/etc (the scratch install of tests/run.sh).
if [ -z "${AS_SYSCONFDIR:-}" ] && [ -n "${AS_PREFIX:-}" ]; then
	case "$AS_PREFIX" in
	/usr | /usr/) AS_SYSCONFDIR=/etc ;;
	*) AS_SYSCONFDIR="$AS_PREFIX/etc" ;;
	esac
fi

# The egress fence's nftables table (meson option nft_table; tests/run.sh's
# scratch installs name their own so they never replace the host's fence).
: "${AS_NFT_TABLE:=agent_shell}"

# Where the binaries under test are: the scratch install of tests/run.sh
# (AS_PREFIX), else the build directory with the source profiles.
as_locate() {
	if [ -n "${AS_PREFIX:-}" ] && [ -x "$AS_PREFIX/bin/agent-sandbox" ]; then
		AGENT_SANDBOX_BIN="$AS_PREFIX/bin/agent-sandbox"
		AS_PROFILES=""
	else
		AGENT_SANDBOX_BIN="$AS_BUILD_DIR/tools/agent-sandbox"
		AS_PROFILES="$AS_SRC_DIR/profiles"
	fi
}

# A world-readable scratch directory with copies of the binaries, so a
# throwaway user can run them wherever the checkout lives.
as_stage() {
	AS_STAGE=$(mktemp -d /tmp/as-test.XXXXXX)
	chmod 0755 "$AS_STAGE"
	install -m 0755 "$AGENT_SANDBOX_BIN" "$AS_STAGE/agent-sandbox"
	install -m 0755 "$AS_PROBE" "$AS_STAGE/probe"
	if [ -n "$AS_PROFILES" ]; then
		install -d -m 0755 "$AS_STAGE/profiles"
		install -m 0644 "$AS_PROFILES"/*.profile "$AS_STAGE/profiles/"
		AS_PROFILES="$AS_STAGE/profiles"
	fi
}

# A throwaway account with a unique prefix; removed by as_drop_user.
as_make_user() {
	local name="astu$$${1:-}"
	useradd --create-home --home-dir "/tmp/$name-home" --shell /bin/bash \
		--comment "agent-shell test" "$name" >/dev/null
	echo "$name"
}

as_drop_user() {
	local name=$1
	[ -n "$name" ] || return 0
	pkill -KILL -u "$name" 2>/dev/null || true
	userdel --remove "$name" 2>/dev/null || true
	rm -rf "/tmp/$name-home"
}

# Runs "$@" as the developer USER entering agent-shell: runuser -u, or,
# with AS_NOSUID_HELPER=1 (the sanitizer build, whose helper is installed
# without the setuid bit: a sanitized setuid program obeys the caller's
# ASAN_OPTIONS, see tools/meson.build), the ids a setuid-root exec gives:
# real uid and gids USER's, effective and saved uid 0, USER's groups.  The
# helper's exec then keeps every capability and gets AT_SECURE (euid is
# not the real uid), exactly as when setuid; its code is unchanged.  Only
# the launcher in front of it runs with euid 0 here.  A shell between
# as_caller and agent-shell drops that euid unless run with -p.
#
# as_caller_cmd USER prints the same command as words, for script -c
# (absolute paths: runuser is in /usr/sbin, off a user's PATH).
as_caller_cmd() {
	if [ -n "${AS_NOSUID_HELPER:-}" ]; then
		echo "$(command -v setpriv) --ruid=$1 --regid=$(id -g "$1") --init-groups --"
	else
		echo "$(command -v runuser) -u $1 --"
	fi
}

as_caller() {
	local user=$1
	shift
	# Word splitting intended: user names have no blanks.
	# shellcheck disable=SC2046
	$(as_caller_cmd "$user") "$@"
}
