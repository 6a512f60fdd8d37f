/* SPDX-License-Identifier: MIT */
/*
 * Landlock: the pure planning for every ABI 0..7, then real enforcement in
 * forked children on the running kernel.  Runs as root and as any other
 * user: Landlock applies to root too (no capability bypasses it), and
 * no_new_privs lets an unprivileged process restrict itself.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>

#include "landlock.h"
#include "landlock_uapi.h"
/* After ours on purpose: the distribution's (older) header must still
 * compile next to our definitions (identical macros, distinct struct
 * names). */
#include <linux/landlock.h>
#include "tap.h"

#define FS_V1 0x1fffULL /* bits 0-12 */
#define RD (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
/* The write class on ABI 7: everything but execute, make_char, make_block. */
#define WRITE7                                                                                   \
	(RD | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |                    \
	 LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR |                          \
	 LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |                            \
	 LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_SYM | LANDLOCK_ACCESS_FS_REFER | \
	 LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)

static const struct as_origin test_origin = { "/etc/agent-shell/profiles/test.profile", 12 };

static void skip(const char *name, const char *why)
{
	tap_ok(1, "%s # SKIP %s", name, why);
}

/* A policy with every default: required, both scopes isolated. */
static void policy_with(struct as_policy *pol, enum as_landlock_mode mode)
{
	as_policy_init(pol);
	pol->landlock = mode;
}

static void test_caps(void)
{
	static const struct {
		uint64_t fs, net, scoped;
		uint32_t flags;
	} want[] = {
		[0] = { 0, 0, 0, 0 },
		[1] = { FS_V1, 0, 0, 0 },
		[2] = { 0x3fff, 0, 0, 0 },
		[3] = { 0x7fff, 0, 0, 0 },
		[4] = { 0x7fff, 0x3, 0, 0 },
		[5] = { 0xffff, 0x3, 0, 0 },
		[6] = { 0xffff, 0x3, 0x3, 0 },
		[7] = { 0xffff, 0x3, 0x3, 0x7 },
		[8] = { 0xffff, 0x3, 0x3, 0xf },
		[9] = { 0x1ffff, 0x3, 0x3, 0xf },
	};
	struct as_landlock_caps c;

	for (int abi = 0; abi <= 9; abi++) {
		as_landlock_caps_for_abi(abi, &c);
		ok(c.abi == abi && c.fs == want[abi].fs && c.net == want[abi].net &&
			   c.scoped == want[abi].scoped && c.restrict_flags == want[abi].flags,
		   "caps: ABI %d knows fs 0x%llx, net 0x%llx, scopes 0x%llx, restrict flags 0x%x",
		   abi, (unsigned long long)want[abi].fs, (unsigned long long)want[abi].net,
		   (unsigned long long)want[abi].scoped, want[abi].flags);
	}
	as_landlock_caps_for_abi(-ENOSYS, &c);
	ok(c.abi == 0 && c.fs == 0 && c.net == 0 && c.scoped == 0 && c.restrict_flags == 0,
	   "caps: a probe error gives all zeroes");
}

static void test_uapi_values(void)
{
	/* Spot checks against include/uapi/linux/landlock.h upstream. */
	is_int(LANDLOCK_ACCESS_FS_REFER, 1ULL << 13, "uapi: refer is bit 13 (ABI 2)");
	is_int(LANDLOCK_ACCESS_FS_TRUNCATE, 1ULL << 14, "uapi: truncate is bit 14 (ABI 3)");
	is_int(LANDLOCK_ACCESS_FS_IOCTL_DEV, 1ULL << 15, "uapi: ioctl_dev is bit 15 (ABI 5)");
	is_int(LANDLOCK_ACCESS_NET_BIND_TCP | (LANDLOCK_ACCESS_NET_CONNECT_TCP << 4), 0x21,
	       "uapi: bind_tcp is bit 0, connect_tcp bit 1 (ABI 4)");
	is_int(LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON, 2, "uapi: log_new_exec_on is bit 1 (ABI 7)");
	is_int(LANDLOCK_RESTRICT_SELF_TSYNC, 1U << 3, "uapi: tsync is bit 3 (ABI 8)");
	is_int(LANDLOCK_ACCESS_FS_RESOLVE_UNIX, 1ULL << 16, "uapi: resolve_unix is bit 16 (ABI 9)");
	is_int(sizeof(struct as_ll_path_beneath_attr), 12, "uapi: path_beneath_attr is packed");
}

static void test_format(void)
{
	char buf[512];

	as_landlock_format_fs(0xffff, buf, sizeof(buf));
	is_str(buf,
	       "execute write_file read_file read_dir remove_dir remove_file make_char make_dir make_reg "
	       "make_sock make_fifo make_block make_sym refer truncate ioctl_dev",
	       "format: every fs right by its kernel name, in bit order");
	as_landlock_format_fs(0, buf, sizeof(buf));
	is_str(buf, "none", "format: no right is 'none'");
	as_landlock_format_fs(LANDLOCK_ACCESS_FS_READ_FILE | (1ULL << 40), buf, sizeof(buf));
	is_str(buf, "read_file fs:0x10000000000", "format: an unknown bit is shown, not hidden");
	as_landlock_format_net(3, buf, sizeof(buf));
	is_str(buf, "bind_tcp connect_tcp", "format: net rights");
	as_landlock_format_fs(0xffff, buf, 20);
	ok(strlen(buf) < 20, "format: a short buffer truncates safely");
}

/*
 * ABI 8 and 9 are used where offered and needed by no profile: planned for
 * ABI 9, 8 and 7 (the fallback this kernel takes), a required profile runs
 * on each, TSYNC comes with 8, RESOLVE_UNIX with 9, and only with write.
 */
static void test_plan_abi8_abi9(void)
{
	struct as_landlock_plan plan;
	struct as_policy pol;
	struct as_err err = { "" };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	policy_with(&pol, AS_LANDLOCK_REQUIRED);
	as_policy_add_path(&pol, "/srv/project", AS_FS_WRITE | AS_FS_EXEC, false, test_origin,
			   &err);
	as_policy_add_path(&pol, "/usr", AS_FS_EXEC, false, test_origin, &err);
	as_policy_add_path(&pol, "/etc", AS_FS_READ, false, test_origin, &err);

	is_int(as_landlock_plan(&pol, 9, &plan, &err), 0,
	       "abi9: a required profile plans on ABI 9");
	ok(plan.handled_fs & LANDLOCK_ACCESS_FS_RESOLVE_UNIX, "abi9: resolve_unix is handled");
	ok(plan.paths[0].access & LANDLOCK_ACCESS_FS_RESOLVE_UNIX,
	   "abi9: a write rule grants resolve_unix");
	ok(!(plan.paths[1].access & LANDLOCK_ACCESS_FS_RESOLVE_UNIX),
	   "abi9: an exec rule does not");
	ok(!(plan.paths[2].access & LANDLOCK_ACCESS_FS_RESOLVE_UNIX), "abi9: a read rule does not");
	ok(plan.restrict_flags & LANDLOCK_RESTRICT_SELF_TSYNC, "abi9: tsync is on");
	is_int(plan.dropped.n, 0, "abi9: nothing is dropped");
	f = open_memstream(&buf, &len);
	as_landlock_explain(&plan, f);
	fclose(f);
	like(buf, "landlock: named unix sockets: connect only beneath a write rule (ABI 9)\n",
	     "abi9: explain says named sockets are restricted");
	like(buf, "landlock: every thread of the process is restricted at once (ABI 8)\n",
	     "abi9: explain says every thread is restricted");
	free(buf);
	buf = NULL;
	as_landlock_plan_free(&plan);

	is_int(as_landlock_plan(&pol, 8, &plan, &err), 0,
	       "abi8: a required profile plans on ABI 8");
	ok(!(plan.handled_fs & LANDLOCK_ACCESS_FS_RESOLVE_UNIX),
	   "abi8: resolve_unix is not handled");
	ok(!(plan.paths[0].access & LANDLOCK_ACCESS_FS_RESOLVE_UNIX), "abi8: nor granted");
	ok(plan.restrict_flags & LANDLOCK_RESTRICT_SELF_TSYNC, "abi8: tsync is on");
	as_landlock_plan_free(&plan);

	is_int(as_landlock_plan_capped(&pol, 9, 7, &plan, &err), 0,
	       "abi7: a required profile still plans with the ABI capped at 7");
	is_int(plan.caps.abi, 7, "abi7: the plan is for ABI 7");
	ok(!(plan.handled_fs & LANDLOCK_ACCESS_FS_RESOLVE_UNIX),
	   "abi7: resolve_unix is not handled");
	ok(!(plan.restrict_flags & LANDLOCK_RESTRICT_SELF_TSYNC),
	   "abi7: tsync is off (ABI 7 refuses the flag)");
	is_int(plan.dropped.n, 0, "abi7: and nothing is reported as dropped");
	f = open_memstream(&buf, &len);
	as_landlock_explain(&plan, f);
	fclose(f);
	like(buf, "landlock: named unix sockets: connect not restricted (needs ABI 9, Linux 7.1)",
	     "abi7: explain says named sockets are not restricted, and why");
	like(buf,
	     "landlock: the calling thread is restricted (all threads at once needs ABI 8, Linux 7.0)",
	     "abi7: explain says only the calling thread is restricted");
	free(buf);
	as_landlock_plan_free(&plan);

	is_int(as_landlock_plan(&pol, 10, &plan, &err), 0,
	       "abi10: a newer kernel plans as the newest known");
	ok(plan.caps.fs == 0x1ffff && plan.caps.abi == 10,
	   "abi10: with ABI 9's rights, nothing unknown");
	as_landlock_plan_free(&plan);
	as_policy_free(&pol);
}

/* Required mode: ABI 1-5 lack something the default policy needs. */
static void test_plan_required(void)
{
	static const char *const first_missing[] = {
		[1] = "truncate (ABI 3, Linux 6.2)",
		[2] = "truncate (ABI 3, Linux 6.2)",
		[3] = "TCP connect/bind rules (ABI 4, Linux 6.7)",
		[4] = "ioctl_dev (ABI 5, Linux 6.10)",
		[5] = "abstract unix socket scope (ABI 6, Linux 6.12)",
	};
	struct as_landlock_plan plan;
	struct as_policy pol;
	struct as_err err;
	char name[64];

	policy_with(&pol, AS_LANDLOCK_REQUIRED);
	for (int abi = 1; abi <= 7; abi++) {
		err.msg[0] = '\0';
		int r = as_landlock_plan(&pol, abi, &plan, &err);

		if (abi <= 5) {
			is_int(r, -EOPNOTSUPP, "plan: required fails on ABI %d", abi);
			like(err.msg, first_missing[abi],
			     "plan: required on ABI %d names the missing right", abi);
			snprintf(name, sizeof(name), "(Landlock ABI %d)", abi);
			like(err.msg, name, "plan: required on ABI %d names the running ABI", abi);
			like(err.msg, "set 'landlock = best-effort' in the profile",
			     "plan: required on ABI %d hints at best-effort", abi);
			like(err.msg, "signal scope (ABI 6, Linux 6.12)",
			     "plan: required on ABI %d names every missing right, down to the signal scope",
			     abi);
		} else {
			is_int(r, 0, "plan: required succeeds on ABI %d", abi);
			is_int(plan.dropped.n, 0, "plan: nothing dropped on ABI %d", abi);
			as_landlock_plan_free(&plan);
		}
	}
	ok(strstr(err.msg, "refer") == NULL, "plan: refer is never a reason to refuse");

	/* Without the scopes in the policy, ABI 5 has everything needed. */
	pol.scope_abstract_unix = false;
	pol.scope_signal = false;
	is_int(as_landlock_plan(&pol, 5, &plan, &err), 0,
	       "plan: required with no scopes succeeds on ABI 5");
	is_int(plan.scoped, 0, "plan: no scope requested, none set");
	as_landlock_plan_free(&plan);
	pol.scope_signal = true;
	is_int(as_landlock_plan(&pol, 5, &plan, &err), -EOPNOTSUPP,
	       "plan: required with the signal scope fails on ABI 5");
	ok(strstr(err.msg, "abstract unix") == NULL && strstr(err.msg, "signal scope"),
	   "plan: only the scope the policy enables is named");

	is_int(as_landlock_plan(&pol, -ENOSYS, &plan, &err), -EOPNOTSUPP,
	       "plan: required fails without Landlock built in");
	like(err.msg, "kernel built without Landlock", "plan: error says Landlock is not built in");
	is_int(as_landlock_plan(&pol, -EOPNOTSUPP, &plan, &err), -EOPNOTSUPP,
	       "plan: required fails when Landlock is disabled at boot");
	like(err.msg, "disabled at boot", "plan: error says Landlock is disabled at boot");
	like(err.msg, "landlock = best-effort", "plan: no-Landlock error hints at best-effort");
	as_policy_free(&pol);
}

static void test_plan_best_effort(void)
{
	static const size_t n_dropped[] = {
		[1] = 5, [2] = 5, [3] = 4, [4] = 3, [5] = 2, [6] = 0, [7] = 0
	};
	struct as_landlock_plan plan;
	struct as_policy pol;
	struct as_err err = { "" };

	policy_with(&pol, AS_LANDLOCK_BEST_EFFORT);
	as_policy_add_port(&pol, AS_PORT_CONNECT, 443, test_origin, &err);
	for (int abi = 1; abi <= 7; abi++) {
		struct as_landlock_caps c;

		as_landlock_caps_for_abi(abi, &c);
		is_int(as_landlock_plan(&pol, abi, &plan, &err), 0,
		       "plan: best-effort succeeds on ABI %d", abi);
		is_int(plan.dropped.n, n_dropped[abi],
		       "plan: best-effort on ABI %d drops %zu rights", abi, n_dropped[abi]);
		ok(plan.handled_fs == c.fs && plan.handled_net == c.net && plan.scoped == c.scoped,
		   "plan: ABI %d handles every right it knows", abi);
		is_int(plan.restrict_flags, abi >= 7 ? LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON : 0,
		       "plan: ABI %d restrict flags: log new exec only from ABI 7", abi);
		is_int(plan.n_ports, abi >= 4 ? 1 : 0, "plan: ABI %d has %s port rule", abi,
		       abi >= 4 ? "the" : "no");
		if (abi == 3) {
			like(plan.dropped.v[0], "TCP connect/bind rules (ABI 4, Linux 6.7)",
			     "plan: ABI 3 drops TCP first");
			like(plan.dropped.v[1], "ioctl_dev (ABI 5, Linux 6.10)",
			     "plan: ABI 3 drops ioctl_dev");
			like(plan.dropped.v[2], "abstract unix socket scope (ABI 6",
			     "plan: ABI 3 drops the abstract unix scope");
			like(plan.dropped.v[3], "signal scope (ABI 6",
			     "plan: ABI 3 drops the signal scope");
		}
		if (abi == 1)
			like(plan.dropped.v[0], "truncate (ABI 3, Linux 6.2)",
			     "plan: ABI 1 drops truncate first");
		as_landlock_plan_free(&plan);
	}

	is_int(as_landlock_plan(&pol, -EOPNOTSUPP, &plan, &err), 0,
	       "plan: best-effort without Landlock succeeds");
	is_int(plan.dropped.n, 1, "plan: one line says Landlock is absent");
	like(plan.dropped.v[0], "disabled at boot", "plan: the line says why");
	is_int(as_landlock_build(&plan, &err), -1, "build: nothing to enforce without Landlock");
	as_landlock_plan_free(&plan);

	is_int(as_landlock_plan_capped(&pol, 7, 3, &plan, &err), 0,
	       "plan: capped to ABI 3 succeeds");
	is_int(plan.caps.abi, 3, "plan: capped plan is for ABI 3");
	is_int(plan.kernel_abi, 7, "plan: capped plan remembers the kernel ABI");
	is_int(plan.handled_net, 0, "plan: capped to ABI 3 handles no TCP");
	as_landlock_plan_free(&plan);
	as_policy_free(&pol);
}

static void test_plan_rights(void)
{
	struct as_landlock_plan plan;
	struct as_policy pol;
	struct as_err err = { "" };
	const uint64_t write7 = WRITE7;

	policy_with(&pol, AS_LANDLOCK_BEST_EFFORT);
	as_policy_add_path(&pol, "/r", AS_FS_READ, false, test_origin, &err);
	as_policy_add_path(&pol, "/x", AS_FS_EXEC, false, test_origin, &err);
	as_policy_add_path(&pol, "/w", AS_FS_WRITE, false, test_origin, &err);
	as_policy_add_path(&pol, "/wx", AS_FS_WRITE | AS_FS_EXEC, false, test_origin, &err);

	as_landlock_plan(&pol, 7, &plan, &err);
	is_int(plan.n_paths, 4, "rights: one planned rule per path");
	is_int(plan.paths[0].access, RD, "rights: read is read_file + read_dir");
	is_int(plan.paths[1].access, RD | LANDLOCK_ACCESS_FS_EXECUTE,
	       "rights: exec is read + execute");
	is_int(plan.paths[2].access, write7,
	       "rights: write is read + create/remove/refer/truncate/ioctl_dev");
	ok(!(plan.paths[2].access &
	     (LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_BLOCK)) &&
		   (plan.handled_fs & LANDLOCK_ACCESS_FS_MAKE_CHAR) &&
		   (plan.handled_fs & LANDLOCK_ACCESS_FS_MAKE_BLOCK),
	   "rights: make_char and make_block are handled but never granted");
	is_int(plan.paths[3].access, write7 | LANDLOCK_ACCESS_FS_EXECUTE,
	       "rights: write + exec adds execute");
	as_landlock_plan_free(&plan);

	as_landlock_plan(&pol, 1, &plan, &err);
	is_int(plan.paths[2].access, write7 & FS_V1,
	       "rights: on ABI 1 write loses refer, truncate and ioctl_dev");
	as_landlock_plan_free(&plan);
	as_landlock_plan(&pol, 4, &plan, &err);
	is_int(plan.paths[2].access, write7 & ~LANDLOCK_ACCESS_FS_IOCTL_DEV,
	       "rights: on ABI 4 write has no ioctl_dev");
	as_landlock_plan_free(&plan);
	as_policy_free(&pol);
}

static int kernel_abi;

static int mkfile(const char *path, const char *content)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return -1;
	if (write(fd, content, strlen(content)) < 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static char tmp[64];

static const char *tpath(const char *rel)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tmp, rel);
	return buf[i];
}

static void test_build(void)
{
	struct as_landlock_plan plan;
	struct as_policy pol;
	struct as_err err = { "" };
	char out[8192] = "";
	FILE *f;
	int fd;

	if (kernel_abi < 5) {
		skip("build: file rules are masked to file rights", "needs Landlock ABI 5");
		return;
	}
	policy_with(&pol, AS_LANDLOCK_REQUIRED);
	as_policy_add_path(&pol, tpath("rw1"), AS_FS_WRITE | AS_FS_EXEC, false, test_origin, &err);
	as_policy_add_path(&pol, tpath("ro/file"), AS_FS_WRITE | AS_FS_EXEC, false, test_origin,
			   &err);
	as_policy_add_path(&pol, "/dev/null", AS_FS_WRITE, false, AS_ORIGIN_CMDLINE, &err);
	as_policy_add_path(&pol, tpath("nothere"), AS_FS_READ, true, test_origin, &err);
	as_policy_add_port(&pol, AS_PORT_CONNECT, 443, test_origin, &err);
	as_policy_add_port(&pol, AS_PORT_BIND, 8080, AS_ORIGIN_CMDLINE, &err);

	is_int(as_landlock_plan(&pol, kernel_abi, &plan, &err), 0,
	       "build: plans on the running kernel");
	fd = as_landlock_build(&plan, &err);
	ok(fd >= 0, "build: returns a ruleset fd (%s)", fd < 0 ? err.msg : "ok");
	if (fd >= 0)
		close(fd);
	ok(plan.paths[0].is_dir && plan.paths[0].access == ((WRITE7 | LANDLOCK_ACCESS_FS_EXECUTE) &
							    plan.handled_fs),
	   "build: a directory keeps every right");
	is_int(plan.paths[1].access,
	       LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
		       LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |
		       LANDLOCK_ACCESS_FS_IOCTL_DEV,
	       "build: a regular file is masked to file rights");
	ok(!plan.paths[1].is_dir, "build: a regular file is not a directory");
	ok(plan.paths[2].access & LANDLOCK_ACCESS_FS_IOCTL_DEV,
	   "build: write on a device file grants ioctl_dev");
	ok(plan.paths[3].built && plan.paths[3].absent,
	   "build: a missing optional path is skipped and recorded");

	f = fmemopen(out, sizeof(out) - 1, "w");
	as_landlock_explain(&plan, f);
	fclose(f);
	printf("# explain:\n");
	for (char *l = out, *nl; *l; l = nl + 1) {
		nl = strchr(l, '\n');
		if (!nl)
			break;
		printf("#   %.*s\n", (int)(nl - l), l);
	}
	{
		char want[512];

		snprintf(want, sizeof(want), "landlock: ABI %d (kernel)\n", kernel_abi);
		like(out, want, "explain: names the ABI and that it is the kernel's");
		snprintf(want, sizeof(want),
			 "landlock: allow rwx %s (from /etc/agent-shell/profiles/test.profile:12)\n",
			 tpath("rw1"));
		like(out, want, "explain: one line per path with class and origin");
		snprintf(want, sizeof(want), "landlock: allow ro %s (absent, skipped) (from",
			 tpath("nothere"));
		like(out, want, "explain: an absent optional path says so");
	}
	like(out, "landlock: allow rw /dev/null (from command line)\n",
	     "explain: command-line origin");
	like(out, "landlock: handled fs: execute write_file read_file read_dir",
	     "explain: handled fs rights by name");
	like(out,
	     "landlock: allow connect tcp/443 (from /etc/agent-shell/profiles/test.profile:12)\n",
	     "explain: connect port with origin");
	like(out, "landlock: allow bind tcp/8080 (from command line)\n",
	     "explain: bind port with origin");
	like(out, "landlock: scope abstract-unix: isolated\n", "explain: abstract unix scope");
	like(out, "landlock: scope signal: isolated\n", "explain: signal scope");
	if (kernel_abi >= 7)
		like(out, "landlock: denials logged via audit (ABI",
		     "explain: audit logging on ABI 7");
	ok(!strstr(out, "NOT ENFORCED"), "explain: nothing dropped on this kernel");
	as_landlock_plan_free(&plan);

	/* The same policy simulated on ABI 1, best-effort. */
	pol.landlock = AS_LANDLOCK_BEST_EFFORT;
	as_landlock_plan_capped(&pol, kernel_abi, 1, &plan, &err);
	memset(out, 0, sizeof(out));
	f = fmemopen(out, sizeof(out) - 1, "w");
	as_landlock_explain(&plan, f);
	fclose(f);
	like(out, "landlock: ABI 1 (capped; kernel has ABI", "explain: a capped ABI says so");
	like(out, "renames and links across directories are always denied (EXDEV)",
	     "explain: ABI 1 explains refer");
	like(out,
	     "landlock: NOT ENFORCED on this kernel: TCP connect/bind rules (ABI 4, Linux 6.7)",
	     "explain: dropped rights are listed");
	like(out, "landlock: scope signal: not enforced",
	     "explain: a scope the ABI lacks is not enforced");
	ok(!strstr(out, "tcp/443"), "explain: no port rule without TCP support");
	as_landlock_plan_free(&plan);
	as_policy_free(&pol);
}

static void test_missing_path(void)
{
	struct as_landlock_plan plan;
	struct as_policy pol;
	struct as_err err = { "" };
	char want[512];
	int fd;

	if (kernel_abi < 1) {
		skip("build: a missing path is an error naming it and its origin",
		     "needs Landlock");
		return;
	}
	policy_with(&pol, AS_LANDLOCK_BEST_EFFORT);
	as_policy_add_path(&pol, tpath("missing"), AS_FS_READ, false, test_origin, &err);
	as_landlock_plan(&pol, kernel_abi, &plan, &err);
	fd = as_landlock_build(&plan, &err);
	is_int(fd, -ENOENT, "build: a missing path fails with ENOENT");
	snprintf(want, sizeof(want),
		 "%s (/etc/agent-shell/profiles/test.profile:12): No such file or directory",
		 tpath("missing"));
	is_str(err.msg, want, "build: the error names the path and its origin");
	as_landlock_plan_free(&plan);
	as_policy_free(&pol);
}

/* ---- real enforcement ------------------------------------------------ */

typedef int (*probe_fn)(const void *arg);

/*
 * Restricts a forked child with pol planned for min(kernel, abi_max) and
 * returns what probe returned there: 0 or an errno.  100+ means the sandbox
 * could not be set up.
 */
static int in_sandbox(const struct as_policy *pol, int abi_max, probe_fn probe, const void *arg)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 100;
	if (pid == 0) {
		struct as_landlock_plan plan;
		struct as_err err = { "" };
		int fd;

		/* Without no_new_privs (or CAP_SYS_ADMIN) restrict_self
		 * fails with EPERM; the sandbox stage sets it the same way. */
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(101);
		if (as_landlock_plan_capped(pol, kernel_abi, abi_max, &plan, &err) < 0) {
			printf("# plan: %s\n", err.msg);
			_exit(102);
		}
		fd = as_landlock_build(&plan, &err);
		if (fd < 0) {
			printf("# build: %s\n", err.msg);
			_exit(103);
		}
		if (as_landlock_enforce(fd, &plan, &err) < 0) {
			printf("# enforce: %s\n", err.msg);
			_exit(104);
		}
		_exit(probe(arg));
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return 105;
	return WEXITSTATUS(st);
}

static int probe_read(const void *arg)
{
	int fd = open(arg, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int probe_write(const void *arg)
{
	int fd = open(arg, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int probe_truncate(const void *arg)
{
	return truncate(arg, 0) < 0 ? errno : 0;
}

static int probe_rename(const void *arg)
{
	const char *const *p = arg;

	return rename(p[0], p[1]) < 0 ? errno : 0;
}

static int probe_connect(const void *arg)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int r = 0;

	if (fd < 0)
		return errno;
	sa.sin_port = htons(*(const uint16_t *)arg);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		r = errno;
	close(fd);
	return r;
}

static int probe_abstract(const void *arg)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *name = arg;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	socklen_t len;
	int r = 0;

	if (fd < 0)
		return errno;
	memcpy(sa.sun_path + 1, name, strlen(name));
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
	if (connect(fd, (struct sockaddr *)&sa, len) < 0)
		r = errno;
	close(fd);
	return r;
}

static int probe_kill_parent(const void *arg)
{
	(void)arg;
	/* Signal 0 goes through the same permission check as a real signal
	 * (check_kill_permission -> security_task_kill) without side effects. */
	return kill(getppid(), 0) < 0 ? errno : 0;
}

/* Opens the terminal inside the sandbox (rights are computed at open) and
 * puts it in raw mode, as an editor or a REPL would. */
static int probe_raw_mode(const void *arg)
{
	struct termios t;
	int fd = open(arg, O_RDONLY | O_NOCTTY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return errno;
	if (tcgetattr(fd, &t) < 0) {
		r = errno;
	} else {
		cfmakeraw(&t);
		if (tcsetattr(fd, TCSANOW, &t) < 0)
			r = errno;
	}
	close(fd);
	return r;
}

static int tcp_listener(uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 8) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

static void fs_policy(struct as_policy *pol, enum as_landlock_mode mode)
{
	struct as_err err;

	policy_with(pol, mode);
	as_policy_add_path(pol, tpath("ro"), AS_FS_READ, false, test_origin, &err);
	as_policy_add_path(pol, tpath("rw1"), AS_FS_WRITE, false, test_origin, &err);
	as_policy_add_path(pol, tpath("rw2"), AS_FS_WRITE, false, test_origin, &err);
}

/* ---- rules under @home, @project, @tmp: beneath the base, no symlinks --- */

/* A rule under "@home" with tpath("rw1") as the agent's home. */
static void add_home_rule(struct as_policy *pol, const char *rel, unsigned access, bool optional)
{
	struct as_err err = { "" };
	char path[512];
	size_t base = strlen(tpath("rw1"));

	snprintf(path, sizeof(path), "%s%s", tpath("rw1"), rel);
	if (as_policy_add_path_beneath(pol, path, base, "@home", access, optional, test_origin,
				       &err) < 0)
		printf("# add: %s\n", err.msg);
}

/* Builds pol; returns the build's result (fd closed) with err. */
static int build_only(const struct as_policy *pol, struct as_landlock_plan *plan,
		      struct as_err *err)
{
	int fd;

	as_landlock_plan(pol, kernel_abi, plan, err);
	fd = as_landlock_build(plan, err);
	if (fd >= 0)
		close(fd);
	return fd < 0 ? fd : 0;
}

static void test_beneath(void)
{
	struct as_landlock_plan plan;
	struct as_policy pol;
	struct as_err err = { "" };
	char want[1024], target[4096];
	int e;

	if (kernel_abi < 1) {
		skip("beneath: rules under a variable do not follow symlinks", "needs Landlock");
		return;
	}
	if (symlink("/", tpath("rw1/npm-global")) < 0 ||
	    symlink("../outside", tpath("rw1/mid")) < 0 || mkdir(tpath("rw1/sub"), 0700) < 0 ||
	    symlink(tpath("outside"), tpath("rw1/sub/abs")) < 0) {
		ok(0, "beneath: setup: %s", strerror(errno));
		return;
	}

	/* The attack of issue 15: exec = ?@home/.npm-global, planted -> /. */
	policy_with(&pol, AS_LANDLOCK_BEST_EFFORT);
	add_home_rule(&pol, "/npm-global", AS_FS_EXEC, true);
	as_policy_add_path(&pol, tpath("ro"), AS_FS_READ, false, test_origin, &err);
	is_int(build_only(&pol, &plan, &err), 0,
	       "beneath: an optional rule that is a symlink does not fail the build");
	ok(plan.paths[0].absent && plan.paths[0].refused != NULL,
	   "beneath: it is skipped, with a reason");
	is_str(plan.paths[0].refused,
	       "a symbolic link in the path (rules under a variable never follow one)",
	       "beneath: the reason names the symlink");
	as_landlock_plan_free(&plan);
	if (kernel_abi >= 3)
		is_int(in_sandbox(&pol, 0, probe_read, tpath("outside/file")), EACCES,
		       "beneath: ?@home/.npm-global -> / does not open / to the agent (EACCES outside)");
	else
		skip("beneath: the planted symlink grants nothing", "needs Landlock ABI 3");
	as_policy_free(&pol);

	policy_with(&pol, AS_LANDLOCK_BEST_EFFORT);
	add_home_rule(&pol, "/npm-global", AS_FS_EXEC, false);
	is_int(build_only(&pol, &plan, &err), -EACCES,
	       "beneath: a mandatory rule that is a symlink fails the build");
	snprintf(want, sizeof(want),
		 "%s/npm-global (/etc/agent-shell/profiles/test.profile:12, under @home): "
		 "refused: a symbolic link in the path (rules under a variable never follow one)",
		 tpath("rw1"));
	is_str(err.msg, want, "beneath: the refusal names the rule, its origin and its base");
	as_landlock_plan_free(&plan);
	as_policy_free(&pol);

	policy_with(&pol, AS_LANDLOCK_BEST_EFFORT);
	add_home_rule(&pol, "/mid/file", AS_FS_READ, false);
	is_int(build_only(&pol, &plan, &err), -EACCES,
	       "beneath: a symlink in a middle component fails the build");
	like(err.msg, "refused: a symbolic link in the path", "beneath: and says it is a symlink");
	as_landlock_plan_free(&plan);
	as_policy_free(&pol);

	policy_with(&pol, AS_LANDLOCK_BEST_EFFORT);
	add_home_rule(&pol, "/sub/abs", AS_FS_READ, false);
	is_int(build_only(&pol, &plan, &err), -EACCES,
	       "beneath: an absolute symlink deeper down fails the build");
	as_landlock_plan_free(&plan);
	as_policy_free(&pol);

	policy_with(&pol, AS_LANDLOCK_BEST_EFFORT);
	add_home_rule(&pol, "/../outside", AS_FS_READ, false);
	is_int(build_only(&pol, &plan, &err), -EACCES,
	       "beneath: '..' out of the base fails the build");
	like(err.msg, "refused: the path leaves its base ('..')",
	     "beneath: and says it leaves the base");
	as_landlock_plan_free(&plan);
	as_policy_free(&pol);

	policy_with(&pol, AS_LANDLOCK_BEST_EFFORT);
	add_home_rule(&pol, "/sub/../sub", AS_FS_READ, false);
	is_int(build_only(&pol, &plan, &err), 0,
	       "beneath: '..' that stays beneath the base is fine");
	as_landlock_plan_free(&plan);
	is_int(as_landlock_rule_target(&pol.paths[0], target, sizeof(target), &e), 0,
	       "beneath: the target of a rule under a variable resolves");
	is_str(target, tpath("rw1/sub"), "beneath: and is the real directory");
	as_policy_free(&pol);

	policy_with(&pol, AS_LANDLOCK_BEST_EFFORT);
	add_home_rule(&pol, "", AS_FS_WRITE, false);
	is_int(build_only(&pol, &plan, &err), 0, "beneath: the base itself (@home) builds");
	as_landlock_plan_free(&plan);
	as_policy_free(&pol);

	/* An absolute rule (root's profile, the caller's flag) still follows. */
	policy_with(&pol, AS_LANDLOCK_BEST_EFFORT);
	as_policy_add_path(&pol, tpath("rw1/mid"), AS_FS_READ, false, test_origin, &err);
	is_int(as_landlock_rule_target(&pol.paths[0], target, sizeof(target), &e), 0,
	       "beneath: an absolute rule resolves through its symlink");
	is_str(target, tpath("outside"), "beneath: to the symlink's target");
	add_home_rule(&pol, "/mid", AS_FS_READ, false);
	ok(pol.n_paths == 1 && pol.paths[0].base_len > 0,
	   "beneath: the same path under a variable merges into the stricter reading");
	is_int(as_landlock_rule_target(&pol.paths[0], target, sizeof(target), &e), -ELOOP,
	       "beneath: which then refuses the symlink");
	is_int(e, ELOOP, "beneath: with ELOOP");
	as_policy_free(&pol);

	unlink(tpath("rw1/npm-global"));
	unlink(tpath("rw1/mid"));
	unlink(tpath("rw1/sub/abs"));
	rmdir(tpath("rw1/sub"));
}

static void test_enforce_fs(void)
{
	struct as_policy pol;
	const char *mv_ok[2], *mv_ro[2];

	if (kernel_abi < 3) {
		skip("enforce: filesystem rules", "needs Landlock ABI 3");
		return;
	}
	fs_policy(&pol, AS_LANDLOCK_BEST_EFFORT);
	is_int(in_sandbox(&pol, 0, probe_read, tpath("outside/file")), EACCES,
	       "enforce: read outside the rules is EACCES");
	is_int(in_sandbox(&pol, 0, probe_read, tpath("ro/file")), 0,
	       "enforce: read inside a read rule works");
	is_int(in_sandbox(&pol, 0, probe_write, tpath("ro/file")), EACCES,
	       "enforce: write in a read-only rule is EACCES");
	is_int(in_sandbox(&pol, 0, probe_write, tpath("rw1/b")), 0,
	       "enforce: write in a writable rule works");
	is_int(in_sandbox(&pol, 0, probe_truncate, tpath("ro/file")), EACCES,
	       "enforce: truncate of a read-only file is EACCES");

	mv_ok[0] = tpath("rw1/a");
	mv_ok[1] = tpath("rw2/a");
	is_int(in_sandbox(&pol, 0, probe_rename, mv_ok), 0,
	       "enforce: rename between two writable dirs works (refer)");
	/* make_reg is missing on the destination: EACCES prevails over EXDEV
	 * (include/uapi/linux/landlock.h, LANDLOCK_ACCESS_FS_REFER). */
	mv_ro[0] = tpath("rw1/b");
	mv_ro[1] = tpath("ro/b");
	is_int(in_sandbox(&pol, 0, probe_rename, mv_ro), EACCES,
	       "enforce: rename into a read-only dir is EACCES");
	/* Without refer (ABI 1) reparenting is always denied, with EXDEV. */
	mv_ok[0] = tpath("rw2/a");
	mv_ok[1] = tpath("rw1/a");
	is_int(in_sandbox(&pol, 1, probe_rename, mv_ok), EXDEV,
	       "enforce: on ABI 1 rename across writable dirs is EXDEV");
	is_int(in_sandbox(&pol, 0, probe_rename, mv_ok), 0, "enforce: and on this kernel it works");
	as_policy_free(&pol);
}

static void test_enforce_tcp(void)
{
	struct as_policy pol;
	struct as_err err;
	uint16_t granted = 0, other = 0;
	int l1, l2;

	if (kernel_abi < 4) {
		skip("enforce: TCP rules", "needs Landlock ABI 4");
		return;
	}
	l1 = tcp_listener(&granted);
	l2 = tcp_listener(&other);
	if (l1 < 0 || l2 < 0) {
		skip("enforce: TCP rules", "no loopback listener");
		goto out;
	}
	fs_policy(&pol, AS_LANDLOCK_BEST_EFFORT);
	as_policy_add_port(&pol, AS_PORT_CONNECT, granted, AS_ORIGIN_CMDLINE, &err);
	is_int(in_sandbox(&pol, 0, probe_connect, &other), EACCES,
	       "enforce: connect to a port not granted is EACCES");
	is_int(in_sandbox(&pol, 0, probe_connect, &granted), 0,
	       "enforce: connect to a granted port works");
	is_int(in_sandbox(&pol, 3, probe_connect, &other), 0,
	       "enforce: planned for ABI 3 (best-effort), TCP is left unrestricted");
	as_policy_free(&pol);
out:
	if (l1 >= 0)
		close(l1);
	if (l2 >= 0)
		close(l2);
}

static void test_enforce_scopes(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct as_policy pol;
	char name[64];
	socklen_t len;
	int l;

	if (kernel_abi < 6) {
		skip("enforce: scopes", "needs Landlock ABI 6");
		return;
	}
	snprintf(name, sizeof(name), "agent-shell-test-%d", (int)getpid());
	memcpy(sa.sun_path + 1, name, strlen(name));
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, len) < 0 || listen(l, 8) < 0) {
		skip("enforce: abstract unix scope", "cannot listen on an abstract socket");
	} else {
		fs_policy(&pol, AS_LANDLOCK_REQUIRED);
		is_int(in_sandbox(&pol, 0, probe_abstract, name), EPERM,
		       "enforce: connect to an abstract unix socket created outside is EPERM");
		pol.scope_abstract_unix = false;
		is_int(in_sandbox(&pol, 0, probe_abstract, name), 0,
		       "enforce: with the scope off in the profile, it connects");
		as_policy_free(&pol);
	}
	if (l >= 0)
		close(l);

	fs_policy(&pol, AS_LANDLOCK_REQUIRED);
	is_int(in_sandbox(&pol, 0, probe_kill_parent, NULL), EPERM,
	       "enforce: signalling the parent is EPERM");
	pol.scope_signal = false;
	is_int(in_sandbox(&pol, 0, probe_kill_parent, NULL), 0,
	       "enforce: with the signal scope off, it can");
	as_policy_free(&pol);
}

static void test_enforce_terminal(void)
{
	struct as_policy pol;
	struct as_err err;
	char pts[64];
	int m;

	if (kernel_abi < 5) {
		skip("enforce: terminal ioctls", "needs Landlock ABI 5");
		return;
	}
	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, pts, sizeof(pts)) != 0) {
		skip("enforce: terminal ioctls", "no pseudo-terminal");
		if (m >= 0)
			close(m);
		return;
	}
	fs_policy(&pol, AS_LANDLOCK_REQUIRED);
	as_policy_add_path(&pol, "/dev/pts", AS_FS_READ, false, AS_ORIGIN_CMDLINE, &err);
	is_int(in_sandbox(&pol, 0, probe_raw_mode, pts), EACCES,
	       "enforce: raw mode on a terminal granted read-only is EACCES (ioctl_dev)");
	as_policy_add_path(&pol, "/dev/pts", AS_FS_WRITE, false, AS_ORIGIN_CMDLINE, &err);
	is_int(in_sandbox(&pol, 0, probe_raw_mode, pts), 0,
	       "enforce: write on /dev/pts keeps raw mode working");
	as_policy_free(&pol);
	close(m);
}

static int setup_tree(void)
{
	static const char *const dirs[] = { "ro", "rw1", "rw2", "outside" };

	snprintf(tmp, sizeof(tmp), "/tmp/as-landlock-XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	for (size_t i = 0; i < AS_ARRAY_SIZE(dirs); i++)
		if (mkdir(tpath(dirs[i]), 0700) < 0)
			return -1;
	if (mkfile(tpath("ro/file"), "ro") < 0 || mkfile(tpath("outside/file"), "secret") < 0 ||
	    mkfile(tpath("rw1/a"), "a") < 0 || mkfile(tpath("rw1/b"), "b") < 0)
		return -1;
	return 0;
}

static void cleanup_tree(void)
{
	static const char *const files[] = { "ro/file", "ro/b",  "outside/file", "rw1/a",
					     "rw1/b",   "rw2/a", "rw2/b" };
	static const char *const dirs[] = { "ro", "rw1", "rw2", "outside" };

	for (size_t i = 0; i < AS_ARRAY_SIZE(files); i++)
		unlink(tpath(files[i]));
	for (size_t i = 0; i < AS_ARRAY_SIZE(dirs); i++)
		rmdir(tpath(dirs[i]));
	rmdir(tmp);
}

int main(void)
{
	kernel_abi = as_landlock_probe();
	printf("# running as uid %d, kernel Landlock %d (%s)\n", (int)getuid(), kernel_abi,
	       kernel_abi > 0 ? "ABI" : as_landlock_unavailable_reason(kernel_abi));

	test_caps();
	test_uapi_values();
	test_format();
	test_plan_required();
	test_plan_best_effort();
	test_plan_rights();
	test_plan_abi8_abi9();

	if (setup_tree() < 0) {
		ok(0, "setup: temporary tree under /tmp: %s", strerror(errno));
		return tap_done();
	}
	test_build();
	test_missing_path();
	test_enforce_fs();
	test_beneath();
	test_enforce_tcp();
	test_enforce_scopes();
	test_enforce_terminal();
	cleanup_tree();
	return tap_done();
}
