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
 *           has become the agent (never guessed from mode bits): in
 *           admin-exposure.c.
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
#include <grp.h>
#include <json-c/json.h>
#include <limits.h>
#include <pwd.h>
#include <shadow.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/acl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "account.h"
#include "acl.h"
#include "admin-check.h"
#include "admin.h"
#include "gitconfig.h"
#include "landlock.h"
#include "nftcheck.h"
#include "path.h"
#include "registry.h"

#define GITCONFIG_MAX (1024 * 1024)
/* Landlock ABI 6 (Linux 6.12) added scopes: abstract unix sockets and
 * signals (Documentation/userspace-api/landlock.rst, "Abstract UNIX socket
 * scoping" and "Signal scoping"). */
#define LANDLOCK_ABI_SCOPES 6

void check_emit(struct report *rep, enum kind k, const char *fix, const char *fmt, ...)
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

void check_fmt(char *dst, size_t len, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(dst, len, f, ap);
	va_end(ap);
}

const char *check_q(char *dst, size_t len, const char *s)
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
	*hp = strdup(value); /* the last one wins, as in git */
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

/* ---- the state of one owner's check: admin-check.h ------------------- */

static void grant_fix(const struct owner_check *o, const struct as_reg_project *p, char *fix,
		      size_t len)
{
	char qp[QMAX];

	check_fmt(fix, len, "agent-admin grant %s %s%s", o->qowner,
		  check_q(qp, sizeof(qp), p->path), p->read_only ? " --read-only" : "");
}

/* ---- host ------------------------------------------------------------- */

static void check_landlock(struct report *rep, int *abi_out)
{
	int abi = as_landlock_probe();

	*abi_out = abi;
	if (abi <= 0) {
		check_emit(
			rep, K_PROBLEM,
			"a kernel with CONFIG_SECURITY_LANDLOCK=y and landlock in the lsm= boot list (Linux 6.12 or later)",
			"kernel: Landlock unavailable (%s); sessions rely on the separate uid and seccomp alone",
			as_landlock_unavailable_reason(abi));
		return;
	}
	if (!rep->findings)
		fprintf(rep->out, "info: kernel Landlock ABI %d\n", abi);
	if (abi < LANDLOCK_ABI_SCOPES)
		check_emit(rep, K_PROBLEM, "upgrade to Linux 6.12 or later (Landlock ABI 6)",
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
			o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "",
					      f[i].name);
		if (n)
			check_emit(rep, K_WARNING, "agent-admin harden",
				   "kernel: %d knob(s) weaker than agent-admin "
				   "harden sets: %s",
				   n, list);
		return;
	}
	for (int i = 0; i < n; i++) {
		char fix[128];

		check_fmt(fix, sizeof(fix), "sysctl -w %s=%s", f[i].name, f[i].want);
		check_emit(rep, K_PROBLEM, fix, "kernel: %s is %s, weaker than %s in %s", f[i].name,
			   f[i].have, f[i].want, AS_SYSCTL_DROPIN);
	}
}

static void check_helper(struct report *rep)
{
	struct group *gr = getgrnam(AS_USERS_GROUP);
	char qh[QMAX], fix[2 * QMAX];
	struct stat st;

	check_q(qh, sizeof(qh), AS_HELPER_PATH);
	if (!gr)
		check_emit(rep, K_PROBLEM,
			   "agent-admin add OWNER creates it (or: groupadd --system " AS_USERS_GROUP
			   ")",
			   "group " AS_USERS_GROUP " does not exist: nobody may run the helper");
	if (lstat(AS_HELPER_PATH, &st) < 0) {
		check_emit(rep, K_PROBLEM, "meson install -C BUILDDIR (as root)",
			   "%s: helper not installed (%s)", qh, strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		check_emit(rep, K_PROBLEM, "meson install -C BUILDDIR (as root)",
			   "%s: helper is not a regular file", qh);
		return;
	}
	if (st.st_uid != 0 || !gr || st.st_gid != gr->gr_gid || (st.st_mode & 07777) != 04750) {
		struct group *cur = getgrgid(st.st_gid);
		char gname[64];

		check_fmt(gname, sizeof(gname), "%s", cur ? cur->gr_name : "?");
		/* chown first: it clears the setuid bit. */
		check_fmt(fix, sizeof(fix), "chown root:" AS_USERS_GROUP " %s && chmod 4750 %s", qh,
			  qh);
		check_emit(rep, K_PROBLEM, fix,
			   "%s: helper is mode %04o uid %u group %s, expected 4750 root:" AS_USERS_GROUP,
			   qh, (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid, gname);
	}
}

static void check_root_file(struct report *rep, const char *path, const char *what,
			    const char *missing_fix)
{
	char qp[QMAX], fix[2 * QMAX];
	struct stat st;

	check_q(qp, sizeof(qp), path);
	if (lstat(path, &st) < 0) {
		check_emit(rep, K_PROBLEM, missing_fix, "%s: %s missing (%s)", qp, what,
			   strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		check_emit(rep, K_PROBLEM, missing_fix, "%s: %s is not a regular file", qp, what);
		return;
	}
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		check_fmt(fix, sizeof(fix), "chown root:root %s && chmod 644 %s", qp, qp);
		check_emit(rep, K_PROBLEM, fix,
			   "%s: %s is uid %u mode %04o; it must be root-owned and not group/other writable",
			   qp, what, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	}
}

static void check_regdir(struct report *rep, const char *dir)
{
	char qd[QMAX], fix[2 * QMAX];
	struct stat st;

	check_q(qd, sizeof(qd), dir);
	if (lstat(dir, &st) < 0)
		return; /* nobody added yet; each owner's check says so */
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		check_fmt(fix, sizeof(fix), "chown root:root %s && chmod 755 %s", qd, qd);
		check_emit(rep, K_PROBLEM, fix,
			   "%s: registry directory is not a root-owned directory closed to group/other writes (uid %u, mode %04o)",
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

	check_q(qo, sizeof(qo), owner);
	snprintf(path, sizeof(path), "%s/%s.conf", regdir, owner);
	check_q(qp, sizeof(qp), path);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT) {
			check_fmt(fix, sizeof(fix), "agent-admin add %s", qo);
			check_emit(rep, K_PROBLEM, fix,
				   "%s: no agent registered (%s does not exist)", qo, qp);
		} else {
			check_emit(rep, K_PROBLEM, "remove it, then agent-admin add again",
				   "%s: registry %s cannot be opened: %s", qo, qp, strerror(errno));
		}
		return -1;
	}
	r = fstat(fd, &st);
	close(fd);
	if (r < 0 || !S_ISREG(st.st_mode)) {
		check_emit(rep, K_PROBLEM, "remove it, then agent-admin add again",
			   "%s: registry %s is not a regular file", qo, qp);
		return -1;
	}
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		check_fmt(fix, sizeof(fix),
			  "check its content, then chown root:root %s && chmod 644 %s", qp, qp);
		check_emit(rep, K_PROBLEM, fix,
			   "%s: registry %s is uid %u mode %04o, group/other writable: not trusted, %s's agent not checked further",
			   qo, qp, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777), qo);
		return -1;
	}
	r = as_registry_load(reg, regdir, owner, AS_TRUST_ROOT_ONLY, &e);
	if (r < 0) {
		as_escape(e.msg, msg, sizeof(msg));
		check_fmt(fix, sizeof(fix),
			  "correct %s by hand (see agent-admin(8)), or move it away and run agent-admin add %s again",
			  qp, qo);
		check_emit(rep, K_PROBLEM, fix, "%s: registry does not parse: %s", qo, msg);
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
		return true; /* shadowed, but no shadow entry: no hash to match */
	return h && (h[0] == '!' || h[0] == '*');
}

static bool in_gid_zero(const char *account, gid_t gid)
{
	gid_t groups[256];
	int n = (int)AS_ARRAY_SIZE(groups);

	if (getgrouplist(account, gid, groups, &n) < 0)
		return false; /* more than 256: reported through the named groups */
	for (int i = 0; i < n; i++)
		if (groups[i] == 0)
			return true;
	return false;
}

/* One account, one owner.  agent-admin add refuses to make either
 * overlap, but a registry copied or edited by hand can: then the helper
 * (which reads the caller's registry) and the PAM module (which takes the
 * first registry, in name order, that names the account) can disagree,
 * and the agent account serves two owners' grants. */
static void check_unique(struct owner_check *o)
{
	const struct as_registry *reg = o->reg;
	char fix[4 * QMAX], qother[QMAX];

	for (size_t i = 0; i < o->all->n; i++) {
		const struct as_registry *other = &o->all->v[i];

		if (other == reg || strcmp(other->owner, reg->owner) == 0)
			continue;
		check_q(qother, sizeof(qother), other->owner);
		if (strcmp(other->account, reg->account) == 0) {
			check_fmt(fix, sizeof(fix),
				  "keep the registry of %s's rightful owner: move the other out of %s, "
				  "then agent-admin add for its owner",
				  o->qaccount, o->ctx->regdir);
			check_emit(o->rep, K_PROBLEM, fix,
				   "%s: agent account %s is also named by %s's registry", o->qowner,
				   o->qaccount, qother);
		}
		if (strcmp(other->account, reg->owner) == 0) {
			check_fmt(fix, sizeof(fix), "agent-admin remove %s", o->qowner);
			check_emit(o->rep, K_PROBLEM, fix,
				   "%s: the owner is itself the agent of %s", o->qowner, qother);
		}
	}
}

static void check_accounts(struct owner_check *o)
{
	const struct as_registry *reg = o->reg;
	char fix[4 * QMAX], qh[QMAX], qh2[QMAX];
	struct passwd *pw;
	struct group *gr;

	check_unique(o);
	pw = getpwnam(reg->owner);
	if (!pw) {
		check_fmt(fix, sizeof(fix), "agent-admin remove %s", o->qowner);
		check_emit(o->rep, K_PROBLEM, fix, "%s: the owner account does not exist any more",
			   o->qowner);
	} else if (pw->pw_uid != reg->owner_uid) {
		check_fmt(fix, sizeof(fix), "agent-admin remove %s, then add and grant again",
			  o->qowner);
		check_emit(o->rep, K_PROBLEM, fix, "%s: owner uid is %u, the registry says %u",
			   o->qowner, (unsigned)pw->pw_uid, (unsigned)reg->owner_uid);
	} else {
		o->owner_ok = true;
		o->owner_uid = pw->pw_uid;
		snprintf(o->owner_home, sizeof(o->owner_home), "%s", pw->pw_dir ? pw->pw_dir : "");
	}

	pw = getpwnam(reg->account);
	if (!pw) {
		check_fmt(fix, sizeof(fix), "agent-admin add %s", o->qowner);
		check_emit(o->rep, K_PROBLEM, fix, "%s: agent account %s does not exist", o->qowner,
			   o->qaccount);
		return;
	}
	if (pw->pw_uid != reg->account_uid || pw->pw_uid == 0) {
		check_fmt(fix, sizeof(fix), "agent-admin remove %s, then add and grant again",
			  o->qowner);
		check_emit(o->rep, K_PROBLEM, fix,
			   "%s: agent account %s has uid %u, the registry says %u", o->qowner,
			   o->qaccount, (unsigned)pw->pw_uid, (unsigned)reg->account_uid);
		return;
	}
	o->account_ok = true;
	o->account_uid = pw->pw_uid;
	o->account_gid = pw->pw_gid;
	if (strcmp(pw->pw_dir ? pw->pw_dir : "", reg->home) != 0) {
		check_fmt(fix, sizeof(fix), "usermod -d %s %s", check_q(qh, sizeof(qh), reg->home),
			  o->qaccount);
		check_emit(o->rep, K_PROBLEM, fix,
			   "%s: agent %s's home is %s in passwd, %s in the registry", o->qowner,
			   o->qaccount, check_q(qh2, sizeof(qh2), pw->pw_dir ? pw->pw_dir : ""),
			   qh);
	}
	if (!password_locked(reg->account, pw->pw_passwd)) {
		check_fmt(fix, sizeof(fix), "usermod -L %s", o->qaccount);
		check_emit(o->rep, K_PROBLEM, fix, "%s: agent %s's password is not locked",
			   o->qowner, o->qaccount);
	}

	gr = getgrgid(o->account_gid);
	if (!gr || strcmp(gr->gr_name, reg->account) != 0 || o->account_gid == 0) {
		char qg[QMAX];

		check_fmt(fix, sizeof(fix), "groupadd %s && usermod -g %s %s", o->qaccount,
			  o->qaccount, o->qaccount);
		check_emit(o->rep, K_PROBLEM, fix,
			   "%s: agent %s's primary group is %s (gid %u), not its own group",
			   o->qowner, o->qaccount, check_q(qg, sizeof(qg), gr ? gr->gr_name : "?"),
			   (unsigned)o->account_gid);
	}
	for (const char *const *g = admin_privileged_groups; *g; g++) {
		if (!admin_in_group(reg->account, *g))
			continue;
		check_fmt(fix, sizeof(fix), "gpasswd -d %s %s", o->qaccount, *g);
		check_emit(o->rep, K_PROBLEM, fix, "%s: agent %s is in the privileged group %s",
			   o->qowner, o->qaccount, *g);
	}
	if (in_gid_zero(reg->account, o->account_gid)) {
		gr = getgrgid(0);
		check_fmt(fix, sizeof(fix), "gpasswd -d %s %s", o->qaccount,
			  gr ? gr->gr_name : "root");
		check_emit(o->rep, K_PROBLEM, fix, "%s: agent %s is in group id 0", o->qowner,
			   o->qaccount);
	}
	if (!admin_in_group(reg->account, AS_AGENTS_GROUP)) {
		check_fmt(fix, sizeof(fix), "gpasswd -a %s " AS_AGENTS_GROUP, o->qaccount);
		check_emit(o->rep, K_PROBLEM, fix, "%s: agent %s is not in " AS_AGENTS_GROUP,
			   o->qowner, o->qaccount);
	}
	if (o->owner_ok && !admin_in_group(reg->owner, AS_USERS_GROUP)) {
		check_fmt(fix, sizeof(fix), "gpasswd -a %s " AS_USERS_GROUP, o->qowner);
		check_emit(o->rep, K_PROBLEM, fix,
			   "%s: owner is not in " AS_USERS_GROUP " (cannot run agent-shell)",
			   o->qowner);
	}
}

/* Layer 0: the agent account starts nothing except through agent-shell. */
static void check_host_access(struct owner_check *o)
{
	struct admin_host_state hs;
	char fix[4 * QMAX];

	admin_host_inspect(o->reg->account, &hs);
	check_fmt(fix, sizeof(fix), "agent-admin add %s", o->qowner);
	if (hs.dropin == 0)
		check_emit(o->rep, K_PROBLEM, fix,
			   "%s: %s is missing: sshd lets agent %s log in with a key", o->qowner,
			   admin_host_dropin_path(), o->qaccount);
	else if (hs.dropin < 0)
		check_emit(o->rep, K_PROBLEM, "move it away, then agent-admin add OWNER",
			   "%s: %s is not what agent-admin writes (or not root's)", o->qowner,
			   admin_host_dropin_path());
	if (!hs.cron_refused)
		check_emit(o->rep, K_PROBLEM, fix,
			   "%s: crontab lets agent %s in (%s or %s): it can schedule "
			   "cron jobs outside agent-shell",
			   o->qowner, o->qaccount, AS_CRON_DENY, AS_CRON_ALLOW);
	if (!hs.at_refused)
		check_emit(o->rep, K_PROBLEM, fix,
			   "%s: at lets agent %s in (%s or %s): it can queue jobs "
			   "outside agent-shell",
			   o->qowner, o->qaccount, AS_AT_DENY, AS_AT_ALLOW);
	if (hs.lingering) {
		check_fmt(fix, sizeof(fix), "loginctl disable-linger %s", o->qaccount);
		check_emit(o->rep, K_PROBLEM, fix,
			   "%s: agent %s lingers: systemd runs its user units "
			   "outside agent-shell",
			   o->qowner, o->qaccount);
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
	check_emit(o->rep, K_PROBLEM, fixcmd,
		   "%s: other owners' agents are not shut out of %s %s "
		   "(no g:" AS_AGENTS_GROUP ":--- entry)",
		   o->qowner, what, check_q(qp, sizeof(qp), canon));
}

static void check_shut_out(struct owner_check *o)
{
	char fix[4 * QMAX], qp[QMAX];

	if (!o->owner_ok)
		return;
	check_fmt(fix, sizeof(fix), "agent-admin add %s", o->qowner);
	if (o->owner_home[0])
		check_one_shut(o, o->owner_home, "the home", fix);
	for (size_t i = 0; i < o->reg->n_projects; i++) {
		const struct as_reg_project *p = &o->reg->projects[i];

		if (p->state != AS_REG_GRANTED)
			continue;
		check_fmt(fix, sizeof(fix), "agent-admin grant %s %s%s", o->qowner,
			  check_q(qp, sizeof(qp), p->path), p->read_only ? " --read-only" : "");
		check_one_shut(o, p->path, "the grant", fix);
	}
}

static void check_account_home(struct owner_check *o)
{
	const char *home = o->reg->home;
	char qh[QMAX], fix[4 * QMAX];
	struct stat st;
	int fd;

	check_q(qh, sizeof(qh), home);
	fd = open(home, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		check_fmt(fix, sizeof(fix), "%sinstall -d -m 700 -o %s -g %s %s",
			  e == ENOENT ? "" : "move it away, then ", o->qaccount, o->qaccount, qh);
		check_emit(o->rep, K_PROBLEM, fix, "%s: agent home %s: %s", o->qowner, qh,
			   e == ELOOP || e == ENOTDIR ? "not a directory (a symlink?)" :
							strerror(e));
		return;
	}
	if (fstat(fd, &st) < 0) {
		close(fd);
		return;
	}
	if (st.st_uid != o->account_uid) {
		check_fmt(fix, sizeof(fix), "chown %s:%s %s", o->qaccount, o->qaccount, qh);
		check_emit(o->rep, K_PROBLEM, fix,
			   "%s: agent home %s is owned by uid %u, not by %s", o->qowner, qh,
			   (unsigned)st.st_uid, o->qaccount);
	}
	if ((st.st_mode & 07777) != 0700) {
		check_fmt(fix, sizeof(fix), "chmod 700 %s", qh);
		check_emit(o->rep, K_PROBLEM, fix, "%s: agent home %s is mode %04o, not 0700",
			   o->qowner, qh, (unsigned)(st.st_mode & 07777));
	}
	o->account_home_fd = fd;
}

/* ---- projects --------------------------------------------------------- */

/* Whether PATH's access ACL still has u:AGENT with search, and the mask
 * lets it through. */
static int traverse_present(const char *path, uid_t account_uid)
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
			if (qual && *qual == account_uid && acl_get_perm(ps, ACL_EXECUTE) == 1)
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
		if (strncmp(v, dir, n) == 0 &&
		    (strcmp(v + n, "/") == 0 || strcmp(v + n, "/*") == 0))
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
	if (o->account_home_fd < 0)
		return;
	cfg = openat(o->account_home_fd, ".config",
		     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	git = cfg < 0 ? -1 : openat(cfg, "git", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	gitcfg_read(git, "config", AS_TRUST_ANY, collect_safe, safe);
	if (git >= 0)
		close(git);
	if (cfg >= 0)
		close(cfg);
	gitcfg_read(o->account_home_fd, ".gitconfig", AS_TRUST_ANY, collect_safe, safe);
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
		check_emit(o->rep, K_PROBLEM, fix,
			   "%s: git safe.directory for %s missing from %s's git config (git says \"dubious ownership\")",
			   o->qowner, check_q(qd, sizeof(qd), p->path), o->qaccount);
	fd = open(p->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) && seen++ < ENUM_MAX_TOP) {
		struct stat st;

		if (de->d_name[0] == '.' ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		{
			int sfd = openat(dirfd(d), de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			bool repo = sfd >= 0 && fstatat(sfd, ".git", &st, AT_SYMLINK_NOFOLLOW) == 0;

			if (sfd >= 0)
				close(sfd);
			if (!repo)
				continue;
		}
		if (snprintf(sub, sizeof(sub), "%s/%s", p->path, de->d_name) >= (int)sizeof(sub))
			continue;
		if (!safe_listed(safe, sub))
			check_emit(o->rep, K_PROBLEM, fix,
				   "%s: git safe.directory for the repository %s missing from %s's git config",
				   o->qowner, check_q(qd, sizeof(qd), sub), o->qaccount);
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
	check_q(qd, sizeof(qd), p->path);
	r = as_acl_check_tree(p->path, o->account_uid, o->owner_uid, p->read_only, &ar, &e);
	if (r < 0) {
		as_escape(e.msg, msg, sizeof(msg));
		check_emit(o->rep, K_PROBLEM, fix, "%s: cannot check the ACLs of %s: %s", o->qowner,
			   qd, msg);
		return;
	}
	cat = acl_category(ar.problem);
	check_fmt(first, sizeof(first), " (first: %s)", check_q(qx, sizeof(qx), ar.example));
	if (ar.missing)
		check_emit(o->rep, K_PROBLEM, fix,
			   "%s: %s: %lu file(s) without the agent's ACL entry u:%s%s", o->qowner,
			   qd, ar.missing, o->qaccount, strcmp(cat, "missing") == 0 ? first : "");
	if (ar.narrow_mask)
		check_emit(o->rep, K_PROBLEM, fix,
			   "%s: %s: %lu file(s) whose ACL mask hides the agent's or the owner's rights (a chmod sets the mask)%s",
			   o->qowner, qd, ar.narrow_mask, strcmp(cat, "mask") == 0 ? first : "");
	if (ar.in_gitdir)
		check_emit(o->rep, K_PROBLEM, fix,
			   "%s: %s: %lu file(s) inside the owner's git directories with an ACL entry for the agent, which could plant hooks or config the owner's git runs%s",
			   o->qowner, qd, ar.in_gitdir, strcmp(cat, "gitdir") == 0 ? first : "");
	if (ar.git_agent_owned)
		check_emit(o->rep, K_PROBLEM,
			   "read them, then remove them or chown them to the owner",
			   "%s: %s: %lu file(s) inside the owner's git directories belong to the agent, which can change them%s",
			   o->qowner, qd, ar.git_agent_owned,
			   strcmp(cat, "gitowned") == 0 ? first : "");
	if (ar.missing_default)
		check_emit(o->rep, K_PROBLEM, fix,
			   "%s: %s: %lu director(y/ies) without the default ACL entries (new files would not be shared)%s",
			   o->qowner, qd, ar.missing_default,
			   strcmp(cat, "default") == 0 ? first : "");
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
		return false; /* ~user: somebody else's home */
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

	check_q(qw, sizeof(qw), wt);
	gitfd = openat(wtfd, ".git", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (gitfd < 0)
		return; /* not a repository, or a worktree/submodule link */
	gitcfg_read(gitfd, "config", AS_TRUST_ANY, collect_hookspath, &hp);
	close(gitfd);
	if (hp && hooks_inside(o, wt, hp, resolved, sizeof(resolved))) {
		char husky[PATH_MAX + 8];

		snprintf(husky, sizeof(husky), "%s/.husky", wt);
		husky_covered = as_path_within(resolved, husky);
		check_fmt(fix, sizeof(fix),
			  "review %s before running git there as %s, or git -C %s config --unset core.hooksPath, or grant the project --read-only",
			  check_q(qr, sizeof(qr), resolved), o->qowner, qw);
		check_emit(o->rep, K_WARNING, fix,
			   "%s: %s/.git/config sets core.hooksPath = %s, inside the shared tree: %s can write the hooks %s's git runs",
			   o->qowner, qw, check_q(qv, sizeof(qv), hp), o->qaccount, o->qowner);
	}
	for (size_t i = 0; i < AS_ARRAY_SIZE(hook_markers); i++) {
		const struct hook_marker *m = &hook_markers[i];

		if (fstatat(wtfd, m->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (husky_covered && strcmp(m->name, ".husky") == 0)
			continue;
		snprintf(mpath, sizeof(mpath), "%s/%s", wt, m->name);
		check_fmt(fix, sizeof(fix),
			  "review changes to %s before running git there as %s, or grant the project --read-only",
			  check_q(qr, sizeof(qr), mpath), o->qowner);
		check_emit(o->rep, K_WARNING, fix, "%s: %s: %s, and %s can write it", o->qowner, qr,
			   m->tool, o->qaccount);
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
	check_fmt(fix, sizeof(fix),
		  "as %s: git config --global --unset core.hooksPath (keep hooks outside granted projects)",
		  o->qowner);
	check_emit(o->rep, K_WARNING, fix,
		   "%s: ~%s/.gitconfig sets core.hooksPath = %s, inside a shared tree: %s can write the hooks every repository of %s runs",
		   o->qowner, o->qowner, check_q(qv, sizeof(qv), hp), o->qaccount, o->qowner);
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
	check_q(qp, sizeof(qp), lw->path);
	check_q(qt, sizeof(qt), target);
	check_fmt(fix, sizeof(fix), "rm %s%s", qp,
		  home ? " (and look at what was written through it)" : "");
	check_emit(o->rep, home ? K_PROBLEM : K_WARNING, fix,
		   "%s: %s's symlink %s in the grant points "
		   "outside it%s: %s",
		   o->qowner, o->qaccount, qp, home ? ", into the owner's home" : "", qt);
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
			    st.st_uid != lw->o->account_uid)
				continue;
			n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
			if (n <= 0)
				continue;
			target[n] = '\0';
			report_link(lw, target);
		} else if (type == DT_DIR && depth < LINKS_MAX_DEPTH) {
			unsigned long long mnt;
			int cfd = openat(dirfd(d), de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC |
						 O_NONBLOCK);

			if (cfd < 0)
				continue;
			if (as_fstat_mnt(cfd, &st, &mnt) < 0 || st.st_dev != lw->dev ||
			    mnt != lw->mnt) {
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
		check_emit(o->rep, K_WARNING, NULL,
			   "%s: %u more of %s's symlinks in %s point outside it", o->qowner,
			   lw->reported - LINKS_MAX_REPORTS, o->qaccount, p->path);
	free(lw);
}

static void check_projects(struct owner_check *o)
{
	const struct as_registry *reg = o->reg;
	struct as_strv safe = { 0 }, seen = { 0 };
	char fix[3 * QMAX], qd[QMAX], qt[QMAX], real[PATH_MAX];

	if (o->account_ok)
		load_safe_dirs(o, &safe);
	for (size_t i = 0; i < reg->n_projects; i++) {
		const struct as_reg_project *p = &reg->projects[i];
		struct stat st;

		check_q(qd, sizeof(qd), p->path);
		grant_fix(o, p, fix, sizeof(fix));
		if (p->state != AS_REG_GRANTED) {
			bool granting = p->state == AS_REG_GRANTING;

			if (!granting)
				check_fmt(fix, sizeof(fix), "agent-admin revoke %s %s", o->qowner,
					  qd);
			check_emit(o->rep, K_PROBLEM, fix,
				   "%s: %s of %s did not finish (interrupted?)", o->qowner,
				   granting ? "grant" : "revoke", qd);
			continue;
		}
		if (!realpath(p->path, real) || lstat(p->path, &st) < 0) {
			check_fmt(fix, sizeof(fix), "agent-admin revoke %s %s", o->qowner, qd);
			check_emit(o->rep, K_PROBLEM, fix, "%s: granted project %s: %s", o->qowner,
				   qd, strerror(errno));
			continue;
		}
		if (strcmp(real, p->path) != 0 || !S_ISDIR(st.st_mode)) {
			check_fmt(fix, sizeof(fix), "agent-admin revoke %s %s", o->qowner, qd);
			check_emit(o->rep, K_PROBLEM, fix,
				   "%s: granted project %s now resolves to %s (a symlink in its path?)",
				   o->qowner, qd, check_q(qt, sizeof(qt), real));
			continue;
		}
		if (o->owner_ok && st.st_uid != o->owner_uid) {
			char fix2[4 * QMAX];

			check_fmt(fix2, sizeof(fix2), "chown %s %s, or agent-admin revoke %s %s",
				  o->qowner, qd, o->qowner, qd);
			check_emit(o->rep, K_PROBLEM, fix2,
				   "%s: granted project %s is owned by uid %u, not by %s",
				   o->qowner, qd, (unsigned)st.st_uid, o->qowner);
		}
		if (!o->account_ok || !o->owner_ok)
			continue;
		check_acls(o, p);
		check_planted_links(o, p);
		for (size_t t = 0; t < p->traverse.n; t++) {
			const char *tp = p->traverse.v[t];
			int r;

			if (as_strv_contains(&seen, tp))
				continue;
			as_strv_push(&seen, tp);
			r = traverse_present(tp, o->account_uid);
			if (r == 1)
				continue;
			check_emit(o->rep, K_PROBLEM, fix,
				   "%s: traverse entry u:%s:--x on %s is gone%s%s", o->qowner,
				   o->qaccount, check_q(qt, sizeof(qt), tp), r < 0 ? ": " : "",
				   r < 0 ? strerror(-r) : "");
		}
		check_safe_dirs(o, p, &safe);
		if (!p->read_only)
			check_hooks(o, p);
	}
	check_owner_hooks(o);
	as_strv_free(&safe);
	as_strv_free(&seen);
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
		check_fmt(fix, sizeof(fix), "agent-admin egress %s restrict", o->qowner);
		check_emit(o->rep, K_WARNING, fix,
			   "%s: %s has no egress fence (egress open): it may connect anywhere",
			   o->qowner, o->qaccount);
		return;
	}
	r = as_egress_chain_loaded(o->reg->account_uid, &e);
	if (r < 0)
		check_emit(o->rep, K_WARNING, NULL, "%s: egress fence: %s", o->qowner, e.msg);
	else if (r == 0)
		check_emit(o->rep, K_PROBLEM, "agent-admin egress --load",
			   "%s: egress fence not loaded (no chain agent_%u in table inet " AS_EGRESS_TABLE
			   "): "
			   "%s's sessions are refused",
			   o->qowner, (unsigned)o->reg->account_uid, o->qaccount);
}

static void check_owner(const struct admin_ctx *ctx, struct report *rep, const struct regset *all,
			const struct as_registry *reg)
{
	struct owner_check o = {
		.ctx = ctx,
		.rep = rep,
		.reg = reg,
		.all = all,
		.account_home_fd = -1,
	};

	check_q(o.qowner, sizeof(o.qowner), reg->owner);
	check_q(o.qaccount, sizeof(o.qaccount), reg->account);
	check_accounts(&o);
	check_shut_out(&o);
	if (o.account_ok) {
		check_host_access(&o);
		check_account_home(&o);
	}
	check_projects(&o);
	check_egress(&o);
	check_exposure(&o);
	if (o.account_home_fd >= 0)
		close(o.account_home_fd);
}

int cmd_check(const struct admin_ctx *ctx, const struct admin_opts *o)
{
	struct report rep = { .out = ctx->out ? ctx->out : stdout };
	struct as_strv owners = { 0 };
	struct regset all = { 0 };
	struct as_err e = { "" };
	const char *only = o->npos > 0 ? o->pos[0] : NULL;
	char msg[AS_ERR_MAX], qo[QMAX], what[QMAX + 32];
	int abi, rc;
	unsigned checked = 0;
	bool json = o->json;

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
		check_root_file(&rep, pam, "PAM service file",
				"meson install -C BUILDDIR (as root)");
	}
	check_regdir(&rep, ctx->regdir);

	for (size_t i = 0; i < owners.n; i++) {
		const char *name = owners.v[i];
		bool mine = !only || strcmp(name, only) == 0;
		struct as_registry *r = &all.v[all.n];

		if (mine) {
			if (load_owner(&rep, ctx->regdir, name, r) == 0)
				all.n++;
		} else if (as_registry_load(r, ctx->regdir, name, AS_TRUST_ROOT_ONLY, &e) == 0) {
			all.n++;
		}
	}
	if (only && !as_strv_contains(&owners, only))
		load_owner(&rep, ctx->regdir, only, &all.v[all.n]); /* reports "no agent" */

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

		json_object_object_add(root, "ok",
				       json_object_new_boolean(!rep.n[K_PROBLEM] &&
							       !rep.n[K_EXPOSURE]));
		json_object_object_add(root, "landlock_abi",
				       json_object_new_int(abi > 0 ? abi : 0));
		json_object_object_add(root, "agents_checked", json_object_new_int64(checked));
		json_object_object_add(root, "problems", json_object_new_int64(rep.n[K_PROBLEM]));
		json_object_object_add(root, "exposures", json_object_new_int64(rep.n[K_EXPOSURE]));
		json_object_object_add(root, "warnings", json_object_new_int64(rep.n[K_WARNING]));
		json_object_object_add(root, "findings", rep.findings);
		fprintf(rep.out, "%s\n",
			json_object_to_json_string_ext(root,
						       JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(root);
		rep.findings = NULL;
	}
	fflush(rep.out);
	if (rep.n[K_PROBLEM] || rep.n[K_EXPOSURE])
		return admin_fail("check: %u problem(s), %u exposure(s), %u warning(s)",
				  rep.n[K_PROBLEM], rep.n[K_EXPOSURE], rep.n[K_WARNING]);
	if (only)
		check_fmt(what, sizeof(what), "the agent of %s", check_q(qo, sizeof(qo), only));
	else
		check_fmt(what, sizeof(what), "%u agent(s)", checked);
	if (json)
		return ADMIN_EXIT_OK;
	admin_note(ctx, "ok: %s checked, Landlock ABI %d, no problems%s", what, abi,
		   rep.n[K_WARNING] ? " (see the warnings above)" : "");
	return ADMIN_EXIT_OK;
}
