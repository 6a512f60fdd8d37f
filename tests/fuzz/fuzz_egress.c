/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the egress SPEC grammar (lib/egress.c): the input
 * is a list file.  Each line that parses must read back canonical and
 * parse again to the same canonical text; the accepted rules then go
 * through the nft script and dnsmasq generators, and each input line
 * through the kernel log reader.  Run with bench/fuzz [SECONDS] egress.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "egress.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void check_line(const char *line, struct as_egress_rule *rules, size_t *n)
{
	struct as_egress_rule r, again;
	struct as_egress_rejection rej;
	struct as_err err = { "" };
	char canon[320], canon2[320];

	if (as_egress_parse_log_line(line, &rej) == 0 && strchr(rej.spec, '\n'))
		abort();
	if (as_egress_spec_parse(line, &r, &err) < 0) {
		if (err.msg[0] == '\0' || strchr(err.msg, '\n'))
			abort();
		return;
	}
	if (r.n_ports == 0 || r.n_ports > AS_EGRESS_MAX_PORTS)
		abort();
	if (as_egress_spec_format(&r, canon, sizeof(canon)) < 0)
		abort();
	if (as_egress_spec_parse(canon, &again, &err) < 0)
		abort();
	if (as_egress_spec_format(&again, canon2, sizeof(canon2)) < 0 || strcmp(canon, canon2) != 0)
		abort();
	if (*n < 64)
		rules[(*n)++] = r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct as_egress_rule rules[64];
	struct as_egress_upstream up = { "127.0.0.53", 5399 };
	struct as_egress_agent agent = { .owner = "fuzz", .uid = 1001, .dns_port = 5360 };
	struct as_strv sv = { 0 };
	struct as_err err = { "" };
	char *text, *out = NULL;
	size_t n = 0;

	if (size > 65536 || memchr(data, '\0', size))
		return -1;
	text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';

	if (as_egress_list_parse(text, "fuzz.list", &sv, &err) < 0 &&
	    (err.msg[0] == '\0' || strchr(err.msg, '\n')))
		abort();
	as_strv_free(&sv);
	for (char *line = text, *nl; line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		check_line(line, rules, &n);
	}
	agent.rules = rules;
	agent.n_rules = n;
	if (as_egress_ruleset(&agent, 1, &out, &err) < 0)
		abort();
	free(out);
	if (as_egress_dnsmasq_conf(&agent, &up, 1, "/run/fuzz.pid", &out, &err) < 0)
		abort();
	free(out);
	free(text);
	return 0;
}
