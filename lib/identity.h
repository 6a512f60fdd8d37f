/* SPDX-License-Identifier: MIT */
/*
 * The identity switch, written once.  The helper's command process, the
 * git step's child (lib/gitmeta.c), agent-admin's admin_become and the
 * escape suite's driver all become an account here, so a fix to the order
 * of a privilege drop is made in one place.
 */
#ifndef AS_IDENTITY_H
#define AS_IDENTITY_H

#include <sys/types.h>

#include "common.h"

/* as_identity_switch flags. */
enum {
	/* Also clear every capability after the uid change and verify it
	 * (as_caps_drop_all): needed where securebits keep them across the
	 * change (as_caps_clear_bounding sets SECBIT_NO_SETUID_FIXUP). */
	AS_IDENTITY_DROP_CAPS = 1 << 0,
};

/*
 * Switches the calling process for good to UID and GID, in the order of
 * capng_change_id(3): supplementary groups and gids while CAP_SETGID is
 * still held (setresgid, then initgroups(NAME) for the account's groups,
 * or GID alone when NAME is NULL), then all three uids at once, so no
 * saved uid 0 is left to return to; then the capabilities (FLAGS).  Then
 * trusts nothing: every uid and gid is read back, no supplementary group
 * may be 0, and setuid(0), seteuid(0), setgid(0) and setegid(0) must fail.
 * UID or GID 0 is refused.  Returns 0, or -errno with err naming the step;
 * on failure the process may be half switched: the caller must exit,
 * never continue.
 */
int as_identity_switch(const char *name, uid_t uid, gid_t gid, unsigned flags, struct as_err *err);

/*
 * as_identity_switch with the supplementary groups given rather than asked
 * of NSS: setgroups(N, GROUPS) in place of initgroups, for a caller that
 * has resolved and checked the account's groups already (the helper: the
 * list lib/session.c checked for privileged groups is the list applied, and
 * NSS is not walked a second time).  NAME only names the account in
 * messages.  Verified as as_identity_switch does, and getgroups(2) must then
 * hold exactly the groups of GROUPS.  N 0, or above NGROUPS_MAX, is
 * refused (-EINVAL): GROUPS holds at least the account's own gid.
 */
int as_identity_switch_groups(const char *name, uid_t uid, gid_t gid, const gid_t *groups, size_t n,
			      unsigned flags, struct as_err *err);

/*
 * The start every child root forks to do one job with less is made of (the
 * git step's two, lib/gitmount.c; the session's relay, lib/relay.c;
 * agent-admin check's exposure probe, tools/admin-exposure.c): every
 * fd closed but 0-2 and the N_KEEP of KEEP (in any order), the
 * switch for good (as_identity_switch_groups when GROUPS is given, else
 * as_identity_switch; no capability flags), then not dumpable again (a uid
 * change sets that from fs.suid_dumpable), SIGKILL when the parent dies,
 * and PARENT still the parent (it may have died before the prctl).  On any
 * failure it writes "PROGRAM: WHAT: why" to fd 2 and _exits 1: the
 * line after the call runs as UID, or not at all.
 */
struct as_identity_child {
	const char *what; /* the child's job, for the message */
	const char *name; /* the account; NULL with GROUPS NULL: GID alone */
	uid_t uid;
	gid_t gid;
	const gid_t *groups; /* NULL: initgroups(NAME), or GID alone */
	size_t n_groups;
	pid_t parent;
};
void as_identity_child(const struct as_identity_child *c, const int *keep, size_t n_keep);

#endif
