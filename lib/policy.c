/* SPDX-License-Identifier: MIT */
#include "policy.h"

#include <errno.h>
#include <string.h>

const struct as_origin AS_ORIGIN_CMDLINE = { "command line", 0 };

void as_policy_init(struct as_policy *pol)
{
	memset(pol, 0, sizeof(*pol));
	pol->landlock = AS_LANDLOCK_REQUIRED;
	pol->scope_abstract_unix = true;
	pol->scope_signal = true;
}

void as_policy_free(struct as_policy *pol)
{
	for (size_t i = 0; i < pol->n_paths; i++)
		free(pol->paths[i].path);
	free(pol->paths);
	free(pol->connect_tcp);
	free(pol->bind_tcp);
	free(pol->name);
	free(pol->description);
	as_strv_free(&pol->seccomp_deny);
	as_strv_free(&pol->env_pass);
	as_strv_free(&pol->env_set);
	as_strv_free(&pol->sources);
	as_policy_init(pol);
}

void as_origin_format(struct as_origin o, char *buf, size_t len)
{
	if (o.line)
		snprintf(buf, len, "%s:%u", o.file ? o.file : "?", o.line);
	else
		snprintf(buf, len, "%s", o.file ? o.file : "?");
}

const char *as_policy_add_source(struct as_policy *pol, const char *file)
{
	for (size_t i = 0; i < pol->sources.n; i++)
		if (strcmp(pol->sources.v[i], file) == 0)
			return pol->sources.v[i];
	if (as_strv_push(&pol->sources, file) < 0)
		return NULL;
	return pol->sources.v[pol->sources.n - 1];
}

static bool has_control_chars(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

int as_policy_add_path(struct as_policy *pol, const char *path, unsigned access, bool optional,
		       struct as_origin origin, struct as_err *err)
{
	return as_policy_add_path_beneath(pol, path, 0, NULL, access, optional, origin, err);
}

int as_policy_add_path_beneath(struct as_policy *pol, const char *path, size_t base_len,
			       const char *base_var, unsigned access, bool optional,
			       struct as_origin origin, struct as_err *err)
{
	struct as_path_rule *nv;
	char where[256];

	as_origin_format(origin, where, sizeof(where));
	if (!path || path[0] != '/')
		return as_fail(err, -EINVAL, "%s: %s: not an absolute path", where,
			       path ? path : "(null)");
	if (has_control_chars(path))
		return as_fail(err, -EINVAL, "%s: path contains a control character", where);
	if (strlen(path) >= 4096)
		return as_fail(err, -ENAMETOOLONG, "%s: path longer than PATH_MAX", where);
	if (access == 0 || (access & ~(unsigned)(AS_FS_READ | AS_FS_WRITE | AS_FS_EXEC)))
		return as_fail(err, -EINVAL, "%s: %s: invalid access", where, path);

	for (size_t i = 0; i < pol->n_paths; i++) {
		if (strcmp(pol->paths[i].path, path) == 0) {
			pol->paths[i].access |= access;
			/* A mandatory mention wins over an optional one. */
			pol->paths[i].optional = pol->paths[i].optional && optional;
			if (base_len && !pol->paths[i].base_len) {
				pol->paths[i].base_len = base_len;
				pol->paths[i].base_var = base_var;
			}
			return 0;
		}
	}
	nv = realloc(pol->paths, (pol->n_paths + 1) * sizeof(*nv));
	if (!nv)
		return as_fail(err, -ENOMEM, "out of memory");
	pol->paths = nv;
	nv[pol->n_paths].path = strdup(path);
	if (!nv[pol->n_paths].path)
		return as_fail(err, -ENOMEM, "out of memory");
	nv[pol->n_paths].access = access;
	nv[pol->n_paths].optional = optional;
	nv[pol->n_paths].origin = origin;
	nv[pol->n_paths].base_len = base_len <= strlen(path) ? base_len : 0;
	nv[pol->n_paths].base_var = nv[pol->n_paths].base_len ? base_var : NULL;
	pol->n_paths++;
	return 0;
}

int as_policy_add_port(struct as_policy *pol, enum as_port_kind kind, uint16_t port,
		       struct as_origin origin, struct as_err *err)
{
	struct as_port_rule **list = kind == AS_PORT_CONNECT ? &pol->connect_tcp : &pol->bind_tcp;
	size_t *n = kind == AS_PORT_CONNECT ? &pol->n_connect_tcp : &pol->n_bind_tcp;
	struct as_port_rule *nv;

	if (port == 0)
		return as_fail(err, -ERANGE, "port 0 is not a valid TCP port");
	for (size_t i = 0; i < *n; i++)
		if ((*list)[i].port == port)
			return 0;
	nv = realloc(*list, (*n + 1) * sizeof(*nv));
	if (!nv)
		return as_fail(err, -ENOMEM, "out of memory");
	*list = nv;
	nv[*n].port = port;
	nv[*n].origin = origin;
	(*n)++;
	return 0;
}

int as_parse_port(const char *s, uint16_t *out, struct as_err *err)
{
	unsigned long v = 0;

	if (!s || !*s)
		return as_fail(err, -EINVAL, "empty port");
	if (s[0] == '0')
		return as_fail(err, -ERANGE, "%s: port must be in 1-65535", s);
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return as_fail(err, -EINVAL, "%s: not a port number", s);
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > 65535)
			return as_fail(err, -ERANGE, "%s: port must be in 1-65535", s);
	}
	*out = (uint16_t)v;
	return 0;
}

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{ "as", RLIMIT_AS },
	{ "core", RLIMIT_CORE },
	{ "cpu", RLIMIT_CPU },
	{ "data", RLIMIT_DATA },
	{ "fsize", RLIMIT_FSIZE },
	{ "memlock", RLIMIT_MEMLOCK },
	{ "msgqueue", RLIMIT_MSGQUEUE },
	{ "nofile", RLIMIT_NOFILE },
	{ "nproc", RLIMIT_NPROC },
	{ "sigpending", RLIMIT_SIGPENDING },
	{ "stack", RLIMIT_STACK },
};

int as_rlimit_from_name(const char *name)
{
	for (size_t i = 0; i < AS_ARRAY_SIZE(rlimit_names); i++)
		if (strcmp(rlimit_names[i].name, name) == 0)
			return rlimit_names[i].resource;
	return -1;
}

const char *as_rlimit_name(int resource)
{
	for (size_t i = 0; i < AS_ARRAY_SIZE(rlimit_names); i++)
		if (rlimit_names[i].resource == resource)
			return rlimit_names[i].name;
	return NULL;
}
