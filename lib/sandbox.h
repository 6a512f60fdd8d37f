/* SPDX-License-Identifier: MIT */
/*
 * The sandbox stage as a C API: prepare everything that can fail (open rule
 * paths, build the Landlock ruleset and the seccomp filter) while nothing is
 * restricted yet, then enter: rlimits -> umask -> capabilities ->
 * no_new_privs -> Landlock -> seccomp (last) -> exec (as_sandbox_exec).
 * agent-sandbox, the helper and agent frameworks (fork, enter, exec) share
 * this one code path.
 */
#ifndef AS_SANDBOX_H
#define AS_SANDBOX_H

#include <stdio.h>

#include "common.h"
#include "landlock.h"
#include "policy.h"
#include "seccomp.h"

struct as_sandbox_opts {
	/* > 0: plan for at most this Landlock ABI (tests simulate older
	 * kernels with it).  It can only lower protection. */
	int landlock_abi_max;
	/* Ablation switches for the defense-in-depth tests: each turns one
	 * layer off for the calling process only.  Never set on the helper's
	 * path. */
	bool skip_caps, skip_nnp, skip_landlock, skip_seccomp;
};

struct as_sandbox {
	const struct as_policy *pol;
	struct as_sandbox_opts opts;
	int kernel_abi; /* as_landlock_probe() */
	struct as_landlock_plan ll;
	int ruleset_fd; /* -1: nothing to enforce */
	struct as_seccomp *sc;
	/* Optional rules skipped for a reason the caller must hear of (a
	 * symlink under @home, ...): "PATH (from FILE:LINE): WHY".  Printed
	 * as warnings next to ll.dropped. */
	struct as_strv notes;
};

int as_sandbox_prepare(struct as_sandbox *sb, const struct as_policy *pol,
		       const struct as_sandbox_opts *opts, struct as_err *err);

/* Plans only (probe, Landlock plan, seccomp build), opening no rule path:
 * for --explain run by someone who cannot open the paths themselves. */
int as_sandbox_plan(struct as_sandbox *sb, const struct as_policy *pol,
		    const struct as_sandbox_opts *opts, struct as_err *err);

/* Applies every layer to the calling process.  On failure the process is
 * half-restricted: the caller must exit, never exec. */
int as_sandbox_enter(struct as_sandbox *sb, struct as_err *err);

/*
 * Says on OUT, once, what this kernel cannot enforce (sb->ll.dropped) and
 * which optional rules were skipped (sb->notes), one line each, prefixed
 * "PROGRAM: warning: " (program_invocation_short_name, which the tools set
 * to their own name).
 */
void as_sandbox_warn(const struct as_sandbox *sb, FILE *out);

/*
 * The sandbox stage's end, one code path for the helper's command process,
 * agent-sandbox and agent-sandbox --session: applies every layer
 * (as_sandbox_enter) and execs PATH with ARGV and ENVP (no search: PATH is
 * resolved already).  Returns only on failure, with the exit status to end
 * with and err set: 125 when a layer could not be applied (the process is
 * half restricted: exit, never exec anything else), AS_EXIT_NOT_FOUND or
 * AS_EXIT_CANNOT_EXEC when the exec failed ("PATH: why", with a hint
 * towards --explain when the exec rules refused it).
 */
int as_sandbox_exec(struct as_sandbox *sb, const char *path, char *const argv[], char *const envp[],
		    struct as_err *err);

void as_sandbox_free(struct as_sandbox *sb);

/* --explain: every layer, one rule per line, and what the kernel supports. */
void as_sandbox_explain(const struct as_sandbox *sb, FILE *out);

#endif
