/* SPDX-License-Identifier: MIT */
/* Pure path logic (lib/path.c): containment, lexical normalization,
 * parents, system trees and home clashes. */
#include <limits.h>
#include <string.h>

#include "path.h"
#include "tap.h"

static void test_within(void)
{
	ok(as_path_within("/a/b", "/a/b"), "within: a directory is within itself");
	ok(as_path_within("/a/b/c", "/a/b"), "within: a child");
	ok(as_path_within("/a/b/c/d", "/a/b"), "within: a grandchild");
	ok(!as_path_within("/a/bc", "/a/b"), "within: a sibling sharing the prefix is not");
	ok(!as_path_within("/a/b-old/x", "/a/b"), "within: nor one with a '-' after the prefix");
	ok(!as_path_within("/a", "/a/b"), "within: the parent is not");
	ok(as_path_within("/", "/"), "within: / is within /");
	ok(as_path_within("/x/y", "/"), "within: everything absolute is within /");
	ok(!as_path_within("relative", "/"), "within: a relative path is not within /");
	ok(!as_path_within("/etcetera", "/etc"), "within: /etcetera is not in /etc");
}

static void normal(const char *in, const char *want, const char *name)
{
	char out[PATH_MAX];

	if (!ok(as_path_normalize(in, out, sizeof(out)), "normalize: %s succeeds", name))
		return;
	is_str(out, want, "normalize: %s", name);
}

static void test_normalize(void)
{
	char out[8];

	normal("/a/./b//../c", "/a/c", "'.', '//' and '..'");
	normal("/", "/", "the root");
	normal("//", "/", "a double slash");
	normal("/..", "/", "'..' above the root stays at the root");
	normal("/../../a", "/a", "several '..' above the root");
	normal("/a/b/", "/a/b", "a trailing slash goes");
	normal("/a/b/..", "/a", "a trailing '..'");
	normal("/a/b/../..", "/", "back to the root");
	normal("/.../a", "/.../a", "'...' is a name");
	normal("/a/.b/..c", "/a/.b/..c", "names starting with dots are names");
	ok(!as_path_normalize("a/b", out, sizeof(out)), "normalize: a relative path is refused");
	ok(!as_path_normalize("", out, sizeof(out)), "normalize: an empty path is refused");
	ok(as_path_normalize("/abcdef", out, sizeof(out)),
	   "normalize: a result of len-1 bytes fits");
	is_str(out, "/abcdef", "normalize: ... whole");
	ok(!as_path_normalize("/abcdefg", out, sizeof(out)),
	   "normalize: one byte more does not fit");
	ok(as_path_normalize("/abcdefgh/..", out, sizeof(out)) == false,
	   "normalize: an intermediate component that does not fit is refused");
	ok(!as_path_normalize("/", out, 1), "normalize: a 1-byte buffer cannot hold '/'");
}

static void parent(const char *in, const char *want)
{
	char out[PATH_MAX];

	as_path_parent(in, out, sizeof(out));
	is_str(out, want, "parent: of '%s'", in);
}

static void test_parent(void)
{
	char small[4];

	parent("/home/alice", "/home");
	parent("/home", "/");
	parent("/", "/");
	parent("/a/b/c", "/a/b");
	as_path_parent("/abcdef/x", small, sizeof(small));
	is_str(small, "/ab", "parent: truncated to the buffer like snprintf");
}

static void test_system_tree(void)
{
	is_str(as_path_system_tree("/etc", false), "/etc", "system: /etc itself");
	is_str(as_path_system_tree("/usr/local/src", false), "/usr", "system: beneath /usr");
	is_str(as_path_system_tree("/proc/self/root", false), "/proc", "system: /proc");
	is_str(as_path_system_tree("/lib64", false), "/lib*", "system: /lib64");
	is_str(as_path_system_tree("/libexec/x", false), "/lib*", "system: /libexec");
	is_str(as_path_system_tree("/var/lib/x", false), "/var",
	       "system: /var without --allow-var");
	ok(as_path_system_tree("/var/lib/x", true) == NULL, "system: /var with --allow-var");
	ok(as_path_system_tree("/etcetera", false) == NULL, "system: /etcetera is not /etc");
	ok(as_path_system_tree("/home/alice/src", false) == NULL,
	   "system: a home directory is not");
	ok(as_path_system_tree("/srv/data", false) == NULL, "system: /srv is not");
	ok(as_path_system_tree("/", false) == NULL, "system: / itself is refused elsewhere");
}

static void test_home_clash(void)
{
	is_int(as_path_home_clash("/home", "/home/bob", true, false), AS_HOME_CLASH_HOME_ROOT,
	       "home: the parent of a human's home is a home root");
	is_int(as_path_home_clash("/home", "/home/bob-agent", false, false), AS_HOME_CLASH_CONTAINS,
	       "home: the parent of an agent's home contains it");
	is_int(as_path_home_clash("/", "/x", true, false), AS_HOME_CLASH_CONTAINS,
	       "home: / is never a home root, but contains every home");
	is_int(as_path_home_clash("/home/alice", "/home/alice", true, true), AS_HOME_CLASH_OWN_HOME,
	       "home: the owner's whole home");
	is_int(as_path_home_clash("/home/bob", "/home/bob", true, false), AS_HOME_CLASH_OTHERS_HOME,
	       "home: somebody else's home");
	is_int(as_path_home_clash("/srv/svc", "/srv/svc", false, false), AS_HOME_CLASH_OTHERS_HOME,
	       "home: a system account's home");
	is_int(as_path_home_clash("/srv", "/srv/svc", false, false), AS_HOME_CLASH_CONTAINS,
	       "home: a directory holding a system account's home");
	is_int(as_path_home_clash("/home/bob/src", "/home/bob", true, false), AS_HOME_CLASH_INSIDE,
	       "home: inside another human's home");
	is_int(as_path_home_clash("/home/alice/src", "/home/alice", true, true), AS_HOME_CLASH_NONE,
	       "home: inside the owner's own home is fine");
	is_int(as_path_home_clash("/srv/svc/data", "/srv/svc", false, false), AS_HOME_CLASH_NONE,
	       "home: inside a system account's home is not refused here");
	is_int(as_path_home_clash("/home/bobby", "/home/bob", true, false), AS_HOME_CLASH_NONE,
	       "home: a sibling sharing the prefix does not clash");
}

int main(void)
{
	test_within();
	test_normalize();
	test_parent();
	test_system_tree();
	test_home_clash();
	return tap_done();
}
