/* SPDX-License-Identifier: MIT */
/* The git config reader (lib/gitconfig.c) against git's rules, and the
 * keys lib/gitrefs.c takes from it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gitconfig.h"
#include "gitrefs.h"
#include "tap.h"

/* Every entry as one line: section["sub"].key[=value]. */
struct seen {
	char *text;
	size_t len, cap, n;
	int stop_after; /* return -ECANCELED after this many, 0: never */
};

static int collect(const char *section, const char *sub, const char *key, const char *value,
		   void *data)
{
	struct seen *s = data;
	size_t need = strlen(section) + (sub ? strlen(sub) + 3 : 0) + strlen(key) +
		      (value ? strlen(value) + 1 : 0) + 3;
	if (s->len + need + 1 > s->cap) {
		char *t = realloc(s->text, 2 * (s->len + need + 1));

		if (!t)
			abort();
		s->text = t;
		s->cap = 2 * (s->len + need + 1);
	}
	s->len += (size_t)sprintf(s->text + s->len, "%s%s%s%s.%s%s%s\n", section, sub ? " \"" : "",
				  sub ? sub : "", sub ? "\"" : "", key, value ? "=" : "",
				  value ? value : "");
	s->n++;
	if (s->stop_after && s->n == (size_t)s->stop_after)
		return -ECANCELED;
	return 0;
}

/* Parses TEXT; the entries, "" when none.  *BAD gets the return value. */
static struct seen parse(const char *text, size_t len, int *bad, struct as_err *err)
{
	struct seen s = { 0 };

	err->msg[0] = '\0';
	*bad = as_gitcfg_parse_string(text, len, collect, &s, err);
	if (!s.text)
		s.text = strdup("");
	return s;
}

/* One case: TEXT gives WANT and no malformed line. */
static void good(const char *text, const char *want, const char *name)
{
	struct as_err err;
	int bad;
	struct seen s = parse(text, strlen(text), &bad, &err);

	if (!tap_ok(bad == 0 && strcmp(s.text, want) == 0, "%s", name))
		printf("#   bad %d (%s)\n#   got:\n%s#   want:\n%s", bad, err.msg, s.text, want);
	free(s.text);
}

/* One case: TEXT gives WANT and NBAD malformed lines, the first named MSG. */
static void malformed(const char *text, size_t len, const char *want, int nbad, const char *msg,
		      const char *name)
{
	struct as_err err;
	int bad;
	struct seen s = parse(text, len, &bad, &err);

	if (!tap_ok(bad == nbad && strcmp(s.text, want) == 0 && strcmp(err.msg, msg) == 0, "%s",
		    name))
		printf("#   bad %d, msg \"%s\"\n#   got:\n%s", bad, err.msg, s.text);
	free(s.text);
}

/* For a literal, which may hold NUL bytes. */
#define MALFORMED(lit, ...) malformed(lit, sizeof(lit) - 1, __VA_ARGS__)

static void test_sections(void)
{
	good("[core]\n\thooksPath = .githooks\n", "core.hookspath=.githooks\n",
	     "section: a key under [core]");
	good("[CoRe]\nHOOKSPATH = x\n", "core.hookspath=x\n",
	     "case: section and key names are read without case");
	good("[remote \"Origin\"]\nurl = u\n", "remote \"Origin\".url=u\n",
	     "case: a quoted subsection keeps its case");
	good("[Remote.Origin]\nurl = u\n", "remote \"origin\".url=u\n",
	     "case: the old [section.sub] form is read without case");
	good("[a.b \"C\"]\nk = v\n", "a \"b.C\".k=v\n",
	     "subsection: [a.b \"C\"] splits at the first dot, as git's key a.b.C.k");
	good("[core \"\"]\nk = v\n", "core \"\".k=v\n",
	     "subsection: an empty quoted one is empty, not none");
	good("[x \"a\\\"b\\\\c\\d\"]\nk = v\n", "x \"a\"b\\cd\".k=v\n",
	     "subsection: backslash takes the next character as it is");
	good("[x \"a ] # b\"]\nk = v\n", "x \"a ] # b\".k=v\n",
	     "subsection: brackets and comment characters inside quotes are text");
	good("[x   \t\"s\"]\nk = v\n", "x \"s\".k=v\n", "subsection: any blanks before the quote");
	good("[core] hooksPath = h\n", "core.hookspath=h\n",
	     "section: a key may follow the header on its line");
	good("[core][user]name = n\n", "user.name=n\n",
	     "section: headers may follow each other on a line");
	good("k = v\n[s]\nk = w\n", ".k=v\ns.k=w\n",
	     "section: a key before any header has an empty section");
	good("[s]\na = 1\n[t]\na = 2\n[s]\na = 3\n", "s.a=1\nt.a=2\ns.a=3\n",
	     "section: entries come in file order, sections may repeat");
	good("[s]\nkey-2 = v\n", "s.key-2=v\n", "key: letters, digits and '-'");
}

static void test_values(void)
{
	good("[s]\nk\n", "s.k\n", "value: a key alone has no value (boolean true)");
	good("[s]\nk =\n", "s.k=\n", "value: a key with '=' and nothing after has an empty value");
	good("[s]\nk   \t\n", "s.k\n", "value: blanks after a lone key");
	good("[s]\nk =   a b  \t\n", "s.k=a b\n",
	     "value: surrounding blanks dropped, inner ones kept");
	good("[s]\nk = \"  a b  \"\n", "s.k=  a b  \n", "value: quotes keep blanks");
	good("[s]\nk = a\" # b \"c\n", "s.k=a # b c\n",
	     "value: quotes may open and close anywhere");
	good("[s]\nk = a # b\n", "s.k=a\n", "comment: '#' ends a value");
	good("[s]\nk = a;b\n", "s.k=a\n", "comment: ';' ends a value");
	good("[s]\nk = \"a;b#c\"\n", "s.k=a;b#c\n", "comment: no comment inside quotes");
	good("[s]\nk = \\\"a\\\\b\\tc\\nd\\be\n", "s.k=\"a\\b\tc\nd\be\n",
	     "escape: \\\" \\\\ \\t \\n \\b");
	good("[s]\nk = a \\\n  b\n", "s.k=a   b\n",
	     "continuation: backslash-newline joins the next line");
	good("[s]\nk = \"a \\\n b\"\n", "s.k=a  b\n", "continuation: also inside quotes");
	good("[s]\r\nk = a \\\r\n b\r\n", "s.k=a  b\n", "continuation: with CRLF line ends");
	good("[s]\nk = a \\", "s.k=a \n", "continuation: a backslash at the end of the text");
	good("[s]\nk = a \\\n", "s.k=a \n", "continuation: into the end of the text");
	good("[s]\nk = x\\\n# c\nj = y\n", "s.k=x\ns.j=y\n",
	     "continuation: a '#' starting the joined line is a comment to its end");
	good("[s]\nk = a\\t \n", "s.k=a\t\n",
	     "value: an escaped blank is kept, a trailing plain one not");
	good("[s]\nk = v", "s.k=v\n", "value: no newline at the end of the text");
}

static void test_comments(void)
{
	good("# c\n; c\n[s] # c\n  # indented\nk = v ; c\n", "s.k=v\n",
	     "comment: whole lines and after a header");
	good("#[s]\nk = v\n", ".k=v\n", "comment: a commented header opens no section");
	good("[s]\n# k = v \\\nj = w\n", "s.j=w\n",
	     "comment: a backslash does not continue a comment");
	good("", "", "empty text: no entries");
	good("\n\n  \t\n", "", "blank lines only: no entries");
	good("\xef\xbb\xbf[s]\nk = v\n", "s.k=v\n",
	     "a UTF-8 byte order mark at the start is skipped");
	good("[s]\r\nk = v\r\n", "s.k=v\n", "CRLF line ends");
	good("[s]\nk = a\rb\n", "s.k=a b\n",
	     "value: a lone CR inside a value reads as a space (git 2.39)");
	good("[s]\nk = a\tb\n", "s.k=a b\n",
	     "value: a tab inside a value reads as a space (git 2.39)");
	good("[s]\nk = \"a\tb\"\n", "s.k=a\tb\n", "value: a quoted tab is kept");
}

static void test_includes(void)
{
	const char *text =
		"[include]\npath = /etc/shared.gitconfig\n"
		"[includeIf \"gitdir:~/src/\"]\npath = ../x.gitconfig\n"
		"[core]\nhooksPath = h\n";

	good(text,
	     "include.path=/etc/shared.gitconfig\nincludeif \"gitdir:~/src/\".path=../x.gitconfig\n"
	     "core.hookspath=h\n",
	     "include: include.path and includeIf.*.path are entries; what follows is still read");
	good("[include]\npath = /proc/self/environ\n", "include.path=/proc/self/environ\n",
	     "include: the named file is not read, only reported");
	ok(as_gitcfg_is_include("include", "path"), "is_include: include.path");
	ok(as_gitcfg_is_include("includeif", "path"), "is_include: includeIf.COND.path");
	ok(!as_gitcfg_is_include("include", "other"),
	   "is_include: another key of [include] is not");
	ok(!as_gitcfg_is_include("core", "path"), "is_include: path under another section is not");
}

static void test_malformed(void)
{
	MALFORMED("[s]\nk = \"a\nj = b\n", "s.j=b\n", 1,
		  "line 2: quote not closed at the end of the line",
		  "malformed: an open quote at the end of the line");
	MALFORMED("[s]\nk = a\\qb\nj = c\n", "s.j=c\n", 1,
		  "line 2: unknown escape sequence in a value", "malformed: an unknown escape");
	MALFORMED("[s]\nk # c\nj = c\n", "s.j=c\n", 1, "line 2: no '=' after the key",
		  "malformed: a key then a comment without '='");
	MALFORMED("[s]\nk x = v\nj = c\n", "s.j=c\n", 1, "line 2: no '=' after the key",
		  "malformed: a blank inside a key");
	MALFORMED("[s]\nk_x = v\nj = c\n", "s.j=c\n", 1, "line 2: no '=' after the key",
		  "malformed: '_' inside a key");
	MALFORMED("[s]\n1k = v\nj = c\n", "s.j=c\n", 1, "line 2: not a section, a key or a comment",
		  "malformed: a key starting with a digit");
	MALFORMED("[s]\n= v\nj = c\n", "s.j=c\n", 1, "line 2: not a section, a key or a comment",
		  "malformed: a value without a key");
	MALFORMED("[s\nk = v\n[t]\nj = c\n", "t.j=c\n", 1, "line 1: section header not closed",
		  "malformed: an unclosed header; its entries are skipped, the next section read");
	MALFORMED("[s", "", 1, "line 1: section header not closed",
		  "malformed: a header cut by the end of the text");
	MALFORMED("[s_t]\nk = v\n", "", 1, "line 1: bad character in a section name",
		  "malformed: '_' in a section name");
	MALFORMED("[]\nk = v\n", "", 1, "line 1: empty section name",
		  "malformed: an empty section name");
	MALFORMED("[s t]\nk = v\n", "", 1, "line 1: a subsection must be quoted",
		  "malformed: an unquoted subsection");
	MALFORMED("[s \"t]\nk = v\n", "", 1, "line 1: subsection not closed",
		  "malformed: an unclosed subsection");
	MALFORMED("[s \"t\" ]\nk = v\n", "", 1, "line 1: no ']' after the subsection",
		  "malformed: a blank before ']' after a subsection");
	MALFORMED("[s \"t\\\n\"]\nk = v\n", "", 2, "line 1: subsection not closed",
		  "malformed: a backslash before the newline in a subsection");
	MALFORMED("[s]\nk = a\0b\nj = c\n", "s.j=c\n", 1, "line 2: NUL byte in a value",
		  "malformed: a NUL byte in a value; the next line is read");
	MALFORMED("[s \"a\0\"]\nk = v\n", "", 1, "line 1: NUL byte in a subsection",
		  "malformed: a NUL byte in a subsection");
	MALFORMED("\0[s]\nk = v\n", ".k=v\n", 1, "line 1: not a section, a key or a comment",
		  "malformed: a NUL byte at the start of a line");
	MALFORMED("\xef\xbb[s]\nk = v\n", ".k=v\n", 1, "line 1: not a section, a key or a comment",
		  "malformed: half a byte order mark");
	MALFORMED("[s]\nk = \"a\nj = \\q\n[\nl = v\n", "", 3,
		  "line 2: quote not closed at the end of the line",
		  "malformed: every bad line counts, the first is named");
	MALFORMED("[s]\r\nk = \"a\r\nj = b\r\n", "s.j=b\n", 1,
		  "line 2: quote not closed at the end of the line",
		  "malformed: line numbers with CRLF line ends");
}

static void test_stop(void)
{
	struct seen s = { .stop_after = 2 };
	struct as_err err = { "" };
	const char *text = "[s]\na = 1\nb = 2\nc = 3\n";

	is_int(as_gitcfg_parse_string(text, strlen(text), collect, &s, &err), -ECANCELED,
	       "callback: a negative return stops the parse and is returned");
	is_int(s.n, 2, "callback: no entry after the stop");
	free(s.text);
}

/* Inputs far larger than any real config: no truncation, no recursion. */
static void test_huge(void)
{
	size_t big = 1 << 20, n;
	char *text = malloc(big + 64);
	struct as_err err;
	struct seen s;
	int bad;

	if (!text)
		abort();
	n = (size_t)sprintf(text, "[s]\nk = ");
	memset(text + n, 'x', big);
	text[n + big] = '\n';
	s = parse(text, n + big + 1, &bad, &err);
	ok(bad == 0 && s.len == 4 + big + 1 && strncmp(s.text, "s.k=xx", 6) == 0,
	   "huge: a 1 MiB value comes back whole");
	free(s.text);

	memset(text, '[', big);
	s = parse(text, big, &bad, &err);
	ok(bad == 1 && s.n == 0, "huge: 1 MiB of '[' is one malformed line");
	free(s.text);

	n = (size_t)sprintf(text, "[s]\nk = a");
	for (; n + 2 < big; n += 2)
		memcpy(text + n, "\\\n", 2);
	text[n++] = 'b';
	s = parse(text, n, &bad, &err);
	is_str(s.text, "s.k=ab\n", "huge: half a million continuation lines join into one value");
	is_int(bad, 0, "huge: ... with no malformed line");
	free(s.text);

	for (n = 0; n + 6 <= big; n += 6)
		memcpy(text + n, "[s]k\n\n", 6);
	s = parse(text, n, &bad, &err);
	ok(bad == 0 && s.n == n / 6, "huge: %zu entries, each reported", n / 6);
	free(s.text);

	for (n = 0; n + 5 <= big; n += 5)
		memcpy(text + n, "k=\"\n\n", 5);
	s = parse(text, n, &bad, &err);
	ok(bad == (int)(n / 5) && s.n == 0 &&
		   strcmp(err.msg, "line 1: quote not closed at the end of the line") == 0,
	   "huge: %zu malformed lines, all counted, the first named", n / 5);
	free(s.text);

	n = (size_t)sprintf(text, "[s \"");
	memset(text + n, 'y', big);
	n += big;
	n += (size_t)sprintf(text + n, "\"]k\n");
	s = parse(text, n, &bad, &err);
	ok(bad == 0 && s.n == 1 && s.len == big + 7, "huge: a 1 MiB subsection comes back whole");
	free(s.text);
	free(text);
}

/* What lib/gitrefs.c keeps for the helper's git metadata code. */
static void test_gitrefs_keys(void)
{
	char many[64 * (INCLUDES_MAX + 2)] = "";
	struct git_config c;
	const char *text =
		"[core]\n\trepositoryformatversion = 1\n\thooksPath = \"/srv/hooks dir\" # shared\n"
		"\tworktree = ../../sub\n"
		"[extensions]\n\tobjectFormat = sha256\n\trefStorage = files\n\tworktreeConfig = true\n"
		"[include]\n\tpath = team.gitconfig\n"
		"[includeIf \"onbranch:main\"]\n\tpath = ../local.gitconfig\n";

	git_config_from_text(text, strlen(text), &c);
	is_str(c.hooks_path, "/srv/hooks dir",
	       "gitrefs: core.hooksPath, quotes and comment dropped");
	is_str(c.worktree, "../../sub", "gitrefs: core.worktree");
	is_str(c.object_format, "sha256", "gitrefs: extensions.objectFormat");
	ok(!c.other_refstorage, "gitrefs: refStorage = files is the files backend");
	ok(c.worktree_config, "gitrefs: extensions.worktreeConfig");
	is_int(c.n_includes, 2, "gitrefs: both includes listed");
	is_str(c.includes[0], "team.gitconfig", "gitrefs: include.path");
	is_str(c.includes[1], "../local.gitconfig", "gitrefs: includeIf.*.path");

	text = "[core] hooksPath = a\n[core \"x\"]\nhooksPath = b\n[CORE]\nHooksPath = c\\\nd\n";
	git_config_from_text(text, strlen(text), &c);
	is_str(c.hooks_path, "cd",
	       "gitrefs: the last core.hooksPath wins, a subsection's is not it, continuation read");

	text = "[core]\nhooksPath = a\nhooksPath = \"b\n[extensions]\nrefStorage = reftable\n";
	git_config_from_text(text, strlen(text), &c);
	is_str(c.hooks_path, "a", "gitrefs: a malformed later value does not replace a good one");
	ok(c.other_refstorage,
	   "gitrefs: entries after a malformed line are read (refStorage = reftable)");

	text = "[extensions]\nrefStorage\n";
	git_config_from_text(text, strlen(text), &c);
	ok(c.other_refstorage, "gitrefs: refStorage without a value is not the files backend");

	for (int i = 0; i < INCLUDES_MAX + 2; i++) {
		size_t n = strlen(many);

		snprintf(many + n, sizeof(many) - n, "[include]\npath = i%d\n", i);
	}
	git_config_from_text(many, strlen(many), &c);
	ok(c.n_includes == INCLUDES_MAX && strcmp(c.includes[INCLUDES_MAX - 1], "i7") == 0,
	   "gitrefs: at most INCLUDES_MAX includes, the first ones");
}

int main(void)
{
	test_sections();
	test_values();
	test_comments();
	test_includes();
	test_malformed();
	test_stop();
	test_huge();
	test_gitrefs_keys();
	return tap_done();
}
