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
 * child, since a filter cannot be removed.  Prints the median ns per call of
 * several runs.
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

#define RUNS 9

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

/* Median over RUNS of the mean ns per call of iters calls. */
static double measure(void (*op)(void), long iters)
{
	double runs[RUNS];

	for (long i = 0; i < iters / 10; i++) /* warm up */
		op();
	for (int r = 0; r < RUNS; r++) {
		double t0 = now_ns();

		for (long i = 0; i < iters; i++)
			op();
		runs[r] = (now_ns() - t0) / (double)iters;
	}
	qsort(runs, RUNS, sizeof(runs[0]), cmp_double);
	return runs[RUNS / 2];
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
		"@udp", "@inet", "chmod", "fchmod", "chown", "lchown", "fchownat",
		"mknod", "mknodat", "link", "symlink", "setxattr", "removexattr",
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

static int child(enum setup s, long iters)
{
	int rc = 0;

	/* NNP first, like the sandbox: the filters need it. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return 1;
	if (s == ALLOW_ONE)
		rc = load_allow_one();
	else if (s != BARE)
		rc = load_ours(s);
	if (rc < 0)
		return 1;
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null_fd < 0)
		return 1;
	printf("%-32s getppid %6.1f ns  ioctl %6.1f ns  open+close %7.1f ns\n",
	       setup_names[s], measure(op_getppid, iters), measure(op_ioctl, iters),
	       measure(op_open_close, iters / 10));
	fflush(stdout); /* the caller leaves with _exit */
	return 0;
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
	int status, failed = 0;

	if (iters < 100) {
		fprintf(stderr, "usage: syscall-cost [ITERATIONS >= 100]\n");
		return 2;
	}
	printf("median of %d runs; %ld getppid/ioctl and %ld open+close per run\n",
	       RUNS, iters, iters / 10);
	for (int s = BARE; s <= PROFILE; s++) {
		pid_t pid;

		fflush(stdout);
		pid = fork();
		if (pid < 0) {
			perror("syscall-cost: fork");
			return 1;
		}
		if (pid == 0)
			_exit(child((enum setup)s, iters));
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			failed = 1;
	}
	return failed;
}
