/* SPDX-License-Identifier: MIT */
/*
 * The egress fence (DESIGN.md layer 6), pure part: the SPEC grammar, the
 * list files, and the text of the nftables ruleset and of each agent's
 * dnsmasq configuration.  Nothing here makes a system call; loading the
 * ruleset and starting dnsmasq is agent-admin's (tools/admin-egress.c), and
 * asking the kernel whether an agent's chain is loaded is lib/nftcheck.c's.
 *
 * SPEC, one allowed destination:
 *   HOST[:PORTS]              a DNS name; admits HOST and its subdomains
 *                             (dnsmasq's domain match), at the addresses
 *                             the agent's resolver hands out for them
 *   ADDR[/LEN][:PORTS]        an IPv4 address or network
 *   [IPV6][/LEN][:PORTS]      an IPv6 address or network
 *   PORTS = N[,N...]          TCP and UDP destination ports; default 443
 *
 * The fence, for the agents that are restricted (one table, replaced in
 * one transaction by egress --load):
 *
 *   table inet agent_shell
 *     output   (filter)  meta skuid vmap { UID : jump agent_UID, ... }
 *     dns      (nat)     the agent's DNS (udp/tcp 53, any address) is
 *                        redirected to its own dnsmasq (127.0.0.1 / ::1)
 *     agent_UID          its resolver, then its sets by port group, then a
 *                        rate-limited log line, then reject: TCP reset,
 *                        ICMP admin-prohibited for the rest
 *     sets aUID_gN_v4 / aUID_gN_v6  (interval): the group's addresses and
 *                        networks, and what dnsmasq resolved for its names
 */
#ifndef AS_EGRESS_H
#define AS_EGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common.h"
#include "config.h" /* AS_EGRESS_TABLE: meson option nft_table */

#define AS_EGRESS_MAX_PORTS 16
#define AS_EGRESS_DEFAULT_PORT 443
/* The prefix of the log lines of rejected packets: "agent-shell egress
 * OWNER: " (the kernel log; nft limits a prefix to 127 bytes). */
#define AS_EGRESS_LOG_PREFIX "agent-shell egress "

struct as_egress_rule {
	char host[254];                      /* lower-case DNS name; "" for an address */
	int family;                          /* AF_INET or AF_INET6 for an address */
	unsigned char addr[16];              /* network address (host bits zero) */
	unsigned prefix;                     /* 0..32 or 0..128 */
	uint16_t ports[AS_EGRESS_MAX_PORTS]; /* ascending, no duplicates */
	unsigned n_ports;
};

/* Parses one SPEC strictly; err says what is wrong ("SPEC 'x': ..."). */
int as_egress_spec_parse(const char *spec, struct as_egress_rule *rule, struct as_err *err);

/* The canonical text of a rule (what the registry stores): lower-case
 * host, network address, ports ascending, ":443" left out.  Returns the
 * length, or -ENAMETOOLONG when it does not fit. */
int as_egress_spec_format(const struct as_egress_rule *rule, char *buf, size_t len);

/* Whether NAME is a valid list name (like a profile name). */
bool as_egress_list_name_valid(const char *name);

/*
 * A list file: one SPEC per line; blank lines and lines starting with '#'
 * are skipped.  Appends the canonical SPECs to OUT.  Errors are
 * "FILE:LINE: problem".
 */
int as_egress_list_parse(const char *text, const char *filename, struct as_strv *out,
			 struct as_err *err);

/* What the fence needs to know about one restricted agent. */
struct as_egress_agent {
	const char *owner;
	uid_t uid;         /* the agent account's uid */
	uint16_t dns_port; /* its dnsmasq listens here */
	bool no_ipv6;      /* the host has no ::1: listen on 127.0.0.1 only */
	const struct as_egress_rule *rules;
	size_t n_rules;
};

/* The chain name of an agent ("agent_UID"); what the helper checks. */
int as_egress_chain_name(uid_t uid, char *buf, size_t len);

/*
 * The complete nft script for AGENTS: it creates the table if missing,
 * deletes it, and creates it again with everything, so that one
 * nft_run_cmd_from_buffer() replaces the fence atomically.  With no agents
 * it only deletes the table.  *out is heap text.
 */
int as_egress_ruleset(const struct as_egress_agent *agents, size_t n, char **out,
		      struct as_err *err);

/* One upstream resolver: an address, with an optional port. */
struct as_egress_upstream {
	char addr[64]; /* numeric IPv4 or IPv6 */
	uint16_t port; /* 0: 53 */
};

/* Parses "IP[#PORT]" (the site file's upstream = lines). */
int as_egress_upstream_parse(const char *s, struct as_egress_upstream *u, struct as_err *err);

/* The nameserver lines of a resolv.conf text, in order (at most MAX). */
size_t as_egress_resolv_conf(const char *text, struct as_egress_upstream *out, size_t max);

/*
 * The dnsmasq configuration of one agent: listen on 127.0.0.1 and ::1 at
 * its port, read no resolv.conf and no hosts file, cache nothing (so that
 * every answer refills the sets after a reload), forward each allowed name
 * to UPSTREAMS and put the answers in the agent's sets, answer NXDOMAIN to
 * every other name without forwarding it.  PIDFILE is where dnsmasq
 * writes its pid.
 */
int as_egress_dnsmasq_conf(const struct as_egress_agent *agent,
			   const struct as_egress_upstream *upstreams, size_t n_upstreams,
			   const char *pidfile, char **out, struct as_err *err);

/*
 * Reads one kernel log line of a rejected packet ("... agent-shell egress
 * OWNER: IN= OUT=lo SRC=... DST=1.2.3.4 ... PROTO=TCP SPT=1 DPT=443 ...")
 * into owner, destination and the allow SPEC that would admit it.
 * Returns 0, or -ENOENT when the line is not one of ours.
 */
struct as_egress_rejection {
	char owner[64];
	char dst[64];   /* as the kernel printed it */
	char proto[16]; /* TCP, UDP, ICMP, ... */
	unsigned port;  /* 0 when the protocol has none */
	char spec[96];  /* the allow SPEC that would admit it */
};
int as_egress_parse_log_line(const char *line, struct as_egress_rejection *rej);

#endif
