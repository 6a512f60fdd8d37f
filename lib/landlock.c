/* SPDX-License-Identifier: MIT */
/* Placeholder until the Landlock implementation lands. */
#include "landlock.h"

#include <errno.h>
#include <string.h>

int as_landlock_probe(void) { return -ENOSYS; }
void as_landlock_caps_for_abi(int abi, struct as_landlock_caps *out) { memset(out, 0, sizeof(*out)); out->abi = abi; }
int as_landlock_plan(const struct as_policy *pol, int abi, struct as_landlock_plan *plan, struct as_err *err)
{ (void)pol; (void)abi; memset(plan, 0, sizeof(*plan)); return as_fail(err, -ENOSYS, "landlock: not implemented"); }
void as_landlock_plan_free(struct as_landlock_plan *plan) { free(plan->paths); as_strv_free(&plan->dropped); }
int as_landlock_build(const struct as_landlock_plan *plan, struct as_err *err) { (void)plan; return as_fail(err, -ENOSYS, "landlock: not implemented"); }
int as_landlock_enforce(int fd, const struct as_landlock_plan *plan, struct as_err *err) { (void)fd; (void)plan; return as_fail(err, -ENOSYS, "landlock: not implemented"); }
void as_landlock_format_fs(uint64_t access, char *buf, size_t len) { (void)access; if (len) buf[0] = 0; }
void as_landlock_explain(const struct as_landlock_plan *plan, FILE *out) { (void)plan; (void)out; }
