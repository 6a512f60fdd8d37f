/* SPDX-License-Identifier: MIT */
/*
 * Inside the ACL module (acl.h is its interface), shared by its three
 * files and nothing else:
 *   - acl-rules.c: an ACL as a small array (struct aclv) and the pure
 *     rules: which entries an object gets from grant, revoke, check,
 *     traverse and the group shut-out, and the acl(5) access check.  No
 *     system calls.
 *   - acl-object.c: one object's ACL read and written through an fd we
 *     opened, and the operations on single paths (traverse, shut-out).
 *   - acl-walk.c: the tree walk, workers and queue, applying a rule to
 *     each object it opens.
 */
#ifndef AS_ACL_INT_H
#define AS_ACL_INT_H

#include <fcntl.h>
#include <stdbool.h>
#include <sys/acl.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "acl.h"

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

#define OPEN_FLAGS (O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)

/* ------------------------------------------------- acl-rules.c: aclv */

struct acl_ent {
	acl_tag_t tag;
	id_t id;           /* ACL_USER/ACL_GROUP only */
	unsigned int perm; /* P_R | P_W | P_X */
};

struct aclv {
	size_t n;
	struct acl_ent e[ACLV_MAX];
};

struct acl_ent *as_aclv_find(struct aclv *v, acl_tag_t tag, id_t id);
const struct acl_ent *as_aclv_cfind(const struct aclv *v, acl_tag_t tag, id_t id);
/* Sets TAG[:ID] to exactly PERM; true if that changed anything. */
bool as_aclv_set(struct aclv *v, acl_tag_t tag, id_t id, unsigned int perm);
/* No room left for what grant may add: callers refuse the object. */
bool as_aclv_full(const struct aclv *v);
bool as_aclv_remove(struct aclv *v, acl_tag_t tag, id_t id);
bool as_aclv_has_named(const struct aclv *v);
/* From libacl's form, from the kernel's xattr form, from a mode (no ACL
 * stored): 0 or -errno. */
int as_aclv_from_acl(acl_t acl, struct aclv *v);
int as_aclv_from_xattr(const unsigned char *b, size_t len, struct aclv *v);
void as_aclv_from_mode(mode_t mode, struct aclv *v);
/* libacl's form, entries sorted as the kernel wants; NULL with errno. */
acl_t as_aclv_to_acl(struct aclv *v);

/* ------------------------------------------------ acl-rules.c: rules */

/* Whose entries a rule is about. */
struct acl_rule {
	uid_t agent, owner;
	bool read_only;
};

/* Each changes V (an access ACL, or DV a default one) to what the
 * operation leaves on an object with SB's owner and mode; true when that
 * changed anything. */
bool as_acl_rule_grant_access(const struct acl_rule *c, struct aclv *v, const struct stat *sb);
bool as_acl_rule_grant_default(const struct acl_rule *c, struct aclv *dv, const struct aclv *av);
bool as_acl_rule_revoke_access(const struct acl_rule *c, struct aclv *v);
bool as_acl_rule_revoke_default(const struct acl_rule *c, struct aclv *dv);
/* After named entries were removed: the mask dropped or narrowed. */
bool as_acl_rule_fix_mask(struct aclv *v);
/* g:GID:--- added, the mask kept or made from the owning group's entry. */
bool as_acl_rule_shut_group(struct aclv *v, gid_t gid);

/* What check finds wrong with an access ACL, and with a directory's
 * default ACL. */
void as_acl_rule_check_access(const struct acl_rule *c, const struct aclv *v, const struct stat *sb,
			      bool *missing, bool *narrow);
enum acl_default_fault { DEFAULT_RIGHT, DEFAULT_MISSING, DEFAULT_NARROW_MASK };
enum acl_default_fault as_acl_rule_check_default(const struct acl_rule *c, const struct aclv *dv);

/* An ancestor the agent (primary group GID, and GID2 or (gid_t)-1) must
 * search: 0 when it already can, 1 when V now gives it x, -EACCES when
 * the agent owns it and still cannot. */
int as_acl_rule_traverse(struct aclv *v, const struct stat *sb, uid_t agent, gid_t gid, gid_t gid2);

/* ------------------------------------------------------ acl-object.c */

/* One object's ACLs through the fd we hold: 0, or -errno with *WHAT
 * naming the step ("cannot read ACL") for the caller's message. */
int as_acl_obj_read_access(int fd, const struct stat *sb, struct aclv *v, const char **what);
int as_acl_obj_write_access(int fd, struct aclv *v, const char **what);
int as_acl_obj_read_default(int fd, struct aclv *v, const char **what);
/* STRIP: a default ACL left with nothing named is removed. */
int as_acl_obj_write_default(int fd, struct aclv *v, bool strip, const char **what);

/* The access ACL of NAME in DFD read without opening it (getxattrat(2),
 * no symlink followed): 0 with V filled, or -1 (the caller then opens
 * it).  _works: whether the kernel has it, on the filesystem of FD. */
int as_acl_obj_peek_access(int dfd, const char *name, const struct stat *sb, struct aclv *v);
bool as_acl_obj_peek_works(int fd);

/* /proc/self/fd/N must reach the very inode of FD (default ACLs go
 * through it): 0 or -ENOSYS naming DIR. */
int as_acl_obj_check_proc(int fd, const struct stat *sb, const char *dir, struct as_err *err);

/*
 * Opens the canonical absolute PATH one component at a time from "/", each
 * with O_NOFOLLOW|O_DIRECTORY on the previous fd, so no symlink anywhere on
 * the way can redirect it.  STOP_BEFORE_LAST leaves out the last component.
 * For each directory opened (including "/"), calls FN if given.
 */
typedef int (*as_acl_ancestor_fn)(int fd, const char *path, void *data, struct as_err *err);
int as_acl_obj_open_path(const char *path, bool stop_before_last, int *out, as_acl_ancestor_fn fn,
			 void *data, struct as_err *err);

#endif
