/* SPDX-License-Identifier: MIT */
/*
 * Proves the 'valgrind' test setup would catch something (normal build
 * only: valgrind cannot run an ASan program).  tests/meson.build passes
 * the setup's own valgrind command line; this runs itself under it with
 * one bug per run and expects valgrind's error status, 1, and its report.
 * Under the setup itself it skips: valgrind does not run inside valgrind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

static volatile size_t size = 16;
static volatile char sink;
static void *volatile kept;

static int bug(const char *what)
{
	if (strcmp(what, "leak") == 0) {
		kept = malloc(size);
		kept = NULL;
	} else if (strcmp(what, "overflow") == 0) {
		char *p = calloc(1, size);

		sink = p[size];
		free(p);
	}
	return 0;
}

/* Runs the valgrind command vg (NULL-terminated) on "self what"; returns
 * the exit status (-1: it did not exit) and valgrind's output in out. */
static int run(char **vg, int nvg, const char *self, const char *what, char *out, size_t len)
{
	char **argv = calloc((size_t)nvg + 3, sizeof(*argv));
	size_t got = 0;
	int fd[2], status;
	ssize_t n;
	pid_t pid;

	out[0] = '\0';
	if (!argv || pipe(fd) < 0)
		return -1;
	memcpy(argv, vg, (size_t)nvg * sizeof(*argv));
	argv[nvg] = (char *)self;
	argv[nvg + 1] = (char *)what;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(fd[1], 1);
		dup2(fd[1], 2);
		close(fd[0]);
		close(fd[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fd[1]);
	while (pid > 0 && got < len - 1 && (n = read(fd[0], out + got, len - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(fd[0]);
	free(argv);
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	static char out[65536];
	char self[4096];
	ssize_t n;

	if (argc == 2)
		return bug(argv[1]);
	if (tap_valgrind()) {
		printf("ok 1 # skip valgrind does not run inside valgrind\n");
		return tap_done();
	}
	if (argc < 2) {
		printf("Bail out! usage: %s VALGRIND [ARG...]\n", argv[0]);
		return 1;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0) {
		printf("Bail out! readlink /proc/self/exe failed\n");
		return 1;
	}
	self[n] = '\0';

	is_int(run(argv + 1, argc - 1, self, "clean", out, sizeof(out)), 0,
	       "a clean program passes the valgrind setup");
	is_int(run(argv + 1, argc - 1, self, "leak", out, sizeof(out)), 1, "a leak fails it");
	ok(strstr(out, "definitely lost"), "the leak is reported as \"definitely lost\"");
	is_int(run(argv + 1, argc - 1, self, "overflow", out, sizeof(out)), 1,
	       "a heap overflow fails it");
	ok(strstr(out, "Invalid read of size 1"),
	   "the overflow is reported as \"Invalid read of size 1\"");
	return tap_done();
}
