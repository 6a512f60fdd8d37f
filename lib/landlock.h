/* SPDX-License-Identifier: MIT */
/*
 * Landlock: probe the kernel's ABI once, turn a policy into a plan for that
 * ABI (pure, unit-testable for every ABI 1..9), then build the ruleset
 * (opens rule paths) and finally restrict the calling thread.
 */
#ifndef AS_LANDLOCK_H
#define AS_LANDLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common.h"
#include "policy.h"

/* What one Landlock ABI can handle. */
struct as_landlock_caps {
	int abi;                 /* 0 when Landlock is unavailable */
	uint64_t fs;             /* LANDLOCK_ACCESS_FS_* this ABI knows */
	uint64_t net;            /* LANDLOCK_ACCESS_NET_* */
	uint64_t scoped;         /* LANDLOCK_SCOPE_* */
	uint32_t restrict_flags; /* LANDLOCK_RESTRICT_SELF_* */
};

/*
 * Probes the running kernel.  Returns the ABI version (>= 1), -ENOSYS when
 * the kernel was built without Landlock, or -EOPNOTSUPP when it is built in
 * but disabled at boot (not in the lsm= list).
 */
int as_landlock_probe(void);

/* Why Landlock is unavailable, for a probe result <= 0: "kernel built
 * without Landlock (CONFIG_SECURITY_LANDLOCK)", "Landlock disabled at boot
 * (not in the lsm= list)", ... */
const char *as_landlock_unavailable_reason(int probe);

/* Pure: the cumulative masks for a given ABI (0 gives all zeroes). */
void as_landlock_caps_for_abi(int abi, struct as_landlock_caps *out);

/* One path rule as it will be enforced. */
struct as_landlock_path {
	const struct as_path_rule *rule;
	uint64_t access; /* requested fs rights, masked to the ABI;
				     for a non-directory, masked to file rights
				     at build time */
	/* Filled by as_landlock_build() (which is why plan->paths stays
	 * writable through a const plan): */
	bool built;          /* the path was looked at */
	bool absent;         /* optional and missing: skipped */
	const char *refused; /* optional, under a variable, and a
				     symlink or outside its base: skipped,
				     and why (static) */
	bool is_dir;
};

/* One TCP port rule (ABI >= 4 only). */
struct as_landlock_port {
	const struct as_port_rule *rule;
	uint64_t access; /* LANDLOCK_ACCESS_NET_CONNECT_TCP or _BIND_TCP */
};

struct as_landlock_plan {
	struct as_landlock_caps caps; /* of the ABI planned for */
	uint64_t handled_fs;
	uint64_t handled_net;
	uint64_t scoped;
	uint32_t restrict_flags;
	struct as_landlock_path *paths;
	size_t n_paths;
	struct as_landlock_port *ports; /* connect rules, then bind rules */
	size_t n_ports;
	/* Rights the policy needs that this ABI lacks (best-effort only; with
	 * "required" planning fails instead).  Human-readable, one per entry,
	 * e.g. "TCP connect/bind rules (ABI 4, Linux 6.7): ...". */
	struct as_strv dropped;
	/* For --explain. */
	enum as_landlock_mode mode;
	int kernel_abi;                /* probe result (may be -errno) */
	bool want_scope_abstract_unix; /* as the policy asked */
	bool want_scope_signal;
};

/*
 * Pure: plans the policy for ABI abi.  With AS_LANDLOCK_REQUIRED and a
 * missing right, fails with -EOPNOTSUPP and err naming the right, the ABI
 * that introduced it and the running ABI.
 *
 * abi <= 0 means no Landlock at all; pass as_landlock_probe()'s result
 * unchanged (-ENOSYS, -EOPNOTSUPP) and the error or the dropped line says
 * why (not built / disabled at boot).  Rights the policy does not need are
 * never a reason to fail: REFER (ABI 2) is missing only on ABI 1, where
 * Landlock then denies every cross-directory rename or link (EXDEV), which
 * is stricter; audit logging (ABI 7) is a convenience; TSYNC (ABI 8) and
 * RESOLVE_UNIX (ABI 9) are used where offered, and no profile "needs"
 * them: the sandbox stage restricts before it has a second thread, and
 * the owner's named sockets are guarded by the separate uid and DAC
 * without them.  So "landlock = required" keeps meaning the rights the
 * profile needs, and an ABI 7 kernel still runs a required profile.
 */
int as_landlock_plan(const struct as_policy *pol, int abi, struct as_landlock_plan *plan,
		     struct as_err *err);

/*
 * As as_landlock_plan(), for min(kernel_abi, abi_max) when abi_max > 0
 * (tests and --explain simulate an older kernel this way; it can only lower
 * protection), remembering kernel_abi so that --explain can say so.
 */
int as_landlock_plan_capped(const struct as_policy *pol, int kernel_abi, int abi_max,
			    struct as_landlock_plan *plan, struct as_err *err);
void as_landlock_plan_free(struct as_landlock_plan *plan);

/*
 * Builds the ruleset: opens each rule path with O_PATH|O_CLOEXEC, masks file
 * rights for non-directories, adds every rule.  A missing non-optional path
 * fails with err naming the path and its origin ("PATH (ORIGIN): No such
 * file or directory"); a missing optional one is skipped and marked absent
 * in plan->paths.  Returns a ruleset fd (>= 0), or -1 when the plan enforces
 * nothing (no Landlock, best-effort), or -errno with err set (never -EPERM,
 * so that -1 stays unambiguous).  No restriction takes effect yet.
 */
int as_landlock_build(const struct as_landlock_plan *plan, struct as_err *err);

/* Enforces a built ruleset on the calling thread (needs no_new_privs or
 * CAP_SYS_ADMIN) and closes it.  Returns 0 or -errno with err set. */
int as_landlock_enforce(int ruleset_fd, const struct as_landlock_plan *plan, struct as_err *err);

/* Human-readable names, space-separated, as the kernel spells them:
 * "execute write_file read_file ...", "bind_tcp connect_tcp". */
void as_landlock_format_fs(uint64_t access, char *buf, size_t len);
void as_landlock_format_net(uint64_t access, char *buf, size_t len);

/*
 * Writes the Landlock part of --explain: ABI, handled rights, each rule
 * with its origin, scopes, logging, dropped rights.  One fact per line, each
 * prefixed "landlock: " so that it can be grepped:
 *
 *   landlock: ABI 7 (kernel)          | ABI 3 (capped; kernel has ABI 7)
 *                                     | unavailable: <why>
 *   landlock: mode required           | mode best-effort
 *   landlock: handled fs: execute write_file read_file ...
 *   landlock: handled net: bind_tcp connect_tcp
 *   landlock: allow rw /home/x/proj (from /etc/.../default.profile:12)
 *   landlock: allow ro /opt/x (absent, skipped) (from command line)
 *   landlock: allow connect tcp/443 (from ...)   | allow bind tcp/8080 (...)
 *   landlock: no TCP connect or bind allowed
 *   landlock: scope abstract-unix: isolated | open (profile) | not enforced (...)
 *   landlock: scope signal: isolated | ...
 *   landlock: refer unavailable (ABI 2, Linux 5.19): ... (EXDEV)
 *   landlock: denials logged via audit (ABI 7) | denials not logged (...)
 *   landlock: NOT ENFORCED on this kernel: <one dropped right>
 *
 * Classes: ro (read), rx (read+exec), rw (write), rwx (write+exec).
 * "(absent, skipped)" is known only after as_landlock_build().
 */
void as_landlock_explain(const struct as_landlock_plan *plan, FILE *out);

/*
 * What a rule's path opens, as the build would open it (beneath its base
 * for a rule under @project, @home or @tmp), written to buf as the
 * kernel names it.  Returns 0, or -errno with *error set (ELOOP: a
 * symlink, EXDEV: leaves the base).  For --explain and the unit tests.
 */
int as_landlock_rule_target(const struct as_path_rule *r, char *buf, size_t len, int *error);

#endif
