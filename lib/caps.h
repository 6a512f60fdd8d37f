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

/* True when no capability is left in any set (bounding set included when
 * check_bounding). */
bool as_caps_none_left(bool check_bounding);

#endif
