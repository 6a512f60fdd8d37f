/* SPDX-License-Identifier: MIT */
/*
 * The ACL module's pure part (acl-int.h): an ACL as a small array, what
 * grant, revoke, check, traverse and the group shut-out make of one, and
 * the access check of acl(5).  No system calls: libacl is used only for
 * its in-memory form.
 */
#include "acl-int.h"

#include <acl/libacl.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool is_named(acl_tag_t tag)
{
	return tag == ACL_USER || tag == ACL_GROUP;
}

struct acl_ent *as_aclv_find(struct aclv *v, acl_tag_t tag, id_t id)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->e[i].tag == tag && (!is_named(tag) || v->e[i].id == id))
			return &v->e[i];
	return NULL;
}

const struct acl_ent *as_aclv_cfind(const struct aclv *v, acl_tag_t tag, id_t id)
{
	return as_aclv_find((struct aclv *)v, tag, id);
}

/* Sets TAG[:ID] to exactly PERM; true if that changed anything. */
bool as_aclv_set(struct aclv *v, acl_tag_t tag, id_t id, unsigned int perm)
{
	struct acl_ent *e = as_aclv_find(v, tag, id);

	if (e) {
		if (e->perm == perm)
			return false;
		e->perm = perm;
		return true;
	}
	if (v->n == ACLV_MAX)
		return false; /* callers check as_aclv_full() first */
	v->e[v->n++] = (struct acl_ent){ tag, is_named(tag) ? id : ACL_UNDEFINED_ID, perm };
	return true;
}

bool as_aclv_full(const struct aclv *v)
{
	return v->n >= ACLV_MAX - 4;
}

bool as_aclv_remove(struct aclv *v, acl_tag_t tag, id_t id)
{
	struct acl_ent *e = as_aclv_find(v, tag, id);

	if (!e)
		return false;
	*e = v->e[--v->n];
	return true;
}

bool as_aclv_has_named(const struct aclv *v)
{
	for (size_t i = 0; i < v->n; i++)
		if (is_named(v->e[i].tag))
			return true;
	return false;
}

/* The group class of acl(5): named users, the owning group, named groups;
 * the entries a mask limits. */
static unsigned int aclv_group_class(const struct aclv *v)
{
	unsigned int u = 0;

	for (size_t i = 0; i < v->n; i++)
		if (v->e[i].tag == ACL_USER || v->e[i].tag == ACL_GROUP_OBJ ||
		    v->e[i].tag == ACL_GROUP)
			u |= v->e[i].perm;
	return u;
}

static unsigned int perm_of(acl_entry_t ent)
{
	acl_permset_t ps;
	unsigned int p = 0;

	if (acl_get_permset(ent, &ps) < 0)
		return 0;
	if (acl_get_perm(ps, ACL_READ) == 1)
		p |= P_R;
	if (acl_get_perm(ps, ACL_WRITE) == 1)
		p |= P_W;
	if (acl_get_perm(ps, ACL_EXECUTE) == 1)
		p |= P_X;
	return p;
}

int as_aclv_from_acl(acl_t acl, struct aclv *v)
{
	acl_entry_t ent;
	int r;

	v->n = 0;
	for (r = acl_get_entry(acl, ACL_FIRST_ENTRY, &ent); r == 1;
	     r = acl_get_entry(acl, ACL_NEXT_ENTRY, &ent)) {
		struct acl_ent *e;

		if (v->n == ACLV_MAX)
			return -E2BIG;
		e = &v->e[v->n++];
		if (acl_get_tag_type(ent, &e->tag) < 0)
			return -errno;
		e->id = ACL_UNDEFINED_ID;
		if (is_named(e->tag)) {
			id_t *q = acl_get_qualifier(ent);

			if (!q)
				return -errno;
			e->id = *q;
			acl_free(q);
		}
		e->perm = perm_of(ent);
	}
	return r < 0 ? -errno : 0;
}

/* The kernel's xattr form (include/uapi/linux/posix_acl_xattr.h): a
 * little-endian u32 version 2, then entries of u16 tag, u16 perm, u32 id.
 * The tag and perm values are the ones libacl uses. */
int as_aclv_from_xattr(const unsigned char *b, size_t len, struct aclv *v)
{
	size_t n;

	if (len < 4 || (len - 4) % 8 ||
	    (b[0] | b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24) != 2)
		return -EINVAL;
	n = (len - 4) / 8;
	if (n > ACLV_MAX)
		return -E2BIG;
	v->n = n;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *p = b + 4 + 8 * i;
		struct acl_ent *e = &v->e[i];

		e->tag = p[0] | p[1] << 8;
		e->perm = p[2] & P_RWX;
		e->id = is_named(e->tag) ? (id_t)(p[4] | p[5] << 8 | (uint32_t)p[6] << 16 |
						  (uint32_t)p[7] << 24) :
					   ACL_UNDEFINED_ID;
	}
	return 0;
}

/* No ACL stored: the mode is the ACL (acl(5), minimal ACL). */
void as_aclv_from_mode(mode_t mode, struct aclv *v)
{
	v->n = 3;
	v->e[0] = (struct acl_ent){ ACL_USER_OBJ, ACL_UNDEFINED_ID, (mode >> 6) & P_RWX };
	v->e[1] = (struct acl_ent){ ACL_GROUP_OBJ, ACL_UNDEFINED_ID, (mode >> 3) & P_RWX };
	v->e[2] = (struct acl_ent){ ACL_OTHER, ACL_UNDEFINED_ID, mode & P_RWX };
}

static int ent_cmp(const void *a, const void *b)
{
	const struct acl_ent *x = a, *y = b;

	if (x->tag != y->tag)
		return x->tag < y->tag ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return 0;
}

/* The kernel wants entries in tag order, ids ascending within a tag
 * (posix_acl_valid()); libacl's tag values are already in that order. */
acl_t as_aclv_to_acl(struct aclv *v)
{
	acl_t acl;

	qsort(v->e, v->n, sizeof(v->e[0]), ent_cmp);
	acl = acl_init((int)v->n);
	if (!acl)
		return NULL;
	for (size_t i = 0; i < v->n; i++) {
		const struct acl_ent *e = &v->e[i];
		acl_entry_t ent;
		acl_permset_t ps;

		if (acl_create_entry(&acl, &ent) < 0 || acl_set_tag_type(ent, e->tag) < 0 ||
		    (is_named(e->tag) && acl_set_qualifier(ent, &e->id) < 0) ||
		    acl_get_permset(ent, &ps) < 0 || acl_clear_perms(ps) < 0 ||
		    ((e->perm & P_R) && acl_add_perm(ps, ACL_READ) < 0) ||
		    ((e->perm & P_W) && acl_add_perm(ps, ACL_WRITE) < 0) ||
		    ((e->perm & P_X) && acl_add_perm(ps, ACL_EXECUTE) < 0) ||
		    acl_set_permset(ent, ps) < 0) {
			int e_ = errno;

			acl_free(acl);
			errno = e_;
			return NULL;
		}
	}
	return acl;
}

/*
 * acl(5), ACCESS CHECK ALGORITHM, for one requested set WANT, for a process
 * in the groups GID and GID2 ((gid_t)-1: none).  Agent accounts are in no
 * group that grants anything in a project tree; the one supplementary group
 * that matters is the agents' group, whose g:agent-shell-agents:--- entry
 * on owners' homes and grants denies (as_acl_shut_group), so the traverse
 * step passes it as GID2.  Other supplementary groups are ignored (an
 * ancestor reachable only through one gets an explicit entry, which is
 * harmless).
 */
static bool aclv_may_groups(const struct aclv *v, uid_t fuid, gid_t fgid, uid_t uid, gid_t gid,
			    gid_t gid2, unsigned int want)
{
	const struct acl_ent *m = as_aclv_cfind(v, ACL_MASK, 0), *e;
	unsigned int mask = m ? m->perm : P_RWX;
	bool matched = false;

	if (uid == fuid) {
		e = as_aclv_cfind(v, ACL_USER_OBJ, 0);
		return e && (e->perm & want) == want;
	}
	e = as_aclv_cfind(v, ACL_USER, uid);
	if (e)
		return (e->perm & mask & want) == want;
	/* "if the ACL_MASK entry and any of the matching ACL_GROUP_OBJ or
	 * ACL_GROUP entries contain the requested permissions": one entry
	 * must hold all of WANT. */
	for (size_t i = 0; i < v->n; i++) {
		e = &v->e[i];
		if ((e->tag == ACL_GROUP_OBJ && (gid == fgid || gid2 == fgid)) ||
		    (e->tag == ACL_GROUP &&
		     (e->id == gid || (gid2 != (gid_t)-1 && e->id == gid2)))) {
			matched = true;
			if ((e->perm & mask & want) == want)
				return true;
		}
	}
	if (matched)
		return false;
	e = as_aclv_cfind(v, ACL_OTHER, 0);
	return e && (e->perm & want) == want;
}

static bool aclv_may(const struct aclv *v, uid_t fuid, gid_t fgid, uid_t uid, gid_t gid,
		     unsigned int want)
{
	return aclv_may_groups(v, fuid, fgid, uid, gid, (gid_t)-1, want);
}

/* The single rights the check grants (each bit asked for on its own). */
static unsigned int aclv_granted(const struct aclv *v, uid_t fuid, gid_t fgid, uid_t uid, gid_t gid,
				 gid_t gid2)
{
	unsigned int p = 0;

	for (unsigned int bit = P_X; bit <= P_R; bit <<= 1)
		if (aclv_may_groups(v, fuid, fgid, uid, gid, gid2, bit))
			p |= bit;
	return p;
}

int as_acl_may(const char *acl_text, uid_t file_uid, gid_t file_gid, uid_t uid, gid_t gid,
	       unsigned int want)
{
	struct aclv *v;
	acl_t acl;
	int r;

	acl = acl_from_text(acl_text);
	if (!acl)
		return -EINVAL;
	v = malloc(sizeof(*v));
	if (!v) {
		acl_free(acl);
		return -ENOMEM;
	}
	r = as_aclv_from_acl(acl, v);
	if (r == 0)
		r = aclv_may(v, file_uid, file_gid, uid, gid, want);
	free(v);
	acl_free(acl);
	return r;
}

/* ----------------------------------------------------------- the rules */

/* setfacl's "X": execute only for directories and for files that already
 * have an execute bit for someone. */
static bool x_ok(const struct stat *sb)
{
	return S_ISDIR(sb->st_mode) || (sb->st_mode & 0111);
}

static unsigned int agent_want(const struct acl_rule *c, const struct stat *sb)
{
	unsigned int p = c->read_only ? P_R : P_R | P_W;

	return x_ok(sb) ? p | P_X : p;
}

/*
 * An agent entry is right when it is exactly what grant writes, or, on a
 * file without any execute bit, that plus x: a file created in a granted
 * directory inherits d:u:AGENT:rwx, and since its mode (hence its mask, the
 * mode's group bits under acl(5)) has no x, the effective rights are the
 * same.  Rewriting those would make every re-grant touch every new file.
 */
static bool agent_entry_ok(unsigned int have, unsigned int want, bool xok)
{
	return have == want || (!xok && have == (want | P_X));
}

/*
 * What the mask has to let through: the agent's rights and, where the
 * owner has a named entry (files the agent created inherit u:OWNER from
 * the default ACL), the owner's read/write (and x where the file has it).
 */
static unsigned int mask_need(const struct acl_rule *c, const struct aclv *v, const struct stat *sb)
{
	const struct acl_ent *e;
	unsigned int need = 0, xbits = x_ok(sb) ? P_RWX : P_R | P_W;

	if (sb->st_uid != c->agent) {
		e = as_aclv_cfind(v, ACL_USER, c->agent);
		if (e)
			need |= e->perm & xbits;
	}
	if (sb->st_uid != c->owner) {
		e = as_aclv_cfind(v, ACL_USER, c->owner);
		if (e)
			need |= e->perm & xbits;
	}
	return need;
}

/*
 * Access ACL for grant.  The mask is only widened by what the agent and the
 * owner need, never recomputed as the union of all group-class entries
 * (setfacl's default): that would silently widen a third party's effective
 * rights.  A new mask starts from the owning group's entry, so the group's
 * effective rights stay what its mode bits said (acl(5): with a mask, the
 * mode's group bits show the mask, and ACL_GROUP_OBJ is what the group gets).
 */
bool as_acl_rule_grant_access(const struct acl_rule *c, struct aclv *v, const struct stat *sb)
{
	bool changed = false, xok = x_ok(sb);
	const struct acl_ent *go;
	struct acl_ent *e, *m;
	unsigned int need;

	if (sb->st_uid != c->agent) {
		unsigned int want = agent_want(c, sb);

		e = as_aclv_find(v, ACL_USER, c->agent);
		if (!e || !agent_entry_ok(e->perm, want, xok))
			changed |= as_aclv_set(v, ACL_USER, c->agent, want);
	} else if (sb->st_uid != c->owner) {
		/* The agent's own file (moved in, or created before the
		 * default ACL existed): the owner must be able to use it,
		 * which is the point of a shared tree. */
		unsigned int ow = xok ? P_RWX : P_R | P_W;

		e = as_aclv_find(v, ACL_USER, c->owner);
		if (!e || (e->perm & ow) != ow)
			changed |= as_aclv_set(v, ACL_USER, c->owner, (e ? e->perm : 0) | ow);
	}
	need = mask_need(c, v, sb);
	m = as_aclv_find(v, ACL_MASK, 0);
	if (!m) {
		if (as_aclv_has_named(v)) {
			go = as_aclv_cfind(v, ACL_GROUP_OBJ, 0);
			as_aclv_set(v, ACL_MASK, 0, (go ? go->perm : 0) | need);
			changed = true;
		}
	} else if ((m->perm & need) != need) {
		m->perm |= need;
		changed = true;
	}
	return changed;
}

/*
 * Default ACL for grant (directories): files and directories created later
 * by either side inherit the entries (acl(5), OBJECT CREATION AND DEFAULT
 * ACLs).  A default ACL needs the three base entries; without one yet they
 * are copied from the directory's own access ACL, so new files get the
 * permissions the directory's mode implied.  The default mask is rwx: the
 * mode argument of open/mkdir narrows it per file, umask does not apply
 * when a default ACL exists.
 */
bool as_acl_rule_grant_default(const struct acl_rule *c, struct aclv *dv, const struct aclv *av)
{
	bool changed = false;

	if (dv->n == 0) {
		static const acl_tag_t base[] = { ACL_USER_OBJ, ACL_GROUP_OBJ, ACL_OTHER };

		for (size_t i = 0; i < AS_ARRAY_SIZE(base); i++) {
			const struct acl_ent *e = as_aclv_cfind(av, base[i], 0);

			as_aclv_set(dv, base[i], 0, e ? e->perm : 0);
		}
		changed = true;
	}
	changed |= as_aclv_set(dv, ACL_USER, c->agent, c->read_only ? P_R | P_X : P_RWX);
	changed |= as_aclv_set(dv, ACL_USER, c->owner, P_RWX);
	changed |= as_aclv_set(dv, ACL_MASK, 0, P_RWX);
	return changed;
}

/*
 * After named entries were removed: with none left, drop the mask so the
 * ACL is minimal again (the kernel then stores only the mode, with the
 * group bits from ACL_GROUP_OBJ); otherwise narrow the mask to what the
 * remaining entries can use, which changes nobody's effective rights but
 * takes back what was widened for the agent.
 */
bool as_acl_rule_fix_mask(struct aclv *v)
{
	struct acl_ent *m;
	unsigned int nm;

	if (!as_aclv_has_named(v))
		return as_aclv_remove(v, ACL_MASK, 0);
	m = as_aclv_find(v, ACL_MASK, 0);
	if (!m)
		return false;
	nm = m->perm & aclv_group_class(v);
	if (nm == m->perm)
		return false;
	m->perm = nm;
	return true;
}

bool as_acl_rule_revoke_access(const struct acl_rule *c, struct aclv *v)
{
	if (!as_aclv_remove(v, ACL_USER, c->agent))
		return false;
	as_acl_rule_fix_mask(v);
	return true;
}

bool as_acl_rule_revoke_default(const struct acl_rule *c, struct aclv *dv)
{
	bool changed = false;

	changed |= as_aclv_remove(dv, ACL_USER, c->agent);
	changed |= as_aclv_remove(dv, ACL_USER, c->owner);
	if (changed)
		as_acl_rule_fix_mask(dv);
	return changed;
}

/* What check finds wrong with one access ACL. */
void as_acl_rule_check_access(const struct acl_rule *c, const struct aclv *v, const struct stat *sb,
			      bool *missing, bool *narrow)
{
	const struct acl_ent *e, *m;
	unsigned int need;

	*missing = false;
	if (sb->st_uid != c->agent) {
		e = as_aclv_cfind(v, ACL_USER, c->agent);
		*missing = !e || !agent_entry_ok(e->perm, agent_want(c, sb), x_ok(sb));
	}
	need = mask_need(c, v, sb);
	m = as_aclv_cfind(v, ACL_MASK, 0);
	*narrow = need && (!m || (m->perm & need) != need);
}

/* What check finds wrong with a directory's default ACL: the entries
 * grant writes, then its rwx mask. */
enum acl_default_fault as_acl_rule_check_default(const struct acl_rule *c, const struct aclv *dv)
{
	const struct acl_ent *e, *m;

	e = as_aclv_cfind(dv, ACL_USER, c->agent);
	if (!e || e->perm != (c->read_only ? P_R | P_X : P_RWX) ||
	    !(e = as_aclv_cfind(dv, ACL_USER, c->owner)) || e->perm != P_RWX)
		return DEFAULT_MISSING;
	m = as_aclv_cfind(dv, ACL_MASK, 0);
	if (!m || m->perm != P_RWX)
		return DEFAULT_NARROW_MASK;
	return DEFAULT_RIGHT;
}

/*
 * Where g:GID is on PATH's access ACL.  Adding it with no rights changes
 * nobody else's: a mask already there is kept (the entry adds nothing to
 * the group class it limits), and a new one is the owning group's entry,
 * so the group bits ls -l shows (the mask's, acl(5)) and the owning
 * group's effective rights stay what the mode said.
 */
bool as_acl_rule_shut_group(struct aclv *v, gid_t gid)
{
	bool changed = as_aclv_set(v, ACL_GROUP, gid, 0);

	if (changed && !as_aclv_find(v, ACL_MASK, 0)) {
		const struct acl_ent *go = as_aclv_cfind(v, ACL_GROUP_OBJ, 0);

		as_aclv_set(v, ACL_MASK, 0, go ? go->perm : 0);
	}
	return changed;
}

/*
 * One ancestor: if the agent cannot search it, give it a named entry with
 * x.  The entry keeps whatever the agent could already do through its
 * group or other class (a named user entry takes precedence over those in
 * acl(5), so --x alone could take read away).  The mask, which limits
 * named entries, gets x; the owning group's effective rights do not change
 * since they are ACL_GROUP_OBJ & mask and a new mask starts from
 * ACL_GROUP_OBJ.
 */
int as_acl_rule_traverse(struct aclv *v, const struct stat *sb, uid_t agent, gid_t gid, gid_t gid2)
{
	struct acl_ent *e, *m;
	unsigned int p;

	if (aclv_may_groups(v, sb->st_uid, sb->st_gid, agent, gid, gid2, P_X))
		return 0;
	if (sb->st_uid == agent)
		return -EACCES;
	e = as_aclv_find(v, ACL_USER, agent);
	p = (e ? e->perm : aclv_granted(v, sb->st_uid, sb->st_gid, agent, gid, gid2)) | P_X;
	as_aclv_set(v, ACL_USER, agent, p);
	m = as_aclv_find(v, ACL_MASK, 0);
	if (m) {
		m->perm |= P_X;
	} else {
		const struct acl_ent *go = as_aclv_cfind(v, ACL_GROUP_OBJ, 0);

		as_aclv_set(v, ACL_MASK, 0, (go ? go->perm : 0) | P_X);
	}
	return 1;
}
