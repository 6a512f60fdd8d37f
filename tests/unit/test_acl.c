/* SPDX-License-Identifier: MIT */
/*
 * lib/acl-*.c: the acl(5) access check (pure), then the tree walker on real
 * fixture trees.  Fixtures belong to a throwaway owner uid and are granted
 * to a throwaway agent uid; no accounts are needed, but chown and the
 * setuid children need root, so those checks are skipped otherwise.
 */
#include <acl/libacl.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/acl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "acl.h"
#include "tap.h"

#define OWNER 60001
#define AGENT 60002
#define OTHER 60003

static bool is_root;

static void skip(int n, const char *why)
{
	for (int i = 0; i < n; i++)
		printf("ok %d # skip %s\n", ++tap_n, why);
}

/* ------------------------------------------------------- helpers */

/* "user::rw-,user:60002:rw-,...": numeric ids, comma separated, so the
 * expected strings do not depend on /etc/passwd. */
static char *acl_str(const char *path, acl_type_t type)
{
	acl_t acl = acl_get_file(path, type);
	char *t, *s;

	if (!acl)
		return strdup("(error)");
	t = acl_to_any_text(acl, NULL, ',', TEXT_NUMERIC_IDS);
	acl_free(acl);
	s = strdup(t ? t : "(error)");
	acl_free(t);
	return s;
}

static char *acl_str_at(const char *root, const char *rel, acl_type_t type)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	return acl_str(p, type);
}

#define is_acl(root, rel, type, want, ...)              \
	do {                                            \
		char *s_ = acl_str_at(root, rel, type); \
		is_str(s_, want, __VA_ARGS__);          \
		free(s_);                               \
	} while (0)

/* Everything revoke must give back: mode, owner, access and default ACL. */
static void snapshot(const char *path, char *buf, size_t len)
{
	struct stat sb;
	char *a = NULL, *d = NULL;

	if (lstat(path, &sb) < 0) {
		snprintf(buf, len, "missing");
		return;
	}
	if (!S_ISLNK(sb.st_mode)) {
		a = acl_str(path, ACL_TYPE_ACCESS);
		d = S_ISDIR(sb.st_mode) ? acl_str(path, ACL_TYPE_DEFAULT) : strdup("");
	}
	snprintf(buf, len, "mode=%o uid=%u gid=%u access=%s default=%s", (unsigned int)sb.st_mode,
		 (unsigned int)sb.st_uid, (unsigned int)sb.st_gid, a ? a : "-", d ? d : "-");
	free(a);
	free(d);
}

static void xmkdir(const char *root, const char *rel, mode_t mode)
{
	char p[PATH_MAX];

	if (snprintf(p, sizeof(p), "%s/%s", root, rel) >= (int)sizeof(p)) {
		printf("# mkdir %s/%s: path too long\n", root, rel);
		return;
	}
	if (mkdir(p, mode) < 0 || chmod(p, mode) < 0)
		printf("# mkdir %s: %s\n", p, strerror(errno));
}

static void xfile(const char *root, const char *rel, mode_t mode)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0 || write(fd, "data\n", 5) != 5 || fchmod(fd, mode) < 0)
		printf("# create %s: %s\n", p, strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void run(const char *cmd)
{
	if (system(cmd) != 0)
		printf("# command failed: %s\n", cmd);
}

static void rm_rf(const char *path)
{
	char cmd[PATH_MAX + 32];

	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", path);
	run(cmd);
}

static void chown_tree(const char *path, uid_t uid)
{
	char cmd[PATH_MAX + 64];

	snprintf(cmd, sizeof(cmd), "chown -hR %u:%u -- '%s'", (unsigned int)uid, (unsigned int)uid,
		 path);
	run(cmd);
}

/* Runs FN as UID:UID (no supplementary groups) with umask 007, the way a
 * session runs; returns its exit status, or -1. */
static int as_user(uid_t uid, int (*fn)(const char *), const char *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setgid(uid) < 0 || setuid(uid) < 0)
			_exit(99);
		umask(007);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int can_rw(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return errno == EACCES ? 1 : 2;
	close(fd);
	return 0;
}

static int create_0660(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0660);

	if (fd < 0)
		return 1;
	close(fd);
	return 0;
}

static int can_search(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? 0 : 1;
}

/* ------------------------------------------- the access check (pure) */

static void test_access_check(void)
{
	const unsigned int X = ACL_EXECUTE, RW = ACL_READ | ACL_WRITE;

	is_int(as_acl_may("u::rwx,g::---,o::---", OWNER, OWNER, AGENT, AGENT, X), 0,
	       "access check: a 0700 directory is not searchable by another user");
	is_int(as_acl_may("u::rwx,g::---,o::---", OWNER, OWNER, OWNER, OWNER, X), 1,
	       "access check: the owner class uses the owner entry");
	is_int(as_acl_may("u::rwx,u:60002:--x,g::---,m::--x,o::---", OWNER, OWNER, AGENT, AGENT, X),
	       1, "access check: a named user entry grants search");
	is_int(as_acl_may("u::rwx,u:60002:rwx,g::---,m::--x,o::---", OWNER, OWNER, AGENT, AGENT,
			  RW),
	       0, "access check: the mask limits a named user entry");
	is_int(as_acl_may("u::rwx,u:60002:--x,g::---,m::---,o::rwx", OWNER, OWNER, AGENT, AGENT, X),
	       0, "access check: a matching named entry wins over other, even when masked out");
	is_int(as_acl_may("u::rwx,g::r-x,o::---", OWNER, AGENT, AGENT, AGENT, X), 1,
	       "access check: the owning group class");
	is_int(as_acl_may("u::rwx,g::---,o::r-x", OWNER, AGENT, AGENT, AGENT, X), 0,
	       "access check: a matching group that denies does not fall through to other");
	is_int(as_acl_may("u::rwx,g::r--,g:60002:-w-,m::rwx,o::---", OWNER, OWNER, AGENT, AGENT,
			  RW),
	       0, "access check: one group entry must hold all requested rights");
	is_int(as_acl_may("u::rwx,g::---,g:60002:rw-,m::rw-,o::---", OWNER, OWNER, AGENT, AGENT,
			  RW),
	       1, "access check: a named group entry through the mask");
	is_int(as_acl_may("u::rwx,g::---,o::--x", OWNER, OWNER, AGENT, AGENT, X), 1,
	       "access check: the other class");
	is_int(as_acl_may("this is not an acl", OWNER, OWNER, AGENT, AGENT, X), -EINVAL,
	       "access check: unparsable text is EINVAL");
}

/* --------------------------------------------- refusals (any user) */

static void test_refusals(void)
{
	char dir[] = "/tmp/as-acl-ref-XXXXXX";
	struct as_acl_stats st;
	struct as_err err = { "" };
	char p[PATH_MAX], q[PATH_MAX];
	int r;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	is_int(as_acl_grant_tree("/", AGENT, OWNER, false, &st, &err), -EINVAL, "grant: refuses /");
	snprintf(p, sizeof(p), "%s/../%s", dir, dir + 5);
	is_int(as_acl_grant_tree(p, AGENT, OWNER, false, &st, &err), -EINVAL,
	       "grant: refuses a path with ..");
	like(err.msg, "not a canonical absolute path", "grant: says the path is not canonical");
	is_int(as_acl_grant_tree("tmp", AGENT, OWNER, false, &st, &err), -EINVAL,
	       "grant: refuses a relative path");
	is_int(as_acl_grant_tree(dir, OWNER, OWNER, false, &st, &err), -EINVAL,
	       "grant: refuses an agent that is the owner");
	is_int(as_acl_grant_tree(dir, 0, OWNER, false, &st, &err), -EINVAL,
	       "grant: refuses root as the agent");

	xmkdir(dir, "real", 0750);
	snprintf(p, sizeof(p), "%s/link", dir);
	ok(symlink("real", p) == 0, "make a symlink to a directory");
	is_int(as_acl_grant_tree(p, AGENT, OWNER, false, &st, &err), -ELOOP,
	       "grant: refuses a DIR that is a symlink");
	like(err.msg, "refusing to follow", "grant: names the symlink");
	snprintf(q, sizeof(q), "%s/link/sub", dir);
	xmkdir(dir, "real/sub", 0750);
	is_int(as_acl_grant_tree(q, AGENT, OWNER, false, &st, &err), -ELOOP,
	       "grant: refuses a DIR below a symlinked ancestor");
	is_acl(dir, "real/sub", ACL_TYPE_ACCESS, "user::rwx,group::r-x,other::---",
	       "grant: nothing written through the symlinked ancestor");

	/* AS_ACL_MAX_DEPTH + 1 levels below the root, owned by OWNER (the
	 * grant leaves other users' inodes alone): chown needs root. */
	if (!is_root) {
		skip(3, "needs root");
		rm_rf(dir);
		return;
	}
	snprintf(p, sizeof(p), "%s/deep", dir);
	ok(mkdir(p, 0700) == 0, "make the root of a deep tree");
	{
		size_t len = strlen(p);

		for (int i = 0; i <= AS_ACL_MAX_DEPTH && len + 3 < sizeof(p); i++) {
			memcpy(p + len, "/d", 3);
			len += 2;
			if (mkdir(p, 0700) < 0)
				break;
		}
	}
	snprintf(p, sizeof(p), "%s/deep", dir);
	chown_tree(p, OWNER);
	r = as_acl_grant_tree(p, AGENT, OWNER, false, &st, &err);
	is_int(r, -ELOOP, "grant: refuses a tree deeper than AS_ACL_MAX_DEPTH");
	like(err.msg, "directory levels below", "grant: says the tree is too deep");
	rm_rf(dir);
}

/* ---------------------------------------------- the fixture tree */

struct fixture {
	char top[32];     /* mkdtemp, 0711 so the uids can reach proj */
	char proj[64];    /* the granted tree, owned by OWNER */
	char outside[64]; /* a file outside, target of a symlink inside */
};

static const char *const tracked[] = {
	"proj",      "proj/file",      "proj/exec.sh",
	"proj/sub",  "proj/sub/deep",  "proj/sub/deep/secret",
	"proj/hard", "proj/fifo",      "proj/link",
	"outside",   "outside/secret",
};

static bool fixture_make(struct fixture *f)
{
	char p[PATH_MAX], q[PATH_MAX];

	snprintf(f->top, sizeof(f->top), "/tmp/as-acl-XXXXXX");
	if (!mkdtemp(f->top))
		return false;
	chmod(f->top, 0711);
	snprintf(f->proj, sizeof(f->proj), "%s/proj", f->top);
	snprintf(f->outside, sizeof(f->outside), "%s/outside", f->top);
	xmkdir(f->top, "proj", 0750);
	xfile(f->top, "proj/file", 0640);
	xfile(f->top, "proj/exec.sh", 0750);
	xmkdir(f->top, "proj/sub", 0750);
	xmkdir(f->top, "proj/sub/deep", 0700);
	xfile(f->top, "proj/sub/deep/secret", 0600);
	xmkdir(f->top, "outside", 0700);
	xfile(f->top, "outside/secret", 0600);
	snprintf(p, sizeof(p), "%s/proj/file", f->top);
	snprintf(q, sizeof(q), "%s/proj/hard", f->top);
	if (link(p, q) < 0)
		return false;
	snprintf(p, sizeof(p), "%s/proj/fifo", f->top);
	if (mkfifo(p, 0640) < 0)
		return false;
	snprintf(p, sizeof(p), "%s/proj/link", f->top);
	if (symlink("../outside/secret", p) < 0)
		return false;
	chown_tree(f->proj, OWNER);
	return true;
}

static void snapshot_all(const struct fixture *f, char snap[][1024])
{
	char p[PATH_MAX];

	for (size_t i = 0; i < AS_ARRAY_SIZE(tracked); i++) {
		snprintf(p, sizeof(p), "%s/%s", f->top, tracked[i]);
		snapshot(p, snap[i], 1024);
	}
}

static void test_grant_revoke(void)
{
	static char before[AS_ARRAY_SIZE(tracked)][1024], after[AS_ARRAY_SIZE(tracked)][1024];
	struct as_acl_stats st;
	struct as_acl_report rep;
	struct as_err err = { "" };
	struct fixture f;
	char p[PATH_MAX], q[PATH_MAX];
	int r, same;

	if (!is_root) {
		skip(40, "needs root");
		return;
	}
	if (!ok(fixture_make(&f),
		"fixture: a tree with files, dirs, a hardlink, a fifo and a symlink out"))
		return;
	snapshot_all(&f, before);

	snprintf(p, sizeof(p), "%s/file", f.proj);
	is_int(as_user(AGENT, can_rw, p), 1,
	       "before grant: the agent cannot open the owner's file");

	r = as_acl_grant_tree(f.proj, AGENT, OWNER, false, &st, &err);
	is_int(r, 0, "grant: succeeds");
	if (r)
		printf("# %s\n", err.msg);
	is_int(st.visited, 7, "grant: visits the directories and regular files (hardlink twice)");
	is_int(st.skipped, 2, "grant: skips the symlink and the fifo");
	is_int(st.vanished, 0, "grant: nothing vanished");

	is_acl(f.top, "proj/file", ACL_TYPE_ACCESS,
	       "user::rw-,user:60002:rw-,group::r--,mask::rw-,other::---",
	       "grant: a plain file gets u:AGENT:rw- and a mask that lets it through");
	is_acl(f.top, "proj/exec.sh", ACL_TYPE_ACCESS,
	       "user::rwx,user:60002:rwx,group::r-x,mask::rwx,other::---",
	       "grant: an executable file gets x too (X)");
	is_acl(f.top, "proj/sub/deep/secret", ACL_TYPE_ACCESS,
	       "user::rw-,user:60002:rw-,group::---,mask::rw-,other::---",
	       "grant: a 0600 file below a 0700 directory");
	is_acl(f.top, "proj/sub", ACL_TYPE_ACCESS,
	       "user::rwx,user:60002:rwx,group::r-x,mask::rwx,other::---",
	       "grant: a directory's access ACL");
	is_acl(f.top, "proj/sub", ACL_TYPE_DEFAULT,
	       "user::rwx,user:60001:rwx,user:60002:rwx,group::r-x,mask::rwx,other::---",
	       "grant: a directory's default ACL (base entries from its mode)");
	is_acl(f.top, "proj/sub/deep", ACL_TYPE_DEFAULT,
	       "user::rwx,user:60001:rwx,user:60002:rwx,group::---,mask::rwx,other::---",
	       "grant: a 0700 directory's default ACL");
	same = 1;
	snapshot_all(&f, after);
	for (size_t i = 0; i < AS_ARRAY_SIZE(tracked); i++)
		if (strncmp(tracked[i], "outside", 7) == 0 ||
		    strcmp(tracked[i], "proj/fifo") == 0 || strcmp(tracked[i], "proj/link") == 0)
			if (strcmp(before[i], after[i]) != 0) {
				printf("# %s: %s -> %s\n", tracked[i], before[i], after[i]);
				same = 0;
			}
	ok(same, "grant: the symlink's target outside, the symlink and the fifo are untouched");

	is_int(as_user(AGENT, can_rw, p), 0,
	       "after grant: the agent can open the owner's file read-write");
	snprintf(q, sizeof(q), "%s/sub/by-agent", f.proj);
	is_int(as_user(AGENT, create_0660, q), 0,
	       "after grant: the agent creates a file (0660, umask 007)");
	is_int(as_user(OWNER, can_rw, q), 0, "the owner can open the agent's new file read-write");
	snprintf(q, sizeof(q), "%s/sub/by-owner", f.proj);
	is_int(as_user(OWNER, create_0660, q), 0, "the owner creates a file (0660, umask 007)");
	is_acl(f.top, "proj/sub/by-owner", ACL_TYPE_ACCESS,
	       "user::rw-,user:60001:rwx,user:60002:rwx,group::r-x,mask::rw-,other::---",
	       "a new file inherits the entries, the mask from the mode (effective u:60002:rw-)");
	is_int(as_user(AGENT, can_rw, q), 0, "the agent can open the owner's new file read-write");

	r = as_acl_grant_tree(f.proj, AGENT, OWNER, false, &st, &err);
	is_int(r, 0, "re-grant: succeeds");
	is_int(st.changed, 0, "re-grant: writes nothing on a granted tree (new files included)");
	is_int(st.unchanged, 9, "re-grant: every object counted as already right");

	r = as_acl_check_tree(f.proj, AGENT, OWNER, false, &rep, &err);
	is_int(r, 0, "check: succeeds");
	ok(rep.missing == 0 && rep.narrow_mask == 0 && rep.missing_default == 0,
	   "check: a granted tree has no problem");

	/* chmod on a file with an ACL sets the mask (acl(5)): 0600 hides the
	 * agent's entry. */
	snprintf(p, sizeof(p), "%s/exec.sh", f.proj);
	ok(chmod(p, 0700) == 0, "chmod 0700 a granted file");
	snprintf(q, sizeof(q), "%s/plain", f.proj);
	xfile(f.proj, "plain", 0640);
	{
		acl_t acl = acl_from_mode(0640);

		ok(acl && acl_set_file(q, ACL_TYPE_ACCESS, acl) == 0,
		   "a new file stripped of its ACL");
		acl_free(acl);
	}
	xmkdir(f.proj, "nodefault", 0770);
	snprintf(q, sizeof(q), "%s/nodefault", f.proj);
	ok(acl_delete_def_file(q) == 0, "a new directory stripped of its default ACL");
	/* Made by root here; in a real project the owner made them. */
	ok(lchown(q, OWNER, OWNER) == 0, "the new directory belongs to the owner");
	snprintf(q, sizeof(q), "%s/plain", f.proj);
	ok(lchown(q, OWNER, OWNER) == 0, "the new file belongs to the owner");
	{
		char *s0 = acl_str_at(f.proj, "exec.sh", ACL_TYPE_ACCESS);
		char *s1;

		r = as_acl_check_tree(f.proj, AGENT, OWNER, false, &rep, &err);
		s1 = acl_str_at(f.proj, "exec.sh", ACL_TYPE_ACCESS);
		is_int(r, 0, "check: succeeds on a damaged tree");
		is_int(rep.narrow_mask, 1, "check: finds the mask narrowed by chmod");
		is_int(rep.missing, 1, "check: finds the file without the agent entry");
		is_int(rep.missing_default, 1,
		       "check: finds the directory without default entries");
		ok(rep.example[0] && strstr(rep.example, f.proj) == rep.example && rep.problem,
		   "check: names an offending path and the problem (%s: %s)", rep.example,
		   rep.problem ? rep.problem : "");
		is_str(s1, s0, "check: reads only");
		free(s0);
		free(s1);
	}
	r = as_acl_grant_tree(f.proj, AGENT, OWNER, false, &st, &err);
	is_int(st.changed, 3, "re-grant: repairs exactly the three damaged ACLs");
	r = as_acl_check_tree(f.proj, AGENT, OWNER, false, &rep, &err);
	ok(r == 0 && rep.missing + rep.narrow_mask + rep.missing_default == 0,
	   "check: the repaired tree has no problem");

	/* Revoke: what the tree had before grant, exactly. */
	ok(chmod(p, 0750) == 0, "chmod the file back to its first mode");
	snprintf(q, sizeof(q),
		 "rm -rf -- '%s/plain' '%s/nodefault' '%s/sub/by-agent' '%s/sub/by-owner'", f.proj,
		 f.proj, f.proj, f.proj);
	run(q);
	r = as_acl_revoke_tree(f.proj, AGENT, OWNER, &st, &err);
	is_int(r, 0, "revoke: succeeds");
	snapshot_all(&f, after);
	same = 1;
	for (size_t i = 0; i < AS_ARRAY_SIZE(tracked); i++)
		if (strcmp(before[i], after[i]) != 0) {
			printf("# %s:\n#   before %s\n#   after  %s\n", tracked[i], before[i],
			       after[i]);
			same = 0;
		}
	ok(same, "revoke: every entry has its mode and ACLs from before the grant");
	r = as_acl_revoke_tree(f.proj, AGENT, OWNER, &st, &err);
	ok(r == 0 && st.changed == 0, "revoke again: nothing left to do");
	snprintf(p, sizeof(p), "%s/file", f.proj);
	is_int(as_user(AGENT, can_rw, p), 1,
	       "after revoke: the agent cannot open the owner's file");

	rm_rf(f.top);
}

static void test_read_only_and_partial(void)
{
	struct as_acl_stats st;
	struct as_err err = { "" };
	struct fixture f;
	char p[PATH_MAX];
	int r;

	if (!is_root) {
		skip(7, "needs root");
		return;
	}
	if (!ok(fixture_make(&f), "fixture for a read-only grant"))
		return;
	r = as_acl_grant_tree(f.proj, AGENT, OWNER, true, &st, &err);
	is_int(r, 0, "read-only grant: succeeds");
	is_acl(f.top, "proj/file", ACL_TYPE_ACCESS,
	       "user::rw-,user:60002:r--,group::r--,mask::r--,other::---",
	       "read-only grant: u:AGENT:r-- on a file, mask no wider than needed");
	is_acl(f.top, "proj/sub", ACL_TYPE_DEFAULT,
	       "user::rwx,user:60001:rwx,user:60002:r-x,group::r-x,mask::rwx,other::---",
	       "read-only grant: d:u:AGENT:r-x, the owner keeps rwx");
	snprintf(p, sizeof(p), "%s/file", f.proj);
	is_int(as_user(AGENT, can_rw, p), 1, "read-only grant: the agent cannot open for writing");

	/* A partially revoked tree: some objects already clean. */
	snprintf(p, sizeof(p), "%s/sub", f.proj);
	{
		acl_t acl = acl_from_mode(0750);

		acl_set_file(p, ACL_TYPE_ACCESS, acl);
		acl_free(acl);
		acl_delete_def_file(p);
	}
	r = as_acl_revoke_tree(f.proj, AGENT, OWNER, &st, &err);
	is_int(r, 0, "revoke: tolerates a partially granted tree");
	is_acl(f.top, "proj/file", ACL_TYPE_ACCESS, "user::rw-,group::r--,other::---",
	       "revoke: a file is back to its minimal ACL");
	rm_rf(f.top);
}

/* ----------------------------------------------- traverse (--x) */

static void test_traverse(void)
{
	struct as_strv added = { 0 };
	struct as_err err = { "" };
	char top[] = "/tmp/as-acl-tr-XXXXXX";
	char a[PATH_MAX], b[PATH_MAX], l[PATH_MAX], snap0[2][1024], snap1[2][1024];
	struct stat sb;
	int r;

	if (!is_root) {
		skip(13, "needs root");
		return;
	}
	if (!mkdtemp(top)) {
		ok(0, "mkdtemp");
		return;
	}
	chmod(top, 0700);
	snprintf(a, sizeof(a), "%s/a", top);
	snprintf(b, sizeof(b), "%s/a/b", top);
	mkdir(a, 0700);
	mkdir(b, 0700);
	chmod(b, 0777); /* the granted dir itself is not our business */
	snapshot(top, snap0[0], sizeof(snap0[0]));
	snapshot(a, snap0[1], sizeof(snap0[1]));
	is_int(as_user(AGENT, can_search, b), 1,
	       "traverse: the agent cannot reach a/b under 0700 dirs");

	r = as_acl_grant_traverse(b, AGENT, AGENT, &added, &err);
	is_int(r, 0, "grant_traverse: succeeds");
	is_int(added.n, 2, "grant_traverse: adds entries on the two 0700 ancestors only");
	if (added.n == 2) {
		is_str(added.v[0], top, "grant_traverse: top first");
		is_str(added.v[1], a, "grant_traverse: then a");
	} else {
		skip(2, "wrong count");
	}
	is_acl(a, "", ACL_TYPE_ACCESS, "user::rwx,user:60002:--x,group::---,mask::--x,other::---",
	       "grant_traverse: u:AGENT:--x and a mask with x, nothing else");
	is_int(as_user(AGENT, can_search, b), 0, "grant_traverse: the agent can now reach a/b");
	ok(stat(a, &sb) == 0 && as_user(OTHER, can_search, b) == 1,
	   "grant_traverse: another user still cannot");

	for (size_t i = 0; i < added.n; i++) {
		r = as_acl_revoke_traverse(added.v[i], AGENT, &err);
		if (r)
			printf("# %s\n", err.msg);
	}
	snapshot(top, snap1[0], sizeof(snap1[0]));
	snapshot(a, snap1[1], sizeof(snap1[1]));
	ok(strcmp(snap0[0], snap1[0]) == 0 && strcmp(snap0[1], snap1[1]) == 0,
	   "revoke_traverse: both ancestors exactly as before");
	as_strv_free(&added);

	snprintf(l, sizeof(l), "%s/l", top);
	ok(symlink("a", l) == 0, "make a symlink to a");
	snprintf(l, sizeof(l), "%s/l/b", top);
	is_int(as_acl_grant_traverse(l, AGENT, AGENT, &added, &err), -ELOOP,
	       "grant_traverse: refuses a symlinked ancestor");
	snapshot(top, snap1[0], sizeof(snap1[0]));
	ok(added.n == 0 && strcmp(snap0[0], snap1[0]) == 0,
	   "grant_traverse: and changes nothing before refusing");
	snprintf(l, sizeof(l), "%s/gone", top);
	is_int(as_acl_revoke_traverse(l, AGENT, &err), 0,
	       "revoke_traverse: a vanished path is fine");
	as_strv_free(&added);
	rm_rf(top);
}

/* ------------------------------ without getxattrat(2) (before 6.13) */

enum {
	NOX_GRANT = 1 << 0,
	NOX_REGRANT = 1 << 1,
	NOX_CHECK = 1 << 2,
	NOX_REVOKE = 1 << 3,
};

/* In a child whose seccomp filter makes getxattrat ENOSYS, as on an older
 * kernel: the walker must take the open-and-fstat path for every file. */
static int without_getxattrat(const struct fixture *f)
{
	static char before[AS_ARRAY_SIZE(tracked)][1024], after[AS_ARRAY_SIZE(tracked)][1024];
	struct as_acl_stats st;
	struct as_acl_report rep;
	struct as_err err = { "" };
	/* getxattrat is 464 on every architecture with the unified table. */
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 464, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { AS_ARRAY_SIZE(insns), insns };
	char p[PATH_MAX];
	int fail = 0;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		return 0xff;
	snapshot_all(f, before);
	if (as_acl_grant_tree(f->proj, AGENT, OWNER, false, &st, &err) < 0 || st.changed != 9)
		fail |= NOX_GRANT;
	if (as_acl_grant_tree(f->proj, AGENT, OWNER, false, &st, &err) < 0 || st.changed != 0 ||
	    st.unchanged != 7)
		fail |= NOX_REGRANT;
	snprintf(p, sizeof(p), "%s/file", f->proj);
	if (chmod(p, 0600) < 0 || as_acl_check_tree(f->proj, AGENT, OWNER, false, &rep, &err) < 0 ||
	    rep.narrow_mask != 2 || rep.missing != 0 || chmod(p, 0640) < 0)
		fail |= NOX_CHECK;
	if (as_acl_revoke_tree(f->proj, AGENT, OWNER, &st, &err) < 0)
		fail |= NOX_REVOKE;
	snapshot_all(f, after);
	for (size_t i = 0; i < AS_ARRAY_SIZE(tracked); i++)
		if (strcmp(before[i], after[i]) != 0)
			fail |= NOX_REVOKE;
	return fail;
}

static void test_without_getxattrat(void)
{
	struct fixture f;
	int status, fail;
	pid_t pid;

	if (!is_root) {
		skip(5, "needs root");
		return;
	}
	if (!ok(fixture_make(&f), "fixture for the path without getxattrat"))
		return;
	pid = fork();
	if (pid == 0)
		_exit(without_getxattrat(&f));
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		fail = 0xff;
	else
		fail = WEXITSTATUS(status);
	ok(!(fail & NOX_GRANT),
	   "without getxattrat: grant writes the 9 ACLs (4 files, access and default on 3 dirs)");
	ok(!(fail & NOX_REGRANT), "without getxattrat: re-grant writes nothing");
	ok(!(fail & NOX_CHECK),
	   "without getxattrat: check finds the mask narrowed by chmod (file and its hardlink)");
	ok(!(fail & NOX_REVOKE), "without getxattrat: revoke restores modes and ACLs exactly");
	rm_rf(f.top);
}

/* ------------------------------------- a tree changing under the walk */

struct swapper {
	char dir[PATH_MAX]; /* proj/swap: a real directory, or a symlink */
	char aside[PATH_MAX];
	char target[PATH_MAX]; /* scratch directory outside */
	int stop;              /* atomics */
	unsigned long swaps;
};

static void *swap_loop(void *arg)
{
	struct swapper *s = arg;

	while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
		const char *to = (s->swaps & 1) ? "/etc" : s->target;

		if (rename(s->dir, s->aside) == 0) {
			if (symlink(to, s->dir) == 0) {
				sched_yield();
				unlink(s->dir);
			}
			rename(s->aside, s->dir);
		}
		s->swaps++;
	}
	return NULL;
}

static void test_mutation(void)
{
	static struct swapper s;
	struct as_acl_stats st;
	struct as_err err = { "" };
	char top[] = "/tmp/as-acl-mut-XXXXXX";
	char etc0[2][4096], etc1[2][4096], scr0[2][1024], scr1[2][1024], p[PATH_MAX + 16];
	pthread_t th;
	int failures = 0;

	if (!is_root) {
		skip(3, "needs root");
		return;
	}
	if (!mkdtemp(top)) {
		ok(0, "mkdtemp");
		return;
	}
	xmkdir(top, "proj", 0750);
	xmkdir(top, "proj/swap", 0750);
	for (int i = 0; i < 50; i++) {
		snprintf(p, sizeof(p), "proj/swap/f%d", i);
		xfile(top, p, 0640);
		snprintf(p, sizeof(p), "proj/d%d", i);
		xmkdir(top, p, 0750);
	}
	xmkdir(top, "scratch", 0750);
	xfile(top, "scratch/f", 0640);
	snprintf(p, sizeof(p), "%s/proj", top);
	chown_tree(p, OWNER);
	snprintf(s.dir, sizeof(s.dir), "%s/proj/swap", top);
	snprintf(s.aside, sizeof(s.aside), "%s/proj/.swap-aside", top);
	snprintf(s.target, sizeof(s.target), "%s/scratch", top);
	snapshot("/etc", etc0[0], sizeof(etc0[0]));
	snapshot("/etc/hostname", etc0[1], sizeof(etc0[1]));
	snapshot(s.target, scr0[0], sizeof(scr0[0]));
	snprintf(p, sizeof(p), "%s/f", s.target);
	snapshot(p, scr0[1], sizeof(scr0[1]));

	__atomic_store_n(&s.stop, 0, __ATOMIC_RELAXED);
	if (pthread_create(&th, NULL, swap_loop, &s) != 0) {
		ok(0, "start the swapping thread");
		return;
	}
	snprintf(p, sizeof(p), "%s/proj", top);
	for (int i = 0; i < 60; i++) {
		if (as_acl_grant_tree(p, AGENT, OWNER, false, &st, &err) < 0) {
			printf("# %s\n", err.msg);
			failures++;
		}
		if (as_acl_revoke_tree(p, AGENT, OWNER, &st, &err) < 0) {
			printf("# %s\n", err.msg);
			failures++;
		}
	}
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	printf("# %lu swaps\n", s.swaps);

	is_int(failures, 0,
	       "mutation: grant and revoke succeed while a subdirectory keeps being swapped for a symlink");
	snapshot("/etc", etc1[0], sizeof(etc1[0]));
	snapshot("/etc/hostname", etc1[1], sizeof(etc1[1]));
	ok(strcmp(etc0[0], etc1[0]) == 0 && strcmp(etc0[1], etc1[1]) == 0 &&
		   !strstr(etc1[0], "60002"),
	   "mutation: /etc and /etc/hostname untouched");
	snapshot(s.target, scr1[0], sizeof(scr1[0]));
	snprintf(p, sizeof(p), "%s/f", s.target);
	snapshot(p, scr1[1], sizeof(scr1[1]));
	ok(strcmp(scr0[0], scr1[0]) == 0 && strcmp(scr0[1], scr1[1]) == 0,
	   "mutation: the scratch directory outside and its file untouched");
	rm_rf(top);
}

/* Grant acts only on what the owner could change itself: another user's
 * file in the tree, or a hard link to one, keeps its ACL. */
static void test_foreign_owner(void)
{
	char top[] = "/tmp/as-acl-fo-XXXXXX";
	char p[PATH_MAX], outside[PATH_MAX];
	struct as_acl_stats st;
	struct as_err err = { "" };

	if (!is_root) {
		skip(6, "needs root");
		return;
	}
	if (!mkdtemp(top)) {
		ok(0, "mkdtemp");
		return;
	}
	xmkdir(top, "proj", 0750);
	xfile(top, "proj/mine", 0640);
	xfile(top, "proj/roots", 0600);
	xfile(top, "secret", 0600);
	snprintf(outside, sizeof(outside), "%s/secret", top);
	snprintf(p, sizeof(p), "%s/proj/link-to-secret", top);
	ok(link(outside, p) == 0, "a hard link in the tree to root's file outside it");
	snprintf(p, sizeof(p), "%s/proj", top);
	chown_tree(p, OWNER);
	snprintf(p, sizeof(p), "%s/proj/roots", top);
	ok(lchown(p, 0, 0) == 0 && lchown(outside, 0, 0) == 0, "root owns roots and the secret");
	snprintf(p, sizeof(p), "%s/proj", top);
	is_int(as_acl_grant_tree(p, AGENT, OWNER, false, &st, &err), 0, "grant: succeeds");
	is_acl(top, "proj/roots", ACL_TYPE_ACCESS, "user::rw-,group::---,other::---",
	       "grant: another user's file in the tree keeps its ACL");
	is_acl(top, "secret", ACL_TYPE_ACCESS, "user::rw-,group::---,other::---",
	       "grant: root's file hard-linked into the tree keeps its ACL");
	is_acl(top, "proj/mine", ACL_TYPE_ACCESS,
	       "user::rw-,user:60002:rw-,group::r--,mask::rw-,other::---",
	       "grant: the owner's own file is granted");
	rm_rf(top);
}

/* ------------------------- other owners' agents shut out (issue 15) */

#define AGENTS_GID 60010

/* Runs FN as UID:UID with the supplementary group AGENTS_GID, as an agent
 * account in agent-shell-agents runs. */
static int as_agent_in_group(uid_t uid, int (*fn)(const char *), const char *arg)
{
	gid_t g = AGENTS_GID;
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (setgroups(1, &g) < 0 || setgid(uid) < 0 || setuid(uid) < 0)
			_exit(99);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void test_shut_group(void)
{
	char top[] = "/tmp/as-acl-shut.XXXXXX", sub[PATH_MAX], snap0[1024], snap1[1024];
	struct as_strv added = { 0 };
	struct as_err err = { "" };
	struct stat sb;

	if (!is_root) {
		skip(14, "needs root");
		return;
	}
	if (!mkdtemp(top)) {
		ok(0, "mkdtemp");
		return;
	}
	chmod(top, 0755);
	snprintf(sub, sizeof(sub), "%s/proj", top);
	mkdir(sub, 0755);
	xfile(top, "notes", 0644);
	chown_tree(top, OWNER);
	snapshot(top, snap0, sizeof(snap0));

	is_int(as_acl_shut_group(top, OWNER, AGENTS_GID, &err), 1, "shut_group: adds the entry");
	is_acl(top, "", ACL_TYPE_ACCESS,
	       "user::rwx,group::r-x,group:60010:---,mask::r-x,other::r-x",
	       "shut_group: g:GID:---, and a mask equal to the owning group's entry");
	ok(stat(top, &sb) == 0 && (sb.st_mode & 07777) == 0755,
	   "shut_group: the mode ls -l shows is unchanged (0755)");
	is_int(as_acl_shut_group(top, OWNER, AGENTS_GID, &err), 0,
	       "shut_group: a second run changes nothing");
	is_int(as_agent_in_group(OTHER, can_search, sub), 1,
	       "shut_group: an account in the group cannot search the directory");
	is_int(as_user(OTHER, can_search, sub), 0, "shut_group: an account outside it still can");
	is_int(as_acl_group_shut(top, OWNER, AGENTS_GID, &err), 1, "group_shut: reports the entry");

	/* The owner's own agent: its named entry comes first (acl(5)), and
	 * the traverse step, told about the group, gives it one. */
	is_int(as_acl_grant_traverse(sub, AGENT, AGENT, &added, &err), 0,
	       "traverse without the group: succeeds");
	is_int(added.n, 0, "traverse without the group: sees nothing to add (other has r-x)");
	is_int(as_acl_grant_traverse_groups(sub, AGENT, AGENT, AGENTS_GID, &added, &err), 0,
	       "traverse with the group: succeeds");
	ok(added.n == 1 && strcmp(added.v[0], top) == 0,
	   "traverse with the group: adds u:AGENT on the shut directory");
	is_int(as_agent_in_group(AGENT, can_search, sub), 0,
	       "traverse with the group: the agent reaches its grant");
	for (size_t i = 0; i < added.n; i++)
		as_acl_revoke_traverse(added.v[i], AGENT, &err);
	as_strv_free(&added);

	is_int(as_acl_unshut_group(top, OWNER, AGENTS_GID, &err), 1,
	       "unshut_group: removes the entry");
	snapshot(top, snap1, sizeof(snap1));
	is_str(snap1, snap0, "unshut_group: mode and ACL exactly as before");
	rm_rf(top);
}

static void test_shut_group_keeps_mask(void)
{
	char top[] = "/tmp/as-acl-shut.XXXXXX", cmd[PATH_MAX + 64];
	struct as_err err = { "" };

	if (!is_root) {
		skip(3, "needs root");
		return;
	}
	if (!mkdtemp(top)) {
		ok(0, "mkdtemp");
		return;
	}
	chmod(top, 0750);
	chown_tree(top, OWNER);
	snprintf(cmd, sizeof(cmd), "setfacl -m u:%u:rwx,m::r-x -- '%s'", AGENT, top);
	run(cmd);
	is_int(as_acl_shut_group(top, OWNER, AGENTS_GID, &err), 1,
	       "shut_group with a mask: adds the entry");
	is_acl(top, "", ACL_TYPE_ACCESS,
	       "user::rwx,user:60002:rwx,group::r-x,group:60010:---,mask::r-x,other::---",
	       "shut_group with a mask: the narrower mask is kept, not recomputed");
	is_int(as_acl_shut_group("/", OWNER, AGENTS_GID, &err), -EPERM,
	       "shut_group: refuses a directory the owner does not own");
	rm_rf(top);
}

/* ------------------------------------------------- git directories */

static void mkgit(const char *top, const char *g)
{
	char p[PATH_MAX];

	xmkdir(top, g, 0755);
	snprintf(p, sizeof(p), "%s/HEAD", g);
	xfile(top, p, 0644);
	snprintf(p, sizeof(p), "%s/config", g);
	xfile(top, p, 0644);
	snprintf(p, sizeof(p), "%s/objects", g);
	xmkdir(top, p, 0755);
	snprintf(p, sizeof(p), "%s/refs", g);
	xmkdir(top, p, 0755);
	snprintf(p, sizeof(p), "%s/hooks", g);
	xmkdir(top, p, 0755);
}

static bool listed(const struct as_strv *v, const char *top, const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", top, rel);
	return as_strv_contains(v, p);
}

/* grant leaves the owner's git dirs without any agent entry, takes away
 * the entries an older grant gave, and lists them; check finds both. */
static void test_gitdirs(void)
{
	char top[] = "/tmp/as-acl-git-XXXXXX";
	char p[PATH_MAX], hidden[PATH_MAX];
	struct as_acl_stats st;
	struct as_acl_report rep;
	struct as_err err = { "" };
	int r;

	if (!is_root) {
		skip(25, "needs root");
		return;
	}
	if (!mkdtemp(top)) {
		ok(0, "mkdtemp");
		return;
	}
	chmod(top, 0711);
	xmkdir(top, "proj", 0755);
	xmkdir(top, "proj/repo", 0755);
	xfile(top, "proj/repo/work", 0644);
	mkgit(top, "proj/repo/.git");
	xmkdir(top, "proj/repo/.git/worktrees", 0755);
	xmkdir(top, "proj/repo/.git/worktrees/w", 0755);
	xfile(top, "proj/repo/.git/worktrees/w/HEAD", 0644);
	xfile(top, "proj/repo/.git/worktrees/w/commondir", 0644);
	mkgit(top, "proj/bare.git");      /* a bare repository, by content */
	xmkdir(top, "proj/linked", 0755); /* a lone linked worktree git dir */
	xfile(top, "proj/linked/HEAD", 0644);
	xfile(top, "proj/linked/commondir", 0644);
	xmkdir(top, "proj/notgit", 0755); /* HEAD alone is not a git dir */
	xfile(top, "proj/notgit/HEAD", 0644);
	xmkdir(top, "proj/notgit/refs", 0755);
	snprintf(p, sizeof(p), "%s/proj", top);
	chown_tree(p, OWNER);

	/* An older grant gave the agent everything: hide HEAD, grant, put
	 * HEAD back. */
	snprintf(p, sizeof(p), "%s/proj/repo/.git/HEAD", top);
	snprintf(hidden, sizeof(hidden), "%s/proj/repo/HEAD.hidden", top);
	ok(rename(p, hidden) == 0, "fixture: .git without HEAD is no git dir");
	snprintf(p, sizeof(p), "%s/proj/repo", top);
	r = as_acl_grant_tree(p, AGENT, OWNER, false, &st, &err);
	as_acl_stats_free(&st);
	snprintf(p, sizeof(p), "%s/proj/repo/.git/HEAD", top);
	ok(r == 0 && rename(hidden, p) == 0,
	   "fixture: the git dir granted as an older agent-admin did");
	snprintf(p, sizeof(p), "%s/proj/repo/.git/config", top);
	is_int(as_user(AGENT, can_rw, p), 0, "fixture: the agent could write .git/config");

	snprintf(p, sizeof(p), "%s/proj/repo", top);
	r = as_acl_check_tree(p, AGENT, OWNER, false, &rep, &err);
	is_int(r, 0, "check: succeeds");
	ok(rep.in_gitdir > 0, "check: reports the agent's entries inside the git dir");
	like(rep.problem ? rep.problem : "", "inside a git directory", "check: names the problem");

	snprintf(p, sizeof(p), "%s/proj", top);
	r = as_acl_grant_tree(p, AGENT, OWNER, false, &st, &err);
	is_int(r, 0, "grant: succeeds");
	is_int((int)st.gitdirs.n, 3, "grant: finds three git dirs (the worktree's is inside one)");
	ok(listed(&st.gitdirs, top, "proj/repo/.git"), "grant: lists repo/.git");
	ok(listed(&st.gitdirs, top, "proj/bare.git"), "grant: lists the bare repository");
	ok(listed(&st.gitdirs, top, "proj/linked"),
	   "grant: lists a git dir with HEAD and commondir");
	as_acl_stats_free(&st);
	is_acl(top, "proj/repo/.git/config", ACL_TYPE_ACCESS, "user::rw-,group::r--,other::r--",
	       "grant: an older grant's entry on .git/config is gone (migration)");
	is_acl(top, "proj/repo/.git/hooks", ACL_TYPE_DEFAULT, "",
	       "grant: and the default ACL of .git/hooks");
	is_acl(top, "proj/repo/.git/worktrees/w/commondir", ACL_TYPE_ACCESS,
	       "user::rw-,group::r--,other::r--", "grant: a linked worktree's commondir has none");
	is_acl(top, "proj/bare.git/hooks", ACL_TYPE_ACCESS, "user::rwx,group::r-x,other::r-x",
	       "grant: a bare repository's hooks have none");
	is_acl(top, "proj/repo/work", ACL_TYPE_ACCESS,
	       "user::rw-,user:60002:rw-,group::r--,mask::rw-,other::r--",
	       "grant: the work tree beside .git is granted");
	is_acl(top, "proj/notgit/HEAD", ACL_TYPE_ACCESS,
	       "user::rw-,user:60002:rw-,group::r--,mask::rw-,other::r--",
	       "grant: a directory with HEAD but no objects is an ordinary one");
	snprintf(p, sizeof(p), "%s/proj/repo/.git/config", top);
	is_int(as_user(AGENT, can_rw, p), 1,
	       "after grant: the agent cannot open .git/config (EACCES)");
	snprintf(p, sizeof(p), "%s/proj/repo/.git/commondir", top);
	is_int(as_user(AGENT, create_0660, p), 1,
	       "after grant: the agent cannot create .git/commondir");
	snprintf(p, sizeof(p), "%s/proj/repo/.git/hooks/post-commit", top);
	is_int(as_user(AGENT, create_0660, p), 1, "after grant: the agent cannot create a hook");

	snprintf(p, sizeof(p), "%s/proj/repo/.git/planted", top);
	xfile(top, "proj/repo/.git/planted", 0644);
	ok(lchown(p, AGENT, AGENT) == 0, "fixture: a file the agent owns inside .git");
	snprintf(p, sizeof(p), "%s/proj", top);
	r = as_acl_check_tree(p, AGENT, OWNER, false, &rep, &err);
	ok(r == 0 && rep.in_gitdir == 0, "check: no agent entry left in git dirs after grant");
	is_int((int)rep.git_agent_owned, 1, "check: reports the agent's own file inside .git");
	r = as_acl_grant_tree(p, AGENT, OWNER, false, &st, &err);
	ok(r == 0 && st.git_agent_owned == 1,
	   "grant: counts the agent's own file inside .git, to warn");
	as_acl_stats_free(&st);
	r = as_acl_revoke_tree(p, AGENT, OWNER, &st, &err);
	as_acl_stats_free(&st);
	is_acl(top, "proj/repo/work", ACL_TYPE_ACCESS, "user::rw-,group::r--,other::r--",
	       "revoke: the work tree is back to its mode");
	rm_rf(top);
}

/* as_acl_revoke_fd: one object's u:AGENT entry away, said by its result;
 * a regular file too (the sweep's .git links). */
static void test_revoke_fd(void)
{
	char dir[] = "/tmp/as-acl-fd-XXXXXX";
	char path[PATH_MAX];
	struct as_err err = { "" };
	acl_t acl;
	int fd;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/file", dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	acl = acl_from_text("user::rw-,user:60002:rw-,group::r--,mask::rw-,other::---");
	ok(fd >= 0 && acl && acl_set_fd(fd, acl) == 0, "revoke_fd: a file with u:AGENT");
	acl_free(acl);
	is_int(as_acl_revoke_fd(fd, path, AGENT, &err), 1,
	       "revoke_fd: 1 when it took an entry away");
	is_acl(dir, "file", ACL_TYPE_ACCESS, "user::rw-,group::r--,other::---",
	       "revoke_fd: the plain mode back, no mask left");
	is_int(as_acl_revoke_fd(fd, path, AGENT, &err), 0, "revoke_fd: 0 when there was none");
	is_int(as_acl_revoke_fd(-1, path, AGENT, &err), -EBADF, "revoke_fd: a bad fd is an error");
	like(err.msg, "/file: cannot read ACL", "revoke_fd: naming the path");
	if (fd >= 0)
		close(fd);
	rm_rf(dir);
}

int main(void)
{
	is_root = geteuid() == 0;
	umask(022);
	test_access_check();
	test_refusals();
	test_grant_revoke();
	test_read_only_and_partial();
	test_traverse();
	test_foreign_owner();
	test_gitdirs();
	test_without_getxattrat();
	test_mutation();
	test_shut_group();
	test_shut_group_keeps_mask();
	test_revoke_fd();
	return tap_done();
}
