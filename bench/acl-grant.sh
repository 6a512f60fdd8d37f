#!/bin/sh
# SPDX-License-Identifier: MIT
#
# as_acl_grant_tree() against `setfacl -R -m` on two identical copies of a
# generated tree (DIRS directories x FILES files: 100,000 files by default)
# under /var/tmp, in the same run.  Each round:
#   1. setfacl -R -m u:AGENT:rwX,d:u:AGENT:rwX,d:u:OWNER:rwX   on copy A
#   2. acl-bench grant                                         on copy B
#   3. acl-bench grant again, on the granted B, with and without
#      getxattrat(2) (hidden by a seccomp filter: the path of kernels
#      before 6.13, which cannot pre-check a file without opening it)
#   then both copies are stripped again (setfacl -R -b on A, acl-bench
#   revoke on B) for the next round.  Printed: the best wall time of each
#   step over ROUNDS (the least disturbed by other load), its ratio to
#   setfacl, and CPU seconds (user+sys) when GNU time is installed.
#   Targets: grant <= 0.70 x setfacl, re-grant <= 0.20 x setfacl.
# Root only (the trees are chowned to a throwaway owner uid; the uids need
# no accounts).  The driver is bench/acl-bench.c, built by bench/meson.build:
#
#   ACL_BENCH=build/bench/acl-bench DIRS=1000 FILES=100 ROUNDS=3 bench/acl-grant.sh
set -eu

BIN=${ACL_BENCH:-}
if [ -z "$BIN" ]; then
	for b in build/bench/acl-bench build-acl/bench/acl-bench; do
		if [ -x "$b" ]; then BIN=$b; break; fi
	done
fi
if [ -z "$BIN" ] || [ ! -x "$BIN" ]; then
	echo "acl-grant.sh: no acl-bench binary; build it and set ACL_BENCH=path" >&2
	exit 2
fi
[ "$(id -u)" = 0 ] || { echo "acl-grant.sh: needs root (chown, ACLs for other uids)" >&2; exit 2; }
command -v setfacl >/dev/null || { echo "acl-grant.sh: setfacl not installed (package acl)" >&2; exit 2; }

DIRS=${DIRS:-1000}
FILES=${FILES:-100}
ROUNDS=${ROUNDS:-3}
OWNER=${OWNER_UID:-61001}
AGENT=${AGENT_UID:-61002}
GNU_TIME=
if /usr/bin/time -f %e true >/dev/null 2>&1; then GNU_TIME=/usr/bin/time; fi

base=$(mktemp -d /var/tmp/as-acl-bench.XXXXXX)
trap 'rm -rf -- "$base"' EXIT
trap 'exit 130' INT TERM

# timed NAME CMD...: appends "wall cpu" to $base/NAME.times (wall from
# date(1) in ns; cpu = user + sys from GNU time, "-" without it)
timed() {
	name=$1
	shift
	t0=$(date +%s.%N)
	if [ -n "$GNU_TIME" ]; then
		$GNU_TIME -f '%U %S' -o "$base/t" "$@" >/dev/null
	else
		"$@" >/dev/null
		echo "- -" >"$base/t"
	fi
	t1=$(date +%s.%N)
	echo "$t0 $t1 $(cat "$base/t")" |
		awk '{ printf "%.3f %s\n", $2 - $1, $3 == "-" ? "-" : sprintf("%.2f", $3 + $4) }' \
		>>"$base/$name.times"
}
best() { sort -n "$base/$1.times" | head -n 1; }

echo "making $DIRS x $FILES files, twice, under $base ($(nproc) cpus, load $(cut -d' ' -f1 /proc/loadavg))"
mkdir "$base/a"
i=0
while [ "$i" -lt "$DIRS" ]; do
	mkdir "$base/a/d$i"
	(cd "$base/a/d$i" && seq -f 'f%g' 1 "$FILES" | xargs touch)
	i=$((i + 1))
done
chmod -R u=rwX,g=rX,o= "$base/a"
chown -R "$OWNER:$OWNER" "$base/a"
cp -a "$base/a" "$base/b"
sync

spec="u:$AGENT:rwX,d:u:$AGENT:rwX,d:u:$OWNER:rwX"
r=0
while [ "$r" -lt "$ROUNDS" ]; do
	timed setfacl setfacl -R -m "$spec" "$base/a"
	sync
	timed grant "$BIN" grant "$base/b" "$AGENT" "$OWNER"
	sync
	timed regrant "$BIN" grant "$base/b" "$AGENT" "$OWNER"
	timed regrant-old "$BIN" --no-getxattrat grant "$base/b" "$AGENT" "$OWNER"
	# The two tools agree on a file and a directory.
	for p in d0/f1 d0; do
		if [ "$(cd "$base/a" && getfacl -n "$p" 2>/dev/null)" != "$(cd "$base/b" && getfacl -n "$p" 2>/dev/null)" ]; then
			echo "acl-grant.sh: setfacl and acl grant differ on $p" >&2
			exit 1
		fi
	done
	r=$((r + 1))
	if [ "$r" -lt "$ROUNDS" ]; then
		setfacl -R -b "$base/a"
		"$BIN" revoke "$base/b" "$AGENT" "$OWNER" >/dev/null
		sync
	fi
done
check=$("$BIN" check "$base/b" "$AGENT" "$OWNER")
timed revoke "$BIN" revoke "$base/b" "$AGENT" "$OWNER"

all() { awk '{ printf "%s%s", (NR > 1 ? " " : ""), $1 }' "$base/$1.times"; }
# shellcheck disable=SC2046 # "best" prints the fields to split
set -- $(best setfacl)
s_wall=$1
echo "best of $ROUNDS rounds (all rounds, wall, in brackets)"
printf '%-26s %6ss wall %5ss cpu             [%s]\n' "setfacl -R -m (A)" "$1" "$2" "$(all setfacl)"
for step in grant regrant regrant-old revoke; do
	# shellcheck disable=SC2046 # "best" prints the fields to split
	set -- $(best $step)
	ratio=$(echo "$1 $s_wall" | awk '{ printf "%.2f", $1 / $2 }')
	case $step in
	grant) label="acl grant (B)"; target="<= 0.70" ;;
	regrant) label="acl re-grant (granted B)"; target="<= 0.20" ;;
	regrant-old) label="  same, no getxattrat"; target="" ;;
	revoke) label="acl revoke (B)"; target="" ;;
	esac
	printf '%-26s %6ss wall %5ss cpu  %4s %-7s [%s]\n' "$label" "$1" "$2" "$ratio" "$target" "$(all $step)"
done
echo "acl check on the re-granted B: $check"
