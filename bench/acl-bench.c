/* SPDX-License-Identifier: MIT */
/*
 * Driver for bench/acl-grant.sh: runs one lib/acl-walk.c operation on a tree
 * and prints its wall time and counters on one line, so the script can
 * compare it with setfacl(1) on an identical copy.
 *
 *   acl-bench [--no-getxattrat] grant|revoke|check DIR AGENT_UID OWNER_UID [--read-only]
 *
 * --no-getxattrat makes getxattrat(2) fail with ENOSYS (a seccomp filter),
 * to measure the path kernels before 6.13 take.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include "acl.h"

static int parse_uid(const char *s, uid_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v >= (uid_t)-1)
		return -1;
	*out = (uid_t)v;
	return 0;
}

static int hide_getxattrat(void)
{
	/* 464 on every architecture with the unified syscall table. */
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 464, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { AS_ARRAY_SIZE(insns), insns };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		return -errno;
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct as_acl_stats st = { 0 };
	struct as_acl_report rep = { .problem = NULL };
	struct as_err err = { "" };
	bool read_only = false;
	uid_t agent, owner;
	double t0, t1;
	int r;

	if (argc > 1 && strcmp(argv[1], "--no-getxattrat") == 0) {
		if (hide_getxattrat() < 0) {
			fprintf(stderr, "acl-bench: cannot install the seccomp filter: %s\n",
				strerror(errno));
			return 1;
		}
		argv++;
		argc--;
	}
	if (argc == 6 && strcmp(argv[5], "--read-only") == 0)
		read_only = true;
	else if (argc != 5)
		goto usage;
	if (parse_uid(argv[3], &agent) < 0 || parse_uid(argv[4], &owner) < 0)
		goto usage;

	t0 = now();
	if (strcmp(argv[1], "grant") == 0)
		r = as_acl_grant_tree(argv[2], agent, owner, read_only, &st, &err);
	else if (strcmp(argv[1], "revoke") == 0)
		r = as_acl_revoke_tree(argv[2], agent, owner, &st, &err);
	else if (strcmp(argv[1], "check") == 0)
		r = as_acl_check_tree(argv[2], agent, owner, read_only, &rep, &err);
	else
		goto usage;
	t1 = now();
	if (r < 0) {
		fprintf(stderr, "acl-bench: %s\n", err.msg);
		return 1;
	}
	if (strcmp(argv[1], "check") == 0)
		printf("check %.3fs missing=%lu narrow_mask=%lu missing_default=%lu%s%s\n", t1 - t0,
		       rep.missing, rep.narrow_mask, rep.missing_default,
		       rep.example[0] ? " e.g. " : "", rep.example);
	else
		printf("%s %.3fs visited=%lu changed=%lu unchanged=%lu skipped=%lu vanished=%lu\n",
		       argv[1], t1 - t0, st.visited, st.changed, st.unchanged, st.skipped,
		       st.vanished);
	return 0;

usage:
	fprintf(stderr,
		"usage: acl-bench [--no-getxattrat] grant|revoke|check DIR AGENT_UID OWNER_UID [--read-only]\n");
	return 2;
}
