/* SPDX-License-Identifier: MIT */
/* The grammar of "agent-admin apply FILE" (tools/admin-apply.c): the
 * documented example, defaults, canonical project paths, and every refusal
 * with its exact "FILE:LINE: problem" message. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin.h"
#include "tap.h"

/* docs/agent-admin.md, "apply FILE". */
static const char documented[] =
	"[apply]\n"
	"remove-unlisted = yes    ; remove agents that are not listed below (default yes)\n"
	"keep-home = no           ; ... and their homes too (default no)\n"
	"\n"
	"[agent]\n"
	"owner = alice\n"
	"account = alice-agent    ; optional, default OWNER-agent\n"
	"profile = default        ; optional\n"
	"home = /home/alice-agent ; optional, used only when the account is created\n"
	"project = /nonexistent-as-test/alice/src/foo\n"
	"project-ro = /nonexistent-as-test/alice/docs\n"
	"\n"
	"[agent]\n"
	"owner = carol\n"
	"profile = offline\n"
	"profiles = offline,strict ; optional: the pin (all: any); left out, unchanged\n";

static void test_documented(void)
{
	struct desired d;
	struct as_err err = { "" };

	is_int(admin_desired_parse(documented, "agents.ini", &d, &err), 0,
	       "parse: the documented example parses");
	is_str(err.msg, "", "parse: no message on success");
	ok(d.prune, "parse: remove-unlisted = yes");
	ok(!d.keep_home, "parse: keep-home = no");
	is_int(d.n, 2, "parse: each [agent] section is one agent");
	is_str(d.agents[0].owner, "alice", "parse: owner");
	is_str(d.agents[0].account, "alice-agent", "parse: account");
	is_str(d.agents[0].profile, "default", "parse: profile");
	is_str(d.agents[0].home, "/home/alice-agent", "parse: home, inline comment stripped");
	is_int(d.agents[0].n_projects, 2, "parse: project and project-ro");
	is_str(d.agents[0].projects[0].path, "/nonexistent-as-test/alice/src/foo",
	       "parse: a path that does not resolve stays as written");
	ok(!d.agents[0].projects[0].read_only, "parse: project is read-write");
	ok(d.agents[0].projects[1].read_only, "parse: project-ro is read-only");
	is_str(d.agents[1].owner, "carol", "parse: second agent");
	ok(d.agents[1].account == NULL && d.agents[1].home == NULL,
	   "parse: optional keys left out stay unset");
	is_int(d.agents[1].n_projects, 0, "parse: an agent without projects");
	is_str(d.agents[1].profiles, "offline,strict", "parse: profiles, as written");
	is_int(d.agents[1].pin.n, 2, "parse: profiles, parsed into the pin");
	is_str(d.agents[1].pin.v[1], "strict", "parse: the pin keeps the order");
	ok(d.agents[0].profiles == NULL, "parse: no profiles key leaves the pin alone");
	admin_desired_free(&d);
	is_int(d.n, 0, "free: leaves an empty description");
}

static void test_defaults(void)
{
	struct desired d;
	struct as_err err = { "" };

	is_int(admin_desired_parse("", "empty.ini", &d, &err), 0, "defaults: an empty file parses");
	ok(d.prune,
	   "defaults: remove-unlisted defaults to yes (an empty file removes every agent)");
	ok(!d.keep_home, "defaults: keep-home defaults to no");
	is_int(d.n, 0, "defaults: no agents");
	admin_desired_free(&d);

	is_int(admin_desired_parse("[apply]\nremove-unlisted = no\nkeep-home = yes\n", "x.ini", &d,
				   &err),
	       0, "defaults: [apply] alone parses");
	ok(!d.prune && d.keep_home, "defaults: remove-unlisted = no, keep-home = yes are read");
	admin_desired_free(&d);
}

/* A project is compared with the registry's canonical paths: one that
 * resolves is stored resolved, so a symlinked spelling of an already
 * listed project is "listed twice". */
static void test_canonical(void)
{
	char dir[] = "/tmp/as-test-apply-XXXXXX";
	char real[PATH_MAX], link[PATH_MAX + 8], text[3 * PATH_MAX], want[PATH_MAX + 128];
	struct desired d;
	struct as_err err = { "" };

	if (!ok(mkdtemp(dir) != NULL, "canonical: temporary directory"))
		return;
	snprintf(real, sizeof(real), "%s/real", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	ok(mkdir(real, 0700) == 0 && symlink("real", link) == 0,
	   "canonical: a directory and a symlink to it");

	snprintf(text, sizeof(text), "[agent]\nowner = alice\nproject = %s/../link/\n", real);
	is_int(admin_desired_parse(text, "x.ini", &d, &err), 0,
	       "canonical: a path through '..' and a symlink parses");
	is_str(d.n == 1 && d.agents[0].n_projects == 1 ? d.agents[0].projects[0].path : NULL, real,
	       "canonical: it is stored resolved");
	admin_desired_free(&d);

	snprintf(text, sizeof(text), "[agent]\nowner = alice\nproject = %s\nproject-ro = %s\n",
		 real, link);
	snprintf(want, sizeof(want), "x.ini:4: project-ro '%s': listed twice", link);
	is_int(admin_desired_parse(text, "x.ini", &d, &err), -EINVAL,
	       "canonical: a symlink to a listed project is refused");
	is_str(err.msg, want, "canonical: the message names the path as written");
	admin_desired_free(&d);

	unlink(link);
	rmdir(real);
	rmdir(dir);
}

/* One malformed apply file and the exact message it must give. */
static void bad(const char *text, const char *want, const char *name)
{
	struct desired d;
	struct as_err err = { "" };
	int rc = admin_desired_parse(text, "x.ini", &d, &err);

	if (!ok(rc == -EINVAL, "malformed: %s is refused", name))
		printf("#   rc %d\n", rc);
	is_str(err.msg, want, "malformed: %s says so", name);
	admin_desired_free(&d);
}

static void test_malformed(void)
{
	char longline[300];

	bad("owner = alice\n", "x.ini:1: key 'owner' before any [section]",
	    "a key before any section");
	bad("[apply]\nremove-unlisted = maybe\n", "x.ini:2: remove-unlisted: must be yes or no",
	    "a bad remove-unlisted");
	bad("[apply]\nkeep-home = 1\n", "x.ini:2: keep-home: must be yes or no", "a bad keep-home");
	bad("[apply]\nprune = yes\n", "x.ini:2: unknown key 'prune' in [apply]",
	    "an unknown [apply] key");
	bad("[agents]\nowner = alice\n", "x.ini:2: unknown section [agents]", "an unknown section");
	bad("[agent]\nowner = alice\nsudo = yes\n", "x.ini:3: unknown key 'sudo' in [agent]",
	    "an unknown [agent] key");
	bad("[agent]\nowner = a/b\n",
	    "x.ini:2: user name 'a/b': '/' is not allowed (letters, digits, '_', '.' and '-' only)",
	    "an owner with '/'");
	bad("[agent]\nowner = alice\naccount = Alice\n",
	    "x.ini:3: account name 'Alice': must start with a lowercase letter or '_', not 'A'",
	    "an uppercase account");
	bad("[agent]\nowner = alice\nprofile = ../etc/x\n",
	    "x.ini:3: profile '../etc/x': not a valid profile name", "a profile that is a path");
	bad("[agent]\nowner = alice\nhome = home/alice\n",
	    "x.ini:3: home 'home/alice': not an absolute path", "a relative home");
	bad("[agent]\nowner = alice\nproject = src/foo\n",
	    "x.ini:3: project 'src/foo': not an absolute path", "a relative project");
	bad("[agent]\nowner = alice\nproject-ro = ~/docs\n",
	    "x.ini:3: project-ro '~/docs': not an absolute path", "a relative read-only project");
	bad("[agent]\nowner = alice\nproject = src\x1b[2J\n",
	    "x.ini:3: project 'src\\x1b[2J': not an absolute path",
	    "a control character (escaped in the message)");
	bad("[agent]\nowner = alice\nowner = bob\n", "x.ini:3: duplicate key 'owner' in [agent]",
	    "a duplicate owner");
	bad("[agent]\nowner = alice\nprofile = default\nprofile = strict\n",
	    "x.ini:4: duplicate key 'profile' in [agent]", "a duplicate profile");
	bad("[agent]\nowner = alice\nproject = /nonexistent-as-test/p\nproject-ro = /nonexistent-as-test/p\n",
	    "x.ini:4: project-ro '/nonexistent-as-test/p': listed twice", "a project listed twice");
	bad("[agent]\nowner = alice\nthis is not ini\n",
	    "x.ini:3: expected 'key = value', a [section] or a comment", "a line that is not INI");
	bad("[agent]\nprofile = default\n", "x.ini: an [agent] section without 'owner'",
	    "an agent without owner");
	bad("[agent]\nowner = alice\nprofiles = offline,/etc/x\n",
	    "x.ini:3: profiles 'offline,/etc/x': '/etc/x' is not a valid profile name",
	    "a pinned profile that is a path");
	bad("[agent]\nowner = alice\nprofiles = strict,strict\n",
	    "x.ini:3: profiles 'strict,strict': 'strict' is listed twice",
	    "a profile pinned twice");
	bad("[agent]\nowner = alice\nprofiles = all\nprofiles = strict\n",
	    "x.ini:4: duplicate key 'profiles' in [agent]", "two profiles keys");
	bad("[agent]\nowner = alice\n[agent]\nowner = bob\n[agent]\nowner = alice\n",
	    "x.ini: owner 'alice' listed twice", "an owner listed twice");
	bad("[agent]\nowner = alice\n[apply]\nkeep-home = yes\n[agent]\naccount = bob-agent\n",
	    "x.ini: an [agent] section without 'owner'",
	    "a second [agent] section, after [apply], is a new agent");

	memset(longline, 'a', sizeof(longline));
	memcpy(longline, "[agent]\nhome = /", 16);
	longline[16 + 191] = '\n';
	longline[16 + 192] = '\0';
	bad(longline, "x.ini:2: line longer than 198 bytes (the limit of the system's inih)",
	    "a line inih would cut");
}

/* egress = lines: the fence is managed only when there is one. */
static void test_egress(void)
{
	struct desired d;
	struct as_err err = { "" };

	is_int(admin_desired_parse("[agent]\nowner = alice\negress = GitHub.com:443,22\negress = @codex\n"
				   "egress = 10.0.0.0/8:80\negress = open\n[agent]\nowner = bob\n",
				   "x.ini", &d, &err),
	       0, "egress: lines parse (%s)", err.msg);
	ok(d.agents[0].egress_given, "egress: given for alice");
	ok(d.agents[0].egress.open, "egress: open");
	ok(d.agents[0].egress.lists_set && d.agents[0].egress.lists.n == 1,
	   "egress: @codex is a list");
	is_str(d.agents[0].egress.lists.v[0], "codex", "egress: list name without '@'");
	is_int(d.agents[0].egress.allow.n, 2, "egress: two SPECs");
	is_str(d.agents[0].egress.allow.v[0], "github.com:22,443", "egress: SPECs canonical");
	ok(!d.agents[1].egress_given, "egress: bob's section leaves his fence alone");
	admin_desired_free(&d);

	bad("[agent]\nowner = alice\negress = bad host\n",
	    "x.ini:3: SPEC 'bad host': a host name has only letters, digits, '-' and '.'",
	    "an egress SPEC");
	bad("[agent]\nowner = alice\negress = a.com\negress = A.com:443\n",
	    "x.ini:4: egress 'a.com': listed twice", "an egress SPEC twice");
	bad("[agent]\nowner = alice\negress = @../x\n", "x.ini:3: egress '@../x': not a list name",
	    "an egress list path");
	bad("[agent]\nowner = alice\negress = @codex\negress = @codex\n",
	    "x.ini:4: egress '@codex': listed twice", "an egress list twice");
	bad("[agent]\nowner = alice\negress = open\negress = open\n",
	    "x.ini:4: egress = open: listed twice", "egress = open twice");
}

int main(void)
{
	test_egress();
	test_documented();
	test_defaults();
	test_canonical();
	test_malformed();
	return tap_done();
}
