/* SPDX-License-Identifier: MIT */
#include "sandbox.h"

#include <errno.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caps.h"
#include "command.h"

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

static int collect_notes(struct as_sandbox *sb, struct as_err *err)
{
	for (size_t i = 0; i < sb->ll.n_paths; i++) {
		const struct as_landlock_path *p = &sb->ll.paths[i];
		char where[512], *line;

		if (!p->refused)
			continue;
		as_origin_format(p->rule->origin, where, sizeof(where));
		if (asprintf(&line, "landlock rule %s (from %s) skipped: %s", p->rule->path, where,
			     p->refused) < 0)
			return as_fail(err, -ENOMEM, "out of memory");
		if (as_strv_push_take(&sb->notes, line) < 0)
			return as_fail(err, -ENOMEM, "out of memory");
	}
	return 0;
}

static int plan(struct as_sandbox *sb, const struct as_policy *pol,
		const struct as_sandbox_opts *opts, bool build, struct as_err *err)
{
	int abi;
	int r;

	memset(sb, 0, sizeof(*sb));
	sb->pol = pol;
	sb->ruleset_fd = -1;
	if (opts)
		sb->opts = *opts;
	/* The test-only switches lower protection for the caller alone; a
	 * process started setuid or setgid (AT_SECURE) never honours them,
	 * whatever path led here. */
	if (getauxval(AT_SECURE) &&
	    (sb->opts.skip_caps || sb->opts.skip_nnp || sb->opts.skip_landlock ||
	     sb->opts.skip_seccomp || sb->opts.landlock_abi_max > 0))
		return as_fail(err, -EPERM,
			       "test-only switches are refused in a setuid or setgid process");

	/* Everything that can fail on bad input happens here, before the
	 * first restriction, so a bad profile never half-applies. */
	sb->kernel_abi = as_landlock_probe();
	abi = sb->kernel_abi;
	if (sb->opts.landlock_abi_max > 0 && abi > sb->opts.landlock_abi_max)
		abi = sb->opts.landlock_abi_max;
	if (!sb->opts.skip_landlock) {
		r = as_landlock_plan(pol, abi, &sb->ll, err);
		if (r < 0)
			return r;
		if (build) {
			r = as_landlock_build(&sb->ll, err);
			if (r < -1)
				return r;
			sb->ruleset_fd = r;
			r = collect_notes(sb, err);
			if (r < 0)
				return r;
		}
	}
	if (!sb->opts.skip_seccomp) {
		r = as_seccomp_build(pol, &sb->sc, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int as_sandbox_prepare(struct as_sandbox *sb, const struct as_policy *pol,
		       const struct as_sandbox_opts *opts, struct as_err *err)
{
	return plan(sb, pol, opts, true, err);
}

int as_sandbox_plan(struct as_sandbox *sb, const struct as_policy *pol,
		    const struct as_sandbox_opts *opts, struct as_err *err)
{
	return plan(sb, pol, opts, false, err);
}

static int apply_rlimits(const struct as_policy *pol, struct as_err *err)
{
	for (int res = 0; res < RLIM_NLIMITS; res++) {
		const struct as_rlimit_rule *rl = &pol->rlimits[res];
		struct rlimit cur, want;

		if (!rl->set)
			continue;
		if (getrlimit(res, &cur) < 0)
			return as_fail(err, -errno, "getrlimit %s: %s", as_rlimit_name(res),
				       strerror(errno));
		/* Only ever lower a limit: an unprivileged process cannot raise
		 * its hard limit, and a profile must not widen one either. */
		want.rlim_max = rl->value < cur.rlim_max ? rl->value : cur.rlim_max;
		want.rlim_cur = want.rlim_max;
		if (setrlimit(res, &want) < 0)
			return as_fail(err, -errno, "setrlimit %s: %s", as_rlimit_name(res),
				       strerror(errno));
	}
	return 0;
}

int as_sandbox_enter(struct as_sandbox *sb, struct as_err *err)
{
	int r;

#ifdef __SANITIZE_ADDRESS__
	/* Sanitizer build only: look for leaks now.  LeakSanitizer stops the
	 * process with ptrace, which seccomp denies below, so the check at
	 * exit (after a failed exec) would abort with "LeakSanitizer has
	 * encountered a fatal error"; once run, that exit check is skipped. */
	__lsan_do_leak_check();
#endif

	/* 1. Resource limits first: they bound everything that follows. */
	r = apply_rlimits(sb->pol, err);
	if (r < 0)
		return r;

	/* Files the command creates stay private to the account and the
	 * project's ACL group class (DESIGN.md: umask 007). */
	umask(007);

	/* 2. Capabilities: nothing effective, permitted, inheritable or
	 * ambient; the bounding set too when we hold CAP_SETPCAP. */
	if (!sb->opts.skip_caps) {
		r = as_caps_drop_all(err);
		if (r < 0)
			return r;
	}

	/* 3. no_new_privs: setuid and file-capability binaries give nothing,
	 * and it is what lets an unprivileged process use Landlock and
	 * seccomp at all (prctl(2), PR_SET_NO_NEW_PRIVS). */
	if (!sb->opts.skip_nnp) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			return as_fail(err, -errno, "cannot set no_new_privs: %s", strerror(errno));
		if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
			return as_fail(err, -EPERM, "no_new_privs did not stick");
	}

	/* 4. Landlock: the ruleset was built in prepare; this only enforces. */
	if (sb->ruleset_fd >= 0) {
		r = as_landlock_enforce(sb->ruleset_fd, &sb->ll, err);
		sb->ruleset_fd = -1;
		if (r < 0)
			return r;
	}

	/* 5. seccomp last: earlier steps may need syscalls it denies
	 * (prctl, landlock_restrict_self), and after it the setup must not
	 * depend on anything else (minijail: "seccomp has to come last"). */
	if (sb->sc) {
		r = as_seccomp_load(sb->sc, err);
		if (r < 0)
			return r;
	}
	return 0;
}

void as_sandbox_warn(const struct as_sandbox *sb, FILE *out)
{
	for (size_t i = 0; i < sb->ll.dropped.n; i++)
		fprintf(out, "%s: warning: not enforced on this kernel: %s\n",
			program_invocation_short_name, sb->ll.dropped.v[i]);
	for (size_t i = 0; i < sb->notes.n; i++)
		fprintf(out, "%s: warning: %s\n", program_invocation_short_name, sb->notes.v[i]);
}

int as_sandbox_exec(struct as_sandbox *sb, const char *path, char *const argv[], char *const envp[],
		    struct as_err *err)
{
	static char *const no_env[] = { NULL };
	int e;

	if (as_sandbox_enter(sb, err) < 0)
		return AS_EXIT_OWN_FAILURE;
	execve(path, argv, envp ? envp : no_env);
	e = errno;
	/* Landlock refuses an exec outside the exec rules with EACCES. */
	as_err_set(err, "%s: %s%s", path, strerror(e),
		   e == EACCES ? " (is it beneath an exec rule? see --explain)" : "");
	return e == ENOENT ? AS_EXIT_NOT_FOUND : AS_EXIT_CANNOT_EXEC;
}

void as_sandbox_free(struct as_sandbox *sb)
{
	if (sb->ruleset_fd >= 0)
		close(sb->ruleset_fd);
	sb->ruleset_fd = -1;
	as_landlock_plan_free(&sb->ll);
	as_strv_free(&sb->notes);
	as_seccomp_free(sb->sc);
	sb->sc = NULL;
}

static void explain_limits(const struct as_policy *pol, FILE *out)
{
	bool any = false;

	for (int res = 0; res < RLIM_NLIMITS; res++) {
		const struct as_rlimit_rule *rl = &pol->rlimits[res];
		char where[256];

		if (!rl->set)
			continue;
		as_origin_format(rl->origin, where, sizeof(where));
		if (rl->value == RLIM_INFINITY)
			fprintf(out, "limits: %s = unlimited (from %s)\n", as_rlimit_name(res),
				where);
		else
			fprintf(out, "limits: %s = %llu (from %s)\n", as_rlimit_name(res),
				(unsigned long long)rl->value, where);
		any = true;
	}
	if (!any)
		fprintf(out, "limits: inherited (the profile sets none)\n");
	fprintf(out, "limits: umask 007\n");
}

static void explain_env(const struct as_policy *pol, FILE *out)
{
	for (size_t i = 0; i < pol->env_pass.n; i++)
		fprintf(out, "environment: pass %s\n", pol->env_pass.v[i]);
	for (size_t i = 0; i < pol->env_set.n; i++)
		fprintf(out, "environment: set %s\n", pol->env_set.v[i]);
	fprintf(out, "environment: everything else is dropped\n");
}

void as_sandbox_explain(const struct as_sandbox *sb, FILE *out)
{
	const struct as_policy *pol = sb->pol;

	fprintf(out, "profile: %s\n", pol->name ? pol->name : "(none)");
	if (pol->description)
		fprintf(out, "profile: %s\n", pol->description);
	for (size_t i = 0; i < pol->sources.n; i++)
		fprintf(out, "profile: read %s\n", pol->sources.v[i]);
	if (sb->kernel_abi > 0)
		fprintf(out, "kernel: Landlock ABI %d\n", sb->kernel_abi);
	else if (sb->kernel_abi == -EOPNOTSUPP)
		fprintf(out, "kernel: Landlock built in but disabled at boot (not in lsm=)\n");
	else
		fprintf(out, "kernel: no Landlock (not built into this kernel)\n");
	if (sb->opts.landlock_abi_max > 0)
		fprintf(out, "kernel: planning for at most Landlock ABI %d (--test-landlock-abi)\n",
			sb->opts.landlock_abi_max);

	explain_limits(pol, out);
	fprintf(out, "capabilities: %s\n",
		sb->opts.skip_caps ?
			"NOT DROPPED (ablation switch)" :
			"none effective, permitted, inheritable or ambient; bounding set emptied when privileged");
	fprintf(out, "no_new_privs: %s\n", sb->opts.skip_nnp ? "NOT SET (ablation switch)" : "on");
	if (sb->opts.skip_landlock)
		fprintf(out, "landlock: OFF (ablation switch)\n");
	else
		as_landlock_explain(&sb->ll, out);
	if (sb->opts.skip_seccomp)
		fprintf(out, "seccomp: OFF (ablation switch)\n");
	else
		as_seccomp_explain(pol, out);
	explain_env(pol, out);
}
