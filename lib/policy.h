/* SPDX-License-Identifier: MIT */
/*
 * The resolved sandbox policy: what a profile (plus command-line flags) asks
 * for, independent of how each layer enforces it.  Filled by exactly one code
 * path (profile.c for profiles, as_policy_add_* for flags), then read by the
 * layers (landlock.c, seccomp.c, env.c, sandbox.c).  Pure data: no syscalls.
 */
#ifndef AS_POLICY_H
#define AS_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>

#include "common.h"

/* Filesystem access classes, as the profile and the flags name them. */
enum as_fs_access {
	AS_FS_READ = 1u << 0,  /* read files, list directories */
	AS_FS_WRITE = 1u << 1, /* read + create, modify, remove, rename, truncate, device ioctl */
	AS_FS_EXEC = 1u << 2,  /* read + execute */
};

/* Where a rule came from, for --explain and for error messages. */
struct as_origin {
	const char *file; /* a string in policy->sources, or "command line" */
	unsigned line;    /* 0 for the command line */
};

struct as_path_rule {
	char *path;      /* absolute, variables expanded, as written (not resolved) */
	unsigned access; /* AS_FS_* bits */
	bool optional;   /* '?' prefix in a profile: a missing path is skipped */
	struct as_origin origin;
	/* A rule written under @project, @home or @tmp: path[0..base_len) is
	 * the variable's value, and the rest is resolved beneath it without
	 * following symlinks (lib/landlock.c).  base_len 0, base_var NULL:
	 * an absolute rule, followed as written. */
	size_t base_len;
	const char *base_var; /* "@home", ... (static) */
};

struct as_port_rule {
	uint16_t port; /* 1..65535 */
	struct as_origin origin;
};

enum as_landlock_mode {
	AS_LANDLOCK_REQUIRED = 0,    /* fail closed if the kernel lacks a needed right */
	AS_LANDLOCK_BEST_EFFORT = 1, /* drop what the kernel lacks, and say so */
};

struct as_rlimit_rule {
	bool set;
	rlim_t value; /* applied to both soft and hard limit, never raised */
	struct as_origin origin;
};

struct as_policy {
	char *name; /* top-level profile name, or NULL */
	char *description;
	enum as_landlock_mode landlock;
	bool landlock_set; /* set explicitly (the includer wins over includes) */

	struct as_path_rule *paths;
	size_t n_paths;
	struct as_port_rule *connect_tcp;
	size_t n_connect_tcp;
	struct as_port_rule *bind_tcp;
	size_t n_bind_tcp;

	/* Landlock scopes (ABI 6): true = isolated, the default. */
	bool scope_abstract_unix;
	bool scope_signal;

	struct as_strv seccomp_deny; /* extra syscall names or @groups to deny */

	struct as_strv env_pass; /* variable names; a trailing '*' matches a prefix */
	struct as_strv env_set;  /* NAME=VALUE, variables expanded */

	struct as_rlimit_rule rlimits[RLIM_NLIMITS];

	struct as_strv sources; /* profile files read, in order; origins point here */
};

/* The command line as an origin. */
extern const struct as_origin AS_ORIGIN_CMDLINE;

void as_policy_init(struct as_policy *pol);
void as_policy_free(struct as_policy *pol);

/*
 * Adds a path rule.  path must be absolute and free of control characters.
 * The same path twice merges the access bits (the first origin is kept).
 * Returns 0 or -errno with err set ("PATH: not an absolute path").
 */
int as_policy_add_path(struct as_policy *pol, const char *path, unsigned access, bool optional,
		       struct as_origin origin, struct as_err *err);

/* The same for a rule under a variable: the first base_len bytes of path
 * are the value of base_var.  Merged with an absolute rule for the same
 * path, the result is resolved beneath the base (the stricter reading). */
int as_policy_add_path_beneath(struct as_policy *pol, const char *path, size_t base_len,
			       const char *base_var, unsigned access, bool optional,
			       struct as_origin origin, struct as_err *err);

enum as_port_kind { AS_PORT_CONNECT, AS_PORT_BIND };

/* Adds a TCP port rule; a duplicate is merged silently. */
int as_policy_add_port(struct as_policy *pol, enum as_port_kind kind, uint16_t port,
		       struct as_origin origin, struct as_err *err);

/* Parses "1".."65535" strictly (no sign, no spaces, no leading zeros beyond
 * "0" itself being invalid).  Returns 0 or -EINVAL/-ERANGE with err set. */
int as_parse_port(const char *s, uint16_t *out, struct as_err *err);

/* Interns a source file name; returns the stored copy or NULL on ENOMEM. */
const char *as_policy_add_source(struct as_policy *pol, const char *file);

/* Formats an origin as "file:line" or "command line". */
void as_origin_format(struct as_origin o, char *buf, size_t len);

/* rlimit names used by profiles ("nofile", "nproc", ...). */
int as_rlimit_from_name(const char *name); /* RLIMIT_* or -1 */
const char *as_rlimit_name(int resource);

#endif
