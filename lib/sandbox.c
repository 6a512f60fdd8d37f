/* SPDX-License-Identifier: MIT */
#include "sandbox.h"
#include <errno.h>
int as_sandbox_prepare(struct as_sandbox *sb, const struct as_policy *pol, const struct as_sandbox_opts *opts, struct as_err *err)
{ (void)sb; (void)pol; (void)opts; return as_fail(err, -ENOSYS, "not implemented"); }
int as_sandbox_enter(struct as_sandbox *sb, struct as_err *err) { (void)sb; return as_fail(err, -ENOSYS, "not implemented"); }
void as_sandbox_free(struct as_sandbox *sb) { (void)sb; }
void as_sandbox_explain(const struct as_sandbox *sb, FILE *out) { (void)sb; (void)out; }
