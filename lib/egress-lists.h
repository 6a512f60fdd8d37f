/* SPDX-License-Identifier: MIT */
/*
 * The egress list files on disk: AS_EGRESSDIR_ETC/NAME.list before
 * AS_EGRESSDIR_VENDOR/NAME.list (an admin overrides a shipped list by
 * name, as with profiles), root-owned and not group/other writable.
 * Shared by agent-admin (the fence) and agent-shell --explain.
 */
#ifndef AS_EGRESS_LISTS_H
#define AS_EGRESS_LISTS_H

#include <stddef.h>

#include "common.h"
#include "registry.h"

/* The names of every list in the two directories, sorted ("default"). */
int as_egress_shipped_lists(struct as_strv *out, struct as_err *err);

/* The lists in force for an agent: its own, or every shipped one. */
int as_egress_lists_in_force(const struct as_reg_egress *eg, struct as_strv *out,
			     struct as_err *err);

/* Appends list NAME's canonical SPECs to SPECS; PATH gets the file read.
 * -ENOENT (err set) when neither directory has it. */
int as_egress_read_list(const char *name, struct as_strv *specs, char *path, size_t len,
			struct as_err *err);

#endif
