/* SPDX-License-Identifier: MIT */
/*
 * A minimal TAP producer for the C unit tests: one "ok N - name" line per
 * check, a plan at the end, exit status 1 if anything failed.  meson runs
 * the binaries with protocol 'tap'.
 */
#ifndef AS_TAP_H
#define AS_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

__attribute__((format(printf, 2, 3))) static inline int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __VA_ARGS__)

#define is_int(got, want, ...)                                           \
	do {                                                             \
		long long g_ = (long long)(got), w_ = (long long)(want); \
		if (!tap_ok(g_ == w_, __VA_ARGS__))                      \
			printf("#   got %lld, want %lld\n", g_, w_);     \
	} while (0)

#define is_str(got, want, ...)                                                      \
	do {                                                                        \
		const char *g_ = (got), *w_ = (want);                               \
		if (!tap_ok(g_ && w_ && strcmp(g_, w_) == 0, __VA_ARGS__))          \
			printf("#   got \"%s\", want \"%s\"\n", g_ ? g_ : "(null)", \
			       w_ ? w_ : "(null)");                                 \
	} while (0)

#define like(got, needle, ...)                                                                  \
	do {                                                                                    \
		const char *g_ = (got), *n_ = (needle);                                         \
		if (!tap_ok(g_ && strstr(g_, n_) != NULL, __VA_ARGS__))                         \
			printf("#   \"%s\" does not contain \"%s\"\n", g_ ? g_ : "(null)", n_); \
	} while (0)

/* True under meson test --setup valgrind (tests/meson.build).  Valgrind
 * 3.19 implements neither seccomp(2) nor the Landlock syscalls: a test
 * that needs them skips there, and runs natively and under ASan. */
static inline int tap_valgrind(void)
{
	const char *v = getenv("AS_TEST_VALGRIND");

	return v && *v;
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
