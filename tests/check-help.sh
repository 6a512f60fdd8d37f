#!/bin/bash
# check-help: the calling conventions every agent-shell binary keeps
# (systemd's check-help/check-version, as a TAP script).
#
#   check-help.sh BINARY VERSION SOURCE...     a tool with --help/--version
#   check-help.sh --refuses BINARY             a program that is not called
#                                              by hand (the setuid helper)
#
# For a tool: --help exits 0, prints to stdout only, and names every long
# option of the getopt tables in SOURCE (so an option added without help
# text fails); each subcommand it lists ("  NAME SUB ...") answers
# "SUB --help" with its usage; --version prints "NAME VERSION"; an unknown
# option exits 2 with exactly one line on stderr and nothing on stdout.
# For --refuses: --help, --version and an unknown option each exit 2 with
# one line on stderr naming agent-shell(1), and nothing on stdout.
set -u

# shellcheck source=tap.sh
. "$(dirname "$0")/tap.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run ARGS...: sets rc, out (stdout) and err (stderr).
run() {
	"$bin" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

lines() {
	if [ -z "$1" ]; then echo 0; else printf '%s\n' "$1" | wc -l; fi
}

if [ "${1:-}" = --refuses ]; then
	bin=$2
	name=$(basename "$bin")
	for arg in --help --version --no-such-option; do
		run "$arg"
		if [ "$rc" -eq 2 ] && [ -z "$out" ] && [ "$(lines "$err")" -eq 1 ] &&
			[[ "$err" == *"agent-shell(1)"* ]]; then
			ok "$name $arg refuses with exit 2 and one line pointing to agent-shell(1)"
		else
			not_ok "$name $arg refuses with exit 2 and one line pointing to agent-shell(1)" \
				"exit $rc" "stdout: $out" "stderr: $err"
		fi
	done
	echo "1..$n"
	exit "$failed"
fi

bin=$1
version=$2
shift 2
name=$(basename "$bin")

run --help
if [ "$rc" -eq 0 ] && [ -n "$out" ] && [ -z "$err" ]; then
	ok "$name --help exits 0 and prints to stdout only"
else
	not_ok "$name --help exits 0 and prints to stdout only" "exit $rc" "stderr: $err"
fi
help=$out
if [[ "$help" == *"Usage: $name "* ]]; then
	ok "$name --help starts with its usage"
else
	not_ok "$name --help starts with its usage" "$(printf '%s\n' "$help" | head -1)"
fi

# Every long option in the source's getopt tables: lines such as
#   { "profile", required_argument, NULL, 'p' },
opts=$(sed -n 's/^[[:space:]]*{ "\([a-z0-9-]*\)", \(no\|required\|optional\)_argument,.*/\1/p' "$@" | sort -u)
if [ -z "$opts" ]; then
	not_ok "$name: long options found in $*" "no getopt table matched"
else
	ok "$name: $(echo "$opts" | wc -l) long options found in the source"
fi
missing=()
for o in $opts; do
	# --opt followed by something that cannot continue an option name.
	grep -qE -- "--$o([^a-z0-9-]|\$)" <<<"$help" || missing+=("--$o")
done
if [ "${#missing[@]}" -eq 0 ]; then
	ok "$name --help names every long option"
else
	not_ok "$name --help names every long option" "missing: ${missing[*]}"
fi

# Subcommands: the help lines "  NAME WORD ..." (agent-admin); each
# "NAME WORD --help" must print that command's usage, also on stdout.
subs=$(sed -n "s/^  $name \([a-z][a-z-]*\).*/\1/p" <<<"$help")
for sub in $subs; do
	run "$sub" --help
	if [ "$rc" -eq 0 ] && [[ "$out" == "Usage: $name $sub"* ]] && [ -z "$err" ]; then
		ok "$name $sub --help prints its usage"
	else
		not_ok "$name $sub --help prints its usage" "exit $rc" "stdout: $out" "stderr: $err"
	fi
done

run --version
if [ "$rc" -eq 0 ] && [ "$out" = "$name $version" ] && [ -z "$err" ]; then
	ok "$name --version prints '$name $version'"
else
	not_ok "$name --version prints '$name $version'" "exit $rc" "stdout: $out" "stderr: $err"
fi

run --no-such-option
if [ "$rc" -eq 2 ] && [ -z "$out" ] && [ "$(lines "$err")" -eq 1 ] &&
	[[ "$err" == "$name: "*"--no-such-option"* ]]; then
	ok "$name --no-such-option exits 2 with one line on stderr"
else
	not_ok "$name --no-such-option exits 2 with one line on stderr" \
		"exit $rc" "stdout: $out" "stderr: $err"
fi

echo "1..$n"
exit "$failed"
