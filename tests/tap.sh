# shellcheck shell=bash disable=SC2034 # failed is read by the scripts that source this file
# TAP output for the check-*.sh scripts (sourced): ok NAME, and
# not_ok NAME [LINE...] with each LINE as a "# " diagnostic.  n counts the
# tests (print "1..$n" at the end), failed is 1 once any failed.
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1))
	failed=1
	echo "not ok $n - $1"
	shift
	for l in "$@"; do printf '# %s\n' "$l"; done
}
