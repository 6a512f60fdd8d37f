#!/usr/bin/env bats
# Real agent CLIs under their presets (suite 'root'): the agent installs
# Claude Code, Codex, Gemini CLI and opencode from the npm registry into
# its own home, inside agent-shell sessions, as a developer would; then
# each runs under `agent-shell -p PRESET`.  Needs the setuid install of
# tests/run.sh (AS_PREFIX), node and npm, and the npm registry; skips
# with the reason when one is missing.  docs/agents.md is the user's side
# of what is tested here.
#
# Every CLI (and node/npm) is installed at the exact version pinned in
# tests/agent-cli-versions, whose header says how a pin is raised.  A
# pinned version the registry cannot serve skips that CLI's tests with
# the reason.  The tests assert behaviour: exit status, the errno the
# sandbox gives, files written or not; never a CLI's own wording, which
# changes from release to release.
#
# The agent's npm cache is kept between runs in $AS_TEST_CACHE/npm
# (default /var/cache/agent-shell-tests): tarballs are then read from
# disk, the registry is still asked for the package metadata.
#
# AS_TEST_OFFLINE=1 skips the suite (nothing is downloaded).
# AS_TEST_USER_NODE=1 installs node 22 from the registry into the agent's
# home even when the system's node is new enough (the path a Debian 12
# machine with its own node 18 takes).  AS_TEST_AIDER=1 also installs
# aider-chat from PyPI (heavy: about 150 packages).

bats_require_minimum_version 1.5.0

load common
load session

# Node decides nothing about an address: Landlock allows or denies
# connect() by port before any packet is sent.  Prints "connected", or the
# error code (EACCES when Landlock refused).
CONNECT_JS='const [h, p] = process.argv.slice(1);
const s = require("net").connect({ host: h, port: +p, timeout: 8000 });
s.on("connect", () => { console.log("connected"); s.destroy(); });
s.on("timeout", () => { console.log("ETIMEDOUT"); s.destroy(); });
s.on("error", (e) => console.log(e.code));'

# Prints the first IPv4 address of a host, or nothing.
LOOKUP_JS='require("dns").lookup(process.argv[1], { family: 4 }, (e, a) => { if (!e) console.log(a); });'

# The pins: "PACKAGE VERSION" lines.
AS_CLI_VERSIONS="$BATS_TEST_DIRNAME/../agent-cli-versions"

# pin PACKAGE: the pinned version of PACKAGE; fails (and says so) when the
# file has no line for it.
pin() {
	local v
	v=$(awk -v p="$1" '$1 == p { print $2 }' "$AS_CLI_VERSIONS")
	if [ -z "$v" ]; then
		echo "no pinned version for $1 in $AS_CLI_VERSIONS" >&2
		return 1
	fi
	echo "$v"
}

setup_file() {
	if [ "${AS_TEST_OFFLINE:-}" = 1 ]; then
		export AS_SESSION_SKIP="AS_TEST_OFFLINE=1: the CLIs are not downloaded"
		return 0
	fi
	as_session_setup agt
	[ -z "${AS_SESSION_SKIP:-}" ] || return 0
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		export AS_SESSION_SKIP="node and npm are not installed (tests/install-deps.sh installs Debian's nodejs and npm)"
		return 0
	fi
	REGISTRY=$(npm config get registry 2>/dev/null)
	if ! timeout 60 npm ping --fetch-retries=0 --fetch-timeout=20000 >/dev/null 2>&1; then
		export AS_SESSION_SKIP="the npm registry $REGISTRY cannot be reached from this machine (npm ping failed)"
		return 0
	fi
	# Its address stands in for API hosts this machine cannot resolve
	# (a CI network that lets only some names through).
	REGISTRY_HOST=${REGISTRY#*://}
	REGISTRY_HOST=${REGISTRY_HOST%%/*}
	REGISTRY_HOST=${REGISTRY_HOST%%:*}
	REGISTRY_IP=$(node -e "$LOOKUP_JS" "$REGISTRY_HOST")
	# The agent's npm configuration, as a developer writes it: global
	# installs go to ~/.local (Debian's ~/.profile puts ~/.local/bin on
	# PATH).  A TLS-intercepting proxy's CA, where the host's npm has one,
	# is what such a developer adds too.
	local cafile
	cafile=$(npm config get cafile 2>/dev/null || true)
	{
		# shellcheck disable=SC2016 # npm expands ${HOME} in .npmrc
		echo 'prefix=${HOME}/.local'
		if [ -n "$cafile" ] && [ "$cafile" != null ] && [ "$cafile" != undefined ]; then
			echo "cafile=$cafile"
		fi
		echo 'fund=false'
		echo 'update-notifier=false'
	} >"$AHOME/.npmrc"
	chown "$AGENT:" "$AHOME/.npmrc"
	# Reuse the previous run's downloads (one rename; a concurrent run
	# simply starts cold).
	AS_TEST_CACHE=${AS_TEST_CACHE:-/var/cache/agent-shell-tests}
	if [ -d "$AS_TEST_CACHE/npm/_cacache" ] &&
		install -d -o "$AGENT" -g "$AGENT" -m 0770 "$AHOME/.npm" &&
		mv "$AS_TEST_CACHE/npm/_cacache" "$AHOME/.npm/_cacache" 2>/dev/null; then
		chown -R "$AGENT:" "$AHOME/.npm/_cacache"
	fi
	export REGISTRY REGISTRY_HOST REGISTRY_IP AS_TEST_CACHE
}

setup() {
	as_session_skip
}

teardown_file() {
	if [ -n "${AS_TEST_CACHE:-}" ] && [ -d "$AHOME/.npm/_cacache" ]; then
		install -d -m 0700 "$AS_TEST_CACHE" "$AS_TEST_CACHE/npm"
		rm -rf "$AS_TEST_CACHE/npm/_cacache"
		mv "$AHOME/.npm/_cacache" "$AS_TEST_CACHE/npm/_cacache" &&
			chown -R root:root "$AS_TEST_CACHE/npm/_cacache"
	fi
	as_session_teardown
}

# NPM_FETCH_ERRORS: npm's error codes for a registry or network that did
# not deliver (npm 9 prints "npm ERR! code X", npm 10 "npm error code X").
NPM_FETCH_ERRORS='^npm (ERR!|error) code (E404|ETARGET|ENOTFOUND|EAI_AGAIN|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|E5[0-9][0-9]|FETCH_ERROR)$'

# fetchable PACKAGE VERSION: skips the test, with the reason, when the
# registry does not serve PACKAGE@VERSION (unpublished, or unreachable).
fetchable() {
	local got
	got=$(timeout 60 npm view --fetch-retries=1 "$1@$2" version 2>&1) || true
	[ "$got" = "$2" ] || skip "$1@$2 (tests/agent-cli-versions) cannot be fetched from $REGISTRY: $(echo "$got" | grep -m1 -E 'code|ERR|error' || echo "${got:-no such version}")"
}

# install_cli PRESET PACKAGE BIN: npm install -g PACKAGE@PIN in a session
# under PRESET, as the agent; BIN must land in the agent's ~/.local/bin.
# A fetch the registry or the network failed skips, with npm's error.
install_cli() {
	local preset=$1 pkg=$2 bin=$3 t0=$SECONDS ver
	ver=$(pin "$pkg")
	fetchable "$pkg" "$ver"
	agent_sh "$preset" "npm install -g $pkg@$ver"
	echo "# $pkg@$ver: npm install took $((SECONDS - t0)) s" >&3
	if [ "$status" -ne 0 ] && echo "$output" | grep -qE "$NPM_FETCH_ERRORS"; then
		skip "npm could not fetch $pkg@$ver: $(echo "$output" | grep -m1 -E "$NPM_FETCH_ERRORS")"
	fi
	assert_success
	[ -L "$AHOME/.local/bin/$bin" ]
	assert_equal "$(stat -c %U "$AHOME/.local/lib/node_modules/$pkg/package.json")" "$AGENT"
	# Nothing of it in the owner's home or the project.
	[ ! -e "$OHOME/.npm" ]
	[ ! -e "$OHOME/.local" ]
	[ ! -e "$PROJ/node_modules" ]
}

# installed PACKAGE BIN: skips the test when the install test left no BIN
# (that test failed or skipped, and says why).
installed() {
	[ -L "$AHOME/.local/bin/$2" ] ||
		skip "$1 is not installed in the agent's home (see its install test)"
}

# version_and_help PRESET PACKAGE BIN: BIN --version succeeds and names the
# pinned version (the installed program is the pinned one); --help succeeds
# and prints something.
version_and_help() {
	local preset=$1 pkg=$2 bin=$3 ver
	ver=$(pin "$pkg")
	installed "$pkg" "$bin"
	agent_sh "$preset" "$bin --version"
	assert_success
	assert_output --partial "$ver"
	agent_sh "$preset" "$bin --help </dev/null"
	assert_success
	[ -n "$output" ]
}

# writable_dirs PRESET DIR...: the agent creates a file in each DIR (in its
# home), which must exist and be the agent's, under PRESET.
writable_dirs() {
	local preset=$1 d
	shift
	for d in "$@"; do
		[ -d "$AHOME/$d" ] || fail "$d was not created by the CLI's first run"
		assert_equal "$(stat -c %U "$AHOME/$d")" "$AGENT"
		in_session "$preset" "$PROBE" create "$AHOME/$d/agent-shell-test"
		assert_output ok
	done
}

# ports_only_granted PRESET HOST: TCP 443 to HOST is not refused by the
# sandbox; 80 and 8443 are, with EACCES, though the owner reaches them.
ports_only_granted() {
	local preset=$1 host=$2 ip
	agent_sh "$preset" "node -e '$LOOKUP_JS' $host"
	ip=$output
	if [ -z "$ip" ]; then
		echo "# $host does not resolve here: testing the ports on $REGISTRY_HOST ($REGISTRY_IP)" >&3
		ip=$REGISTRY_IP
	fi
	[ -n "$ip" ]
	agent_sh "$preset" "node -e '$CONNECT_JS' $ip 443"
	refute_output EACCES
	refute_output EPERM
	if [ "$ip" = "$REGISTRY_IP" ]; then
		assert_output connected
	fi
	for port in 80 8443; do
		agent_sh "$preset" "node -e '$CONNECT_JS' $ip $port"
		assert_output EACCES
		run runuser -u "$OWNER" -- node -e "$CONNECT_JS" "$ip" "$port"
		refute_output EACCES
	done
}

# owner_files_closed PRESET: the owner's key (0600) and a world-readable
# file in the owner's home stay unreadable, to C and to node.
owner_files_closed() {
	local preset=$1 f
	for f in "$OHOME/.ssh/id_ed25519" "$OHOME/notes.txt"; do
		in_session "$preset" "$PROBE" read "$f"
		assert_output EACCES
		agent_sh "$preset" "node -e 'try { require(\"fs\").readFileSync(process.argv[1]); console.log(\"read\"); } catch (e) { console.log(e.code); }' $f"
		assert_output EACCES
	done
	# And the owner's home takes no new file.
	in_session "$preset" "$PROBE" create "$OHOME/planted"
	assert_output EACCES
}

@test "node for the CLIs: the system's if >= 20, else node 22 from the registry in the agent's home" {
	local major
	major=$(node -p 'process.versions.node.split(".")[0]')
	if [ "$major" -ge 20 ] && [ "${AS_TEST_USER_NODE:-}" != 1 ]; then
		skip "the system's node $(node --version) is new enough (gemini-cli needs >= 20)"
	fi
	# Under the preset of the CLI that needs it: -p default does not
	# execute from the agent's home.  npm too, so that Debian's npm 9
	# (built for Debian's node 18) never runs on node 22.
	local node npm
	node=$(pin node)
	npm=$(pin npm)
	fetchable node "$node"
	fetchable npm "$npm"
	agent_sh gemini-cli "npm install -g node@$node npm@$npm"
	if [ "$status" -ne 0 ] && echo "$output" | grep -qE "$NPM_FETCH_ERRORS"; then
		skip "npm could not fetch node@$node npm@$npm: $(echo "$output" | grep -m1 -E "$NPM_FETCH_ERRORS")"
	fi
	assert_success
	agent_sh gemini-cli "command -v node npm; node --version; npm --version"
	assert_success
	assert_output "$AHOME/.local/bin/node
$AHOME/.local/bin/npm
v$node
$npm"
}

@test "claude-code installs from the npm registry into the agent's home, as the agent" {
	install_cli claude-code @anthropic-ai/claude-code claude
	# The native binary replaced the placeholder (postinstall ran).
	run file -L "$AHOME/.local/bin/claude"
	assert_output --partial ELF
}

@test "claude-code: --version and --help under -p claude-code" {
	version_and_help claude-code @anthropic-ai/claude-code claude
}

@test "claude-code: its first run writes ~/.claude and ~/.claude.json in the agent's home" {
	installed @anthropic-ai/claude-code claude
	# No credentials: it stops, with a failure, after writing its state;
	# the sandbox refused none of it.
	agent_sh claude-code "claude -p hello </dev/null"
	assert_failure
	refute_output --partial 'EACCES'
	refute_output --partial 'EPERM'
	[ -f "$AHOME/.claude.json" ]
	assert_equal "$(stat -c %U "$AHOME/.claude.json")" "$AGENT"
	writable_dirs claude-code .claude .claude/projects
}

@test "claude-code: TCP 443 is open, other ports are refused (EACCES)" {
	installed @anthropic-ai/claude-code claude
	ports_only_granted claude-code api.anthropic.com
}

@test "claude-code: the owner's files stay unreadable" {
	installed @anthropic-ai/claude-code claude
	owner_files_closed claude-code
}

@test "codex installs from the npm registry into the agent's home, as the agent" {
	install_cli codex @openai/codex codex
}

@test "codex: --version and --help under -p codex" {
	version_and_help codex @openai/codex codex
}

@test "codex: its first run writes ~/.codex and runs the helpers it links there" {
	installed @openai/codex codex
	# No credentials: "login status" fails (exit 1) after writing its state.
	agent_sh codex "codex login status </dev/null"
	assert_failure 1
	writable_dirs codex .codex .codex/tmp/arg0-linux
	# Every start links apply_patch (codex itself) into ~/.codex/tmp;
	# codex runs it from there to edit the project.
	# shellcheck disable=SC2016 # single-quoted scripts run in another shell (the agent's, a session's); the $ is theirs
	agent_sh codex 'codex --version >/dev/null &&
		set -- ~/.codex/tmp/arg0-linux/*/apply_patch &&
		"$1" "$(printf "*** Begin Patch\n*** Add File: patched.txt\n+by apply_patch\n*** End Patch\n")"'
	assert_success
	assert_equal "$(cat "$PROJ/patched.txt")" 'by apply_patch'
	assert_equal "$(stat -c %U "$PROJ/patched.txt")" "$AGENT"
	rm -f "$PROJ/patched.txt"
}

@test "codex: TCP 443 is open, other ports are refused (EACCES)" {
	installed @openai/codex codex
	ports_only_granted codex api.openai.com
}

@test "codex: the owner's files stay unreadable" {
	installed @openai/codex codex
	owner_files_closed codex
}

@test "codex: its own bubblewrap sandbox cannot nest inside agent-shell (docs/agents.md)" {
	installed @openai/codex codex
	# No user namespaces in the session (seccomp): codex must be run with
	# --sandbox danger-full-access; agent-shell is the sandbox.  Its
	# sandbox fails, and the command it was to run never runs.
	rm -f "$PROJ/bwrap-ran"
	agent_sh codex "codex sandbox linux -- /bin/sh -c 'echo ran >$PROJ/bwrap-ran'"
	assert_failure
	[ ! -e "$PROJ/bwrap-ran" ]
	# The same command outside codex's sandbox does run (the check above
	# can fail).
	agent_sh codex "/bin/sh -c 'echo ran >$PROJ/bwrap-ran'"
	assert_success
	[ -f "$PROJ/bwrap-ran" ]
	rm -f "$PROJ/bwrap-ran"
}

@test "gemini-cli installs from the npm registry into the agent's home, as the agent" {
	install_cli gemini-cli @google/gemini-cli gemini
}

@test "gemini-cli: --version and --help under -p gemini-cli" {
	version_and_help gemini-cli @google/gemini-cli gemini
}

@test "gemini-cli: its first run writes ~/.gemini in the agent's home" {
	installed @google/gemini-cli gemini
	rm -rf "$AHOME/.gemini"
	agent_sh gemini-cli "gemini --help </dev/null"
	assert_success
	writable_dirs gemini-cli .gemini
}

@test "gemini-cli: TCP 443 is open, other ports are refused (EACCES)" {
	installed @google/gemini-cli gemini
	ports_only_granted gemini-cli generativelanguage.googleapis.com
}

@test "gemini-cli: the owner's files stay unreadable" {
	installed @google/gemini-cli gemini
	owner_files_closed gemini-cli
}

@test "opencode installs from the npm registry into the agent's home, as the agent" {
	# Its postinstall runs the binary it unpacked: exec in the agent's
	# home is what -p opencode grants for it.
	install_cli opencode opencode-ai opencode
	run file -L "$AHOME/.local/bin/opencode"
	assert_output --partial ELF
}

@test "opencode: --version and --help under -p opencode" {
	version_and_help opencode opencode-ai opencode
}

@test "opencode: its first run writes its XDG dirs in the agent's home" {
	installed opencode-ai opencode
	agent_sh opencode "opencode auth list </dev/null"
	assert_success
	writable_dirs opencode .config/opencode .local/share/opencode .local/state/opencode .cache/opencode
}

@test "opencode: TCP 443 is open, other ports are refused (EACCES)" {
	installed opencode-ai opencode
	ports_only_granted opencode models.dev
}

@test "opencode: the owner's files stay unreadable" {
	installed opencode-ai opencode
	owner_files_closed opencode
}

@test "the npm cache and every CLI stay in the agent's home" {
	agent_sh claude-code "npm config get cache"
	assert_output "$AHOME/.npm"
	run find "$OHOME" "$PROJ" -user "$AGENT" -not -path "$PROJ"
	assert_output ''
}

@test "aider: Debian's python3 makes a venv in the agent's home; pip installs into it and its script runs" {
	# --system-site-packages: Debian's python3-wheel builds the package,
	# so no index is needed (aider-chat itself comes from PyPI).
	# shellcheck disable=SC2088 # the ~ expands in the agent's shell, to its home
	local venv='~/.local/share/venvs/tool'
	agent_sh aider "python3 -m venv --system-site-packages $venv && $venv/bin/pip --version"
	assert_success
	assert_output --partial "$AHOME/.local/share/venvs/tool/lib/python3"
	# A package with a console script, as aider-chat installs one.
	agent_sh aider "mkdir -p ~/src/hello && cd ~/src/hello &&
		printf 'from setuptools import setup\nsetup(name=\"hello-agent\", version=\"1.0\", py_modules=[\"hello\"], entry_points={\"console_scripts\": [\"hello-agent=hello:main\"]})\n' >setup.py &&
		printf 'def main():\n    print(\"hello from the venv\")\n' >hello.py &&
		$venv/bin/pip install --no-index --no-build-isolation --quiet . && $venv/bin/hello-agent"
	assert_success
	assert_output 'hello from the venv'
	assert_equal "$(stat -c %U "$AHOME/.local/share/venvs/tool/bin/hello-agent")" "$AGENT"
}

@test "aider: pip install aider-chat in a venv (AS_TEST_AIDER=1, needs PyPI)" {
	if [ "${AS_TEST_AIDER:-}" != 1 ]; then
		skip "heavy (about 150 packages from PyPI): set AS_TEST_AIDER=1 to run it"
	fi
	local ver why
	ver=$(pin aider-chat)
	if ! why=$(timeout 20 python3 -c 'import sys, urllib.request; urllib.request.urlopen("https://pypi.org/pypi/aider-chat/" + sys.argv[1] + "/json", timeout=15)' "$ver" 2>&1); then
		skip "aider-chat==$ver (tests/agent-cli-versions) cannot be fetched from PyPI: ${why##*$'\n'}"
	fi
	agent_sh aider "python3 -m venv ~/.local/share/aider && ~/.local/share/aider/bin/pip install --quiet aider-chat==$ver && ~/.local/share/aider/bin/aider --version"
	assert_success
	assert_output --partial "$ver"
}
