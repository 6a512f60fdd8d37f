/* SPDX-License-Identifier: MIT */
/*
 * agent-sandbox: run one command under the profile's layers, as the calling
 * user.  rlimits -> capabilities -> no_new_privs -> Landlock -> seccomp
 * (last) -> exec.  Unprivileged; also what frameworks use per tool call.
 *
 * With --session OWNER it is the sandbox stage of agent-shell on sudo sites
 * (switch = sudo): sudo has already made it OWNER's agent account, and the
 * policy comes only from the registry and the profile, as in the helper.
 *
 * Exit status: the command's; 1 refused (bad profile, policy the kernel
 * cannot enforce); 2 usage; 125 own failure; 126 cannot execute;
 * 127 not found (as env(1)).
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "account.h"
#include "command.h"
#include "config.h"
#include "env.h"
#include "policy.h"
#include "profile.h"
#include "sandbox.h"
#include "session.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE 2
#define EXIT_OWN_FAILURE 125
#define EXIT_CANNOT_EXEC AS_EXIT_CANNOT_EXEC
#define EXIT_NOT_FOUND AS_EXIT_NOT_FOUND
#define DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"

extern char **environ;

static const char *prog = "agent-sandbox";

struct path_flag {
	const char *path;
	unsigned access;
};

/* Everything the command line says, filled by parse_args only. */
struct options {
	const char *profile;
	const char *profile_file;
	struct path_flag *paths;
	size_t n_paths;
	const char **connect;
	size_t n_connect;
	const char **bind;
	size_t n_bind;
	bool explain;
	const char *session_owner; /* --session OWNER */
	const char *dir;           /* -C DIR, with --session only */
	bool lowered;              /* a flag that changes the policy was given */
	struct as_sandbox_opts sandbox;
	char **cmd;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s [-p PROFILE | -f FILE] [-r PATH]... [-w PATH]... [-x PATH]...\n"
		"       [--connect PORT]... [--bind PORT]... [--explain] -- CMD [ARG]...\n"
		"\n"
		"Run CMD under Landlock, seccomp, no_new_privs and dropped capabilities.\n"
		"\n"
		"  -p, --profile NAME   start from profile NAME (default: base)\n"
		"  -f, --file FILE      start from the profile in FILE\n"
		"  -r, --read PATH      allow reading beneath PATH\n"
		"  -w, --write PATH     allow reading and writing beneath PATH\n"
		"  -x, --exec PATH      allow reading and executing beneath PATH\n"
		"      --connect PORT   allow TCP connections to PORT\n"
		"      --bind PORT      allow binding TCP PORT\n"
		"      --explain        print the effective policy, run nothing\n"
		"      --session OWNER  be OWNER's agent-shell session (sudo sites; see\n"
		"                       agent-shell(1)); takes only -p, -C DIR and --explain\n"
		"  -C, --chdir DIR      with --session: the project directory\n"
		"  -h, --help           show this help\n"
		"  -V, --version        show the version\n"
		"\n"
		"For tests only (each weakens this one run; see agent-sandbox(1)):\n"
		"      --test-landlock-abi N   act as if the kernel's Landlock ABI were N\n"
		"      --test-ablate LAYER     skip LAYER: caps, nnp, landlock or seccomp\n"
		"\n"
		"Profiles: %s, then %s\n"
		"Exit status: CMD's; 1 refused; 2 usage; 125 own failure;\n"
		"126 cannot execute; 127 not found.  See agent-sandbox(1).\n",
		prog, AS_PROFILEDIR_ETC, AS_PROFILEDIR_VENDOR);
}

static void *xreallocarray(void *p, size_t n, size_t size)
{
	void *np = reallocarray(p, n, size);

	if (!np)
		errx(EXIT_OWN_FAILURE, "out of memory");
	return np;
}

static void add_path_flag(struct options *o, const char *path, unsigned access)
{
	o->paths = xreallocarray(o->paths, o->n_paths + 1, sizeof(*o->paths));
	o->paths[o->n_paths].path = path;
	o->paths[o->n_paths].access = access;
	o->n_paths++;
}

static void add_port_flag(const char ***list, size_t *n, const char *port)
{
	*list = xreallocarray(*list, *n + 1, sizeof(**list));
	(*list)[(*n)++] = port;
}

enum {
	OPT_CONNECT = 0x100,
	OPT_BIND,
	OPT_EXPLAIN,
	OPT_TEST_ABI,
	OPT_ABLATE,
	OPT_SESSION,
};

static void parse_ablation(struct options *o, const char *layer)
{
	/* Test-only: each switch lowers protection for this process alone
	 * (the caller could simply not use agent-sandbox).  The helper never
	 * reaches this code. */
	if (strcmp(layer, "caps") == 0)
		o->sandbox.skip_caps = true;
	else if (strcmp(layer, "nnp") == 0)
		o->sandbox.skip_nnp = true;
	else if (strcmp(layer, "landlock") == 0)
		o->sandbox.skip_landlock = true;
	else if (strcmp(layer, "seccomp") == 0)
		o->sandbox.skip_seccomp = true;
	else
		errx(EXIT_USAGE, "--test-ablate: unknown layer '%s' (caps, nnp, landlock, seccomp)",
		     layer);
}

static void parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "file", required_argument, NULL, 'f' },
		{ "read", required_argument, NULL, 'r' },
		{ "write", required_argument, NULL, 'w' },
		{ "exec", required_argument, NULL, 'x' },
		{ "connect", required_argument, NULL, OPT_CONNECT },
		{ "bind", required_argument, NULL, OPT_BIND },
		{ "explain", no_argument, NULL, OPT_EXPLAIN },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "test-landlock-abi", required_argument, NULL, OPT_TEST_ABI },
		{ "test-ablate", required_argument, NULL, OPT_ABLATE },
		{ "session", required_argument, NULL, OPT_SESSION },
		{ "chdir", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	/* '+': stop at the first non-option, so CMD's own flags stay CMD's. */
	while ((c = getopt_long(argc, argv, "+:p:f:r:w:x:C:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (o->profile || o->profile_file)
				errx(EXIT_USAGE, "only one -p or -f may be given");
			o->profile = optarg;
			break;
		case 'f':
			if (o->profile || o->profile_file)
				errx(EXIT_USAGE, "only one -p or -f may be given");
			o->profile_file = optarg;
			o->lowered = true;
			break;
		case 'r':
			add_path_flag(o, optarg, AS_FS_READ);
			o->lowered = true;
			break;
		case 'w':
			add_path_flag(o, optarg, AS_FS_READ | AS_FS_WRITE);
			o->lowered = true;
			break;
		case 'x':
			add_path_flag(o, optarg, AS_FS_READ | AS_FS_EXEC);
			o->lowered = true;
			break;
		case OPT_CONNECT:
			add_port_flag(&o->connect, &o->n_connect, optarg);
			o->lowered = true;
			break;
		case OPT_BIND:
			add_port_flag(&o->bind, &o->n_bind, optarg);
			o->lowered = true;
			break;
		case OPT_SESSION:
			if (!as_owner_name_valid(optarg, NULL))
				errx(EXIT_USAGE, "--session: '%s' is not a user name", optarg);
			o->session_owner = optarg;
			break;
		case 'C':
			if (optarg[0] != '/')
				errx(EXIT_USAGE, "-C %s: not an absolute path", optarg);
			o->dir = optarg;
			break;
		case OPT_EXPLAIN:
			o->explain = true;
			break;
		case OPT_TEST_ABI: {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*optarg == '\0' || *end || v < 1 || v > 64)
				errx(EXIT_USAGE, "--test-landlock-abi: '%s' is not an ABI version",
				     optarg);
			o->sandbox.landlock_abi_max = (int)v;
			o->lowered = true;
			break;
		}
		case OPT_ABLATE:
			parse_ablation(o, optarg);
			o->lowered = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("%s %s\n", prog, AS_VERSION);
			exit(0);
		case ':':
			errx(EXIT_USAGE, "option '%s' needs an argument (see --help)",
			     argv[optind - 1]);
		default:
			if (optopt)
				errx(EXIT_USAGE, "unknown option '-%c' (see --help)", optopt);
			errx(EXIT_USAGE, "unknown option '%s' (see --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		o->cmd = &argv[optind];
	if (o->session_owner) {
		/* A session's policy is the registry's and the profile's, as
		 * on the helper path: nothing on the command line changes it. */
		if (o->lowered)
			errx(EXIT_USAGE, "--session takes only -p, -C and --explain");
		return;
	}
	if (o->dir)
		errx(EXIT_USAGE, "-C is only for --session (cd to the directory instead)");
	if (!o->cmd && !o->explain)
		errx(EXIT_USAGE, "no command given (usage: %s [OPTION]... -- CMD [ARG]...)", prog);
}

static void load_policy(const struct options *o, struct as_policy *pol)
{
	struct as_profile_opts popts = { 0 };
	const char *dirs[8] = { 0 };
	struct passwd *pw;
	char cwd[PATH_MAX];
	struct as_err err = { "" };
	int r;

	/* For a user's own runs only: agent-sandbox is unprivileged, so it may
	 * read profiles from wherever its caller says (tests, development). */
	const char *envdirs = getenv("AGENT_SANDBOX_PROFILE_PATH");
	char *envcopy = NULL;
	if (envdirs && *envdirs) {
		char *save = NULL;
		size_t n = 0;

		envcopy = strdup(envdirs);
		if (!envcopy)
			errx(EXIT_OWN_FAILURE, "out of memory");
		for (char *d = strtok_r(envcopy, ":", &save); d && n < AS_ARRAY_SIZE(dirs) - 1;
		     d = strtok_r(NULL, ":", &save))
			dirs[n++] = d;
		popts.search_dirs = dirs;
	}

	if (!getcwd(cwd, sizeof(cwd)))
		errx(EXIT_OWN_FAILURE, "cannot determine the current directory: %s",
		     strerror(errno));
	errno = 0;
	pw = getpwuid(getuid());
	if (!pw)
		errx(EXIT_OWN_FAILURE, "uid %u has no passwd entry", (unsigned)getuid());
	popts.trust = AS_TRUST_ANY;
	popts.vars.project = cwd;
	popts.vars.home = pw->pw_dir;
	popts.vars.tmp = "/tmp";

	as_policy_init(pol);
	if (o->profile_file)
		r = as_profile_load_file(pol, o->profile_file, &popts, &err);
	else
		r = as_profile_load(pol, o->profile ? o->profile : "base", &popts, &err);
	free(envcopy);
	if (r < 0)
		errx(EXIT_REFUSED, "%s", err.msg);

	for (size_t i = 0; i < o->n_paths; i++) {
		if (o->paths[i].path[0] != '/')
			errx(EXIT_USAGE, "%s: not an absolute path (flags take absolute paths)",
			     o->paths[i].path);
		if (as_policy_add_path(pol, o->paths[i].path, o->paths[i].access, false,
				       AS_ORIGIN_CMDLINE, &err) < 0)
			errx(EXIT_USAGE, "%s", err.msg);
	}
	for (size_t i = 0; i < o->n_connect + o->n_bind; i++) {
		bool is_connect = i < o->n_connect;
		const char *s = is_connect ? o->connect[i] : o->bind[i - o->n_connect];
		uint16_t port;

		if (as_parse_port(s, &port, &err) < 0)
			errx(EXIT_USAGE, "--%s: %s", is_connect ? "connect" : "bind", err.msg);
		if (as_policy_add_port(pol, is_connect ? AS_PORT_CONNECT : AS_PORT_BIND, port,
				       AS_ORIGIN_CMDLINE, &err) < 0)
			errx(EXIT_OWN_FAILURE, "%s", err.msg);
	}
}

/* The sandbox stage of an agent-shell session on a sudo site: sudo has
 * made us OWNER's agent; resolve the session exactly as the helper does,
 * check that we are that agent, and run CMD or the login shell. */
static void run_session(const struct options *o) __attribute__((noreturn));
static void run_session(const struct options *o)
{
	extern char **environ;
	struct as_session_request req = {
		.dir = o->dir,
		.profile = o->profile,
		.registry_dir = AS_REGISTRYDIR,
	};
	char *const *const sources[] = { environ };
	struct as_strv env = { 0 };
	struct as_session_cmd cmd;
	struct as_session s;
	struct as_sandbox sb;
	struct as_err err = { "" };
	char cwd[PATH_MAX], project[PATH_MAX * 4 + 1];
	struct passwd *pw;
	int code;

	errno = 0;
	pw = getpwnam(o->session_owner);
	if (!pw)
		errx(EXIT_REFUSED, "--session %s: no such user", o->session_owner);
	req.caller_uid = pw->pw_uid;
	if (!req.dir) {
		if (!getcwd(cwd, sizeof(cwd)))
			errx(EXIT_OWN_FAILURE, "cannot determine the current directory: %s",
			     strerror(errno));
		req.dir = cwd;
	}
	if (as_session_resolve(&req, &s, &err) < 0)
		errx(EXIT_REFUSED, "%s", err.msg);
	if (getuid() != s.agent_uid || geteuid() != s.agent_uid)
		errx(EXIT_REFUSED,
		     "--session %s: running as uid %u, not as %s (agent-shell starts this "
		     "with sudo -u %s)",
		     s.owner, (unsigned)getuid(), s.agent, s.agent);
	if (o->explain) {
		as_session_explain(&s, AS_SWITCH_SUDO, stdout);
		if (as_sandbox_plan(&sb, &s.policy, NULL, &err) < 0)
			errx(EXIT_REFUSED, "%s", err.msg);
		as_sandbox_explain(&sb, stdout);
		exit(fflush(stdout) == 0 ? 0 : EXIT_OWN_FAILURE);
	}
	if (chdir(s.dir) < 0)
		errx(EXIT_OWN_FAILURE, "cannot enter %s as %s: %s (agent-admin check %s)", s.dir,
		     s.agent, strerror(errno), s.owner);
	code = as_session_command(&s, o->cmd, &cmd, &err);
	if (code)
		errx(code, "%s", err.msg);
	if (as_session_env(&s, sources, AS_ARRAY_SIZE(sources), &env, &err) < 0)
		errx(EXIT_OWN_FAILURE, "%s", err.msg);
	if (as_sandbox_prepare(&sb, &s.policy, NULL, &err) < 0)
		errx(EXIT_REFUSED, "%s", err.msg);
	as_sandbox_warn(&sb, stderr);
	/* sudo logs the command; this line says which session it was.  No
	 * process stays behind to log the end (the helper path does). */
	as_escape(s.project, project, sizeof(project));
	openlog("agent-shell", LOG_PID, LOG_AUTHPRIV);
	syslog(LOG_AUTHPRIV | LOG_INFO,
	       "session start: owner=%s agent=%s project=%s profile=%s pid=%d switch=sudo", s.owner,
	       s.agent, project, s.profile, (int)getpid());
	closelog();
	code = as_sandbox_exec(&sb, cmd.path, cmd.argv, env.v, &err);
	errx(code, "%s", err.msg);
}

int main(int argc, char **argv)
{
	struct options o;
	struct as_policy pol;
	struct as_sandbox sb;
	struct as_strv env = { 0 };
	struct as_err err = { "" };
	char *path = NULL;
	int code;

	/* errx(3) names the program by this, not by argv[0], which the
	 * caller chooses (and which may be empty). */
	program_invocation_short_name = (char *)prog;
	if (argc < 1 || !argv[0])
		errx(EXIT_USAGE, "called without argv[0]");
	parse_args(argc, argv, &o);
	if (o.session_owner)
		run_session(&o);
	load_policy(&o, &pol);

	if (o.cmd) {
		/* Looked up now, before any restriction, in the caller's PATH;
		 * the exec that follows needs no search. */
		const char *search = getenv("PATH");

		path = as_resolve_command(o.cmd[0], search && *search ? search : DEFAULT_PATH,
					  &code);
		if (code == EXIT_NOT_FOUND)
			errx(code, "%s: command not found", o.cmd[0]);
		if (code == EXIT_CANNOT_EXEC)
			errx(code, "%s: permission denied", o.cmd[0]);
		if (!path)
			errx(EXIT_OWN_FAILURE, "out of memory");
	}

	if (as_sandbox_prepare(&sb, &pol, &o.sandbox, &err) < 0)
		errx(EXIT_REFUSED, "%s", err.msg);

	if (o.explain) {
		as_sandbox_explain(&sb, stdout);
		if (o.cmd) {
			printf("command: %s", path);
			for (char **a = o.cmd + 1; *a; a++)
				printf(" %s", *a);
			putchar('\n');
		}
		code = fflush(stdout) == 0 ? 0 : EXIT_OWN_FAILURE;
		as_sandbox_free(&sb);
		as_policy_free(&pol);
		free(path);
		return code;
	}

	/* Say once, on stderr, what this kernel cannot enforce. */
	as_sandbox_warn(&sb, stderr);

	if (as_env_build(&pol, environ, &env, &err) < 0)
		errx(EXIT_OWN_FAILURE, "%s", err.msg);

	code = as_sandbox_exec(&sb, path, o.cmd, env.v, &err);
	errx(code, "%s", err.msg);
}
