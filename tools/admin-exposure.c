/* SPDX-License-Identifier: MIT */
/*
 * agent-admin check, the exposure report (DESIGN.md, "Commands"): what the
 * agent account can actually read, list, write or connect to outside its
 * grants.  check_exposure builds the list of targets as root (the owner's
 * home and dotfiles, other humans' homes, daemon and session sockets, the
 * granted projects themselves), hands it to a forked child that has
 * become the agent account and tries each one (never guessed from mode
 * bits), then reports what the child could do, each with a fix.
 *
 * As root it never opens a file beneath a path the agent or the owner
 * controls without O_NOFOLLOW on the last component; the child's worst
 * case is what the agent could do anyway.
 */
#include <acl/libacl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/acl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "admin-check.h"
#include "admin.h"
#include "identity.h"
#include "path.h"

/* Bounds on the walk of other humans' homes. */
#define HOMES_MAX 2000
/* The child gives up after this long (a hung NFS home must not hold the
 * agent-admin lock forever); what it found so far is still reported. */
#define PROBE_TIMEOUT 60
/* The probe child's status when it could not set itself up as the agent
 * account or report what it found (check says so, with the status). */
#define PROBE_CHILD_FAILED 3

enum probe {
	PR_ANY,      /* read a file / list a directory, and write */
	PR_WRITE,    /* write only (public keys, rc files: reading is fine) */
	PR_CONNECT,  /* connect(2) to a unix socket */
	PR_REACH_RO, /* a granted project: must be readable */
	PR_REACH_RW, /* ... and writable */
};

enum {
	RES_READ = 1,
	RES_LIST = 2,
	RES_WRITE = 4,
	RES_CONNECT = 8,
	RES_NOREACH = 16,
};

struct target {
	char *path;
	unsigned char probe;
	unsigned char res;
	int err;
};

struct targets {
	struct target *v;
	size_t n, cap;
	dev_t *dev;
	ino_t *ino;
};

/* One result, fixed size: a target is named by its index, never by a path
 * the child writes (a file name may hold anything). */
struct record {
	uint32_t idx;
	uint32_t res;
	int32_t err;
};

static void targets_free(struct targets *ts)
{
	for (size_t i = 0; i < ts->n; i++)
		free(ts->v[i].path);
	free(ts->v);
	free(ts->dev);
	free(ts->ino);
	memset(ts, 0, sizeof(*ts));
}

static int targets_add(struct targets *ts, const char *path, enum probe pr, const struct stat *st)
{
	if (st && pr != PR_REACH_RO && pr != PR_REACH_RW)
		for (size_t i = 0; i < ts->n; i++)
			if (ts->dev[i] == st->st_dev && ts->ino[i] == st->st_ino &&
			    ts->v[i].probe == pr)
				return 0; /* /var/run/docker.sock is /run/docker.sock */
	if (ts->n == ts->cap) {
		size_t cap = ts->cap ? 2 * ts->cap : 64;
		struct target *v = realloc(ts->v, cap * sizeof(*v));
		dev_t *dev = v ? realloc(ts->dev, cap * sizeof(*dev)) : NULL;
		ino_t *ino = dev ? realloc(ts->ino, cap * sizeof(*ino)) : NULL;

		if (v)
			ts->v = v;
		if (dev)
			ts->dev = dev;
		if (!ino)
			return -ENOMEM;
		ts->ino = ino;
		ts->cap = cap;
	}
	ts->v[ts->n].path = strdup(path);
	if (!ts->v[ts->n].path)
		return -ENOMEM;
	ts->v[ts->n].probe = (unsigned char)pr;
	ts->v[ts->n].res = 0;
	ts->v[ts->n].err = 0;
	ts->dev[ts->n] = st ? st->st_dev : 0;
	ts->ino[ts->n] = st ? st->st_ino : 0;
	ts->n++;
	return 0;
}

/* The agent's own things and its grants are not exposures. */
static bool expected_access(const struct owner_check *o, const char *path, const struct stat *st)
{
	if (st->st_uid == o->account_uid)
		return true;
	if (as_path_within(path, o->reg->home))
		return true;
	for (size_t i = 0; i < o->reg->n_projects; i++)
		if (as_path_within(path, o->reg->projects[i].path))
			return true;
	return false;
}

/* Adds PATH if it exists (lstat as root: metadata only, nothing followed)
 * and is a kind of object the probe makes sense for. */
static void add_existing(struct targets *ts, const struct owner_check *o, const char *path,
			 enum probe pr)
{
	struct stat st;

	if (lstat(path, &st) < 0 || expected_access(o, path, &st))
		return;
	if (pr == PR_CONNECT ? !S_ISSOCK(st.st_mode) :
			       !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode)))
		return;
	targets_add(ts, path, pr, &st);
}

/* Secrets and startup files, relative to a home: present on most
 * workstations, each worth a line of its own. */
struct home_item {
	const char *rel;
	enum probe probe;
};

/* clang-format off */
static const struct home_item home_items[] = {
	{ ".ssh", PR_ANY },
	{ ".ssh/id_rsa", PR_ANY }, { ".ssh/id_ecdsa", PR_ANY }, { ".ssh/id_ed25519", PR_ANY },
	{ ".ssh/id_dsa", PR_ANY }, { ".ssh/config", PR_ANY }, { ".ssh/authorized_keys", PR_WRITE },
	{ ".aws", PR_ANY }, { ".aws/credentials", PR_ANY }, { ".aws/config", PR_ANY },
	{ ".gnupg", PR_ANY }, { ".gnupg/private-keys-v1.d", PR_ANY },
	{ ".config", PR_ANY }, { ".config/gh/hosts.yml", PR_ANY }, { ".config/gcloud", PR_ANY },
	{ ".config/google-chrome", PR_ANY }, { ".config/chromium", PR_ANY },
	{ ".config/autostart", PR_WRITE }, { ".config/git/config", PR_WRITE },
	{ ".mozilla", PR_ANY }, { ".netrc", PR_ANY }, { ".bash_history", PR_ANY },
	{ ".zsh_history", PR_ANY }, { ".git-credentials", PR_ANY }, { ".pgpass", PR_ANY },
	{ ".docker/config.json", PR_ANY }, { ".kube/config", PR_ANY }, { ".npmrc", PR_ANY },
	{ ".pypirc", PR_ANY }, { ".Xauthority", PR_ANY },
	{ ".gitconfig", PR_WRITE }, { ".bashrc", PR_WRITE }, { ".profile", PR_WRITE },
	{ ".bash_profile", PR_WRITE }, { ".zshrc", PR_WRITE },
};
/* clang-format on */

static void add_home_items(struct targets *ts, const struct owner_check *o, const char *home)
{
	char path[PATH_MAX];

	add_existing(ts, o, home, PR_ANY);
	for (size_t i = 0; i < AS_ARRAY_SIZE(home_items); i++)
		if (snprintf(path, sizeof(path), "%s/%s", home, home_items[i].rel) <
		    (int)sizeof(path))
			add_existing(ts, o, path, home_items[i].probe);
}

/* Public by convention: reading them is fine, writing them is not. */
static bool ssh_public(const char *name)
{
	size_t n = strlen(name);

	return (n > 4 && strcmp(name + n - 4, ".pub") == 0) ||
	       strncmp(name, "known_hosts", 11) == 0 || strncmp(name, "authorized_keys", 15) == 0;
}

typedef enum probe (*enum_pick)(const char *name, const struct stat *st);

/* Lists DIR as root (no symlink followed, at most MAX names) and adds
 * what PICK chooses, with the probe it returns (-1: skip).  With SUB,
 * each directory in DIR that is not the agent's is listed the same way
 * afterwards, with SUB (at most ENUM_MAX_SUB names each). */
static void add_listed(struct targets *ts, const struct owner_check *o, const char *dir,
		       unsigned max, enum_pick pick, enum_pick sub)
{
	struct as_strv subdirs = { 0 };
	char path[PATH_MAX];
	struct dirent *de;
	unsigned seen = 0;
	DIR *d;
	int fd;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) && seen++ < max) {
		struct stat st;
		int pr;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", strcmp(dir, "/") ? dir : "",
			     de->d_name) >= (int)sizeof(path))
			continue;
		/* Out of memory to keep it for later: listed now. */
		if (sub && S_ISDIR(st.st_mode) && st.st_uid != o->account_uid &&
		    as_strv_push(&subdirs, path) < 0)
			add_listed(ts, o, path, ENUM_MAX_SUB, sub, NULL);
		pr = (int)pick(de->d_name, &st);
		if (pr < 0)
			continue;
		if (expected_access(o, path, &st))
			continue;
		targets_add(ts, path, (enum probe)pr, &st);
	}
	closedir(d);
	for (size_t i = 0; i < subdirs.n; i++)
		add_listed(ts, o, subdirs.v[i], ENUM_MAX_SUB, sub, NULL);
	as_strv_free(&subdirs);
}

/* Top level of the owner's home: every dotfile is tried for reading and
 * writing ("any world-readable dotfile"), other names for writing (a
 * writable ~/bin is code the owner runs). */
static enum probe pick_home_top(const char *name, const struct stat *st)
{
	if (!(S_ISREG(st->st_mode) || S_ISDIR(st->st_mode) || S_ISLNK(st->st_mode)))
		return (enum probe) - 1;
	return name[0] == '.' ? PR_ANY : PR_WRITE;
}

static enum probe pick_ssh(const char *name, const struct stat *st)
{
	if (!(S_ISREG(st->st_mode) || S_ISLNK(st->st_mode)))
		return (enum probe) - 1;
	return ssh_public(name) ? PR_WRITE : PR_ANY;
}

static enum probe pick_socket(const char *name, const struct stat *st)
{
	(void)name;
	return S_ISSOCK(st->st_mode) ? PR_CONNECT : (enum probe) - 1;
}

/* Sockets in DIR and in each directory directly in it (/tmp/ssh-XXXX/
 * agent.N, /tmp/tmux-UID/default, /run/user/UID/gnupg/S.gpg-agent). */
static void add_sockets_below(struct targets *ts, const struct owner_check *o, const char *dir,
			      unsigned max)
{
	add_listed(ts, o, dir, max, pick_socket, pick_socket);
}

/* Daemons whose socket is root in all but name. */
static const char *const daemon_sockets[] = {
	"/run/docker.sock",
	"/var/run/docker.sock",
	"/run/containerd/containerd.sock",
	"/run/podman/podman.sock",
	"/run/libvirt/libvirt-sock",
	"/run/crio/crio.sock",
	"/run/buildkit/buildkitd.sock",
	"/var/snap/lxd/common/lxd/unix.socket",
	"/var/lib/lxd/unix.socket",
	"/var/lib/incus/unix.socket",
};

static int build_targets(const struct owner_check *o, struct targets *ts)
{
	const struct as_registry *reg = o->reg;
	struct as_strv homes = { 0 };
	char path[PATH_MAX];
	struct passwd *pw;
	unsigned nh = 0;

	/* The agent must reach what it was granted (the ACLs may be right
	 * and an ancestor chmod'ed shut). */
	for (size_t i = 0; i < reg->n_projects; i++)
		if (reg->projects[i].state == AS_REG_GRANTED)
			targets_add(ts, reg->projects[i].path,
				    reg->projects[i].read_only ? PR_REACH_RO : PR_REACH_RW, NULL);

	/* The owner's home: named secrets, top-level names, ~/.ssh. */
	if (o->owner_ok && o->owner_home[0] == '/' && strcmp(o->owner_home, "/") != 0) {
		add_home_items(ts, o, o->owner_home);
		add_listed(ts, o, o->owner_home, ENUM_MAX_TOP, pick_home_top, NULL);
		if (snprintf(path, sizeof(path), "%s/.ssh", o->owner_home) < (int)sizeof(path))
			add_listed(ts, o, path, ENUM_MAX_SUB, pick_ssh, NULL);
		as_strv_push(&homes, o->owner_home);
	}

	/* Other people's homes (and other agents': their tokens). */
	setpwent();
	while ((pw = getpwent()) && nh < HOMES_MAX) {
		if (pw->pw_uid < o->ctx->uid_min || pw->pw_uid == 65534 ||
		    pw->pw_uid == o->account_uid || !pw->pw_dir || pw->pw_dir[0] != '/' ||
		    strcmp(pw->pw_dir, "/") == 0 || as_strv_contains(&homes, pw->pw_dir))
			continue;
		as_strv_push(&homes, pw->pw_dir);
		nh++;
	}
	endpwent();
	for (size_t i = 1; i < homes.n; i++)
		add_home_items(ts, o, homes.v[i]);
	as_strv_free(&homes);

	/* Other owners' granted projects. */
	for (size_t i = 0; i < o->all->n; i++) {
		const struct as_registry *r = &o->all->v[i];

		if (strcmp(r->owner, reg->owner) == 0)
			continue;
		for (size_t j = 0; j < r->n_projects; j++)
			add_existing(ts, o, r->projects[j].path, PR_ANY);
	}

	/* Sockets. */
	for (size_t i = 0; i < AS_ARRAY_SIZE(daemon_sockets); i++)
		add_existing(ts, o, daemon_sockets[i], PR_CONNECT);
	add_sockets_below(ts, o, "/run/user", ENUM_MAX_TOP);
	add_listed(ts, o, "/tmp/.X11-unix", ENUM_MAX_SUB, pick_socket, NULL);
	add_sockets_below(ts, o, "/tmp", ENUM_MAX_TOP);
	return 0;
}

/* ---- the child: tries each target as the agent ------------------------ */

static bool try_connect(const char *path)
{
	static const int types[] = { SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(sa.sun_path))
		return false;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	for (size_t i = 0; i < AS_ARRAY_SIZE(types); i++) {
		int s = socket(AF_UNIX, types[i] | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		int r, e;

		if (s < 0)
			return false;
		r = connect(s, (struct sockaddr *)&sa, sizeof(sa));
		e = errno;
		close(s);
		/* Connected, or queued (a full backlog): either way allowed. */
		if (r == 0 || e == EINPROGRESS || e == EAGAIN)
			return true;
		if (e != EPROTOTYPE)
			return false;
	}
	return false;
}

/*
 * Reads are real opens; writes are access(2), which after a full uid
 * switch (real = effective = the agent) asks the kernel the same question
 * an open for writing would, ACLs included, without opening: no inotify
 * IN_CLOSE_WRITE for a watcher to act on, no lease broken, no fifo or
 * device opened for writing.  The object is pinned with O_PATH first and
 * only then reopened through /proc/self/fd, so a symlink swapped in the
 * meantime cannot make us open a device.
 */
static unsigned probe_one(const struct target *t, int *err)
{
	unsigned res = 0;
	char proc[64];
	struct stat st;
	int fd, rfd;

	switch (t->probe) {
	case PR_CONNECT:
		return try_connect(t->path) ? RES_CONNECT : 0;
	case PR_REACH_RO:
	case PR_REACH_RW:
		if (access(t->path, R_OK | X_OK | (t->probe == PR_REACH_RW ? W_OK : 0)) < 0) {
			*err = errno;
			return RES_NOREACH;
		}
		return 0;
	default:
		break;
	}
	fd = open(t->path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return 0;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (S_ISREG(st.st_mode)) {
		if (t->probe == PR_ANY) {
			rfd = open(proc, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
			if (rfd >= 0) {
				res |= RES_READ;
				close(rfd);
			}
		}
		if (access(proc, W_OK) == 0)
			res |= RES_WRITE;
	} else if (S_ISDIR(st.st_mode)) {
		if (t->probe == PR_ANY) {
			rfd = open(proc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (rfd >= 0) {
				DIR *d = fdopendir(rfd);

				if (d) {
					errno = 0;
					if (readdir(d) || errno == 0)
						res |= RES_LIST;
					closedir(d);
				} else {
					close(rfd);
				}
			}
		}
		if (access(proc, W_OK | X_OK) == 0)
			res |= RES_WRITE;
	}
	close(fd);
	return res;
}

static void probe_child(const struct owner_check *o, const struct targets *ts, int wfd,
			pid_t parent) __attribute__((noreturn));
static void probe_child(const struct owner_check *o, const struct targets *ts, int wfd,
			pid_t parent)
{
	/* Nothing root opened (the lock, registry fds) stays with the agent,
	 * and, after the switch, not dumpable: agent processes of the same
	 * uid must not ptrace or read /proc of a process that was root a
	 * moment ago. */
	const struct as_identity_child id = {
		.what = "the exposure probe",
		.name = o->reg->account,
		.uid = o->account_uid,
		.gid = o->account_gid,
		.parent = parent,
	};

	as_identity_child(&id, &wfd, 1);
	if (chdir("/") < 0)
		_exit(PROBE_CHILD_FAILED);
	alarm(PROBE_TIMEOUT);
	for (size_t i = 0; i < ts->n; i++) {
		struct record rec = { .idx = (uint32_t)i };
		int err = 0;

		rec.res = probe_one(&ts->v[i], &err);
		rec.err = err;
		if (rec.res && as_write_all(wfd, &rec, sizeof(rec)) < 0)
			_exit(PROBE_CHILD_FAILED);
	}
	_exit(0);
}

/* Runs the child and merges its records into TS.  Returns 0, or a problem
 * line was already emitted. */
static int run_probes(struct owner_check *o, struct targets *ts)
{
	struct record rec;
	size_t got = 0;
	int p[2], status;
	pid_t pid, parent = getpid();

	if (pipe2(p, O_CLOEXEC) < 0) {
		check_emit(o->rep, K_PROBLEM, NULL, "%s: exposure not checked: pipe: %s", o->qowner,
			   strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		check_emit(o->rep, K_PROBLEM, NULL, "%s: exposure not checked: fork: %s", o->qowner,
			   strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		probe_child(o, ts, p[1], parent);
	}
	close(p[1]);
	for (;;) {
		ssize_t n = read(p[0], (char *)&rec + got, sizeof(rec) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got < sizeof(rec))
			continue;
		got = 0;
		if (rec.idx < ts->n) {
			ts->v[rec.idx].res |= (unsigned char)rec.res;
			ts->v[rec.idx].err = rec.err;
		}
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			status = -1;
			break;
		}
	if (status == 0)
		return 0;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		check_emit(o->rep, K_PROBLEM,
			   "find what hangs (a stale network mount?) and run check again",
			   "%s: exposure check as %s timed out after %d s; the exposures below are partial",
			   o->qowner, o->qaccount, PROBE_TIMEOUT);
	else
		check_emit(o->rep, K_PROBLEM, NULL,
			   "%s: exposure not checked: could not act as %s (status %d)", o->qowner,
			   o->qaccount, status);
	return -1;
}

/* ---- exposure lines ---------------------------------------------------- */

/* Whether PATH's access ACL names the agent (then setfacl is the fix). */
static bool acl_names_user(const char *path, uid_t uid)
{
	acl_entry_t ent;
	acl_t acl = acl_get_file(path, ACL_TYPE_ACCESS);
	bool found = false;

	if (!acl)
		return false;
	for (int id = ACL_FIRST_ENTRY; acl_get_entry(acl, id, &ent) == 1; id = ACL_NEXT_ENTRY) {
		acl_tag_t tag;
		uid_t *qual;

		if (acl_get_tag_type(ent, &tag) < 0 || tag != ACL_USER)
			continue;
		qual = acl_get_qualifier(ent);
		if (qual && *qual == uid)
			found = true;
		acl_free(qual);
	}
	acl_free(acl);
	return found;
}

/* A directory the agent must keep traversing: on the way to a project. */
static bool is_ancestor(const struct owner_check *o, const char *path)
{
	for (size_t i = 0; i < o->reg->n_projects; i++) {
		const char *pp = o->reg->projects[i].path;

		if (as_path_within(pp, path) && strcmp(pp, path) != 0)
			return true;
	}
	return false;
}

static void exposure_fix(const struct owner_check *o, const char *qp, const char *path,
			 const struct stat *st, unsigned what, char *fix, size_t len)
{
	unsigned mode = st->st_mode & 07777;
	bool anc = S_ISDIR(st->st_mode) && is_ancestor(o, path);
	struct group *gr;

	if (acl_names_user(path, o->account_uid)) {
		if (anc)
			check_fmt(fix, len, "setfacl -m u:%s:--x %s", o->qaccount, qp);
		else
			check_fmt(fix, len, "setfacl -x u:%s %s", o->qaccount, qp);
		return;
	}
	if (what == RES_CONNECT) {
		gr = getgrgid(st->st_gid);
		if (gr && !(mode & 0002) && admin_in_group(o->reg->account, gr->gr_name))
			check_fmt(fix, len, "gpasswd -d %s %s", o->qaccount, gr->gr_name);
		else
			check_fmt(fix, len, "chmod go-rwx %s (or its directory)", qp);
		return;
	}
	if (what == RES_WRITE) {
		check_fmt(fix, len, "chmod go-w %s", qp);
		return;
	}
	/* Read or list: owner-only, keeping search where the agent needs to
	 * pass through (on a directory with an ACL, chmod sets the mask: 711
	 * keeps the agent's --x entry effective). */
	if (anc)
		check_fmt(fix, len, "chmod %o %s", (mode & 07700) | 0011, qp);
	else
		check_fmt(fix, len, "chmod %o %s", mode & 07700, qp);
}

static void report_exposures(struct owner_check *o, const struct targets *ts)
{
	/* clang-format off */
	static const struct { unsigned bit; const char *verb; } verbs[] = {
		{ RES_READ, "read" }, { RES_LIST, "list" }, { RES_WRITE, "write" },
		{ RES_CONNECT, "connect to" },
	};
	/* clang-format on */
	char qp[QMAX], fix[3 * QMAX];

	for (size_t i = 0; i < ts->n; i++) {
		const struct target *t = &ts->v[i];
		struct stat st;
		bool acl;

		if (!t->res)
			continue;
		check_q(qp, sizeof(qp), t->path);
		if (t->res & RES_NOREACH) {
			char f[3 * QMAX];

			check_fmt(f, sizeof(f), "agent-admin grant %s %s%s", o->qowner, qp,
				  t->probe == PR_REACH_RO ? " --read-only" : "");
			check_emit(o->rep, K_PROBLEM, f,
				   "%s: %s cannot %s its granted project %s (%s)", o->qowner,
				   o->qaccount, t->probe == PR_REACH_RO ? "read" : "read and write",
				   qp, strerror(t->err));
			continue;
		}
		/* Metadata of what the agent reached (following the link, as it
		 * did): read by root, nothing opened. */
		if (stat(t->path, &st) < 0)
			continue;
		acl = acl_extended_file(t->path) == 1;
		for (size_t v = 0; v < AS_ARRAY_SIZE(verbs); v++) {
			if (!(t->res & verbs[v].bit))
				continue;
			exposure_fix(o, qp, t->path, &st, verbs[v].bit, fix, sizeof(fix));
			if (verbs[v].bit == RES_CONNECT &&
			    as_path_within(t->path, "/tmp/.X11-unix")) {
				/* Every local user can connect to X; the cookie decides. */
				check_fmt(fix, sizeof(fix),
					  "keep the X server's access list free of local: and si:localuser:%s (xhost); agent-shell sessions get a private /tmp",
					  o->qaccount);
				check_emit(o->rep, K_WARNING, fix,
					   "%s can connect to the X server socket %s (mode %04o): keystrokes and screen if the server admits it",
					   o->qaccount, qp, (unsigned)(st.st_mode & 07777));
				continue;
			}
			check_emit(o->rep, K_EXPOSURE, fix, "%s can %s %s (mode %04o%s, uid %u)",
				   o->qaccount, verbs[v].verb, qp, (unsigned)(st.st_mode & 07777),
				   acl ? " +acl" : "", (unsigned)st.st_uid);
		}
	}
}

void check_exposure(struct owner_check *o)
{
	struct targets ts = { 0 };

	if (!o->account_ok)
		return;
	if (build_targets(o, &ts) < 0) {
		check_emit(o->rep, K_PROBLEM, NULL, "%s: exposure not checked: out of memory",
			   o->qowner);
		targets_free(&ts);
		return;
	}
	run_probes(o, &ts);
	report_exposures(o, &ts);
	targets_free(&ts);
}
