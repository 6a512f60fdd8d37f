#!/bin/bash
# check-format: every C file of the tree is as clang-format formats it with
# SRCDIR/.clang-format (a TAP script, one test per file).
#
#   check-format.sh SRCDIR
#
# The files are found, not listed: every .c and .h under lib, tools, pam,
# tests and bench.  The style is tuned for clang-format 14 (Debian 12's);
# another version formats some constructs differently, so it is refused
# rather than believed.
#
# Until the tree is reformatted once (issue 16: after the parallel C work
# is merged), the test skips unless AS_FORMAT_CHECK=1.  To see what a
# reformat changes: clang-format -i $(find lib tools pam tests bench -name
# '*.[ch]'); git diff --stat.
set -u

src=${1:?usage: check-format.sh SRCDIR}
dirs=(lib tools pam tests bench)

if [ "${AS_FORMAT_CHECK:-}" != 1 ]; then
	echo "1..0 # SKIP the tree is not reformatted yet; AS_FORMAT_CHECK=1 runs the check"
	exit 77
fi

# shellcheck source=tap.sh
. "$(dirname "$0")/tap.sh"

if ! version=$(clang-format --version 2>/dev/null); then
	echo "1..1"
	not_ok "clang-format is installed" "no clang-format in PATH (tests/install-deps.sh installs it)"
	exit 1
fi
case $version in
*"clang-format version 14."*) ;;
*)
	echo "1..1"
	not_ok "clang-format is version 14" "found: $version; .clang-format is tuned for 14 (Debian 12)"
	exit 1
	;;
esac
cd "$src" || { echo "1..0 # check-format: cannot enter $src"; exit 1; }
if [ ! -f .clang-format ]; then
	echo "1..1"
	not_ok ".clang-format exists" "no .clang-format in $src"
	exit 1
fi

files=()
for d in "${dirs[@]}"; do
	[ -d "$d" ] || continue
	while IFS= read -r -d '' f; do
		files+=("$f")
	done < <(find "$d" -type f \( -name '*.c' -o -name '*.h' \) -print0 | sort -z)
done
if [ "${#files[@]}" -eq 0 ]; then
	echo "1..1"
	not_ok "C files found" "no .c or .h file under $src (${dirs[*]})"
	exit 1
fi

echo "1..${#files[@]}"
for f in "${files[@]}"; do
	if out=$(clang-format --style=file --dry-run -Werror -- "$f" 2>&1); then
		ok "$f"
	else
		mapfile -t lines < <(printf '%s\n' "$out" | head -n 20)
		not_ok "$f" "${lines[@]}"
	fi
done
exit "$failed"
