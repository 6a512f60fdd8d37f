/* SPDX-License-Identifier: MIT */
/*
 * What the agent-admin subcommands share: one const context, filled once by
 * main() before any subcommand runs, the options main() parsed, and the
 * few helpers every subcommand needs (error lines, NSS lookups, acting as
 * the agent account, the registry).
 *
 * Each subcommand is "int cmd_NAME(const struct admin_ctx *ctx, const
 * struct admin_opts *o)", listed in main()'s table (agent-admin.c) with
 * the options it takes; main() has parsed and checked them, so a
 * subcommand only reads O.  egress alone parses its own words ("int
 * admin_egress(ctx, argc, argv)": argv[0] is "egress").  A subcommand
 * returns the process exit status: ADMIN_EXIT_OK, ADMIN_EXIT_FAIL after
 * printing one "agent-admin: what: why" line, ADMIN_EXIT_USAGE.
 *
 * When a subcommand runs, main() has already checked that the caller is
 * root and holds the agent-admin lock (AS_LOCKFILE), so registry reads are
 * consistent with the host; subcommands never take the lock themselves.
 *
 * Names, as in DESIGN.md: the OWNER is the developer, the agent account
 * (`--account`, the registry's account=) the account their agent runs as.
 * In code `owner` and `account` are their names, `account_uid` and
 * `account_gid` the agent account's ids, and a struct admin_user for
 * either is named the same, or owner_pw / account_pw where the function
 * also holds the name.
 */
#ifndef AS_ADMIN_H
#define AS_ADMIN_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "account.h"
#include "common.h"
#include "registry.h"

#define ADMIN_PROG "agent-admin"

/*
 * Exit statuses (DESIGN.md, "Commands"), the one spelling every agent-admin
 * file uses: main returns what the subcommand returned, and a step inside
 * a subcommand returns ADMIN_EXIT_OK (0) or the status to exit with.
 */
enum {
	ADMIN_EXIT_OK = 0,    /* success */
	ADMIN_EXIT_FAIL = 1,  /* refused or failed, after one line naming what and why */
	ADMIN_EXIT_USAGE = 2, /* usage error, before anything is looked at */
};

/* What a child agent-admin forks (admin_run_as, the egress resolver)
 * exits with when it could not become the account or exec the program:
 * 127, as a shell does for a command it cannot run. */
#define ADMIN_CHILD_CANNOT_RUN 127

struct admin_ctx {
	const char *regdir;   /* registry directory (AS_REGISTRYDIR) */
	const char *lockfile; /* AS_LOCKFILE, held while a subcommand runs */
	uid_t uid_min;        /* UID_MIN from /etc/login.defs (default 1000) */
	bool quiet;           /* apply runs subcommands without their chatter */
	bool dry_run;         /* apply --dry-run: plan only, change nothing */
	FILE *out;            /* where reports go (stdout) */
};

/* What main() parsed from the command line (apply fills it for each step
 * of its plan). */
struct admin_opts {
	const char *pos[2]; /* positional arguments */
	int npos;
	const char *account, *profile, *home;
	const char *profiles; /* --profiles LIST: the admin's pin */
	bool read_only, allow_var, keep_home, json, dry_run, sudo, undo, userns;
};

/* The subcommands.  add and remove: admin-account.c, with set and list;
 * grant and revoke: admin-grant.c; apply: admin-plan.c; check:
 * admin-check.c (its exposure report: admin-exposure.c); harden:
 * admin-harden.c. */
int cmd_add(const struct admin_ctx *ctx, const struct admin_opts *o);
int cmd_remove(const struct admin_ctx *ctx, const struct admin_opts *o);
int cmd_set(const struct admin_ctx *ctx, const struct admin_opts *o);
int cmd_list(const struct admin_ctx *ctx, const struct admin_opts *o);
int cmd_grant(const struct admin_ctx *ctx, const struct admin_opts *o);
int cmd_revoke(const struct admin_ctx *ctx, const struct admin_opts *o);
int cmd_apply(const struct admin_ctx *ctx, const struct admin_opts *o);
int cmd_harden(const struct admin_ctx *ctx, const struct admin_opts *o);
/* The consistency and exposure report: exit status 1 on any problem. */
int cmd_check(const struct admin_ctx *ctx, const struct admin_opts *o);

/* ---- shared helpers (admin-common.c) --------------------------------- */

/* "agent-admin: " + message on stderr; returns ADMIN_EXIT_FAIL. */
int admin_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same with ADMIN_EXIT_USAGE and a hint to run --help. */
int admin_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "agent-admin: warning: " + message on stderr. */
void admin_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A line on ctx->out unless ctx->quiet. */
void admin_note(const struct admin_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A string for a message: control characters escaped (a name or path
 * from the command line cannot forge a second line).  Returns B->s. */
struct admin_shown {
	char s[PATH_MAX + 64];
};

const char *admin_show(struct admin_shown *b, const char *s);

/* A copy of the fields of a struct passwd we use (getpw* return static
 * storage that the next NSS call overwrites). */
struct admin_user {
	char name[64];
	uid_t uid;
	gid_t gid;
	char home[PATH_MAX];
	char gecos[256];
	bool found;
};

/* Fills U from NSS; false (U zeroed, found false) if NAME is unknown. */
bool admin_user_lookup(const char *name, struct admin_user *u);

/* Runs ARGV as root (as_run); 0, or ADMIN_EXIT_FAIL after printing why. */
int admin_run_tool(const char *const argv[]);

/* Loads OWNER's registry, trusted only if root's.  0, -ENOENT (quietly), or
 * another -errno after printing why. */
int admin_load_reg(const struct admin_ctx *ctx, const char *owner, struct as_registry *reg);

/* Saves REG unless the file already says exactly that, so a no-op re-run
 * changes nothing on disk.  0, or ADMIN_EXIT_FAIL after printing why. */
int admin_save_reg(const struct admin_ctx *ctx, const struct as_registry *reg);

/* The registered agent account, checked against the user database (same
 * uid as recorded): ACCOUNT filled, ACCOUNT->found false if it is gone and
 * !MUST_EXIST; 0, or ADMIN_EXIT_FAIL after printing why. */
int admin_resolve_account(const struct as_registry *reg, struct admin_user *account,
			  bool must_exist);

/* The agents' group, whose g:GID:--- entry shuts agents out of owners'
 * homes and grants; (gid_t)-1 if it does not exist (yet). */
gid_t admin_agents_gid(void);

bool admin_strv_equal(const struct as_strv *a, const struct as_strv *b);

/* ---- steps of grant and revoke that add and remove use (admin-grant.c) */

/*
 * The traverse step of project IDX: record what it may touch, then give
 * the agent search on the ancestors it cannot pass, then record exactly
 * what was added.  0, or ADMIN_EXIT_FAIL after printing why.
 */
int admin_grant_traverse_step(const struct admin_ctx *ctx, struct as_registry *reg,
			      const struct admin_user *account, size_t idx);

/*
 * Revokes project IDX of REG (ACCOUNT: the agent account, ACCOUNT->found
 * false if it is gone).  Never stops early; with any failure the project stays
 * recorded as "revoking".  0, or ADMIN_EXIT_FAIL after printing why.
 */
int admin_revoke_project(const struct admin_ctx *ctx, struct as_registry *reg,
			 const struct admin_user *account, size_t idx);

/* Groups that an agent account must never be in (sudo, adm, docker, ...):
 * lib/account.c's list, which the helper also checks at every session.
 * check reports membership, add removes it. */
#define admin_privileged_groups as_privileged_groups

/*
 * Switches the calling process for good to ACCOUNT (uid, gid, and the
 * account's supplementary groups), in a forked child only: the one
 * identity switch, as_identity_switch (lib/identity.h), which refuses uid
 * or gid 0, switches groups and gids before the uids, and verifies every
 * id and that root cannot be regained.  Returns 0 or -errno with err set;
 * on failure the child must _exit(), never continue.
 */
int admin_become(const char *account, uid_t uid, gid_t gid, struct as_err *err);

/*
 * Runs ARGV (ARGV[0] an absolute path) as ACCOUNT in a forked child that
 * called admin_become(), with only HOME=home, USER, LOGNAME,
 * PATH=/usr/bin:/bin, LC_ALL=C and GIT_CONFIG_NOSYSTEM=1, cwd = home (or
 * /), stdin from /dev/null, stdout discarded (stderr is kept), no fd above
 * 2, and SIGALRM after 60 s (the agent controls its home: a fifo there must
 * not hold the lock for ever).  Returns the exit status (>= 0;
 * ADMIN_CHILD_CANNOT_RUN if the child could not switch or exec), or
 * -errno with err set when it could not run or was killed by a signal.
 */
int admin_run_as(const char *account, uid_t uid, gid_t gid, const char *home,
		 const char *const argv[], struct as_err *err);

/*
 * Whether ACCOUNT is currently a member of group NAME (primary group or
 * the group's member list).  False if either does not exist.
 */
bool admin_in_group(const char *account, const char *group);

/*
 * The sudo path (admin-sudo.c): AS_SUDOERS_DIR/agent-shell-OWNER lets OWNER
 * run "agent-sandbox --session OWNER ..." as ACCOUNT and nothing else.
 * _install writes it when missing or different (checked by visudo before
 * and after it goes live; mode 0440 root:root) and sets *changed; _remove
 * deletes it if agent-admin wrote it.  Both return 0 or an exit status
 * after printing why.  _content is the exact text (-EINVAL for names
 * sudoers cannot hold); _path the file name.
 */
int admin_sudo_install(const struct admin_ctx *ctx, const char *owner, const char *account,
		       bool *changed);
int admin_sudo_remove(const struct admin_ctx *ctx, const char *owner);
int admin_sudo_content(const char *owner, const char *account, char **out);
int admin_sudo_path(const char *owner, char *out, size_t len);

/*
 * Layer 0 for agent accounts (admin-host.c): nothing starts as an agent
 * except through agent-shell.  _lock installs the sshd drop-in (DenyGroups
 * AS_AGENTS_GROUP), puts ACCOUNT in the cron and at deny lists and turns
 * lingering off, setting *changed when it changed anything; _unlock takes
 * ACCOUNT out of the deny lists and removes the drop-in when no agent
 * account is left, carrying on past a failed step.  Both return 0 or an
 * exit status after printing why.  _inspect only reads, for check.
 */
struct admin_host_state {
	int dropin;        /* 1 ours and exact, 0 missing, -1 something else */
	bool cron_refused; /* crontab(1) refuses the account */
	bool at_refused;   /* at(1) refuses the account */
	bool lingering;
};

int admin_host_lock(const struct admin_ctx *ctx, const char *account, bool *changed);
int admin_host_unlock(const struct admin_ctx *ctx, const char *account);
void admin_host_inspect(const char *account, struct admin_host_state *st);
const char *admin_host_dropin_path(void);

/*
 * harden (admin-harden.c): the kernel knobs in AS_SYSCTL_DROPIN, applied
 * through /proc/sys, the replaced values recorded in AS_HARDEN_STATE and
 * written back by undo.  Returns an exit status.  _inspect fills OUT with
 * up to MAX knobs weaker than harden sets (absent knobs are not listed) and
 * says whether the drop-in is there; returns how many.
 */
struct admin_harden_finding {
	const char *name, *want;
	char have[64];
};

int admin_harden(const struct admin_ctx *ctx, bool undo, bool userns);
int admin_harden_inspect(struct admin_harden_finding *out, size_t max, bool *hardened);

/*
 * The egress fence (admin-egress.c): admin_egress is the subcommand
 * (argv[0] "egress"); admin_egress_reload (re)loads the whole fence from
 * the registries, as "egress --load" does: add and remove call it once
 * each.  Both return an exit status after printing why.
 */
int admin_egress(const struct admin_ctx *ctx, int argc, char **argv);
int admin_egress_reload(const struct admin_ctx *ctx);

/* apply: prints the egress commands that bring OWNER's fence to WANT
 * (one line each, as the plan) and, unless ctx->dry_run, records WANT and
 * reloads the fence.  Returns an exit status. */
int admin_egress_converge(const struct admin_ctx *ctx, const char *owner,
			  const struct as_reg_egress *want);

/* ---- apply FILE (admin-apply.c) -------------------------------------- */

/*
 * The desired state an apply file describes:
 *
 *   [apply]
 *   remove-unlisted = yes|no    (default yes)
 *   keep-home = yes|no          (default no; yes keeps their homes)
 *
 *   [agent]                     (one section per owner)
 *   owner = alice
 *   account = ...               (optional, like add --account)
 *   profile = ...               (optional)
 *   profiles = LIST | all       (optional, like add --profiles)
 *   home = /absolute            (optional)
 *   project = /absolute         (repeatable; project-ro for read-only)
 *   egress = SPEC | @LIST | open   (repeatable; with at least one, the
 *                               agent's fence is exactly these: allow
 *                               lines, lists (else every shipped one),
 *                               open; without, the fence is left alone)
 */
struct want_project {
	char *path;
	bool read_only;
};

struct want {
	char *owner, *account, *profile, *home;
	/* profiles = LIST: the admin's pin, as written (NULL: leave it);
	 * pin is its parsed form (empty for "all"). */
	char *profiles;
	struct as_strv pin;
	struct want_project *projects;
	size_t n_projects;
	unsigned seq;
	/* egress = lines (issue #14), kept apart from the keys above. */
	bool egress_given;
	struct as_reg_egress egress;
};

struct desired {
	struct want *agents;
	size_t n;
	bool prune;     /* remove agents the file does not list */
	bool keep_home; /* ... but keep their homes */
	unsigned apply_seq;
};

/*
 * Parses the text of an apply file (FILE names it in messages) into D,
 * which is reset first.  Returns 0, or -errno with err holding one line,
 * "FILE:LINE: problem" where a line is known.  D may hold a partial result
 * either way: the caller always frees it with admin_desired_free.
 * A project path that resolves (realpath) is stored resolved, since the
 * registry holds canonical paths; nothing else touches the system.
 */
int admin_desired_parse(const char *text, const char *file, struct desired *d, struct as_err *err);
void admin_desired_free(struct desired *d);

#endif
