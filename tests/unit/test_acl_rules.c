/* SPDX-License-Identifier: MIT */
/*
 * lib/acl-rules.c, the ACL module's pure part: which entries grant,
 * revoke, check and traverse give one object, on ACLs built from text.
 * No file, no privilege (test_acl.c walks real trees).
 */
#include <acl/libacl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "acl-int.h"
#include "tap.h"

#define OWNER 1000
#define AGENT 1001
#define OTHER 1002
#define GROUP 1000

static const struct acl_rule rw = { AGENT, OWNER, false };
static const struct acl_rule ro = { AGENT, OWNER, true };

/* TEXT (acl_from_text(3) form) into a heap aclv; aborts on bad text. */
static struct aclv *from_text(const char *text)
{
	struct aclv *v = malloc(sizeof(*v));
	acl_t acl = acl_from_text(text);

	if (!v || !acl || as_aclv_from_acl(acl, v) < 0)
		abort();
	acl_free(acl);
	return v;
}

/* The entries of V in libacl's short text form, sorted, for comparison. */
static const char *to_text(struct aclv *v)
{
	static char buf[1024];
	acl_t acl = as_aclv_to_acl(v);
	char *t;

	if (!acl)
		abort();
	t = acl_to_any_text(acl, NULL, ',', TEXT_NUMERIC_IDS | TEXT_ABBREVIATE);
	snprintf(buf, sizeof(buf), "%s", t ? t : "(null)");
	acl_free(t);
	acl_free(acl);
	return buf;
}

static struct stat file(uid_t uid, mode_t mode)
{
	struct stat sb = { .st_uid = uid, .st_gid = GROUP, .st_mode = mode };

	return sb;
}

static void test_grant_access(void)
{
	struct aclv *v = from_text("u::rw-,g::r--,o::---");
	struct stat sb = file(OWNER, S_IFREG | 0640);

	ok(as_acl_rule_grant_access(&rw, v, &sb), "grant: a plain file changes");
	is_str(to_text(v), "u::rw-,u:1001:rw-,g::r--,m::rw-,o::---",
	       "grant: rw- for the agent on a file without x, a mask from the group's entry widened by it");
	ok(!as_acl_rule_grant_access(&rw, v, &sb), "grant: a granted file does not change again");
	free(v);

	v = from_text("u::rwx,g::r-x,o::---");
	sb = file(OWNER, S_IFDIR | 0750);
	as_acl_rule_grant_access(&ro, v, &sb);
	is_str(to_text(v), "u::rwx,u:1001:r-x,g::r-x,m::r-x,o::---",
	       "grant --read-only: r-x on a directory");
	free(v);

	v = from_text("u::rw-,u:1002:r--,g::---,m::r--,o::---");
	sb = file(OWNER, S_IFREG | 0600);
	as_acl_rule_grant_access(&rw, v, &sb);
	is_str(to_text(v), "u::rw-,u:1001:rw-,u:1002:r--,g::---,m::rw-,o::---",
	       "grant: the mask is widened only by what the agent needs; a third user keeps r--");
	free(v);

	v = from_text("u::rw-,u:1001:rwx,g::r--,m::rw-,o::---");
	sb = file(OWNER, S_IFREG | 0640);
	ok(!as_acl_rule_grant_access(&rw, v, &sb),
	   "grant: an inherited rwx on a file without x is already right (no rewrite)");
	free(v);

	v = from_text("u::rw-,g::r--,o::---");
	sb = file(AGENT, S_IFREG | 0640);
	as_acl_rule_grant_access(&rw, v, &sb);
	is_str(to_text(v), "u::rw-,u:1000:rw-,g::r--,m::rw-,o::---",
	       "grant: the agent's own file gets an entry for the owner");
	free(v);
}

static void test_grant_default(void)
{
	struct aclv *av = from_text("u::rwx,g::r-x,o::---");
	struct aclv *dv = from_text("u::rwx,g::r-x,o::---");

	dv->n = 0;
	ok(as_acl_rule_grant_default(&rw, dv, av),
	   "grant default: a directory without one changes");
	is_str(to_text(dv), "u::rwx,u:1000:rwx,u:1001:rwx,g::r-x,m::rwx,o::---",
	       "grant default: base entries from the access ACL, owner and agent rwx, mask rwx");
	ok(!as_acl_rule_grant_default(&rw, dv, av), "grant default: unchanged the second time");
	free(av);
	free(dv);
}

static void test_revoke(void)
{
	struct aclv *v = from_text("u::rw-,u:1001:rw-,g::r--,m::rw-,o::---");
	struct aclv *dv = from_text("u::rwx,u:1000:rwx,u:1001:rwx,g::r-x,m::rwx,o::---");

	ok(as_acl_rule_revoke_access(&rw, v), "revoke: the agent's entry goes");
	is_str(to_text(v), "u::rw-,g::r--,o::---", "revoke: nothing named left, the mask goes too");
	ok(!as_acl_rule_revoke_access(&rw, v), "revoke: a second time changes nothing");
	free(v);

	v = from_text("u::rw-,u:1001:rw-,u:1002:r--,g::---,m::rw-,o::---");
	as_acl_rule_revoke_access(&rw, v);
	is_str(to_text(v), "u::rw-,u:1002:r--,g::---,m::r--,o::---",
	       "revoke: with a third user left, the mask narrows to what remains");
	free(v);

	ok(as_acl_rule_revoke_default(&rw, dv), "revoke default: changes");
	is_str(to_text(dv), "u::rwx,g::r-x,o::---",
	       "revoke default: owner, agent and mask entries go");
	free(dv);
}

static void test_check(void)
{
	struct aclv *v = from_text("u::rw-,u:1001:rw-,g::r--,m::r--,o::---");
	struct stat sb = file(OWNER, S_IFREG | 0640);
	bool missing, narrow;

	as_acl_rule_check_access(&rw, v, &sb, &missing, &narrow);
	ok(!missing && narrow, "check: a mask hiding the agent's w is narrow, the entry is there");
	free(v);
	v = from_text("u::rw-,g::r--,o::---");
	as_acl_rule_check_access(&rw, v, &sb, &missing, &narrow);
	ok(missing && !narrow, "check: no agent entry is missing");
	free(v);

	v = from_text("u::rwx,u:1000:rwx,u:1001:rwx,g::r-x,m::rwx,o::---");
	is_int(as_acl_rule_check_default(&rw, v), DEFAULT_RIGHT,
	       "check default: grant's entries are right");
	is_int(as_acl_rule_check_default(&ro, v), DEFAULT_MISSING,
	       "check default: rwx for the agent is wrong for a read-only grant");
	free(v);
	v = from_text("u::rwx,u:1000:rwx,u:1001:rwx,g::r-x,m::r-x,o::---");
	is_int(as_acl_rule_check_default(&rw, v), DEFAULT_NARROW_MASK,
	       "check default: a default mask under rwx");
	free(v);
	v = from_text("u::rwx,u:1001:rwx,g::r-x,m::rwx,o::---");
	is_int(as_acl_rule_check_default(&rw, v), DEFAULT_MISSING, "check default: no owner entry");
	free(v);
	v = from_text("u::rwx,g::r-x,o::---");
	v->n = 0;
	is_int(as_acl_rule_check_default(&rw, v), DEFAULT_MISSING,
	       "check default: no default ACL at all");
	free(v);
}

static void test_traverse(void)
{
	struct aclv *v = from_text("u::rwx,g::r-x,o::r-x");
	struct stat sb = file(OWNER, S_IFDIR | 0755);

	is_int(as_acl_rule_traverse(v, &sb, AGENT, AGENT, (gid_t)-1), 0,
	       "traverse: a directory others may search is left alone");
	free(v);

	v = from_text("u::rwx,g::r-x,o::r--");
	sb = file(OWNER, S_IFDIR | 0754);
	is_int(as_acl_rule_traverse(v, &sb, AGENT, AGENT, (gid_t)-1), 1,
	       "traverse: o::r-- gets an entry");
	is_str(to_text(v), "u::rwx,u:1001:r-x,g::r-x,m::r-x,o::r--",
	       "traverse: the entry keeps the read other gave, plus x; the mask is the group's plus x");
	free(v);

	v = from_text("u::rwx,g::---,o::---");
	sb = file(OWNER, S_IFDIR | 0700);
	as_acl_rule_traverse(v, &sb, AGENT, AGENT, (gid_t)-1);
	is_str(to_text(v), "u::rwx,u:1001:--x,g::---,m::--x,o::---",
	       "traverse: a 0700 directory gets --x only");
	free(v);

	v = from_text("u::rwx,g::---,g:2000:---,m::---,o::r-x");
	sb = file(OWNER, S_IFDIR | 0705);
	is_int(as_acl_rule_traverse(v, &sb, AGENT, AGENT, 2000), 1,
	       "traverse: the agents' group's g::--- entry denies what other allowed");
	free(v);

	v = from_text("u::rw-,g::---,o::---");
	sb = file(AGENT, S_IFDIR | 0600);
	is_int(as_acl_rule_traverse(v, &sb, AGENT, AGENT, (gid_t)-1), -EACCES,
	       "traverse: a directory the agent owns but cannot search is refused, not changed");
	free(v);
}

static void test_shut_group(void)
{
	struct aclv *v = from_text("u::rwx,g::r-x,o::r-x");

	ok(as_acl_rule_shut_group(v, 2000), "shut: the entry is added");
	is_str(to_text(v), "u::rwx,g::r-x,g:2000:---,m::r-x,o::r-x",
	       "shut: g:GID:--- and a mask equal to the group's entry");
	ok(!as_acl_rule_shut_group(v, 2000), "shut: a second time changes nothing");
	free(v);
}

int main(void)
{
	test_grant_access();
	test_grant_default();
	test_revoke();
	test_check();
	test_traverse();
	test_shut_group();
	return tap_done();
}
