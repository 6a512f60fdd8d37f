/* SPDX-License-Identifier: MIT */
/*
 * The git step's root part (lib/gitmount.c; the helper calls it through
 * lib/gitmeta.h).  The request side is here for its unit test: root takes
 * one message of the owner's walk at a time, and refuses every one that
 * is not one of its three mounts between a read-write grant and the
 * agent's directory, or a line of text.
 */
#ifndef AS_GITMOUNT_H
#define AS_GITMOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "gitmeta.h"

struct as_git_mounts {
	const struct as_session *s;
	int agentfd;  /* AS_GITDIR/AGENT (O_PATH, the agent's), or -1 */
	int *grantfd; /* per registry project, opened when first named */
	struct as_git_stats *st;
	struct as_err *err;
	const struct timespec *since; /* the end's walk: the review's start */
	bool ended;                   /* the walk sent T */
	int walk_chan;                /* root's end of the walk's channel, or -1 */
	pid_t agent;                  /* the agent's side, once asked for, or -1 */
	pid_t parent;                 /* the helper, which the children die with */
};

/* For S's grants; AGENTFD left -1 (the caller may set an O_PATH directory
 * fd the agent owns).  0 or -ENOMEM. */
int as_git_mounts_init(struct as_git_mounts *m, const struct as_session *s, struct as_git_stats *st,
		       struct as_err *err);
void as_git_mounts_free(struct as_git_mounts *m);

/* One message of the walk, LEN bytes, the first its kind: carried out,
 * or refused (-EPROTO for one root does not take, -errno from opening or
 * mounting) with M->err set. */
int as_git_mounts_request(struct as_git_mounts *m, char *msg, size_t len);

#endif
