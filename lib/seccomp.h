/* SPDX-License-Identifier: MIT */
/*
 * seccomp (libseccomp): a default-allow filter that returns EPERM for the
 * kernel attack surface and escape routes, ENOSYS for clone3 and for syscall
 * numbers newer than the table knows, and kills non-native ABIs.
 */
#ifndef AS_SECCOMP_H
#define AS_SECCOMP_H

#include <stdio.h>

#include "common.h"
#include "policy.h"

/* Checks a name a profile may deny: a syscall libseccomp or our own number
 * table knows, or a "@group" we define.  Returns 0 or -EINVAL with err set. */
int as_seccomp_check_name(const char *name, struct as_err *err);

struct as_seccomp;

/* Builds the filter for pol (default set + pol->seccomp_deny).  Nothing is
 * loaded yet.  Returns 0 or -errno with err set. */
int as_seccomp_build(const struct as_policy *pol, struct as_seccomp **out, struct as_err *err);

/* Loads the filter into the calling thread (needs no_new_privs).  This must be
 * the last restriction: after it, no more syscalls of the setup are allowed
 * to be surprising.  Returns 0 or -errno with err set. */
int as_seccomp_load(struct as_seccomp *sc, struct as_err *err);

void as_seccomp_free(struct as_seccomp *sc);

/* Writes the default rules (no profile additions) as the raw BPF program
 * libseccomp generates for this architecture: what lib/seccomp-gen.c embeds
 * at build time, and what the test compares the embedded copy with. */
int as_seccomp_export_default_bpf(int fd, struct as_err *err);

/* Writes the built filter as libseccomp's pseudo filter code (PFC) to fd,
 * for debugging and for tests that check a rule no kernel can show (ENOSYS
 * for a syscall this kernel lacks anyway).  Returns 0 or -errno. */
int as_seccomp_export_pfc(const struct as_seccomp *sc, int fd, struct as_err *err);

/* Writes the seccomp part of --explain. */
void as_seccomp_explain(const struct as_policy *pol, FILE *out);

#endif
