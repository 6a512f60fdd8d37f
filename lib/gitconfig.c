/* SPDX-License-Identifier: MIT */
/*
 * The git config reader (gitconfig.h).  It follows git's config.c rule by
 * rule, so what it reports is what git would act on:
 *  - "\r\n" reads as "\n"; a UTF-8 byte order mark at the start is skipped;
 *  - '#' and ';' start a comment outside quotes, to the end of the line;
 *  - [section] and [section "subsection"]: section names are letters,
 *    digits, '-' and '.', without case; a quoted subsection keeps its case
 *    and takes "\X" as X; [section.sub] is the old form, without case;
 *  - a key starts with a letter, then letters, digits and '-', without
 *    case; a key alone is boolean true;
 *  - a value: surrounding blanks dropped, inner ones read as spaces,
 *    double quotes keep blanks and comment characters, escapes \n \t \b
 *    \\ \" only, a backslash at the end of a line joins the next one.
 * Only ASCII classes are used (git's sane_ctype), never the locale's.
 */
#include "gitconfig.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct reader {
	const char *s;
	size_t len, pos;
	unsigned long line;  /* of the next character */
	unsigned long cline; /* of the last character read */
	bool eof;
	int last; /* the last character read */
};

static bool is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_keychar(int c)
{
	return is_alpha(c) || (c >= '0' && c <= '9') || c == '-';
}

static char lower(int c)
{
	return (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

/* The next character; at the end of the text, '\n' with eof set (git's
 * get_next_char), so every construct ends as at the end of a line. */
static int next(struct reader *r)
{
	int c;

	r->cline = r->line;
	if (r->pos >= r->len) {
		r->eof = true;
		r->last = '\n';
		return '\n';
	}
	c = (unsigned char)r->s[r->pos++];
	if (c == '\r' && r->pos < r->len && r->s[r->pos] == '\n') {
		r->pos++;
		c = '\n';
	}
	if (c == '\n')
		r->line++;
	r->last = c;
	return c;
}

/* After '[': the header into HDR as "section" or "section.sub", its
 * length in *N.  NULL, or why it is malformed. */
static const char *read_header(struct reader *r, char *hdr, size_t *n)
{
	size_t o = 0;
	int c;

	for (;;) {
		c = next(r);
		if (c == '\n' && r->eof)
			return "section header not closed";
		if (c == ']')
			break;
		if (is_space(c)) {
			/* [section "subsection"] */
			do {
				if (c == '\n')
					return "section header not closed";
				c = next(r);
			} while (is_space(c));
			if (c != '"')
				return "a subsection must be quoted";
			hdr[o++] = '.';
			for (;;) {
				c = next(r);
				if (c == '\n')
					return "subsection not closed";
				if (c == '"')
					break;
				if (c == '\\') {
					c = next(r);
					if (c == '\n')
						return "subsection not closed";
				}
				if (c == '\0')
					return "NUL byte in a subsection";
				hdr[o++] = (char)c;
			}
			if (next(r) != ']')
				return "no ']' after the subsection";
			break;
		}
		if (!is_keychar(c) && c != '.')
			return "bad character in a section name";
		hdr[o++] = lower(c);
	}
	if (o == 0)
		return "empty section name";
	hdr[o] = '\0';
	*n = o;
	return NULL;
}

/* After '=': the value into VAL (git's parse_value).  NULL, or why. */
static const char *read_value(struct reader *r, char *val)
{
	size_t n = 0, trim = 0;
	bool quote = false, comment = false;

	for (;;) {
		int c = next(r);

		if (c == '\n') {
			if (quote)
				return "quote not closed at the end of the line";
			if (trim)
				n = trim;
			val[n] = '\0';
			return NULL;
		}
		if (comment)
			continue;
		if (is_space(c) && !quote) {
			/* Blanks count only if something follows them, each as
			 * one space: git 2.39 (Debian 12) reads "a<TAB>b" as
			 * "a b"; later git keeps the tab ("config: really keep
			 * value-internal whitespace verbatim"). */
			if (!trim)
				trim = n;
			if (n)
				val[n++] = ' ';
			continue;
		}
		if (!quote && (c == ';' || c == '#')) {
			comment = true;
			continue;
		}
		trim = 0;
		if (c == '\\') {
			c = next(r);
			switch (c) {
			case '\n':
				continue; /* continuation line */
			case 't':
				c = '\t';
				break;
			case 'b':
				c = '\b';
				break;
			case 'n':
				c = '\n';
				break;
			case '\\':
			case '"':
				break;
			default:
				return "unknown escape sequence in a value";
			}
			val[n++] = (char)c;
			continue;
		}
		if (c == '"') {
			quote = !quote;
			continue;
		}
		if (c == '\0')
			return "NUL byte in a value";
		val[n++] = (char)c;
	}
}

/* From a key's first letter C: the key into KEY, the value into VAL
 * (*VALUE NULL for a key alone).  NULL, or why it is malformed. */
static const char *read_entry(struct reader *r, int c, char *key, char *val, const char **value)
{
	size_t n = 0;

	key[n++] = lower(c);
	for (;;) {
		c = next(r);
		if (r->eof || !is_keychar(c))
			break;
		key[n++] = lower(c);
	}
	key[n] = '\0';
	while (c == ' ' || c == '\t')
		c = next(r);
	*value = NULL;
	if (c == '\n')
		return NULL;
	if (c != '=')
		return "no '=' after the key";
	*value = val;
	return read_value(r, val);
}

int as_gitcfg_parse_string(const char *text, size_t len, as_gitcfg_fn fn, void *data,
			   struct as_err *err)
{
	struct reader r = { .s = text, .len = len, .line = 1 };
	const char *section = "", *sub = NULL;
	bool comment = false, skip = false;
	char *buf, *hdr, *key, *val;
	int bad = 0, ret = 0;

	/* Nothing read out of the text is longer than the text. */
	if (len > SIZE_MAX / 4)
		return as_fail(err, -E2BIG, "git config: %zu bytes is too large", len);
	buf = malloc(3 * (len + 2));
	if (!buf)
		return as_fail(err, -ENOMEM, "git config: out of memory");
	hdr = buf;
	key = hdr + len + 2;
	val = key + len + 2;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		r.pos = 3;
	for (;;) {
		const char *why = NULL, *value;
		int c = next(&r);
		size_t n;

		if (c == '\n') {
			if (r.eof)
				break;
			comment = false;
			continue;
		}
		if (comment || is_space(c))
			continue;
		if (c == '#' || c == ';') {
			comment = true;
			continue;
		}
		if (c == '[') {
			char *dot;

			why = read_header(&r, hdr, &n);
			/* Entries under a broken header belong to no section. */
			skip = why != NULL;
			if (!why) {
				dot = memchr(hdr, '.', n);
				if (dot)
					*dot = '\0';
				section = hdr;
				sub = dot ? dot + 1 : NULL;
			}
		} else if (!is_alpha(c)) {
			why = "not a section, a key or a comment";
		} else {
			why = read_entry(&r, c, key, val, &value);
			if (!why && !skip) {
				ret = fn(section, sub, key, value, data);
				if (ret < 0)
					break;
			}
		}
		if (why) {
			if (bad == 0)
				as_err_set(err, "line %lu: %s", r.cline, why);
			if (bad < INT_MAX)
				bad++;
			/* Go on at the next line. */
			while (r.last != '\n')
				next(&r);
			comment = false;
		}
	}
	free(buf);
	return ret < 0 ? ret : bad;
}

bool as_gitcfg_is_include(const char *section, const char *key)
{
	return (strcmp(section, "include") == 0 || strcmp(section, "includeif") == 0) &&
	       strcmp(key, "path") == 0;
}
