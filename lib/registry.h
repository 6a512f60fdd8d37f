/* SPDX-License-Identifier: MIT */
/*
 * The registry: one INI file per owner, AS_REGISTRYDIR/OWNER.conf, root-owned
 * 0644, written atomically (temp file, fsync, rename, fsync dir).  Read by
 * agent-admin, the helper, the PAM module and agent-shell --explain.
 *
 *   # Managed by agent-admin(8).
 *   [agent]
 *   owner = alice
 *   owner-uid = 1000
 *   account = alice-agent
 *   account-uid = 1001
 *   home = /home/alice-agent
 *   profile = default
 *   profiles = default,offline
 *   sudo = no
 *
 *   [project]
 *   path = /home/alice/src/foo
 *   access = rw
 *   traverse = /home/alice
 *   traverse = /home/alice/src
 *
 * "profiles" (optional; absent: any profile) pins the profiles the agent
 * may be run under: agent-shell, the helper and the sudo path refuse any
 * other (admin-pinned policy, agent-admin add/set --profiles).
 *
 * Each [project] section starts a new project; "path" comes first.
 * "traverse" lists the ancestors this grant gave u:ACCOUNT:--x, so revoke
 * removes exactly that (and only when no other project still needs it).
 *
 * Two more [project] keys exist only while agent-admin is (or was, when it
 * got killed) half-way through a change, so that a re-run knows what to
 * finish or undo:
 *   state = granting | revoking   (absent: granted)
 *   traverse-pending = PATH       ancestors that had no u:ACCOUNT entry just
 *                                 before a traverse grant started; any that
 *                                 has one afterwards was added by that grant
 * Readers that authorize sessions use as_registry_project_for(), which only
 * returns fully granted projects.
 *
 * The egress fence (agent-admin egress; lib/egress.h), written only when
 * it differs from the default, after the projects:
 *   [egress]
 *   mode = restricted | open    (absent: restricted)
 *   lists = default | none | NAME[,NAME...]
 *                               (absent: default, every shipped list)
 *   allow = SPEC                (repeatable; stored canonical)
 */
#ifndef AS_REGISTRY_H
#define AS_REGISTRY_H

#include <stdbool.h>
#include <sys/types.h>

#include "common.h"
#include "ini-reader.h"

enum as_reg_state {
	AS_REG_GRANTED = 0,
	AS_REG_GRANTING, /* grant started, not finished */
	AS_REG_REVOKING, /* revoke started, not finished */
};

struct as_reg_project {
	char *path; /* canonical absolute directory */
	bool read_only;
	struct as_strv traverse; /* ancestors given --x by this grant */
	enum as_reg_state state;
	struct as_strv traverse_pending; /* see "traverse-pending" above */
};

struct as_reg_egress {
	bool open;            /* mode = open: no fence for this agent */
	bool lists_set;       /* "lists" given; else every shipped list */
	struct as_strv lists; /* list names (empty with lists = none) */
	struct as_strv allow; /* canonical SPECs (lib/egress.h) */
};

struct as_registry {
	char *owner;
	uid_t owner_uid;
	char *account;
	uid_t account_uid;
	char *home;
	char *profile;           /* default profile for agent-shell */
	struct as_strv profiles; /* the only profiles allowed; empty: any */
	bool sudo;               /* a sudoers drop-in was installed */
	struct as_reg_project *projects;
	size_t n_projects;
	struct as_reg_egress egress;
};

void as_registry_init(struct as_registry *r);
void as_registry_free(struct as_registry *r);

/* Parses registry text.  Unknown sections/keys, missing required keys,
 * relative paths and malformed numbers are errors ("FILE:LINE: problem"). */
int as_registry_parse_string(struct as_registry *r, const char *text, const char *filename,
			     struct as_err *err);

/* Loads DIR/OWNER.conf; -ENOENT (err set) when there is none.  With
 * AS_TRUST_ROOT_ONLY the file must be root-owned and not group/other
 * writable (checked on the opened fd). */
int as_registry_load(struct as_registry *r, const char *dir, const char *owner, enum as_trust trust,
		     struct as_err *err);

/* Finds the registry whose account is ACCOUNT (scans DIR).  -ENOENT if none. */
int as_registry_find_by_account(struct as_registry *r, const char *dir, const char *account,
				enum as_trust trust, struct as_err *err);

/* Owners that have a registry file in DIR, sorted. */
int as_registry_list(const char *dir, struct as_strv *owners, struct as_err *err);

/* Serializes r (the exact format above). */
int as_registry_format(const struct as_registry *r, char **out, struct as_err *err);

/* Writes DIR/OWNER.conf atomically, mode 0644, owned by the caller (root). */
int as_registry_save(const struct as_registry *r, const char *dir, struct as_err *err);

/* Removes DIR/OWNER.conf (and fsyncs DIR); 0 if it did not exist. */
int as_registry_delete(const char *dir, const char *owner, struct as_err *err);

/* Index of the project that contains canonical path DIR (equal to, or
 * beneath, a project path), or -1.  Projects whose grant or revoke did not
 * finish (state != AS_REG_GRANTED) never match. */
int as_registry_project_for(const struct as_registry *r, const char *dir);

/* Index of the project whose path is exactly PATH, in any state, or -1. */
int as_registry_project_find(const struct as_registry *r, const char *path);

/* Appends an empty project (path copied, rw, AS_REG_GRANTING); returns its
 * index or -errno. */
int as_registry_project_add(struct as_registry *r, const char *path);

/* Removes project I (frees it; later indexes shift down). */
void as_registry_project_remove(struct as_registry *r, size_t i);

/*
 * The add intent: DIR/.OWNER.adding holds the account name that an add in
 * progress is creating, written (atomically) before useradd runs and
 * removed after the registry is saved.  It lets a re-run after a crash tell
 * "the account our interrupted add created" from "somebody else's account".
 * _get returns -ENOENT when there is none.
 */
int as_registry_intent_set(const char *dir, const char *owner, const char *account,
			   struct as_err *err);
int as_registry_intent_get(const char *dir, const char *owner, char **account, struct as_err *err);
int as_registry_intent_clear(const char *dir, const char *owner, struct as_err *err);

/*
 * Parses a profile list, "NAME[,NAME...]" (no blanks, no duplicates, each a
 * valid profile name), into OUT, which must be empty; "all" gives an empty
 * OUT (any profile).  Returns 0 or -EINVAL/-ENOMEM with err set.
 */
int as_registry_parse_profiles(const char *list, struct as_strv *out, struct as_err *err);

/* Joins a profile list with SEP ("all" when it is empty); NULL on ENOMEM. */
char *as_registry_join_profiles(const struct as_strv *profiles, const char *sep);

/* Whether profile NAME may be used under r's pin (any, when none). */
bool as_registry_profile_allowed(const struct as_registry *r, const char *name);

/* Whether a value can be stored in the registry (no control characters,
 * no leading/trailing space, no ';' or '#', fits the system inih's 200-byte
 * line limit with its key).  err says why not. */
bool as_registry_value_ok(const char *key, const char *value, struct as_err *err);

/* The INI reader the registry, site file and apply file share: lib/ini-reader.h. */

#endif
