#!/bin/bash
# The project's test command (README, .ci/run): installs the build and test
# dependencies from Debian, then, each build with warnings as errors:
#   1. the normal build: unit, integration and root suites against a setuid
#      install in a scratch prefix, and the unit suite again under valgrind;
#   2. the ASan+UBSan build: the same suites against an install whose
#      helper is not setuid (the login suite enters it with setpriv: see
#      as_caller in tests/integration/common.bash);
#   3. compiles of the release configuration the quickstart uses and of a
#      clang build with the fuzz harnesses (right after the normal build,
#      so a warning there fails fast);
#   4. the Debian package (tests/deb.sh): built, then installed, the
#      integration suites run against /usr, and purged in an isolated root
#      (overlay, mount and PID namespaces), so an install already on this
#      machine neither matters nor changes.
# The last line it prints is "N passed, N failed", summed over every stage
# (skips are counted on the line before); it exits non-zero when anything
# failed.
#
# Usage: sudo tests/run.sh [--no-deps] [--sanitize | --no-sanitize] [--no-valgrind] [--no-deb]
#        tests/run.sh --quick
#   --sanitize      only the sanitizer build      --no-sanitize  skip it
#   --no-valgrind   skip the valgrind run         --no-deb       skip the package
#   --quick         the edit-test loop, under a minute, root not needed:
#                   the normal build (build-test/), the unit tests and the
#                   bats suites that need no privileges (suite
#                   'integration'), against the build directory; no
#                   dependencies, install, sanitizers, valgrind, package,
#                   npm or extra compiles.  CI runs everything.
# AS_TEST_PREFIX (default /opt/agent-shell-test) is the scratch prefix; it
# is deleted at the end.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

deps=1
quick=0
normal=1
sanitize=1
valgrind=1
deb=1
for a in "$@"; do
	case "$a" in
	--no-deps) deps=0 ;;
	--sanitize) normal=0 sanitize=1 deb=0 ;;
	--no-sanitize) sanitize=0 ;;
	--no-valgrind) valgrind=0 ;;
	--no-deb) deb=0 ;;
	--quick) quick=1 ;;
	-h|--help) sed -n '2,30p' "$0"; exit 0 ;;
	*) echo "tests/run.sh: unknown option: $a" >&2; exit 2 ;;
	esac
done

if [ "$quick" = 1 ] && [ "$#" -gt 1 ]; then
	echo "tests/run.sh: --quick takes no other option" >&2
	exit 2
fi

if [ "$quick" = 1 ]; then
	# Nothing to install or clean up: the suites read the binaries and
	# profiles from the build directory (as_locate in
	# tests/integration/common.bash), and download nothing.
	t0=$SECONDS
	opts=()
	[ -d build-test/meson-info ] && opts+=(--reconfigure)
	meson setup build-test "${opts[@]}" >/dev/null
	meson compile -C build-test
	status=0
	env -u AS_PREFIX AS_TEST_OFFLINE=1 meson test -C build-test --print-errorlogs \
		--suite unit --suite integration || status=1
	echo
	echo "--quick: $((SECONDS - t0)) s (the full run: sudo tests/run.sh)"
	python3 "$here/tests/tap-summary.py" build-test/meson-logs/testlog.json || status=1
	exit "$status"
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "tests/run.sh: must run as root (integration tests create throwaway accounts); try: sudo $0" >&2
	exit 2
fi

prefix=${AS_TEST_PREFIX:-/opt/agent-shell-test}
case "$prefix" in
/?*) ;;
*) echo "tests/run.sh: AS_TEST_PREFIX must be an absolute path: $prefix" >&2; exit 2 ;;
esac
[ "$prefix" != / ] || { echo "tests/run.sh: AS_TEST_PREFIX must not be /" >&2; exit 2; }

# Seconds per stage, printed before the totals.
stages=()
stage_start=$SECONDS
stage_done() {
	stages+=("$(printf '%-28s %4ds' "$1" $((SECONDS - stage_start)))")
	stage_start=$SECONDS
}

if [ "$deps" = 1 ]; then
	"$here/tests/install-deps.sh"
	stage_done "dependencies"
fi

# The install creates agent-shell-users (the helper's group) and the suites
# agent-shell-agents; the run removes them again if it created them.
had_groups=()
for g in agent-shell-users agent-shell-agents; do
	getent group "$g" >/dev/null && had_groups+=("$g")
done
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	rm -rf "$prefix"
	for g in agent-shell-users agent-shell-agents; do
		case " ${had_groups[*]} " in *" $g "*) continue ;; esac
		# shellcheck disable=SC2015 # either way the group stays or goes quietly
		getent group "$g" >/dev/null && groupdel "$g" 2>/dev/null || true
	done
}
trap cleanup EXIT

status=0
logs=()

# setup BUILD [meson options...]: configure (or reconfigure) and compile.
# The scratch install's egress fence is a table of its own: its reloads
# (every agent-admin add and remove) must not replace the machine's.
setup() {
	local build=$1
	shift
	local opts=(--prefix="$prefix" --sysconfdir="$prefix/etc" -Dnft_table=agent_shell_test "$@")
	[ -d "$build/meson-info" ] && opts+=(--reconfigure)
	meson setup "$build" "${opts[@]}" >/dev/null
	meson compile -C "$build"
}

# A scratch prefix that throwaway users can read, owned by root, holding
# BUILD's install alone.
install_fresh() {
	rm -rf "$prefix"
	install -d -m 0755 "$prefix"
	meson install -C "$1" --quiet
}

# suites BUILD: unit, integration and root suites against the install.
suites() {
	AS_PREFIX="$prefix" meson test -C "$1" --print-errorlogs \
		--suite unit --suite integration --suite root || status=1
	logs+=("$1/meson-logs/testlog.json")
}

if [ "$normal" = 1 ]; then
	setup build-test
	stage_done "normal: build"
	# The quickstart builds with --buildtype=release (-O3), whose extra
	# warnings are errors too: compile that configuration as well.
	ropts=(--buildtype=release)
	[ -d build-release-check/meson-info ] && ropts+=(--reconfigure)
	meson setup build-release-check "${ropts[@]}" >/dev/null
	meson compile -C build-release-check >/dev/null
	stage_done "release: compile"
	# clang with the libFuzzer harnesses: its warnings (errors here) differ
	# from gcc's, and bench/fuzz needs this configuration to build.
	copts=(-Dfuzz=true)
	[ -d build-fuzz-check/meson-info ] && copts+=(--reconfigure)
	CC=clang meson setup build-fuzz-check "${copts[@]}" >/dev/null
	meson compile -C build-fuzz-check >/dev/null
	stage_done "clang+fuzz: compile"

	install_fresh build-test
	suites build-test
	stage_done "normal: suites"
	if [ "$valgrind" = 1 ]; then
		# Memcheck on every unit test; errors and definite or indirect
		# leaks fail it (the 'valgrind' setup in tests/meson.build).
		meson test -C build-test --setup valgrind --suite unit --no-suite scripts --print-errorlogs || status=1
		logs+=("build-test/meson-logs/testlog-valgrind.json")
		stage_done "normal: unit under valgrind"
	fi
fi

if [ "$sanitize" = 1 ]; then
	# Every program with ASan+UBSan; a finding aborts the process (see
	# tests/sanitizer/options.c), and a canary test proves it does.  The
	# helper is installed without the setuid bit (a sanitized setuid
	# program obeys the caller's ASAN_OPTIONS: tools/meson.build), but
	# with the mode that keeps everyone else out: 0750 root:agent-shell-users.
	setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dinstall_setuid=false
	stage_done "sanitize: build"
	install_fresh build-asan
	getent group agent-shell-users >/dev/null || groupadd --system agent-shell-users
	helper="$prefix/libexec/agent-shell/agent-shell-helper"
	chown root:agent-shell-users "$helper"
	chmod 0750 "$helper"
	# The agent CLIs were downloaded and run once already (normal stage).
	AS_TEST_OFFLINE=1 suites build-asan
	stage_done "sanitize: suites"
fi

if [ "$deb" = 1 ]; then
	# In an isolated root (tests/deb.sh): an agent-shell already on this
	# machine (the quickstart's, a package) is neither touched nor used.
	install -d build-test/meson-logs
	rm -f build-test/meson-logs/deb-testlog.json
	AS_TEST_OFFLINE=1 "$here/tests/deb.sh" --no-deps --testlog "$here/build-test/meson-logs/deb-testlog.json" || status=1
	# A run that ended before its results still counts as a failure.
	[ -s build-test/meson-logs/deb-testlog.json ] ||
		echo '{"name": "deb", "result": "FAIL", "stdout": ""}' >build-test/meson-logs/deb-testlog.json
	logs+=("build-test/meson-logs/deb-testlog.json")
	stage_done "debian package"
fi

echo
for l in "${logs[@]}"; do
	case "$l" in
	*valgrind*) echo "== ${l%%/*}, unit tests under valgrind" ;;
	*) echo "== ${l%%/*}" ;;
	esac
	python3 "$here/tests/tap-summary.py" "$l" || true
done
echo
echo "time per stage:"
printf '  %s\n' "${stages[@]}"
printf '  %-28s %4ds\n' "total" "$SECONDS"
echo
total=$(python3 "$here/tests/tap-summary.py" "${logs[@]}") || status=1
echo "${total##*$'\n'}"
exit "$status"
