/* SPDX-License-Identifier: MIT */
/*
 * Layer 0 for agent accounts (DESIGN.md, "Layers"; issue 15, item 1): an
 * agent account starts nothing except through agent-shell.  A locked
 * password (add already does it) is not enough, since sshd takes a key the
 * agent appends to its own ~/.ssh/authorized_keys, and cron, at and a
 * lingering systemd user manager run the agent's code with none of the
 * session's layers.  So:
 *
 *   sshd:   AS_SSHD_CONFIG_DIR/agent-shell.conf, "DenyGroups
 *           agent-shell-agents" (every agent account is in that group: add
 *           puts it there, check verifies).  One file for all agents,
 *           removed with the last one.  sshd appends DenyGroups from every
 *           file it reads, so an admin's own list stays in force.
 *   cron:   the account's line in AS_CRON_DENY (crontab(1) refuses it);
 *   at:     the account's line in AS_AT_DENY (at(1) refuses it), where
 *           at.deny exists (without it and at.allow, at is root's only);
 *           an allow list, where there is one, is left to the admin and
 *           check reports an agent on it;
 *   linger: no AS_LINGER_DIR/ACCOUNT (logind starts no user manager for an
 *           account nobody is logged in as).
 *
 * The deny lists are edited by whole lines: only a line that is exactly
 * the account's name is added or removed, every other byte is kept, and
 * the new file replaces the old by rename (same directory, same owner,
 * group and mode, fsync'd), so a crash leaves the old or the new list.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "account.h"
#include "admin.h"

#define LOGINCTL "/usr/bin/loginctl"
/* The first line of a deny list add had to create: crontab(1) and at(1)
 * compare whole lines with the user name, and no name starts with '#'.
 * When remove leaves only this line, the file goes as it came. */
#define DENY_HEADER "# agent-shell: created by agent-admin add; removed with its last agent line"
#define SSHD_DROPIN_NAME "agent-shell.conf"
#define DENY_MAX (1 << 20)

static const char dropin_text[] =
	"# agent-shell: written by agent-admin add, removed by agent-admin remove\n"
	"# with the last agent.  Agent accounts are entered through agent-shell\n"
	"# only: no ssh login, even with a key the agent planted itself.\n"
	"DenyGroups " AS_AGENTS_GROUP "\n";

const char *admin_host_dropin_path(void)
{
	return AS_SSHD_CONFIG_DIR "/" SSHD_DROPIN_NAME;
}

/* ---- files ------------------------------------------------------------ */

/* "/etc/cron.deny" -> dir "/etc", base "cron.deny". */
static int split_path(const char *path, char *dir, size_t dlen, const char **base)
{
	const char *slash = strrchr(path, '/');

	if (!slash || slash == path || !slash[1] || (size_t)(slash - path) >= dlen)
		return -EINVAL;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	*base = slash + 1;
	return 0;
}

/*
 * Replaces PATH with TEXT: a new file in the same directory, owned
 * UID:GID with MODE, fsync'd, renamed over PATH, the directory fsync'd.
 */
static int replace_file(const char *path, const char *text, uid_t uid, gid_t gid, mode_t mode)
{
	char dir[PATH_MAX], tmp[NAME_MAX + 1];
	const char *base;
	int dfd, fd, r = 0;

	if (split_path(path, dir, sizeof(dir), &base) < 0)
		return admin_fail("%s: not an absolute file path", path);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return admin_fail("%s: %s", dir, strerror(errno));
	if (snprintf(tmp, sizeof(tmp), ".%s.agent-shell-new", base) >= (int)sizeof(tmp)) {
		close(dfd);
		return admin_fail("%s: name too long", path);
	}
	/* A leftover of an interrupted run is ours (root-only directory). */
	(void)unlinkat(dfd, tmp, 0);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = admin_fail("%s/%s: cannot create: %s", dir, tmp, strerror(errno));
		close(dfd);
		return r;
	}
	if (fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0 ||
	    as_write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0)
		r = errno ? errno : EIO;
	if (close(fd) < 0 && !r)
		r = errno;
	if (!r && renameat(dfd, tmp, dfd, base) < 0)
		r = errno;
	if (r) {
		(void)unlinkat(dfd, tmp, 0);
		close(dfd);
		return admin_fail("%s: cannot write: %s", path, strerror(r));
	}
	if (fsync(dfd) < 0)
		r = admin_fail("%s: fsync: %s", dir, strerror(errno));
	close(dfd);
	return r;
}

/* Whether TEXT has a line that is exactly NAME. */
static bool has_line(const char *text, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = text; p && *p;) {
		const char *e = strchrnul(p, '\n');

		if ((size_t)(e - p) == n && strncmp(p, name, n) == 0)
			return true;
		p = *e ? e + 1 : NULL;
	}
	return false;
}

/* TEXT without the lines that are exactly NAME (heap, or NULL). */
static char *without_line(const char *text, const char *name)
{
	size_t n = strlen(name), o = 0;
	char *out = malloc(strlen(text) + 1);

	if (!out)
		return NULL;
	for (const char *p = text; *p;) {
		const char *e = strchrnul(p, '\n');
		size_t len = (size_t)(e - p) + (*e ? 1 : 0);

		if (!((size_t)(e - p) == n && strncmp(p, name, n) == 0)) {
			memcpy(out + o, p, len);
			o += len;
		}
		p += len;
	}
	out[o] = '\0';
	return out;
}

/* A deny list: its text ("" when missing) and what a rewrite keeps.  The
 * file must be root's: a list someone else can write denies nothing. */
static int read_list(const char *path, char **text, struct stat *st, bool *found)
{
	struct as_err e = { "" };
	int r = as_read_file(AT_FDCWD, path, AS_TRUST_ROOT_ONLY, DENY_MAX, text, &e);

	*found = r == 0;
	if (r == -ENOENT) {
		*text = strdup("");
		/* crontab(1) and at(1) read the lists with their own
		 * (setgid) rights: a new list is world-readable, like the
		 * account names in /etc/passwd it repeats. */
		*st = (struct stat){ .st_uid = 0, .st_gid = 0, .st_mode = 0644 };
		return *text ? 0 : admin_fail("out of memory");
	}
	if (r < 0)
		return admin_fail("%s", e.msg);
	if (lstat(path, st) < 0)
		return admin_fail("%s: %s", path, strerror(errno));
	return 0;
}

/*
 * A scheduler's pair of lists, as crontab(1) and at(1) read them: with an
 * allow list, only the accounts it names may use the command; else with a
 * deny list, all but the accounts it names; with neither, Debian's cron
 * lets everyone in and at(1) only root.
 */
struct sched {
	const char *deny, *allow;
	bool none_means_root_only;
};

static const struct sched cron_lists = { AS_CRON_DENY, AS_CRON_ALLOW, false };
static const struct sched at_lists = { AS_AT_DENY, AS_AT_ALLOW, true };

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 || errno != ENOENT;
}

/* Adds ACCOUNT's line to the deny list unless it is there.  Nothing is
 * created where the scheduler already refuses everyone but root (a new,
 * short deny list would let every other account in), nor where an allow
 * list decides (check reports the agent if it is on it). */
static int deny_add(const struct admin_ctx *ctx, const struct sched *s, const char *account,
		    bool *changed)
{
	_cleanup_free_ char *text = NULL, *next = NULL;
	const char *path = s->deny;
	struct stat st;
	bool there;
	size_t len;

	if (exists(s->allow) || (s->none_means_root_only && !exists(path)))
		return 0;
	if (read_list(path, &text, &st, &there))
		return ADMIN_EXIT_FAIL;
	if (has_line(text, account))
		return 0;
	len = strlen(text);
	if (asprintf(&next, "%s%s%s\n", there ? text : DENY_HEADER "\n",
		     len && text[len - 1] != '\n' ? "\n" : "", account) < 0) {
		next = NULL;
		return admin_fail("out of memory");
	}
	if (replace_file(path, next, st.st_uid, st.st_gid, st.st_mode & 07777))
		return ADMIN_EXIT_FAIL;
	admin_note(ctx, "added %s to %s", account, path);
	*changed = true;
	return 0;
}

/* Removes ACCOUNT's lines from the deny list PATH, if any. */
static int deny_remove(const struct admin_ctx *ctx, const char *path, const char *account)
{
	_cleanup_free_ char *text = NULL, *next = NULL;
	struct stat st;
	bool there;

	if (read_list(path, &text, &st, &there))
		return ADMIN_EXIT_FAIL;
	if (!there || !has_line(text, account))
		return 0;
	next = without_line(text, account);
	if (!next)
		return admin_fail("out of memory");
	if (strcmp(next, DENY_HEADER "\n") == 0) {
		if (unlink(path) < 0 && errno != ENOENT)
			return admin_fail("%s: cannot remove: %s", path, strerror(errno));
		admin_note(ctx, "removed %s (agent-admin had created it; no agent is left in it)",
			   path);
		return 0;
	}
	if (replace_file(path, next, st.st_uid, st.st_gid, st.st_mode & 07777))
		return ADMIN_EXIT_FAIL;
	admin_note(ctx, "removed %s from %s", account, path);
	return 0;
}

/* ---- sshd ------------------------------------------------------------- */

/* 1 when the drop-in holds exactly our text (root's, not writable by
 * others), 0 when missing, -1 when something else is there. */
static int dropin_state(void)
{
	_cleanup_free_ char *text = NULL;
	struct as_err e = { "" };
	int r = as_read_file(AT_FDCWD, admin_host_dropin_path(), AS_TRUST_ROOT_ONLY, 4096, &text,
			     &e);

	if (r == -ENOENT)
		return 0;
	return r == 0 && strcmp(text, dropin_text) == 0 ? 1 : -1;
}

static int mkdir_root(const char *dir, mode_t mode)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int dropin_install(const struct admin_ctx *ctx, bool *changed)
{
	struct stat st;
	int r;

	if (dropin_state() == 1)
		return 0;
	/* Written even when sshd is not installed (yet): Debian's
	 * sshd_config includes this directory from its first line, so an
	 * sshd installed later starts with the rule in place. */
	r = mkdir_root(AS_SSHD_CONFIG_DIR, 0755);
	if (r < 0)
		return admin_fail("%s: cannot create: %s", AS_SSHD_CONFIG_DIR, strerror(-r));
	if (lstat(AS_SSHD_CONFIG_DIR, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)))
		return admin_fail(
			"%s: not a root-owned directory only root can write; "
			"refusing to put the sshd drop-in there",
			AS_SSHD_CONFIG_DIR);
	if (replace_file(admin_host_dropin_path(), dropin_text, 0, 0, 0644))
		return ADMIN_EXIT_FAIL;
	admin_note(ctx,
		   "installed %s (DenyGroups %s: no ssh login for agent accounts; "
		   "a running sshd reads it on its next start or reload)",
		   admin_host_dropin_path(), AS_AGENTS_GROUP);
	*changed = true;
	return 0;
}

/* With no agent account left, the drop-in goes. */
static int dropin_remove_if_unused(const struct admin_ctx *ctx)
{
	struct group *gr = getgrnam(AS_AGENTS_GROUP);

	if (gr && gr->gr_mem && gr->gr_mem[0])
		return 0;
	if (dropin_state() != 1)
		return 0; /* missing, or not ours: left alone */
	if (unlink(admin_host_dropin_path()) < 0 && errno != ENOENT)
		return admin_fail("%s: cannot remove: %s", admin_host_dropin_path(),
				  strerror(errno));
	admin_note(ctx, "removed %s (no agent account left)", admin_host_dropin_path());
	return 0;
}

/* ---- linger ----------------------------------------------------------- */

static int linger_off(const struct admin_ctx *ctx, const char *account, bool *changed)
{
	char path[PATH_MAX];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/%s", AS_LINGER_DIR, account) >= (int)sizeof(path))
		return admin_fail("%s: linger path too long", account);
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : admin_fail("%s: %s", path, strerror(errno));
	/* Under systemd, logind also stops the user manager it started for
	 * the flag; elsewhere the flag only matters at the next boot. */
	if (lstat("/run/systemd/system", &st) == 0 && access(LOGINCTL, X_OK) == 0) {
		const char *argv[] = { LOGINCTL, "disable-linger", "--", account, NULL };
		struct as_err e = { "" };

		if (as_run(argv, &e) != 0)
			admin_warn("%s", e.msg);
	}
	if (unlink(path) < 0 && errno != ENOENT)
		return admin_fail("%s: cannot remove: %s", path, strerror(errno));
	admin_note(ctx, "turned lingering off for %s (removed %s)", account, path);
	*changed = true;
	return 0;
}

/* ---- the interface (admin.h) ------------------------------------------ */

int admin_host_lock(const struct admin_ctx *ctx, const char *account, bool *changed)
{
	if (dropin_install(ctx, changed) || deny_add(ctx, &cron_lists, account, changed) ||
	    deny_add(ctx, &at_lists, account, changed) || linger_off(ctx, account, changed))
		return ADMIN_EXIT_FAIL;
	return 0;
}

int admin_host_unlock(const struct admin_ctx *ctx, const char *account)
{
	int rc = 0;

	/* Each step whatever the others did: the account is gone. */
	if (deny_remove(ctx, AS_CRON_DENY, account))
		rc = ADMIN_EXIT_FAIL;
	if (deny_remove(ctx, AS_AT_DENY, account))
		rc = ADMIN_EXIT_FAIL;
	if (dropin_remove_if_unused(ctx))
		rc = ADMIN_EXIT_FAIL;
	return rc;
}

/* Whether ACCOUNT has a line in the list PATH: 1, 0, or -1 when the list
 * cannot be trusted or read. */
static int listed(const char *path, const char *account)
{
	_cleanup_free_ char *text = NULL;
	int r = as_read_file(AT_FDCWD, path, AS_TRUST_ROOT_ONLY, DENY_MAX, &text, NULL);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return -1;
	return has_line(text, account);
}

/* Whether the scheduler refuses ACCOUNT, by the rule of struct sched;
 * a list that cannot be trusted or read counts as not refusing. */
static bool sched_refuses(const struct sched *s, const char *account)
{
	if (exists(s->allow))
		return listed(s->allow, account) == 0;
	if (exists(s->deny))
		return listed(s->deny, account) == 1;
	return s->none_means_root_only;
}

void admin_host_inspect(const char *account, struct admin_host_state *st)
{
	char path[PATH_MAX];
	struct stat sb;

	memset(st, 0, sizeof(*st));
	st->dropin = dropin_state();
	st->cron_refused = sched_refuses(&cron_lists, account);
	st->at_refused = sched_refuses(&at_lists, account);
	snprintf(path, sizeof(path), "%s/%s", AS_LINGER_DIR, account);
	st->lingering = lstat(path, &sb) == 0;
}
