/* SPDX-License-Identifier: MIT */
/*
 * Replays inputs through a harness's entry points without libFuzzer:
 * linked with one fuzz_NAME.c in the regular build (suite unit), it feeds
 * every file of the seed corpus and of the regressions directory to
 * LLVMFuzzerTestOneInput, one TAP line per file.  A harness aborts on a
 * broken invariant and the sanitizer build catches memory errors, so a
 * crash found by bench/fuzz, once its input is saved in
 * tests/fuzz/regressions/NAME/, is tested on every CI run.
 *
 *   fuzz-replay-NAME CORPUS_DIR [REGRESSIONS_DIR]
 *
 * The corpus must exist and hold at least one file (an empty seed set
 * would make this test pass vacuously); the regressions directory may be
 * absent while no crash has been found.  Files whose names start with '.'
 * are skipped.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads DIR/NAME whole; NULL (after a message) on failure. */
static uint8_t *slurp(int dfd, const char *dir, const char *name, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		printf("# %s/%s: %s\n", dir, name, fd < 0 ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	/* One spare byte so that an empty file is a non-NULL buffer. */
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		abort();
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n <= 0) {
			printf("# %s/%s: short read\n", dir, name);
			free(buf);
			close(fd);
			return NULL;
		}
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return buf;
}

/* Feeds every file of DIR; returns how many, or -1 on an error. */
static int replay_dir(const char *dir, int *n, bool required)
{
	struct dirent *de;
	char **names = NULL;
	size_t nn = 0;
	int count = 0, bad = 0;
	DIR *d = opendir(dir);

	if (!d) {
		if (!required && errno == ENOENT) {
			printf("# %s: none yet\n", dir);
			return 0;
		}
		printf("Bail out! %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		char **nv;

		if (de->d_name[0] == '.')
			continue;
		nv = realloc(names, (nn + 1) * sizeof(*nv));
		if (!nv)
			abort();
		names = nv;
		names[nn] = strdup(de->d_name);
		if (!names[nn])
			abort();
		nn++;
	}
	qsort(names, nn, sizeof(*names), cmp);
	for (size_t i = 0; i < nn; i++) {
		size_t len = 0;
		uint8_t *buf = slurp(dirfd(d), dir, names[i], &len);

		if (!buf) {
			printf("not ok %d - %s/%s: unreadable\n", ++*n, dir, names[i]);
			bad++;
		} else {
			/* Said before the call: if the harness aborts, the log
			 * names the input that did it. */
			printf("# %s/%s (%zu bytes)\n", dir, names[i], len);
			fflush(stdout);
			LLVMFuzzerTestOneInput(buf, len);
			printf("ok %d - %s/%s\n", ++*n, dir, names[i]);
			free(buf);
			count++;
		}
		free(names[i]);
	}
	free(names);
	closedir(d);
	if (required && nn == 0) {
		printf("not ok %d - %s holds no input\n", ++*n, dir);
		return -1;
	}
	return bad ? -1 : count;
}

int main(int argc, char **argv)
{
	int n = 0, failed = 0;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s CORPUS_DIR [REGRESSIONS_DIR]\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++)
		if (replay_dir(argv[i], &n, i == 1) < 0)
			failed = 1;
	printf("1..%d\n", n);
	return failed;
}
