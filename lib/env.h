/* SPDX-License-Identifier: MIT */
/* The command's environment: built from an allowlist, never inherited whole. */
#ifndef AS_ENV_H
#define AS_ENV_H

#include "common.h"
#include "policy.h"

/* True when NAME matches a pass pattern (exact, or prefix with a trailing '*'). */
bool as_env_pattern_match(const char *pattern, const char *name);

/* Validates a variable name: [A-Za-z_][A-Za-z0-9_]*. */
bool as_env_name_valid(const char *name);

/*
 * Builds the environment: each entry of envp whose name matches a pass
 * pattern, then every "set" entry (replacing a passed one of the same name).
 * Returns 0 or -errno with err set.
 */
int as_env_build(const struct as_policy *pol, char *const *envp, struct as_strv *out,
		 struct as_err *err);

#endif
