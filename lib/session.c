/* SPDX-License-Identifier: MIT */
#include "session.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sys/stat.h>

#include "account.h"
#include "config.h"
#include "env.h"
#include "names.h"

#define MAX_ENV_VALUE 256

void as_session_free(struct as_session *s)
{
	free(s->owner);
	free(s->agent);
	free(s->agent_groups);
	free(s->owner_groups);
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
		return as_fail(err, -EPERM,
			       "root has no agent account; run agent-shell as the developer");
	errno = 0;
	pw = getpwuid(req->caller_uid);
	if (!pw)
		return as_fail(err, -ENOENT, "uid %u has no passwd entry",
			       (unsigned)req->caller_uid);
	s->owner = strdup(pw->pw_name);
	if (!s->owner)
		return as_fail(err, -ENOMEM, "out of memory");
	s->owner_uid = pw->pw_uid;
	s->owner_gid = pw->pw_gid;
	return 0;
}

/*
 * agent-admin add takes the agent out of every privileged group, but
 * membership can come back later (usermod -aG docker, a directory
 * service): checked again at every session start, since docker, disk,
 * shadow or sudo would hand the agent root or other users' data around
 * every layer.  Group id 0 counts whatever its name.  NSS errors fail
 * closed.  Each of the agent's gids is named by getgrgid, so a listed
 * group sharing its gid with an unlisted name that NSS returns first is
 * missed here; duplicate gids are an admin error in their own right.
 * The list checked is kept in s->agent_groups: the helper's identity
 * switch sets exactly it (as_identity_switch_groups), so no second NSS
 * walk (initgroups) can answer differently from the one checked here.
 */
static int check_agent_groups(struct as_session *s, struct as_err *err)
{
	_cleanup_free_ gid_t *groups = NULL;
	int n = 64, want;

	/* getgrouplist says how many it needs when the array is too small. */
	for (int tries = 0;; tries++) {
		free(groups);
		groups = calloc((size_t)n, sizeof(*groups));
		if (!groups)
			return as_fail(err, -ENOMEM, "out of memory");
		want = n;
		if (getgrouplist(s->agent, s->agent_gid, groups, &want) >= 0) {
			n = want;
			break;
		}
		if (tries > 0 || want <= n)
			return as_fail(err, -EIO, "cannot list the groups of agent account %s",
				       s->agent);
		n = want;
	}
	for (int i = 0; i < n; i++)
		if (groups[i] == 0)
			return as_fail(err, -EPERM,
				       "agent account %s is in group id 0; an admin runs: "
				       "agent-admin check %s",
				       s->agent, s->owner);
	/* By the agent's own groups (two, usually), not by the list: a
	 * getgrnam for each listed name that does not exist here walks every
	 * NSS source, 1.4 ms per session on this machine, against 10 us. */
	for (int i = 0; i < n; i++) {
		struct group *gr;

		errno = 0;
		gr = getgrgid(groups[i]);
		if (!gr) {
			if (errno != 0 && errno != ENOENT && errno != ESRCH)
				return as_fail(err, -EIO, "cannot look up group id %u: %s",
					       (unsigned)groups[i], strerror(errno));
			continue;
		}
		for (const char *const *g = as_privileged_groups; *g; g++)
			if (strcmp(gr->gr_name, *g) == 0)
				return as_fail(err, -EPERM,
					       "agent account %s is in the privileged group %s; "
					       "an admin runs: agent-admin add %s (which takes it out)",
					       s->agent, *g, s->owner);
	}
	s->agent_groups = groups;
	s->n_agent_groups = (size_t)n;
	groups = NULL;
	return 0;
}

/* The effective capability set: saved to SAVED and cleared (CLEAR), or
 * put back from SAVED; each read back.  capget/capset act on this thread
 * only, and the helper has one. */
static int effective_caps(struct __user_cap_data_struct saved[2], bool clear)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct want[2], now[2];

	if (clear) {
		if (syscall(SYS_capget, &hdr, saved) < 0)
			return -errno;
		memcpy(want, saved, sizeof(want));
		want[0].effective = want[1].effective = 0;
	} else {
		memcpy(want, saved, sizeof(want));
	}
	if (syscall(SYS_capset, &hdr, want) < 0 || syscall(SYS_capget, &hdr, now) < 0)
		return -errno;
	if (now[0].effective != want[0].effective || now[1].effective != want[1].effective)
		return -EPERM;
	return 0;
}

/*
 * realpath(3) with the caller's filesystem rights, for the setuid helper:
 * as root it would answer, for "-C /root/x" or "-C /proc/PID/cwd", what only
 * root may see (that a path exists, where another user's process sits).
 * setfsuid/setfsgid change only the ids the kernel checks file access with;
 * the real, effective and saved ids never move, so no signal or ptrace rule
 * changes meanwhile.  The kernel drops only the file capabilities with a
 * non-zero fsuid (capabilities(7)), and /proc/PID/cwd is a ptrace check
 * (PTRACE_MODE_READ_FSCREDS) that CAP_SYS_PTRACE passes: so the effective
 * set is cleared too while realpath runs, and put back after (the
 * permitted set is untouched).  The supplementary groups are the caller's
 * still (the helper has not called initgroups).  The alternative, an O_PATH
 * fd opened by agent-shell and passed in, would need the helper to keep an
 * inherited fd past its sanitize step.  setfsuid reports nothing, so each
 * switch and the way back are read back with an invalid id (-1), and any
 * mismatch fails closed.  Returns 0, or -errno with *msg naming the step.
 */
static int realpath_as(uid_t uid, gid_t gid, const char *path, char *out, const char **msg)
{
	uid_t old_uid = (uid_t)setfsuid((uid_t)-1);
	gid_t old_gid = (gid_t)setfsgid((gid_t)-1);
	struct __user_cap_data_struct caps[2];
	int r = 0;

	*msg = NULL;
	setfsgid(gid);
	if ((gid_t)setfsgid((gid_t)-1) != gid) {
		*msg = "cannot take the caller's filesystem group id";
		return -EPERM;
	}
	setfsuid(uid);
	if ((uid_t)setfsuid((uid_t)-1) != uid) {
		*msg = "cannot take the caller's filesystem user id";
		r = -EPERM;
	} else if (effective_caps(caps, true) < 0) {
		*msg = "cannot clear the effective capabilities";
		r = -EPERM;
	} else {
		if (!realpath(path, out))
			r = -errno;
		if (effective_caps(caps, false) < 0) {
			*msg = "cannot restore the effective capabilities";
			return -EPERM;
		}
	}
	setfsuid(old_uid);
	setfsgid(old_gid);
	if ((uid_t)setfsuid((uid_t)-1) != old_uid || (gid_t)setfsgid((gid_t)-1) != old_gid) {
		*msg = "cannot restore the filesystem ids";
		return -EPERM;
	}
	return r;
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
		return as_fail(err, -ENOENT,
			       "%s has no agent account (an admin runs: agent-admin add %s)",
			       s->owner, s->owner);
	if (r < 0)
		return r;
	if (s->reg.owner_uid != s->owner_uid || !s->reg.owner ||
	    strcmp(s->reg.owner, s->owner) != 0)
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
	return check_agent_groups(s, err);
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
	if (req->dir_as_caller) {
		const char *why;
		int r = realpath_as(req->caller_uid, req->caller_gid, req->dir, canon, &why);

		if (r < 0 && why)
			return as_fail(err, r, "%s: %s", req->dir, why);
		if (r < 0)
			return as_fail(err, r, "%s: %s", req->dir, strerror(-r));
	} else if (!realpath(req->dir, canon)) {
		return as_fail(err, -errno, "%s: %s", req->dir, strerror(errno));
	}
	idx = as_registry_project_for(&s->reg, canon);
	if (idx < 0)
		return as_fail(err, -EPERM,
			       "%s is not inside a project granted to %s (see agent-admin list)",
			       canon, s->agent);
	s->dir = strdup(canon);
	s->project = strdup(s->reg.projects[idx].path);
	if (!s->dir || !s->project)
		return as_fail(err, -ENOMEM, "out of memory");
	s->project_read_only = s->reg.projects[idx].read_only;
	return 0;
}

/* The profile's name: -p, else the registry's default, else "default";
 * checked against the admin's pin (agent-admin --profiles) before any
 * profile file is read, so the helper, the sudo path and --explain refuse
 * alike; the caller's -p is only a choice among the pinned profiles.  The
 * file itself is parsed later, by as_session_load_policy. */
static int choose_profile(const struct as_session_request *req, struct as_session *s,
			  struct as_err *err)
{
	const char *name = req->profile;

	if (!name)
		name = s->reg.profile && *s->reg.profile ? s->reg.profile : "default";
	if (!as_profile_name_valid(name))
		return as_fail(err, -EINVAL, "'%s' is not a valid profile name", name);
	if (!as_registry_profile_allowed(&s->reg, name)) {
		_cleanup_free_ char *allowed = as_registry_join_profiles(&s->reg.profiles, ", ");

		if (!allowed)
			return as_fail(err, -ENOMEM, "out of memory");
		return as_fail(err, -EPERM,
			       "profile '%s' is not allowed for %s (the admin allows: %s)", name,
			       s->agent, allowed);
	}
	s->profile = strdup(name);
	if (!s->profile)
		return as_fail(err, -ENOMEM, "out of memory");
	return 0;
}

int as_session_identify(const struct as_session_request *req, struct as_session *s,
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
	return choose_profile(req, s, err);
}

/* TERM and locale names are plain tokens: a '/' could point terminfo or
 * locale loading at a file of the caller's. */
static bool env_value_ok(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > MAX_ENV_VALUE)
		return false;
	for (const char *p = v; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x21 || c > 0x7e || c == '/')
			return false;
	}
	return true;
}

bool as_session_env_kept(const char *entry)
{
	static const char *const keep[] = { "TERM", "COLORTERM", "LANG", "LANGUAGE", "TZ" };
	const char *eq = strchr(entry, '=');
	char name[64];
	size_t nl;
	bool named = false;

	if (!eq || (nl = (size_t)(eq - entry)) == 0 || nl >= sizeof(name))
		return false;
	memcpy(name, entry, nl);
	name[nl] = '\0';
	for (size_t i = 0; i < AS_ARRAY_SIZE(keep); i++)
		if (strcmp(name, keep[i]) == 0)
			named = true;
	if (!named && !(strncmp(name, "LC_", 3) == 0 && as_env_name_valid(name)))
		return false;
	return env_value_ok(eq + 1);
}

void as_session_explain(const struct as_session *s, enum as_switch by, FILE *out)
{
	char esc[PATH_MAX * 4 + 1];

	fprintf(out, "session: owner %s (uid %u)\n", s->owner, (unsigned)s->owner_uid);
	fprintf(out, "session: agent %s (uid %u, home %s, shell %s)\n", s->agent,
		(unsigned)s->agent_uid, s->agent_home, s->agent_shell);
	as_escape(s->project, esc, sizeof(esc));
	fprintf(out, "session: project %s%s\n", esc,
		s->project_read_only ? " (read-only grant)" : "");
	as_escape(s->dir, esc, sizeof(esc));
	fprintf(out, "session: directory %s\n", esc);
	fprintf(out, "session: profile %s\n", s->profile);
	if (s->reg.profiles.n > 0) {
		_cleanup_free_ char *allowed = as_registry_join_profiles(&s->reg.profiles, ", ");

		fprintf(out, "session: profiles allowed by the admin: %s\n",
			allowed ? allowed : "?");
	} else {
		fprintf(out, "session: profiles allowed by the admin: any (not pinned)\n");
	}
	if (by == AS_SWITCH_SUDO) {
		char dropin[64 + NAME_MAX];

		/* The name agent-admin gives it: sudo skips names with a '.'. */
		snprintf(dropin, sizeof(dropin), "agent-shell-%s", s->owner);
		for (char *p = dropin; *p; p++)
			if (*p == '.')
				*p = '_';
		fprintf(out,
			"session: switch by sudo -u %s (%s; sudoers drop-in %s/%s from "
			"agent-admin add %s --sudo)\n",
			s->agent, AS_SUDO_PATH, AS_SUDOERS_DIR, dropin, s->owner);
		fprintf(out,
			"session: not on the sudo path (they need the setuid helper's root): "
			"PAM service %s, session namespace (private /tmp and /var/tmp, read-only "
			".git/config and .git/hooks), empty capability bounding set, session end log\n",
			AS_PAM_SERVICE);
	} else {
		fprintf(out, "session: switch by %s (PAM service %s in %s)\n", AS_HELPER_PATH,
			AS_PAM_SERVICE, AS_PAM_CONFDIR);
	}
}
