/* SPDX-License-Identifier: MIT */
/*
 * The profile grammar (INI, parsed with the system inih).  Knows sections,
 * keys, variables, includes and the lookup order; nothing else.
 */
#ifndef AS_PROFILE_H
#define AS_PROFILE_H

#include "common.h"
#include "names.h" /* as_profile_name_valid */
#include "policy.h"

/* Includes nest at most this deep (the top-level profile is depth 0). */
#define AS_PROFILE_MAX_INCLUDE_DEPTH 8

/* A profile file larger than this is refused. */
#define AS_PROFILE_MAX_BYTES (64 * 1024)

/* Values for @project, @home and @tmp.  A NULL variable used in a profile
 * is an error naming it. */
struct as_profile_vars {
	const char *project;
	const char *home;
	const char *tmp;
};

struct as_profile_opts {
	/* Directories searched for NAME.profile, in order; NULL-terminated.
	 * NULL means { AS_PROFILEDIR_ETC, AS_PROFILEDIR_VENDOR }. */
	const char *const *search_dirs;
	enum as_trust trust; /* AS_TRUST_ROOT_ONLY on the helper path */
	struct as_profile_vars vars;
};

/*
 * Loads profile NAME (looked up in opts->search_dirs) into pol, following
 * includes.  On error pol may hold partial rules: the caller frees it and
 * applies nothing.  err reads "FILE:LINE: problem" where a line is known.
 *
 * Lookup: DIR/NAME.profile in each directory in order, read with
 * as_read_file(opts->trust); a missing file tries the next directory, any
 * other failure (untrusted, unreadable) stops: a bad file is never skipped.
 * Includes nest up to AS_PROFILE_MAX_INCLUDE_DEPTH; a cycle, or a profile
 * included twice anywhere in the tree, is an error.  Paths, ports,
 * environment and seccomp rules accumulate; scalars (description, landlock,
 * scopes, limits) may be set once per file, a file's own value beats its
 * includes' and among includes the last one listed wins.  On success
 * pol->name is NAME (the path for as_profile_load_file, filename for
 * as_profile_parse_string) and every file read is in pol->sources.
 */
int as_profile_load(struct as_policy *pol, const char *name, const struct as_profile_opts *opts,
		    struct as_err *err);

/* Loads a profile from an explicit file path (agent-sandbox -f). */
int as_profile_load_file(struct as_policy *pol, const char *path,
			 const struct as_profile_opts *opts, struct as_err *err);

/* Parses profile text (tests, fuzzing); includes are looked up as above. */
int as_profile_parse_string(struct as_policy *pol, const char *text, const char *filename,
			    const struct as_profile_opts *opts, struct as_err *err);

#endif
