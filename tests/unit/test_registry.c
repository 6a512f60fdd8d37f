/* SPDX-License-Identifier: MIT */
/* The registry file: grammar, exact error messages, round trip, values,
 * atomic save, and the names it accepts. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account.h"
#include "registry.h"
#include "tap.h"

static const char good[] =
	"# Managed by agent-admin(8).\n"
	"[agent]\n"
	"owner = alice\n"
	"owner-uid = 1000\n"
	"account = alice-agent\n"
	"account-uid = 1001\n"
	"home = /home/alice-agent\n"
	"profile = default\n"
	"sudo = no\n"
	"\n"
	"[project]\n"
	"path = /home/alice/src/foo\n"
	"access = rw\n"
	"traverse = /home/alice\n"
	"traverse = /home/alice/src\n"
	"\n"
	"[project]\n"
	"path = /home/alice/doc\n"
	"access = ro\n";

static void test_parse_good(void)
{
	struct as_registry r;
	struct as_err err = { "" };
	char *out = NULL;

	is_int(as_registry_parse_string(&r, good, "alice.conf", &err), 0,
	       "parse: the documented format parses");
	is_str(r.owner, "alice", "parse: owner");
	is_int(r.owner_uid, 1000, "parse: owner-uid");
	is_str(r.account, "alice-agent", "parse: account");
	is_int(r.account_uid, 1001, "parse: account-uid");
	is_str(r.home, "/home/alice-agent", "parse: home");
	is_str(r.profile, "default", "parse: profile");
	ok(!r.sudo, "parse: sudo = no");
	is_int(r.n_projects, 2, "parse: each [project] section is a project");
	is_str(r.projects[0].path, "/home/alice/src/foo", "parse: project path");
	ok(!r.projects[0].read_only, "parse: access rw");
	is_int(r.projects[0].traverse.n, 2, "parse: traverse repeats");
	is_str(r.projects[0].traverse.v[1], "/home/alice/src", "parse: traverse order kept");
	ok(r.projects[1].read_only, "parse: access ro");
	is_int(r.projects[1].state, AS_REG_GRANTED, "parse: no state key means granted");

	is_int(as_registry_format(&r, &out, &err), 0, "format: succeeds");
	is_str(out, good, "format: round trip gives back the exact text");
	free(out);

	is_int(as_registry_project_for(&r, "/home/alice/src/foo"), 0,
	       "project_for: the project itself");
	is_int(as_registry_project_for(&r, "/home/alice/src/foo/a/b"), 0,
	       "project_for: beneath it");
	is_int(as_registry_project_for(&r, "/home/alice/src/foobar"), -1,
	       "project_for: a sibling with the same prefix is not inside");
	is_int(as_registry_project_for(&r, "/home/alice/src"), -1,
	       "project_for: the parent is not inside");
	is_int(as_registry_project_for(&r, "/home/alice/doc/x"), 1, "project_for: second project");
	as_registry_free(&r);
}

static void test_parse_tolerant(void)
{
	struct as_registry r;
	struct as_err err = { "" };
	const char *text =
		"[agent]\r\n"
		"  owner=bob ; inline comment\r\n"
		"owner-uid = 2000\n"
		"account = bob-agent\n"
		"account-uid = 2001\n"
		"home = /home/bob-agent\n"
		"\t[project]\n"
		"path = /srv/p\n"
		"access = rw\n"
		"state = granting\n"
		"traverse-pending = /srv\n";

	is_int(as_registry_parse_string(&r, text, "bob.conf", &err), 0,
	       "parse: CRLF, indentation and inline comments are accepted");
	is_str(r.owner, "bob", "parse: indented key with inline comment");
	is_str(r.profile, "default", "parse: profile defaults to 'default'");
	is_int(r.projects[0].state, AS_REG_GRANTING, "parse: state = granting");
	is_int(r.projects[0].traverse_pending.n, 1, "parse: traverse-pending");
	is_int(as_registry_project_for(&r, "/srv/p"), -1,
	       "project_for: an unfinished grant is not usable");
	as_registry_free(&r);

	/* inih skips a byte order mark; the first section still counts as
	 * one (found by fuzz-registry: tests/fuzz/regressions/registry). */
	is_int(as_registry_parse_string(&r,
					"\xef\xbb\xbf"
					"[agent]\nowner = bob\nowner-uid = 2000\n"
					"account = bob-agent\naccount-uid = 2001\nhome = /h\n",
					"bob.conf", &err),
	       0, "parse: a byte order mark before [agent] is skipped");
	is_str(r.owner, "bob", "parse: the [agent] after a byte order mark is read");
	as_registry_free(&r);
}

/* One malformed registry and the exact message it must give. */
static void bad(const char *text, const char *want, const char *name)
{
	struct as_registry r;
	struct as_err err = { "" };
	int rc = as_registry_parse_string(&r, text, "x.conf", &err);

	if (!ok(rc == -EINVAL, "malformed: %s is refused", name))
		printf("#   rc %d\n", rc);
	is_str(err.msg, want, "malformed: %s says so", name);
	if (rc == 0)
		as_registry_free(&r);
}

#define AGENT \
	"[agent]\nowner = alice\nowner-uid = 1000\naccount = alice-agent\naccount-uid = 1001\nhome = /h\n"

/* The admin's pin: parsed, kept in order, written back, and checked. */
static void test_profiles_pin(void)
{
	static const char pinned[] =
		"# Managed by agent-admin(8).\n"
		"[agent]\n"
		"owner = alice\n"
		"owner-uid = 1000\n"
		"account = alice-agent\n"
		"account-uid = 1001\n"
		"home = /home/alice-agent\n"
		"profile = offline\n"
		"profiles = offline,strict,claude-code\n"
		"sudo = no\n";
	struct as_registry r;
	struct as_err err = { "" };
	struct as_strv sv = { 0 };
	char *out = NULL, *joined;

	is_int(as_registry_parse_string(&r, pinned, "alice.conf", &err), 0,
	       "pin: a registry with profiles parses");
	is_int(r.profiles.n, 3, "pin: three profiles");
	is_str(r.profiles.v[2], "claude-code", "pin: order kept");
	ok(as_registry_profile_allowed(&r, "strict"), "pin: a pinned profile is allowed");
	ok(!as_registry_profile_allowed(&r, "default"), "pin: another profile is not");
	ok(!as_registry_profile_allowed(&r, "offlin"), "pin: a prefix of a pinned name is not");
	is_int(as_registry_format(&r, &out, &err), 0, "pin: format succeeds");
	is_str(out, pinned, "pin: round trip gives back the exact text");
	free(out);
	joined = as_registry_join_profiles(&r.profiles, ", ");
	is_str(joined, "offline, strict, claude-code", "pin: joined for a message");
	free(joined);
	as_registry_free(&r);

	is_int(as_registry_parse_string(&r, good, "alice.conf", &err), 0,
	       "pin: a registry without profiles parses");
	is_int(r.profiles.n, 0, "pin: no key, no pin");
	ok(as_registry_profile_allowed(&r, "anything-at-all"),
	   "pin: without one, any profile is allowed");
	joined = as_registry_join_profiles(&r.profiles, ",");
	is_str(joined, "all", "pin: an empty pin joins as 'all'");
	free(joined);
	as_registry_free(&r);

	is_int(as_registry_parse_profiles("all", &sv, &err), 0,
	       "parse_profiles: 'all' is accepted");
	is_int(sv.n, 0, "parse_profiles: 'all' is the empty pin");
	is_int(as_registry_parse_profiles("strict", &sv, &err), 0, "parse_profiles: one name");
	is_int(sv.n, 1, "parse_profiles: one entry");
	as_strv_free(&sv);
	is_int(as_registry_parse_profiles("strict,", &sv, &err), -EINVAL,
	       "parse_profiles: a trailing comma fails");
	is_str(err.msg, "profiles 'strict,': '' is not a valid profile name",
	       "parse_profiles: and says so");
	is_int(sv.n, 0, "parse_profiles: nothing is kept on failure");
	is_int(as_registry_parse_profiles("a\nb", &sv, &err), -EINVAL,
	       "parse_profiles: a control character fails");
	is_str(err.msg, "profiles 'a\\x0ab': 'a\\x0ab' is not a valid profile name",
	       "parse_profiles: the message escapes it");
}

static void test_malformed(void)
{
	char longline[400];

	bad("", "x.conf: no [agent] section", "an empty file");
	bad("owner = alice\n", "x.conf:1: key 'owner' before any [section]",
	    "a key before any section");
	bad("[agent]\nowner = alice\nfoo = 1\n", "x.conf:3: unknown key 'foo' in [agent]",
	    "an unknown key");
	bad("[agent]\nowner = alice\n[nonsense]\nx = 1\n", "x.conf:4: unknown section [nonsense]",
	    "an unknown section");
	bad("[agent]\nowner = alice\nowner = bob\n", "x.conf:3: duplicate key 'owner' in [agent]",
	    "a duplicate key");
	bad("[agent]\nowner = alice\nthis is not ini\n",
	    "x.conf:3: expected 'key = value', a [section] or a comment", "a line that is not INI");
	bad("[agent]\nowner = alice\n", "x.conf: [agent] lacks 'owner-uid'", "a missing key");
	bad("[agent]\nowner = alice\nowner-uid = -1\n", "x.conf:3: owner-uid '-1': not a valid uid",
	    "a negative uid");
	bad("[agent]\nowner = alice\nowner-uid = 12ab\n",
	    "x.conf:3: owner-uid '12ab': not a valid uid", "a non-numeric uid");
	bad("[agent]\nowner = alice\nowner-uid = 4294967295\n",
	    "x.conf:3: owner-uid '4294967295': not a valid uid", "uid -1 spelled out");
	bad("[agent]\nowner = alice\nowner-uid = 0100\n",
	    "x.conf:3: owner-uid '0100': not a valid uid", "a uid with a leading zero");
	bad("[agent]\nowner = a/b\n",
	    "x.conf:2: owner: user name 'a/b': '/' is not allowed (letters, digits, '_', '.' and '-' only)",
	    "an owner with '/'");
	bad("[agent]\naccount = Alice\n",
	    "x.conf:2: account: account name 'Alice': must start with a lowercase letter or '_', not 'A'",
	    "an uppercase account");
	bad("[agent]\nhome = relative/home\n",
	    "x.conf:2: home 'relative/home': not an absolute path", "a relative home");
	bad("[agent]\nprofile = ../etc/x\n",
	    "x.conf:2: profile '../etc/x': not a valid profile name", "a profile that is a path");
	bad("[agent]\nsudo = maybe\n", "x.conf:2: sudo 'maybe': must be yes or no",
	    "a bad boolean");
	bad(AGENT "[project]\naccess = rw\n",
	    "x.conf:8: [project] must start with 'path', not 'access'",
	    "a project without path first");
	bad(AGENT "[project]\npath = /a\npath = /b\n",
	    "x.conf:9: duplicate key 'path' in [project] (each project needs its own [project] header)",
	    "two paths in one project");
	bad(AGENT "[project]\npath = /a\naccess = all\n",
	    "x.conf:9: access 'all': must be rw or ro", "a bad access");
	bad(AGENT "[project]\npath = /a\nstate = done\n",
	    "x.conf:9: state 'done': must be granting or revoking", "a bad state");
	bad(AGENT "[project]\npath = a\n", "x.conf:8: path 'a': not an absolute path",
	    "a relative project path");
	bad(AGENT "[project]\npath = /a\ntraverse = /\ntraverse = /\n",
	    "x.conf:10: duplicate traverse '/'", "a duplicate traverse");
	bad(AGENT "[project]\npath = /a\n[project]\npath = /a\n",
	    "x.conf: project '/a' listed twice", "a project listed twice");
	bad(AGENT "[agent]\nsudo = no\n", "x.conf:8: more than one [agent] section",
	    "two [agent] sections");
	bad(AGENT "profiles = offline,../x\n",
	    "x.conf:7: profiles 'offline,../x': '../x' is not a valid profile name",
	    "a pinned profile that is a path");
	bad(AGENT "profiles = offline,,strict\n",
	    "x.conf:7: profiles 'offline,,strict': '' is not a valid profile name",
	    "an empty name in the profile list");
	bad(AGENT "profiles = offline, strict\n",
	    "x.conf:7: profiles 'offline, strict': ' strict' is not a valid profile name",
	    "a blank in the profile list");
	bad(AGENT "profiles = offline,strict,offline\n",
	    "x.conf:7: profiles 'offline,strict,offline': 'offline' is listed twice",
	    "a profile pinned twice");
	bad(AGENT "profiles = all\n",
	    "x.conf:7: profiles 'all': leave the key out to allow any profile",
	    "profiles = all (agent-admin leaves the key out)");
	bad(AGENT "profiles = offline,all\n",
	    "x.conf:7: profiles 'offline,all': 'all' is not a valid profile name",
	    "'all' inside a list");
	bad(AGENT "profiles = a\nprofiles = b\n", "x.conf:8: duplicate key 'profiles' in [agent]",
	    "two profiles keys");
	bad("\xef\xbb\xbf[project]\naccess = rw\n",
	    "x.conf:2: [project] must start with 'path', not 'access'",
	    "a project without path first after a byte order mark");
	bad("\xef\xbb\xbf[agent]\nowner = alice\n[agent]\nsudo = no\n",
	    "x.conf:4: more than one [agent] section",
	    "two [agent] sections, the first after a byte order mark");
	bad("\xef\xbb\xbf\xef\xbb\xbf[project]\n= rw\n", "x.conf:1: more than one byte order mark",
	    "two byte order marks (inih would skip the second)");
	bad(AGENT "[project]\npath = /a\n\v[project]\naccess = ro\n",
	    "x.conf:10: [project] must start with 'path', not 'access'",
	    "a [project] header indented with a vertical tab");

	memset(longline, 'a', sizeof(longline));
	memcpy(longline, "[agent]\nhome = /", 16);
	longline[16 + 191] = '\n';
	longline[16 + 192] = '\0';
	bad(longline, "x.conf:2: line longer than 198 bytes (the limit of the system's inih)",
	    "a line inih would cut");
}

static void test_value_ok(void)
{
	struct as_err err = { "" };
	char buf[300];

	ok(as_registry_value_ok("path", "/home/alice/src/my project", &err),
	   "value_ok: spaces inside are fine");
	ok(!as_registry_value_ok("path", "/a;b", &err),
	   "value_ok: ';' (inih's inline comment) refused");
	is_str(err.msg, "path '/a;b': contains ';', which the registry (INI) cannot store",
	       "value_ok: says why");
	ok(!as_registry_value_ok("path", "/a#b", &err), "value_ok: '#' refused");
	ok(!as_registry_value_ok("path", "/a\nb", &err), "value_ok: newline refused");
	is_str(err.msg, "path '/a\\x0ab': contains a control character",
	       "value_ok: the newline is shown escaped");
	ok(!as_registry_value_ok("path", "/a ", &err), "value_ok: trailing space refused");
	ok(!as_registry_value_ok("path", "", &err), "value_ok: empty refused");
	memset(buf, 'x', sizeof(buf));
	buf[0] = '/';
	buf[197 - 7] = '\0'; /* "path = " + 190 = 197: fits */
	ok(as_registry_value_ok("path", buf, &err), "value_ok: a line of exactly 197 bytes fits");
	buf[190] = 'x';
	buf[191] = '\0';
	ok(!as_registry_value_ok("path", buf, &err), "value_ok: 198 bytes do not");
	like(err.msg, "too long for the registry", "value_ok: says it is too long");
}

static void test_names(void)
{
	struct as_err err = { "" };

	ok(as_account_name_valid("alice-agent", &err), "account name: alice-agent");
	ok(as_account_name_valid("_svc1$", &err), "account name: '_' first and '$' last");
	ok(!as_account_name_valid("a:b", &err), "account name: ':' refused");
	is_str(err.msg,
	       "account name 'a:b': ':' is not allowed (lowercase letters, digits, '_' and '-' only)",
	       "account name: names the character");
	ok(!as_account_name_valid("a\nb", &err), "account name: newline refused");
	is_str(err.msg,
	       "account name 'a\\x0ab': \\x0a is not allowed (lowercase letters, digits, '_' and '-' only)",
	       "account name: newline shown escaped");
	ok(!as_account_name_valid("-a", &err), "account name: leading '-' refused");
	ok(!as_account_name_valid("abcdefghijklmnopqrstuvwxyz0123456", &err),
	   "account name: 33 bytes refused");
	is_str(err.msg, "account name 'abcdefghijklmnopqrstuvwxyz0123456': longer than 32 bytes",
	       "account name: says it is too long");
	ok(as_account_name_valid("abcdefghijklmnopqrstuvwxyz012345", &err),
	   "account name: 32 bytes accepted");
	ok(!as_account_name_valid("", &err), "account name: empty refused");
	ok(as_owner_name_valid("John.Doe", &err), "owner name: NSS names with dots and capitals");
	ok(!as_owner_name_valid("a/b", &err), "owner name: '/' refused");
	ok(!as_owner_name_valid(".hidden", &err), "owner name: leading '.' refused");
}

static void test_run(void)
{
	struct as_err err = { "" };
	const char *yes[] = { "/bin/true", NULL };
	const char *no[] = { "/bin/sh", "-c", "echo first >&2; echo 'the reason' >&2; exit 3",
			     NULL };
	const char *rel[] = { "true", NULL };
	const char *env[] = { "/bin/sh", "-c",
			      "test -z \"$HOME$LD_PRELOAD\" && test \"$LC_ALL\" = C", NULL };
	const char *missing[] = { "/nonexistent/tool", NULL };

	is_int(as_run(yes, &err), 0, "run: exit status 0");
	is_int(as_run(no, &err), 3, "run: the tool's exit status");
	is_str(err.msg, "/bin/sh exited with status 3 (the reason)",
	       "run: names the tool, status and its last stderr line");
	is_int(as_run(rel, &err), -EINVAL, "run: a relative path is refused");
	setenv("LD_PRELOAD", "/nonexistent.so", 1);
	is_int(as_run(env, &err), 0, "run: a fixed environment (no HOME, no LD_PRELOAD, LC_ALL=C)");
	unsetenv("LD_PRELOAD");
	ok(as_run(missing, &err) != 0, "run: a missing tool fails");
}

static void test_save(void)
{
	char dir[] = "/tmp/as-reg-XXXXXX";
	struct as_registry r, back;
	struct as_err err = { "" };
	struct as_strv owners = { 0 };
	char path[256], *intent = NULL;
	struct stat st;
	int fd;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	as_registry_parse_string(&r, good, "alice.conf", &err);
	/* A temp file left by a writer that was killed. */
	snprintf(path, sizeof(path), "%s/.alice.conf.Ab12Cd", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	close(fd);
	is_int(as_registry_save(&r, dir, &err), 0, "save: writes the file");
	snprintf(path, sizeof(path), "%s/alice.conf", dir);
	ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0644, "save: mode 0644");
	snprintf(path, sizeof(path), "%s/.alice.conf.Ab12Cd", dir);
	ok(access(path, F_OK) < 0, "save: removes a stale temp file");
	is_int(as_registry_load(&back, dir, "alice", AS_TRUST_ANY, &err), 0, "load: reads it back");
	is_int(back.n_projects, 2, "load: the projects survive");
	as_registry_free(&back);

	is_int(as_registry_load(&back, dir, "bob", AS_TRUST_ANY, &err), -ENOENT,
	       "load: -ENOENT when absent");
	is_int(as_registry_intent_set(dir, "bob", "bob-agent", &err), 0, "intent: set");
	is_int(as_registry_list(dir, &owners, &err), 0, "list: succeeds");
	is_int(owners.n, 1, "list: intents and temp files are not registries");
	as_strv_free(&owners);
	is_int(as_registry_intent_get(dir, "bob", &intent, &err), geteuid() == 0 ? 0 : -EPERM,
	       "intent: read back (trusted only when root-owned)");
	if (intent)
		is_str(intent, "bob-agent", "intent: names the account");
	free(intent);
	is_int(as_registry_intent_clear(dir, "bob", &err), 0, "intent: cleared");
	/* The directory is checked before the file: only a root-owned one
	 * is trusted, so a non-root run gets -EPERM whether or not it exists. */
	is_int(as_registry_intent_get(dir, "bob", &intent, &err), geteuid() == 0 ? -ENOENT : -EPERM,
	       "intent: gone (untrusted directory when not root)");

	is_int(as_registry_find_by_account(&back, dir, "alice-agent", AS_TRUST_ANY, &err), 0,
	       "find_by_account: found");
	is_str(back.owner, "alice", "find_by_account: the right owner");
	as_registry_free(&back);
	is_int(as_registry_find_by_account(&back, dir, "nobody-agent", AS_TRUST_ANY, &err), -ENOENT,
	       "find_by_account: -ENOENT for an unknown account");

	is_int(as_registry_delete(dir, "alice", &err), 0, "delete: removes the file");
	is_int(as_registry_delete(dir, "alice", &err), 0, "delete: twice is fine");
	as_registry_free(&r);
	rmdir(dir);
}

static void test_project_edit(void)
{
	struct as_registry r;
	struct as_err err = { "" };
	int i;

	as_registry_parse_string(&r, good, "alice.conf", &err);
	i = as_registry_project_add(&r, "/home/alice/new");
	is_int(i, 2, "project_add: appended");
	is_int(r.projects[i].state, AS_REG_GRANTING, "project_add: starts as granting");
	is_int(as_registry_project_find(&r, "/home/alice/new"), 2, "project_find: exact path");
	as_registry_project_remove(&r, 0);
	is_int(r.n_projects, 2, "project_remove: one fewer");
	is_str(r.projects[0].path, "/home/alice/doc", "project_remove: later ones shift down");
	as_registry_free(&r);
}

/* [egress]: defaults when absent, exact round trip, and each refusal. */
static void test_egress(void)
{
	static const char text[] = AGENT
		"\n[egress]\nmode = open\nlists = claude-code,packages\n"
		"allow = github.com:22,443\nallow = [2001:db8::]/32\n";
	static const char canon_in[] = AGENT "[egress]\nallow = GitHub.com:443,22\n";
	struct as_registry r;
	struct as_err err = { "" };
	char *out = NULL;

	is_int(as_registry_parse_string(&r, AGENT, "x.conf", &err), 0,
	       "egress: a registry without [egress] parses");
	ok(!r.egress.open && !r.egress.lists_set && r.egress.allow.n == 0,
	   "egress: absent means restricted to the shipped lists");
	is_int(as_registry_format(&r, &out, &err), 0, "egress: format without [egress]");
	ok(!strstr(out, "[egress]"), "egress: the default writes no [egress] section");
	free(out);
	as_registry_free(&r);

	is_int(as_registry_parse_string(&r, text, "x.conf", &err), 0,
	       "egress: the documented keys parse (%s)", err.msg);
	ok(r.egress.open, "egress: mode = open");
	ok(r.egress.lists_set && r.egress.lists.n == 2, "egress: two lists");
	is_str(r.egress.lists.v[1], "packages", "egress: list order kept");
	is_int(r.egress.allow.n, 2, "egress: allow repeats");
	is_int(as_registry_format(&r, &out, &err), 0, "egress: format");
	like(out,
	     "\n[egress]\nmode = open\nlists = claude-code,packages\nallow = github.com:22,443\n"
	     "allow = [2001:db8::]/32\n",
	     "egress: round trip");
	free(out);
	as_registry_free(&r);

	is_int(as_registry_parse_string(&r, canon_in, "x.conf", &err), 0,
	       "egress: a non-canonical SPEC parses");
	is_str(r.egress.allow.v[0], "github.com:22,443", "egress: SPECs are stored canonical");
	as_registry_free(&r);
	is_int(as_registry_parse_string(&r, AGENT "[egress]\nlists = none\n", "x.conf", &err), 0,
	       "egress: lists = none");
	ok(r.egress.lists_set && r.egress.lists.n == 0, "egress: none is an empty, set list");
	is_int(as_registry_format(&r, &out, &err), 0, "egress: format lists = none");
	like(out, "[egress]\nmode = restricted\nlists = none\n", "egress: lists = none round trip");
	free(out);
	as_registry_free(&r);

	bad(AGENT "[egress]\nmode = closed\n",
	    "x.conf:8: mode 'closed': must be restricted or open", "egress mode value");
	bad(AGENT "[egress]\nmode = open\nmode = open\n",
	    "x.conf:9: duplicate key 'mode' in [egress]", "egress duplicate mode");
	bad(AGENT "[egress]\nallow = 10.0.0.1/8\n",
	    "x.conf:8: allow: SPEC '10.0.0.1/8': the address has bits set beyond /LEN (write the network address)",
	    "egress bad SPEC");
	bad(AGENT "[egress]\nallow = a.com\nallow = A.com:443\n",
	    "x.conf:9: duplicate allow 'a.com'", "egress duplicate allow");
	bad(AGENT "[egress]\nlists = a,,b\n", "x.conf:8: lists 'a,,b': not a list of list names",
	    "egress empty list name");
	bad(AGENT "[egress]\nlists = a,../b\n",
	    "x.conf:8: lists 'a,../b': not a list of list names", "egress list path");
	bad(AGENT "[egress]\nlists = a,none\n",
	    "x.conf:8: lists 'a,none': not a list of list names", "egress none among names");
	bad(AGENT "[egress]\nlists = a,a\n", "x.conf:8: lists 'a,a': a list named twice",
	    "egress list twice");
	bad(AGENT "[egress]\nport = 1\n", "x.conf:8: unknown key 'port' in [egress]",
	    "egress unknown key");
	bad(AGENT "[egress]\nmode = open\n[egress]\nallow = a.com\n",
	    "x.conf:10: more than one [egress] section", "egress twice");
}

int main(void)
{
	test_egress();
	test_parse_good();
	test_parse_tolerant();
	test_malformed();
	test_profiles_pin();
	test_value_ok();
	test_names();
	test_run();
	test_save();
	test_project_edit();
	return tap_done();
}
