/* SPDX-License-Identifier: MIT */
/*
 * The ACL module's object I/O (acl-int.h): one object's ACLs read and
 * written through an fd we opened ourselves, never by a path of more than
 * one component, and the operations on single paths (traverse entries on
 * a grant's ancestors, the agents' group shut out of a directory), which
 * open every component with O_NOFOLLOW from "/".
 */
#include "acl-int.h"

#include <acl/libacl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

/*
 * getxattrat(2), Linux 6.13, for the read-only pre-check of regular files
 * (see precheck_file).  Distribution headers may predate it; the number is
 * the same on every architecture using the unified syscall table.
 */
#if !defined(SYS_getxattrat) &&                                                                  \
	(defined(__x86_64__) || defined(__aarch64__) || defined(__i386__) || defined(__arm__) || \
	 defined(__riscv) || defined(__powerpc__) || defined(__s390__) || defined(__loongarch__))
#define SYS_getxattrat 464
#endif

struct as_xattr_args { /* struct xattr_args, <linux/xattr.h> */
	uint64_t value;
	uint32_t size;
	uint32_t flags;
};

#define XATTR_ACL_ACCESS "system.posix_acl_access"
/*
 * The access ACL of the object we hold.  Read raw with fgetxattr and parsed
 * here: libacl's acl_get_fd() costs an extra fstat for every file without
 * an ACL (the common case on a first grant), and we have the fstat already.
 * An ACL longer than the buffer goes through libacl.
 */
int as_acl_obj_read_access(int fd, const struct stat *sb, struct aclv *v, const char **what)
{
	unsigned char buf[4 + 8 * 64];
	ssize_t n;
	acl_t acl;
	int r;

	*what = "cannot read ACL";
	n = fgetxattr(fd, XATTR_ACL_ACCESS, buf, sizeof(buf));
	if (n < 0 && errno == ENODATA) {
		as_aclv_from_mode(sb->st_mode, v);
		return 0;
	}
	if (n >= 0 && as_aclv_from_xattr(buf, (size_t)n, v) == 0)
		return 0;
	if (n < 0 && errno != ERANGE)
		return -errno;
	acl = acl_get_fd(fd);
	if (!acl)
		return -errno;
	r = as_aclv_from_acl(acl, v);
	acl_free(acl);
	*what = "cannot parse ACL";
	return r;
}

int as_acl_obj_write_access(int fd, struct aclv *v, const char **what)
{
	acl_t acl = as_aclv_to_acl(v);
	int r = 0;

	if (!acl) {
		*what = "cannot build ACL";
		return -errno;
	}
	if (acl_set_fd(fd, acl) < 0) {
		*what = "cannot write ACL";
		r = -errno;
	}
	acl_free(acl);
	return r;
}

/*
 * libacl has no fd call for default ACLs.  We go through /proc/self/fd/N
 * of the directory fd we opened: the magic link resolves to exactly that
 * inode, whatever happens to its name meanwhile, and libacl keeps encoding
 * the xattr for us.  fsetxattr("system.posix_acl_default") on the fd would
 * work as well, but means hand-encoding the kernel's posix_acl_xattr
 * format: we parse it for reads (as_aclv_from_xattr, where a mistake can
 * only cost a rewrite) and leave everything we write to libacl.  Directories
 * are about 1% of a tree, so the /proc lookup costs nothing measurable.
 * /proc must be mounted: checked once, up front (as_acl_obj_check_proc).
 */
static void proc_fd_path(char *buf, size_t len, int fd)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

int as_acl_obj_read_default(int fd, struct aclv *v, const char **what)
{
	char p[64];
	acl_t acl;
	int r;

	proc_fd_path(p, sizeof(p), fd);
	acl = acl_get_file(p, ACL_TYPE_DEFAULT);
	if (!acl) {
		*what = "cannot read default ACL";
		return -errno;
	}
	r = as_aclv_from_acl(acl, v);
	acl_free(acl);
	*what = "cannot parse default ACL";
	return r;
}

int as_acl_obj_write_default(int fd, struct aclv *v, bool strip, const char **what)
{
	char p[64];
	acl_t acl;
	int r = 0;

	proc_fd_path(p, sizeof(p), fd);
	if (v->n == 0 || (!as_aclv_has_named(v) && strip)) {
		/* Nothing named is left: a default ACL of base entries only
		 * would still override the umask of everyone creating files
		 * here, which the directory did not do before the grant. */
		if (acl_delete_def_file(p) < 0) {
			*what = "cannot remove default ACL";
			return -errno;
		}
		return 0;
	}
	acl = as_aclv_to_acl(v);
	if (!acl) {
		*what = "cannot build default ACL";
		return -errno;
	}
	if (acl_set_file(p, ACL_TYPE_DEFAULT, acl) < 0) {
		*what = "cannot write default ACL";
		r = -errno;
	}
	acl_free(acl);
	return r;
}

/*
 * The walk's fast path for regular files (acl-walk.c, precheck_file): the
 * ACL read by name, relative to the directory fd, with
 * AT_SYMLINK_NOFOLLOW: no symlink followed, nothing opened, so no device
 * or FIFO side effect.  Nothing is ever written on the strength of it.
 */
int as_acl_obj_peek_access(int dfd, const char *name, const struct stat *sb, struct aclv *v)
{
#ifdef SYS_getxattrat
	unsigned char buf[4 + 8 * 64];
	struct as_xattr_args a = { .value = (uintptr_t)buf, .size = sizeof(buf) };
	long n;

	n = syscall(SYS_getxattrat, dfd, name, AT_SYMLINK_NOFOLLOW, XATTR_ACL_ACCESS, &a,
		    sizeof(a));
	if (n < 0 && errno == ENODATA) {
		as_aclv_from_mode(sb->st_mode, v);
		return 0;
	}
	if (n < 0 || as_aclv_from_xattr(buf, (size_t)n, v) < 0)
		return -1;
	return 0;
#else
	(void)dfd;
	(void)name;
	(void)sb;
	(void)v;
	return -1;
#endif
}

bool as_acl_obj_peek_works(int fd)
{
#ifdef SYS_getxattrat
	unsigned char buf[4 + 8 * 64];
	struct as_xattr_args a = { .value = (uintptr_t)buf, .size = sizeof(buf) };

	return syscall(SYS_getxattrat, fd, "", AT_EMPTY_PATH, XATTR_ACL_ACCESS, &a, sizeof(a)) >=
		       0 ||
	       errno == ENODATA || errno == ERANGE;
#else
	(void)fd;
	return false;
#endif
}

/* /proc/self/fd/N must reach the very inode of fd (see proc_fd_path). */
int as_acl_obj_check_proc(int fd, const struct stat *sb, const char *dir, struct as_err *err)
{
	char p[64];
	struct stat ps;

	proc_fd_path(p, sizeof(p), fd);
	if (stat(p, &ps) < 0 || ps.st_dev != sb->st_dev || ps.st_ino != sb->st_ino)
		return as_fail(err, -ENOSYS,
			       "%s: /proc/self/fd does not lead to the directory (is /proc mounted?)",
			       dir);
	return 0;
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

/* One component at a time (acl-int.h). */
int as_acl_obj_open_path(const char *path, bool stop_before_last, int *out, as_acl_ancestor_fn fn,
			 void *data, struct as_err *err)
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
		snprintf(prefix + plen, sizeof(prefix) - plen, "%s%s", plen > 1 ? "/" : "", name);
		if (nfd < 0) {
			struct stat sb;

			r = -errno;
			/* With O_DIRECTORY the kernel says ENOTDIR for a
			 * symlink; name the real reason. */
			if (r == -ELOOP ||
			    (r == -ENOTDIR && fstatat(fd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
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
	r = as_aclv_from_acl(acl, v);
	acl_free(acl);
	if (r == 0 && as_aclv_full(v))
		r = -E2BIG;
	return r < 0 ? as_fail(err, r, "%s: cannot parse ACL: %s", path, strerror(-r)) : 0;
}

static int fd_write_aclv(int fd, const char *path, struct aclv *v, struct as_err *err)
{
	acl_t acl = as_aclv_to_acl(v);
	int r = 0;

	if (!acl)
		return as_fail(err, -errno, "%s: cannot build ACL: %s", path, strerror(errno));
	if (acl_set_fd(fd, acl) < 0)
		r = as_fail(err, -errno, "%s: cannot write ACL: %s", path, strerror(errno));
	acl_free(acl);
	return r;
}

/* One ancestor: searchable by the agent already, or given the entry
 * as_acl_rule_traverse says (acl-rules.c says why it is that one). */
static int traverse_one(int fd, const char *path, void *data, struct as_err *err)
{
	struct traverse *t = data;
	struct stat sb;
	int r;

	if (fstat(fd, &sb) < 0)
		return as_fail(err, -errno, "%s: cannot stat: %s", path, strerror(errno));
	r = fd_read_aclv(fd, path, &t->v, err);
	if (r < 0)
		return r;
	r = as_acl_rule_traverse(&t->v, &sb, t->agent, t->gid, t->gid2);
	if (r == -EACCES)
		return as_fail(err, -EACCES, "%s: owned by the agent but not searchable by it",
			       path);
	if (r <= 0)
		return r;
	r = fd_write_aclv(fd, path, &t->v, err);
	if (r < 0)
		return r;
	r = as_strv_push(t->added, path);
	return r < 0 ? as_fail(err, r, "%s: out of memory", path) : 0;
}

int as_acl_grant_traverse(const char *dir, uid_t agent, gid_t agent_gid, struct as_strv *added,
			  struct as_err *err)
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
	r = as_acl_obj_open_path(dir, true, &fd, NULL, NULL, err);
	if (r < 0)
		goto out;
	close(fd);
	fd = -1;
	r = as_acl_obj_open_path(dir, true, &fd, traverse_one, t, err);
out:
	if (fd >= 0 && r == 0)
		close(fd);
	free(t);
	return r;
}

int as_acl_revoke_fd(int fd, const char *path, uid_t agent, struct as_err *err)
{
	struct aclv *v = malloc(sizeof(*v));
	int r;

	if (!v)
		return as_fail(err, -ENOMEM, "%s: out of memory", path);
	r = fd_read_aclv(fd, path, v, err);
	if (r == 0 && as_aclv_remove(v, ACL_USER, agent)) {
		as_acl_rule_fix_mask(v);
		r = fd_write_aclv(fd, path, v, err);
		if (r == 0)
			r = 1;
	}
	free(v);
	return r;
}

int as_acl_revoke_traverse(const char *path, uid_t agent, struct as_err *err)
{
	int fd = -1, r;

	r = as_acl_obj_open_path(path, false, &fd, NULL, NULL, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = as_acl_revoke_fd(fd, path, agent, err);
	close(fd);
	return r < 0 ? r : 0;
}

/* ------------------------------------ other owners' agents shut out */

enum group_op { GROUP_SHUT, GROUP_UNSHUT, GROUP_QUERY };

static int group_entry_op(const char *path, uid_t must_own, gid_t gid, enum group_op op,
			  struct as_err *err)
{
	struct aclv *v;
	struct stat sb;
	const struct acl_ent *e;
	int fd = -1, r;

	r = as_acl_obj_open_path(path, false, &fd, NULL, NULL, err);
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
			if (as_acl_rule_shut_group(v, gid) &&
			    (r = fd_write_aclv(fd, path, v, err)) == 0)
				r = 1;
			break;
		case GROUP_UNSHUT:
			if (as_aclv_remove(v, ACL_GROUP, gid)) {
				as_acl_rule_fix_mask(v);
				r = fd_write_aclv(fd, path, v, err);
				if (r == 0)
					r = 1;
			}
			break;
		case GROUP_QUERY:
			e = as_aclv_cfind(v, ACL_GROUP, gid);
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
