/* SPDX-License-Identifier: MIT */
/*
 * agent-admin apply FILE: read the file (its grammar is in admin-apply.c),
 * compare it with the host, print the plan, and run it step by step
 * through the same add, revoke, grant and remove as the command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "admin.h"
#include "registry.h"

/* The file is a description of what to do as root: only root may have
 * written it.  Its grammar is in admin-apply.c. */
static int parse_desired(const char *file, struct desired *d)
{
	_cleanup_free_ char *text = NULL;
	struct as_err e = { "" };

	memset(d, 0, sizeof(*d));
	if (as_read_file(AT_FDCWD, file, AS_TRUST_ROOT_ONLY, 4 << 20, &text, &e) < 0)
		return admin_fail("%s", e.msg);
	if (admin_desired_parse(text, file, d, &e) < 0)
		return admin_fail("%s", e.msg);
	return 0;
}

enum action_kind { ACT_ADD, ACT_REVOKE, ACT_GRANT, ACT_REMOVE };

struct action {
	enum action_kind kind;
	struct admin_opts o;
};

struct plan {
	struct action *v;
	size_t n;
};

static int plan_push(struct plan *p, enum action_kind kind, const struct admin_opts *o)
{
	struct action *nv = realloc(p->v, (p->n + 1) * sizeof(*nv));

	if (!nv)
		return admin_fail("out of memory");
	p->v = nv;
	nv[p->n].kind = kind;
	nv[p->n].o = *o;
	p->n++;
	return 0;
}

static void print_action(FILE *out, const struct action *a)
{
	static const char *const names[] = { "add", "revoke", "grant", "remove" };
	const struct admin_opts *o = &a->o;

	fprintf(out, "%s %s", names[a->kind], o->pos[0]);
	if (o->npos > 1)
		fprintf(out, " %s", o->pos[1]);
	if (o->account)
		fprintf(out, " --account %s", o->account);
	if (o->profile)
		fprintf(out, " --profile %s", o->profile);
	if (o->profiles)
		fprintf(out, " --profiles %s", o->profiles);
	if (o->home)
		fprintf(out, " --home %s", o->home);
	if (o->read_only)
		fprintf(out, " --read-only");
	if (o->keep_home)
		fprintf(out, " --keep-home");
	fputc('\n', out);
}

/* What differs between the host (registries, accounts, groups) and D. */
static int make_plan(const struct admin_ctx *ctx, const struct desired *d, struct as_registry *regs,
		     struct plan *plan)
{
	struct as_strv owners = { 0 };
	struct as_err e = { "" };
	int rc = 0;

	for (size_t i = 0; i < d->n && rc == 0; i++) {
		const struct want *w = &d->agents[i];
		struct as_registry *reg = &regs[i];
		bool have = reg->owner != NULL;
		struct admin_opts o = { .pos = { w->owner }, .npos = 1 };
		struct admin_user account;

		if (have && w->account && strcmp(w->account, reg->account) != 0) {
			rc = admin_fail(
				"%s: the registered agent is %s, the file says %s; "
				"remove it first (agent-admin remove %s)",
				w->owner, reg->account, w->account, w->owner);
			break;
		}
		if (!have || (w->profile && strcmp(w->profile, reg->profile) != 0) ||
		    (w->profiles && !admin_strv_equal(&w->pin, &reg->profiles)) ||
		    !admin_user_lookup(reg->account, &account) ||
		    !admin_in_group(reg->account, AS_AGENTS_GROUP) ||
		    !admin_in_group(w->owner, AS_USERS_GROUP)) {
			o.account = w->account;
			o.profile = w->profile;
			o.profiles = w->profiles;
			o.home = have ? NULL : w->home;
			rc = plan_push(plan, ACT_ADD, &o);
		}
		/* Revokes first: a grant of a parent would otherwise be
		 * refused as containing a shared directory. */
		for (size_t j = 0; have && j < reg->n_projects && rc == 0; j++) {
			const struct as_reg_project *p = &reg->projects[j];
			bool wanted = false;

			for (size_t k = 0; k < w->n_projects; k++)
				if (strcmp(w->projects[k].path, p->path) == 0)
					wanted = true;
			if (!wanted) {
				struct admin_opts r = { .pos = { w->owner, p->path }, .npos = 2 };

				rc = plan_push(plan, ACT_REVOKE, &r);
			}
		}
		for (size_t k = 0; k < w->n_projects && rc == 0; k++) {
			int idx = have ? as_registry_project_find(reg, w->projects[k].path) : -1;

			if (idx < 0 || reg->projects[idx].read_only != w->projects[k].read_only ||
			    reg->projects[idx].state != AS_REG_GRANTED) {
				struct admin_opts g = { .pos = { w->owner, w->projects[k].path },
							.npos = 2,
							.read_only = w->projects[k].read_only };

				rc = plan_push(plan, ACT_GRANT, &g);
			}
		}
	}
	if (rc == 0 && d->prune) {
		if (as_registry_list(ctx->regdir, &owners, &e) < 0)
			rc = admin_fail("%s", e.msg);
		for (size_t i = 0; rc == 0 && i < owners.n; i++) {
			bool listed = false;

			for (size_t j = 0; j < d->n; j++)
				if (strcmp(d->agents[j].owner, owners.v[i]) == 0)
					listed = true;
			if (!listed) {
				/* The owner string must outlive OWNERS. */
				struct admin_opts r = { .npos = 1, .keep_home = d->keep_home };

				r.pos[0] = strdup(owners.v[i]);
				if (!r.pos[0])
					rc = admin_fail("out of memory");
				else
					rc = plan_push(plan, ACT_REMOVE, &r);
			}
		}
	}
	as_strv_free(&owners);
	return rc;
}

int cmd_apply(const struct admin_ctx *ctx, const struct admin_opts *o)
{
	struct admin_ctx quiet = *ctx;
	struct as_registry *regs = NULL;
	struct desired d;
	struct plan plan = { 0 };
	int rc;

	quiet.quiet = true;
	rc = parse_desired(o->pos[0], &d);
	if (rc)
		goto out;
	regs = calloc(d.n ? d.n : 1, sizeof(*regs));
	if (!regs) {
		rc = admin_fail("out of memory");
		goto out;
	}
	/* Everything is read and checked before anything changes: a broken
	 * registry or an unknown owner stops the whole apply. */
	for (size_t i = 0; i < d.n; i++) {
		struct admin_user u;

		rc = admin_load_reg(ctx, d.agents[i].owner, &regs[i]);
		if (rc < 0 && rc != -ENOENT) {
			rc = ADMIN_EXIT_FAIL;
			goto out;
		}
		if (rc == -ENOENT && !admin_user_lookup(d.agents[i].owner, &u)) {
			rc = admin_fail("%s: owner '%s': no such user", o->pos[0],
					d.agents[i].owner);
			goto out;
		}
	}
	rc = make_plan(ctx, &d, regs, &plan);
	if (rc)
		goto out;
	for (size_t i = 0; i < plan.n; i++) {
		const struct action *a = &plan.v[i];

		print_action(ctx->out, a);
		fflush(ctx->out);
		if (o->dry_run)
			continue;
		switch (a->kind) {
		case ACT_ADD:
			rc = cmd_add(&quiet, &a->o);
			break;
		case ACT_REVOKE:
			rc = cmd_revoke(&quiet, &a->o);
			break;
		case ACT_GRANT:
			rc = cmd_grant(&quiet, &a->o);
			break;
		case ACT_REMOVE:
			rc = cmd_remove(&quiet, &a->o);
			break;
		}
		if (rc) {
			admin_fail("apply %s: stopped at the step above; fix it and re-run",
				   o->pos[0]);
			goto out;
		}
	}
	/* The egress fence of each agent whose section has egress lines. */
	for (size_t i = 0; i < d.n; i++) {
		if (!d.agents[i].egress_given)
			continue;
		quiet.dry_run = o->dry_run;
		rc = admin_egress_converge(&quiet, d.agents[i].owner, &d.agents[i].egress);
		if (rc) {
			admin_fail("apply %s: stopped at the step above; fix it and re-run",
				   o->pos[0]);
			goto out;
		}
	}
	rc = ADMIN_EXIT_OK;
out:
	for (size_t i = 0; i < plan.n; i++)
		if (plan.v[i].kind == ACT_REMOVE)
			free((char *)plan.v[i].o.pos[0]);
	free(plan.v);
	for (size_t i = 0; regs && i < d.n; i++)
		as_registry_free(&regs[i]);
	free(regs);
	admin_desired_free(&d);
	return rc;
}
