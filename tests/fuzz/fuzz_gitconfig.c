/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the git config reader (lib/gitconfig.c): the
 * input is the text of a git config file, which agent-admin check reads
 * as root from the agent's home and the helper's git metadata code
 * (lib/gitrefs.c, git_config_from_text) from the owner's repositories.
 * NUL bytes are allowed: the reader takes a length, and gitrefs.c hands
 * it a file as read.
 *
 * Invariants checked on every input:
 *  - the result is a count of malformed lines (or -ENOMEM), and a count
 *    above zero comes with one line "line N: why";
 *  - section and key names are what git allows, lower-cased; no
 *    subsection holds a newline;
 *  - the entries, written back in canonical form (every value quoted and
 *    escaped), parse again to the same entries with nothing malformed;
 *  - gitrefs.c's keys stay within their buffers and INCLUDES_MAX.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "gitconfig.h"
#include "gitrefs.h"

#define SENTINEL "untouched"

struct buf {
	char *p;
	size_t len, cap;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->p, cap);

		if (!p)
			abort();
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* S quoted for a subsection or a value: backslash before '"' and '\',
 * and (values) \n \t \b for the characters they stand for. */
static void put_quoted(struct buf *b, const char *s, bool value)
{
	put(b, "\"", 1);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			put(b, "\\", 1);
		if (value && (*s == '\n' || *s == '\t' || *s == '\b')) {
			put(b, *s == '\n' ? "\\n" : *s == '\t' ? "\\t" : "\\b", 2);
			continue;
		}
		put(b, s, 1);
	}
	put(b, "\"", 1);
}

struct entries {
	struct buf flat;     /* each entry, fields NUL-separated */
	struct buf text;     /* the canonical config text */
	char *section, *sub; /* the text's current header */
	bool any_header;
	size_t n;
};

static bool name_ok(const char *s, bool key)
{
	if (key && !(*s >= 'a' && *s <= 'z'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static char *dup_or_null(const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		abort();
	return d;
}

static int entry(const char *section, const char *sub, const char *key, const char *value,
		 void *data)
{
	struct entries *e = data;

	if (!name_ok(section, false) || !name_ok(key, true) || (sub && strchr(sub, '\n')))
		abort();
	put(&e->flat, section, strlen(section) + 1);
	put(&e->flat, sub ? "s" : "-", 1);
	put(&e->flat, sub ? sub : "", strlen(sub ? sub : "") + 1);
	put(&e->flat, key, strlen(key) + 1);
	put(&e->flat, value ? "v" : "-", 1);
	put(&e->flat, value ? value : "", strlen(value ? value : "") + 1);
	e->n++;

	/* A key before any header (section "", no subsection) is written
	 * without one; after a header it could not be, and "[]" would then
	 * fail the second parse. */
	if ((e->any_header || section[0] || sub) &&
	    (!e->any_header || strcmp(e->section, section) != 0 || !same(e->sub, sub))) {
		put(&e->text, "[", 1);
		puts_(&e->text, section);
		if (sub) {
			put(&e->text, " ", 1);
			put_quoted(&e->text, sub, false);
		}
		put(&e->text, "]\n", 2);
		free(e->section);
		free(e->sub);
		e->section = dup_or_null(section);
		e->sub = dup_or_null(sub);
		e->any_header = true;
	}
	put(&e->text, "\t", 1);
	puts_(&e->text, key);
	if (value) {
		put(&e->text, " = ", 3);
		put_quoted(&e->text, value, true);
	}
	put(&e->text, "\n", 1);
	return 0;
}

static void entries_free(struct entries *e)
{
	free(e->flat.p);
	free(e->text.p);
	free(e->section);
	free(e->sub);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct entries first = { 0 }, again = { 0 };
	struct as_err err = { SENTINEL };
	struct git_config c;
	int bad;

	/* Both callers read at most 1 MiB. */
	if (size > (1 << 20))
		return -1;
	bad = as_gitcfg_parse_string((const char *)data, size, entry, &first, &err);
	if (bad == -ENOMEM) {
		entries_free(&first);
		return 0;
	}
	if (bad < 0)
		abort();
	if (bad == 0 && strcmp(err.msg, SENTINEL) != 0)
		abort();
	if (bad > 0 && (strncmp(err.msg, "line ", 5) != 0 || strchr(err.msg, '\n')))
		abort();

	/* What was read, written back canonically, reads the same. */
	err = (struct as_err){ SENTINEL };
	if (as_gitcfg_parse_string(first.text.p ? first.text.p : "", first.text.len, entry, &again,
				   &err) != 0)
		abort();
	if (again.n != first.n || again.flat.len != first.flat.len ||
	    (first.flat.len && memcmp(again.flat.p, first.flat.p, first.flat.len) != 0))
		abort();
	entries_free(&first);
	entries_free(&again);

	git_config_from_text((const char *)data, size, &c);
	if (c.n_includes > INCLUDES_MAX ||
	    strnlen(c.hooks_path, sizeof(c.hooks_path)) == sizeof(c.hooks_path) ||
	    strnlen(c.worktree, sizeof(c.worktree)) == sizeof(c.worktree) ||
	    strnlen(c.object_format, sizeof(c.object_format)) == sizeof(c.object_format))
		abort();
	for (size_t i = 0; i < c.n_includes; i++)
		if (strnlen(c.includes[i], PATH_MAX) == PATH_MAX)
			abort();
	return 0;
}
