/* SPDX-License-Identifier: MIT */
/*
 * POSIX ACLs over a project tree (acl(5), libacl).
 *
 * Three layers, kept apart:
 *   - struct aclv and its helpers: an ACL as a small array, and the pure
 *     rules (what grant wants, what revoke removes, the acl(5) access
 *     check).  No system calls.
 *   - one object: read its ACLs, apply a rule, write back only if that
 *     changed anything.
 *   - the walk: directories queued for whichever worker thread is free,
 *     each worker descending with its own bounded stack of directory
 *     streams.  Workers share the queue and nothing else mutable.
 *
 * Race safety: nothing is looked up by a path of more than one component
 * below an fd we hold.  Every entry is opened with openat(parent_fd, name,
 * O_NOFOLLOW|...), checked with fstat (type and st_dev), and every write
 * goes through that fd.  A tree changed under us (a directory swapped for
 * a symlink to /etc) makes openat fail with ELOOP or ENOTDIR, or hands us
 * the inode that really sits in the tree; it cannot redirect a write.  The
 * one read by name, precheck_file(), only ever decides to skip a file.
 */
#include "acl.h"
#include "gitdir.h"

#include <acl/libacl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/acl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#define P_R ACL_READ
#define P_W ACL_WRITE
#define P_X ACL_EXECUTE
#define P_RWX (P_R | P_W | P_X)

/* The longest ACL the kernel stores: an xattr value is at most
 * XATTR_SIZE_MAX (64 KiB), 4 bytes of header and 8 per entry, so 8191
 * entries; plus the few grant adds.  An ACL of any size the kernel takes
 * is read, and one entry removed from it (issue 15: a 304-entry ACL an
 * agent set with setfacl stopped revoke half-way under the old limit of
 * 256).  Every struct aclv lives on the heap (about 100 KiB). */
#define ACLV_MAX ((65536 - 4) / 8 + 4)

/* Directories waiting for a worker (each an open fd: the cap bounds what
 * the queue can pin), and at most this many workers, one per CPU. */
#define QUEUE_MAX 16
#define WORKERS_MAX 4

#define OPEN_FLAGS (O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)

/*
 * getxattrat(2), Linux 6.13, for the read-only pre-check of regular files
 * (see precheck_file).  Distribution headers may predate it; the number is
 * the same on every architecture using the unified syscall table.
 */
#if !defined(SYS_getxattrat) && (defined(__x86_64__) || defined(__aarch64__) || \
				 defined(__i386__) || defined(__arm__) ||       \
				 defined(__riscv) || defined(__powerpc__) ||    \
				 defined(__s390__) || defined(__loongarch__))
#define SYS_getxattrat 464
#endif

struct as_xattr_args {          /* struct xattr_args, <linux/xattr.h> */
	uint64_t value;
	uint32_t size;
	uint32_t flags;
};

#define XATTR_ACL_ACCESS "system.posix_acl_access"
#define PRECHECK_MISSES 8
#define PRECHECK_PAUSE 256

/* ---------------------------------------------------------------- aclv */

struct acl_ent {
	acl_tag_t tag;
	id_t id;                /* ACL_USER/ACL_GROUP only */
	unsigned int perm;      /* P_R | P_W | P_X */
};

struct aclv {
	size_t n;
	struct acl_ent e[ACLV_MAX];
};

static bool is_named(acl_tag_t tag)
{
	return tag == ACL_USER || tag == ACL_GROUP;
}

static struct acl_ent *aclv_find(struct aclv *v, acl_tag_t tag, id_t id)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->e[i].tag == tag && (!is_named(tag) || v->e[i].id == id))
			return &v->e[i];
	return NULL;
}

static const struct acl_ent *aclv_cfind(const struct aclv *v, acl_tag_t tag,
					id_t id)
{
	return aclv_find((struct aclv *)v, tag, id);
}

/* Sets TAG[:ID] to exactly PERM; true if that changed anything. */
static bool aclv_set(struct aclv *v, acl_tag_t tag, id_t id, unsigned int perm)
{
	struct acl_ent *e = aclv_find(v, tag, id);

	if (e) {
		if (e->perm == perm)
			return false;
		e->perm = perm;
		return true;
	}
	if (v->n == ACLV_MAX)
		return false;   /* callers check aclv_full() first */
	v->e[v->n++] = (struct acl_ent){ tag, is_named(tag) ? id : ACL_UNDEFINED_ID, perm };
	return true;
}

static bool aclv_full(const struct aclv *v)
{
	return v->n >= ACLV_MAX - 4;
}

static bool aclv_remove(struct aclv *v, acl_tag_t tag, id_t id)
{
	struct acl_ent *e = aclv_find(v, tag, id);

	if (!e)
		return false;
	*e = v->e[--v->n];
	return true;
}

static bool aclv_has_named(const struct aclv *v)
{
	for (size_t i = 0; i < v->n; i++)
		if (is_named(v->e[i].tag))
			return true;
	return false;
}

/* The group class of acl(5): named users, the owning group, named groups;
 * the entries a mask limits. */
static unsigned int aclv_group_class(const struct aclv *v)
{
	unsigned int u = 0;

	for (size_t i = 0; i < v->n; i++)
		if (v->e[i].tag == ACL_USER || v->e[i].tag == ACL_GROUP_OBJ ||
		    v->e[i].tag == ACL_GROUP)
			u |= v->e[i].perm;
	return u;
}

static unsigned int perm_of(acl_entry_t ent)
{
	acl_permset_t ps;
	unsigned int p = 0;

	if (acl_get_permset(ent, &ps) < 0)
		return 0;
	if (acl_get_perm(ps, ACL_READ) == 1)
		p |= P_R;
	if (acl_get_perm(ps, ACL_WRITE) == 1)
		p |= P_W;
	if (acl_get_perm(ps, ACL_EXECUTE) == 1)
		p |= P_X;
	return p;
}

static int aclv_from_acl(acl_t acl, struct aclv *v)
{
	acl_entry_t ent;
	int r;

	v->n = 0;
	for (r = acl_get_entry(acl, ACL_FIRST_ENTRY, &ent); r == 1;
	     r = acl_get_entry(acl, ACL_NEXT_ENTRY, &ent)) {
		struct acl_ent *e;

		if (v->n == ACLV_MAX)
			return -E2BIG;
		e = &v->e[v->n++];
		if (acl_get_tag_type(ent, &e->tag) < 0)
			return -errno;
		e->id = ACL_UNDEFINED_ID;
		if (is_named(e->tag)) {
			id_t *q = acl_get_qualifier(ent);

			if (!q)
				return -errno;
			e->id = *q;
			acl_free(q);
		}
		e->perm = perm_of(ent);
	}
	return r < 0 ? -errno : 0;
}

/* The kernel's xattr form (include/uapi/linux/posix_acl_xattr.h): a
 * little-endian u32 version 2, then entries of u16 tag, u16 perm, u32 id.
 * The tag and perm values are the ones libacl uses. */
static int aclv_from_xattr(const unsigned char *b, size_t len, struct aclv *v)
{
	size_t n;

	if (len < 4 || (len - 4) % 8 ||
	    (b[0] | b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24) != 2)
		return -EINVAL;
	n = (len - 4) / 8;
	if (n > ACLV_MAX)
		return -E2BIG;
	v->n = n;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *p = b + 4 + 8 * i;
		struct acl_ent *e = &v->e[i];

		e->tag = p[0] | p[1] << 8;
		e->perm = p[2] & P_RWX;
		e->id = is_named(e->tag) ? (id_t)(p[4] | p[5] << 8 | (uint32_t)p[6] << 16 |
						  (uint32_t)p[7] << 24) : ACL_UNDEFINED_ID;
	}
	return 0;
}

/* No ACL stored: the mode is the ACL (acl(5), minimal ACL). */
static void aclv_from_mode(mode_t mode, struct aclv *v)
{
	v->n = 3;
	v->e[0] = (struct acl_ent){ ACL_USER_OBJ, ACL_UNDEFINED_ID, (mode >> 6) & P_RWX };
	v->e[1] = (struct acl_ent){ ACL_GROUP_OBJ, ACL_UNDEFINED_ID, (mode >> 3) & P_RWX };
	v->e[2] = (struct acl_ent){ ACL_OTHER, ACL_UNDEFINED_ID, mode & P_RWX };
}

static int ent_cmp(const void *a, const void *b)
{
	const struct acl_ent *x = a, *y = b;

	if (x->tag != y->tag)
		return x->tag < y->tag ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return 0;
}

/* The kernel wants entries in tag order, ids ascending within a tag
 * (posix_acl_valid()); libacl's tag values are already in that order. */
static acl_t aclv_to_acl(struct aclv *v)
{
	acl_t acl;

	qsort(v->e, v->n, sizeof(v->e[0]), ent_cmp);
	acl = acl_init((int)v->n);
	if (!acl)
		return NULL;
	for (size_t i = 0; i < v->n; i++) {
		const struct acl_ent *e = &v->e[i];
		acl_entry_t ent;
		acl_permset_t ps;

		if (acl_create_entry(&acl, &ent) < 0 ||
		    acl_set_tag_type(ent, e->tag) < 0 ||
		    (is_named(e->tag) && acl_set_qualifier(ent, &e->id) < 0) ||
		    acl_get_permset(ent, &ps) < 0 || acl_clear_perms(ps) < 0 ||
		    ((e->perm & P_R) && acl_add_perm(ps, ACL_READ) < 0) ||
		    ((e->perm & P_W) && acl_add_perm(ps, ACL_WRITE) < 0) ||
		    ((e->perm & P_X) && acl_add_perm(ps, ACL_EXECUTE) < 0) ||
		    acl_set_permset(ent, ps) < 0) {
			int e_ = errno;

			acl_free(acl);
			errno = e_;
			return NULL;
		}
	}
	return acl;
}

/*
 * acl(5), ACCESS CHECK ALGORITHM, for one requested set WANT, for a process
 * in the groups GID and GID2 ((gid_t)-1: none).  Agent accounts are in no
 * group that grants anything in a project tree; the one supplementary group
 * that matters is the agents' group, whose g:agent-shell-agents:--- entry
 * on owners' homes and grants denies (as_acl_shut_group), so the traverse
 * step passes it as GID2.  Other supplementary groups are ignored (an
 * ancestor reachable only through one gets an explicit entry, which is
 * harmless).
 */
static bool aclv_may_groups(const struct aclv *v, uid_t fuid, gid_t fgid, uid_t uid,
			    gid_t gid, gid_t gid2, unsigned int want)
{
	const struct acl_ent *m = aclv_cfind(v, ACL_MASK, 0), *e;
	unsigned int mask = m ? m->perm : P_RWX;
	bool matched = false;

	if (uid == fuid) {
		e = aclv_cfind(v, ACL_USER_OBJ, 0);
		return e && (e->perm & want) == want;
	}
	e = aclv_cfind(v, ACL_USER, uid);
	if (e)
		return (e->perm & mask & want) == want;
	/* "if the ACL_MASK entry and any of the matching ACL_GROUP_OBJ or
	 * ACL_GROUP entries contain the requested permissions": one entry
	 * must hold all of WANT. */
	for (size_t i = 0; i < v->n; i++) {
		e = &v->e[i];
		if ((e->tag == ACL_GROUP_OBJ && (gid == fgid || gid2 == fgid)) ||
		    (e->tag == ACL_GROUP && (e->id == gid || (gid2 != (gid_t)-1 && e->id == gid2)))) {
			matched = true;
			if ((e->perm & mask & want) == want)
				return true;
		}
	}
	if (matched)
		return false;
	e = aclv_cfind(v, ACL_OTHER, 0);
	return e && (e->perm & want) == want;
}

static bool aclv_may(const struct aclv *v, uid_t fuid, gid_t fgid, uid_t uid,
		     gid_t gid, unsigned int want)
{
	return aclv_may_groups(v, fuid, fgid, uid, gid, (gid_t)-1, want);
}

/* The single rights the check grants (each bit asked for on its own). */
static unsigned int aclv_granted(const struct aclv *v, uid_t fuid, gid_t fgid,
				 uid_t uid, gid_t gid, gid_t gid2)
{
	unsigned int p = 0;

	for (unsigned int bit = P_X; bit <= P_R; bit <<= 1)
		if (aclv_may_groups(v, fuid, fgid, uid, gid, gid2, bit))
			p |= bit;
	return p;
}

int as_acl_may(const char *acl_text, uid_t file_uid, gid_t file_gid,
	       uid_t uid, gid_t gid, unsigned int want)
{
	struct aclv *v;
	acl_t acl;
	int r;

	acl = acl_from_text(acl_text);
	if (!acl)
		return -EINVAL;
	v = malloc(sizeof(*v));
	if (!v) {
		acl_free(acl);
		return -ENOMEM;
	}
	r = aclv_from_acl(acl, v);
	if (r == 0)
		r = aclv_may(v, file_uid, file_gid, uid, gid, want);
	free(v);
	acl_free(acl);
	return r;
}

/* ----------------------------------------------------------- the rules */

struct walk_cfg {
	enum { OP_GRANT, OP_REVOKE, OP_CHECK } op;
	uid_t agent, owner;
	bool read_only;
	bool precheck;          /* getxattrat(2) works here */
	dev_t dev;
	unsigned long long mnt_id;      /* the root's mount; 0: kernel without STATX_MNT_ID */
};

/* setfacl's "X": execute only for directories and for files that already
 * have an execute bit for someone. */
static bool x_ok(const struct stat *sb)
{
	return S_ISDIR(sb->st_mode) || (sb->st_mode & 0111);
}

static unsigned int agent_want(const struct walk_cfg *c, const struct stat *sb)
{
	unsigned int p = c->read_only ? P_R : P_R | P_W;

	return x_ok(sb) ? p | P_X : p;
}

/*
 * An agent entry is right when it is exactly what grant writes, or, on a
 * file without any execute bit, that plus x: a file created in a granted
 * directory inherits d:u:AGENT:rwx, and since its mode (hence its mask, the
 * mode's group bits under acl(5)) has no x, the effective rights are the
 * same.  Rewriting those would make every re-grant touch every new file.
 */
static bool agent_entry_ok(unsigned int have, unsigned int want, bool xok)
{
	return have == want || (!xok && have == (want | P_X));
}

/*
 * What the mask has to let through: the agent's rights and, where the
 * owner has a named entry (files the agent created inherit u:OWNER from
 * the default ACL), the owner's read/write (and x where the file has it).
 */
static unsigned int mask_need(const struct walk_cfg *c, const struct aclv *v,
			      const struct stat *sb)
{
	const struct acl_ent *e;
	unsigned int need = 0, xbits = x_ok(sb) ? P_RWX : P_R | P_W;

	if (sb->st_uid != c->agent) {
		e = aclv_cfind(v, ACL_USER, c->agent);
		if (e)
			need |= e->perm & xbits;
	}
	if (sb->st_uid != c->owner) {
		e = aclv_cfind(v, ACL_USER, c->owner);
		if (e)
			need |= e->perm & xbits;
	}
	return need;
}

/*
 * Access ACL for grant.  The mask is only widened by what the agent and the
 * owner need, never recomputed as the union of all group-class entries
 * (setfacl's default): that would silently widen a third party's effective
 * rights.  A new mask starts from the owning group's entry, so the group's
 * effective rights stay what its mode bits said (acl(5): with a mask, the
 * mode's group bits show the mask, and ACL_GROUP_OBJ is what the group gets).
 */
static bool grant_access(const struct walk_cfg *c, struct aclv *v,
			 const struct stat *sb)
{
	bool changed = false, xok = x_ok(sb);
	const struct acl_ent *go;
	struct acl_ent *e, *m;
	unsigned int need;

	if (sb->st_uid != c->agent) {
		unsigned int want = agent_want(c, sb);

		e = aclv_find(v, ACL_USER, c->agent);
		if (!e || !agent_entry_ok(e->perm, want, xok))
			changed |= aclv_set(v, ACL_USER, c->agent, want);
	} else if (sb->st_uid != c->owner) {
		/* The agent's own file (moved in, or created before the
		 * default ACL existed): the owner must be able to use it,
		 * which is the point of a shared tree. */
		unsigned int ow = xok ? P_RWX : P_R | P_W;

		e = aclv_find(v, ACL_USER, c->owner);
		if (!e || (e->perm & ow) != ow)
			changed |= aclv_set(v, ACL_USER, c->owner, (e ? e->perm : 0) | ow);
	}
	need = mask_need(c, v, sb);
	m = aclv_find(v, ACL_MASK, 0);
	if (!m) {
		if (aclv_has_named(v)) {
			go = aclv_cfind(v, ACL_GROUP_OBJ, 0);
			aclv_set(v, ACL_MASK, 0, (go ? go->perm : 0) | need);
			changed = true;
		}
	} else if ((m->perm & need) != need) {
		m->perm |= need;
		changed = true;
	}
	return changed;
}

/*
 * Default ACL for grant (directories): files and directories created later
 * by either side inherit the entries (acl(5), OBJECT CREATION AND DEFAULT
 * ACLs).  A default ACL needs the three base entries; without one yet they
 * are copied from the directory's own access ACL, so new files get the
 * permissions the directory's mode implied.  The default mask is rwx: the
 * mode argument of open/mkdir narrows it per file, umask does not apply
 * when a default ACL exists.
 */
static bool grant_default(const struct walk_cfg *c, struct aclv *dv,
			  const struct aclv *av)
{
	bool changed = false;

	if (dv->n == 0) {
		static const acl_tag_t base[] = { ACL_USER_OBJ, ACL_GROUP_OBJ, ACL_OTHER };

		for (size_t i = 0; i < AS_ARRAY_SIZE(base); i++) {
			const struct acl_ent *e = aclv_cfind(av, base[i], 0);

			aclv_set(dv, base[i], 0, e ? e->perm : 0);
		}
		changed = true;
	}
	changed |= aclv_set(dv, ACL_USER, c->agent, c->read_only ? P_R | P_X : P_RWX);
	changed |= aclv_set(dv, ACL_USER, c->owner, P_RWX);
	changed |= aclv_set(dv, ACL_MASK, 0, P_RWX);
	return changed;
}

/*
 * After named entries were removed: with none left, drop the mask so the
 * ACL is minimal again (the kernel then stores only the mode, with the
 * group bits from ACL_GROUP_OBJ); otherwise narrow the mask to what the
 * remaining entries can use, which changes nobody's effective rights but
 * takes back what was widened for the agent.
 */
static bool fix_mask_after_removal(struct aclv *v)
{
	struct acl_ent *m;
	unsigned int nm;

	if (!aclv_has_named(v))
		return aclv_remove(v, ACL_MASK, 0);
	m = aclv_find(v, ACL_MASK, 0);
	if (!m)
		return false;
	nm = m->perm & aclv_group_class(v);
	if (nm == m->perm)
		return false;
	m->perm = nm;
	return true;
}

static bool revoke_access(const struct walk_cfg *c, struct aclv *v)
{
	if (!aclv_remove(v, ACL_USER, c->agent))
		return false;
	fix_mask_after_removal(v);
	return true;
}

static bool revoke_default(const struct walk_cfg *c, struct aclv *dv)
{
	bool changed = false;

	changed |= aclv_remove(dv, ACL_USER, c->agent);
	changed |= aclv_remove(dv, ACL_USER, c->owner);
	if (changed)
		fix_mask_after_removal(dv);
	return changed;
}

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
		bool git;        /* inside the owner's git dir */
	} jobs[QUEUE_MAX];
	size_t n;                /* read unlocked as a hint: atomics */
	unsigned int nworkers;
	unsigned int idle;
	bool done;
	bool stop;               /* a worker failed: read unlocked, atomics */
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
	struct as_err first_fail;       /* revoke: the first object it could not fix */
	int rc;
	struct aclv av, dv;
	unsigned int precheck_misses;   /* in a row */
	unsigned int precheck_pause;    /* files to go without */
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

/*
 * The access ACL of the object we hold.  Read raw with fgetxattr and parsed
 * here: libacl's acl_get_fd() costs an extra fstat for every file without
 * an ACL (the common case on a first grant), and we have the fstat already.
 * An ACL longer than the buffer goes through libacl.
 */
static int read_access(struct worker *w, int fd, const struct stat *sb)
{
	unsigned char buf[4 + 8 * 64];
	ssize_t n;
	acl_t acl;
	int r;

	n = fgetxattr(fd, XATTR_ACL_ACCESS, buf, sizeof(buf));
	if (n < 0 && errno == ENODATA) {
		aclv_from_mode(sb->st_mode, &w->av);
		return 0;
	}
	if (n >= 0 && aclv_from_xattr(buf, (size_t)n, &w->av) == 0)
		return 0;
	if (n < 0 && errno != ERANGE)
		return acl_fail(w, -errno, "cannot read ACL");
	acl = acl_get_fd(fd);
	if (!acl)
		return acl_fail(w, -errno, "cannot read ACL");
	r = aclv_from_acl(acl, &w->av);
	acl_free(acl);
	return r < 0 ? acl_fail(w, r, "cannot parse ACL") : 0;
}

static int write_access(struct worker *w, int fd)
{
	acl_t acl = aclv_to_acl(&w->av);
	int r = 0;

	if (!acl)
		return acl_fail(w, -errno, "cannot build ACL");
	if (acl_set_fd(fd, acl) < 0)
		r = acl_fail(w, -errno, "cannot write ACL");
	acl_free(acl);
	if (r == 0)
		w->st.changed++;
	return r;
}

/*
 * libacl has no fd call for default ACLs.  We go through /proc/self/fd/N
 * of the directory fd we opened: the magic link resolves to exactly that
 * inode, whatever happens to its name meanwhile, and libacl keeps encoding
 * the xattr for us.  fsetxattr("system.posix_acl_default") on the fd would
 * work as well, but means hand-encoding the kernel's posix_acl_xattr
 * format: we parse it for reads (aclv_from_xattr, where a mistake can only
 * cost a rewrite) and leave everything we write to libacl.  Directories
 * are about 1% of a tree, so the /proc lookup costs nothing measurable.
 * /proc must be mounted: checked once, up front (check_proc).
 */
static void proc_fd_path(char *buf, size_t len, int fd)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

static int read_default(struct worker *w, int fd)
{
	char p[64];
	acl_t acl;
	int r;

	proc_fd_path(p, sizeof(p), fd);
	acl = acl_get_file(p, ACL_TYPE_DEFAULT);
	if (!acl)
		return acl_fail(w, -errno, "cannot read default ACL");
	r = aclv_from_acl(acl, &w->dv);
	acl_free(acl);
	return r < 0 ? acl_fail(w, r, "cannot parse default ACL") : 0;
}

static int write_default(struct worker *w, int fd, bool strip)
{
	char p[64];
	acl_t acl;
	int r = 0;

	proc_fd_path(p, sizeof(p), fd);
	if (w->dv.n == 0 || (!aclv_has_named(&w->dv) && strip)) {
		/* Nothing named is left: a default ACL of base entries only
		 * would still override the umask of everyone creating files
		 * here, which the directory did not do before the grant. */
		if (acl_delete_def_file(p) < 0)
			return acl_fail(w, -errno, "cannot remove default ACL");
		w->st.changed++;
		return 0;
	}
	acl = aclv_to_acl(&w->dv);
	if (!acl)
		return acl_fail(w, -errno, "cannot build default ACL");
	if (acl_set_file(p, ACL_TYPE_DEFAULT, acl) < 0)
		r = acl_fail(w, -errno, "cannot write default ACL");
	acl_free(acl);
	if (r == 0)
		w->st.changed++;
	return r;
}

/* What check finds wrong with one access ACL. */
static void check_access(const struct walk_cfg *c, const struct aclv *v,
			 const struct stat *sb, bool *missing, bool *narrow)
{
	const struct acl_ent *e, *m;
	unsigned int need;

	*missing = false;
	if (sb->st_uid != c->agent) {
		e = aclv_cfind(v, ACL_USER, c->agent);
		*missing = !e || !agent_entry_ok(e->perm, agent_want(c, sb), x_ok(sb));
	}
	need = mask_need(c, v, sb);
	m = aclv_cfind(v, ACL_MASK, 0);
	*narrow = need && (!m || (m->perm & need) != need);
}

static int check_object(struct worker *w, int fd, const struct stat *sb)
{
	const struct walk_cfg *c = w->cfg;
	const struct acl_ent *e, *m;
	bool missing, narrow;
	int r;

	r = read_access(w, fd, sb);
	if (r < 0)
		return r;
	check_access(c, &w->av, sb, &missing, &narrow);
	if (missing)
		report(w, &w->rep.missing, "no access entry for the agent");
	if (narrow)
		report(w, &w->rep.narrow_mask, "mask hides the agent's or the owner's rights");
	if (!S_ISDIR(sb->st_mode))
		return 0;
	r = read_default(w, fd);
	if (r < 0)
		return r;
	e = aclv_cfind(&w->dv, ACL_USER, c->agent);
	if (!e || e->perm != (c->read_only ? P_R | P_X : P_RWX) ||
	    !(e = aclv_cfind(&w->dv, ACL_USER, c->owner)) || e->perm != P_RWX)
		report(w, &w->rep.missing_default, "default ACL entries missing");
	else if (!(m = aclv_cfind(&w->dv, ACL_MASK, 0)) || m->perm != P_RWX)
		report(w, &w->rep.narrow_mask, "default mask hides the agent's or the owner's rights");
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

	if (sb->st_uid == c->agent) {
		w->st.git_agent_owned++;
		if (c->op == OP_CHECK)
			report(w, &w->rep.git_agent_owned, "a file the agent owns inside a git directory");
	}
	r = read_access(w, fd, sb);
	if (r < 0)
		return r;
	if (c->op == OP_CHECK) {
		bool found = aclv_cfind(&w->av, ACL_USER, c->agent) != NULL;

		if (!found && S_ISDIR(sb->st_mode)) {
			r = read_default(w, fd);
			if (r < 0)
				return r;
			found = aclv_cfind(&w->dv, ACL_USER, c->agent) != NULL;
		}
		if (found)
			report(w, &w->rep.in_gitdir, "the agent's ACL entry inside a git directory");
		return 0;
	}
	changed = revoke_access(c, &w->av);
	if (changed) {
		r = write_access(w, fd);
		if (r < 0)
			return r;
	}
	if (S_ISDIR(sb->st_mode)) {
		r = read_default(w, fd);
		if (r < 0)
			return r;
		dchanged = revoke_default(c, &w->dv);
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
	if (aclv_full(&w->av))
		return as_fail(&w->err, -E2BIG, "%s: ACL has too many entries", w->path);
	if (c->op == OP_GRANT)
		changed = grant_access(c, &w->av, sb);
	else
		changed = revoke_access(c, &w->av);
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
		if (aclv_full(&w->dv))
			return as_fail(&w->err, -E2BIG, "%s: default ACL has too many entries", w->path);
		if (c->op == OP_GRANT)
			dchanged = grant_default(c, &w->dv, &w->av);
		else
			dchanged = revoke_default(c, &w->dv);
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
static bool queue_offer(struct walk_queue *q, int fd, unsigned int depth,
			const struct stat *sb, const char *path, bool git)
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
		return as_fail(&w->err, -ENAMETOOLONG, "%s/%s: path longer than %d bytes",
			       w->path, name, PATH_MAX);
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
static int precheck_file(struct worker *w, int dfd, const char *name,
			 const struct stat *sb, bool git)
{
#ifdef SYS_getxattrat
	const struct walk_cfg *c = w->cfg;
	unsigned char buf[4 + 8 * 64];
	struct as_xattr_args a = { .value = (uintptr_t)buf, .size = sizeof(buf) };
	bool missing, narrow;
	long n;

	n = syscall(SYS_getxattrat, dfd, name, AT_SYMLINK_NOFOLLOW, XATTR_ACL_ACCESS,
		    &a, sizeof(a));
	if (n < 0 && errno == ENODATA)
		aclv_from_mode(sb->st_mode, &w->av);
	else if (n < 0 || aclv_from_xattr(buf, (size_t)n, &w->av) < 0)
		return 1;
	/* In a git dir every operation removes (or looks for) the agent's
	 * entry; the agent's own files are counted on the full path. */
	if (git)
		return sb->st_uid == c->agent || aclv_cfind(&w->av, ACL_USER, c->agent) != NULL;
	switch (c->op) {
	case OP_GRANT:
		return grant_access(c, &w->av, sb);
	case OP_REVOKE:
		return revoke_access(c, &w->av);
	case OP_CHECK:
		check_access(c, &w->av, sb, &missing, &narrow);
		return missing || narrow;
	}
#else
	(void)w;
	(void)dfd;
	(void)name;
	(void)sb;
	(void)git;
#endif
	return 1;
}

static bool precheck_works(int fd)
{
#ifdef SYS_getxattrat
	unsigned char buf[4 + 8 * 64];
	struct as_xattr_args a = { .value = (uintptr_t)buf, .size = sizeof(buf) };

	return syscall(SYS_getxattrat, fd, "", AT_EMPTY_PATH, XATTR_ACL_ACCESS, &a,
		       sizeof(a)) >= 0 || errno == ENODATA || errno == ERANGE;
#else
	(void)fd;
	return false;
#endif
}

/*
 * Opens one directory entry for the walk.  Returns 1 with *fdp and *sb set
 * for a directory or regular file on our filesystem, 0 when the entry is
 * skipped or vanished (counted), or -errno.
 */
static int open_entry(struct worker *w, int dfd, const struct dirent *de,
		      int *fdp, struct stat *sb, bool git)
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
	if ((!S_ISDIR(sb->st_mode) && !S_ISREG(sb->st_mode)) ||
	    sb->st_dev != w->cfg->dev || mnt != w->cfg->mnt_id) {
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
	if (w->cfg->op != OP_REVOKE && !git && sb->st_uid != w->cfg->owner &&
	    sb->st_uid != w->cfg->agent) {
		close(fd);
		w->st.skipped++;
		return 0;
	}
	*fdp = fd;
	return 1;

open_failed:
	switch (errno) {
	case ENOENT:
	case ENOTDIR:   /* a directory replaced by something else */
		w->st.vanished++;
		return 0;
	case ELOOP:     /* replaced by a symlink: never followed */
	case ENXIO:     /* a socket */
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
	return sb->st_uid != c->agent && as_gitdir_at(fd);
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
		if (de->d_name[0] == '.' && (!de->d_name[1] ||
					     (de->d_name[1] == '.' && !de->d_name[2])))
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
		if (!S_ISDIR(sb.st_mode)) {
			r = carry_on(w, do_object(w, fd, &sb, top->git));
			close(fd);
			if (r < 0)
				goto out;
			continue;
		}
		if (top->depth + 1 > AS_ACL_MAX_DEPTH) {
			close(fd);
			r = carry_on(w, as_fail(&w->err, -ELOOP,
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
			r = carry_on(w, as_fail(&w->err, r, "%s: cannot read directory: %s", w->path,
						strerror(-r)));
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

static bool is_canonical(const char *p)
{
	size_t len = strlen(p);
	const char *c = p;

	if (p[0] != '/' || len >= PATH_MAX)
		return false;
	if (len == 1)
		return true;
	while (*c) {
		const char *s = c + 1, *e = strchrnul(s, '/');
		size_t n = (size_t)(e - s);

		if (n == 0 || n > NAME_MAX)
			return false;
		if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		c = e;
	}
	return true;
}

/*
 * Opens the canonical absolute PATH one component at a time from "/", each
 * with O_NOFOLLOW|O_DIRECTORY on the previous fd, so no symlink anywhere on
 * the way can redirect it.  STOP_BEFORE_LAST leaves out the last component.
 * For each directory opened (including "/"), calls FN if given.
 */
typedef int (*ancestor_fn)(int fd, const char *path, void *data, struct as_err *err);

static int open_nofollow(const char *path, bool stop_before_last, int *out,
			 ancestor_fn fn, void *data, struct as_err *err)
{
	char prefix[PATH_MAX] = "/";
	const char *p = path + 1;
	int fd, r;

	if (!is_canonical(path))
		return as_fail(err, -EINVAL, "%s: not a canonical absolute path", path);
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return as_fail(err, -errno, "/: cannot open: %s", strerror(errno));
	for (;;) {
		const char *e = strchrnul(p, '/');
		char name[NAME_MAX + 1];
		size_t plen = strlen(prefix);
		int nfd;

		if (!*p || (stop_before_last && !*e))
			break;
		if (fn) {
			r = fn(fd, prefix, data, err);
			if (r < 0)
				goto fail;
		}
		memcpy(name, p, (size_t)(e - p));
		name[e - p] = '\0';
		nfd = openat(fd, name, OPEN_FLAGS | O_DIRECTORY);
		snprintf(prefix + plen, sizeof(prefix) - plen, "%s%s",
			 plen > 1 ? "/" : "", name);
		if (nfd < 0) {
			struct stat sb;

			r = -errno;
			/* With O_DIRECTORY the kernel says ENOTDIR for a
			 * symlink; name the real reason. */
			if (r == -ELOOP || (r == -ENOTDIR &&
					    fstatat(fd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
					    S_ISLNK(sb.st_mode))) {
				r = as_fail(err, -ELOOP, "%s: is a symlink: refusing to follow it",
					    prefix);
				goto fail;
			}
			r = as_fail(err, r, "%s: cannot open: %s", prefix, strerror(-r));
			goto fail;
		}
		close(fd);
		fd = nfd;
		p = *e ? e + 1 : e;
	}
	if (fn && stop_before_last && *p) {
		r = fn(fd, prefix, data, err);
		if (r < 0)
			goto fail;
	}
	*out = fd;
	return 0;
fail:
	close(fd);
	return r;
}

static unsigned int worker_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > WORKERS_MAX ? WORKERS_MAX : (unsigned int)n;
}

/* /proc/self/fd/N must reach the very inode of fd (see proc_fd_path). */
static int check_proc(int fd, const struct stat *sb, const char *dir, struct as_err *err)
{
	char p[64];
	struct stat ps;

	proc_fd_path(p, sizeof(p), fd);
	if (stat(p, &ps) < 0 || ps.st_dev != sb->st_dev || ps.st_ino != sb->st_ino)
		return as_fail(err, -ENOSYS, "%s: /proc/self/fd does not lead to the directory (is /proc mounted?)",
			       dir);
	return 0;
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
	if (cfg->agent == 0 || cfg->agent == cfg->owner)
		return as_fail(err, -EINVAL, "%s: agent uid %u must differ from root and from the owner",
			       dir, (unsigned int)cfg->agent);
	if (strcmp(dir, "/") == 0)
		return as_fail(err, -EINVAL, "/: refusing to walk the whole filesystem");
	r = open_nofollow(dir, false, &fd, NULL, NULL, err);
	if (r < 0)
		return r;
	root = (struct job){ .fd = fd, .depth = 0 };
	r = as_fstat_mnt(fd, &root.sb, &cfg->mnt_id);
	if (r < 0) {
		r = as_fail(err, r, "%s: cannot stat: %s", dir, strerror(-r));
		goto out;
	}
	cfg->dev = root.sb.st_dev;
	cfg->precheck = precheck_works(fd);
	root.git = owner_gitdir(cfg, fd, &root.sb);
	if (root.git && st && as_strv_push(&st->gitdirs, dir) < 0) {
		r = as_fail(err, -ENOMEM, "%s: out of memory", dir);
		goto out;
	}
	r = check_proc(fd, &root.sb, dir, err);
	if (r < 0)
		goto out;
	/* Each worker may hold a directory stream per level, plus one open
	 * entry; the queue pins at most QUEUE_MAX more. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)nw * (AS_ACL_MAX_DEPTH + 2) + QUEUE_MAX + 32) {
		r = as_fail(err, -EMFILE, "%s: open file limit %llu is too low for a walk %d levels deep",
			    dir, (unsigned long long)rl.rlim_cur, AS_ACL_MAX_DEPTH);
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
	fd = -1;        /* the queue owns it now */
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
		r = as_fail(err, -EIO, "%lu file(s) or directories could not be changed; the first: %s",
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
	struct walk_cfg cfg = { .op = OP_GRANT, .agent = agent, .owner = owner,
				.read_only = read_only };

	return walk_tree(dir, &cfg, st, NULL, err);
}

int as_acl_revoke_tree(const char *dir, uid_t agent, uid_t owner,
		       struct as_acl_stats *st, struct as_err *err)
{
	struct walk_cfg cfg = { .op = OP_REVOKE, .agent = agent, .owner = owner };

	return walk_tree(dir, &cfg, st, NULL, err);
}

int as_acl_check_tree(const char *dir, uid_t agent, uid_t owner, bool read_only,
		      struct as_acl_report *rep, struct as_err *err)
{
	struct walk_cfg cfg = { .op = OP_CHECK, .agent = agent, .owner = owner,
				.read_only = read_only };
	struct as_acl_report local;

	return walk_tree(dir, &cfg, NULL, rep ? rep : &local, err);
}

/* ------------------------------------------------------ traverse (--x) */

struct traverse {
	uid_t agent;
	gid_t gid, gid2;
	struct as_strv *added;
	struct aclv v;
};

static int fd_read_aclv(int fd, const char *path, struct aclv *v, struct as_err *err)
{
	acl_t acl = acl_get_fd(fd);
	int r;

	if (!acl)
		return as_fail(err, -errno, "%s: cannot read ACL: %s", path, strerror(errno));
	r = aclv_from_acl(acl, v);
	acl_free(acl);
	if (r == 0 && aclv_full(v))
		r = -E2BIG;
	return r < 0 ? as_fail(err, r, "%s: cannot parse ACL: %s", path, strerror(-r)) : 0;
}

static int fd_write_aclv(int fd, const char *path, struct aclv *v, struct as_err *err)
{
	acl_t acl = aclv_to_acl(v);
	int r = 0;

	if (!acl)
		return as_fail(err, -errno, "%s: cannot build ACL: %s", path, strerror(errno));
	if (acl_set_fd(fd, acl) < 0)
		r = as_fail(err, -errno, "%s: cannot write ACL: %s", path, strerror(errno));
	acl_free(acl);
	return r;
}

/*
 * One ancestor: if the agent cannot search it, give it a named entry with
 * x.  The entry keeps whatever the agent could already do through its
 * group or other class (a named user entry takes precedence over those in
 * acl(5), so --x alone could take read away).  The mask, which limits
 * named entries, gets x; the owning group's effective rights do not change
 * since they are ACL_GROUP_OBJ & mask and a new mask starts from
 * ACL_GROUP_OBJ.
 */
static int traverse_one(int fd, const char *path, void *data, struct as_err *err)
{
	struct traverse *t = data;
	struct acl_ent *e, *m;
	struct stat sb;
	unsigned int p;
	int r;

	if (fstat(fd, &sb) < 0)
		return as_fail(err, -errno, "%s: cannot stat: %s", path, strerror(errno));
	r = fd_read_aclv(fd, path, &t->v, err);
	if (r < 0)
		return r;
	if (aclv_may_groups(&t->v, sb.st_uid, sb.st_gid, t->agent, t->gid, t->gid2, P_X))
		return 0;
	if (sb.st_uid == t->agent)
		return as_fail(err, -EACCES, "%s: owned by the agent but not searchable by it", path);
	e = aclv_find(&t->v, ACL_USER, t->agent);
	p = (e ? e->perm : aclv_granted(&t->v, sb.st_uid, sb.st_gid, t->agent, t->gid, t->gid2)) | P_X;
	aclv_set(&t->v, ACL_USER, t->agent, p);
	m = aclv_find(&t->v, ACL_MASK, 0);
	if (m) {
		m->perm |= P_X;
	} else {
		const struct acl_ent *go = aclv_cfind(&t->v, ACL_GROUP_OBJ, 0);

		aclv_set(&t->v, ACL_MASK, 0, (go ? go->perm : 0) | P_X);
	}
	r = fd_write_aclv(fd, path, &t->v, err);
	if (r < 0)
		return r;
	r = as_strv_push(t->added, path);
	return r < 0 ? as_fail(err, r, "%s: out of memory", path) : 0;
}

int as_acl_grant_traverse(const char *dir, uid_t agent, gid_t agent_gid,
			  struct as_strv *added, struct as_err *err)
{
	return as_acl_grant_traverse_groups(dir, agent, agent_gid, (gid_t)-1, added, err);
}

int as_acl_grant_traverse_groups(const char *dir, uid_t agent, gid_t agent_gid, gid_t gid2,
				 struct as_strv *added, struct as_err *err)
{
	struct traverse *t;
	int fd = -1, r;

	if (agent == 0)
		return as_fail(err, -EINVAL, "%s: the agent cannot be root", dir);
	t = malloc(sizeof(*t));
	if (!t)
		return as_fail(err, -ENOMEM, "%s: out of memory", dir);
	t->agent = agent;
	t->gid = agent_gid;
	t->gid2 = gid2;
	t->added = added;
	/* A dry pass first, so a path that cannot be opened (a symlinked
	 * ancestor, a missing one) is refused before any ancestor changed;
	 * the second pass opens everything again, just as carefully. */
	r = open_nofollow(dir, true, &fd, NULL, NULL, err);
	if (r < 0)
		goto out;
	close(fd);
	fd = -1;
	r = open_nofollow(dir, true, &fd, traverse_one, t, err);
out:
	if (fd >= 0 && r == 0)
		close(fd);
	free(t);
	return r;
}

int as_acl_revoke_traverse(const char *path, uid_t agent, struct as_err *err)
{
	struct aclv *v;
	int fd = -1, r;

	r = open_nofollow(path, false, &fd, NULL, NULL, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	v = malloc(sizeof(*v));
	if (!v) {
		r = as_fail(err, -ENOMEM, "%s: out of memory", path);
		goto out;
	}
	r = fd_read_aclv(fd, path, v, err);
	if (r == 0 && aclv_remove(v, ACL_USER, agent)) {
		fix_mask_after_removal(v);
		r = fd_write_aclv(fd, path, v, err);
	}
	free(v);
out:
	close(fd);
	return r;
}

/* ------------------------------------ other owners' agents shut out */

/*
 * Where g:GID is on PATH's access ACL.  Adding it with no rights changes
 * nobody else's: a mask already there is kept (the entry adds nothing to
 * the group class it limits), and a new one is the owning group's entry,
 * so the group bits ls -l shows (the mask's, acl(5)) and the owning
 * group's effective rights stay what the mode said.
 */
static bool shut_group(struct aclv *v, gid_t gid)
{
	bool changed = aclv_set(v, ACL_GROUP, gid, 0);

	if (changed && !aclv_find(v, ACL_MASK, 0)) {
		const struct acl_ent *go = aclv_cfind(v, ACL_GROUP_OBJ, 0);

		aclv_set(v, ACL_MASK, 0, go ? go->perm : 0);
	}
	return changed;
}

enum group_op { GROUP_SHUT, GROUP_UNSHUT, GROUP_QUERY };

static int group_entry_op(const char *path, uid_t must_own, gid_t gid, enum group_op op,
			  struct as_err *err)
{
	struct aclv *v;
	struct stat sb;
	const struct acl_ent *e;
	int fd = -1, r;

	r = open_nofollow(path, false, &fd, NULL, NULL, err);
	if (r < 0)
		return r;
	if (fstat(fd, &sb) < 0) {
		r = as_fail(err, -errno, "%s: cannot stat: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISDIR(sb.st_mode) || sb.st_uid != must_own) {
		r = as_fail(err, -EPERM, "%s: not a directory owned by uid %u", path,
			    (unsigned int)must_own);
		goto out;
	}
	v = malloc(sizeof(*v));
	if (!v) {
		r = as_fail(err, -ENOMEM, "%s: out of memory", path);
		goto out;
	}
	r = fd_read_aclv(fd, path, v, err);
	if (r == 0) {
		switch (op) {
		case GROUP_SHUT:
			if (shut_group(v, gid) && (r = fd_write_aclv(fd, path, v, err)) == 0)
				r = 1;
			break;
		case GROUP_UNSHUT:
			if (aclv_remove(v, ACL_GROUP, gid)) {
				fix_mask_after_removal(v);
				r = fd_write_aclv(fd, path, v, err);
				if (r == 0)
					r = 1;
			}
			break;
		case GROUP_QUERY:
			e = aclv_cfind(v, ACL_GROUP, gid);
			r = e && e->perm == 0;
			break;
		}
	}
	free(v);
out:
	close(fd);
	return r;
}

int as_acl_shut_group(const char *path, uid_t owner, gid_t gid, struct as_err *err)
{
	return group_entry_op(path, owner, gid, GROUP_SHUT, err);
}

int as_acl_unshut_group(const char *path, uid_t owner, gid_t gid, struct as_err *err)
{
	return group_entry_op(path, owner, gid, GROUP_UNSHUT, err);
}

int as_acl_group_shut(const char *path, uid_t owner, gid_t gid, struct as_err *err)
{
	return group_entry_op(path, owner, gid, GROUP_QUERY, err);
}
