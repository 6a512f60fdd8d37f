/* SPDX-License-Identifier: MIT */
/*
 * agent-admin egress: each agent's network fence (DESIGN.md layer 6).
 *
 *   egress OWNER                    show the policy and whether it is loaded
 *   egress OWNER allow SPEC|@LIST…  admit more (registry, then reload)
 *   egress OWNER remove SPEC|@LIST… admit less (registry, then reload)
 *   egress OWNER open | restrict    lift the fence / put it back
 *   egress OWNER log                recent rejections, with the allow line
 *                                   that would admit each
 *   egress --load                   (re)load the whole fence from the
 *                                   registries: idempotent, atomic
 *
 * --load, in order:
 *   1. every registry -> the restricted agents, their lists (the shipped
 *      ones by default: AS_EGRESSDIR_ETC/NAME.list before
 *      AS_EGRESSDIR_VENDOR/NAME.list, root-owned files only) and allow lines
 *   2. resolver configurations written (AS_EGRESS_RUNDIR/OWNER.conf)
 *   3. one nft transaction replaces table inet agent_shell (libnftables;
 *      no shell, no nft binary)
 *   4. each agent's dnsmasq (re)started when its configuration changed or it
 *      is not running; resolvers of agents no longer restricted stopped
 * A broken list or registry fails that agent closed (its list contributes
 * nothing, or it gets no chain and so no session), the others load, and
 * the exit status is 1.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <nftables/libnftables.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "admin.h"
#include "egress.h"
#include "egress-lists.h"
#include "nftcheck.h"
#include "registry.h"
#include "siteconf.h"

#define LIST_SUFFIX ".list"
#define RESOLV_CONF "/etc/resolv.conf"
#define LOG_SHOWN 20

static int shipped_lists(struct as_strv *out)
{
	struct as_err e = { "" };

	if (as_egress_shipped_lists(out, &e) < 0)
		return admin_fail("%s", e.msg);
	return 0;
}

static int lists_in_force(const struct as_reg_egress *eg, struct as_strv *out)
{
	struct as_err e = { "" };

	if (as_egress_lists_in_force(eg, out, &e) < 0)
		return admin_fail("%s", e.msg);
	return 0;
}

/* ---- the agents to fence --------------------------------------------- */

struct fenced {
	struct as_registry reg;
	struct as_egress_rule *rules;
	size_t n_rules;
};

struct fence {
	struct fenced *v;
	size_t n;
	struct as_site_conf site;
	struct as_egress_upstream upstreams[AS_SITE_MAX_UPSTREAMS];
	size_t n_upstreams;
	int failed; /* an agent or list could not be read */
};

static void fence_free(struct fence *f)
{
	for (size_t i = 0; i < f->n; i++) {
		as_registry_free(&f->v[i].reg);
		free(f->v[i].rules);
	}
	free(f->v);
	memset(f, 0, sizeof(*f));
}

static int add_rule(struct fenced *a, const char *spec)
{
	struct as_egress_rule *nr;
	struct as_err e;

	nr = realloc(a->rules, (a->n_rules + 1) * sizeof(*nr));
	if (!nr)
		return admin_fail("out of memory");
	a->rules = nr;
	/* Registry and lists hold only SPECs that parsed already. */
	if (as_egress_spec_parse(spec, &a->rules[a->n_rules], &e) < 0)
		return admin_fail("%s", e.msg);
	a->n_rules++;
	return 0;
}

/* The rules of one restricted agent: its lists' lines, then its own. */
static int collect_rules(struct fence *f, struct fenced *a)
{
	struct as_strv lists = { 0 }, specs = { 0 };
	int rc = 0;

	if (lists_in_force(&a->reg.egress, &lists)) {
		f->failed = 1;
		return ADMIN_EXIT_FAIL;
	}
	for (size_t i = 0; i < lists.n; i++) {
		struct as_err e = { "" };
		struct as_strv one = { 0 };
		char path[PATH_MAX];

		/* A list that does not read whole contributes nothing. */
		if (as_egress_read_list(lists.v[i], &one, path, sizeof(path), &e) < 0) {
			admin_fail("%s: %s (none of its lines is allowed)", a->reg.owner, e.msg);
			f->failed = 1;
			as_strv_free(&one);
		}
		for (size_t j = 0; j < one.n; j++)
			if (!as_strv_contains(&specs, one.v[j]) &&
			    as_strv_push(&specs, one.v[j]) < 0)
				rc = admin_fail("out of memory");
		as_strv_free(&one);
	}
	for (size_t i = 0; i < a->reg.egress.allow.n; i++)
		if (!as_strv_contains(&specs, a->reg.egress.allow.v[i]) &&
		    as_strv_push(&specs, a->reg.egress.allow.v[i]) < 0)
			rc = admin_fail("out of memory");
	for (size_t i = 0; i < specs.n && rc == 0; i++)
		rc = add_rule(a, specs.v[i]);
	as_strv_free(&lists);
	as_strv_free(&specs);
	return rc;
}

static int read_fence(const struct admin_ctx *ctx, struct fence *f)
{
	struct as_strv owners = { 0 };
	struct as_err e = { "" };
	_cleanup_free_ char *resolv = NULL;

	memset(f, 0, sizeof(*f));
	if (as_site_conf_load(&f->site, AS_SITE_CONF, &e) < 0)
		return admin_fail("%s", e.msg);
	if (f->site.n_upstreams) {
		memcpy(f->upstreams, f->site.upstreams, sizeof(f->upstreams));
		f->n_upstreams = f->site.n_upstreams;
	} else if (as_read_file(AT_FDCWD, RESOLV_CONF, AS_TRUST_ANY, 1 << 16, &resolv, &e) == 0) {
		f->n_upstreams = as_egress_resolv_conf(resolv, f->upstreams, AS_SITE_MAX_UPSTREAMS);
	}
	if (as_registry_list(ctx->regdir, &owners, &e) < 0)
		return admin_fail("%s", e.msg);
	f->v = calloc(owners.n + 1, sizeof(*f->v));
	if (!f->v) {
		as_strv_free(&owners);
		return admin_fail("out of memory");
	}
	for (size_t i = 0; i < owners.n; i++) {
		struct fenced *a = &f->v[f->n];
		int r = as_registry_load(&a->reg, ctx->regdir, owners.v[i], AS_TRUST_ROOT_ONLY, &e);

		if (r < 0) {
			/* No chain for it, so the helper refuses its sessions. */
			admin_fail("%s (its agent gets no fence and no session)", e.msg);
			f->failed = 1;
			continue;
		}
		if (a->reg.egress.open) {
			as_registry_free(&a->reg);
			continue;
		}
		f->n++;
		if (collect_rules(f, a))
			f->failed = 1;
	}
	as_strv_free(&owners);
	return 0;
}

/* ---- files in the run directory -------------------------------------- */

static int mkdir_run(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s", AS_EGRESS_RUNDIR);
	for (char *p = path + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (mkdir(path, 0755) < 0 && errno != EEXIST)
				return admin_fail("%s: cannot create: %s", path, strerror(errno));
			*p = c;
			if (!c)
				break;
		}
	}
	return 0;
}

static int write_file(const char *path, const char *text)
{
	char tmp[PATH_MAX + 8];
	size_t len = strlen(text);
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return admin_fail("%s: %s", tmp, strerror(errno));
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) < 0) {
		int e = errno;

		close(fd);
		unlink(tmp);
		return admin_fail("%s: %s", tmp, strerror(e));
	}
	if (close(fd) < 0 || rename(tmp, path) < 0)
		return admin_fail("%s: %s", path, strerror(errno));
	return 0;
}

/* ---- dnsmasq --------------------------------------------------------- */

/* Whether process PID is a dnsmasq started with OWNER's configuration. */
static bool is_resolver_of(long pid, const char *owner)
{
	char path[64], want[PATH_MAX + 16], buf[4096], exe[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n < 0)
		return false; /* gone, a zombie, or a kernel thread */
	exe[n] = '\0';
	if (strcmp(exe, AS_DNSMASQ_PATH) != 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	snprintf(want, sizeof(want), "--conf-file=%s/%s.conf", AS_EGRESS_RUNDIR, owner);
	for (char *p = buf; p < buf + n; p += strlen(p) + 1)
		if (strcmp(p, want) == 0)
			return true;
	return false;
}

/*
 * A resolver of OWNER that runs: a pidfd, or -1.  Found in /proc, not
 * through dnsmasq's pid file (which belongs to the user dnsmasq runs as,
 * and which a lost or overwritten copy would turn into an orphan); each
 * candidate is checked after pidfd_open, so its pid cannot be reused
 * under us.
 */
static int resolver_pidfd(const char *owner)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;
	int found = -1;

	if (!proc)
		return -1;
	while (found < 0 && (de = readdir(proc))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		int pidfd;

		if (*end || pid <= 1)
			continue;
		pidfd = pidfd_open((pid_t)pid, 0);
		if (pidfd < 0)
			continue;
		if (is_resolver_of(pid, owner))
			found = pidfd;
		else
			close(pidfd);
	}
	closedir(proc);
	return found;
}

/* Stops every resolver of OWNER (normally one). */
static int stop_resolver(const char *owner)
{
	for (int round = 0; round < 16; round++) {
		int pidfd = resolver_pidfd(owner);
		struct pollfd pfd;

		if (pidfd < 0)
			return 0;
		if (pidfd_send_signal(pidfd, SIGTERM, NULL, 0) < 0 && errno != ESRCH) {
			close(pidfd);
			return admin_fail("%s: cannot stop its resolver: %s", owner,
					  strerror(errno));
		}
		pfd.fd = pidfd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 3000) == 0) {
			pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
			poll(&pfd, 1, 3000);
		}
		close(pidfd);
	}
	return admin_fail("%s: its resolvers do not stop", owner);
}

static int start_resolver(const char *owner, const char *conf)
{
	char arg[PATH_MAX + 16];
	char *const argv[] = { "dnsmasq", arg, NULL };
	char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", NULL };
	int status;
	pid_t pid;

	snprintf(arg, sizeof(arg), "--conf-file=%s", conf);
	pid = fork();
	if (pid < 0)
		return admin_fail("%s: cannot start its resolver: fork: %s", owner,
				  strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0)
			_exit(ADMIN_CHILD_CANNOT_RUN);
		execve(AS_DNSMASQ_PATH, argv, envp);
		fprintf(stderr, "%s: %s: %s\n", ADMIN_PROG, AS_DNSMASQ_PATH, strerror(errno));
		_exit(ADMIN_CHILD_CANNOT_RUN);
	}
	/* dnsmasq binds its sockets before it forks into the background,
	 * so a 0 here means it is answering. */
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return admin_fail("%s: resolver: waitpid: %s", owner, strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return admin_fail("%s: its resolver (%s) did not start (status %d; see above)",
				  owner, AS_DNSMASQ_PATH,
				  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}

/* Writes OWNER's resolver configuration; (re)starts the resolver when the
 * configuration changed or it is not running. */
static int converge_resolver(const struct fenced *a, const char *text)
{
	char path[PATH_MAX];
	_cleanup_free_ char *old = NULL;
	struct as_err e;
	int pidfd;

	snprintf(path, sizeof(path), "%s/%s.conf", AS_EGRESS_RUNDIR, a->reg.owner);
	pidfd = resolver_pidfd(a->reg.owner);
	if (pidfd >= 0 &&
	    as_read_file(AT_FDCWD, path, AS_TRUST_ROOT_ONLY, 1 << 20, &old, &e) == 0 &&
	    strcmp(old, text) == 0) {
		close(pidfd);
		return 0;
	}
	if (pidfd >= 0)
		close(pidfd);
	if (stop_resolver(a->reg.owner) || write_file(path, text))
		return ADMIN_EXIT_FAIL;
	return start_resolver(a->reg.owner, path);
}

/* Resolvers of owners that are not fenced any more. */
static int stop_stale_resolvers(const struct fence *f)
{
	DIR *dir = opendir(AS_EGRESS_RUNDIR);
	struct dirent *de;
	int rc = 0;

	if (!dir)
		return errno == ENOENT ? 0 :
					 admin_fail("%s: %s", AS_EGRESS_RUNDIR, strerror(errno));
	while ((de = readdir(dir))) {
		size_t n = strlen(de->d_name);
		char owner[128], path[PATH_MAX];
		bool fenced = false;

		if (n <= 5 || n >= sizeof(owner) || strcmp(de->d_name + n - 5, ".conf") != 0)
			continue;
		memcpy(owner, de->d_name, n - 5);
		owner[n - 5] = '\0';
		for (size_t i = 0; i < f->n; i++)
			if (strcmp(f->v[i].reg.owner, owner) == 0)
				fenced = true;
		if (fenced)
			continue;
		if (stop_resolver(owner))
			rc = ADMIN_EXIT_FAIL;
		snprintf(path, sizeof(path), "%s/%s", AS_EGRESS_RUNDIR, de->d_name);
		unlink(path);
		snprintf(path, sizeof(path), "%s/%s.pid", AS_EGRESS_RUNDIR, owner);
		unlink(path);
	}
	closedir(dir);
	return rc;
}

/* ---- resolver ports -------------------------------------------------- */

/* Whether TYPE (UDP or TCP) can bind PORT on loopback of FAMILY. */
static bool can_bind(int family, int type, uint16_t port)
{
	struct sockaddr_in s4 = { .sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(port),
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int fd = socket(family, type | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	ok = family == AF_INET ? bind(fd, (struct sockaddr *)&s4, sizeof(s4)) == 0 :
				 bind(fd, (struct sockaddr *)&s6, sizeof(s6)) == 0;
	close(fd);
	return ok;
}

/* Whether PORT is free for a resolver: UDP and TCP on 127.0.0.1, and on
 * ::1 unless the host has no IPv6 loopback. */
static bool port_free(uint16_t port, bool no_ipv6)
{
	return can_bind(AF_INET, SOCK_DGRAM, port) && can_bind(AF_INET, SOCK_STREAM, port) &&
	       (no_ipv6 ||
		(can_bind(AF_INET6, SOCK_DGRAM, port) && can_bind(AF_INET6, SOCK_STREAM, port)));
}

/* The port OWNER's running resolver listens on (its configuration's
 * "port=" line), or 0. */
static uint16_t running_port(const char *owner)
{
	char path[PATH_MAX];
	_cleanup_free_ char *text = NULL;
	struct as_err e;
	const char *p;
	int pidfd = resolver_pidfd(owner);

	if (pidfd < 0)
		return 0;
	close(pidfd);
	snprintf(path, sizeof(path), "%s/%s.conf", AS_EGRESS_RUNDIR, owner);
	if (as_read_file(AT_FDCWD, path, AS_TRUST_ROOT_ONLY, 1 << 20, &text, &e) < 0)
		return 0;
	p = strstr(text, "\nport=");
	if (!p)
		return 0;
	return (uint16_t)strtoul(p + 6, NULL, 10);
}

/*
 * Each agent's resolver port: the one its running resolver has (so a
 * reload restarts nothing that did not change), else the first free one
 * from BASE up that no other agent took.  A port some other program holds
 * is skipped: the agents' DNS must never be redirected to a stranger.
 */
static int assign_ports(struct as_egress_agent *agents, size_t n, uint16_t base)
{
	/* Hosts booted with ipv6.disable=1 (some containers) have no ::1:
	 * the resolvers then listen on 127.0.0.1 only, and the agents'
	 * IPv6 DNS finds nothing at its redirect (closed). */
	bool no_ipv6 = !can_bind(AF_INET6, SOCK_DGRAM, 0);

	for (size_t i = 0; i < n; i++) {
		agents[i].no_ipv6 = no_ipv6;
		agents[i].dns_port = running_port(agents[i].owner);
	}
	for (size_t i = 0; i < n; i++) {
		bool taken = false;

		for (size_t j = 0; j < n && agents[i].dns_port; j++)
			if (j != i && agents[j].dns_port == agents[i].dns_port)
				taken = j < i;
		if (agents[i].dns_port && !taken)
			continue;
		agents[i].dns_port = 0;
		for (unsigned p = base; p < base + 1000u && p <= 65535 && !agents[i].dns_port;
		     p++) {
			bool used = false;

			for (size_t j = 0; j < n; j++)
				if (agents[j].dns_port == p)
					used = true;
			if (!used && port_free((uint16_t)p, no_ipv6))
				agents[i].dns_port = (uint16_t)p;
		}
		if (!agents[i].dns_port)
			return admin_fail("%s: no free resolver port in %u-%u", agents[i].owner,
					  (unsigned)base, (unsigned)base + 999);
	}
	return 0;
}

/* ---- nftables -------------------------------------------------------- */

static int load_ruleset(const char *text)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	const char *why;
	int rc;

	if (!nft)
		return admin_fail("nftables: cannot create a context");
	if (nft_ctx_buffer_output(nft) < 0 || nft_ctx_buffer_error(nft) < 0) {
		nft_ctx_free(nft);
		return admin_fail("nftables: cannot buffer messages");
	}
	rc = nft_run_cmd_from_buffer(nft, text);
	if (rc != 0) {
		char line[512];

		why = nft_ctx_get_error_buffer(nft);
		snprintf(line, sizeof(line), "%s", why && *why ? why : "unknown error");
		line[strcspn(line, "\n")] = '\0';
		nft_ctx_free(nft);
		return admin_fail("nftables: table inet %s not loaded: %s", AS_EGRESS_TABLE, line);
	}
	nft_ctx_free(nft);
	return 0;
}

static int load_fence(const struct admin_ctx *ctx, bool announce)
{
	struct fence f;
	struct as_egress_agent *agents = NULL;
	char **confs = NULL;
	char *ruleset = NULL;
	uint16_t base;
	struct as_err e = { "" };
	int rc = ADMIN_EXIT_FAIL, stale;

	if (read_fence(ctx, &f))
		goto out;
	base = f.site.resolver_port ? f.site.resolver_port : AS_EGRESS_DEFAULT_RESOLVER_PORT;
	agents = calloc(f.n + 1, sizeof(*agents));
	confs = calloc(f.n + 1, sizeof(*confs));
	if (!agents || !confs) {
		admin_fail("out of memory");
		goto out;
	}
	if (f.n > 0 && f.n_upstreams == 0)
		admin_warn(
			"no upstream resolver (no nameserver in %s, no upstream = in %s): "
			"the agents' names will not resolve",
			RESOLV_CONF, AS_SITE_CONF);
	if (mkdir_run())
		goto out;
	/* Resolvers of agents no longer fenced first: their ports are then
	 * free for the others. */
	stale = stop_stale_resolvers(&f);
	for (size_t i = 0; i < f.n; i++) {
		agents[i] = (struct as_egress_agent){
			.owner = f.v[i].reg.owner,
			.uid = f.v[i].reg.account_uid,
			.rules = f.v[i].rules,
			.n_rules = f.v[i].n_rules,
		};
	}
	if (assign_ports(agents, f.n, base))
		goto out;
	for (size_t i = 0; i < f.n; i++) {
		char pidfile[PATH_MAX];

		snprintf(pidfile, sizeof(pidfile), "%s/%s.pid", AS_EGRESS_RUNDIR, f.v[i].reg.owner);
		if (as_egress_dnsmasq_conf(&agents[i], f.upstreams, f.n_upstreams, pidfile,
					   &confs[i], &e) < 0) {
			admin_fail("%s: %s", f.v[i].reg.owner, e.msg);
			goto out;
		}
	}
	if (as_egress_ruleset(agents, f.n, &ruleset, &e) < 0) {
		admin_fail("%s", e.msg);
		goto out;
	}
	if (load_ruleset(ruleset))
		goto out;
	rc = stale;
	for (size_t i = 0; i < f.n; i++)
		if (converge_resolver(&f.v[i], confs[i]))
			rc = ADMIN_EXIT_FAIL;
	if (f.failed)
		rc = ADMIN_EXIT_FAIL;
	if (announce)
		admin_note(ctx, "egress fence loaded: %zu restricted agent%s", f.n,
			   f.n == 1 ? "" : "s");
out:
	for (size_t i = 0; confs && i < f.n; i++)
		free(confs[i]);
	free(confs);
	free(agents);
	free(ruleset);
	fence_free(&f);
	return rc;
}

int admin_egress_reload(const struct admin_ctx *ctx)
{
	if (ctx->dry_run)
		return 0;
	return load_fence(ctx, false);
}

/* ---- show ------------------------------------------------------------ */

static int show(const struct admin_ctx *ctx, const struct as_registry *reg)
{
	struct as_strv lists = { 0 };
	struct as_err e = { "" };
	FILE *out = ctx->out;
	int loaded, rc = 0;

	fprintf(out, "%s: agent %s (uid %u): %s\n", reg->owner, reg->account,
		(unsigned)reg->account_uid,
		reg->egress.open ? "open (no egress fence)" : "restricted");
	if (lists_in_force(&reg->egress, &lists))
		return ADMIN_EXIT_FAIL;
	fprintf(out, "lists: %s\n",
		!reg->egress.lists_set ? "default (every shipped list)" :
		lists.n                ? "chosen" :
					 "none");
	for (size_t i = 0; i < lists.n; i++) {
		struct as_strv specs = { 0 };
		char path[PATH_MAX];

		if (as_egress_read_list(lists.v[i], &specs, path, sizeof(path), &e) < 0) {
			fprintf(out, "  @%s: %s\n", lists.v[i], e.msg);
			rc = ADMIN_EXIT_FAIL;
			continue;
		}
		fprintf(out, "  @%s (%s):", lists.v[i], path);
		for (size_t j = 0; j < specs.n; j++)
			fprintf(out, " %s", specs.v[j]);
		fputc('\n', out);
		as_strv_free(&specs);
	}
	as_strv_free(&lists);
	fprintf(out, "allow:%s", reg->egress.allow.n ? "" : " (nothing of its own)");
	for (size_t i = 0; i < reg->egress.allow.n; i++)
		fprintf(out, " %s", reg->egress.allow.v[i]);
	fputc('\n', out);
	if (reg->egress.open)
		return rc;
	loaded = as_egress_chain_loaded(reg->account_uid, &e);
	if (loaded < 0)
		fprintf(out, "fence: unknown (%s)\n", e.msg);
	else
		fprintf(out, "fence: %s\n",
			loaded ?
				"loaded" :
				"NOT loaded: its sessions are refused; run 'agent-admin egress --load'");
	return loaded == 1 ? rc : ADMIN_EXIT_FAIL;
}

/* ---- allow / remove / open / restrict --------------------------------- */

static bool strv_remove(struct as_strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++) {
		if (strcmp(sv->v[i], s) == 0) {
			free(sv->v[i]);
			memmove(&sv->v[i], &sv->v[i + 1], (sv->n - i) * sizeof(sv->v[0]));
			sv->n--;
			return true;
		}
	}
	return false;
}

/* "lists = default" becomes the explicit list of every shipped one, so
 * that one of them can be taken away. */
static int materialize_lists(struct as_reg_egress *eg)
{
	if (eg->lists_set)
		return 0;
	if (shipped_lists(&eg->lists))
		return ADMIN_EXIT_FAIL;
	eg->lists_set = true;
	return 0;
}

/* Checks every argument first: a bad one changes nothing. */
static int check_args(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		struct as_egress_rule rule;
		struct as_err e = { "" };

		if (argv[i][0] == '@') {
			struct as_strv specs = { 0 };
			char path[PATH_MAX];
			int rc;

			if (!as_egress_list_name_valid(argv[i] + 1))
				return admin_fail("'%s': not a list name", argv[i]);
			rc = as_egress_read_list(argv[i] + 1, &specs, path, sizeof(path), &e);
			as_strv_free(&specs);
			if (rc < 0)
				return admin_fail("%s", e.msg);
			continue;
		}
		if (as_egress_spec_parse(argv[i], &rule, &e) < 0)
			return admin_fail("%s", e.msg);
	}
	return 0;
}

static int change(const struct admin_ctx *ctx, struct as_registry *reg, bool allow, int argc,
		  char **argv)
{
	struct as_reg_egress *eg = &reg->egress;

	if (check_args(argc, argv))
		return ADMIN_EXIT_FAIL;
	for (int i = 0; i < argc; i++) {
		struct as_egress_rule rule;
		struct as_err e;
		char canon[320];

		if (argv[i][0] == '@') {
			const char *name = argv[i] + 1;
			struct as_strv force = { 0 };
			bool in;

			if (lists_in_force(eg, &force))
				return ADMIN_EXIT_FAIL;
			in = as_strv_contains(&force, name);
			as_strv_free(&force);
			if (allow == in) {
				admin_note(ctx, "%s: list @%s is %s", reg->owner, name,
					   in ? "already in force" : "not in force");
				continue;
			}
			if (materialize_lists(eg))
				return ADMIN_EXIT_FAIL;
			if (allow ? as_strv_push(&eg->lists, name) < 0 :
				    !strv_remove(&eg->lists, name))
				return admin_fail("out of memory");
			continue;
		}
		as_egress_spec_parse(argv[i], &rule, &e);
		as_egress_spec_format(&rule, canon, sizeof(canon));
		if (allow) {
			if (as_strv_contains(&eg->allow, canon)) {
				admin_note(ctx, "%s: %s is already allowed", reg->owner, canon);
				continue;
			}
			if (!as_registry_value_ok("allow", canon, &e))
				return admin_fail("%s", e.msg);
			if (as_strv_push(&eg->allow, canon) < 0)
				return admin_fail("out of memory");
		} else if (!strv_remove(&eg->allow, canon)) {
			struct as_strv force = { 0 };
			const char *from = NULL;

			if (lists_in_force(eg, &force))
				return ADMIN_EXIT_FAIL;
			for (size_t l = 0; l < force.n && !from; l++) {
				struct as_strv specs = { 0 };
				char path[PATH_MAX];

				if (as_egress_read_list(force.v[l], &specs, path, sizeof(path),
							&e) == 0 &&
				    as_strv_contains(&specs, canon))
					from = force.v[l];
				as_strv_free(&specs);
			}
			if (from) {
				int rc = admin_fail(
					"%s: %s comes from list @%s; remove @%s, or override "
					"the list in %s/%s" LIST_SUFFIX,
					reg->owner, canon, from, from, AS_EGRESSDIR_ETC, from);

				as_strv_free(&force);
				return rc;
			}
			as_strv_free(&force);
			admin_note(ctx, "%s: %s was not allowed", reg->owner, canon);
		}
	}
	return 0;
}

/* ---- apply ---------------------------------------------------------- */

static void print_diff(FILE *out, const char *owner, const char *verb, const struct as_strv *a,
		       const struct as_strv *b, const char *prefix)
{
	bool any = false;

	/* What A has and B lacks. */
	for (size_t i = 0; i < a->n; i++) {
		if (as_strv_contains(b, a->v[i]))
			continue;
		if (!any)
			fprintf(out, "egress %s %s", owner, verb);
		fprintf(out, " %s%s", prefix, a->v[i]);
		any = true;
	}
	if (any)
		fputc('\n', out);
}

static int copy_strv(struct as_strv *dst, const struct as_strv *src)
{
	as_strv_free(dst);
	for (size_t i = 0; i < src->n; i++)
		if (as_strv_push(dst, src->v[i]) < 0)
			return admin_fail("out of memory");
	return 0;
}

int admin_egress_converge(const struct admin_ctx *ctx, const char *owner,
			  const struct as_reg_egress *want)
{
	struct as_strv have_lists = { 0 }, want_lists = { 0 };
	struct as_registry reg;
	struct as_err e = { "" };
	bool same;
	int rc;

	rc = as_registry_load(&reg, ctx->regdir, owner, AS_TRUST_ROOT_ONLY, &e);
	if (rc == -ENOENT && ctx->dry_run) {
		/* A --dry-run for an agent that add would create: compare
		 * with the registry default. */
		as_registry_init(&reg);
		rc = 0;
	}
	if (rc < 0)
		return admin_fail("%s", e.msg);
	rc = ADMIN_EXIT_FAIL;
	if (lists_in_force(&reg.egress, &have_lists) || lists_in_force(want, &want_lists))
		goto out;
	if (want->open != reg.egress.open)
		fprintf(ctx->out, "egress %s %s\n", owner, want->open ? "open" : "restrict");
	print_diff(ctx->out, owner, "remove", &reg.egress.allow, &want->allow, "");
	print_diff(ctx->out, owner, "remove", &have_lists, &want_lists, "@");
	print_diff(ctx->out, owner, "allow", &want_lists, &have_lists, "@");
	print_diff(ctx->out, owner, "allow", &want->allow, &reg.egress.allow, "");
	fflush(ctx->out);
	same = want->open == reg.egress.open && want->lists_set == reg.egress.lists_set &&
	       want->allow.n == reg.egress.allow.n && want->lists.n == reg.egress.lists.n;
	for (size_t i = 0; same && i < want->allow.n; i++)
		same = strcmp(want->allow.v[i], reg.egress.allow.v[i]) == 0;
	for (size_t i = 0; same && i < want->lists.n; i++)
		same = strcmp(want->lists.v[i], reg.egress.lists.v[i]) == 0;
	if (same || ctx->dry_run) {
		rc = 0;
		goto out;
	}
	reg.egress.open = want->open;
	reg.egress.lists_set = want->lists_set;
	if (copy_strv(&reg.egress.lists, &want->lists) ||
	    copy_strv(&reg.egress.allow, &want->allow))
		goto out;
	if (as_registry_save(&reg, ctx->regdir, &e) < 0) {
		admin_fail("%s", e.msg);
		goto out;
	}
	rc = load_fence(ctx, false);
out:
	as_strv_free(&have_lists);
	as_strv_free(&want_lists);
	as_registry_free(&reg);
	return rc;
}

/* ---- log ------------------------------------------------------------- */

/* Rejections are in the kernel log (the nft log statement); read it
 * without journald or syslog, which a host may not run. */
static int show_log(const struct admin_ctx *ctx, const char *owner)
{
	struct as_egress_rejection shown[LOG_SHOWN];
	size_t n = 0, total = 0;
	char buf[8192];
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return admin_fail("/dev/kmsg: %s", strerror(errno));
	for (;;) {
		ssize_t len = read(fd, buf, sizeof(buf) - 1);
		struct as_egress_rejection rej;

		if (len < 0 && errno == EPIPE)
			continue; /* overwritten while we read: go on */
		if (len < 0 && errno == EINTR)
			continue;
		if (len <= 0)
			break;
		buf[len] = '\0';
		if (as_egress_parse_log_line(buf, &rej) < 0 || strcmp(rej.owner, owner) != 0)
			continue;
		/* A ring of the last LOG_SHOWN. */
		shown[total++ % LOG_SHOWN] = rej;
		if (n < LOG_SHOWN)
			n++;
	}
	close(fd);
	if (total == 0) {
		fprintf(ctx->out, "%s: no rejected connection in the kernel log\n", owner);
		return 0;
	}
	fprintf(ctx->out,
		"%s: %zu rejected (the last %zu; rate-limited, so repeats may be missing):\n",
		owner, total, n);
	for (size_t i = total - n; i < total; i++) {
		const struct as_egress_rejection *r = &shown[i % LOG_SHOWN];

		if (r->spec[0])
			fprintf(ctx->out, "  %s %s port %u — agent-admin egress %s allow %s\n",
				r->proto, r->dst, r->port, owner, r->spec);
		else
			fprintf(ctx->out, "  %s %s — only TCP and UDP can be allowed\n", r->proto,
				r->dst);
	}
	return 0;
}

/* ---- the subcommand -------------------------------------------------- */

static int usage_error(const char *what)
{
	return admin_usage(
		"egress: %s; usage: %s egress OWNER [allow SPEC...|remove SPEC...|"
		"open|restrict|log] | %s egress --load",
		what, ADMIN_PROG, ADMIN_PROG);
}

int admin_egress(const struct admin_ctx *ctx, int argc, char **argv)
{
	struct as_registry reg;
	struct as_err e = { "" };
	const char *owner, *verb;
	int rc;

	if (argc < 2)
		return usage_error("missing OWNER or --load");
	if (strcmp(argv[1], "--load") == 0) {
		if (argc > 2)
			return usage_error("--load takes no argument");
		return load_fence(ctx, true);
	}
	if (argv[1][0] == '-')
		return usage_error("unknown option");
	owner = argv[1];
	verb = argc > 2 ? argv[2] : NULL;
	if (verb && strcmp(verb, "allow") != 0 && strcmp(verb, "remove") != 0 &&
	    strcmp(verb, "open") != 0 && strcmp(verb, "restrict") != 0 && strcmp(verb, "log") != 0)
		return usage_error("unknown action (allow, remove, open, restrict or log)");
	if (verb && (strcmp(verb, "allow") == 0 || strcmp(verb, "remove") == 0) && argc < 4)
		return usage_error("allow and remove need at least one SPEC");
	if (verb && strcmp(verb, "allow") != 0 && strcmp(verb, "remove") != 0 && argc > 3)
		return usage_error("unexpected argument");
	rc = as_registry_load(&reg, ctx->regdir, owner, AS_TRUST_ROOT_ONLY, &e);
	if (rc == -ENOENT)
		return admin_fail("%s: has no agent; run 'agent-admin add %s' first", owner, owner);
	if (rc < 0)
		return admin_fail("%s", e.msg);
	if (!verb)
		rc = show(ctx, &reg);
	else if (strcmp(verb, "log") == 0)
		rc = show_log(ctx, owner);
	else {
		if (strcmp(verb, "open") == 0)
			reg.egress.open = true;
		else if (strcmp(verb, "restrict") == 0)
			reg.egress.open = false;
		else
			rc = change(ctx, &reg, strcmp(verb, "allow") == 0, argc - 3, argv + 3);
		if (rc == 0 && as_registry_save(&reg, ctx->regdir, &e) < 0)
			rc = admin_fail("%s", e.msg);
		if (rc == 0)
			rc = load_fence(ctx, false);
		if (rc == 0)
			rc = show(ctx, &reg);
	}
	as_registry_free(&reg);
	return rc;
}
