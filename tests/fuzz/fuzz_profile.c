/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the profile grammar: the input is profile text,
 * parsed with every variable set and a search directory holding a few
 * fixture profiles, so "include = ..." reaches real files, nesting and
 * cycles.  Run with bench/fuzz [SECONDS] profile (bench/README.md).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "policy.h"
#include "profile.h"

static const char *dirs[3];
static struct as_profile_opts opts;

/* Includes are looked up in the fixtures (tests/fuzz/fixtures/profile:
 * fx-base, fx-top, fx-loop-a/b, fx-bad), then in the shipped profiles, so
 * the shipped ones in the corpus load whole.  Both are in the source tree:
 * the harness writes nothing, so a crash, a timeout or -fork leaves no
 * temporary directory behind. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	dirs[0] = AS_FUZZ_FIXTURES "/profile";
	dirs[1] = AS_FUZZ_PROFILES;
	dirs[2] = NULL;
	opts.search_dirs = dirs;
	opts.trust = AS_TRUST_ANY;
	opts.vars.project = "/work/project";
	opts.vars.home = "/home/agent/";
	opts.vars.tmp = "/tmp";
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct as_policy pol;
	struct as_err err = { "" };
	char *text;
	int r;

	/* Profiles are read with as_read_file, which refuses NUL bytes. */
	if (size > AS_PROFILE_MAX_BYTES || memchr(data, '\0', size))
		return -1;
	text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';

	as_policy_init(&pol);
	r = as_profile_parse_string(&pol, text, "fuzz.profile", &opts, &err);
	/* Invariants: an error always says something, on one line; success
	 * leaves only absolute, control-free paths and valid ports. */
	if (r < 0 && (err.msg[0] == '\0' || strchr(err.msg, '\n')))
		abort();
	if (r == 0) {
		for (size_t i = 0; i < pol.n_paths; i++)
			if (pol.paths[i].path[0] != '/' || !pol.paths[i].access)
				abort();
		for (size_t i = 0; i < pol.n_connect_tcp; i++)
			if (pol.connect_tcp[i].port == 0)
				abort();
	}
	as_policy_free(&pol);
	free(text);
	return 0;
}
