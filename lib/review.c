/* SPDX-License-Identifier: MIT */
#include "review.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REVIEW_MAX_DIRS 200000
#define REVIEW_MAX_DEPTH 128
#define REVIEW_MAX_FILES 1000

/* Run by name wherever they are. */
/* clang-format off */
static const char *const autorun_names[] = {
	".envrc",                       /* direnv, on cd */
	"Makefile", "makefile", "GNUmakefile",
	"package.json",                 /* npm scripts, install hooks */
	".npmrc",
	".pre-commit-config.yaml",      /* pre-commit */
	"lefthook.yml", ".lefthook.yml",
	".gitmodules",                  /* submodule URLs and update commands */
	".gitattributes",               /* filter and diff drivers */
	"Justfile", "justfile",
	".tool-versions", ".mise.toml", /* mise/asdf: tools installed on cd */
};
/* clang-format on */

/* Every file beneath a directory of these names. */
static const char *const autorun_dirs[] = {
	".husky", /* husky's hooks */
	".githooks",
	".devcontainer",
};

bool as_review_autorun(const char *const *dirs, size_t n, const char *name)
{
	for (size_t i = 0; i < AS_ARRAY_SIZE(autorun_names); i++)
		if (!strcmp(name, autorun_names[i]))
			return true;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < AS_ARRAY_SIZE(autorun_dirs); j++)
			if (!strcmp(dirs[i], autorun_dirs[j]))
				return true;
		/* .github/workflows/..., .vscode/tasks.json (and launch,
		 * settings: both can name commands the editor runs). */
		if (i + 1 < n && !strcmp(dirs[i], ".github") && !strcmp(dirs[i + 1], "workflows"))
			return true;
	}
	if (n && !strcmp(dirs[n - 1], ".vscode"))
		return !strcmp(name, "tasks.json") || !strcmp(name, "launch.json") ||
		       !strcmp(name, "settings.json");
	return false;
}

struct scan {
	const struct timespec *since;
	struct as_strv *out;
	struct as_err *err;
	dev_t dev;
	unsigned dirs;
	bool truncated;
	const char *stack[REVIEW_MAX_DEPTH + 1];
};

static bool changed_since(const struct stat *st, const struct timespec *t)
{
	return st->st_ctim.tv_sec > t->tv_sec ||
	       (st->st_ctim.tv_sec == t->tv_sec && st->st_ctim.tv_nsec >= t->tv_nsec);
}

static int add(struct scan *sc, const char *dpath, const char *name)
{
	char p[PATH_MAX], esc[PATH_MAX * 4 + 1];

	if (sc->out->n >= REVIEW_MAX_FILES) {
		sc->truncated = true;
		return 0;
	}
	if (snprintf(p, sizeof(p), "%s/%s", dpath, name) >= (int)sizeof(p))
		return 0;
	as_escape(p, esc, sizeof(esc));
	return as_strv_push(sc->out, esc) < 0 ? as_fail(sc->err, -ENOMEM, "out of memory") : 0;
}

static int scan_dir(struct scan *sc, int dfd, const char *dpath, size_t depth)
{
	DIR *d;
	struct dirent *de;
	int fd, r = 0;

	if (++sc->dirs > REVIEW_MAX_DIRS || depth > REVIEW_MAX_DEPTH) {
		sc->truncated = true;
		return 0;
	}
	fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return as_fail(sc->err, -errno, "%s: %s", dpath, strerror(errno));
	}
	while (r == 0 && (de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, ".git"))
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* gone meanwhile */
		if (S_ISDIR(st.st_mode)) {
			char sub[PATH_MAX];
			int cfd;

			if (st.st_dev != sc->dev || snprintf(sub, sizeof(sub), "%s/%s", dpath,
							     de->d_name) >= (int)sizeof(sub))
				continue;
			cfd = openat(dfd, de->d_name,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd < 0)
				continue;
			sc->stack[depth] = de->d_name;
			r = scan_dir(sc, cfd, sub, depth + 1);
			close(cfd);
			continue;
		}
		if ((S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) && changed_since(&st, sc->since) &&
		    as_review_autorun(sc->stack, depth, de->d_name))
			r = add(sc, dpath, de->d_name);
	}
	closedir(d);
	return r;
}

int as_review_scan(const struct as_registry *reg, const struct timespec *since, struct as_strv *out,
		   struct as_err *err)
{
	struct scan sc = { .since = since, .out = out, .err = err };
	int r = 0;

	for (size_t i = 0; r == 0 && i < reg->n_projects; i++) {
		const struct as_reg_project *p = &reg->projects[i];
		struct stat st;
		int fd;

		if (p->state != AS_REG_GRANTED || p->read_only)
			continue;
		fd = open(p->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue; /* gone, or not there in the session */
		if (fstat(fd, &st) == 0) {
			sc.dev = st.st_dev;
			r = scan_dir(&sc, fd, p->path, 0);
		}
		close(fd);
	}
	if (r == 0 && sc.truncated &&
	    as_strv_push(out,
			 "(the walk stopped early: a tree too large or too deep; "
			 "more files may have changed)") < 0)
		r = as_fail(err, -ENOMEM, "out of memory");
	return r;
}

/*
 * Whether PATH already holds exactly FILES as as_review_save leaves it: a
 * regular file with one link, root:GID, mode 0640, one line per entry.
 * Then a session that changed nothing (the usual case: an empty list
 * twice) writes nothing and pays no fsync, the largest single cost of a
 * session's end (0.2 ms on an idle disk, milliseconds under load).  Any
 * doubt -- missing, another owner, group or mode, other content, a read
 * error -- is "no", and the file is written as before.
 */
static bool review_unchanged(const char *path, gid_t gid, const struct as_strv *files)
{
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t want = 0, got = 0, off = 0;
	bool same = false;
	ssize_t n;
	int fd;

	for (size_t i = 0; i < files->n; i++)
		want += strlen(files->v[i]) + 1;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 || st.st_uid != 0 ||
	    st.st_gid != gid || (st.st_mode & 07777) != 0640 || st.st_size < 0 ||
	    (size_t)st.st_size != want)
		goto out;
	/* One byte more than expected, so a file that grew since fstat differs. */
	buf = malloc(want + 1);
	if (!buf)
		goto out;
	while (got < want + 1 && (n = read(fd, buf + got, want + 1 - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		got += (size_t)n;
	}
	if (got != want)
		goto out;
	same = true;
	for (size_t i = 0; i < files->n && same; i++) {
		size_t len = strlen(files->v[i]);

		same = memcmp(buf + off, files->v[i], len) == 0 && buf[off + len] == '\n';
		off += len + 1;
	}
out:
	close(fd);
	return same;
}

int as_review_save(const char *dir, const char *owner, gid_t gid, const struct as_strv *files,
		   struct as_err *err)
{
	char path[PATH_MAX], tmp[PATH_MAX], parent[PATH_MAX];
	FILE *f;
	int fd, r = 0;

	if (snprintf(path, sizeof(path), "%s/%s", dir, owner) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.new", dir, owner) >= (int)sizeof(tmp))
		return as_fail(err, -ENAMETOOLONG, "%s: path too long", dir);
	if (review_unchanged(path, gid, files))
		return 0;
	/* DIR's parents are root's (the install's var/lib). */
	for (char *p = strcpy(parent, dir) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(parent, 0755) < 0 && errno != EEXIST)
			return as_fail(err, -errno, "%s: %s", parent, strerror(errno));
		*p = '/';
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return as_fail(err, -errno, "%s: %s", dir, strerror(errno));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0)
		return as_fail(err, -errno, "%s: %s", tmp, strerror(errno));
	if (fchown(fd, 0, gid) < 0 || fchmod(fd, 0640) < 0 || !(f = fdopen(fd, "w"))) {
		r = as_fail(err, -errno, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return r;
	}
	for (size_t i = 0; i < files->n; i++)
		fprintf(f, "%s\n", files->v[i]);
	if (fflush(f) != 0 || fsync(fd) < 0)
		r = as_fail(err, -errno, "%s: %s", tmp, strerror(errno));
	if (fclose(f) != 0 && r == 0)
		r = as_fail(err, -errno, "%s: %s", tmp, strerror(errno));
	if (r == 0 && rename(tmp, path) < 0)
		r = as_fail(err, -errno, "%s: %s", path, strerror(errno));
	if (r < 0)
		unlink(tmp);
	return r;
}
