/* SPDX-License-Identifier: MIT */
/*
 * The sudo path's authorization: one sudoers drop-in per owner,
 * AS_SUDOERS_DIR/agent-shell-OWNER, allowing exactly OWNER to run the
 * sandbox stage (agent-sandbox --session OWNER ...) as their agent and
 * nothing else.  It goes live only after visudo has checked it, by a
 * rename in the same directory; a file sudo would ignore (its name has a
 * '.') holds it until then.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account.h"
#include "admin.h"
#include "config.h"

#define SUDO_MARKER "# agent-shell: written by agent-admin"
#define SUDO_MAX_SIZE 4096

/* sudoers(5) gives meaning to many characters in a user name ('#' starts a
 * uid, '%' a group, ',' ':' '=' '\' and blanks separate); owner and agent
 * names that reach a drop-in are plain. */
static bool sudoers_name_ok(const char *name)
{
	if (!name[0] || name[0] == '-' || name[0] == '.')
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.'))
			return false;
	return true;
}

int admin_sudo_path(const char *owner, char *out, size_t len)
{
	int n;

	/* sudo skips drop-ins whose name contains a '.' (sudoers(5),
	 * "@includedir"): a user name with one gets '_' in its place. */
	n = snprintf(out, len, "%s/agent-shell-%s", AS_SUDOERS_DIR, owner);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	for (char *p = out + strlen(AS_SUDOERS_DIR) + 1; *p; p++)
		if (*p == '.')
			*p = '_';
	return 0;
}

int admin_sudo_content(const char *owner, const char *account, char **out)
{
	*out = NULL;
	if (!sudoers_name_ok(owner) || !sudoers_name_ok(account))
		return -EINVAL;
	if (asprintf(out,
		     SUDO_MARKER
		     " add %s --sudo;\n"
		     "# agent-admin remove %s deletes it.  Do not edit: agent-admin check\n"
		     "# compares it with what agent-admin would write.\n"
		     "# %s may run the sandbox stage of agent-shell as %s, and nothing else\n"
		     "# (switch = sudo in %s), on a terminal of its own (use_pty: nothing\n"
		     "# left behind by the session can read the owner's terminal).\n"
		     "Defaults!%s use_pty\n"
		     "%s ALL=(%s) NOPASSWD: %s --session %s *\n",
		     owner, owner, owner, account, AS_SITE_CONF, AS_SANDBOX_PATH, owner, account,
		     AS_SANDBOX_PATH, owner) < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* The current drop-in: 0 and its text, -ENOENT, or -errno.  Not ours
 * (no marker) is -EEXIST. */
static int read_current(const char *path, char **text)
{
	struct as_err e = { "" };
	int r = as_read_file(AT_FDCWD, path, AS_TRUST_ANY, SUDO_MAX_SIZE, text, &e);

	if (r < 0)
		return r;
	if (strncmp(*text, SUDO_MARKER, strlen(SUDO_MARKER)) != 0) {
		free(*text);
		*text = NULL;
		return -EEXIST;
	}
	return 0;
}

/* visudo -c -f FILE: syntax and ownership of the candidate alone; then
 * visudo -c for the whole configuration with it in place. */
static int visudo_check(const char *file, struct as_err *e)
{
	const char *one[] = { AS_VISUDO_PATH, "-c", "-q", "-f", file, NULL };
	const char *all[] = { AS_VISUDO_PATH, "-c", "-q", NULL };

	if (file)
		return as_run(one, e);
	return as_run(all, e);
}

int admin_sudo_install(const struct admin_ctx *ctx, const char *owner, const char *account,
		       bool *changed)
{
	_cleanup_free_ char *want = NULL, *have = NULL;
	char path[PATH_MAX], tmp[PATH_MAX];
	struct as_err e = { "" };
	struct stat st;
	int fd, r;

	if (access(AS_VISUDO_PATH, X_OK) < 0 || access(AS_SUDO_PATH, X_OK) < 0)
		return admin_fail("--sudo: %s or %s is missing (install the sudo package)",
				  AS_SUDO_PATH, AS_VISUDO_PATH);
	if (stat(AS_SUDOERS_DIR, &st) < 0 || !S_ISDIR(st.st_mode))
		return admin_fail(
			"--sudo: %s is not a directory (does /etc/sudoers have @includedir %s?)",
			AS_SUDOERS_DIR, AS_SUDOERS_DIR);
	r = admin_sudo_content(owner, account, &want);
	if (r == -EINVAL)
		return admin_fail(
			"--sudo: %s or %s is not a plain user name sudoers can hold "
			"(letters, digits, '_', '-', '.')",
			owner, account);
	if (r < 0 || admin_sudo_path(owner, path, sizeof(path)) < 0)
		return admin_fail("--sudo: %s", strerror(-r ? -r : ENAMETOOLONG));
	r = read_current(path, &have);
	if (r == -EEXIST)
		return admin_fail("%s exists and was not written by agent-admin; move it away first",
				  path);
	if (r == 0 && strcmp(have, want) == 0 && lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_uid == 0 && st.st_gid == 0 && (st.st_mode & 07777) == 0440)
		return 0;
	if (r < 0 && r != -ENOENT)
		return admin_fail("%s: %s", path, strerror(-r));
	if (ctx->dry_run)
		return 0;

	snprintf(tmp, sizeof(tmp), "%s/.agent-shell-new", AS_SUDOERS_DIR);
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0440);
	if (fd < 0)
		return admin_fail("%s: %s", tmp, strerror(errno));
	if (fchown(fd, 0, 0) < 0 || fchmod(fd, 0440) < 0 ||
	    as_write_all(fd, want, strlen(want)) < 0 || fsync(fd) < 0) {
		r = errno;
		close(fd);
		unlink(tmp);
		return admin_fail("%s: %s", tmp, strerror(r));
	}
	if (close(fd) < 0) {
		r = errno;
		unlink(tmp);
		return admin_fail("%s: %s", tmp, strerror(r));
	}
	if (visudo_check(tmp, &e) != 0) {
		unlink(tmp);
		return admin_fail("--sudo: the drop-in does not pass visudo, nothing installed: %s",
				  e.msg);
	}
	if (rename(tmp, path) < 0) {
		r = errno;
		unlink(tmp);
		return admin_fail("%s: %s", path, strerror(r));
	}
	/* Live now: if the whole configuration no longer parses, sudo would
	 * stop working for everyone; take it back out. */
	if (visudo_check(NULL, &e) != 0) {
		unlink(path);
		return admin_fail(
			"--sudo: sudo's configuration does not pass visudo -c with %s; "
			"removed it again: %s",
			path, e.msg);
	}
	admin_note(ctx, "installed %s (%s may enter %s through sudo)", path, owner, account);
	*changed = true;
	return 0;
}

int admin_sudo_remove(const struct admin_ctx *ctx, const char *owner)
{
	_cleanup_free_ char *have = NULL;
	char path[PATH_MAX];
	int r;

	if (admin_sudo_path(owner, path, sizeof(path)) < 0)
		return admin_fail("%s: sudoers path too long", owner);
	r = read_current(path, &have);
	if (r == -ENOENT)
		return 0;
	if (r == -EEXIST) {
		admin_warn("%s was not written by agent-admin; left in place", path);
		return 0;
	}
	if (r < 0)
		return admin_fail("%s: %s", path, strerror(-r));
	if (unlink(path) < 0 && errno != ENOENT)
		return admin_fail("%s: cannot remove: %s", path, strerror(errno));
	admin_note(ctx, "removed %s", path);
	return 0;
}
