/* SPDX-License-Identifier: MIT */
/*
 * Landlock, in three steps kept apart so that the logic can be tested for
 * every ABI without that kernel:
 *
 *   as_landlock_plan()    pure: policy + ABI -> rights to handle and grant,
 *                         or a refusal naming what this kernel lacks;
 *   as_landlock_build()   opens the rule paths, creates the ruleset;
 *   as_landlock_enforce() landlock_restrict_self(), the point of no return.
 *
 * Documentation/userspace-api/landlock.rst upstream is the reference; the
 * ABI history is in landlock_uapi.h.
 */
#include "landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "landlock_uapi.h"

/* The highest ABI this file knows.  A newer kernel is planned for as this
 * one: rights we cannot name are rights we cannot grant or explain. */
#define AS_LL_ABI_KNOWN 9

#define FS_ABI1                                                           \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |     \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |     \
	 LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE | \
	 LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |     \
	 LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |     \
	 LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |   \
	 LANDLOCK_ACCESS_FS_MAKE_SYM)

/* The only rights the kernel accepts on a rule whose fd is not a directory
 * (others fail with EINVAL): security/landlock/fs.c, ACCESS_FILE. */
#define FS_FILE_RIGHTS                                                \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE | \
	 LANDLOCK_ACCESS_FS_IOCTL_DEV | LANDLOCK_ACCESS_FS_RESOLVE_UNIX)

/* Profile access classes.  MAKE_CHAR and MAKE_BLOCK are handled but never
 * granted: an unprivileged agent has no business creating device nodes.
 * IOCTL_DEV comes with write, so a write rule on /dev/pts or /dev/tty keeps
 * terminals usable (raw mode needs TCSETS) while device ioctls stay denied
 * everywhere else.  RESOLVE_UNIX (ABI 9) comes with write too: talking to
 * a named socket is writing to it, so the agent reaches the sockets in its
 * project, home and tmp, and not the owner's ssh-agent, docker.sock or
 * D-Bus, nor /run's daemons, unless a profile grants write there. */
#define FS_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define FS_EXEC (FS_READ | LANDLOCK_ACCESS_FS_EXECUTE)
#define FS_WRITE                                                                                 \
	(FS_READ | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |               \
	 LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR |                          \
	 LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |                            \
	 LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_SYM | LANDLOCK_ACCESS_FS_REFER | \
	 LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV |                            \
	 LANDLOCK_ACCESS_FS_RESOLVE_UNIX)

#define NET_TCP (LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP)
#define SCOPE_ALL (LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL)
#define RESTRICT_ALL                                                                         \
	(LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF | LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON | \
	 LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF)

struct bit_name {
	uint64_t bit;
	const char *name;
};

static const struct bit_name fs_names[] = {
	{ LANDLOCK_ACCESS_FS_EXECUTE, "execute" },
	{ LANDLOCK_ACCESS_FS_WRITE_FILE, "write_file" },
	{ LANDLOCK_ACCESS_FS_READ_FILE, "read_file" },
	{ LANDLOCK_ACCESS_FS_READ_DIR, "read_dir" },
	{ LANDLOCK_ACCESS_FS_REMOVE_DIR, "remove_dir" },
	{ LANDLOCK_ACCESS_FS_REMOVE_FILE, "remove_file" },
	{ LANDLOCK_ACCESS_FS_MAKE_CHAR, "make_char" },
	{ LANDLOCK_ACCESS_FS_MAKE_DIR, "make_dir" },
	{ LANDLOCK_ACCESS_FS_MAKE_REG, "make_reg" },
	{ LANDLOCK_ACCESS_FS_MAKE_SOCK, "make_sock" },
	{ LANDLOCK_ACCESS_FS_MAKE_FIFO, "make_fifo" },
	{ LANDLOCK_ACCESS_FS_MAKE_BLOCK, "make_block" },
	{ LANDLOCK_ACCESS_FS_MAKE_SYM, "make_sym" },
	{ LANDLOCK_ACCESS_FS_REFER, "refer" },
	{ LANDLOCK_ACCESS_FS_TRUNCATE, "truncate" },
	{ LANDLOCK_ACCESS_FS_IOCTL_DEV, "ioctl_dev" },
	{ LANDLOCK_ACCESS_FS_RESOLVE_UNIX, "resolve_unix" },
}, net_names[] = {
	{ LANDLOCK_ACCESS_NET_BIND_TCP, "bind_tcp" },
	{ LANDLOCK_ACCESS_NET_CONNECT_TCP, "connect_tcp" },
};

/*
 * What a policy needs from the kernel, in ABI order.  A missing entry is
 * either a refusal (required) or one "NOT ENFORCED" line (best-effort).
 * REFER, the audit flags, TSYNC (ABI 8) and RESOLVE_UNIX (ABI 9) are
 * deliberately absent: see landlock.h.
 */
enum need_kind { NEED_FS, NEED_NET, NEED_SCOPE_UNIX, NEED_SCOPE_SIGNAL };

static const struct need {
	enum need_kind kind;
	int abi;
	const char *linux_version;
	const char *what;        /* names the right */
	const char *consequence; /* what runs unrestricted without it */
} needs[] = {
	{ NEED_FS, 3, "6.2", "truncate", "truncating files is not restricted" },
	{ NEED_NET, 4, "6.7", "TCP connect/bind rules",
	  "every TCP port can be connected to and bound" },
	{ NEED_FS, 5, "6.10", "ioctl_dev", "ioctl on devices is not restricted" },
	{ NEED_SCOPE_UNIX, 6, "6.12", "abstract unix socket scope",
	  "abstract unix sockets outside the sandbox can be reached" },
	{ NEED_SCOPE_SIGNAL, 6, "6.12", "signal scope",
	  "processes outside the sandbox can be signalled" },
};

int as_landlock_probe(void)
{
	int abi = as_ll_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	/* ENOSYS: CONFIG_SECURITY_LANDLOCK=n.  EOPNOTSUPP: built in but not
	 * in the lsm= list at boot.  The distinction matters to the admin:
	 * one needs another kernel, the other a boot parameter. */
	if (abi < 0)
		return -errno;
	return abi;
}

const char *as_landlock_unavailable_reason(int probe)
{
	switch (probe) {
	case -ENOSYS:
		return "kernel built without Landlock (CONFIG_SECURITY_LANDLOCK)";
	case -EOPNOTSUPP:
		return "Landlock disabled at boot (not in the lsm= kernel parameter)";
	case 0:
		return "Landlock not available";
	default:
		return probe < 0 ? strerror(-probe) : "Landlock available";
	}
}

void as_landlock_caps_for_abi(int abi, struct as_landlock_caps *out)
{
	memset(out, 0, sizeof(*out));
	if (abi <= 0)
		return;
	out->abi = abi;
	out->fs = FS_ABI1;
	if (abi >= 2) /* Linux 5.19 */
		out->fs |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3) /* Linux 6.2 */
		out->fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 4) /* Linux 6.7 */
		out->net = NET_TCP;
	if (abi >= 5) /* Linux 6.10 */
		out->fs |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	if (abi >= 6) /* Linux 6.12 */
		out->scoped = SCOPE_ALL;
	if (abi >= 7) /* Linux 6.15 */
		out->restrict_flags = RESTRICT_ALL;
	if (abi >= 8) /* Linux 7.0 */
		out->restrict_flags |= LANDLOCK_RESTRICT_SELF_TSYNC;
	if (abi >= 9) /* Linux 7.1 */
		out->fs |= LANDLOCK_ACCESS_FS_RESOLVE_UNIX;
}

static uint64_t class_rights(unsigned access)
{
	uint64_t r = 0;

	if (access & AS_FS_READ)
		r |= FS_READ;
	if (access & AS_FS_EXEC)
		r |= FS_EXEC;
	if (access & AS_FS_WRITE)
		r |= FS_WRITE;
	return r;
}

static bool need_applies(const struct need *n, const struct as_policy *pol)
{
	switch (n->kind) {
	case NEED_SCOPE_UNIX:
		return pol->scope_abstract_unix;
	case NEED_SCOPE_SIGNAL:
		return pol->scope_signal;
	default:
		return true;
	}
}

static const char hint[] =
	"set 'landlock = best-effort' in the profile to run with what this kernel enforces";

/* Names every need this ABI lacks, "what (ABI n, Linux x);", then the hint. */
static void refusal(const struct as_policy *pol, int abi, struct as_err *err)
{
	size_t off;

	if (!err)
		return;
	off = (size_t)snprintf(err->msg, sizeof(err->msg),
			       "landlock: this kernel (Landlock ABI %d) "
			       "lacks what the profile requires:",
			       abi);
	for (size_t i = 0; i < AS_ARRAY_SIZE(needs) && off < sizeof(err->msg); i++) {
		if (needs[i].abi <= abi || !need_applies(&needs[i], pol))
			continue;
		off += (size_t)snprintf(err->msg + off, sizeof(err->msg) - off,
					" %s (ABI %d, Linux %s);", needs[i].what, needs[i].abi,
					needs[i].linux_version);
	}
	if (off < sizeof(err->msg))
		snprintf(err->msg + off, sizeof(err->msg) - off, " %s", hint);
}

static int plan_unavailable(const struct as_policy *pol, int abi, struct as_landlock_plan *plan,
			    struct as_err *err)
{
	char *line = NULL;

	if (pol->landlock == AS_LANDLOCK_REQUIRED)
		return as_fail(err, -EOPNOTSUPP, "landlock: unavailable: %s; %s",
			       as_landlock_unavailable_reason(abi), hint);
	if (asprintf(&line,
		     "Landlock (ABI 1, Linux 5.13): %s; no filesystem, TCP, scope or ioctl restriction",
		     as_landlock_unavailable_reason(abi)) < 0)
		return as_fail(err, -ENOMEM, "out of memory");
	if (as_strv_push_take(&plan->dropped, line) < 0)
		return as_fail(err, -ENOMEM, "out of memory");
	return 0;
}

static int plan_ports(const struct as_policy *pol, struct as_landlock_plan *plan,
		      struct as_err *err)
{
	size_t n = pol->n_connect_tcp + pol->n_bind_tcp;

	if (!(plan->handled_net & NET_TCP) || n == 0)
		return 0;
	plan->ports = calloc(n, sizeof(*plan->ports));
	if (!plan->ports)
		return as_fail(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < pol->n_connect_tcp; i++)
		plan->ports[plan->n_ports++] = (struct as_landlock_port){
			&pol->connect_tcp[i], LANDLOCK_ACCESS_NET_CONNECT_TCP
		};
	for (size_t i = 0; i < pol->n_bind_tcp; i++)
		plan->ports[plan->n_ports++] = (struct as_landlock_port){
			&pol->bind_tcp[i], LANDLOCK_ACCESS_NET_BIND_TCP
		};
	return 0;
}

int as_landlock_plan_capped(const struct as_policy *pol, int kernel_abi, int abi_max,
			    struct as_landlock_plan *plan, struct as_err *err)
{
	int abi = kernel_abi;
	int r;

	memset(plan, 0, sizeof(*plan));
	plan->mode = pol->landlock;
	plan->kernel_abi = kernel_abi;
	plan->want_scope_abstract_unix = pol->scope_abstract_unix;
	plan->want_scope_signal = pol->scope_signal;
	if (abi_max > 0 && abi > abi_max)
		abi = abi_max;

	if (abi <= 0) {
		r = plan_unavailable(pol, abi, plan, err);
		goto out;
	}

	if (pol->landlock == AS_LANDLOCK_REQUIRED) {
		for (size_t i = 0; i < AS_ARRAY_SIZE(needs); i++) {
			if (needs[i].abi > abi && need_applies(&needs[i], pol)) {
				refusal(pol, abi, err);
				r = -EOPNOTSUPP;
				goto out;
			}
		}
	}

	/* Never plan beyond what this file can name: a right we do not
	 * know cannot be granted where it is needed. */
	as_landlock_caps_for_abi(abi < AS_LL_ABI_KNOWN ? abi : AS_LL_ABI_KNOWN, &plan->caps);
	plan->caps.abi = abi;

	/* Handle every right the ABI knows, so that everything not granted
	 * by a rule is denied (deny by default, as landlock.rst advises). */
	plan->handled_fs = plan->caps.fs;
	plan->handled_net = plan->caps.net;
	if (pol->scope_abstract_unix)
		plan->scoped |= plan->caps.scoped & LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET;
	if (pol->scope_signal)
		plan->scoped |= plan->caps.scoped & LANDLOCK_SCOPE_SIGNAL;
	/* By default only denials by the process that called restrict_self
	 * are logged; the command we exec is the one worth auditing.  TSYNC
	 * (ABI 8): the sandbox stage is single-threaded when it restricts,
	 * but a framework calling this code from a threaded process must
	 * not leave a sibling thread outside the domain. */
	plan->restrict_flags = plan->caps.restrict_flags & (LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON |
							    LANDLOCK_RESTRICT_SELF_TSYNC);

	for (size_t i = 0; i < AS_ARRAY_SIZE(needs); i++) {
		char *line = NULL;

		if (needs[i].abi <= abi || !need_applies(&needs[i], pol))
			continue;
		if (asprintf(&line, "%s (ABI %d, Linux %s): %s", needs[i].what, needs[i].abi,
			     needs[i].linux_version, needs[i].consequence) < 0 ||
		    as_strv_push_take(&plan->dropped, line) < 0) {
			r = as_fail(err, -ENOMEM, "out of memory");
			goto out;
		}
	}

	if (pol->n_paths) {
		plan->paths = calloc(pol->n_paths, sizeof(*plan->paths));
		if (!plan->paths) {
			r = as_fail(err, -ENOMEM, "out of memory");
			goto out;
		}
	}
	for (size_t i = 0; i < pol->n_paths; i++) {
		plan->paths[i].rule = &pol->paths[i];
		plan->paths[i].access = class_rights(pol->paths[i].access) & plan->handled_fs;
	}
	plan->n_paths = pol->n_paths;

	r = plan_ports(pol, plan, err);
out:
	if (r < 0)
		as_landlock_plan_free(plan);
	return r;
}

int as_landlock_plan(const struct as_policy *pol, int abi, struct as_landlock_plan *plan,
		     struct as_err *err)
{
	return as_landlock_plan_capped(pol, abi, 0, plan, err);
}

void as_landlock_plan_free(struct as_landlock_plan *plan)
{
	free(plan->paths);
	free(plan->ports);
	as_strv_free(&plan->dropped);
	plan->paths = NULL;
	plan->ports = NULL;
	plan->n_paths = 0;
	plan->n_ports = 0;
}

/* -1 means "nothing to enforce" to as_landlock_build()'s callers, and -1 is
 * also -EPERM: report that one as EACCES instead. */
static int no_eperm(int r)
{
	return r == -EPERM ? -EACCES : r;
}

/*
 * Opens a rule's path O_PATH (no read access is needed to name a
 * hierarchy, and nothing is opened that could have side effects: a FIFO, a
 * tape).  Returns the fd or -errno.
 *
 * A rule written under @project, @home or @tmp names a place inside a tree
 * the agent can write: it could plant ~/.npm-global -> / and widen the next
 * session's rule to the whole filesystem.  Such a rule is opened beneath
 * its base with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS): a symlink anywhere after the base fails with
 * ELOOP, a ".." above it with EXDEV.  Not RESOLVE_IN_ROOT: it would
 * re-read "/" in a planted absolute link as the base itself and grant,
 * without a word, a directory nobody wrote into a profile; a refusal is
 * explicit.  The base (the registry's canonical project, the agent's home
 * from passwd, /tmp) is the admin's and is opened as written.  Absolute
 * rules come from root-owned profiles or the caller's own flags and are
 * followed.
 */
static int open_rule(const struct as_path_rule *r)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	_cleanup_free_ char *base = NULL;
	_cleanup_close_ int bfd = -1;
	const char *rel;
	long fd;

	if (r->base_len == 0) {
		fd = open(r->path, O_PATH | O_CLOEXEC);
		return fd < 0 ? -errno : (int)fd;
	}
	base = strndup(r->path, r->base_len);
	if (!base)
		return -ENOMEM;
	bfd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (bfd < 0)
		return -errno;
	rel = r->path + r->base_len;
	while (*rel == '/')
		rel++;
	if (!*rel) {
		fd = bfd;
		bfd = -1;
		return (int)fd;
	}
	fd = syscall(SYS_openat2, bfd, rel, &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
}

/* Why open_rule refused a rule under a variable, for messages. */
static const char *beneath_why(int e)
{
	switch (e) {
	case ELOOP:
		return "a symbolic link in the path (rules under a variable never follow one)";
	case EXDEV:
		return "the path leaves its base ('..')";
	case EAGAIN:
		return "the tree changed while it was resolved";
	case ENOSYS:
		return "this kernel lacks openat2 (Linux 5.6)";
	}
	return NULL;
}

int as_landlock_rule_target(const struct as_path_rule *r, char *buf, size_t len, int *error)
{
	_cleanup_close_ int fd = open_rule(r);
	char proc[64];
	ssize_t n;

	*error = 0;
	if (fd < 0) {
		*error = -fd;
		return fd;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, buf, len - 1);
	if (n < 0) {
		*error = errno;
		return -errno;
	}
	buf[n] = '\0';
	return 0;
}

static int add_path_rule(int ruleset_fd, struct as_landlock_path *p, struct as_err *err)
{
	struct as_ll_path_beneath_attr attr = { 0 };
	_cleanup_close_ int fd = -1;
	char where[512];
	struct stat st;

	as_origin_format(p->rule->origin, where, sizeof(where));
	fd = open_rule(p->rule);
	if (fd < 0) {
		int e = -fd;
		const char *why = p->rule->base_len ? beneath_why(e) : NULL;

		if (p->rule->optional && (e == ENOENT || e == ENOTDIR)) {
			p->built = true;
			p->absent = true;
			return 0;
		}
		/* An optional rule the agent turned into a symlink is
		 * skipped like a missing one, and said so (p->refused). */
		if (p->rule->optional && why) {
			p->built = true;
			p->absent = true;
			p->refused = why;
			return 0;
		}
		if (why)
			return as_fail(err, -EACCES, "%s (%s, under %s): refused: %s",
				       p->rule->path, where, p->rule->base_var, why);
		return as_fail(err, no_eperm(-e), "%s (%s): %s", p->rule->path, where, strerror(e));
	}
	if (fstat(fd, &st) < 0)
		return as_fail(err, no_eperm(-errno), "%s (%s): %s", p->rule->path, where,
			       strerror(errno));
	p->built = true;
	p->is_dir = S_ISDIR(st.st_mode);
	if (!p->is_dir)
		p->access &= FS_FILE_RIGHTS;
	if (!p->access)
		return 0; /* the kernel refuses an empty rule (ENOMSG) */

	attr.allowed_access = p->access;
	attr.parent_fd = fd;
	if (as_ll_add_rule(ruleset_fd, AS_LL_RULE_PATH_BENEATH, &attr, 0) < 0)
		return as_fail(err, no_eperm(-errno), "landlock: rule for %s (%s): %s",
			       p->rule->path, where, strerror(errno));
	return 0;
}

static int add_port_rule(int ruleset_fd, const struct as_landlock_port *p, struct as_err *err)
{
	struct as_ll_net_port_attr attr = {
		.allowed_access = p->access,
		.port = p->rule->port,
	};
	char where[512];

	if (as_ll_add_rule(ruleset_fd, AS_LL_RULE_NET_PORT, &attr, 0) < 0) {
		int e = errno;

		as_origin_format(p->rule->origin, where, sizeof(where));
		return as_fail(err, no_eperm(-e), "landlock: rule for tcp/%u (%s): %s",
			       p->rule->port, where, strerror(e));
	}
	return 0;
}

int as_landlock_build(const struct as_landlock_plan *plan, struct as_err *err)
{
	struct as_ll_ruleset_attr attr = { 0 };
	int fd;
	int r;

	if (plan->caps.abi <= 0)
		return -1;

	/* Fields the planned ABI does not know stay zero: an older kernel
	 * accepts the full struct only then, and a newer kernel simulating
	 * an older ABI (tests) must not enforce more than planned. */
	attr.handled_access_fs = plan->handled_fs;
	if (plan->caps.abi >= 4)
		attr.handled_access_net = plan->handled_net;
	if (plan->caps.abi >= 6)
		attr.scoped = plan->scoped;

	fd = as_ll_create_ruleset(&attr, sizeof(attr), 0);
	if (fd < 0)
		return as_fail(err, no_eperm(-errno), "landlock: creating the ruleset: %s",
			       strerror(errno));

	for (size_t i = 0; i < plan->n_paths; i++) {
		r = add_path_rule(fd, &plan->paths[i], err);
		if (r < 0)
			goto fail;
	}
	for (size_t i = 0; i < plan->n_ports; i++) {
		r = add_port_rule(fd, &plan->ports[i], err);
		if (r < 0)
			goto fail;
	}
	return fd;
fail:
	close(fd);
	return r;
}

int as_landlock_enforce(int ruleset_fd, const struct as_landlock_plan *plan, struct as_err *err)
{
	uint32_t flags = plan->caps.abi >= 7 ? plan->restrict_flags : 0;
	int r = 0;

	if (ruleset_fd < 0)
		return 0;
	if (as_ll_restrict_self(ruleset_fd, flags) < 0) {
		r = -errno;
		if (r == -EPERM)
			as_err_set(err,
				   "landlock: restricting: %s (needs no_new_privs or CAP_SYS_ADMIN)",
				   strerror(-r));
		else
			as_err_set(err, "landlock: restricting: %s", strerror(-r));
	}
	close(ruleset_fd);
	return r;
}

static void format_bits(uint64_t access, const char *what, const struct bit_name *table, size_t n,
			char *buf, size_t len)
{
	size_t off = 0;

	if (!len)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < n && off < len; i++) {
		if (!(access & table[i].bit))
			continue;
		access &= ~table[i].bit;
		off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? " " : "",
					table[i].name);
	}
	if (access && off < len)
		off += (size_t)snprintf(buf + off, len - off, "%s%s:0x%" PRIx64, off ? " " : "",
					what, access);
	if (!off)
		snprintf(buf, len, "none");
}

void as_landlock_format_fs(uint64_t access, char *buf, size_t len)
{
	format_bits(access, "fs", fs_names, AS_ARRAY_SIZE(fs_names), buf, len);
}

void as_landlock_format_net(uint64_t access, char *buf, size_t len)
{
	format_bits(access, "net", net_names, AS_ARRAY_SIZE(net_names), buf, len);
}

/* "ro", "rx", "rw", "rwx": the profile's own vocabulary, not the rights. */
static const char *class_label(unsigned access)
{
	bool w = access & AS_FS_WRITE, x = access & AS_FS_EXEC;

	return w ? (x ? "rwx" : "rw") : (x ? "rx" : "ro");
}

static void explain_scope(const struct as_landlock_plan *plan, const char *name, bool wanted,
			  uint64_t bit, FILE *out)
{
	if (!wanted)
		fprintf(out, "landlock: scope %s: open (profile)\n", name);
	else if (plan->scoped & bit)
		fprintf(out, "landlock: scope %s: isolated\n", name);
	else
		fprintf(out, "landlock: scope %s: not enforced (needs ABI 6, Linux 6.12)\n", name);
}

/* " -> TARGET" for a rule under a variable: what the build will open, as
 * whoever runs --explain can see it (the owner may not enter the agent's
 * 0700 home: then it says so). */
static void explain_target(const struct as_path_rule *r, char *buf, size_t len)
{
	char t[4096];
	const char *why;
	int e;

	if (as_landlock_rule_target(r, t, sizeof(t), &e) == 0) {
		snprintf(buf, len, " -> %s (beneath %s, no symlinks)", t, r->base_var);
		return;
	}
	why = beneath_why(e);
	if (why)
		snprintf(buf, len, " -> %s: %s",
			 r->optional ? "skipped" : "REFUSED, the session will not start", why);
	else if (r->optional && (e == ENOENT || e == ENOTDIR))
		snprintf(buf, len, " -> absent, skipped");
	else
		snprintf(buf, len, " -> not resolved here: %s", strerror(e));
}

void as_landlock_explain(const struct as_landlock_plan *plan, FILE *out)
{
	char buf[512], where[512];
	int abi = plan->caps.abi;

	if (abi <= 0)
		fprintf(out, "landlock: unavailable: %s\n",
			as_landlock_unavailable_reason(plan->kernel_abi));
	else if (plan->kernel_abi == abi && abi > AS_LL_ABI_KNOWN)
		fprintf(out,
			"landlock: ABI %d (kernel; enforced as ABI %d, the newest this build knows)\n",
			abi, AS_LL_ABI_KNOWN);
	else if (plan->kernel_abi == abi)
		fprintf(out, "landlock: ABI %d (kernel)\n", abi);
	else
		fprintf(out, "landlock: ABI %d (capped; kernel has ABI %d)\n", abi,
			plan->kernel_abi);
	fprintf(out, "landlock: mode %s\n",
		plan->mode == AS_LANDLOCK_REQUIRED ? "required" : "best-effort");

	if (abi > 0) {
		as_landlock_format_fs(plan->handled_fs, buf, sizeof(buf));
		fprintf(out, "landlock: handled fs: %s\n", buf);
		if (plan->handled_net) {
			as_landlock_format_net(plan->handled_net, buf, sizeof(buf));
			fprintf(out, "landlock: handled net: %s\n", buf);
		}
		for (size_t i = 0; i < plan->n_paths; i++) {
			const struct as_landlock_path *p = &plan->paths[i];
			char target[4096 + 160] = "";

			as_origin_format(p->rule->origin, where, sizeof(where));
			if (p->rule->base_len)
				explain_target(p->rule, target, sizeof(target));
			fprintf(out, "landlock: allow %s %s%s (from %s)%s\n",
				class_label(p->rule->access), p->rule->path,
				p->absent ? " (absent, skipped)" : "", where, target);
		}
		for (size_t i = 0; i < plan->n_ports; i++) {
			const struct as_landlock_port *p = &plan->ports[i];

			as_origin_format(p->rule->origin, where, sizeof(where));
			fprintf(out, "landlock: allow %s tcp/%u (from %s)\n",
				p->access == LANDLOCK_ACCESS_NET_BIND_TCP ? "bind" : "connect",
				p->rule->port, where);
		}
		if (plan->handled_net && !plan->n_ports)
			fprintf(out, "landlock: no TCP connect or bind allowed\n");
		explain_scope(plan, "abstract-unix", plan->want_scope_abstract_unix,
			      LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET, out);
		explain_scope(plan, "signal", plan->want_scope_signal, LANDLOCK_SCOPE_SIGNAL, out);
		if (!(plan->handled_fs & LANDLOCK_ACCESS_FS_REFER))
			fprintf(out,
				"landlock: refer unavailable (ABI 2, Linux 5.19): renames and links "
				"across directories are always denied (EXDEV)\n");
		if (plan->handled_fs & LANDLOCK_ACCESS_FS_RESOLVE_UNIX)
			fprintf(out,
				"landlock: named unix sockets: connect only beneath a write rule "
				"(ABI 9)\n");
		else
			fprintf(out,
				"landlock: named unix sockets: connect not restricted (needs ABI 9, "
				"Linux 7.1); the separate uid and file modes still guard the owner's\n");
		if (plan->restrict_flags & LANDLOCK_RESTRICT_SELF_TSYNC)
			fprintf(out,
				"landlock: every thread of the process is restricted at once (ABI 8)\n");
		else
			fprintf(out,
				"landlock: the calling thread is restricted (all threads at once needs "
				"ABI 8, Linux 7.0); the sandbox stage has no other thread\n");
		if (plan->restrict_flags & LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON)
			fprintf(out, "landlock: denials logged via audit (ABI %d)\n", abi);
		else
			fprintf(out,
				"landlock: denials not logged (audit logging needs ABI 7, Linux 6.15)\n");
	}
	for (size_t i = 0; i < plan->dropped.n; i++)
		fprintf(out, "landlock: NOT ENFORCED on this kernel: %s\n", plan->dropped.v[i]);
}
