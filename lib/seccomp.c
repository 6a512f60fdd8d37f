/* SPDX-License-Identifier: MIT */
/*
 * The seccomp layer, built with libseccomp: default ALLOW, EPERM for the
 * kernel attack surface and the escape routes (seccomp_table.h), ENOSYS for
 * clone3 and for syscall numbers newer than our table, kill for non-native
 * ABIs.  docs/seccomp.md gives the reason for every rule.
 *
 * Pure planning (names, groups, explain) is separate from as_seccomp_load(),
 * the only function here that changes the calling process.
 */
#include "seccomp.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/sched.h>
#include <linux/filter.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <seccomp_table.h> /* and libseccomp's seccomp.h: see there */

/*
 * The default rules compiled to BPF when agent-shell was built
 * (lib/seccomp-gen.c, lib/meson.build), so a launch loads a ready program
 * instead of having libseccomp generate it twice (once to build, once
 * inside seccomp_load): about 0.5 ms of a ~2 ms start.  Weak: a build
 * without it (a cross build) generates the filter at run time instead.
 * tests/unit/test_seccomp.c checks that it equals a fresh export.
 */
extern const struct sock_filter as_seccomp_default_bpf[] __attribute__((weak));
extern const size_t as_seccomp_default_bpf_len __attribute__((weak));

struct as_seccomp {
	scmp_filter_ctx ctx; /* everything, or only the profile's additions */
	bool precompiled;    /* load as_seccomp_default_bpf first */
};

/* seccomp_syscall_resolve_name() gives __NR_SCMP_ERROR for a name it does
 * not know, and a negative pseudo number for a syscall it knows that the
 * native architecture lacks (vm86 on x86_64). */
#define SC_UNKNOWN (-1)
#define SC_NOT_NATIVE (-2)

#define SC_NAME_MAX 64
#define SC_LOW32 0xffffffffULL

/*
 * clone(2) takes its flags in the first argument everywhere but s390, where
 * the stack comes first (clone(2), NOTES: CLONE_BACKWARDS2).
 */
#if defined(__s390__)
#define SC_CLONE_FLAGS_ARG 1
#else
#define SC_CLONE_FLAGS_ARG 0
#endif

/* A denied syscall would keep the sandbox from starting the command or a
 * process from ending; refusing it in a profile beats a confusing failure. */
static const char *const sc_never_deny[] = {
	"execve",
	"exit",
	"exit_group",
	"rt_sigreturn",
};

/*
 * Rules that look at arguments, as groups a profile can name.  by_default
 * marks those every filter has.
 */
enum sc_special {
	SC_CLONE_NS,
	SC_TIOCSTI,
	SC_PERSONALITY,
	SC_UDP,
	SC_INET,
	SC_STREAMS,
	SC_NET,
};

static const struct {
	const char *group;
	const char *what; /* completes "deny ..." */
	bool by_default;
} sc_specials[] = {
	[SC_CLONE_NS] = { "@clone-ns", "clone with namespace flags", true },
	[SC_TIOCSTI] = { "@tiocsti",
			 "ioctl TIOCSTI and TIOCLINUX, on the low 32 bits of the request", true },
	[SC_PERSONALITY] = { "@personality",
			     "personality other than PER_LINUX, PER_LINUX32, UNAME26 and the query 0xffffffff",
			     true },
	[SC_UDP] = { "@udp", "socket(AF_INET/AF_INET6, SOCK_DGRAM)", false },
	[SC_INET] = { "@inet", "socket(AF_INET/AF_INET6)", false },
	[SC_STREAMS] = { "@non-tcp-streams",
			 "socket(AF_INET/AF_INET6) other than TCP, UDP and raw (MPTCP, SCTP, SMC, DCCP), "
			 "and socket/socketpair of families but AF_UNIX, AF_INET, AF_INET6 and AF_NETLINK "
			 "(AF_SMC, AF_VSOCK, AF_RDS, AF_TIPC, ...)",
			 true },
	[SC_NET] = { "@net", "socket/socketpair of every family but AF_UNIX", false },
};

/* Namespace flags clone(2) honours.  CLONE_NEWTIME (0x80) is not among
 * them: in clone's flags that bit belongs to the exit signal (CSIGNAL), and
 * only clone3, unshare and setns take it (Linux 5.6). */
static const uint64_t sc_clone_ns_flags[] = {
	CLONE_NEWNS,   CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
	CLONE_NEWUSER, CLONE_NEWPID,    CLONE_NEWNET,
};

/* ioctl(2) requests that push input into, or reconfigure, a terminal the
 * agent shares with its owner: TIOCSTI fakes keystrokes (CVE-2016-7545 and
 * the su/sudo/bwrap escapes), TIOCLINUX can paste the console selection. */
static const uint64_t sc_tty_ioctls[] = { TIOCSTI, TIOCLINUX };

/*
 * Landlock's TCP rules cover exactly TCP: an AF_INET/AF_INET6 socket of type
 * SOCK_STREAM and protocol IPPROTO_TCP (sk_is_tcp(), security/landlock/net.c).
 * Every other connection protocol on IP reaches any port: MPTCP
 * (SOCK_STREAM, 262; on by default in Debian's kernels), SCTP (SOCK_STREAM or
 * SOCK_SEQPACKET, 132; SOCK_SEQPACKET with protocol 0 picks SCTP too), SMC
 * (IPPROTO_SMC, 256, Linux 6.11), DCCP (SOCK_DCCP).  So on IP only the
 * types stream, datagram and raw pass, and a stream socket only with
 * protocol 0 or IPPROTO_TCP: an allowlist, so a protocol added to the kernel
 * later is refused too.  Datagram sockets are the egress fence's and @udp's.
 */
static const int sc_inet_families[] = { AF_INET, AF_INET6 };

/* type & 0xf (SOCK_TYPE_MASK) outside SOCK_STREAM, SOCK_DGRAM, SOCK_RAW
 * (1-3), as masked compares: 0, 4-7, 8-11, 12-15. */
/* clang-format off */
static const struct { uint64_t mask, value; } sc_inet_bad_types[] = {
	{ 0xf, 0 }, { 0xc, 0x4 }, { 0xc, 0x8 }, { 0xc, 0xc },
};
/* clang-format on */

/*
 * Families a sandboxed process may open sockets of, by default: local
 * sockets, IP (under Landlock's TCP rules and the rules above) and netlink
 * (glibc's getaddrinfo and getifaddrs need NETLINK_ROUTE).  Everything else
 * carries connections no Landlock rule covers (AF_SMC, AF_RDS, AF_TIPC over
 * IP; AF_VSOCK to the hypervisor host, which Docker's default profile also
 * refuses) or is kernel surface a coding agent has no use for (AF_ALG,
 * AF_BLUETOOTH, AF_PACKET, ...).  Sorted: the rules are built from the gaps.
 */
static const uint64_t sc_families_default[] = { AF_UNIX, AF_INET, AF_INET6, AF_NETLINK };
/* @net (the offline profile): local sockets only. */
static const uint64_t sc_families_unix[] = { AF_UNIX };

/* Personalities glibc, setarch and uname26 programs use (the ones Docker's
 * default profile allows), plus 0xffffffff, which only queries.  Everything
 * else (ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC, MMAP_PAGE_ZERO, ...) weakens
 * the address space of what the agent runs next. */
#define SC_PERSONA_QUERY 0xffffffffULL
#define SC_PERSONA_OK_BITS ((uint64_t)(PER_LINUX32 | UNAME26))

static bool sc_valid_name(const char *name)
{
	size_t i;

	for (i = 0; name[i]; i++) {
		char c = name[i];

		if (i >= SC_NAME_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return i > 0;
}

#if AS_SC_HAVE_TABLE
static const struct as_sc_nr *sc_table_find(const char *name)
{
	for (size_t i = 0; i < AS_ARRAY_SIZE(as_sc_table); i++)
		if (strcmp(as_sc_table[i].name, name) == 0)
			return &as_sc_table[i];
	return NULL;
}

static int sc_table_last(void)
{
	return as_sc_table[AS_ARRAY_SIZE(as_sc_table) - 1].nr;
}
#endif

/* The native number of a syscall name, SC_NOT_NATIVE or SC_UNKNOWN. */
static int sc_resolve(const char *name)
{
	int nr;

	if (!sc_valid_name(name))
		return SC_UNKNOWN;
	nr = seccomp_syscall_resolve_name(name);
	if (nr >= 0)
		return nr;
#if AS_SC_HAVE_TABLE
	{
		const struct as_sc_nr *t = sc_table_find(name);

		if (t)
			return t->nr;
	}
#endif
	return nr == __NR_SCMP_ERROR ? SC_UNKNOWN : SC_NOT_NATIVE;
}

static const struct as_sc_class *sc_find_class(const char *group)
{
	for (size_t i = 0; i < AS_ARRAY_SIZE(as_sc_classes); i++)
		if (strcmp(as_sc_classes[i].group, group) == 0)
			return &as_sc_classes[i];
	return NULL;
}

static int sc_find_special(const char *group)
{
	for (size_t i = 0; i < AS_ARRAY_SIZE(sc_specials); i++)
		if (strcmp(sc_specials[i].group, group) == 0)
			return (int)i;
	return -1;
}

int as_seccomp_check_name(const char *name, struct as_err *err)
{
	char esc[2 * SC_NAME_MAX];

	as_escape(name, esc, sizeof(esc));
	if (name[0] == '@') {
		if (sc_find_class(name) || sc_find_special(name) >= 0)
			return 0;
		return as_fail(err, -EINVAL, "unknown seccomp group '%s'", esc);
	}
	for (size_t i = 0; i < AS_ARRAY_SIZE(sc_never_deny); i++)
		if (strcmp(name, sc_never_deny[i]) == 0)
			return as_fail(
				err, -EINVAL,
				"syscall '%s' cannot be denied: the sandbox needs it to run the command",
				esc);
	if (sc_resolve(name) == SC_UNKNOWN)
		return as_fail(err, -EINVAL, "unknown syscall '%s'", esc);
	return 0;
}

/*
 * Building.  Several sources may name the same syscall (a profile repeating
 * a default, "socket" next to "@udp"); the first unconditional rule for a
 * number wins and later ones are skipped, so libseccomp never sees two
 * actions for one syscall.
 */
struct sc_builder {
	scmp_filter_ctx ctx;
	int *uncond; /* numbers that already have an unconditional rule */
	size_t n_uncond, cap_uncond;
	struct as_err *err;
};

static bool sc_has_uncond(const struct sc_builder *b, int nr)
{
	for (size_t i = 0; i < b->n_uncond; i++)
		if (b->uncond[i] == nr)
			return true;
	return false;
}

static int sc_add(struct sc_builder *b, const char *what, uint32_t action, int nr,
		  unsigned int argc, const struct scmp_arg_cmp *args)
{
	int rc;

	if (sc_has_uncond(b, nr))
		return 0;
	rc = seccomp_rule_add_array(b->ctx, action, nr, argc, args);
	if (rc < 0)
		return as_fail(b->err, rc, "seccomp: cannot add the rule for %s (%d): %s", what, nr,
			       strerror(-rc));
	if (argc == 0) {
		if (b->n_uncond == b->cap_uncond) {
			size_t cap = b->cap_uncond ? 2 * b->cap_uncond : 64;
			int *nv = realloc(b->uncond, cap * sizeof(*nv));

			if (!nv)
				return as_fail(b->err, -ENOMEM, "seccomp: out of memory");
			b->uncond = nv;
			b->cap_uncond = cap;
		}
		b->uncond[b->n_uncond++] = nr;
	}
	return 0;
}

/* Adds "deny name" with errno e.  A name this architecture lacks is
 * skipped; one nobody knows is a bug in the table, so the build fails
 * closed rather than leave a hole. */
static int sc_add_name(struct sc_builder *b, const char *name, int e)
{
	int nr = sc_resolve(name);

	if (nr == SC_NOT_NATIVE)
		return 0;
	if (nr == SC_UNKNOWN) {
#if AS_SC_HAVE_TABLE
		return as_fail(b->err, -EINVAL,
			       "seccomp: neither libseccomp nor our table knows '%s'", name);
#else
		/* Documented fallback (docs/seccomp.md): without a number
		 * table, a syscall newer than libseccomp is not filtered. */
		return 0;
#endif
	}
	return sc_add(b, name, SCMP_ACT_ERRNO((uint32_t)e), nr, 0, NULL);
}

static int sc_add_class(struct sc_builder *b, const struct as_sc_class *cl)
{
	int rc;

	for (const char *const *n = cl->names; *n; n++) {
		rc = sc_add_name(b, *n, EPERM);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int sc_add_clone_ns(struct sc_builder *b)
{
	int nr = sc_resolve("clone");
	int rc;

	if (nr < 0)
		return 0;
	/* One rule per flag: a masked compare per bit is "any of them set".
	 * The kernel only reads the low 32 bits of the flags
	 * (lower_32_bits() in kernel/fork.c), and so do these masks. */
	for (size_t i = 0; i < AS_ARRAY_SIZE(sc_clone_ns_flags); i++) {
		struct scmp_arg_cmp a = SCMP_CMP(SC_CLONE_FLAGS_ARG, SCMP_CMP_MASKED_EQ,
						 sc_clone_ns_flags[i], sc_clone_ns_flags[i]);

		rc = sc_add(b, "clone", SCMP_ACT_ERRNO(EPERM), nr, 1, &a);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int sc_add_tiocsti(struct sc_builder *b)
{
	int nr = sc_resolve("ioctl");
	int rc;

	if (nr < 0)
		return 0;
	/* The request is an unsigned int in the kernel: compare the low 32
	 * bits only, or 0xffffffff00000000|TIOCSTI would slip past a 64-bit
	 * compare and still reach the tty (the bwrap/flatpak CVE-2019-10063
	 * bug). */
	for (size_t i = 0; i < AS_ARRAY_SIZE(sc_tty_ioctls); i++) {
		struct scmp_arg_cmp a = SCMP_A1(SCMP_CMP_MASKED_EQ, SC_LOW32, sc_tty_ioctls[i]);

		rc = sc_add(b, "ioctl", SCMP_ACT_ERRNO(EPERM), nr, 1, &a);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * "Deny unless arg0 is one of 0, 8, 0x20000, 0x20008, 0xffffffff" with
 * rules that are ORed and may compare an argument only once each
 * (libseccomp refuses two comparisons of one argument in a rule):
 *  - anything above 32 bits;
 *  - bit 31 clear and a bit outside PER_LINUX32|UNAME26 set (the four
 *    allowed values are exactly the subsets of those two bits);
 *  - bit 31 set and any lower bit clear (everything but 0xffffffff).
 * Only personality(2) calls walk these rules; the binary tree keeps every
 * other syscall away from them.
 */
static int sc_add_personality(struct sc_builder *b)
{
	const uint64_t top = 1ULL << 31;
	int nr = sc_resolve("personality");
	struct scmp_arg_cmp a = SCMP_A0(SCMP_CMP_GT, SC_PERSONA_QUERY);
	int rc;

	if (nr < 0)
		return 0;
	rc = sc_add(b, "personality", SCMP_ACT_ERRNO(EPERM), nr, 1, &a);
	for (unsigned int bit = 0; bit < 31 && rc == 0; bit++) {
		uint64_t m = 1ULL << bit;

		if (!(m & SC_PERSONA_OK_BITS)) {
			a = SCMP_A0(SCMP_CMP_MASKED_EQ, top | m, m);
			rc = sc_add(b, "personality", SCMP_ACT_ERRNO(EPERM), nr, 1, &a);
		}
		if (rc == 0) {
			a = SCMP_A0(SCMP_CMP_MASKED_EQ, top | m, top);
			rc = sc_add(b, "personality", SCMP_ACT_ERRNO(EPERM), nr, 1, &a);
		}
	}
	return rc;
}

/* Internet sockets.  family and type are ints: compare the low 32 bits of
 * the family, and mask the type with 0xf (SOCK_TYPE_MASK) so SOCK_NONBLOCK
 * and SOCK_CLOEXEC do not hide a datagram socket. */
static int sc_add_inet(struct sc_builder *b, bool dgram_only)
{
	static const int families[] = { AF_INET, AF_INET6 };
	int nr = sc_resolve("socket");
	int rc;

	if (nr < 0)
		return 0;
	for (size_t i = 0; i < AS_ARRAY_SIZE(families); i++) {
		struct scmp_arg_cmp a[2] = {
			SCMP_A0(SCMP_CMP_MASKED_EQ, SC_LOW32, (uint64_t)families[i]),
			SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_DGRAM),
		};

		rc = sc_add(b, "socket", SCMP_ACT_ERRNO(EPERM), nr, dgram_only ? 2 : 1, a);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * Denies syscall nr when argument arg is none of the sorted values in allow.
 * libseccomp ORs rules and compares an argument at most once per rule, so
 * each gap between allowed values becomes aligned power-of-two blocks, each
 * one masked compare over all 64 bits, and everything above the last value
 * one "greater than".  All 64 bits are compared on purpose: the kernel reads
 * an int, so a value with high bits set and an allowed low half is refused
 * (fail closed) rather than let through, and one with a denied low half is
 * above the last allowed value.
 */
static int sc_deny_outside(struct sc_builder *b, const char *what, int nr, unsigned int arg,
			   const uint64_t *allow, size_t n)
{
	uint64_t lo = 0;
	int rc;

	for (size_t i = 0; i <= n; i++) {
		uint64_t hi = i < n ? allow[i] : lo; /* the gap is [lo, hi) */

		while (lo < hi) {
			uint64_t size = 1;
			struct scmp_arg_cmp a;

			/* The largest block aligned at lo that fits. */
			while ((lo & (2 * size - 1)) == 0 && lo + 2 * size <= hi)
				size *= 2;
			a = SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, ~(size - 1), lo);
			rc = sc_add(b, what, SCMP_ACT_ERRNO(EPERM), nr, 1, &a);
			if (rc < 0)
				return rc;
			lo += size;
		}
		if (i < n)
			lo = allow[i] + 1;
	}
	{
		struct scmp_arg_cmp a = SCMP_CMP(arg, SCMP_CMP_GT, allow[n - 1]);

		return sc_add(b, what, SCMP_ACT_ERRNO(EPERM), nr, 1, &a);
	}
}

/* socket and socketpair of a family outside allow. */
static int sc_add_families(struct sc_builder *b, const uint64_t *allow, size_t n)
{
	static const char *const calls[] = { "socket", "socketpair" };
	int rc;

	for (size_t i = 0; i < AS_ARRAY_SIZE(calls); i++) {
		int nr = sc_resolve(calls[i]);

		if (nr < 0)
			continue;
		rc = sc_deny_outside(b, calls[i], nr, 0, allow, n);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The rules of @non-tcp-streams: see sc_inet_families. */
static int sc_add_streams(struct sc_builder *b)
{
	int nr = sc_resolve("socket");
	int rc;

	if (nr < 0)
		return 0;
	for (size_t f = 0; f < AS_ARRAY_SIZE(sc_inet_families); f++) {
		uint64_t fam = (uint64_t)sc_inet_families[f];

		for (size_t t = 0; t < AS_ARRAY_SIZE(sc_inet_bad_types); t++) {
			struct scmp_arg_cmp a[2] = {
				SCMP_A0(SCMP_CMP_MASKED_EQ, SC_LOW32, fam),
				SCMP_A1(SCMP_CMP_MASKED_EQ, sc_inet_bad_types[t].mask,
					sc_inet_bad_types[t].value),
			};

			rc = sc_add(b, "socket", SCMP_ACT_ERRNO(EPERM), nr, 2, a);
			if (rc < 0)
				return rc;
		}
		/* A stream socket: protocol 0 (TCP) or IPPROTO_TCP only.
		 * Above IPPROTO_TCP in 64 bits (MPTCP, SCTP, SMC, and any
		 * value with high bits set), or 1-5 in the low 32 bits. */
		{
			struct scmp_arg_cmp a[3] = {
				SCMP_A0(SCMP_CMP_MASKED_EQ, SC_LOW32, fam),
				SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_STREAM),
				SCMP_A2(SCMP_CMP_GT, IPPROTO_TCP),
			};

			rc = sc_add(b, "socket", SCMP_ACT_ERRNO(EPERM), nr, 3, a);
			for (uint64_t p = 1; p < IPPROTO_TCP && rc == 0; p++) {
				a[2] = SCMP_A2(SCMP_CMP_MASKED_EQ, SC_LOW32, p);
				rc = sc_add(b, "socket", SCMP_ACT_ERRNO(EPERM), nr, 3, a);
			}
			if (rc < 0)
				return rc;
		}
	}
	return sc_add_families(b, sc_families_default, AS_ARRAY_SIZE(sc_families_default));
}

static int sc_add_special(struct sc_builder *b, enum sc_special s)
{
	switch (s) {
	case SC_CLONE_NS:
		return sc_add_clone_ns(b);
	case SC_TIOCSTI:
		return sc_add_tiocsti(b);
	case SC_PERSONALITY:
		return sc_add_personality(b);
	case SC_UDP:
		return sc_add_inet(b, true);
	case SC_INET:
		return sc_add_inet(b, false);
	case SC_STREAMS:
		return sc_add_streams(b);
	case SC_NET:
		return sc_add_families(b, sc_families_unix, AS_ARRAY_SIZE(sc_families_unix));
	}
	return -EINVAL;
}

/*
 * Syscalls we answer with ENOSYS, as a kernel without them would: clone3
 * (its flags live in memory seccomp cannot read, so clone's namespace rule
 * could be bypassed; glibc >= 2.34 falls back to clone on ENOSYS), the
 * table's ENOSYS entries, and every number above the table up to the end of
 * the native range, so a newer kernel cannot widen the surface silently.
 */
static int sc_add_enosys(struct sc_builder *b)
{
	int rc = sc_add_name(b, "clone3", ENOSYS);

	if (rc < 0)
		return rc;
#if AS_SC_HAVE_TABLE
	for (size_t i = 0; i < AS_ARRAY_SIZE(as_sc_table); i++) {
		const struct as_sc_nr *t = &as_sc_table[i];
		uint32_t act;

		if (t->decision == AS_SC_ALLOW)
			continue;
		act = SCMP_ACT_ERRNO(t->decision == AS_SC_ENOSYS ? ENOSYS : EPERM);
		rc = sc_add(b, t->name, act, t->nr, 0, NULL);
		if (rc < 0)
			return rc;
	}
	for (int nr = sc_table_last() + 1; nr <= AS_SC_FUTURE_LAST; nr++) {
		rc = sc_add(b, "a future syscall", SCMP_ACT_ERRNO(ENOSYS), nr, 0, NULL);
		if (rc < 0)
			return rc;
	}
#endif
	return 0;
}

/* A profile's addition: a syscall name or a group, always EPERM. */
static int sc_add_profile_entry(struct sc_builder *b, const char *name)
{
	const struct as_sc_class *cl;
	int rc, s;

	rc = as_seccomp_check_name(name, b->err);
	if (rc < 0)
		return rc;
	if (name[0] != '@')
		return sc_add_name(b, name, EPERM);
	cl = sc_find_class(name);
	if (cl)
		return sc_add_class(b, cl);
	s = sc_find_special(name);
	if (sc_specials[s].by_default)
		return 0; /* already in the filter */
	return sc_add_special(b, (enum sc_special)s);
}

static int sc_set_attrs(scmp_filter_ctx ctx, struct as_err *err)
{
	static const struct {
		enum scmp_filter_attr attr;
		uint32_t value;
		const char *name;
	} attrs[] = {
		/* Anything but the native ABI dies: x32 (nr | 0x40000000, same
		 * AUDIT_ARCH as x86_64: libseccomp adds the check for a native
		 * x86_64 filter) and i386 via int $0x80 (AUDIT_ARCH_I386).  A
		 * filter written for one ABI's numbers means nothing for
		 * another's: the classic 32-bit seccomp bypass. */
		{ SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS, "bad-arch action" },
		/* The sandbox sets no_new_privs itself, as its own step; a
		 * missing NNP must fail the load, not be fixed up silently. */
		{ SCMP_FLTATR_CTL_NNP, 0, "no_new_privs control" },
		/* Binary tree over syscall numbers: cost grows with log2 of the
		 * rules, not linearly (libseccomp >= 2.5.0). */
		{ SCMP_FLTATR_CTL_OPTIMIZE, 2, "optimization level" },
		/* Kernel errnos from seccomp_load, not -ECANCELED. */
		{ SCMP_FLTATR_API_SYSRAWRC, 1, "raw return codes" },
	};
	int rc;

	for (size_t i = 0; i < AS_ARRAY_SIZE(attrs); i++) {
		rc = seccomp_attr_set(ctx, attrs[i].attr, attrs[i].value);
		if (rc < 0)
			return as_fail(err, rc, "seccomp: cannot set the %s: %s", attrs[i].name,
				       strerror(-rc));
	}
	return 0;
}

/* The default rules, then (with pol) the profile's additions; or, with
 * defaults false, only the additions.  *out stays NULL when there is
 * nothing to filter. */
static int build_ctx(const struct as_policy *pol, bool defaults, scmp_filter_ctx *out,
		     struct as_err *err)
{
	struct sc_builder b = { .err = err };
	int rc;

	*out = NULL;
	if (!defaults && (!pol || pol->seccomp_deny.n == 0))
		return 0;
	b.ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!b.ctx)
		return as_fail(err, -ENOMEM, "seccomp: cannot create the filter");
	rc = sc_set_attrs(b.ctx, err);
	if (rc < 0)
		goto out;

	for (size_t i = 0; defaults && i < AS_ARRAY_SIZE(as_sc_classes); i++) {
		rc = sc_add_class(&b, &as_sc_classes[i]);
		if (rc < 0)
			goto out;
	}
	if (defaults) {
		rc = sc_add_enosys(&b);
		if (rc < 0)
			goto out;
	}
	for (size_t i = 0; defaults && i < AS_ARRAY_SIZE(sc_specials); i++) {
		if (!sc_specials[i].by_default)
			continue;
		rc = sc_add_special(&b, (enum sc_special)i);
		if (rc < 0)
			goto out;
	}
	for (size_t i = 0; pol && i < pol->seccomp_deny.n; i++) {
		rc = sc_add_profile_entry(&b, pol->seccomp_deny.v[i]);
		if (rc < 0)
			goto out;
	}
	*out = b.ctx;
	b.ctx = NULL;
	rc = 0;
out:
	if (b.ctx)
		seccomp_release(b.ctx);
	free(b.uncond);
	return rc;
}

static bool have_precompiled(void)
{
	return &as_seccomp_default_bpf_len != NULL && as_seccomp_default_bpf != NULL &&
	       as_seccomp_default_bpf_len > 0;
}

int as_seccomp_build(const struct as_policy *pol, struct as_seccomp **out, struct as_err *err)
{
	struct as_seccomp *sc;
	int rc;

	*out = NULL;
	/* KILL_PROCESS needs API level 3 (Linux 4.14). */
	if (seccomp_api_get() < 3)
		return as_fail(err, -EOPNOTSUPP,
			       "seccomp: this kernel lacks SECCOMP_RET_KILL_PROCESS (Linux 4.14)");
	sc = calloc(1, sizeof(*sc));
	if (!sc)
		return as_fail(err, -ENOMEM, "seccomp: out of memory");
	sc->precompiled = have_precompiled();
	rc = build_ctx(pol, !sc->precompiled, &sc->ctx, err);
	if (rc < 0) {
		free(sc);
		return rc;
	}
	*out = sc;
	return 0;
}

int as_seccomp_export_default_bpf(int fd, struct as_err *err)
{
	scmp_filter_ctx ctx;
	int rc;

	rc = build_ctx(NULL, true, &ctx, err);
	if (rc < 0)
		return rc;
	rc = seccomp_export_bpf(ctx, fd);
	seccomp_release(ctx);
	if (rc < 0)
		return as_fail(err, rc, "seccomp: cannot export the filter: %s", strerror(-rc));
	return 0;
}

static int load_precompiled(struct as_err *err)
{
	struct sock_fprog prog = {
		.len = (unsigned short)as_seccomp_default_bpf_len,
		.filter = (struct sock_filter *)as_seccomp_default_bpf,
	};

	/* Raw seccomp(2), as seccomp_load would do it, minus the generation. */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
		if (errno == EACCES)
			return as_fail(
				err, -EACCES,
				"seccomp: loading the filter needs no_new_privs (or CAP_SYS_ADMIN)");
		return as_fail(err, -errno, "seccomp: cannot load the filter: %s", strerror(errno));
	}
	return 0;
}

int as_seccomp_load(struct as_seccomp *sc, struct as_err *err)
{
	int rc;

	if (!sc || (!sc->ctx && !sc->precompiled))
		return as_fail(err, -EINVAL, "seccomp: no filter was built");
	/* The profile's additions go on first: filters run newest first and
	 * the strictest action wins, so the order changes nothing but keeps
	 * the default program last, as the kernel sees it. */
	if (sc->ctx) {
		rc = seccomp_load(sc->ctx);
		if (rc == -EACCES)
			return as_fail(
				err, rc,
				"seccomp: loading the filter needs no_new_privs (or CAP_SYS_ADMIN)");
		if (rc < 0)
			return as_fail(err, rc, "seccomp: cannot load the filter: %s",
				       strerror(-rc));
	}
	if (sc->precompiled)
		return load_precompiled(err);
	return 0;
}

int as_seccomp_export_pfc(const struct as_seccomp *sc, int fd, struct as_err *err)
{
	scmp_filter_ctx whole = NULL;
	int rc;

	if (!sc)
		return as_fail(err, -EINVAL, "seccomp: no filter was built");
	if (sc->precompiled) {
		/* The text dump is for people and tests: show it whole. */
		rc = build_ctx(NULL, true, &whole, err);
		if (rc < 0)
			return rc;
		rc = seccomp_export_pfc(whole, fd);
		if (rc == 0 && sc->ctx)
			rc = seccomp_export_pfc(sc->ctx, fd);
		seccomp_release(whole);
		if (rc < 0)
			return as_fail(err, rc, "seccomp: cannot export the filter: %s",
				       strerror(-rc));
		return 0;
	}
	rc = seccomp_export_pfc(sc->ctx, fd);
	if (rc < 0)
		return as_fail(err, rc, "seccomp: cannot export the filter: %s", strerror(-rc));
	return 0;
}

void as_seccomp_free(struct as_seccomp *sc)
{
	if (!sc)
		return;
	if (sc->ctx)
		seccomp_release(sc->ctx);
	free(sc);
}

/* --explain mirrors as_seccomp_build() step by step, from the same data. */
static void sc_explain_class(const struct as_sc_class *cl, const char *origin, FILE *out)
{
	for (const char *const *n = cl->names; *n; n++)
		if (sc_resolve(*n) >= 0)
			fprintf(out, "seccomp: deny %s (EPERM%s)\n", *n, origin);
}

static void sc_explain_profile(const struct as_policy *pol, FILE *out)
{
	char origin[256], esc[2 * SC_NAME_MAX];

	if (pol->name) {
		as_escape(pol->name, esc, sizeof(esc));
		snprintf(origin, sizeof(origin), ", profile %s", esc);
	} else {
		snprintf(origin, sizeof(origin), ", policy");
	}
	for (size_t i = 0; i < pol->seccomp_deny.n; i++) {
		const char *name = pol->seccomp_deny.v[i];
		const struct as_sc_class *cl;
		int s, nr;

		as_escape(name, esc, sizeof(esc));
		if (as_seccomp_check_name(name, NULL) < 0) {
			fprintf(out, "seccomp: invalid entry '%s' (the filter will not build)\n",
				esc);
			continue;
		}
		if (name[0] != '@') {
			nr = sc_resolve(name);
			if (nr < 0)
				fprintf(out, "seccomp: %s does not exist on this architecture\n",
					esc);
			else
				fprintf(out, "seccomp: deny %s (EPERM%s)\n", esc, origin);
			continue;
		}
		cl = sc_find_class(name);
		if (cl) {
			fprintf(out, "seccomp: %s is denied by default\n", esc);
			continue;
		}
		s = sc_find_special(name);
		if (sc_specials[s].by_default)
			fprintf(out, "seccomp: %s is denied by default\n", esc);
		else
			fprintf(out, "seccomp: deny %s (EPERM%s)\n", sc_specials[s].what, origin);
	}
}

void as_seccomp_explain(const struct as_policy *pol, FILE *out)
{
	for (size_t i = 0; i < AS_ARRAY_SIZE(as_sc_classes); i++)
		sc_explain_class(&as_sc_classes[i], "", out);
	for (size_t i = 0; i < AS_ARRAY_SIZE(sc_specials); i++)
		if (sc_specials[i].by_default)
			fprintf(out, "seccomp: deny %s (EPERM)\n", sc_specials[i].what);
	fprintf(out, "seccomp: clone3 -> ENOSYS (glibc falls back to clone)\n");
#if AS_SC_HAVE_TABLE
	for (size_t i = 0; i < AS_ARRAY_SIZE(as_sc_table); i++) {
		const struct as_sc_nr *t = &as_sc_table[i];

		if (t->decision == AS_SC_ENOSYS && strcmp(t->name, "clone3") != 0)
			fprintf(out,
				"seccomp: %s -> ENOSYS (Linux %s, not needed; callers fall back)\n",
				t->name, t->since);
	}
	fprintf(out, "seccomp: syscalls %d-%d -> ENOSYS (newer than this build knows)\n",
		sc_table_last() + 1, AS_SC_FUTURE_LAST);
#else
	fprintf(out,
		"seccomp: no syscall table for this architecture: "
		"syscalls newer than libseccomp knows are allowed\n");
#endif
	fprintf(out, "seccomp: non-native ABIs (x32, i386) -> kill\n");
	if (pol)
		sc_explain_profile(pol, out);
}
