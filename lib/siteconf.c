/* SPDX-License-Identifier: MIT */
#include "siteconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"

#define SITE_MAX_SIZE (64 * 1024)

const char *as_switch_name(enum as_switch s)
{
	return s == AS_SWITCH_SUDO ? "sudo" : "helper";
}

/* [egress]: where the agents' resolvers forward allowed names. */
static int egress_key(struct as_site_conf *c, const char *key, const char *value,
		      struct as_err *err)
{
	if (strcmp(key, "upstream") == 0) {
		if (c->n_upstreams == AS_SITE_MAX_UPSTREAMS)
			return as_fail(err, -EINVAL, "more than %d upstream lines",
				       AS_SITE_MAX_UPSTREAMS);
		return as_egress_upstream_parse(value, &c->upstreams[c->n_upstreams++], err);
	}
	if (strcmp(key, "resolver-port") == 0) {
		unsigned long v = 0;
		const char *p = value;

		if (c->resolver_port)
			return as_fail(err, -EINVAL, "duplicate key 'resolver-port' in [egress]");
		for (; *p >= '0' && *p <= '9' && v <= 65535; p++)
			v = v * 10 + (unsigned long)(*p - '0');
		if (*p || value[0] == '0' || v < 1024 || v > 60000)
			return as_fail(err, -EINVAL,
				       "resolver-port = '%.64s': must be a number 1024-60000",
				       value);
		c->resolver_port = (uint16_t)v;
		return 0;
	}
	return as_fail(err, -EINVAL,
		       "unknown key '%.64s' in [egress] (known: upstream, resolver-port)", key);
}

static int site_handler(void *user, const char *section, unsigned seq, const char *key,
			const char *value, struct as_err *err)
{
	struct as_site_conf *c = user;

	(void)seq;
	if (strcmp(section, "egress") == 0)
		return egress_key(c, key, value, err);
	if (strcmp(section, "agent-shell") != 0)
		return as_fail(err, -EINVAL,
			       "unknown section [%.64s] (expected [agent-shell] or [egress])",
			       section);
	if (strcmp(key, "switch") != 0)
		return as_fail(err, -EINVAL, "unknown key '%.64s' (known: switch)", key);
	if (strcmp(value, "helper") == 0)
		c->switch_by = AS_SWITCH_HELPER;
	else if (strcmp(value, "sudo") == 0)
		c->switch_by = AS_SWITCH_SUDO;
	else
		return as_fail(err, -EINVAL, "switch = '%.64s': must be helper or sudo", value);
	return 0;
}

int as_site_conf_parse(struct as_site_conf *c, const char *text, const char *filename,
		       struct as_err *err)
{
	memset(c, 0, sizeof(*c));
	return as_ini_parse_string(text, filename, site_handler, c, err);
}

int as_site_conf_load(struct as_site_conf *c, const char *path, struct as_err *err)
{
	_cleanup_free_ char *text = NULL;
	int r;

	memset(c, 0, sizeof(*c));
	r = as_read_file(AT_FDCWD, path, AS_TRUST_ROOT_ONLY, SITE_MAX_SIZE, &text, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	return as_site_conf_parse(c, text, path, err);
}
