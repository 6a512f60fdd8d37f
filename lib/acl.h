/* SPDX-License-Identifier: MIT */
/*
 * POSIX ACLs (libacl) over a project tree, so owner and agent can read and
 * write each other's files.  The walk never follows a symlink, stays on the
 * starting filesystem, skips special files, and acts only through file
 * descriptors it opened itself (openat/fstatat with AT_SYMLINK_NOFOLLOW), so
 * a tree that changes under it cannot redirect it.
 */
#ifndef AS_ACL_H
#define AS_ACL_H

#include <stdbool.h>
#include <sys/types.h>

#include "common.h"

/*
 * Deepest directory level below DIR the walkers descend to.  Each level
 * holds one open directory stream per worker, so the limit bounds the fds
 * (workers * (AS_ACL_MAX_DEPTH + 2) + a small queue) and the memory of a
 * walk; a deeper tree is refused with -ELOOP and a message naming the path,
 * rather than exhausting RLIMIT_NOFILE half-way through.
 */
#define AS_ACL_MAX_DEPTH 128

struct as_acl_stats {
	unsigned long visited;   /* directories and regular files seen */
	unsigned long changed;   /* ACLs written */
	unsigned long unchanged; /* already right, skipped */
	unsigned long skipped;   /* symlinks, special files, other filesystems */
	unsigned long vanished;  /* removed while we walked */
	unsigned long failed;    /* revoke: objects it could not fix (it carried on) */
	/* The owner's git directories (lib/gitdir.h) met on the way: grant
	 * gives the agent no entry in them and takes away any it had. */
	struct as_strv gitdirs;        /* their paths; as_acl_stats_free */
	unsigned long git_agent_owned; /* files the agent owns inside them */
};

void as_acl_stats_free(struct as_acl_stats *st);

/*
 * Grants AGENT on the tree at DIR (a canonical absolute directory):
 *   access:  u:AGENT:rwX (r-X when read_only), mask widened to cover it;
 *   default (directories): u:AGENT:rwX (r-X), u:OWNER:rwX, mask rwx.
 * Except in the owner's git directories (not the agent's own), where
 * everything gets what revoke does: no file git reads or runs may be
 * writable by the agent (docs/security-model.md, Git).  Each one found
 * is listed in ST->gitdirs.
 * Idempotent: entries already right are not rewritten.
 */
int as_acl_grant_tree(const char *dir, uid_t agent, uid_t owner, bool read_only,
		      struct as_acl_stats *st, struct as_err *err);

/*
 * Removes what grant added: u:AGENT and d:u:AGENT, d:u:OWNER, and the mask
 * or default mask when no named entry remains, so a tree that had plain
 * modes gets plain modes back.  Tolerates a partially granted tree.  Never
 * stops early: an object it cannot fix is counted (st->failed) and the walk
 * goes on; then it returns -EIO naming how many and the first.
 */
int as_acl_revoke_tree(const char *dir, uid_t agent, uid_t owner, struct as_acl_stats *st,
		       struct as_err *err);

/*
 * as_acl_revoke_tree for the owner's own git dirs, run as the owner
 * (lib/gitmeta.c): objects the agent owns, and whatever lies below them,
 * are left as they are (no ACL takes a file owner's rights away, and the
 * owner could not change theirs); the caller renames them out of git's way.
 */
int as_acl_strip_owned(const char *dir, uid_t agent, uid_t owner, struct as_acl_stats *st,
		       struct as_err *err);

/*
 * For each ancestor of DIR (from "/" down, DIR excluded) that AGENT cannot
 * search under its current permissions, adds u:AGENT:--x to its access ACL
 * and appends the path to ADDED.  Ancestors AGENT can already traverse are
 * left alone.
 */
int as_acl_grant_traverse(const char *dir, uid_t agent, gid_t agent_gid, struct as_strv *added,
			  struct as_err *err);

/* The same, counting the agent as also in group GID2 ((gid_t)-1: none):
 * the agents' group, whose entry on owners' homes denies. */
int as_acl_grant_traverse_groups(const char *dir, uid_t agent, gid_t agent_gid, gid_t gid2,
				 struct as_strv *added, struct as_err *err);

/*
 * Other owners' agents shut out (issue 15): g:GID:--- on the access ACL of
 * the directory PATH (canonical, opened without following any symlink,
 * owned by OWNER, else -EPERM).  A mask already there is kept; a new one
 * copies the owning group's entry, so nobody else's effective rights and
 * not the mode ls -l shows change.  _unshut removes the entry (and the mask
 * when nothing named is left); _shut and _unshut return 1 when they
 * changed the ACL, 0 when it was already so, or -errno;
 * _group_shut returns 1 when the entry is there with no rights, 0 if not.
 */
int as_acl_shut_group(const char *path, uid_t owner, gid_t gid, struct as_err *err);
int as_acl_unshut_group(const char *path, uid_t owner, gid_t gid, struct as_err *err);
int as_acl_group_shut(const char *path, uid_t owner, gid_t gid, struct as_err *err);

/* Removes u:AGENT from PATH's access ACL (and the mask if nothing named
 * remains).  0 if PATH is gone or has no such entry. */
int as_acl_revoke_traverse(const char *path, uid_t agent, struct as_err *err);

/* Removes u:AGENT from the access ACL of the object open at FD (PATH names
 * it in errors), and the mask if nothing named remains: 1 when there was
 * such an entry, 0 when not, -errno with err set. */
int as_acl_revoke_fd(int fd, const char *path, uid_t agent, struct as_err *err);

/* Consistency of a granted tree, for agent-admin check. */
struct as_acl_report {
	unsigned long missing;         /* entries without the agent's access entry */
	unsigned long narrow_mask;     /* mask hides the agent's or owner's rights */
	unsigned long missing_default; /* directories without the default entries */
	unsigned long in_gitdir;       /* the agent's entries inside the owner's git dirs */
	unsigned long git_agent_owned; /* files the agent owns inside them */
	char example[512];             /* first offending path, for the message */
	const char *problem;           /* what is wrong with it (static string) */
};

int as_acl_check_tree(const char *dir, uid_t agent, uid_t owner, bool read_only,
		      struct as_acl_report *rep, struct as_err *err);

/*
 * The access check algorithm of acl(5), pure: may a process with UID and
 * primary GID (no supplementary groups: agent accounts have none that
 * matter) get WANT (ACL_READ|ACL_WRITE|ACL_EXECUTE bits) on an object owned
 * by FILE_UID:FILE_GID whose access ACL is ACL_TEXT (acl_from_text(3) form;
 * a mode is "u::rwx,g::r-x,o::---")?  Returns 1 or 0, or -EINVAL when the
 * text does not parse.
 */
int as_acl_may(const char *acl_text, uid_t file_uid, gid_t file_gid, uid_t uid, gid_t gid,
	       unsigned int want);

#endif
