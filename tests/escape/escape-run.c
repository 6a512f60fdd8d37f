/* SPDX-License-Identifier: MIT */
/*
 * escape-run: test-only driver for the layer-ablation matrix
 * (tests/escape/matrix.sh).  Never installed, never setuid: it must be
 * started by root, and it builds an agent-shell session's state with
 * chosen layers left out, then execs CMD.
 *
 *   escape-run --owner NAME --agent NAME --profile FILE --project DIR
 *              [--off LAYER]... -- CMD [ARG]...
 *
 * LAYER is one of uid, caps, nnp, landlock, seccomp:
 *   uid       run as the owner instead of the agent account
 *   caps      keep the bounding set (the helper empties it) and the
 *             inheritable set; the uid change itself still clears the
 *             permitted and effective sets, as it does for the helper
 *   nnp       no no_new_privs
 *   landlock  no Landlock domain
 *   seccomp   no seccomp filter
 *
 * Why a root driver and not agent-sandbox --test-ablate: an unprivileged
 * process can only install Landlock and seccomp under no_new_privs
 * (landlock_restrict_self(2), seccomp(2): "or CAP_SYS_ADMIN"), so
 * "everything but no_new_privs" cannot be built by the agent itself.  Here
 * root installs Landlock and seccomp while it still holds CAP_SYS_ADMIN,
 * and only then switches to the target uid, exactly as the helper would if
 * it loaded the sandbox before the switch.  The resulting process (uid,
 * capability sets, no_new_privs flag, Landlock domain, seccomp filter) is
 * the session's, minus the layers named.  The helper itself never takes an
 * ablation switch (tests/escape/escape.bats checks that).
 *
 * The policy is the profile FILE with @project = DIR, @home = the AGENT's
 * home and @tmp = /tmp, as the helper resolves it, whoever runs.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caps.h"
#include "identity.h"
#include "profile.h"
#include "sandbox.h"

struct layers {
	bool uid, caps, nnp, landlock, seccomp;
};

static void turn_off(struct layers *on, const char *name)
{
	if (strcmp(name, "uid") == 0)
		on->uid = false;
	else if (strcmp(name, "caps") == 0)
		on->caps = false;
	else if (strcmp(name, "nnp") == 0)
		on->nnp = false;
	else if (strcmp(name, "landlock") == 0)
		on->landlock = false;
	else if (strcmp(name, "seccomp") == 0)
		on->seccomp = false;
	else
		errx(2, "--off: unknown layer '%s' (uid, caps, nnp, landlock, seccomp)", name);
}

static struct passwd *copy_pw(const char *name)
{
	struct passwd *pw = getpwnam(name), *c;

	if (!pw)
		errx(2, "no user '%s'", name);
	c = calloc(1, sizeof(*c));
	if (!c)
		errx(125, "out of memory");
	*c = *pw;
	c->pw_name = strdup(pw->pw_name);
	c->pw_dir = strdup(pw->pw_dir);
	if (!c->pw_name || !c->pw_dir)
		errx(125, "out of memory");
	return c;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "owner", required_argument, NULL, 'o' },
		{ "agent", required_argument, NULL, 'a' },
		{ "profile", required_argument, NULL, 'p' },
		{ "project", required_argument, NULL, 'C' },
		{ "off", required_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	struct layers on = { true, true, true, true, true };
	const char *owner = NULL, *agent = NULL, *profile = NULL, *project = NULL;
	struct passwd *apw, *target;
	struct as_profile_opts popts = { 0 };
	struct as_sandbox_opts sopts = { 0 };
	struct as_policy pol;
	struct as_sandbox sb;
	struct as_err e = { "" };
	char home[4096 + 8];
	char *env[] = { (char *)"PATH=/usr/bin:/bin", home, (char *)"LANG=C", (char *)"TERM=dumb",
			NULL };
	int c;

	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		/* clang-format off */
		case 'o': owner = optarg; break;
		case 'a': agent = optarg; break;
		case 'p': profile = optarg; break;
		case 'C': project = optarg; break;
		case 'x': turn_off(&on, optarg); break;
		default: errx(2, "usage: see the comment at the top of escape-run.c");
			/* clang-format on */
		}
	}
	if (!owner || !agent || !profile || !project || optind >= argc || argv[optind][0] != '/')
		errx(2,
		     "usage: escape-run --owner O --agent A --profile FILE --project DIR [--off L]... -- /ABS/CMD [ARG]...");
	if (geteuid() != 0)
		errx(2, "must be run by root (it switches to the target user itself)");

	apw = copy_pw(agent);
	target = on.uid ? apw : copy_pw(owner);
	if (chdir(project) < 0)
		err(125, "chdir %s", project);

	/* include = NAME is looked up beside FILE, so the matrix never
	 * depends on what is installed. */
	char *dir = strdup(profile), *slash = dir ? strrchr(dir, '/') : NULL;
	const char *dirs[2] = { dir, NULL };

	if (!slash)
		errx(2, "--profile needs a path with a directory");
	*slash = '\0';
	popts.search_dirs = dirs;
	popts.trust = AS_TRUST_ANY;
	popts.vars.project = project;
	popts.vars.home = apw->pw_dir;
	popts.vars.tmp = "/tmp";
	as_policy_init(&pol);
	if (as_profile_load_file(&pol, profile, &popts, &e) < 0)
		errx(1, "%s", e.msg);

	/* The helper empties the bounding set while it is still root. */
	if (on.caps && as_caps_clear_bounding(&e) < 0)
		errx(125, "%s", e.msg);

	/* The sandbox stage, run while root: capabilities are handled by the
	 * uid switch below, as in the helper. */
	sopts.skip_caps = true;
	sopts.skip_nnp = !on.nnp;
	sopts.skip_landlock = !on.landlock;
	sopts.skip_seccomp = !on.seccomp;
	if (as_sandbox_prepare(&sb, &pol, &sopts, &e) < 0)
		errx(1, "%s", e.msg);
	if (as_sandbox_enter(&sb, &e) < 0)
		errx(125, "%s", e.msg);

	/* The switch the helper makes (lib/identity.c).  All three uids
	 * non-zero: the kernel clears the permitted, effective and ambient
	 * sets (capabilities(7)) unless the securebits set above keep them,
	 * which the helper's AS_IDENTITY_DROP_CAPS then clears. */
	if (as_identity_switch(target->pw_name, target->pw_uid, target->pw_gid,
			       on.caps ? AS_IDENTITY_DROP_CAPS : 0, &e) < 0)
		errx(125, "%s", e.msg);

	snprintf(home, sizeof(home), "HOME=%s", apw->pw_dir);
	execve(argv[optind], &argv[optind], env);
	err(127, "%s", argv[optind]);
}
