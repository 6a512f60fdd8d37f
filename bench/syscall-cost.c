/* SPDX-License-Identifier: MIT */
/*
 * What the seccomp layer costs per syscall: getppid (the cheapest real
 * syscall: no vDSO, no caching in glibc) and open+close of /etc/hostname,
 * measured bare, behind a one-instruction "allow" filter (the kernel's fixed
 * cost of having any filter), behind our default filter, and behind the
 * default plus a profile's additions.
 *
 * Since Linux 5.11 the kernel caches, per syscall number, "this filter
 * allows it whatever the arguments" (the seccomp action cache), and skips
 * the BPF for those: getppid and open show only that lookup.  ioctl has
 * argument rules (TIOCSTI), so FIONREAD on /dev/null walks our BPF every
 * time: that column is the filter's real per-call cost.  Each configuration runs in its own
 * child, since a filter cannot be removed.  Prints the median (and the
 * minimum) ns per call of several runs.
 *
 * Usage: syscall-cost [ITERATIONS]
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "seccomp.h"

#define RUNS 15

enum setup { BARE, ALLOW_ONE, DEFAULT, PROFILE };

static const char *const setup_names[] = {
	[BARE] = "bare",
	[ALLOW_ONE] = "1-insn allow filter",
	[DEFAULT] = "default filter",
	[PROFILE] = "default + @udp,@inet,chmod,...",
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void op_getppid(void)
{
	syscall(SYS_getppid);
}

static void op_open_close(void)
{
	int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
}

static int null_fd = -1;

static void op_ioctl(void)
{
	int n;

	ioctl(null_fd, FIONREAD, &n);
}

/* Mean ns per call of iters calls. */
static double batch(void (*op)(void), long iters)
{
	double t0 = now_ns();

	for (long i = 0; i < iters; i++)
		op();
	return (now_ns() - t0) / (double)iters;
}

static int load_allow_one(void)
{
	struct sock_filter insn = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { .len = 1, .filter = &insn };

	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}

static int load_ours(enum setup s)
{
	static const char *const extra[] = {
		"@udp",  "@inet",   "chmod", "fchmod",  "chown",    "lchown",      "fchownat",
		"mknod", "mknodat", "link",  "symlink", "setxattr", "removexattr",
	};
	struct as_seccomp *sc = NULL;
	struct as_err err = { "" };
	struct as_policy pol;
	int rc;

	as_policy_init(&pol);
	for (size_t i = 0; s == PROFILE && i < AS_ARRAY_SIZE(extra); i++)
		as_strv_push(&pol.seccomp_deny, extra[i]);
	rc = as_seccomp_build(&pol, &sc, &err);
	if (rc == 0)
		rc = as_seccomp_load(sc, &err);
	if (rc < 0)
		fprintf(stderr, "syscall-cost: %s\n", err.msg);
	as_seccomp_free(sc);
	as_policy_free(&pol);
	return rc;
}

static const struct {
	const char *name;
	void (*fn)(void);
	int divisor; /* open+close is slower: fewer calls per batch */
} ops[] = {
	{ "getppid", op_getppid, 1 },
	{ "ioctl(FIONREAD)", op_ioctl, 1 },
	{ "open+close", op_open_close, 10 },
};

#define N_SETUPS 4
#define N_OPS AS_ARRAY_SIZE(ops)

/* Serves batches: reads an op index, answers with ns per call. */
static int child(enum setup s, long iters, int in, int out)
{
	unsigned char op;
	int rc = 0;

	/* NNP first, like the sandbox: the filters need it. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return 1;
	if (s == ALLOW_ONE)
		rc = load_allow_one();
	else if (s != BARE)
		rc = load_ours(s);
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (rc < 0 || null_fd < 0)
		return 1;
	while (read(in, &op, 1) == 1 && op < N_OPS) {
		long n = iters / ops[op].divisor;
		double ns;

		batch(ops[op].fn, n / 10); /* warm up */
		ns = batch(ops[op].fn, n);
		if (write(out, &ns, sizeof(ns)) != (ssize_t)sizeof(ns))
			return 1;
	}
	return 0;
}

struct worker {
	pid_t pid;
	int to, from;
};

static int start_worker(enum setup s, long iters, struct worker *w)
{
	int down[2], up[2];

	if (pipe2(down, O_CLOEXEC) < 0 || pipe2(up, O_CLOEXEC) < 0)
		return -errno;
	fflush(stdout);
	w->pid = fork();
	if (w->pid < 0)
		return -errno;
	if (w->pid == 0) {
		close(down[1]);
		close(up[0]);
		_exit(child(s, iters, down[0], up[1]));
	}
	close(down[0]);
	close(up[1]);
	w->to = down[1];
	w->from = up[0];
	return 0;
}

/*
 * One child per configuration, kept alive, each holding its filter.  The
 * batches are interleaved (every configuration runs op k of round r before
 * any runs round r+1), so load from other processes on the machine spreads
 * over all columns instead of landing on one.
 */
int main(int argc, char **argv)
{
	long iters = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
	double res[N_SETUPS][N_OPS][RUNS];
	struct worker w[N_SETUPS];
	int status, failed = 0;

	if (iters < 100) {
		fprintf(stderr, "usage: syscall-cost [ITERATIONS >= 100]\n");
		return 2;
	}
	for (int s = 0; s < N_SETUPS; s++)
		if (start_worker((enum setup)s, iters, &w[s]) < 0) {
			perror("syscall-cost: fork");
			return 1;
		}
	for (int r = 0; r < RUNS && !failed; r++)
		for (unsigned char op = 0; op < N_OPS && !failed; op++)
			for (int s = 0; s < N_SETUPS && !failed; s++) {
				if (write(w[s].to, &op, 1) != 1 ||
				    read(w[s].from, &res[s][op][r], sizeof(double)) !=
					    (ssize_t)sizeof(double)) {
					fprintf(stderr, "syscall-cost: %s failed\n",
						setup_names[s]);
					failed = 1;
				}
			}
	for (int s = 0; s < N_SETUPS; s++) {
		/* An explicit "quit": later children hold copies of earlier
		 * pipes, so closing ours would not be an EOF. */
		unsigned char quit = N_OPS;

		if (write(w[s].to, &quit, 1) != 1)
			failed = 1;
		close(w[s].to);
		if (waitpid(w[s].pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			failed = 1;
	}
	if (failed)
		return 1;

	printf("ns per call, median (min) of %d interleaved runs; %ld calls per run (open+close: %ld)\n",
	       RUNS, iters, iters / 10);
	printf("%-32s", "");
	for (size_t op = 0; op < N_OPS; op++)
		printf(" %20s", ops[op].name);
	printf("\n");
	for (int s = 0; s < N_SETUPS; s++) {
		printf("%-32s", setup_names[s]);
		for (size_t op = 0; op < N_OPS; op++) {
			qsort(res[s][op], RUNS, sizeof(double), cmp_double);
			printf("      %6.1f (%6.1f)", res[s][op][RUNS / 2], res[s][op][0]);
		}
		printf("\n");
	}
	return 0;
}
