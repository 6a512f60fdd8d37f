/* SPDX-License-Identifier: MIT */
/*
 * agent-admin grant and revoke: a project directory shared between an
 * owner and their agent, by ACLs on the tree, traverse entries on its
 * ancestors and git's safe.directory in the agent's own git config.
 *
 * Crash consistency.  Every step below is idempotent, and the registry is
 * saved (atomically) at the points that let a re-run after kill -9 at any
 * instant converge:
 *
 *   grant:  registry: project, state=granting, traverse-pending = ancestors
 *           without an entry for the agent -> traverse ACLs -> registry:
 *           pending resolved into traverse -> tree ACLs -> git
 *           safe.directory -> registry: state granted.  A project is only
 *           usable for sessions (as_registry_project_for) once granted.
 *   revoke: registry: state=revoking -> git safe.directory -> tree ACLs ->
 *           traverse ACLs not needed by other projects (the others inherit
 *           the ones they need) -> registry without the project.
 *
 * revoke never stops early: a failed step is reported and the next runs
 * anyway; what failed stays recorded (the project "revoking") for a re-run
 * to finish.  A re-run of the same command, or the opposite one (revoke
 * after a broken grant), finishes or undoes whatever was recorded.
 */
#include <acl/libacl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/acl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "acl.h"
#include "admin.h"
#include "path.h"
#include "registry.h"

#define GIT "/usr/bin/git"

/* ---- grant: which directories may be shared -------------------------- */

/*
 * Homes: DIR may not be a home root (the parent of a human's home, /home,
 * /root), the owner's whole home, inside another human's home (agents'
 * included), or contain anybody's home.  Both the home as written in
 * passwd and its canonical form are compared, since /home may be a
 * symlink.
 */
static int check_homes(const struct admin_ctx *ctx, const char *dir, const struct admin_user *owner)
{
	struct passwd *pw;
	char msg[PATH_MAX + 256] = "";

	if (strcmp(dir, "/home") == 0 || strcmp(dir, "/root") == 0)
		return admin_fail("%s: a home root; grant a project directory instead", dir);
	setpwent();
	while (!msg[0] && (pw = getpwent())) {
		char canon[PATH_MAX];
		const char *homes[2] = { pw->pw_dir, NULL };
		bool human = pw->pw_uid == 0 || pw->pw_uid >= ctx->uid_min;
		bool is_owner = pw->pw_uid == owner->uid && strcmp(pw->pw_name, owner->name) == 0;

		if (!pw->pw_dir || pw->pw_dir[0] != '/' || strcmp(pw->pw_dir, "/") == 0)
			continue;
		if (realpath(pw->pw_dir, canon) && strcmp(canon, pw->pw_dir) != 0 &&
		    strcmp(canon, "/") != 0)
			homes[1] = canon;
		for (int i = 0; i < 2 && homes[i] && !msg[0]; i++) {
			const char *h = homes[i];

			switch (as_path_home_clash(dir, h, human, is_owner)) {
			case AS_HOME_CLASH_HOME_ROOT:
				snprintf(msg, sizeof(msg),
					 "%s: a home root (it holds %s's home); "
					 "grant a project directory instead",
					 dir, pw->pw_name);
				break;
			case AS_HOME_CLASH_OWN_HOME:
				snprintf(msg, sizeof(msg),
					 "%s: %s's whole home; grant a project "
					 "directory inside it instead",
					 dir, pw->pw_name);
				break;
			case AS_HOME_CLASH_OTHERS_HOME:
				snprintf(msg, sizeof(msg), "%s: %s's home, not %s's to share", dir,
					 pw->pw_name, owner->name);
				break;
			case AS_HOME_CLASH_CONTAINS:
				snprintf(msg, sizeof(msg), "%s: contains %s's home %s", dir,
					 pw->pw_name, h);
				break;
			case AS_HOME_CLASH_INSIDE:
				snprintf(msg, sizeof(msg), "%s: inside %s's home", dir,
					 pw->pw_name);
				break;
			case AS_HOME_CLASH_NONE:
				break;
			}
		}
	}
	endpwent();
	if (msg[0])
		return admin_fail("%s", msg);
	return 0;
}

/*
 * DIR as given: absolute, an existing directory and not itself a symlink
 * (lstat), made canonical (realpath resolves symlinked ancestors), then
 * checked on an fd opened without following: still the same directory,
 * owned by OWNER, and not a place that must never be shared.
 */
static int check_grant_dir(const struct admin_ctx *ctx, const char *given,
			   const struct admin_user *owner, bool allow_var, char canon[PATH_MAX])
{
	_cleanup_close_ int fd = -1;
	struct as_err e = { "" };
	struct stat lst, st;
	const char *sys;
	struct admin_shown s;

	if (given[0] != '/')
		return admin_fail("%s: not an absolute path", admin_show(&s, given));
	if (lstat(given, &lst) < 0)
		return admin_fail("%s: %s", admin_show(&s, given),
				  errno == ENOENT ? "does not exist" : strerror(errno));
	if (S_ISLNK(lst.st_mode))
		return admin_fail("%s: a symbolic link; name the directory itself",
				  admin_show(&s, given));
	if (!S_ISDIR(lst.st_mode))
		return admin_fail("%s: not a directory", admin_show(&s, given));
	if (!realpath(given, canon))
		return admin_fail("%s: %s", admin_show(&s, given), strerror(errno));
	if (strcmp(canon, "/") == 0)
		return admin_fail("/: refusing to share the root directory");
	sys = as_path_system_tree(canon, allow_var);
	if (sys)
		return admin_fail("%s: inside the system directory %s%s", admin_show(&s, canon),
				  sys,
				  strcmp(sys, "/var") == 0 ?
					  " (pass --allow-var to share it anyway)" :
					  "");
	if (!as_registry_value_ok("path", canon, &e))
		return admin_fail("%s", e.msg);
	fd = open(canon, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return admin_fail("%s: %s", canon, strerror(errno));
	if (st.st_dev != lst.st_dev || st.st_ino != lst.st_ino)
		return admin_fail("%s: changed while being checked; try again", canon);
	if (check_homes(ctx, canon, owner))
		return ADMIN_EXIT_FAIL;
	if (st.st_uid != owner->uid) {
		struct passwd *pw = getpwuid(st.st_uid);

		return admin_fail("%s: owned by %s (uid %u), not by %s", canon,
				  pw ? pw->pw_name : "?", (unsigned)st.st_uid, owner->name);
	}
	return 0;
}

/* ---- grant and revoke, the steps ------------------------------------ */

/* Whether PATH's access ACL has a named entry for UID (read-only; 0 if
 * PATH is gone).  Used only to resolve traverse-pending records. */
static int acl_has_user(const char *path, uid_t uid)
{
	acl_t acl = acl_get_file(path, ACL_TYPE_ACCESS);
	acl_entry_t ent;
	int id = ACL_FIRST_ENTRY, found = 0;

	if (!acl)
		return (errno == ENOENT || errno == ENOTSUP) ? 0 : -errno;
	while (!found && acl_get_entry(acl, id, &ent) == 1) {
		acl_tag_t tag;

		id = ACL_NEXT_ENTRY;
		if (acl_get_tag_type(ent, &tag) == 0 && tag == ACL_USER) {
			uid_t *q = acl_get_qualifier(ent);

			if (q) {
				found = *q == uid;
				acl_free(q);
			}
		}
	}
	acl_free(acl);
	return found;
}

/* Ancestors of DIR ("/" included, DIR excluded) with no entry for the agent
 * yet, not already ours: the ones the traverse step may add to. */
static int traverse_candidates(const char *dir, uid_t account_uid, struct as_reg_project *p)
{
	char buf[PATH_MAX];
	size_t len = strlen(dir);

	for (size_t i = 0; i < len; i++) {
		int rc;

		if (dir[i] != '/')
			continue;
		snprintf(buf, sizeof(buf), "%.*s", i == 0 ? 1 : (int)i, dir);
		if (as_strv_contains(&p->traverse, buf) ||
		    as_strv_contains(&p->traverse_pending, buf))
			continue;
		rc = acl_has_user(buf, account_uid);
		if (rc < 0)
			return admin_fail("%s: cannot read ACL: %s", buf, strerror(-rc));
		if (rc == 0 && as_strv_push(&p->traverse_pending, buf) < 0)
			return admin_fail("out of memory");
	}
	return 0;
}

/* Moves pending ancestors that now carry an entry for the agent (and any
 * ADDED) into the project's traverse list. */
static int resolve_pending(struct as_reg_project *p, uid_t account_uid, const struct as_strv *added)
{
	for (size_t i = 0; added && i < added->n; i++)
		if (!as_strv_contains(&p->traverse, added->v[i]) &&
		    as_strv_push(&p->traverse, added->v[i]) < 0)
			return admin_fail("out of memory");
	for (size_t i = 0; i < p->traverse_pending.n; i++) {
		const char *t = p->traverse_pending.v[i];

		if (as_strv_contains(&p->traverse, t))
			continue;
		if (acl_has_user(t, account_uid) == 1 && as_strv_push(&p->traverse, t) < 0)
			return admin_fail("out of memory");
	}
	as_strv_free(&p->traverse_pending);
	return 0;
}

/* Escapes a path for a POSIX extended regex (git config's value pattern). */
static void regex_escape(const char *s, char *out, size_t len)
{
	size_t o = 0;

	for (; *s && o + 3 < len; s++) {
		if (strchr(".[]()*+?{}|^$\\", *s))
			out[o++] = '\\';
		out[o++] = *s;
	}
	out[o] = '\0';
}

/*
 * The agent's git must trust the owner's repositories (git refuses a
 * repository owned by another uid: "detected dubious ownership").  git
 * 2.39 has no prefix patterns, so DIR and each repository directly in it
 * are listed.  Run as the agent: it is the agent's ~/.gitconfig, written
 * with the agent's rights, never root's.
 */
static int git_trust(const struct admin_user *account, const char *dir)
{
	struct as_err e = { "" };
	struct as_strv repos = { 0 };
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (as_strv_push(&repos, dir) < 0)
		return admin_fail("out of memory");
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		char sub[PATH_MAX], git[PATH_MAX + 8];
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name) >= (int)sizeof(sub))
			continue;
		snprintf(git, sizeof(git), "%s/.git", sub);
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode) && lstat(git, &st) == 0 &&
		    as_registry_value_ok("path", sub, NULL))
			if (as_strv_push(&repos, sub) < 0)
				break;
	}
	if (d)
		closedir(d);
	for (size_t i = 0; i < repos.n && rc == 0; i++) {
		const char *get[] = { GIT,         "config",         "--global", "--fixed-value",
				      "--get-all", "safe.directory", repos.v[i], NULL };
		const char *add[] = { GIT,        "config", "--global", "--add", "safe.directory",
				      repos.v[i], NULL };
		int st = admin_run_as(account->name, account->uid, account->gid, account->home, get,
				      &e);

		if (st == 0)
			continue;
		if (st == 1)
			st = admin_run_as(account->name, account->uid, account->gid, account->home,
					  add, &e);
		if (st != 0)
			rc = admin_fail("%s: git config --add safe.directory %s as %s failed%s%s",
					account->name, repos.v[i], account->name,
					e.msg[0] ? ": " : "",
					e.msg[0] ? e.msg : " (see git's message above)");
	}
	as_strv_free(&repos);
	return rc;
}

/* Removes every safe.directory entry for DIR or beneath it. */
static int git_untrust(const struct admin_user *account, const char *dir)
{
	char pattern[2 * PATH_MAX + 16], esc[2 * PATH_MAX];
	struct as_err e = { "" };
	const char *argv[] = { GIT,     "config", "--global", "--unset-all", "safe.directory",
			       pattern, NULL };
	struct stat st;
	char cfg[PATH_MAX + 16];
	int rc;

	snprintf(cfg, sizeof(cfg), "%s/.gitconfig", account->home);
	if (lstat(cfg, &st) < 0)
		return 0;
	regex_escape(dir, esc, sizeof(esc));
	snprintf(pattern, sizeof(pattern), "^%s(/.*)?$", esc);
	rc = admin_run_as(account->name, account->uid, account->gid, account->home, argv, &e);
	/* 5: nothing matched - already clean. */
	if (rc == 0 || rc == 5)
		return 0;
	admin_warn("%s: could not remove safe.directory %s from its git config (status %d%s%s)",
		   account->name, dir, rc, e.msg[0] ? ": " : "", e.msg);
	return 0;
}

/* A granted tree, for a one-line summary. */
static void note_stats(const struct admin_ctx *ctx, const char *what, const char *dir,
		       const struct as_acl_stats *st)
{
	admin_note(ctx,
		   "%s %s: %lu files and directories, %lu changed, %lu already right, "
		   "%lu skipped (symlinks, special files, other filesystems)",
		   what, dir, st->visited, st->changed, st->unchanged, st->skipped);
}

/*
 * The traverse step of project IDX: 1. record what it may touch, before
 * touching anything; 2. give the agent search on the ancestors it cannot
 * pass (counting its agents' group, denied on owners' homes), then record
 * exactly what was added.
 */
int admin_grant_traverse_step(const struct admin_ctx *ctx, struct as_registry *reg,
			      const struct admin_user *account, size_t idx)
{
	struct as_reg_project *p = &reg->projects[idx];
	struct as_strv added = { 0 };
	struct as_err e = { "" };
	int rc;

	if (traverse_candidates(p->path, account->uid, p) || admin_save_reg(ctx, reg))
		return ADMIN_EXIT_FAIL;
	rc = as_acl_grant_traverse_groups(p->path, account->uid, account->gid, admin_agents_gid(),
					  &added, &e);
	if (resolve_pending(p, account->uid, &added) || admin_save_reg(ctx, reg)) {
		as_strv_free(&added);
		return ADMIN_EXIT_FAIL;
	}
	as_strv_free(&added);
	if (rc < 0)
		return admin_fail("%s", e.msg);
	return 0;
}

/* The owner's git directories in a granted tree: the agent gets no entry
 * in any of them (lib/acl.h), and grant says which they are. */
static void note_gitdirs(const struct admin_ctx *ctx, const struct as_acl_stats *st)
{
	struct admin_shown sh;

	for (size_t i = 0; i < st->gitdirs.n; i++)
		admin_note(ctx,
			   "git directory %s: no access for the agent (its sessions use a git "
			   "directory of their own)",
			   admin_show(&sh, st->gitdirs.v[i]));
	if (st->git_agent_owned)
		admin_warn(
			"%lu file(s) inside these git directories belong to the agent, which can "
			"still change them; read and remove them (agent-admin check lists the first)",
			st->git_agent_owned);
}

static int do_grant(const struct admin_ctx *ctx, struct as_registry *reg,
		    const struct admin_user *account, const char *dir, bool read_only)
{
	struct as_acl_stats st = { 0 };
	struct as_err e = { "" };
	struct as_reg_project *p;
	int idx, rc;

	idx = as_registry_project_find(reg, dir);
	if (idx < 0) {
		idx = as_registry_project_add(reg, dir);
		if (idx < 0)
			return admin_fail("out of memory");
	}
	p = &reg->projects[idx];
	p->read_only = read_only;
	p->state = AS_REG_GRANTING;
	/* 1-2. Ancestors, recorded before and after. */
	if (admin_grant_traverse_step(ctx, reg, account, (size_t)idx))
		return ADMIN_EXIT_FAIL;
	/* 3. The tree.  Interrupted, the project stays "granting": the
	 *    helper will not use it, a re-run finishes it, revoke undoes it.
	 *    Other owners' agents are shut out of its root. */
	rc = as_acl_grant_tree(dir, account->uid, reg->owner_uid, read_only, &st, &e);
	if (rc < 0) {
		as_acl_stats_free(&st);
		return admin_fail("%s", e.msg);
	}
	note_gitdirs(ctx, &st);
	as_acl_stats_free(&st);
	if (admin_agents_gid() != (gid_t)-1) {
		rc = as_acl_shut_group(dir, reg->owner_uid, admin_agents_gid(), &e);
		if (rc < 0)
			return admin_fail("%s", e.msg);
	}
	/* 4. git, then the project is usable. */
	if (git_trust(account, dir))
		return ADMIN_EXIT_FAIL;
	reg->projects[idx].state = AS_REG_GRANTED;
	if (admin_save_reg(ctx, reg))
		return ADMIN_EXIT_FAIL;
	note_stats(ctx, read_only ? "granted read-only" : "granted", dir, &st);
	return 0;
}

/* The first other project that needs ancestor T (T is above its path). */
static int needing_project(const struct as_registry *reg, size_t except, const char *t)
{
	for (size_t i = 0; i < reg->n_projects; i++)
		if (i != except && as_path_within(reg->projects[i].path, t) &&
		    strcmp(reg->projects[i].path, t) != 0)
			return (int)i;
	return -1;
}

/*
 * Revokes project IDX.  Never stops early (DESIGN.md): a step that fails
 * is reported and counted, the next one runs anyway; with any failure the
 * project stays in the registry as "revoking", so a re-run (every step is
 * idempotent) finishes what is left.
 */
int admin_revoke_project(const struct admin_ctx *ctx, struct as_registry *reg,
			 const struct admin_user *account, size_t idx)
{
	struct as_reg_project *p = &reg->projects[idx];
	struct as_acl_stats st = { 0 };
	struct as_err e = { "" };
	_cleanup_free_ char *dir = strdup(p->path);
	unsigned failed = 0;
	struct stat sb;

	if (!dir)
		return admin_fail("out of memory");
	/* 1. The project stops being usable before anything is undone. */
	if (resolve_pending(p, reg->account_uid, NULL))
		return ADMIN_EXIT_FAIL;
	p->state = AS_REG_REVOKING;
	if (admin_save_reg(ctx, reg))
		return ADMIN_EXIT_FAIL;
	/* 2. git (only if the account is still there). */
	if (account->found)
		git_untrust(account, dir);
	/* 3. The tree, if it still exists, and the agents' entry on its root. */
	if (lstat(dir, &sb) == 0) {
		int r;

		if (as_acl_revoke_tree(dir, reg->account_uid, reg->owner_uid, &st, &e) < 0) {
			admin_fail("%s", e.msg);
			failed++;
		}
		as_acl_stats_free(&st);
		r = admin_agents_gid() == (gid_t)-1 ?
			    0 :
			    as_acl_unshut_group(dir, reg->owner_uid, admin_agents_gid(), &e);
		/* Handed to someone else meanwhile: not ours to edit. */
		if (r == -EPERM) {
			admin_warn("%s; left its entry for %s", e.msg, AS_AGENTS_GROUP);
		} else if (r < 0) {
			admin_fail("%s", e.msg);
			failed++;
		}
	} else if (errno != ENOENT) {
		admin_fail("%s: %s", dir, strerror(errno));
		failed++;
	}
	/* 4. Ancestors: hand over the ones another project still needs,
	 *    remove the rest. */
	for (size_t i = 0; i < p->traverse.n; i++) {
		const char *t = p->traverse.v[i];
		int other = needing_project(reg, idx, t);

		if (other >= 0) {
			struct as_strv *ot = &reg->projects[other].traverse;

			if (!as_strv_contains(ot, t) && as_strv_push(ot, t) < 0)
				return admin_fail("out of memory");
			p = &reg->projects[idx];
			continue;
		}
		if (as_acl_revoke_traverse(t, reg->account_uid, &e) < 0) {
			admin_fail("%s", e.msg);
			failed++;
		}
	}
	if (failed) {
		if (admin_save_reg(ctx, reg))
			return ADMIN_EXIT_FAIL;
		return admin_fail(
			"revoke %s: %u step(s) failed (above), the rest is done; it stays "
			"'revoking' until a re-run of revoke finishes it",
			dir, failed);
	}
	/* 5. Forget it. */
	as_registry_project_remove(reg, idx);
	if (admin_save_reg(ctx, reg))
		return ADMIN_EXIT_FAIL;
	if (st.visited)
		note_stats(ctx, "revoked", dir, &st);
	else
		admin_note(ctx, "revoked %s", dir);
	return 0;
}

/* The registry of OWNER and its agent, for grant and revoke. */
static int open_agent(const struct admin_ctx *ctx, const char *owner, struct as_registry *reg,
		      struct admin_user *account, bool agent_must_exist)
{
	struct as_err e = { "" };
	int rc;

	if (!as_owner_name_valid(owner, &e))
		return admin_fail("%s", e.msg);
	rc = admin_load_reg(ctx, owner, reg);
	if (rc == -ENOENT)
		return admin_fail("%s: has no agent; run 'agent-admin add %s' first", owner, owner);
	if (rc < 0)
		return ADMIN_EXIT_FAIL;
	if (admin_resolve_account(reg, account, agent_must_exist)) {
		as_registry_free(reg);
		return ADMIN_EXIT_FAIL;
	}
	return 0;
}

int cmd_grant(const struct admin_ctx *ctx, const struct admin_opts *o)
{
	struct as_registry reg;
	struct admin_user owner, account;
	char canon[PATH_MAX];
	int rc;

	rc = open_agent(ctx, o->pos[0], &reg, &account, true);
	if (rc)
		return rc;
	rc = ADMIN_EXIT_FAIL;
	if (!admin_user_lookup(reg.owner, &owner)) {
		admin_fail("%s: no such user", reg.owner);
		goto out;
	}
	if (owner.uid != reg.owner_uid) {
		admin_fail("%s: uid is %u but the registry says %u (user re-created?)", reg.owner,
			   (unsigned)owner.uid, (unsigned)reg.owner_uid);
		goto out;
	}
	if (check_grant_dir(ctx, o->pos[1], &owner, o->allow_var, canon))
		goto out;
	for (size_t i = 0; i < reg.n_projects; i++) {
		const char *pp = reg.projects[i].path;

		if (strcmp(pp, canon) == 0)
			continue;
		if (as_path_within(canon, pp)) {
			admin_fail("%s: inside %s, which is already shared with %s", canon, pp,
				   reg.account);
			goto out;
		}
		if (as_path_within(pp, canon)) {
			admin_fail("%s: contains %s, which is already shared; revoke that first",
				   canon, pp);
			goto out;
		}
	}
	rc = do_grant(ctx, &reg, &account, canon, o->read_only);
out:
	as_registry_free(&reg);
	return rc;
}

/* The registered project DIR names: exactly as recorded, or canonical. */
static int find_project(const struct as_registry *reg, const char *dir)
{
	char canon[PATH_MAX];
	int idx = as_registry_project_find(reg, dir);

	if (idx < 0 && realpath(dir, canon))
		idx = as_registry_project_find(reg, canon);
	return idx;
}

int cmd_revoke(const struct admin_ctx *ctx, const struct admin_opts *o)
{
	struct as_registry reg;
	struct admin_user account;
	struct admin_shown s;
	int idx, rc;

	if (o->pos[1][0] != '/')
		return admin_fail("%s: not an absolute path", admin_show(&s, o->pos[1]));
	rc = open_agent(ctx, o->pos[0], &reg, &account, false);
	if (rc)
		return rc;
	idx = find_project(&reg, o->pos[1]);
	if (idx < 0)
		rc = admin_fail("%s: not shared with %s", admin_show(&s, o->pos[1]), reg.account);
	else
		rc = admin_revoke_project(ctx, &reg, &account, (size_t)idx);
	as_registry_free(&reg);
	return rc;
}
