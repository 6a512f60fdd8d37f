/* SPDX-License-Identifier: MIT */
#include "gitmeta.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define GITLINK_MAX 4096
#define MAX_DEPTH 128

struct walk {
	int rootfd;
	const char *root;
	dev_t dev;
	unsigned long long mnt_id;      /* the root's mount (as_fstat_mnt) */
	uid_t agent_uid;
	bool dry_run;
	struct as_git_stats *st;
	struct as_err *err;
	/* git dirs already handled, by inode: nested grants and submodule
	 * links reach some twice */
	struct { dev_t dev; ino_t ino; } *seen;
	size_t n_seen;
};

void as_git_stats_free(struct as_git_stats *st)
{
	as_strv_free(&st->notes);
	memset(st, 0, sizeof(*st));
}

int as_mount_ns_private(struct as_err *err)
{
	if (unshare(CLONE_NEWNS) < 0)
		return as_fail(err, -errno, "unshare(CLONE_NEWNS): %s", strerror(errno));
	/* A shared "/" (systemd) would carry our mounts back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return as_fail(err, -errno, "cannot make the session's mounts private: %s", strerror(errno));
	return 0;
}

static void note(struct as_git_stats *st, const char *path, const char *why)
{
	char esc[PATH_MAX];
	char *line = NULL;

	st->skipped++;
	as_escape(path, esc, sizeof(esc));
	if (asprintf(&line, "%s: %s", esc, why) >= 0)
		as_strv_push_take(&st->notes, line);
}

static bool seen(struct walk *w, const struct stat *st)
{
	void *n;

	for (size_t i = 0; i < w->n_seen; i++)
		if (w->seen[i].dev == st->st_dev && w->seen[i].ino == st->st_ino)
			return true;
	n = reallocarray(w->seen, w->n_seen + 1, sizeof(*w->seen));
	if (!n)
		return false;
	w->seen = n;
	w->seen[w->n_seen].dev = st->st_dev;
	w->seen[w->n_seen].ino = st->st_ino;
	w->n_seen++;
	return false;
}

/* A bind mount of FD onto itself, read-only or not.  The mount is made on
 * the file descriptor: no path is looked up again. */
static int bind_self(struct walk *w, int fd, bool ro, const char *what)
{
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
	};
	int t;

	if (w->dry_run)
		return 0;
	t = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (t < 0)
		return as_fail(w->err, -errno, "%s: open_tree: %s", what, strerror(errno));
	if (ro && mount_setattr(t, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
		int e = errno;

		close(t);
		return as_fail(w->err, -e, "%s: read-only: %s", what, strerror(e));
	}
	if (move_mount(t, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
		int e = errno;

		close(t);
		return as_fail(w->err, -e, "%s: bind mount: %s", what, strerror(e));
	}
	close(t);
	w->st->mounts++;
	return 0;
}

static int path_join(char *out, size_t len, const char *a, const char *b)
{
	int n = snprintf(out, len, "%s/%s", a, b);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* NAME in DIRFD, if it is a regular file: bound read-only. */
static int protect_file(struct walk *w, int dirfd, const char *dirpath, const char *name)
{
	char what[PATH_MAX];
	struct stat st;
	int fd, r;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : as_fail(w->err, -errno, "%s/%s: %s", dirpath, name, strerror(errno));
	if (path_join(what, sizeof(what), dirpath, name) < 0)
		return as_fail(w->err, -ENAMETOOLONG, "%s: path too long", dirpath);
	if (S_ISLNK(st.st_mode))
		return as_fail(w->err, -ELOOP, "%s is a symbolic link, which a read-only bind mount cannot "
			       "cover; make it a regular file to use agent-shell here", what);
	if (!S_ISREG(st.st_mode))
		return 0;
	fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return as_fail(w->err, -errno, "%s: %s", what, strerror(errno));
	r = bind_self(w, fd, true, what);
	close(fd);
	return r;
}

/* .git/hooks: read-only; created empty (owned like the git dir) when
 * missing, since git would run whatever the agent put in a new one. */
static int protect_hooks(struct walk *w, int gfd, const struct stat *gst, const char *gpath)
{
	char what[PATH_MAX];
	struct stat st;
	int fd, r;

	if (path_join(what, sizeof(what), gpath, "hooks") < 0)
		return as_fail(w->err, -ENAMETOOLONG, "%s: path too long", gpath);
	if (fstatat(gfd, "hooks", &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			return as_fail(w->err, -errno, "%s: %s", what, strerror(errno));
		if (w->dry_run)
			return 0;
		if (mkdirat(gfd, "hooks", 0755) < 0 && errno != EEXIST)
			return as_fail(w->err, -errno, "%s: cannot create: %s", what, strerror(errno));
		if (fchownat(gfd, "hooks", gst->st_uid, gst->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
			return as_fail(w->err, -errno, "%s: chown: %s", what, strerror(errno));
		if (fstatat(gfd, "hooks", &st, AT_SYMLINK_NOFOLLOW) < 0)
			return as_fail(w->err, -errno, "%s: %s", what, strerror(errno));
	}
	if (S_ISLNK(st.st_mode))
		return as_fail(w->err, -ELOOP, "%s is a symbolic link, which a read-only bind mount cannot "
			       "cover; make it a directory (or use core.hooksPath) to use agent-shell here", what);
	if (!S_ISDIR(st.st_mode))
		return as_fail(w->err, -ENOTDIR, "%s is not a directory", what);
	fd = openat(gfd, "hooks", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return as_fail(w->err, -errno, "%s: %s", what, strerror(errno));
	r = bind_self(w, fd, true, what);
	close(fd);
	return r;
}

/* A directory stream of its own on DIRFD (readdir moves the offset). */
static int open_dir(struct walk *w, int dirfd, const char *dpath, DIR **out)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int e;

	*out = fd >= 0 ? fdopendir(fd) : NULL;
	if (*out)
		return 0;
	e = errno;
	if (fd >= 0)
		close(fd);
	return as_fail(w->err, -e, "%s: %s", dpath, strerror(e));
}

static int protect_gitdir(struct walk *w, int parentfd, const char *name, const char *gpath,
			  unsigned depth);

/* Submodules' git dirs live in .git/modules/NAME, where NAME may hold
 * slashes: a directory with HEAD is a git dir, any other is searched. */
static int protect_modules(struct walk *w, int dirfd, const char *dpath, unsigned depth)
{
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (depth > MAX_DEPTH)
		return as_fail(w->err, -ELOOP, "%s: nested too deeply", dpath);
	r = open_dir(w, dirfd, dpath, &d);
	if (r < 0)
		return r;
	while (r == 0 && (errno = 0, de = readdir(d))) {
		char sub[PATH_MAX];
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (path_join(sub, sizeof(sub), dpath, de->d_name) < 0) {
			r = as_fail(w->err, -ENAMETOOLONG, "%s: path too long", dpath);
			break;
		}
		if (++w->st->dirs > AS_GIT_MAX_DIRS) {
			r = as_fail(w->err, -E2BIG, "more than %d directories under %s", AS_GIT_MAX_DIRS, w->root);
			break;
		}
		{
			struct stat head;
			int sfd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sfd < 0)
				continue;
			if (fstatat(sfd, "HEAD", &head, AT_SYMLINK_NOFOLLOW) == 0)
				r = protect_gitdir(w, dirfd, de->d_name, sub, depth + 1);
			else
				r = protect_modules(w, sfd, sub, depth + 1);
			close(sfd);
		}
	}
	closedir(d);
	return r;
}

/* One git dir: pinned, then config, hooks and submodules read-only. */
static int protect_gitdir(struct walk *w, int parentfd, const char *name, const char *gpath,
			  unsigned depth)
{
	struct stat st, cst;
	int gfd, r;

	if (fstatat(parentfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	if (seen(w, &st))
		return 0;
	if (st.st_uid == w->agent_uid) {
		note(w->st, gpath, "the agent's own repository (the owner's git refuses it until adopted)");
		return 0;
	}
	if (++w->st->repos > AS_GIT_MAX_REPOS)
		return as_fail(w->err, -E2BIG, "more than %d git repositories under %s", AS_GIT_MAX_REPOS,
			       w->root);
	gfd = openat(parentfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (gfd < 0)
		return as_fail(w->err, -errno, "%s: %s", gpath, strerror(errno));
	r = bind_self(w, gfd, false, gpath);
	close(gfd);
	if (r < 0)
		return r;
	/* Again by name: the mount just made now covers the old one. */
	gfd = openat(parentfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (gfd < 0)
		return as_fail(w->err, -errno, "%s: %s", gpath, strerror(errno));
	/* A linked worktree's git dir (it has "commondir") takes hooks and
	 * config from the main one; only its config.worktree is its own. */
	if (fstatat(gfd, "commondir", &cst, AT_SYMLINK_NOFOLLOW) == 0) {
		r = protect_file(w, gfd, gpath, "config.worktree");
		close(gfd);
		return r;
	}
	r = protect_file(w, gfd, gpath, "config");
	if (r == 0)
		r = protect_file(w, gfd, gpath, "config.worktree");
	if (r == 0)
		r = protect_hooks(w, gfd, &st, gpath);
	if (r == 0) {
		struct stat ms;
		char sub[PATH_MAX];

		if (fstatat(gfd, "modules", &ms, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(ms.st_mode) &&
		    path_join(sub, sizeof(sub), gpath, "modules") == 0) {
			int mfd = openat(gfd, "modules", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (mfd >= 0) {
				r = protect_modules(w, mfd, sub, depth + 1);
				close(mfd);
			}
		}
		if (r == 0 && fstatat(gfd, "worktrees", &ms, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(ms.st_mode) &&
		    path_join(sub, sizeof(sub), gpath, "worktrees") == 0) {
			int wfd = openat(gfd, "worktrees", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			DIR *d = wfd >= 0 ? fdopendir(wfd) : NULL;
			struct dirent *de;

			while (d && r == 0 && (de = readdir(d))) {
				char wt[PATH_MAX];
				int one;

				if (de->d_name[0] == '.' || path_join(wt, sizeof(wt), sub, de->d_name) < 0)
					continue;
				one = openat(wfd, de->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (one < 0)
					continue;
				r = protect_file(w, one, wt, "config.worktree");
				close(one);
			}
			if (d)
				closedir(d);
			else if (wfd >= 0)
				close(wfd);
		}
	}
	close(gfd);
	return r;
}

/* A .git file ("gitdir: PATH"): a linked worktree or a submodule.  The
 * file is bound read-only (so it keeps pointing where the owner set it),
 * and the git dir it names is protected when it lies beneath the root. */
static int protect_gitlink(struct walk *w, int dirfd, const char *rel, const char *dpath)
{
	char buf[GITLINK_MAX + 1], target[PATH_MAX * 2], gpath[PATH_MAX];
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	ssize_t n;
	char *p, *slash;
	int fd, r, gfd, pfd;

	if (path_join(gpath, sizeof(gpath), dpath, ".git") < 0)
		return as_fail(w->err, -ENAMETOOLONG, "%s: path too long", dpath);
	r = protect_file(w, dirfd, dpath, ".git");
	if (r < 0)
		return r;
	fd = openat(dirfd, ".git", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return as_fail(w->err, -errno, "%s: %s", gpath, strerror(errno));
	n = read(fd, buf, GITLINK_MAX);
	close(fd);
	if (n < 0)
		return as_fail(w->err, -errno, "%s: %s", gpath, strerror(errno));
	buf[n] = '\0';
	if (strncmp(buf, "gitdir: ", 8) != 0) {
		note(w->st, gpath, "not a gitdir link");
		return 0;
	}
	p = buf + 8;
	p[strcspn(p, "\r\n")] = '\0';
	/* Relative to the root: RESOLVE_BENEATH refuses anything that
	 * leaves it, ".." included, and every symbolic link. */
	if (p[0] == '/') {
		size_t rl = strlen(w->root);

		if (strncmp(p, w->root, rl) != 0 || (p[rl] != '/' && p[rl] != '\0')) {
			note(w->st, gpath, "its git dir is outside the grant; not followed");
			return 0;
		}
		snprintf(target, sizeof(target), ".%s", p + rl);
	} else {
		snprintf(target, sizeof(target), "%s/%s", rel, p);
	}
	/* The git dir's parent, then the git dir by its last name. */
	slash = strrchr(target, '/');
	if (!slash || !slash[1]) {
		note(w->st, gpath, "unusual gitdir link; not followed");
		return 0;
	}
	*slash = '\0';
	pfd = (int)syscall(SYS_openat2, w->rootfd, target, &how, sizeof(how));
	if (pfd < 0) {
		note(w->st, gpath, errno == EXDEV || errno == ELOOP ?
		     "its git dir is outside the grant or behind a symbolic link; not followed" :
		     "its git dir does not exist");
		return 0;
	}
	gfd = openat(pfd, slash + 1, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (gfd < 0) {
		close(pfd);
		note(w->st, gpath, "its git dir is not a directory; not followed");
		return 0;
	}
	close(gfd);
	if (snprintf(gpath, sizeof(gpath), "%s/%s/%s", w->root, target, slash + 1) >= (int)sizeof(gpath)) {
		close(pfd);
		return as_fail(w->err, -ENAMETOOLONG, "%s: path too long", dpath);
	}
	r = protect_gitdir(w, pfd, slash + 1, gpath, 0);
	close(pfd);
	return r;
}

static int walk_dir(struct walk *w, int dirfd, const char *rel, const char *dpath, unsigned depth)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (depth > MAX_DEPTH)
		return as_fail(w->err, -ELOOP, "%s: nested more than %d directories deep", dpath, MAX_DEPTH);
	if (++w->st->dirs > AS_GIT_MAX_DIRS)
		return as_fail(w->err, -E2BIG, "more than %d directories under %s: too many to protect "
			       "their git metadata at each session start; grant a narrower directory",
			       AS_GIT_MAX_DIRS, w->root);
	/* This directory's own .git first: mounting it later would hide
	 * what a submodule link below had already protected inside it. */
	if (fstatat(dirfd, ".git", &st, AT_SYMLINK_NOFOLLOW) == 0) {
		char gpath[PATH_MAX];

		if (path_join(gpath, sizeof(gpath), dpath, ".git") < 0)
			return as_fail(w->err, -ENAMETOOLONG, "%s: path too long", dpath);
		if (S_ISDIR(st.st_mode))
			r = protect_gitdir(w, dirfd, ".git", gpath, 0);
		else if (S_ISREG(st.st_mode))
			r = protect_gitlink(w, dirfd, rel, dpath);
		else if (S_ISLNK(st.st_mode))
			note(w->st, gpath, "a symbolic link; not followed");
		if (r < 0)
			return r;
	}
	r = open_dir(w, dirfd, dpath, &d);
	if (r < 0)
		return r;
	while (r == 0 && (errno = 0, de = readdir(d))) {
		char sub[PATH_MAX], subrel[PATH_MAX];
		unsigned long long mnt;
		int cfd;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || !strcmp(de->d_name, ".git"))
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		cfd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0)
			continue; /* a symbolic link (ELOOP), not a directory, gone */
		if (as_fstat_mnt(cfd, &st, &mnt) < 0 || st.st_dev != w->dev || mnt != w->mnt_id) {
			close(cfd);
			continue; /* another filesystem, or a mount (a bind mount of the
				   * same filesystem too: by mount id): not ours to walk */
		}
		if (path_join(sub, sizeof(sub), dpath, de->d_name) < 0 ||
		    path_join(subrel, sizeof(subrel), rel, de->d_name) < 0) {
			close(cfd);
			r = as_fail(w->err, -ENAMETOOLONG, "%s: path too long", dpath);
			break;
		}
		r = walk_dir(w, cfd, subrel, sub, depth + 1);
		close(cfd);
	}
	closedir(d);
	return r;
}

int as_git_protect_tree(const char *root, uid_t agent_uid, bool dry_run,
			struct as_git_stats *st, struct as_err *err)
{
	struct walk w = {
		.root = root, .agent_uid = agent_uid, .dry_run = dry_run, .st = st, .err = err,
	};
	struct stat rs;
	int r;

	w.rootfd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (w.rootfd < 0)
		return as_fail(err, -errno, "%s: %s", root, strerror(errno));
	r = as_fstat_mnt(w.rootfd, &rs, &w.mnt_id);
	if (r < 0) {
		r = as_fail(err, r, "%s: %s", root, strerror(-r));
		goto out;
	}
	w.dev = rs.st_dev;
	r = walk_dir(&w, w.rootfd, ".", root, 0);
out:
	close(w.rootfd);
	free(w.seen);
	return r;
}

int as_git_protect_grants(const struct as_registry *reg, uid_t agent_uid, bool dry_run,
			  struct as_git_stats *st, struct as_err *err)
{
	struct as_err e = { "" };
	struct stat rs;

	for (size_t i = 0; i < reg->n_projects; i++) {
		const struct as_reg_project *p = &reg->projects[i];
		int r;

		if (p->state != AS_REG_GRANTED || p->read_only)
			continue;
		/* Only the root's absence is skipped; an ENOENT inside the
		 * tree (something removed mid-walk) fails like any error. */
		if (lstat(p->path, &rs) < 0 && errno == ENOENT) {
			note(st, p->path, "the granted directory is not there in the session");
			continue;
		}
		r = as_git_protect_tree(p->path, agent_uid, dry_run, st, &e);
		if (r < 0)
			return as_fail(err, r, "under %s: %s", p->path, e.msg);
	}
	return 0;
}
