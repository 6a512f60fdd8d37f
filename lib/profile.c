/* SPDX-License-Identifier: MIT */
/*
 * The profile grammar.  Lines come through the shared INI reader
 * (lib/ini-reader.h: strict lines fed to inih, the sections listed below,
 * every error "FILE:LINE: problem"); this file gives the keys meaning.
 *
 * The reader stops at the first error, so a profile is either read whole or
 * refused.  Rules (paths, ports, environment, seccomp) accumulate into the
 * policy as they are read; scalars (description, landlock, scopes, limits)
 * are resolved per file at the end: a file's own value beats its includes,
 * and among includes the last one listed wins.
 */
#include "profile.h"
#include "ini-reader.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "env.h"
#include "seccomp.h"

/* A value that can be set once per file; the includer's beats its includes'. */
struct slot {
	bool set;
	struct as_origin at;
};

struct scalars {
	struct slot description;
	char *description_v;
	struct slot landlock;
	enum as_landlock_mode landlock_v;
	struct slot scope_unix;
	bool scope_unix_v;
	struct slot scope_signal;
	bool scope_signal_v;
	struct slot rlimit[RLIM_NLIMITS];
	rlim_t rlimit_v[RLIM_NLIMITS];
};

/* State shared by the whole include tree. */
struct loader {
	struct as_policy *pol;
	const struct as_profile_opts *opts;
	struct as_err *err;
	const char *const *dirs;
	/* The include chain from the top-level profile down, for cycles. */
	const char *chain[AS_PROFILE_MAX_INCLUDE_DEPTH + 1];
	/* Every named profile read so far, anywhere in the tree. */
	struct as_strv seen;
};

/* One file being read. */
struct pfile {
	struct loader *ld;
	const char *file;        /* as opened; interned in pol->sources */
	int depth;               /* 0 for the top-level profile */
	struct as_ini_reader rd; /* lib/ini-reader.h: the line inih holds is rd.line */
	bool failed;
	int rc;
	struct scalars own;       /* set by this file */
	struct scalars inherited; /* resolved from its includes, last wins */
};

static const char *const default_dirs[] = { AS_PROFILEDIR_ETC, AS_PROFILEDIR_VENDOR, NULL };

static const char *const sections[] = {
	"profile", "filesystem", "network", "scope", "seccomp", "environment", "limits", NULL,
};

/* Quotes user text for an error message: control characters never reach
 * the terminal or the log raw.  The buffer lives until the end of the
 * enclosing block (a compound literal). */
#define Q(s) quote((s), (char[AS_ERR_MAX]){ 0 }, AS_ERR_MAX)

static const char *quote(const char *s, char *buf, size_t len)
{
	as_escape(s, buf, len);
	return buf;
}

static int pf_fail(struct pfile *pf, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int pf_fail(struct pfile *pf, int code, const char *fmt, ...)
{
	char msg[AS_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	as_err_set(pf->ld->err, "%s:%u: %s", Q(pf->file), pf->rd.line, msg);
	pf->failed = true;
	pf->rd.failed = true; /* the reader hands out no further line */
	pf->rc = code;
	return code;
}

/* ---- scalars ---------------------------------------------------------- */

static void scalars_free(struct scalars *s)
{
	free(s->description_v);
	memset(s, 0, sizeof(*s));
}

/* Copies every slot src has set over dst. */
static int scalars_overlay(struct scalars *dst, const struct scalars *src)
{
	if (src->description.set) {
		char *d = strdup(src->description_v);

		if (!d)
			return -ENOMEM;
		free(dst->description_v);
		dst->description_v = d;
		dst->description = src->description;
	}
	if (src->landlock.set) {
		dst->landlock = src->landlock;
		dst->landlock_v = src->landlock_v;
	}
	if (src->scope_unix.set) {
		dst->scope_unix = src->scope_unix;
		dst->scope_unix_v = src->scope_unix_v;
	}
	if (src->scope_signal.set) {
		dst->scope_signal = src->scope_signal;
		dst->scope_signal_v = src->scope_signal_v;
	}
	for (size_t i = 0; i < RLIM_NLIMITS; i++) {
		if (src->rlimit[i].set) {
			dst->rlimit[i] = src->rlimit[i];
			dst->rlimit_v[i] = src->rlimit_v[i];
		}
	}
	return 0;
}

static int scalars_apply(struct as_policy *pol, const struct scalars *s)
{
	if (s->description.set) {
		char *d = strdup(s->description_v);

		if (!d)
			return -ENOMEM;
		free(pol->description);
		pol->description = d;
	}
	if (s->landlock.set) {
		pol->landlock = s->landlock_v;
		pol->landlock_set = true;
	}
	if (s->scope_unix.set)
		pol->scope_abstract_unix = s->scope_unix_v;
	if (s->scope_signal.set)
		pol->scope_signal = s->scope_signal_v;
	for (size_t i = 0; i < RLIM_NLIMITS; i++) {
		if (s->rlimit[i].set) {
			pol->rlimits[i].set = true;
			pol->rlimits[i].value = s->rlimit_v[i];
			pol->rlimits[i].origin = s->rlimit[i].at;
		}
	}
	return 0;
}

/* Claims a scalar slot for this file; setting it twice in one file is an error. */
static int claim(struct pfile *pf, struct slot *s, const char *key)
{
	if (s->set)
		return pf_fail(pf, -EINVAL, "'%s' is already set on line %u", Q(key), s->at.line);
	s->set = true;
	s->at.file = pf->file;
	s->at.line = pf->rd.line;
	return 0;
}

/* ---- values ----------------------------------------------------------- */

/* Expands a leading @project, @home or @tmp (followed by '/' or the end).
 * Any other leading '@' is an error naming it.  With base_len, says how
 * much of *out is the variable's value (0 without one) and which it was. */
static int expand(struct pfile *pf, const char *v, char **out, size_t *base_len,
		  const char **base_var)
{
	const struct as_profile_vars *vars = &pf->ld->opts->vars;
	static const char *const names[] = { "project", "home", "tmp" };
	static const char *const vnames[] = { "@project", "@home", "@tmp" };
	const char *vals[] = { vars->project, vars->home, vars->tmp };
	size_t nl = strcspn(v + 1, "/");
	const char *val = NULL;
	size_t vl;

	*out = NULL;
	if (base_len) {
		*base_len = 0;
		*base_var = NULL;
	}
	if (v[0] != '@') {
		*out = strdup(v);
		return *out ? 0 : pf_fail(pf, -ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < AS_ARRAY_SIZE(names); i++) {
		if (strlen(names[i]) == nl && strncmp(v + 1, names[i], nl) == 0) {
			val = vals[i];
			if (!val || !*val)
				return pf_fail(pf, -EINVAL, "variable @%s has no value here",
					       names[i]);
			if (base_var)
				*base_var = vnames[i];
			break;
		}
	}
	if (!val) {
		char name[AS_ERR_MAX];

		snprintf(name, sizeof(name), "%.*s", (int)(nl + 1), v);
		return pf_fail(pf, -EINVAL, "unknown variable '%s' (known: @project, @home, @tmp)",
			       Q(name));
	}
	/* "@home/x" with home "/h/" gives "/h/x", not "/h//x". */
	vl = strlen(val);
	while (vl > 1 && val[vl - 1] == '/' && v[1 + nl] == '/')
		vl--;
	if (asprintf(out, "%.*s%s", (int)vl, val, v + 1 + nl) < 0) {
		*out = NULL;
		return pf_fail(pf, -ENOMEM, "out of memory");
	}
	if (base_len)
		*base_len = vl;
	return 0;
}

static int parse_path(struct pfile *pf, const char *key, const char *v, unsigned access)
{
	_cleanup_free_ char *path = NULL;
	struct as_origin at = { pf->file, pf->rd.line };
	const char *base_var = NULL;
	bool optional = false;
	size_t base_len;
	int r;

	if (v[0] == '?') {
		optional = true;
		v++;
		if (!*v)
			return pf_fail(pf, -EINVAL, "%s: '?' needs a path after it", key);
	}
	r = expand(pf, v, &path, &base_len, &base_var);
	if (r < 0)
		return r;
	/* as_policy_add_path names file:line and the path itself. */
	r = as_policy_add_path_beneath(pf->ld->pol, path, base_len, base_var, access, optional, at,
				       pf->ld->err);
	if (r < 0) {
		pf->failed = true;
		pf->rd.failed = true; /* the reader hands out no further line */
		pf->rc = r;
	}
	return r;
}

static int parse_port(struct pfile *pf, const char *key, const char *v, enum as_port_kind kind)
{
	struct as_origin at = { pf->file, pf->rd.line };
	struct as_err e = { "" };
	uint16_t port;
	int r;

	r = as_parse_port(v, &port, &e);
	if (r == 0)
		r = as_policy_add_port(pf->ld->pol, kind, port, at, &e);
	if (r < 0)
		return pf_fail(pf, r, "%s: %s", key, e.msg);
	return 0;
}

static int parse_rlimit_value(const char *s, rlim_t *out)
{
	rlim_t v = 0, mult = 1;
	const char *p = s;

	if (strcmp(s, "unlimited") == 0) {
		*out = RLIM_INFINITY;
		return 0;
	}
	if (!(*p >= '0' && *p <= '9'))
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		rlim_t d = (rlim_t)(*p - '0');

		if (v > (RLIM_INFINITY - 1 - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	switch (*p) {
	case '\0':
		break;
	case 'K':
		mult = 1024;
		p++;
		break;
	case 'M':
		mult = 1024 * 1024;
		p++;
		break;
	case 'G':
		mult = 1024 * 1024 * 1024;
		p++;
		break;
	default:
		return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	/* The result must stay below RLIM_INFINITY, which means "unlimited". */
	if (v > (RLIM_INFINITY - 1) / mult)
		return -ERANGE;
	*out = v * mult;
	return 0;
}

/* ---- sections --------------------------------------------------------- */

static int load_named(struct loader *ld, struct pfile *parent, const char *name, int depth,
		      struct scalars *eff);

static int key_profile(struct pfile *pf, const char *key, const char *v)
{
	struct loader *ld = pf->ld;
	struct scalars eff = { 0 };
	int r;

	if (strcmp(key, "description") == 0) {
		r = claim(pf, &pf->own.description, key);
		if (r < 0)
			return r;
		pf->own.description_v = strdup(v);
		return pf->own.description_v ? 0 : pf_fail(pf, -ENOMEM, "out of memory");
	}
	if (strcmp(key, "landlock") == 0) {
		enum as_landlock_mode m;

		if (strcmp(v, "required") == 0)
			m = AS_LANDLOCK_REQUIRED;
		else if (strcmp(v, "best-effort") == 0)
			m = AS_LANDLOCK_BEST_EFFORT;
		else
			return pf_fail(pf, -EINVAL,
				       "landlock: '%s': expected required or best-effort", Q(v));
		r = claim(pf, &pf->own.landlock, key);
		if (r < 0)
			return r;
		pf->own.landlock_v = m;
		return 0;
	}
	if (strcmp(key, "include") != 0)
		return pf_fail(pf, -EINVAL, "unknown key '%s' in [profile]", Q(key));

	if (!as_profile_name_valid(v))
		return pf_fail(pf, -EINVAL, "include: '%s': not a valid profile name", Q(v));
	for (int i = 0; i <= pf->depth; i++) {
		if (strcmp(ld->chain[i], v) == 0) {
			char chain[AS_ERR_MAX] = "";
			size_t o = 0;

			for (int j = 0; j <= pf->depth && o < sizeof(chain); j++)
				o += (size_t)snprintf(chain + o, sizeof(chain) - o, "%s -> ",
						      Q(ld->chain[j]));
			if (o < sizeof(chain))
				snprintf(chain + o, sizeof(chain) - o, "%s", v);
			return pf_fail(pf, -ELOOP, "include cycle: %s", chain);
		}
	}
	if (as_strv_contains(&ld->seen, v))
		return pf_fail(pf, -EINVAL, "profile '%s' already included", v);
	if (pf->depth >= AS_PROFILE_MAX_INCLUDE_DEPTH)
		return pf_fail(pf, -ELOOP, "include '%s': includes nested deeper than %d levels", v,
			       AS_PROFILE_MAX_INCLUDE_DEPTH);
	r = load_named(ld, pf, v, pf->depth + 1, &eff);
	if (r == 0)
		r = scalars_overlay(&pf->inherited, &eff);
	scalars_free(&eff);
	if (r < 0) {
		if (!pf->failed && r == -ENOMEM)
			return pf_fail(pf, r, "out of memory");
		pf->failed = true;
		pf->rd.failed = true; /* the reader hands out no further line */
		pf->rc = r;
	}
	return r;
}

static int key_filesystem(struct pfile *pf, const char *key, const char *v)
{
	if (strcmp(key, "read") == 0)
		return parse_path(pf, key, v, AS_FS_READ);
	if (strcmp(key, "write") == 0)
		return parse_path(pf, key, v, AS_FS_WRITE);
	if (strcmp(key, "exec") == 0)
		return parse_path(pf, key, v, AS_FS_EXEC);
	return pf_fail(pf, -EINVAL, "unknown key '%s' in [filesystem]", Q(key));
}

static int key_network(struct pfile *pf, const char *key, const char *v)
{
	if (strcmp(key, "connect-tcp") == 0)
		return parse_port(pf, key, v, AS_PORT_CONNECT);
	if (strcmp(key, "bind-tcp") == 0)
		return parse_port(pf, key, v, AS_PORT_BIND);
	return pf_fail(pf, -EINVAL, "unknown key '%s' in [network]", Q(key));
}

static int key_scope(struct pfile *pf, const char *key, const char *v)
{
	struct slot *s;
	bool *val;
	bool isolated;
	int r;

	if (strcmp(key, "abstract-unix") == 0) {
		s = &pf->own.scope_unix;
		val = &pf->own.scope_unix_v;
	} else if (strcmp(key, "signal") == 0) {
		s = &pf->own.scope_signal;
		val = &pf->own.scope_signal_v;
	} else {
		return pf_fail(pf, -EINVAL, "unknown key '%s' in [scope]", Q(key));
	}
	if (strcmp(v, "isolated") == 0)
		isolated = true;
	else if (strcmp(v, "shared") == 0)
		isolated = false;
	else
		return pf_fail(pf, -EINVAL, "%s: '%s': expected isolated or shared", key, Q(v));
	r = claim(pf, s, key);
	if (r < 0)
		return r;
	*val = isolated;
	return 0;
}

static int key_seccomp(struct pfile *pf, const char *key, const char *v)
{
	struct as_strv *deny = &pf->ld->pol->seccomp_deny;
	struct as_err e = { "" };
	int r;

	if (strcmp(key, "deny") != 0)
		return pf_fail(pf, -EINVAL, "unknown key '%s' in [seccomp]", Q(key));
	r = as_seccomp_check_name(v, &e);
	if (r < 0)
		return pf_fail(pf, r, "deny: '%s': %s", Q(v), e.msg);
	if (as_strv_contains(deny, v))
		return 0;
	if (as_strv_push(deny, v) < 0)
		return pf_fail(pf, -ENOMEM, "out of memory");
	return 0;
}

static int key_environment(struct pfile *pf, const char *key, const char *v)
{
	struct as_policy *pol = pf->ld->pol;
	_cleanup_free_ char *name = NULL;
	_cleanup_free_ char *value = NULL;
	char *entry;
	const char *eq;
	size_t nl;
	int r;

	if (strcmp(key, "pass") == 0) {
		name = strdup(v);
		if (!name)
			return pf_fail(pf, -ENOMEM, "out of memory");
		nl = strlen(name);
		/* "PREFIX*" passes every variable starting with PREFIX. */
		if (nl > 0 && name[nl - 1] == '*')
			name[nl - 1] = '\0';
		if (!as_env_name_valid(name))
			return pf_fail(pf, -EINVAL,
				       "pass: '%s': not a valid variable name or NAME* prefix",
				       Q(v));
		if (!as_strv_contains(&pol->env_pass, v) && as_strv_push(&pol->env_pass, v) < 0)
			return pf_fail(pf, -ENOMEM, "out of memory");
		return 0;
	}
	if (strcmp(key, "set") != 0)
		return pf_fail(pf, -EINVAL, "unknown key '%s' in [environment]", Q(key));

	eq = strchr(v, '=');
	if (!eq)
		return pf_fail(pf, -EINVAL, "set: '%s': expected NAME=VALUE", Q(v));
	nl = (size_t)(eq - v);
	name = strndup(v, nl);
	if (!name)
		return pf_fail(pf, -ENOMEM, "out of memory");
	if (!as_env_name_valid(name))
		return pf_fail(pf, -EINVAL, "set: '%s': not a valid variable name", Q(name));
	for (size_t i = 0; i < pol->env_set.n; i++)
		if (strncmp(pol->env_set.v[i], v, nl + 1) == 0)
			return pf_fail(pf, -EINVAL, "set: %s is already set", name);
	r = expand(pf, eq + 1, &value, NULL, NULL);
	if (r < 0)
		return r;
	if (asprintf(&entry, "%s=%s", name, value) < 0)
		return pf_fail(pf, -ENOMEM, "out of memory");
	if (as_strv_push_take(&pol->env_set, entry) < 0)
		return pf_fail(pf, -ENOMEM, "out of memory");
	return 0;
}

static int key_limits(struct pfile *pf, const char *key, const char *v)
{
	int res = as_rlimit_from_name(key);
	rlim_t value;
	int r;

	if (res < 0 || res >= RLIM_NLIMITS)
		return pf_fail(pf, -EINVAL, "unknown limit '%s' in [limits]", Q(key));
	r = parse_rlimit_value(v, &value);
	if (r == -ERANGE)
		return pf_fail(pf, r, "%s: '%s': too large", key, Q(v));
	if (r < 0)
		return pf_fail(
			pf, r,
			"%s: '%s': expected a number with an optional K, M or G suffix, or unlimited",
			key, Q(v));
	r = claim(pf, &pf->own.rlimit[res], key);
	if (r < 0)
		return r;
	pf->own.rlimit_v[res] = value;
	return 0;
}

static int on_key(void *user, const char *section, const char *key, const char *value)
{
	struct pfile *pf = user;
	int r;

	if (pf->failed)
		return 0;
	for (const char *p = value; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			pf_fail(pf, -EINVAL, "%s: control character in value", Q(key));
			return 0;
		}
	}
	if (!*value) {
		pf_fail(pf, -EINVAL, "%s: empty value", Q(key));
		return 0;
	}

	if (strcmp(section, "profile") == 0)
		r = key_profile(pf, key, value);
	else if (strcmp(section, "filesystem") == 0)
		r = key_filesystem(pf, key, value);
	else if (strcmp(section, "network") == 0)
		r = key_network(pf, key, value);
	else if (strcmp(section, "scope") == 0)
		r = key_scope(pf, key, value);
	else if (strcmp(section, "seccomp") == 0)
		r = key_seccomp(pf, key, value);
	else if (strcmp(section, "environment") == 0)
		r = key_environment(pf, key, value);
	else if (strcmp(section, "limits") == 0)
		r = key_limits(pf, key, value);
	else /* the reader lets no other section through */
		r = pf_fail(pf, -EINVAL, "unknown section [%s]", Q(section));
	return r < 0 ? 0 : 1;
}

/* ---- files ------------------------------------------------------------ */

static int load_text(struct loader *ld, const char *text, const char *file, const char *label,
		     int depth, struct scalars *eff)
{
	struct pfile pf = { 0 };
	int r;

	memset(eff, 0, sizeof(*eff));
	pf.ld = ld;
	pf.depth = depth;
	as_ini_reader_init(&pf.rd, text, sections);
	pf.file = as_policy_add_source(ld->pol, file);
	if (!pf.file)
		return as_fail(ld->err, -ENOMEM, "out of memory");
	ld->chain[depth] = label;

	r = ini_parse_stream(as_ini_read_line, &pf.rd, on_key, &pf);
	if (!pf.failed && pf.rd.failed)
		pf_fail(&pf, pf.rd.rc, "%s", pf.rd.err.msg);
	if (pf.failed) {
		r = pf.rc;
	} else if (r == -2) {
		r = as_fail(ld->err, -ENOMEM, "%s: out of memory", Q(pf.file));
	} else if (r != 0) {
		/* check_line admits nothing inih refuses; stay safe if it did. */
		as_err_set(ld->err, "%s:%d: syntax error", Q(pf.file), r);
		r = -EINVAL;
	} else {
		r = scalars_overlay(eff, &pf.inherited);
		if (r == 0)
			r = scalars_overlay(eff, &pf.own);
		if (r < 0)
			as_err_set(ld->err, "out of memory");
	}
	scalars_free(&pf.own);
	scalars_free(&pf.inherited);
	ld->chain[depth] = NULL;
	return r;
}

/* Finds NAME.profile in the search directories.  A missing file means "try
 * the next directory"; any other failure (untrusted, unreadable) stops the
 * search: a bad file is never skipped in favour of another one. */
static int find_profile(struct loader *ld, const char *name, char **text, char **path)
{
	char dirs[AS_ERR_MAX] = "";
	size_t o = 0;
	int r;

	*text = NULL;
	*path = NULL;
	for (const char *const *d = ld->dirs; *d; d++) {
		if (asprintf(path, "%s/%s.profile", *d, name) < 0) {
			*path = NULL;
			return as_fail(ld->err, -ENOMEM, "out of memory");
		}
		r = as_read_file(AT_FDCWD, *path, ld->opts->trust, AS_PROFILE_MAX_BYTES, text,
				 ld->err);
		if (r != -ENOENT)
			return r;
		free(*path);
		*path = NULL;
		if (o < sizeof(dirs))
			o += (size_t)snprintf(dirs + o, sizeof(dirs) - o, "%s%s",
					      d == ld->dirs ? "" : ", ", Q(*d));
	}
	return as_fail(ld->err, -ENOENT, "profile '%s' not found (looked in %s)", name,
		       o ? dirs : "no directories");
}

/* Reads and parses a named profile.  With a parent, errors that concern the
 * include itself are prefixed with the including line. */
static int load_named(struct loader *ld, struct pfile *parent, const char *name, int depth,
		      struct scalars *eff)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_free_ char *path = NULL;
	int r;

	memset(eff, 0, sizeof(*eff));
	r = as_strv_push(&ld->seen, name);
	if (r < 0)
		return as_fail(ld->err, r, "out of memory");
	r = find_profile(ld, name, &text, &path);
	if (r < 0) {
		if (parent) {
			char msg[AS_ERR_MAX];

			snprintf(msg, sizeof(msg), "%s", ld->err ? ld->err->msg : "");
			pf_fail(parent, r, "%s", msg);
		}
		return r;
	}
	return load_text(ld, text, path, name, depth, eff);
}

static int loader_init(struct loader *ld, struct as_policy *pol, const struct as_profile_opts *opts,
		       struct as_err *err)
{
	memset(ld, 0, sizeof(*ld));
	ld->pol = pol;
	ld->opts = opts;
	ld->err = err;
	if (!pol || !opts)
		return as_fail(err, -EINVAL, "profile: no policy or options");
	ld->dirs = opts->search_dirs ? opts->search_dirs : default_dirs;
	return 0;
}

/* Applies the resolved scalars and the name, once everything has parsed. */
static int finish(struct loader *ld, int r, const char *name, struct scalars *eff)
{
	char *n;

	if (r == 0)
		r = scalars_apply(ld->pol, eff);
	if (r == 0) {
		n = strdup(name);
		if (!n) {
			r = -ENOMEM;
		} else {
			free(ld->pol->name);
			ld->pol->name = n;
		}
	}
	if (r == -ENOMEM && ld->err && !ld->err->msg[0])
		as_err_set(ld->err, "out of memory");
	scalars_free(eff);
	as_strv_free(&ld->seen);
	return r;
}

int as_profile_load(struct as_policy *pol, const char *name, const struct as_profile_opts *opts,
		    struct as_err *err)
{
	struct scalars eff = { 0 };
	struct loader ld;
	int r;

	r = loader_init(&ld, pol, opts, err);
	if (r < 0)
		return r;
	if (!as_profile_name_valid(name))
		return as_fail(err, -EINVAL, "'%s': not a valid profile name",
			       name ? Q(name) : "(null)");
	r = load_named(&ld, NULL, name, 0, &eff);
	return finish(&ld, r, name, &eff);
}

int as_profile_parse_string(struct as_policy *pol, const char *text, const char *filename,
			    const struct as_profile_opts *opts, struct as_err *err)
{
	struct scalars eff = { 0 };
	struct loader ld;
	int r;

	r = loader_init(&ld, pol, opts, err);
	if (r < 0)
		return r;
	if (!text || !filename)
		return as_fail(err, -EINVAL, "profile: no text or file name");
	r = load_text(&ld, text, filename, filename, 0, &eff);
	return finish(&ld, r, filename, &eff);
}

int as_profile_load_file(struct as_policy *pol, const char *path,
			 const struct as_profile_opts *opts, struct as_err *err)
{
	_cleanup_free_ char *text = NULL;
	int r;

	if (!opts || !path)
		return as_fail(err, -EINVAL, "profile: no file or options");
	r = as_read_file(AT_FDCWD, path, opts->trust, AS_PROFILE_MAX_BYTES, &text, err);
	if (r < 0)
		return r;
	return as_profile_parse_string(pol, text, path, opts, err);
}
