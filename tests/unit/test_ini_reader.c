/* SPDX-License-Identifier: MIT */
/* The one INI reader (lib/ini-reader.c): the shapes every format accepts
 * and refuses alike, through as_ini_parse_string and through the reader
 * alone with a section list, as profiles use it. */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <string.h>

#include "ini-reader.h"
#include "tap.h"

struct seen {
	char log[1024];
	unsigned calls;
	const char *fail_at; /* a key the handler refuses */
};

static int record(void *user, const char *section, unsigned seq, const char *key, const char *value,
		  struct as_err *err)
{
	struct seen *s = user;
	size_t n = strlen(s->log);

	s->calls++;
	if (s->fail_at && strcmp(key, s->fail_at) == 0)
		return as_fail(err, -EINVAL, "%s: refused by the handler", key);
	snprintf(s->log + n, sizeof(s->log) - n, "%s#%u.%s=%s;", section, seq, key, value);
	return 0;
}

static int parse(const char *text, struct seen *s, struct as_err *err)
{
	memset(s->log, 0, sizeof(s->log));
	s->calls = 0;
	err->msg[0] = '\0';
	return as_ini_parse_string(text, "f.ini", record, s, err);
}

static void good(const char *text, const char *want, const char *name)
{
	struct seen s = { .fail_at = NULL };
	struct as_err err = { "" };

	is_int(parse(text, &s, &err), 0, "%s: read", name);
	is_str(s.log, want, "%s: keys", name);
}

static void bad(const char *text, const char *want, const char *name)
{
	struct seen s = { .fail_at = NULL };
	struct as_err err = { "" };

	is_int(parse(text, &s, &err), -EINVAL, "%s: refused", name);
	is_str(err.msg, want, "%s: message", name);
}

static void test_accepted(void)
{
	good("[a]\nk = v\n", "a#1.k=v;", "plain");
	good("\xef\xbb\xbf[a]\nk = v\n", "a#1.k=v;", "a byte order mark on line 1");
	good("[a]\r\nk = v\r\n", "a#1.k=v;", "CR LF line ends");
	good("  [a]\n\tk = v\n", "a#1.k=v;", "indentation");
	good("[a] ; comment\nk = v ; comment\n", "a#1.k=v;", "inline comments");
	good("; c\n# c\n\n[a]\nk = v\n", "a#1.k=v;", "comments and blank lines");
	good("[a]\nk = v\n[b]\nk = w\n[a]\nk = x\n", "a#1.k=v;b#2.k=w;a#3.k=x;",
	     "each header counted, repeated names told apart");
	good("[a]\nk = v\n  continued = no\n", "a#1.k=v;a#1.continued=no;",
	     "an indented line is a key of its own, never a continuation");
	good("[a]\nk = a=b\n", "a#1.k=a=b;", "'=' in a value");
	good("[a]\nk = v\n\n", "a#1.k=v;", "no last newline needed");
}

static void test_refused(void)
{
	bad("[a]\nk: v\n", "f.ini:2: expected 'key = value', a [section] or a comment",
	    "'key: value'");
	bad("[a]\njunk\n", "f.ini:2: expected 'key = value', a [section] or a comment",
	    "a bare word");
	bad("[a] junk\n", "f.ini:1: unexpected text after the section header", "text after ']'");
	bad("[a\nk = v\n", "f.ini:1: a section header needs a closing ']'", "an unclosed header");
	bad("[]\nk = v\n", "f.ini:1: a section header needs a name", "an empty header");
	bad("k = v\n", "f.ini:1: key 'k' before any [section]", "a key before any section");
	bad("\xef\xbb\xbf\xef\xbb\xbf[a]\n", "f.ini:1: more than one byte order mark",
	    "two byte order marks");
	bad("[a]\nk = v\n\xef\xbb\xbf[b]\n",
	    "f.ini:3: expected 'key = value', a [section] or a comment",
	    "a byte order mark after line 1");
}

static void test_limits(void)
{
	char text[400];
	struct seen s = { .fail_at = NULL };
	struct as_err err = { "" };

	/* 198 bytes is the most inih holds (its 200-byte buffer keeps the
	 * newline and a NUL); a CR does not count. */
	memset(text, 0, sizeof(text));
	memcpy(text, "[a]\nk = ", 8);
	memset(text + 8, 'v', 194);
	strcpy(text + 8 + 194, "\r\n");
	is_int(parse(text, &s, &err), 0, "198 bytes and a CR: read");
	is_int((int)s.calls, 1, "198 bytes: the key once, whole");
	ok(strlen(s.log) == strlen("a#1.k=;") + 194, "198 bytes: the value whole");

	memset(text, 0, sizeof(text));
	memcpy(text, "[a]\nk = ", 8);
	memset(text + 8, 'v', 195);
	strcpy(text + 8 + 195, "\nj = w\n");
	is_int(parse(text, &s, &err), -EINVAL, "199 bytes: refused");
	is_str(err.msg, "f.ini:2: line longer than 198 bytes (the limit of the system's inih)",
	       "199 bytes: naming the line");
	is_int((int)s.calls, 0, "199 bytes: never split into two keys");

	memset(text, 0, sizeof(text));
	memcpy(text, "[a]\n; ", 6);
	memset(text + 6, 'c', 250);
	is_int(parse(text, &s, &err), -EINVAL, "a long comment: refused too");
}

static void test_handler_stops(void)
{
	struct seen s = { .fail_at = "two" };
	struct as_err err = { "" };

	is_int(parse("[a]\none = 1\ntwo = 2\nthree = 3\n", &s, &err), -EINVAL,
	       "a handler's refusal: refused");
	is_str(err.msg, "f.ini:3: two: refused by the handler",
	       "a handler's refusal: FILE:LINE prepended");
	is_int((int)s.calls, 2, "a handler's refusal: no key after it");
	is_int(parse("[a]\none = 1\n[b\nthree = 3\n", &s, &err), -EINVAL, "a bad line: refused");
	is_int((int)s.calls, 1, "a bad line: no key after it");
}

/* The reader alone, with a section list, as profile.c drives it. */
static int count(void *user, const char *section, const char *key, const char *value)
{
	(void)section;
	(void)key;
	(void)value;
	++*(unsigned *)user;
	return 1;
}

static void test_sections(void)
{
	static const char *const names[] = { "x", "y", NULL };
	struct as_ini_reader rd;
	unsigned n = 0;

	as_ini_reader_init(&rd, "[x]\nk = v\n[y]\nk = v\n", names);
	is_int(ini_parse_stream(as_ini_read_line, &rd, count, &n), 0, "listed sections: read");
	ok(!rd.failed && n == 2 && rd.section_seq == 2, "listed sections: both, counted");

	as_ini_reader_init(&rd, "[x]\nk = v\n[z]\nk = v\n", names);
	n = 0;
	ini_parse_stream(as_ini_read_line, &rd, count, &n);
	ok(rd.failed && rd.line == 3 && n == 1, "an unlisted section: refused at its line");
	is_str(rd.err.msg, "unknown section [z]", "an unlisted section: named");
	is_int(rd.rc, -EINVAL, "an unlisted section: -EINVAL");

	as_ini_reader_init(&rd, "[]\n", names);
	ini_parse_stream(as_ini_read_line, &rd, count, &n);
	is_str(rd.err.msg, "unknown section []", "an empty name with a list: unknown");

	as_ini_reader_init(&rd, "[x\x1b]\n", names);
	ini_parse_stream(as_ini_read_line, &rd, count, &n);
	ok(rd.failed && strchr(rd.err.msg, '\x1b') == NULL, "an unlisted name is shown escaped");
}

int main(void)
{
	test_accepted();
	test_refused();
	test_limits();
	test_handler_stops();
	test_sections();
	return tap_done();
}
