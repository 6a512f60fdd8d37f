/* SPDX-License-Identifier: MIT */
/*
 * agent-shell: the developer's entry into their agent account.
 *
 *   agent-shell [-p PROFILE] [-C DIR] [--explain] [-- CMD [ARG]...]
 *
 * Unprivileged.  It finds the project directory (DIR or the current one)
 * and hands over to the setuid helper at its compiled-in path, which checks
 * everything again from scratch: nothing this program decides is trusted.
 * On sites with "switch = sudo" (agent-shell.conf) it runs instead
 *   sudo -u AGENT -- agent-sandbox --session OWNER -C DIR [-p P] -- CMD...
 * where the sudoers drop-in of agent-admin add --sudo is the authorization
 * and agent-sandbox, already the agent, resolves the session again.
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
#include "egress-lists.h"
#include "gitmeta.h"
#include "profile.h"
#include "sandbox.h"
#include "session.h"
#include "siteconf.h"

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

static void resolve(const struct options *o, const char *dir, struct as_session *s)
{
	struct as_session_request req = {
		.caller_uid = getuid(),
		.dir = dir,
		.profile = o->profile,
		.registry_dir = AS_REGISTRYDIR,
	};
	struct as_err err = { "" };

	if (as_session_resolve(&req, s, &err) < 0)
		errx(EXIT_REFUSED, "%s", err.msg);
}

/* What the helper's session namespace will do, counted without mounting
 * anything (we are the owner here, and these are the owner's trees). */
static void explain_namespace(const struct as_session *s)
{
	struct as_git_stats gs = { 0 };
	struct as_err err = { "" };

	printf("session: private /tmp and /var/tmp (an empty tmpfs each, discarded when the session ends)\n");
	printf("session: own PID and IPC namespaces (only the session's processes and IPC objects are "
	       "visible; every process of the session ends when its command exits)\n");
	printf("session: own terminal (a new pty, relayed to yours) when started from one\n");
	if (as_git_protect_grants(&s->reg, s->agent_uid, true, &gs, &err) < 0)
		printf("session: the session will not start: cannot protect the git metadata %s\n", err.msg);
	for (size_t j = 0; j < gs.notes.n; j++)
		printf("session: git metadata: not protected: %s\n", gs.notes.v[j]);
	printf("session: git metadata read-only (.git/config, .git/hooks, submodules, worktrees) in %u "
	       "repositories of the read-write grants\n", gs.repos);
	as_git_stats_free(&gs);
}

/* Layer 6: the lists and lines in force.  Whether the fence is loaded
 * needs CAP_NET_ADMIN to ask; the helper checks it at launch. */
static void explain_egress(const struct as_session *s)
{
	const struct as_reg_egress *eg = &s->reg.egress;
	struct as_strv lists = { 0 };
	struct as_err err = { "" };

	if (eg->open) {
		printf("egress: open: no fence for %s (agent-admin egress %s restrict puts it back)\n",
		       s->agent, s->owner);
		return;
	}
	printf("egress: restricted: %s reaches only these hosts (TCP and UDP; DNS answered only for "
	       "the names; everything else rejected, loopback and LAN included)\n", s->agent);
	if (as_egress_lists_in_force(eg, &lists, &err) < 0)
		printf("egress: lists: cannot be read: %s\n", err.msg);
	if (!eg->lists_set)
		printf("egress: lists: default (every shipped list)\n");
	for (size_t i = 0; i < lists.n; i++) {
		struct as_strv specs = { 0 };
		char path[PATH_MAX];

		if (as_egress_read_list(lists.v[i], &specs, path, sizeof(path), &err) < 0) {
			printf("egress: list @%s: not allowed: %s\n", lists.v[i], err.msg);
			continue;
		}
		printf("egress: list @%s (%s):", lists.v[i], path);
		for (size_t j = 0; j < specs.n; j++)
			printf(" %s", specs.v[j]);
		putchar('\n');
		as_strv_free(&specs);
	}
	as_strv_free(&lists);
	for (size_t i = 0; i < eg->allow.n; i++)
		printf("egress: allow %s\n", eg->allow.v[i]);
	printf("egress: a session starts only while the fence is loaded (agent-admin egress --load)\n");
}

/* What the sudo path cannot contain: making PID and IPC namespaces and
 * mounting need root (or a user namespace, which the sandbox's seccomp
 * filter denies), and the sandbox stage runs as the agent already. */
static void explain_sudo_containment(void)
{
	printf("session: sudo path: no PID or IPC namespace: the agent sees the host's processes, their "
	       "command lines and IPC objects, and processes it leaves behind keep running after the "
	       "session (they need the setuid helper's root)\n");
	printf("session: sudo path: /tmp and /var/tmp are the host's; the session's own terminal only "
	       "through sudo's use_pty (set for the sandbox stage by the sudoers drop-in)\n");
}

static int explain(const struct options *o, const char *dir, const struct as_site_conf *site)
{
	struct as_session s;
	struct as_sandbox sb;
	struct as_err err = { "" };

	resolve(o, dir, &s);
	as_session_explain(&s, site->switch_by, stdout);
	if (site->switch_by == AS_SWITCH_HELPER)
		explain_namespace(&s);
	else
		explain_sudo_containment();
	if (as_sandbox_plan(&sb, &s.policy, NULL, &err) < 0)
		errx(EXIT_REFUSED, "%s", err.msg);
	as_sandbox_explain(&sb, stdout);
	explain_egress(&s);
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

/* HEAD (NULL-terminated), then what both switch paths pass on to the
 * privileged side or the sandbox stage: -C DIR [-p PROFILE] -- CMD... */
static char **stage_argv(const char *const *head, const struct options *o, char *dir)
{
	size_t n = 0, nhead = 0, ncmd = 0;
	char **v;

	while (head[nhead])
		nhead++;
	for (char **a = o->cmd; a && *a; a++)
		ncmd++;
	v = calloc(nhead + ncmd + 6, sizeof(*v));
	if (!v)
		errx(EXIT_OWN_FAILURE, "out of memory");
	for (size_t i = 0; i < nhead; i++)
		v[n++] = (char *)head[i];
	v[n++] = (char *)"-C";
	v[n++] = dir;
	if (o->profile) {
		v[n++] = (char *)"-p";
		v[n++] = (char *)o->profile;
	}
	v[n++] = (char *)"--";
	for (size_t i = 0; i < ncmd; i++)
		v[n++] = o->cmd[i];
	v[n] = NULL;
	return v;
}

/* Sudo sites: sudo authorizes (the owner's drop-in) and switches; the
 * sandbox stage resolves the session again as the agent.  The agent's name
 * is looked up here only to tell sudo whom to become. */
__attribute__((noreturn))
static void exec_sudo(const struct options *o, char *dir)
{
	struct as_session s;

	resolve(o, dir, &s);
	const char *const head[] = {
		"sudo", "-u", s.agent, "--", AS_SANDBOX_PATH, "--session", s.owner, NULL,
	};
	execv(AS_SUDO_PATH, stage_argv(head, o, dir));
	errx(EXIT_OWN_FAILURE, "%s: %s (this site has switch = sudo in %s)",
	    AS_SUDO_PATH, strerror(errno), AS_SITE_CONF);
}

int main(int argc, char **argv)
{
	struct options o;
	struct as_site_conf site;
	struct as_err err = { "" };
	char **hargv;
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
	if (as_site_conf_load(&site, AS_SITE_CONF, &err) < 0)
		errx(EXIT_REFUSED, "%s", err.msg);
	if (o.explain) {
		int r = explain(&o, dir, &site);

		free(dir);
		return r;
	}
	if (site.switch_by == AS_SWITCH_SUDO)
		exec_sudo(&o, dir);

	hargv = stage_argv((const char *const[]){ "agent-shell-helper", NULL }, &o, dir);

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
