/* SPDX-License-Identifier: MIT */
/*
 * The seccomp layer as a specification.  Every check that loads a filter
 * runs in its own child: the child sets no_new_privs, builds and loads the
 * filter, makes one syscall and reports the errno as its exit status (0 for
 * success).  A child killed by a signal reports -signal.  Passes as root and
 * as any other user.
 */
#include <errno.h>
#include <sys/mman.h>
#include <linux/filter.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "seccomp.h"
#include <seccomp_table.h>
#include "tap.h"

extern char **environ;

/* Exit statuses a child uses for its own setup failures. */
enum { SETUP_NNP = 250, SETUP_BUILD = 251, SETUP_LOAD = 252 };

#define BARE NULL

static struct as_policy default_pol;

/*
 * Runs probe in a child, behind the filter built for pol (BARE: no filter).
 * Returns the errno the probe reported (0: it succeeded), or -signal.
 */
static int run(const struct as_policy *pol, int (*probe)(void))
{
	struct rlimit no_core = { 0, 0 };
	struct as_seccomp *sc = NULL;
	struct as_err err = { "" };
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1000;
	if (pid == 0) {
		/* KILL_PROCESS would otherwise leave core files behind. */
		setrlimit(RLIMIT_CORE, &no_core);
		if (pol) {
			if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
				_exit(SETUP_NNP);
			if (as_seccomp_build(pol, &sc, &err) < 0) {
				printf("# build: %s\n", err.msg);
				fflush(stdout);
				_exit(SETUP_BUILD);
			}
			if (as_seccomp_load(sc, &err) < 0) {
				printf("# load: %s\n", err.msg);
				fflush(stdout);
				_exit(SETUP_LOAD);
			}
		}
		_exit(probe());
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1001;
	if (WIFSIGNALED(status))
		return -WTERMSIG(status);
	return WEXITSTATUS(status);
}

static int result(long rc)
{
	return rc < 0 ? errno : 0;
}

/* A child made by a raw clone/clone3 exits at once; the parent reaps it. */
static int reap(long rc)
{
	if (rc == 0)
		_exit(0);
	if (rc < 0)
		return errno;
	return waitpid((pid_t)rc, NULL, 0) < 0 ? errno : 0;
}

static int p_ptrace_traceme(void)
{
	return result(ptrace(PTRACE_TRACEME, 0, NULL, NULL));
}
static int p_unshare_user(void)
{
	return result(unshare(CLONE_NEWUSER));
}
static int p_setns(void)
{
	return result(setns(-1, 0));
}

static int p_clone_newns(void)
{
	return reap(syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, NULL, NULL, NULL, 0));
}

static int p_clone_newuser_high(void)
{
	/* The kernel reads the low 32 bits of clone's flags. */
	return reap(syscall(SYS_clone, (1UL << 32) | CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0));
}

static int p_clone_plain(void)
{
	return reap(syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, 0));
}

static int p_clone3(void)
{
	struct clone_args args = { .exit_signal = SIGCHLD };

	return reap(syscall(SYS_clone3, &args, sizeof(args)));
}

static int p_fork(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(7);
	if (pid < 0)
		return errno;
	if (waitpid(pid, &status, 0) < 0)
		return errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 7 ? 0 : EIO;
}

static void *thread_main(void *arg)
{
	return arg;
}

static int p_pthread(void)
{
	pthread_t t;
	void *ret = NULL;
	static int token;
	int rc = pthread_create(&t, NULL, thread_main, &token);

	if (rc)
		return rc;
	rc = pthread_join(t, &ret);
	return rc ? rc : (ret == &token ? 0 : EIO);
}

static int p_posix_spawn(void)
{
	char *argv[] = { "true", NULL };
	int status, rc;
	pid_t pid;

	rc = posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ);
	if (rc)
		return rc;
	if (waitpid(pid, &status, 0) < 0)
		return errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : EIO;
}

static int p_mount(void)
{
	return result(mount("none", "/", "tmpfs", 0, NULL));
}
static int p_fsopen(void)
{
	return result(syscall(SYS_fsopen, "tmpfs", 0));
}
static int p_bpf(void)
{
	return result(syscall(SYS_bpf, 0, NULL, 0));
}

static int p_keyctl(void)
{
	/* KEYCTL_GET_KEYRING_ID of the session keyring: works without a filter. */
	return result(syscall(SYS_keyctl, 0, -3, 0));
}

static int p_io_uring_setup(void)
{
	char params[120] = { 0 }; /* struct io_uring_params */

	return result(syscall(SYS_io_uring_setup, 1, params));
}

static int p_userfaultfd(void)
{
	return result(syscall(SYS_userfaultfd, O_CLOEXEC));
}
static int p_perf_event_open(void)
{
	return result(syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
}

static int tty_ioctl(unsigned long request)
{
	char c = 'x';
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 200;
	return result(syscall(SYS_ioctl, fd, request, &c));
}

/* clang-format off */
static int p_tiocsti(void) { return tty_ioctl(TIOCSTI); }
static int p_tiocsti_high(void) { return tty_ioctl(0xffffffff00000000UL | TIOCSTI); }
static int p_tioclinux(void) { return tty_ioctl(TIOCLINUX); }
static int p_fionread(void) { return tty_ioctl(FIONREAD); }

static int persona(unsigned long p) { return result(syscall(SYS_personality, p)); }
static int p_per_linux(void) { return persona(PER_LINUX); }
static int p_per_linux32(void) { return persona(PER_LINUX32); }
static int p_per_uname26(void) { return persona(PER_LINUX | UNAME26); }
static int p_per_query(void) { return persona(0xffffffffUL); }
static int p_per_norandom(void) { return persona(ADDR_NO_RANDOMIZE); }
static int p_per_read_exec(void) { return persona(READ_IMPLIES_EXEC); }
static int p_per_top_bit(void) { return persona(0x80000000UL); }
static int p_per_almost_query(void) { return persona(0xfffffffeUL); }
static int p_per_high(void) { return persona(1UL << 32); }
/* clang-format on */

static int p_future_500(void)
{
	return result(syscall(500));
}
static int p_open_tree_attr(void)
{
	return result(syscall(467, -1, NULL, 0, NULL, 0));
}
static int p_statmount(void)
{
	return result(syscall(457, NULL, NULL, 0, 0));
}

static int p_x32_getpid(void)
{
	return result(syscall(39 | 0x40000000));
}

#if defined(__x86_64__)
static int p_int80_getpid(void)
{
	long ret, nr = 20; /* __NR_getpid on i386 */

	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr) : "memory");
	return ret > 0 ? 0 : (int)-ret;
}
#endif

static int p_getppid(void)
{
	return getppid() > 0 ? 0 : EIO;
}

static int p_open_read(void)
{
	char buf[64];
	int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	if (read(fd, buf, sizeof(buf)) <= 0)
		return EIO;
	return close(fd) < 0 ? errno : 0;
}

static int p_chmod(void)
{
	return result(chmod("/nonexistent/as-test", 0600));
}

static int sock(long family, int type)
{
	long fd = syscall(SYS_socket, family, type, 0);

	if (fd < 0)
		return errno;
	close((int)fd);
	return 0;
}

/* clang-format off */
static int p_udp4(void) { return sock(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC); }
static int p_udp6(void) { return sock(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK); }
static int p_udp4_high(void) { return sock((1L << 32) | AF_INET, SOCK_DGRAM); }
static int p_tcp4(void) { return sock(AF_INET, SOCK_STREAM | SOCK_CLOEXEC); }
static int p_unix_dgram(void) { return sock(AF_UNIX, SOCK_DGRAM); }
/* clang-format on */

static int sock3(long family, long type, long protocol)
{
	long fd = syscall(SYS_socket, family, type, protocol);

	if (fd < 0)
		return errno;
	close((int)fd);
	return 0;
}

static int pair(long family, long type)
{
	int sv[2];

	if (syscall(SYS_socketpair, family, type, 0, sv) < 0)
		return errno;
	close(sv[0]);
	close(sv[1]);
	return 0;
}

/* Numbers glibc 2.36's headers may lack. */
#define T_IPPROTO_MPTCP 262
#define T_IPPROTO_SMC 256
#define T_AF_SMC 43
#define T_SOCK_DCCP 6

/* clang-format off */
static int p_mptcp4(void) { return sock3(AF_INET, SOCK_STREAM, T_IPPROTO_MPTCP); }
static int p_mptcp6(void) { return sock3(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, T_IPPROTO_MPTCP); }
static int p_mptcp4_high_proto(void) { return sock3(AF_INET, SOCK_STREAM, (1L << 32) | T_IPPROTO_MPTCP); }
static int p_mptcp4_high_family(void) { return sock3((1L << 32) | AF_INET, SOCK_STREAM, T_IPPROTO_MPTCP); }
static int p_sctp4_stream(void) { return sock3(AF_INET, SOCK_STREAM, IPPROTO_SCTP); }
static int p_sctp6_seqpacket(void) { return sock3(AF_INET6, SOCK_SEQPACKET, IPPROTO_SCTP); }
static int p_seqpacket4_proto0(void) { return sock3(AF_INET, SOCK_SEQPACKET | SOCK_NONBLOCK, 0); }
static int p_inet_smc(void) { return sock3(AF_INET, SOCK_STREAM, T_IPPROTO_SMC); }
static int p_dccp4(void) { return sock3(AF_INET, T_SOCK_DCCP, IPPROTO_DCCP); }
static int p_stream4_icmp(void) { return sock3(AF_INET, SOCK_STREAM, IPPROTO_ICMP); }
static int p_tcp4_proto(void) { return sock3(AF_INET, SOCK_STREAM, IPPROTO_TCP); }
static int p_tcp6_proto0(void) { return sock3(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0); }
static int p_udp4_proto(void) { return sock3(AF_INET, SOCK_DGRAM, IPPROTO_UDP); }
static int p_af_smc(void) { return sock3(T_AF_SMC, SOCK_STREAM, 0); }
static int p_vsock(void) { return sock3(AF_VSOCK, SOCK_STREAM, 0); }
static int p_vsock_high(void) { return sock3((1L << 32) | AF_VSOCK, SOCK_STREAM, 0); }
static int p_rds(void) { return sock3(AF_RDS, SOCK_SEQPACKET, 0); }
static int p_tipc(void) { return sock3(AF_TIPC, SOCK_RDM, 0); }
static int p_alg(void) { return sock3(AF_ALG, SOCK_SEQPACKET, 0); }
static int p_unspec(void) { return sock3(AF_UNSPEC, SOCK_STREAM, 0); }
static int p_netlink(void) { return sock3(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0); }
static int p_netlink_dgram(void) { return sock3(AF_NETLINK, SOCK_DGRAM, 0); }
static int p_packet(void) { return sock3(AF_PACKET, SOCK_DGRAM, 0); }
static int p_bluetooth(void) { return sock3(AF_BLUETOOTH, SOCK_STREAM, 0); }
static int p_unix_stream(void) { return sock3(AF_UNIX, SOCK_STREAM, 0); }
static int p_unix_high(void) { return sock3((1L << 32) | AF_UNIX, SOCK_STREAM, 0); }
static int p_pair_unix(void) { return pair(AF_UNIX, SOCK_STREAM); }
static int p_pair_inet(void) { return pair(AF_INET, SOCK_STREAM); }
static int p_pair_vsock(void) { return pair(AF_VSOCK, SOCK_STREAM); }
static int p_pair_netlink(void) { return pair(AF_NETLINK, SOCK_RAW); }
/* clang-format on */

static void test_default_denies(void)
{
	const struct as_policy *pol = &default_pol;

	is_int(run(BARE, p_ptrace_traceme), 0, "without the filter PTRACE_TRACEME works");
	is_int(run(pol, p_ptrace_traceme), EPERM, "ptrace(PTRACE_TRACEME) fails with EPERM");
	is_int(run(pol, p_unshare_user), EPERM, "unshare(CLONE_NEWUSER) fails with EPERM");
	is_int(run(pol, p_setns), EPERM, "setns fails with EPERM whatever the arguments");
	is_int(run(pol, p_clone_newns), EPERM, "raw clone with CLONE_NEWNS fails with EPERM");
	is_int(run(pol, p_clone_newuser_high), EPERM,
	       "raw clone with CLONE_NEWUSER and high bits set fails with EPERM");
	is_int(run(pol, p_mount), EPERM, "mount fails with EPERM");
	is_int(run(pol, p_fsopen), EPERM, "fsopen fails with EPERM");
	is_int(run(pol, p_bpf), EPERM, "bpf fails with EPERM");
	is_int(run(BARE, p_keyctl), 0, "without the filter keyctl works");
	is_int(run(pol, p_keyctl), EPERM, "keyctl fails with EPERM");
	is_int(run(pol, p_io_uring_setup), EPERM, "io_uring_setup fails with EPERM");
	is_int(run(pol, p_userfaultfd), EPERM, "userfaultfd fails with EPERM");
	is_int(run(pol, p_perf_event_open), EPERM, "perf_event_open fails with EPERM");
	is_int(run(BARE, p_tiocsti), ENOTTY, "without the filter TIOCSTI on /dev/null is ENOTTY");
	is_int(run(pol, p_tiocsti), EPERM, "ioctl TIOCSTI fails with EPERM");
	is_int(run(pol, p_tiocsti_high), EPERM,
	       "ioctl 0xffffffff00000000|TIOCSTI fails with EPERM (low 32 bits matched)");
	is_int(run(pol, p_tioclinux), EPERM, "ioctl TIOCLINUX fails with EPERM");
	is_int(run(pol, p_fionread), ENOTTY,
	       "other ioctls reach the kernel (FIONREAD on /dev/null)");
	is_int(run(pol, p_open_tree_attr), EPERM,
	       "open_tree_attr (467, unknown to libseccomp 2.5.4) fails with EPERM");
	is_int(run(pol, p_statmount), EFAULT, "statmount (457) reaches the kernel");
}

static void test_processes_still_work(void)
{
	const struct as_policy *pol = &default_pol;

	is_int(run(BARE, p_clone3), 0, "without the filter raw clone3 works");
	is_int(run(pol, p_clone3), ENOSYS, "raw clone3 fails with ENOSYS");
	is_int(run(pol, p_clone_plain), 0, "plain clone (fork) works");
	is_int(run(pol, p_fork), 0, "fork works");
	is_int(run(pol, p_pthread), 0, "pthread_create works (glibc falls back to clone)");
	is_int(run(pol, p_posix_spawn), 0, "posix_spawn of /bin/true works");
	is_int(run(pol, p_getppid), 0, "getppid works");
	is_int(run(pol, p_open_read), 0, "open, read and close work");
}

static void test_personality(void)
{
	const struct as_policy *pol = &default_pol;

	is_int(run(pol, p_per_linux), 0, "personality(PER_LINUX) works");
	is_int(run(pol, p_per_linux32), 0, "personality(PER_LINUX32) works");
	is_int(run(pol, p_per_uname26), 0, "personality(UNAME26) works");
	is_int(run(pol, p_per_query), 0, "personality(0xffffffff) (query) works");
	is_int(run(pol, p_per_norandom), EPERM, "personality(ADDR_NO_RANDOMIZE) fails with EPERM");
	is_int(run(pol, p_per_read_exec), EPERM, "personality(READ_IMPLIES_EXEC) fails with EPERM");
	is_int(run(pol, p_per_top_bit), EPERM, "personality(0x80000000) fails with EPERM");
	is_int(run(pol, p_per_almost_query), EPERM, "personality(0xfffffffe) fails with EPERM");
	is_int(run(pol, p_per_high), EPERM, "personality with bits above 32 fails with EPERM");
}

/* The action libseccomp's PFC gives syscall nr, as "ERRNO(38)", or "". */
static void pfc_action(const char *pfc, int nr, char *buf, size_t len)
{
	char needle[64];
	const char *p;

	snprintf(needle, sizeof(needle), "if ($syscall == %d)\n", nr);
	buf[0] = '\0';
	p = pfc ? strstr(pfc, needle) : NULL;
	if (!p)
		return;
	p += strlen(needle) + strspn(p + strlen(needle), " ");
	if (strncmp(p, "action ", 7) == 0)
		snprintf(buf, len, "%.*s", (int)strcspn(p + 7, ";\n"), p + 7);
}

static void test_abis_and_future(void)
{
	char act[64];
	const struct as_policy *pol = &default_pol;
	struct as_seccomp *sc = NULL;
	struct as_err err = { "" };
	char *pfc = NULL;
	size_t len = 0;
	FILE *f;

	is_int(run(BARE, p_x32_getpid), ENOSYS, "without the filter an x32 syscall is ENOSYS here");
	is_int(run(pol, p_x32_getpid), -SIGSYS, "x32 getpid (39|0x40000000) is killed by SIGSYS");
#if defined(__x86_64__)
	is_int(run(BARE, p_int80_getpid), 0, "without the filter int $0x80 getpid works");
	is_int(run(pol, p_int80_getpid), -SIGSYS,
	       "int $0x80 getpid from a 64-bit process is killed by SIGSYS");
#endif
	is_int(run(pol, p_future_500), ENOSYS, "syscall 500 fails with ENOSYS");

	/* This kernel has no syscall 500, so only the filter itself can show
	 * that the rule is there. */
	is_int(as_seccomp_build(pol, &sc, &err), 0, "the default filter builds");
	f = tmpfile();
	ok(f && as_seccomp_export_pfc(sc, fileno(f), &err) == 0, "the filter exports as PFC");
	if (f) {
		long size = (fseek(f, 0, SEEK_END), ftell(f));

		rewind(f);
		pfc = calloc(1, (size_t)size + 1);
		len = pfc ? fread(pfc, 1, (size_t)size, f) : 0;
		fclose(f);
	}
	ok(len > 0, "the PFC is not empty");
	pfc_action(pfc, 471, act, sizeof(act));
	is_str(act, "ERRNO(38)", "the filter answers 471 (first unknown) with ENOSYS");
	pfc_action(pfc, 500, act, sizeof(act));
	is_str(act, "ERRNO(38)", "the filter answers 500 with ENOSYS");
	pfc_action(pfc, 511, act, sizeof(act));
	is_str(act, "ERRNO(38)", "the filter answers 511 with ENOSYS");
	pfc_action(pfc, 470, act, sizeof(act));
	is_str(act, "ERRNO(38)", "the filter answers listns (470) with ENOSYS");
	pfc_action(pfc, 469, act, sizeof(act));
	is_str(act, "", "file_setattr (469) has no rule: allowed");
	ok(pfc && !strstr(pfc, "$syscall == 512)"), "512 (x32's range) has no rule of its own");
	like(pfc, "action KILL_PROCESS;", "the bad-architecture action is KILL_PROCESS");
	free(pfc);
	as_seccomp_free(sc);
}

static void test_profile_additions(void)
{
	struct as_policy pol;

	as_policy_init(&pol);
	as_strv_push(&pol.seccomp_deny, "chmod");
	is_int(run(BARE, p_chmod), ENOENT, "without the filter chmod reaches the kernel");
	is_int(run(&pol, p_chmod), EPERM, "a profile deny of chmod makes chmod fail with EPERM");
	as_policy_free(&pol);

	as_policy_init(&pol);
	as_strv_push(&pol.seccomp_deny, "@udp");
	as_strv_push(&pol.seccomp_deny, "ptrace");   /* repeats a default */
	as_strv_push(&pol.seccomp_deny, "clone3");   /* default is ENOSYS: kept */
	as_strv_push(&pol.seccomp_deny, "@tiocsti"); /* default groups */
	as_strv_push(&pol.seccomp_deny, "@personality");
	as_strv_push(&pol.seccomp_deny, "@namespaces");
	as_strv_push(&pol.seccomp_deny, "ioctl"); /* on top of conditional rules */
	is_int(run(&pol, p_udp4), EPERM, "@udp blocks socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC)");
	is_int(run(&pol, p_udp6), EPERM, "@udp blocks socket(AF_INET6, SOCK_DGRAM|SOCK_NONBLOCK)");
	is_int(run(&pol, p_udp4_high), EPERM, "@udp blocks AF_INET with high bits in the family");
	is_int(run(&pol, p_tcp4), 0, "@udp leaves TCP sockets alone");
	is_int(run(&pol, p_unix_dgram), 0, "@udp leaves AF_UNIX datagram sockets alone");
	is_int(run(&pol, p_ptrace_traceme), EPERM, "a profile repeating a default still builds");
	is_int(run(&pol, p_clone3), ENOSYS, "a profile naming clone3 keeps its ENOSYS");
	is_int(run(&pol, p_fionread), EPERM, "a profile deny of ioctl covers every request");
	is_int(run(&pol, p_per_linux), 0,
	       "naming a default group changes nothing (PER_LINUX works)");
	as_policy_free(&pol);

	as_policy_init(&pol);
	as_strv_push(&pol.seccomp_deny, "@inet");
	as_strv_push(&pol.seccomp_deny, "socket");
	is_int(run(&pol, p_unix_dgram), EPERM, "socket next to @inet denies every socket");
	as_policy_free(&pol);

	as_policy_init(&pol);
	as_strv_push(&pol.seccomp_deny, "@inet");
	is_int(run(&pol, p_tcp4), EPERM, "@inet blocks TCP sockets");
	is_int(run(&pol, p_unix_dgram), 0, "@inet leaves AF_UNIX sockets alone");
	as_policy_free(&pol);
}

/* Landlock's TCP rules see only IPPROTO_TCP stream sockets; every other
 * connection protocol, and every family outside the default four, is
 * refused by the default filter. */
static void test_non_tcp_streams(void)
{
	const struct as_policy *pol = &default_pol;

	is_int(run(BARE, p_mptcp4), 0,
	       "without the filter an MPTCP socket opens (this kernel has MPTCP)");
	is_int(run(pol, p_mptcp4), EPERM,
	       "socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP) fails with EPERM");
	is_int(run(pol, p_mptcp6), EPERM,
	       "socket(AF_INET6, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_MPTCP) fails with EPERM");
	is_int(run(pol, p_mptcp4_high_proto), EPERM,
	       "MPTCP with high bits in the protocol fails with EPERM");
	is_int(run(pol, p_mptcp4_high_family), EPERM,
	       "MPTCP with high bits in the family fails with EPERM");
	is_int(run(pol, p_sctp4_stream), EPERM,
	       "socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP) fails with EPERM");
	is_int(run(pol, p_sctp6_seqpacket), EPERM,
	       "socket(AF_INET6, SOCK_SEQPACKET, IPPROTO_SCTP) fails with EPERM");
	is_int(run(pol, p_seqpacket4_proto0), EPERM,
	       "socket(AF_INET, SOCK_SEQPACKET, 0) (SCTP's default) fails with EPERM");
	is_int(run(pol, p_inet_smc), EPERM,
	       "socket(AF_INET, SOCK_STREAM, IPPROTO_SMC) fails with EPERM");
	is_int(run(pol, p_dccp4), EPERM,
	       "socket(AF_INET, SOCK_DCCP, IPPROTO_DCCP) fails with EPERM");
	is_int(run(pol, p_stream4_icmp), EPERM, "a stream socket of protocol 1-5 fails with EPERM");
	is_int(run(pol, p_af_smc), EPERM, "socket(AF_SMC) fails with EPERM");
	is_int(run(BARE, p_vsock), 0, "without the filter an AF_VSOCK socket opens");
	is_int(run(pol, p_vsock), EPERM, "socket(AF_VSOCK) fails with EPERM");
	is_int(run(pol, p_vsock_high), EPERM,
	       "socket(AF_VSOCK) with high bits in the family fails with EPERM");
	is_int(run(pol, p_rds), EPERM, "socket(AF_RDS) fails with EPERM");
	is_int(run(pol, p_tipc), EPERM, "socket(AF_TIPC) fails with EPERM");
	is_int(run(pol, p_alg), EPERM, "socket(AF_ALG) fails with EPERM");
	is_int(run(pol, p_bluetooth), EPERM, "socket(AF_BLUETOOTH) fails with EPERM");
	is_int(run(pol, p_unspec), EPERM, "socket(AF_UNSPEC) fails with EPERM");
	is_int(run(pol, p_pair_vsock), EPERM, "socketpair(AF_VSOCK) fails with EPERM");
	is_int(run(pol, p_tcp4), 0, "TCP sockets (protocol 0) still open");
	is_int(run(pol, p_tcp4_proto), 0, "socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) still opens");
	is_int(run(pol, p_tcp6_proto0), 0,
	       "socket(AF_INET6, SOCK_STREAM|SOCK_NONBLOCK, 0) still opens");
	is_int(run(pol, p_udp4_proto), 0, "UDP sockets still open (the egress fence's and @udp's)");
	is_int(run(pol, p_netlink), 0,
	       "NETLINK_ROUTE sockets still open (getaddrinfo, getifaddrs)");
	is_int(run(pol, p_unix_stream), 0, "AF_UNIX sockets still open");
	is_int(run(pol, p_pair_unix), 0, "socketpair(AF_UNIX) still works");
	is_int(run(pol, p_pair_inet), EOPNOTSUPP,
	       "socketpair(AF_INET) reaches the kernel's EOPNOTSUPP");
}

/* @net (the offline profile): an allowlist of one family, AF_UNIX. */
static void test_net_group(void)
{
	struct as_policy pol;

	as_policy_init(&pol);
	as_strv_push(&pol.seccomp_deny, "@net");
	is_int(run(&pol, p_tcp4), EPERM, "@net: TCP sockets fail with EPERM");
	is_int(run(&pol, p_udp6), EPERM, "@net: UDP sockets fail with EPERM");
	is_int(run(BARE, p_netlink), 0, "without the filter a netlink socket opens");
	is_int(run(&pol, p_netlink), EPERM, "@net: AF_NETLINK (raw) fails with EPERM");
	is_int(run(&pol, p_netlink_dgram), EPERM, "@net: AF_NETLINK (dgram) fails with EPERM");
	is_int(run(&pol, p_pair_netlink), EPERM, "@net: socketpair(AF_NETLINK) fails with EPERM");
	is_int(run(&pol, p_vsock), EPERM, "@net: AF_VSOCK fails with EPERM");
	is_int(run(&pol, p_packet), EPERM, "@net: AF_PACKET fails with EPERM (even as root)");
	is_int(run(&pol, p_bluetooth), EPERM, "@net: AF_BLUETOOTH fails with EPERM");
	is_int(run(&pol, p_unix_high), EPERM,
	       "@net: AF_UNIX with high bits in the family fails closed");
	is_int(run(&pol, p_unix_stream), 0, "@net: AF_UNIX stream sockets still open");
	is_int(run(&pol, p_unix_dgram), 0, "@net: AF_UNIX datagram sockets still open");
	is_int(run(&pol, p_pair_unix), 0, "@net: socketpair(AF_UNIX) still works");
	as_policy_free(&pol);
}

static void test_names(void)
{
	struct as_policy pol;
	struct as_seccomp *sc = NULL;
	struct as_err err = { "" };

	is_int(as_seccomp_check_name("chmod", &err), 0, "check_name: chmod is known");
	is_int(as_seccomp_check_name("open_tree_attr", &err), 0,
	       "check_name: open_tree_attr is known from our table");
	is_int(as_seccomp_check_name("@udp", &err), 0, "check_name: @udp is a group");
	is_int(as_seccomp_check_name("@mount", &err), 0, "check_name: @mount is a group");
	is_int(as_seccomp_check_name("nosuchcall", &err), -EINVAL,
	       "check_name: an unknown name fails");
	is_str(err.msg, "unknown syscall 'nosuchcall'", "check_name: the error names the syscall");
	is_int(as_seccomp_check_name("@nosuch", &err), -EINVAL,
	       "check_name: an unknown group fails");
	is_str(err.msg, "unknown seccomp group '@nosuch'", "check_name: the error names the group");
	is_int(as_seccomp_check_name("chmod\n", &err), -EINVAL,
	       "check_name: a control character fails");
	is_str(err.msg, "unknown syscall 'chmod\\x0a'", "check_name: the error escapes the name");
	is_int(as_seccomp_check_name("", &err), -EINVAL, "check_name: an empty name fails");
	is_int(as_seccomp_check_name("execve", &err), -EINVAL,
	       "check_name: execve cannot be denied");
	like(err.msg, "cannot be denied", "check_name: and says why");

	as_policy_init(&pol);
	as_strv_push(&pol.seccomp_deny, "nosuchcall");
	is_int(as_seccomp_build(&pol, &sc, &err), -EINVAL, "build: an unknown profile entry fails");
	ok(sc == NULL, "build: nothing is returned on failure");
	as_policy_free(&pol);
}

static void test_table(void)
{
#if AS_SC_HAVE_TABLE
	int bad_nr = 0, bad_class = 0, last = 0;

	for (size_t i = 0; i < AS_ARRAY_SIZE(as_sc_table); i++) {
		const struct as_sc_nr *t = &as_sc_table[i];
		int lib = seccomp_syscall_resolve_name(t->name);
		bool in_class = false;

		if (lib >= 0 && lib != t->nr) {
			printf("# %s: table %d, libseccomp %d\n", t->name, t->nr, lib);
			bad_nr++;
		}
		if (t->nr != last + 1 && last != 0)
			bad_nr++;
		last = t->nr;
		for (size_t c = 0; c < AS_ARRAY_SIZE(as_sc_classes); c++)
			for (const char *const *n = as_sc_classes[c].names; *n; n++)
				if (strcmp(*n, t->name) == 0)
					in_class = true;
		if (in_class != (t->decision == AS_SC_EPERM)) {
			printf("# %s: decision and classes disagree\n", t->name);
			bad_class++;
		}
	}
	is_int(bad_nr, 0, "table: numbers agree with libseccomp and have no gaps");
	is_int(bad_class, 0, "table: EPERM entries are exactly those in a deny class");
	is_int(last, 470, "table: ends with listns (470, Linux 6.19)");
#else
	ok(1, "table: # SKIP no syscall table for this architecture");
#endif
}

static void test_explain(void)
{
	struct as_policy pol;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	as_policy_init(&pol);
	as_strv_push(&pol.seccomp_deny, "chmod");
	as_strv_push(&pol.seccomp_deny, "@udp");
	as_seccomp_explain(&pol, f);
	fclose(f);
	like(buf, "seccomp: deny ptrace (EPERM)\n", "explain: ptrace");
	like(buf, "seccomp: deny clone with namespace flags (EPERM)\n",
	     "explain: clone namespaces");
	like(buf, "seccomp: clone3 -> ENOSYS (glibc falls back to clone)\n", "explain: clone3");
	like(buf, "seccomp: syscalls 471-511 -> ENOSYS (newer than this build knows)\n",
	     "explain: the future range");
	like(buf, "seccomp: non-native ABIs (x32, i386) -> kill\n", "explain: other ABIs");
	like(buf, "seccomp: deny chmod (EPERM, policy)\n", "explain: a profile syscall");
	like(buf, "seccomp: deny socket(AF_INET/AF_INET6, SOCK_DGRAM) (EPERM, policy)\n",
	     "explain: a profile group");
	like(buf,
	     "seccomp: deny socket(AF_INET/AF_INET6) other than TCP, UDP and raw (MPTCP, SCTP, SMC, DCCP)",
	     "explain: non-TCP stream protocols");
	ok(!strstr(buf, "deny vm86 "), "explain: syscalls this architecture lacks are not listed");
	free(buf);
	as_policy_free(&pol);
}

static void test_load_needs_nnp(void)
{
	struct as_seccomp *sc = NULL;
	struct as_err err = { "" };
	int status;
	pid_t pid;

	if (geteuid() == 0) {
		ok(1, "load without no_new_privs fails # SKIP root has CAP_SYS_ADMIN");
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (as_seccomp_build(&default_pol, &sc, &err) < 0)
			_exit(SETUP_BUILD);
		_exit(as_seccomp_load(sc, &err) == -EACCES && strstr(err.msg, "no_new_privs") ? 0 :
												1);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "load without no_new_privs fails with EACCES and says why");
}

/* The program embedded at build time is exactly what libseccomp generates
 * from today's rules: a stale copy would silently drop or add rules. */
extern const struct sock_filter as_seccomp_default_bpf[] __attribute__((weak));
extern const size_t as_seccomp_default_bpf_len __attribute__((weak));

static void test_precompiled(void)
{
	struct as_err err = { "" };
	off_t len;
	void *fresh;
	int fd;

	if (&as_seccomp_default_bpf_len == NULL) {
		printf("ok %d # skip no precompiled filter in this build (cross build)\n", ++tap_n);
		return;
	}
	fd = memfd_create("bpf", MFD_CLOEXEC);
	ok(fd >= 0 && as_seccomp_export_default_bpf(fd, &err) == 0,
	   "precompiled: export the default rules");
	len = lseek(fd, 0, SEEK_END);
	is_int(len, (off_t)(as_seccomp_default_bpf_len * sizeof(struct sock_filter)),
	       "precompiled: the embedded program has the fresh program's length");
	fresh = malloc((size_t)len);
	ok(fresh && pread(fd, fresh, (size_t)len, 0) == len &&
		   memcmp(fresh, as_seccomp_default_bpf, (size_t)len) == 0,
	   "precompiled: the embedded program equals a fresh libseccomp export");
	free(fresh);
	close(fd);
}

/* Loads filters: needs seccomp(2), which valgrind 3.19 lacks. */
static void loading(void (*test)(void), const char *name)
{
	if (tap_valgrind()) {
		printf("ok %d # skip %s: valgrind does not implement seccomp(2)\n", ++tap_n, name);
		return;
	}
	test();
}

int main(void)
{
	/* Under valgrind, seccomp(2) fails with ENOSYS and libseccomp would
	 * guess an old kernel; building and exporting filters never asks the
	 * kernel, so tell libseccomp what this kernel has. */
	if (tap_valgrind() && seccomp_api_set(3) != 0)
		printf("Bail out! seccomp_api_set(3) failed\n");
	as_policy_init(&default_pol);
	loading(test_default_denies, "test_default_denies");
	loading(test_processes_still_work, "test_processes_still_work");
	loading(test_personality, "test_personality");
	loading(test_abis_and_future, "test_abis_and_future");
	loading(test_profile_additions, "test_profile_additions");
	loading(test_non_tcp_streams, "test_non_tcp_streams");
	loading(test_net_group, "test_net_group");
	test_names();
	test_table();
	test_explain();
	loading(test_load_needs_nnp, "test_load_needs_nnp");
	test_precompiled();
	as_policy_free(&default_pol);
	return tap_done();
}
