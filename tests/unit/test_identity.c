/* SPDX-License-Identifier: MIT */
/* lib/identity.c: the one identity switch.  Each switch runs in a forked
 * child (it is for good); the checks that need root skip otherwise. */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "identity.h"
#include "tap.h"

#define NOBODY 65534

struct run {
	const char *name;
	uid_t uid;
	gid_t gid;
	unsigned flags;
	bool lock_securebits; /* as_caps_clear_bounding first, as the helper */
	bool drop_root_first; /* become NOBODY by hand first: no privilege left */
	const gid_t *groups;  /* as_identity_switch_groups with these, when set */
	size_t n_groups;
};

struct result {
	int r; /* as_identity_switch's return */
	char msg[AS_ERR_MAX];
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	int ngroups;
	gid_t group0;
	gid_t group[8]; /* the first eight of getgroups, sorted by the kernel */
	bool no_caps;
};

static void skip(int n, const char *why)
{
	for (int i = 0; i < n; i++)
		printf("ok %d # skip %s\n", ++tap_n, why);
}

/* The parent's side of a child forked after pipe(PFD) that writes its
 * report, SIZE bytes, to PFD[1]: OUT read (returns 0, or -1 when the
 * child wrote none), the child reaped into *STATUS (-1 when it cannot). */
static int collect(pid_t pid, int pfd[2], void *out, size_t size, int *status)
{
	ssize_t n;

	close(pfd[1]);
	n = read(pfd[0], out, size);
	close(pfd[0]);
	if (waitpid(pid, status, 0) != pid)
		*status = -1;
	return n == (ssize_t)size ? 0 : -1;
}

/* Runs the switch in a child and reports what the child saw after it. */
static int run_switch(const struct run *run, struct result *res)
{
	int pfd[2], status;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (pipe(pfd) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct as_err err = { "" };
		gid_t groups[NGROUPS_MAX];

		close(pfd[0]);
		if (run->lock_securebits && as_caps_clear_bounding(&err) < 0)
			_exit(2);
		if (run->drop_root_first &&
		    (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
		     setresuid(NOBODY, NOBODY, NOBODY) < 0))
			_exit(3);
		if (run->groups)
			res->r = as_identity_switch_groups(run->name, run->uid, run->gid,
							   run->groups, run->n_groups, run->flags,
							   &err);
		else
			res->r = as_identity_switch(run->name, run->uid, run->gid, run->flags,
						    &err);
		snprintf(res->msg, sizeof(res->msg), "%s", err.msg);
		getresuid(&res->ru, &res->eu, &res->su);
		getresgid(&res->rg, &res->eg, &res->sg);
		res->ngroups = getgroups(NGROUPS_MAX, groups);
		res->group0 = res->ngroups > 0 ? groups[0] : (gid_t)-1;
		for (int i = 0; i < res->ngroups && i < 8; i++)
			res->group[i] = groups[i];
		res->no_caps = as_caps_none_left(false);
		_exit(write(pfd[1], res, sizeof(*res)) == (ssize_t)sizeof(*res) ? 0 : 4);
	}
	if (collect(pid, pfd, res, sizeof(*res), &status) < 0)
		res->r = 1;
	return status == 0 ? 0 : -1;
}

static void test_refuses_id_zero(void)
{
	struct as_err err = { "" };
	uid_t before = geteuid();

	is_int(as_identity_switch("x", 0, 100, 0, &err), -EINVAL, "uid 0 is refused");
	is_str(err.msg, "x: refusing to switch to uid or gid 0", "naming the account");
	is_int(as_identity_switch(NULL, 100, 0, 0, &err), -EINVAL, "gid 0 is refused");
	is_int(geteuid(), before, "and nothing changed");
}

static void test_without_privilege(void)
{
	struct run run = { .uid = NOBODY - 1,
			   .gid = NOBODY - 1,
			   .drop_root_first = geteuid() == 0 };
	struct result res;

	is_int(run_switch(&run, &res), 0, "unprivileged: the child reports");
	is_int(res.r, -EPERM, "unprivileged: the switch fails with EPERM");
	is_str(res.msg, "setresgid(65533): Operation not permitted",
	       "naming the first step that failed");
}

static void test_switch(void)
{
	struct run run = { .uid = NOBODY, .gid = NOBODY };
	struct result res;

	if (geteuid() != 0) {
		skip(5, "needs root");
		return;
	}
	is_int(run_switch(&run, &res), 0, "root: the child reports");
	is_int(res.r, 0, "root: the switch succeeds");
	ok(res.ru == NOBODY && res.eu == NOBODY && res.su == NOBODY,
	   "all three uids are the target's");
	ok(res.rg == NOBODY && res.eg == NOBODY && res.sg == NOBODY,
	   "all three gids are the target's");
	ok(res.ngroups == 1 && res.group0 == NOBODY, "without a name the groups are the gid alone");
}

static void test_switch_by_name(void)
{
	struct run run = { .name = "nobody", .uid = NOBODY, .gid = NOBODY };
	struct result res;

	if (geteuid() != 0 || !getgrgid(NOBODY)) {
		skip(2, "needs root and group 65534");
		return;
	}
	is_int(run_switch(&run, &res), 0, "by name: the child reports");
	ok(res.r == 0 && res.ngroups >= 1 && res.eu == NOBODY,
	   "by name: the switch succeeds (initgroups)");
}

/* The helper locks the securebits first (SECBIT_NO_SETUID_FIXUP): then the
 * uid change keeps every capability, and the verification must see it. */
static void test_caps_kept_by_securebits(void)
{
	struct run run = { .uid = NOBODY, .gid = NOBODY, .lock_securebits = true };
	struct result res;

	if (geteuid() != 0) {
		skip(5, "needs root");
		return;
	}
	is_int(run_switch(&run, &res), 0, "securebits: the child reports");
	is_int(res.r, -EPERM, "without DROP_CAPS the capabilities kept are caught");
	is_str(res.msg, "could regain root after the switch to uid 65534", "naming it");
	run.flags = AS_IDENTITY_DROP_CAPS;
	is_int(run_switch(&run, &res), 0, "securebits, DROP_CAPS: the child reports");
	ok(res.r == 0 && res.no_caps && res.eu == NOBODY,
	   "with DROP_CAPS the switch succeeds, no capability left");
}

/* The helper passes the groups it checked (lib/session.c) rather than
 * letting initgroups ask NSS again: a list that cannot be a group list is
 * refused before anything changes. */
static void test_groups_refused(void)
{
	static const gid_t one[] = { NOBODY };
	struct as_err err = { "" };
	uid_t before = geteuid();

	is_int(as_identity_switch_groups("x", NOBODY, NOBODY, one, 0, 0, &err), -EINVAL,
	       "groups: an empty list is refused");
	is_str(err.msg, "x: 0 supplementary groups given (1 to 65536)", "groups: naming the count");
	is_int(as_identity_switch_groups("x", NOBODY, NOBODY, NULL, 1, 0, &err), -EINVAL,
	       "groups: no list is refused");
	is_int(as_identity_switch_groups("x", NOBODY, NOBODY, one, (size_t)NGROUPS_MAX + 1, 0,
					 &err),
	       -EINVAL, "groups: more than NGROUPS_MAX is refused");
	is_str(err.msg, "x: 65537 supplementary groups given (1 to 65536)",
	       "groups: naming that count");
	is_int(as_identity_switch_groups("x", 0, NOBODY, one, 1, 0, &err), -EINVAL,
	       "groups: uid 0 is refused as by as_identity_switch");
	is_int(geteuid(), before, "groups: and nothing changed");
}

static void test_switch_groups(void)
{
	static const gid_t two[] = { 4242, NOBODY }, twice[] = { NOBODY, 4242, NOBODY };
	static const gid_t with_root[] = { NOBODY, 0 };
	struct run run = {
		.name = "nobody", .uid = NOBODY, .gid = NOBODY, .groups = two, .n_groups = 2
	};
	struct result res;

	if (geteuid() != 0) {
		skip(9, "needs root");
		return;
	}
	is_int(run_switch(&run, &res), 0, "groups: the child reports");
	is_int(res.r, 0, "groups: the switch succeeds");
	ok(res.ngroups == 2 && res.group[0] == 4242 && res.group[1] == NOBODY,
	   "groups: exactly the groups given, not the account's from NSS");
	ok(res.eu == NOBODY && res.eg == NOBODY, "groups: uid and gid are the target's");
	run.groups = twice;
	run.n_groups = 3;
	is_int(run_switch(&run, &res), 0, "groups, one repeated: the child reports");
	is_int(res.r, 0, "groups: a repeat is no mismatch");
	run.groups = with_root;
	run.n_groups = 2;
	is_int(run_switch(&run, &res), 0, "groups with 0: the child reports");
	is_int(res.r, -EPERM, "groups: group 0 in the list fails the verification");
	is_str(res.msg, "uid 65534 is in group 0 after the switch", "groups: naming it");
}

/* as_identity_child: what a child of root's is left with.  The child opens
 * fds at 5, 7, 9 and 12, keeps 12, 7 and its pipe (given out of order),
 * and reports the open fds from 3 to 63, its uids, dumpable and the
 * parent-death signal. */
struct child_report {
	unsigned long long open; /* bit N: fd 3 + N is open */
	uid_t ru, eu, su;
	int dumpable, pdeath;
};

static int run_child(pid_t parent, struct child_report *rep, int *status)
{
	int pfd[2];
	pid_t pid;

	memset(rep, 0, sizeof(*rep));
	if (pipe(pfd) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		const struct as_identity_child id = {
			.what = "test child",
			.uid = NOBODY,
			.gid = NOBODY,
			.parent = parent ? parent : getppid(),
		};
		const int opened[] = { 5, 7, 9, 12 };
		int keep[3] = { 12, 7, pfd[1] };
		int null = open("/dev/null", O_RDONLY);

		close(pfd[0]);
		for (size_t i = 0; i < AS_ARRAY_SIZE(opened); i++)
			if (dup2(null, opened[i]) < 0)
				_exit(3);
		as_identity_child(&id, keep, 3);
		for (int fd = 3; fd < 64; fd++)
			if (fcntl(fd, F_GETFD) >= 0)
				rep->open |= 1ULL << (fd - 3);
		getresuid(&rep->ru, &rep->eu, &rep->su);
		rep->dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
		prctl(PR_GET_PDEATHSIG, &rep->pdeath, 0, 0, 0);
		_exit(write(pfd[1], rep, sizeof(*rep)) == (ssize_t)sizeof(*rep) ? 0 : 4);
	}
	if (collect(pid, pfd, rep, sizeof(*rep), status) < 0)
		rep->eu = (uid_t)-1;
	return *status == -1 ? -1 : pfd[1];
}

static void test_child(void)
{
	struct child_report rep;
	int status, wfd;

	if (geteuid() != 0) {
		skip(8, "needs root");
		return;
	}
	wfd = run_child(0, &rep, &status);
	ok(wfd >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "child: it reports");
	is_int(rep.open, (1ULL << (7 - 3)) | (1ULL << (12 - 3)) | (1ULL << (wfd - 3)),
	       "child: only 0-2 and the kept fds are open (5 and 9 closed)");
	ok(rep.ru == NOBODY && rep.eu == NOBODY && rep.su == NOBODY, "child: every uid switched");
	is_int(rep.dumpable, 0, "child: not dumpable after the switch");
	is_int(rep.pdeath, SIGKILL, "child: SIGKILL when its parent dies");
	/* A parent that is not the child's: as if root ended first. */
	wfd = run_child(1, &rep, &status);
	ok(wfd >= 0 && WIFEXITED(status), "wrong parent: the child exits");
	is_int(WEXITSTATUS(status), 1, "wrong parent: with status 1");
	is_int(rep.eu, (uid_t)-1, "wrong parent: and reports nothing");
}

int main(void)
{
	test_refuses_id_zero();
	test_without_privilege();
	test_switch();
	test_switch_by_name();
	test_caps_kept_by_securebits();
	test_groups_refused();
	test_switch_groups();
	test_child();
	return tap_done();
}
