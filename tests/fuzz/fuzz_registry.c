/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the registry grammar (lib/registry.c): the input
 * is the text of an AS_REGISTRYDIR/OWNER.conf file, which the helper, the
 * PAM module and agent-admin all read.
 *
 * Invariants checked on every input:
 *  - a refusal says why on one line that starts with the file name;
 *  - an accepted registry holds only absolute paths and values that
 *    as_registry_value_ok accepts, and no project twice;
 *  - what agent-admin would write back (as_registry_format) parses again,
 *    to the same text: a registry survives load -> save -> load unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "registry.h"

#define FILENAME "fuzz.conf"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void check_value(const char *key, const char *v)
{
	struct as_err e;

	if (!v || !as_registry_value_ok(key, v, &e))
		abort();
}

static void check_accepted(const struct as_registry *r)
{
	check_value("owner", r->owner);
	check_value("account", r->account);
	check_value("home", r->home);
	check_value("profile", r->profile);
	if (r->home[0] != '/')
		abort();
	for (size_t i = 0; i < r->n_projects; i++) {
		const struct as_reg_project *p = &r->projects[i];

		check_value("path", p->path);
		if (p->path[0] != '/' || as_registry_project_find(r, p->path) != (int)i)
			abort();
		for (size_t j = 0; j < p->traverse.n; j++)
			if (p->traverse.v[j][0] != '/')
				abort();
		for (size_t j = 0; j < p->traverse_pending.n; j++)
			if (p->traverse_pending.v[j][0] != '/')
				abort();
		/* Only a finished grant authorizes a session. */
		if (as_registry_project_for(r, p->path) == (int)i && p->state != AS_REG_GRANTED)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct as_registry r, again;
	struct as_err err = { "" };
	char *text, *out = NULL, *out2 = NULL;

	/* Registries are read with as_read_file, which refuses NUL bytes;
	 * 1 MiB is REG_MAX_SIZE. */
	if (size > (1 << 20) || memchr(data, '\0', size))
		return -1;
	text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';

	if (as_registry_parse_string(&r, text, FILENAME, &err) < 0) {
		if (strncmp(err.msg, FILENAME ":", strlen(FILENAME ":")) != 0 ||
		    strchr(err.msg, '\n'))
			abort();
		/* A failed parse leaves nothing behind to free. */
		if (r.owner || r.projects || r.n_projects)
			abort();
		free(text);
		return 0;
	}
	check_accepted(&r);
	if (as_registry_format(&r, &out, &err) < 0)
		abort();
	if (as_registry_parse_string(&again, out, "formatted.conf", &err) < 0)
		abort();
	if (as_registry_format(&again, &out2, &err) < 0 || strcmp(out, out2) != 0)
		abort();
	if (again.n_projects != r.n_projects || again.owner_uid != r.owner_uid ||
	    again.account_uid != r.account_uid || again.sudo != r.sudo)
		abort();
	as_registry_free(&again);
	as_registry_free(&r);
	free(out);
	free(out2);
	free(text);
	return 0;
}
