#!/bin/bash
# check-man: every man page passes mandoc's linter at level "warning"
# (errors and warnings fail; style hints and Xr targets that are not
# installed here do not), and has the sections every page must have.
# TAP, one test per page.  Usage: check-man.sh PAGE...
set -u

required=(NAME SYNOPSIS DESCRIPTION OPTIONS FILES "EXIT STATUS" EXAMPLES "SEE ALSO")
n=0
failed=0
if ! command -v mandoc >/dev/null; then
	echo "not ok 1 - mandoc is not installed (apt-get install mandoc; see tests/install-deps.sh)"
	echo "1..1"
	exit 1
fi
for page in "$@"; do
	n=$((n + 1))
	name=$(basename "$page")
	problems=()
	if ! lint=$(mandoc -Tlint -W warning "$page" 2>&1); then
		while IFS= read -r l; do problems+=("$l"); done <<<"$lint"
	fi
	for s in "${required[@]}"; do
		grep -qx "\.Sh $s" "$page" || problems+=("missing section: $s")
	done
	if [ "${#problems[@]}" -eq 0 ]; then
		echo "ok $n - $name: mandoc -Tlint clean, all sections present"
	else
		failed=1
		echo "not ok $n - $name"
		printf '# %s\n' "${problems[@]}"
	fi
done
echo "1..$n"
exit "$failed"
