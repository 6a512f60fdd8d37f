/* SPDX-License-Identifier: MIT */
/* Placeholder until the profile parser lands. */
#include "profile.h"

#include <errno.h>

bool as_profile_name_valid(const char *name) { (void)name; return false; }
int as_profile_load(struct as_policy *pol, const char *name, const struct as_profile_opts *opts, struct as_err *err)
{ (void)pol; (void)name; (void)opts; return as_fail(err, -ENOSYS, "profiles: not implemented"); }
int as_profile_load_file(struct as_policy *pol, const char *path, const struct as_profile_opts *opts, struct as_err *err)
{ (void)pol; (void)path; (void)opts; return as_fail(err, -ENOSYS, "profiles: not implemented"); }
int as_profile_parse_string(struct as_policy *pol, const char *text, const char *filename, const struct as_profile_opts *opts, struct as_err *err)
{ (void)pol; (void)text; (void)filename; (void)opts; return as_fail(err, -ENOSYS, "profiles: not implemented"); }
