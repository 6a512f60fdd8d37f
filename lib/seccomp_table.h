/* SPDX-License-Identifier: MIT */
/*
 * Data for lib/seccomp.c, kept apart from the code that builds the filter:
 * the syscalls denied by default, grouped into classes with the reason each
 * class is denied, and the numbers of syscalls newer than the libseccomp we
 * build against may know.  docs/seccomp.md explains every entry.
 *
 * Only lib/seccomp.c and its unit test include this file, and they include
 * it as <seccomp_table.h> for the reason below.
 */
#ifndef AS_SECCOMP_TABLE_H
#define AS_SECCOMP_TABLE_H

#include <stdint.h>

/*
 * libseccomp's header is also called seccomp.h, and meson puts lib/ (which
 * holds our seccomp.h) on the include path, so <seccomp.h> finds ours.
 * Found through that -I entry, this file can #include_next past lib/ to the
 * system's header; the check below turns any other outcome into an error.
 */
#include_next <seccomp.h>
#ifndef _SECCOMP_H
#error "libseccomp's <seccomp.h> not reached: include seccomp_table.h with angle brackets"
#endif

/*
 * A class of syscalls denied by default with EPERM.  Profiles may name a
 * class as "@group" (a no-op next to the default, but explicit).  Names a
 * libseccomp knows but that do not exist on the build architecture (vm86 on
 * x86_64, say) are skipped when the filter is built.
 */
struct as_sc_class {
	const char *group;
	const char *why;
	const char *const *names; /* NULL-terminated */
};

#define AS_SC_NAMES(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const struct as_sc_class as_sc_classes[] = {
	{ "@ptrace", "reading or changing another process's memory or file descriptors",
	  AS_SC_NAMES("ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",
		      "process_madvise") },
	{ "@mount", "changing the mount tree (old and new mount API, chroot)",
	  AS_SC_NAMES("mount", "umount", "umount2", "pivot_root", "chroot", "fsopen", "fsconfig",
		      "fsmount", "fspick", "move_mount", "open_tree", "open_tree_attr",
		      "mount_setattr") },
	{ "@namespaces", "new namespaces expose kernel code written for root",
	  AS_SC_NAMES("unshare", "setns") },
	{ "@bpf", "eBPF programs and maps: a large, often exploited surface", AS_SC_NAMES("bpf") },
	{ "@perf", "performance events: kernel address and side-channel leaks",
	  AS_SC_NAMES("perf_event_open") },
	{ "@io_uring", "io_uring bypasses seccomp for the operations it queues",
	  AS_SC_NAMES("io_uring_setup", "io_uring_enter", "io_uring_register") },
	{ "@userfaultfd", "userfaultfd makes kernel races easy to win",
	  AS_SC_NAMES("userfaultfd") },
	{ "@keyring", "kernel keyrings are not namespaced by uid alone",
	  AS_SC_NAMES("add_key", "keyctl", "request_key") },
	{ "@handles", "file handles open files by inode, bypassing path checks",
	  AS_SC_NAMES("open_by_handle_at", "name_to_handle_at") },
	{ "@modules", "loading kernels and kernel modules",
	  AS_SC_NAMES("kexec_load", "kexec_file_load", "init_module", "finit_module",
		      "delete_module", "create_module", "query_module", "get_kernel_syms") },
	{ "@system", "administering the machine",
	  AS_SC_NAMES("reboot", "swapon", "swapoff", "acct", "quotactl", "quotactl_fd", "syslog",
		      "vhangup", "fanotify_init") },
	{ "@clock", "setting the system clock",
	  AS_SC_NAMES("settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "stime") },
	{ "@raw-io", "direct I/O port access", AS_SC_NAMES("iopl", "ioperm") },
	{ "@obsolete", "obsolete or legacy interfaces no toolchain uses",
	  AS_SC_NAMES("uselib", "ustat", "sysfs", "_sysctl", "lookup_dcookie", "nfsservctl",
		      "modify_ldt", "vm86", "vm86old") },
};

/* What the default filter does with a syscall of the number table. */
enum as_sc_decision {
	AS_SC_ALLOW = 0,
	AS_SC_EPERM,  /* also listed in a class above */
	AS_SC_ENOSYS, /* behave as a kernel without it */
};

struct as_sc_nr {
	const char *name;
	int nr;
	const char *since; /* first Linux release */
	enum as_sc_decision decision;
};

/*
 * Syscalls from pidfd_send_signal (424, Linux 5.1) on.  Since 424 every
 * architecture but alpha and mips uses the same number for a new syscall
 * (scripts/syscall.tbl), but this build only trusts the numbers it verified:
 * arch/x86/entry/syscalls/syscall_64.tbl, Linux 6.19.
 *
 * libseccomp 2.5.0 (the oldest meson accepts) stops near 439 and Debian's
 * 2.5.4 at 456, so names and numbers come from here when libseccomp does not
 * know them; when it does, the unit test checks that both agree.  Syscall
 * numbers above the last entry, up to AS_SC_FUTURE_LAST, get ENOSYS: a newer
 * kernel cannot widen the surface without this table being reviewed.
 */
#if defined(__x86_64__) && !defined(__ILP32__)
#define AS_SC_HAVE_TABLE 1
/* clang-format off */
static const struct as_sc_nr as_sc_table[] = {
	{ "pidfd_send_signal",       424, "5.1",  AS_SC_ALLOW },
	{ "io_uring_setup",          425, "5.1",  AS_SC_EPERM },
	{ "io_uring_enter",          426, "5.1",  AS_SC_EPERM },
	{ "io_uring_register",       427, "5.1",  AS_SC_EPERM },
	{ "open_tree",               428, "5.2",  AS_SC_EPERM },
	{ "move_mount",              429, "5.2",  AS_SC_EPERM },
	{ "fsopen",                  430, "5.2",  AS_SC_EPERM },
	{ "fsconfig",                431, "5.2",  AS_SC_EPERM },
	{ "fsmount",                 432, "5.2",  AS_SC_EPERM },
	{ "fspick",                  433, "5.2",  AS_SC_EPERM },
	{ "pidfd_open",              434, "5.3",  AS_SC_ALLOW },
	{ "clone3",                  435, "5.3",  AS_SC_ENOSYS },
	{ "close_range",             436, "5.9",  AS_SC_ALLOW },
	{ "openat2",                 437, "5.6",  AS_SC_ALLOW },
	{ "pidfd_getfd",             438, "5.6",  AS_SC_EPERM },
	{ "faccessat2",              439, "5.8",  AS_SC_ALLOW },
	{ "process_madvise",         440, "5.10", AS_SC_EPERM },
	{ "epoll_pwait2",            441, "5.11", AS_SC_ALLOW },
	{ "mount_setattr",           442, "5.12", AS_SC_EPERM },
	{ "quotactl_fd",             443, "5.14", AS_SC_EPERM },
	{ "landlock_create_ruleset", 444, "5.13", AS_SC_ALLOW },
	{ "landlock_add_rule",       445, "5.13", AS_SC_ALLOW },
	{ "landlock_restrict_self",  446, "5.13", AS_SC_ALLOW },
	{ "memfd_secret",            447, "5.14", AS_SC_ALLOW },
	{ "process_mrelease",        448, "5.15", AS_SC_ALLOW },
	{ "futex_waitv",             449, "5.16", AS_SC_ALLOW },
	{ "set_mempolicy_home_node", 450, "5.17", AS_SC_ALLOW },
	{ "cachestat",               451, "6.5",  AS_SC_ALLOW },
	{ "fchmodat2",               452, "6.6",  AS_SC_ALLOW },
	{ "map_shadow_stack",        453, "6.6",  AS_SC_ALLOW },
	{ "futex_wake",              454, "6.7",  AS_SC_ALLOW },
	{ "futex_wait",              455, "6.7",  AS_SC_ALLOW },
	{ "futex_requeue",           456, "6.7",  AS_SC_ALLOW },
	{ "statmount",               457, "6.8",  AS_SC_ALLOW },
	{ "listmount",               458, "6.8",  AS_SC_ALLOW },
	{ "lsm_get_self_attr",       459, "6.8",  AS_SC_ALLOW },
	{ "lsm_set_self_attr",       460, "6.8",  AS_SC_ALLOW },
	{ "lsm_list_modules",        461, "6.8",  AS_SC_ALLOW },
	{ "mseal",                   462, "6.10", AS_SC_ALLOW },
	{ "setxattrat",              463, "6.13", AS_SC_ALLOW },
	{ "getxattrat",              464, "6.13", AS_SC_ALLOW },
	{ "listxattrat",             465, "6.13", AS_SC_ALLOW },
	{ "removexattrat",           466, "6.13", AS_SC_ALLOW },
	{ "open_tree_attr",          467, "6.15", AS_SC_EPERM },
	{ "file_getattr",            468, "6.17", AS_SC_ALLOW },
	{ "file_setattr",            469, "6.17", AS_SC_ALLOW },
	/* Lists namespaces; ENOSYS so lsns-style tools fall back to /proc
	 * exactly as they do on a 6.18 kernel. */
	{ "listns",                  470, "6.19", AS_SC_ENOSYS },
};
/* clang-format on */

/* x32 reuses 512-547 for its own entry points; the native table stops
 * before them (syscall_64.tbl). */
#define AS_SC_FUTURE_LAST 511
#else
#define AS_SC_HAVE_TABLE 0
#endif

#endif
