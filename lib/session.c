/* SPDX-License-Identifier: MIT */
#include "session.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "profile.h"

void as_session_free(struct as_session *s)
{
	free(s->owner);
	free(s->agent);
	free(s->agent_home);
	free(s->agent_shell);
	free(s->project);
	free(s->dir);
	free(s->profile);
	as_registry_free(&s->reg);
	as_policy_free(&s->policy);
	memset(s, 0, sizeof(*s));
}

static bool has_control_chars(const char *p)
{
	for (; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

/* The caller is the real uid, looked up in NSS; never $USER or $LOGNAME. */
static int identify_caller(const struct as_session_request *req, struct as_session *s,
			   struct as_err *err)
{
	struct passwd *pw;

	if (req->caller_uid == 0)
		return as_fail(err, -EPERM, "root has no agent account; run agent-shell as the developer");
	errno = 0;
	pw = getpwuid(req->caller_uid);
	if (!pw)
		return as_fail(err, -ENOENT, "uid %u has no passwd entry", (unsigned)req->caller_uid);
	s->owner = strdup(pw->pw_name);
	if (!s->owner)
		return as_fail(err, -ENOMEM, "out of memory");
	s->owner_uid = pw->pw_uid;
	return 0;
}

/* The registry names the agent; NSS must agree on both uids, so a renamed or
 * recycled account cannot stand in for the registered one. */
static int find_agent(const struct as_session_request *req, struct as_session *s,
		      struct as_err *err)
{
	struct passwd *pw;
	int r;

	r = as_registry_load(&s->reg, req->registry_dir, s->owner, AS_TRUST_ROOT_ONLY, err);
	if (r == -ENOENT)
		return as_fail(err, -ENOENT, "%s has no agent account (an admin runs: agent-admin add %s)",
			       s->owner, s->owner);
	if (r < 0)
		return r;
	if (s->reg.owner_uid != s->owner_uid || !s->reg.owner || strcmp(s->reg.owner, s->owner) != 0)
		return as_fail(err, -EPERM, "registry for %s names another owner", s->owner);
	errno = 0;
	pw = getpwnam(s->reg.account);
	if (!pw)
		return as_fail(err, -ENOENT, "agent account %s does not exist", s->reg.account);
	if (pw->pw_uid != s->reg.account_uid)
		return as_fail(err, -EPERM, "agent account %s has uid %u, the registry says %u",
			       s->reg.account, (unsigned)pw->pw_uid, (unsigned)s->reg.account_uid);
	if (pw->pw_uid == 0 || pw->pw_gid == 0)
		return as_fail(err, -EPERM, "agent account %s has uid or gid 0", s->reg.account);
	if (pw->pw_uid == s->owner_uid)
		return as_fail(err, -EPERM, "agent account %s is the owner itself", s->reg.account);
	s->agent = strdup(pw->pw_name);
	s->agent_home = strdup(pw->pw_dir);
	s->agent_shell = strdup(pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh");
	if (!s->agent || !s->agent_home || !s->agent_shell)
		return as_fail(err, -ENOMEM, "out of memory");
	s->agent_uid = pw->pw_uid;
	s->agent_gid = pw->pw_gid;
	if (s->agent_home[0] != '/')
		return as_fail(err, -EINVAL, "agent account %s has a relative home", s->agent);
	return 0;
}

/* DIR is compared after resolving every symlink, against the registered
 * (already canonical) project roots.  The Landlock rules use the registered
 * root, which only root (registry) and the owner (its ancestors) control. */
static int find_project(const struct as_session_request *req, struct as_session *s,
			struct as_err *err)
{
	char canon[PATH_MAX];
	char esc[256];
	int idx;

	if (!req->dir || req->dir[0] != '/')
		return as_fail(err, -EINVAL, "project directory must be an absolute path");
	if (has_control_chars(req->dir)) {
		as_escape(req->dir, esc, sizeof(esc));
		return as_fail(err, -EINVAL, "%s: project path contains control characters", esc);
	}
	if (!realpath(req->dir, canon))
		return as_fail(err, -errno, "%s: %s", req->dir, strerror(errno));
	idx = as_registry_project_for(&s->reg, canon);
	if (idx < 0)
		return as_fail(err, -EPERM, "%s is not inside a project granted to %s (see agent-admin list)",
			       canon, s->agent);
	s->dir = strdup(canon);
	s->project = strdup(s->reg.projects[idx].path);
	if (!s->dir || !s->project)
		return as_fail(err, -ENOMEM, "out of memory");
	s->project_read_only = s->reg.projects[idx].read_only;
	return 0;
}

static int load_policy(const struct as_session_request *req, struct as_session *s,
		       struct as_err *err)
{
	struct as_profile_opts popts = {
		.search_dirs = req->profile_dirs,
		.trust = AS_TRUST_ROOT_ONLY,
		.vars = { .project = s->project, .home = s->agent_home, .tmp = "/tmp" },
	};
	const char *name = req->profile;
	int r;

	if (!name)
		name = s->reg.profile && *s->reg.profile ? s->reg.profile : "default";
	if (!as_profile_name_valid(name))
		return as_fail(err, -EINVAL, "'%s' is not a valid profile name", name);
	s->profile = strdup(name);
	if (!s->profile)
		return as_fail(err, -ENOMEM, "out of memory");
	as_policy_init(&s->policy);
	r = as_profile_load(&s->policy, name, &popts, err);
	if (r < 0)
		return r;
	/* A read-only grant stays read-only whatever the profile says:
	 * Landlock then enforces what the ACLs already do. */
	if (s->project_read_only) {
		for (size_t i = 0; i < s->policy.n_paths; i++) {
			struct as_path_rule *p = &s->policy.paths[i];
			size_t pl = strlen(s->project);

			if (strncmp(p->path, s->project, pl) == 0 &&
			    (p->path[pl] == '\0' || p->path[pl] == '/'))
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
	int r;

	memset(s, 0, sizeof(*s));
	as_registry_init(&s->reg);
	as_policy_init(&s->policy);
	r = identify_caller(req, s, err);
	if (r < 0)
		return r;
	r = find_agent(req, s, err);
	if (r < 0)
		return r;
	r = find_project(req, s, err);
	if (r < 0)
		return r;
	return load_policy(req, s, err);
}
