/* SPDX-License-Identifier: MIT */
/*
 * Resolving an agent-shell session: who the caller is (a uid, never the
 * environment), which agent account is theirs (the registry), which granted
 * project DIR lies in, and the policy that applies.  Lookups only: no
 * identity change.  Shared by the setuid helper and by agent-shell
 * --explain, so that explain shows exactly what a launch would do.
 */
#ifndef AS_SESSION_H
#define AS_SESSION_H

#include <stdio.h>
#include <sys/types.h>

#include "common.h"
#include "policy.h"
#include "registry.h"
#include "siteconf.h"

struct as_session_request {
	uid_t caller_uid; /* getuid() of the caller */
	/* The setuid helper: resolve DIR with the caller's filesystem ids
	 * (caller_uid, caller_gid), not root's.  Off for the unprivileged
	 * callers, who resolve with their own rights anyway. */
	bool dir_as_caller;
	gid_t caller_gid;                /* getgid() of the caller, with dir_as_caller */
	const char *dir;                 /* -C DIR, or the caller's cwd (absolute) */
	const char *profile;             /* -p PROFILE, or NULL for the registry default */
	const char *registry_dir;        /* AS_REGISTRYDIR */
	const char *const *profile_dirs; /* NULL: the compiled-in ones */
};

struct as_session {
	char *owner; /* caller's name */
	uid_t owner_uid;
	gid_t owner_gid;     /* the caller's primary group (passwd) */
	gid_t *owner_groups; /* the caller's groups as its process has them (the
				* helper: getgroups at start), or NULL: the git
				* step's walk runs with these (lib/gitmount.c) */
	size_t n_owner_groups;
	char *agent; /* agent account */
	uid_t agent_uid;
	gid_t agent_gid;
	gid_t *agent_groups;   /* the agent's groups (getgrouplist), as checked */
	size_t n_agent_groups; /* for privileged ones: the helper's switch sets these */
	char *agent_home;
	char *agent_shell;
	char *project; /* registered project root containing dir */
	bool project_read_only;
	char *dir;     /* canonical DIR, inside project */
	char *profile; /* profile name applied */
	struct as_registry reg;
	struct as_policy policy;
};

/*
 * What root resolves (DESIGN.md, step 2): the caller, their agent account
 * (the registry), the granted project DIR lies in, and the profile's name,
 * checked against the admin's pin.  Reads the registry, never a profile
 * file: s->policy is left empty.  Every refusal is a one-line err; the
 * registry must be root-owned and not group/other writable.
 */
int as_session_identify(const struct as_session_request *req, struct as_session *s,
			struct as_err *err);

/*
 * The profile s->profile, parsed into s->policy (lib/session-stage.c), with
 * a read-only grant kept read-only.  PROFILE_DIRS NULL: the compiled-in
 * ones.  The helper calls it in the command's process, as the agent; the
 * files are still trusted only if root owns them.
 */
int as_session_load_policy(struct as_session *s, const char *const *profile_dirs,
			   struct as_err *err);

/* Both of the above, for the unprivileged callers (agent-shell --explain,
 * the sudo path's agent-sandbox --session). */
int as_session_resolve(const struct as_session_request *req, struct as_session *s,
		       struct as_err *err);

void as_session_free(struct as_session *s);

/* The default PATH of a session (the agent's commands are looked up in it). */
#define AS_SESSION_PATH "/usr/local/bin:/usr/bin:/bin"

/* Whether ENTRY ("NAME=value") may pass from the caller, or from PAM, into
 * a session: terminal and locale variables only (TERM, COLORTERM, LANG,
 * LANGUAGE, TZ, LC_*), whose values are short plain tokens without '/'. */
bool as_session_env_kept(const char *entry);

/*
 * The session's environment: the kept entries of each NULL-terminated list
 * in SOURCES (the first occurrence of a name wins), then HOME, USER, LOGNAME, SHELL, PATH and
 * AGENT_SHELL_PROJECT for the agent; the profile's allowlist has the last
 * word.  Both switch paths (helper and sudo) build it here.
 */
int as_session_env(const struct as_session *s, char *const *const sources[], size_t n_sources,
		   struct as_strv *out, struct as_err *err);

/* Prints who, which agent, project and directory, and how the switch is
 * made with what it protects (the lines agent-shell --explain starts with). */
void as_session_explain(const struct as_session *s, enum as_switch by, FILE *out);

/* What a session executes. */
struct as_session_cmd {
	char *path;          /* absolute path to exec (heap) */
	char **argv;         /* CMD itself, or login_argv */
	char *login_argv[2]; /* { "-bash", NULL } for a login shell (heap) */
};

/*
 * CMD looked up in AS_SESSION_PATH (call it as the agent, before any
 * restriction); without CMD, the agent's login shell with argv[0] "-" and
 * its basename, as login(1) does.  Returns 0, or the exit status to end
 * with (AS_EXIT_NOT_FOUND, AS_EXIT_CANNOT_EXEC, or 125 when out of memory)
 * with err set.
 */
int as_session_command(const struct as_session *s, char **cmd, struct as_session_cmd *c,
		       struct as_err *err);
void as_session_command_free(struct as_session_cmd *c);

#endif
