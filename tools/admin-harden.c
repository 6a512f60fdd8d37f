/* SPDX-License-Identifier: MIT */
/*
 * agent-admin harden [--userns] | harden --undo (issue 15, item 3): the
 * kernel knobs that take attack surface away from every unprivileged
 * account, agents included, as a second layer behind the session's
 * seccomp filter (DESIGN.md, "Layers": 0. Host).
 *
 *   harden:  read each knob's value; record the ones about to change in
 *            AS_HARDEN_STATE (root's, 0600; a second harden keeps the
 *            first record, so --undo goes back to before the first);
 *            write AS_SYSCTL_DROPIN (applied at every boot); write each
 *            value to /proc/sys directly (no sysctl(8) run as root).
 *   --undo:  write back every recorded value, remove the drop-in and the
 *            record.
 *
 * A knob this kernel does not have is reported and skipped, never fatal.
 * The values, and why each is what it is:
 *
 *   dev.tty.legacy_tiocsti = 0       TIOCSTI (typing into another
 *        process's terminal) needs CAP_SYS_ADMIN (Linux 6.2).
 *   kernel.io_uring_disabled = 1     new rings only for CAP_SYS_ADMIN or
 *        kernel.io_uring_group (Linux 6.6).  Not 2, which also stops root's
 *        own services that use io_uring; sessions never get it anyway.
 *   kernel.unprivileged_bpf_disabled = 2   bpf(2) for CAP_SYS_ADMIN only.
 *        Not 1: 1 cannot be undone without a reboot, and --undo must
 *        restore the previous value exactly; 2 denies the same.
 *   kernel.perf_event_paranoid = 3   no perf events for unprivileged users
 *        where the kernel has Debian's patch; elsewhere it acts as 2 (no
 *        kernel profiling), still the strongest the kernel offers.
 *   fs.protected_symlinks = 1, fs.protected_hardlinks = 1,
 *   fs.protected_fifos = 2, fs.protected_regular = 2   the /tmp races
 *        between uids (an agent planting a symlink or FIFO where the
 *        owner's tools write).
 *   --userns: kernel.unprivileged_userns_clone = 0 (Debian's kernels) or
 *        kernel.apparmor_restrict_unprivileged_userns = 1 (Ubuntu's):
 *        only on request, since browsers, podman and bubblewrap need
 *        unprivileged user namespaces; sessions get none from seccomp.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "admin.h"

#define STATE_MAX 4096
#define DROPIN_HEAD                                                                 \
	"# agent-shell: written by agent-admin harden; agent-admin harden --undo\n" \
	"# removes it and restores the values it replaced.\n"

/* How a value compares: HIGHER, the value or more is as strong (check
 * reports less); LOWER, the value or less; NONZERO, any value but 0. */
enum strength { HIGHER, LOWER, NONZERO };

struct knob {
	const char *name; /* dotted, as in sysctl.d(5) */
	const char *want;
	const char *fallback; /* written if WANT is refused, or NULL */
	enum strength how;
	bool userns; /* only with --userns */
};

static const struct knob knobs[] = {
	{ "dev.tty.legacy_tiocsti", "0", NULL, LOWER, false },
	{ "kernel.io_uring_disabled", "1", NULL, HIGHER, false },
	{ "kernel.unprivileged_bpf_disabled", "2", NULL, NONZERO, false },
	{ "kernel.perf_event_paranoid", "3", "2", HIGHER, false },
	{ "fs.protected_symlinks", "1", NULL, HIGHER, false },
	{ "fs.protected_hardlinks", "1", NULL, HIGHER, false },
	{ "fs.protected_fifos", "2", NULL, HIGHER, false },
	{ "fs.protected_regular", "2", NULL, HIGHER, false },
	{ "kernel.unprivileged_userns_clone", "0", NULL, LOWER, true },
	{ "kernel.apparmor_restrict_unprivileged_userns", "1", NULL, HIGHER, true },
};

static void proc_path(const char *name, char *out, size_t len)
{
	size_t o = 0;

	o = (size_t)snprintf(out, len, "/proc/sys/");
	for (const char *p = name; *p && o + 1 < len; p++)
		out[o++] = *p == '.' ? '/' : *p;
	out[o < len ? o : len - 1] = '\0';
}

/* The knob's value, trimmed: 0, -ENOENT when this kernel lacks it. */
static int knob_read(const char *name, char *val, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	proc_path(name, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	n = read(fd, val, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	val[n] = '\0';
	val[strcspn(val, "\n")] = '\0';
	return 0;
}

static int knob_write(const char *name, const char *val)
{
	char path[PATH_MAX];
	size_t len = strlen(val);
	ssize_t n;
	int fd;

	proc_path(name, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	if (close(fd) < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static bool weaker(const struct knob *k, const char *have)
{
	char *end;
	long h = strtol(have, &end, 10), w = strtol(k->want, NULL, 10);

	if (end == have)
		return true;
	switch (k->how) {
	case HIGHER:
		return h < w && !(k->fallback && h >= strtol(k->fallback, NULL, 10));
	case LOWER:
		return h > w;
	case NONZERO:
		return h == 0;
	}
	return true;
}

/* ---- files ------------------------------------------------------------- */

static int write_file(const char *path, const char *text, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t len = strlen(text);
	int fd, e = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.agent-shell-new", path) >= (int)sizeof(tmp))
		return admin_fail("%s: path too long", path);
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return admin_fail("%s: cannot create: %s", tmp, strerror(errno));
	if (fchmod(fd, mode) < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) < 0)
		e = errno ? errno : EIO;
	if (close(fd) < 0 && !e)
		e = errno;
	if (!e && rename(tmp, path) < 0)
		e = errno;
	if (e) {
		(void)unlink(tmp);
		return admin_fail("%s: cannot write: %s", path, strerror(e));
	}
	return 0;
}

static int mkdir_parent(const char *path, mode_t mode)
{
	char dir[PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, mode) < 0 && errno != EEXIST)
		return admin_fail("%s: cannot create: %s", dir, strerror(errno));
	return 0;
}

/* The record of replaced values: "name=value" lines. */
static int state_read(char **text)
{
	struct as_err e = { "" };
	int r = as_read_file(AT_FDCWD, AS_HARDEN_STATE, AS_TRUST_ROOT_ONLY, STATE_MAX, text, &e);

	if (r < 0 && r != -ENOENT)
		return admin_fail("%s", e.msg);
	return r;
}

static bool state_has(const char *text, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = text; p && *p;) {
		if (strncmp(p, name, n) == 0 && p[n] == '=')
			return true;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return false;
}

/* ---- the command -------------------------------------------------------- */

static int harden(const struct admin_ctx *ctx, bool userns)
{
	_cleanup_free_ char *old = NULL;
	char state[STATE_MAX] = "", dropin[STATE_MAX] = DROPIN_HEAD, have[64];
	size_t so = 0, dn = strlen(dropin);
	int r, rc = 0;

	r = state_read(&old);
	if (r < 0 && r != -ENOENT)
		return ADMIN_EXIT_FAIL;
	if (old)
		so = (size_t)snprintf(state, sizeof(state), "%s", old);
	/* First what was there, then the drop-in, then the live values: an
	 * interrupted run leaves a record --undo can use. */
	for (size_t i = 0; i < AS_ARRAY_SIZE(knobs); i++) {
		const struct knob *k = &knobs[i];

		if (k->userns && !userns)
			continue;
		if (knob_read(k->name, have, sizeof(have)) < 0)
			continue;
		dn += (size_t)snprintf(dropin + dn, sizeof(dropin) - dn, "%s = %s\n", k->name,
				       k->want);
		if (strcmp(have, k->want) != 0 && !state_has(state, k->name))
			so += (size_t)snprintf(state + so, sizeof(state) - so, "%s=%s\n", k->name,
					       have);
	}
	if (so >= sizeof(state) || dn >= sizeof(dropin))
		return admin_fail("harden: record too long");
	if (mkdir_parent(AS_HARDEN_STATE, 0700) || write_file(AS_HARDEN_STATE, state, 0600) ||
	    mkdir_parent(AS_SYSCTL_DROPIN, 0755) || write_file(AS_SYSCTL_DROPIN, dropin, 0644))
		return ADMIN_EXIT_FAIL;
	admin_note(ctx, "wrote %s (previous values in %s)", AS_SYSCTL_DROPIN, AS_HARDEN_STATE);
	for (size_t i = 0; i < AS_ARRAY_SIZE(knobs); i++) {
		const struct knob *k = &knobs[i];
		const char *val = k->want;

		if (k->userns && !userns)
			continue;
		r = knob_read(k->name, have, sizeof(have));
		if (r == -ENOENT) {
			admin_note(ctx, "%s: not on this kernel; skipped", k->name);
			continue;
		}
		if (r < 0) {
			rc = admin_fail("%s: cannot read: %s", k->name, strerror(-r));
			continue;
		}
		if (strcmp(have, val) == 0)
			continue;
		r = knob_write(k->name, val);
		if (r == -EINVAL && k->fallback) {
			val = k->fallback;
			r = strcmp(have, val) == 0 ? 0 : knob_write(k->name, val);
		}
		if (r < 0) {
			rc = admin_fail("%s: cannot set %s: %s", k->name, val, strerror(-r));
			continue;
		}
		admin_note(ctx, "%s: %s -> %s", k->name, have, val);
	}
	if (userns) {
		bool any = false;

		for (size_t i = 0; i < AS_ARRAY_SIZE(knobs); i++)
			if (knobs[i].userns && knob_read(knobs[i].name, have, sizeof(have)) == 0)
				any = true;
		if (!any)
			admin_note(
				ctx,
				"--userns: this kernel has no knob for unprivileged user namespaces "
				"alone (user.max_user_namespaces = 0 would stop root's too); not set");
	}
	return rc;
}

static int undo(const struct admin_ctx *ctx)
{
	_cleanup_free_ char *text = NULL;
	int r, rc = 0;

	r = state_read(&text);
	if (r == -ENOENT) {
		if (unlink(AS_SYSCTL_DROPIN) == 0)
			admin_note(ctx, "removed %s (no record of previous values)",
				   AS_SYSCTL_DROPIN);
		else
			admin_note(ctx, "harden --undo: nothing recorded; nothing to undo");
		return 0;
	}
	if (r < 0)
		return ADMIN_EXIT_FAIL;
	/* The drop-in first: a reboot in the middle must not apply it again. */
	if (unlink(AS_SYSCTL_DROPIN) < 0 && errno != ENOENT)
		return admin_fail("%s: cannot remove: %s", AS_SYSCTL_DROPIN, strerror(errno));
	for (char *line = text, *next; line && *line; line = next) {
		bool known = false;
		char *eq;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		eq = strchr(line, '=');
		if (!eq || eq == line) {
			rc = admin_fail("%s: bad line '%s'", AS_HARDEN_STATE, line);
			continue;
		}
		*eq = '\0';
		/* Only names from our own table: the record is root's, but a
		 * name is still never turned into an arbitrary /proc path. */
		for (size_t i = 0; i < AS_ARRAY_SIZE(knobs); i++)
			if (strcmp(knobs[i].name, line) == 0)
				known = true;
		if (!known) {
			rc = admin_fail("%s: unknown knob '%s'", AS_HARDEN_STATE, line);
			continue;
		}
		r = knob_write(line, eq + 1);
		if (r < 0 && r != -ENOENT) {
			rc = admin_fail("%s: cannot restore %s: %s", line, eq + 1, strerror(-r));
			continue;
		}
		admin_note(ctx, "%s: restored %s", line, eq + 1);
	}
	if (rc)
		return rc; /* the record stays for another try */
	if (unlink(AS_HARDEN_STATE) < 0 && errno != ENOENT)
		return admin_fail("%s: cannot remove: %s", AS_HARDEN_STATE, strerror(errno));
	admin_note(ctx, "removed %s and %s", AS_SYSCTL_DROPIN, AS_HARDEN_STATE);
	return 0;
}

int admin_harden(const struct admin_ctx *ctx, bool undo_it, bool userns)
{
	return undo_it ? undo(ctx) : harden(ctx, userns);
}

/* ---- for check ---------------------------------------------------------- */

int admin_harden_inspect(struct admin_harden_finding *out, size_t max, bool *hardened)
{
	_cleanup_free_ char *dropin = NULL;
	size_t n = 0;
	char have[64];

	*hardened = as_read_file(AT_FDCWD, AS_SYSCTL_DROPIN, AS_TRUST_ROOT_ONLY, STATE_MAX, &dropin,
				 NULL) == 0;
	for (size_t i = 0; i < AS_ARRAY_SIZE(knobs) && n < max; i++) {
		const struct knob *k = &knobs[i];

		/* User namespaces are the admin's call: checked once the
		 * drop-in names them (harden --userns). */
		if (k->userns && !(dropin && strstr(dropin, k->name)))
			continue;
		if (knob_read(k->name, have, sizeof(have)) < 0 || !weaker(k, have))
			continue;
		out[n].name = k->name;
		out[n].want = k->want;
		snprintf(out[n].have, sizeof(out[n].have), "%s", have);
		n++;
	}
	return (int)n;
}

/* ---- the subcommand ------------------------------------------------ */

int cmd_harden(const struct admin_ctx *ctx, const struct admin_opts *o)
{
	if (o->undo && o->userns)
		return admin_usage(
			"harden: --undo restores what was recorded; it takes no --userns");
	return admin_harden(ctx, o->undo, o->userns);
}
