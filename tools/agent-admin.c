/* SPDX-License-Identifier: MIT */
/*
 * agent-admin: provisions agent accounts and shares project directories
 * between a developer and their agent (DESIGN.md, "Commands").
 *
 *   main: --help/--version (no privilege) -> parse the subcommand's options
 *         (usage errors exit 2) -> must be root -> lock -> subcommand.
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
 *   grant:  registry: project, state=granting, traverse-pending = ancestors
 *           without an entry for the agent -> traverse ACLs -> registry:
 *           pending resolved into traverse -> tree ACLs -> git
 *           safe.directory -> registry: state granted.  A project is only
 *           usable for sessions (as_registry_project_for) once granted.
 *   revoke: registry: state=revoking -> git safe.directory -> tree ACLs ->
 *           traverse ACLs not needed by other projects (the others inherit
 *           the ones they need) -> registry without the project.
 *   remove: revoke each project -> sudoers drop-in -> group membership ->
 *           userdel -> registry deleted.
 *
 * revoke and remove never stop early: a failed step is reported and the
 * next runs anyway; what failed stays recorded (the project "revoking",
 * the account and its registry) for a re-run to finish.
 *
 * check lives in admin-check.c (admin_check, declared in admin.h).
 *
 * A re-run of the same command, or the opposite one (revoke after a broken
 * grant), finishes or undoes whatever was recorded.
 */
#include <acl/libacl.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <json-c/json.h>
#include <limits.h>
#include <pwd.h>
#include <shadow.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/acl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "account.h"
#include "acl.h"
#include "admin.h"
#include "gitmeta.h"
#include "path.h"
#include "profile.h"
#include "registry.h"

#define USERADD  "/usr/sbin/useradd"
#define USERDEL  "/usr/sbin/userdel"
#define USERMOD  "/usr/sbin/usermod"
#define GROUPADD "/usr/sbin/groupadd"
#define GPASSWD  "/usr/bin/gpasswd"
#define GIT      "/usr/bin/git"
#define AGENT_SHELL "/bin/bash"
#define GECOS_PREFIX "agent-shell agent of "

/* ---- messages -------------------------------------------------------- */

static void vmsg(const char *prefix, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
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

/* A string for a message: control characters escaped (a name or path
 * from the command line cannot forge a second line). */
struct shown {
	char s[PATH_MAX + 64];
};

static const char *show(struct shown *b, const char *s)
{
	as_escape(s ? s : "(null)", b->s, sizeof(b->s));
	return b->s;
}

/* ---- options --------------------------------------------------------- */

enum {
	OPT_ACCOUNT = 1u << 0,
	OPT_PROFILE = 1u << 1,
	OPT_HOME = 1u << 2,
	OPT_READ_ONLY = 1u << 3,
	OPT_ALLOW_VAR = 1u << 4,
	OPT_KEEP_HOME = 1u << 5,
	OPT_JSON = 1u << 6,
	OPT_DRY_RUN = 1u << 7,
	OPT_SUDO = 1u << 8,
	OPT_PROFILES = 1u << 9,
	OPT_UNDO = 1u << 10,
	OPT_USERNS = 1u << 11,
};

struct opts {
	const char *pos[2];      /* positional arguments */
	int npos;
	const char *account, *profile, *home;
	const char *profiles;    /* --profiles LIST: the admin's pin */
	bool read_only, allow_var, keep_home, json, dry_run, sudo, undo, userns;
};

/* ---- small helpers --------------------------------------------------- */

/* A copy of the fields of a struct passwd we use (getpw* return static
 * storage that the next NSS call overwrites). */
struct user {
	char name[64];
	uid_t uid;
	gid_t gid;
	char home[PATH_MAX];
	char gecos[256];
	bool found;
};

static bool user_lookup(const char *name, struct user *u)
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

static int run_tool(const char *const argv[])
{
	struct as_err e = { "" };
	int rc = as_run(argv, &e);

	if (rc != 0)
		return admin_fail("%s", e.msg);
	return 0;
}

/* ---- the lock -------------------------------------------------------- */

/* Serializes agent-admin runs: flock on a root-owned file in /run.  The
 * fd stays open (close-on-exec) until we exit; the kernel drops the lock
 * when we die, however we die. */
static int take_lock(const char *path)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	struct stat st;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return -admin_fail("%s: cannot open the lock file: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0) {
		close(fd);
		return -admin_fail("%s: not a root-owned regular file; refusing to use it as the lock", path);
	}
	/* Quietly for a second, then say why we are waiting. */
	for (int i = 0; i < 50; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR)
			goto fail;
		nanosleep(&pause, NULL);
	}
	fprintf(stderr, "%s: waiting for another agent-admin to finish (lock %s)\n", ADMIN_PROG, path);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			goto fail;
	return fd;
fail:
	admin_fail("%s: cannot lock: %s", path, strerror(errno));
	close(fd);
	return -ADMIN_EXIT_FAIL;
}

/* ---- acting as the agent -------------------------------------------- */

int admin_become(const char *account, uid_t uid, gid_t gid, struct as_err *err)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (uid == 0 || gid == 0)
		return as_fail(err, -EINVAL, "%s: refusing to switch to uid/gid 0", account);
	/* Group ids first: once the uid is gone, so is the right to change
	 * them (capng_change_id(3) does the same). */
	if (setresgid(gid, gid, gid) < 0)
		return as_fail(err, -errno, "setresgid(%u): %s", (unsigned)gid, strerror(errno));
	if (initgroups(account, gid) < 0)
		return as_fail(err, -errno, "initgroups(%s): %s", account, strerror(errno));
	if (setresuid(uid, uid, uid) < 0)
		return as_fail(err, -errno, "setresuid(%u): %s", (unsigned)uid, strerror(errno));
	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0 ||
	    ru != uid || eu != uid || su != uid || rg != gid || eg != gid || sg != gid)
		return as_fail(err, -EPERM, "%s: ids did not switch", account);
	if (setuid(0) == 0 || setgid(0) == 0)
		return as_fail(err, -EPERM, "%s: could regain root after switching", account);
	return 0;
}

int admin_run_as(const char *account, uid_t uid, gid_t gid, const char *home,
		 const char *const argv[], struct as_err *err)
{
	pid_t pid;
	int status;

	if (!argv[0] || argv[0][0] != '/')
		return as_fail(err, -EINVAL, "%s: not an absolute path", argv[0] ? argv[0] : "(null)");
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return as_fail(err, -errno, "fork: %s", strerror(errno));
	if (pid == 0) {
		struct as_err e = { "" };
		char henv[PATH_MAX + 8], uenv[80], lenv[80];
		char *envp[] = { henv, uenv, lenv, "PATH=/usr/bin:/bin", "LC_ALL=C",
				 "GIT_CONFIG_NOSYSTEM=1", NULL };
		int nul;

		/* The agent controls its home (its ~/.gitconfig may name a fifo
		 * to block on): a hung child must not hold our lock forever.
		 * The alarm survives the exec. */
		alarm(60);
		if (admin_become(account, uid, gid, &e) < 0) {
			fprintf(stderr, "%s: %s\n", ADMIN_PROG, e.msg);
			_exit(127);
		}
		if (chdir(home) < 0 && chdir("/") < 0)
			_exit(127);
		nul = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (nul < 0 || dup2(nul, STDIN_FILENO) < 0 || dup2(nul, STDOUT_FILENO) < 0)
			_exit(127);
		closefrom(STDERR_FILENO + 1);
		snprintf(henv, sizeof(henv), "HOME=%s", home);
		snprintf(uenv, sizeof(uenv), "USER=%s", account);
		snprintf(lenv, sizeof(lenv), "LOGNAME=%s", account);
		execve(argv[0], (char *const *)argv, envp);
		_exit(127);
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
static int load_reg(const struct admin_ctx *ctx, const char *owner, struct as_registry *reg)
{
	struct as_err e = { "" };
	int rc = as_registry_load(reg, ctx->regdir, owner, AS_TRUST_ROOT_ONLY, &e);

	if (rc < 0 && rc != -ENOENT)
		admin_fail("%s", e.msg);
	return rc;
}

/* Saves the registry unless the file already says exactly that, so a no-op
 * re-run changes nothing on disk. */
static int save_reg(const struct admin_ctx *ctx, const struct as_registry *reg)
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

/* ---- owners and agents ---------------------------------------------- */

/* OWNER must be a valid name, known to NSS, not root, not a system account
 * and not itself an agent. */
static int resolve_owner(const struct admin_ctx *ctx, const char *owner, struct user *u)
{
	struct as_registry other;
	struct as_err e = { "" };
	struct shown s;

	if (!as_owner_name_valid(owner, &e))
		return admin_fail("%s", e.msg);
	if (!user_lookup(owner, u))
		return admin_fail("%s: no such user", show(&s, owner));
	if (u->uid == 0)
		return admin_fail("%s: refusing to give root an agent (uid 0)", owner);
	if (u->uid < ctx->uid_min)
		return admin_fail("%s: a system account (uid %u is below UID_MIN %u)", owner,
				  (unsigned)u->uid, (unsigned)ctx->uid_min);
	/* The kernel's overflow uid: every unmapped id looks like it. */
	if (u->uid == 65534)
		return admin_fail("%s: the overflow account (uid 65534) is nobody's to delegate", owner);
	if (as_registry_find_by_account(&other, ctx->regdir, owner, AS_TRUST_ROOT_ONLY, NULL) == 0) {
		admin_fail("%s: is itself the agent of %s", owner, other.owner);
		as_registry_free(&other);
		return ADMIN_EXIT_FAIL;
	}
	return 0;
}

/* The registered agent account, checked against the user database. */
static int resolve_agent(const struct as_registry *reg, struct user *a, bool must_exist)
{
	if (!user_lookup(reg->account, a)) {
		if (!must_exist)
			return 0;
		return admin_fail("%s: registered as %s's agent but missing from the user database; "
				  "run 'agent-admin remove %s' and add it again",
				  reg->account, reg->owner, reg->owner);
	}
	if (a->uid != reg->account_uid)
		return admin_fail("%s: uid %u, but the registry says %u (re-created by someone else?); "
				  "refusing to touch it", reg->account, (unsigned)a->uid,
				  (unsigned)reg->account_uid);
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
	if (run_tool(argv))
		return ADMIN_EXIT_FAIL;
	admin_note(ctx, "added %s to group %s", user, group);
	*changed = true;
	return 0;
}

static int drop_privileged_groups(const struct admin_ctx *ctx, const struct user *a, bool *changed)
{
	for (const char *const *g = admin_privileged_groups; *g; g++) {
		struct group *gr = getgrnam(*g);
		const char *argv[] = { GPASSWD, "-d", a->name, *g, NULL };

		if (!gr)
			continue;
		if (gr->gr_gid == a->gid)
			return admin_fail("%s: its primary group is %s, a privileged group; refusing",
					  a->name, *g);
		if (!admin_in_group(a->name, *g))
			continue;
		if (run_tool(argv))
			return ADMIN_EXIT_FAIL;
		admin_note(ctx, "removed %s from privileged group %s", a->name, *g);
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
static int fix_home(const struct admin_ctx *ctx, const struct user *a, bool *changed)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	fd = open(a->home, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return admin_fail("%s: home %s: %s", a->name, a->home, strerror(errno));
	if (fstat(fd, &st) < 0)
		return admin_fail("%s: home %s: %s", a->name, a->home, strerror(errno));
	if (st.st_uid != a->uid)
		return admin_fail("%s: home %s is owned by uid %u, not by the agent; refusing",
				  a->name, a->home, (unsigned)st.st_uid);
	if ((st.st_mode & 07777) != 0700) {
		if (fchmod(fd, 0700) < 0)
			return admin_fail("%s: chmod 0700 %s: %s", a->name, a->home, strerror(errno));
		admin_note(ctx, "set %s's home %s to mode 0700", a->name, a->home);
		*changed = true;
	}
	return 0;
}

/* The agents' group, whose g:GID:--- entry shuts agents out of owners'
 * homes and grants; (gid_t)-1 if it does not exist (yet). */
static gid_t agents_gid(void)
{
	struct group *gr = getgrnam(AS_AGENTS_GROUP);

	return gr ? gr->gr_gid : (gid_t)-1;
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
static int shut_home(const struct admin_ctx *ctx, const struct user *ou, bool undo, bool *changed)
{
	struct as_err e = { "" };
	char canon[PATH_MAX];
	gid_t gid = agents_gid();
	int r;

	if (gid == (gid_t)-1)
		return 0;
	if (!realpath(ou->home, canon)) {
		if (errno != ENOENT)
			admin_warn("%s: home %s: %s; other agents are not shut out of it", ou->name,
				   ou->home, strerror(errno));
		return 0;
	}
	r = undo ? as_acl_unshut_group(canon, ou->uid, gid, &e)
		 : as_acl_shut_group(canon, ou->uid, gid, &e);
	if (r == -EPERM || r == -EOPNOTSUPP || r == -ELOOP) {
		admin_warn("%s; %s other agents out of %s's home", e.msg, undo ? "could not let" : "did not shut",
			   ou->name);
		return 0;
	}
	if (r < 0)
		return admin_fail("%s", e.msg);
	if (r == 1) {
		admin_note(ctx, undo ? "removed the entry for %s from %s's home %s"
				     : "shut %s out of %s's home %s (g:%s:---)",
			   AS_AGENTS_GROUP, ou->name, canon, AS_AGENTS_GROUP);
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
	struct shown s;
	struct stat st;
	char *slash;

	if (home[0] != '/')
		return admin_fail("--home %s: not an absolute path", show(&s, home));
	if (strstr(home, "//") || strstr(home, "/./") || strstr(home, "/../") ||
	    (strlen(home) > 1 && home[strlen(home) - 1] == '/') || strcmp(home, "/") == 0)
		return admin_fail("--home %s: not a plain canonical path", show(&s, home));
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
		return admin_fail("--home %s: %s must be a root-owned directory that only root can write",
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
	if (run_tool(argv))
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
		admin_warn("profile '%s' is in neither %s nor %s; agent-shell will refuse to start "
			   "until it exists", profile, AS_PROFILEDIR_ETC, AS_PROFILEDIR_VENDOR);
}

/* ---- admin-pinned profiles (--profiles) ------------------------------ */

/*
 * Checks --profile and --profiles against each other and the registry's
 * pin (CUR, empty: any), before anything changes: PIN gets the parsed
 * --profiles.  A --profile outside the pin that will be in force is
 * refused rather than left for every session to refuse.
 */
static int check_profile_opts(const struct opts *o, const struct as_strv *cur, struct as_strv *pin)
{
	struct as_err e = { "" };
	struct shown s;

	if (o->profile && (!as_profile_name_valid(o->profile) ||
			   !as_registry_value_ok("profile", o->profile, NULL)))
		return admin_fail("--profile %s: not a valid profile name", show(&s, o->profile));
	if (o->profiles && (!as_registry_value_ok("profiles", o->profiles, &e) ||
			    as_registry_parse_profiles(o->profiles, pin, &e) < 0))
		return admin_fail("--%s", e.msg);
	if (!o->profiles)
		pin = (struct as_strv *)cur;
	if (o->profile && pin->n > 0 && !as_strv_contains(pin, o->profile)) {
		_cleanup_free_ char *list = as_registry_join_profiles(pin, ",");

		return admin_fail("--profile %s: not among the allowed profiles (%s); "
				  "change --profiles too", o->profile, list ? list : "?");
	}
	return 0;
}

static bool strv_equal(const struct as_strv *a, const struct as_strv *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

/* Puts the checked PIN (taken) into REG; a default profile outside it
 * becomes the first pinned one, so a plain `agent-shell` keeps working. */
static int set_pin(const struct admin_ctx *ctx, struct as_registry *reg, struct as_strv *pin,
		   bool *changed)
{
	_cleanup_free_ char *list = NULL;

	if (!strv_equal(&reg->profiles, pin)) {
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
		admin_note(ctx, "%s: default profile is now %s (%s is not allowed)", reg->account, p,
			   reg->profile);
		free(reg->profile);
		reg->profile = p;
		*changed = true;
	}
	return 0;
}

static int grant_traverse_step(const struct admin_ctx *ctx, struct as_registry *reg,
			       const struct user *a, size_t idx);

static int cmd_add(const struct admin_ctx *ctx, const struct opts *o)
{
	const char *owner = o->pos[0];
	struct as_registry reg;
	struct user ou, a;
	struct as_err e = { "" };
	_cleanup_free_ char *intent = NULL;
	char defacct[80];
	const char *account;
	bool have_reg, changed = false;
	struct as_strv pin = { 0 };
	struct shown s;
	int rc;

	rc = resolve_owner(ctx, owner, &ou);
	if (rc)
		return rc;
	rc = load_reg(ctx, owner, &reg);
	if (rc < 0 && rc != -ENOENT)
		return ADMIN_EXIT_FAIL;
	have_reg = rc == 0;

	if (o->account) {
		account = o->account;
	} else if (have_reg) {
		account = reg.account;
	} else {
		snprintf(defacct, sizeof(defacct), "%s-agent", owner);
		account = defacct;
	}
	if (!as_account_name_valid(account, &e)) {
		rc = admin_fail("%s%s", e.msg, o->account ? "" : "; choose one with --account");
		goto out;
	}
	if (strcmp(account, owner) == 0) {
		rc = admin_fail("%s: the agent account must not be the owner", account);
		goto out;
	}
	rc = check_profile_opts(o, &reg.profiles, &pin);
	if (rc)
		goto out;

	if (have_reg) {
		rc = ADMIN_EXIT_FAIL;
		if (strcmp(reg.account, account) != 0) {
			admin_fail("%s: already has the agent %s; remove it first to use %s",
				   owner, reg.account, account);
			goto out;
		}
		if (reg.owner_uid != ou.uid) {
			admin_fail("%s: uid is %u but the registry says %u (user re-created?); "
				   "run 'agent-admin remove %s' first", owner, (unsigned)ou.uid,
				   (unsigned)reg.owner_uid, owner);
			goto out;
		}
		if (o->home && strcmp(o->home, reg.home) != 0) {
			admin_fail("%s: home is %s; agent-admin does not move homes", account, reg.home);
			goto out;
		}
		if (resolve_agent(&reg, &a, true))
			goto out;
	} else {
		struct as_registry other;

		rc = as_registry_intent_get(ctx->regdir, owner, &intent, &e);
		if (rc < 0 && rc != -ENOENT) {
			rc = admin_fail("%s", e.msg);
			goto out;
		}
		rc = ADMIN_EXIT_FAIL;
		if (intent && strcmp(intent, account) != 0) {
			admin_fail("%s: an interrupted add was creating %s; finish it with "
				   "'agent-admin add %s --account %s' or undo it with 'agent-admin remove %s'",
				   owner, intent, owner, intent, owner);
			goto out;
		}
		if (as_registry_find_by_account(&other, ctx->regdir, account, AS_TRUST_ROOT_ONLY, NULL) == 0) {
			admin_fail("%s: already the agent of %s", account, other.owner);
			as_registry_free(&other);
			goto out;
		}
		user_lookup(account, &a);
		if (a.found && !intent) {
			admin_fail("%s: an account with this name exists and is not an agent of %s; "
				   "refusing to adopt it", account, owner);
			goto out;
		}
		if (!a.found && getgrnam(account) && !intent) {
			admin_fail("%s: a group with this name exists; refusing to share it with a new agent",
				   account);
			goto out;
		}
		if (!a.found && o->home && !intent && check_new_home(o->home))
			goto out;
		/* From here on the host changes: say first what we are
		 * creating, so a re-run after a crash knows the account. */
		if (!intent && as_registry_intent_set(ctx->regdir, owner, account, &e) < 0) {
			admin_fail("%s", e.msg);
			goto out;
		}
	}

	rc = ADMIN_EXIT_FAIL;
	if (ensure_group(ctx, AS_USERS_GROUP) || ensure_group(ctx, AS_AGENTS_GROUP))
		goto out;
	if (!a.found) {
		if (useradd(ctx, owner, account, o->home))
			goto out;
		changed = true;
		if (!user_lookup(account, &a)) {
			admin_fail("%s: useradd succeeded but the account is not visible", account);
			goto out;
		}
	}
	if (a.uid < ctx->uid_min || a.uid == 0) {
		admin_fail("%s: uid %u is below UID_MIN %u; refusing", account, (unsigned)a.uid,
			   (unsigned)ctx->uid_min);
		goto out;
	}
	if (!as_registry_value_ok("home", a.home, &e) || a.home[0] != '/') {
		admin_fail("%s: home %s cannot be recorded: %s", account, show(&s, a.home), e.msg);
		goto out;
	}
	if (fix_home(ctx, &a, &changed))
		goto out;
	if (!password_locked(account)) {
		const char *argv[] = { USERMOD, "--lock", "--", account, NULL };

		if (run_tool(argv))
			goto out;
		admin_note(ctx, "locked the password of %s", account);
		changed = true;
	}
	/* The agents group before the sshd drop-in that names it: from
	 * here on, the account starts nothing except through agent-shell. */
	if (drop_privileged_groups(ctx, &a, &changed) ||
	    ensure_member(ctx, account, AS_AGENTS_GROUP, &changed) ||
	    admin_host_lock(ctx, account, &changed) ||
	    ensure_member(ctx, owner, AS_USERS_GROUP, &changed))
		goto out;

	/* Last: the registry describes what now exists. */
	if (!have_reg) {
		reg.owner = strdup(owner);
		reg.account = strdup(account);
		reg.home = strdup(a.home);
		reg.profile = strdup(o->profile ? o->profile : "default");
		reg.owner_uid = ou.uid;
		reg.account_uid = a.uid;
		if (!reg.owner || !reg.account || !reg.home || !reg.profile) {
			admin_fail("out of memory");
			goto out;
		}
		changed = true;
	} else if (o->profile && strcmp(o->profile, reg.profile) != 0) {
		char *p = strdup(o->profile);

		if (!p) {
			admin_fail("out of memory");
			goto out;
		}
		free(reg.profile);
		reg.profile = p;
		admin_note(ctx, "%s: profile is now %s", account, p);
		changed = true;
	}
	if (o->profiles && set_pin(ctx, &reg, &pin, &changed))
		goto out;
	/* The sudoers drop-in names the agent; it goes live once the
	 * account is complete, and the registry records it. */
	if (o->sudo) {
		if (admin_sudo_install(ctx, owner, account, &changed))
			goto out;
		reg.sudo = true;
	}
	/* Other owners' agents out of this owner's home; this agent keeps
	 * reaching its grants there (an add re-run on a host provisioned
	 * before the home was shut gives it the search entries it now
	 * needs). */
	if (shut_home(ctx, &ou, false, &changed))
		goto out;
	for (size_t i = 0; have_reg && i < reg.n_projects; i++) {
		struct stat sb;

		if (lstat(reg.projects[i].path, &sb) == 0 &&
		    grant_traverse_step(ctx, &reg, &a, i))
			goto out;
	}
	if (save_reg(ctx, &reg))
		goto out;
	if (o->profile)
		warn_missing_profile(o->profile);
	for (size_t i = 0; o->profiles && i < reg.profiles.n; i++)
		warn_missing_profile(reg.profiles.v[i]);
	if (as_registry_intent_clear(ctx->regdir, owner, &e) < 0) {
		admin_fail("%s", e.msg);
		goto out;
	}
	/* New agents start restricted (issue #14): its chain before any session. */
	if (admin_egress_reload(ctx))
		goto out;
	if (changed)
		admin_note(ctx, "%s (uid %u) is the agent of %s", account, (unsigned)a.uid, owner);
	else
		admin_note(ctx, "%s: already set up as the agent of %s; nothing to do", account, owner);
	rc = 0;
out:
	as_strv_free(&pin);
	as_registry_free(&reg);
	return rc;
}

/* ---- set: change an existing agent's profile settings ------------------ */

static int cmd_set(const struct admin_ctx *ctx, const struct opts *o)
{
	const char *owner = o->pos[0];
	struct as_registry reg;
	struct as_strv pin = { 0 };
	bool changed = false;
	int rc;

	if (!o->profile && !o->profiles)
		return admin_usage("set: nothing to set: give --profile, --profiles or both");
	rc = load_reg(ctx, owner, &reg);
	if (rc == -ENOENT)
		return admin_fail("%s has no agent account (agent-admin add %s first)", owner, owner);
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
	if (save_reg(ctx, &reg))
		goto out;
	if (o->profile)
		warn_missing_profile(o->profile);
	for (size_t i = 0; o->profiles && i < reg.profiles.n; i++)
		warn_missing_profile(reg.profiles.v[i]);
	if (!changed)
		admin_note(ctx, "%s: nothing to change", reg.account);
	rc = 0;
out:
	as_strv_free(&pin);
	as_registry_free(&reg);
	return rc;
}

/* ---- grant: which directories may be shared -------------------------- */

/*
 * Homes: DIR may not be a home root (the parent of a human's home, /home,
 * /root), the owner's whole home, inside another human's home (agents'
 * included), or contain anybody's home.  Both the home as written in
 * passwd and its canonical form are compared, since /home may be a
 * symlink.
 */
static int check_homes(const struct admin_ctx *ctx, const char *dir, const struct user *owner)
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
		if (realpath(pw->pw_dir, canon) && strcmp(canon, pw->pw_dir) != 0 && strcmp(canon, "/") != 0)
			homes[1] = canon;
		for (int i = 0; i < 2 && homes[i] && !msg[0]; i++) {
			const char *h = homes[i];

			switch (as_path_home_clash(dir, h, human, is_owner)) {
			case AS_HOME_CLASH_HOME_ROOT:
				snprintf(msg, sizeof(msg), "%s: a home root (it holds %s's home); "
					 "grant a project directory instead", dir, pw->pw_name);
				break;
			case AS_HOME_CLASH_OWN_HOME:
				snprintf(msg, sizeof(msg), "%s: %s's whole home; grant a project "
					 "directory inside it instead", dir, pw->pw_name);
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
				snprintf(msg, sizeof(msg), "%s: inside %s's home", dir, pw->pw_name);
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
static int check_grant_dir(const struct admin_ctx *ctx, const char *given, const struct user *owner,
			   bool allow_var, char canon[PATH_MAX])
{
	_cleanup_close_ int fd = -1;
	struct as_err e = { "" };
	struct stat lst, st;
	const char *sys;
	struct shown s;

	if (given[0] != '/')
		return admin_fail("%s: not an absolute path", show(&s, given));
	if (lstat(given, &lst) < 0)
		return admin_fail("%s: %s", show(&s, given),
				  errno == ENOENT ? "does not exist" : strerror(errno));
	if (S_ISLNK(lst.st_mode))
		return admin_fail("%s: a symbolic link; name the directory itself", show(&s, given));
	if (!S_ISDIR(lst.st_mode))
		return admin_fail("%s: not a directory", show(&s, given));
	if (!realpath(given, canon))
		return admin_fail("%s: %s", show(&s, given), strerror(errno));
	if (strcmp(canon, "/") == 0)
		return admin_fail("/: refusing to share the root directory");
	sys = as_path_system_tree(canon, allow_var);
	if (sys)
		return admin_fail("%s: inside the system directory %s%s", show(&s, canon), sys,
				  strcmp(sys, "/var") == 0 ? " (pass --allow-var to share it anyway)" : "");
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
static int traverse_candidates(const char *dir, uid_t agent, struct as_reg_project *p)
{
	char buf[PATH_MAX];
	size_t len = strlen(dir);

	for (size_t i = 0; i < len; i++) {
		int rc;

		if (dir[i] != '/')
			continue;
		snprintf(buf, sizeof(buf), "%.*s", i == 0 ? 1 : (int)i, dir);
		if (as_strv_contains(&p->traverse, buf) || as_strv_contains(&p->traverse_pending, buf))
			continue;
		rc = acl_has_user(buf, agent);
		if (rc < 0)
			return admin_fail("%s: cannot read ACL: %s", buf, strerror(-rc));
		if (rc == 0 && as_strv_push(&p->traverse_pending, buf) < 0)
			return admin_fail("out of memory");
	}
	return 0;
}

/* Moves pending ancestors that now carry an entry for the agent (and any
 * ADDED) into the project's traverse list. */
static int resolve_pending(struct as_reg_project *p, uid_t agent, const struct as_strv *added)
{
	for (size_t i = 0; added && i < added->n; i++)
		if (!as_strv_contains(&p->traverse, added->v[i]) &&
		    as_strv_push(&p->traverse, added->v[i]) < 0)
			return admin_fail("out of memory");
	for (size_t i = 0; i < p->traverse_pending.n; i++) {
		const char *t = p->traverse_pending.v[i];

		if (as_strv_contains(&p->traverse, t))
			continue;
		if (acl_has_user(t, agent) == 1 && as_strv_push(&p->traverse, t) < 0)
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
static int git_trust(const struct user *a, const char *dir)
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
		const char *get[] = { GIT, "config", "--global", "--fixed-value", "--get-all",
				      "safe.directory", repos.v[i], NULL };
		const char *add[] = { GIT, "config", "--global", "--add", "safe.directory",
				      repos.v[i], NULL };
		int st = admin_run_as(a->name, a->uid, a->gid, a->home, get, &e);

		if (st == 0)
			continue;
		if (st == 1)
			st = admin_run_as(a->name, a->uid, a->gid, a->home, add, &e);
		if (st != 0)
			rc = admin_fail("%s: git config --add safe.directory %s as %s failed%s%s",
					a->name, repos.v[i], a->name, e.msg[0] ? ": " : "",
					e.msg[0] ? e.msg : " (see git's message above)");
	}
	as_strv_free(&repos);
	return rc;
}

/* Removes every safe.directory entry for DIR or beneath it. */
static int git_untrust(const struct user *a, const char *dir)
{
	char pattern[2 * PATH_MAX + 16], esc[2 * PATH_MAX];
	struct as_err e = { "" };
	const char *argv[] = { GIT, "config", "--global", "--unset-all", "safe.directory",
			       pattern, NULL };
	struct stat st;
	char cfg[PATH_MAX + 16];
	int rc;

	snprintf(cfg, sizeof(cfg), "%s/.gitconfig", a->home);
	if (lstat(cfg, &st) < 0)
		return 0;
	regex_escape(dir, esc, sizeof(esc));
	snprintf(pattern, sizeof(pattern), "^%s(/.*)?$", esc);
	rc = admin_run_as(a->name, a->uid, a->gid, a->home, argv, &e);
	/* 5: nothing matched - already clean. */
	if (rc == 0 || rc == 5)
		return 0;
	admin_warn("%s: could not remove safe.directory %s from its git config (status %d%s%s)",
		   a->name, dir, rc, e.msg[0] ? ": " : "", e.msg);
	return 0;
}

/* A granted tree, for a one-line summary. */
static void note_stats(const struct admin_ctx *ctx, const char *what, const char *dir,
		       const struct as_acl_stats *st)
{
	admin_note(ctx, "%s %s: %lu files and directories, %lu changed, %lu already right, "
		   "%lu skipped (symlinks, special files, other filesystems)", what, dir,
		   st->visited, st->changed, st->unchanged, st->skipped);
}

/*
 * The traverse step of project IDX: 1. record what it may touch, before
 * touching anything; 2. give the agent search on the ancestors it cannot
 * pass (counting its agents' group, denied on owners' homes), then record
 * exactly what was added.
 */
static int grant_traverse_step(const struct admin_ctx *ctx, struct as_registry *reg,
			       const struct user *a, size_t idx)
{
	struct as_reg_project *p = &reg->projects[idx];
	struct as_strv added = { 0 };
	struct as_err e = { "" };
	int rc;

	if (traverse_candidates(p->path, a->uid, p) || save_reg(ctx, reg))
		return ADMIN_EXIT_FAIL;
	rc = as_acl_grant_traverse_groups(p->path, a->uid, a->gid, agents_gid(), &added, &e);
	if (resolve_pending(p, a->uid, &added) || save_reg(ctx, reg)) {
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
	struct shown sh;

	for (size_t i = 0; i < st->gitdirs.n; i++)
		admin_note(ctx, "git directory %s: no access for the agent (its sessions use a git "
			   "directory of their own)", show(&sh, st->gitdirs.v[i]));
	if (st->git_agent_owned)
		admin_warn("%lu file(s) inside these git directories belong to the agent, which can "
			   "still change them; read and remove them (agent-admin check lists the first)",
			   st->git_agent_owned);
}

static int do_grant(const struct admin_ctx *ctx, struct as_registry *reg, const struct user *a,
		    const char *dir, bool read_only)
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
	if (grant_traverse_step(ctx, reg, a, (size_t)idx))
		return ADMIN_EXIT_FAIL;
	/* 3. The tree.  Interrupted, the project stays "granting": the
	 *    helper will not use it, a re-run finishes it, revoke undoes it.
	 *    Other owners' agents are shut out of its root. */
	rc = as_acl_grant_tree(dir, a->uid, reg->owner_uid, read_only, &st, &e);
	if (rc < 0) {
		as_acl_stats_free(&st);
		return admin_fail("%s", e.msg);
	}
	note_gitdirs(ctx, &st);
	as_acl_stats_free(&st);
	if (agents_gid() != (gid_t)-1) {
		rc = as_acl_shut_group(dir, reg->owner_uid, agents_gid(), &e);
		if (rc < 0)
			return admin_fail("%s", e.msg);
	}
	/* 4. git, then the project is usable. */
	if (git_trust(a, dir))
		return ADMIN_EXIT_FAIL;
	reg->projects[idx].state = AS_REG_GRANTED;
	if (save_reg(ctx, reg))
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
static int do_revoke(const struct admin_ctx *ctx, struct as_registry *reg, const struct user *a,
		     size_t idx)
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
	if (save_reg(ctx, reg))
		return ADMIN_EXIT_FAIL;
	/* 2. git (only if the account is still there). */
	if (a->found)
		git_untrust(a, dir);
	/* 3. The tree, if it still exists, and the agents' entry on its root. */
	if (lstat(dir, &sb) == 0) {
		int r;

		if (as_acl_revoke_tree(dir, reg->account_uid, reg->owner_uid, &st, &e) < 0) {
			admin_fail("%s", e.msg);
			failed++;
		}
		as_acl_stats_free(&st);
		r = agents_gid() == (gid_t)-1 ? 0
			: as_acl_unshut_group(dir, reg->owner_uid, agents_gid(), &e);
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
		if (save_reg(ctx, reg))
			return ADMIN_EXIT_FAIL;
		return admin_fail("revoke %s: %u step(s) failed (above), the rest is done; it stays "
				  "'revoking' until a re-run of revoke finishes it", dir, failed);
	}
	/* 5. Forget it. */
	as_registry_project_remove(reg, idx);
	if (save_reg(ctx, reg))
		return ADMIN_EXIT_FAIL;
	if (st.visited)
		note_stats(ctx, "revoked", dir, &st);
	else
		admin_note(ctx, "revoked %s", dir);
	return 0;
}

/* The registry of OWNER and its agent, for grant and revoke. */
static int open_agent(const struct admin_ctx *ctx, const char *owner, struct as_registry *reg,
		      struct user *a, bool agent_must_exist)
{
	struct as_err e = { "" };
	int rc;

	if (!as_owner_name_valid(owner, &e))
		return admin_fail("%s", e.msg);
	rc = load_reg(ctx, owner, reg);
	if (rc == -ENOENT)
		return admin_fail("%s: has no agent; run 'agent-admin add %s' first", owner, owner);
	if (rc < 0)
		return ADMIN_EXIT_FAIL;
	if (resolve_agent(reg, a, agent_must_exist)) {
		as_registry_free(reg);
		return ADMIN_EXIT_FAIL;
	}
	return 0;
}

static int cmd_grant(const struct admin_ctx *ctx, const struct opts *o)
{
	struct as_registry reg;
	struct user ou, a;
	char canon[PATH_MAX];
	int rc;

	rc = open_agent(ctx, o->pos[0], &reg, &a, true);
	if (rc)
		return rc;
	rc = ADMIN_EXIT_FAIL;
	if (!user_lookup(reg.owner, &ou)) {
		admin_fail("%s: no such user", reg.owner);
		goto out;
	}
	if (ou.uid != reg.owner_uid) {
		admin_fail("%s: uid is %u but the registry says %u (user re-created?)", reg.owner,
			   (unsigned)ou.uid, (unsigned)reg.owner_uid);
		goto out;
	}
	if (check_grant_dir(ctx, o->pos[1], &ou, o->allow_var, canon))
		goto out;
	for (size_t i = 0; i < reg.n_projects; i++) {
		const char *pp = reg.projects[i].path;

		if (strcmp(pp, canon) == 0)
			continue;
		if (as_path_within(canon, pp)) {
			admin_fail("%s: inside %s, which is already shared with %s", canon, pp, reg.account);
			goto out;
		}
		if (as_path_within(pp, canon)) {
			admin_fail("%s: contains %s, which is already shared; revoke that first", canon, pp);
			goto out;
		}
	}
	rc = do_grant(ctx, &reg, &a, canon, o->read_only);
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

static int cmd_revoke(const struct admin_ctx *ctx, const struct opts *o)
{
	struct as_registry reg;
	struct user a;
	struct shown s;
	int idx, rc;

	if (o->pos[1][0] != '/')
		return admin_fail("%s: not an absolute path", show(&s, o->pos[1]));
	rc = open_agent(ctx, o->pos[0], &reg, &a, false);
	if (rc)
		return rc;
	idx = find_project(&reg, o->pos[1]);
	if (idx < 0)
		rc = admin_fail("%s: not shared with %s", show(&s, o->pos[1]), reg.account);
	else
		rc = do_revoke(ctx, &reg, &a, (size_t)idx);
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

static int userdel(const struct admin_ctx *ctx, const struct user *a, const char *reg_home,
		   bool keep_home)
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
	argv[n++] = a->name;
	argv[n] = NULL;
	pid = process_of(a->uid);
	if (pid)
		return admin_fail("%s: still running processes (pid %d); stop them first "
				  "(e.g. pkill -KILL -u %s)", a->name, (int)pid, a->name);
	/* userdel -r deletes whatever passwd names: only if that is the home
	 * we recorded and it is the agent's own directory. */
	if (!keep_home && (strcmp(a->home, reg_home) != 0 ||
			   (lstat(a->home, &st) == 0 && (!S_ISDIR(st.st_mode) || st.st_uid != a->uid))))
		return admin_fail("%s: home %s is not the agent's own directory recorded at add (%s); "
				  "refusing to delete it (use --keep-home)", a->name, a->home, reg_home);
	rc = as_run(argv, &e);
	/* 6: the account is already gone; 12: home could not be removed (the
	 * account is gone; say so and carry on). */
	if (rc == 12)
		admin_warn("%s", e.msg);
	else if (rc != 0 && !(rc == 6 && !getpwnam(a->name)))
		return admin_fail("%s", e.msg);
	admin_note(ctx, "deleted account %s%s", a->name, keep_home ? " (home kept)" : " and its home");
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
	if (run_tool(argv))
		return ADMIN_EXIT_FAIL;
	admin_note(ctx, "removed %s from group %s", owner, AS_USERS_GROUP);
	return 0;
}

/* No registry, but an add was interrupted before writing it: undo that. */
static int remove_interrupted_add(const struct admin_ctx *ctx, const char *owner,
				  const char *account, bool keep_home)
{
	struct as_err e = { "" };
	struct user a;

	/* The drop-in goes live just before the registry is saved. */
	if (admin_sudo_remove(ctx, owner))
		return ADMIN_EXIT_FAIL;
	if (user_lookup(account, &a)) {
		if (userdel(ctx, &a, a.home, keep_home))
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

static int cmd_remove(const struct admin_ctx *ctx, const struct opts *o)
{
	const char *owner = o->pos[0];
	_cleanup_free_ char *intent = NULL;
	struct as_registry reg;
	struct as_err e = { "" };
	unsigned failed = 0;
	struct user a;
	int rc;

	if (!as_owner_name_valid(owner, &e))
		return admin_fail("%s", e.msg);
	rc = load_reg(ctx, owner, &reg);
	if (rc == -ENOENT) {
		rc = as_registry_intent_get(ctx->regdir, owner, &intent, &e);
		if (rc == 0)
			return remove_interrupted_add(ctx, owner, intent, o->keep_home);
		if (rc != -ENOENT)
			return admin_fail("%s", e.msg);
		admin_note(ctx, "%s: has no agent; nothing to remove", owner);
		return 0;
	}
	if (rc < 0)
		return ADMIN_EXIT_FAIL;
	rc = ADMIN_EXIT_FAIL;
	if (resolve_agent(&reg, &a, false))
		goto out;
	if (a.found) {
		pid_t pid = process_of(a.uid);

		if (pid) {
			admin_fail("%s: still running processes (pid %d); stop them first "
				   "(e.g. pkill -KILL -u %s)", a.name, (int)pid, a.name);
			goto out;
		}
	}
	/* Never stop early: every project, then every step that only takes
	 * access away, whatever failed before; the account and its registry
	 * go only when all of that succeeded, since a uid left with entries
	 * somewhere must stay recorded (a later account could get the uid). */
	for (size_t i = reg.n_projects; i-- > 0;)
		if (do_revoke(ctx, &reg, &a, i))
			failed++;
	{
		struct user ou;

		if (user_lookup(reg.owner, &ou) && ou.uid == reg.owner_uid &&
		    shut_home(ctx, &ou, true, NULL))
			failed++;
	}
	if (admin_sudo_remove(ctx, owner))
		failed++;
	else if (reg.sudo) {
		reg.sudo = false;
		if (save_reg(ctx, &reg))
			failed++;
	}
	if (leave_users_group(ctx, owner))
		failed++;
	if (failed) {
		admin_fail("remove %s: %u step(s) failed (above), the rest is done; %s and its registry "
			   "are kept until a re-run of remove finishes", owner, failed, reg.account);
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
	if (a.found && userdel(ctx, &a, reg.home, o->keep_home))
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
	rc = 0;
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
		json_object_object_add(po, "access", json_object_new_string(p->read_only ? "ro" : "rw"));
		json_object_object_add(po, "state", json_object_new_string(state_name(p->state)));
		for (size_t j = 0; j < p->traverse.n; j++)
			json_object_array_add(tr, json_object_new_string(p->traverse.v[j]));
		json_object_object_add(po, "traverse", tr);
		json_object_array_add(projects, po);
	}
	json_object_object_add(o, "projects", projects);
	return o;
}

static int cmd_list(const struct admin_ctx *ctx, const struct opts *o)
{
	struct as_strv owners = { 0 };
	struct as_err e = { "" };
	json_object *root = NULL, *agents = NULL;
	int rc = 0;

	if (as_registry_list(ctx->regdir, &owners, &e) < 0)
		return admin_fail("%s", e.msg);
	if (o->json) {
		root = json_object_new_object();
		agents = json_object_new_array();
		json_object_object_add(root, "agents", agents);
	}
	for (size_t i = 0; i < owners.n; i++) {
		struct as_registry reg;

		if (load_reg(ctx, owners.v[i], &reg) < 0) {
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

				fprintf(ctx->out, "  %s %s%s%s\n", p->read_only ? "ro" : "rw", p->path,
					p->state != AS_REG_GRANTED ? "  (" : "",
					p->state != AS_REG_GRANTED ? (p->state == AS_REG_GRANTING
						? "grant interrupted; re-run grant or revoke)"
						: "revoke interrupted; re-run revoke)") : "");
			}
		}
		as_registry_free(&reg);
	}
	if (o->json) {
		fprintf(ctx->out, "%s\n", json_object_to_json_string_ext(root,
			JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(root);
	}
	as_strv_free(&owners);
	return rc;
}

/* ---- apply ----------------------------------------------------------- */

/* The file is a description of what to do as root: only root may have
 * written it.  Its grammar is in admin-apply.c. */
static int parse_desired(const char *file, struct desired *d)
{
	_cleanup_free_ char *text = NULL;
	struct as_err e = { "" };

	memset(d, 0, sizeof(*d));
	if (as_read_file(AT_FDCWD, file, AS_TRUST_ROOT_ONLY, 4 << 20, &text, &e) < 0)
		return admin_fail("%s", e.msg);
	if (admin_desired_parse(text, file, d, &e) < 0)
		return admin_fail("%s", e.msg);
	return 0;
}

enum action_kind { ACT_ADD, ACT_REVOKE, ACT_GRANT, ACT_REMOVE };

struct action {
	enum action_kind kind;
	struct opts o;
};

struct plan {
	struct action *v;
	size_t n;
};

static int plan_push(struct plan *p, enum action_kind kind, const struct opts *o)
{
	struct action *nv = realloc(p->v, (p->n + 1) * sizeof(*nv));

	if (!nv)
		return admin_fail("out of memory");
	p->v = nv;
	nv[p->n].kind = kind;
	nv[p->n].o = *o;
	p->n++;
	return 0;
}

static void print_action(FILE *out, const struct action *a)
{
	static const char *const names[] = { "add", "revoke", "grant", "remove" };
	const struct opts *o = &a->o;

	fprintf(out, "%s %s", names[a->kind], o->pos[0]);
	if (o->npos > 1)
		fprintf(out, " %s", o->pos[1]);
	if (o->account)
		fprintf(out, " --account %s", o->account);
	if (o->profile)
		fprintf(out, " --profile %s", o->profile);
	if (o->profiles)
		fprintf(out, " --profiles %s", o->profiles);
	if (o->home)
		fprintf(out, " --home %s", o->home);
	if (o->read_only)
		fprintf(out, " --read-only");
	if (o->keep_home)
		fprintf(out, " --keep-home");
	fputc('\n', out);
}

/* What differs between the host (registries, accounts, groups) and D. */
static int make_plan(const struct admin_ctx *ctx, const struct desired *d,
		     struct as_registry *regs, struct plan *plan)
{
	struct as_strv owners = { 0 };
	struct as_err e = { "" };
	int rc = 0;

	for (size_t i = 0; i < d->n && rc == 0; i++) {
		const struct want *w = &d->agents[i];
		struct as_registry *reg = &regs[i];
		bool have = reg->owner != NULL;
		struct opts o = { .pos = { w->owner }, .npos = 1 };
		struct user a;

		if (have && w->account && strcmp(w->account, reg->account) != 0) {
			rc = admin_fail("%s: the registered agent is %s, the file says %s; "
					"remove it first (agent-admin remove %s)", w->owner,
					reg->account, w->account, w->owner);
			break;
		}
		if (!have || (w->profile && strcmp(w->profile, reg->profile) != 0) ||
		    (w->profiles && !strv_equal(&w->pin, &reg->profiles)) ||
		    !user_lookup(reg->account, &a) || !admin_in_group(reg->account, AS_AGENTS_GROUP) ||
		    !admin_in_group(w->owner, AS_USERS_GROUP)) {
			o.account = w->account;
			o.profile = w->profile;
			o.profiles = w->profiles;
			o.home = have ? NULL : w->home;
			rc = plan_push(plan, ACT_ADD, &o);
		}
		/* Revokes first: a grant of a parent would otherwise be
		 * refused as containing a shared directory. */
		for (size_t j = 0; have && j < reg->n_projects && rc == 0; j++) {
			const struct as_reg_project *p = &reg->projects[j];
			bool wanted = false;

			for (size_t k = 0; k < w->n_projects; k++)
				if (strcmp(w->projects[k].path, p->path) == 0)
					wanted = true;
			if (!wanted) {
				struct opts r = { .pos = { w->owner, p->path }, .npos = 2 };

				rc = plan_push(plan, ACT_REVOKE, &r);
			}
		}
		for (size_t k = 0; k < w->n_projects && rc == 0; k++) {
			int idx = have ? as_registry_project_find(reg, w->projects[k].path) : -1;

			if (idx < 0 || reg->projects[idx].read_only != w->projects[k].read_only ||
			    reg->projects[idx].state != AS_REG_GRANTED) {
				struct opts g = { .pos = { w->owner, w->projects[k].path }, .npos = 2,
						  .read_only = w->projects[k].read_only };

				rc = plan_push(plan, ACT_GRANT, &g);
			}
		}
	}
	if (rc == 0 && d->prune) {
		if (as_registry_list(ctx->regdir, &owners, &e) < 0)
			rc = admin_fail("%s", e.msg);
		for (size_t i = 0; rc == 0 && i < owners.n; i++) {
			bool listed = false;

			for (size_t j = 0; j < d->n; j++)
				if (strcmp(d->agents[j].owner, owners.v[i]) == 0)
					listed = true;
			if (!listed) {
				/* The owner string must outlive OWNERS. */
				struct opts r = { .npos = 1, .keep_home = d->keep_home };

				r.pos[0] = strdup(owners.v[i]);
				if (!r.pos[0])
					rc = admin_fail("out of memory");
				else
					rc = plan_push(plan, ACT_REMOVE, &r);
			}
		}
	}
	as_strv_free(&owners);
	return rc;
}

static int cmd_apply(const struct admin_ctx *ctx, const struct opts *o)
{
	struct admin_ctx quiet = *ctx;
	struct as_registry *regs = NULL;
	struct desired d;
	struct plan plan = { 0 };
	int rc;

	quiet.quiet = true;
	rc = parse_desired(o->pos[0], &d);
	if (rc)
		goto out;
	regs = calloc(d.n ? d.n : 1, sizeof(*regs));
	if (!regs) {
		rc = admin_fail("out of memory");
		goto out;
	}
	/* Everything is read and checked before anything changes: a broken
	 * registry or an unknown owner stops the whole apply. */
	for (size_t i = 0; i < d.n; i++) {
		struct user u;

		rc = load_reg(ctx, d.agents[i].owner, &regs[i]);
		if (rc < 0 && rc != -ENOENT) {
			rc = ADMIN_EXIT_FAIL;
			goto out;
		}
		if (rc == -ENOENT && !user_lookup(d.agents[i].owner, &u)) {
			rc = admin_fail("%s: owner '%s': no such user", o->pos[0], d.agents[i].owner);
			goto out;
		}
	}
	rc = make_plan(ctx, &d, regs, &plan);
	if (rc)
		goto out;
	for (size_t i = 0; i < plan.n; i++) {
		const struct action *a = &plan.v[i];

		print_action(ctx->out, a);
		fflush(ctx->out);
		if (o->dry_run)
			continue;
		switch (a->kind) {
		case ACT_ADD:
			rc = cmd_add(&quiet, &a->o);
			break;
		case ACT_REVOKE:
			rc = cmd_revoke(&quiet, &a->o);
			break;
		case ACT_GRANT:
			rc = cmd_grant(&quiet, &a->o);
			break;
		case ACT_REMOVE:
			rc = cmd_remove(&quiet, &a->o);
			break;
		}
		if (rc) {
			admin_fail("apply %s: stopped at the step above; fix it and re-run", o->pos[0]);
			goto out;
		}
	}
	/* The egress fence of each agent whose section has egress lines. */
	for (size_t i = 0; i < d.n; i++) {
		if (!d.agents[i].egress_given)
			continue;
		quiet.dry_run = o->dry_run;
		rc = admin_egress_converge(&quiet, d.agents[i].owner, &d.agents[i].egress);
		if (rc) {
			admin_fail("apply %s: stopped at the step above; fix it and re-run", o->pos[0]);
			goto out;
		}
	}
	rc = 0;
out:
	for (size_t i = 0; i < plan.n; i++)
		if (plan.v[i].kind == ACT_REMOVE)
			free((char *)plan.v[i].o.pos[0]);
	free(plan.v);
	for (size_t i = 0; regs && i < d.n; i++)
		as_registry_free(&regs[i]);
	free(regs);
	admin_desired_free(&d);
	return rc;
}

/* ---- harden (admin-harden.c) ----------------------------------------- */

static int cmd_harden(const struct admin_ctx *ctx, const struct opts *o)
{
	if (o->undo && o->userns)
		return admin_usage("harden: --undo restores what was recorded; it takes no --userns");
	return admin_harden(ctx, o->undo, o->userns);
}

/* ---- main ------------------------------------------------------------ */

struct command {
	const char *name;
	int min_pos, max_pos;
	unsigned options;
	int (*run)(const struct admin_ctx *ctx, const struct opts *o);
	const char *synopsis;
	/* Without run: parses its own arguments (after the privilege check). */
	int (*own)(const struct admin_ctx *ctx, int argc, char **argv);
};

static const struct command commands[] = {
	{ "add", 1, 1, OPT_ACCOUNT | OPT_PROFILE | OPT_PROFILES | OPT_HOME | OPT_SUDO, cmd_add,
	  "add OWNER [--account NAME] [--profile P] [--profiles LIST] [--home DIR] [--sudo]" },
	{ "set", 1, 1, OPT_PROFILE | OPT_PROFILES, cmd_set,
	  "set OWNER [--profile P] [--profiles LIST|all]" },
	{ "grant", 2, 2, OPT_READ_ONLY | OPT_ALLOW_VAR, cmd_grant,
	  "grant OWNER DIR [--read-only] [--allow-var]" },
	{ "revoke", 2, 2, 0, cmd_revoke, "revoke OWNER DIR" },
	{ "remove", 1, 1, OPT_KEEP_HOME, cmd_remove, "remove OWNER [--keep-home]" },
	{ "list", 0, 0, OPT_JSON, cmd_list, "list [--json]" },
	{ "check", 0, 0, 0, NULL, "check [OWNER] [--json]", admin_check },
	{ "egress", 0, 0, 0, NULL, "egress OWNER [allow SPEC...|remove SPEC...|open|restrict|log] | egress --load",
	  admin_egress },
	{ "apply", 1, 1, OPT_DRY_RUN, cmd_apply, "apply FILE [--dry-run]" },
	{ "harden", 0, 0, OPT_UNDO | OPT_USERNS, cmd_harden, "harden [--userns] | harden --undo" },
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: %s COMMAND [ARGS]\n"
		"Provisions agent accounts and shares project directories with them (root only).\n\n",
		ADMIN_PROG);
	for (size_t i = 0; i < AS_ARRAY_SIZE(commands); i++)
		fprintf(out, "  %s %s\n", ADMIN_PROG, commands[i].synopsis);
	fprintf(out, "\n  %s --help | --version\n\n"
		"Registry: %s/OWNER.conf   Lock: %s\n"
		"See agent-admin(8) and docs/agent-admin.md.\n", ADMIN_PROG, AS_REGISTRYDIR, AS_LOCKFILE);
}

static int parse_command(const struct command *c, int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "account", required_argument, NULL, 'a' },
		{ "profile", required_argument, NULL, 'p' },
		{ "profiles", required_argument, NULL, 'P' },
		{ "home", required_argument, NULL, 'H' },
		{ "read-only", no_argument, NULL, 'r' },
		{ "allow-var", no_argument, NULL, 'V' },
		{ "keep-home", no_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "sudo", no_argument, NULL, 's' },
		{ "undo", no_argument, NULL, 'u' },
		{ "userns", no_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct shown s;
	int ch, li;

	memset(o, 0, sizeof(*o));
	optind = 0;
	opterr = 0;
	/* '-': arguments come back in order (as 1), so options may follow
	 * them ("grant alice DIR --read-only") whatever POSIXLY_CORRECT says;
	 * ':': a missing value is reported as such. */
	while ((li = -1, ch = getopt_long(argc, argv, "-:h", longopts, &li)) != -1) {
		unsigned need = 0;

		switch (ch) {
		case 1:
			if (o->npos >= c->max_pos)
				return admin_usage("%s: unexpected argument '%s'", c->name, show(&s, optarg));
			o->pos[o->npos++] = optarg;
			continue;
		case 'a': need = OPT_ACCOUNT; o->account = optarg; break;
		case 'p': need = OPT_PROFILE; o->profile = optarg; break;
		case 'P': need = OPT_PROFILES; o->profiles = optarg; break;
		case 'H': need = OPT_HOME; o->home = optarg; break;
		case 'r': need = OPT_READ_ONLY; o->read_only = true; break;
		case 'V': need = OPT_ALLOW_VAR; o->allow_var = true; break;
		case 'k': need = OPT_KEEP_HOME; o->keep_home = true; break;
		case 'j': need = OPT_JSON; o->json = true; break;
		case 'n': need = OPT_DRY_RUN; o->dry_run = true; break;
		case 's': need = OPT_SUDO; o->sudo = true; break;
		case 'u': need = OPT_UNDO; o->undo = true; break;
		case 'U': need = OPT_USERNS; o->userns = true; break;
		case 'h':
			printf("Usage: %s %s\n", ADMIN_PROG, c->synopsis);
			exit(0);
		case ':':
			return admin_usage("%s: option '%s' needs a value", c->name,
					   show(&s, argv[optind - 1]));
		default:
			return admin_usage("%s: unknown option '%s'", c->name, show(&s, argv[optind - 1]));
		}
		if (!(c->options & need))
			return admin_usage("%s: option '--%s' does not apply here", c->name,
					   li >= 0 ? longopts[li].name : "?");
	}
	/* After "--", the rest are arguments. */
	for (; optind < argc; optind++) {
		if (o->npos >= c->max_pos)
			return admin_usage("%s: unexpected argument '%s'", c->name, show(&s, argv[optind]));
		o->pos[o->npos++] = argv[optind];
	}
	if (o->npos < c->min_pos)
		return admin_usage("%s: missing argument; usage: %s %s", c->name, ADMIN_PROG, c->synopsis);
	return 0;
}

int main(int argc, char **argv)
{
	struct admin_ctx ctx = {
		.regdir = AS_REGISTRYDIR,
		.lockfile = AS_LOCKFILE,
		.out = stdout,
	};
	const struct command *c = NULL;
	struct opts o;
	int lockfd, rc;

	/* Nothing inherited beyond stdio reaches the tools we run. */
	closefrom(STDERR_FILENO + 1);
	umask(022);

	if (argc < 2)
		return admin_usage("no command given");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("%s %s\n", ADMIN_PROG, AS_VERSION);
		return 0;
	}
	for (size_t i = 0; i < AS_ARRAY_SIZE(commands); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			c = &commands[i];
	if (!c) {
		struct shown s;

		if (argv[1][0] == '-')
			return admin_usage("unknown option '%s'", show(&s, argv[1]));
		return admin_usage("unknown command '%s'", show(&s, argv[1]));
	}
	/* Arguments are parsed before privilege is even looked at. */
	if (c->run) {
		rc = parse_command(c, argc - 1, argv + 1, &o);
		if (rc)
			return rc;
	} else {
		/* check and egress parse their own arguments (after the
		 * privilege check); only their --help must work for anyone. */
		for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++) {
			if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
				printf("Usage: %s %s\n", ADMIN_PROG, c->synopsis);
				return 0;
			}
		}
	}

	if (getuid() != 0 || geteuid() != 0)
		return admin_fail("must be run as root");
	ctx.uid_min = as_uid_min();
	lockfd = take_lock(ctx.lockfile);
	if (lockfd < 0)
		return -lockfd;
	if (c->run) {
		rc = c->run(&ctx, &o);
	} else {
		optind = 0;
		rc = c->own(&ctx, argc - 1, argv + 1);
	}
	if (fflush(stdout) != 0 && rc == 0)
		rc = admin_fail("stdout: %s", strerror(errno));
	close(lockfd);
	return rc;
}
