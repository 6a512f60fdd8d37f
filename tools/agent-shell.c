/* SPDX-License-Identifier: MIT */
/*
 * agent-shell: the developer's entry into their agent account.
 *
 *   agent-shell [-p PROFILE] [-C DIR] [--explain] [-- CMD [ARG]...]
 *
 * Unprivileged.  It finds the project directory (DIR or the current one)
 * and hands over to the setuid helper at its compiled-in path, which checks
 * everything again from scratch: nothing this program decides is trusted.
 * --explain resolves the session with the same library code the helper
 * uses and prints the policy, switching nothing.
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
#include <unistd.h>

#include "config.h"
#include "profile.h"
#include "sandbox.h"
#include "session.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE 2
#define EXIT_OWN_FAILURE 125

static const char prog[] = "agent-shell";

struct options {
	const char *profile;
	const char *dir;
	bool explain;
	char **cmd;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s [-p PROFILE] [-C DIR] [--explain] [-- CMD [ARG]...]\n"
		"\n"
		"Open a shell, or run CMD, as your agent account in a granted project,\n"
		"under Landlock, seccomp, no_new_privs and no capabilities.\n"
		"\n"
		"  -p, --profile NAME   sandbox profile (default: your registry default, else 'default')\n"
		"  -C, --chdir DIR      project directory (default: the current directory)\n"
		"      --explain        print the effective policy and exit\n"
		"  -h, --help           show this help\n"
		"  -V, --version        show the version\n"
		"\n"
		"Exit status: CMD's; 1 refused; 2 usage; 125 own failure;\n"
		"126 cannot execute; 127 not found.  See agent-shell(1).\n",
		prog);
}

static void parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "chdir", required_argument, NULL, 'C' },
		{ "explain", no_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:p:C:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!as_profile_name_valid(optarg))
				errx(EXIT_USAGE, "'%s' is not a valid profile name", optarg);
			o->profile = optarg;
			break;
		case 'C':
			o->dir = optarg;
			break;
		case 'E':
			o->explain = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("%s %s\n", prog, AS_VERSION);
			exit(0);
		case ':':
			errx(EXIT_USAGE, "option '%s' needs an argument (see --help)", argv[optind - 1]);
		default:
			if (optopt)
				errx(EXIT_USAGE, "unknown option '-%c' (see --help)", optopt);
			errx(EXIT_USAGE, "unknown option '%s' (see --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		o->cmd = &argv[optind];
}

/* The project directory as an absolute, symlink-free path, resolved with
 * the caller's own rights. */
static char *project_dir(const char *dir)
{
	char canon[PATH_MAX];

	if (!realpath(dir ? dir : ".", canon))
		errx(EXIT_REFUSED, "%s: %s", dir ? dir : "current directory", strerror(errno));
	return strdup(canon);
}

static int explain(const struct options *o, const char *dir)
{
	struct as_session_request req = {
		.caller_uid = getuid(),
		.dir = dir,
		.profile = o->profile,
		.registry_dir = AS_REGISTRYDIR,
	};
	struct as_session s;
	struct as_sandbox sb;
	struct as_err err = { "" };

	if (as_session_resolve(&req, &s, &err) < 0)
		errx(EXIT_REFUSED, "%s", err.msg);
	printf("session: owner %s (uid %u)\n", s.owner, (unsigned)s.owner_uid);
	printf("session: agent %s (uid %u, home %s, shell %s)\n", s.agent, (unsigned)s.agent_uid,
	       s.agent_home, s.agent_shell);
	printf("session: project %s%s\n", s.project, s.project_read_only ? " (read-only grant)" : "");
	printf("session: directory %s\n", s.dir);
	printf("session: switch by %s (PAM service %s in %s)\n", AS_HELPER_PATH, AS_PAM_SERVICE,
	       AS_PAM_CONFDIR);
	if (as_sandbox_plan(&sb, &s.policy, NULL, &err) < 0)
		errx(EXIT_REFUSED, "%s", err.msg);
	as_sandbox_explain(&sb, stdout);
	if (o->cmd) {
		printf("command:");
		for (char **a = o->cmd; *a; a++)
			printf(" %s", *a);
		putchar('\n');
	} else {
		printf("command: login shell %s\n", s.agent_shell);
	}
	as_sandbox_free(&sb);
	as_session_free(&s);
	return fflush(stdout) == 0 ? 0 : EXIT_OWN_FAILURE;
}

int main(int argc, char **argv)
{
	struct options o;
	char **hargv;
	size_t n = 0, ncmd = 0;
	char *dir;

	/* errx(3) names the program by this, not by argv[0], which the
	 * caller chooses (and which may be empty). */
	program_invocation_short_name = (char *)prog;
	if (argc < 1 || !argv[0])
		errx(EXIT_USAGE, "called without argv[0]");
	parse_args(argc, argv, &o);
	dir = project_dir(o.dir);
	if (!dir)
		errx(EXIT_OWN_FAILURE, "out of memory");
	if (o.explain) {
		int r = explain(&o, dir);

		free(dir);
		return r;
	}

	for (char **a = o.cmd; a && *a; a++)
		ncmd++;
	hargv = calloc(ncmd + 8, sizeof(*hargv));
	if (!hargv)
		errx(EXIT_OWN_FAILURE, "out of memory");
	hargv[n++] = (char *)"agent-shell-helper";
	hargv[n++] = (char *)"-C";
	hargv[n++] = dir;
	if (o.profile) {
		hargv[n++] = (char *)"-p";
		hargv[n++] = (char *)o.profile;
	}
	hargv[n++] = (char *)"--";
	for (size_t i = 0; i < ncmd; i++)
		hargv[n++] = o.cmd[i];
	hargv[n] = NULL;

	/* A fixed, absolute path: no PATH lookup reaches the privileged side. */
	execv(AS_HELPER_PATH, hargv);
	int e = errno;
	struct passwd *pw = getpwuid(getuid());

	free(hargv);
	free(dir);

	if (e == EACCES)
		errx(EXIT_REFUSED, "%s: %s (only members of %s may use it; an admin runs: agent-admin add %s)",
		    AS_HELPER_PATH, strerror(e), AS_USERS_GROUP, pw ? pw->pw_name : "USER");
	errx(EXIT_OWN_FAILURE, "%s: %s", AS_HELPER_PATH, strerror(e));
}
