/* SPDX-License-Identifier: MIT */
#include "identity.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "caps.h"

static int cmp_gid(const void *a, const void *b)
{
	gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;

	return x < y ? -1 : x > y;
}

/* The supplementary groups HAVE[0..NHAVE) (getgroups', sorted here in
 * place) are exactly WANT[0..NWANT): the kernel keeps setgroups' list as
 * given, repeats too, in its own order.  1 yes, 0 no, -ENOMEM. */
static int groups_are(gid_t *have, size_t nhave, const gid_t *want, size_t nwant)
{
	_cleanup_free_ gid_t *w = malloc(nwant * sizeof(*w));

	if (!w)
		return -ENOMEM;
	memcpy(w, want, nwant * sizeof(*w));
	qsort(have, nhave, sizeof(*have), cmp_gid);
	qsort(w, nwant, sizeof(*w), cmp_gid);
	return nhave == nwant && memcmp(have, w, nwant * sizeof(*w)) == 0;
}

/* The ids as they are now, against what the switch asked for; and, when
 * WANT is given, the supplementary groups against it. */
static int verify(uid_t uid, gid_t gid, const gid_t *want, size_t nwant, struct as_err *err)
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
			return as_fail(err, -EPERM, "uid %u is in group 0 after the switch",
				       (unsigned)uid);
	if (want) {
		int same = groups_are(groups, (size_t)n, want, nwant);

		if (same < 0)
			return as_fail(err, same, "out of memory");
		if (!same)
			return as_fail(err, -EPERM,
				       "the supplementary groups of uid %u are not the ones set",
				       (unsigned)uid);
	}
	/* Each would succeed with a saved id 0 or a capability left over. */
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0 || setegid(0) == 0)
		return as_fail(err, -EPERM, "could regain root after the switch to uid %u",
			       (unsigned)uid);
	return 0;
}

/* The switch itself: by NAME (initgroups) when GROUPS is NULL, else to
 * GROUPS[0..N); NAME NULL and GROUPS NULL: GID alone. */
static int switch_to(const char *name, uid_t uid, gid_t gid, const gid_t *groups, size_t n,
		     unsigned flags, struct as_err *err)
{
	int r;

	if (uid == 0 || gid == 0)
		return as_fail(err, -EINVAL, "%s: refusing to switch to uid or gid 0",
			       name ? name : "switch");
	/* Group ids first: once the uid is gone, so is CAP_SETGID. */
	if (setresgid(gid, gid, gid) < 0)
		return as_fail(err, -errno, "setresgid(%u): %s", (unsigned)gid, strerror(errno));
	if (groups && setgroups(n, groups) < 0)
		return as_fail(err, -errno, "setgroups(%s, %zu groups): %s", name ? name : "switch",
			       n, strerror(errno));
	if (!groups && name && initgroups(name, gid) < 0)
		return as_fail(err, -errno, "initgroups(%s): %s", name, strerror(errno));
	if (!groups && !name && setgroups(1, &gid) < 0)
		return as_fail(err, -errno, "setgroups(%u): %s", (unsigned)gid, strerror(errno));
	/* All three at once: no saved uid 0 to return to (setresuid(2)). */
	if (setresuid(uid, uid, uid) < 0)
		return as_fail(err, -errno, "setresuid(%u): %s", (unsigned)uid, strerror(errno));
	if (flags & AS_IDENTITY_DROP_CAPS) {
		r = as_caps_drop_all(err);
		if (r < 0)
			return r;
	}
	return verify(uid, gid, groups, n, err);
}

int as_identity_switch(const char *name, uid_t uid, gid_t gid, unsigned flags, struct as_err *err)
{
	return switch_to(name, uid, gid, NULL, 0, flags, err);
}

int as_identity_switch_groups(const char *name, uid_t uid, gid_t gid, const gid_t *groups, size_t n,
			      unsigned flags, struct as_err *err)
{
	if (!groups || n == 0 || n > NGROUPS_MAX)
		return as_fail(err, -EINVAL, "%s: %zu supplementary groups given (1 to %d)",
			       name ? name : "switch", groups ? n : 0, NGROUPS_MAX);
	return switch_to(name, uid, gid, groups, n, flags, err);
}

/* Closes every fd above 2 but those of KEEP: each gap between two kept
 * fds, lowest first. */
static int keep_only(const int *keep, size_t n)
{
	unsigned from = 3;

	for (;;) {
		unsigned next = ~0U; /* the lowest kept fd from FROM on */

		for (size_t i = 0; i < n; i++)
			if (keep[i] >= (int)from && (unsigned)keep[i] < next)
				next = (unsigned)keep[i];
		if (next > from && close_range(from, next - 1, 0) < 0)
			return -errno;
		if (next == ~0U)
			return 0;
		from = next + 1;
	}
}

void as_identity_child(const struct as_identity_child *c, const int *keep, size_t n_keep)
{
	struct as_err err = { "" };
	int r = keep_only(keep, n_keep);

	if (r < 0)
		as_fail(&err, r, "close_range: %s", strerror(-r));
	else if (c->groups)
		r = as_identity_switch_groups(c->name, c->uid, c->gid, c->groups, c->n_groups, 0,
					      &err);
	else
		r = as_identity_switch(c->name, c->uid, c->gid, 0, &err);
	if (r == 0 && (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ||
		       prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0))
		r = as_fail(&err, -errno, "prctl: %s", strerror(errno));
	if (r == 0 && getppid() != c->parent)
		r = as_fail(&err, -ESRCH, "root's process ended first");
	if (r < 0) {
		dprintf(2, "%s: %s: %s\n", program_invocation_short_name, c->what, err.msg);
		_exit(1);
	}
}
