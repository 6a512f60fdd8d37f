/* SPDX-License-Identifier: MIT */
/*
 * The end-of-session review: files the owner's tools run without asking
 * (git hook managers' directories, direnv's .envrc, editor tasks, CI
 * workflows, package scripts, makefiles) that changed while the session
 * ran, so the owner reads them before the next build.  "Changed" is an
 * inode change time at or after the session's start: the agent can set
 * a file's mtime back (utimensat), never its ctime.
 *
 * The list is kept, one escaped path a line, in AS_REVIEWDIR/OWNER,
 * owned by root and readable by the owner's group, for agent-shell
 * --review.
 */
#ifndef AS_REVIEW_H
#define AS_REVIEW_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "common.h"
#include "registry.h"

/* Whether NAME, in a directory reached through DIRS (the names of the
 * directories from the grant down, innermost last, N of them), is a file
 * the owner's tools run without asking.  Pure. */
bool as_review_autorun(const char *const *dirs, size_t n, const char *name);

/*
 * Walks every read-write grant of REG (never following a symlink, on each
 * grant's filesystem, .git skipped) and lists in OUT the auto-run files
 * whose ctime is at or after SINCE.  A tree too large or too deep for the
 * walk is noted in OUT as a line starting with "(".  Returns 0 or -errno.
 */
int as_review_scan(const struct as_registry *reg, const struct timespec *since, struct as_strv *out,
		   struct as_err *err);

/* Writes FILES to DIR/OWNER (temp, fsync, rename), root:GID mode 0640,
 * creating DIR (0755) when missing.  A DIR/OWNER that already holds
 * exactly FILES (a regular file, one link, root:GID, 0640) is left as it
 * is: most sessions change nothing, and the fsync is their end's largest
 * cost. */
int as_review_save(const char *dir, const char *owner, gid_t gid, const struct as_strv *files,
		   struct as_err *err);

#endif
