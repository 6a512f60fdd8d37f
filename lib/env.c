/* SPDX-License-Identifier: MIT */
#include "env.h"

#include <errno.h>
#include <string.h>

bool as_env_name_valid(const char *name)
{
	if (!name ||
	    !(*name == '_' || (*name >= 'A' && *name <= 'Z') || (*name >= 'a' && *name <= 'z')))
		return false;
	for (const char *p = name + 1; *p; p++)
		if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9')))
			return false;
	return true;
}

bool as_env_pattern_match(const char *pattern, const char *name)
{
	size_t pl = strlen(pattern);

	if (pl > 0 && pattern[pl - 1] == '*')
		return strncmp(pattern, name, pl - 1) == 0;
	return strcmp(pattern, name) == 0;
}

static bool passes(const struct as_policy *pol, const char *name)
{
	for (size_t i = 0; i < pol->env_pass.n; i++)
		if (as_env_pattern_match(pol->env_pass.v[i], name))
			return true;
	return false;
}

static bool is_set_by_policy(const struct as_policy *pol, const char *entry)
{
	const char *eq = strchr(entry, '=');
	size_t nl = eq ? (size_t)(eq - entry) : strlen(entry);

	for (size_t i = 0; i < pol->env_set.n; i++)
		if (strncmp(pol->env_set.v[i], entry, nl) == 0 && pol->env_set.v[i][nl] == '=')
			return true;
	return false;
}

int as_env_build(const struct as_policy *pol, char *const *envp, struct as_strv *out,
		 struct as_err *err)
{
	for (char *const *e = envp; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		char name[256];
		size_t nl;

		if (!eq)
			continue;
		nl = (size_t)(eq - *e);
		if (nl == 0 || nl >= sizeof(name))
			continue;
		memcpy(name, *e, nl);
		name[nl] = '\0';
		if (!as_env_name_valid(name) || !passes(pol, name) || is_set_by_policy(pol, *e))
			continue;
		/* The first occurrence wins, as getenv(3) would see it. */
		bool dup = false;
		for (size_t i = 0; i < out->n; i++)
			if (strncmp(out->v[i], *e, nl + 1) == 0)
				dup = true;
		if (dup)
			continue;
		if (as_strv_push(out, *e) < 0)
			return as_fail(err, -ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < pol->env_set.n; i++)
		if (as_strv_push(out, pol->env_set.v[i]) < 0)
			return as_fail(err, -ENOMEM, "out of memory");
	return 0;
}
