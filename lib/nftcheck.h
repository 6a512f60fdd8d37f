/* SPDX-License-Identifier: MIT */
/*
 * Whether an agent's part of the egress fence is loaded: the chain
 * agent_UID of table inet agent_shell exists in this network namespace.
 * One nfnetlink request (NFT_MSG_GETCHAIN), no library: the setuid helper
 * asks it before a restricted agent's session, and what the helper links
 * is part of its audit.  Needs CAP_NET_ADMIN (the helper is still root).
 */
#ifndef AS_NFTCHECK_H
#define AS_NFTCHECK_H

#include <sys/types.h>

#include "common.h"

/* 1 loaded, 0 not (no such table or chain), -errno with err set when the
 * kernel could not be asked. */
int as_egress_chain_loaded(uid_t uid, struct as_err *err);

#endif
