/* SPDX-License-Identifier: MIT */
/* Capabilities (libcap-ng): drop everything, and verify it. */
#ifndef AS_CAPS_H
#define AS_CAPS_H

#include "common.h"

/*
 * Clears the effective, permitted, inheritable and ambient sets.  When the
 * process holds CAP_SETPCAP it also empties the bounding set and locks the
 * securebits so that uid 0 regains nothing on exec.  Verifies the result.
 * Returns 0 or -errno with err set.
 */
int as_caps_drop_all(struct as_err *err);

/*
 * Privileged only (needs CAP_SETPCAP): empties the bounding set and locks
 * securebits (NOROOT, NO_SETUID_FIXUP, NO_CAP_AMBIENT_RAISE, KEEP_CAPS off)
 * so no later exec, setuid-root or file-capability, regains anything.  Must
 * run before the uid switch, which takes CAP_SETPCAP away.
 */
int as_caps_clear_bounding(struct as_err *err);

/*
 * Privileged only: keeps cap alone in the effective and permitted sets,
 * clears the rest and the bounding set (as as_caps_clear_bounding), and
 * verifies.  For a root process that must live on with one power.
 * Returns 0 or -errno with err set.
 */
int as_caps_keep_only(int cap, struct as_err *err);

/* True when no capability is left in any set (bounding set included when
 * check_bounding). */
bool as_caps_none_left(bool check_bounding);

#endif
