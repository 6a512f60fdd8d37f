/* SPDX-License-Identifier: MIT */
/*
 * What git itself takes for a git directory, found by content rather than
 * by name: "HEAD" beside "objects" and "refs" (git's is_git_directory()),
 * or "HEAD" beside "commondir" (a linked worktree's or a reused git dir's
 * private part, whose objects and refs live in the common dir).  A bare
 * repository, a submodule's modules/NAME and a .git by any name all match.
 * Every file git reads or runs from one of these (config, hooks,
 * commondir, config.worktree, info/, worktrees/, modules/, whatever the
 * next git adds) lies beneath it, which is why agent-shell keeps the whole
 * directory out of the agent's reach instead of a list of names in it.
 */
#ifndef AS_GITDIR_H
#define AS_GITDIR_H

#include <stdbool.h>

/* Whether the directory open at DIRFD is a git directory.  Looks only at
 * names in it, never following a symbolic link (a symlinked HEAD or
 * objects counts: git follows them). */
bool as_gitdir_at(int dirfd);

#endif
