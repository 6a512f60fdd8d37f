/* SPDX-License-Identifier: MIT */
/*
 * agent-admin check [OWNER]: the consistency and exposure report
 * (DESIGN.md, "Commands"; issue 3, item 5).
 *
 *   host:   kernel Landlock ABI, the helper (4750 root:agent-shell-users),
 *           the PAM service file, the registry directory;
 *   owner:  registry trusted and parsing, accounts and uids, locked
 *           password, groups, agent home, each project (exists, owner,
 *           ACLs, traverse entries, git safe.directory), git hooks taken
 *           from inside a writable shared tree;
 *   exposure: what the agent account can actually read, list, write or
 *           connect to outside its grants, tried by a forked child that
 *           has become the agent (never guessed from mode bits).
 *
 * One line per finding, each with a fix:
 *   problem: OWNER: what is wrong — fix: command
 *   exposure: ACCOUNT can read PATH (mode 0644) — fix: chmod 600 PATH
 *   warning: OWNER: a risk that may be intended — fix: ...
 * Problems and exposures make the exit status 1; warnings do not (a repo
 * that uses husky on purpose must not keep check red forever).
 *
 * check only reads.  As root it never opens a file beneath a path the
 * agent or the owner controls without O_NOFOLLOW on the last component,
 * never runs git, and hands everything that means "try it" to the child,
 * whose worst case is what the agent could do anyway.
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/acl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "account.h"
#include "acl.h"
#include "admin.h"
#include "gitconfig.h"
#include "landlock.h"
#include "nftcheck.h"
#include "path.h"
#include "registry.h"

/* A display or shell-quoted path: 4 bytes per escaped byte, plus quotes. */
#define QMAX (4 * PATH_MAX + 16)
#define GITCONFIG_MAX (1024 * 1024)
/* Bounds on the exposure walk: names per directory, human homes. */
#define ENUM_MAX_TOP 512
#define ENUM_MAX_SUB 64
#define HOMES_MAX 2000
/* The child gives up after this long (a hung NFS home must not hold the
 * agent-admin lock forever); what it found so far is still reported. */
#define PROBE_TIMEOUT 60
/* Landlock ABI 6 (Linux 6.12) added scopes: abstract unix sockets and
 * signals (Documentation/userspace-api/landlock.rst, "Abstract UNIX socket
 * scoping" and "Signal scoping"). */
#define LANDLOCK_ABI_SCOPES 6

enum kind { K_PROBLEM, K_EXPOSURE, K_WARNING };

struct report {
	FILE *out;
	unsigned n[3];
	json_object *findings;          /* --json: collected, printed at the end */
};

__attribute__((format(printf, 4, 5)))
static void emit(struct report *rep, enum kind k, const char *fix, const char *fmt, ...)
{
	static const char *const names[] = { "problem", "exposure", "warning" };
	char msg[3 * QMAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rep->n[k]++;
	if (rep->findings) {
		json_object *f = json_object_new_object();

		json_object_object_add(f, "kind", json_object_new_string(names[k]));
		json_object_object_add(f, "text", json_object_new_string(msg));
		json_object_object_add(f, "fix", fix ? json_object_new_string(fix) : NULL);
		json_object_array_add(rep->findings, f);
		return;
	}
	fprintf(rep->out, "%s: %s%s%s\n", names[k], msg, fix ? " — fix: " : "", fix ? fix : "");
}

/* snprintf for messages and fixes that may be cut short (very long paths):
 * a truncated fix is better than none. */
__attribute__((format(printf, 3, 4)))
static void fmt(char *dst, size_t len, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(dst, len, f, ap);
	va_end(ap);
}

/*
 * A name or path for a message and a fix: control characters escaped (a
 * file name in /tmp must not forge a line), then single-quoted for the
 * shell when it holds anything beyond the usual path characters.
 */
static const char *q(char *dst, size_t len, const char *s)
{
	char tmp[QMAX];
	size_t o = 0;
	bool plain = true;

	as_escape(s, tmp, sizeof(tmp));
	for (const char *p = tmp; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("/._-+,:=@%", *p))
			plain = false;
	if (plain && tmp[0]) {
		snprintf(dst, len, "%s", tmp);
		return dst;
	}
	if (len < 3) {
		dst[0] = '\0';
		return dst;
	}
	dst[o++] = '\'';
	for (const char *p = tmp; *p && o + 6 < len; p++) {
		if (*p == '\'') {
			memcpy(dst + o, "'\\''", 4);
			o += 4;
		} else {
			dst[o++] = *p;
		}
	}
	dst[o++] = '\'';
	dst[o] = '\0';
	return dst;
}

/* ---- git config, read as text -------------------------------------- */

/*
 * lib/gitconfig.c reads the files as git does.  include/includeIf are not
 * followed: check then reports a safe.directory as missing (a false alarm,
 * never a missed one) and does not see a hooksPath set only through an
 * include.
 */
static int collect_safe(const char *section, const char *subsection, const char *key,
			const char *value, void *data)
{
	struct as_strv *safe = data;

	if (strcmp(section, "safe") != 0 || subsection || strcmp(key, "directory") != 0 || !value)
		return 0;
	/* An empty value resets the list (git-config(1), safe.directory). */
	if (!value[0]) {
		as_strv_free(safe);
		return 0;
	}
	as_strv_push(safe, value);
	return 0;
}

static int collect_hookspath(const char *section, const char *subsection, const char *key,
			     const char *value, void *data)
{
	char **hp = data;

	if (strcmp(section, "core") != 0 || subsection || strcmp(key, "hookspath") != 0 || !value)
		return 0;
	free(*hp);
	*hp = strdup(value);      /* the last one wins, as in git */
	return 0;
}

/* Reads DIRFD/NAME (a regular file, last component not followed) and feeds
 * it to the parser.  Absent or unreadable: nothing. */
static void gitcfg_read(int dirfd, const char *name, enum as_trust trust, as_gitcfg_fn fn,
			void *data)
{
	struct as_err e;
	_cleanup_free_ char *text = NULL;

	if (dirfd < 0 || as_read_file(dirfd, name, trust, GITCONFIG_MAX, &text, &e) < 0)
		return;
	(void)as_gitcfg_parse_string(text, strlen(text), fn, data, &e);
}

/* ---- the state of one owner's check --------------------------------- */

struct regset {
	struct as_registry *v;
	size_t n;
};

struct owner_check {
	const struct admin_ctx *ctx;
	struct report *rep;
	const struct as_registry *reg;
	const struct regset *all;       /* every trusted registry, for others' projects */
	char qowner[QMAX], qaccount[QMAX];
	bool owner_ok, agent_ok;
	uid_t owner_uid, agent_uid;
	gid_t agent_gid;
	char owner_home[PATH_MAX];
	int agent_home_fd;              /* the verified agent home, or -1 */
};

static void grant_fix(const struct owner_check *o, const struct as_reg_project *p,
		      char *fix, size_t len)
{
	char qp[QMAX];

	fmt(fix, len, "agent-admin grant %s %s%s", o->qowner, q(qp, sizeof(qp), p->path),
		 p->read_only ? " --read-only" : "");
}

/* ---- host ------------------------------------------------------------- */

static void check_landlock(struct report *rep, int *abi_out)
{
	int abi = as_landlock_probe();

	*abi_out = abi;
	if (abi <= 0) {
		emit(rep, K_PROBLEM, "a kernel with CONFIG_SECURITY_LANDLOCK=y and landlock in the lsm= boot list (Linux 6.12 or later)",
		     "kernel: Landlock unavailable (%s); sessions rely on the separate uid and seccomp alone",
		     as_landlock_unavailable_reason(abi));
		return;
	}
	if (!rep->findings)
		fprintf(rep->out, "info: kernel Landlock ABI %d\n", abi);
	if (abi < LANDLOCK_ABI_SCOPES)
		emit(rep, K_PROBLEM, "upgrade to Linux 6.12 or later (Landlock ABI 6)",
		     "kernel: Landlock ABI %d has no scopes: a sandboxed agent can still reach abstract unix sockets (X11, D-Bus) and signal processes of its own uid outside the sandbox",
		     abi);
}

/* The knobs of harden: each weaker one is a problem once the admin
 * hardened this host, one warning before. */
static void check_kernel_knobs(struct report *rep)
{
	struct admin_harden_finding f[16];
	bool hardened;
	int n = admin_harden_inspect(f, AS_ARRAY_SIZE(f), &hardened);
	char list[512] = "";
	size_t o = 0;

	if (!hardened) {
		for (int i = 0; i < n && o < sizeof(list); i++)
			o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "", f[i].name);
		if (n)
			emit(rep, K_WARNING, "agent-admin harden", "kernel: %d knob(s) weaker than agent-admin "
			     "harden sets: %s", n, list);
		return;
	}
	for (int i = 0; i < n; i++) {
		char fix[128];

		fmt(fix, sizeof(fix), "sysctl -w %s=%s", f[i].name, f[i].want);
		emit(rep, K_PROBLEM, fix, "kernel: %s is %s, weaker than %s in %s", f[i].name,
		     f[i].have, f[i].want, AS_SYSCTL_DROPIN);
	}
}

static void check_helper(struct report *rep)
{
	struct group *gr = getgrnam(AS_USERS_GROUP);
	char qh[QMAX], fix[2 * QMAX];
	struct stat st;

	q(qh, sizeof(qh), AS_HELPER_PATH);
	if (!gr)
		emit(rep, K_PROBLEM, "agent-admin add OWNER creates it (or: groupadd --system " AS_USERS_GROUP ")",
		     "group " AS_USERS_GROUP " does not exist: nobody may run the helper");
	if (lstat(AS_HELPER_PATH, &st) < 0) {
		emit(rep, K_PROBLEM, "meson install -C BUILDDIR (as root)",
		     "%s: helper not installed (%s)", qh, strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		emit(rep, K_PROBLEM, "meson install -C BUILDDIR (as root)",
		     "%s: helper is not a regular file", qh);
		return;
	}
	if (st.st_uid != 0 || !gr || st.st_gid != gr->gr_gid || (st.st_mode & 07777) != 04750) {
		struct group *cur = getgrgid(st.st_gid);
		char gname[64];

		fmt(gname, sizeof(gname), "%s", cur ? cur->gr_name : "?");
		/* chown first: it clears the setuid bit. */
		fmt(fix, sizeof(fix), "chown root:" AS_USERS_GROUP " %s && chmod 4750 %s", qh, qh);
		emit(rep, K_PROBLEM, fix, "%s: helper is mode %04o uid %u group %s, expected 4750 root:" AS_USERS_GROUP,
		     qh, (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid, gname);
	}
}

static void check_root_file(struct report *rep, const char *path, const char *what,
			    const char *missing_fix)
{
	char qp[QMAX], fix[2 * QMAX];
	struct stat st;

	q(qp, sizeof(qp), path);
	if (lstat(path, &st) < 0) {
		emit(rep, K_PROBLEM, missing_fix, "%s: %s missing (%s)", qp, what, strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		emit(rep, K_PROBLEM, missing_fix, "%s: %s is not a regular file", qp, what);
		return;
	}
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		fmt(fix, sizeof(fix), "chown root:root %s && chmod 644 %s", qp, qp);
		emit(rep, K_PROBLEM, fix, "%s: %s is uid %u mode %04o; it must be root-owned and not group/other writable",
		     qp, what, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	}
}

static void check_regdir(struct report *rep, const char *dir)
{
	char qd[QMAX], fix[2 * QMAX];
	struct stat st;

	q(qd, sizeof(qd), dir);
	if (lstat(dir, &st) < 0)
		return;         /* nobody added yet; each owner's check says so */
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		fmt(fix, sizeof(fix), "chown root:root %s && chmod 755 %s", qd, qd);
		emit(rep, K_PROBLEM, fix, "%s: registry directory is not a root-owned directory closed to group/other writes (uid %u, mode %04o)",
		     qd, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	}
}

/* ---- registry --------------------------------------------------------- */

/*
 * Loads OWNER's registry, trusted (root-owned, not group/other writable,
 * checked on the opened fd).  An untrusted file is reported and not used
 * any further: its content may say anything (account = root), and check
 * acts on it as that account.
 */
static int load_owner(struct report *rep, const char *regdir, const char *owner,
		      struct as_registry *reg)
{
	char path[PATH_MAX], qp[QMAX], qo[QMAX], fix[3 * QMAX], msg[AS_ERR_MAX];
	struct as_err e = { "" };
	struct stat st;
	int fd, r;

	q(qo, sizeof(qo), owner);
	snprintf(path, sizeof(path), "%s/%s.conf", regdir, owner);
	q(qp, sizeof(qp), path);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT) {
			fmt(fix, sizeof(fix), "agent-admin add %s", qo);
			emit(rep, K_PROBLEM, fix, "%s: no agent registered (%s does not exist)", qo, qp);
		} else {
			emit(rep, K_PROBLEM, "remove it, then agent-admin add again",
			     "%s: registry %s cannot be opened: %s", qo, qp, strerror(errno));
		}
		return -1;
	}
	r = fstat(fd, &st);
	close(fd);
	if (r < 0 || !S_ISREG(st.st_mode)) {
		emit(rep, K_PROBLEM, "remove it, then agent-admin add again",
		     "%s: registry %s is not a regular file", qo, qp);
		return -1;
	}
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		fmt(fix, sizeof(fix), "check its content, then chown root:root %s && chmod 644 %s", qp, qp);
		emit(rep, K_PROBLEM, fix, "%s: registry %s is uid %u mode %04o, group/other writable: not trusted, %s's agent not checked further",
		     qo, qp, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777), qo);
		return -1;
	}
	r = as_registry_load(reg, regdir, owner, AS_TRUST_ROOT_ONLY, &e);
	if (r < 0) {
		as_escape(e.msg, msg, sizeof(msg));
		fmt(fix, sizeof(fix), "correct %s by hand (see agent-admin(8)), or move it away and run agent-admin add %s again", qp, qo);
		emit(rep, K_PROBLEM, fix, "%s: registry does not parse: %s", qo, msg);
		return -1;
	}
	return 0;
}

/* ---- accounts --------------------------------------------------------- */

static bool password_locked(const char *account, const char *pw_passwd)
{
	struct spwd *sp = getspnam(account);
	const char *h = sp ? sp->sp_pwdp : pw_passwd;

	if (!sp && h && strcmp(h, "x") == 0)
		return true;    /* shadowed, but no shadow entry: no hash to match */
	return h && (h[0] == '!' || h[0] == '*');
}

static bool in_gid_zero(const char *account, gid_t gid)
{
	gid_t groups[256];
	int n = (int)AS_ARRAY_SIZE(groups);

	if (getgrouplist(account, gid, groups, &n) < 0)
		return false;   /* more than 256: reported through the named groups */
	for (int i = 0; i < n; i++)
		if (groups[i] == 0)
			return true;
	return false;
}

static void check_accounts(struct owner_check *o)
{
	const struct as_registry *reg = o->reg;
	char fix[4 * QMAX], qh[QMAX], qh2[QMAX];
	struct passwd *pw;
	struct group *gr;

	pw = getpwnam(reg->owner);
	if (!pw) {
		fmt(fix, sizeof(fix), "agent-admin remove %s", o->qowner);
		emit(o->rep, K_PROBLEM, fix, "%s: the owner account does not exist any more", o->qowner);
	} else if (pw->pw_uid != reg->owner_uid) {
		fmt(fix, sizeof(fix), "agent-admin remove %s, then add and grant again", o->qowner);
		emit(o->rep, K_PROBLEM, fix, "%s: owner uid is %u, the registry says %u",
		     o->qowner, (unsigned)pw->pw_uid, (unsigned)reg->owner_uid);
	} else {
		o->owner_ok = true;
		o->owner_uid = pw->pw_uid;
		snprintf(o->owner_home, sizeof(o->owner_home), "%s", pw->pw_dir ? pw->pw_dir : "");
	}

	pw = getpwnam(reg->account);
	if (!pw) {
		fmt(fix, sizeof(fix), "agent-admin add %s", o->qowner);
		emit(o->rep, K_PROBLEM, fix, "%s: agent account %s does not exist", o->qowner, o->qaccount);
		return;
	}
	if (pw->pw_uid != reg->account_uid || pw->pw_uid == 0) {
		fmt(fix, sizeof(fix), "agent-admin remove %s, then add and grant again", o->qowner);
		emit(o->rep, K_PROBLEM, fix, "%s: agent account %s has uid %u, the registry says %u",
		     o->qowner, o->qaccount, (unsigned)pw->pw_uid, (unsigned)reg->account_uid);
		return;
	}
	o->agent_ok = true;
	o->agent_uid = pw->pw_uid;
	o->agent_gid = pw->pw_gid;
	if (strcmp(pw->pw_dir ? pw->pw_dir : "", reg->home) != 0) {
		fmt(fix, sizeof(fix), "usermod -d %s %s", q(qh, sizeof(qh), reg->home), o->qaccount);
		emit(o->rep, K_PROBLEM, fix, "%s: agent %s's home is %s in passwd, %s in the registry",
		     o->qowner, o->qaccount, q(qh2, sizeof(qh2), pw->pw_dir ? pw->pw_dir : ""), qh);
	}
	if (!password_locked(reg->account, pw->pw_passwd)) {
		fmt(fix, sizeof(fix), "usermod -L %s", o->qaccount);
		emit(o->rep, K_PROBLEM, fix, "%s: agent %s's password is not locked", o->qowner, o->qaccount);
	}

	gr = getgrgid(o->agent_gid);
	if (!gr || strcmp(gr->gr_name, reg->account) != 0 || o->agent_gid == 0) {
		char qg[QMAX];

		fmt(fix, sizeof(fix), "groupadd %s && usermod -g %s %s", o->qaccount, o->qaccount, o->qaccount);
		emit(o->rep, K_PROBLEM, fix, "%s: agent %s's primary group is %s (gid %u), not its own group",
		     o->qowner, o->qaccount, q(qg, sizeof(qg), gr ? gr->gr_name : "?"), (unsigned)o->agent_gid);
	}
	for (const char *const *g = admin_privileged_groups; *g; g++) {
		if (!admin_in_group(reg->account, *g))
			continue;
		fmt(fix, sizeof(fix), "gpasswd -d %s %s", o->qaccount, *g);
		emit(o->rep, K_PROBLEM, fix, "%s: agent %s is in the privileged group %s", o->qowner, o->qaccount, *g);
	}
	if (in_gid_zero(reg->account, o->agent_gid)) {
		gr = getgrgid(0);
		fmt(fix, sizeof(fix), "gpasswd -d %s %s", o->qaccount, gr ? gr->gr_name : "root");
		emit(o->rep, K_PROBLEM, fix, "%s: agent %s is in group id 0", o->qowner, o->qaccount);
	}
	if (!admin_in_group(reg->account, AS_AGENTS_GROUP)) {
		fmt(fix, sizeof(fix), "gpasswd -a %s " AS_AGENTS_GROUP, o->qaccount);
		emit(o->rep, K_PROBLEM, fix, "%s: agent %s is not in " AS_AGENTS_GROUP, o->qowner, o->qaccount);
	}
	if (o->owner_ok && !admin_in_group(reg->owner, AS_USERS_GROUP)) {
		fmt(fix, sizeof(fix), "gpasswd -a %s " AS_USERS_GROUP, o->qowner);
		emit(o->rep, K_PROBLEM, fix, "%s: owner is not in " AS_USERS_GROUP " (cannot run agent-shell)", o->qowner);
	}
}

/* Layer 0: the agent account starts nothing except through agent-shell. */
static void check_host_access(struct owner_check *o)
{
	struct admin_host_state hs;
	char fix[4 * QMAX];

	admin_host_inspect(o->reg->account, &hs);
	fmt(fix, sizeof(fix), "agent-admin add %s", o->qowner);
	if (hs.dropin == 0)
		emit(o->rep, K_PROBLEM, fix, "%s: %s is missing: sshd lets agent %s log in with a key",
		     o->qowner, admin_host_dropin_path(), o->qaccount);
	else if (hs.dropin < 0)
		emit(o->rep, K_PROBLEM, "move it away, then agent-admin add OWNER",
		     "%s: %s is not what agent-admin writes (or not root's)", o->qowner,
		     admin_host_dropin_path());
	if (!hs.cron_refused)
		emit(o->rep, K_PROBLEM, fix, "%s: crontab lets agent %s in (%s or %s): it can schedule "
		     "cron jobs outside agent-shell", o->qowner, o->qaccount, AS_CRON_DENY, AS_CRON_ALLOW);
	if (!hs.at_refused)
		emit(o->rep, K_PROBLEM, fix, "%s: at lets agent %s in (%s or %s): it can queue jobs "
		     "outside agent-shell", o->qowner, o->qaccount, AS_AT_DENY, AS_AT_ALLOW);
	if (hs.lingering) {
		fmt(fix, sizeof(fix), "loginctl disable-linger %s", o->qaccount);
		emit(o->rep, K_PROBLEM, fix, "%s: agent %s lingers: systemd runs its user units "
		     "outside agent-shell", o->qowner, o->qaccount);
	}
}

/* Other owners' agents: g:agent-shell-agents:--- on OWNER's home and on
 * the root of each grant.  Only directories the owner owns (add and grant
 * touch no others). */
static void check_one_shut(struct owner_check *o, const char *path, const char *what,
			   const char *fixcmd)
{
	struct group *gr = getgrnam(AS_AGENTS_GROUP);
	struct as_err e = { "" };
	char canon[PATH_MAX], qp[QMAX];
	struct stat st;

	if (!gr || !realpath(path, canon) || stat(canon, &st) < 0 || st.st_uid != o->owner_uid)
		return;
	if (as_acl_group_shut(canon, o->owner_uid, gr->gr_gid, &e) == 1)
		return;
	emit(o->rep, K_PROBLEM, fixcmd, "%s: other owners' agents are not shut out of %s %s "
	     "(no g:" AS_AGENTS_GROUP ":--- entry)", o->qowner, what, q(qp, sizeof(qp), canon));
}

static void check_shut_out(struct owner_check *o)
{
	char fix[4 * QMAX], qp[QMAX];

	if (!o->owner_ok)
		return;
	fmt(fix, sizeof(fix), "agent-admin add %s", o->qowner);
	if (o->owner_home[0])
		check_one_shut(o, o->owner_home, "the home", fix);
	for (size_t i = 0; i < o->reg->n_projects; i++) {
		const struct as_reg_project *p = &o->reg->projects[i];

		if (p->state != AS_REG_GRANTED)
			continue;
		fmt(fix, sizeof(fix), "agent-admin grant %s %s%s", o->qowner, q(qp, sizeof(qp), p->path),
		    p->read_only ? " --read-only" : "");
		check_one_shut(o, p->path, "the grant", fix);
	}
}

static void check_agent_home(struct owner_check *o)
{
	const char *home = o->reg->home;
	char qh[QMAX], fix[4 * QMAX];
	struct stat st;
	int fd;

	q(qh, sizeof(qh), home);
	fd = open(home, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		fmt(fix, sizeof(fix), "%sinstall -d -m 700 -o %s -g %s %s",
			 e == ENOENT ? "" : "move it away, then ", o->qaccount, o->qaccount, qh);
		emit(o->rep, K_PROBLEM, fix, "%s: agent home %s: %s", o->qowner, qh,
		     e == ELOOP || e == ENOTDIR ? "not a directory (a symlink?)" : strerror(e));
		return;
	}
	if (fstat(fd, &st) < 0) {
		close(fd);
		return;
	}
	if (st.st_uid != o->agent_uid) {
		fmt(fix, sizeof(fix), "chown %s:%s %s", o->qaccount, o->qaccount, qh);
		emit(o->rep, K_PROBLEM, fix, "%s: agent home %s is owned by uid %u, not by %s",
		     o->qowner, qh, (unsigned)st.st_uid, o->qaccount);
	}
	if ((st.st_mode & 07777) != 0700) {
		fmt(fix, sizeof(fix), "chmod 700 %s", qh);
		emit(o->rep, K_PROBLEM, fix, "%s: agent home %s is mode %04o, not 0700",
		     o->qowner, qh, (unsigned)(st.st_mode & 07777));
	}
	o->agent_home_fd = fd;
}

/* ---- projects --------------------------------------------------------- */

/* Whether PATH's access ACL still has u:AGENT with search, and the mask
 * lets it through. */
static int traverse_present(const char *path, uid_t agent)
{
	acl_entry_t ent;
	acl_t acl;
	bool named = false, masked = false, has_mask = false;
	int fd, id;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	acl = acl_get_fd(fd);
	close(fd);
	if (!acl)
		return -errno;
	for (id = ACL_FIRST_ENTRY; acl_get_entry(acl, id, &ent) == 1; id = ACL_NEXT_ENTRY) {
		acl_tag_t tag;
		acl_permset_t ps;
		uid_t *qual;

		if (acl_get_tag_type(ent, &tag) < 0 || acl_get_permset(ent, &ps) < 0)
			continue;
		if (tag == ACL_MASK) {
			has_mask = true;
			masked = acl_get_perm(ps, ACL_EXECUTE) == 1;
		} else if (tag == ACL_USER) {
			qual = acl_get_qualifier(ent);
			if (qual && *qual == agent && acl_get_perm(ps, ACL_EXECUTE) == 1)
				named = true;
			acl_free(qual);
		}
	}
	acl_free(acl);
	return named && (!has_mask || masked);
}

static bool safe_listed(const struct as_strv *safe, const char *dir)
{
	size_t n = strlen(dir);

	for (size_t i = 0; i < safe->n; i++) {
		const char *v = safe->v[i];

		if (strcmp(v, "*") == 0 || strcmp(v, dir) == 0)
			return true;
		/* "DIR/", and the prefix patterns of git 2.46 ("DIR" or a
		 * parent of it followed by a slash and a star). */
		if (strncmp(v, dir, n) == 0 && (strcmp(v + n, "/") == 0 || strcmp(v + n, "/*") == 0))
			return true;
		if (strlen(v) >= 2 && strcmp(v + strlen(v) - 2, "/*") == 0 &&
		    strncmp(v, dir, strlen(v) - 1) == 0)
			return true;
	}
	return false;
}

/* The agent's global and the system git configuration: safe.directory is
 * only honoured there (git-config(1)). */
static void load_safe_dirs(const struct owner_check *o, struct as_strv *safe)
{
	int etc, cfg, git;

	etc = open("/etc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	gitcfg_read(etc, "gitconfig", AS_TRUST_ROOT_ONLY, collect_safe, safe);
	if (etc >= 0)
		close(etc);
	if (o->agent_home_fd < 0)
		return;
	cfg = openat(o->agent_home_fd, ".config", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	git = cfg < 0 ? -1 : openat(cfg, "git", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	gitcfg_read(git, "config", AS_TRUST_ANY, collect_safe, safe);
	if (git >= 0)
		close(git);
	if (cfg >= 0)
		close(cfg);
	gitcfg_read(o->agent_home_fd, ".gitconfig", AS_TRUST_ANY, collect_safe, safe);
}

/* DIR and every repository directly in it need safe.directory: the same
 * set grant writes. */
static void check_safe_dirs(struct owner_check *o, const struct as_reg_project *p,
			    const struct as_strv *safe)
{
	char fix[3 * QMAX], qd[QMAX], sub[PATH_MAX];
	struct dirent *de;
	unsigned seen = 0;
	DIR *d;
	int fd;

	grant_fix(o, p, fix, sizeof(fix));
	if (!safe_listed(safe, p->path))
		emit(o->rep, K_PROBLEM, fix, "%s: git safe.directory for %s missing from %s's git config (git says \"dubious ownership\")",
		     o->qowner, q(qd, sizeof(qd), p->path), o->qaccount);
	fd = open(p->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) && seen++ < ENUM_MAX_TOP) {
		struct stat st;

		if (de->d_name[0] == '.' || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		{
			int sfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			bool repo = sfd >= 0 && fstatat(sfd, ".git", &st, AT_SYMLINK_NOFOLLOW) == 0;

			if (sfd >= 0)
				close(sfd);
			if (!repo)
				continue;
		}
		if (snprintf(sub, sizeof(sub), "%s/%s", p->path, de->d_name) >= (int)sizeof(sub))
			continue;
		if (!safe_listed(safe, sub))
			emit(o->rep, K_PROBLEM, fix, "%s: git safe.directory for the repository %s missing from %s's git config",
			     o->qowner, q(qd, sizeof(qd), sub), o->qaccount);
	}
	closedir(d);
}

static const char *acl_category(const char *problem)
{
	if (!problem)
		return "";
	if (strstr(problem, "the agent's ACL entry inside a git"))
		return "gitdir";
	if (strstr(problem, "the agent owns inside a git"))
		return "gitowned";
	if (strstr(problem, "no access entry"))
		return "missing";
	if (strstr(problem, "default ACL entries missing"))
		return "default";
	if (strstr(problem, "mask"))
		return "mask";
	return "";
}

static void check_acls(struct owner_check *o, const struct as_reg_project *p)
{
	struct as_acl_report ar;
	struct as_err e = { "" };
	char fix[3 * QMAX], qd[QMAX], qx[QMAX], msg[AS_ERR_MAX], first[QMAX + 16];
	const char *cat;
	int r;

	memset(&ar, 0, sizeof(ar));
	grant_fix(o, p, fix, sizeof(fix));
	q(qd, sizeof(qd), p->path);
	r = as_acl_check_tree(p->path, o->agent_uid, o->owner_uid, p->read_only, &ar, &e);
	if (r < 0) {
		as_escape(e.msg, msg, sizeof(msg));
		emit(o->rep, K_PROBLEM, fix, "%s: cannot check the ACLs of %s: %s", o->qowner, qd, msg);
		return;
	}
	cat = acl_category(ar.problem);
	fmt(first, sizeof(first), " (first: %s)", q(qx, sizeof(qx), ar.example));
	if (ar.missing)
		emit(o->rep, K_PROBLEM, fix, "%s: %s: %lu file(s) without the agent's ACL entry u:%s%s",
		     o->qowner, qd, ar.missing, o->qaccount, strcmp(cat, "missing") == 0 ? first : "");
	if (ar.narrow_mask)
		emit(o->rep, K_PROBLEM, fix, "%s: %s: %lu file(s) whose ACL mask hides the agent's or the owner's rights (a chmod sets the mask)%s",
		     o->qowner, qd, ar.narrow_mask, strcmp(cat, "mask") == 0 ? first : "");
	if (ar.in_gitdir)
		emit(o->rep, K_PROBLEM, fix, "%s: %s: %lu file(s) inside the owner's git directories with an ACL entry for the agent, which could plant hooks or config the owner's git runs%s",
		     o->qowner, qd, ar.in_gitdir, strcmp(cat, "gitdir") == 0 ? first : "");
	if (ar.git_agent_owned)
		emit(o->rep, K_PROBLEM, "read them, then remove them or chown them to the owner", "%s: %s: %lu file(s) inside the owner's git directories belong to the agent, which can change them%s",
		     o->qowner, qd, ar.git_agent_owned, strcmp(cat, "gitowned") == 0 ? first : "");
	if (ar.missing_default)
		emit(o->rep, K_PROBLEM, fix, "%s: %s: %lu director(y/ies) without the default ACL entries (new files would not be shared)%s",
		     o->qowner, qd, ar.missing_default, strcmp(cat, "default") == 0 ? first : "");
}

/*
 * The hooks the owner's git would run from a path the agent can write:
 * core.hooksPath inside a read-write project (husky sets ".husky" or
 * ".husky/_"), and hook managers whose configuration lives in the tree.
 * Sessions bind a core.hooksPath inside the work tree read-only
 * (lib/gitmeta.h), but outside a session's namespace (sudo sites, a
 * session started before the owner set it) the agent can write it, and
 * the hook managers' files are ordinary work-tree files (the end-of-
 * session review lists their changes).
 */
struct hook_marker {
	const char *name;
	const char *tool;
};

static const struct hook_marker hook_markers[] = {
	{ ".husky", "husky runs git hooks from this directory" },
	{ ".pre-commit-config.yaml", "pre-commit runs the hook commands this file names" },
	{ "lefthook.yml", "lefthook runs the hook commands this file names" },
	{ ".lefthook.yml", "lefthook runs the hook commands this file names" },
};

static bool in_rw_project(const struct owner_check *o, const char *path)
{
	for (size_t i = 0; i < o->reg->n_projects; i++) {
		const struct as_reg_project *p = &o->reg->projects[i];

		if (!p->read_only && as_path_within(path, p->path))
			return true;
	}
	return false;
}

/* Resolves a core.hooksPath value as git does (relative: to the working
 * tree; "~/": the owner's home) and says whether it lands in a read-write
 * project, lexically or through symlinks. */
static bool hooks_inside(const struct owner_check *o, const char *wt, const char *value,
			 char *resolved, size_t len)
{
	char joined[2 * PATH_MAX + 2], real[PATH_MAX];

	if (value[0] == '/')
		snprintf(joined, sizeof(joined), "%s", value);
	else if (strncmp(value, "~/", 2) == 0 && o->owner_home[0])
		snprintf(joined, sizeof(joined), "%s/%s", o->owner_home, value + 2);
	else if (value[0] == '~')
		return false;   /* ~user: somebody else's home */
	else
		snprintf(joined, sizeof(joined), "%s/%s", wt, value);
	if (!as_path_normalize(joined, resolved, len))
		return false;
	if (wt) {
		char dflt[PATH_MAX + 16];

		/* The default place: read-only in sessions (the helper). */
		snprintf(dflt, sizeof(dflt), "%s/.git/hooks", wt);
		if (strcmp(resolved, dflt) == 0)
			return false;
	}
	if (in_rw_project(o, resolved))
		return true;
	return realpath(resolved, real) && in_rw_project(o, real);
}

static void check_repo_hooks(struct owner_check *o, int wtfd, const char *wt)
{
	_cleanup_free_ char *hp = NULL;
	char qw[QMAX], qv[QMAX], qr[QMAX], fix[3 * QMAX], resolved[PATH_MAX], mpath[PATH_MAX + 64];
	bool husky_covered = false;
	struct stat st;
	int gitfd;

	q(qw, sizeof(qw), wt);
	gitfd = openat(wtfd, ".git", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (gitfd < 0)
		return;         /* not a repository, or a worktree/submodule link */
	gitcfg_read(gitfd, "config", AS_TRUST_ANY, collect_hookspath, &hp);
	close(gitfd);
	if (hp && hooks_inside(o, wt, hp, resolved, sizeof(resolved))) {
		char husky[PATH_MAX + 8];

		snprintf(husky, sizeof(husky), "%s/.husky", wt);
		husky_covered = as_path_within(resolved, husky);
		fmt(fix, sizeof(fix), "review %s before running git there as %s, or git -C %s config --unset core.hooksPath, or grant the project --read-only",
			 q(qr, sizeof(qr), resolved), o->qowner, qw);
		emit(o->rep, K_WARNING, fix, "%s: %s/.git/config sets core.hooksPath = %s, inside the shared tree: %s can write the hooks %s's git runs",
		     o->qowner, qw, q(qv, sizeof(qv), hp), o->qaccount, o->qowner);
	}
	for (size_t i = 0; i < AS_ARRAY_SIZE(hook_markers); i++) {
		const struct hook_marker *m = &hook_markers[i];

		if (fstatat(wtfd, m->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (husky_covered && strcmp(m->name, ".husky") == 0)
			continue;
		snprintf(mpath, sizeof(mpath), "%s/%s", wt, m->name);
		fmt(fix, sizeof(fix), "review changes to %s before running git there as %s, or grant the project --read-only",
			 q(qr, sizeof(qr), mpath), o->qowner);
		emit(o->rep, K_WARNING, fix, "%s: %s: %s, and %s can write it", o->qowner, qr, m->tool, o->qaccount);
	}
}

/* The project and each directory directly in it (a granted ~/src holds
 * several repositories); no deeper. */
static void check_hooks(struct owner_check *o, const struct as_reg_project *p)
{
	char sub[PATH_MAX];
	struct dirent *de;
	unsigned seen = 0;
	DIR *d;
	int fd;

	fd = open(p->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	check_repo_hooks(o, fd, p->path);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) && seen++ < ENUM_MAX_TOP) {
		int sfd;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, ".git") == 0)
			continue;
		sfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sfd < 0)
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", p->path, de->d_name) < (int)sizeof(sub))
			check_repo_hooks(o, sfd, sub);
		close(sfd);
	}
	closedir(d);
}

/* The owner's own global git configuration pointing hooks into the tree. */
static void check_owner_hooks(struct owner_check *o)
{
	_cleanup_free_ char *hp = NULL;
	char resolved[PATH_MAX], qv[QMAX], fix[2 * QMAX];
	int fd;

	if (!o->owner_ok || o->owner_home[0] != '/')
		return;
	fd = open(o->owner_home, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	gitcfg_read(fd, ".gitconfig", AS_TRUST_ANY, collect_hookspath, &hp);
	close(fd);
	if (!hp || !hooks_inside(o, NULL, hp, resolved, sizeof(resolved)))
		return;
	fmt(fix, sizeof(fix), "as %s: git config --global --unset core.hooksPath (keep hooks outside granted projects)", o->qowner);
	emit(o->rep, K_WARNING, fix, "%s: ~%s/.gitconfig sets core.hooksPath = %s, inside a shared tree: %s can write the hooks every repository of %s runs",
	     o->qowner, o->qowner, q(qv, sizeof(qv), hp), o->qaccount, o->qowner);
}

/*
 * Symlinks the agent made in a grant that point outside it (issue 15, item
 * 6): the owner's own tools follow them (a ">> build.log" the agent had
 * made a link to ~/.bashrc appends to ~/.bashrc).  Into the owner's home
 * it is a problem; elsewhere (a virtualenv's python -> /usr/bin/python3)
 * a warning.  Targets are resolved lexically against the link's directory
 * (nothing is followed as root); the walk stays on the grant's mount (by
 * mount id), and is bounded in depth and entries.
 */
#define LINKS_MAX_DEPTH 64
#define LINKS_MAX_ENTRIES 200000
#define LINKS_MAX_REPORTS 10

struct link_walk {
	struct owner_check *o;
	const char *root;
	dev_t dev;
	unsigned long long mnt;
	unsigned long entries;
	unsigned reported;
	char path[PATH_MAX];
};

static void report_link(struct link_walk *lw, const char *target)
{
	struct owner_check *o = lw->o;
	char abs[2 * PATH_MAX + 2], norm[PATH_MAX], dir[PATH_MAX];
	char qp[QMAX], qt[QMAX], fix[2 * QMAX];
	bool home;

	if (target[0] == '/') {
		snprintf(abs, sizeof(abs), "%s", target);
	} else {
		as_path_parent(lw->path, dir, sizeof(dir));
		snprintf(abs, sizeof(abs), "%s/%s", dir, target);
	}
	if (!as_path_normalize(abs, norm, sizeof(norm)) || as_path_within(norm, lw->root))
		return;
	if (lw->reported++ >= LINKS_MAX_REPORTS)
		return;
	home = o->owner_home[0] && as_path_within(norm, o->owner_home);
	q(qp, sizeof(qp), lw->path);
	q(qt, sizeof(qt), target);
	fmt(fix, sizeof(fix), "rm %s%s", qp, home ? " (and look at what was written through it)" : "");
	emit(o->rep, home ? K_PROBLEM : K_WARNING, fix, "%s: %s's symlink %s in the grant points "
	     "outside it%s: %s", o->qowner, o->qaccount, qp, home ? ", into the owner's home" : "", qt);
}

static void walk_links(struct link_walk *lw, int dfd, unsigned depth)
{
	size_t len = strlen(lw->path);
	struct dirent *de;
	DIR *d = fdopendir(dfd);

	if (!d) {
		close(dfd);
		return;
	}
	while ((de = readdir(d)) && lw->entries < LINKS_MAX_ENTRIES) {
		unsigned char type = de->d_type;
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		lw->entries++;
		if (snprintf(lw->path + len, sizeof(lw->path) - len, "/%s", de->d_name) >=
		    (int)(sizeof(lw->path) - len))
			continue;
		if (type == DT_UNKNOWN) {
			if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			type = IFTODT(st.st_mode);
		}
		if (type == DT_LNK) {
			char target[PATH_MAX];
			ssize_t n;

			if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    st.st_uid != lw->o->agent_uid)
				continue;
			n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
			if (n <= 0)
				continue;
			target[n] = '\0';
			report_link(lw, target);
		} else if (type == DT_DIR && depth < LINKS_MAX_DEPTH) {
			unsigned long long mnt;
			int cfd = openat(dirfd(d), de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

			if (cfd < 0)
				continue;
			if (as_fstat_mnt(cfd, &st, &mnt) < 0 || st.st_dev != lw->dev || mnt != lw->mnt) {
				close(cfd);
				continue;
			}
			walk_links(lw, cfd, depth + 1);
		}
	}
	lw->path[len] = '\0';
	closedir(d);
}

static void check_planted_links(struct owner_check *o, const struct as_reg_project *p)
{
	struct link_walk *lw = calloc(1, sizeof(*lw));
	struct stat st;
	int fd;

	if (!lw)
		return;
	fd = open(p->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || as_fstat_mnt(fd, &st, &lw->mnt) < 0) {
		if (fd >= 0)
			close(fd);
		free(lw);
		return;
	}
	lw->o = o;
	lw->root = p->path;
	lw->dev = st.st_dev;
	snprintf(lw->path, sizeof(lw->path), "%s", p->path);
	walk_links(lw, fd, 0);
	if (lw->reported > LINKS_MAX_REPORTS)
		emit(o->rep, K_WARNING, NULL, "%s: %u more of %s's symlinks in %s point outside it",
		     o->qowner, lw->reported - LINKS_MAX_REPORTS, o->qaccount, p->path);
	free(lw);
}

static void check_projects(struct owner_check *o)
{
	const struct as_registry *reg = o->reg;
	struct as_strv safe = { 0 }, seen = { 0 };
	char fix[3 * QMAX], qd[QMAX], qt[QMAX], real[PATH_MAX];

	if (o->agent_ok)
		load_safe_dirs(o, &safe);
	for (size_t i = 0; i < reg->n_projects; i++) {
		const struct as_reg_project *p = &reg->projects[i];
		struct stat st;

		q(qd, sizeof(qd), p->path);
		grant_fix(o, p, fix, sizeof(fix));
		if (p->state != AS_REG_GRANTED) {
			bool granting = p->state == AS_REG_GRANTING;

			if (!granting)
				fmt(fix, sizeof(fix), "agent-admin revoke %s %s", o->qowner, qd);
			emit(o->rep, K_PROBLEM, fix, "%s: %s of %s did not finish (interrupted?)",
			     o->qowner, granting ? "grant" : "revoke", qd);
			continue;
		}
		if (!realpath(p->path, real) || lstat(p->path, &st) < 0) {
			fmt(fix, sizeof(fix), "agent-admin revoke %s %s", o->qowner, qd);
			emit(o->rep, K_PROBLEM, fix, "%s: granted project %s: %s", o->qowner, qd, strerror(errno));
			continue;
		}
		if (strcmp(real, p->path) != 0 || !S_ISDIR(st.st_mode)) {
			fmt(fix, sizeof(fix), "agent-admin revoke %s %s", o->qowner, qd);
			emit(o->rep, K_PROBLEM, fix, "%s: granted project %s now resolves to %s (a symlink in its path?)",
			     o->qowner, qd, q(qt, sizeof(qt), real));
			continue;
		}
		if (o->owner_ok && st.st_uid != o->owner_uid) {
			char fix2[4 * QMAX];

			fmt(fix2, sizeof(fix2), "chown %s %s, or agent-admin revoke %s %s",
				 o->qowner, qd, o->qowner, qd);
			emit(o->rep, K_PROBLEM, fix2, "%s: granted project %s is owned by uid %u, not by %s",
			     o->qowner, qd, (unsigned)st.st_uid, o->qowner);
		}
		if (!o->agent_ok || !o->owner_ok)
			continue;
		check_acls(o, p);
		check_planted_links(o, p);
		for (size_t t = 0; t < p->traverse.n; t++) {
			const char *tp = p->traverse.v[t];
			int r;

			if (as_strv_contains(&seen, tp))
				continue;
			as_strv_push(&seen, tp);
			r = traverse_present(tp, o->agent_uid);
			if (r == 1)
				continue;
			emit(o->rep, K_PROBLEM, fix, "%s: traverse entry u:%s:--x on %s is gone%s%s",
			     o->qowner, o->qaccount, q(qt, sizeof(qt), tp),
			     r < 0 ? ": " : "", r < 0 ? strerror(-r) : "");
		}
		check_safe_dirs(o, p, &safe);
		if (!p->read_only)
			check_hooks(o, p);
	}
	check_owner_hooks(o);
	as_strv_free(&safe);
	as_strv_free(&seen);
}

/* ---- exposure: what the agent can actually reach ------------------------ */

enum probe {
	PR_ANY,          /* read a file / list a directory, and write */
	PR_WRITE,        /* write only (public keys, rc files: reading is fine) */
	PR_CONNECT,      /* connect(2) to a unix socket */
	PR_REACH_RO,     /* a granted project: must be readable */
	PR_REACH_RW,     /* ... and writable */
};

enum {
	RES_READ = 1,
	RES_LIST = 2,
	RES_WRITE = 4,
	RES_CONNECT = 8,
	RES_NOREACH = 16,
};

struct target {
	char *path;
	unsigned char probe;
	unsigned char res;
	int err;
};

struct targets {
	struct target *v;
	size_t n, cap;
	dev_t *dev;
	ino_t *ino;
};

/* One result, fixed size: a target is named by its index, never by a path
 * the child writes (a file name may hold anything). */
struct record {
	uint32_t idx;
	uint32_t res;
	int32_t err;
};

static void targets_free(struct targets *ts)
{
	for (size_t i = 0; i < ts->n; i++)
		free(ts->v[i].path);
	free(ts->v);
	free(ts->dev);
	free(ts->ino);
	memset(ts, 0, sizeof(*ts));
}

static int targets_add(struct targets *ts, const char *path, enum probe pr, const struct stat *st)
{
	if (st && pr != PR_REACH_RO && pr != PR_REACH_RW)
		for (size_t i = 0; i < ts->n; i++)
			if (ts->dev[i] == st->st_dev && ts->ino[i] == st->st_ino &&
			    ts->v[i].probe == pr)
				return 0;  /* /var/run/docker.sock is /run/docker.sock */
	if (ts->n == ts->cap) {
		size_t cap = ts->cap ? 2 * ts->cap : 64;
		struct target *v = realloc(ts->v, cap * sizeof(*v));
		dev_t *dev = v ? realloc(ts->dev, cap * sizeof(*dev)) : NULL;
		ino_t *ino = dev ? realloc(ts->ino, cap * sizeof(*ino)) : NULL;

		if (v)
			ts->v = v;
		if (dev)
			ts->dev = dev;
		if (!ino)
			return -ENOMEM;
		ts->ino = ino;
		ts->cap = cap;
	}
	ts->v[ts->n].path = strdup(path);
	if (!ts->v[ts->n].path)
		return -ENOMEM;
	ts->v[ts->n].probe = (unsigned char)pr;
	ts->v[ts->n].res = 0;
	ts->v[ts->n].err = 0;
	ts->dev[ts->n] = st ? st->st_dev : 0;
	ts->ino[ts->n] = st ? st->st_ino : 0;
	ts->n++;
	return 0;
}

/* The agent's own things and its grants are not exposures. */
static bool expected_access(const struct owner_check *o, const char *path, const struct stat *st)
{
	if (st->st_uid == o->agent_uid)
		return true;
	if (as_path_within(path, o->reg->home))
		return true;
	for (size_t i = 0; i < o->reg->n_projects; i++)
		if (as_path_within(path, o->reg->projects[i].path))
			return true;
	return false;
}

/* Adds PATH if it exists (lstat as root: metadata only, nothing followed)
 * and is a kind of object the probe makes sense for. */
static void add_existing(struct targets *ts, const struct owner_check *o, const char *path,
			 enum probe pr)
{
	struct stat st;

	if (lstat(path, &st) < 0 || expected_access(o, path, &st))
		return;
	if (pr == PR_CONNECT ? !S_ISSOCK(st.st_mode)
			     : !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode)))
		return;
	targets_add(ts, path, pr, &st);
}

/* Secrets and startup files, relative to a home: present on most
 * workstations, each worth a line of its own. */
struct home_item {
	const char *rel;
	enum probe probe;
};

static const struct home_item home_items[] = {
	{ ".ssh", PR_ANY },
	{ ".ssh/id_rsa", PR_ANY }, { ".ssh/id_ecdsa", PR_ANY }, { ".ssh/id_ed25519", PR_ANY },
	{ ".ssh/id_dsa", PR_ANY }, { ".ssh/config", PR_ANY }, { ".ssh/authorized_keys", PR_WRITE },
	{ ".aws", PR_ANY }, { ".aws/credentials", PR_ANY }, { ".aws/config", PR_ANY },
	{ ".gnupg", PR_ANY }, { ".gnupg/private-keys-v1.d", PR_ANY },
	{ ".config", PR_ANY }, { ".config/gh/hosts.yml", PR_ANY }, { ".config/gcloud", PR_ANY },
	{ ".config/google-chrome", PR_ANY }, { ".config/chromium", PR_ANY },
	{ ".config/autostart", PR_WRITE }, { ".config/git/config", PR_WRITE },
	{ ".mozilla", PR_ANY }, { ".netrc", PR_ANY }, { ".bash_history", PR_ANY },
	{ ".zsh_history", PR_ANY }, { ".git-credentials", PR_ANY }, { ".pgpass", PR_ANY },
	{ ".docker/config.json", PR_ANY }, { ".kube/config", PR_ANY }, { ".npmrc", PR_ANY },
	{ ".pypirc", PR_ANY }, { ".Xauthority", PR_ANY },
	{ ".gitconfig", PR_WRITE }, { ".bashrc", PR_WRITE }, { ".profile", PR_WRITE },
	{ ".bash_profile", PR_WRITE }, { ".zshrc", PR_WRITE },
};

static void add_home_items(struct targets *ts, const struct owner_check *o, const char *home)
{
	char path[PATH_MAX];

	add_existing(ts, o, home, PR_ANY);
	for (size_t i = 0; i < AS_ARRAY_SIZE(home_items); i++)
		if (snprintf(path, sizeof(path), "%s/%s", home, home_items[i].rel) < (int)sizeof(path))
			add_existing(ts, o, path, home_items[i].probe);
}

/* Public by convention: reading them is fine, writing them is not. */
static bool ssh_public(const char *name)
{
	size_t n = strlen(name);

	return (n > 4 && strcmp(name + n - 4, ".pub") == 0) ||
	       strncmp(name, "known_hosts", 11) == 0 || strncmp(name, "authorized_keys", 15) == 0;
}

typedef enum probe (*enum_pick)(const char *name, const struct stat *st);

/* Lists DIR as root (no symlink followed, at most MAX names) and adds
 * what PICK chooses, with the probe it returns (-1: skip). */
static void add_listed(struct targets *ts, const struct owner_check *o, const char *dir,
		       unsigned max, enum_pick pick)
{
	char path[PATH_MAX];
	struct dirent *de;
	unsigned seen = 0;
	DIR *d;
	int fd;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) && seen++ < max) {
		struct stat st;
		int pr;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		pr = (int)pick(de->d_name, &st);
		if (pr < 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", strcmp(dir, "/") ? dir : "", de->d_name) >= (int)sizeof(path))
			continue;
		if (expected_access(o, path, &st))
			continue;
		targets_add(ts, path, (enum probe)pr, &st);
	}
	closedir(d);
}

/* Top level of the owner's home: every dotfile is tried for reading and
 * writing ("any world-readable dotfile"), other names for writing (a
 * writable ~/bin is code the owner runs). */
static enum probe pick_home_top(const char *name, const struct stat *st)
{
	if (!(S_ISREG(st->st_mode) || S_ISDIR(st->st_mode) || S_ISLNK(st->st_mode)))
		return (enum probe)-1;
	return name[0] == '.' ? PR_ANY : PR_WRITE;
}

static enum probe pick_ssh(const char *name, const struct stat *st)
{
	if (!(S_ISREG(st->st_mode) || S_ISLNK(st->st_mode)))
		return (enum probe)-1;
	return ssh_public(name) ? PR_WRITE : PR_ANY;
}

static enum probe pick_socket(const char *name, const struct stat *st)
{
	(void)name;
	return S_ISSOCK(st->st_mode) ? PR_CONNECT : (enum probe)-1;
}

/* Sockets in DIR and in each directory directly in it (/tmp/ssh-XXXX/
 * agent.N, /tmp/tmux-UID/default, /run/user/UID/gnupg/S.gpg-agent). */
static void add_sockets_below(struct targets *ts, const struct owner_check *o, const char *dir,
			      unsigned max)
{
	char path[PATH_MAX];
	struct dirent *de;
	unsigned seen = 0;
	DIR *d;
	int fd;

	add_listed(ts, o, dir, max, pick_socket);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) && seen++ < max) {
		struct stat st;

		if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) ||
		    st.st_uid == o->agent_uid)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) < (int)sizeof(path))
			add_listed(ts, o, path, ENUM_MAX_SUB, pick_socket);
	}
	closedir(d);
}

/* Daemons whose socket is root in all but name. */
static const char *const daemon_sockets[] = {
	"/run/docker.sock", "/var/run/docker.sock", "/run/containerd/containerd.sock",
	"/run/podman/podman.sock", "/run/libvirt/libvirt-sock", "/run/crio/crio.sock",
	"/run/buildkit/buildkitd.sock", "/var/snap/lxd/common/lxd/unix.socket",
	"/var/lib/lxd/unix.socket", "/var/lib/incus/unix.socket",
};

static int build_targets(const struct owner_check *o, struct targets *ts)
{
	const struct as_registry *reg = o->reg;
	struct as_strv homes = { 0 };
	char path[PATH_MAX];
	struct passwd *pw;
	unsigned nh = 0;

	/* The agent must reach what it was granted (the ACLs may be right
	 * and an ancestor chmod'ed shut). */
	for (size_t i = 0; i < reg->n_projects; i++)
		if (reg->projects[i].state == AS_REG_GRANTED)
			targets_add(ts, reg->projects[i].path,
				    reg->projects[i].read_only ? PR_REACH_RO : PR_REACH_RW, NULL);

	/* The owner's home: named secrets, top-level names, ~/.ssh. */
	if (o->owner_ok && o->owner_home[0] == '/' && strcmp(o->owner_home, "/") != 0) {
		add_home_items(ts, o, o->owner_home);
		add_listed(ts, o, o->owner_home, ENUM_MAX_TOP, pick_home_top);
		if (snprintf(path, sizeof(path), "%s/.ssh", o->owner_home) < (int)sizeof(path))
			add_listed(ts, o, path, ENUM_MAX_SUB, pick_ssh);
		as_strv_push(&homes, o->owner_home);
	}

	/* Other people's homes (and other agents': their tokens). */
	setpwent();
	while ((pw = getpwent()) && nh < HOMES_MAX) {
		if (pw->pw_uid < o->ctx->uid_min || pw->pw_uid == 65534 || pw->pw_uid == o->agent_uid ||
		    !pw->pw_dir || pw->pw_dir[0] != '/' || strcmp(pw->pw_dir, "/") == 0 ||
		    as_strv_contains(&homes, pw->pw_dir))
			continue;
		as_strv_push(&homes, pw->pw_dir);
		nh++;
	}
	endpwent();
	for (size_t i = 1; i < homes.n; i++)
		add_home_items(ts, o, homes.v[i]);
	as_strv_free(&homes);

	/* Other owners' granted projects. */
	for (size_t i = 0; i < o->all->n; i++) {
		const struct as_registry *r = &o->all->v[i];

		if (strcmp(r->owner, reg->owner) == 0)
			continue;
		for (size_t j = 0; j < r->n_projects; j++)
			add_existing(ts, o, r->projects[j].path, PR_ANY);
	}

	/* Sockets. */
	for (size_t i = 0; i < AS_ARRAY_SIZE(daemon_sockets); i++)
		add_existing(ts, o, daemon_sockets[i], PR_CONNECT);
	add_sockets_below(ts, o, "/run/user", ENUM_MAX_TOP);
	add_listed(ts, o, "/tmp/.X11-unix", ENUM_MAX_SUB, pick_socket);
	add_sockets_below(ts, o, "/tmp", ENUM_MAX_TOP);
	return 0;
}

/* ---- the child: tries each target as the agent ------------------------ */

static bool try_connect(const char *path)
{
	static const int types[] = { SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sa.sun_path))
		return false;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	for (size_t i = 0; i < AS_ARRAY_SIZE(types); i++) {
		int s = socket(AF_UNIX, types[i] | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		int r, e;

		if (s < 0)
			return false;
		r = connect(s, (struct sockaddr *)&sa, sizeof(sa));
		e = errno;
		close(s);
		/* Connected, or queued (a full backlog): either way allowed. */
		if (r == 0 || e == EINPROGRESS || e == EAGAIN)
			return true;
		if (e != EPROTOTYPE)
			return false;
	}
	return false;
}

/*
 * Reads are real opens; writes are access(2), which after a full uid
 * switch (real = effective = the agent) asks the kernel the same question
 * an open for writing would, ACLs included, without opening: no inotify
 * IN_CLOSE_WRITE for a watcher to act on, no lease broken, no fifo or
 * device opened for writing.  The object is pinned with O_PATH first and
 * only then reopened through /proc/self/fd, so a symlink swapped in the
 * meantime cannot make us open a device.
 */
static unsigned probe_one(const struct target *t, int *err)
{
	unsigned res = 0;
	char proc[64];
	struct stat st;
	int fd, rfd;

	switch (t->probe) {
	case PR_CONNECT:
		return try_connect(t->path) ? RES_CONNECT : 0;
	case PR_REACH_RO:
	case PR_REACH_RW:
		if (access(t->path, R_OK | X_OK | (t->probe == PR_REACH_RW ? W_OK : 0)) < 0) {
			*err = errno;
			return RES_NOREACH;
		}
		return 0;
	default:
		break;
	}
	fd = open(t->path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return 0;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (S_ISREG(st.st_mode)) {
		if (t->probe == PR_ANY) {
			rfd = open(proc, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
			if (rfd >= 0) {
				res |= RES_READ;
				close(rfd);
			}
		}
		if (access(proc, W_OK) == 0)
			res |= RES_WRITE;
	} else if (S_ISDIR(st.st_mode)) {
		if (t->probe == PR_ANY) {
			rfd = open(proc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (rfd >= 0) {
				DIR *d = fdopendir(rfd);

				if (d) {
					errno = 0;
					if (readdir(d) || errno == 0)
						res |= RES_LIST;
					closedir(d);
				} else {
					close(rfd);
				}
			}
		}
		if (access(proc, W_OK | X_OK) == 0)
			res |= RES_WRITE;
	}
	close(fd);
	return res;
}

__attribute__((noreturn))
static void probe_child(const struct owner_check *o, const struct targets *ts, int wfd)
{
	struct as_err e = { "" };

	/* Not dumpable: agent processes of the same uid must not ptrace or
	 * read /proc of a process that was root a moment ago. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || prctl(PR_SET_DUMPABLE, 0) < 0)
		_exit(3);
	if (wfd != 3) {
		if (dup2(wfd, 3) < 0)
			_exit(3);
		wfd = 3;
	}
	/* Nothing root opened (the lock, registry fds) stays with the agent. */
	if (close_range(4, ~0U, 0) < 0)
		_exit(3);
	if (admin_become(o->reg->account, o->agent_uid, o->agent_gid, &e) < 0) {
		fprintf(stderr, "%s: %s\n", ADMIN_PROG, e.msg);
		_exit(3);
	}
	if (chdir("/") < 0)
		_exit(3);
	alarm(PROBE_TIMEOUT);
	for (size_t i = 0; i < ts->n; i++) {
		struct record rec = { .idx = (uint32_t)i };
		int err = 0;

		rec.res = probe_one(&ts->v[i], &err);
		rec.err = err;
		if (rec.res && as_write_all(wfd, &rec, sizeof(rec)) < 0)
			_exit(3);
	}
	_exit(0);
}

/* Runs the child and merges its records into TS.  Returns 0, or a problem
 * line was already emitted. */
static int run_probes(struct owner_check *o, struct targets *ts)
{
	struct record rec;
	size_t got = 0;
	int p[2], status;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0) {
		emit(o->rep, K_PROBLEM, NULL, "%s: exposure not checked: pipe: %s", o->qowner, strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		emit(o->rep, K_PROBLEM, NULL, "%s: exposure not checked: fork: %s", o->qowner, strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		probe_child(o, ts, p[1]);
	}
	close(p[1]);
	for (;;) {
		ssize_t n = read(p[0], (char *)&rec + got, sizeof(rec) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got < sizeof(rec))
			continue;
		got = 0;
		if (rec.idx < ts->n) {
			ts->v[rec.idx].res |= (unsigned char)rec.res;
			ts->v[rec.idx].err = rec.err;
		}
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			status = -1;
			break;
		}
	if (status == 0)
		return 0;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		emit(o->rep, K_PROBLEM, "find what hangs (a stale network mount?) and run check again",
		     "%s: exposure check as %s timed out after %d s; the exposures below are partial",
		     o->qowner, o->qaccount, PROBE_TIMEOUT);
	else
		emit(o->rep, K_PROBLEM, NULL, "%s: exposure not checked: could not act as %s (status %d)",
		     o->qowner, o->qaccount, status);
	return -1;
}

/* ---- exposure lines ---------------------------------------------------- */

/* Whether PATH's access ACL names the agent (then setfacl is the fix). */
static bool acl_names_user(const char *path, uid_t uid)
{
	acl_entry_t ent;
	acl_t acl = acl_get_file(path, ACL_TYPE_ACCESS);
	bool found = false;

	if (!acl)
		return false;
	for (int id = ACL_FIRST_ENTRY; acl_get_entry(acl, id, &ent) == 1; id = ACL_NEXT_ENTRY) {
		acl_tag_t tag;
		uid_t *qual;

		if (acl_get_tag_type(ent, &tag) < 0 || tag != ACL_USER)
			continue;
		qual = acl_get_qualifier(ent);
		if (qual && *qual == uid)
			found = true;
		acl_free(qual);
	}
	acl_free(acl);
	return found;
}

/* A directory the agent must keep traversing: on the way to a project. */
static bool is_ancestor(const struct owner_check *o, const char *path)
{
	for (size_t i = 0; i < o->reg->n_projects; i++) {
		const char *pp = o->reg->projects[i].path;

		if (as_path_within(pp, path) && strcmp(pp, path) != 0)
			return true;
	}
	return false;
}

static void exposure_fix(const struct owner_check *o, const char *qp, const char *path,
			 const struct stat *st, unsigned what, char *fix, size_t len)
{
	unsigned mode = st->st_mode & 07777;
	bool anc = S_ISDIR(st->st_mode) && is_ancestor(o, path);
	struct group *gr;

	if (acl_names_user(path, o->agent_uid)) {
		if (anc)
			fmt(fix, len, "setfacl -m u:%s:--x %s", o->qaccount, qp);
		else
			fmt(fix, len, "setfacl -x u:%s %s", o->qaccount, qp);
		return;
	}
	if (what == RES_CONNECT) {
		gr = getgrgid(st->st_gid);
		if (gr && !(mode & 0002) && admin_in_group(o->reg->account, gr->gr_name))
			fmt(fix, len, "gpasswd -d %s %s", o->qaccount, gr->gr_name);
		else
			fmt(fix, len, "chmod go-rwx %s (or its directory)", qp);
		return;
	}
	if (what == RES_WRITE) {
		fmt(fix, len, "chmod go-w %s", qp);
		return;
	}
	/* Read or list: owner-only, keeping search where the agent needs to
	 * pass through (on a directory with an ACL, chmod sets the mask: 711
	 * keeps the agent's --x entry effective). */
	if (anc)
		fmt(fix, len, "chmod %o %s", (mode & 07700) | 0011, qp);
	else
		fmt(fix, len, "chmod %o %s", mode & 07700, qp);
}

static void report_exposures(struct owner_check *o, const struct targets *ts)
{
	static const struct { unsigned bit; const char *verb; } verbs[] = {
		{ RES_READ, "read" }, { RES_LIST, "list" }, { RES_WRITE, "write" },
		{ RES_CONNECT, "connect to" },
	};
	char qp[QMAX], fix[3 * QMAX];

	for (size_t i = 0; i < ts->n; i++) {
		const struct target *t = &ts->v[i];
		struct stat st;
		bool acl;

		if (!t->res)
			continue;
		q(qp, sizeof(qp), t->path);
		if (t->res & RES_NOREACH) {
			char f[3 * QMAX];

			fmt(f, sizeof(f), "agent-admin grant %s %s%s", o->qowner, qp,
				 t->probe == PR_REACH_RO ? " --read-only" : "");
			emit(o->rep, K_PROBLEM, f, "%s: %s cannot %s its granted project %s (%s)", o->qowner,
			     o->qaccount, t->probe == PR_REACH_RO ? "read" : "read and write", qp,
			     strerror(t->err));
			continue;
		}
		/* Metadata of what the agent reached (following the link, as it
		 * did): read by root, nothing opened. */
		if (stat(t->path, &st) < 0)
			continue;
		acl = acl_extended_file(t->path) == 1;
		for (size_t v = 0; v < AS_ARRAY_SIZE(verbs); v++) {
			if (!(t->res & verbs[v].bit))
				continue;
			exposure_fix(o, qp, t->path, &st, verbs[v].bit, fix, sizeof(fix));
			if (verbs[v].bit == RES_CONNECT && as_path_within(t->path, "/tmp/.X11-unix")) {
				/* Every local user can connect to X; the cookie decides. */
				fmt(fix, sizeof(fix), "keep the X server's access list free of local: and si:localuser:%s (xhost); agent-shell sessions get a private /tmp",
					 o->qaccount);
				emit(o->rep, K_WARNING, fix, "%s can connect to the X server socket %s (mode %04o): keystrokes and screen if the server admits it",
				     o->qaccount, qp, (unsigned)(st.st_mode & 07777));
				continue;
			}
			emit(o->rep, K_EXPOSURE, fix, "%s can %s %s (mode %04o%s, uid %u)", o->qaccount,
			     verbs[v].verb, qp, (unsigned)(st.st_mode & 07777), acl ? " +acl" : "",
			     (unsigned)st.st_uid);
		}
	}
}

static void check_exposure(struct owner_check *o)
{
	struct targets ts = { 0 };

	if (!o->agent_ok)
		return;
	if (build_targets(o, &ts) < 0) {
		emit(o->rep, K_PROBLEM, NULL, "%s: exposure not checked: out of memory", o->qowner);
		targets_free(&ts);
		return;
	}
	run_probes(o, &ts);
	report_exposures(o, &ts);
	targets_free(&ts);
}

/* ---- the command ------------------------------------------------------- */

/* Layer 6: a restricted agent without its chain has no session at all; an
 * open one may connect anywhere. */
static void check_egress(struct owner_check *o)
{
	struct as_err e = { "" };
	char fix[QMAX + 64];
	int r;

	if (o->reg->egress.open) {
		fmt(fix, sizeof(fix), "agent-admin egress %s restrict", o->qowner);
		emit(o->rep, K_WARNING, fix, "%s: %s has no egress fence (egress open): it may connect anywhere",
		     o->qowner, o->qaccount);
		return;
	}
	r = as_egress_chain_loaded(o->reg->account_uid, &e);
	if (r < 0)
		emit(o->rep, K_WARNING, NULL, "%s: egress fence: %s", o->qowner, e.msg);
	else if (r == 0)
		emit(o->rep, K_PROBLEM, "agent-admin egress --load",
		     "%s: egress fence not loaded (no chain agent_%u in table inet " AS_EGRESS_TABLE "): "
		     "%s's sessions are refused", o->qowner, (unsigned)o->reg->account_uid, o->qaccount);
}

static void check_owner(const struct admin_ctx *ctx, struct report *rep, const struct regset *all,
			const struct as_registry *reg)
{
	struct owner_check o = {
		.ctx = ctx,
		.rep = rep,
		.reg = reg,
		.all = all,
		.agent_home_fd = -1,
	};

	q(o.qowner, sizeof(o.qowner), reg->owner);
	q(o.qaccount, sizeof(o.qaccount), reg->account);
	check_accounts(&o);
	check_shut_out(&o);
	if (o.agent_ok) {
		check_host_access(&o);
		check_agent_home(&o);
	}
	check_projects(&o);
	check_egress(&o);
	check_exposure(&o);
	if (o.agent_home_fd >= 0)
		close(o.agent_home_fd);
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: %s check [OWNER] [--json]\n"
		"Checks the host and each agent (or OWNER's): accounts, groups, home, project\n"
		"ACLs, git safe.directory and hooks, the helper, PAM, Landlock; and what the agent\n"
		"account can actually read, write or connect to outside its grants.\n"
		"One line per finding with a fix; exit status 1 when anything is wrong.\n",
		ADMIN_PROG);
}

int admin_check(const struct admin_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct report rep = { .out = ctx->out ? ctx->out : stdout };
	struct as_strv owners = { 0 };
	struct regset all = { 0 };
	struct as_err e = { "" };
	const char *only = NULL;
	char msg[AS_ERR_MAX], qo[QMAX], what[QMAX + 32];
	int ch, abi, rc;
	unsigned checked = 0;
	bool json = false;

	opterr = 0;
	/* '-': arguments come back in order, so options may follow OWNER
	 * ("check alice --json"), as for the other subcommands. */
	while ((ch = getopt_long(argc, argv, "-h", longopts, NULL)) != -1) {
		switch (ch) {
		case 1:
			if (only) {
				as_escape(optarg, msg, sizeof(msg));
				return admin_usage("check: unexpected argument '%s'", msg);
			}
			only = optarg;
			break;
		case 'h':
			usage(rep.out);
			return ADMIN_EXIT_OK;
		case 'j':
			json = true;
			break;
		default:
			as_escape(argv[optind - 1], msg, sizeof(msg));
			return admin_usage("check: unknown option '%s'", msg);
		}
	}
	for (; optind < argc; optind++) {       /* after "--" */
		if (only) {
			as_escape(argv[optind], msg, sizeof(msg));
			return admin_usage("check: unexpected argument '%s'", msg);
		}
		only = argv[optind];
	}
	if (only && !as_owner_name_valid(only, &e)) {
		as_escape(e.msg, msg, sizeof(msg));
		return admin_usage("check: %s", msg);
	}

	/* Every trusted registry: the owners to check, and the others'
	 * projects an agent must not reach. */
	rc = as_registry_list(ctx->regdir, &owners, &e);
	if (rc < 0) {
		as_escape(e.msg, msg, sizeof(msg));
		return admin_fail("check: %s", msg);
	}
	all.v = calloc(owners.n + 1, sizeof(*all.v));
	if (!all.v) {
		as_strv_free(&owners);
		return admin_fail("check: out of memory");
	}

	if (json) {
		rep.findings = json_object_new_array();
		if (!rep.findings) {
			as_strv_free(&owners);
			free(all.v);
			return admin_fail("check: out of memory");
		}
	}
	check_landlock(&rep, &abi);
	check_kernel_knobs(&rep);
	check_helper(&rep);
	{
		char pam[PATH_MAX];

		snprintf(pam, sizeof(pam), "%s/%s", AS_PAM_CONFDIR, AS_PAM_SERVICE);
		check_root_file(&rep, pam, "PAM service file", "meson install -C BUILDDIR (as root)");
	}
	check_regdir(&rep, ctx->regdir);

	for (size_t i = 0; i < owners.n; i++) {
		bool mine = !only || strcmp(owners.v[i], only) == 0;
		struct as_registry *r = &all.v[all.n];

		if (mine) {
			if (load_owner(&rep, ctx->regdir, owners.v[i], r) == 0)
				all.n++;
		} else if (as_registry_load(r, ctx->regdir, owners.v[i], AS_TRUST_ROOT_ONLY, &e) == 0) {
			all.n++;
		}
	}
	if (only && !as_strv_contains(&owners, only))
		load_owner(&rep, ctx->regdir, only, &all.v[all.n]);   /* reports "no agent" */

	for (size_t i = 0; i < all.n; i++) {
		if (only && strcmp(all.v[i].owner, only) != 0)
			continue;
		check_owner(ctx, &rep, &all, &all.v[i]);
		checked++;
	}

	for (size_t i = 0; i < all.n; i++)
		as_registry_free(&all.v[i]);
	free(all.v);
	as_strv_free(&owners);

	if (json) {
		json_object *root = json_object_new_object();

		json_object_object_add(root, "ok", json_object_new_boolean(!rep.n[K_PROBLEM] && !rep.n[K_EXPOSURE]));
		json_object_object_add(root, "landlock_abi", json_object_new_int(abi > 0 ? abi : 0));
		json_object_object_add(root, "agents_checked", json_object_new_int64(checked));
		json_object_object_add(root, "problems", json_object_new_int64(rep.n[K_PROBLEM]));
		json_object_object_add(root, "exposures", json_object_new_int64(rep.n[K_EXPOSURE]));
		json_object_object_add(root, "warnings", json_object_new_int64(rep.n[K_WARNING]));
		json_object_object_add(root, "findings", rep.findings);
		fprintf(rep.out, "%s\n", json_object_to_json_string_ext(root,
			JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(root);
		rep.findings = NULL;
	}
	fflush(rep.out);
	if (rep.n[K_PROBLEM] || rep.n[K_EXPOSURE])
		return admin_fail("check: %u problem(s), %u exposure(s), %u warning(s)",
				  rep.n[K_PROBLEM], rep.n[K_EXPOSURE], rep.n[K_WARNING]);
	if (only)
		fmt(what, sizeof(what), "the agent of %s", q(qo, sizeof(qo), only));
	else
		fmt(what, sizeof(what), "%u agent(s)", checked);
	if (json)
		return ADMIN_EXIT_OK;
	admin_note(ctx, "ok: %s checked, Landlock ABI %d, no problems%s", what, abi,
		   rep.n[K_WARNING] ? " (see the warnings above)" : "");
	return ADMIN_EXIT_OK;
}
