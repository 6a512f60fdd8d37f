/* SPDX-License-Identifier: MIT */
/*
 * Pure path logic: which directory is inside which, lexical normalization,
 * and the places a grant must never share.  No system calls: callers
 * canonicalize first (realpath on an fd-checked directory) and decide
 * here, so every rule is unit-tested and fuzzed (tests/fuzz/fuzz_path.c).
 *
 * "Canonical" below means what realpath(3) returns: absolute, no empty,
 * "." or ".." component, no trailing '/' except for "/" itself.
 */
#ifndef AS_PATH_H
#define AS_PATH_H

#include <stdbool.h>
#include <stddef.h>

/* Whether canonical PATH is DIR or beneath it, component-wise: "/a/bc" is
 * not within "/a/b"; everything absolute is within "/". */
bool as_path_within(const char *path, const char *dir);

/*
 * "/a/./b//../c" -> "/a/c" into OUT (LEN bytes), lexically: symlinks are
 * not looked at, ".." above "/" stays at "/".  False when IN is not
 * absolute, or when the result, or a component on the way to it (before a
 * later ".." removes it), does not fit.
 */
bool as_path_normalize(const char *in, char *out, size_t len);

/* The parent of absolute PATH ("/" for "/x" and for "/"), truncated to
 * LEN bytes like snprintf. */
void as_path_parent(const char *path, char *out, size_t len);

/*
 * The system directory canonical PATH is in ("/etc", "/usr", ... "/lib*"
 * for /lib, /lib64, /libexec and anything else starting "/lib", "/var"
 * unless ALLOW_VAR), or NULL.  agent-admin grant refuses those.
 */
const char *as_path_system_tree(const char *path, bool allow_var);

/* How a directory to grant clashes with somebody's home. */
enum as_home_clash {
	AS_HOME_CLASH_NONE = 0,
	AS_HOME_CLASH_HOME_ROOT,   /* DIR is the parent of a human's home */
	AS_HOME_CLASH_OWN_HOME,    /* DIR is the owner's whole home */
	AS_HOME_CLASH_OTHERS_HOME, /* DIR is somebody else's home */
	AS_HOME_CLASH_CONTAINS,    /* a home is beneath DIR */
	AS_HOME_CLASH_INSIDE,      /* DIR is inside another human's home */
};

/*
 * DIR (canonical) against one account's HOME (as written in passwd, or its
 * canonical form).  HUMAN: the account is root or a person (uid >=
 * UID_MIN), whose home roots and homes are never shared; IS_OWNER: it is
 * the owner granting DIR, who may share directories inside their own
 * home but not the whole of it.  The first clash in the order above.
 */
enum as_home_clash as_path_home_clash(const char *dir, const char *home, bool human, bool is_owner);

#endif
