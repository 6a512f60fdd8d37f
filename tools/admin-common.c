/* SPDX-License-Identifier: MIT */
/*
 * What every agent-admin subcommand uses (declared in admin.h): the
 * message lines, NSS lookups, running a tool as root or as the agent
 * account, and reading and saving a registry.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "account.h"
#include "admin.h"
#include "identity.h"
#include "registry.h"

/* ---- messages -------------------------------------------------------- */

static void vmsg(const char *prefix, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	char buf[2 * AS_ERR_MAX];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	fprintf(stderr, "%s: %s%s\n", ADMIN_PROG, prefix, buf);
}

int admin_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
	return ADMIN_EXIT_FAIL;
}

int admin_usage(const char *fmt, ...)
{
	char buf[2 * AS_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* One line, like agent-shell and agent-sandbox: scripts read the
	 * first line of stderr as the reason. */
	fprintf(stderr, "%s: %s (see --help)\n", ADMIN_PROG, buf);
	return ADMIN_EXIT_USAGE;
}

void admin_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void admin_note(const struct admin_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->quiet)
		return;
	va_start(ap, fmt);
	vfprintf(ctx->out, fmt, ap);
	va_end(ap);
	fputc('\n', ctx->out);
	fflush(ctx->out);
}

const char *admin_show(struct admin_shown *b, const char *s)
{
	as_escape(s ? s : "(null)", b->s, sizeof(b->s));
	return b->s;
}

/* ---- small helpers --------------------------------------------------- */

bool admin_user_lookup(const char *name, struct admin_user *u)
{
	struct passwd *pw;

	memset(u, 0, sizeof(*u));
	errno = 0;
	pw = getpwnam(name);
	if (!pw)
		return false;
	snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	snprintf(u->home, sizeof(u->home), "%s", pw->pw_dir ? pw->pw_dir : "");
	snprintf(u->gecos, sizeof(u->gecos), "%s", pw->pw_gecos ? pw->pw_gecos : "");
	u->found = true;
	return true;
}

bool admin_in_group(const char *account, const char *group)
{
	struct passwd *pw = getpwnam(account);
	gid_t primary = pw ? pw->pw_gid : (gid_t)-1;
	struct group *gr = getgrnam(group);

	if (!gr)
		return false;
	if (pw && primary == gr->gr_gid)
		return true;
	for (char **m = gr->gr_mem; m && *m; m++)
		if (strcmp(*m, account) == 0)
			return true;
	return false;
}

int admin_run_tool(const char *const argv[])
{
	struct as_err e = { "" };
	int rc = as_run(argv, &e);

	if (rc != 0)
		return admin_fail("%s", e.msg);
	return 0;
}

/* ---- acting as the agent -------------------------------------------- */

int admin_become(const char *account, uid_t uid, gid_t gid, struct as_err *err)
{
	/* The one identity switch (lib/identity.h), with its checks. */
	return as_identity_switch(account, uid, gid, 0, err);
}

int admin_run_as(const char *account, uid_t uid, gid_t gid, const char *home,
		 const char *const argv[], struct as_err *err)
{
	pid_t pid;
	int status;

	if (!argv[0] || argv[0][0] != '/')
		return as_fail(err, -EINVAL, "%s: not an absolute path",
			       argv[0] ? argv[0] : "(null)");
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return as_fail(err, -errno, "fork: %s", strerror(errno));
	if (pid == 0) {
		struct as_err e = { "" };
		char henv[PATH_MAX + 8], uenv[80], lenv[80];
		char *envp[] = { henv,       uenv,
				 lenv,       "PATH=/usr/bin:/bin",
				 "LC_ALL=C", "GIT_CONFIG_NOSYSTEM=1",
				 NULL };
		int nul;

		/* The agent controls its home (its ~/.gitconfig may name a fifo
		 * to block on): a hung child must not hold our lock forever.
		 * The alarm survives the exec. */
		alarm(60);
		if (admin_become(account, uid, gid, &e) < 0) {
			fprintf(stderr, "%s: %s\n", ADMIN_PROG, e.msg);
			_exit(ADMIN_CHILD_CANNOT_RUN);
		}
		if (chdir(home) < 0 && chdir("/") < 0)
			_exit(ADMIN_CHILD_CANNOT_RUN);
		nul = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (nul < 0 || dup2(nul, STDIN_FILENO) < 0 || dup2(nul, STDOUT_FILENO) < 0)
			_exit(ADMIN_CHILD_CANNOT_RUN);
		closefrom(STDERR_FILENO + 1);
		snprintf(henv, sizeof(henv), "HOME=%s", home);
		snprintf(uenv, sizeof(uenv), "USER=%s", account);
		snprintf(lenv, sizeof(lenv), "LOGNAME=%s", account);
		execve(argv[0], (char *const *)argv, envp);
		_exit(ADMIN_CHILD_CANNOT_RUN);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return as_fail(err, -errno, "wait: %s", strerror(errno));
	}
	if (WIFSIGNALED(status))
		return as_fail(err, -EINTR, "%s (as %s): killed by signal %d", argv[0], account,
			       WTERMSIG(status));
	return WEXITSTATUS(status);
}

/* ---- registry helpers ----------------------------------------------- */

/* Loads OWNER's registry, trusted only if root's.  0, -ENOENT (quietly), or
 * another -errno after printing why. */
int admin_load_reg(const struct admin_ctx *ctx, const char *owner, struct as_registry *reg)
{
	struct as_err e = { "" };
	int rc = as_registry_load(reg, ctx->regdir, owner, AS_TRUST_ROOT_ONLY, &e);

	if (rc < 0 && rc != -ENOENT)
		admin_fail("%s", e.msg);
	return rc;
}

/* Saves the registry unless the file already says exactly that, so a no-op
 * re-run changes nothing on disk. */
int admin_save_reg(const struct admin_ctx *ctx, const struct as_registry *reg)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_free_ char *old = NULL;
	_cleanup_free_ char *path = NULL;
	struct as_err e = { "" };

	if (as_registry_format(reg, &text, &e) < 0)
		return admin_fail("%s: cannot record: %s", reg->owner, e.msg);
	if (asprintf(&path, "%s/%s.conf", ctx->regdir, reg->owner) < 0) {
		path = NULL;
		return admin_fail("out of memory");
	}
	if (as_read_file(AT_FDCWD, path, AS_TRUST_ROOT_ONLY, 1 << 20, &old, NULL) == 0 &&
	    strcmp(old, text) == 0)
		return 0;
	if (as_registry_save(reg, ctx->regdir, &e) < 0)
		return admin_fail("%s", e.msg);
	return 0;
}

/* The registered agent account, checked against the user database. */
int admin_resolve_account(const struct as_registry *reg, struct admin_user *account,
			  bool must_exist)
{
	if (!admin_user_lookup(reg->account, account)) {
		if (!must_exist)
			return 0;
		return admin_fail(
			"%s: registered as %s's agent but missing from the user database; "
			"run 'agent-admin remove %s' and add it again",
			reg->account, reg->owner, reg->owner);
	}
	if (account->uid != reg->account_uid)
		return admin_fail(
			"%s: uid %u, but the registry says %u (re-created by someone else?); "
			"refusing to touch it",
			reg->account, (unsigned)account->uid, (unsigned)reg->account_uid);
	return 0;
}

/* The agents' group, whose g:GID:--- entry shuts agents out of owners'
 * homes and grants; (gid_t)-1 if it does not exist (yet). */
gid_t admin_agents_gid(void)
{
	struct group *gr = getgrnam(AS_AGENTS_GROUP);

	return gr ? gr->gr_gid : (gid_t)-1;
}

bool admin_strv_equal(const struct as_strv *a, const struct as_strv *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}
