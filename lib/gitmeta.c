/* SPDX-License-Identifier: MIT */
#include "gitmeta.h"
#include "config.h"
#include "acl.h"
#include "gitdir.h"
#include "gitrefs.h"
#include "identity.h"
#include "review.h"

#include <acl/libacl.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/acl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define GITLINK_MAX 4096
#define SUBS_MAX 64 /* submodules and linked worktrees per repo */
#define SUBS_DEPTH 4

/* ---------------------------------------------------------- small parts */

void as_git_stats_free(struct as_git_stats *st)
{
	as_strv_free(&st->notes);
	as_strv_free(&st->disarmed);
	as_strv_free(&st->review);
	memset(st, 0, sizeof(*st));
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

/* FNV-1a, 64 bits: a stable name, not a secret (the path is no secret). */
static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

int as_git_agent_dir_name(const char *worktree, char *out, size_t len)
{
	const char *base = strrchr(worktree, '/');
	char clean[33];
	size_t n = 0;
	int r;

	base = base && base[1] ? base + 1 : "root";
	for (; *base && n < sizeof(clean) - 1; base++)
		if (isalnum((unsigned char)*base) || *base == '.' || *base == '_' || *base == '-')
			clean[n++] = *base;
	clean[n] = '\0';
	r = snprintf(out, len, "%s-%016llx.git", n && clean[0] != '.' ? clean : "repo",
		     (unsigned long long)fnv1a(worktree));
	return r < 0 || (size_t)r >= len ? -ENAMETOOLONG : 0;
}

/* ------------------------------------------------------------- the walk */

/* A git dir already handled, by inode. */
struct seen_dir {
	dev_t dev;
	ino_t ino;
};

struct walk {
	const struct as_session *s;
	int rootfd;
	int chan;       /* requests to root (lib/gitmount.c), -1 in a dry run */
	int agent_chan; /* the agent's side (as_git_agent_serve) */
	size_t grant;   /* the read-write grant walked: its registry index */
	const char *root;
	dev_t dev;
	unsigned long long mnt_id; /* the root's mount (as_fstat_mnt) */
	bool dry_run;
	bool sweep; /* the end of a session: strip and disarm only */
	struct as_git_stats *st;
	struct as_err *err;
	unsigned agent_dirs; /* the agent's own directories walked */
	bool agent_budget_noted;
	struct seen_dir *seen;
	size_t n_seen;
};

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

/* Sends KIND and the N fields F as one message on FD (lib/gitmount.c). */
static int send_fields(int fd, char kind, const char *const *f, size_t n, struct as_err *err)
{
	char msg[AS_GIT_MSG_MAX];
	size_t len = 1;

	msg[0] = kind;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(f[i]) + 1;

		if (len + l > sizeof(msg))
			return as_fail(err, -ENAMETOOLONG, "%.200s: too long to pass on", f[i]);
		memcpy(msg + len, f[i], l);
		len += l;
	}
	if (send(fd, msg, len, MSG_NOSIGNAL) != (ssize_t)len)
		return as_fail(err, -errno, "cannot pass on a request: %s", strerror(errno));
	return 0;
}

/*
 * Asks root for a bind mount (lib/gitmount.c): PATH (in the grant being
 * walked) read-only onto itself (S), the owner's objects at PATH onto
 * AREL in the agent's dir (O), or the agent's git dir AREL onto PATH (R).
 * Nothing in a dry run.
 */
static int request(struct walk *w, char kind, const char *path, const char *arel)
{
	size_t rl = strlen(w->root);
	char grant[24];
	const char *f[3] = { grant, ".", arel };

	if (w->dry_run)
		return 0;
	if (strncmp(path, w->root, rl) != 0)
		return as_fail(w->err, -EINVAL, "%s: not under %s", path, w->root);
	for (path += rl; *path == '/'; path++)
		;
	if (*path)
		f[1] = path;
	snprintf(grant, sizeof(grant), "%zu", w->grant);
	return send_fields(w->chan, kind, f, kind == 'S' ? 2 : 3, w->err);
}

/* ---------------------------------------- the agent's side (in a child) */

static int open_failed(struct walk *w, const char *path);

/* What the owner's walk read from one of the owner's git dirs for the
 * agent's side: the repository's own (first), then its submodules' (.git/modules/NAME, git
 * dirs of their own) and linked worktrees' (.git/worktrees/ID, a HEAD and
 * an index over the common dir), which the agent's dir mirrors at the
 * same relative paths, so the .git files of submodules and worktrees
 * lead into it in the session. */
struct prep {
	enum { P_MAIN, P_MODULE, P_WORKTREE } kind;
	char name[PATH_MAX];    /* P_MAIN: in the base; else in the main */
	char objects[PATH_MAX]; /* the owner's objects, real path */
	char head[HEAD_MAX];
	char gitdir[PATH_MAX]; /* P_WORKTREE: its "gitdir" file */
	struct git_refs heads, tags;
	int index_fd; /* the owner's index, or -1 */
	struct git_config cfg;
};

struct preps {
	struct prep *v;
	size_t n;
};

static void prep_free(struct prep *p)
{
	git_refs_free(&p->heads);
	git_refs_free(&p->tags);
	if (p->index_fd >= 0)
		close(p->index_fd);
	p->index_fd = -1;
}

static void preps_free(struct preps *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		prep_free(&ps->v[i]);
	free(ps->v);
	memset(ps, 0, sizeof(*ps));
}

/* One more, empty prep in PS; NULL past SUBS_MAX or out of memory. */
static struct prep *preps_add_raw(struct preps *ps)
{
	struct prep *n;

	if (ps->n > SUBS_MAX)
		return NULL;
	n = reallocarray(ps->v, ps->n + 1, sizeof(*n));
	if (!n)
		return NULL;
	ps->v = n;
	memset(&n[ps->n], 0, sizeof(*n));
	n[ps->n].index_fd = -1;
	return &n[ps->n++];
}

/* Adds u:OWNER with PERM to FD's access ACL (and, for DEFAULT, to its
 * default ACL): the owner reads what the agent's git writes here. */
static int allow_owner(int fd, uid_t owner, acl_perm_t perm, bool dflt)
{
	char p[64];
	acl_type_t types[2] = { ACL_TYPE_ACCESS, ACL_TYPE_DEFAULT };

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	for (int i = 0; i < (dflt ? 2 : 1); i++) {
		acl_t acl = acl_get_file(p, types[i]);
		acl_entry_t e;
		acl_permset_t ps;
		acl_tag_t tag;
		bool found = false;
		int r = 0, id;

		if (!acl)
			return -errno;
		if (types[i] == ACL_TYPE_DEFAULT && acl_entries(acl) == 0) {
			acl_free(acl);
			acl = acl_from_text("u::rwx,g::---,o::---");
			if (!acl)
				return -errno;
		}
		/* The owner's entry, if an earlier session made it. */
		for (id = ACL_FIRST_ENTRY; acl_get_entry(acl, id, &e) == 1; id = ACL_NEXT_ENTRY) {
			uid_t *q;

			if (acl_get_tag_type(e, &tag) < 0 || tag != ACL_USER)
				continue;
			q = acl_get_qualifier(e);
			found = q && *q == owner;
			acl_free(q);
			if (found)
				break;
		}
		if ((!found &&
		     (acl_create_entry(&acl, &e) < 0 || acl_set_tag_type(e, ACL_USER) < 0 ||
		      acl_set_qualifier(e, &owner) < 0)) ||
		    acl_get_permset(e, &ps) < 0 || acl_clear_perms(ps) < 0 ||
		    acl_add_perm(ps, perm) < 0 || acl_calc_mask(&acl) < 0 ||
		    acl_set_file(p, types[i], acl) < 0)
			r = -errno;
		acl_free(acl);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Creates NAME in DIRFD as a directory (if missing) and opens it. */
static int mkopen(int dirfd, const char *name, mode_t mode, bool *created)
{
	int fd;

	if (mkdirat(dirfd, name, mode) == 0) {
		if (created)
			*created = true;
	} else if (errno != EEXIST) {
		return -errno;
	}
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* mkopen for each component of the relative PATH ("modules/a/b"). */
static int mkopen_path(int dirfd, const char *path, mode_t mode, bool *created)
{
	char buf[PATH_MAX], *p, *slash;
	int fd = dup(dirfd);

	if (fd < 0)
		return -errno;
	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf;; p = slash + 1) {
		int next;

		slash = strchr(p, '/');
		if (slash)
			*slash = '\0';
		next = mkopen(fd, p, mode, slash ? NULL : created);
		close(fd);
		if (next < 0 || !slash)
			return next;
		fd = next;
	}
}

/* Writes LEN bytes of DATA to NAME in DIRFD, through a temporary and a
 * rename (as git does), so a reader never sees half a file. */
static int write_atomic(int dirfd, const char *name, const void *data, size_t len)
{
	char tmp[NAME_MAX + 1];
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%.200s.as-new", name) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0660);
	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len) {
		int e = errno ? errno : EIO;

		close(fd);
		unlinkat(dirfd, tmp, 0);
		return -e;
	}
	if (close(fd) < 0 || renameat(dirfd, tmp, dirfd, name) < 0) {
		int e = errno;

		unlinkat(dirfd, tmp, 0);
		return -e;
	}
	return 0;
}

/* Writes the loose ref NAME ("refs/heads/a/b") = OID in the git dir AFD. */
static int write_ref(int afd, const char *name, const char *oid)
{
	char buf[PATH_MAX], line[OID_MAX + 2];
	char *slash, *p;
	int dfd, r;

	snprintf(buf, sizeof(buf), "%s", name);
	dfd = dup(afd);
	if (dfd < 0)
		return -errno;
	for (p = buf; (slash = strchr(p, '/')); p = slash + 1) {
		int n;

		*slash = '\0';
		n = mkopen(dfd, p, 0770, NULL);
		close(dfd);
		if (n < 0)
			return n;
		dfd = n;
	}
	snprintf(line, sizeof(line), "%s\n", oid);
	r = write_atomic(dfd, p, line, strlen(line));
	close(dfd);
	return r;
}

/* Loose mirrors of owner branches that are gone: removed. */
static void prune_mirrors(int afd, const char *name, struct git_refs *keep, unsigned depth)
{
	int fd = git_openat_beneath(afd, name, O_RDONLY | O_DIRECTORY);
	DIR *d;
	struct dirent *de;

	if (fd < 0 || depth > 64) {
		if (fd >= 0)
			close(fd);
		return;
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		char sub[PATH_MAX], want[PATH_MAX];
		struct stat st;

		if (de->d_name[0] == '.' || git_path_join(sub, sizeof(sub), name, de->d_name) < 0 ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			prune_mirrors(afd, sub, keep, depth + 1);
			continue;
		}
		snprintf(want, sizeof(want), "refs/heads/%s", sub + strlen("refs/remotes/owner/"));
		if (!git_refs_find(keep, want))
			unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

/* Copies the owner's index (the walk opened it and passed it on) into the agent's dir. */
static int copy_index(int afd, int from)
{
	char tmp[] = "index.as-new";
	char buf[65536];
	off_t off = 0;
	ssize_t n;
	int to = openat(afd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0660);

	if (to < 0)
		return -errno;
	while ((n = pread(from, buf, sizeof(buf), off)) > 0) {
		if (write(to, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
		off += n;
	}
	if (n < 0 || close(to) < 0 || renameat(afd, tmp, afd, "index") < 0) {
		int e = errno ? errno : EIO;

		unlinkat(afd, tmp, 0);
		return -e;
	}
	return 0;
}

/* The ref sync rule of lib/gitmeta.h, in the agent's git dir AFD. */
static int sync_refs(int afd, const struct prep *p, bool created)
{
	struct git_refs mine = { 0 };
	int r;

	r = git_read_refs(afd, "refs/heads/", &mine);
	if (r == 0)
		r = git_read_refs(afd, "refs/remotes/owner/", &mine);
	if (r == 0)
		r = git_read_refs(afd, "refs/tags/", &mine);
	for (size_t i = 0; r == 0 && i < p->heads.n; i++) {
		const struct git_ref *o = &p->heads.v[i];
		char mirror[PATH_MAX];
		struct git_ref *m, *old;

		snprintf(mirror, sizeof(mirror), "refs/remotes/owner/%s",
			 o->name + strlen("refs/heads/"));
		m = git_refs_find(&mine, o->name);
		old = git_refs_find(&mine, mirror);
		/* The agent's branch follows the owner's when the agent left
		 * it where the owner's was, or the owner's has been at the
		 * agent's commit since (the owner took the agent's work). */
		if ((!m && (!old || created)) ||
		    (m && strcmp(m->oid, o->oid) &&
		     ((old && !strcmp(m->oid, old->oid)) || git_in_hist(o->hist, m->oid))))
			r = write_ref(afd, o->name, o->oid);
		if (r == 0 && (!old || strcmp(old->oid, o->oid)))
			r = write_ref(afd, mirror, o->oid);
	}
	for (size_t i = 0; r == 0 && i < p->tags.n; i++)
		if (!git_refs_find(&mine, p->tags.v[i].name))
			r = write_ref(afd, p->tags.v[i].name, p->tags.v[i].oid);
	if (r == 0)
		prune_mirrors(afd, "refs/remotes/owner", (struct git_refs *)&p->heads, 0);
	git_refs_free(&mine);
	return r;
}

/* Whether the agent's HEAD (resolved in the refs of MAINFD, the git dir
 * holding the branches) is the owner's commit, so the owner's index
 * describes it. */
static bool same_head(int mainfd, const struct prep *p, struct git_refs *owner_heads)
{
	struct git_refs now = { 0 };
	const char *mine, *theirs;
	bool same;

	if (git_read_refs(mainfd, "refs/heads/", &now) < 0) {
		git_refs_free(&now);
		return false;
	}
	mine = git_head_oid(p->head, &now);
	theirs = git_head_oid(p->head, owner_heads);
	same = mine && theirs && !strcmp(mine, theirs);
	git_refs_free(&now);
	return same;
}

/* A git dir of the agent's with objects (the repository's or a
 * submodule's), at AFD, from P. */
static int fill_gitdir(int afd, const struct prep *p, bool created, const char **step)
{
	static const char *const dirs[] = {
		"objects",       "objects/info", "objects/pack", "refs",
		"refs/heads",    "refs/tags",    "refs/remotes", "refs/remotes/owner",
		"owner-objects", "info",         "hooks",
	};
	char buf[3 * PATH_MAX];
	int r = 0;

	for (size_t i = 0; r == 0 && i < AS_ARRAY_SIZE(dirs); i++) {
		int fd = mkopen(afd, dirs[i], 0770, NULL);

		*step = dirs[i];
		if (fd < 0)
			r = fd;
		else
			close(fd);
	}
	if (r == 0 && created) {
		/* A submodule's git dir names its work tree, relative to
		 * itself: the same relative path holds in the session. */
		bool wt = p->kind == P_MODULE && p->cfg.worktree[0] &&
			  !strchr(p->cfg.worktree, '\n');

		*step = "config";
		snprintf(buf, sizeof(buf),
			 "[core]\n\trepositoryformatversion = %d\n\tfilemode = true\n\tbare = false\n"
			 "\tlogallrefupdates = true\n%s%s%s%s%s%s",
			 p->cfg.object_format[0] ? 1 : 0, wt ? "\tworktree = " : "",
			 wt ? p->cfg.worktree : "", wt ? "\n" : "",
			 p->cfg.object_format[0] ? "[extensions]\n\tobjectformat = " : "",
			 p->cfg.object_format, p->cfg.object_format[0] ? "\n" : "");
		r = write_atomic(afd, "config", buf, strlen(buf));
	}
	if (r == 0) {
		/* In the session "../owner-objects" is the owner's objects
		 * (bound read-only there); outside it, for the owner's own git
		 * fetching from here, the real path is. */
		*step = "objects/info/alternates";
		snprintf(buf, sizeof(buf), "../owner-objects\n%s\n", p->objects);
		r = write_atomic(afd, "objects/info/alternates", buf, strlen(buf));
	}
	if (r == 0) {
		*step = "refs";
		r = sync_refs(afd, p, created);
	}
	if (r == 0 && p->head[0]) {
		*step = "HEAD";
		snprintf(buf, sizeof(buf), "%s\n", p->head);
		r = write_atomic(afd, "HEAD", buf, strlen(buf));
	}
	if (r == 0 && p->index_fd >= 0 &&
	    (created || same_head(afd, p, (struct git_refs *)&p->heads))) {
		*step = "index";
		r = copy_index(afd, p->index_fd);
	}
	return r;
}

/* A linked worktree's private part, at WFD in the agent's main dir
 * MAINFD: its HEAD, the way back to the common dir, its index. */
static int fill_worktree(int wfd, int mainfd, const struct prep *p, const struct prep *main,
			 bool created, const char **step)
{
	char buf[PATH_MAX + 2];
	int r = 0;

	if (p->head[0]) {
		*step = "HEAD";
		snprintf(buf, sizeof(buf), "%s\n", p->head);
		r = write_atomic(wfd, "HEAD", buf, strlen(buf));
	}
	if (r == 0) {
		*step = "commondir";
		r = write_atomic(wfd, "commondir", "../..\n", 6);
	}
	if (r == 0 && p->gitdir[0]) {
		*step = "gitdir";
		snprintf(buf, sizeof(buf), "%s\n", p->gitdir);
		r = write_atomic(wfd, "gitdir", buf, strlen(buf));
	}
	if (r == 0 && p->index_fd >= 0 &&
	    (created || same_head(mainfd, p, (struct git_refs *)&main->heads))) {
		*step = "index";
		r = copy_index(wfd, p->index_fd);
	}
	return r;
}

/* The agent's git dir for one repository (PS->v[0]) in the base BASEFD,
 * with its submodules' and linked worktrees' parts. */
static int prepare_gitdir(int basefd, const struct preps *ps, uid_t owner, const char **step)
{
	bool created = false;
	int afd, r;

	*step = "create";
	afd = mkopen(basefd, ps->v[0].name, 0770, &created);
	if (afd < 0)
		return afd;
	*step = "share with the owner";
	r = allow_owner(afd, owner, ACL_READ | ACL_EXECUTE, true);
	if (r == 0)
		r = fill_gitdir(afd, &ps->v[0], created, step);
	for (size_t i = 1; r == 0 && i < ps->n; i++) {
		const struct prep *p = &ps->v[i];
		bool sub_created = false;
		int fd;

		*step = p->name;
		fd = mkopen_path(afd, p->name, 0770, &sub_created);
		if (fd < 0) {
			r = fd;
			break;
		}
		if (p->kind == P_MODULE)
			r = fill_gitdir(fd, p, sub_created, step);
		else
			r = fill_worktree(fd, afd, p, &ps->v[0], sub_created, step);
		close(fd);
	}
	close(afd);
	return r;
}

/*
 * The walk and the agent's side talk over a SOCK_SEQPACKET pair, a
 * message each:
 *   P  struct prep, its refs left out; the owner's index, if any, as the
 *      one fd passed with it (SCM_RIGHTS)
 *   H, T  NAME\0OID\0HIST\0: a branch (with its recent reflog values) or
 *      a tag of the last P
 *   G  write the agent's git dir from every P since the last G; the
 *      answer is K, or E and why
 * The walk believes nothing of the answer but K; the agent's side trusts
 * what the owner's walk read (it holds the agent's rights only).
 */
static int send_prep(int chan, const struct prep *p, struct as_err *err)
{
	static struct prep copy;
	char kind = 'P';
	struct iovec iov[2] = { { &kind, 1 }, { &copy, sizeof(copy) } };
	int r;

	copy = *p;
	memset(&copy.heads, 0, sizeof(copy.heads));
	memset(&copy.tags, 0, sizeof(copy.tags));
	r = as_msg_send(chan, iov, 2, p->index_fd);
	if (r < 0)
		return as_fail(err, r, "cannot pass on a git directory: %s", strerror(-r));
	return 0;
}

static int send_refs(int chan, char kind, const struct git_refs *refs, struct as_err *err)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < refs->n; i++) {
		const char *f[3] = { refs->v[i].name, refs->v[i].oid,
				     refs->v[i].hist ? refs->v[i].hist : "" };

		r = send_fields(chan, kind, f, 3, err);
	}
	return r;
}

/* The agent's side, asked of root the first time a repository needs it
 * (lib/gitmount.c, A): its end of the pair arrives as the one fd of the
 * answer. */
static int agent_side(struct walk *w, struct as_err *err)
{
	char kind = 0;
	int fd, r = send_fields(w->chan, 'A', NULL, 0, err);

	if (r < 0)
		return r;
	if (as_msg_recv(w->chan, &kind, 1, &fd) != 1 || kind != 'A' || fd < 0) {
		if (fd >= 0)
			close(fd);
		return as_fail(err, -EPROTO, "root did not start the agent's side");
	}
	w->agent_chan = fd;
	return 0;
}

/* The agent's git dir for PS, written by the agent's side; waits for it. */
static int run_prepare(struct walk *w, const struct preps *ps, const char *gpath)
{
	struct as_err e = { "" };
	char reply[256] = "";
	ssize_t n;
	int r = w->agent_chan < 0 ? agent_side(w, &e) : 0;

	for (size_t i = 0; r == 0 && i < ps->n; i++) {
		r = send_prep(w->agent_chan, &ps->v[i], &e);
		if (r == 0)
			r = send_refs(w->agent_chan, 'H', &ps->v[i].heads, &e);
		if (r == 0)
			r = send_refs(w->agent_chan, 'T', &ps->v[i].tags, &e);
	}
	if (r == 0)
		r = send_fields(w->agent_chan, 'G', NULL, 0, &e);
	if (r == 0) {
		while ((n = recv(w->agent_chan, reply, sizeof(reply) - 1, 0)) < 0 && errno == EINTR)
			;
		reply[n > 0 ? n : 0] = '\0';
		if (reply[0] != 'K')
			r = as_fail(&e, -EIO, "%s",
				    n > 1 && reply[0] == 'E' ? reply + 1 :
							       "the preparing process failed");
	}
	if (r < 0)
		return as_fail(w->err, r,
			       "%s: cannot prepare the agent's git directory %s/%s/%s: %s", gpath,
			       AS_GITDIR, w->s->agent, ps->v[0].name, e.msg);
	return 0;
}

/* A P message (struct prep, its refs left out) made safe to use: every
 * string ends within its array, counts within bounds, no pointer kept. */
static void prep_sanitize(struct prep *p, int index_fd)
{
	p->name[sizeof(p->name) - 1] = '\0';
	p->objects[sizeof(p->objects) - 1] = '\0';
	p->head[sizeof(p->head) - 1] = '\0';
	p->gitdir[sizeof(p->gitdir) - 1] = '\0';
	p->cfg.hooks_path[sizeof(p->cfg.hooks_path) - 1] = '\0';
	p->cfg.worktree[sizeof(p->cfg.worktree) - 1] = '\0';
	p->cfg.object_format[sizeof(p->cfg.object_format) - 1] = '\0';
	for (size_t i = 0; i < INCLUDES_MAX; i++)
		p->cfg.includes[i][sizeof(p->cfg.includes[i]) - 1] = '\0';
	if (p->cfg.n_includes > INCLUDES_MAX)
		p->cfg.n_includes = INCLUDES_MAX;
	if (p->kind != P_MAIN && p->kind != P_MODULE && p->kind != P_WORKTREE)
		p->kind = P_WORKTREE;
	memset(&p->heads, 0, sizeof(p->heads));
	memset(&p->tags, 0, sizeof(p->tags));
	p->index_fd = index_fd;
}

/* An H or T message: one more ref of the last prep. */
static int prep_add_ref(struct prep *p, char kind, char *msg, size_t len)
{
	struct git_refs *refs = kind == 'H' ? &p->heads : &p->tags;
	char *f[3];
	size_t n = refs->n;
	int r;

	if (!as_msg_fields(msg, len, f, 3))
		return -EPROTO;
	r = git_refs_add(refs, f[0], f[1]);
	if (r == 0 && refs->n > n && f[2][0] && !(refs->v[n].hist = strdup(f[2])))
		r = -ENOMEM;
	return r;
}

/* One message on CHAN into PS; the kind, or 0 at the end, or -errno. */
static int agent_recv(int chan, struct preps *ps, struct as_err *err)
{
	static char buf[1 + sizeof(struct prep) + 64];
	struct prep *p;
	ssize_t n;
	int fd;

	n = as_msg_recv(chan, buf, sizeof(buf), &fd);
	if (n == 0)
		return 0;
	if (n < 0)
		return as_fail(err, (int)n, "a message from the git walk: %s",
			       n == -EPROTO ? "cut short" : strerror((int)-n));
	if (fd >= 0 && buf[0] != 'P') {
		close(fd);
		return as_fail(err, -EPROTO, "a message from the git walk was cut short or odd");
	}
	switch (buf[0]) {
	case 'P':
		if ((size_t)n != 1 + sizeof(struct prep) || !(p = preps_add_raw(ps))) {
			if (fd >= 0)
				close(fd);
			return as_fail(err, -EPROTO,
				       "a git directory from the walk is malformed, or too many");
		}
		memcpy(p, buf + 1, sizeof(*p));
		prep_sanitize(p, fd);
		return 'P';
	case 'H':
	case 'T':
		if (ps->n == 0 ||
		    prep_add_ref(&ps->v[ps->n - 1], buf[0], buf + 1, (size_t)n - 1) < 0)
			return as_fail(err, -EPROTO, "a ref from the git walk is malformed");
		return buf[0];
	case 'G':
		return ps->n ? 'G' : as_fail(err, -EPROTO, "nothing to prepare");
	}
	return as_fail(err, -EPROTO, "the git walk sent '%c'", buf[0]);
}

int as_git_agent_serve(const struct as_session *s, int agentfd, int chan)
{
	struct as_err err = { "" };
	struct preps ps = { 0 };
	const char *step = "share with the owner";
	int fd, r;

	umask(007);
	fd = openat(agentfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		dprintf(2, "agent-shell: %s/%s: %s\n", AS_GITDIR, s->agent, strerror(errno));
		return 1;
	}
	r = allow_owner(fd, s->owner_uid, ACL_READ | ACL_EXECUTE, true);
	while (r == 0 && (r = agent_recv(chan, &ps, &err)) > 0) {
		char reply[256];

		if (r != 'G') {
			r = 0;
			continue;
		}
		step = "share with the owner";
		r = prepare_gitdir(fd, &ps, s->owner_uid, &step);
		if (r < 0)
			snprintf(reply, sizeof(reply), "E%s: %s", step, strerror(-r));
		else
			snprintf(reply, sizeof(reply), "K");
		preps_free(&ps);
		if (send(chan, reply, strlen(reply), MSG_NOSIGNAL) < 0)
			r = -errno;
		else if (r < 0)
			r = 0; /* told: the walk ends the session */
	}
	preps_free(&ps);
	close(fd);
	if (r < 0) {
		dprintf(2, "agent-shell: the git step as the agent: %s\n",
			err.msg[0] ? err.msg : strerror(-r));
		return 1;
	}
	return 0;
}

/* ------------------------------------------ one work tree (the owner's walk) */

#define DISARMED ".agent-shell-disarmed"
#define DISARM_DEPTH 32

static int push_line(struct walk *w, const char *path, const char *what)
{
	char esc[PATH_MAX], *line = NULL;

	as_escape(path, esc, sizeof(esc));
	if (asprintf(&line, "%s: %s", esc, what) < 0)
		return as_fail(w->err, -ENOMEM, "out of memory");
	as_strv_push_take(&w->st->disarmed, line);
	return 0;
}

static int disarm_rename(struct walk *w, int dfd, const char *dpath, const char *name)
{
	char to[NAME_MAX + 1], path[PATH_MAX], what[NAME_MAX + 160];

	for (unsigned i = 0; i < 100; i++) {
		int n = i ? snprintf(to, sizeof(to), "%s%s.%u", name, DISARMED, i) :
			    snprintf(to, sizeof(to), "%s%s", name, DISARMED);

		if (n < 0 || (size_t)n >= sizeof(to))
			break;
		if (renameat2(dfd, name, dfd, to, RENAME_NOREPLACE) == 0) {
			if (git_path_join(path, sizeof(path), dpath, name) < 0)
				return as_fail(w->err, -ENAMETOOLONG, "%s: path too long", dpath);
			snprintf(what, sizeof(what),
				 "made by the agent inside your git directory; renamed %s "
				 "(read it, and the repository's config, before you trust it)",
				 to);
			return push_line(w, path, what);
		}
		if (errno == ENOENT)
			return 0;
		if (errno != EEXIST)
			return as_fail(w->err, -errno,
				       "%s/%s: cannot rename it out of git's way: %s", dpath, name,
				       strerror(errno));
	}
	return as_fail(w->err, -EEXIST, "%s/%s: cannot rename it out of git's way: no free name",
		       dpath, name);
}

/*
 * Entries the agent owns inside the owner's git dir DFD (at DPATH): they
 * were made while the agent could write there, as in a repository the
 * owner created during a session, which inherits the work tree's default
 * entries until the next session strips them.  Whatever they hold, the
 * owner's git reads or runs it by name (hooks, config, commondir, gitdir,
 * modules/, worktrees/, info/), and no ACL takes an owner's rights away:
 * each is renamed NAME.agent-shell-disarmed, which git never reads, and
 * listed for the owner.  Symbolic links included; loose and packed
 * objects (OBJECTS: DFD is a git dir's objects/) are left: git checks
 * them by hash and runs none of them.
 * Runs after strip_acl, when the agent can no longer write in here.
 */
static int disarm_dir(struct walk *w, int dfd, const char *dpath, dev_t dev, unsigned depth,
		      bool objects)
{
	struct as_strv mine = { 0 }, subdirs = { 0 };
	bool gitdir = as_gitdir_at(dfd);
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, r = 0;

	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return as_fail(w->err, -errno, "%s: cannot read it: %s", dpath, strerror(errno));
	}
	while ((errno = 0, de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			r = as_fail(w->err, -errno, "%s/%s: %s", dpath, de->d_name,
				    strerror(errno));
			break;
		}
		/* objects/XX and objects/pack: checked by hash, never run. */
		if (objects && strcmp(de->d_name, "info") != 0)
			continue;
		if (st.st_uid == w->s->agent_uid) {
			/* Disarmed before: git reads no such name. */
			if (strstr(de->d_name, DISARMED))
				continue;
			r = as_strv_push(&mine, de->d_name);
		} else if (S_ISDIR(st.st_mode) && st.st_dev == dev) {
			r = as_strv_push(&subdirs, de->d_name);
		}
		if (r < 0) {
			r = as_fail(w->err, r, "out of memory");
			break;
		}
	}
	if (r == 0 && errno != 0)
		r = as_fail(w->err, -errno, "%s: cannot read it: %s", dpath, strerror(errno));
	closedir(d);
	for (size_t i = 0; r == 0 && i < mine.n; i++)
		r = disarm_rename(w, dfd, dpath, mine.v[i]);
	for (size_t i = 0; r == 0 && depth < DISARM_DEPTH && i < subdirs.n; i++) {
		char sub[PATH_MAX];
		int sfd;

		if (git_path_join(sub, sizeof(sub), dpath, subdirs.v[i]) < 0) {
			r = as_fail(w->err, -ENAMETOOLONG, "%s: path too long", dpath);
			break;
		}
		sfd = openat(dfd, subdirs.v[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sfd < 0) {
			if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
				continue;
			r = as_fail(w->err, -errno, "%s: cannot open: %s", sub, strerror(errno));
			break;
		}
		r = disarm_dir(w, sfd, sub, dev, depth + 1,
			       gitdir && strcmp(subdirs.v[i], "objects") == 0);
		close(sfd);
	}
	as_strv_free(&mine);
	as_strv_free(&subdirs);
	return r;
}

static int disarm_gitdir(struct walk *w, int gfd, const char *gpath)
{
	if (renameat2(gfd, "HEAD", gfd, "HEAD" DISARMED, RENAME_NOREPLACE) < 0 && errno != ENOENT)
		return as_fail(w->err, -errno, "%s/HEAD: cannot rename it out of git's way: %s",
			       gpath, strerror(errno));
	return push_line(w, gpath,
			 "the agent could write in this git directory during the session (it "
			 "was made, or put together, while the session ran): git will not use it until you "
			 "have read its config and hooks and renamed HEAD" DISARMED
			 " back to HEAD");
}

/* A .git file (a linked worktree's or submodule's link) that had an agent
 * entry at a session's end: written, maybe, by the agent, pointing where
 * it liked.  Entry removed, file renamed out of git's way. */
static int sweep_gitfile(struct walk *w, int dirfd, const char *gpath)
{
	struct stat st;
	struct as_err e = { "" };
	unsigned long long mnt;
	int fd, r = 0;

	fd = openat(dirfd, ".git", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return open_failed(w, gpath);
	/* The agent's own link: the owner's git refuses it.  One the session
	 * start bound read-only onto itself: it stayed as it was. */
	if (as_fstat_mnt(fd, &st, &mnt) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid == w->s->agent_uid || mnt != w->mnt_id)
		goto out;
	r = as_acl_revoke_fd(fd, gpath, w->s->agent_uid, &e);
	if (r <= 0) {
		if (r < 0)
			r = as_fail(w->err, r, "%s", e.msg);
		goto out;
	}
	r = 0;
	if (renameat2(dirfd, ".git", dirfd, ".git" DISARMED, RENAME_NOREPLACE) < 0) {
		r = as_fail(w->err, -errno, "%s: cannot rename it out of git's way: %s", gpath,
			    strerror(errno));
		goto out;
	}
	r = push_line(w, gpath,
		      "the agent could write this .git link during the session: renamed "
		      ".git" DISARMED "; read where it points before you rename it back");
out:
	close(fd);
	return r;
}

/* No agent ACL entry in the owner's git dir GFD (at GPATH; lib/acl.h),
 * again at each session start: a repository made during an earlier
 * session inherited the work tree's default entries, and a hard link the
 * agent made to one of its files then would still be writable.  Then
 * nothing the agent made in there while it could write stays where git
 * looks. */
static int strip_acl(struct walk *w, int gfd, const char *gpath, const struct stat *gst)
{
	struct as_acl_stats st;
	struct as_err e = { "" };
	bool tainted;
	int r;

	if (gst->st_uid == w->s->agent_uid)
		return 0; /* the agent's own repository: nothing to take */
	r = as_acl_strip_owned(gpath, w->s->agent_uid, w->s->owner_uid, &st, &e);
	tainted = st.changed > 0;
	as_acl_stats_free(&st);
	if (r < 0)
		return as_fail(w->err, r, "%s", e.msg);
	r = disarm_dir(w, gfd, gpath, gst->st_dev, 0, false);
	/* At a session's end: every git dir of the owner's lost its agent
	 * entries when the session began, so one that had some now was made,
	 * or put together, while the agent could write in it; whatever it
	 * holds may be the agent's.  Without its HEAD git takes it for no
	 * repository, until the owner has read it and puts HEAD back. */
	if (r == 0 && tainted && w->sweep)
		r = disarm_gitdir(w, gfd, gpath);
	return r;
}

static int read_subs(struct walk *w, int gfd, const char *gpath, const char *name, unsigned depth,
		     struct preps *ps);

/* Opens the owner's index in GFD for the child (-1: none to copy). */
static int open_index(struct walk *w, int gfd, const char *gpath, int *out)
{
	struct stat st;

	*out = openat(gfd, "index", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (*out < 0)
		return errno == ENOENT || errno == ELOOP ?
			       0 :
			       as_fail(w->err, -errno, "%s/index: %s", gpath, strerror(errno));
	if (fstat(*out, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(*out);
		*out = -1;
	}
	return 0;
}

/* HEAD of GFD, or "" when it is missing or not one git would use. */
static int read_head(struct walk *w, int gfd, const char *gpath, char *head, size_t len)
{
	int r = git_read_small(gfd, "HEAD", head, len);

	if (r < 0 && r != -ENOENT && r != -ELOOP && r != -EINVAL)
		return as_fail(w->err, r, "%s/HEAD: %s", gpath, strerror(-r));
	if (r < 0 || (strncmp(head, "ref: refs/", 10) != 0 && !git_oid_valid(head)))
		head[0] = '\0';
	return 0;
}

/* Reads what the child needs from the owner's git dir GFD (GPATH), to be
 * NAME (see struct prep). */
static int read_owner(struct walk *w, int gfd, const char *gpath, const char *name, int kind,
		      struct prep *p)
{
	struct stat st;
	int r;

	memset(p, 0, sizeof(*p));
	p->index_fd = -1;
	p->kind = kind;
	snprintf(p->name, sizeof(p->name), "%s", name);
	r = read_head(w, gfd, gpath, p->head, sizeof(p->head));
	if (r == 0)
		r = open_index(w, gfd, gpath, &p->index_fd);
	if (r < 0)
		return r;
	if (kind == P_WORKTREE) {
		if (git_read_small(gfd, "gitdir", p->gitdir, sizeof(p->gitdir)) < 0)
			p->gitdir[0] = '\0';
		return 0;
	}
	git_parse_config(gfd, &p->cfg);
	if (git_path_join(p->objects, sizeof(p->objects), gpath, "objects") < 0)
		return as_fail(w->err, -ENAMETOOLONG, "%s: path too long", gpath);
	r = git_read_refs(gfd, "refs/heads/", &p->heads);
	if (r == 0)
		r = git_read_refs(gfd, "refs/tags/", &p->tags);
	/* The owner's history of each branch; an agent-made repository's
	 * is the agent's to make as long as it likes: not read. */
	if (r == 0 && fstat(gfd, &st) == 0 && st.st_uid != w->s->agent_uid) {
		git_refs_find(&p->heads, ""); /* sorted now, before the history */
		r = git_read_reflogs(gfd, &p->heads);
	}
	if (r < 0)
		return as_fail(w->err, r, "%s: cannot read its refs: %s", gpath, strerror(-r));
	return 0;
}

static struct prep *preps_add(struct walk *w, struct preps *ps, const char *gpath)
{
	struct prep *n = preps_add_raw(ps);

	if (!n && ps->n > SUBS_MAX)
		as_fail(w->err, -E2BIG, "%s: more than %d submodules and linked worktrees", gpath,
			SUBS_MAX);
	else if (!n)
		as_fail(w->err, -ENOMEM, "%s: out of memory", gpath);
	return n;
}

/*
 * The submodules' git dirs under DFD (GPATH, NAME in the agent's dir:
 * "modules/..."), found by content at any depth (a submodule's name may
 * hold slashes), and theirs in turn.  Not followed: symlinks.
 */
static int read_modules(struct walk *w, int dfd, const char *gpath, const char *name,
			unsigned depth, struct preps *ps)
{
	DIR *d;
	struct dirent *de;
	int fd, r = 0;

	if (depth > SUBS_DEPTH * 8)
		return 0;
	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		r = as_fail(w->err, -errno, "%s: cannot read: %s", gpath, strerror(errno));
		if (fd >= 0)
			close(fd);
		return r;
	}
	while (r == 0 && (errno = 0, de = readdir(d))) {
		char sub[PATH_MAX], subname[PATH_MAX];
		struct prep *p;
		int cfd;

		if (de->d_name[0] == '.' ||
		    git_path_join(sub, sizeof(sub), gpath, de->d_name) < 0 ||
		    git_path_join(subname, sizeof(subname), name, de->d_name) < 0)
			continue;
		cfd = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0) {
			r = open_failed(w, sub);
			continue;
		}
		if (!as_gitdir_at(cfd)) {
			r = read_modules(w, cfd, sub, subname, depth + 1, ps);
		} else if (!(p = preps_add(w, ps, sub))) {
			r = -E2BIG;
		} else {
			r = read_owner(w, cfd, sub, subname, P_MODULE, p);
			if (r == 0)
				r = read_subs(w, cfd, sub, subname, depth + 1, ps);
		}
		close(cfd);
	}
	if (r == 0 && errno)
		r = as_fail(w->err, -errno, "%s: cannot read: %s", gpath, strerror(errno));
	closedir(d);
	return r;
}

/* The submodules and linked worktrees of the git dir GFD (GPATH), which
 * is NAME in the agent's dir ("" for the repository's own). */
static int read_subs(struct walk *w, int gfd, const char *gpath, const char *name, unsigned depth,
		     struct preps *ps)
{
	char sub[PATH_MAX], subname[PATH_MAX];
	DIR *d;
	struct dirent *de;
	int fd, r = 0;

	if (depth > SUBS_DEPTH * 8)
		return 0;
	fd = openat(gfd, "modules", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		snprintf(sub, sizeof(sub), "%s/modules", gpath);
		snprintf(subname, sizeof(subname), "%s%smodules", name, name[0] ? "/" : "");
		r = read_modules(w, fd, sub, subname, depth + 1, ps);
		close(fd);
	} else if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP) {
		return as_fail(w->err, -errno, "%s/modules: %s", gpath, strerror(errno));
	}
	if (r < 0 || name[0])
		return r; /* a submodule's own worktrees: not mirrored */
	fd = openat(gfd, "worktrees", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR || errno == ELOOP ?
			       0 :
			       as_fail(w->err, -errno, "%s/worktrees: %s", gpath, strerror(errno));
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return as_fail(w->err, -errno, "%s/worktrees: %s", gpath, strerror(errno));
	}
	while (r == 0 && (errno = 0, de = readdir(d))) {
		struct prep *p;
		int cfd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/worktrees/%s", gpath, de->d_name);
		snprintf(subname, sizeof(subname), "worktrees/%s", de->d_name);
		cfd = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0) {
			r = open_failed(w, sub);
			continue;
		}
		p = preps_add(w, ps, sub);
		r = p ? read_owner(w, cfd, sub, subname, P_WORKTREE, p) : -E2BIG;
		close(cfd);
	}
	if (r == 0 && errno)
		r = as_fail(w->err, -errno, "%s/worktrees: %s", gpath, strerror(errno));
	closedir(d);
	return r;
}

/*
 * A path the owner's git reads or runs from (core.hooksPath, an included
 * config file) that lies in the work tree WFD: read-only for the session.
 * When missing and a plain name, it is created empty for the owner first,
 * or the agent could create it.  REL_TO_GIT: the path is relative to the
 * git dir (include paths), not to the work tree (hooksPath).
 */
static int protect_in_worktree(struct walk *w, int wfd, const char *wpath, const char *path,
			       bool dir, bool rel_to_git, const struct stat *gst, const char *label)
{
	char rel[PATH_MAX], what[PATH_MAX + 64], full[PATH_MAX];
	size_t wl = strlen(wpath);
	int fd, r;

	if (!path[0] || path[0] == '~')
		return 0;
	if (path[0] == '/') {
		if (strncmp(path, wpath, wl) != 0 || (path[wl] != '/' && path[wl] != '\0'))
			return 0; /* outside: not in a grant, or another walk's */
		snprintf(rel, sizeof(rel), ".%s", path + wl);
	} else if (rel_to_git) {
		if (strncmp(path, "../", 3) != 0)
			return 0; /* inside .git: the agent's in the session */
		snprintf(rel, sizeof(rel), "%s", path + 3);
	} else {
		snprintf(rel, sizeof(rel), "%s", path);
	}
	if (snprintf(what, sizeof(what), "%s/%s (%s)", wpath, rel, label) >= (int)sizeof(what))
		return as_fail(w->err, -ENAMETOOLONG, "%s: %s too long", wpath, label);
	fd = git_openat_beneath(wfd, rel, O_PATH | (dir ? O_DIRECTORY : 0));
	if (fd < 0 && errno == ENOENT && !w->dry_run && !strchr(rel, '/')) {
		if (dir)
			r = mkdirat(wfd, rel, 0755);
		else
			r = (fd = openat(wfd, rel,
					 O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
					 0644)) < 0 ?
				    -1 :
				    close(fd);
		if (r < 0 && errno != EEXIST)
			return as_fail(w->err, -errno, "%s: cannot create: %s", what,
				       strerror(errno));
		/* The repository's owner's; the walk runs as the session's
		 * owner, who may not give it away: then it stays theirs. */
		if (fchownat(wfd, rel, gst->st_uid, gst->st_gid, AT_SYMLINK_NOFOLLOW) < 0 &&
		    errno != EPERM)
			return as_fail(w->err, -errno, "%s: chown: %s", what, strerror(errno));
		fd = git_openat_beneath(wfd, rel, O_PATH | (dir ? O_DIRECTORY : 0));
	}
	if (fd < 0) {
		note(w->st, what,
		     errno == ENOENT ? "missing, and not a plain name to create; not covered" :
				       "behind a symbolic link, or of another type; not covered");
		return 0;
	}
	close(fd);
	if (git_path_join(full, sizeof(full), wpath, rel) < 0)
		return as_fail(w->err, -ENAMETOOLONG, "%s: %s too long", wpath, label);
	return request(w, 'S', full, NULL);
}

/* WFD's ".git" directory GPATH: the agent's own git dir in its place. */
static int replace_gitdir(struct walk *w, int wfd, const char *wpath, const char *gpath)
{
	struct preps ps = { 0 };
	struct prep *main;
	struct stat gst;
	char name[NAME_MAX + 1];
	int gfd = -1, r;

	gfd = openat(wfd, ".git", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (gfd < 0)
		return as_fail(w->err, -errno, "%s: %s", gpath, strerror(errno));
	if (fstat(gfd, &gst) < 0) {
		r = as_fail(w->err, -errno, "%s: %s", gpath, strerror(errno));
		close(gfd);
		return r;
	}
	if (seen(w, &gst)) {
		close(gfd);
		return 0;
	}
	if (++w->st->repos > AS_GIT_MAX_REPOS) {
		close(gfd);
		return as_fail(w->err, -E2BIG, "more than %d git repositories under %s",
			       AS_GIT_MAX_REPOS, w->root);
	}
	if (as_git_agent_dir_name(wpath, name, sizeof(name)) < 0) {
		close(gfd);
		return as_fail(w->err, -ENAMETOOLONG, "%s: path too long", gpath);
	}
	main = preps_add(w, &ps, gpath);
	r = main ? read_owner(w, gfd, gpath, name, P_MAIN, main) : -ENOMEM;
	if (r == 0 && ps.v[0].cfg.other_refstorage) {
		/* No loose refs to start from: the agent gets the owner's
		 * git dir read-only instead. */
		w->st->repos--;
		w->st->readonly++;
		note(w->st, gpath,
		     "extensions.refStorage is not \"files\"; read-only in the session");
		r = request(w, 'S', gpath, NULL);
		goto out;
	}
	if (r == 0)
		r = read_subs(w, gfd, gpath, "", 0, &ps);
	if (r < 0 || w->dry_run)
		goto out;
	r = strip_acl(w, gfd, gpath, &gst);
	if (r == 0)
		r = run_prepare(w, &ps, gpath);
	if (r < 0)
		goto out;
	/* The owner's objects onto each owner-objects first: root's clone
	 * of the agent's dir is recursive and carries them along. */
	for (size_t i = 0; r == 0 && i < ps.n; i++) {
		const struct prep *p = &ps.v[i];
		char oo[2 * PATH_MAX], ob[2 * PATH_MAX];

		if (p->kind == P_WORKTREE)
			continue;
		if (snprintf(oo, sizeof(oo), "%s/%s%sowner-objects", name, i ? p->name : "",
			     i ? "/" : "") >= (int)sizeof(oo) ||
		    snprintf(ob, sizeof(ob), "%s/%s%sobjects", gpath, i ? p->name : "",
			     i ? "/" : "") >= (int)sizeof(ob))
			r = as_fail(w->err, -ENAMETOOLONG, "%s: path too long", gpath);
		else
			r = request(w, 'O', ob, oo);
	}
	if (r == 0)
		r = request(w, 'R', gpath, name);
	main = &ps.v[0];
	if (r == 0)
		r = protect_in_worktree(w, wfd, wpath, main->cfg.hooks_path, true, false, &gst,
					"core.hooksPath");
	for (size_t i = 0; r == 0 && i < main->cfg.n_includes; i++)
		r = protect_in_worktree(w, wfd, wpath, main->cfg.includes[i], false, true, &gst,
					"included config");
out:
	preps_free(&ps);
	close(gfd);
	return r;
}

/* A git dir found by content that is no work tree's .git (a bare
 * repository, a separate git dir): read-only for the session. */
static int protect_other_gitdir(struct walk *w, int dfd, const char *dpath)
{
	struct stat st;

	if (fstat(dfd, &st) < 0)
		return as_fail(w->err, -errno, "%s: %s", dpath, strerror(errno));
	if (seen(w, &st))
		return 0;
	w->st->readonly++;
	if (!w->dry_run && strip_acl(w, dfd, dpath, &st) < 0)
		return -EPERM;
	return request(w, 'S', dpath, NULL);
}

/* The end-of-session sweep of one git dir (as_git_sweep_session). */
static int sweep_gitdir(struct walk *w, int fd, const char *path)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return as_fail(w->err, -errno, "%s: %s", path, strerror(errno));
	if (seen(w, &st))
		return 0;
	return strip_acl(w, fd, path, &st);
}

/* Opening a directory failed: gone, replaced or a symlink is skipped;
 * one the owner may not enter too, with a note: the walk runs as the
 * owner, and what the owner cannot reach, the owner's git cannot use.
 * Anything else (EMFILE, EIO) refuses the session. */
static int open_failed(struct walk *w, const char *path)
{
	if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
		return 0;
	if (errno == EACCES) {
		note(w->st, path, "you may not enter it (nor may your git): not walked");
		return 0;
	}
	return as_fail(w->err, -errno, "%s: cannot open: %s", path, strerror(errno));
}

static int walk_dir(struct walk *w, int dirfd, const char *dpath, unsigned depth)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int fd, r = 0;

	/* Trees the agent made never refuse a session: past a budget of
	 * their own they are noted and left (their owner-made git dirs, if
	 * the agent moved any there, keep no agent ACL entry). */
	if (fstat(dirfd, &st) < 0)
		return as_fail(w->err, -errno, "%s: %s", dpath, strerror(errno));
	if (st.st_uid == w->s->agent_uid && ++w->agent_dirs > AS_GIT_MAX_DIRS) {
		if (!w->agent_budget_noted)
			note(w->st, dpath,
			     "more directories made by the agent than the walk visits; the rest not walked");
		w->agent_budget_noted = true;
		return 0;
	}
	if (st.st_uid != w->s->agent_uid && ++w->st->dirs > AS_GIT_MAX_DIRS)
		return as_fail(w->err, -E2BIG,
			       "more than %d directories under %s: too many to protect "
			       "their git metadata at each session start; grant a narrower directory",
			       AS_GIT_MAX_DIRS, w->root);
	/* A git dir by content that nobody reached as a .git: bare. */
	if (as_gitdir_at(dirfd))
		return w->sweep ? sweep_gitdir(w, dirfd, dpath) :
				  protect_other_gitdir(w, dirfd, dpath);
	if (fstatat(dirfd, ".git", &st, AT_SYMLINK_NOFOLLOW) == 0) {
		char gpath[PATH_MAX];

		if (git_path_join(gpath, sizeof(gpath), dpath, ".git") < 0)
			return as_fail(w->err, -ENAMETOOLONG, "%s: path too long", dpath);
		if (S_ISDIR(st.st_mode)) {
			int gfd = openat(dirfd, ".git",
					 O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			bool is_git;

			if (gfd < 0)
				return open_failed(w, gpath);
			is_git = as_gitdir_at(gfd);
			if (is_git && w->sweep)
				r = sweep_gitdir(w, gfd, gpath);
			close(gfd);
			if (is_git && !w->sweep)
				r = replace_gitdir(w, dirfd, dpath, gpath);
		} else if (w->sweep) {
			if (S_ISREG(st.st_mode))
				r = sweep_gitfile(w, dirfd, gpath);
		} else if (S_ISREG(st.st_mode)) {
			/* A linked worktree's or submodule's link: it keeps
			 * pointing where the owner set it.  (Root opens it
			 * again, and refuses it if it is a symlink by then.) */
			r = request(w, 'S', gpath, NULL);
		} else if (S_ISLNK(st.st_mode)) {
			note(w->st, gpath, "a symbolic link; not followed");
		}
		if (r < 0)
			return r;
	}
	if (depth >= AS_GIT_MAX_DEPTH) {
		note(w->st, dpath,
		     "deeper than the walk goes; its git directories keep no agent ACL entry");
		return 0;
	}
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return as_fail(w->err, -errno, "%s: cannot open: %s", dpath, strerror(errno));
	d = fdopendir(fd);
	if (!d) {
		r = as_fail(w->err, -errno, "%s: cannot read: %s", dpath, strerror(errno));
		close(fd);
		return r;
	}
	while (r == 0 && (errno = 0, de = readdir(d))) {
		char sub[PATH_MAX];
		unsigned long long mnt;
		int cfd;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, ".git"))
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (git_path_join(sub, sizeof(sub), dpath, de->d_name) < 0) {
			r = as_fail(w->err, -ENAMETOOLONG, "%s: path too long", dpath);
			break;
		}
		cfd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0) {
			r = open_failed(w, sub);
			continue;
		}
		if (as_fstat_mnt(cfd, &st, &mnt) < 0 || st.st_dev != w->dev || mnt != w->mnt_id) {
			close(cfd);
			continue; /* another filesystem, or a mount (a bind mount of the
				   * same filesystem too: by mount id): not ours to walk */
		}
		r = walk_dir(w, cfd, sub, depth + 1);
		close(cfd);
	}
	if (r == 0 && errno)
		r = as_fail(w->err, -errno, "%s: cannot read: %s", dpath, strerror(errno));
	closedir(d);
	return r;
}

static int protect_tree(struct walk *w, const char *root)
{
	struct stat rs;
	int r;

	w->root = root;
	w->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (w->rootfd < 0)
		return as_fail(w->err, -errno, "%s: %s", root, strerror(errno));
	r = as_fstat_mnt(w->rootfd, &rs, &w->mnt_id);
	if (r < 0) {
		r = as_fail(w->err, r, "%s: %s", root, strerror(-r));
	} else {
		w->dev = rs.st_dev;
		r = walk_dir(w, w->rootfd, root, 0);
	}
	close(w->rootfd);
	return r;
}

/* NAME in PFD and, if a directory, everything beneath it. */
static int remove_at(int pfd, const char *name, const char *path, unsigned depth,
		     struct as_err *err)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int fd, r = 0;

	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : as_fail(err, -errno, "%s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return unlinkat(pfd, name, 0) < 0 && errno != ENOENT ?
			       as_fail(err, -errno, "%s: cannot remove: %s", path,
				       strerror(errno)) :
			       0;
	if (depth > 256)
		return as_fail(err, -ELOOP, "%s: nested too deeply to remove", path);
	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		r = as_fail(err, -errno, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return r;
	}
	while (r == 0 && (de = readdir(d))) {
		char sub[PATH_MAX];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (git_path_join(sub, sizeof(sub), path, de->d_name) < 0)
			snprintf(sub, sizeof(sub), "%s/...", path);
		r = remove_at(dirfd(d), de->d_name, sub, depth + 1, err);
	}
	closedir(d);
	if (r == 0 && unlinkat(pfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		r = as_fail(err, -errno, "%s: cannot remove: %s", path, strerror(errno));
	return r;
}

int as_git_agent_dir_remove(const char *agent, struct as_err *err)
{
	char path[PATH_MAX];
	int basefd, r;

	if (!*agent || strchr(agent, '/') || !strcmp(agent, ".") || !strcmp(agent, ".."))
		return as_fail(err, -EINVAL, "%s: not an account name", agent);
	basefd = open(AS_GITDIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (basefd < 0)
		return errno == ENOENT ? 0 :
					 as_fail(err, -errno, "%s: %s", AS_GITDIR, strerror(errno));
	snprintf(path, sizeof(path), "%s/%s", AS_GITDIR, agent);
	r = remove_at(basefd, agent, path, 0, err);
	close(basefd);
	return r;
}

/* The walk over each of S's read-write grants (W->sweep: the end's). */
static int walk_grants(struct walk *w, struct as_err *err)
{
	const struct as_session *s = w->s;

	for (size_t i = 0; i < s->reg.n_projects; i++) {
		const struct as_reg_project *p = &s->reg.projects[i];
		struct stat rs;
		int r;

		if (p->state != AS_REG_GRANTED || p->read_only)
			continue;
		/* Only the root's absence is skipped; an ENOENT inside the
		 * tree (something removed mid-walk) is skipped by the walk. */
		if (lstat(p->path, &rs) < 0 && errno == ENOENT) {
			if (!w->sweep)
				note(w->st, p->path,
				     "the granted directory is not there in the session");
			continue;
		}
		w->grant = i;
		r = protect_tree(w, p->path);
		if (r < 0)
			return as_fail(err, r, "under %s: %s", p->path, w->err->msg);
	}
	return 0;
}

int as_git_count_grants(const struct as_session *s, struct as_git_stats *st, struct as_err *err)
{
	struct as_err e = { "" };
	struct walk w = {
		.s = s, .chan = -1, .agent_chan = -1, .dry_run = true, .st = st, .err = &e
	};
	int r;

	clock_gettime(CLOCK_REALTIME_COARSE, &st->started);
	r = walk_grants(&w, err);
	free(w.seen);
	return r;
}

int as_git_owner_walk(const struct as_session *s, const struct timespec *sweep_since, int chan)
{
	struct as_git_stats st = { 0 };
	struct as_err e = { "" }, err = { "" };
	struct walk w = { .s = s,
			  .chan = chan,
			  .agent_chan = -1,
			  .sweep = sweep_since != NULL,
			  .st = &st,
			  .err = &e };
	char counts[64];
	const char *f[1] = { counts };
	int r = walk_grants(&w, &err);

	/* The review's scan, whatever the sweep found (lib/review.h). */
	if (sweep_since && as_review_scan(&s->reg, sweep_since, &st.review, &st.review_err) < 0) {
		f[0] = st.review_err.msg;
		send_fields(chan, 'W', f, 1, &e);
	}
	for (size_t i = 0; i < st.review.n; i++)
		send_fields(chan, 'V', (const char *const *)&st.review.v[i], 1, &e);

	/* What the owner is told comes first, also after a failure. */
	for (size_t i = 0; i < st.notes.n; i++)
		send_fields(chan, 'N', (const char *const *)&st.notes.v[i], 1, &e);
	for (size_t i = 0; i < st.disarmed.n; i++)
		send_fields(chan, 'D', (const char *const *)&st.disarmed.v[i], 1, &e);
	if (r == 0) {
		snprintf(counts, sizeof(counts), "%u %u %u", st.dirs, st.repos, st.readonly);
		r = send_fields(chan, 'T', f, 1, &e);
	} else {
		char esc[AS_ERR_MAX];

		as_escape(err.msg, esc, sizeof(esc));
		f[0] = esc;
		send_fields(chan, 'E', f, 1, &e);
	}
	free(w.seen);
	as_git_stats_free(&st);
	return r < 0;
}
