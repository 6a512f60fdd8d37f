/* SPDX-License-Identifier: MIT */
/*
 * The grammar of "agent-admin apply FILE" (admin.h, struct desired): the
 * shared INI reader (lib/ini-reader.h: the system inih, strict lines,
 * FILE:LINE messages) with its own sections and keys.  Kept apart
 * from admin-plan.c, which reads the file (root-owned only) and acts on
 * the result, so that the unit tests and the fuzzer reach the parser
 * without the rest of agent-admin.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "admin.h"
#include "egress.h"
#include "profile.h"
#include "registry.h"

/* A string for a message: control characters escaped (as admin_show()
 * in admin-common.c, which the unit test does not link), so a value
 * cannot forge a second line. */
struct shown {
	char s[PATH_MAX + 64];
};

static const char *show(struct shown *b, const char *s)
{
	as_escape(s ? s : "(null)", b->s, sizeof(b->s));
	return b->s;
}

void admin_desired_free(struct desired *d)
{
	for (size_t i = 0; i < d->n; i++) {
		struct want *w = &d->agents[i];

		free(w->owner);
		free(w->account);
		free(w->profile);
		free(w->home);
		free(w->profiles);
		as_strv_free(&w->pin);
		for (size_t j = 0; j < w->n_projects; j++)
			free(w->projects[j].path);
		free(w->projects);
		as_strv_free(&w->egress.lists);
		as_strv_free(&w->egress.allow);
	}
	free(d->agents);
	memset(d, 0, sizeof(*d));
}

static int yes_no(const char *key, const char *v, bool *out, struct as_err *err)
{
	if (strcmp(v, "yes") == 0)
		*out = true;
	else if (strcmp(v, "no") == 0)
		*out = false;
	else
		return as_fail(err, -EINVAL, "%s: must be yes or no", key);
	return 0;
}

static int want_str(char **dst, const char *key, const char *v, struct as_err *err)
{
	if (*dst)
		return as_fail(err, -EINVAL, "duplicate key '%s' in [agent]", key);
	*dst = strdup(v);
	return *dst ? 0 : as_fail(err, -ENOMEM, "out of memory");
}

/* egress = SPEC | @LIST | open: the agent's fence (admin.h). */
static int want_egress(struct want *w, const char *value, struct as_err *err)
{
	struct as_egress_rule rule;
	char canon[320];
	struct shown s;

	w->egress_given = true;
	if (strcmp(value, "open") == 0) {
		if (w->egress.open)
			return as_fail(err, -EINVAL, "egress = open: listed twice");
		w->egress.open = true;
		return 0;
	}
	if (value[0] == '@') {
		if (!as_egress_list_name_valid(value + 1))
			return as_fail(err, -EINVAL, "egress '%s': not a list name",
				       show(&s, value));
		if (as_strv_contains(&w->egress.lists, value + 1))
			return as_fail(err, -EINVAL, "egress '%s': listed twice", show(&s, value));
		w->egress.lists_set = true;
		return as_strv_push(&w->egress.lists, value + 1) < 0 ?
			       as_fail(err, -ENOMEM, "out of memory") :
			       0;
	}
	if (as_egress_spec_parse(value, &rule, err) < 0)
		return -EINVAL;
	if (as_egress_spec_format(&rule, canon, sizeof(canon)) < 0)
		return as_fail(err, -EINVAL, "egress '%s': too long", show(&s, value));
	if (as_strv_contains(&w->egress.allow, canon))
		return as_fail(err, -EINVAL, "egress '%s': listed twice", canon);
	return as_strv_push(&w->egress.allow, canon) < 0 ? as_fail(err, -ENOMEM, "out of memory") :
							   0;
}

static int apply_handler(void *user, const char *section, unsigned seq, const char *key,
			 const char *value, struct as_err *err)
{
	struct desired *d = user;
	struct shown s;
	struct want *w;

	if (strcmp(section, "apply") == 0) {
		if (strcmp(key, "remove-unlisted") == 0)
			return yes_no(key, value, &d->prune, err);
		if (strcmp(key, "keep-home") == 0)
			return yes_no(key, value, &d->keep_home, err);
		return as_fail(err, -EINVAL, "unknown key '%s' in [apply]", key);
	}
	if (strcmp(section, "agent") != 0)
		return as_fail(err, -EINVAL,
			       *section ? "unknown section [%s]" : "'%s' outside a section",
			       *section ? section : key);
	if (d->n == 0 || d->agents[d->n - 1].seq != seq) {
		struct want *nw = realloc(d->agents, (d->n + 1) * sizeof(*nw));

		if (!nw)
			return as_fail(err, -ENOMEM, "out of memory");
		d->agents = nw;
		memset(&nw[d->n], 0, sizeof(*nw));
		nw[d->n].seq = seq;
		d->n++;
	}
	w = &d->agents[d->n - 1];
	if (strcmp(key, "owner") == 0) {
		if (!as_owner_name_valid(value, err))
			return -EINVAL;
		return want_str(&w->owner, key, value, err);
	}
	if (strcmp(key, "account") == 0) {
		if (!as_account_name_valid(value, err))
			return -EINVAL;
		return want_str(&w->account, key, value, err);
	}
	if (strcmp(key, "profile") == 0) {
		if (!as_profile_name_valid(value))
			return as_fail(err, -EINVAL, "profile '%s': not a valid profile name",
				       show(&s, value));
		return want_str(&w->profile, key, value, err);
	}
	if (strcmp(key, "profiles") == 0) {
		if (w->profiles)
			return as_fail(err, -EINVAL, "duplicate key '%s' in [agent]", key);
		if (!as_registry_value_ok(key, value, err) ||
		    as_registry_parse_profiles(value, &w->pin, err) < 0)
			return -EINVAL;
		return want_str(&w->profiles, key, value, err);
	}
	if (strcmp(key, "home") == 0) {
		if (value[0] != '/')
			return as_fail(err, -EINVAL, "home '%s': not an absolute path",
				       show(&s, value));
		return want_str(&w->home, key, value, err);
	}
	if (strcmp(key, "project") == 0 || strcmp(key, "project-ro") == 0) {
		struct want_project *np;
		char canon[PATH_MAX];
		const char *path = value;

		if (value[0] != '/')
			return as_fail(err, -EINVAL, "%s '%s': not an absolute path", key,
				       show(&s, value));
		/* The registry holds canonical paths; compare like with like.
		 * A path that does not resolve stays as written: grant will
		 * say what is wrong with it. */
		if (realpath(value, canon))
			path = canon;
		for (size_t i = 0; i < w->n_projects; i++)
			if (strcmp(w->projects[i].path, path) == 0)
				return as_fail(err, -EINVAL, "%s '%s': listed twice", key,
					       show(&s, value));
		np = realloc(w->projects, (w->n_projects + 1) * sizeof(*np));
		if (!np)
			return as_fail(err, -ENOMEM, "out of memory");
		w->projects = np;
		np[w->n_projects].path = strdup(path);
		np[w->n_projects].read_only = key[7] != '\0';
		if (!np[w->n_projects].path)
			return as_fail(err, -ENOMEM, "out of memory");
		w->n_projects++;
		return 0;
	}
	if (strcmp(key, "egress") == 0)
		return want_egress(w, value, err);
	return as_fail(err, -EINVAL, "unknown key '%s' in [agent]", key);
}

int admin_desired_parse(const char *text, const char *file, struct desired *d, struct as_err *err)
{
	int rc;

	memset(d, 0, sizeof(*d));
	d->prune = true;
	rc = as_ini_parse_string(text, file, apply_handler, d, err);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < d->n; i++) {
		if (!d->agents[i].owner)
			return as_fail(err, -EINVAL, "%s: an [agent] section without 'owner'",
				       file);
		for (size_t j = 0; j < i; j++)
			if (strcmp(d->agents[i].owner, d->agents[j].owner) == 0)
				return as_fail(err, -EINVAL, "%s: owner '%s' listed twice", file,
					       d->agents[i].owner);
	}
	return 0;
}
