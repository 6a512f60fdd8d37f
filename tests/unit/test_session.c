/* SPDX-License-Identifier: MIT */
/* The session pieces both switch paths share without privileges: the site
 * file (switch = helper|sudo), the environment filter, and what a session
 * executes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "siteconf.h"
#include "tap.h"

static void test_site_conf(void)
{
	struct as_site_conf c;
	struct as_err err = { "" };

	is_int(as_site_conf_parse(&c, "", "site.conf", &err), 0, "an empty site file is valid");
	is_int(c.switch_by, AS_SWITCH_HELPER, "the default switch is the helper");
	is_int(as_site_conf_parse(&c, "[agent-shell]\nswitch = sudo\n", "site.conf", &err), 0,
	       "switch = sudo parses");
	is_int(c.switch_by, AS_SWITCH_SUDO, "switch = sudo selects sudo");
	is_int(as_site_conf_parse(&c, "# comment\n[agent-shell]\nswitch = helper\n", "site.conf",
				  &err),
	       0, "switch = helper parses");
	is_int(c.switch_by, AS_SWITCH_HELPER, "switch = helper selects the helper");
	is_int(as_site_conf_parse(&c, "[agent-shell]\nswitch = su\n", "site.conf", &err), -EINVAL,
	       "an unknown switch is an error");
	is_str(err.msg, "site.conf:2: switch = 'su': must be helper or sudo",
	       "naming file, line and value");
	is_int(as_site_conf_parse(&c, "[agent-shell]\nswtich = sudo\n", "site.conf", &err), -EINVAL,
	       "an unknown key is an error");
	is_str(err.msg, "site.conf:2: unknown key 'swtich' (known: switch)", "naming the key");
	is_int(as_site_conf_parse(&c, "switch = sudo\n", "site.conf", &err), -EINVAL,
	       "a key outside [agent-shell] is an error");
	like(err.msg, "site.conf:1: key 'switch' before any [section]", "naming the line");
	is_int(as_site_conf_load(&c, "/nonexistent/agent-shell.conf", &err), 0,
	       "a missing site file gives the defaults");
	is_int(c.switch_by, AS_SWITCH_HELPER, "whose switch is the helper");
	is_str(as_switch_name(AS_SWITCH_SUDO), "sudo", "switch names");
}

static void test_env_kept(void)
{
	ok(as_session_env_kept("TERM=xterm-256color"), "TERM passes");
	ok(as_session_env_kept("LANG=C.UTF-8"), "LANG passes");
	ok(as_session_env_kept("LC_ALL=en_US.UTF-8"), "LC_* passes");
	ok(!as_session_env_kept("TERM=../../tmp/x"), "a TERM with '/' does not");
	ok(!as_session_env_kept("TERM="), "an empty TERM does not");
	ok(!as_session_env_kept("TERM=a b"), "a TERM with a blank does not");
	ok(!as_session_env_kept("LD_PRELOAD=/tmp/x.so"), "LD_PRELOAD does not");
	ok(!as_session_env_kept("HOME=/home/alice"), "the owner's HOME does not");
	ok(!as_session_env_kept("LC_A-B=x"), "nor an invalid LC_ name");
	ok(!as_session_env_kept("TERM"), "an entry without '=' does not");

	char *big = malloc(300);
	memset(big, 'x', 299);
	memcpy(big, "TERM=", 5);
	big[299] = '\0';
	ok(!as_session_env_kept(big), "a TERM longer than 256 bytes does not");
	free(big);
}

static void test_env_build(void)
{
	struct as_session s = {
		.owner = (char *)"alice",
		.agent = (char *)"alice-agent",
		.agent_home = (char *)"/home/alice-agent",
		.agent_shell = (char *)"/bin/bash",
		.project = (char *)"/home/alice/src/foo",
	};
	char *caller[] = { "TERM=xterm", "HOME=/home/alice", "SSH_AUTH_SOCK=/tmp/x", "LANG=C",
			   NULL };
	char *pam[] = { "LANG=de_DE.UTF-8", NULL };
	char *const *const sources[] = { pam, caller };
	struct as_strv out = { 0 };
	struct as_err err = { "" };
	struct as_policy pol;

	as_policy_init(&pol);
	as_strv_push(&pol.env_pass, "TERM");
	as_strv_push(&pol.env_pass, "LANG");
	as_strv_push(&pol.env_pass, "HOME");
	as_strv_push(&pol.env_pass, "USER");
	as_strv_push(&pol.env_pass, "PATH");
	as_strv_push(&pol.env_pass, "SSH_AUTH_SOCK");
	s.policy = pol;
	is_int(as_session_env(&s, sources, 2, &out, &err), 0, "the session environment builds");
	ok(as_strv_contains(&out, "HOME=/home/alice-agent"), "HOME is the agent's");
	ok(!as_strv_contains(&out, "HOME=/home/alice"), "not the owner's");
	ok(as_strv_contains(&out, "USER=alice-agent"), "USER is the agent");
	ok(as_strv_contains(&out, "PATH=" AS_SESSION_PATH), "PATH is the fixed one");
	ok(as_strv_contains(&out, "LANG=de_DE.UTF-8"), "PAM's LANG comes first and wins");
	ok(!as_strv_contains(&out, "LANG=C"), "so the caller's is dropped");
	ok(as_strv_contains(&out, "TERM=xterm"), "the caller's TERM passes");
	ok(!as_strv_contains(&out, "SSH_AUTH_SOCK=/tmp/x"),
	   "SSH_AUTH_SOCK never comes from the caller, even when the profile passes it");
	ok(!as_strv_contains(&out, "LOGNAME=alice-agent"),
	   "the profile's allowlist has the last word");
	as_strv_free(&out);
	as_policy_free(&pol);
}

static void test_command(void)
{
	struct as_session s = { .agent_shell = (char *)"/bin/bash" };
	struct as_session_cmd c;
	struct as_err err = { "" };
	char *cmd[] = { "sh", "-c", "true", NULL };
	char *missing[] = { "no-such-command-here", NULL };
	char *dash[] = { "-p", NULL };

	is_int(as_session_command(&s, NULL, &c, &err), 0, "no command: the login shell");
	is_str(c.path, "/bin/bash", "runs the agent's shell");
	is_str(c.argv[0], "-bash", "with argv[0] '-bash', as login(1) does");
	ok(c.argv[1] == NULL, "and nothing else");
	as_session_command_free(&c);
	is_int(as_session_command(&s, cmd, &c, &err), 0, "a command is looked up");
	ok(strcmp(c.path, "/usr/bin/sh") == 0 || strcmp(c.path, "/bin/sh") == 0,
	   "in the fixed PATH");
	ok(c.argv == cmd, "with its own arguments");
	as_session_command_free(&c);
	is_int(as_session_command(&s, missing, &c, &err), 127, "a missing command is 127");
	is_str(err.msg, "no-such-command-here: command not found", "with a clear message");
	is_int(as_session_command(&s, dash, &c, &err), 127,
	       "a command starting with '-' is a command");
}

int main(void)
{
	test_site_conf();
	test_env_kept();
	test_env_build();
	test_command();
	return tap_done();
}
