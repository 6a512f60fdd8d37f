/* SPDX-License-Identifier: MIT */
/*
 * The git step's root part (lib/gitmount.c): what root does with each
 * message of the owner's walk.  The walk runs as the owner, so root takes
 * nothing on its word: every place is opened beneath a read-write grant
 * or the agent's directory, with no symlink, no escape and no mount
 * crossed, and a message of any other shape is refused.  Needs root (it
 * mounts, in a mount namespace of its own); skipped otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gitmount.h"
#include "tap.h"

#define AGENT_UID 61234

static char base[] = "/tmp/as-gitmount-XXXXXX";

static void path(char *out, size_t len, const char *rel)
{
	snprintf(out, len, "%s/%s", base, rel);
}

static void mk(const char *rel, uid_t uid)
{
	char p[256];

	path(p, sizeof(p), rel);
	if (mkdir(p, 0755) < 0 || chown(p, uid, uid) < 0) {
		printf("Bail out! mkdir %s: %s\n", p, strerror(errno));
		exit(1);
	}
}

static void touch(const char *rel)
{
	char p[256];
	int fd;

	path(p, sizeof(p), rel);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		printf("Bail out! create %s: %s\n", p, strerror(errno));
		exit(1);
	}
	close(fd);
}

/* KIND and up to three fields, each NUL-terminated, as the walk sends them. */
static size_t msg(char *buf, char kind, const char *a, const char *b, const char *c)
{
	const char *f[3] = { a, b, c };
	size_t n = 1;

	buf[0] = kind;
	for (int i = 0; i < 3 && f[i]; i++) {
		size_t l = strlen(f[i]) + 1;

		memcpy(buf + n, f[i], l);
		n += l;
	}
	return n;
}

static struct as_git_mounts m;
static struct as_git_stats st;
static struct as_err err;

static int req(char kind, const char *a, const char *b, const char *c)
{
	char buf[1024];

	err.msg[0] = '\0';
	return as_git_mounts_request(&m, buf, msg(buf, kind, a, b, c));
}

static bool writable(const char *rel)
{
	char p[256];
	int fd;

	path(p, sizeof(p), rel);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	return fd >= 0 || errno != EROFS;
}

static bool exists(const char *rel)
{
	char p[256];
	struct stat sb;

	path(p, sizeof(p), rel);
	return lstat(p, &sb) == 0;
}

static void test_mounts(void)
{
	char g[256];

	path(g, sizeof(g), "g");
	is_int(req('S', "0", "sub", NULL), 0, "S: a directory in the grant, read-only onto itself");
	ok(!writable("g/sub/new"), "S: and it is read-only (EROFS)");
	is_int(st.mounts, 1, "S: one mount counted");
	is_int(req('S', "0", "f", NULL), 0, "S: a file in the grant");
	is_int(req('O', "0", "wt/.git/objects", "repo/owner-objects"), 0,
	       "O: the owner's objects onto a directory the agent owns");
	ok(exists("agent/repo/owner-objects/marker"),
	   "O: the agent's side shows the owner's objects");
	ok(!writable("agent/repo/owner-objects/new"), "O: read-only");
	is_int(req('R', "0", "wt/.git", "repo"), 0,
	       "R: the agent's git dir onto the work tree's .git");
	ok(exists("g/wt/.git/mine") && !exists("g/wt/.git/HEAD"), "R: .git is the agent's dir now");
	ok(exists("g/wt/.git/owner-objects/marker"), "R: carrying the owner's objects along");
	ok(writable("g/wt/.git/new"), "R: writable (the agent's)");
	(void)g;
}

static void test_refusals(void)
{
	is_int(req('S', "0", "../h/x", NULL), -EXDEV, "S: out of the grant by ..: refused");
	is_int(req('S', "0", "/etc/passwd", NULL), -EXDEV, "S: an absolute path: refused");
	is_int(req('S', "0", "link", NULL), -ELOOP, "S: a symlink in the grant: refused");
	is_int(req('S', "0", "link/passwd", NULL), -ELOOP, "S: through a symlink: refused");
	like(err.msg, "/g/link/passwd", "S: the refusal names the place");
	is_int(req('S', "0", "mnt/inside", NULL), -EXDEV,
	       "S: across a mount in the grant: refused");
	is_int(req('S', "1", "sub", NULL), -EPROTO, "S: a read-only grant: refused");
	is_int(req('S', "2", "sub", NULL), -EPROTO, "S: a grant not finished: refused");
	is_int(req('S', "4", "sub", NULL), -EPROTO, "S: no such grant: refused");
	is_int(req('S', "3", "sub", NULL), -ELOOP,
	       "S: a grant whose path now has a symlink on its way: refused");
	like(err.msg, "a symbolic link on its way", "S: says why");
	is_int(req('S', "0x", "sub", NULL), -EPROTO, "S: a grant that is no number: refused");
	is_int(req('S', "", "sub", NULL), -EPROTO, "S: an empty grant: refused");
	is_int(req('S', "-1", "sub", NULL), -EPROTO, "S: a negative grant: refused");
	like(err.msg, "named no read-write grant", "S: says why");
	is_int(req('R', "0", "wt2/.git", "notmine"), -EPERM,
	       "R: a source the agent does not own: refused");
	like(err.msg, "not a directory the agent owns", "R: says why");
	is_int(req('R', "0", "wt2/.git", "../g/sub"), -EPERM,
	       "R: a source out of the agent's dir: refused");
	is_int(req('R', "0", "wt2/.git", "alink"), -EPERM,
	       "R: a symlink in the agent's dir: refused");
	is_int(req('O', "0", "sub", "notmine"), -EPERM,
	       "O: a target the agent does not own: refused");
	is_int(req('O', "1", "sub", "repo2"), -EPROTO, "O: from a read-only grant: refused");
	ok(!exists("g/wt2/.git/mine"), "nothing was mounted by a refused request");
}

static void test_shapes(void)
{
	char buf[64];

	is_int(req('S', "0", NULL, NULL), -EPROTO, "S with one field: refused");
	is_int(req('S', "0", "sub", "x"), -EPROTO, "S with three fields: refused");
	is_int(req('R', "0", "wt/.git", NULL), -EPROTO, "R with two fields: refused");
	memcpy(buf, "S0\0sub", 6);
	is_int(as_git_mounts_request(&m, buf, 6), -EPROTO, "a field without its NUL: refused");
	is_int(as_git_mounts_request(&m, buf, 0), -EPROTO, "an empty message: refused");
	is_int(req('A', NULL, NULL, NULL), -EPROTO,
	       "A with no walk to pass the agent's side to: refused");
	is_int(req('A', "x", NULL, NULL), -EPROTO, "A with a field: refused");
	ok(m.agent < 0, "and no agent's side was started");
	is_int(req('Q', "x", NULL, NULL), -EPROTO, "an unknown kind: refused");
	like(err.msg, "does not take", "says so");
	is_int(req('N', "a note\nforged log line", NULL, NULL), -EPROTO,
	       "a note with a newline: refused");
	is_int(req('D', "\033[2Jx", NULL, NULL), -EPROTO,
	       "a line with an escape sequence: refused");
	is_int(req('N', "p: why", NULL, NULL), 0, "a note");
	ok(st.notes.n == 1 && st.skipped == 1 && !strcmp(st.notes.v[0], "p: why"),
	   "kept and counted");
	is_int(req('D', "p: renamed", NULL, NULL), 0, "a renamed entry");
	ok(st.disarmed.n == 1, "kept");
	is_int(req('V', "/g/Makefile", NULL, NULL), 0, "a file for the review");
	ok(st.review.n == 1, "kept");
	is_int(req('W', "scan failed", NULL, NULL), 0, "why the review's scan failed");
	is_str(st.review_err.msg, "scan failed", "kept");
	is_int(req('E', "the walk's reason", NULL, NULL), -EIO, "the walk's failure");
	is_str(err.msg, "the walk's reason", "is root's error, as the walk wrote it");
	is_int(req('E', "", NULL, NULL), -EIO, "a failure without a reason");
	is_str(err.msg, "the git walk failed, and did not say why", "still says something");
	is_int(req('T', "1 2 x", NULL, NULL), -EPROTO, "counts that are no numbers: refused");
	ok(!m.ended, "and the walk has not ended");
	is_int(req('T', "7 2 3", NULL, NULL), 0, "the counts");
	ok(m.ended && st.dirs == 7 && st.repos == 2 && st.readonly == 3,
	   "taken, and the walk has ended");
	is_int(req('N', "late", NULL, NULL), -EPROTO, "anything after the counts: refused");
	like(err.msg, "sent more after its counts", "says why");
	ok(st.notes.n == 1, "and not kept");
}

/* Root when its child cannot do its job: the walk refuses to start (an
 * owner with uid 0 is refused by the switch), and root says so, waits for
 * nothing, and mounts nothing. */
static void test_walk_fails(void)
{
	struct as_session s = { 0 };
	struct as_git_stats st2 = { 0 };
	struct timespec since = { 0 };
	struct as_err e = { "" };

	s.owner = (char *)"t-owner";
	s.agent = (char *)"t-agent";
	s.agent_uid = AGENT_UID;
	is_int(as_git_sweep_session(&s, &since, &st2, &e), -EIO,
	       "a walk that cannot switch: the sweep fails with EIO");
	is_str(e.msg, "the git walk (as the owner) failed (exit 1)", "naming the walk");
	ok(st2.repos == 0 && st2.notes.n == 0, "and nothing was counted or noted");
	as_git_stats_free(&st2);
}

static int child(void)
{
	char g[256], h[256], i[256], l[256], p[256], q[256];
	struct as_reg_project projects[4];
	struct as_session s = { 0 };

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		printf("Bail out! a mount namespace: %s\n", strerror(errno));
		return 1;
	}
	mk("g", 0);
	mk("g/sub", 0);
	mk("g/wt", 0);
	mk("g/wt/.git", 0);
	mk("g/wt/.git/objects", 0);
	touch("g/wt/.git/objects/marker");
	touch("g/wt/.git/HEAD");
	mk("g/wt2", 0);
	mk("g/wt2/.git", 0);
	mk("g/mnt", 0);
	touch("g/f");
	mk("h", 0);
	mk("h/x", 0);
	mk("i", 0);
	mk("agent", AGENT_UID);
	mk("agent/repo", AGENT_UID);
	mk("agent/repo/owner-objects", AGENT_UID);
	touch("agent/repo/mine");
	mk("agent/repo2", AGENT_UID);
	mk("agent/notmine", 0);
	path(p, sizeof(p), "g/link");
	path(q, sizeof(q), "agent/alink");
	path(g, sizeof(g), "g/mnt");
	if (symlink("/etc", p) < 0 || symlink("repo", q) < 0 ||
	    mount("tmpfs", g, "tmpfs", 0, "mode=0755") < 0) {
		printf("Bail out! setup: %s\n", strerror(errno));
		return 1;
	}
	mk("g/mnt/inside", 0);

	path(g, sizeof(g), "g");
	path(h, sizeof(h), "h");
	path(i, sizeof(i), "i");
	path(l, sizeof(l), "glink/sub");
	path(p, sizeof(p), "glink");
	if (symlink("g", p) < 0) {
		printf("Bail out! symlink: %s\n", strerror(errno));
		return 1;
	}
	memset(projects, 0, sizeof(projects));
	projects[0].path = g;
	projects[1].path = h;
	projects[1].read_only = true;
	projects[2].path = i;
	projects[2].state = AS_REG_GRANTING;
	projects[3].path = l;
	s.agent = (char *)"t-agent";
	s.agent_uid = AGENT_UID;
	s.reg.projects = projects;
	s.reg.n_projects = 4;
	if (as_git_mounts_init(&m, &s, &st, &err) < 0) {
		printf("Bail out! init: %s\n", err.msg);
		return 1;
	}
	path(p, sizeof(p), "agent");
	m.agentfd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);

	test_refusals();
	test_mounts();
	test_shapes();
	test_walk_fails();
	as_git_mounts_free(&m);
	as_git_stats_free(&st);
	printf("1..%d\n", tap_n);
	fflush(stdout); /* the child leaves by _exit */
	return tap_failed ? 1 : 0;
}

static int rm(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p) < 0 && errno != ENOENT ? -1 : 0;
}

int main(void)
{
	int status = 1;
	pid_t pid;

	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root (it mounts)\n");
		return 0;
	}
	if (tap_valgrind()) {
		printf("1..0 # SKIP valgrind 3.19 implements neither openat2 nor the mount API\n");
		return 0;
	}
	if (!mkdtemp(base)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(child());
	/* The mounts lived in the child's namespace: the tree is plain here. */
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		status = 1;
	nftw(base, rm, 16, FTW_DEPTH | FTW_PHYS);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
