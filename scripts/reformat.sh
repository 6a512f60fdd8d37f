#!/bin/bash
# reformat: formats every C file of the tree in place with the tree's
# .clang-format -- the files tests/check-format.sh checks, with the same
# clang-format (14, Debian 12's).
#
#   scripts/reformat.sh           format them all (from any directory)
#   scripts/reformat.sh --list    print their paths, relative to the top of
#                                 the tree, each ended by a NUL byte
#
# The files are found, not listed: every .c and .h under lib, tools, pam,
# tests and bench, so a new file is covered without touching this script.
# CLANG_FORMAT names the binary (default clang-format); any version but 14
# is refused, since another formats some constructs differently and the
# check would then reject what this wrote.
#
# A commit that is only this script's output can be dropped and made again
# by running it on the merged tree (issue 16): never hand-edit such a commit.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
dirs=(lib tools pam tests bench)
cf=${CLANG_FORMAT:-clang-format}

list() {
	local d
	for d in "${dirs[@]}"; do
		if [ -d "$top/$d" ]; then
			(cd "$top" && find "$d" -type f \( -name '*.c' -o -name '*.h' \) -print0)
		fi
	done | sort -z
}

case ${1:-} in
--list)
	list
	exit 0
	;;
"") ;;
*)
	echo "usage: reformat.sh [--list]" >&2
	exit 2
	;;
esac

if ! version=$("$cf" --version 2>/dev/null); then
	echo "reformat.sh: cannot run $cf (tests/install-deps.sh installs clang-format)" >&2
	exit 1
fi
case $version in
*"clang-format version 14."*) ;;
*)
	echo "reformat.sh: $cf is not clang-format 14 ($version); .clang-format is tuned for 14" >&2
	exit 1
	;;
esac

cd "$top"
list | xargs -0 -r "$cf" -i --style=file --
