/* SPDX-License-Identifier: MIT */
/* The egress fence's pure part: SPEC grammar and its exact refusals, the
 * canonical form, list files, the nft script and the dnsmasq
 * configuration, and the reading of the kernel's log lines. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "egress.h"
#include "tap.h"

static void spec_ok(const char *spec, const char *canon)
{
	struct as_egress_rule r;
	struct as_err err = { "" };
	char buf[320] = "";

	is_int(as_egress_spec_parse(spec, &r, &err), 0, "SPEC '%s' parses (%s)", spec, err.msg);
	as_egress_spec_format(&r, buf, sizeof(buf));
	is_str(buf, canon, "SPEC '%s' reads back as '%s'", spec, canon);
}

static void spec_bad(const char *spec, const char *msg)
{
	struct as_egress_rule r;
	struct as_err err = { "" };

	is_int(as_egress_spec_parse(spec, &r, &err), -EINVAL, "SPEC '%s' is refused", spec);
	is_str(err.msg, msg, "SPEC '%s': the refusal says why", spec);
}

static void test_spec_good(void)
{
	spec_ok("api.anthropic.com", "api.anthropic.com");
	spec_ok("GitHub.COM:22,443", "github.com:22,443");
	spec_ok("github.com:443,22", "github.com:22,443");
	spec_ok("github.com:443", "github.com");
	spec_ok("x-1.example", "x-1.example");
	spec_ok("localhost:8080", "localhost:8080");
	spec_ok("10.0.0.0/8", "10.0.0.0/8");
	spec_ok("192.0.2.7", "192.0.2.7");
	spec_ok("192.0.2.7/32:80", "192.0.2.7:80");
	spec_ok("0.0.0.0/0:53", "0.0.0.0/0:53");
	spec_ok("[::1]", "[::1]");
	spec_ok("[2001:DB8::]/32:443,80", "[2001:db8::]/32:80,443");
	spec_ok("[2001:db8:0:0::1]/128", "[2001:db8::1]");
	spec_ok("127.0.0.1:1,65535", "127.0.0.1:1,65535");
	spec_ok("1.2.3.4:1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16",
		"1.2.3.4:1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16");
}

static void test_spec_bad(void)
{
	spec_bad("", "SPEC '': empty");
	spec_bad("github.com:",
		 "SPEC 'github.com:': PORTS must be numbers 1-65535 separated by ','");
	spec_bad("github.com:0",
		 "SPEC 'github.com:0': port numbers have no leading zero (and 0 is not a port)");
	spec_bad("github.com:0443",
		 "SPEC 'github.com:0443': port numbers have no leading zero (and 0 is not a port)");
	spec_bad("github.com:65536", "SPEC 'github.com:65536': port out of range (1-65535)");
	spec_bad("github.com:22,,443",
		 "SPEC 'github.com:22,,443': PORTS must be numbers 1-65535 separated by ','");
	spec_bad("github.com:22,",
		 "SPEC 'github.com:22,': PORTS must be numbers 1-65535 separated by ','");
	spec_bad("github.com:22,22", "SPEC 'github.com:22,22': port 22 listed twice");
	spec_bad("github.com:ssh",
		 "SPEC 'github.com:ssh': PORTS must be numbers 1-65535 separated by ','");
	spec_bad("github.com:22 ",
		 "SPEC 'github.com:22 ': PORTS must be numbers 1-65535 separated by ','");
	spec_bad("1.2.3.4:1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17",
		 "SPEC '1.2.3.4:1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17': more than 16 ports");
	spec_bad("*.github.com",
		 "SPEC '*.github.com': no wildcards: HOST already admits its subdomains");
	spec_bad("git hub.com",
		 "SPEC 'git hub.com': a host name has only letters, digits, '-' and '.'");
	spec_bad("git_hub.com",
		 "SPEC 'git_hub.com': a host name has only letters, digits, '-' and '.'");
	spec_bad("github.com.", "SPEC 'github.com.': the host name ends with '.'");
	spec_bad(".github.com", "SPEC '.github.com': empty label in the host name");
	spec_bad("a..b", "SPEC 'a..b': empty label in the host name");
	spec_bad("-a.com", "SPEC '-a.com': a label starts with '-'");
	spec_bad("a-.com", "SPEC 'a-.com': a label ends with '-'");
	spec_bad("a.com-", "SPEC 'a.com-': a label ends with '-'");
	spec_bad("caf\xc3\xa9.com",
		 "SPEC 'caf\xc3\xa9.com': a host name has only letters, digits, '-' and '.'");
	spec_bad("github.com/24", "SPEC 'github.com/24': a host name takes no /LEN");
	spec_bad("1.2.3", "SPEC '1.2.3': not an IPv4 address (four numbers 0-255) nor a host name");
	spec_bad("1.2.3.256",
		 "SPEC '1.2.3.256': not an IPv4 address (four numbers 0-255) nor a host name");
	spec_bad("010.0.0.1",
		 "SPEC '010.0.0.1': not an IPv4 address (four numbers 0-255) nor a host name");
	spec_bad("10.0.0.1/8",
		 "SPEC '10.0.0.1/8': the address has bits set beyond /LEN (write the network address)");
	spec_bad("10.0.0.0/33", "SPEC '10.0.0.0/33': /LEN of an IPv4 network is at most 32");
	spec_bad("10.0.0.0/08", "SPEC '10.0.0.0/08': /LEN must be a number without leading zero");
	spec_bad("10.0.0.0/", "SPEC '10.0.0.0/': /LEN must be a number without leading zero");
	spec_bad("10.0.0.0/x", "SPEC '10.0.0.0/x': /LEN must be a number");
	spec_bad("::1", "SPEC '::1': an IPv6 address goes in brackets: [ADDR][/LEN][:PORTS]");
	spec_bad("2001:db8::1:443",
		 "SPEC '2001:db8::1:443': an IPv6 address goes in brackets: [ADDR][/LEN][:PORTS]");
	spec_bad("[::1", "SPEC '[::1': '[' without ']'");
	spec_bad("[]", "SPEC '[]': not an IPv6 address in [ ]");
	spec_bad("[1.2.3.4]", "SPEC '[1.2.3.4]': not an IPv6 address in [ ]");
	spec_bad("[fe80::1%lo]", "SPEC '[fe80::1%lo]': not an IPv6 address in [ ]");
	spec_bad("[::1]/129", "SPEC '[::1]/129': /LEN of an IPv6 network is at most 128");
	spec_bad("[2001:db8::1]/32",
		 "SPEC '[2001:db8::1]/32': the address has bits set beyond /LEN (write the network address)");
	spec_bad("[::1]x",
		 "SPEC '[::1]x': unexpected text after the address (expected /LEN or :PORTS)");
	spec_bad("github.com\x7f",
		 "SPEC 'github.com\\x7f': a host name has only letters, digits, '-' and '.'");
	spec_bad("a;b", "SPEC 'a;b': a host name has only letters, digits, '-' and '.'");
	spec_bad("@claude", "SPEC '@claude': a host name has only letters, digits, '-' and '.'");
}

static void test_spec_limits(void)
{
	char name[300];
	struct as_egress_rule r;
	struct as_err err = { "" };

	memset(name, 'a', 63);
	strcpy(name + 63, ".com");
	is_int(as_egress_spec_parse(name, &r, &err), 0, "a 63-character label is a label");
	memset(name, 'a', 64);
	strcpy(name + 64, ".com");
	is_int(as_egress_spec_parse(name, &r, &err), -EINVAL, "a 64-character label is refused");
	like(err.msg, "a label is at most 63 characters",
	     "the 64-character label refusal says why");
	for (int i = 0; i < 254; i += 2)
		memcpy(name + i, "a.", 2);
	name[254] = 'a';
	name[255] = '\0';
	is_int(as_egress_spec_parse(name, &r, &err), -EINVAL, "a 255-character name is refused");
	like(err.msg, "a host name is at most 253 characters", "the long name refusal says why");
}

static void test_lists(void)
{
	struct as_strv sv = { 0 };
	struct as_err err = { "" };

	is_int(as_egress_list_parse("# model API\n\n  api.openai.com  \nchatgpt.com:443\r\n"
				    "github.com:443,22\napi.openai.com\n",
				    "codex.list", &sv, &err),
	       0, "list: comments, blanks, CRLF and indentation are fine (%s)", err.msg);
	is_int(sv.n, 3, "list: a repeated SPEC counts once");
	is_str(sv.v[1], "chatgpt.com", "list: SPECs are stored canonical");
	is_str(sv.v[2], "github.com:22,443", "list: ports canonical");
	as_strv_free(&sv);
	is_int(as_egress_list_parse("ok.com\nbad host\n", "x.list", &sv, &err), -EINVAL,
	       "list: a bad line is refused");
	is_str(err.msg,
	       "x.list:2: SPEC 'bad host': a host name has only letters, digits, '-' and '.'",
	       "list: the refusal names file and line");
	as_strv_free(&sv);
	ok(as_egress_list_name_valid("claude-code"), "list names: claude-code");
	ok(!as_egress_list_name_valid("../x"), "list names: no '/'");
	ok(!as_egress_list_name_valid(".hidden"), "list names: no leading '.'");
	ok(!as_egress_list_name_valid(""), "list names: not empty");
}

static struct as_egress_rule rule(const char *spec)
{
	struct as_egress_rule r;
	struct as_err err;

	if (as_egress_spec_parse(spec, &r, &err) < 0)
		abort();
	return r;
}

static void test_ruleset(void)
{
	struct as_egress_rule rules[] = {
		rule("github.com:22,443"),
		rule("10.0.0.0/8:443,22"),
		rule("api.openai.com"),
		rule("[2001:db8::]/32"),
	};
	struct as_egress_agent agents[] = {
		{ .owner = "alice", .uid = 1001, .dns_port = 5360, .rules = rules, .n_rules = 4 },
		{ .owner = "bob", .uid = 1003, .dns_port = 5361, .rules = NULL, .n_rules = 0 },
	};
	struct as_err err = { "" };
	char *text = NULL;

	is_int(as_egress_ruleset(agents, 0, &text, &err), 0, "ruleset: no agents");
	is_str(text, "table inet " AS_EGRESS_TABLE "\ndelete table inet " AS_EGRESS_TABLE "\n",
	       "ruleset: no agents only deletes the table");
	free(text);
	is_int(as_egress_ruleset(agents, 2, &text, &err), 0, "ruleset: two agents (%s)", err.msg);
	like(text,
	     "table inet " AS_EGRESS_TABLE "\ndelete table inet " AS_EGRESS_TABLE
	     "\ntable inet " AS_EGRESS_TABLE " {\n",
	     "ruleset: replaces the table in one script");
	like(text,
	     "\tset a1001_g0_v4 {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\tauto-merge\n"
	     "\t\telements = { 10.0.0.0/8 }\n\t}\n",
	     "ruleset: a network is an element of its port group's set");
	like(text,
	     "\tset a1001_g1_v6 {\n\t\ttype ipv6_addr\n\t\tflags interval\n\t\tauto-merge\n"
	     "\t\telements = { 2001:db8::/32 }\n\t}\n",
	     "ruleset: IPv6 networks go to the v6 set");
	like(text,
	     "\t\tip daddr @a1001_g0_v4 meta l4proto { tcp, udp } th dport { 22,443 } accept\n",
	     "ruleset: port group 0 admits its ports");
	like(text, "\t\tip6 daddr @a1001_g1_v6 meta l4proto { tcp, udp } th dport { 443 } accept\n",
	     "ruleset: port group 1 (default 443)");
	like(text, "\t\tip daddr 127.0.0.1 meta l4proto { tcp, udp } th dport 5360 accept\n",
	     "ruleset: the agent reaches its own resolver");
	like(text, "log prefix \"agent-shell egress alice: \"",
	     "ruleset: rejections are logged with the owner");
	like(text, "limit rate 20/minute", "ruleset: the log is rate-limited");
	like(text,
	     "\t\tmeta l4proto tcp reject with tcp reset\n\t\treject with icmpx admin-prohibited\n\t}\n",
	     "ruleset: the chain ends rejecting everything else");
	like(text, "meta skuid vmap { 1001 : jump agent_1001, 1003 : jump agent_1003 }",
	     "ruleset: each agent's uid jumps to its chain");
	like(text, "type filter hook output priority filter; policy accept;",
	     "ruleset: other users pass the output chain untouched");
	like(text, "meta skuid 1003 meta l4proto { tcp, udp } th dport 53 redirect to :5361",
	     "ruleset: DNS to any server goes to the agent's resolver");
	ok(!strstr(text, "a1003_g0"), "ruleset: an agent with no rules has no sets");
	free(text);

	agents[0].owner = "al\"ice";
	is_int(as_egress_ruleset(agents, 1, &text, &err), -EINVAL,
	       "ruleset: a quote in an owner name is refused");
	ok(text == NULL, "ruleset: nothing is returned on error");
}

static void test_dnsmasq(void)
{
	struct as_egress_rule rules[] = {
		rule("github.com:22"),
		rule("github.com"),
		rule("10.0.0.0/8"),
		rule("pypi.org"),
	};
	struct as_egress_agent a = {
		.owner = "alice", .uid = 1001, .dns_port = 5360, .rules = rules, .n_rules = 4
	};
	struct as_egress_upstream up[2];
	struct as_err err = { "" };
	char *text = NULL;

	is_int(as_egress_upstream_parse("127.0.0.53#5399", &up[0], &err), 0, "upstream: IP#PORT");
	is_int(up[0].port, 5399, "upstream: the port");
	is_int(as_egress_upstream_parse("::1", &up[1], &err), 0, "upstream: IPv6 without port");
	is_int(as_egress_upstream_parse("dns.google", &up[1], &err), -EINVAL,
	       "upstream: a name is refused");
	is_str(err.msg, "upstream 'dns.google': not a numeric IPv4 or IPv6 address",
	       "upstream: the refusal says why");
	is_int(as_egress_upstream_parse("1.1.1.1#0", &up[1], &err), -EINVAL,
	       "upstream: port 0 is refused");
	is_int(as_egress_upstream_parse("1.1.1.1#65536", &up[1], &err), -EINVAL,
	       "upstream: port 65536 is refused");
	as_egress_upstream_parse("::1", &up[1], &err);
	is_int(as_egress_dnsmasq_conf(&a, up, 2, "/run/x.pid", &text, &err), 0,
	       "dnsmasq: configuration (%s)", err.msg);
	like(text, "port=5360\nlisten-address=127.0.0.1\nlisten-address=::1\nbind-interfaces\n",
	     "dnsmasq: listens on loopback at the agent's port");
	like(text, "no-resolv\nno-hosts\n", "dnsmasq: reads neither resolv.conf nor hosts");
	like(text, "cache-size=0\n", "dnsmasq: caches nothing");
	like(text, "address=/#/\n", "dnsmasq: every other name is NXDOMAIN");
	like(text, "server=/github.com/127.0.0.53#5399\nserver=/github.com/::1\n",
	     "dnsmasq: an allowed name goes to each upstream");
	like(text,
	     "nftset=/github.com/4#inet#" AS_EGRESS_TABLE "#a1001_g0_v4,6#inet#" AS_EGRESS_TABLE
	     "#a1001_g0_v6,"
	     "4#inet#" AS_EGRESS_TABLE "#a1001_g1_v4,6#inet#" AS_EGRESS_TABLE "#a1001_g1_v6\n",
	     "dnsmasq: a name in two port groups fills both groups' sets");
	like(text,
	     "nftset=/pypi.org/4#inet#" AS_EGRESS_TABLE "#a1001_g1_v4,6#inet#" AS_EGRESS_TABLE
	     "#a1001_g1_v6\n",
	     "dnsmasq: pypi.org fills its group's sets");
	ok(!strstr(text, "10.0.0.0"), "dnsmasq: addresses need no resolver");
	free(text);
	a.no_ipv6 = true;
	is_int(as_egress_dnsmasq_conf(&a, up, 1, "/run/x.pid", &text, &err), 0,
	       "dnsmasq: a host without ::1");
	like(text, "port=5360\nlisten-address=127.0.0.1\nbind-interfaces\n",
	     "dnsmasq: without ::1 it listens on 127.0.0.1 only");
	{
		const char *p = strstr(text, "server=/github.com/127.0.0.53#5399");
		ok(p && !strstr(p + 1, "server=/github.com/127.0.0.53#5399"),
		   "dnsmasq: a name repeated in two SPECs is one server line");
	}
	free(text);
}

static void test_resolv_conf(void)
{
	struct as_egress_upstream up[4];

	is_int(as_egress_resolv_conf("# x\nsearch lan\nnameserver 192.0.2.1\nnameserver  ::1\n"
				     "nameserver fe80::1%eth0\nnameserver bogus\noptions edns0\n",
				     up, 4),
	       2, "resolv.conf: numeric nameservers only");
	is_str(up[0].addr, "192.0.2.1", "resolv.conf: first nameserver");
	is_str(up[1].addr, "::1", "resolv.conf: IPv6 nameserver");
}

static void test_log_line(void)
{
	struct as_egress_rejection rej;

	is_int(as_egress_parse_log_line(
		       "6,1234,5678,-;agent-shell egress alice: IN= OUT=lo SRC=127.0.0.1 "
		       "DST=127.0.0.9 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=TCP SPT=4 DPT=8443 "
		       "WINDOW=1 RES=0x00 SYN URGP=0 UID=1001 GID=1001",
		       &rej),
	       0, "log: a TCP rejection is read");
	is_str(rej.owner, "alice", "log: owner");
	is_str(rej.dst, "127.0.0.9", "log: destination");
	is_int(rej.port, 8443, "log: port");
	is_str(rej.spec, "127.0.0.9:8443", "log: the SPEC that would admit it");
	is_int(as_egress_parse_log_line(
		       "agent-shell egress bob: IN= OUT=lo SRC=0000:0000:0000:0000:0000:0000:0000:0001 "
		       "DST=0000:0000:0000:0000:0000:0000:0000:0001 LEN=1 PROTO=UDP SPT=5 DPT=443 LEN=9",
		       &rej),
	       0, "log: an IPv6 UDP rejection is read");
	is_str(rej.spec, "[::1]", "log: IPv6 SPEC, default port left out");
	is_int(as_egress_parse_log_line(
		       "agent-shell egress bob: IN= OUT=eth0 SRC=1.1.1.1 DST=2.2.2.2 PROTO=ICMP TYPE=8",
		       &rej),
	       0, "log: an ICMP rejection is read");
	is_str(rej.spec, "", "log: ICMP cannot be allowed (no SPEC)");
	is_int(as_egress_parse_log_line("kernel: eth0: link up", &rej), -ENOENT,
	       "log: other lines are not ours");
	is_int(as_egress_parse_log_line("agent-shell egress bob: DST=not-an-ip PROTO=TCP", &rej),
	       -ENOENT, "log: a garbled line is not ours");
}

int main(void)
{
	test_spec_good();
	test_spec_bad();
	test_spec_limits();
	test_lists();
	test_ruleset();
	test_dnsmasq();
	test_resolv_conf();
	test_log_line();
	return tap_done();
}
