/* SPDX-License-Identifier: MIT */
/*
 * POSIX ACLs over a project tree (acl(5), libacl).
 *
 * The walk (acl-int.h says where the rest is): directories queued for
 * whichever worker thread is free, each worker descending with its own
 * bounded stack of directory streams; each object it opens gets its ACLs
 * read (acl-object.c), a rule applied (acl-rules.c), and written back only
 * if that changed anything.  Workers share the queue and nothing else
 * mutable.
 *
 * Race safety: nothing is looked up by a path of more than one component
 * below an fd we hold.  Every entry is opened with openat(parent_fd, name,
 * O_NOFOLLOW|...), checked with fstat (type and st_dev), and every write
 * goes through that fd.  A tree changed under us (a directory swapped for
 * a symlink to /etc) makes openat fail with ELOOP or ENOTDIR, or hands us
 * the inode that really sits in the tree; it cannot redirect a write.  The
 * one read by name, precheck_file(), only ever decides to skip a file.
 */
#include "acl-int.h"
#include "gitdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* Directories waiting for a worker (each an open fd: the cap bounds what
 * the queue can pin), and at most this many workers, one per CPU. */
#define QUEUE_MAX 16
#define WORKERS_MAX 4

#define PRECHECK_MISSES 8
#define PRECHECK_PAUSE 256

struct walk_cfg {
	enum { OP_GRANT, OP_REVOKE, OP_CHECK } op;
	struct acl_rule rule;  /* whose entries */
	bool precheck;         /* getxattrat(2) works here */
	bool skip_agent_owned; /* revoke as the owner: the agent's own objects are left */
	dev_t dev;
	unsigned long long mnt_id; /* the root's mount; 0: kernel without STATX_MNT_ID */
};

/* ------------------------------------------------------- one object */

struct worker;

struct walk_queue {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job {
		int fd;
		unsigned int depth;
		struct stat sb;
		char *path;
		bool git; /* inside the owner's git dir */
	} jobs[QUEUE_MAX];
	size_t n; /* read unlocked as a hint: atomics */
	unsigned int nworkers;
	unsigned int idle;
	bool done;
	bool stop; /* a worker failed: read unlocked, atomics */
};

struct level {
	DIR *d;
	size_t pathlen;
	unsigned int depth;
	bool git;
};

struct worker {
	const struct walk_cfg *cfg;
	struct walk_queue *q;
	pthread_t thread;
	struct as_acl_stats st;
	struct as_acl_report rep;
	struct as_strv gitdirs;
	struct as_err err;
	struct as_err first_fail; /* revoke: the first object it could not fix */
	int rc;
	struct aclv av, dv;
	unsigned int precheck_misses; /* in a row */
	unsigned int precheck_pause;  /* files to go without */
	char path[PATH_MAX];
	struct level stack[AS_ACL_MAX_DEPTH + 1];
};

static void report(struct worker *w, unsigned long *counter, const char *problem)
{
	(*counter)++;
	if (!w->rep.example[0]) {
		size_t n = strnlen(w->path, sizeof(w->rep.example) - 1);

		/* Truncated if need be: it is only for the message. */
		memcpy(w->rep.example, w->path, n);
		w->rep.example[n] = '\0';
		w->rep.problem = problem;
	}
}

static int acl_fail(struct worker *w, int code, const char *what)
{
	if (code == -EOPNOTSUPP)
		return as_fail(&w->err, code, "%s: %s: %s (filesystem without ACL support?)",
			       w->path, what, strerror(-code));
	return as_fail(&w->err, code, "%s: %s: %s", w->path, what, strerror(-code));
}

static int read_access(struct worker *w, int fd, const struct stat *sb)
{
	const char *what;
	int r = as_acl_obj_read_access(fd, sb, &w->av, &what);

	return r < 0 ? acl_fail(w, r, what) : 0;
}

static int write_access(struct worker *w, int fd)
{
	const char *what;
	int r = as_acl_obj_write_access(fd, &w->av, &what);

	if (r < 0)
		return acl_fail(w, r, what);
	w->st.changed++;
	return 0;
}

static int read_default(struct worker *w, int fd)
{
	const char *what;
	int r = as_acl_obj_read_default(fd, &w->dv, &what);

	return r < 0 ? acl_fail(w, r, what) : 0;
}

static int write_default(struct worker *w, int fd, bool strip)
{
	const char *what;
	int r = as_acl_obj_write_default(fd, &w->dv, strip, &what);

	if (r < 0)
		return acl_fail(w, r, what);
	w->st.changed++;
	return 0;
}

static int check_object(struct worker *w, int fd, const struct stat *sb)
{
	const struct walk_cfg *c = w->cfg;
	bool missing, narrow;
	int r;

	r = read_access(w, fd, sb);
	if (r < 0)
		return r;
	as_acl_rule_check_access(&c->rule, &w->av, sb, &missing, &narrow);
	if (missing)
		report(w, &w->rep.missing, "no access entry for the agent");
	if (narrow)
		report(w, &w->rep.narrow_mask, "mask hides the agent's or the owner's rights");
	if (!S_ISDIR(sb->st_mode))
		return 0;
	r = read_default(w, fd);
	if (r < 0)
		return r;
	switch (as_acl_rule_check_default(&c->rule, &w->dv)) {
	case DEFAULT_MISSING:
		report(w, &w->rep.missing_default, "default ACL entries missing");
		break;
	case DEFAULT_NARROW_MASK:
		report(w, &w->rep.narrow_mask,
		       "default mask hides the agent's or the owner's rights");
		break;
	case DEFAULT_RIGHT:
		break;
	}
	return 0;
}

/*
 * One object inside the owner's git directory: whatever the operation,
 * the agent ends up (or, for check, should be) without any entry, access
 * or default, as revoke leaves it.  Files the agent owns there (made
 * while an older grant let it write) keep whatever the agent put in
 * them; no ACL can take an owner's write access away, so they are
 * counted for grant to warn about and check to report.
 */
static int git_object(struct worker *w, int fd, const struct stat *sb)
{
	const struct walk_cfg *c = w->cfg;
	bool changed, dchanged = false;
	int r;

	if (sb->st_uid == c->rule.agent) {
		w->st.git_agent_owned++;
		if (c->op == OP_CHECK)
			report(w, &w->rep.git_agent_owned,
			       "a file the agent owns inside a git directory");
	}
	r = read_access(w, fd, sb);
	if (r < 0)
		return r;
	if (c->op == OP_CHECK) {
		bool found = as_aclv_cfind(&w->av, ACL_USER, c->rule.agent) != NULL;

		if (!found && S_ISDIR(sb->st_mode)) {
			r = read_default(w, fd);
			if (r < 0)
				return r;
			found = as_aclv_cfind(&w->dv, ACL_USER, c->rule.agent) != NULL;
		}
		if (found)
			report(w, &w->rep.in_gitdir,
			       "the agent's ACL entry inside a git directory");
		return 0;
	}
	changed = as_acl_rule_revoke_access(&c->rule, &w->av);
	if (changed) {
		r = write_access(w, fd);
		if (r < 0)
			return r;
	}
	if (S_ISDIR(sb->st_mode)) {
		r = read_default(w, fd);
		if (r < 0)
			return r;
		dchanged = as_acl_rule_revoke_default(&c->rule, &w->dv);
		if (dchanged) {
			r = write_default(w, fd, true);
			if (r < 0)
				return r;
		}
	}
	if (!changed && !dchanged)
		w->st.unchanged++;
	return 0;
}

/* Applies the operation to one opened, verified directory or file; GIT:
 * it lies in the owner's git directory. */
static int do_object(struct worker *w, int fd, const struct stat *sb, bool git)
{
	const struct walk_cfg *c = w->cfg;
	bool changed;
	int r;

	w->st.visited++;
	if (git)
		return git_object(w, fd, sb);
	if (c->op == OP_CHECK)
		return check_object(w, fd, sb);

	r = read_access(w, fd, sb);
	if (r < 0)
		return r;
	if (as_aclv_full(&w->av))
		return as_fail(&w->err, -E2BIG, "%s: ACL has too many entries", w->path);
	if (c->op == OP_GRANT)
		changed = as_acl_rule_grant_access(&c->rule, &w->av, sb);
	else
		changed = as_acl_rule_revoke_access(&c->rule, &w->av);
	if (changed) {
		r = write_access(w, fd);
		if (r < 0)
			return r;
	}
	if (S_ISDIR(sb->st_mode)) {
		bool dchanged;

		r = read_default(w, fd);
		if (r < 0)
			return r;
		if (as_aclv_full(&w->dv))
			return as_fail(&w->err, -E2BIG, "%s: default ACL has too many entries",
				       w->path);
		if (c->op == OP_GRANT)
			dchanged = as_acl_rule_grant_default(&c->rule, &w->dv, &w->av);
		else
			dchanged = as_acl_rule_revoke_default(&c->rule, &w->dv);
		if (dchanged) {
			r = write_default(w, fd, c->op == OP_REVOKE);
			if (r < 0)
				return r;
		}
		changed |= dchanged;
	}
	if (!changed)
		w->st.unchanged++;
	return 0;
}

/* ----------------------------------------------------------- the walk */

static bool should_stop(struct walk_queue *q)
{
	return __atomic_load_n(&q->stop, __ATOMIC_RELAXED);
}

static void queue_stop(struct walk_queue *q)
{
	pthread_mutex_lock(&q->lock);
	__atomic_store_n(&q->stop, true, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

/*
 * Queues a directory for whichever worker is free first; false when the
 * queue is full (the caller then descends itself, depth first, which keeps
 * fds bounded).  Queuing every directory while there is room, not only
 * when a worker is idle, matters: in a wide tree the directories are found
 * in one place, and a worker that runs dry must find the next one waiting.
 */
static bool queue_offer(struct walk_queue *q, int fd, unsigned int depth, const struct stat *sb,
			const char *path, bool git)
{
	bool taken = false;
	char *p;

	if (__atomic_load_n(&q->n, __ATOMIC_RELAXED) >= QUEUE_MAX)
		return false;
	p = strdup(path);
	if (!p)
		return false;
	pthread_mutex_lock(&q->lock);
	if (q->n < QUEUE_MAX) {
		q->jobs[q->n] = (struct job){ fd, depth, *sb, p, git };
		__atomic_store_n(&q->n, q->n + 1, __ATOMIC_RELAXED);
		if (q->idle)
			pthread_cond_signal(&q->cond);
		taken = true;
	}
	pthread_mutex_unlock(&q->lock);
	if (!taken)
		free(p);
	return taken;
}

/* Next directory to walk; false when the walk is over (every worker idle
 * with an empty queue) or stopped. */
static bool queue_take(struct walk_queue *q, struct job *out)
{
	bool got = false;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		if (q->stop || q->done)
			break;
		if (q->n > 0) {
			*out = q->jobs[q->n - 1];
			__atomic_store_n(&q->n, q->n - 1, __ATOMIC_RELAXED);
			got = true;
			break;
		}
		if (q->idle + 1 == q->nworkers) {
			q->done = true;
			pthread_cond_broadcast(&q->cond);
			break;
		}
		q->idle++;
		pthread_cond_wait(&q->cond, &q->lock);
		q->idle--;
	}
	pthread_mutex_unlock(&q->lock);
	return got;
}

static int path_append(struct worker *w, size_t len, const char *name)
{
	size_t n = strlen(name);

	if (len + 1 + n >= sizeof(w->path)) {
		w->path[len] = '\0';
		return as_fail(&w->err, -ENAMETOOLONG, "%s/%s: path longer than %d bytes", w->path,
			       name, PATH_MAX);
	}
	w->path[len] = '/';
	memcpy(w->path + len + 1, name, n + 1);
	return 0;
}

/*
 * The fast path for regular files, which are most of a tree: read the ACL
 * by name, relative to the directory fd (getxattrat with
 * AT_SYMLINK_NOFOLLOW: no symlink followed, nothing opened, so no device
 * or FIFO side effect), and decide whether the operation would change
 * anything.  Returns 0 when it would not (the file is done: two system
 * calls instead of open, fstat, read, close), 1 when the file needs the
 * full path, which opens it, re-reads everything through the fd and is
 * the only path that writes.  A name swapped between the fstatat and the
 * read can at worst make us skip a file the swapper could already reach:
 * nothing is ever written on the strength of this read.
 */
static int precheck_file(struct worker *w, int dfd, const char *name, const struct stat *sb,
			 bool git)
{
	const struct walk_cfg *c = w->cfg;
	bool missing, narrow;

	if (as_acl_obj_peek_access(dfd, name, sb, &w->av) < 0)
		return 1;
	/* In a git dir every operation removes (or looks for) the agent's
	 * entry; the agent's own files are counted on the full path. */
	if (git)
		return sb->st_uid == c->rule.agent ||
		       as_aclv_cfind(&w->av, ACL_USER, c->rule.agent) != NULL;
	switch (c->op) {
	case OP_GRANT:
		return as_acl_rule_grant_access(&c->rule, &w->av, sb);
	case OP_REVOKE:
		return as_acl_rule_revoke_access(&c->rule, &w->av);
	case OP_CHECK:
		as_acl_rule_check_access(&c->rule, &w->av, sb, &missing, &narrow);
		return missing || narrow;
	}
	return 1;
}

/*
 * Opens one directory entry for the walk.  Returns 1 with *fdp and *sb set
 * for a directory or regular file on our filesystem, 0 when the entry is
 * skipped or vanished (counted), or -errno.
 */
static int open_entry(struct worker *w, int dfd, const struct dirent *de, int *fdp, struct stat *sb,
		      bool git)
{
	unsigned char type = de->d_type;
	unsigned long long mnt;
	bool precheck;
	int fd, r;

	/* On a tree not granted yet every pre-check misses and only adds
	 * two system calls to the full path: after a run of misses, pause
	 * them for a while, then try again (trees are mostly all granted or
	 * all not). */
	precheck = w->cfg->precheck && !w->precheck_pause;
	if (w->precheck_pause)
		w->precheck_pause--;
	if (type == DT_UNKNOWN || (type == DT_REG && precheck)) {
		if (fstatat(dfd, de->d_name, sb, AT_SYMLINK_NOFOLLOW) < 0)
			goto open_failed;
		type = IFTODT(sb->st_mode);
	}
	/* Symlinks are never followed, and special files never opened:
	 * opening a device can have side effects, a FIFO can block. */
	if (type != DT_DIR && type != DT_REG) {
		w->st.skipped++;
		return 0;
	}
	if (type == DT_REG && precheck && sb->st_dev == w->cfg->dev) {
		if (precheck_file(w, dfd, de->d_name, sb, git) == 0) {
			w->precheck_misses = 0;
			w->st.visited++;
			if (w->cfg->op != OP_CHECK)
				w->st.unchanged++;
			return 0;
		}
		if (++w->precheck_misses >= PRECHECK_MISSES) {
			w->precheck_misses = 0;
			w->precheck_pause = PRECHECK_PAUSE;
		}
	}
	/* O_NONBLOCK and O_NOCTTY: should the name be swapped for a FIFO or
	 * a tty between readdir and here, the open neither blocks nor takes
	 * a controlling terminal, and fstat below tells us to skip it.
	 * Creating a device node needs CAP_MKNOD, which neither side has. */
	fd = openat(dfd, de->d_name, OPEN_FLAGS | (type == DT_DIR ? O_DIRECTORY : 0));
	if (fd < 0)
		goto open_failed;
	r = as_fstat_mnt(fd, sb, &mnt);
	if (r < 0) {
		close(fd);
		return as_fail(&w->err, r, "%s: cannot stat: %s", w->path, strerror(-r));
	}
	/* Another mount, even a bind mount of the same filesystem (same
	 * st_dev, another mount id), is not part of the tree. */
	if ((!S_ISDIR(sb->st_mode) && !S_ISREG(sb->st_mode)) || sb->st_dev != w->cfg->dev ||
	    mnt != w->cfg->mnt_id) {
		close(fd);
		w->st.skipped++;
		return 0;
	}
	/* Grant acts only on inodes the owner could have changed itself
	 * (setfacl needs ownership, acl(5)): root must not widen access to
	 * another user's file for them.  An ACL belongs to the inode, not the
	 * name, so this also covers a hard link to someone else's file (say
	 * /etc/shadow, where protected_hardlinks is off).  Check does not
	 * expect such entries granted; revoke, and anything inside a git
	 * dir, still visits them, since taking the agent's entry away is
	 * always safe. */
	if (w->cfg->op != OP_REVOKE && !git && sb->st_uid != w->cfg->rule.owner &&
	    sb->st_uid != w->cfg->rule.agent) {
		close(fd);
		w->st.skipped++;
		return 0;
	}
	*fdp = fd;
	return 1;

open_failed:
	switch (errno) {
	case ENOENT:
	case ENOTDIR: /* a directory replaced by something else */
		w->st.vanished++;
		return 0;
	case ELOOP: /* replaced by a symlink: never followed */
	case ENXIO: /* a socket */
		w->st.skipped++;
		return 0;
	default:
		return as_fail(&w->err, -errno, "%s: cannot open: %s", w->path, strerror(errno));
	}
}

/* A git directory (lib/gitdir.h) that is not the agent's own: the agent's
 * repositories are its to write, and the owner's git refuses them
 * (safe.directory) until the owner adopts one. */
static bool owner_gitdir(const struct walk_cfg *c, int fd, const struct stat *sb)
{
	return sb->st_uid != c->rule.agent && as_gitdir_at(fd);
}

static void unwind(struct worker *w, size_t *sp)
{
	while (*sp > 0)
		closedir(w->stack[--*sp].d);
}

/*
 * A failure R on the object at w->path: grant and check stop the walk
 * (return R); revoke never stops early (DESIGN.md, "Commands"): it counts
 * the failure, keeps the first message, and goes on with the rest, so one
 * bad file cannot leave the agent's entries everywhere else.
 */
static int carry_on(struct worker *w, int r)
{
	if (r >= 0 || w->cfg->op != OP_REVOKE || r == -ECANCELED || r == -ENOMEM)
		return r;
	if (!w->st.failed++)
		w->first_fail = w->err;
	return 0;
}

/* Applies the operation to the directory of JOB, then to everything below
 * it, depth first, handing subdirectories to idle workers. */
static int walk_job(struct worker *w, struct job *job)
{
	size_t sp = 0;
	int r;

	snprintf(w->path, sizeof(w->path), "%s", job->path);
	r = carry_on(w, do_object(w, job->fd, &job->sb, job->git));
	if (r < 0) {
		close(job->fd);
		return r;
	}
	w->stack[0].d = fdopendir(job->fd);
	if (!w->stack[0].d) {
		r = -errno;
		close(job->fd);
		return carry_on(w, as_fail(&w->err, r, "%s: cannot read directory: %s", w->path,
					   strerror(-r)));
	}
	w->stack[0].pathlen = strlen(w->path);
	w->stack[0].depth = job->depth;
	w->stack[0].git = job->git;
	sp = 1;

	while (sp > 0) {
		struct level *top = &w->stack[sp - 1];
		struct dirent *de;
		struct stat sb;
		bool git;
		int fd = -1;

		if (should_stop(w->q)) {
			r = -ECANCELED;
			goto out;
		}
		errno = 0;
		de = readdir(top->d);
		if (!de) {
			if (errno) {
				r = -errno;
				w->path[top->pathlen] = '\0';
				r = carry_on(w, as_fail(&w->err, r, "%s: cannot read directory: %s",
							w->path, strerror(-r)));
				if (r < 0)
					goto out;
			}
			closedir(top->d);
			sp--;
			continue;
		}
		if (de->d_name[0] == '.' &&
		    (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		r = path_append(w, top->pathlen, de->d_name);
		if (r < 0) {
			if (carry_on(w, r) < 0)
				goto out;
			continue;
		}
		r = carry_on(w, open_entry(w, dirfd(top->d), de, &fd, &sb, top->git));
		if (r < 0)
			goto out;
		if (r == 0)
			continue;
		if (w->cfg->skip_agent_owned && sb.st_uid == w->cfg->rule.agent) {
			close(fd);
			continue;
		}
		if (!S_ISDIR(sb.st_mode)) {
			r = carry_on(w, do_object(w, fd, &sb, top->git));
			close(fd);
			if (r < 0)
				goto out;
			continue;
		}
		if (top->depth + 1 > AS_ACL_MAX_DEPTH) {
			close(fd);
			r = carry_on(w,
				     as_fail(&w->err, -ELOOP,
					     "%s: more than %d directory levels below the tree's root; refusing to go deeper",
					     w->path, AS_ACL_MAX_DEPTH));
			if (r < 0)
				goto out;
			continue;
		}
		git = top->git;
		if (!git && owner_gitdir(w->cfg, fd, &sb)) {
			git = true;
			if (as_strv_push(&w->gitdirs, w->path) < 0) {
				close(fd);
				r = as_fail(&w->err, -ENOMEM, "%s: out of memory", w->path);
				goto out;
			}
		}
		if (queue_offer(w->q, fd, top->depth + 1, &sb, w->path, git))
			continue;
		r = carry_on(w, do_object(w, fd, &sb, git));
		if (r < 0) {
			close(fd);
			goto out;
		}
		w->stack[sp].d = fdopendir(fd);
		if (!w->stack[sp].d) {
			r = -errno;
			close(fd);
			r = carry_on(w, as_fail(&w->err, r, "%s: cannot read directory: %s",
						w->path, strerror(-r)));
			if (r < 0)
				goto out;
			continue;
		}
		w->stack[sp].pathlen = strlen(w->path);
		w->stack[sp].depth = top->depth + 1;
		w->stack[sp].git = git;
		sp++;
	}
	r = 0;
out:
	unwind(w, &sp);
	return r;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct job job;

	while (queue_take(w->q, &job)) {
		w->rc = walk_job(w, &job);
		free(job.path);
		if (w->rc < 0) {
			queue_stop(w->q);
			break;
		}
	}
	return NULL;
}

static unsigned int worker_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > WORKERS_MAX ? WORKERS_MAX : (unsigned int)n;
}

static int walk_tree(const char *dir, struct walk_cfg *cfg, struct as_acl_stats *st,
		     struct as_acl_report *rep, struct as_err *err)
{
	struct walk_queue q = {
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.cond = PTHREAD_COND_INITIALIZER,
	};
	struct worker *w = NULL;
	struct as_err first_fail = { "" };
	unsigned long failed = 0;
	unsigned int nw = worker_count(), started = 0;
	struct rlimit rl;
	struct job root;
	int fd = -1, r;

	if (st)
		*st = (struct as_acl_stats){ .visited = 0 };
	if (rep)
		*rep = (struct as_acl_report){ .problem = NULL };
	if (cfg->rule.agent == 0 || cfg->rule.agent == cfg->rule.owner)
		return as_fail(err, -EINVAL,
			       "%s: agent uid %u must differ from root and from the owner", dir,
			       (unsigned int)cfg->rule.agent);
	if (strcmp(dir, "/") == 0)
		return as_fail(err, -EINVAL, "/: refusing to walk the whole filesystem");
	r = as_acl_obj_open_path(dir, false, &fd, NULL, NULL, err);
	if (r < 0)
		return r;
	root = (struct job){ .fd = fd, .depth = 0 };
	r = as_fstat_mnt(fd, &root.sb, &cfg->mnt_id);
	if (r < 0) {
		r = as_fail(err, r, "%s: cannot stat: %s", dir, strerror(-r));
		goto out;
	}
	cfg->dev = root.sb.st_dev;
	cfg->precheck = as_acl_obj_peek_works(fd);
	root.git = owner_gitdir(cfg, fd, &root.sb);
	if (root.git && st && as_strv_push(&st->gitdirs, dir) < 0) {
		r = as_fail(err, -ENOMEM, "%s: out of memory", dir);
		goto out;
	}
	r = as_acl_obj_check_proc(fd, &root.sb, dir, err);
	if (r < 0)
		goto out;
	/* Each worker may hold a directory stream per level, plus one open
	 * entry; the queue pins at most QUEUE_MAX more. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)nw * (AS_ACL_MAX_DEPTH + 2) + QUEUE_MAX + 32) {
		r = as_fail(err, -EMFILE,
			    "%s: open file limit %llu is too low for a walk %d levels deep", dir,
			    (unsigned long long)rl.rlim_cur, AS_ACL_MAX_DEPTH);
		goto out;
	}
	w = calloc(nw, sizeof(*w));
	root.path = strdup(dir);
	if (!w || !root.path) {
		free(root.path);
		r = as_fail(err, -ENOMEM, "%s: out of memory", dir);
		goto out;
	}
	q.jobs[q.n++] = root;
	fd = -1; /* the queue owns it now */
	q.nworkers = nw;
	for (unsigned int i = 0; i < nw; i++) {
		w[i].cfg = cfg;
		w[i].q = &q;
	}
	/* The calling thread is worker 0; the others are extra threads.  If
	 * one cannot be created, fewer workers do the same job. */
	for (started = 1; started < nw; started++)
		if (pthread_create(&w[started].thread, NULL, worker_main, &w[started]) != 0)
			break;
	pthread_mutex_lock(&q.lock);
	q.nworkers = started;
	pthread_mutex_unlock(&q.lock);
	worker_main(&w[0]);
	for (unsigned int i = 1; i < started; i++)
		pthread_join(w[i].thread, NULL);

	r = 0;
	for (unsigned int i = 0; i < started; i++) {
		/* The first real failure, not the ECANCELED of the workers
		 * it stopped. */
		if (w[i].rc < 0 && (r == 0 || r == -ECANCELED)) {
			r = w[i].rc;
			if (err)
				memcpy(err->msg, w[i].err.msg, sizeof(err->msg));
		}
		if (st) {
			st->visited += w[i].st.visited;
			st->changed += w[i].st.changed;
			st->unchanged += w[i].st.unchanged;
			st->skipped += w[i].st.skipped;
			st->vanished += w[i].st.vanished;
			st->failed += w[i].st.failed;
			st->git_agent_owned += w[i].st.git_agent_owned;
			for (size_t j = 0; j < w[i].gitdirs.n; j++) {
				as_strv_push_take(&st->gitdirs, w[i].gitdirs.v[j]);
				w[i].gitdirs.v[j] = NULL;
			}
		}
		if (w[i].st.failed) {
			failed += w[i].st.failed;
			if (!first_fail.msg[0])
				first_fail = w[i].first_fail;
		}
		as_strv_free(&w[i].gitdirs);
		if (rep) {
			rep->missing += w[i].rep.missing;
			rep->narrow_mask += w[i].rep.narrow_mask;
			rep->missing_default += w[i].rep.missing_default;
			rep->in_gitdir += w[i].rep.in_gitdir;
			rep->git_agent_owned += w[i].rep.git_agent_owned;
			if (!rep->example[0] && w[i].rep.example[0]) {
				memcpy(rep->example, w[i].rep.example, sizeof(rep->example));
				rep->problem = w[i].rep.problem;
			}
		}
	}
	/* Revoke went through everything it could: now say what it could not. */
	if (r == 0 && failed)
		r = as_fail(err, -EIO,
			    "%lu file(s) or directories could not be changed; the first: %s",
			    failed, first_fail.msg);
	/* Jobs left behind by a stopped walk. */
	for (size_t i = 0; i < q.n; i++) {
		close(q.jobs[i].fd);
		free(q.jobs[i].path);
	}
out:
	if (fd >= 0)
		close(fd);
	free(w);
	return r;
}

void as_acl_stats_free(struct as_acl_stats *st)
{
	as_strv_free(&st->gitdirs);
}

int as_acl_grant_tree(const char *dir, uid_t agent, uid_t owner, bool read_only,
		      struct as_acl_stats *st, struct as_err *err)
{
	struct walk_cfg cfg = { .op = OP_GRANT, .rule = { agent, owner, read_only } };

	return walk_tree(dir, &cfg, st, NULL, err);
}

int as_acl_revoke_tree(const char *dir, uid_t agent, uid_t owner, struct as_acl_stats *st,
		       struct as_err *err)
{
	struct walk_cfg cfg = { .op = OP_REVOKE, .rule = { agent, owner, false } };

	return walk_tree(dir, &cfg, st, NULL, err);
}

int as_acl_strip_owned(const char *dir, uid_t agent, uid_t owner, struct as_acl_stats *st,
		       struct as_err *err)
{
	struct walk_cfg cfg = { .op = OP_REVOKE,
				.rule = { agent, owner, false },
				.skip_agent_owned = true };

	return walk_tree(dir, &cfg, st, NULL, err);
}

int as_acl_check_tree(const char *dir, uid_t agent, uid_t owner, bool read_only,
		      struct as_acl_report *rep, struct as_err *err)
{
	struct walk_cfg cfg = { .op = OP_CHECK, .rule = { agent, owner, read_only } };
	struct as_acl_report local;

	return walk_tree(dir, &cfg, NULL, rep ? rep : &local, err);
}
