/* SPDX-License-Identifier: MIT */
/*
 * Git metadata the agent must not plant code in.  A shared repository's
 * hooks and .git/config (core.hooksPath, core.fsmonitor, core.sshCommand,
 * filters, aliases) run code in the owner's git later, unread.  In the
 * session's own mount namespace, while the helper is still root, every
 * repository in a granted tree gets:
 *
 *   .git                bound onto itself (read-write): a mount point, so
 *                       it cannot be renamed away or removed (EBUSY)
 *   .git/config         bound read-only (EROFS; replacing it: EBUSY)
 *   .git/config.worktree, .git/worktrees/NAME/config.worktree   the same
 *   .git/hooks          bound read-only (created empty when missing, or
 *                       the agent could create it)
 *   .git/modules/...    each submodule's git dir, the same way
 *   a linked worktree's or submodule's .git file: bound read-only, and the
 *                       git dir it names protected when it lies in the grant
 *
 * Commits, branches, fetches and gc write elsewhere in .git and keep
 * working.  Nothing follows a symbolic link: each step opens one name with
 * O_NOFOLLOW relative to the directory before it, gitdir links resolve
 * beneath the granted root (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS),
 * the walk stays on the root's filesystem, and mounts are made on the
 * opened file descriptors (open_tree, mount_setattr, move_mount), never on
 * a path looked up again.  Repositories owned by the agent itself are left
 * alone: the owner's git refuses them (safe.directory) until adopted.
 */
#ifndef AS_GITMETA_H
#define AS_GITMETA_H

#include <stdbool.h>
#include <sys/types.h>

#include "common.h"
#include "registry.h"

/* Limits of one session start (docs/security-model.md): a larger tree is
 * refused with a message, never half protected. */
#define AS_GIT_MAX_DIRS 200000
#define AS_GIT_MAX_REPOS 4000

struct as_git_stats {
	unsigned dirs;          /* directories walked */
	unsigned repos;         /* git dirs protected (or found, dry run) */
	unsigned mounts;        /* bind mounts made */
	unsigned skipped;       /* git links out of the grant, agent-owned repos */
	struct as_strv notes;   /* one line per skipped item */
};

void as_git_stats_free(struct as_git_stats *st);

/*
 * Walks ROOT (a canonical directory) and protects every repository in it.
 * With DRY_RUN it only counts what it would protect (any user may call it,
 * for --explain).  Otherwise the caller must be root in a mount namespace
 * of its own (as_mount_ns_private).  Returns 0, or -errno with err set:
 * a limit exceeded, a symlinked .git/hooks (which no mount can cover), or
 * a mount that failed.
 */
int as_git_protect_tree(const char *root, uid_t agent_uid, bool dry_run,
			struct as_git_stats *st, struct as_err *err);

/*
 * as_git_protect_tree over every read-write grant of REG (read-only grants
 * are read-only to the agent already), into one ST.  A grant whose
 * directory does not exist (removed, or under the session's private /tmp)
 * has nothing to protect: it becomes a note.  Any other failure, anywhere
 * in a tree, is returned: a session is never started half protected.
 */
int as_git_protect_grants(const struct as_registry *reg, uid_t agent_uid, bool dry_run,
			  struct as_git_stats *st, struct as_err *err);

/* unshare(CLONE_NEWNS), then make every mount a slave, so nothing mounted
 * afterwards propagates back to the namespace we came from. */
int as_mount_ns_private(struct as_err *err);

#endif
