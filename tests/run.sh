#!/bin/bash
# The project's test command (README, .ci/run): installs the build and test
# dependencies from Debian, builds with warnings as errors, installs into a
# scratch prefix, and runs every test suite.  The last line it prints is
# "N passed, N failed, N skipped"; it exits non-zero when anything failed.
#
# Usage: sudo tests/run.sh [--no-deps] [--sanitize]
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

deps=1
sanitize=0
for a in "$@"; do
	case "$a" in
	--no-deps) deps=0 ;;
	--sanitize) sanitize=1 ;;
	-h|--help) sed -n '2,7p' "$0"; exit 0 ;;
	*) echo "tests/run.sh: unknown option: $a" >&2; exit 2 ;;
	esac
done

if [ "$(id -u)" -ne 0 ]; then
	echo "tests/run.sh: must run as root (integration tests create throwaway accounts); try: sudo $0" >&2
	exit 2
fi

if [ "$deps" = 1 ]; then
	"$here/tests/install-deps.sh"
fi

prefix=/opt/agent-shell-test
build=build-test
opts=(--prefix="$prefix" --sysconfdir="$prefix/etc")
if [ "$sanitize" = 1 ]; then
	build=build-asan
	opts+=(-Db_sanitize=address,undefined -Db_lundef=false)
fi
[ -d "$build/meson-info" ] && opts+=(--reconfigure)
meson setup "$build" "${opts[@]}" >/dev/null
meson compile -C "$build"

# The quickstart builds with --buildtype=release (-O3), whose extra
# warnings are errors too: compile that configuration as well.
ropts=(--buildtype=release)
[ -d build-release-check/meson-info ] && ropts+=(--reconfigure)
meson setup build-release-check "${ropts[@]}" >/dev/null
meson compile -C build-release-check >/dev/null

# The install creates agent-shell-users (the helper's group) and the suites
# agent-shell-agents; the run removes them again if it created them.
had_groups=()
for g in agent-shell-users agent-shell-agents; do
	getent group "$g" >/dev/null && had_groups+=("$g")
done
cleanup() {
	rm -rf "$prefix"
	for g in agent-shell-users agent-shell-agents; do
		case " ${had_groups[*]} " in *" $g "*) continue ;; esac
		getent group "$g" >/dev/null && groupdel "$g" 2>/dev/null || true
	done
}
trap cleanup EXIT

# A scratch prefix that throwaway users can read, owned by root.
rm -rf "$prefix"
install -d -m 0755 "$prefix"
meson install -C "$build" --quiet

status=0
AS_PREFIX="$prefix" meson test -C "$build" --print-errorlogs \
	--suite unit --suite integration --suite root || status=$?
echo
python3 "$here/tests/tap-summary.py" "$build/meson-logs/testlog.json" || status=1
exit "$status"
