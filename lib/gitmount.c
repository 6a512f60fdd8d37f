/* SPDX-License-Identifier: MIT */
/*
 * The git step's root part (lib/gitmeta.h): everything of it that needs
 * root, and nothing else.
 *
 *   1. AS_GITDIR/AGENT made for the agent, and opened (open_agent_dir)
 *   2. children forked, each switched for good before it reads a byte
 *      of the grants (lib/identity.h):
 *        the owner's walk   as the owner, with the caller's own groups:
 *                           finds the git directories, strips agent ACL
 *                           entries, renames what the agent made, reads
 *                           the owner's refs (as_git_owner_walk)
 *        the agent's side   as the agent, forked when the walk first has
 *                           a repository for it: writes the agent's git
 *                           dirs from what the walk sends it
 *                           (as_git_agent_serve)
 *   3. the walk's requests read one by one, each a bind mount between two
 *      places that root opens itself, beneath a read-write grant or
 *      beneath AS_GITDIR/AGENT, never following a symbolic link or
 *      crossing a mount (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 *      RESOLVE_NO_XDEV): the walk names places, it hands over no file
 *   4. the children reaped; the session starts only if each exited 0
 * At a session's end the same walk, with the review's scan, sweeps (1 and
 * the agent's side left out).
 *
 * The walk runs as the owner, so it reaches what the owner's own git can
 * reach, and a flaw in reading what the agent wrote there gives the
 * owner's rights at most, never root's.  What root accepts from it:
 *   S  GRANT REL          REL bound read-only onto itself
 *   O  GRANT REL AREL     the owner's objects REL, read-only, onto AREL
 *                         (a directory the agent owns)
 *   R  GRANT REL AREL     the agent's git dir AREL (the agent's) onto the
 *                         directory REL (a work tree's .git)
 *   N, D  TEXT            a note, a renamed entry (struct as_git_stats)
 *   V, W  TEXT            the end's walk: a file for the review, or why
 *                         the review's scan failed
 *   A                     the walk has a repository for the agent's side:
 *                         root forks it (once) and passes the walk its end
 *   T  DIRS REPOS READONLY   the walk's counts, its last message
 *   E  TEXT               why the walk failed
 * GRANT is the index of a read-write grant in the session's registry.
 * A request for a place outside those trees cannot be made; inside them
 * the owner could rearrange things anyway, and mounts stay in the
 * session's own mount namespace.
 */
#include "gitmount.h"
#include "config.h"
#include "gitrefs.h"
#include "identity.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* AS_GITDIR/AGENT: made for the agent (mode 0700, its own) when missing,
 * in a directory only root writes; opened without following a symlink
 * and checked to be the agent's. */
static int open_agent_dir(struct as_git_mounts *j)
{
	char path[PATH_MAX];
	struct stat st;
	int basefd, fd;

	/* AS_GITDIR and its parents are the install's, root's. */
	snprintf(path, sizeof(path), "%s", AS_GITDIR);
	for (char *p = path + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return as_fail(j->err, -errno, "%s: %s", path, strerror(errno));
		*p = '/';
	}
	if (mkdir(AS_GITDIR, 0755) < 0 && errno != EEXIST)
		return as_fail(j->err, -errno, "%s: %s", AS_GITDIR, strerror(errno));
	basefd = open(AS_GITDIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (basefd < 0)
		return as_fail(j->err, -errno, "%s: %s", AS_GITDIR, strerror(errno));
	if (fstat(basefd, &st) < 0 || st.st_uid != 0 || (st.st_mode & 022)) {
		close(basefd);
		return as_fail(j->err, -EPERM, "%s: not root's, or writable by others", AS_GITDIR);
	}
	if (mkdirat(basefd, j->s->agent, 0700) == 0) {
		if (fchownat(basefd, j->s->agent, j->s->agent_uid, j->s->agent_gid,
			     AT_SYMLINK_NOFOLLOW) < 0) {
			close(basefd);
			return as_fail(j->err, -errno, "%s/%s: chown: %s", AS_GITDIR, j->s->agent,
				       strerror(errno));
		}
	} else if (errno != EEXIST) {
		close(basefd);
		return as_fail(j->err, -errno, "%s/%s: %s", AS_GITDIR, j->s->agent,
			       strerror(errno));
	}
	fd = openat(basefd, j->s->agent, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(basefd);
	if (fd < 0)
		return as_fail(j->err, -errno, "%s/%s: %s", AS_GITDIR, j->s->agent,
			       strerror(errno));
	if (fstat(fd, &st) < 0 || st.st_uid != j->s->agent_uid) {
		close(fd);
		return as_fail(j->err, -EPERM, "%s/%s: not the agent's", AS_GITDIR, j->s->agent);
	}
	j->agentfd = fd;
	return 0;
}

/* ------------------------------------------------------------ the mounts */

/* Mounts a clone of the tree at FROM (recursively) onto TO, read-only or
 * not, always nosuid and nodev.  On file descriptors only. */
static int bind_fd(struct as_git_mounts *j, int from, int to, bool ro, const char *what)
{
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (ro ? MOUNT_ATTR_RDONLY : 0),
	};
	int t, e;

	t = open_tree(from, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
	if (t < 0)
		return as_fail(j->err, -errno, "%s: open_tree: %s", what, strerror(errno));
	if (mount_setattr(t, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0) {
		e = errno;
		close(t);
		return as_fail(j->err, -e, "%s: mount attributes: %s", what, strerror(e));
	}
	if (move_mount(t, "", to, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
		e = errno;
		close(t);
		return as_fail(j->err, -e, "%s: bind mount: %s", what, strerror(e));
	}
	close(t);
	j->st->mounts++;
	return 0;
}

/* REL beneath read-write grant number GRANT (its text, from the walk). */
static int open_in_grant(struct as_git_mounts *j, const char *grant, const char *rel, char *what,
			 size_t len)
{
	const struct as_registry *reg = &j->s->reg;
	char *end;
	unsigned long i;
	int fd;

	errno = 0;
	i = strtoul(grant, &end, 10);
	if (errno || end == grant || *end || i >= reg->n_projects ||
	    reg->projects[i].state != AS_REG_GRANTED || reg->projects[i].read_only)
		return as_fail(j->err, -EPROTO, "the git walk named no read-write grant (%.40s)",
			       grant);
	snprintf(what, len, "%s/%s", reg->projects[i].path, rel);
	if (j->grantfd[i] < 0) {
		/* The registry holds canonical paths: a symbolic link on the
		 * way now (the owner's to make, in their home) is refused, so
		 * the walk's places stay in the grant agent-admin made. */
		struct open_how how = {
			.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
			.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
		};

		j->grantfd[i] = (int)syscall(SYS_openat2, AT_FDCWD, reg->projects[i].path, &how,
					     sizeof(how));
		if (j->grantfd[i] < 0)
			return as_fail(j->err, -errno, "%s: %s", reg->projects[i].path,
				       errno == ELOOP ?
					       "a symbolic link on its way (not the path granted)" :
					       strerror(errno));
	}
	fd = git_openat_beneath(j->grantfd[i], rel, O_PATH);
	if (fd < 0)
		return as_fail(j->err, -errno, "%s: %s", what, strerror(errno));
	return fd;
}

/* REL beneath AS_GITDIR/AGENT: a directory the agent owns. */
static int open_in_agent_dir(struct as_git_mounts *j, const char *rel)
{
	struct stat st;
	int fd = git_openat_beneath(j->agentfd, rel, O_PATH | O_DIRECTORY);

	if (fd < 0 || fstat(fd, &st) < 0 || st.st_uid != j->s->agent_uid) {
		if (fd >= 0)
			close(fd);
		return as_fail(j->err, -EPERM,
			       "%s/%s/%s: not a directory the agent owns (a symbolic link?)",
			       AS_GITDIR, j->s->agent, rel);
	}
	return fd;
}

/* Splits MSG (LEN bytes after the kind) into N NUL-terminated fields;
 * TEXT: fields root prints and logs, which hold no control character
 * (the walk escapes what it reports, as_escape). */
static bool fields(char *msg, size_t len, char **f, size_t n, bool text)
{
	for (size_t i = 0; text && i + 1 < len; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			return false;
	return as_msg_fields(msg, len, f, n);
}

/* O and R: between REL in grant GRANT and AREL in the agent's dir, the
 * owner's objects read-only onto the agent's, or the agent's git dir onto
 * the work tree's .git (TO_GRANT). */
static int bind_pair(struct as_git_mounts *j, const char *grant, const char *rel, const char *arel,
		     bool to_grant)
{
	char what[2 * PATH_MAX + 2];
	int g, a, r;

	g = open_in_grant(j, grant, rel, what, sizeof(what));
	if (g < 0)
		return g;
	a = open_in_agent_dir(j, arel);
	if (a < 0) {
		close(g);
		return a;
	}
	r = to_grant ? bind_fd(j, a, g, false, what) : bind_fd(j, g, a, true, what);
	close(g);
	close(a);
	return r;
}

static void agent_child(const struct as_session *s, int agentfd, int chan, pid_t parent)
	__attribute__((noreturn));

/* A: the walk has a repository for the agent's side, which is forked now
 * (not for a session without one); the walk gets its end of their pair,
 * passed back on the walk's own channel (SCM_RIGHTS). */
static int start_agent(struct as_git_mounts *j)
{
	char kind = 'A';
	struct iovec iov = { &kind, 1 };
	int wa[2], r = 0;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, wa) < 0)
		return as_fail(j->err, -errno, "socketpair: %s", strerror(errno));
	j->agent = fork();
	if (j->agent == 0)
		agent_child(j->s, j->agentfd, wa[1], j->parent);
	if (j->agent < 0)
		r = as_fail(j->err, -errno, "fork: %s", strerror(errno));
	else if ((r = as_msg_send(j->walk_chan, &iov, 1, wa[0])) < 0)
		r = as_fail(j->err, r, "cannot pass the git walk its agent side: %s", strerror(-r));
	close(wa[0]);
	close(wa[1]);
	return r;
}

/* One request of the walk (the table at the top). */
int as_git_mounts_request(struct as_git_mounts *j, char *buf, size_t n)
{
	char kind = n ? buf[0] : 0, *msg = buf + 1;
	size_t len = n ? n - 1 : 0;
	char what[2 * PATH_MAX + 2], *f[3];
	int fd, r;

	/* T is the walk's last message. */
	if (j->ended)
		return as_fail(j->err, -EPROTO, "the git walk sent more after its counts");
	switch (kind) {
	case 'S':
		if (!fields(msg, len, f, 2, false))
			break;
		fd = open_in_grant(j, f[0], f[1], what, sizeof(what));
		if (fd < 0)
			return fd;
		r = bind_fd(j, fd, fd, true, what);
		close(fd);
		return r;
	case 'O':
	case 'R':
		if (!fields(msg, len, f, 3, false))
			break;
		return bind_pair(j, f[0], f[1], f[2], kind == 'R');
	case 'A':
		if (len != 0 || j->walk_chan < 0 || j->agentfd < 0 || j->agent >= 0 || j->since)
			break;
		return start_agent(j);
	case 'N':
	case 'D':
		if (!fields(msg, len, f, 1, true))
			break;
		j->st->skipped += kind == 'N';
		if (as_strv_push(kind == 'N' ? &j->st->notes : &j->st->disarmed, f[0]) < 0)
			return as_fail(j->err, -ENOMEM, "out of memory");
		return 0;
	case 'V':
		if (!fields(msg, len, f, 1, true))
			break;
		if (as_strv_push(&j->st->review, f[0]) < 0)
			return as_fail(j->err, -ENOMEM, "out of memory");
		return 0;
	case 'W':
		if (!fields(msg, len, f, 1, true))
			break;
		if (snprintf(j->st->review_err.msg, sizeof(j->st->review_err.msg), "%s", f[0]) < 0)
			j->st->review_err.msg[0] = '\0';
		return 0;
	case 'T':
		if (!fields(msg, len, f, 1, true) ||
		    sscanf(f[0], "%u %u %u", &j->st->dirs, &j->st->repos, &j->st->readonly) != 3)
			break;
		j->ended = true;
		return 0;
	case 'E':
		if (!fields(msg, len, f, 1, true))
			break;
		return as_fail(j->err, -EIO, "%s",
			       f[0][0] ? f[0] : "the git walk failed, and did not say why");
	}
	return as_fail(j->err, -EPROTO, "the git walk sent a request root does not take ('%c')",
		       kind);
}

/* ---------------------------------------------------------- the children */

/* The owner's walk (SINCE: the end-of-session one): it talks to root on
 * ROOT, and to the agent's side on the fd root passes it (A).  It has the
 * groups the caller runs with, as its own git does; NSS's only when the
 * helper did not record them. */
static void owner_child(const struct as_session *s, const struct timespec *since, int root,
			pid_t parent) __attribute__((noreturn));
static void owner_child(const struct as_session *s, const struct timespec *since, int root,
			pid_t parent)
{
	const struct as_identity_child id = {
		.what = "the git walk",
		.name = s->owner,
		.uid = s->owner_uid,
		.gid = s->owner_gid,
		.groups = s->owner_groups,
		.n_groups = s->n_owner_groups,
		.parent = parent,
	};

	as_identity_child(&id, &root, 1);
	_exit(as_git_owner_walk(s, since, root));
}

/* The agent's side: writes the agent's git dirs in AGENTFD.  The agent's
 * own gid alone: nothing here needs its other groups. */
static void agent_child(const struct as_session *s, int agentfd, int chan, pid_t parent)
{
	const struct as_identity_child id = {
		.what = "the git step as the agent",
		.uid = s->agent_uid,
		.gid = s->agent_gid,
		.parent = parent,
	};
	const int keep[] = { agentfd, chan };

	as_identity_child(&id, keep, AS_ARRAY_SIZE(keep));
	_exit(as_git_agent_serve(s, agentfd, chan));
}

/* Waits for PID; 0 when it exited 0. */
static int reap(pid_t pid, const char *who, struct as_err *err, bool report)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return as_fail(err, -errno, "waitpid (%s): %s", who, strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (!report)
		return -EIO;
	if (WIFSIGNALED(status))
		return as_fail(err, -EIO, "%s ended by signal %d", who, WTERMSIG(status));
	return as_fail(err, -EIO, "%s failed (exit %d)", who, WEXITSTATUS(status));
}

/* Forks the walk (and, to start a session, the agent's side), carries out
 * its requests, reaps both. */
static int run(struct as_git_mounts *j)
{
	static char msg[AS_GIT_MSG_MAX];
	int wr[2] = { -1, -1 }, r = 0, r2;
	bool shut = false;
	pid_t walk;
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, wr) < 0)
		return as_fail(j->err, -errno, "socketpair: %s", strerror(errno));
	walk = fork();
	if (walk < 0) {
		r = as_fail(j->err, -errno, "fork: %s", strerror(errno));
		goto out;
	}
	if (walk == 0)
		owner_child(j->s, j->since, wr[1], j->parent);
	close(wr[1]);
	wr[1] = -1;
	j->walk_chan = wr[0];
	/* Every request, until the walk closes its end.  After a failed one
	 * nothing more is done, and root's side is shut, so a walk waiting
	 * for an answer (A) reads its end; the walk is still read to its.
	 * recv(2) has no room for control data: no fd the walk might pass
	 * is ever installed in root. */
	while ((n = recv(wr[0], msg, sizeof(msg), 0)) > 0 || (n < 0 && errno == EINTR)) {
		if (n > 0 && r == 0)
			r = as_git_mounts_request(j, msg, (size_t)n);
		if (r < 0 && !shut) {
			shutdown(wr[0], SHUT_WR);
			shut = true;
		}
	}
	if (n < 0 && r == 0)
		r = as_fail(j->err, -errno, "the git walk: recv: %s", strerror(errno));
	r2 = reap(walk, "the git walk (as the owner)", j->err, r == 0);
	if (r == 0)
		r = r2;
	if (r == 0 && !j->ended)
		r = as_fail(j->err, -EPROTO, "the git walk ended without its counts");
out:
	j->walk_chan = -1;
	for (int i = 0; i < 2; i++)
		if (wr[i] >= 0)
			close(wr[i]);
	if (j->agent > 0) {
		r2 = reap(j->agent, "the git step as the agent", j->err, r == 0);
		if (r == 0)
			r = r2;
	}
	j->agent = -1;
	return r;
}

int as_git_mounts_init(struct as_git_mounts *j, const struct as_session *s, struct as_git_stats *st,
		       struct as_err *err)
{
	memset(j, 0, sizeof(*j));
	j->s = s;
	j->st = st;
	j->err = err;
	j->agentfd = -1;
	j->walk_chan = -1;
	j->agent = -1;
	j->parent = getpid();
	j->grantfd = calloc(s->reg.n_projects + 1, sizeof(*j->grantfd));
	if (!j->grantfd)
		return as_fail(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < s->reg.n_projects; i++)
		j->grantfd[i] = -1;
	return 0;
}

void as_git_mounts_free(struct as_git_mounts *j)
{
	for (size_t i = 0; j->grantfd && i < j->s->reg.n_projects; i++)
		if (j->grantfd[i] >= 0)
			close(j->grantfd[i]);
	free(j->grantfd);
	j->grantfd = NULL;
	if (j->agentfd >= 0)
		close(j->agentfd);
	j->agentfd = -1;
}

static int start(const struct as_session *s, const struct timespec *since, struct as_git_stats *st,
		 struct as_err *err)
{
	struct as_git_mounts j;
	int r = as_git_mounts_init(&j, s, st, err);

	j.since = since;
	if (r == 0 && !since)
		r = open_agent_dir(&j);
	if (r == 0)
		r = run(&j);
	as_git_mounts_free(&j);
	return r;
}

int as_git_protect_session(const struct as_session *s, struct as_git_stats *st, struct as_err *err)
{
	/* The filesystems' clock (inode times come from the coarse one). */
	clock_gettime(CLOCK_REALTIME_COARSE, &st->started);
	return start(s, NULL, st, err);
}

int as_git_sweep_session(const struct as_session *s, const struct timespec *since,
			 struct as_git_stats *st, struct as_err *err)
{
	return start(s, since, st, err);
}
