#!/bin/bash
# Quickstart: installs the dependencies, builds and installs agent-shell,
# provisions an agent account for the user who ran sudo, grants it a demo
# project, and shows in one screen what the agent can and cannot do.
# Idempotent: run it again and it converges to the same state.
#
# Usage: sudo scripts/quickstart.sh
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
	echo "quickstart: run it with sudo, as the developer who will use agent-shell: sudo $0" >&2
	exit 2
fi
owner=${SUDO_USER:-}
if [ -z "$owner" ] || [ "$owner" = root ]; then
	echo "quickstart: run it with sudo from your own account (SUDO_USER is '${owner:-unset}'); root gets no agent" >&2
	exit 2
fi
home=$(getent passwd "$owner" | cut -d: -f6)

say "Installing build dependencies (apt-get)"
"$here/tests/install-deps.sh"

say "Building and installing into /usr/local (config in /etc)"
cd "$here"
opts=(--prefix=/usr/local --sysconfdir=/etc --buildtype=release)
[ -d build-release/meson-info ] && opts+=(--reconfigure)
meson setup build-release "${opts[@]}" >/dev/null
meson compile -C build-release >/dev/null
meson install -C build-release --quiet

say "Provisioning ${owner}-agent for ${owner}"
agent-admin add "$owner"
demo="$home/agent-shell-demo"
if [ ! -d "$demo" ]; then
	install -d -o "$owner" -g "$(id -gn "$owner")" -m 0755 "$demo"
	printf 'Hello from the demo project.\n' >"$demo/README"
	chown "$owner:" "$demo/README"
fi
agent-admin grant "$owner" "$demo"

say "What the agent sees (agent-shell, as ${owner})"
runuser -u "$owner" -- agent-shell -C "$demo" -- /bin/bash -c "
check() { if why=\$( { eval \"\$2\"; } 2>&1 >/dev/null ); then echo \"  allowed: \$1\"; else echo \"  denied:  \$1 (\${why##*: })\"; fi; }
echo \"running as \$(id -un) in \$(pwd)\"
check \"read the project README\" \"cat README\"
check \"write in the project\" \"echo agent >> agent-was-here\"
check \"list your home ~${owner}\" \"ls $home\"
check \"read ~${owner}/.ssh\" \"ls $home/.ssh\"
check \"open ~${owner}/.bashrc for writing\" \": >> $home/.bashrc\"
check \"connect to TCP port 25\" \"exec 3<>/dev/tcp/127.0.0.1/25\"
check \"become root with su\" \"su -c true root </dev/null\"
"

say "Done"
echo "Open a sandboxed shell in the demo project:  cd $demo && agent-shell"
echo "Run a command there:                        agent-shell -C $demo -- ls -la"
echo "See the whole policy:                       agent-shell -C $demo --explain"
echo "(Log in again, or run 'newgrp agent-shell-users', to pick up the new group.)"
