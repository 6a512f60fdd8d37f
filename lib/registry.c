/* SPDX-License-Identifier: MIT */
/*
 * The registry file, read side: parse (system inih), load, find.  The
 * write side (format, atomic save, delete, the add intent) is
 * lib/registry-write.c, which only agent-admin links.
 *
 * The system inih (Debian's libinih) is fixed at build time: lines of at
 * most INI_MAX_LINE bytes including "\r\n\0" (longer lines are cut, the rest
 * silently dropped), inline comments after " ;", multi-line values
 * (an indented line continues the previous key).  So that none of that can
 * change a registry's meaning, we feed inih through our own reader, which
 * refuses over-long lines before inih sees them, strips leading whitespace
 * (no continuation lines), counts lines for "FILE:LINE" messages and tells
 * the handler where each [section] starts; and the values we write never
 * contain ';' or '#' (as_registry_value_ok).
 */
#include "registry.h"
#include "ini-reader.h"
#include "egress.h"
#include "path.h"
#include "names.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define REG_SUFFIX ".conf"
#define REG_MAX_SIZE (1 << 20)
/* "3 more than the longest line (due to '\r', '\n', and '\0')": ini.h. */
#define REG_MAX_LINE (INI_MAX_LINE - 3)
/* The UTF-8 byte order mark, which inih skips at the start of a file. */

void as_registry_init(struct as_registry *r)
{
	memset(r, 0, sizeof(*r));
}

static void project_free(struct as_reg_project *p)
{
	free(p->path);
	as_strv_free(&p->traverse);
	as_strv_free(&p->traverse_pending);
	memset(p, 0, sizeof(*p));
}

void as_registry_free(struct as_registry *r)
{
	free(r->owner);
	free(r->account);
	free(r->home);
	free(r->profile);
	as_strv_free(&r->profiles);
	for (size_t i = 0; i < r->n_projects; i++)
		project_free(&r->projects[i]);
	free(r->projects);
	as_strv_free(&r->egress.lists);
	as_strv_free(&r->egress.allow);
	as_registry_init(r);
}

/* ---- values ---------------------------------------------------------- */

int as_registry_parse_profiles(const char *list, struct as_strv *out, struct as_err *err)
{
	char shown[256];
	const char *p = list;

	as_escape(list, shown, sizeof(shown));
	if (strcmp(list, "all") == 0)
		return 0;
	for (;;) {
		size_t n = strcspn(p, ",");
		char *name = strndup(p, n);
		char one[128];

		if (!name)
			return as_fail(err, -ENOMEM, "out of memory");
		as_escape(name, one, sizeof(one));
		if (!as_profile_name_valid(name) || strcmp(name, "all") == 0) {
			free(name);
			as_strv_free(out);
			return as_fail(err, -EINVAL,
				       "profiles '%s': '%s' is not a valid profile name", shown,
				       one);
		}
		if (as_strv_contains(out, name)) {
			free(name);
			as_strv_free(out);
			return as_fail(err, -EINVAL, "profiles '%s': '%s' is listed twice", shown,
				       one);
		}
		if (as_strv_push_take(out, name) < 0) {
			as_strv_free(out);
			return as_fail(err, -ENOMEM, "out of memory");
		}
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
}

char *as_registry_join_profiles(const struct as_strv *profiles, const char *sep)
{
	size_t len = 1;
	char *s;

	if (profiles->n == 0)
		return strdup("all");
	for (size_t i = 0; i < profiles->n; i++)
		len += strlen(profiles->v[i]) + strlen(sep);
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; i < profiles->n; i++) {
		if (i)
			strcat(s, sep);
		strcat(s, profiles->v[i]);
	}
	return s;
}

bool as_registry_profile_allowed(const struct as_registry *r, const char *name)
{
	return r->profiles.n == 0 || as_strv_contains(&r->profiles, name);
}

bool as_registry_value_ok(const char *key, const char *value, struct as_err *err)
{
	char shown[256];
	size_t len;

	if (!value) {
		as_err_set(err, "%s: no value", key);
		return false;
	}
	as_escape(value, shown, sizeof(shown));
	len = strlen(value);
	if (len == 0) {
		as_err_set(err, "%s: empty value", key);
		return false;
	}
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			as_err_set(err, "%s '%s': contains a control character", key, shown);
			return false;
		}
		if (*p == ';' || *p == '#') {
			as_err_set(err,
				   "%s '%s': contains '%c', which the registry (INI) cannot store",
				   key, shown, *p);
			return false;
		}
	}
	if (value[0] == ' ' || value[len - 1] == ' ') {
		as_err_set(err,
			   "%s '%s': leading or trailing space, which the registry (INI) cannot store",
			   key, shown);
		return false;
	}
	if (strlen(key) + 3 + len > REG_MAX_LINE) {
		as_err_set(err,
			   "%s '%s': too long for the registry (a line holds at most %d bytes)",
			   key, shown, REG_MAX_LINE);
		return false;
	}
	return true;
}

static int parse_id(const char *s, uid_t *out)
{
	unsigned long long v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*s - '0');
		if (v >= (uid_t)-1)
			return -ERANGE;
	}
	*out = (uid_t)v;
	return 0;
}

/* ---- the registry grammar -------------------------------------------- */

enum {
	SEEN_OWNER = 1,
	SEEN_OWNER_UID = 2,
	SEEN_ACCOUNT = 4,
	SEEN_ACCOUNT_UID = 8,
	SEEN_HOME = 16,
	SEEN_PROFILE = 32,
	SEEN_SUDO = 64,
	SEEN_PROFILES = 128
};
enum { PSEEN_ACCESS = 1, PSEEN_STATE = 2 };

struct parser {
	struct as_registry *r;
	unsigned agent_seq;    /* section_seq of the [agent] section, 0 none */
	unsigned project_seq;  /* section_seq of the current [project] */
	unsigned project_seen; /* PSEEN_* for the current project */
	unsigned seen;         /* SEEN_* */
	unsigned egress_seq;   /* section_seq of [egress], 0 none */
	unsigned egress_seen;  /* 1 mode, 2 lists */
};

static int set_str(char **dst, const char *key, const char *value, struct as_err *err)
{
	if (!as_registry_value_ok(key, value, err))
		return -EINVAL;
	*dst = strdup(value);
	if (!*dst)
		return as_fail(err, -ENOMEM, "out of memory");
	return 0;
}

static int set_path(char **dst, const char *key, const char *value, struct as_err *err)
{
	char shown[256];

	if (value[0] != '/') {
		as_escape(value, shown, sizeof(shown));
		return as_fail(err, -EINVAL, "%s '%s': not an absolute path", key, shown);
	}
	return set_str(dst, key, value, err);
}

static int agent_key(struct parser *p, const char *name, const char *value, struct as_err *err)
{
	/* clang-format off */
	static const struct { const char *name; unsigned bit; } keys[] = {
		{ "owner", SEEN_OWNER }, { "owner-uid", SEEN_OWNER_UID },
		{ "account", SEEN_ACCOUNT }, { "account-uid", SEEN_ACCOUNT_UID },
		{ "home", SEEN_HOME }, { "profile", SEEN_PROFILE }, { "sudo", SEEN_SUDO },
		{ "profiles", SEEN_PROFILES },
	};
	/* clang-format on */
	struct as_registry *r = p->r;
	struct as_err e;
	unsigned bit = 0;
	char shown[256];

	for (size_t i = 0; i < AS_ARRAY_SIZE(keys); i++)
		if (strcmp(name, keys[i].name) == 0)
			bit = keys[i].bit;
	if (!bit)
		return as_fail(err, -EINVAL, "unknown key '%s' in [agent]", name);
	if (p->seen & bit)
		return as_fail(err, -EINVAL, "duplicate key '%s' in [agent]", name);
	p->seen |= bit;
	as_escape(value, shown, sizeof(shown));

	switch (bit) {
	case SEEN_OWNER:
		if (!as_owner_name_valid(value, &e))
			return as_fail(err, -EINVAL, "owner: %s", e.msg);
		return set_str(&r->owner, name, value, err);
	case SEEN_ACCOUNT:
		if (!as_account_name_valid(value, &e))
			return as_fail(err, -EINVAL, "account: %s", e.msg);
		return set_str(&r->account, name, value, err);
	case SEEN_OWNER_UID:
	case SEEN_ACCOUNT_UID:
		if (parse_id(value, bit == SEEN_OWNER_UID ? &r->owner_uid : &r->account_uid) < 0)
			return as_fail(err, -EINVAL, "%s '%s': not a valid uid", name, shown);
		return 0;
	case SEEN_HOME:
		return set_path(&r->home, name, value, err);
	case SEEN_PROFILE:
		if (!as_profile_name_valid(value))
			return as_fail(err, -EINVAL, "profile '%s': not a valid profile name",
				       shown);
		return set_str(&r->profile, name, value, err);
	case SEEN_PROFILES:
		/* "all" is never written (the key is left out instead), so a
		 * registry that says it was not written by agent-admin. */
		if (strcmp(value, "all") == 0)
			return as_fail(err, -EINVAL,
				       "profiles 'all': leave the key out to allow any profile");
		if (!as_registry_value_ok(name, value, err))
			return -EINVAL;
		return as_registry_parse_profiles(value, &r->profiles, err);
	case SEEN_SUDO:
		if (strcmp(value, "yes") == 0)
			r->sudo = true;
		else if (strcmp(value, "no") == 0)
			r->sudo = false;
		else
			return as_fail(err, -EINVAL, "sudo '%s': must be yes or no", shown);
		return 0;
	}
	return as_fail(err, -EINVAL, "unknown key '%s' in [agent]", name);
}

static int project_key(struct parser *p, unsigned seq, const char *name, const char *value,
		       struct as_err *err)
{
	struct as_registry *r = p->r;
	struct as_reg_project *proj;
	char shown[256];

	as_escape(value, shown, sizeof(shown));
	if (p->project_seq != seq) {
		/* A new [project] section: "path" must open it. */
		char *path = NULL;
		int rc;

		if (strcmp(name, "path") != 0)
			return as_fail(err, -EINVAL, "[project] must start with 'path', not '%s'",
				       name);
		rc = set_path(&path, name, value, err);
		if (rc < 0)
			return rc;
		rc = as_registry_project_add(r, path);
		free(path);
		if (rc < 0)
			return as_fail(err, rc, "out of memory");
		r->projects[rc].state = AS_REG_GRANTED;
		p->project_seq = seq;
		p->project_seen = 0;
		return 0;
	}
	proj = &r->projects[r->n_projects - 1];
	if (strcmp(name, "path") == 0)
		return as_fail(
			err, -EINVAL,
			"duplicate key 'path' in [project] (each project needs its own [project] header)");
	if (strcmp(name, "access") == 0) {
		if (p->project_seen & PSEEN_ACCESS)
			return as_fail(err, -EINVAL, "duplicate key 'access' in [project]");
		p->project_seen |= PSEEN_ACCESS;
		if (strcmp(value, "rw") == 0)
			proj->read_only = false;
		else if (strcmp(value, "ro") == 0)
			proj->read_only = true;
		else
			return as_fail(err, -EINVAL, "access '%s': must be rw or ro", shown);
		return 0;
	}
	if (strcmp(name, "state") == 0) {
		if (p->project_seen & PSEEN_STATE)
			return as_fail(err, -EINVAL, "duplicate key 'state' in [project]");
		p->project_seen |= PSEEN_STATE;
		if (strcmp(value, "granting") == 0)
			proj->state = AS_REG_GRANTING;
		else if (strcmp(value, "revoking") == 0)
			proj->state = AS_REG_REVOKING;
		else
			return as_fail(err, -EINVAL, "state '%s': must be granting or revoking",
				       shown);
		return 0;
	}
	if (strcmp(name, "traverse") == 0 || strcmp(name, "traverse-pending") == 0) {
		struct as_strv *sv = name[8] ? &proj->traverse_pending : &proj->traverse;
		char *v = NULL;
		int rc;

		rc = set_path(&v, name, value, err);
		if (rc < 0)
			return rc;
		if (as_strv_contains(sv, v)) {
			free(v);
			return as_fail(err, -EINVAL, "duplicate %s '%s'", name, shown);
		}
		if (as_strv_push_take(sv, v) < 0)
			return as_fail(err, -ENOMEM, "out of memory");
		return 0;
	}
	return as_fail(err, -EINVAL, "unknown key '%s' in [project]", name);
}

/* [egress]: the agent's network fence (registry.h). */
static int egress_key(struct parser *p, const char *name, const char *value, struct as_err *err)
{
	struct as_reg_egress *eg = &p->r->egress;
	char shown[256];

	as_escape(value, shown, sizeof(shown));
	if (strcmp(name, "mode") == 0) {
		if (p->egress_seen & 1)
			return as_fail(err, -EINVAL, "duplicate key 'mode' in [egress]");
		p->egress_seen |= 1;
		if (strcmp(value, "open") == 0)
			eg->open = true;
		else if (strcmp(value, "restricted") != 0)
			return as_fail(err, -EINVAL, "mode '%s': must be restricted or open",
				       shown);
		return 0;
	}
	if (strcmp(name, "lists") == 0) {
		_cleanup_free_ char *copy = strdup(value);
		char *save = NULL;

		if (p->egress_seen & 2)
			return as_fail(err, -EINVAL, "duplicate key 'lists' in [egress]");
		p->egress_seen |= 2;
		if (!copy)
			return as_fail(err, -ENOMEM, "out of memory");
		if (strcmp(value, "default") == 0)
			return 0;
		eg->lists_set = true;
		if (strcmp(value, "none") == 0)
			return 0;
		for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			if (!as_egress_list_name_valid(t) || strcmp(t, "none") == 0 ||
			    strcmp(t, "default") == 0)
				return as_fail(err, -EINVAL, "lists '%s': not a list of list names",
					       shown);
			if (as_strv_contains(&eg->lists, t))
				return as_fail(err, -EINVAL, "lists '%s': a list named twice",
					       shown);
			if (as_strv_push(&eg->lists, t) < 0)
				return as_fail(err, -ENOMEM, "out of memory");
		}
		if (eg->lists.n == 0 || value[strlen(value) - 1] == ',' || value[0] == ',' ||
		    strstr(value, ",,"))
			return as_fail(err, -EINVAL, "lists '%s': not a list of list names", shown);
		return 0;
	}
	if (strcmp(name, "allow") == 0) {
		struct as_egress_rule rule;
		char canon[320];
		struct as_err e;

		if (as_egress_spec_parse(value, &rule, &e) < 0)
			return as_fail(err, -EINVAL, "allow: %s", e.msg);
		if (as_egress_spec_format(&rule, canon, sizeof(canon)) < 0)
			return as_fail(err, -EINVAL, "allow '%s': too long", shown);
		if (as_strv_contains(&eg->allow, canon))
			return as_fail(err, -EINVAL, "duplicate allow '%s'", canon);
		if (as_strv_push(&eg->allow, canon) < 0)
			return as_fail(err, -ENOMEM, "out of memory");
		return 0;
	}
	return as_fail(err, -EINVAL, "unknown key '%s' in [egress]", name);
}

static int reg_handler(void *user, const char *section, unsigned seq, const char *name,
		       const char *value, struct as_err *err)
{
	struct parser *p = user;

	if (!*section)
		return as_fail(err, -EINVAL, "'%s' outside a section", name);
	if (strcmp(section, "agent") == 0) {
		if (p->agent_seq && p->agent_seq != seq)
			return as_fail(err, -EINVAL, "more than one [agent] section");
		p->agent_seq = seq;
		return agent_key(p, name, value, err);
	}
	if (strcmp(section, "project") == 0)
		return project_key(p, seq, name, value, err);
	if (strcmp(section, "egress") == 0) {
		if (p->egress_seq && p->egress_seq != seq)
			return as_fail(err, -EINVAL, "more than one [egress] section");
		p->egress_seq = seq;
		return egress_key(p, name, value, err);
	}
	return as_fail(err, -EINVAL, "unknown section [%s]", section);
}

int as_registry_parse_string(struct as_registry *r, const char *text, const char *filename,
			     struct as_err *err)
{
	struct parser p = { .r = r };
	/* clang-format off */
	static const struct { unsigned bit; const char *name; } required[] = {
		{ SEEN_OWNER, "owner" }, { SEEN_OWNER_UID, "owner-uid" },
		{ SEEN_ACCOUNT, "account" }, { SEEN_ACCOUNT_UID, "account-uid" },
		{ SEEN_HOME, "home" },
	};
	/* clang-format on */
	int rc;

	as_registry_init(r);
	rc = as_ini_parse_string(text, filename, reg_handler, &p, err);
	if (rc < 0)
		goto fail;
	rc = -EINVAL;
	if (!p.agent_seq) {
		as_err_set(err, "%s: no [agent] section", filename);
		goto fail;
	}
	for (size_t i = 0; i < AS_ARRAY_SIZE(required); i++) {
		if (!(p.seen & required[i].bit)) {
			as_err_set(err, "%s: [agent] lacks '%s'", filename, required[i].name);
			goto fail;
		}
	}
	if (!r->profile && !(r->profile = strdup("default"))) {
		rc = as_fail(err, -ENOMEM, "%s: out of memory", filename);
		goto fail;
	}
	for (size_t i = 0; i < r->n_projects; i++) {
		for (size_t j = 0; j < i; j++) {
			if (strcmp(r->projects[i].path, r->projects[j].path) == 0) {
				char shown[256];

				as_escape(r->projects[i].path, shown, sizeof(shown));
				as_err_set(err, "%s: project '%s' listed twice", filename, shown);
				goto fail;
			}
		}
	}
	return 0;
fail:
	as_registry_free(r);
	return rc;
}

/* ---- loading --------------------------------------------------------- */

static int load_path(struct as_registry *r, const char *path, enum as_trust trust,
		     struct as_err *err)
{
	_cleanup_free_ char *text = NULL;
	int rc;

	/* The directory is root's (AS_REGISTRYDIR); O_NOFOLLOW and the fd
	 * checks in as_read_file cover the file itself. */
	rc = as_read_file(AT_FDCWD, path, trust, REG_MAX_SIZE, &text, err);
	if (rc == -ENOENT)
		return as_fail(err, rc, "%s: no such registry file", path);
	if (rc < 0)
		return rc;
	return as_registry_parse_string(r, text, path, err);
}

static int open_dir(const char *dir, struct as_err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return as_fail(err, -errno, "%s: %s", dir, strerror(errno));
	return fd;
}

int as_registry_load(struct as_registry *r, const char *dir, const char *owner, enum as_trust trust,
		     struct as_err *err)
{
	_cleanup_free_ char *path = NULL;
	int rc;

	as_registry_init(r);
	if (!as_owner_name_valid(owner, err))
		return -EINVAL;
	if (asprintf(&path, "%s/%s" REG_SUFFIX, dir, owner) < 0) {
		path = NULL;
		return as_fail(err, -ENOMEM, "out of memory");
	}
	rc = load_path(r, path, trust, err);
	if (rc < 0)
		return rc;
	if (strcmp(r->owner, owner) != 0) {
		rc = as_fail(err, -EINVAL, "%s: owner '%s' does not match the file name", path,
			     r->owner);
		as_registry_free(r);
	}
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int as_registry_list(const char *dir, struct as_strv *owners, struct as_err *err)
{
	DIR *d;
	struct dirent *de;
	int dfd, rc = 0;

	dfd = open_dir(dir, err);
	if (dfd < 0)
		return dfd == -ENOENT ? 0 : dfd;
	d = fdopendir(dfd);
	if (!d) {
		rc = as_fail(err, -errno, "%s: %s", dir, strerror(errno));
		close(dfd);
		return rc;
	}
	while ((errno = 0, de = readdir(d))) {
		size_t len = strlen(de->d_name), sl = strlen(REG_SUFFIX);
		char *owner;

		/* Temp files and intents start with '.'; only OWNER.conf counts. */
		if (de->d_name[0] == '.' || len <= sl ||
		    strcmp(de->d_name + len - sl, REG_SUFFIX) != 0)
			continue;
		owner = strndup(de->d_name, len - sl);
		if (!owner) {
			rc = as_fail(err, -ENOMEM, "out of memory");
			break;
		}
		if (!as_owner_name_valid(owner, NULL)) {
			free(owner);
			continue;
		}
		rc = as_strv_push_take(owners, owner);
		if (rc < 0) {
			as_fail(err, rc, "out of memory");
			break;
		}
	}
	if (!rc && errno)
		rc = as_fail(err, -errno, "%s: %s", dir, strerror(errno));
	closedir(d);
	if (owners->n > 1)
		qsort(owners->v, owners->n, sizeof(*owners->v), cmp_str);
	return rc;
}

int as_registry_find_by_account(struct as_registry *r, const char *dir, const char *account,
				enum as_trust trust, struct as_err *err)
{
	struct as_strv owners = { 0 };
	struct as_err first = { "" };
	int rc, first_rc = 0;

	as_registry_init(r);
	rc = as_registry_list(dir, &owners, err);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < owners.n; i++) {
		struct as_registry cand;
		struct as_err e;

		rc = as_registry_load(&cand, dir, owners.v[i], trust, &e);
		if (rc < 0) {
			/* A broken file might be the one naming ACCOUNT: remember
			 * it, so "not found" is not claimed when we cannot know. */
			if (!first_rc) {
				first_rc = rc;
				first = e;
			}
			continue;
		}
		if (strcmp(cand.account, account) == 0) {
			*r = cand;
			as_strv_free(&owners);
			return 0;
		}
		as_registry_free(&cand);
	}
	as_strv_free(&owners);
	if (first_rc) {
		if (err)
			*err = first;
		return first_rc;
	}
	return as_fail(err, -ENOENT, "%s: no registry names this account", account);
}

/* ---- projects -------------------------------------------------------- */

int as_registry_project_for(const struct as_registry *r, const char *dir)
{
	for (size_t i = 0; i < r->n_projects; i++)
		if (r->projects[i].state == AS_REG_GRANTED &&
		    as_path_within(dir, r->projects[i].path))
			return (int)i;
	return -1;
}

int as_registry_project_find(const struct as_registry *r, const char *path)
{
	for (size_t i = 0; i < r->n_projects; i++)
		if (strcmp(r->projects[i].path, path) == 0)
			return (int)i;
	return -1;
}

int as_registry_project_add(struct as_registry *r, const char *path)
{
	struct as_reg_project *np;
	char *dup = strdup(path);

	if (!dup)
		return -ENOMEM;
	np = realloc(r->projects, (r->n_projects + 1) * sizeof(*np));
	if (!np) {
		free(dup);
		return -ENOMEM;
	}
	r->projects = np;
	memset(&np[r->n_projects], 0, sizeof(*np));
	np[r->n_projects].path = dup;
	np[r->n_projects].state = AS_REG_GRANTING;
	return (int)r->n_projects++;
}

void as_registry_project_remove(struct as_registry *r, size_t i)
{
	if (i >= r->n_projects)
		return;
	project_free(&r->projects[i]);
	memmove(&r->projects[i], &r->projects[i + 1],
		(r->n_projects - i - 1) * sizeof(*r->projects));
	r->n_projects--;
}
