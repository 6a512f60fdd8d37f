/* SPDX-License-Identifier: MIT */
/* Placeholder until the seccomp implementation lands. */
#include "seccomp.h"

#include <errno.h>

int as_seccomp_check_name(const char *name, struct as_err *err) { (void)name; return as_fail(err, -ENOSYS, "seccomp: not implemented"); }
int as_seccomp_build(const struct as_policy *pol, struct as_seccomp **out, struct as_err *err) { (void)pol; *out = NULL; return as_fail(err, -ENOSYS, "seccomp: not implemented"); }
int as_seccomp_load(struct as_seccomp *sc, struct as_err *err) { (void)sc; return as_fail(err, -ENOSYS, "seccomp: not implemented"); }
void as_seccomp_free(struct as_seccomp *sc) { (void)sc; }
void as_seccomp_explain(const struct as_policy *pol, FILE *out) { (void)pol; (void)out; }
