/* SPDX-License-Identifier: MIT */
/*
 * The profile grammar, as a specification: every key, every error message
 * (exact, with file:line), includes, lookup and trust, and the shipped
 * profiles.  Fixture profiles live in a mkdtemp directory passed as the
 * search path.  The shipped profiles are read from argv[1], else
 * $AS_SRC_DIR/profiles, else found from this file's path (meson compiles it
 * relative to the build directory, where meson runs the test).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"
#include "profile.h"
#include "seccomp.h"
#include <seccomp_table.h> /* and libseccomp's seccomp.h */
#include "tap.h"

static char fixdir[] = "/tmp/as-profile-test-XXXXXX";
static const char *fixdirs[2];
static struct as_profile_opts opts;
static bool seccomp_ready;

static void put_mode(const char *dir, const char *name, const char *text, mode_t mode)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.profile", dir, name);
	unlink(path);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
	if (chmod(path, mode) < 0) {
		printf("Bail out! cannot chmod %s\n", path);
		exit(1);
	}
}

static void put(const char *name, const char *text)
{
	put_mode(fixdir, name, text, 0644);
}

static int parse(struct as_policy *pol, const char *text, struct as_err *err)
{
	as_policy_init(pol);
	err->msg[0] = '\0';
	return as_profile_parse_string(pol, text, "t.profile", &opts, err);
}

static int load(struct as_policy *pol, const char *name, struct as_err *err)
{
	as_policy_init(pol);
	err->msg[0] = '\0';
	return as_profile_load(pol, name, &opts, err);
}

/* Parses text, expects it refused with exactly msg. */
static void refused(const char *text, const char *msg, const char *what)
{
	struct as_policy pol;
	struct as_err err;
	int r = parse(&pol, text, &err);

	if (!ok(r < 0, "%s: refused", what))
		printf("#   accepted: %s\n", text);
	is_str(err.msg, msg, "%s: message", what);
	as_policy_free(&pol);
}

static const struct as_path_rule *find_path(const struct as_policy *pol, const char *path)
{
	for (size_t i = 0; i < pol->n_paths; i++)
		if (strcmp(pol->paths[i].path, path) == 0)
			return &pol->paths[i];
	return NULL;
}

static bool has_port(const struct as_port_rule *list, size_t n, uint16_t port)
{
	for (size_t i = 0; i < n; i++)
		if (list[i].port == port)
			return true;
	return false;
}

static void test_every_key(void)
{
	struct as_policy pol;
	struct as_err err;
	const struct as_path_rule *p;
	const char *text =
		"; a comment\n"
		"# another comment\n"
		"[profile]\n"
		"description = every key once ; inline comment\n"
		"landlock = best-effort\n"
		"[filesystem]\n"
		"read = /etc\n"
		"write = /var/tmp/x\n"
		"exec = /usr\n"
		"read = ?/opt/maybe\n"
		"[network]\n"
		"connect-tcp = 443\n"
		"bind-tcp = 8080\n"
		"[scope]\n"
		"abstract-unix = shared\n"
		"signal = shared\n"
		"[environment]\n"
		"pass = TERM\n"
		"pass = LC_*\n"
		"set = LANG=C.UTF-8\n"
		"set = EMPTY=\n"
		"[limits]\n"
		"nofile = 1024\n"
		"fsize = 1G\n"
		"data = 512M\n"
		"stack = 8K\n"
		"cpu = unlimited\n"
		"core = 0\n";

	is_int(parse(&pol, text, &err), 0, "keys: a profile using every key parses");
	if (err.msg[0])
		printf("#   %s\n", err.msg);
	is_str(pol.name, "t.profile", "keys: name is the file name for parsed text");
	is_str(pol.description, "every key once", "keys: description, inline comment cut");
	is_int(pol.landlock, AS_LANDLOCK_BEST_EFFORT, "keys: landlock = best-effort");
	ok(pol.landlock_set, "keys: landlock_set");
	is_int(pol.n_paths, 4, "keys: four path rules");
	p = find_path(&pol, "/etc");
	ok(p && p->access == AS_FS_READ && !p->optional,
	   "keys: read = /etc is a mandatory read rule");
	ok(p && p->origin.line == 7 && strcmp(p->origin.file, "t.profile") == 0,
	   "keys: a rule's origin is t.profile:7");
	p = find_path(&pol, "/var/tmp/x");
	ok(p && p->access == AS_FS_WRITE, "keys: write = /var/tmp/x is a write rule");
	p = find_path(&pol, "/usr");
	ok(p && p->access == AS_FS_EXEC, "keys: exec = /usr is an exec rule");
	p = find_path(&pol, "/opt/maybe");
	ok(p && p->optional && p->access == AS_FS_READ, "keys: ?/opt/maybe is optional");
	ok(pol.n_connect_tcp == 1 && pol.connect_tcp[0].port == 443, "keys: connect-tcp = 443");
	is_int(pol.connect_tcp[0].origin.line, 12, "keys: the port's origin line");
	ok(pol.n_bind_tcp == 1 && pol.bind_tcp[0].port == 8080, "keys: bind-tcp = 8080");
	ok(!pol.scope_abstract_unix, "keys: abstract-unix = shared");
	ok(!pol.scope_signal, "keys: signal = shared");
	ok(pol.env_pass.n == 2 && as_strv_contains(&pol.env_pass, "TERM") &&
		   as_strv_contains(&pol.env_pass, "LC_*"),
	   "keys: pass TERM and LC_*");
	ok(pol.env_set.n == 2 && as_strv_contains(&pol.env_set, "LANG=C.UTF-8") &&
		   as_strv_contains(&pol.env_set, "EMPTY="),
	   "keys: set LANG=C.UTF-8 and EMPTY=");
	ok(pol.rlimits[RLIMIT_NOFILE].set && pol.rlimits[RLIMIT_NOFILE].value == 1024,
	   "keys: nofile = 1024");
	is_int(pol.rlimits[RLIMIT_NOFILE].origin.line, 23, "keys: the limit's origin line");
	ok(pol.rlimits[RLIMIT_FSIZE].value == 1024ull * 1024 * 1024, "keys: fsize = 1G is 2^30");
	ok(pol.rlimits[RLIMIT_DATA].value == 512ull * 1024 * 1024, "keys: data = 512M");
	ok(pol.rlimits[RLIMIT_STACK].value == 8192, "keys: stack = 8K");
	ok(pol.rlimits[RLIMIT_CPU].set && pol.rlimits[RLIMIT_CPU].value == RLIM_INFINITY,
	   "keys: cpu = unlimited");
	ok(pol.rlimits[RLIMIT_CORE].set && pol.rlimits[RLIMIT_CORE].value == 0, "keys: core = 0");
	ok(!pol.rlimits[RLIMIT_NPROC].set, "keys: an unmentioned limit is not set");
	ok(pol.sources.n == 1 && strcmp(pol.sources.v[0], "t.profile") == 0,
	   "keys: the source is recorded");
	as_policy_free(&pol);

	is_int(parse(&pol, "", &err), 0, "keys: an empty profile parses");
	ok(pol.scope_abstract_unix && pol.scope_signal && !pol.landlock_set &&
		   pol.landlock == AS_LANDLOCK_REQUIRED,
	   "keys: defaults are isolated scopes, landlock required");
	as_policy_free(&pol);
}

static void test_seccomp_names(void)
{
	struct as_policy pol;
	struct as_err err;
	int r;

	r = parse(&pol, "[seccomp]\ndeny = no_such_syscall_xyz\n", &err);
	ok(r < 0, "seccomp: an unknown syscall name is refused");
	like(err.msg, "t.profile:2: deny: 'no_such_syscall_xyz': ",
	     "seccomp: the message names file:line and the value");
	as_policy_free(&pol);

	if (!seccomp_ready) {
		printf("ok %d - seccomp: deny = ptrace parses # SKIP as_seccomp_check_name not implemented yet\n",
		       ++tap_n);
		return;
	}
	r = parse(&pol, "[seccomp]\ndeny = ptrace\ndeny = ptrace\n", &err);
	ok(r == 0 && pol.seccomp_deny.n == 1 && strcmp(pol.seccomp_deny.v[0], "ptrace") == 0,
	   "seccomp: deny = ptrace parses (twice is one entry)");
	as_policy_free(&pol);
}

static void test_variables(void)
{
	struct as_policy pol;
	struct as_err err;
	struct as_profile_opts saved = opts;

	is_int(parse(&pol,
		     "[filesystem]\n"
		     "write = @project\n"
		     "read = @home/.config/x\n"
		     "write = ?@tmp/cache\n"
		     "[environment]\n"
		     "set = TMPDIR=@tmp\n"
		     "set = XDG_CONFIG_HOME=@home/.config\n"
		     "set = LITERAL=a@home\n",
		     &err),
	       0, "vars: a profile using @project, @home, @tmp parses");
	ok(find_path(&pol, "/work/proj"), "vars: @project expands");
	ok(find_path(&pol, "/home/agent/.config/x"), "vars: @home/.config/x expands");
	ok(find_path(&pol, "/tmp/cache") && find_path(&pol, "/tmp/cache")->optional,
	   "vars: ?@tmp/cache expands and stays optional");
	ok(as_strv_contains(&pol.env_set, "TMPDIR=/tmp"), "vars: set = TMPDIR=@tmp expands");
	ok(as_strv_contains(&pol.env_set, "XDG_CONFIG_HOME=/home/agent/.config"),
	   "vars: set value @home/... expands");
	ok(as_strv_contains(&pol.env_set, "LITERAL=a@home"),
	   "vars: a variable not at the start stays literal");
	as_policy_free(&pol);

	opts.vars.home = "/home/agent/";
	is_int(parse(&pol, "[filesystem]\nread = @home/x\nread = @home\n", &err), 0,
	       "vars: a home with a trailing slash parses");
	ok(find_path(&pol, "/home/agent/x"),
	   "vars: no double slash after a trailing-slash variable");
	ok(find_path(&pol, "/home/agent/"), "vars: a bare @home keeps the value as given");
	as_policy_free(&pol);
	opts = saved;

	refused("[filesystem]\nread = @foo/x\n",
		"t.profile:2: unknown variable '@foo' (known: @project, @home, @tmp)",
		"vars: an unknown @variable");
	refused("[filesystem]\nread = @homex\n",
		"t.profile:2: unknown variable '@homex' (known: @project, @home, @tmp)",
		"vars: a variable must be followed by '/' or the end");
	refused("[environment]\nset = X=@nope\n",
		"t.profile:2: unknown variable '@nope' (known: @project, @home, @tmp)",
		"vars: an unknown variable in a set value");
	opts.vars.project = NULL;
	refused("[filesystem]\nwrite = @project\n",
		"t.profile:2: variable @project has no value here",
		"vars: a variable without a value is an error naming it");
	opts = saved;
	opts.vars.tmp = NULL;
	refused("[environment]\nset = TMPDIR=@tmp\n",
		"t.profile:2: variable @tmp has no value here",
		"vars: a variable without a value in a set value");
	opts = saved;
}

static void test_paths(void)
{
	refused("[filesystem]\n\nread = relative/x\n",
		"t.profile:3: relative/x: not an absolute path",
		"paths: a relative path names file:line");
	refused("[filesystem]\nexec = ?\n", "t.profile:2: exec: '?' needs a path after it",
		"paths: a bare '?' is refused");
	refused("[filesystem]\nread = ?relative\n", "t.profile:2: relative: not an absolute path",
		"paths: an optional path must be absolute too");
	refused("[filesystem]\nread =\n", "t.profile:2: read: empty value",
		"paths: an empty value is refused");
	refused("[filesystem]\nread = /a\x1b[31mb\n",
		"t.profile:2: read: control character in value",
		"paths: a control character in a value is refused");
}

static void test_errors(void)
{
	refused("[profile]\n[foo]\n", "t.profile:2: unknown section [foo]",
		"errors: unknown section");
	refused("[]\n", "t.profile:1: unknown section []", "errors: an empty section name");
	refused("[Profile]\n", "t.profile:1: unknown section [Profile]",
		"errors: section names are case-sensitive");
	refused("[profile\n", "t.profile:1: a section header needs a closing ']'",
		"errors: unclosed section");
	refused("[profile] read = /x\n", "t.profile:1: unexpected text after the section header",
		"errors: text after a section header");
	refused("[filesystem]\nrd = /x\n", "t.profile:2: unknown key 'rd' in [filesystem]",
		"errors: unknown key");
	refused("[profile]\nread = /x\n", "t.profile:2: unknown key 'read' in [profile]",
		"errors: a key of another section");
	refused("read = /x\n[filesystem]\n", "t.profile:1: key 'read' before any [section]",
		"errors: key before any section");
	refused("[filesystem]\nread: /x\n",
		"t.profile:2: expected 'key = value', a [section] or a comment",
		"errors: 'key: value' is refused");
	refused("[filesystem]\n/usr\n",
		"t.profile:2: expected 'key = value', a [section] or a comment",
		"errors: a line without '='");
	refused("[profile]\nlandlock = maybe\n",
		"t.profile:2: landlock: 'maybe': expected required or best-effort",
		"errors: bad landlock value");
	refused("[profile]\nlandlock = required\nlandlock = required\n",
		"t.profile:3: 'landlock' is already set on line 2",
		"errors: landlock twice in one file");
	refused("[profile]\ndescription = a\ndescription = b\n",
		"t.profile:3: 'description' is already set on line 2",
		"errors: description twice in one file");
	refused("[limits]\ncore = 0\ncore = 0\n", "t.profile:3: 'core' is already set on line 2",
		"errors: a limit twice in one file");
	refused("[scope]\nsignal = sometimes\n",
		"t.profile:2: signal: 'sometimes': expected isolated or shared",
		"errors: bad scope value");
	refused("[scope]\nipc = isolated\n", "t.profile:2: unknown key 'ipc' in [scope]",
		"errors: unknown scope");
	refused("[network]\nconnect-tcp = 0\n",
		"t.profile:2: connect-tcp: 0: port must be in 1-65535", "errors: port 0");
	refused("[network]\nconnect-tcp = 65536\n",
		"t.profile:2: connect-tcp: 65536: port must be in 1-65535", "errors: port 65536");
	refused("[network]\nbind-tcp = abc\n", "t.profile:2: bind-tcp: abc: not a port number",
		"errors: port abc");
	refused("[network]\nconnect-udp = 53\n",
		"t.profile:2: unknown key 'connect-udp' in [network]",
		"errors: there is no UDP rule");
	refused("[limits]\nnofile = 12X\n",
		"t.profile:2: nofile: '12X': expected a number with an optional K, M or G suffix, or unlimited",
		"errors: bad rlimit value");
	refused("[limits]\nnofile = -1\n",
		"t.profile:2: nofile: '-1': expected a number with an optional K, M or G suffix, or unlimited",
		"errors: a negative rlimit");
	refused("[limits]\nfsize = 99999999999G\n", "t.profile:2: fsize: '99999999999G': too large",
		"errors: an rlimit that overflows");
	refused("[limits]\nfsize = 18446744073709551616\n",
		"t.profile:2: fsize: '18446744073709551616': too large",
		"errors: an rlimit of 2^64");
	refused("[limits]\nfiles = 10\n", "t.profile:2: unknown limit 'files' in [limits]",
		"errors: unknown rlimit name");
	refused("[environment]\nset = FOO\n", "t.profile:2: set: 'FOO': expected NAME=VALUE",
		"errors: set without '='");
	refused("[environment]\nset = 1X=y\n", "t.profile:2: set: '1X': not a valid variable name",
		"errors: set with a bad name");
	refused("[environment]\nset = A=1\nset = A=2\n", "t.profile:3: set: A is already set",
		"errors: the same variable set twice");
	refused("[environment]\npass = BAD-NAME\n",
		"t.profile:2: pass: 'BAD-NAME': not a valid variable name or NAME* prefix",
		"errors: bad env name");
	refused("[environment]\npass = *\n",
		"t.profile:2: pass: '*': not a valid variable name or NAME* prefix",
		"errors: pass = * (everything) is refused");
	refused("[environment]\npass = A*B\n",
		"t.profile:2: pass: 'A*B': not a valid variable name or NAME* prefix",
		"errors: '*' only at the end");
	refused("[filesystem]\nr\x1b[31md = /x\n",
		"t.profile:2: unknown key 'r\\x1b[31md' in [filesystem]",
		"errors: control characters in a key are escaped in the message");
}

static void test_line_limit(void)
{
	struct as_policy pol;
	struct as_err err;
	char text[1024], path[300];
	size_t n;

	/* A line of 250 bytes: inih would split it in two. */
	memset(path, 'a', sizeof(path));
	path[0] = '/';
	n = strlen("read = ");
	path[250 - n] = '\0';
	snprintf(text, sizeof(text), "[filesystem]\n; a comment\nread = %s\nread = /ok\n", path);
	refused(text, "t.profile:3: line longer than 198 bytes (the limit of the system's inih)",
		"lines: a 250-byte line is an error naming its line");

	/* 198 bytes plus the newline and the NUL fill inih's 200 bytes. */
	memset(path, 'b', sizeof(path));
	path[0] = '/';
	path[198 - n] = '\0';
	snprintf(text, sizeof(text), "[filesystem]\nread = %s\n", path);
	is_int(parse(&pol, text, &err), 0, "lines: a line of exactly 198 bytes passes");
	ok(pol.n_paths == 1 && strlen(pol.paths[0].path) == 198 - n, "lines: and is read whole");
	as_policy_free(&pol);
	path[198 - n] = 'b';
	path[199 - n] = '\0';
	snprintf(text, sizeof(text), "[filesystem]\nread = %s", path);
	refused(text, "t.profile:2: line longer than 198 bytes (the limit of the system's inih)",
		"lines: 199 bytes is too long, even without a final newline");
	memset(path, 'c', sizeof(path));
	path[197] = '\0';
	snprintf(text, sizeof(text), "[filesystem]\n; %s\n", path);
	refused(text, "t.profile:2: line longer than 198 bytes (the limit of the system's inih)",
		"lines: a long comment is refused too");
}

static void test_layout(void)
{
	struct as_policy pol;
	struct as_err err;

	is_int(parse(&pol,
		     "\xef\xbb\xbf[filesystem]\r\n"
		     "    read = /etc\r\n"
		     "\tread = /usr\n"
		     "  [network]\n"
		     "\t connect-tcp = 443 ; https\n",
		     &err),
	       0, "layout: indentation, tabs, CRLF and a BOM parse");
	ok(find_path(&pol, "/etc") && find_path(&pol, "/usr"), "layout: indented keys are read");
	ok(pol.n_connect_tcp == 1, "layout: an indented section header is read");
	as_policy_free(&pol);

	/* With inih's continuation on, "  /usr" would be glued to read. */
	refused("[filesystem]\nread = /etc\n   /usr\n",
		"t.profile:3: expected 'key = value', a [section] or a comment",
		"layout: an indented line is never a continuation of the key above");

	is_int(parse(&pol,
		     "[filesystem]\nread = /a;b\nread = /c ; comment\nread = /d # not a comment\n",
		     &err),
	       0, "layout: comment rules parse");
	ok(find_path(&pol, "/a;b"), "layout: ';' without a space before it is part of the value");
	ok(find_path(&pol, "/c"), "layout: ' ;' starts an inline comment");
	ok(find_path(&pol, "/d # not a comment"),
	   "layout: '#' is a comment only at the start of a line");
	as_policy_free(&pol);

	is_int(parse(&pol,
		     "[filesystem]\nread = /x\n[network]\nconnect-tcp = 22\n[filesystem]\nread = /y\n",
		     &err),
	       0, "layout: a section may appear twice");
	is_int(pol.n_paths, 2, "layout: both [filesystem] sections count");
	as_policy_free(&pol);
}

static void test_includes(void)
{
	struct as_policy pol;
	struct as_err err;
	char want[512];

	put("inc-base",
	    "[profile]\ndescription = base\nlandlock = required\n"
	    "[filesystem]\nread = /etc\n[network]\nconnect-tcp = 22\n"
	    "[environment]\npass = TERM\n[limits]\ncore = 0\nnofile = 100\n");
	put("inc-top",
	    "[profile]\ninclude = inc-base\nlandlock = best-effort\n"
	    "[filesystem]\nwrite = /work\n[network]\nconnect-tcp = 443\n[limits]\nnofile = 200\n");
	is_int(load(&pol, "inc-top", &err), 0, "include: a profile with an include loads");
	if (err.msg[0])
		printf("#   %s\n", err.msg);
	is_str(pol.name, "inc-top", "include: name is the top-level profile");
	ok(find_path(&pol, "/etc") && find_path(&pol, "/work"), "include: paths merge");
	ok(has_port(pol.connect_tcp, pol.n_connect_tcp, 22) &&
		   has_port(pol.connect_tcp, pol.n_connect_tcp, 443),
	   "include: ports merge");
	ok(as_strv_contains(&pol.env_pass, "TERM"), "include: environment merges");
	is_int(pol.landlock, AS_LANDLOCK_BEST_EFFORT, "include: the includer wins for landlock");
	is_int(pol.rlimits[RLIMIT_NOFILE].value, 200, "include: the includer wins for a limit");
	ok(pol.rlimits[RLIMIT_CORE].set && pol.rlimits[RLIMIT_CORE].value == 0,
	   "include: an included limit applies");
	is_str(pol.description, "base",
	       "include: an included description applies when the includer has none");
	is_int(pol.sources.n, 2, "include: both files are recorded as sources");
	snprintf(want, sizeof(want), "%s/inc-base.profile", fixdir);
	ok(find_path(&pol, "/etc") && strcmp(find_path(&pol, "/etc")->origin.file, want) == 0 &&
		   find_path(&pol, "/etc")->origin.line == 5,
	   "include: a rule's origin is the included file and line");
	as_policy_free(&pol);

	/* The includer's value set before the include line still wins. */
	put("inc-early", "[profile]\nlandlock = best-effort\ninclude = inc-base\n");
	is_int(load(&pol, "inc-early", &err), 0, "include: includer value before the include line");
	is_int(pol.landlock, AS_LANDLOCK_BEST_EFFORT,
	       "include: the includer wins regardless of order");
	as_policy_free(&pol);

	/* Among includes, the last one listed wins. */
	put("inc-ll-be", "[profile]\nlandlock = best-effort\ndescription = be\n");
	put("inc-ll-req", "[profile]\nlandlock = required\ndescription = req\n");
	put("inc-two", "[profile]\ninclude = inc-ll-be\ninclude = inc-ll-req\n");
	is_int(load(&pol, "inc-two", &err), 0, "include: two includes");
	ok(pol.landlock == AS_LANDLOCK_REQUIRED && strcmp(pol.description, "req") == 0,
	   "include: the last include wins between siblings");
	as_policy_free(&pol);

	put("cyc-a", "[profile]\ninclude = cyc-b\n");
	put("cyc-b", "[filesystem]\nread = /x\n[profile]\ninclude = cyc-a\n");
	is_int(load(&pol, "cyc-a", &err), -ELOOP, "include: a cycle is refused");
	snprintf(want, sizeof(want), "%s/cyc-b.profile:4: include cycle: cyc-a -> cyc-b -> cyc-a",
		 fixdir);
	is_str(err.msg, want, "include: the cycle message names the chain");
	as_policy_free(&pol);

	put("cyc-self", "[profile]\ninclude = cyc-self\n");
	is_int(load(&pol, "cyc-self", &err), -ELOOP,
	       "include: a profile including itself is refused");
	like(err.msg, "include cycle: cyc-self -> cyc-self", "include: self-cycle message");
	as_policy_free(&pol);

	put("dup-leaf", "[filesystem]\nread = /leaf\n");
	put("dup-mid", "[profile]\ninclude = dup-leaf\n");
	put("dup-top", "[profile]\ninclude = dup-mid\n\ninclude = dup-leaf\n");
	is_int(load(&pol, "dup-top", &err), -EINVAL,
	       "include: the same profile twice in the tree is refused");
	snprintf(want, sizeof(want), "%s/dup-top.profile:4: profile 'dup-leaf' already included",
		 fixdir);
	is_str(err.msg, want, "include: the duplicate message names file:line and the profile");
	as_policy_free(&pol);

	/* d0 includes d1 ... dN: depth 8 is the deepest allowed. */
	for (int i = 0; i <= 9; i++) {
		char name[16], text[64];

		snprintf(name, sizeof(name), "deep%d", i);
		if (i < 9)
			snprintf(text, sizeof(text), "[profile]\ninclude = deep%d\n", i + 1);
		else
			snprintf(text, sizeof(text), "[filesystem]\nread = /deepest\n");
		put(name, text);
	}
	is_int(load(&pol, "deep1", &err), 0, "include: includes nested 8 deep load");
	ok(find_path(&pol, "/deepest"), "include: the deepest rule arrives");
	as_policy_free(&pol);
	is_int(load(&pol, "deep0", &err), -ELOOP, "include: includes nested 9 deep are refused");
	snprintf(want, sizeof(want),
		 "%s/deep8.profile:2: include 'deep9': includes nested deeper than 8 levels",
		 fixdir);
	is_str(err.msg, want, "include: the depth message names the line");
	as_policy_free(&pol);

	put("inc-missing", "[profile]\ninclude = no-such-profile\n");
	is_int(load(&pol, "inc-missing", &err), -ENOENT, "include: a missing include is refused");
	snprintf(want, sizeof(want),
		 "%s/inc-missing.profile:2: profile 'no-such-profile' not found (looked in %s)",
		 fixdir, fixdir);
	is_str(err.msg, want, "include: the message names the including line and the directories");
	as_policy_free(&pol);

	refused("[profile]\ninclude = ../etc/passwd\n",
		"t.profile:2: include: '../etc/passwd': not a valid profile name",
		"include: a path is not a name");

	/* Parsed text includes by name from the search directories too. */
	is_int(parse(&pol, "[profile]\ninclude = inc-base\n", &err), 0,
	       "include: parsed text includes by name");
	ok(find_path(&pol, "/etc"), "include: and gets the included rules");
	as_policy_free(&pol);

	/* A profile fails whole: an error in an include fails the top. */
	put("inc-bad", "[filesystem]\nread = /ok\nread = nope\n");
	put("inc-uses-bad", "[profile]\ninclude = inc-bad\n[filesystem]\nread = /after\n");
	is_int(load(&pol, "inc-uses-bad", &err), -EINVAL,
	       "include: an error in an include fails the profile");
	snprintf(want, sizeof(want), "%s/inc-bad.profile:3: nope: not an absolute path", fixdir);
	is_str(err.msg, want, "include: the message names the included file and line");
	ok(!find_path(&pol, "/after"), "include: nothing after the failing include is read");
	as_policy_free(&pol);
}

static void test_names(void)
{
	ok(as_profile_name_valid("claude-code"), "names: claude-code is valid");
	ok(as_profile_name_valid("a.b_c-1"), "names: dots, underscores, dashes");
	ok(!as_profile_name_valid(""), "names: empty is invalid");
	ok(!as_profile_name_valid(NULL), "names: NULL is invalid");
	ok(!as_profile_name_valid("Default"), "names: upper case is invalid");
	ok(!as_profile_name_valid(".hidden"), "names: a leading dot is invalid");
	ok(!as_profile_name_valid("-x"), "names: a leading dash is invalid");
	ok(!as_profile_name_valid("a/b"), "names: a slash is invalid");
	ok(!as_profile_name_valid("a..b"), "names: '..' is invalid");
	ok(as_profile_name_valid(
		   "a234567890123456789012345678901234567890123456789012345678901234"),
	   "names: 64 characters are valid");
	ok(!as_profile_name_valid(
		   "a2345678901234567890123456789012345678901234567890123456789012345"),
	   "names: 65 characters are invalid");
}

static void test_lookup(void)
{
	char etc[PATH_MAX], vendor[PATH_MAX], want[PATH_MAX * 3];
	const char *dirs[3];
	struct as_profile_opts o = opts;
	struct as_policy pol;
	struct as_err err = { "" };

	snprintf(etc, sizeof(etc), "%s/etc", fixdir);
	snprintf(vendor, sizeof(vendor), "%s/vendor", fixdir);
	if (mkdir(etc, 0755) < 0 || mkdir(vendor, 0755) < 0) {
		ok(0, "lookup: mkdir");
		return;
	}
	dirs[0] = etc;
	dirs[1] = vendor;
	dirs[2] = NULL;
	o.search_dirs = dirs;

	put_mode(etc, "shadowed", "[profile]\ndescription = admin's\n", 0644);
	put_mode(vendor, "shadowed", "[profile]\ndescription = vendor's\n", 0644);
	put_mode(vendor, "vendor-only", "[profile]\ndescription = vendor only\n", 0644);
	as_policy_init(&pol);
	is_int(as_profile_load(&pol, "shadowed", &o, &err), 0,
	       "lookup: a profile in both dirs loads");
	is_str(pol.description, "admin's", "lookup: the /etc dir shadows the vendor dir");
	as_policy_free(&pol);
	is_int(as_profile_load(&pol, "vendor-only", &o, &err), 0,
	       "lookup: a vendor-only profile loads");
	is_str(pol.description, "vendor only", "lookup: a missing file tries the next dir");
	as_policy_free(&pol);

	is_int(as_profile_load(&pol, "nowhere", &o, &err), -ENOENT,
	       "lookup: an unknown profile is refused");
	snprintf(want, sizeof(want), "profile 'nowhere' not found (looked in %s, %s)", etc, vendor);
	is_str(err.msg, want, "lookup: not-found message lists the dirs in order");
	as_policy_free(&pol);

	is_int(as_profile_load(&pol, "../x", &o, &err), -EINVAL,
	       "lookup: a path is not a profile name");
	is_str(err.msg, "'../x': not a valid profile name", "lookup: bad name message");
	as_policy_free(&pol);

	/* A bad file in the first dir stops the search: never fall back. */
	snprintf(want, sizeof(want), "%s/broken.profile", etc);
	if (mkdir(want, 0755) < 0) {
		ok(0, "lookup: mkdir broken.profile");
		return;
	}
	put_mode(vendor, "broken", "[profile]\ndescription = fallback\n", 0644);
	is_int(as_profile_load(&pol, "broken", &o, &err), -EINVAL,
	       "lookup: an unreadable /etc profile is not skipped");
	like(err.msg, want, "lookup: the error names the bad file");
	as_policy_free(&pol);

	/* Trust: group-writable or not root-owned files are refused. */
	o.trust = AS_TRUST_ROOT_ONLY;
	put_mode(etc, "untrusted", "[profile]\ndescription = x\n", 0664);
	put_mode(vendor, "untrusted", "[profile]\ndescription = vendor\n", 0644);
	snprintf(want, sizeof(want), "%s/untrusted.profile", etc);
	is_int(as_profile_load(&pol, "untrusted", &o, &err), -EPERM,
	       "lookup: an untrusted profile is refused under AS_TRUST_ROOT_ONLY, without fallback");
	like(err.msg, want, "lookup: the trust error names the file");
	like(err.msg, geteuid() == 0 ? "writable by group or others" : "not owned by root",
	     "lookup: the trust error says why");
	as_policy_free(&pol);

	if (geteuid() == 0) {
		put_mode(etc, "trusted-top", "[profile]\ninclude = untrusted-inc\n", 0644);
		put_mode(etc, "untrusted-inc", "[filesystem]\nread = /x\n", 0666);
		is_int(as_profile_load(&pol, "trusted-top", &o, &err), -EPERM,
		       "lookup: an untrusted include is refused too");
		snprintf(want, sizeof(want),
			 "%s/trusted-top.profile:2: %s/untrusted-inc.profile: writable", etc, etc);
		like(err.msg, want, "lookup: the message names the include line and the file");
		as_policy_free(&pol);
		put_mode(etc, "trusted-ok", "[profile]\ndescription = fine\n", 0644);
		is_int(as_profile_load(&pol, "trusted-ok", &o, &err), 0,
		       "lookup: a root-owned 0644 profile is trusted");
		as_policy_free(&pol);
	} else {
		printf("ok %d - lookup: untrusted include # SKIP needs root to own a trusted file\n",
		       ++tap_n);
	}

	/* as_profile_load_file: same rules, includes by name. */
	o.trust = AS_TRUST_ANY;
	snprintf(want, sizeof(want), "%s/shadowed.profile", vendor);
	is_int(as_profile_load_file(&pol, want, &o, &err), 0, "file: a profile loads from a path");
	ok(strcmp(pol.name, want) == 0 && strcmp(pol.description, "vendor's") == 0,
	   "file: the path is the name and its content applies");
	as_policy_free(&pol);
	snprintf(want, sizeof(want), "%s/inc-top.profile", fixdir);
	is_int(as_profile_load_file(&pol, want, &opts, &err), 0,
	       "file: includes resolve from the search dirs");
	ok(find_path(&pol, "/etc"), "file: the included rules arrive");
	as_policy_free(&pol);
	is_int(as_profile_load_file(&pol, "/nonexistent/x.profile", &o, &err), -ENOENT,
	       "file: a missing file");
	like(err.msg, "/nonexistent/x.profile", "file: the message names the path");
	as_policy_free(&pol);
	put_mode(fixdir, "badline", "[filesystem]\n\nread = x\n", 0644);
	snprintf(want, sizeof(want), "%s/badline.profile", fixdir);
	is_int(as_profile_load_file(&pol, want, &o, &err), -EINVAL, "file: a bad line is refused");
	snprintf(want, sizeof(want), "%s/badline.profile:3: x: not an absolute path", fixdir);
	is_str(err.msg, want, "file: the message is FILE:LINE as opened");
	as_policy_free(&pol);
}

static const char *shipped[] = {
	"base",  "default",    "offline",  "strict", "claude-code",
	"codex", "gemini-cli", "opencode", "aider",
};

static bool is_device(const char *p)
{
	return strncmp(p, "/dev/", 5) == 0;
}

static void test_shipped(const char *srcdir)
{
	const char *dirs[2] = { srcdir, NULL };
	struct as_profile_opts o = opts;
	struct as_policy pol;
	struct as_err err;

	o.search_dirs = dirs;
	for (size_t i = 0; i < AS_ARRAY_SIZE(shipped); i++) {
		int r;
		bool writes_outside = false;

		as_policy_init(&pol);
		err.msg[0] = '\0';
		r = as_profile_load(&pol, shipped[i], &o, &err);
		if (r == -ENOSYS && !seccomp_ready) {
			printf("ok %d - shipped: %s parses # SKIP %s\n", ++tap_n, shipped[i],
			       err.msg);
			as_policy_free(&pol);
			continue;
		}
		if (!ok(r == 0, "shipped: %s parses", shipped[i]))
			printf("#   %s\n", err.msg);
		ok(pol.description && *pol.description, "shipped: %s has a description",
		   shipped[i]);
		ok(pol.landlock_set && pol.landlock == AS_LANDLOCK_REQUIRED,
		   "shipped: %s requires Landlock", shipped[i]);
		ok(!pol.rlimits[RLIMIT_NPROC].set,
		   "shipped: %s sets no nproc limit (it counts every process of the real uid)",
		   shipped[i]);
		ok(pol.rlimits[RLIMIT_CORE].set && pol.rlimits[RLIMIT_CORE].value == 0,
		   "shipped: %s disables core dumps", shipped[i]);
		ok(pol.n_bind_tcp == 0, "shipped: %s binds no TCP port", shipped[i]);
		ok(find_path(&pol, "/usr") && (find_path(&pol, "/usr")->access & AS_FS_EXEC),
		   "shipped: %s can execute /usr", shipped[i]);
		ok(find_path(&pol, "/dev/tty") &&
			   (find_path(&pol, "/dev/tty")->access & AS_FS_WRITE),
		   "shipped: %s grants /dev/tty write (terminal ioctls)", shipped[i]);
		ok(!as_strv_contains(&pol.env_pass, "LD_PRELOAD") &&
			   !as_strv_contains(&pol.env_pass, "LD_*"),
		   "shipped: %s does not pass LD_PRELOAD", shipped[i]);
		ok(!find_path(&pol, "/"), "shipped: %s never grants /", shipped[i]);
		if (seccomp_ready) {
			struct as_seccomp *sc = NULL;

			r = as_seccomp_build(&pol, &sc, &err);
			if (!ok(r == 0, "shipped: %s builds a seccomp filter", shipped[i]))
				printf("#   %s\n", err.msg);
			as_seccomp_free(sc);
		}
		for (size_t j = 0; j < pol.n_paths; j++)
			if ((pol.paths[j].access & AS_FS_WRITE) && !is_device(pol.paths[j].path) &&
			    strcmp(pol.paths[j].path, "/work/proj") != 0 &&
			    strcmp(pol.paths[j].path, "/tmp") != 0 &&
			    strcmp(pol.paths[j].path, "/home/agent") != 0)
				writes_outside = true;
		ok(!writes_outside, "shipped: %s writes only @project, @tmp, @home and devices",
		   shipped[i]);

		if (strcmp(shipped[i], "base") == 0) {
			ok(pol.n_connect_tcp == 0, "shipped: base grants no network");
			ok(!find_path(&pol, "/work/proj") && !find_path(&pol, "/home/agent"),
			   "shipped: base grants neither project nor home");
		} else if (strcmp(shipped[i], "strict") == 0) {
			const struct as_path_rule *p = find_path(&pol, "/work/proj");

			ok(pol.n_connect_tcp == 0, "shipped: strict grants no network");
			ok(p && (p->access & AS_FS_WRITE), "shipped: strict writes the project");
			ok(!find_path(&pol, "/home/agent") && !find_path(&pol, "/tmp"),
			   "shipped: strict grants neither home nor tmp");
		} else if (strcmp(shipped[i], "offline") == 0) {
			ok(pol.n_connect_tcp == 0, "shipped: offline grants no TCP");
			ok(as_strv_contains(&pol.seccomp_deny, "@net"),
			   "shipped: offline denies every socket family but AF_UNIX");
			ok(find_path(&pol, "/work/proj"), "shipped: offline writes the project");
		} else {
			ok(has_port(pol.connect_tcp, pol.n_connect_tcp, 443),
			   "shipped: %s connects to 443", shipped[i]);
			ok(find_path(&pol, "/work/proj") &&
				   (find_path(&pol, "/work/proj")->access & AS_FS_WRITE),
			   "shipped: %s writes the project", shipped[i]);
			ok(find_path(&pol, "/home/agent") && find_path(&pol, "/tmp"),
			   "shipped: %s writes the agent's home and tmp", shipped[i]);
		}
		as_policy_free(&pol);
	}
}

static const char *shipped_dir(int argc, char **argv, char *buf, size_t len)
{
	const char *src = getenv("AS_SRC_DIR");
	const char *tail = "tests/unit/test_profile.c";
	size_t fl = strlen(__FILE__), tl = strlen(tail);

	if (argc > 1)
		return argv[1];
	if (src && *src) {
		snprintf(buf, len, "%s/profiles", src);
		return buf;
	}
	if (fl >= tl && strcmp(&__FILE__[fl - tl], tail) == 0) {
		snprintf(buf, len, "%.*sprofiles", (int)(fl - tl), __FILE__);
		if (access(buf, R_OK | X_OK) == 0)
			return buf;
	}
	return NULL;
}

static void cleanup(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fixdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", fixdir);
}

int main(int argc, char **argv)
{
	char buf[PATH_MAX];
	const char *src;
	struct as_err err = { "" };

	if (!mkdtemp(fixdir)) {
		printf("Bail out! mkdtemp failed\n");
		return 1;
	}
	fixdirs[0] = fixdir;
	fixdirs[1] = NULL;
	opts.search_dirs = fixdirs;
	opts.trust = AS_TRUST_ANY;
	opts.vars.project = "/work/proj";
	opts.vars.home = "/home/agent";
	opts.vars.tmp = "/tmp";
	/* Under valgrind seccomp(2) fails with ENOSYS and libseccomp would
	 * guess an old kernel; these tests only build filters, which never
	 * asks the kernel (test_seccomp.c says more). */
	if (tap_valgrind() && seccomp_api_set(3) != 0)
		printf("Bail out! seccomp_api_set(3) failed\n");
	seccomp_ready = as_seccomp_check_name("ptrace", &err) != -ENOSYS;

	test_every_key();
	test_seccomp_names();
	test_variables();
	test_paths();
	test_errors();
	test_line_limit();
	test_layout();
	test_includes();
	test_names();
	test_lookup();
	src = shipped_dir(argc, argv, buf, sizeof(buf));
	if (src)
		test_shipped(src);
	else
		printf("ok %d - shipped profiles # SKIP source dir unknown (pass it as argv[1] or AS_SRC_DIR)\n",
		       ++tap_n);
	cleanup();
	return tap_done();
}
