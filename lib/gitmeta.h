/* SPDX-License-Identifier: MIT */
/*
 * Git in a session, without the agent ever writing a file the owner's git
 * reads or runs.  In the session's own mount namespace, while the helper
 * is still root, every repository in a read-write grant is rearranged:
 *
 *   WORKTREE/.git (a directory)
 *       replaced by the agent's own git directory for that repository,
 *       AS_GITDIR/AGENT/NAME-HASH.git (one per repository, keyed by the
 *       work tree's path: as_git_agent_dir_name; AS_GITDIR/AGENT is made
 *       by root for the agent, outside its home, which stays 0700 with no
 *       ACL; the owner reads it through u:OWNER:r-x).  It
 *       borrows the owner's objects read-only (objects/info/alternates
 *       names "../owner-objects", where the owner's objects are bound
 *       read-only for the session, and the owner's real objects path,
 *       which is what the owner's own git uses when it fetches from it),
 *       and starts from the owner's HEAD, branches, tags and index:
 *         - refs/remotes/owner/B is the owner's branch B, rewritten at
 *           each session start;
 *         - the agent's refs/heads/B is created when the owner has a
 *           branch B the agent never saw, follows the owner's B when the
 *           agent left it where the owner's was last time, and is kept
 *           otherwise (the owner's new commits are then at owner/B);
 *         - HEAD is the owner's (the work tree is the owner's checkout);
 *         - the index is the owner's when the agent's HEAD commit is the
 *           owner's (or the directory is new), else the agent's own.
 *       Nothing of either side is lost: the agent's commits stay in its
 *       directory, the owner's in theirs.
 *   any other git directory (bare, or a separate git dir): bound read-only
 *       onto itself.
 *   a .git file (linked worktree, submodule): bound read-only.
 *   core.hooksPath of a repository, when it lies in its work tree: bound
 *       read-only (created empty, owned by the owner, when missing).
 *
 * Git directories are found by content (lib/gitdir.h), by every name.
 * Root makes AS_GITDIR/AGENT and the mounts, nothing else
 * (lib/gitmount.c).  The walk runs as the owner, with the owner's groups:
 * it finds the git directories, takes the agent's ACL entries out of the
 * owner's, renames what the agent made in them, reads the owner's refs,
 * and asks root for each mount by naming its places.  The agent's
 * directory is written by a second child, switched to the agent's uid,
 * from what the walk sends it.  The walk never follows a symbolic link
 * and stays on each grant's filesystem.
 */
#ifndef AS_GITMETA_H
#define AS_GITMETA_H

#include <stdbool.h>
#include <limits.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "common.h"
#include "session.h"

/* Limits of one session start (docs/security-model.md): a larger tree is
 * refused with a message, never half protected. */
#define AS_GIT_MAX_DIRS 200000
#define AS_GIT_MAX_REPOS 4000
/* Deeper than this the walk does not go: a note, never a refusal (the
 * git directories there keep no agent ACL entry, lib/acl.h). */
#define AS_GIT_MAX_DEPTH 128

struct as_git_stats {
	unsigned dirs;        /* directories walked */
	unsigned repos;       /* work trees given the agent's git dir */
	unsigned readonly;    /* other git dirs bound read-only */
	unsigned mounts;      /* bind mounts made */
	unsigned skipped;     /* notes */
	struct as_strv notes; /* one line per skipped item */
	/* Entries the agent owned inside the owner's git directories, each
	 * renamed NAME.agent-shell-disarmed: one line each, for the owner. */
	struct as_strv disarmed;
	struct timespec started; /* when protecting began (the review's start) */
	/* The end's walk also scans for the review (lib/review.h): the files
	 * the owner's tools run that changed since STARTED, and, when the scan
	 * failed, why (REVIEW_ERR.msg not empty). */
	struct as_strv review;
	struct as_err review_err;
};

/* The longest message of the git step's children (lib/gitmount.c). */
#define AS_GIT_MSG_MAX (4 * PATH_MAX + 64)

/*
 * As root, in the session's own mount namespace (the helper's
 * enter_session_namespaces): every read-write grant of S rearranged as
 * described above, by the two children (lib/gitmount.c).  A grant whose
 * directory does not exist has nothing to protect: a note.  Any other
 * failure (a directory that cannot be opened, EMFILE included, a limit
 * exceeded, a mount that failed, a child that died) is returned with err
 * set: a session is never started half protected.
 */
int as_git_protect_session(const struct as_session *s, struct as_git_stats *st, struct as_err *err);

/*
 * At a session's end, as root, once no process of the session is left, by
 * a child switched to the owner: every git dir of the owner's under S's
 * read-write grants loses its agent ACL entries, and what the agent owns
 * inside is renamed out of git's way (NAME.agent-shell-disarmed), as at a
 * session's start.  A git dir that still had agent entries was made, or
 * put together, during the session, while the agent could write in it
 * (nothing closes that window on a kernel without a name-aware LSM:
 * docs/security-model.md): ST->disarmed says so, one line each.  The same
 * child then scans the grants for the review (as_review_scan, files
 * changed since SINCE) into ST->review.  Returns 0 or -errno with ERR set.
 */
int as_git_sweep_session(const struct as_session *s, const struct timespec *since,
			 struct as_git_stats *st, struct as_err *err);

/* What as_git_protect_session would do, counted and changing nothing
 * (any user may call it: agent-shell --explain). */
int as_git_count_grants(const struct as_session *s, struct as_git_stats *st, struct as_err *err);

/* The two children's work (lib/gitmount.c forks them and switches their
 * identity first): the owner's walk (SWEEP_SINCE not NULL: the end's, with
 * the review's scan of what changed since), which sends root
 * its requests on CHAN and, once it has a repository to prepare, asks root
 * for the agent's side (A) and sends it the agent's git dirs; and the
 * agent's side, which writes them in AGENTFD (AS_GITDIR/AGENT) from what
 * arrives on CHAN.  Each returns its exit status. */
int as_git_owner_walk(const struct as_session *s, const struct timespec *sweep_since, int chan);
int as_git_agent_serve(const struct as_session *s, int agentfd, int chan);

void as_git_stats_free(struct as_git_stats *st);

/*
 * The name of the agent's git directory for the work tree WORKTREE (a
 * canonical path) in AS_GITDIR/AGENT: its last component (letters,
 * digits, '.', '_', '-' kept, at most 32) and 16 hex digits of a hash of
 * the whole path, then ".git".  Returns 0 or -ENAMETOOLONG.
 */
int as_git_agent_dir_name(const char *worktree, char *out, size_t len);

/* Deletes AS_GITDIR/AGENT and everything in it (agent-admin remove, with
 * no process of the agent left), never following a symlink.  0 when it
 * is not there. */
int as_git_agent_dir_remove(const char *agent, struct as_err *err);

#endif
