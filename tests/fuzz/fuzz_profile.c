/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the profile grammar: the input is profile text,
 * parsed with every variable set and a search directory holding a few
 * fixture profiles, so "include = ..." reaches real files, nesting and
 * cycles.  Build: CC=clang meson setup build-fuzz -Dfuzz=true; run:
 * build-fuzz/tests/fuzz/fuzz-profile -dict=tests/fuzz/profile.dict
 *     tests/fuzz/corpus/profile
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"
#include "profile.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fixdir[] = "/tmp/as-fuzz-profile-XXXXXX";
static const char *dirs[2];
static struct as_profile_opts opts;

static const struct {
	const char *name;
	const char *text;
} fixtures[] = {
	{ "fx-base", "[profile]\ndescription = fixture\nlandlock = required\n"
		     "[filesystem]\nexec = /usr\nread = ?/etc\n[limits]\ncore = 0\n" },
	{ "fx-top", "[profile]\ninclude = fx-base\nlandlock = best-effort\n"
		    "[network]\nconnect-tcp = 443\n[environment]\npass = LC_*\n" },
	{ "fx-loop-a", "[profile]\ninclude = fx-loop-b\n" },
	{ "fx-loop-b", "[profile]\ninclude = fx-loop-a\n" },
	{ "fx-bad", "[filesystem]\nread = relative\n" },
};

static void cleanup(void)
{
	char path[sizeof(fixdir) + 64];

	for (size_t i = 0; i < AS_ARRAY_SIZE(fixtures); i++) {
		snprintf(path, sizeof(path), "%s/%s.profile", fixdir, fixtures[i].name);
		unlink(path);
	}
	rmdir(fixdir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[sizeof(fixdir) + 64];

	(void)argc;
	(void)argv;
	if (!mkdtemp(fixdir))
		abort();
	for (size_t i = 0; i < AS_ARRAY_SIZE(fixtures); i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s.profile", fixdir, fixtures[i].name);
		f = fopen(path, "w");
		if (!f || fputs(fixtures[i].text, f) < 0 || fclose(f) != 0)
			abort();
	}
	atexit(cleanup);
	dirs[0] = fixdir;
	dirs[1] = NULL;
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
