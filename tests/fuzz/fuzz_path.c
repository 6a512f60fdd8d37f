/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the pure path rules (lib/path.c) that decide what
 * a grant may share and which directory is inside which project, checked
 * against a component-by-component model written independently here.
 *
 * Input: one flags byte, then path A, '\n', path B.  Flags: bit 0 the
 * home's account is human, bit 1 it is the owner's, bit 2 --allow-var,
 * bits 3-7 pick a small output buffer for as_path_normalize (or PATH_MAX),
 * so its length checks are reached at every boundary.
 *
 * Checked: normalization gives what the model gives (canonical,
 * idempotent) and fails exactly when the model says a step does not fit;
 * containment, parents, system trees, home clashes and the registry's
 * project lookup (what authorizes a session) agree with the model.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "path.h"
#include "registry.h"

#define MAXC 2048

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* The components of a path; "." and "" dropped, ".." pops (never above
 * the root).  MAXLEN gets the longest joined length seen on the way, the
 * way as_path_normalize builds its output. */
struct comps {
	const char *s[MAXC];
	size_t n[MAXC];
	size_t count;
	size_t maxlen;
};

static size_t joined_len(const struct comps *c)
{
	size_t len = 0;

	for (size_t i = 0; i < c->count; i++)
		len += 1 + c->n[i];
	return len;
}

static void split(const char *p, struct comps *c)
{
	c->count = 0;
	c->maxlen = 0;
	while (*p) {
		const char *s;
		size_t n, len;

		while (*p == '/')
			p++;
		s = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - s);
		if (n == 0 || (n == 1 && s[0] == '.'))
			continue;
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			if (c->count > 0)
				c->count--;
			continue;
		}
		if (c->count == MAXC)
			abort();
		c->s[c->count] = s;
		c->n[c->count] = n;
		c->count++;
		len = joined_len(c);
		if (len > c->maxlen)
			c->maxlen = len;
	}
}

static void join(const struct comps *c, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < c->count; i++) {
		out[o++] = '/';
		memcpy(out + o, c->s[i], c->n[i]);
		o += c->n[i];
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
}

static bool canonical(const char *p)
{
	struct comps c;
	char again[PATH_MAX];

	if (p[0] != '/' || strlen(p) >= PATH_MAX)
		return false;
	split(p, &c);
	join(&c, again);
	return strcmp(again, p) == 0;
}

/* B's components are a prefix of A's. */
static bool model_within(const char *a, const char *b)
{
	static struct comps ca, cb;

	split(a, &ca);
	split(b, &cb);
	if (cb.count > ca.count)
		return false;
	for (size_t i = 0; i < cb.count; i++)
		if (cb.n[i] != ca.n[i] || memcmp(cb.s[i], ca.s[i], cb.n[i]) != 0)
			return false;
	return true;
}

static void check_normalize(const char *in, size_t len, char *out)
{
	static struct comps c;
	char model[PATH_MAX];
	bool fits, r;

	r = as_path_normalize(in, out, len);
	split(in, &c);
	fits = in[0] == '/' && len >= 2 && c.maxlen + 1 <= len;
	if (r != fits)
		abort();
	if (!r)
		return;
	join(&c, model);
	if (strcmp(out, model) != 0 || !canonical(out))
		abort();
}

static void check_pair(const char *a, const char *b, unsigned flags)
{
	static const char *const trees[] = {
		"/etc", "/usr", "/bin", "/sbin", "/boot", "/proc", "/sys", "/dev", "/run",
	};
	bool human = flags & 1, is_owner = flags & 2, allow_var = flags & 4;
	char parent[PATH_MAX], pp[PATH_MAX];
	const char *sys;
	enum as_home_clash want, got;
	struct as_registry r;

	if (as_path_within(a, b) != model_within(a, b))
		abort();
	if (!as_path_within(a, a) || !as_path_within(a, "/"))
		abort();
	if (as_path_within(a, b) && as_path_within(b, a) && strcmp(a, b) != 0)
		abort();

	/* Parent: canonical, contains A, one component shorter. */
	as_path_parent(a, parent, sizeof(parent));
	if (!canonical(parent) || !as_path_within(a, parent))
		abort();
	if (strcmp(a, "/") != 0) {
		const char *last = strrchr(a, '/') + 1;

		if (strcmp(parent, a) == 0 || *last == '\0')
			abort();
		if (strcmp(parent, "/") == 0 ? last != a + 1 : last != a + strlen(parent) + 1)
			abort();
	}

	/* System trees. */
	sys = as_path_system_tree(a, allow_var);
	if (sys && strcmp(sys, "/lib*") == 0) {
		if (strncmp(a, "/lib", 4) != 0)
			abort();
	} else if (sys && !as_path_within(a, sys)) {
		abort();
	}
	for (size_t i = 0; i < sizeof(trees) / sizeof(trees[0]); i++)
		if (model_within(a, trees[i]) && !sys)
			abort();
	if (!allow_var && model_within(a, "/var") && !sys)
		abort();
	if (allow_var && sys && strcmp(sys, "/var") == 0)
		abort();

	/* Home clashes, in their documented order; A is the directory. */
	as_path_parent(b, pp, sizeof(pp));
	if (human && strcmp(a, pp) == 0 && strcmp(pp, "/") != 0)
		want = AS_HOME_CLASH_HOME_ROOT;
	else if (strcmp(a, b) == 0)
		want = is_owner ? AS_HOME_CLASH_OWN_HOME : AS_HOME_CLASH_OTHERS_HOME;
	else if (model_within(b, a))
		want = AS_HOME_CLASH_CONTAINS;
	else if (!is_owner && human && model_within(a, b))
		want = AS_HOME_CLASH_INSIDE;
	else
		want = AS_HOME_CLASH_NONE;
	got = as_path_home_clash(a, b, human, is_owner);
	if (got != want)
		abort();

	/* A session in A is authorized by a granted project B, and only by
	 * a granted one. */
	as_registry_init(&r);
	if (as_registry_project_add(&r, b) != 0)
		abort();
	r.projects[0].state = (flags & 8) ? AS_REG_GRANTING : AS_REG_GRANTED;
	if ((as_registry_project_for(&r, a) == 0) != (!(flags & 8) && model_within(a, b)))
		abort();
	as_registry_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char raw[2][PATH_MAX], norm[2][PATH_MAX];
	const uint8_t *nl;
	unsigned flags;
	size_t len, la, lb;

	if (size < 1 || size > 2 * (PATH_MAX - 1) || memchr(data, '\0', size))
		return -1;
	flags = data[0];
	data++;
	size--;
	nl = memchr(data, '\n', size);
	la = nl ? (size_t)(nl - data) : size;
	lb = nl ? size - la - 1 : 0;
	if (la >= PATH_MAX || lb >= PATH_MAX)
		return -1;
	memcpy(raw[0], data, la);
	raw[0][la] = '\0';
	memcpy(raw[1], nl ? nl + 1 : data, lb);
	raw[1][lb] = '\0';

	/* Bits 3-7: 0 means PATH_MAX, else a buffer of 1..31 bytes. */
	len = (flags >> 3) ? (flags >> 3) : PATH_MAX;
	check_normalize(raw[0], len, norm[0]);
	check_normalize(raw[1], len, norm[1]);

	/* Containment on what the callers pass: raw text too (memory
	 * safety), canonical paths against the model. */
	(void)as_path_within(raw[0], raw[1]);
	if (!as_path_normalize(raw[0], norm[0], sizeof(norm[0])) ||
	    !as_path_normalize(raw[1], norm[1], sizeof(norm[1])))
		return 0;
	check_pair(norm[0], norm[1], flags);
	check_pair(norm[1], norm[0], flags);
	return 0;
}
