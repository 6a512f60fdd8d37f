/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "env.h"
#include "policy.h"
#include "tap.h"

static void test_ports(void)
{
	struct as_err err = { "" };
	uint16_t p = 0;

	is_int(as_parse_port("443", &p, &err), 0, "port: 443 parses");
	is_int(p, 443, "port: value is 443");
	is_int(as_parse_port("65535", &p, &err), 0, "port: 65535 is the last valid port");
	is_int(as_parse_port("65536", &p, &err), -ERANGE, "port: 65536 is out of range");
	like(err.msg, "1-65535", "port: error names the range");
	is_int(as_parse_port("0", &p, &err), -ERANGE, "port: 0 is refused");
	is_int(as_parse_port("-1", &p, &err), -EINVAL, "port: a sign is refused");
	is_int(as_parse_port("44 3", &p, &err), -EINVAL, "port: inner space is refused");
	is_int(as_parse_port("", &p, &err), -EINVAL, "port: empty is refused");
	is_int(as_parse_port("0443", &p, &err), -ERANGE, "port: leading zero is refused");
}

static void test_paths(void)
{
	struct as_policy pol;
	struct as_err err = { "" };

	as_policy_init(&pol);
	is_int(as_policy_add_path(&pol, "relative/x", AS_FS_READ, false, AS_ORIGIN_CMDLINE, &err),
	       -EINVAL, "path: a relative path is refused");
	like(err.msg, "not an absolute path", "path: error says why");
	is_int(as_policy_add_path(&pol, "/tmp/a\nb", AS_FS_READ, false, AS_ORIGIN_CMDLINE, &err),
	       -EINVAL, "path: a control character is refused");
	is_int(as_policy_add_path(&pol, "/usr", AS_FS_READ, false, AS_ORIGIN_CMDLINE, &err), 0,
	       "path: /usr read");
	is_int(as_policy_add_path(&pol, "/usr", AS_FS_EXEC, false, AS_ORIGIN_CMDLINE, &err), 0,
	       "path: /usr exec");
	is_int(pol.n_paths, 1, "path: the same path twice is one rule");
	is_int(pol.paths[0].access, AS_FS_READ | AS_FS_EXEC, "path: access bits merge");
	as_policy_free(&pol);
}

static void test_env(void)
{
	struct as_policy pol;
	struct as_strv out = { 0 };
	struct as_err err = { "" };
	char *envp[] = { "HOME=/h",    "LC_ALL=C", "LD_PRELOAD=/x.so", "TERM=xterm", "HOME=/second",
			 "BAD-NAME=1", NULL };

	as_policy_init(&pol);
	as_strv_push(&pol.env_pass, "HOME");
	as_strv_push(&pol.env_pass, "LC_*");
	as_strv_push(&pol.env_pass, "TERM");
	as_strv_push(&pol.env_set, "TERM=dumb");
	is_int(as_env_build(&pol, envp, &out, &err), 0, "env: builds");
	is_int(out.n, 3, "env: HOME, LC_ALL and the set TERM only");
	is_str(out.v[0], "HOME=/h", "env: the first HOME wins");
	is_str(out.v[1], "LC_ALL=C", "env: prefix pattern passes LC_ALL");
	is_str(out.v[2], "TERM=dumb", "env: set replaces a passed variable");
	ok(!as_strv_contains(&out, "LD_PRELOAD=/x.so"), "env: LD_PRELOAD is dropped");
	as_strv_free(&out);
	as_policy_free(&pol);
}

int main(void)
{
	test_ports();
	test_paths();
	test_env();
	return tap_done();
}
