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
#include "names.h" /* as_account_name_valid, as_owner_name_valid */

/* Groups that give root, devices, logs or other users' data around every
 * layer (sudo, docker, disk, shadow, ...); NULL-terminated.  An agent
 * account must be in none: agent-admin add takes it out, check reports
 * it, and every session start refuses it (lib/session.c). */
extern const char *const as_privileged_groups[];

/* UID_MIN from /etc/login.defs (1000 if absent or unreadable): accounts
 * below it are system accounts. */
uid_t as_uid_min(void);

/* Runs ARGV[0] (an absolute path) with ARGV and a minimal environment
 * (PATH, LC_ALL=C), stdin and stdout on /dev/null; waits.  Returns the exit
 * status (>= 0; 128+N when killed by signal N) or -errno.  When the status
 * is not 0, err names the command, its status and the last line it wrote
 * on stderr (which is otherwise discarded). */
int as_run(const char *const argv[], struct as_err *err);

#endif
