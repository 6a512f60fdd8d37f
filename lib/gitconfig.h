/* SPDX-License-Identifier: MIT */
/*
 * git config files read as text, the way git(1)'s own reader does
 * (config.c: get_base_var, get_value, parse_value), without running git.
 * Pure: text in, entries out, no system call, so one unit test and one
 * fuzz harness cover what agent-admin check and the helper's git metadata
 * code (lib/gitrefs.c, as the owner) read from files an agent or an owner
 * may have written.
 *
 * Includes (include.path, includeIf.COND.path) are handed back like any
 * other entry and never followed: a caller that cares reports them.
 */
#ifndef AS_GITCONFIG_H
#define AS_GITCONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "common.h"

/*
 * One entry.  SECTION lower-cased ("core"); SUBSECTION as written between
 * quotes ([remote "Origin"] gives "Origin"), lower-cased for the old
 * [section.sub] form, NULL when there is none; KEY lower-cased; VALUE
 * after quotes and escapes, NULL for a key written alone (boolean true).
 * A negative return stops the parse, which returns it.
 */
typedef int (*as_gitcfg_fn)(const char *section, const char *subsection, const char *key,
			    const char *value, void *data);

/*
 * Calls FN for each entry of TEXT (LEN bytes, NUL bytes allowed: each is
 * a malformed line).  Where git would refuse the whole file, this skips
 * the malformed line (and, after a malformed section header, the entries
 * until the next good one) and goes on, so a caller still sees every
 * well-formed entry.  Returns the number of malformed lines, with ERR
 * naming the first ("line N: why"), or a negative value: -ENOMEM, -E2BIG,
 * or what FN returned.
 */
int as_gitcfg_parse_string(const char *text, size_t len, as_gitcfg_fn fn, void *data,
			   struct as_err *err);

/* Whether an entry names a file git would include: include.path and
 * includeIf.COND.path.  Over-approximates on purpose ([include "x"]
 * and a condition-less [includeIf] count too), for callers that protect
 * what may be read. */
bool as_gitcfg_is_include(const char *section, const char *key);

#endif
