/* SPDX-License-Identifier: MIT */
#include "gitrefs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "gitconfig.h"

#define REFS_MAX 100000 /* more are ignored, and not looked for */
#define CONFIG_MAX (1 << 20)
#define REFLOG_TAIL 16384

int git_path_join(char *out, size_t len, const char *a, const char *b)
{
	int n = snprintf(out, len, "%s/%s", a, b);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int git_openat_beneath(int dirfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)flags | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
			   RESOLVE_NO_XDEV,
	};

	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

/* A small regular file NAME in DIRFD, NUL-terminated, trailing newline
 * dropped.  -ENOENT when it is not there. */
int git_read_small(int dirfd, const char *name, char *buf, size_t len)
{
	struct stat st;
	ssize_t n;
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

bool git_oid_valid(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return (n == 40 || n == 64) && s[n] == '\0';
}

/* A ref name we are willing to turn into a path in the agent's dir. */
bool git_refname_valid(const char *s)
{
	if (!*s || *s == '/' || strstr(s, "..") || strstr(s, "//") || strstr(s, "/.") ||
	    s[strlen(s) - 1] == '/')
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x21 || *s == 0x7f || *s == '\\' || *s == ':' ||
		    *s == '~' || *s == '^' || *s == '?' || *s == '*' || *s == '[')
			return false;
	return true;
}

/* ------------------------------------------------------ the owner's refs */

void git_refs_free(struct git_refs *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].name);
		free(r->v[i].hist);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static int git_ref_cmp(const void *a, const void *b)
{
	const struct git_ref *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	/* Of two entries for one name, the later read (loose) one first. */
	return c ? c : (x->seq < y->seq) - (x->seq > y->seq);
}

/* Sorts by name and keeps one entry per name: the loose one, read after
 * packed-refs, overrides it as in git. */
static void git_refs_sort(struct git_refs *r)
{
	size_t k = 0;

	r->sorted = true;
	if (!r->n)
		return; /* no array at all: qsort(NULL, 0) is undefined */
	qsort(r->v, r->n, sizeof(*r->v), git_ref_cmp);
	for (size_t i = 0; i < r->n; i++) {
		if (k && !strcmp(r->v[k - 1].name, r->v[i].name)) {
			free(r->v[i].name);
			free(r->v[i].hist);
			continue;
		}
		r->v[k++] = r->v[i];
	}
	r->n = k;
}

static int git_ref_name_cmp(const void *key, const void *e)
{
	return strcmp(key, ((const struct git_ref *)e)->name);
}

struct git_ref *git_refs_find(struct git_refs *r, const char *name)
{
	if (!r->sorted)
		git_refs_sort(r);
	return r->n ? bsearch(name, r->v, r->n, sizeof(*r->v), git_ref_name_cmp) : NULL;
}

/* Adds NAME = OID (git_refs_find sorts them out); a name or oid git would
 * not use, or one past REFS_MAX, is left out (0). */
int git_refs_add(struct git_refs *r, const char *name, const char *oid)
{
	struct git_ref *e, *nv;

	if (!git_refname_valid(name) || !git_oid_valid(oid) || r->n >= REFS_MAX)
		return 0; /* git would not use it either, or too many */
	nv = reallocarray(r->v, r->n + 1, sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	r->v = nv;
	e = &r->v[r->n];
	e->name = strdup(name);
	if (!e->name)
		return -ENOMEM;
	e->seq = r->n;
	e->hist = NULL;
	snprintf(e->oid, sizeof(e->oid), "%s", oid);
	r->n++;
	r->sorted = false;
	return 0;
}

/* packed-refs in DIRFD: "OID NAME" lines under PREFIX. */
static int git_read_packed(int dirfd, const char *prefix, struct git_refs *out)
{
	int fd = openat(dirfd, "packed-refs", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	FILE *f;
	char line[PATH_MAX + OID_MAX + 8];
	int r = 0;

	/* Missing, or not a regular file (git would not read it either). */
	if (fd < 0)
		return errno == ENOENT || errno == ELOOP ? 0 : -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -errno;
	}
	while (r == 0 && out->n < REFS_MAX && fgets(line, sizeof(line), f)) {
		char *sp = strchr(line, ' ');

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '^' || !sp)
			continue;
		*sp = '\0';
		if (!strncmp(sp + 1, prefix, strlen(prefix)))
			r = git_refs_add(out, sp + 1, line);
	}
	fclose(f);
	return r;
}

/* Loose refs under DIRFD (which is NAME, "refs/heads/..."). */
static int git_read_loose(int dirfd, const char *name, struct git_refs *out, unsigned depth)
{
	DIR *d;
	struct dirent *de;
	int fd, r = 0;

	if (depth > 64)
		return 0;
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while (r == 0 && out->n < REFS_MAX && (errno = 0, de = readdir(d))) {
		char sub[PATH_MAX], val[HEAD_MAX];
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (git_path_join(sub, sizeof(sub), name, de->d_name) < 0)
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* gone meanwhile: a ref deleted */
		if (S_ISDIR(st.st_mode)) {
			int cfd = openat(dirfd, de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (cfd < 0) {
				r = errno == ENOENT || errno == ELOOP || errno == ENOTDIR ? 0 :
											    -errno;
				continue;
			}
			r = git_read_loose(cfd, sub, out, depth + 1);
			close(cfd);
		} else if (S_ISREG(st.st_mode) &&
			   git_read_small(dirfd, de->d_name, val, sizeof(val)) == 0) {
			r = git_refs_add(out, sub, val);
		}
	}
	if (r == 0 && errno)
		r = -errno;
	closedir(d);
	return r;
}

/* The refs under PREFIX ("refs/heads/") of the git dir GFD. */
int git_read_refs(int gfd, const char *prefix, struct git_refs *out)
{
	char dir[64];
	int fd, r;

	r = git_read_packed(gfd, prefix, out);
	if (r < 0)
		return r;
	snprintf(dir, sizeof(dir), "%.*s", (int)strlen(prefix) - 1, prefix);
	fd = git_openat_beneath(gfd, dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return errno == ENOENT || errno == ELOOP || errno == ENOTDIR || errno == EXDEV ?
			       0 :
			       -errno;
	r = git_read_loose(fd, dir, out, 0);
	close(fd);
	return r;
}

/* The values the reflog of each branch in R recorded lately (its last
 * REFLOG_TAIL bytes: "OLD NEW IDENT\tMESSAGE" lines), so the agent's
 * branch can follow one the owner moved past the agent's commit. */
int git_read_reflogs(int gfd, struct git_refs *r)
{
	for (size_t i = 0; i < r->n; i++) {
		char path[PATH_MAX + 8], *buf, *line, *save = NULL;
		struct stat st;
		size_t len = 0;
		ssize_t n;
		off_t off;
		int fd;

		if (snprintf(path, sizeof(path), "logs/%s", r->v[i].name) >= (int)sizeof(path))
			continue;
		fd = git_openat_beneath(gfd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
		if (fd < 0)
			continue; /* no reflog: nothing to go by */
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
		    !(buf = malloc(REFLOG_TAIL + 1))) {
			close(fd);
			continue;
		}
		off = st.st_size > REFLOG_TAIL ? st.st_size - REFLOG_TAIL : 0;
		n = pread(fd, buf, REFLOG_TAIL, off);
		close(fd);
		if (n <= 0) {
			free(buf);
			continue;
		}
		buf[n] = '\0';
		r->v[i].hist = calloc(1, (size_t)n + 1);
		for (line = strtok_r(buf, "\n", &save); r->v[i].hist && line;
		     line = strtok_r(NULL, "\n", &save)) {
			char *sp = strchr(line, ' '), *end;

			if (!sp || !(end = strchr(sp + 1, ' ')))
				continue;
			*end = '\0';
			if (git_oid_valid(sp + 1))
				len += (size_t)sprintf(r->v[i].hist + len, "%s\n", sp + 1);
		}
		free(buf);
	}
	return 0;
}

/* Whether OID is among the values of HIST (git_read_reflogs). */
bool git_in_hist(const char *hist, const char *oid)
{
	size_t n = strlen(oid);

	for (const char *p = hist; p && *p; p = strchr(p, '\n') + 1)
		if (!strncmp(p, oid, n) && p[n] == '\n')
			return true;
	return false;
}

/* The commit HEAD (content HEAD) names in REFS, or NULL. */
const char *git_head_oid(const char *head, struct git_refs *refs)
{
	struct git_ref *e;

	if (!strncmp(head, "ref: ", 5)) {
		e = git_refs_find(refs, head + 5);
		return e ? e->oid : NULL;
	}
	return git_oid_valid(head) ? head : NULL;
}

/* ------------------------------------------------ the owner's git config */

static void set(char *dst, size_t len, const char *value)
{
	if (value)
		snprintf(dst, len, "%s", value);
}

static int config_entry(const char *section, const char *sub, const char *key, const char *value,
			void *data)
{
	struct git_config *c = data;

	if (as_gitcfg_is_include(section, key)) {
		if (value && c->n_includes < INCLUDES_MAX)
			set(c->includes[c->n_includes++], PATH_MAX, value);
		return 0;
	}
	if (sub)
		return 0;
	if (!strcmp(section, "core") && !strcmp(key, "hookspath"))
		set(c->hooks_path, sizeof(c->hooks_path), value);
	else if (!strcmp(section, "core") && !strcmp(key, "worktree"))
		set(c->worktree, sizeof(c->worktree), value);
	else if (!strcmp(section, "extensions") && !strcmp(key, "objectformat"))
		set(c->object_format, sizeof(c->object_format), value);
	else if (!strcmp(section, "extensions") && !strcmp(key, "refstorage"))
		/* A key alone names no format git knows: not "files". */
		c->other_refstorage = !value || strcasecmp(value, "files") != 0;
	else if (!strcmp(section, "extensions") && !strcmp(key, "worktreeconfig"))
		c->worktree_config = true;
	return 0;
}

void git_config_from_text(const char *text, size_t len, struct git_config *c)
{
	struct as_err e;

	memset(c, 0, sizeof(*c));
	/* Malformed lines are skipped: git refuses such a file outright, so
	 * nothing it names is run; what parses is still protected. */
	(void)as_gitcfg_parse_string(text, len, config_entry, c, &e);
}

void git_parse_config(int gfd, struct git_config *c)
{
	int fd = openat(gfd, "config", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	char *text = NULL;
	size_t got = 0;

	memset(c, 0, sizeof(*c));
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > CONFIG_MAX ||
	    !(text = malloc((size_t)st.st_size + 1))) {
		close(fd);
		return;
	}
	/* Up to the size fstat gave: a file that grows meanwhile is read
	 * as it was. */
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, text + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	git_config_from_text(text, got, c);
	free(text);
}
