/* SPDX-License-Identifier: MIT */
#include "egress-lists.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "egress.h"

#define LIST_SUFFIX ".list"
#define LIST_MAX_SIZE (256 * 1024)

static const char *const list_dirs[] = { AS_EGRESSDIR_ETC, AS_EGRESSDIR_VENDOR };

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int as_egress_shipped_lists(struct as_strv *out, struct as_err *err)
{
	for (size_t d = 0; d < AS_ARRAY_SIZE(list_dirs); d++) {
		DIR *dir = opendir(list_dirs[d]);
		struct dirent *de;

		if (!dir) {
			if (errno == ENOENT)
				continue;
			return as_fail(err, -errno, "%s: %s", list_dirs[d], strerror(errno));
		}
		while ((de = readdir(dir))) {
			size_t n = strlen(de->d_name), sl = strlen(LIST_SUFFIX);
			char name[128];

			if (n <= sl || n >= sizeof(name) ||
			    strcmp(de->d_name + n - sl, LIST_SUFFIX) != 0)
				continue;
			memcpy(name, de->d_name, n - sl);
			name[n - sl] = '\0';
			if (!as_egress_list_name_valid(name) || as_strv_contains(out, name))
				continue;
			if (as_strv_push(out, name) < 0) {
				closedir(dir);
				return as_fail(err, -ENOMEM, "out of memory");
			}
		}
		closedir(dir);
	}
	if (out->n)
		qsort(out->v, out->n, sizeof(out->v[0]), cmp_str);
	return 0;
}

int as_egress_lists_in_force(const struct as_reg_egress *eg, struct as_strv *out,
			     struct as_err *err)
{
	if (!eg->lists_set)
		return as_egress_shipped_lists(out, err);
	for (size_t i = 0; i < eg->lists.n; i++)
		if (as_strv_push(out, eg->lists.v[i]) < 0)
			return as_fail(err, -ENOMEM, "out of memory");
	return 0;
}

int as_egress_read_list(const char *name, struct as_strv *specs, char *path, size_t len,
			struct as_err *err)
{
	if (!as_egress_list_name_valid(name))
		return as_fail(err, -EINVAL, "'%.64s': not a list name", name);
	for (size_t d = 0; d < AS_ARRAY_SIZE(list_dirs); d++) {
		_cleanup_free_ char *text = NULL;
		int rc;

		snprintf(path, len, "%s/%s" LIST_SUFFIX, list_dirs[d], name);
		rc = as_read_file(AT_FDCWD, path, AS_TRUST_ROOT_ONLY, LIST_MAX_SIZE, &text, err);
		if (rc == -ENOENT)
			continue;
		if (rc < 0)
			return rc;
		return as_egress_list_parse(text, path, specs, err);
	}
	return as_fail(err, -ENOENT,
		       "egress list '%s': no %s/%s" LIST_SUFFIX " nor %s/%s" LIST_SUFFIX, name,
		       AS_EGRESSDIR_ETC, name, AS_EGRESSDIR_VENDOR, name);
}
