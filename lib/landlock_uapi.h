/* SPDX-License-Identifier: MIT */
/*
 * Our own statement of the Landlock user-space ABI.
 *
 * Debian 12's linux-libc-dev (Linux 6.1) stops at Landlock ABI 2, but the
 * kernels it runs on go much further, so the values below are written down
 * here, each with the ABI version and the Linux release that introduced it
 * (source of truth: include/uapi/linux/landlock.h and
 * Documentation/userspace-api/landlock.rst upstream).  The values are ABI:
 * the kernel can never change them, only add new ones.
 *
 * Macros are guarded with #ifndef so that this header and a newer
 * <linux/landlock.h> can both be included; the values are identical.  The
 * structs and the rule types carry our own names instead: the upstream
 * struct names would clash with <linux/landlock.h>, and upstream's rule
 * types are enumerators (enum landlock_rule_type), so a macro with the same
 * name would break that header if it were included after this one.
 *
 * Nothing here includes <linux/landlock.h>: the build must not depend on how
 * old the installed kernel headers are.
 */
#ifndef AS_LANDLOCK_UAPI_H
#define AS_LANDLOCK_UAPI_H

#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * The three system calls appeared together in Linux 5.13 (ABI 1), as
 * 444-446 in the unified syscall table (alpha and mips add their fixed
 * offsets), so the libc headers are the right place to get them from.
 */
#if !defined(SYS_landlock_create_ruleset) || !defined(SYS_landlock_add_rule) || \
	!defined(SYS_landlock_restrict_self)
#error "libc headers without the Landlock system calls (needs Linux >= 5.13 headers)"
#endif

/* landlock_create_ruleset() flags */
#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0) /* ABI 1, Linux 5.13 */
#endif

/* Rule types (upstream: enum landlock_rule_type). */
#define AS_LL_RULE_PATH_BENEATH 1 /* ABI 1, Linux 5.13 */
#define AS_LL_RULE_NET_PORT 2     /* ABI 4, Linux 6.7 */

/* Filesystem access rights, ABI 1 (Linux 5.13): bits 0-12. */
#ifndef LANDLOCK_ACCESS_FS_EXECUTE
#define LANDLOCK_ACCESS_FS_EXECUTE (1ULL << 0)
#endif
#ifndef LANDLOCK_ACCESS_FS_WRITE_FILE
#define LANDLOCK_ACCESS_FS_WRITE_FILE (1ULL << 1)
#endif
#ifndef LANDLOCK_ACCESS_FS_READ_FILE
#define LANDLOCK_ACCESS_FS_READ_FILE (1ULL << 2)
#endif
#ifndef LANDLOCK_ACCESS_FS_READ_DIR
#define LANDLOCK_ACCESS_FS_READ_DIR (1ULL << 3)
#endif
#ifndef LANDLOCK_ACCESS_FS_REMOVE_DIR
#define LANDLOCK_ACCESS_FS_REMOVE_DIR (1ULL << 4)
#endif
#ifndef LANDLOCK_ACCESS_FS_REMOVE_FILE
#define LANDLOCK_ACCESS_FS_REMOVE_FILE (1ULL << 5)
#endif
#ifndef LANDLOCK_ACCESS_FS_MAKE_CHAR
#define LANDLOCK_ACCESS_FS_MAKE_CHAR (1ULL << 6)
#endif
#ifndef LANDLOCK_ACCESS_FS_MAKE_DIR
#define LANDLOCK_ACCESS_FS_MAKE_DIR (1ULL << 7)
#endif
#ifndef LANDLOCK_ACCESS_FS_MAKE_REG
#define LANDLOCK_ACCESS_FS_MAKE_REG (1ULL << 8)
#endif
#ifndef LANDLOCK_ACCESS_FS_MAKE_SOCK
#define LANDLOCK_ACCESS_FS_MAKE_SOCK (1ULL << 9)
#endif
#ifndef LANDLOCK_ACCESS_FS_MAKE_FIFO
#define LANDLOCK_ACCESS_FS_MAKE_FIFO (1ULL << 10)
#endif
#ifndef LANDLOCK_ACCESS_FS_MAKE_BLOCK
#define LANDLOCK_ACCESS_FS_MAKE_BLOCK (1ULL << 11)
#endif
#ifndef LANDLOCK_ACCESS_FS_MAKE_SYM
#define LANDLOCK_ACCESS_FS_MAKE_SYM (1ULL << 12)
#endif

/* ABI 2 (Linux 5.19): link/rename across directories.  Denied by every
 * ruleset even where not handled, so on ABI 1 reparenting always fails with
 * EXDEV. */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif

/* ABI 3 (Linux 6.2): truncate(2), ftruncate(2), O_TRUNC, creat(2). */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

/* ABI 5 (Linux 6.10): ioctl(2) on character and block devices. */
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif

/* ABI 9 (Linux 7.1): connect(2), and sendmsg(2) with an address, to a
 * named (pathname) unix socket created outside the domain; allowed on a
 * rule for the socket file or a directory above it.  Sockets created
 * inside the domain stay reachable. */
#ifndef LANDLOCK_ACCESS_FS_RESOLVE_UNIX
#define LANDLOCK_ACCESS_FS_RESOLVE_UNIX (1ULL << 16)
#endif

/* Network access rights, ABI 4 (Linux 6.7): TCP ports only. */
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#endif
#ifndef LANDLOCK_ACCESS_NET_CONNECT_TCP
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif

/* IPC scopes, ABI 6 (Linux 6.12): no abstract unix socket connection and no
 * signal to a process outside the domain. */
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif

/* landlock_restrict_self() flags, ABI 7 (Linux 6.15): audit logging. */
#ifndef LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF
#define LANDLOCK_RESTRICT_SELF_LOG_SAME_EXEC_OFF (1U << 0)
#endif
#ifndef LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON
#define LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON (1U << 1)
#endif
#ifndef LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF
#define LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF (1U << 2)
#endif

/* ABI 8 (Linux 7.0): restrict every thread of the process at once, not
 * only the calling one (and set no_new_privs on the others too). */
#ifndef LANDLOCK_RESTRICT_SELF_TSYNC
#define LANDLOCK_RESTRICT_SELF_TSYNC (1U << 3)
#endif

/*
 * Argument of landlock_create_ruleset().  The struct grew over time:
 * handled_access_fs (ABI 1, Linux 5.13), handled_access_net (ABI 4, Linux
 * 6.7), scoped (ABI 6, Linux 6.12).  Passing the full size to an older
 * kernel works as long as the fields it does not know are zero (the kernel
 * copies with copy_struct_from_user(), which rejects non-zero tail bytes
 * with E2BIG).
 */
struct as_ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

/* Argument of landlock_add_rule(AS_LL_RULE_PATH_BENEATH); packed upstream
 * so that it has no trailing padding (12 bytes). */
struct as_ll_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

/* Argument of landlock_add_rule(AS_LL_RULE_NET_PORT); port in host byte
 * order. */
struct as_ll_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};

_Static_assert(sizeof(struct as_ll_ruleset_attr) == 24,
	       "landlock_ruleset_attr is 24 bytes at ABI 6");
_Static_assert(sizeof(struct as_ll_path_beneath_attr) == 12,
	       "landlock_path_beneath_attr is packed, 12 bytes");
_Static_assert(sizeof(struct as_ll_net_port_attr) == 16, "landlock_net_port_attr is 16 bytes");

/* glibc has no wrappers (nor does Debian 12's), hence raw syscall(2). */
static inline int as_ll_create_ruleset(const struct as_ll_ruleset_attr *attr, size_t size,
				       uint32_t flags)
{
	return (int)syscall(SYS_landlock_create_ruleset, attr, size, flags);
}

static inline int as_ll_add_rule(int ruleset_fd, int rule_type, const void *rule_attr,
				 uint32_t flags)
{
	return (int)syscall(SYS_landlock_add_rule, ruleset_fd, rule_type, rule_attr, flags);
}

static inline int as_ll_restrict_self(int ruleset_fd, uint32_t flags)
{
	return (int)syscall(SYS_landlock_restrict_self, ruleset_fd, flags);
}

#endif
