/* SPDX-License-Identifier: MIT */
/*
 * What a session needs once it is the agent's: its policy (the profile,
 * parsed), its environment and its command.  On the helper path all of it
 * runs in the command's process after the identity switch, as the agent
 * (DESIGN.md, step 6); lib/session.c holds what root resolves first.
 * Kept apart so the code root runs (session.o) references no profile
 * parser (tests/check-link.sh).
 */
#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "command.h"
#include "env.h"
#include "path.h"
#include "profile.h"

int as_session_load_policy(struct as_session *s, const char *const *profile_dirs,
			   struct as_err *err)
{
	struct as_profile_opts popts = {
		.search_dirs = profile_dirs,
		/* The files are root's, whoever reads them (AS_TRUST_ROOT_ONLY):
		 * parsing as the agent changes who runs the grammar, not which
		 * files are believed. */
		.trust = AS_TRUST_ROOT_ONLY,
		.vars = { .project = s->project, .home = s->agent_home, .tmp = "/tmp" },
	};
	int r;

	if (!s->profile)
		return as_fail(err, -EINVAL, "no profile chosen (as_session_identify first)");
	as_policy_free(&s->policy);
	as_policy_init(&s->policy);
	r = as_profile_load(&s->policy, s->profile, &popts, err);
	if (r < 0)
		return r;
	/* A read-only grant stays read-only whatever the profile says:
	 * Landlock then enforces what the ACLs already do. */
	if (s->project_read_only) {
		for (size_t i = 0; i < s->policy.n_paths; i++) {
			struct as_path_rule *p = &s->policy.paths[i];

			if (as_path_within(p->path, s->project))
				p->access &= ~(unsigned)AS_FS_WRITE;
			if (p->access == 0)
				p->access = AS_FS_READ;
		}
	}
	return 0;
}

int as_session_resolve(const struct as_session_request *req, struct as_session *s,
		       struct as_err *err)
{
	int r = as_session_identify(req, s, err);

	if (r < 0)
		return r;
	return as_session_load_policy(s, req->profile_dirs, err);
}

static int push_var(struct as_strv *sv, const char *name, const char *value, struct as_err *err)
{
	_cleanup_free_ char *e = NULL;

	if (asprintf(&e, "%s=%s", name, value) < 0)
		return as_fail(err, -ENOMEM, "out of memory");
	if (as_strv_push(sv, e) < 0)
		return as_fail(err, -ENOMEM, "out of memory");
	return 0;
}

int as_session_env(const struct as_session *s, char *const *const sources[], size_t n_sources,
		   struct as_strv *out, struct as_err *err)
{
	struct as_strv base = { 0 };
	int r = 0;

	for (size_t i = 0; i < n_sources && r == 0; i++)
		for (char *const *e = sources[i]; e && *e && r == 0; e++)
			if (as_session_env_kept(*e) && as_strv_push(&base, *e) < 0)
				r = as_fail(err, -ENOMEM, "out of memory");
	if (r == 0)
		r = push_var(&base, "HOME", s->agent_home, err);
	if (r == 0)
		r = push_var(&base, "USER", s->agent, err);
	if (r == 0)
		r = push_var(&base, "LOGNAME", s->agent, err);
	if (r == 0)
		r = push_var(&base, "SHELL", s->agent_shell, err);
	if (r == 0)
		r = push_var(&base, "PATH", AS_SESSION_PATH, err);
	if (r == 0)
		r = push_var(&base, "AGENT_SHELL_PROJECT", s->project, err);
	/* The profile's allowlist has the last word. */
	if (r == 0)
		r = as_env_build(&s->policy, base.v, out, err);
	as_strv_free(&base);
	return r;
}

int as_session_command(const struct as_session *s, char **cmd, struct as_session_cmd *c,
		       struct as_err *err)
{
	const char *base;
	int code;

	memset(c, 0, sizeof(*c));
	if (cmd && cmd[0]) {
		c->path = as_resolve_command(cmd[0], AS_SESSION_PATH, &code);
		if (!c->path) {
			if (code == AS_EXIT_NOT_FOUND)
				as_err_set(err, "%s: command not found", cmd[0]);
			else if (code == AS_EXIT_CANNOT_EXEC)
				as_err_set(err, "%s: permission denied", cmd[0]);
			else
				as_err_set(err, "out of memory");
			return code ? code : 125;
		}
		c->argv = cmd;
		return 0;
	}
	base = strrchr(s->agent_shell, '/');
	c->path = strdup(s->agent_shell);
	if (!c->path || asprintf(&c->login_argv[0], "-%s", base ? base + 1 : s->agent_shell) < 0) {
		c->login_argv[0] = NULL;
		as_session_command_free(c);
		as_err_set(err, "out of memory");
		return 125;
	}
	c->argv = c->login_argv;
	return 0;
}

void as_session_command_free(struct as_session_cmd *c)
{
	free(c->path);
	free(c->login_argv[0]);
	memset(c, 0, sizeof(*c));
}
