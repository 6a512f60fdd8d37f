/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for what root takes from the git walk
 * (lib/gitmount.c, as_git_mounts_request).  The walk runs as the owner,
 * so every byte of every message is the owner's to choose.  The input is
 * a sequence of messages separated by 0xff (a byte no field needs: the
 * walk's text is escaped, paths are what the owner named).
 *
 * The session's grants do not exist and there is no agent directory, so
 * no request can reach a mount: what is fuzzed is root's reading of the
 * messages.  Invariants checked on every input:
 *  - every result is 0 or a negative errno with the error set;
 *  - S, O, R and A never succeed here, and nothing is mounted;
 *  - what root keeps (notes, renamed entries, review lines, the review's
 *    error) holds no control character;
 *  - after T, the walk has ended and every further message is refused.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "gitmount.h"

static struct as_reg_project projects[2];
static struct as_session s;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	projects[0].path = (char *)"/nonexistent/agent-shell-fuzz/rw";
	projects[1].path = (char *)"/nonexistent/agent-shell-fuzz/ro";
	projects[1].read_only = true;
	s.agent = (char *)"fuzz-agent";
	s.agent_uid = 61999;
	s.reg.projects = projects;
	s.reg.n_projects = 2;
	return 0;
}

static void no_control(const char *t)
{
	for (; *t; t++)
		if ((unsigned char)*t < 0x20 || *t == 0x7f)
			abort();
}

static void no_control_v(const struct as_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		no_control(v->v[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct as_git_mounts m;
	struct as_git_stats st = { 0 };
	struct as_err err = { "" };
	size_t start = 0;

	if (as_git_mounts_init(&m, &s, &st, &err) < 0)
		return -1;
	for (size_t i = 0; i <= size; i++) {
		char *msg;
		size_t len;
		bool ended = m.ended;
		unsigned kind;
		int r;

		if (i < size && data[i] != 0xff)
			continue;
		len = i - start;
		msg = malloc(len + 1);
		if (!msg)
			abort();
		memcpy(msg, data + start, len);
		start = i + 1;
		kind = len ? (unsigned char)msg[0] : 0;
		err.msg[0] = '\0';
		r = as_git_mounts_request(&m, msg, len);
		free(msg);
		if (r > 0 || (r < 0 && !err.msg[0]))
			abort();
		if (r == 0 && (kind == 'S' || kind == 'O' || kind == 'R' || kind == 'A'))
			abort();
		if (ended && (!m.ended || r == 0))
			abort();
	}
	if (st.mounts != 0 || m.agent >= 0)
		abort();
	no_control_v(&st.notes);
	no_control_v(&st.disarmed);
	no_control_v(&st.review);
	no_control(st.review_err.msg);
	as_git_mounts_free(&m);
	as_git_stats_free(&st);
	return 0;
}
