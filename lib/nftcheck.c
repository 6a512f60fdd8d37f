/* SPDX-License-Identifier: MIT */
#include "nftcheck.h"

#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>

#include "egress.h"

/* Appends a NUL-terminated string attribute; returns the new length. */
static size_t put_str_attr(char *buf, size_t off, unsigned short type, const char *s)
{
	struct nlattr *a = (struct nlattr *)(buf + off);
	size_t len = strlen(s) + 1;

	a->nla_type = type;
	a->nla_len = (unsigned short)(NLA_HDRLEN + len);
	memcpy(buf + off + NLA_HDRLEN, s, len);
	return off + NLA_ALIGN(NLA_HDRLEN + len);
}

int as_egress_chain_loaded(uid_t uid, struct as_err *err)
{
	union {
		char buf[8192];
		struct nlmsghdr align;
	} msg;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct nlmsghdr *nh = (struct nlmsghdr *)msg.buf;
	struct nfgenmsg *nfg;
	char chain[32];
	size_t off;
	ssize_t n;
	_cleanup_close_ int fd = -1;

	if (as_egress_chain_name(uid, chain, sizeof(chain)) < 0)
		return as_fail(err, -EINVAL, "uid %u: no chain name", (unsigned)uid);
	memset(msg.buf, 0, sizeof(msg.buf));
	nh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETCHAIN;
	nh->nlmsg_flags = NLM_F_REQUEST;
	nh->nlmsg_seq = 1;
	nfg = (struct nfgenmsg *)(msg.buf + NLMSG_HDRLEN);
	nfg->nfgen_family = NFPROTO_INET;
	nfg->version = NFNETLINK_V0;
	off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*nfg));
	off = put_str_attr(msg.buf, off, NFTA_CHAIN_TABLE, AS_EGRESS_TABLE);
	off = put_str_attr(msg.buf, off, NFTA_CHAIN_NAME, chain);
	nh->nlmsg_len = (unsigned)off;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0)
		return as_fail(err, -errno, "nftables: cannot open a netlink socket: %s",
			       strerror(errno));
	if (sendto(fd, msg.buf, off, 0, (struct sockaddr *)&kernel, sizeof(kernel)) != (ssize_t)off)
		return as_fail(err, -errno, "nftables: cannot ask for chain %s: %s", chain,
			       strerror(errno));
	n = recv(fd, msg.buf, sizeof(msg.buf), 0);
	if (n < 0)
		return as_fail(err, -errno, "nftables: no answer about chain %s: %s", chain,
			       strerror(errno));
	if ((size_t)n < NLMSG_HDRLEN || !NLMSG_OK(nh, (size_t)n))
		return as_fail(err, -EPROTO, "nftables: short answer about chain %s", chain);
	if (nh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(nh);

		if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
			return as_fail(err, -EPROTO, "nftables: short error about chain %s", chain);
		if (e->error == -ENOENT)
			return 0;
		return as_fail(err, e->error < 0 ? e->error : -EPROTO,
			       "nftables: cannot ask for chain %s: %s", chain, strerror(-e->error));
	}
	if (nh->nlmsg_type == ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWCHAIN))
		return 1;
	return as_fail(err, -EPROTO, "nftables: unexpected answer (type %u) about chain %s",
		       (unsigned)nh->nlmsg_type, chain);
}
