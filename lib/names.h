/* SPDX-License-Identifier: MIT */
/*
 * Name checks for accounts, owners and profiles.  Pure: no I/O, and no
 * lib/ module but common (the error buffer), so the privileged programs
 * link them without account creation or the profile parser.
 */
#ifndef AS_NAMES_H
#define AS_NAMES_H

#include <stdbool.h>

#include "common.h"

/* Names as useradd accepts them: [a-z_][a-z0-9_-]*[$]?, at most 32 bytes. */
bool as_account_name_valid(const char *name, struct as_err *err);

/* Owner names come from NSS (LDAP, SSSD), which is more liberal than
 * useradd: [A-Za-z0-9_][A-Za-z0-9._-]*[$]?, at most 32 bytes.  Never '/',
 * ':', whitespace or control characters, so a name is never a path. */
bool as_owner_name_valid(const char *name, struct as_err *err);

/* Profile names: [a-z0-9][a-z0-9._-]{0,63}, so a name is never a path. */
bool as_profile_name_valid(const char *name);

#endif
