/* SPDX-License-Identifier: MIT */
/*
 * Proves the sanitizer build would catch something (only built with
 * -Db_sanitize): each child commits one kind of bug and must die by
 * SIGABRT, the status tests/sanitizer/options.c asks for, with the
 * runtime's report on its stderr.  Without this, an uninstrumented or
 * recovering build would pass every suite and prove nothing.
 */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

/* volatile: the compiler must not see through the bugs and fold them. */
static volatile int big = INT_MAX;
static volatile size_t size = 16;
static volatile char sink;
static void *volatile kept;

static void heap_overflow(void)
{
	char *p = calloc(1, size);

	sink = p[size];
	free(p);
}

static void use_after_free(void)
{
	/* volatile, so GCC's -Wuse-after-free does not see it at build time. */
	char *volatile q = malloc(size);

	free(q);
	sink = q[0];
}

static void signed_overflow(void)
{
	int x = big + 1;

	printf("%d\n", x);
}

static void leak(void)
{
	kept = malloc(64);
	kept = NULL;
	exit(0);
}

/* Runs bug in a child; returns its stderr and sets *sig to the signal
 * that ended it (0 if it exited). */
static char *run(void (*bug)(void), int *sig)
{
	static char buf[65536];
	int fd[2], status;
	ssize_t n;
	size_t len = 0;
	pid_t pid;

	*sig = -1;
	fflush(stdout);
	if (pipe(fd) < 0)
		return NULL;
	pid = fork();
	if (pid < 0)
		return NULL;
	if (pid == 0) {
		close(fd[0]);
		dup2(fd[1], 2);
		bug();
		_exit(0);
	}
	close(fd[1]);
	while (len < sizeof(buf) - 1 && (n = read(fd[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd[0]);
	if (waitpid(pid, &status, 0) < 0)
		return NULL;
	*sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	return buf;
}

static void expect(void (*bug)(void), const char *report, const char *name)
{
	int sig;
	const char *out = run(bug, &sig);

	/* ok(), not like(): the report spans lines that would break TAP. */
	is_int(sig, SIGABRT, "%s ends the process with SIGABRT", name);
	ok(out && strstr(out, report), "%s is reported as \"%s\"", name, report);
}

int main(void)
{
	expect(heap_overflow, "ERROR: AddressSanitizer: heap-buffer-overflow", "a heap overflow");
	expect(use_after_free, "ERROR: AddressSanitizer: heap-use-after-free", "a use after free");
	expect(signed_overflow, "runtime error: signed integer overflow",
	       "a signed overflow (UBSan)");
	expect(leak, "ERROR: LeakSanitizer: detected memory leaks", "a leak at exit");
	return tap_done();
}
