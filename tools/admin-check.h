/* SPDX-License-Identifier: MIT */
/*
 * What agent-admin check's two files share (admin-check.c: the
 * consistency checks and the command; admin-exposure.c: what the agent
 * account can actually reach): the report, one owner's state, and the
 * helpers that write a finding.
 */
#ifndef AS_ADMIN_CHECK_H
#define AS_ADMIN_CHECK_H

#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "admin.h"
#include "registry.h"

/* A display or shell-quoted path: 4 bytes per escaped byte, plus quotes. */
#define QMAX (4 * PATH_MAX + 16)
/* Bounds on a directory listing: names at the top of a home, and below. */
#define ENUM_MAX_TOP 512
#define ENUM_MAX_SUB 64

enum kind { K_PROBLEM, K_EXPOSURE, K_WARNING };

struct report {
	FILE *out;
	unsigned n[3];
	json_object *findings; /* --json: collected, printed at the end */
};

struct regset {
	struct as_registry *v;
	size_t n;
};

/* One owner's check, filled by check_owner before the checks run. */
struct owner_check {
	const struct admin_ctx *ctx;
	struct report *rep;
	const struct as_registry *reg;
	const struct regset *all; /* every trusted registry, for others' projects */
	char qowner[QMAX], qaccount[QMAX];
	bool owner_ok, account_ok;
	uid_t owner_uid, account_uid;
	gid_t account_gid;
	char owner_home[PATH_MAX];
	int account_home_fd; /* the verified agent home, or -1 */
};

/* One finding: "problem|exposure|warning: TEXT — fix: FIX" on rep->out,
 * or an object in rep->findings with --json; counted in rep->n. */
void check_emit(struct report *rep, enum kind k, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* snprintf for messages and fixes that may be cut short (very long paths):
 * a truncated fix is better than none. */
void check_fmt(char *dst, size_t len, const char *f, ...) __attribute__((format(printf, 3, 4)));

/*
 * A name or path for a message and a fix, in DST: control characters
 * escaped (a file name in /tmp must not forge a line), then single-quoted
 * for the shell when it holds anything beyond the usual path characters.
 * Returns DST.
 */
const char *check_q(char *dst, size_t len, const char *s);

/* The exposure report for one owner (admin-exposure.c); nothing if the
 * agent account could not be verified. */
void check_exposure(struct owner_check *o);

#endif
