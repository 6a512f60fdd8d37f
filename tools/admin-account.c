/* SPDX-License-Identifier: MIT */
/*
 * agent-admin add, set, remove and list: the agent account itself.
 *
 * Crash consistency.  Every step below is idempotent, and the registry is
 * saved (atomically) at the points that let a re-run after kill -9 at any
 * instant converge:
 *
 *   add:    intent file (.OWNER.adding, names the account) -> groups ->
 *           useradd -> home 0700, locked, groups -> registry -> drop intent.
 *           The registry comes last, so a registry always describes an
 *           account that exists; the intent, written before useradd, is how
 *           a re-run recognizes the account its interrupted run created
 *           (anything else with that name is somebody else's: refused).
 *   remove: revoke each project (admin-grant.c) -> sudoers drop-in ->
 *           group membership -> userdel -> registry deleted.
 *
 * remove never stops early: a failed step is reported and the next runs
 * anyway; what failed stays recorded (the account and its registry) for a
 * re-run to finish.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <json-c/json.h>
#include <limits.h>
#include <pwd.h>
#include <shadow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "account.h"
#include "acl.h"
#include "admin.h"
#include "gitmeta.h"
#include "profile.h"
#include "registry.h"

#define USERADD "/usr/sbin/useradd"
#define USERDEL "/usr/sbin/userdel"
#define USERMOD "/usr/sbin/usermod"
#define GROUPADD "/usr/sbin/groupadd"
#define GPASSWD "/usr/bin/gpasswd"
#define AGENT_SHELL "/bin/bash"
#define GECOS_PREFIX "agent-shell agent of "

/* ---- owners and agents ---------------------------------------------- */

/* OWNER must be a valid name, known to NSS, not root, not a system account
 * and not itself an agent. */
static int resolve_owner(const struct admin_ctx *ctx, const char *owner, struct admin_user *u)
{
	struct as_registry other;
	struct as_err e = { "" };
	struct admin_shown s;
	int r;

	if (!as_owner_name_valid(owner, &e))
		return admin_fail("%s", e.msg);
	if (!admin_user_lookup(owner, u))
		return admin_fail("%s: no such user", admin_show(&s, owner));
	if (u->uid == 0)
		return admin_fail("%s: refusing to give root an agent (uid 0)", owner);
	if (u->uid < ctx->uid_min)
		return admin_fail("%s: a system account (uid %u is below UID_MIN %u)", owner,
				  (unsigned)u->uid, (unsigned)ctx->uid_min);
	/* The kernel's overflow uid: every unmapped id looks like it. */
	if (u->uid == 65534)
		return admin_fail("%s: the overflow account (uid 65534) is nobody's to delegate",
				  owner);
	r = as_registry_find_by_account(&other, ctx->regdir, owner, AS_TRUST_ROOT_ONLY, NULL);
	if (r == 0) {
		admin_fail("%s: is itself the agent of %s", owner, other.owner);
		as_registry_free(&other);
		return ADMIN_EXIT_FAIL;
	}
	return 0;
}

static int ensure_group(const struct admin_ctx *ctx, const char *group)
{
	const char *argv[] = { GROUPADD, "--system", "--", group, NULL };
	struct as_err e = { "" };
	int rc;

	if (getgrnam(group))
		return 0;
	rc = as_run(argv, &e);
	/* 9: the group appeared meanwhile (another tool) - fine. */
	if (rc != 0 && !(rc == 9 && getgrnam(group)))
		return admin_fail("%s", e.msg);
	admin_note(ctx, "created group %s", group);
	return 0;
}

static int ensure_member(const struct admin_ctx *ctx, const char *user, const char *group,
			 bool *changed)
{
	const char *argv[] = { GPASSWD, "-a", user, group, NULL };

	if (admin_in_group(user, group))
		return 0;
	if (admin_run_tool(argv))
		return ADMIN_EXIT_FAIL;
	admin_note(ctx, "added %s to group %s", user, group);
	*changed = true;
	return 0;
}

static int drop_privileged_groups(const struct admin_ctx *ctx, const struct admin_user *account,
				  bool *changed)
{
	for (const char *const *g = admin_privileged_groups; *g; g++) {
		struct group *gr = getgrnam(*g);
		const char *argv[] = { GPASSWD, "-d", account->name, *g, NULL };

		if (!gr)
			continue;
		if (gr->gr_gid == account->gid)
			return admin_fail("%s: its primary group is %s, a privileged group; refusing",
					  account->name, *g);
		if (!admin_in_group(account->name, *g))
			continue;
		if (admin_run_tool(argv))
			return ADMIN_EXIT_FAIL;
		admin_note(ctx, "removed %s from privileged group %s", account->name, *g);
		*changed = true;
	}
	return 0;
}

static bool password_locked(const char *account)
{
	struct spwd *sp = getspnam(account);

	/* '!' (locked) or '*' (no password can match); shadow's useradd gives
	 * '!' when no -p is passed. */
	return sp && sp->sp_pwdp && (sp->sp_pwdp[0] == '!' || sp->sp_pwdp[0] == '*');
}

/* Home directory: a real directory owned by the agent, mode 0700. */
static int fix_home(const struct admin_ctx *ctx, const struct admin_user *account, bool *changed)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	fd = open(account->home, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return admin_fail("%s: home %s: %s", account->name, account->home, strerror(errno));
	if (fstat(fd, &st) < 0)
		return admin_fail("%s: home %s: %s", account->name, account->home, strerror(errno));
	if (st.st_uid != account->uid)
		return admin_fail("%s: home %s is owned by uid %u, not by the agent; refusing",
				  account->name, account->home, (unsigned)st.st_uid);
	if ((st.st_mode & 07777) != 0700) {
		if (fchmod(fd, 0700) < 0)
			return admin_fail("%s: chmod 0700 %s: %s", account->name, account->home,
					  strerror(errno));
		admin_note(ctx, "set %s's home %s to mode 0700", account->name, account->home);
		*changed = true;
	}
	return 0;
}

/*
 * Other owners' agents out of OWNER's home: g:agent-shell-agents:--- on the
 * home directory (DESIGN.md, "Commands").  Debian homes are 0755: without
 * it every agent account lists and reads them.  The entry sits on the home
 * itself, not below: without search there nothing below is reachable by
 * name, and no default ACL appears that would change how the owner's new
 * files get their modes.  OWNER's own agent reaches its grants through the
 * named u:AGENT:--x the traverse step adds (it counts the group).  A home
 * that is not OWNER's own directory, or on a filesystem without ACLs, is
 * left as it is, with a warning (check reports it).
 */
static int shut_home(const struct admin_ctx *ctx, const struct admin_user *owner, bool undo,
		     bool *changed)
{
	struct as_err e = { "" };
	char canon[PATH_MAX];
	gid_t gid = admin_agents_gid();
	int r;

	if (gid == (gid_t)-1)
		return 0;
	if (!realpath(owner->home, canon)) {
		if (errno != ENOENT)
			admin_warn("%s: home %s: %s; other agents are not shut out of it",
				   owner->name, owner->home, strerror(errno));
		return 0;
	}
	r = undo ? as_acl_unshut_group(canon, owner->uid, gid, &e) :
		   as_acl_shut_group(canon, owner->uid, gid, &e);
	if (r == -EPERM || r == -EOPNOTSUPP || r == -ELOOP) {
		admin_warn("%s; %s other agents out of %s's home", e.msg,
			   undo ? "could not let" : "did not shut", owner->name);
		return 0;
	}
	if (r < 0)
		return admin_fail("%s", e.msg);
	if (r == 1) {
		admin_note(ctx,
			   undo ? "removed the entry for %s from %s's home %s" :
				  "shut %s out of %s's home %s (g:%s:---)",
			   AS_AGENTS_GROUP, owner->name, canon, AS_AGENTS_GROUP);
		if (changed)
			*changed = true;
	}
	return 0;
}

/* --home: absolute, plain, not there yet, in a directory only root can
 * write (useradd -m on an existing directory would hand someone's files to
 * the agent, and a writable parent could be raced). */
static int check_new_home(const char *home)
{
	_cleanup_free_ char *parent = NULL;
	struct as_err e = { "" };
	struct admin_shown s;
	struct stat st;
	char *slash;

	if (home[0] != '/')
		return admin_fail("--home %s: not an absolute path", admin_show(&s, home));
	if (strstr(home, "//") || strstr(home, "/./") || strstr(home, "/../") ||
	    (strlen(home) > 1 && home[strlen(home) - 1] == '/') || strcmp(home, "/") == 0)
		return admin_fail("--home %s: not a plain canonical path", admin_show(&s, home));
	if (!as_registry_value_ok("home", home, &e))
		return admin_fail("--home: %s", e.msg);
	if (lstat(home, &st) == 0)
		return admin_fail("--home %s: already exists; the agent's home must be new", home);
	parent = strdup(home);
	if (!parent)
		return admin_fail("out of memory");
	slash = strrchr(parent, '/');
	if (slash == parent)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (lstat(parent, &st) < 0)
		return admin_fail("--home %s: %s: %s", home, parent, strerror(errno));
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return admin_fail(
			"--home %s: %s must be a root-owned directory that only root can write",
			home, parent);
	return 0;
}

/* ---- add ------------------------------------------------------------- */

static int useradd(const struct admin_ctx *ctx, const char *owner, const char *account,
		   const char *home)
{
	char gecos[128];
	const char *argv[20];
	int n = 0;

	snprintf(gecos, sizeof(gecos), GECOS_PREFIX "%s", owner);
	argv[n++] = USERADD;
	argv[n++] = "--create-home";
	if (home) {
		argv[n++] = "--home-dir";
		argv[n++] = home;
	}
	argv[n++] = "--shell";
	argv[n++] = AGENT_SHELL;
	argv[n++] = "--comment";
	argv[n++] = gecos;
	/* An existing group of that name only happens when an interrupted
	 * add of ours got that far (the caller checked): join it. */
	if (getgrnam(account)) {
		argv[n++] = "--gid";
		argv[n++] = account;
	} else {
		argv[n++] = "--user-group";
	}
	argv[n++] = "--groups";
	argv[n++] = AS_AGENTS_GROUP;
	/* No --password: the account starts locked ('!'). */
	argv[n++] = "--";
	argv[n++] = account;
	argv[n] = NULL;
	if (admin_run_tool(argv))
		return ADMIN_EXIT_FAIL;
	admin_note(ctx, "created account %s", account);
	return 0;
}

/* A profile is looked up when a session starts, not now; but a name that
 * is nowhere to be found is most likely a typo, so say so. */
static void warn_missing_profile(const char *profile)
{
	char etc[PATH_MAX], vendor[PATH_MAX];

	snprintf(etc, sizeof(etc), "%s/%s.profile", AS_PROFILEDIR_ETC, profile);
	snprintf(vendor, sizeof(vendor), "%s/%s.profile", AS_PROFILEDIR_VENDOR, profile);
	if (access(etc, F_OK) < 0 && access(vendor, F_OK) < 0)
		admin_warn(
			"profile '%s' is in neither %s nor %s; agent-shell will refuse to start "
			"until it exists",
			profile, AS_PROFILEDIR_ETC, AS_PROFILEDIR_VENDOR);
}

/* ---- admin-pinned profiles (--profiles) ------------------------------ */

/*
 * Checks --profile and --profiles against each other and the registry's
 * pin (CUR, empty: any), before anything changes: PIN gets the parsed
 * --profiles.  A --profile outside the pin that will be in force is
 * refused rather than left for every session to refuse.
 */
static int check_profile_opts(const struct admin_opts *o, const struct as_strv *cur,
			      struct as_strv *pin)
{
	struct as_err e = { "" };
	struct admin_shown s;

	if (o->profile && (!as_profile_name_valid(o->profile) ||
			   !as_registry_value_ok("profile", o->profile, NULL)))
		return admin_fail("--profile %s: not a valid profile name",
				  admin_show(&s, o->profile));
	if (o->profiles && (!as_registry_value_ok("profiles", o->profiles, &e) ||
			    as_registry_parse_profiles(o->profiles, pin, &e) < 0))
		return admin_fail("--%s", e.msg);
	if (!o->profiles)
		pin = (struct as_strv *)cur;
	if (o->profile && pin->n > 0 && !as_strv_contains(pin, o->profile)) {
		_cleanup_free_ char *list = as_registry_join_profiles(pin, ",");

		return admin_fail(
			"--profile %s: not among the allowed profiles (%s); "
			"change --profiles too",
			o->profile, list ? list : "?");
	}
	return 0;
}

/* Puts the checked PIN (taken) into REG; a default profile outside it
 * becomes the first pinned one, so a plain `agent-shell` keeps working. */
static int set_pin(const struct admin_ctx *ctx, struct as_registry *reg, struct as_strv *pin,
		   bool *changed)
{
	_cleanup_free_ char *list = NULL;

	if (!admin_strv_equal(&reg->profiles, pin)) {
		as_strv_free(&reg->profiles);
		reg->profiles = *pin;
		memset(pin, 0, sizeof(*pin));
		list = as_registry_join_profiles(&reg->profiles, ",");
		if (!list)
			return admin_fail("out of memory");
		if (reg->profiles.n > 0)
			admin_note(ctx, "%s: allowed profiles are now %s", reg->account, list);
		else
			admin_note(ctx, "%s: any profile is now allowed", reg->account);
		*changed = true;
	}
	as_strv_free(pin);
	if (!as_registry_profile_allowed(reg, reg->profile)) {
		char *p = strdup(reg->profiles.v[0]);

		if (!p)
			return admin_fail("out of memory");
		admin_note(ctx, "%s: default profile is now %s (%s is not allowed)", reg->account,
			   p, reg->profile);
		free(reg->profile);
		reg->profile = p;
		*changed = true;
	}
	return 0;
}

/*
 * add, step by step.  Each step returns 0 or ADMIN_EXIT_FAIL after
 * printing why; the state they share is one struct add_run, and cmd_add
 * reads as the order of the crash-consistency comment at the top.
 */
struct add_run {
	const struct admin_ctx *ctx;
	const struct admin_opts *o;
	const char *owner;            /* the owner's name */
	const char *account;          /* the agent account's name */
	char defacct[80];             /* OWNER-agent, when account points here */
	struct admin_user owner_pw;   /* the owner's passwd entry */
	struct admin_user account_pw; /* the agent account's (.found: it exists) */
	struct as_registry reg;       /* loaded (have_reg), or filled at the end */
	bool have_reg;
	char *intent;       /* the account an interrupted add named */
	struct as_strv pin; /* --profiles, parsed */
	bool changed;
};

/* The owner, the registry if there is one, the agent account's name and
 * the profile options: everything that needs no change to the host. */
static int add_validate(struct add_run *r)
{
	const struct admin_opts *o = r->o;
	struct as_err e = { "" };
	int rc;

	rc = resolve_owner(r->ctx, r->owner, &r->owner_pw);
	if (rc)
		return rc;
	rc = admin_load_reg(r->ctx, r->owner, &r->reg);
	if (rc < 0 && rc != -ENOENT)
		return ADMIN_EXIT_FAIL;
	r->have_reg = rc == 0;

	if (o->account) {
		r->account = o->account;
	} else if (r->have_reg) {
		r->account = r->reg.account;
	} else {
		snprintf(r->defacct, sizeof(r->defacct), "%s-agent", r->owner);
		r->account = r->defacct;
	}
	if (!as_account_name_valid(r->account, &e))
		return admin_fail("%s%s", e.msg, o->account ? "" : "; choose one with --account");
	if (strcmp(r->account, r->owner) == 0)
		return admin_fail("%s: the agent account must not be the owner", r->account);
	return check_profile_opts(o, &r->reg.profiles, &r->pin);
}

/* A re-run: the registry must describe this owner and this account. */
static int add_match_registry(struct add_run *r)
{
	const struct as_registry *reg = &r->reg;

	if (strcmp(reg->account, r->account) != 0)
		return admin_fail("%s: already has the agent %s; remove it first to use %s",
				  r->owner, reg->account, r->account);
	if (reg->owner_uid != r->owner_pw.uid)
		return admin_fail(
			"%s: uid is %u but the registry says %u (user re-created?); "
			"run 'agent-admin remove %s' first",
			r->owner, (unsigned)r->owner_pw.uid, (unsigned)reg->owner_uid, r->owner);
	if (r->o->home && strcmp(r->o->home, reg->home) != 0)
		return admin_fail("%s: home is %s; agent-admin does not move homes", r->account,
				  reg->home);
	if (admin_resolve_account(reg, &r->account_pw, true))
		return ADMIN_EXIT_FAIL;
	return 0;
}

/* A new agent: the name must be free, or be the one an interrupted add of
 * ours was creating (its intent file names it). */
static int add_claim_name(struct add_run *r)
{
	const struct admin_opts *o = r->o;
	struct as_registry other;
	struct as_err e = { "" };
	int rc;

	rc = as_registry_intent_get(r->ctx->regdir, r->owner, &r->intent, &e);
	if (rc < 0 && rc != -ENOENT)
		return admin_fail("%s", e.msg);
	if (r->intent && strcmp(r->intent, r->account) != 0)
		return admin_fail(
			"%s: an interrupted add was creating %s; finish it with "
			"'agent-admin add %s --account %s' or undo it with 'agent-admin remove %s'",
			r->owner, r->intent, r->owner, r->intent, r->owner);
	if (as_registry_find_by_account(&other, r->ctx->regdir, r->account, AS_TRUST_ROOT_ONLY,
					NULL) == 0) {
		admin_fail("%s: already the agent of %s", r->account, other.owner);
		as_registry_free(&other);
		return ADMIN_EXIT_FAIL;
	}
	admin_user_lookup(r->account, &r->account_pw);
	if (r->account_pw.found && !r->intent)
		return admin_fail(
			"%s: an account with this name exists and is not an agent of %s; "
			"refusing to adopt it",
			r->account, r->owner);
	if (!r->account_pw.found && getgrnam(r->account) && !r->intent)
		return admin_fail(
			"%s: a group with this name exists; refusing to share it with a new "
			"agent",
			r->account);
	if (!r->account_pw.found && o->home && !r->intent && check_new_home(o->home))
		return ADMIN_EXIT_FAIL;
	/* From here on the host changes: say first what we are creating,
	 * so a re-run after a crash knows the account. */
	if (!r->intent && as_registry_intent_set(r->ctx->regdir, r->owner, r->account, &e) < 0)
		return admin_fail("%s", e.msg);
	return 0;
}

/* The account: the two groups, useradd if it is missing, then what add
 * guarantees of it (uid, a recordable home of mode 0700, locked). */
static int add_account(struct add_run *r)
{
	const struct admin_ctx *ctx = r->ctx;
	struct as_err e = { "" };
	struct admin_shown s;

	if (ensure_group(ctx, AS_USERS_GROUP) || ensure_group(ctx, AS_AGENTS_GROUP))
		return ADMIN_EXIT_FAIL;
	if (!r->account_pw.found) {
		if (useradd(ctx, r->owner, r->account, r->o->home))
			return ADMIN_EXIT_FAIL;
		r->changed = true;
		if (!admin_user_lookup(r->account, &r->account_pw))
			return admin_fail("%s: useradd succeeded but the account is not visible",
					  r->account);
	}
	if (r->account_pw.uid < ctx->uid_min || r->account_pw.uid == 0)
		return admin_fail("%s: uid %u is below UID_MIN %u; refusing", r->account,
				  (unsigned)r->account_pw.uid, (unsigned)ctx->uid_min);
	if (!as_registry_value_ok("home", r->account_pw.home, &e) || r->account_pw.home[0] != '/')
		return admin_fail("%s: home %s cannot be recorded: %s", r->account,
				  admin_show(&s, r->account_pw.home), e.msg);
	if (fix_home(ctx, &r->account_pw, &r->changed))
		return ADMIN_EXIT_FAIL;
	if (!password_locked(r->account)) {
		const char *argv[] = { USERMOD, "--lock", "--", r->account, NULL };

		if (admin_run_tool(argv))
			return ADMIN_EXIT_FAIL;
		admin_note(ctx, "locked the password of %s", r->account);
		r->changed = true;
	}
	return 0;
}

/* Groups and layer 0.  The agents group before the sshd drop-in that
 * names it: from here on, the account starts nothing except through
 * agent-shell. */
static int add_host(struct add_run *r)
{
	if (drop_privileged_groups(r->ctx, &r->account_pw, &r->changed) ||
	    ensure_member(r->ctx, r->account, AS_AGENTS_GROUP, &r->changed) ||
	    admin_host_lock(r->ctx, r->account, &r->changed) ||
	    ensure_member(r->ctx, r->owner, AS_USERS_GROUP, &r->changed))
		return ADMIN_EXIT_FAIL;
	return 0;
}

/* The registry's fields, in memory: a new one describes what now exists;
 * a re-run takes --profile and --profiles. */
static int add_registry(struct add_run *r)
{
	const struct admin_opts *o = r->o;
	struct as_registry *reg = &r->reg;

	if (!r->have_reg) {
		reg->owner = strdup(r->owner);
		reg->account = strdup(r->account);
		reg->home = strdup(r->account_pw.home);
		reg->profile = strdup(o->profile ? o->profile : "default");
		reg->owner_uid = r->owner_pw.uid;
		reg->account_uid = r->account_pw.uid;
		if (!reg->owner || !reg->account || !reg->home || !reg->profile)
			return admin_fail("out of memory");
		r->changed = true;
	} else if (o->profile && strcmp(o->profile, reg->profile) != 0) {
		char *p = strdup(o->profile);

		if (!p)
			return admin_fail("out of memory");
		free(reg->profile);
		reg->profile = p;
		admin_note(r->ctx, "%s: profile is now %s", r->account, p);
		r->changed = true;
	}
	if (o->profiles && set_pin(r->ctx, reg, &r->pin, &r->changed))
		return ADMIN_EXIT_FAIL;
	return 0;
}

/* --sudo: the drop-in names the agent; it goes live once the account is
 * complete, and the registry records it. */
static int add_sudo(struct add_run *r)
{
	if (!r->o->sudo)
		return 0;
	if (admin_sudo_install(r->ctx, r->owner, r->account, &r->changed))
		return ADMIN_EXIT_FAIL;
	r->reg.sudo = true;
	return 0;
}

/* Other owners' agents out of this owner's home; this agent keeps
 * reaching its grants there (an add re-run on a host provisioned before
 * the home was shut gives it the search entries it now needs). */
static int add_home_acl(struct add_run *r)
{
	if (shut_home(r->ctx, &r->owner_pw, false, &r->changed))
		return ADMIN_EXIT_FAIL;
	for (size_t i = 0; r->have_reg && i < r->reg.n_projects; i++) {
		struct stat sb;

		if (lstat(r->reg.projects[i].path, &sb) == 0 &&
		    admin_grant_traverse_step(r->ctx, &r->reg, &r->account_pw, i))
			return ADMIN_EXIT_FAIL;
	}
	return 0;
}

/* Last: the registry describes what now exists, and the intent goes. */
static int add_record(struct add_run *r)
{
	const struct admin_opts *o = r->o;
	struct as_err e = { "" };

	if (admin_save_reg(r->ctx, &r->reg))
		return ADMIN_EXIT_FAIL;
	if (o->profile)
		warn_missing_profile(o->profile);
	for (size_t i = 0; o->profiles && i < r->reg.profiles.n; i++)
		warn_missing_profile(r->reg.profiles.v[i]);
	if (as_registry_intent_clear(r->ctx->regdir, r->owner, &e) < 0)
		return admin_fail("%s", e.msg);
	return 0;
}

int cmd_add(const struct admin_ctx *ctx, const struct admin_opts *o)
{
	struct add_run r = { .ctx = ctx, .o = o, .owner = o->pos[0] };
	int rc;

	as_registry_init(&r.reg);
	rc = add_validate(&r);
	if (rc)
		goto out;
	rc = r.have_reg ? add_match_registry(&r) : add_claim_name(&r);
	if (rc)
		goto out;
	/* Every step from here on changes the host, and is idempotent. */
	rc = ADMIN_EXIT_FAIL;
	if (add_account(&r) || add_host(&r) || add_registry(&r) || add_sudo(&r) ||
	    add_home_acl(&r) || add_record(&r) ||
	    /* New agents start restricted (issue #14): its chain before any session. */
	    admin_egress_reload(ctx))
		goto out;
	if (r.changed)
		admin_note(ctx, "%s (uid %u) is the agent of %s", r.account,
			   (unsigned)r.account_pw.uid, r.owner);
	else
		admin_note(ctx, "%s: already set up as the agent of %s; nothing to do", r.account,
			   r.owner);
	rc = ADMIN_EXIT_OK;
out:
	free(r.intent);
	as_strv_free(&r.pin);
	as_registry_free(&r.reg);
	return rc;
}

/* ---- set: change an existing agent's profile settings ------------------ */

int cmd_set(const struct admin_ctx *ctx, const struct admin_opts *o)
{
	const char *owner = o->pos[0];
	struct as_registry reg;
	struct as_strv pin = { 0 };
	bool changed = false;
	int rc;

	if (!o->profile && !o->profiles)
		return admin_usage("set: nothing to set: give --profile, --profiles or both");
	rc = admin_load_reg(ctx, owner, &reg);
	if (rc == -ENOENT)
		return admin_fail("%s has no agent account (agent-admin add %s first)", owner,
				  owner);
	if (rc < 0)
		return ADMIN_EXIT_FAIL;
	rc = check_profile_opts(o, &reg.profiles, &pin);
	if (rc)
		goto out;
	rc = ADMIN_EXIT_FAIL;
	if (o->profiles && set_pin(ctx, &reg, &pin, &changed))
		goto out;
	if (o->profile && strcmp(o->profile, reg.profile) != 0) {
		char *p = strdup(o->profile);

		if (!p) {
			admin_fail("out of memory");
			goto out;
		}
		free(reg.profile);
		reg.profile = p;
		admin_note(ctx, "%s: profile is now %s", reg.account, p);
		changed = true;
	}
	if (admin_save_reg(ctx, &reg))
		goto out;
	if (o->profile)
		warn_missing_profile(o->profile);
	for (size_t i = 0; o->profiles && i < reg.profiles.n; i++)
		warn_missing_profile(reg.profiles.v[i]);
	if (!changed)
		admin_note(ctx, "%s: nothing to change", reg.account);
	rc = ADMIN_EXIT_OK;
out:
	as_strv_free(&pin);
	as_registry_free(&reg);
	return rc;
}

/* ---- remove ---------------------------------------------------------- */

/* A zombie has exited: it holds nothing of the account but its pid, and
 * no signal ends it, only its parent's wait() (an init that never reaps,
 * as in some containers, keeps it for ever).  proc(5): the state follows
 * the last ')' of /proc/PID/stat, since the command name may hold one. */
static bool is_zombie(int procfd, const char *pid)
{
	char path[64], buf[256];
	const char *p;
	ssize_t n;
	int fd;

	if (snprintf(path, sizeof(path), "%s/stat", pid) >= (int)sizeof(path))
		return false;
	fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'Z';
}

/* A live process of UID, or 0. */
static pid_t process_of(uid_t uid)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t found = 0;

	while (d && !found && (de = readdir(d))) {
		struct stat st;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) == 0 && st.st_uid == uid &&
		    !is_zombie(dirfd(d), de->d_name))
			found = (pid_t)atoi(de->d_name);
	}
	if (d)
		closedir(d);
	return found;
}

static int userdel(const struct admin_ctx *ctx, const struct admin_user *account,
		   const char *reg_home, bool keep_home)
{
	const char *argv[6];
	struct as_err e = { "" };
	struct stat st;
	pid_t pid;
	int n = 0, rc;

	argv[n++] = USERDEL;
	if (!keep_home)
		argv[n++] = "--remove";
	argv[n++] = "--";
	argv[n++] = account->name;
	argv[n] = NULL;
	pid = process_of(account->uid);
	if (pid)
		return admin_fail(
			"%s: still running processes (pid %d); stop them first "
			"(e.g. pkill -KILL -u %s)",
			account->name, (int)pid, account->name);
	/* userdel -r deletes whatever passwd names: only if that is the home
	 * we recorded and it is the agent's own directory. */
	if (!keep_home && (strcmp(account->home, reg_home) != 0 ||
			   (lstat(account->home, &st) == 0 &&
			    (!S_ISDIR(st.st_mode) || st.st_uid != account->uid))))
		return admin_fail(
			"%s: home %s is not the agent's own directory recorded at add (%s); "
			"refusing to delete it (use --keep-home)",
			account->name, account->home, reg_home);
	rc = as_run(argv, &e);
	/* 6: the account is already gone; 12: home could not be removed (the
	 * account is gone; say so and carry on). */
	if (rc == 12)
		admin_warn("%s", e.msg);
	else if (rc != 0 && !(rc == 6 && !getpwnam(account->name)))
		return admin_fail("%s", e.msg);
	admin_note(ctx, "deleted account %s%s", account->name,
		   keep_home ? " (home kept)" : " and its home");
	return 0;
}

static int leave_users_group(const struct admin_ctx *ctx, const char *owner)
{
	struct group *gr = getgrnam(AS_USERS_GROUP);
	const char *argv[] = { GPASSWD, "-d", owner, AS_USERS_GROUP, NULL };
	bool member = false;

	for (char **m = gr ? gr->gr_mem : NULL; m && *m; m++)
		if (strcmp(*m, owner) == 0)
			member = true;
	if (!member)
		return 0;
	if (admin_run_tool(argv))
		return ADMIN_EXIT_FAIL;
	admin_note(ctx, "removed %s from group %s", owner, AS_USERS_GROUP);
	return 0;
}

/* No registry, but an add was interrupted before writing it: undo that. */
static int remove_interrupted_add(const struct admin_ctx *ctx, const char *owner,
				  const char *account, bool keep_home)
{
	struct as_err e = { "" };
	struct admin_user account_pw;

	/* The drop-in goes live just before the registry is saved. */
	if (admin_sudo_remove(ctx, owner))
		return ADMIN_EXIT_FAIL;
	if (admin_user_lookup(account, &account_pw)) {
		if (userdel(ctx, &account_pw, account_pw.home, keep_home))
			return ADMIN_EXIT_FAIL;
	}
	if (admin_host_unlock(ctx, account))
		return ADMIN_EXIT_FAIL;
	if (leave_users_group(ctx, owner))
		return ADMIN_EXIT_FAIL;
	if (as_registry_intent_clear(ctx->regdir, owner, &e) < 0)
		return admin_fail("%s", e.msg);
	admin_note(ctx, "undid the interrupted add of %s for %s", account, owner);
	return 0;
}

int cmd_remove(const struct admin_ctx *ctx, const struct admin_opts *o)
{
	const char *owner = o->pos[0];
	_cleanup_free_ char *intent = NULL;
	struct as_registry reg;
	struct as_err e = { "" };
	unsigned failed = 0;
	struct admin_user account;
	int rc;

	if (!as_owner_name_valid(owner, &e))
		return admin_fail("%s", e.msg);
	rc = admin_load_reg(ctx, owner, &reg);
	if (rc == -ENOENT) {
		rc = as_registry_intent_get(ctx->regdir, owner, &intent, &e);
		if (rc == 0)
			return remove_interrupted_add(ctx, owner, intent, o->keep_home);
		if (rc != -ENOENT)
			return admin_fail("%s", e.msg);
		admin_note(ctx, "%s: has no agent; nothing to remove", owner);
		return ADMIN_EXIT_OK;
	}
	if (rc < 0)
		return ADMIN_EXIT_FAIL;
	rc = ADMIN_EXIT_FAIL;
	if (admin_resolve_account(&reg, &account, false))
		goto out;
	if (account.found) {
		pid_t pid = process_of(account.uid);

		if (pid) {
			admin_fail(
				"%s: still running processes (pid %d); stop them first "
				"(e.g. pkill -KILL -u %s)",
				account.name, (int)pid, account.name);
			goto out;
		}
	}
	/* Never stop early: every project, then every step that only takes
	 * access away, whatever failed before; the account and its registry
	 * go only when all of that succeeded, since a uid left with entries
	 * somewhere must stay recorded (a later account could get the uid). */
	for (size_t i = reg.n_projects; i-- > 0;)
		if (admin_revoke_project(ctx, &reg, &account, i))
			failed++;
	{
		struct admin_user owner_pw;

		if (admin_user_lookup(reg.owner, &owner_pw) && owner_pw.uid == reg.owner_uid &&
		    shut_home(ctx, &owner_pw, true, NULL))
			failed++;
	}
	if (admin_sudo_remove(ctx, owner))
		failed++;
	else if (reg.sudo) {
		reg.sudo = false;
		if (admin_save_reg(ctx, &reg))
			failed++;
	}
	if (leave_users_group(ctx, owner))
		failed++;
	if (failed) {
		admin_fail(
			"remove %s: %u step(s) failed (above), the rest is done; %s and its registry "
			"are kept until a re-run of remove finishes",
			owner, failed, reg.account);
		goto out;
	}
	/* The git directories its sessions used (lib/gitmeta.h), kept
	 * with the home. */
	if (!o->keep_home && reg.account) {
		if (as_git_agent_dir_remove(reg.account, &e) < 0) {
			admin_fail("%s", e.msg);
			goto out;
		}
	}
	if (account.found && userdel(ctx, &account, reg.home, o->keep_home))
		goto out;
	/* Only once the account is gone: its deny lines guard it until then. */
	if (admin_host_unlock(ctx, reg.account))
		goto out;
	if (as_registry_delete(ctx->regdir, owner, &e) < 0 ||
	    as_registry_intent_clear(ctx->regdir, owner, &e) < 0) {
		admin_fail("%s", e.msg);
		goto out;
	}
	/* No rule naming its uid is left, and its resolver stops. */
	if (admin_egress_reload(ctx))
		goto out;
	admin_note(ctx, "removed the agent of %s", owner);
	rc = ADMIN_EXIT_OK;
out:
	as_registry_free(&reg);
	return rc;
}

/* ---- list ------------------------------------------------------------ */

static const char *state_name(enum as_reg_state st)
{
	switch (st) {
	case AS_REG_GRANTING:
		return "granting";
	case AS_REG_REVOKING:
		return "revoking";
	case AS_REG_GRANTED:
		break;
	}
	return "granted";
}

static json_object *reg_json(const struct as_registry *r)
{
	json_object *o = json_object_new_object(), *projects = json_object_new_array();

	json_object_object_add(o, "owner", json_object_new_string(r->owner));
	json_object_object_add(o, "owner_uid", json_object_new_int64(r->owner_uid));
	json_object_object_add(o, "account", json_object_new_string(r->account));
	json_object_object_add(o, "account_uid", json_object_new_int64(r->account_uid));
	json_object_object_add(o, "home", json_object_new_string(r->home));
	json_object_object_add(o, "profile", json_object_new_string(r->profile));
	if (r->profiles.n > 0) {
		json_object *pa = json_object_new_array();

		for (size_t i = 0; i < r->profiles.n; i++)
			json_object_array_add(pa, json_object_new_string(r->profiles.v[i]));
		json_object_object_add(o, "profiles", pa);
	} else {
		json_object_object_add(o, "profiles", NULL); /* any */
	}
	json_object_object_add(o, "sudo", json_object_new_boolean(r->sudo));
	for (size_t i = 0; i < r->n_projects; i++) {
		const struct as_reg_project *p = &r->projects[i];
		json_object *po = json_object_new_object(), *tr = json_object_new_array();

		json_object_object_add(po, "path", json_object_new_string(p->path));
		json_object_object_add(po, "access",
				       json_object_new_string(p->read_only ? "ro" : "rw"));
		json_object_object_add(po, "state", json_object_new_string(state_name(p->state)));
		for (size_t j = 0; j < p->traverse.n; j++)
			json_object_array_add(tr, json_object_new_string(p->traverse.v[j]));
		json_object_object_add(po, "traverse", tr);
		json_object_array_add(projects, po);
	}
	json_object_object_add(o, "projects", projects);
	return o;
}

int cmd_list(const struct admin_ctx *ctx, const struct admin_opts *o)
{
	struct as_strv owners = { 0 };
	struct as_err e = { "" };
	json_object *root = NULL, *agents = NULL;
	int rc = ADMIN_EXIT_OK;

	if (as_registry_list(ctx->regdir, &owners, &e) < 0)
		return admin_fail("%s", e.msg);
	if (o->json) {
		root = json_object_new_object();
		agents = json_object_new_array();
		json_object_object_add(root, "agents", agents);
	}
	for (size_t i = 0; i < owners.n; i++) {
		struct as_registry reg;

		if (admin_load_reg(ctx, owners.v[i], &reg) < 0) {
			rc = ADMIN_EXIT_FAIL;
			continue;
		}
		if (o->json) {
			json_object_array_add(agents, reg_json(&reg));
		} else {
			_cleanup_free_ char *pinned = as_registry_join_profiles(&reg.profiles, ",");

			fprintf(ctx->out, "%s (uid %u): agent of %s, profile %s%s%s%s, home %s\n",
				reg.account, (unsigned)reg.account_uid, reg.owner, reg.profile,
				reg.profiles.n > 0 ? " (allowed: " : "",
				reg.profiles.n > 0 ? (pinned ? pinned : "?") : "",
				reg.profiles.n > 0 ? ")" : "", reg.home);
			for (size_t j = 0; j < reg.n_projects; j++) {
				const struct as_reg_project *p = &reg.projects[j];

				fprintf(ctx->out, "  %s %s%s%s\n", p->read_only ? "ro" : "rw",
					p->path, p->state != AS_REG_GRANTED ? "  (" : "",
					p->state != AS_REG_GRANTED ?
						(p->state == AS_REG_GRANTING ?
							 "grant interrupted; re-run grant or revoke)" :
							 "revoke interrupted; re-run revoke)") :
						"");
			}
		}
		as_registry_free(&reg);
	}
	if (o->json) {
		fprintf(ctx->out, "%s\n",
			json_object_to_json_string_ext(root,
						       JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(root);
	}
	as_strv_free(&owners);
	return rc;
}
