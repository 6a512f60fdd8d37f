#!/bin/bash
# check-shell: shellcheck(1) finds nothing in any shell script of the tree
# (a TAP script, one test per file).
#
#   check-shell.sh SRCDIR
#
# The scripts are found, not listed, so a new one is checked without
# touching this file: every regular file directly in the directories below
# that is a .sh, .bash or .bats file or starts with a shell's "#!".  .bats
# files are checked with --shell=bats, sourced .bash files (no "#!") with
# --shell=bash; the rest by their "#!".  Settings are in SRCDIR/.shellcheckrc
# (follow "source" relative to the script).  A finding that is deliberate
# is silenced where it is, with "# shellcheck disable=SCxxxx # why".
# Without shellcheck the test fails and says so: it never passes vacuously.
set -u

src=${1:?usage: check-shell.sh SRCDIR}
dirs=(.ci bench scripts tools debian completion tests tests/integration tests/escape)

# shellcheck source=tap.sh
. "$(dirname "$0")/tap.sh"

if ! command -v shellcheck >/dev/null 2>&1; then
	echo "1..1"
	not_ok "shellcheck is installed" "no shellcheck in PATH (tests/install-deps.sh installs it)"
	exit 1
fi
cd "$src" || { echo "1..0 # check-shell: cannot enter $src"; exit 1; }

# shell_of FILE: the --shell to give shellcheck ("" for its "#!"), or
# "no" when FILE is not a shell script.
shell_of() {
	local first
	case $1 in
	*.bats) echo bats; return ;;
	*.bash | *.bash.in) echo bash; return ;;
	esac
	IFS= read -r first <"$1" || first=
	case $first in
	'#!'*/bash* | '#!'*/sh | '#!'*/sh' '* | '#!'*'env bash'*) echo "" ;;
	*) case $1 in *.sh) echo "" ;; *) echo no ;; esac ;;
	esac
}

files=()
shells=()
for d in "${dirs[@]}"; do
	[ -d "$d" ] || continue
	for f in "$d"/* "$d"/.[!.]*; do
		[ -f "$f" ] || continue
		s=$(shell_of "$f")
		[ "$s" = no ] && continue
		files+=("$f")
		shells+=("$s")
	done
done

if [ "${#files[@]}" -eq 0 ]; then
	echo "1..1"
	not_ok "shell scripts found" "no shell script under $src (${dirs[*]})"
	exit 1
fi

echo "1..${#files[@]}"
for i in "${!files[@]}"; do
	f=${files[$i]}
	args=(--format=gcc)
	[ -n "${shells[$i]}" ] && args+=(--shell="${shells[$i]}")
	if out=$(shellcheck "${args[@]}" -- "$f" 2>&1); then
		ok "$f"
	else
		mapfile -t lines <<<"$out"
		not_ok "$f" "${lines[@]}"
	fi
done
exit "$failed"
