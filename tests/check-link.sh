#!/bin/bash
# check-link: the privileged programs carry no code they never call
# (issue 16; HACKING.md, "The privileged link set").  A TAP script.
#
#   check-link.sh KIND BINARY [KIND BINARY ...]
#
# KIND is one of
#   helper    the setuid helper: no provisioning code (the command
#             runner as_run, account creation, the registry writer)
#   pam       pam_agent_shell.so: no provisioning code, no ACL walker,
#             no profile parser, no seccomp (ours or libseccomp's)
#   sandbox   agent-sandbox: no provisioning code, no ACL walker
#   root-objects  the lib/ archive: the objects the helper's root part
#             calls (session.o, identity.o, caps.o, gitmeta.o, gitmount.o, review.o,
#             relay.o, nftcheck.o) and every object they pull in from the
#             archive include no profile parser, seccomp, Landlock or
#             sandbox stage: those run in the command's process after the
#             identity switch (session-stage.o), which the helper still
#             links for that process, so its binary's symbols cannot tell
#
# The symbols are read with nm from the unstripped build, local ones
# included, so a function linked in but never called is found too.  Each
# binary must also show a symbol it is known to need: a stripped or
# empty symbol table fails instead of passing for want of symbols.
set -u

# shellcheck source=tap.sh
. "$(dirname "$0")/tap.sh"

# Provisioning code: lib/account.c (as_run spawns useradd & co;
# as_uid_min is account creation's), lib/registry-write.c.
provisioning='as_run|as_uid_min|as_registry_(format|save|delete|intent_set|intent_get|intent_clear)'
# The ACL module: lib/acl-rules.c (as_aclv_*, as_acl_rule_*, as_acl_may),
# lib/acl-object.c (as_acl_obj_*, traverse, group shut-out) and
# lib/acl-walk.c (the walker).
acl='as_aclv?_[a-z_]+'
# The profile parser (lib/profile.c); as_profile_name_valid is a name
# check (lib/names.c) and allowed.
profile='as_profile_(load|load_file|parse_string|free|init)'
seccomp='[a-z_]*seccomp_[a-z_]+'

# check NAME BINARY NEEDED CLASS REGEX: no symbol matches REGEX (one test
# line per forbidden class), and the table has symbol NEEDED.
check() {
	local what=$1 bin=$2 need=$3 class=$4 re=$5 syms hits
	if ! syms=$(nm "$bin" 2>&1 | awk 'NF >= 2 { print $NF }'); then
		not_ok "$what: nm reads $bin" "$syms"
		return
	fi
	if ! grep -qxE "$need" <<<"$syms"; then
		not_ok "$what: $class: symbol table has $need" "no symbol '$need' in $bin (stripped?)"
		return
	fi
	hits=$(grep -xE "($re)(@.*)?" <<<"$syms" | sort -u | tr '\n' ' ')
	if [ -n "$hits" ]; then
		not_ok "$what links no $class" "found: $hits"
	else
		ok "$what links no $class"
	fi
}

# not_needed NAME BINARY LIBRARY: the dynamic section does not name LIBRARY.
not_needed() {
	local what=$1 bin=$2 lib=$3 dyn
	if ! dyn=$(readelf -d "$bin" 2>&1); then
		not_ok "$what: readelf reads $bin" "$dyn"
		return
	fi
	if ! grep -q 'NEEDED.*\[libc\.so' <<<"$dyn"; then
		not_ok "$what: dynamic section lists libc" "no NEEDED libc in $bin"
	elif grep -q "NEEDED.*\[$lib" <<<"$dyn"; then
		not_ok "$what does not load $lib" \
			"needs: $(grep NEEDED <<<"$dyn" | awk '{ print $NF }' | tr '\n' ' ')"
	else
		ok "$what does not load $lib"
	fi
}

# The archive members the helper's code before the switch calls into.
root_members='session.c.o identity.c.o caps.c.o gitmeta.c.o gitmount.c.o review.c.o relay.c.o nftcheck.c.o'
# What only the command's process, after the switch, may use.
after_switch='profile.c.o seccomp.c.o landlock.c.o sandbox.c.o session-stage.c.o'

# root_objects ARCHIVE: the closure of root_members over the archive
# (an undefined symbol pulls in the member that defines it, as the
# linker does) holds none of after_switch.
root_objects() {
	local ar=$1 table defs closure todo m sym owner
	if ! table=$(nm -A "$ar" 2>&1); then
		not_ok "root-objects: nm reads $ar" "$table"
		return
	fi
	# "MEMBER U SYM" and "MEMBER D SYM" lines, the member's basename.
	table=$(awk '{ split($1, p, ":"); n = split(p[2], q, "/"); m = q[n];
		if ($2 == "U") print m, "U", $3; else if (NF >= 3 && $2 ~ /^[TDRB]$/) print m, "D", $3 }' <<<"$table")
	for m in $root_members; do
		if ! grep -q "^$m " <<<"$table"; then
			not_ok "root-objects: $ar has $m" "no member $m (renamed? update check-link.sh)"
			return
		fi
	done
	defs=$(awk '$2 == "D" { print $3, $1 }' <<<"$table")
	closure=" $root_members "
	todo=$root_members
	while [ -n "$todo" ]; do
		m=${todo%% *}
		if [ "$m" = "$todo" ]; then todo=; else todo=${todo#* }; fi
		while read -r sym; do
			owner=$(awk -v s="$sym" '$1 == s { print $2; exit }' <<<"$defs")
			if [ -n "$owner" ] && [[ $closure != *" $owner "* ]]; then
				closure+="$owner "
				todo=${todo:+$todo }$owner
			fi
		done < <(awk -v m="$m" '$1 == m && $2 == "U" { print $3 }' <<<"$table")
	done
	local hits=
	for m in $after_switch; do
		[[ $closure == *" $m "* ]] && hits+="$m "
	done
	if [ -n "$hits" ]; then
		not_ok "root-objects: the helper's root part pulls in no profile parser, seccomp or sandbox stage" \
			"found: $hits(closure:$closure)"
	else
		ok "root-objects: the helper's root part pulls in no profile parser, seccomp or sandbox stage"
	fi
}

if [ $# -eq 0 ] || [ $(($# % 2)) -ne 0 ]; then
	echo "usage: check-link.sh KIND BINARY [KIND BINARY ...]" >&2
	exit 2
fi
if ! command -v nm >/dev/null || ! command -v readelf >/dev/null; then
	echo "Bail out! nm and readelf (binutils) are needed"
	exit 1
fi

while [ $# -gt 0 ]; do
	kind=$1 bin=$2
	shift 2
	if [ ! -f "$bin" ]; then
		not_ok "$kind: $bin exists"
		continue
	fi
	case $kind in
	helper)
		check helper "$bin" main 'provisioning code' "$provisioning"
		;;
	pam)
		check pam "$bin" pam_sm_authenticate 'provisioning code' "$provisioning"
		check pam "$bin" pam_sm_authenticate 'ACL walker' "$acl"
		check pam "$bin" pam_sm_authenticate 'profile parser' "$profile"
		check pam "$bin" pam_sm_authenticate 'seccomp code' "$seccomp"
		not_needed pam "$bin" libseccomp
		not_needed pam "$bin" libacl
		;;
	sandbox)
		check sandbox "$bin" main 'provisioning code' "$provisioning"
		check sandbox "$bin" main 'ACL walker' "$acl"
		;;
	root-objects)
		root_objects "$bin"
		;;
	*)
		echo "check-link.sh: unknown kind '$kind'" >&2
		exit 2
		;;
	esac
done
echo "1..$n"
exit "$failed"
