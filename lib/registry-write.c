/* SPDX-License-Identifier: MIT */
/*
 * The registry file, write side: format, atomic save, delete, and the add
 * intent.  Only agent-admin links this file; the setuid helper and the PAM
 * module read registries (lib/registry.c) and must not carry a writer
 * (tests/check-link.sh).
 */
#include "registry.h"
#include "names.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* As in lib/registry.c. */
#define REG_SUFFIX ".conf"
#define INTENT_SUFFIX ".adding"
/* "3 more than the longest line (due to '\r', '\n', and '\0')": ini.h. */
#define REG_MAX_LINE (INI_MAX_LINE - 3)

/* ---- formatting and saving ------------------------------------------- */

struct buf {
	char *s;
	size_t len, cap;
	int rc;
};

static void put(struct buf *b, const char *key, const char *value, struct as_err *err)
{
	size_t need;

	if (b->rc)
		return;
	if (key && !as_registry_value_ok(key, value, err)) {
		b->rc = -EINVAL;
		return;
	}
	need = (key ? strlen(key) + 3 : 0) + strlen(value) + 2;
	if (b->len + need > b->cap) {
		size_t cap = (b->cap + need) * 2;
		char *ns = realloc(b->s, cap);

		if (!ns) {
			b->rc = as_fail(err, -ENOMEM, "out of memory");
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	b->len += (size_t)sprintf(b->s + b->len, "%s%s%s\n", key ? key : "", key ? " = " : "",
				  value);
}

/* [egress] only when it says something the default does not. */
static void format_egress(struct buf *b, const struct as_reg_egress *eg, struct as_err *err)
{
	char lists[REG_MAX_LINE + 1] = "";
	size_t off = 0;

	if (!eg->open && !eg->lists_set && eg->allow.n == 0)
		return;
	put(b, NULL, "", err);
	put(b, NULL, "[egress]", err);
	put(b, "mode", eg->open ? "open" : "restricted", err);
	if (eg->lists_set) {
		if (eg->lists.n == 0)
			snprintf(lists, sizeof(lists), "none");
		for (size_t i = 0; i < eg->lists.n; i++) {
			int n = snprintf(lists + off, sizeof(lists) - off, "%s%s", i ? "," : "",
					 eg->lists.v[i]);

			if (n < 0 || (size_t)n >= sizeof(lists) - off) {
				if (!b->rc)
					b->rc = as_fail(err, -E2BIG,
							"[egress] lists: too many lists for one line");
				return;
			}
			off += (size_t)n;
		}
		put(b, "lists", lists, err);
	}
	for (size_t i = 0; i < eg->allow.n; i++)
		put(b, "allow", eg->allow.v[i], err);
}

int as_registry_format(const struct as_registry *r, char **out, struct as_err *err)
{
	struct buf b = { 0 };
	char num[32];

	*out = NULL;
	put(&b, NULL, "# Managed by agent-admin(8).", err);
	put(&b, NULL, "[agent]", err);
	put(&b, "owner", r->owner, err);
	snprintf(num, sizeof(num), "%u", (unsigned)r->owner_uid);
	put(&b, "owner-uid", num, err);
	put(&b, "account", r->account, err);
	snprintf(num, sizeof(num), "%u", (unsigned)r->account_uid);
	put(&b, "account-uid", num, err);
	put(&b, "home", r->home, err);
	put(&b, "profile", r->profile ? r->profile : "default", err);
	if (r->profiles.n > 0) {
		char *list = as_registry_join_profiles(&r->profiles, ",");

		if (!list) {
			free(b.s);
			return as_fail(err, -ENOMEM, "out of memory");
		}
		put(&b, "profiles", list, err);
		free(list);
	}
	put(&b, "sudo", r->sudo ? "yes" : "no", err);
	for (size_t i = 0; i < r->n_projects; i++) {
		const struct as_reg_project *p = &r->projects[i];

		put(&b, NULL, "", err);
		put(&b, NULL, "[project]", err);
		put(&b, "path", p->path, err);
		put(&b, "access", p->read_only ? "ro" : "rw", err);
		if (p->state == AS_REG_GRANTING)
			put(&b, "state", "granting", err);
		else if (p->state == AS_REG_REVOKING)
			put(&b, "state", "revoking", err);
		for (size_t j = 0; j < p->traverse.n; j++)
			put(&b, "traverse", p->traverse.v[j], err);
		for (size_t j = 0; j < p->traverse_pending.n; j++)
			put(&b, "traverse-pending", p->traverse_pending.v[j], err);
	}
	format_egress(&b, &r->egress, err);
	if (b.rc) {
		free(b.s);
		return b.rc;
	}
	*out = b.s;
	return 0;
}

static int mkdir_p(const char *dir, struct as_err *err)
{
	_cleanup_free_ char *copy = strdup(dir);

	if (!copy)
		return as_fail(err, -ENOMEM, "out of memory");
	for (char *p = copy + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (mkdir(copy, 0755) < 0 && errno != EEXIST)
				return as_fail(err, -errno, "%s: cannot create: %s", copy,
					       strerror(errno));
			*p = c;
			if (!c)
				break;
		}
	}
	return 0;
}

/* Removes temp files a killed writer left behind (".NAME.XXXXXX").  Writers
 * are serialized by agent-admin's lock, so none of these is in use. */
static void remove_stale_temps(int dfd, const char *name)
{
	int fd = dup(dfd);
	DIR *d;
	struct dirent *de;
	size_t n = strlen(name);

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] == '.' && strncmp(de->d_name + 1, name, n) == 0 &&
		    de->d_name[n + 1] == '.' && strlen(de->d_name + n + 2) == 6)
			unlinkat(dfd, de->d_name, 0);
	closedir(d);
}

/* temp file in the same directory, write, fchmod 0644, fsync, rename over
 * NAME, fsync the directory: after a crash NAME is either the old or the
 * new content, never a mix, and a completed save survives power loss. */
static int write_atomic(const char *dir, const char *name, const char *text, struct as_err *err)
{
	_cleanup_close_ int dfd = -1;
	_cleanup_close_ int fd = -1;
	char tmp[NAME_MAX + 1];
	int rc;

	rc = mkdir_p(dir, err);
	if (rc < 0)
		return rc;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return as_fail(err, -errno, "%s: %s", dir, strerror(errno));
	remove_stale_temps(dfd, name);
	for (int tries = 0; fd < 0 && tries < 16; tries++) {
		static const char chars[] =
			"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
		unsigned char rnd[6];
		char sfx[7];

		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return as_fail(err, -EIO, "getrandom failed");
		for (int i = 0; i < 6; i++)
			sfx[i] = chars[rnd[i] % (sizeof(chars) - 1)];
		sfx[6] = '\0';
		if (snprintf(tmp, sizeof(tmp), ".%s.%s", name, sfx) >= (int)sizeof(tmp))
			return as_fail(err, -ENAMETOOLONG, "%s/%s: name too long", dir, name);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			return as_fail(err, -errno, "%s/%s: cannot create: %s", dir, tmp,
				       strerror(errno));
	}
	if (fd < 0)
		return as_fail(err, -EEXIST, "%s: cannot create a temporary file", dir);
	rc = as_write_all(fd, text, strlen(text));
	if (rc == 0 && fchmod(fd, 0644) < 0)
		rc = -errno;
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (rc == 0 && renameat(dfd, tmp, dfd, name) < 0)
		rc = -errno;
	if (rc < 0) {
		unlinkat(dfd, tmp, 0);
		return as_fail(err, rc, "%s/%s: cannot write: %s", dir, name, strerror(-rc));
	}
	if (fsync(dfd) < 0)
		return as_fail(err, -errno, "%s: fsync failed: %s", dir, strerror(errno));
	return 0;
}

static int unlink_sync(const char *dir, const char *name, struct as_err *err)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return errno == ENOENT ? 0 : as_fail(err, -errno, "%s: %s", dir, strerror(errno));
	if (unlinkat(dfd, name, 0) < 0) {
		if (errno == ENOENT)
			return 0;
		return as_fail(err, -errno, "%s/%s: cannot remove: %s", dir, name, strerror(errno));
	}
	if (fsync(dfd) < 0)
		return as_fail(err, -errno, "%s: fsync failed: %s", dir, strerror(errno));
	return 0;
}

int as_registry_save(const struct as_registry *r, const char *dir, struct as_err *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_free_ char *name = NULL;
	int rc;

	if (!r->owner || !as_owner_name_valid(r->owner, err))
		return -EINVAL;
	rc = as_registry_format(r, &text, err);
	if (rc < 0)
		return rc;
	if (asprintf(&name, "%s" REG_SUFFIX, r->owner) < 0) {
		name = NULL;
		return as_fail(err, -ENOMEM, "out of memory");
	}
	return write_atomic(dir, name, text, err);
}

int as_registry_delete(const char *dir, const char *owner, struct as_err *err)
{
	_cleanup_free_ char *name = NULL;

	if (!as_owner_name_valid(owner, err))
		return -EINVAL;
	if (asprintf(&name, "%s" REG_SUFFIX, owner) < 0) {
		name = NULL;
		return as_fail(err, -ENOMEM, "out of memory");
	}
	return unlink_sync(dir, name, err);
}

/* ---- add intent ------------------------------------------------------ */

int as_registry_intent_set(const char *dir, const char *owner, const char *account,
			   struct as_err *err)
{
	_cleanup_free_ char *name = NULL;
	_cleanup_free_ char *text = NULL;

	if (!as_owner_name_valid(owner, err) || !as_account_name_valid(account, err))
		return -EINVAL;
	if (asprintf(&name, ".%s" INTENT_SUFFIX, owner) < 0) {
		name = NULL;
		return as_fail(err, -ENOMEM, "out of memory");
	}
	if (asprintf(&text, "%s\n", account) < 0) {
		text = NULL;
		return as_fail(err, -ENOMEM, "out of memory");
	}
	return write_atomic(dir, name, text, err);
}

int as_registry_intent_get(const char *dir, const char *owner, char **account, struct as_err *err)
{
	_cleanup_close_ int dfd = -1;
	_cleanup_free_ char *name = NULL;
	_cleanup_free_ char *text = NULL;
	char *nl;
	int rc;

	*account = NULL;
	if (!as_owner_name_valid(owner, err))
		return -EINVAL;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return as_fail(err, -errno, "%s: %s", dir, strerror(errno));
	if (asprintf(&name, ".%s" INTENT_SUFFIX, owner) < 0) {
		name = NULL;
		return as_fail(err, -ENOMEM, "out of memory");
	}
	rc = as_read_file(dfd, name, AS_TRUST_ROOT_ONLY, 64, &text, err);
	if (rc < 0)
		return rc;
	nl = strchr(text, '\n');
	if (nl)
		*nl = '\0';
	if (!as_account_name_valid(text, err))
		return -EINVAL;
	*account = text;
	text = NULL;
	return 0;
}

int as_registry_intent_clear(const char *dir, const char *owner, struct as_err *err)
{
	_cleanup_free_ char *name = NULL;

	if (!as_owner_name_valid(owner, err))
		return -EINVAL;
	if (asprintf(&name, ".%s" INTENT_SUFFIX, owner) < 0) {
		name = NULL;
		return as_fail(err, -ENOMEM, "out of memory");
	}
	return unlink_sync(dir, name, err);
}
