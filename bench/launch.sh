#!/bin/bash
# Launch latency of /bin/true, in one hyperfine run so the numbers compare:
# bare, agent-sandbox -p default, setpriv --reuid, bwrap --unshare-all,
# firejail --noprofile, and (when provisioned) agent-shell end to end
# against runuser -u AGENT.  Prints medians and ratios to bare.
#
# Usage: sudo bench/launch.sh [BUILD_DIR] [OWNER]
#   BUILD_DIR  a build whose tools/agent-sandbox to time (default: build)
#   OWNER      a provisioned developer whose agent-shell to time (optional;
#              needs the installed setuid helper)
set -euo pipefail

build=${1:-build}
owner=${2:-}
here=$(cd "$(dirname "$0")/.." && pwd)
sandbox="$here/$build/tools/agent-sandbox"

need=()
for p in hyperfine:hyperfine bwrap:bubblewrap firejail:firejail; do
	command -v "${p%%:*}" >/dev/null || need+=("${p#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
	apt-get install -y -qq "${need[@]}" >/dev/null
fi
[ -x "$sandbox" ] || { echo "bench/launch.sh: $sandbox not built" >&2; exit 2; }

# The sandbox copy must be reachable by the unprivileged uid below.
stage=$(mktemp -d /tmp/as-bench.XXXXXX)
trap 'rm -rf "$stage"' EXIT
chmod 0755 "$stage"
install -m 0755 "$sandbox" "$stage/agent-sandbox"
install -d -m 0755 "$stage/profiles"
install -m 0644 "$here"/profiles/*.profile "$stage/profiles/"

cmds=(
	-n bare '/bin/true'
	-n agent-sandbox "env AGENT_SANDBOX_PROFILE_PATH=$stage/profiles $stage/agent-sandbox -p default -- /bin/true"
	-n setpriv 'setpriv --reuid=65534 --regid=65534 --init-groups /bin/true'
	-n bwrap 'bwrap --unshare-all --ro-bind / / /bin/true'
	-n firejail 'firejail --quiet --noprofile /bin/true'
)
if [ -n "$owner" ]; then
	agent=$(getent passwd "$owner-agent" | cut -d: -f1)
	proj=$(sed -n 's/^path = //p' /etc/agent-shell/agents.d/"$owner".conf 2>/dev/null | head -1)
	if [ -n "$agent" ] && [ -n "$proj" ]; then
		cmds+=(-n runuser "runuser -u $agent -- /bin/true")
		cmds+=(-n agent-shell "runuser -u $owner -- agent-shell -C $proj -- /bin/true")
		cmds+=(-n runuser-owner-baseline "runuser -u $owner -- /bin/true")
	fi
fi

out="$stage/result.json"
hyperfine -N --warmup 20 --runs 300 --export-json "$out" "${cmds[@]}" >/dev/null 2>&1 ||
	hyperfine --warmup 20 --runs 300 --export-json "$out" "${cmds[@]}" >/dev/null
python3 - "$out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
base = next(x for x in r if x["command"] == "bare")["median"]
print(f"{'command':24s} {'median ms':>10s} {'x bare':>8s} {'+ms':>8s}")
for x in r:
    m = x["median"]
    print(f"{x['command']:24s} {m*1000:10.2f} {m/base:8.1f} {(m-base)*1000:8.2f}")
PY
