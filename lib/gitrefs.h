/* SPDX-License-Identifier: MIT */
/*
 * Reading a git directory the way git would, without running git: HEAD,
 * branches and tags (loose and packed-refs), the recent values of a
 * branch's reflog, and the few config keys agent-shell needs.  Nothing
 * follows a symbolic link out of the directory (O_NOFOLLOW on names,
 * RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS on paths), nothing special is
 * opened, and every read is bounded: the directory may be the agent's
 * (lib/gitmeta.c reads it as the owner, agent-admin check as root).
 */
#ifndef AS_GITREFS_H
#define AS_GITREFS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define HEAD_MAX 1024
#define OID_MAX 64 /* sha256, in hex */
#define INCLUDES_MAX 8

struct git_ref {
	char *name; /* "refs/heads/main" */
	char oid[OID_MAX + 1];
	size_t seq; /* order read */
	char *hist; /* the owner's branches: the values its reflog
				 * recorded lately, "OID\n" each, or NULL */
};

struct git_refs {
	struct git_ref *v;
	size_t n;
	bool sorted; /* by name, one entry per name */
};

struct git_config {
	char hooks_path[PATH_MAX];
	char worktree[PATH_MAX];               /* core.worktree (submodules) */
	char includes[INCLUDES_MAX][PATH_MAX]; /* include.path, includeIf.*.path */
	size_t n_includes;
	char object_format[16];
	bool other_refstorage; /* reftable: not supported here */
	bool worktree_config;
};

/* "A/B" into OUT; -ENAMETOOLONG when it does not fit. */
int git_path_join(char *out, size_t len, const char *a, const char *b);

/* openat2 beneath DIRFD: no symlink, no magic link, no other mount. */
int git_openat_beneath(int dirfd, const char *path, int flags);

/* A small regular file NAME in DIRFD, NUL-terminated, up to its first
 * newline.  -ENOENT when missing, -EINVAL when not a regular file. */
int git_read_small(int dirfd, const char *name, char *buf, size_t len);

bool git_oid_valid(const char *s);     /* 40 or 64 lower-case hex digits */
bool git_refname_valid(const char *s); /* safe to use as a path below refs/ */

void git_refs_free(struct git_refs *r);
/* Adds NAME = OID; one git would not use, or one past the limit, is left
 * out (0).  -ENOMEM. */
int git_refs_add(struct git_refs *r, const char *name, const char *oid);

/* The entry for NAME (sorting R first when needed), or NULL. */
struct git_ref *git_refs_find(struct git_refs *r, const char *name);

/* The refs under PREFIX ("refs/heads/") of the git dir GFD, packed-refs
 * first, loose ones overriding them; at most 100000.  -errno only for a
 * real failure (a missing or odd file is no ref). */
int git_read_refs(int gfd, const char *prefix, struct git_refs *out);

/* Fills each ref's hist from logs/NAME in GFD (its last 16 KiB). */
int git_read_reflogs(int gfd, struct git_refs *r);

/* Whether OID is among HIST's values. */
bool git_in_hist(const char *hist, const char *oid);

/* The commit HEAD (a HEAD file's content) names in REFS, or NULL. */
const char *git_head_oid(const char *head, struct git_refs *refs);

/* core.hooksPath, core.worktree, include paths and the extensions of the
 * config file in GFD (lib/gitconfig.c reads it); includes are not
 * followed.  An absent, odd or larger than 1 MiB file gives nothing. */
void git_parse_config(int gfd, struct git_config *c);

/* The same from the text of a config file (pure). */
void git_config_from_text(const char *text, size_t len, struct git_config *c);

#endif
