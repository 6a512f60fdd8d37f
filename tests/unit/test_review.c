/* SPDX-License-Identifier: MIT */
/* The end-of-session review list (lib/review.c): as_review_save writes
 * DIR/OWNER root:GID 0640, and leaves a file that already says exactly
 * that alone (no rewrite, no fsync); anything else about it -- content,
 * owner, group, mode, links, type -- gets it written again.  Writing a
 * root-owned file needs root, so those checks skip otherwise. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "review.h"
#include "tap.h"

static void skip(int n, const char *why)
{
	for (int i = 0; i < n; i++)
		printf("ok %d # skip %s\n", ++tap_n, why);
}

static char dir[64], file[128];

static int save(const char *const *v, gid_t gid)
{
	struct as_strv files = { 0 };
	struct as_err err = { "" };
	int r = 0;

	for (; *v && r == 0; v++)
		r = as_strv_push(&files, *v);
	if (r == 0)
		r = as_review_save(dir, "alice", gid, &files, &err);
	if (r < 0)
		printf("# as_review_save: %d %s\n", r, err.msg);
	as_strv_free(&files);
	return r;
}

static char *content(void)
{
	static char buf[4096];
	ssize_t n;
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	buf[0] = '\0';
	if (fd < 0)
		return buf;
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

static ino_t inode(void)
{
	struct stat st;

	return lstat(file, &st) == 0 ? st.st_ino : 0;
}

/* Whether a save of LIST replaces the file (a new inode: temp + rename). */
static int rewritten_by(const char *const *list, gid_t gid)
{
	ino_t before = inode();

	if (save(list, gid) < 0)
		return -1;
	return inode() != before;
}

static void test_save(void)
{
	static const char *const two[] = { "/p/Makefile", "/p/.envrc", NULL };
	static const char *const other[] = { "/p/Makefile", "/p/.envrX", NULL };
	static const char *const one[] = { "/p/Makefile", NULL };
	static const char *const none[] = { NULL };
	const gid_t gid = 4242;
	struct stat st;
	int fd;

	is_int(save(two, gid), 0, "save: writes a new list");
	is_str(content(), "/p/Makefile\n/p/.envrc\n", "save: one line per file");
	ok(lstat(file, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == 0 && st.st_gid == gid &&
		   (st.st_mode & 07777) == 0640,
	   "save: root:GID, mode 0640");

	is_int(rewritten_by(two, gid), 0, "unchanged: the same list is not written again");
	is_int(rewritten_by(other, gid), 1,
	       "changed: a list of the same length, other text, is written");
	is_str(content(), "/p/Makefile\n/p/.envrX\n", "changed: the new list is there");
	is_int(rewritten_by(one, gid), 1, "changed: a shorter list is written");
	is_int(rewritten_by(two, gid), 1, "changed: a longer list is written");
	is_int(rewritten_by(none, gid), 1, "changed: an empty list is written");
	is_str(content(), "", "changed: the file is empty");
	is_int(rewritten_by(none, gid), 0, "unchanged: an empty list twice is not written again");

	is_int(rewritten_by(none, gid + 1), 1, "untrusted: another group gets the file written");
	ok(lstat(file, &st) == 0 && st.st_gid == gid + 1, "untrusted: ... with the new group");

	ok(chmod(file, 0644) == 0, "setup: mode 0644");
	is_int(rewritten_by(none, gid + 1), 1, "untrusted: another mode gets the file written");
	ok(lstat(file, &st) == 0 && (st.st_mode & 07777) == 0640, "untrusted: ... mode 0640 again");

	ok(chown(file, 1, gid + 1) == 0, "setup: owned by uid 1");
	is_int(rewritten_by(none, gid + 1), 1, "untrusted: a file root does not own is written");
	ok(lstat(file, &st) == 0 && st.st_uid == 0, "untrusted: ... owned by root again");

	{
		char second[160];

		snprintf(second, sizeof(second), "%s/hardlink", dir);
		ok(link(file, second) == 0, "setup: a second link to the list");
		is_int(rewritten_by(none, gid + 1), 1,
		       "untrusted: a file with two links is written");
		unlink(second);
	}

	{
		char target[160];

		snprintf(target, sizeof(target), "%s/target", dir);
		fd = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
		ok(fd >= 0 && fchown(fd, 0, gid + 1) == 0 && close(fd) == 0 && unlink(file) == 0 &&
			   symlink(target, file) == 0,
		   "setup: the list is a symlink to an empty root:GID 0640 file");
		is_int(save(none, gid + 1), 0, "untrusted: a symlink is not followed");
		ok(lstat(file, &st) == 0 && S_ISREG(st.st_mode),
		   "untrusted: ... and is replaced by a file");
		unlink(target);
	}
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/as-test-review.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(file, sizeof(file), "%s/alice", dir);
	if (geteuid() == 0)
		test_save();
	else
		skip(24, "needs root (the list is root's)");
	unlink(file);
	rmdir(dir);
	return tap_done();
}
