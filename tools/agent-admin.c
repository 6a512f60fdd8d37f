/* SPDX-License-Identifier: MIT */
/*
 * agent-admin: provisions agent accounts and shares project directories
 * between a developer and their agent (DESIGN.md, "Commands").
 *
 *   main: --help/--version (no privilege) -> parse the subcommand's options
 *         (usage errors exit 2) -> must be root -> lock -> subcommand.
 *
 * This file is main, the table of subcommands and their option parsing.
 * The subcommands (each "int cmd_NAME(ctx, opts)", admin.h):
 *
 *   add, set, remove, list   admin-account.c
 *   grant, revoke            admin-grant.c
 *   apply                    admin-plan.c (its file grammar: admin-apply.c)
 *   check                    admin-check.c, admin-exposure.c
 *   egress                   admin-egress.c
 *   harden                   admin-harden.c
 *
 * and what they share (messages, NSS lookups, running tools, the
 * registry) is in admin-common.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "account.h"
#include "admin.h"

/* ---- options --------------------------------------------------------- */

enum {
	OPT_ACCOUNT = 1u << 0,
	OPT_PROFILE = 1u << 1,
	OPT_HOME = 1u << 2,
	OPT_READ_ONLY = 1u << 3,
	OPT_ALLOW_VAR = 1u << 4,
	OPT_KEEP_HOME = 1u << 5,
	OPT_JSON = 1u << 6,
	OPT_DRY_RUN = 1u << 7,
	OPT_SUDO = 1u << 8,
	OPT_PROFILES = 1u << 9,
	OPT_UNDO = 1u << 10,
	OPT_USERNS = 1u << 11,
};

/* ---- the lock -------------------------------------------------------- */

/* Serializes agent-admin runs: flock on a root-owned file in /run.  The
 * fd stays open (close-on-exec) until we exit; the kernel drops the lock
 * when we die, however we die.  Returns the fd, or -1 after printing why. */
static int take_lock(const char *path)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	struct stat st;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0) {
		admin_fail("%s: cannot open the lock file: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0) {
		close(fd);
		admin_fail("%s: not a root-owned regular file; refusing to use it as the lock",
			   path);
		return -1;
	}
	/* Quietly for a second, then say why we are waiting. */
	for (int i = 0; i < 50; i++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR)
			goto fail;
		nanosleep(&pause, NULL);
	}
	fprintf(stderr, "%s: waiting for another agent-admin to finish (lock %s)\n", ADMIN_PROG,
		path);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			goto fail;
	return fd;
fail:
	admin_fail("%s: cannot lock: %s", path, strerror(errno));
	close(fd);
	return -1;
}

/* ---- main ------------------------------------------------------------ */

struct command {
	const char *name;
	int min_pos, max_pos;
	unsigned options;
	int (*run)(const struct admin_ctx *ctx, const struct admin_opts *o);
	const char *synopsis;
	/* Without run (egress alone): parses its own arguments, after the
	 * privilege check. */
	int (*own)(const struct admin_ctx *ctx, int argc, char **argv);
};

static const struct command commands[] = {
	{ "add", 1, 1, OPT_ACCOUNT | OPT_PROFILE | OPT_PROFILES | OPT_HOME | OPT_SUDO, cmd_add,
	  "add OWNER [--account NAME] [--profile P] [--profiles LIST] [--home DIR] [--sudo]" },
	{ "set", 1, 1, OPT_PROFILE | OPT_PROFILES, cmd_set,
	  "set OWNER [--profile P] [--profiles LIST|all]" },
	{ "grant", 2, 2, OPT_READ_ONLY | OPT_ALLOW_VAR, cmd_grant,
	  "grant OWNER DIR [--read-only] [--allow-var]" },
	{ "revoke", 2, 2, 0, cmd_revoke, "revoke OWNER DIR" },
	{ "remove", 1, 1, OPT_KEEP_HOME, cmd_remove, "remove OWNER [--keep-home]" },
	{ "list", 0, 0, OPT_JSON, cmd_list, "list [--json]" },
	{ "check", 0, 1, OPT_JSON, cmd_check, "check [OWNER] [--json]" },
	{ "egress", 0, 0, 0, NULL,
	  "egress OWNER [allow SPEC...|remove SPEC...|open|restrict|log] | egress --load",
	  admin_egress },
	{ "apply", 1, 1, OPT_DRY_RUN, cmd_apply, "apply FILE [--dry-run]" },
	{ "harden", 0, 0, OPT_UNDO | OPT_USERNS, cmd_harden, "harden [--userns] | harden --undo" },
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s COMMAND [ARGS]\n"
		"Provisions agent accounts and shares project directories with them (root only).\n\n",
		ADMIN_PROG);
	for (size_t i = 0; i < AS_ARRAY_SIZE(commands); i++)
		fprintf(out, "  %s %s\n", ADMIN_PROG, commands[i].synopsis);
	fprintf(out,
		"\n  %s --help | --version\n\n"
		"Registry: %s/OWNER.conf   Lock: %s\n"
		"See agent-admin(8) and docs/agent-admin.md.\n",
		ADMIN_PROG, AS_REGISTRYDIR, AS_LOCKFILE);
}

static int parse_command(const struct command *c, int argc, char **argv, struct admin_opts *o)
{
	static const struct option longopts[] = {
		{ "account", required_argument, NULL, 'a' },
		{ "profile", required_argument, NULL, 'p' },
		{ "profiles", required_argument, NULL, 'P' },
		{ "home", required_argument, NULL, 'H' },
		{ "read-only", no_argument, NULL, 'r' },
		{ "allow-var", no_argument, NULL, 'V' },
		{ "keep-home", no_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "sudo", no_argument, NULL, 's' },
		{ "undo", no_argument, NULL, 'u' },
		{ "userns", no_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct admin_shown s;
	int ch, li;

	memset(o, 0, sizeof(*o));
	optind = 0;
	opterr = 0;
	/* '-': arguments come back in order (as 1), so options may follow
	 * them ("grant alice DIR --read-only") whatever POSIXLY_CORRECT says;
	 * ':': a missing value is reported as such. */
	while ((li = -1, ch = getopt_long(argc, argv, "-:h", longopts, &li)) != -1) {
		unsigned need = 0;

		switch (ch) {
		case 1:
			if (o->npos >= c->max_pos)
				return admin_usage("%s: unexpected argument '%s'", c->name,
						   admin_show(&s, optarg));
			o->pos[o->npos++] = optarg;
			continue;
		/* clang-format off */
		case 'a': need = OPT_ACCOUNT; o->account = optarg; break;
		case 'p': need = OPT_PROFILE; o->profile = optarg; break;
		case 'P': need = OPT_PROFILES; o->profiles = optarg; break;
		case 'H': need = OPT_HOME; o->home = optarg; break;
		case 'r': need = OPT_READ_ONLY; o->read_only = true; break;
		case 'V': need = OPT_ALLOW_VAR; o->allow_var = true; break;
		case 'k': need = OPT_KEEP_HOME; o->keep_home = true; break;
		case 'j': need = OPT_JSON; o->json = true; break;
		case 'n': need = OPT_DRY_RUN; o->dry_run = true; break;
		case 's': need = OPT_SUDO; o->sudo = true; break;
		case 'u': need = OPT_UNDO; o->undo = true; break;
		case 'U': need = OPT_USERNS; o->userns = true; break;
		/* clang-format on */
		case 'h':
			printf("Usage: %s %s\n", ADMIN_PROG, c->synopsis);
			exit(ADMIN_EXIT_OK);
		case ':':
			return admin_usage("%s: option '%s' needs a value", c->name,
					   admin_show(&s, argv[optind - 1]));
		default:
			return admin_usage("%s: unknown option '%s'", c->name,
					   admin_show(&s, argv[optind - 1]));
		}
		if (!(c->options & need))
			return admin_usage("%s: option '--%s' does not apply here", c->name,
					   li >= 0 ? longopts[li].name : "?");
	}
	/* After "--", the rest are arguments. */
	for (; optind < argc; optind++) {
		if (o->npos >= c->max_pos)
			return admin_usage("%s: unexpected argument '%s'", c->name,
					   admin_show(&s, argv[optind]));
		o->pos[o->npos++] = argv[optind];
	}
	if (o->npos < c->min_pos)
		return admin_usage("%s: missing argument; usage: %s %s", c->name, ADMIN_PROG,
				   c->synopsis);
	return 0;
}

int main(int argc, char **argv)
{
	struct admin_ctx ctx = {
		.regdir = AS_REGISTRYDIR,
		.lockfile = AS_LOCKFILE,
		.out = stdout,
	};
	const struct command *c = NULL;
	struct admin_opts o;
	int lockfd, rc;

	/* Nothing inherited beyond stdio reaches the tools we run. */
	closefrom(STDERR_FILENO + 1);
	umask(022);

	if (argc < 2)
		return admin_usage("no command given");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return ADMIN_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("%s %s\n", ADMIN_PROG, AS_VERSION);
		return ADMIN_EXIT_OK;
	}
	for (size_t i = 0; i < AS_ARRAY_SIZE(commands); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			c = &commands[i];
	if (!c) {
		struct admin_shown s;

		if (argv[1][0] == '-')
			return admin_usage("unknown option '%s'", admin_show(&s, argv[1]));
		return admin_usage("unknown command '%s'", admin_show(&s, argv[1]));
	}
	/* Arguments are parsed before privilege is even looked at. */
	if (c->run) {
		rc = parse_command(c, argc - 1, argv + 1, &o);
		if (rc)
			return rc;
	} else {
		/* egress parses its own arguments (after the privilege
		 * check); only its --help must work for anyone. */
		for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++) {
			if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
				printf("Usage: %s %s\n", ADMIN_PROG, c->synopsis);
				return ADMIN_EXIT_OK;
			}
		}
	}

	if (getuid() != 0 || geteuid() != 0)
		return admin_fail("must be run as root");
	ctx.uid_min = as_uid_min();
	lockfd = take_lock(ctx.lockfile);
	if (lockfd < 0)
		return ADMIN_EXIT_FAIL;
	if (c->run) {
		rc = c->run(&ctx, &o);
	} else {
		optind = 0;
		rc = c->own(&ctx, argc - 1, argv + 1);
	}
	if (fflush(stdout) != 0 && rc == ADMIN_EXIT_OK)
		rc = admin_fail("stdout: %s", strerror(errno));
	close(lockfd);
	return rc;
}
