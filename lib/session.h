/* SPDX-License-Identifier: MIT */
/*
 * Resolving an agent-shell session: who the caller is (a uid, never the
 * environment), which agent account is theirs (the registry), which granted
 * project DIR lies in, and the policy that applies.  Pure lookups: no
 * identity change.  Shared by the setuid helper and by agent-shell
 * --explain, so that explain shows exactly what a launch would do.
 */
#ifndef AS_SESSION_H
#define AS_SESSION_H

#include <sys/types.h>

#include "common.h"
#include "policy.h"
#include "registry.h"

struct as_session_request {
	uid_t caller_uid;      /* getuid() of the caller */
	const char *dir;       /* -C DIR, or the caller's cwd (absolute) */
	const char *profile;   /* -p PROFILE, or NULL for the registry default */
	const char *registry_dir;      /* AS_REGISTRYDIR */
	const char *const *profile_dirs; /* NULL: the compiled-in ones */
};

struct as_session {
	char *owner;           /* caller's name */
	uid_t owner_uid;
	char *agent;           /* agent account */
	uid_t agent_uid;
	gid_t agent_gid;
	char *agent_home;
	char *agent_shell;
	char *project;         /* registered project root containing dir */
	bool project_read_only;
	char *dir;             /* canonical DIR, inside project */
	char *profile;         /* profile name applied */
	struct as_registry reg;
	struct as_policy policy;
};

/* Resolves everything; every refusal is a one-line err.  Registry and
 * profiles must be root-owned and not group/other writable. */
int as_session_resolve(const struct as_session_request *req,
		       struct as_session *s, struct as_err *err);

void as_session_free(struct as_session *s);

#endif
