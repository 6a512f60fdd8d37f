/* SPDX-License-Identifier: MIT */
/*
 * What the agent-admin subcommands share: one const context, filled once by
 * main() before any subcommand runs, and the few helpers every subcommand
 * needs (error lines, NSS lookups, acting as the agent account).
 *
 * Each subcommand is "int admin_NAME(const struct admin_ctx *ctx, int argc,
 * char **argv)": argv[0] is the subcommand name, the rest its arguments
 * (parse them with getopt_long; optind is reset by the caller).  It returns
 * the process exit status: 0 success, 1 refused or failed (after printing
 * one "agent-admin: what: why" line), 2 usage error.
 *
 * When a subcommand runs, main() has already checked that the caller is
 * root and holds the agent-admin lock (AS_LOCKFILE), so registry reads are
 * consistent with the host; subcommands never take the lock themselves.
 */
#ifndef AS_ADMIN_H
#define AS_ADMIN_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "account.h"
#include "common.h"
#include "registry.h"

#define ADMIN_PROG "agent-admin"

/* Exit statuses (DESIGN.md, "Commands"). */
enum {
	ADMIN_EXIT_OK = 0,
	ADMIN_EXIT_FAIL = 1,
	ADMIN_EXIT_USAGE = 2,
};

struct admin_ctx {
	const char *regdir;     /* registry directory (AS_REGISTRYDIR) */
	const char *lockfile;   /* AS_LOCKFILE, held while a subcommand runs */
	uid_t uid_min;          /* UID_MIN from /etc/login.defs (default 1000) */
	bool quiet;             /* apply runs subcommands without their chatter */
	bool dry_run;           /* apply --dry-run: plan only, change nothing */
	FILE *out;              /* where reports go (stdout) */
};

/* "agent-admin: " + message on stderr; returns ADMIN_EXIT_FAIL. */
int admin_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same with ADMIN_EXIT_USAGE and a hint to run --help. */
int admin_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "agent-admin: warning: " + message on stderr. */
void admin_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A line on ctx->out unless ctx->quiet. */
void admin_note(const struct admin_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Groups that an agent account must never be in (sudo, adm, docker, ...):
 * lib/account.c's list, which the helper also checks at every session.
 * check reports membership, add removes it. */
#define admin_privileged_groups as_privileged_groups

/*
 * Switches the calling process for good to ACCOUNT (uid, gid, and the
 * account's supplementary groups from initgroups), in a forked child only:
 * setgroups/initgroups, setresgid, setresuid, then verifies that no id can
 * be regained.  Returns 0 or -errno with err set; on failure the child must
 * _exit(), never continue.
 */
int admin_become(const char *account, uid_t uid, gid_t gid, struct as_err *err);

/*
 * Runs ARGV (ARGV[0] an absolute path) as ACCOUNT in a forked child that
 * called admin_become(), with HOME=home, a fixed PATH, LANG=C, cwd = home,
 * stdin from /dev/null and stdout discarded (stderr is kept).  Returns the
 * exit status (>= 0), or -errno with err set when it could not run.
 */
int admin_run_as(const char *account, uid_t uid, gid_t gid, const char *home,
		 const char *const argv[], struct as_err *err);

/*
 * Whether ACCOUNT is currently a member of group NAME (primary group or
 * the group's member list).  False if either does not exist.
 */
bool admin_in_group(const char *account, const char *group);

/* The exposure and consistency report (tools/admin-check.c). */
int admin_check(const struct admin_ctx *ctx, int argc, char **argv);

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
	int dropin;             /* 1 ours and exact, 0 missing, -1 something else */
	bool cron_refused;      /* crontab(1) refuses the account */
	bool at_refused;        /* at(1) refuses the account */
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
	bool prune;          /* remove agents the file does not list */
	bool keep_home;      /* ... but keep their homes */
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
int admin_desired_parse(const char *text, const char *file, struct desired *d,
			struct as_err *err);
void admin_desired_free(struct desired *d);

#endif
