/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the "agent-admin apply FILE" grammar
 * (tools/admin-apply.c): the input is the text of an apply file.
 *
 * Invariants checked on every input:
 *  - a refusal says why on one line that starts with the file name, and
 *    the partial description it leaves is freed without a leak;
 *  - an accepted description names each owner once, every owner, account
 *    and profile is one the registry would accept, every home and project
 *    is absolute, and no agent lists a project twice.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "admin.h"
#include "fuzz.h"
#include "profile.h"

#define FILENAME "fuzz.ini"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void check_agent(const struct desired *d, size_t i)
{
	const struct want *w = &d->agents[i];
	struct as_err e;

	if (!w->owner || !as_owner_name_valid(w->owner, &e))
		abort();
	if (w->account && !as_account_name_valid(w->account, &e))
		abort();
	if (w->profile && !as_profile_name_valid(w->profile))
		abort();
	if (w->home && w->home[0] != '/')
		abort();
	for (size_t j = 0; j < i; j++)
		if (strcmp(d->agents[j].owner, w->owner) == 0)
			abort();
	for (size_t k = 0; k < w->n_projects; k++) {
		if (w->projects[k].path[0] != '/')
			abort();
		for (size_t j = 0; j < k; j++)
			if (strcmp(w->projects[j].path, w->projects[k].path) == 0)
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct desired d;
	struct as_err err = { "" };
	char *text;

	/* agent-admin reads the file with as_read_file (no NUL bytes, at
	 * most 4 MiB); longer inputs only slow the fuzzer down. */
	if (size > 64 * 1024 || memchr(data, '\0', size))
		return -1;
	text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';

	if (admin_desired_parse(text, FILENAME, &d, &err) < 0) {
		if (strncmp(err.msg, FILENAME ":", strlen(FILENAME ":")) != 0 ||
		    strchr(err.msg, '\n'))
			abort();
	} else {
		for (size_t i = 0; i < d.n; i++)
			check_agent(&d, i);
	}
	admin_desired_free(&d);
	free(text);
	return 0;
}
