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
 *                         granted project; profile (root-owned files only)
 *   start_pam             authenticate, acct_mgmt, setcred, open_session
 *                         (pam_namespace: private /tmp and /var/tmp)
 *   protect_git_metadata  own mount namespace; each repository of the
 *                         read-write grants gets the agent's own git dir
 *   fork
 *     child: switch_identity -> verify_identity -> enter_sandbox -> exec
 *     parent: supervise, review_autorun_files, close the PAM session, log,
 *             exit with the status
 *
 * Any failure once the switch has started ends the child: there is no
 * recovery from a half-dropped state.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <limits.h>
#include <security/pam_appl.h>
#include <security/pam_misc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "caps.h"
#include "command.h"
#include "config.h"
#include "gitmeta.h"
#include "review.h"
#include "env.h"
#include "profile.h"
#include "sandbox.h"
#include "session.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE 2
#define EXIT_OWN_FAILURE 125
#define EXIT_CANNOT_EXEC AS_EXIT_CANNOT_EXEC
#define EXIT_NOT_FOUND AS_EXIT_NOT_FOUND


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
		errx(EXIT_OWN_FAILURE, "cannot close inherited file descriptors: %s", strerror(errno));
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

static void resolve_session(const struct request *req, struct as_session *s)
{
	struct as_session_request sr = {
		.caller_uid = getuid(),
		.dir = req->dir,
		.profile = req->profile,
		.registry_dir = AS_REGISTRYDIR,
	};
	struct as_err err = { "" };

	if (geteuid() != 0)
		errx(EXIT_OWN_FAILURE, "%s is not setuid root (reinstall, or see agent-shell(1))",
		    AS_HELPER_PATH);
	if (as_session_resolve(&sr, s, &err) < 0) {
		char esc[AS_ERR_MAX];

		as_escape(err.msg, esc, sizeof(esc));
		log_line(LOG_NOTICE, "refused: uid=%u: %s", (unsigned)sr.caller_uid, esc);
		errx(EXIT_REFUSED, "%s", err.msg);
	}
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

/* ---- 4b. the session's mount namespace ---------------------------------- */

/* The mount /tmp is on, to tell whether pam_namespace gave the session a
 * private one. */
static uint64_t tmp_mount_id(void)
{
	struct statx stx;

	if (statx(AT_FDCWD, "/tmp", AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0 ||
	    !(stx.stx_mask & STATX_MNT_ID))
		return 0;
	return stx.stx_mnt_id;
}

/* Still root, in a mount namespace of our own (pam_namespace may have made
 * one already; another level costs nothing and makes sure no mount below
 * reaches the caller's namespace): every repository in a read-write grant
 * gets the agent's own git directory in place of its .git, other git
 * directories and core.hooksPath are bound read-only (lib/gitmeta.h).
 * Read-only grants are read-only to the agent already.  Returns 0, or -1
 * after printing why: the session must not start half protected. */
static int protect_git_metadata(const struct as_session *s, struct as_git_stats *gs)
{
	struct as_err err = { "" };

	if (as_mount_ns_private(&err) < 0) {
		warnx("%s", err.msg);
		return -1;
	}
	if (as_git_protect_grants(s, false, gs, &err) < 0) {
		warnx("cannot protect the git metadata %s", err.msg);
		return -1;
	}
	for (size_t i = 0; i < gs->notes.n; i++)
		log_line(LOG_INFO, "git metadata: owner=%s: skipped %s", s->owner, gs->notes.v[i]);
	return 0;
}

/* ---- 4c. after the session: what the owner should read ------------------ */

/* Still root, the session's command ended: the files of the read-write
 * grants that the owner's tools run without asking (lib/review.h) and
 * that changed since the session started are printed for the owner,
 * logged, and kept for agent-shell --review.  Nothing here stops the
 * session's exit status from passing on: a failure is a warning. */
static void review_autorun_files(const struct as_session *s, const struct timespec *started)
{
	struct as_strv files = { 0 };
	struct as_err err = { "" };
	const struct passwd *pw = getpwuid(s->owner_uid);

	if (as_review_scan(&s->reg, started, &files, &err) < 0)
		warnx("review of the files your tools run: %s", err.msg);
	if (files.n) {
		fprintf(stderr, "%s: the agent's session changed files your tools run without asking; "
			"read them before your next build (agent-shell --review shows this again):\n", prog);
		for (size_t i = 0; i < files.n; i++) {
			fprintf(stderr, "  %s\n", files.v[i]);
			log_line(LOG_NOTICE, "review: owner=%s agent=%s changed %s", s->owner, s->agent, files.v[i]);
		}
	}
	if (as_review_save(AS_REVIEWDIR, s->owner, pw ? pw->pw_gid : 0, &files, &err) < 0)
		warnx("cannot keep the review list: %s", err.msg);
	as_strv_free(&files);
}

/* ---- 5. the child: switch, verify, sandbox, exec ------------------------ */

/* Order matters (capabilities(7), setresuid(2)): the bounding set needs
 * CAP_SETPCAP, which the uid change takes away; supplementary groups and
 * gids need CAP_SETGID, so they go before the uid; all three uids change
 * at once so there is no saved uid 0 to return to. */
static void switch_identity(const struct as_session *s)
{
	struct as_err err = { "" };

	if (as_caps_clear_bounding(&err) < 0)
		errx(EXIT_OWN_FAILURE, "%s", err.msg);
	if (setresgid(s->agent_gid, s->agent_gid, s->agent_gid) < 0)
		errx(EXIT_OWN_FAILURE, "setresgid(%u): %s", (unsigned)s->agent_gid, strerror(errno));
	if (initgroups(s->agent, s->agent_gid) < 0)
		errx(EXIT_OWN_FAILURE, "initgroups(%s): %s", s->agent, strerror(errno));
	if (setresuid(s->agent_uid, s->agent_uid, s->agent_uid) < 0)
		errx(EXIT_OWN_FAILURE, "setresuid(%u): %s", (unsigned)s->agent_uid, strerror(errno));
	if (as_caps_drop_all(&err) < 0)
		errx(EXIT_OWN_FAILURE, "%s", err.msg);
}

/* Trust nothing about the switch: read every id back and try to undo it. */
static void verify_identity(const struct as_session *s)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	gid_t groups[NGROUPS_MAX];
	int n;

	if (getresuid(&ru, &eu, &su) < 0 || ru != s->agent_uid || eu != s->agent_uid || su != s->agent_uid)
		errx(EXIT_OWN_FAILURE, "uid switch did not take: %u/%u/%u", ru, eu, su);
	if (getresgid(&rg, &eg, &sg) < 0 || rg != s->agent_gid || eg != s->agent_gid || sg != s->agent_gid)
		errx(EXIT_OWN_FAILURE, "gid switch did not take: %u/%u/%u", rg, eg, sg);
	n = getgroups(NGROUPS_MAX, groups);
	if (n < 0)
		errx(EXIT_OWN_FAILURE, "getgroups: %s", strerror(errno));
	for (int i = 0; i < n; i++)
		if (groups[i] == 0)
			errx(EXIT_OWN_FAILURE, "the agent is in group 0");
	if (!as_caps_none_left(true))
		errx(EXIT_OWN_FAILURE, "capabilities remain after the switch");
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0)
		errx(EXIT_OWN_FAILURE, "could regain root after the switch");
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

__attribute__((noreturn))
static void run_child(const struct as_session *s, const struct request *req,
		      const struct kept_env *kept, pam_handle_t *pamh)
{
	struct as_strv env = { 0 };
	struct as_session_cmd cmd;
	struct as_sandbox sb;
	struct as_err err = { "" };
	int code;

	switch_identity(s);
	verify_identity(s);

	/* From here on we are the agent, with no privilege at all. */
	if (chdir(s->dir) < 0) {
		/* pam_namespace gives the session its own /tmp and /var/tmp. */
		if (errno == ENOENT && (strncmp(s->dir, "/tmp/", 5) == 0 || strncmp(s->dir, "/var/tmp/", 9) == 0))
			errx(EXIT_REFUSED, "%s is under /tmp or /var/tmp, which each session sees privately; "
			    "keep projects elsewhere (agent-shell(1), The session namespace)", s->dir);
		errx(EXIT_OWN_FAILURE, "cannot enter %s as %s: %s (agent-admin check %s)",
		    s->dir, s->agent, strerror(errno), s->owner);
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
	for (size_t i = 0; i < sb.ll.dropped.n; i++)
		fprintf(stderr, "%s: warning: not enforced on this kernel: %s\n", prog, sb.ll.dropped.v[i]);
	if (as_sandbox_enter(&sb, &err) < 0)
		errx(EXIT_OWN_FAILURE, "%s", err.msg);
	execve(cmd.path, cmd.argv, env.v);
	code = errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
	errx(code, "%s: %s", cmd.path, strerror(errno));
}

/* ---- 6. the parent: wait, relay, close ---------------------------------- */

static volatile sig_atomic_t relay_sig;

static void on_signal(int sig)
{
	relay_sig = sig;
}

static int supervise(pid_t child)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct sigaction ign = { .sa_handler = SIG_IGN };
	int status;

	/* Keyboard signals reach the child directly (same process group);
	 * the parent ignores them so it lives to close the session.  Signals
	 * sent to the helper itself are passed on to the session. */
	sigaction(SIGINT, &ign, NULL);
	sigaction(SIGQUIT, &ign, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	for (;;) {
		pid_t r = waitpid(child, &status, WUNTRACED);

		if (r == child && WIFSTOPPED(status)) {
			/* Job control: stop with the child, resume it with us. */
			kill(getpid(), SIGSTOP);
			kill(child, SIGCONT);
			continue;
		}
		if (r == child)
			break;
		if (r < 0 && errno != EINTR)
			return EXIT_OWN_FAILURE;
		if (relay_sig) {
			kill(child, relay_sig);
			relay_sig = 0;
		}
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_OWN_FAILURE;
}

int main(int argc, char **argv)
{
	struct kept_env kept;
	struct request req;
	struct as_session s;
	pam_handle_t *pamh;
	struct as_git_stats gs = { 0 };
	uint64_t tmp_before;
	char project[PATH_MAX * 4 + 1];
	pid_t child;
	int status;

	/* errx(3) names the program by this, not by argv[0], which the
	 * caller chooses (and which may be empty). */
	program_invocation_short_name = (char *)prog;
	sanitize_process(argc, argv, &kept);
	parse_args(argc, argv, &req);
	resolve_session(&req, &s);
	tmp_before = tmp_mount_id();
	pamh = start_pam(&s);
	as_escape(s.project, project, sizeof(project));
	if (protect_git_metadata(&s, &gs) < 0) {
		log_line(LOG_ERR, "session failed: owner=%s agent=%s project=%s: git metadata not protected",
			 s.owner, s.agent, project);
		as_git_stats_free(&gs);
		as_session_free(&s);
		end_pam(pamh);
		errx(EXIT_REFUSED, "no session: its git metadata could not be protected (see above)");
	}
	log_line(LOG_INFO, "session start: owner=%s agent=%s project=%s profile=%s pid=%d tmp=%s "
		 "git-protected=%u", s.owner, s.agent, project, s.profile, (int)getpid(),
		 tmp_mount_id() != tmp_before ? "private" : "shared", gs.repos);

	child = fork();
	if (child < 0) {
		log_line(LOG_ERR, "session failed: owner=%s agent=%s: fork: %s", s.owner, s.agent,
			 strerror(errno));
		end_pam(pamh);
		errx(EXIT_OWN_FAILURE, "fork: %s", strerror(errno));
	}
	if (child == 0)
		run_child(&s, &req, &kept, pamh);

	status = supervise(child);
	review_autorun_files(&s, &gs.started);
	as_git_stats_free(&gs);
	end_pam(pamh);
	log_line(LOG_INFO, "session end: owner=%s agent=%s project=%s profile=%s pid=%d result=%d",
		 s.owner, s.agent, project, s.profile, (int)child, status);
	/* Freed so the sanitizer build's leak check at exit stays silent
	 * and a real leak stands out. */
	as_session_free(&s);
	as_strv_free(&kept.vars);
	return status;
}
