/* SPDX-License-Identifier: MIT */
#include "identity.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "caps.h"

/* The ids as they are now, against what the switch asked for. */
static int verify(uid_t uid, gid_t gid, struct as_err *err)
{
	gid_t groups[NGROUPS_MAX];
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	int n;

	if (getresuid(&ru, &eu, &su) < 0)
		return as_fail(err, -errno, "getresuid: %s", strerror(errno));
	if (ru != uid || eu != uid || su != uid)
		return as_fail(err, -EPERM, "uid switch did not take: %u/%u/%u", (unsigned)ru,
			       (unsigned)eu, (unsigned)su);
	if (getresgid(&rg, &eg, &sg) < 0)
		return as_fail(err, -errno, "getresgid: %s", strerror(errno));
	if (rg != gid || eg != gid || sg != gid)
		return as_fail(err, -EPERM, "gid switch did not take: %u/%u/%u", (unsigned)rg,
			       (unsigned)eg, (unsigned)sg);
	n = getgroups(NGROUPS_MAX, groups);
	if (n < 0)
		return as_fail(err, -errno, "getgroups: %s", strerror(errno));
	for (int i = 0; i < n; i++)
		if (groups[i] == 0)
			return as_fail(err, -EPERM, "uid %u is in group 0 after the switch", (unsigned)uid);
	/* Each would succeed with a saved id 0 or a capability left over. */
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0 || setegid(0) == 0)
		return as_fail(err, -EPERM, "could regain root after the switch to uid %u", (unsigned)uid);
	return 0;
}

int as_identity_switch(const char *name, uid_t uid, gid_t gid, unsigned flags,
		       struct as_err *err)
{
	int r;

	if (uid == 0 || gid == 0)
		return as_fail(err, -EINVAL, "%s: refusing to switch to uid or gid 0", name ? name : "switch");
	/* Group ids first: once the uid is gone, so is CAP_SETGID. */
	if (setresgid(gid, gid, gid) < 0)
		return as_fail(err, -errno, "setresgid(%u): %s", (unsigned)gid, strerror(errno));
	if (name && initgroups(name, gid) < 0)
		return as_fail(err, -errno, "initgroups(%s): %s", name, strerror(errno));
	if (!name && setgroups(1, &gid) < 0)
		return as_fail(err, -errno, "setgroups(%u): %s", (unsigned)gid, strerror(errno));
	/* All three at once: no saved uid 0 to return to (setresuid(2)). */
	if (setresuid(uid, uid, uid) < 0)
		return as_fail(err, -errno, "setresuid(%u): %s", (unsigned)uid, strerror(errno));
	if (flags & AS_IDENTITY_DROP_CAPS) {
		r = as_caps_drop_all(err);
		if (r < 0)
			return r;
	}
	return verify(uid, gid, err);
}
