/* SPDX-License-Identifier: MIT */
/* Pure path logic (path.h).  No system calls. */
#include "path.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

bool as_path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return path[0] == '/';
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

bool as_path_normalize(const char *in, char *out, size_t len)
{
	size_t o = 0;
	const char *p = in;

	if (len < 2 || in[0] != '/')
		return false;
	out[0] = '\0';
	while (*p) {
		const char *s;
		size_t n;

		while (*p == '/')
			p++;
		s = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - s);
		if (n == 0 || (n == 1 && s[0] == '.'))
			continue;
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			out[o] = '\0';
			continue;
		}
		if (o + 1 + n >= len)
			return false;
		out[o++] = '/';
		memcpy(out + o, s, n);
		o += n;
		out[o] = '\0';
	}
	if (o == 0)
		snprintf(out, len, "/");
	return true;
}

void as_path_parent(const char *path, char *out, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash || slash == path)
		snprintf(out, len, "/");
	else
		snprintf(out, len, "%.*s", (int)(slash - path), path);
}

static const char *const system_trees[] = {
	"/etc", "/usr", "/bin", "/sbin", "/boot", "/proc", "/sys", "/dev", "/run", NULL,
};

const char *as_path_system_tree(const char *path, bool allow_var)
{
	for (const char *const *t = system_trees; *t; t++)
		if (as_path_within(path, *t))
			return *t;
	/* /lib, /lib32, /lib64, /libx32, /libexec ... and anything below */
	if (strncmp(path, "/lib", 4) == 0)
		return "/lib*";
	if (!allow_var && as_path_within(path, "/var"))
		return "/var";
	return NULL;
}

enum as_home_clash as_path_home_clash(const char *dir, const char *home, bool human, bool is_owner)
{
	char parent[PATH_MAX];

	as_path_parent(home, parent, sizeof(parent));
	if (human && strcmp(dir, parent) == 0 && strcmp(parent, "/") != 0)
		return AS_HOME_CLASH_HOME_ROOT;
	if (is_owner && strcmp(dir, home) == 0)
		return AS_HOME_CLASH_OWN_HOME;
	if (strcmp(dir, home) == 0)
		return AS_HOME_CLASH_OTHERS_HOME;
	if (as_path_within(home, dir))
		return AS_HOME_CLASH_CONTAINS;
	if (!is_owner && human && as_path_within(dir, home))
		return AS_HOME_CLASH_INSIDE;
	return AS_HOME_CLASH_NONE;
}
