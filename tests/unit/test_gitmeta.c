/* SPDX-License-Identifier: MIT */
/* The pure parts of git isolation: the name of the agent's git directory
 * for a work tree (lib/gitmeta.c), git directories found by content
 * (lib/gitdir.c), and which files the end-of-session review lists
 * (lib/review.c). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gitdir.h"
#include "gitmeta.h"
#include "review.h"
#include "tap.h"

static bool matches(const char *s, const char *re)
{
	regex_t rx;
	bool m;

	if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	m = regexec(&rx, s, 0, NULL, 0) == 0;
	regfree(&rx);
	if (!m)
		printf("#   \"%s\" does not match /%s/\n", s, re);
	return m;
}

static void test_agent_dir_name(void)
{
	char a[NAME_MAX + 1], b[NAME_MAX + 1], small[8];

	is_int(as_git_agent_dir_name("/home/al/src/proj", a, sizeof(a)), 0, "name: succeeds");
	ok(matches(a, "^proj-[0-9a-f]{16}\\.git$"),
	   "name: the last component, 16 hex digits, .git");
	as_git_agent_dir_name("/home/al/src/proj", b, sizeof(b));
	is_str(a, b, "name: stable for one path");
	as_git_agent_dir_name("/home/al/other/proj", b, sizeof(b));
	ok(strcmp(a, b) != 0, "name: another path with the same last component differs");
	as_git_agent_dir_name("/home/al/src/a b/../\n$x", b, sizeof(b));
	ok(matches(b, "^x-[0-9a-f]{16}\\.git$"),
	   "name: only letters, digits, '.', '_', '-' are kept");
	as_git_agent_dir_name("/home/al/src/..hidden", b, sizeof(b));
	ok(matches(b, "^repo-[0-9a-f]{16}\\.git$"),
	   "name: a leading dot becomes 'repo' (no hidden or '..' name)");
	as_git_agent_dir_name("/home/al/src/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", b,
			      sizeof(b));
	is_int((int)strlen(b), 32 + 1 + 16 + 4, "name: the component is cut at 32 characters");
	is_int(as_git_agent_dir_name("/a/b", small, sizeof(small)), -ENAMETOOLONG,
	       "name: a buffer too small is -ENAMETOOLONG");
}

static void touch(const char *dir, const char *name, bool is_dir)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (is_dir) {
		if (mkdir(p, 0755) < 0)
			printf("# mkdir %s: %s\n", p, strerror(errno));
		return;
	}
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
}

static bool gitdir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool r = fd >= 0 && as_gitdir_at(fd);

	if (fd >= 0)
		close(fd);
	return r;
}

static void test_gitdir(void)
{
	char top[] = "/tmp/as-gitdir-XXXXXX", d[PATH_MAX];

	if (!mkdtemp(top)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(d, sizeof(d), "%s/g", top);
	touch(top, "g", true);
	ok(!gitdir(d), "gitdir: an empty directory is not one");
	touch(d, "HEAD", false);
	ok(!gitdir(d), "gitdir: HEAD alone is not one");
	touch(d, "objects", true);
	ok(!gitdir(d), "gitdir: HEAD and objects are not one");
	touch(d, "refs", true);
	ok(gitdir(d), "gitdir: HEAD, objects and refs are one (any name: bare too)");
	snprintf(d, sizeof(d), "%s/w", top);
	touch(top, "w", true);
	touch(d, "HEAD", false);
	touch(d, "commondir", false);
	ok(gitdir(d), "gitdir: HEAD and commondir are one (a linked worktree's)");
	snprintf(d, sizeof(d), "%s/s", top);
	touch(top, "s", true);
	touch(d, "HEAD", false);
	touch(d, "refs", true);
	snprintf(d, sizeof(d), "%s/s/objects", top);
	if (symlink("/nonexistent", d) < 0)
		printf("# symlink: %s\n", strerror(errno));
	snprintf(d, sizeof(d), "%s/s", top);
	ok(gitdir(d), "gitdir: a symlinked objects counts (git follows it)");
	snprintf(d, sizeof(d), "rm -rf -- '%s'", top);
	if (system(d) != 0)
		printf("# cleanup failed\n");
}

static bool autorun(const char *path)
{
	const char *dirs[16];
	char buf[PATH_MAX], *p, *slash;
	size_t n = 0;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf; (slash = strchr(p, '/')) && n < 16; p = slash + 1) {
		*slash = '\0';
		dirs[n++] = p;
	}
	return as_review_autorun(dirs, n, p);
}

static void test_review_classes(void)
{
	static const char *const yes[] = {
		".envrc",
		"sub/.envrc",
		"Makefile",
		"a/b/makefile",
		"GNUmakefile",
		"package.json",
		".vscode/tasks.json",
		".vscode/launch.json",
		".vscode/settings.json",
		".github/workflows/ci.yml",
		"x/.github/workflows/deep/y.yaml",
		".husky/pre-commit",
		".husky/_/husky.sh",
		".githooks/pre-push",
		".pre-commit-config.yaml",
		"lefthook.yml",
		".gitmodules",
		".gitattributes",
		".devcontainer/devcontainer.json",
		"Justfile",
	};
	static const char *const no[] = {
		"README",
		"src/main.c",
		".vscode/extensions.json",
		".github/CODEOWNERS",
		"workflows/x.yml",
		"docs/Makefile.am",
		"package-lock.json",
	};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		ok(autorun(yes[i]), "review: %s is listed", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		ok(!autorun(no[i]), "review: %s is not", no[i]);
}

int main(void)
{
	test_agent_dir_name();
	test_gitdir();
	test_review_classes();
	return tap_done();
}
