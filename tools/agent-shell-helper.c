/* SPDX-License-Identifier: MIT */
/*
 * agent-shell-helper: the only privileged code in agent-shell.
 *
 * Installed setuid root, mode 4750 root:agent-shell-users.  It turns the
 * calling developer into their own agent account, PAM-gated, and hands over
 * to the sandbox stage with no privilege left.  main() follows DESIGN.md's
 * flow, one named function per step:
 *
 *   sanitize_process      fds 0-2 valid, others closed, env rebuilt from an
 *                         allowlist, not dumpable, no core, signals reset
 *   parse_args            -p PROFILE, -C DIR, -- CMD
 *   resolve_session       caller = getuid(); registry -> agent; DIR inside a
 *                         granted project; the profile's name, within the
 *                         admin's pin (no profile file is read as root)
 *   check_egress_fence    a restricted agent's chain of the nftables fence
 *                         is loaded, or no session (fail closed)
 *   start_pam             authenticate, acct_mgmt, setcred, open_session
 *   enter_session_namespaces  own mount namespace with a fresh /tmp and
 *                         /var/tmp
 *   protect_git_metadata  each repository of the read-write grants gets
 *                         the agent's own git dir in place of its .git
 *                         (walked by a child switched to the owner; root
 *                         makes the mounts: lib/gitmount.c)
 *   enter_process_namespaces  new PID and IPC namespaces
 *   open_session_terminal a pty of the session's own (lib/relay.h)
 *   drop_caller_uid       every uid 0: the caller can no longer signal us
 *   fork, then the relay
 *     init (pid 1 of the session): run_session_init mounts the session's
 *       /proc, forks the command, keeps only CAP_KILL and reaps; when the
 *       command exits, it exits and the kernel ends every process left in
 *       the session
 *       command: attach the pty -> switch_identity (and verify it) ->
 *       load_policy (the profile, parsed as the agent) -> the sandbox
 *       stage (as_sandbox_exec)
 *     relay (a child switched to the caller; lib/relay.h): copies the pty
 *       to the caller's terminal and back, so no agent byte passes
 *       through root
 *     parent: supervise until init exits (signals, stops, the relay),
 *       sweep_git_metadata (again a child as the owner, which also scans
 *       for the review), review_autorun_files, close the PAM session,
 *       log, exit with the command's status
 *
 * Any failure once the switch has started ends the child: there is no
 * recovery from a half-dropped state.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <limits.h>
#include <security/pam_appl.h>
#include <security/pam_misc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "caps.h"
#include "command.h"
#include "config.h"
#include "gitmeta.h"
#include "identity.h"
#include "nftcheck.h"
#include "review.h"
#include "env.h"
#include "names.h"
#include "relay.h"
#include "sandbox.h"
#include "session.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE 2
#define EXIT_OWN_FAILURE 125

static const char prog[] = "agent-shell";

/* What the caller asked for, after validation. */
struct request {
	const char *profile;
	const char *dir;
	char **cmd;
};

/* Caller variables that may reach the session, copied before the
 * environment is cleared and validated on the way in. */
struct kept_env {
	struct as_strv vars;
};

static void log_line(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void log_line(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsyslog(LOG_AUTHPRIV | prio, fmt, ap);
	va_end(ap);
}

/* ---- 1. sanitize -------------------------------------------------------- */

/* Only terminal and locale variables may pass (as_session_env_kept). */
static void keep_env(struct kept_env *kept, char **envp)
{
	for (char **e = envp; e && *e; e++)
		if (as_session_env_kept(*e) && as_strv_push(&kept->vars, *e) < 0)
			errx(EXIT_OWN_FAILURE, "out of memory");
}

static void sanitize_fds(void)
{
	/* fds 0-2 must be open, or the first files we open would become the
	 * caller's stdin/stdout/stderr and receive our writes. */
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		int n = open("/dev/null", O_RDWR | O_NOCTTY);
		if (n != fd)
			exit(EXIT_OWN_FAILURE); /* fail safe: nowhere to report */
	}
	/* Nothing the caller opened (a secret, a socket) reaches the session. */
	if (close_range(3, ~0U, 0) < 0)
		errx(EXIT_OWN_FAILURE, "cannot close inherited file descriptors: %s",
		     strerror(errno));
}

static void sanitize_signals(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t none;

	/* Inherited dispositions (SIGCHLD ignored, say) would change how we
	 * wait; inherited masks would delay our own signals. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		errx(EXIT_OWN_FAILURE, "cannot reset the signal mask: %s", strerror(errno));
}

static void sanitize_process(int argc, char **argv, struct kept_env *kept)
{
	struct rlimit zero = { 0, 0 };
	extern char **environ;

	sanitize_fds();
	/* PwnKit: with argc == 0, argv[1] aliases envp[0].  Since Linux 5.18
	 * the kernel turns an empty argv into { "" }, so refuse that too. */
	if (argc < 1 || !argv || !argv[0] || !argv[0][0])
		errx(EXIT_USAGE, "refusing to run with an empty argument vector");
	/* Not dumpable: the caller must not ptrace us or read /proc/PID/mem
	 * while we hold root; no core file with PAM's memory in it. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		errx(EXIT_OWN_FAILURE, "cannot make the process non-dumpable: %s", strerror(errno));
	if (setrlimit(RLIMIT_CORE, &zero) < 0)
		errx(EXIT_OWN_FAILURE, "cannot disable core dumps: %s", strerror(errno));
	sanitize_signals();
	/* Everything in the environment is the caller's: LD_*, GCONV_PATH,
	 * GLIBC_TUNABLES (the loader already ignores them in secure mode),
	 * and everything a PAM module or the shell might read. */
	memset(kept, 0, sizeof(*kept));
	keep_env(kept, environ);
	if (clearenv() != 0)
		errx(EXIT_OWN_FAILURE, "cannot clear the environment");
	umask(022);
	openlog(prog, LOG_PID, LOG_AUTHPRIV);
}

/* ---- 2. arguments --------------------------------------------------------- */

static void parse_args(int argc, char **argv, struct request *req)
{
	static const struct option longopts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "chdir", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(req, 0, sizeof(*req));
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:p:C:", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!as_profile_name_valid(optarg))
				errx(EXIT_USAGE, "invalid profile name");
			req->profile = optarg;
			break;
		case 'C':
			if (optarg[0] != '/' || strlen(optarg) >= PATH_MAX)
				errx(EXIT_USAGE, "-C needs an absolute path shorter than PATH_MAX");
			req->dir = optarg;
			break;
		default:
			errx(EXIT_USAGE, "invalid arguments (the helper is run by agent-shell(1))");
		}
	}
	if (!req->dir)
		errx(EXIT_USAGE, "missing -C DIR (the helper is run by agent-shell(1))");
	if (optind < argc)
		req->cmd = &argv[optind];
}

/* ---- 3. who, which agent, which project ----------------------------------- */

/* The caller's supplementary groups, as inherited and before PAM's
 * setcred may add any: the git step's walk runs as the caller with these
 * (lib/gitmount.c), reaching what the caller's own git reaches, and asks
 * NSS nothing.  None at all: the primary group alone. */
static void keep_caller_groups(struct as_session *s)
{
	int n = getgroups(0, NULL);

	if (n < 0)
		errx(EXIT_OWN_FAILURE, "getgroups: %s", strerror(errno));
	s->owner_groups = calloc((size_t)n + 1, sizeof(gid_t));
	if (!s->owner_groups)
		errx(EXIT_OWN_FAILURE, "out of memory");
	n = getgroups(n, s->owner_groups);
	if (n < 0)
		errx(EXIT_OWN_FAILURE, "getgroups: %s", strerror(errno));
	if (n == 0)
		s->owner_groups[n++] = s->owner_gid;
	s->n_owner_groups = (size_t)n;
}

static void resolve_session(const struct request *req, struct as_session *s)
{
	struct as_session_request sr = {
		.caller_uid = getuid(),
		/* -C DIR is resolved with the caller's rights, never root's
		 * (lib/session.c, realpath_as). */
		.dir_as_caller = true,
		.caller_gid = getgid(),
		.dir = req->dir,
		.profile = req->profile,
		.registry_dir = AS_REGISTRYDIR,
	};
	struct as_err err = { "" };

	if (geteuid() != 0)
		errx(EXIT_OWN_FAILURE, "%s is not setuid root (reinstall, or see agent-shell(1))",
		     AS_HELPER_PATH);
	if (as_session_identify(&sr, s, &err) < 0) {
		char esc[AS_ERR_MAX];

		as_escape(err.msg, esc, sizeof(esc));
		log_line(LOG_NOTICE, "refused: uid=%u: %s", (unsigned)sr.caller_uid, esc);
		errx(EXIT_REFUSED, "%s", err.msg);
	}
	keep_caller_groups(s);
}

/* Layer 6 fails closed: a restricted agent whose chain is missing (never
 * loaded since boot, or the table deleted) would have no fence at all.
 * The kernel is asked while still root (nfnetlink needs CAP_NET_ADMIN). */
static void check_egress_fence(const struct as_session *s)
{
	struct as_err err = { "" };
	int r;

	if (s->reg.egress.open)
		return;
	r = as_egress_chain_loaded(s->agent_uid, &err);
	if (r == 1)
		return;
	if (r == 0)
		snprintf(err.msg, sizeof(err.msg),
			 "%s: its egress fence is not loaded (no chain agent_%u in table inet %s); "
			 "an admin must run 'agent-admin egress --load'",
			 s->agent, (unsigned)s->agent_uid, AS_EGRESS_TABLE);
	log_line(LOG_NOTICE, "refused: owner=%s agent=%s: egress fence %s", s->owner, s->agent,
		 r == 0 ? "not loaded" : "cannot be checked");
	errx(EXIT_REFUSED, "%s", err.msg);
}

/* ---- 4. PAM ------------------------------------------------------------- */

static struct pam_conv conv = { misc_conv, NULL };

static void pam_fail(pam_handle_t *pamh, int r, const char *step, const struct as_session *s)
{
	log_line(LOG_NOTICE, "denied: owner=%s agent=%s: %s: %s", s->owner, s->agent, step,
		 pam_strerror(pamh, r));
	pam_end(pamh, r);
	errx(EXIT_REFUSED, "%s: %s (PAM service %s)", step, pam_strerror(pamh, r), AS_PAM_SERVICE);
}

static pam_handle_t *start_pam(const struct as_session *s)
{
	pam_handle_t *pamh = NULL;
	const char *tty = isatty(0) ? ttyname(0) : NULL;
	int r;

	/* The service file comes from the compiled-in directory only. */
	r = pam_start_confdir(AS_PAM_SERVICE, s->agent, &conv, AS_PAM_CONFDIR, &pamh);
	if (r != PAM_SUCCESS)
		errx(EXIT_OWN_FAILURE, "pam_start: %s", pam_strerror(pamh, r));
	if ((r = pam_set_item(pamh, PAM_RUSER, s->owner)) != PAM_SUCCESS)
		pam_fail(pamh, r, "pam_set_item(PAM_RUSER)", s);
	if (tty && (r = pam_set_item(pamh, PAM_TTY, tty)) != PAM_SUCCESS)
		pam_fail(pamh, r, "pam_set_item(PAM_TTY)", s);
	if ((r = pam_authenticate(pamh, PAM_DISALLOW_NULL_AUTHTOK)) != PAM_SUCCESS)
		pam_fail(pamh, r, "authentication", s);
	if ((r = pam_acct_mgmt(pamh, PAM_DISALLOW_NULL_AUTHTOK)) != PAM_SUCCESS)
		pam_fail(pamh, r, "account", s);
	if ((r = pam_setcred(pamh, PAM_ESTABLISH_CRED)) != PAM_SUCCESS)
		pam_fail(pamh, r, "credentials", s);
	if ((r = pam_open_session(pamh, 0)) != PAM_SUCCESS) {
		pam_setcred(pamh, PAM_DELETE_CRED);
		pam_fail(pamh, r, "session", s);
	}
	return pamh;
}

static void end_pam(pam_handle_t *pamh)
{
	int r = pam_close_session(pamh, 0);

	pam_setcred(pamh, PAM_DELETE_CRED);
	pam_end(pamh, r);
}

/* ---- 4b. the session's namespaces --------------------------------------- */

/* An empty tmpfs of the session's own.  Made here rather than by
 * pam_namespace: its instance directories need parents in /tmp and
 * /var/tmp, which any local user can create first (after a reboot cleans
 * /tmp) and so block every agent session on the host; and an instance per
 * agent would be shared by two sessions of the same agent.  A tmpfs needs
 * no parent, is private to this session, and is gone when it ends. */
static int mount_private_tmp(const char *dir)
{
	if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,uid=0,gid=0") < 0) {
		warnx("cannot mount a private %s for the session: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* Still root, after PAM's session is open (its modules run in the
 * caller's namespaces, as for any login): a mount namespace, so that
 * everything mounted below (the private /tmp, the git directories, the
 * session's /proc) stays in the session; "/" becomes a slave so a shared
 * "/" (systemd) does not carry it to the host.  Returns 0, or -1 after
 * printing why: the session must not start half contained. */
static int enter_session_namespaces(void)
{
	if (unshare(CLONE_NEWNS) < 0) {
		warnx("cannot make the session's mount namespace (unshare): %s", strerror(errno));
		return -1;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) {
		warnx("cannot make the session's mounts private: %s", strerror(errno));
		return -1;
	}
	if (mount_private_tmp("/tmp") < 0 || mount_private_tmp("/var/tmp") < 0)
		return -1;
	return 0;
}

/* After the git step, whose helper processes (lib/gitmeta.c prepares the
 * agent's git directories in a child running as the agent) must not
 * become pid 1 of the session: unshare(CLONE_NEWPID) applies to the next
 * fork, and once that child exits no process can join the namespace.
 *   PID    the next fork is pid 1 of the session (run_session_init): the
 *          agent sees only its own processes, and none outlives the session
 *   IPC    the host's SysV shared memory, semaphores and message queues,
 *          and its POSIX message queues, are out of reach
 * HOST gets the parent's own namespaces first, for leave_process_namespaces.
 * Returns 0, or -1 after printing why. */
struct host_ns {
	int pid, ipc;
};

static int enter_process_namespaces(struct host_ns *host)
{
	host->pid = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	host->ipc = open("/proc/self/ns/ipc", O_RDONLY | O_CLOEXEC);
	if (host->pid < 0 || host->ipc < 0) {
		warnx("cannot open the helper's own PID and IPC namespaces: %s", strerror(errno));
		return -1;
	}
	if (unshare(CLONE_NEWPID | CLONE_NEWIPC) < 0) {
		warnx("cannot make the session's PID and IPC namespaces (unshare): %s",
		      strerror(errno));
		return -1;
	}
	return 0;
}

/* In the parent, once init is forked: back to the host's namespaces for
 * whatever it forks later.  Once init exits, a fork into the session's
 * PID namespace fails (ENOMEM): a PAM module's helper at pam_close_session,
 * or the sanitizer build's leak checker at exit, would die of it.  The
 * parent needs nothing of the session's IPC namespace either.  setns(2)
 * may always return to the caller's own PID namespace. */
static void leave_process_namespaces(struct host_ns *host)
{
	/* Only a warning: the session runs already, and the parent must live
	 * on to close PAM and write the end record. */
	if (setns(host->pid, CLONE_NEWPID) < 0 || setns(host->ipc, CLONE_NEWIPC) < 0)
		warnx("cannot return to the helper's own namespaces: %s", strerror(errno));
	close(host->pid);
	close(host->ipc);
}

/* What the walk renamed out of git's way, or found the agent could write. */
static void warn_disarmed(const struct as_session *s, const struct as_git_stats *gs)
{
	for (size_t i = 0; i < gs->disarmed.n; i++) {
		warnx("warning: %s", gs->disarmed.v[i]);
		log_line(LOG_WARNING, "git metadata: owner=%s: %s", s->owner, gs->disarmed.v[i]);
	}
}

/* Still root, in the session's mount namespace (enter_session_namespaces:
 * no mount below reaches the caller's namespace): every repository in a
 * read-write grant gets the agent's own git directory in place of its
 * .git, other git directories and core.hooksPath are bound read-only
 * (lib/gitmeta.h).  Root makes the mounts only; a child switched to the
 * owner walks the grants, another switched to the agent writes its git
 * directories (lib/gitmount.c).  Read-only grants are read-only to the
 * agent already.  Returns 0, or -1 after printing why: the session must
 * not start half protected. */
static int protect_git_metadata(const struct as_session *s, struct as_git_stats *gs)
{
	struct as_err err = { "" };

	if (as_git_protect_session(s, gs, &err) < 0) {
		warnx("cannot protect the git metadata %s", err.msg);
		return -1;
	}
	for (size_t i = 0; i < gs->notes.n; i++)
		log_line(LOG_INFO, "git metadata: owner=%s: skipped %s", s->owner, gs->notes.v[i]);
	warn_disarmed(s, gs);
	return 0;
}

/* ---- 4c. after the session: what the owner should read ------------------ */

/* Still root, every process of the session gone: a repository made during
 * the session had the work tree's default ACL while it ran; it loses it
 * now, what the agent made inside is renamed out of git's way, and the
 * owner is told (lib/gitmeta.h, as_git_sweep_session: the walk runs as the
 * owner). */
static void sweep_git_metadata(const struct as_session *s, const struct timespec *started,
			       struct as_git_stats *gs)
{
	struct as_err err = { "" };

	if (as_git_sweep_session(s, started, gs, &err) < 0) {
		char esc[AS_ERR_MAX];

		as_escape(err.msg, esc, sizeof(esc));
		warnx("warning: the end-of-session check of your git directories failed: %s",
		      err.msg);
		log_line(LOG_WARNING, "git metadata: owner=%s: sweep failed: %s", s->owner, esc);
	}
	warn_disarmed(s, gs);
}

/* Still root, the session's command ended: the files of the read-write
 * grants that the owner's tools run without asking (lib/review.h) and
 * that changed since the session started, as the sweep's walk (the
 * owner's) found them, are printed for the owner, logged, and kept for
 * agent-shell --review.  Nothing here stops the session's exit status
 * from passing on: a failure is a warning. */
static void review_autorun_files(const struct as_session *s, const struct as_git_stats *end)
{
	const struct as_strv *files = &end->review;
	struct as_err err = { "" };
	const struct passwd *pw = getpwuid(s->owner_uid);

	if (end->review_err.msg[0])
		warnx("review of the files your tools run: %s", end->review_err.msg);
	if (files->n) {
		fprintf(stderr,
			"%s: the agent's session changed files your tools run without asking; "
			"read them before your next build (agent-shell --review shows this again):\n",
			prog);
		for (size_t i = 0; i < files->n; i++) {
			fprintf(stderr, "  %s\n", files->v[i]);
			log_line(LOG_NOTICE, "review: owner=%s agent=%s changed %s", s->owner,
				 s->agent, files->v[i]);
		}
	}
	if (as_review_save(AS_REVIEWDIR, s->owner, pw ? pw->pw_gid : 0, files, &err) < 0)
		warnx("cannot keep the review list: %s", err.msg);
}

/* ---- 5. the child: switch, verify, sandbox, exec ------------------------ */

/* The bounding set needs CAP_SETPCAP, which the uid change takes away, so
 * it is emptied first; lib/identity.c makes the switch itself (groups,
 * gids, then all three uids, every capability cleared) and reads every id
 * back and tries the way back to root.  The supplementary groups are the
 * ones resolve_session checked (s->agent_groups), set as they are, not
 * looked up again.  The bounding set is checked too. */
static void switch_identity(const struct as_session *s)
{
	struct as_err err = { "" };

	if (as_caps_clear_bounding(&err) < 0)
		errx(EXIT_OWN_FAILURE, "%s", err.msg);
	if (as_identity_switch_groups(s->agent, s->agent_uid, s->agent_gid, s->agent_groups,
				      s->n_agent_groups, AS_IDENTITY_DROP_CAPS, &err) < 0)
		errx(EXIT_OWN_FAILURE, "%s", err.msg);
	if (!as_caps_none_left(true))
		errx(EXIT_OWN_FAILURE, "capabilities remain after the switch");
}

/* The profile, parsed here rather than by root (DESIGN.md, step 6): the
 * grammar, its includes and variables run with the agent's rights only.
 * Which profile, and that the admin's pin allows it, root settled in
 * resolve_session; its files are still believed only if root owns them.
 * A refusal ends the session with 1, as it did when root parsed it. */
static void load_policy(struct as_session *s)
{
	struct as_err err = { "" };
	char esc[AS_ERR_MAX];

	if (as_session_load_policy(s, NULL, &err) == 0)
		return;
	as_escape(err.msg, esc, sizeof(esc));
	log_line(LOG_NOTICE, "refused: owner=%s agent=%s: %s", s->owner, s->agent, esc);
	errx(EXIT_REFUSED, "%s", err.msg);
}

static void build_env(const struct as_session *s, const struct kept_env *kept, pam_handle_t *pamh,
		      struct as_strv *out)
{
	struct as_err err = { "" };
	char **pamenv = pam_getenvlist(pamh);
	/* PAM modules may set variables (pam_env); they pass through the
	 * same filter as the caller's. */
	char *const *const sources[] = { pamenv, kept->vars.v };
	int r = as_session_env(s, sources, AS_ARRAY_SIZE(sources), out, &err);

	for (char **e = pamenv; e && *e; e++)
		free(*e);
	free(pamenv);
	if (r < 0)
		errx(EXIT_OWN_FAILURE, "%s", err.msg);
}

static void run_child(struct as_session *s, const struct request *req, const struct kept_env *kept,
		      pam_handle_t *pamh, const struct as_pty *pty) __attribute__((noreturn));
static void run_child(struct as_session *s, const struct request *req, const struct kept_env *kept,
		      pam_handle_t *pamh, const struct as_pty *pty)
{
	struct as_strv env = { 0 };
	struct as_session_cmd cmd;
	struct as_sandbox sb;
	struct as_err err = { "" };
	sigset_t none;
	int code;

	/* The session's own terminal on the fds that were the caller's; from
	 * here on no fd of this process refers to the caller's terminal. */
	if (as_pty_attach_cmd(pty, &err) < 0)
		errx(EXIT_OWN_FAILURE, "%s", err.msg);
	/* init blocked these for its signalfd; the command starts with none
	 * blocked, as any login's would. */
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		errx(EXIT_OWN_FAILURE, "cannot reset the signal mask: %s", strerror(errno));
	switch_identity(s);

	/* From here on we are the agent, with no privilege at all. */
	load_policy(s);
	if (chdir(s->dir) < 0) {
		/* The session has its own /tmp and /var/tmp. */
		if (errno == ENOENT &&
		    (strncmp(s->dir, "/tmp/", 5) == 0 || strncmp(s->dir, "/var/tmp/", 9) == 0))
			errx(EXIT_REFUSED,
			     "%s is under /tmp or /var/tmp, which each session sees privately; "
			     "keep projects elsewhere (agent-shell(1), The session namespace)",
			     s->dir);
		errx(EXIT_OWN_FAILURE, "cannot enter %s as %s: %s (agent-admin check %s)", s->dir,
		     s->agent, strerror(errno), s->owner);
	}
	/* Looked up as the agent, in the fixed PATH, before any restriction. */
	code = as_session_command(s, req->cmd, &cmd, &err);
	if (code)
		errx(code, "%s", err.msg);
	build_env(s, kept, pamh, &env);
	/* The child's copy of the PAM state ends here; PAM_DATA_SILENT frees
	 * it without touching the session, which the parent closes
	 * (pam_end(3)).  Nothing of PAM's memory reaches the sandbox stage. */
	pam_end(pamh, PAM_SUCCESS | PAM_DATA_SILENT);
	if (as_sandbox_prepare(&sb, &s->policy, NULL, &err) < 0)
		errx(EXIT_REFUSED, "%s", err.msg);
	as_sandbox_warn(&sb, stderr);
	code = as_sandbox_exec(&sb, cmd.path, cmd.argv, env.v, &err);
	errx(code, "%s", err.msg);
}

/* ---- 6. init, the parent, and what they share --------------------------- */

/* The signals the parent passes on to init, and init to the command; with
 * SIGCHLD (and, in the parent, SIGWINCH and SIGCONT) they are read from a
 * signalfd, so they are blocked from before the fork on. */
static void session_sigset(sigset_t *set)
{
	static const int sigs[] = { SIGCHLD, SIGWINCH, SIGCONT, SIGINT,
				    SIGQUIT, SIGTERM,  SIGHUP,  SIGTSTP };

	sigemptyset(set);
	for (size_t i = 0; i < AS_ARRAY_SIZE(sigs); i++)
		sigaddset(set, sigs[i]);
}

/* The caller may signal a process whose real or saved uid is theirs
 * (kill(2)).  With every uid 0 only root can: the caller can no longer
 * kill the parent and so skip the PAM close and the end record, nor kill
 * the session's init.  SIGCONT stays allowed within one terminal session
 * (kill(2)), which "fg" needs. */
static void drop_caller_uid(void)
{
	uid_t ru, eu, su;

	if (setresuid(0, 0, 0) < 0)
		errx(EXIT_OWN_FAILURE, "setresuid(0): %s", strerror(errno));
	if (getresuid(&ru, &eu, &su) < 0 || ru != 0 || eu != 0 || su != 0)
		errx(EXIT_OWN_FAILURE, "the real uid did not become 0: %u/%u/%u", ru, eu, su);
}

/* In init, before the command exists: a mount namespace of its own (the
 * parent keeps the host's /proc for PAM's close and the end record), and in
 * it a /proc of the session's PID namespace over the host's.  Covering is
 * enough: nothing in the session can unmount (no capability, and seccomp
 * denies umount), and it costs no RCU grace period as a detach would.
 * POSIX message queues belong to the IPC namespace; /dev/mqueue, where
 * mounted, showed the host's. */
static void mount_session_proc(void)
{
	const unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	struct stat st;

	if (unshare(CLONE_NEWNS) < 0)
		errx(EXIT_OWN_FAILURE, "unshare(CLONE_NEWNS): %s", strerror(errno));
	if (mount("proc", "/proc", "proc", flags, NULL) < 0)
		errx(EXIT_OWN_FAILURE, "cannot mount the session's /proc: %s", strerror(errno));
	if (stat("/dev/mqueue", &st) == 0 && S_ISDIR(st.st_mode) &&
	    mount("mqueue", "/dev/mqueue", "mqueue", flags, NULL) < 0)
		errx(EXIT_OWN_FAILURE, "cannot mount the session's /dev/mqueue: %s",
		     strerror(errno));
}

/* A signal for the command: to its process group (its pipeline, when the
 * command is not a job-control shell), or to it alone before it has one. */
static void pass_on(pid_t cmd, int sig)
{
	if (kill(-cmd, sig) < 0)
		kill(cmd, sig);
}

/*
 * pid 1 of the session's PID namespace, still root, and a process apart
 * from the command because the kernel treats pid 1 differently: a signal
 * it has no handler for is dropped (pid_namespaces(7)), so a command run
 * as pid 1 would ignore ^C and SIGTERM; and pid 1 inherits every orphan,
 * which a command that never calls wait would leave as zombies.  So init
 * forks the command, passes signals on to it, reaps everything, tells the
 * parent when the command stops (job control), and when the command exits,
 * exits with its status: the kernel then kills every process left in the
 * namespace, setsid, nohup and double-forked ones included.  The agent
 * cannot signal init (its uids are 0) nor outlive it.
 */
static void run_session_init(struct as_session *s, const struct request *req,
			     const struct kept_env *kept, pam_handle_t *pamh,
			     const struct as_pty *pty, int stop_fd) __attribute__((noreturn));
static void run_session_init(struct as_session *s, const struct request *req,
			     const struct kept_env *kept, pam_handle_t *pamh,
			     const struct as_pty *pty, int stop_fd)
{
	struct as_err err = { "" };
	sigset_t set;
	pid_t cmd;
	int sfd;

	/* Root ending the parent ends the session: none runs unattended. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		errx(EXIT_OWN_FAILURE, "prctl(PR_SET_PDEATHSIG): %s", strerror(errno));
	if (as_pty_attach_init(pty, &err) < 0)
		errx(EXIT_OWN_FAILURE, "%s", err.msg);
	mount_session_proc();
	session_sigset(&set);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		errx(EXIT_OWN_FAILURE, "signalfd: %s", strerror(errno));
	cmd = fork();
	if (cmd < 0)
		errx(EXIT_OWN_FAILURE, "fork: %s", strerror(errno));
	if (cmd == 0) {
		close(sfd);
		close(stop_fd);
		run_child(s, req, kept, pamh, pty);
	}
	/* Nothing of PAM's or the terminal's stays open in init, and of
	 * root's powers only the one its job needs: signalling the agent's
	 * processes (CAP_KILL). */
	pam_end(pamh, PAM_SUCCESS | PAM_DATA_SILENT);
	if (as_caps_keep_only(CAP_KILL, &err) < 0)
		errx(EXIT_OWN_FAILURE, "%s", err.msg); /* the command dies with init */
	if (pty->master >= 0) {
		close(pty->master);
		close(pty->slave);
	}
	for (;;) {
		struct signalfd_siginfo si;
		int st;
		pid_t w;

		if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si)) {
			if (errno == EINTR)
				continue;
			errx(EXIT_OWN_FAILURE, "signalfd: %s", strerror(errno));
		}
		if (si.ssi_signo != SIGCHLD) {
			pass_on(cmd, (int)si.ssi_signo);
			continue;
		}
		while ((w = waitpid(-1, &st, WNOHANG | WUNTRACED)) > 0) {
			if (w != cmd)
				continue;
			if (WIFSTOPPED(st)) {
				char sig = (char)WSTOPSIG(st);

				if (write(stop_fd, &sig, 1) < 0)
					pass_on(cmd, SIGCONT);
				continue;
			}
			_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		}
	}
}

/* A session that cannot start after PAM opened it: close PAM, log, exit. */
static void abandon_session(pam_handle_t *pamh, const struct as_session *s, const char *project,
			    const char *why) __attribute__((noreturn));
static void abandon_session(pam_handle_t *pamh, const struct as_session *s, const char *project,
			    const char *why)
{
	log_line(LOG_ERR, "session failed: owner=%s agent=%s project=%s: %s", s->owner, s->agent,
		 project, why);
	end_pam(pamh);
	errx(EXIT_REFUSED, "no session: %s (see above)", why);
}

int main(int argc, char **argv)
{
	struct kept_env kept;
	struct request req;
	struct as_session s;
	pam_handle_t *pamh;
	struct as_git_stats gs = { 0 }, end = { 0 };
	struct as_pty pty;
	struct as_relay relay;
	struct host_ns host;
	struct as_err err = { "" };
	char project[PATH_MAX * 4 + 1];
	sigset_t set;
	int stop[2];
	pid_t init;
	int sfd, status;

	/* errx(3) names the program by this, not by argv[0], which the
	 * caller chooses (and which may be empty). */
	program_invocation_short_name = (char *)prog;
	sanitize_process(argc, argv, &kept);
	parse_args(argc, argv, &req);
	resolve_session(&req, &s);
	check_egress_fence(&s);
	pamh = start_pam(&s);
	as_escape(s.project, project, sizeof(project));
	if (enter_session_namespaces() < 0)
		abandon_session(pamh, &s, project, "its namespaces could not be made");
	if (protect_git_metadata(&s, &gs) < 0)
		abandon_session(pamh, &s, project, "its git metadata could not be protected");
	if (enter_process_namespaces(&host) < 0)
		abandon_session(pamh, &s, project, "its PID and IPC namespaces could not be made");
	if (as_pty_open(&pty, s.agent_uid, &err) < 0) {
		warnx("%s", err.msg);
		abandon_session(pamh, &s, project, "it has no terminal");
	}
	log_line(LOG_INFO,
		 "session start: owner=%s agent=%s project=%s profile=%s pid=%d pty=%s "
		 "git-protected=%u",
		 s.owner, s.agent, project, s.profile, (int)getpid(),
		 pty.master >= 0 ? "own" : "none", gs.repos);

	drop_caller_uid();
	session_sigset(&set);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 || (sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0 ||
	    pipe2(stop, O_CLOEXEC) < 0) {
		warnx("cannot prepare to supervise the session: %s", strerror(errno));
		abandon_session(pamh, &s, project, "it cannot be supervised");
	}
	init = fork();
	if (init < 0) {
		warnx("fork: %s", strerror(errno));
		abandon_session(pamh, &s, project, "fork failed");
	}
	if (init == 0) {
		close(sfd);
		close(stop[0]);
		close(host.pid);
		close(host.ipc);
		run_session_init(&s, &req, &kept, pamh, &pty, stop[1]);
	}
	leave_process_namespaces(&host);
	close(stop[1]);
	/* In the host's PID namespace again, with the signals still blocked
	 * (the relay keeps them so).  With no one to relay, the session ends
	 * at once, and ends as any other. */
	if (as_relay_start(&relay, &pty, s.owner_uid, s.owner_gid, &err) < 0) {
		warnx("%s", err.msg);
		kill(init, SIGKILL);
	}
	/* Root keeps neither end of the pty: the relay has the master. */
	if (pty.master >= 0) {
		close(pty.master);
		close(pty.slave);
	}

	status = as_relay_supervise(&relay, init, sfd, stop[0]);
	status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	sweep_git_metadata(&s, &gs.started, &end);
	review_autorun_files(&s, &end);
	as_git_stats_free(&gs);
	as_git_stats_free(&end);
	end_pam(pamh);
	log_line(LOG_INFO, "session end: owner=%s agent=%s project=%s profile=%s pid=%d result=%d",
		 s.owner, s.agent, project, s.profile, (int)init, status);
	/* Freed so the sanitizer build's leak check at exit stays silent
	 * and a real leak stands out. */
	close(sfd);
	close(stop[0]);
	as_session_free(&s);
	as_strv_free(&kept.vars);
	return status;
}
