/* SPDX-License-Identifier: MIT */
/*
 * The egress fence, pure part (egress.h): SPEC grammar, list files, and the
 * generated nft script and dnsmasq configurations.  No system calls.
 */
#include "egress.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHOWN_MAX 160

/* ---- SPEC ------------------------------------------------------------ */

static int spec_fail(struct as_err *err, const char *spec, const char *why)
{
	char shown[SHOWN_MAX];

	as_escape(spec, shown, sizeof(shown));
	return as_fail(err, -EINVAL, "SPEC '%s': %s", shown, why);
}

static int cmp_port(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* PORTS = N[,N...]: decimal 1..65535, no leading zero, no repeats. */
static int parse_ports(const char *s, const char *spec, struct as_egress_rule *rule,
		       struct as_err *err)
{
	rule->n_ports = 0;
	for (;;) {
		unsigned long v = 0;

		if (*s < '0' || *s > '9')
			return spec_fail(err, spec,
					 "PORTS must be numbers 1-65535 separated by ','");
		if (*s == '0')
			return spec_fail(err, spec,
					 "port numbers have no leading zero (and 0 is not a port)");
		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (unsigned long)(*s - '0');
			if (v > 65535)
				return spec_fail(err, spec, "port out of range (1-65535)");
			s++;
		}
		for (unsigned i = 0; i < rule->n_ports; i++)
			if (rule->ports[i] == v) {
				char why[32];

				snprintf(why, sizeof(why), "port %lu listed twice", v);
				return spec_fail(err, spec, why);
			}
		if (rule->n_ports == AS_EGRESS_MAX_PORTS)
			return spec_fail(err, spec, "more than 16 ports");
		rule->ports[rule->n_ports++] = (uint16_t)v;
		if (*s == '\0')
			break;
		if (*s != ',')
			return spec_fail(err, spec,
					 "PORTS must be numbers 1-65535 separated by ','");
		s++;
	}
	qsort(rule->ports, rule->n_ports, sizeof(rule->ports[0]), cmp_port);
	return 0;
}

static int parse_prefix(const char *s, unsigned max, const char *spec, unsigned *out,
			struct as_err *err)
{
	unsigned v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return spec_fail(err, spec, "/LEN must be a number without leading zero");
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return spec_fail(err, spec, "/LEN must be a number");
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max)
			return spec_fail(err, spec,
					 max == 32 ? "/LEN of an IPv4 network is at most 32" :
						     "/LEN of an IPv6 network is at most 128");
	}
	*out = v;
	return 0;
}

/* The network must be written as one: no bits set after /LEN. */
static int check_host_bits(const struct as_egress_rule *rule, const char *spec, struct as_err *err)
{
	unsigned bytes = rule->family == AF_INET ? 4 : 16;

	for (unsigned bit = rule->prefix; bit < bytes * 8; bit++)
		if (rule->addr[bit / 8] & (0x80 >> (bit % 8)))
			return spec_fail(
				err, spec,
				"the address has bits set beyond /LEN (write the network address)");
	return 0;
}

static int parse_host(const char *h, size_t len, const char *spec, struct as_egress_rule *rule,
		      struct as_err *err)
{
	size_t label = 0;
	bool all_digits = true;

	if (len > 253)
		return spec_fail(err, spec, "a host name is at most 253 characters");
	if (len == 0)
		return spec_fail(err, spec, "no host or address");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)h[i];

		if (c == '.') {
			if (label == 0)
				return spec_fail(err, spec, "empty label in the host name");
			if (h[i - 1] == '-')
				return spec_fail(err, spec, "a label ends with '-'");
			label = 0;
			rule->host[i] = '.';
			continue;
		}
		if (c == '*')
			return spec_fail(err, spec,
					 "no wildcards: HOST already admits its subdomains");
		if (!isascii(c) || !(isalnum(c) || c == '-'))
			return spec_fail(err, spec,
					 "a host name has only letters, digits, '-' and '.'");
		if (c == '-' && label == 0)
			return spec_fail(err, spec, "a label starts with '-'");
		if (!isdigit(c))
			all_digits = false;
		if (++label > 63)
			return spec_fail(err, spec, "a label is at most 63 characters");
		rule->host[i] = (char)tolower(c);
	}
	if (label == 0)
		return spec_fail(err, spec, "the host name ends with '.'");
	if (h[len - 1] == '-')
		return spec_fail(err, spec, "a label ends with '-'");
	if (all_digits)
		return spec_fail(err, spec,
				 "not an IPv4 address (four numbers 0-255) nor a host name");
	rule->host[len] = '\0';
	return 0;
}

int as_egress_spec_parse(const char *spec, struct as_egress_rule *rule, struct as_err *err)
{
	char buf[INET6_ADDRSTRLEN + 1];
	const char *p = spec, *addr_end, *rest;
	int rc;

	memset(rule, 0, sizeof(*rule));
	if (!spec || !*spec)
		return as_fail(err, -EINVAL, "SPEC '': empty");
	if (strlen(spec) > 300)
		return spec_fail(err, spec, "too long");
	if (*p == '[') {
		addr_end = strchr(p, ']');
		if (!addr_end)
			return spec_fail(err, spec, "'[' without ']'");
		if ((size_t)(addr_end - p - 1) >= sizeof(buf) || addr_end == p + 1)
			return spec_fail(err, spec, "not an IPv6 address in [ ]");
		memcpy(buf, p + 1, (size_t)(addr_end - p - 1));
		buf[addr_end - p - 1] = '\0';
		if (inet_pton(AF_INET6, buf, rule->addr) != 1)
			return spec_fail(err, spec, "not an IPv6 address in [ ]");
		rule->family = AF_INET6;
		rule->prefix = 128;
		rest = addr_end + 1;
	} else {
		size_t n = strcspn(p, "/:");

		if (p[n] == ':' && strchr(p + n + 1, ':'))
			return spec_fail(err, spec,
					 "an IPv6 address goes in brackets: [ADDR][/LEN][:PORTS]");
		if (strspn(p, "0123456789.") >= n && n > 0 && n < sizeof(buf)) {
			memcpy(buf, p, n);
			buf[n] = '\0';
			if (inet_pton(AF_INET, buf, rule->addr) == 1) {
				rule->family = AF_INET;
				rule->prefix = 32;
			}
		}
		if (!rule->family) {
			rc = parse_host(p, n, spec, rule, err);
			if (rc < 0)
				return rc;
		}
		rest = p + n;
	}
	if (*rest == '/') {
		char len[8];
		size_t n = strcspn(rest + 1, ":");

		if (!rule->family)
			return spec_fail(err, spec, "a host name takes no /LEN");
		if (n >= sizeof(len))
			return spec_fail(err, spec, "/LEN must be a number");
		memcpy(len, rest + 1, n);
		len[n] = '\0';
		rc = parse_prefix(len, rule->family == AF_INET ? 32 : 128, spec, &rule->prefix,
				  err);
		if (rc < 0)
			return rc;
		rc = check_host_bits(rule, spec, err);
		if (rc < 0)
			return rc;
		rest += 1 + n;
	}
	if (*rest == ':')
		return parse_ports(rest + 1, spec, rule, err);
	if (*rest != '\0')
		return spec_fail(err, spec,
				 "unexpected text after the address (expected /LEN or :PORTS)");
	rule->ports[0] = AS_EGRESS_DEFAULT_PORT;
	rule->n_ports = 1;
	return 0;
}

static int ports_text(const struct as_egress_rule *rule, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < rule->n_ports; i++) {
		int n = snprintf(buf + off, len - off, "%s%u", i ? "," : "", rule->ports[i]);

		if (n < 0 || (size_t)n >= len - off)
			return -ENAMETOOLONG;
		off += (size_t)n;
	}
	return (int)off;
}

int as_egress_spec_format(const struct as_egress_rule *rule, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN], ports[AS_EGRESS_MAX_PORTS * 6 + 1], plen[8] = "";
	bool default_port = rule->n_ports == 1 && rule->ports[0] == AS_EGRESS_DEFAULT_PORT;
	int n;

	if (ports_text(rule, ports, sizeof(ports)) < 0)
		return -ENAMETOOLONG;
	if (rule->family) {
		if (!inet_ntop(rule->family, rule->addr, addr, sizeof(addr)))
			return -EINVAL;
		if (rule->prefix != (rule->family == AF_INET ? 32u : 128u))
			snprintf(plen, sizeof(plen), "/%u", rule->prefix);
		n = snprintf(buf, len, rule->family == AF_INET6 ? "[%s]%s%s%s" : "%s%s%s%s", addr,
			     plen, default_port ? "" : ":", default_port ? "" : ports);
	} else {
		n = snprintf(buf, len, "%s%s%s", rule->host, default_port ? "" : ":",
			     default_port ? "" : ports);
	}
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return n;
}

/* ---- list files ------------------------------------------------------ */

bool as_egress_list_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 64 || name[0] == '.' || name[0] == '-')
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
	       n;
}

int as_egress_list_parse(const char *text, const char *filename, struct as_strv *out,
			 struct as_err *err)
{
	int lineno = 0;

	for (const char *s = text; *s;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		char line[512], canon[320];
		struct as_egress_rule rule;
		struct as_err e;
		size_t start = 0;

		lineno++;
		while (len > 0 && isspace((unsigned char)s[len - 1]))
			len--;
		while (start < len && isspace((unsigned char)s[start]))
			start++;
		if (len - start >= sizeof(line))
			return as_fail(err, -EINVAL, "%s:%d: line too long", filename, lineno);
		memcpy(line, s + start, len - start);
		line[len - start] = '\0';
		s = nl ? nl + 1 : s + strlen(s);
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (as_egress_spec_parse(line, &rule, &e) < 0)
			return as_fail(err, -EINVAL, "%s:%d: %s", filename, lineno, e.msg);
		if (as_egress_spec_format(&rule, canon, sizeof(canon)) < 0)
			return as_fail(err, -EINVAL, "%s:%d: SPEC too long", filename, lineno);
		if (as_strv_contains(out, canon))
			continue;
		if (as_strv_push(out, canon) < 0)
			return as_fail(err, -ENOMEM, "out of memory");
	}
	return 0;
}

/* ---- the nft script -------------------------------------------------- */

int as_egress_chain_name(uid_t uid, char *buf, size_t len)
{
	int n = snprintf(buf, len, "agent_%u", (unsigned)uid);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Rules of one agent grouped by their port list: group g holds every rule
 * whose ports equal those of rules[first[g]]. */
struct groups {
	size_t *first; /* per group: index of its first rule */
	size_t *of;    /* per rule: its group */
	size_t n;
};

static bool same_ports(const struct as_egress_rule *a, const struct as_egress_rule *b)
{
	return a->n_ports == b->n_ports &&
	       memcmp(a->ports, b->ports, a->n_ports * sizeof(a->ports[0])) == 0;
}

static int group_rules(const struct as_egress_agent *a, struct groups *g)
{
	g->n = 0;
	g->first = calloc(a->n_rules + 1, sizeof(*g->first));
	g->of = calloc(a->n_rules + 1, sizeof(*g->of));
	if (!g->first || !g->of)
		return -ENOMEM;
	for (size_t i = 0; i < a->n_rules; i++) {
		size_t k;

		for (k = 0; k < g->n; k++)
			if (same_ports(&a->rules[g->first[k]], &a->rules[i]))
				break;
		if (k == g->n)
			g->first[g->n++] = i;
		g->of[i] = k;
	}
	return 0;
}

static void groups_free(struct groups *g)
{
	free(g->first);
	free(g->of);
	memset(g, 0, sizeof(*g));
}

static bool owner_printable(const char *owner)
{
	size_t n = strlen(owner);

	return n > 0 && n <= 64 &&
	       strspn(owner, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
		       n;
}

/* The v4 or v6 set of port group K: its literal addresses and networks
 * (dnsmasq adds the resolved ones). */
static void print_set(FILE *f, const struct as_egress_agent *a, const struct groups *g, size_t k,
		      int family)
{
	char addr[INET6_ADDRSTRLEN];
	bool any = false;

	fprintf(f, "\tset a%u_g%zu_v%c {\n\t\ttype %s\n\t\tflags interval\n\t\tauto-merge\n",
		(unsigned)a->uid, k, family == AF_INET ? '4' : '6',
		family == AF_INET ? "ipv4_addr" : "ipv6_addr");
	for (size_t i = 0; i < a->n_rules; i++) {
		const struct as_egress_rule *r = &a->rules[i];

		if (g->of[i] != k || r->family != family ||
		    !inet_ntop(family, r->addr, addr, sizeof(addr)))
			continue;
		fprintf(f, "%s%s/%u", any ? ", " : "\t\telements = { ", addr, r->prefix);
		any = true;
	}
	if (any)
		fputs(" }\n", f);
	fputs("\t}\n", f);
}

static int print_agent(FILE *f, const struct as_egress_agent *a, struct as_err *err)
{
	char chain[32], ports[AS_EGRESS_MAX_PORTS * 6 + 1];
	struct groups g;

	if (!owner_printable(a->owner))
		return as_fail(err, -EINVAL, "owner name not usable in a log prefix");
	if (group_rules(a, &g) < 0)
		return as_fail(err, -ENOMEM, "out of memory");
	for (size_t k = 0; k < g.n; k++) {
		print_set(f, a, &g, k, AF_INET);
		print_set(f, a, &g, k, AF_INET6);
	}
	as_egress_chain_name(a->uid, chain, sizeof(chain));
	fprintf(f, "\tchain %s {\n", chain);
	/* Replies on loopback to connections others opened to the agent
	 * (a dev server the owner browses): not egress. */
	fputs("\t\tct direction reply oifname \"lo\" accept\n", f);
	/* Its own resolver, where the dns chain sent its port 53 traffic. */
	fprintf(f, "\t\tip daddr 127.0.0.1 meta l4proto { tcp, udp } th dport %u accept\n",
		(unsigned)a->dns_port);
	fprintf(f, "\t\tip6 daddr ::1 meta l4proto { tcp, udp } th dport %u accept\n",
		(unsigned)a->dns_port);
	for (size_t k = 0; k < g.n; k++) {
		ports_text(&a->rules[g.first[k]], ports, sizeof(ports));
		fprintf(f,
			"\t\tip daddr @a%u_g%zu_v4 meta l4proto { tcp, udp } th dport { %s } accept\n",
			(unsigned)a->uid, k, ports);
		fprintf(f,
			"\t\tip6 daddr @a%u_g%zu_v6 meta l4proto { tcp, udp } th dport { %s } accept\n",
			(unsigned)a->uid, k, ports);
	}
	/* Rejected at once, never dropped: a drop would leave the agent's
	 * tools waiting for a timeout.  The log line (rate-limited) is what
	 * "agent-admin egress OWNER log" reads back. */
	fprintf(f,
		"\t\tlimit rate 20/minute burst 20 packets log prefix \"" AS_EGRESS_LOG_PREFIX
		"%s: \" level info\n",
		a->owner);
	fputs("\t\tmeta l4proto tcp reject with tcp reset\n", f);
	fputs("\t\treject with icmpx admin-prohibited\n", f);
	fputs("\t}\n", f);
	groups_free(&g);
	return 0;
}

int as_egress_ruleset(const struct as_egress_agent *agents, size_t n, char **out,
		      struct as_err *err)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f;
	int rc = 0;

	*out = NULL;
	f = open_memstream(&text, &size);
	if (!f)
		return as_fail(err, -ENOMEM, "out of memory");
	/* "table" first so that "delete" never fails on a fresh host; all
	 * of it is one transaction (nft -f semantics). */
	fputs("table inet " AS_EGRESS_TABLE "\n", f);
	fputs("delete table inet " AS_EGRESS_TABLE "\n", f);
	if (n > 0) {
		char chain[32];

		fputs("table inet " AS_EGRESS_TABLE " {\n", f);
		for (size_t i = 0; i < n && rc == 0; i++)
			rc = print_agent(f, &agents[i], err);
		fputs("\tchain output {\n\t\ttype filter hook output priority filter; policy accept;\n"
		      "\t\tmeta skuid vmap { ",
		      f);
		for (size_t i = 0; i < n; i++) {
			as_egress_chain_name(agents[i].uid, chain, sizeof(chain));
			fprintf(f, "%s%u : jump %s", i ? ", " : "", (unsigned)agents[i].uid, chain);
		}
		fputs(" }\n\t}\n", f);
		/* Whatever server the agent asks, and by UDP or TCP: its own
		 * resolver answers. */
		fputs("\tchain dns {\n\t\ttype nat hook output priority -100; policy accept;\n", f);
		for (size_t i = 0; i < n; i++)
			fprintf(f,
				"\t\tmeta skuid %u meta l4proto { tcp, udp } th dport 53 redirect to :%u\n",
				(unsigned)agents[i].uid, (unsigned)agents[i].dns_port);
		fputs("\t}\n}\n", f);
	}
	if (fclose(f) != 0 && rc == 0)
		rc = as_fail(err, -ENOMEM, "out of memory");
	if (rc < 0) {
		free(text);
		return rc;
	}
	*out = text;
	return 0;
}

/* ---- resolvers ------------------------------------------------------- */

int as_egress_upstream_parse(const char *s, struct as_egress_upstream *u, struct as_err *err)
{
	unsigned char bin[16];
	const char *hash = strchr(s, '#');
	size_t n = hash ? (size_t)(hash - s) : strlen(s);
	char shown[SHOWN_MAX];

	memset(u, 0, sizeof(*u));
	as_escape(s, shown, sizeof(shown));
	if (n == 0 || n >= sizeof(u->addr))
		return as_fail(err, -EINVAL, "upstream '%s': expected IP[#PORT]", shown);
	memcpy(u->addr, s, n);
	u->addr[n] = '\0';
	if (inet_pton(AF_INET, u->addr, bin) != 1 && inet_pton(AF_INET6, u->addr, bin) != 1)
		return as_fail(err, -EINVAL, "upstream '%s': not a numeric IPv4 or IPv6 address",
			       shown);
	if (hash) {
		unsigned long v = 0;
		const char *p = hash + 1;

		if (!*p || *p == '0')
			return as_fail(err, -EINVAL, "upstream '%s': PORT must be 1-65535", shown);
		for (; *p; p++) {
			if (*p < '0' || *p > '9' ||
			    (v = v * 10 + (unsigned long)(*p - '0')) > 65535)
				return as_fail(err, -EINVAL, "upstream '%s': PORT must be 1-65535",
					       shown);
		}
		u->port = (uint16_t)v;
	}
	return 0;
}

size_t as_egress_resolv_conf(const char *text, struct as_egress_upstream *out, size_t max)
{
	size_t n = 0;

	for (const char *s = text; *s && n < max;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		char line[256], addr[64];
		struct as_err e;

		if (len < sizeof(line)) {
			memcpy(line, s, len);
			line[len] = '\0';
			if (sscanf(line, " nameserver %63s", addr) == 1 &&
			    as_egress_upstream_parse(addr, &out[n], &e) == 0 && !strchr(addr, '#'))
				n++;
		}
		s = nl ? nl + 1 : s + len;
	}
	return n;
}

int as_egress_dnsmasq_conf(const struct as_egress_agent *agent,
			   const struct as_egress_upstream *upstreams, size_t n_upstreams,
			   const char *pidfile, char **out, struct as_err *err)
{
	char *text = NULL;
	size_t size = 0;
	struct groups g;
	FILE *f;

	*out = NULL;
	if (!owner_printable(agent->owner))
		return as_fail(err, -EINVAL, "owner name not usable in a configuration");
	if (strpbrk(pidfile, "\n\r"))
		return as_fail(err, -EINVAL, "pid file name has a line break");
	if (group_rules(agent, &g) < 0)
		return as_fail(err, -ENOMEM, "out of memory");
	f = open_memstream(&text, &size);
	if (!f) {
		groups_free(&g);
		return as_fail(err, -ENOMEM, "out of memory");
	}
	fprintf(f,
		"# agent-shell: the resolver of %s's agent (uid %u).\n"
		"# Written by agent-admin egress --load; changes are overwritten.\n",
		agent->owner, (unsigned)agent->uid);
	fprintf(f, "port=%u\nlisten-address=127.0.0.1\n%sbind-interfaces\n",
		(unsigned)agent->dns_port, agent->no_ipv6 ? "" : "listen-address=::1\n");
	/* Nothing but what is below: no resolv.conf, no /etc/hosts, and no
	 * cache, so that every answer puts its addresses in the sets again
	 * (a reload of the fence empties them). */
	fputs("no-resolv\nno-hosts\nno-poll\ncache-size=0\nno-negcache\n", f);
	fprintf(f, "pid-file=%s\n", pidfile);
	/* Every name not listed below: NXDOMAIN, never forwarded. */
	fputs("address=/#/\n", f);
	for (size_t i = 0; i < agent->n_rules; i++) {
		const struct as_egress_rule *r = &agent->rules[i];
		bool seen = false;

		if (r->family)
			continue;
		for (size_t j = 0; j < i; j++)
			if (!agent->rules[j].family && strcmp(agent->rules[j].host, r->host) == 0)
				seen = true;
		if (seen)
			continue;
		for (size_t u = 0; u < n_upstreams; u++) {
			if (upstreams[u].port)
				fprintf(f, "server=/%s/%s#%u\n", r->host, upstreams[u].addr,
					(unsigned)upstreams[u].port);
			else
				fprintf(f, "server=/%s/%s\n", r->host, upstreams[u].addr);
		}
		/* One nftset line per name, naming the set of every port group
		 * the name appears in. */
		fprintf(f, "nftset=/%s/", r->host);
		for (size_t j = i, first = 1; j < agent->n_rules; j++) {
			if (agent->rules[j].family || strcmp(agent->rules[j].host, r->host) != 0)
				continue;
			fprintf(f,
				"%s4#inet#" AS_EGRESS_TABLE "#a%u_g%zu_v4,6#inet#" AS_EGRESS_TABLE
				"#a%u_g%zu_v6",
				first ? "" : ",", (unsigned)agent->uid, g.of[j],
				(unsigned)agent->uid, g.of[j]);
			first = 0;
		}
		fputc('\n', f);
	}
	groups_free(&g);
	if (fclose(f) != 0) {
		free(text);
		return as_fail(err, -ENOMEM, "out of memory");
	}
	*out = text;
	return 0;
}

/* ---- the kernel log -------------------------------------------------- */

static bool field(const char *line, const char *name, char *out, size_t len)
{
	const char *p = line;
	size_t nlen = strlen(name), n;

	while ((p = strstr(p, name))) {
		if (p == line || p[-1] == ' ') {
			p += nlen;
			n = strcspn(p, " \n");
			if (n >= len)
				return false;
			memcpy(out, p, n);
			out[n] = '\0';
			return true;
		}
		p += nlen;
	}
	return false;
}

int as_egress_parse_log_line(const char *line, struct as_egress_rejection *rej)
{
	const char *p = strstr(line, AS_EGRESS_LOG_PREFIX);
	unsigned char bin[16];
	char port[8] = "", addr[INET6_ADDRSTRLEN];
	size_t n;
	int family;

	memset(rej, 0, sizeof(*rej));
	if (!p)
		return -ENOENT;
	p += strlen(AS_EGRESS_LOG_PREFIX);
	n = strcspn(p, ": ");
	if (n == 0 || n >= sizeof(rej->owner) || p[n] != ':')
		return -ENOENT;
	memcpy(rej->owner, p, n);
	if (!field(p, "DST=", rej->dst, sizeof(rej->dst)) ||
	    !field(p, "PROTO=", rej->proto, sizeof(rej->proto)))
		return -ENOENT;
	family = strchr(rej->dst, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(family, rej->dst, bin) != 1 || !inet_ntop(family, bin, addr, sizeof(addr)))
		return -ENOENT;
	snprintf(rej->dst, sizeof(rej->dst), "%s", addr);
	if (field(p, "DPT=", port, sizeof(port)))
		rej->port = (unsigned)strtoul(port, NULL, 10);
	if (strcmp(rej->proto, "TCP") != 0 && strcmp(rej->proto, "UDP") != 0)
		return 0; /* only TCP and UDP can be allowed: no SPEC */
	if (rej->port == AS_EGRESS_DEFAULT_PORT)
		snprintf(rej->spec, sizeof(rej->spec), family == AF_INET6 ? "[%s]" : "%s", addr);
	else
		snprintf(rej->spec, sizeof(rej->spec), family == AF_INET6 ? "[%s]:%u" : "%s:%u",
			 addr, rej->port);
	return 0;
}
