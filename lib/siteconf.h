/* SPDX-License-Identifier: MIT */
/*
 * The site settings file, /etc/agent-shell/agent-shell.conf (AS_SITE_CONF):
 *
 *   [agent-shell]
 *   switch = helper        ; or: sudo
 *
 * "helper" (the default, also when the file does not exist) enters the
 * agent account through the setuid agent-shell-helper and PAM; "sudo" goes
 * through `sudo -u AGENT agent-sandbox --session OWNER ...`, which needs a
 * sudoers drop-in (agent-admin add OWNER --sudo) and has no session
 * namespace (no root inside the session to set one up).
 *
 *   [egress]
 *   upstream = IP[#PORT]   ; repeatable; the agents' resolvers forward
 *                          ; allowed names here (default: the nameservers
 *                          ; of /etc/resolv.conf)
 *   resolver-port = 5360   ; the first agent's resolver port; the next
 *                          ; agents take the following ones
 */
#ifndef AS_SITECONF_H
#define AS_SITECONF_H

#include "common.h"
#include "egress.h"

enum as_switch {
	AS_SWITCH_HELPER = 0,
	AS_SWITCH_SUDO,
};

#define AS_SITE_MAX_UPSTREAMS 8
#define AS_EGRESS_DEFAULT_RESOLVER_PORT 5360

struct as_site_conf {
	enum as_switch switch_by;
	struct as_egress_upstream upstreams[AS_SITE_MAX_UPSTREAMS];
	size_t n_upstreams;     /* 0: /etc/resolv.conf's */
	uint16_t resolver_port; /* 0: AS_EGRESS_DEFAULT_RESOLVER_PORT */
};

/* Parses the text of a site file; unknown sections, keys or values are
 * errors ("FILE:LINE: problem"). */
int as_site_conf_parse(struct as_site_conf *c, const char *text, const char *filename,
		       struct as_err *err);

/* Loads PATH; a missing file gives the defaults.  The file must be
 * root-owned and not group/other writable (checked on the opened fd). */
int as_site_conf_load(struct as_site_conf *c, const char *path, struct as_err *err);

const char *as_switch_name(enum as_switch s);

#endif
