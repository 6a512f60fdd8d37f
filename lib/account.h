/* SPDX-License-Identifier: MIT */
/*
 * Accounts and groups through the system's own tools (useradd, groupadd,
 * usermod, gpasswd, userdel), executed by absolute path with an argv and a
 * fixed environment, never through a shell.
 */
#ifndef AS_ACCOUNT_H
#define AS_ACCOUNT_H

#include <stdbool.h>
#include <sys/types.h>

#include "common.h"

/* Names as useradd accepts them: [a-z_][a-z0-9_-]*[$]?, at most 32 bytes. */
bool as_account_name_valid(const char *name, struct as_err *err);

/* Runs ARGV[0] (an absolute path) with ARGV and a minimal environment;
 * waits.  Returns the exit status (>= 0) or -errno; err names the command
 * and its status. */
int as_run(const char *const argv[], struct as_err *err);

#endif
