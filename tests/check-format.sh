#!/bin/bash
# check-format: every C file of the tree is as clang-format formats it with
# SRCDIR/.clang-format (a TAP script, one test per file).
#
#   check-format.sh SRCDIR
#
# The files are the ones scripts/reformat.sh formats (its --list): every .c
# and .h under lib, tools, pam, tests and bench, found, not listed.  The
# style is tuned for clang-format 14 (Debian 12's); another version formats
# some constructs differently, so it is refused rather than believed.
# CLANG_FORMAT names the binary (default clang-format).  Without it the
# test fails and says so: it never passes vacuously, and its first test is
# that a misformatted canary is caught.  To fix what it reports:
# scripts/reformat.sh, then read the diff.
set -u

src=${1:?usage: check-format.sh SRCDIR}
cf=${CLANG_FORMAT:-clang-format}

# shellcheck source=tap.sh
. "$(dirname "$0")/tap.sh"

if ! version=$("$cf" --version 2>/dev/null); then
	echo "1..1"
	not_ok "clang-format is installed" "cannot run $cf (tests/install-deps.sh installs clang-format)"
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
while IFS= read -r -d '' f; do
	files+=("$f")
done < <(scripts/reformat.sh --list)
if [ "${#files[@]}" -eq 0 ]; then
	echo "1..1"
	not_ok "C files found" "no .c or .h file under $src (scripts/reformat.sh --list)"
	exit 1
fi

echo "1..$((${#files[@]} + 1))"
# The canary: spaces for tabs, a brace on the wrong line, no space after
# "if".  Were --dry-run -Werror ever to stop failing on a difference,
# every file below would pass; this test would not.
canary=$'int f(int x) {\n    if(x) return 1;\n    return 0;\n}\n'
if printf '%s' "$canary" |
	"$cf" --style=file --assume-filename=lib/canary.c --dry-run -Werror >/dev/null 2>&1; then
	not_ok "a misformatted canary is reported" "clang-format --dry-run -Werror accepted it"
else
	ok "a misformatted canary is reported"
fi
for f in "${files[@]}"; do
	if out=$("$cf" --style=file --dry-run -Werror -- "$f" 2>&1); then
		ok "$f"
	else
		mapfile -t lines < <(printf '%s\n' "$out" | head -n 20)
		not_ok "$f" "${lines[@]}" "(scripts/reformat.sh formats it)"
	fi
done
exit "$failed"
