/* SPDX-License-Identifier: MIT */
#include "ini-reader.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define BOM "\xef\xbb\xbf"

void as_ini_reader_init(struct as_ini_reader *rd, const char *text, const char *const *sections)
{
	memset(rd, 0, sizeof(*rd));
	rd->pos = text;
	rd->sections = sections;
}

static char *refuse(struct as_ini_reader *rd, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static char *refuse(struct as_ini_reader *rd, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rd->err.msg, sizeof(rd->err.msg), fmt, ap);
	va_end(ap);
	rd->failed = true;
	rd->rc = code;
	return NULL;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* inih's find_chars_or_comment: the first of CHARS, an inline ';' comment
 * (a ';' after whitespace), or the end. */
static const char *find_chars_or_comment(const char *s, const char *chars)
{
	bool was_space = false;

	while (*s && !strchr(chars, *s) && !(was_space && *s == ';')) {
		was_space = is_space(*s);
		s++;
	}
	return s;
}

static bool known_section(const struct as_ini_reader *rd, const char *name, size_t len)
{
	if (!rd->sections)
		return true;
	for (const char *const *s = rd->sections; *s; s++)
		if (strlen(*s) == len && memcmp(*s, name, len) == 0)
			return true;
	return false;
}

/* What inih would take loosely, refused.  S: no leading blank, no newline. */
static int check_line(struct as_ini_reader *rd, const char *s)
{
	char shown[AS_ERR_MAX / 2];
	const char *end, *rest;

	if (*s == '\0' || *s == ';' || *s == '#')
		return 0;
	if (*s == '[') {
		end = find_chars_or_comment(s + 1, "]");
		if (*end != ']')
			return refuse(rd, -EINVAL, "a section header needs a closing ']'"), -1;
		for (rest = end + 1; is_space(*rest); rest++)
			;
		if (*rest && *rest != ';')
			return refuse(rd, -EINVAL, "unexpected text after the section header"), -1;
		if (end == s + 1 && !rd->sections)
			return refuse(rd, -EINVAL, "a section header needs a name"), -1;
		if (!known_section(rd, s + 1, (size_t)(end - s - 1))) {
			char name[AS_ERR_MAX / 2];

			snprintf(name, sizeof(name), "%.*s", (int)(end - s - 1), s + 1);
			as_escape(name, shown, sizeof(shown));
			return refuse(rd, -EINVAL, "unknown section [%s]", shown), -1;
		}
		rd->in_section = true;
		rd->section_seq++;
		return 0;
	}
	end = find_chars_or_comment(s, "=:");
	if (*end != '=')
		return refuse(rd, -EINVAL, "expected 'key = value', a [section] or a comment"), -1;
	if (!rd->in_section) {
		char key[AS_ERR_MAX / 2];
		size_t kl = (size_t)(end - s);

		while (kl > 0 && is_space(s[kl - 1]))
			kl--;
		snprintf(key, sizeof(key), "%.*s", (int)kl, s);
		as_escape(key, shown, sizeof(shown));
		return refuse(rd, -EINVAL, "key '%s' before any [section]", shown), -1;
	}
	return 0;
}

char *as_ini_read_line(char *buf, int num, void *stream)
{
	struct as_ini_reader *rd = stream;
	const char *p = rd->pos, *nl;
	size_t len, measured;

	if (rd->failed || !*p)
		return NULL;
	nl = strchr(p, '\n');
	len = nl ? (size_t)(nl - p) : strlen(p);
	rd->pos = p + len + (nl ? 1 : 0);
	rd->line++;
	/* Measured as written, indentation included, without a CR. */
	measured = len > 0 && p[len - 1] == '\r' ? len - 1 : len;
	if (num < 3 || measured > (size_t)num - 2)
		return refuse(rd, -E2BIG,
			      "line longer than %d bytes (the limit of the system's inih)",
			      num - 2);
	len = measured;
	/* What inih skips before it looks for '[' is skipped here first, so
	 * the checks and the section count see the line inih sees. */
	if (rd->line == 1 && len >= 3 && memcmp(p, BOM, 3) == 0) {
		p += 3;
		len -= 3;
	}
	while (len > 0 && is_space(*p)) {
		p++;
		len--;
	}
	if (rd->line == 1 && len >= 3 && memcmp(p, BOM, 3) == 0)
		return refuse(rd, -EINVAL, "more than one byte order mark");
	memcpy(buf, p, len);
	buf[len] = '\0';
	if (check_line(rd, buf) < 0)
		return NULL;
	buf[len] = '\n';
	buf[len + 1] = '\0';
	return buf;
}

struct run {
	struct as_ini_reader rd;
	const char *filename;
	as_ini_handler handler;
	void *user;
	bool failed;
	struct as_err *err;
};

static int trampoline(void *user, const char *section, const char *key, const char *value)
{
	struct run *run = user;
	struct as_err e = { "" };

	if (run->failed)
		return 0;
	if (run->handler(run->user, section, run->rd.section_seq, key, value, &e) < 0) {
		run->failed = true;
		run->rd.failed = true; /* no further line */
		as_err_set(run->err, "%s:%u: %s", run->filename, run->rd.line, e.msg);
		return 0;
	}
	return 1;
}

int as_ini_parse_string(const char *text, const char *filename, as_ini_handler handler, void *user,
			struct as_err *err)
{
	struct run run = { .filename = filename, .handler = handler, .user = user, .err = err };
	int rc;

	as_ini_reader_init(&run.rd, text, NULL);
	rc = ini_parse_stream(as_ini_read_line, &run.rd, trampoline, &run);
	if (run.failed)
		return -EINVAL;
	if (run.rd.failed)
		return as_fail(err, -EINVAL, "%s:%u: %s", filename, run.rd.line, run.rd.err.msg);
	if (rc > 0)
		/* The reader admits nothing inih refuses; stay safe if it did. */
		return as_fail(err, -EINVAL, "%s:%d: syntax error", filename, rc);
	if (rc < 0)
		return as_fail(err, -ENOMEM, "%s: cannot parse (inih error %d)", filename, rc);
	return 0;
}
