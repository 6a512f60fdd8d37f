/* SPDX-License-Identifier: MIT */
/*
 * probe: performs one operation and prints "ok" or the errno's name
 * (EACCES, EPERM, ...), so integration tests can assert the exact failure.
 *
 *   probe read PATH | write PATH | create PATH | truncate PATH | exec PATH
 *   probe rename FROM TO | link FROM TO | symlink TARGET LINK
 *   probe connect PORT | bind PORT | connect-abstract NAME | udp
 *   probe kill PID | ptrace PID | shmat SHMID | unshare-user | unshare-mount | mount
 *   probe tiocsti | setuid0
 *   probe exec-argc0 PATH      (execs PATH with argc == 0, as PwnKit did)
 *
 * Added for the escape suite (tests/escape/):
 *   probe open PATH (open O_RDONLY, read nothing: /proc/PID/mem)
 *   probe chmod PATH OCTAL-MODE
 *   probe readdir PATH | opath-reopen PATH | openat-fd FD NAME | handle PATH
 *   probe connect-unix PATH | udp-send PORT
 *   probe listen-tcp PORT | listen-abstract NAME | listen-unix PATH
 *                              (print "ok" once listening, then wait forever)
 *   probe vm-read PID | pidfd-getfd PID FD | perf | bpf | io-uring | keyctl
 *   probe userfaultfd | userns-mount | clone3-ns | int80-unshare | x32
 *   probe forkbomb N           (up to N children; "ok" if all were made)
 *   probe fsize PATH BYTES     (write BYTES to PATH with SIGXFSZ ignored)
 *   probe connect-mptcp PORT   (MPTCP to 127.0.0.1:PORT; a plain TCP
 *                              listener answers it, MPTCP falls back)
 *   probe socket FAMILY TYPE PROTOCOL | socketpair FAMILY TYPE
 *                              (numbers, as socket(2) takes them)
 *
 * Added for the egress fence (tests/integration/egress.bats); ADDR is a
 * numeric IPv4 or IPv6 address:
 *   probe connect-to ADDR PORT | udp-to ADDR PORT   (TCP connect; one datagram)
 *   probe resolve NAME          (getaddrinfo: the first address, or EAI_*)
 *   probe connect-name NAME PORT   (resolve, then TCP connect to it)
 *   probe dns-to ADDR PORT NAME    (one UDP DNS query for NAME's A record:
 *                                   "rcode=N answers=M", or the errno)
 * Operations that run in a child (int80-unshare, x32) print "SIGSYS" when
 * seccomp kills it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <linux/sched.h>
#include <linux/userfaultfd.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static int report(int r)
{
	if (r >= 0)
		puts("ok");
	else
		puts(strerrorname_np(errno) ? strerrorname_np(errno) : "EUNKNOWN");
	return 0;
}

static int tcp(const char *port, int do_bind)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	sa.sin_port = htons((uint16_t)atoi(port));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (do_bind)
		return bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	return connect(fd, (struct sockaddr *)&sa, sizeof(sa));
}

/* MPTCP: IPPROTO_MPTCP (262) is missing from glibc 2.36's headers. */
static int mptcp_connect(const char *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 262);

	if (fd < 0)
		return -1;
	sa.sin_port = htons((uint16_t)atoi(port));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return connect(fd, (struct sockaddr *)&sa, sizeof(sa));
}

/* A numeric ADDR (v4 or v6) and PORT as a sockaddr; -1 if ADDR is not one. */
static int sockaddr_of(const char *addr, const char *port, struct sockaddr_storage *ss,
		       socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)atoi(port));
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)atoi(port));
		*len = sizeof(*s6);
		return 0;
	}
	errno = EINVAL;
	return -1;
}

static int inet_op(const char *addr, const char *port, int type)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	if (sockaddr_of(addr, port, &ss, &len) < 0)
		return -1;
	fd = socket(ss.ss_family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (type == SOCK_STREAM)
		return connect(fd, (struct sockaddr *)&ss, len);
	return sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, len) == 1 ? 0 : -1;
}

static int resolve(const char *name, char *out, size_t outlen)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *ai;
	int r = getaddrinfo(name, NULL, &hints, &ai);

	if (r != 0) {
		snprintf(out, outlen, "%s",
			 r == EAI_NONAME ? "EAI_NONAME" :
			 r == EAI_AGAIN  ? "EAI_AGAIN" :
			 r == EAI_FAIL   ? "EAI_FAIL" :
			 r == EAI_SYSTEM ? "EAI_SYSTEM" :
					   "EAI_OTHER");
		return -1;
	}
	inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, out, (socklen_t)outlen);
	freeaddrinfo(ai);
	return 0;
}

static int dns_to(const char *addr, const char *port, const char *name)
{
	unsigned char q[512], a[512];
	struct sockaddr_storage ss;
	struct pollfd pfd;
	socklen_t len;
	size_t n = 12;
	ssize_t got;
	int fd;

	if (sockaddr_of(addr, port, &ss, &len) < 0 || strlen(name) > 200)
		return report(-1);
	memset(q, 0, sizeof(q));
	q[0] = 0x12;
	q[1] = 0x34;
	q[2] = 0x01;
	q[5] = 1; /* id, RD, one question */
	for (const char *l = name; *l;) {
		size_t ll = strcspn(l, ".");

		q[n++] = (unsigned char)ll;
		memcpy(q + n, l, ll);
		n += ll;
		l += ll + (l[ll] == '.');
	}
	q[n++] = 0;
	q[n++] = 0;
	q[n++] = 1; /* A */
	q[n++] = 0;
	q[n++] = 1; /* IN */
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sendto(fd, q, n, 0, (struct sockaddr *)&ss, len) != (ssize_t)n)
		return report(-1);
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 3000) != 1) {
		puts("timeout");
		return 0;
	}
	got = recv(fd, a, sizeof(a), 0);
	if (got < 12)
		return report(-1);
	printf("rcode=%d answers=%d\n", a[3] & 15, a[6] << 8 | a[7]);
	return 0;
}

static int abstract_connect(const char *name)
{
	struct sockaddr_un su = { .sun_family = AF_UNIX };
	size_t nl = strlen(name);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || nl + 1 > sizeof(su.sun_path))
		return -1;
	memcpy(su.sun_path + 1, name, nl);
	return connect(fd, (struct sockaddr *)&su,
		       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + nl));
}

static int unix_connect(const char *path)
{
	struct sockaddr_un su = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (strlen(path) >= sizeof(su.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(su.sun_path, path);
	return connect(fd, (struct sockaddr *)&su, sizeof(su));
}

/* Listens on an already bound socket, says so, and accepts and closes
 * connections until killed (a full backlog would make connect(2) hang). */
static int serve(int fd, int r)
{
	if (r < 0 || listen(fd, 64) < 0)
		return report(-1);
	report(0);
	fflush(stdout);
	for (;;) {
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

		if (c >= 0)
			close(c);
	}
}

static int listen_tcp(const char *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return report(-1);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_port = htons((uint16_t)atoi(port));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return serve(fd, bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
}

static int listen_unix(const char *name, int abstract)
{
	struct sockaddr_un su = { .sun_family = AF_UNIX };
	size_t nl = strlen(name);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || nl + 2 > sizeof(su.sun_path))
		return report(-1);
	memcpy(su.sun_path + (abstract ? 1 : 0), name, nl);
	return serve(fd, bind(fd, (struct sockaddr *)&su,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
					  (abstract ? 1 : 0) + nl)));
}

/* Runs fn in a child: seccomp's KILL_PROCESS for other ABIs must not take
 * the reporting process with it. */
static int in_child(long (*fn)(void))
{
	int pfd[2], st;
	long r = 0;
	int e = 0;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return report(-1);
	pid = fork();
	if (pid < 0)
		return report(-1);
	if (pid == 0) {
		int out[2];

		r = fn();
		out[0] = r < 0 ? 1 : 0;
		out[1] = (int)(r < 0 ? -r : 0);
		if (write(pfd[1], out, sizeof(out)) < 0)
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	int got[2];
	ssize_t n = read(pfd[0], got, sizeof(got));

	waitpid(pid, &st, 0);
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS) {
		puts("SIGSYS");
		return 0;
	}
	if (n != (ssize_t)sizeof(got)) {
		puts("ECHILD");
		return 0;
	}
	e = got[1];
	errno = e;
	return report(got[0] ? -1 : 0);
}

/* unshare(CLONE_NEWUSER) through the i386 table: 310 there, 272 natively.
 * A filter written for x86_64 numbers would not see it. */
static long int80_unshare(void)
{
#if defined(__x86_64__)
	long r;
	long nr = 310, flags = CLONE_NEWUSER;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(flags) : "memory");
	return r;
#else
	return -ENOSYS;
#endif
}

/* getpid through the x32 ABI (bit 30 set). */
static long x32_getpid(void)
{
#if defined(__x86_64__)
	long r = syscall(0x40000000L | SYS_getpid);

	return r < 0 ? -errno : r;
#else
	return -ENOSYS;
#endif
}

static int clone3_ns(void)
{
	struct clone_args ca = { .flags = CLONE_NEWUSER, .exit_signal = SIGCHLD };
	long pid = syscall(SYS_clone3, &ca, sizeof(ca));
	int st;

	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return report(-1);
	waitpid((pid_t)pid, &st, 0);
	return report(0);
}

static int userns_mount(void)
{
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return report(-1);
	return report(mount("none", "/tmp", "tmpfs", 0, NULL));
}

static int perf(void)
{
	struct perf_event_attr pe = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(pe),
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.disabled = 1,
		.exclude_kernel = 1,
		.exclude_hv = 1,
	};

	return report((int)syscall(SYS_perf_event_open, &pe, 0, -1, -1, 0));
}

static int bpf_map(void)
{
	union bpf_attr at;

	memset(&at, 0, sizeof(at));
	at.map_type = BPF_MAP_TYPE_ARRAY;
	at.key_size = 4;
	at.value_size = 4;
	at.max_entries = 1;
	return report((int)syscall(SYS_bpf, BPF_MAP_CREATE, &at, sizeof(at)));
}

static int io_uring(void)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	return report((int)syscall(SYS_io_uring_setup, 1, &p));
}

static int vm_read(const char *pid)
{
	char buf[16];
	/* Any address: the permission check (mm_access) comes before the
	 * copy, so EFAULT means the access itself was allowed. */
	struct iovec local = { buf, sizeof(buf) }, remote = { (void *)0x10000, sizeof(buf) };
	ssize_t r = process_vm_readv(atoi(pid), &local, 1, &remote, 1, 0);

	if (r < 0 && errno == EFAULT)
		r = 0;
	return report((int)r);
}

static int pidfd_getfd(const char *pid, const char *fd)
{
	int pfd = (int)syscall(SYS_pidfd_open, atoi(pid), 0);

	if (pfd < 0)
		return report(-1);
	return report((int)syscall(SYS_pidfd_getfd, pfd, atoi(fd), 0));
}

static int handle(const char *path)
{
	struct {
		struct file_handle fh;
		unsigned char space[MAX_HANDLE_SZ];
	} h;
	int mnt;

	h.fh.handle_bytes = MAX_HANDLE_SZ;
	return report(name_to_handle_at(AT_FDCWD, path, &h.fh, &mnt, 0));
}

static int forkbomb(const char *count)
{
	int n = atoi(count), made = 0, r = 0;
	pid_t *kids = calloc((size_t)n, sizeof(*kids));

	if (!kids)
		return report(-1);
	for (; made < n; made++) {
		pid_t pid = fork();

		if (pid == 0) {
			pause();
			_exit(0);
		}
		if (pid < 0) {
			r = -1;
			break;
		}
		kids[made] = pid;
	}
	int e = errno;
	for (int i = 0; i < made; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	errno = e;
	return report(r);
}

static int fsize(const char *path, const char *bytes)
{
	static char block[65536];
	long left = atol(bytes);
	int fd;

	signal(SIGXFSZ, SIG_IGN);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return report(-1);
	while (left > 0) {
		size_t chunk = left < (long)sizeof(block) ? (size_t)left : sizeof(block);
		ssize_t w = write(fd, block, chunk);

		if (w < 0)
			return report(-1);
		left -= w;
	}
	return report(0);
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";
	const char *a = argc > 2 ? argv[2] : "";
	const char *b = argc > 3 ? argv[3] : "";

	if (!strcmp(op, "read")) {
		char buf[64];
		int fd = open(a, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return report(-1);
		return report((int)read(fd, buf, sizeof(buf)));
	}
	if (!strcmp(op, "write"))
		return report(open(a, O_WRONLY | O_APPEND | O_CLOEXEC));
	if (!strcmp(op, "create"))
		return report(open(a, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0660));
	if (!strcmp(op, "truncate"))
		return report(truncate(a, 0));
	if (!strcmp(op, "rename"))
		return report(rename(a, b));
	if (!strcmp(op, "link"))
		return report(link(a, b));
	if (!strcmp(op, "symlink"))
		return report(symlink(a, b));
	if (!strcmp(op, "exec")) {
		pid_t pid;
		int st;
		int pfd[2];
		if (pipe2(pfd, O_CLOEXEC) < 0)
			return report(-1);
		pid = fork();
		if (pid == 0) {
			char *args[] = { (char *)a, NULL };
			execv(a, args);
			int e = errno;
			if (write(pfd[1], &e, sizeof(e)) < 0)
				_exit(126);
			_exit(127);
		}
		close(pfd[1]);
		int e = 0;
		if (read(pfd[0], &e, sizeof(e)) == (ssize_t)sizeof(e)) {
			waitpid(pid, &st, 0);
			errno = e;
			return report(-1);
		}
		waitpid(pid, &st, 0);
		return report(0);
	}
	if (!strcmp(op, "connect"))
		return report(tcp(a, 0));
	if (!strcmp(op, "connect-to") && argc > 3)
		return report(inet_op(a, argv[3], SOCK_STREAM));
	if (!strcmp(op, "udp-to") && argc > 3)
		return report(inet_op(a, argv[3], SOCK_DGRAM));
	if (!strcmp(op, "dns-to") && argc > 4)
		return dns_to(a, argv[3], argv[4]);
	if (!strcmp(op, "resolve") || (!strcmp(op, "connect-name") && argc > 3)) {
		char addr[64];

		if (resolve(a, addr, sizeof(addr)) < 0) {
			puts(addr);
			return 0;
		}
		if (!strcmp(op, "resolve")) {
			puts(addr);
			return 0;
		}
		return report(inet_op(addr, argv[3], SOCK_STREAM));
	}
	if (!strcmp(op, "bind"))
		return report(tcp(a, 1));
	if (!strcmp(op, "connect-abstract"))
		return report(abstract_connect(a));
	if (!strcmp(op, "udp"))
		return report(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	if (!strcmp(op, "kill"))
		return report(kill(atoi(a), 0) < 0 ? -1 : kill(atoi(a), SIGCONT));
	if (!strcmp(op, "shmat"))
		return report(shmat(atoi(a), NULL, SHM_RDONLY) == (void *)-1 ? -1 : 0);
	if (!strcmp(op, "ptrace"))
		return report((int)ptrace(PTRACE_ATTACH, atoi(a), NULL, NULL));
	if (!strcmp(op, "unshare-user"))
		return report(unshare(CLONE_NEWUSER));
	if (!strcmp(op, "unshare-mount"))
		return report(unshare(CLONE_NEWNS));
	if (!strcmp(op, "mount"))
		return report(mount("none", "/tmp", "tmpfs", 0, NULL));
	if (!strcmp(op, "tiocsti")) {
		char c = 'x';
		return report(ioctl(0, TIOCSTI, &c));
	}
	if (!strcmp(op, "exec-argc0")) {
		char *none[] = { NULL };
		execve(a, none, none);
		return report(-1);
	}
	if (!strcmp(op, "setuid0"))
		return report(setuid(0));
	if (!strcmp(op, "open"))
		return report(open(a, O_RDONLY | O_CLOEXEC));
	if (!strcmp(op, "chmod"))
		return report(chmod(a, (mode_t)strtol(b, NULL, 8)));
	if (!strcmp(op, "readdir")) {
		int fd = open(a, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		char buf[4096];
		if (fd < 0)
			return report(-1);
		return report((int)syscall(SYS_getdents64, fd, buf, sizeof(buf)));
	}
	if (!strcmp(op, "opath-reopen")) {
		char via[64];
		int fd = open(a, O_PATH | O_CLOEXEC);
		if (fd < 0)
			return report(-1);
		snprintf(via, sizeof(via), "/proc/self/fd/%d", fd);
		return report(open(via, O_RDONLY | O_CLOEXEC));
	}
	if (!strcmp(op, "openat-fd"))
		return report(openat(atoi(a), b, O_RDONLY | O_CLOEXEC));
	if (!strcmp(op, "handle"))
		return handle(a);
	if (!strcmp(op, "connect-unix"))
		return report(unix_connect(a));
	if (!strcmp(op, "udp-send")) {
		struct sockaddr_in sa = { .sin_family = AF_INET };
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return report(-1);
		sa.sin_port = htons((uint16_t)atoi(a));
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return report((int)sendto(fd, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa)));
	}
	if (!strcmp(op, "listen-tcp"))
		return listen_tcp(a);
	if (!strcmp(op, "listen-abstract"))
		return listen_unix(a, 1);
	if (!strcmp(op, "listen-unix"))
		return listen_unix(a, 0);
	if (!strcmp(op, "vm-read"))
		return vm_read(a);
	if (!strcmp(op, "pidfd-getfd"))
		return pidfd_getfd(a, b);
	if (!strcmp(op, "perf"))
		return perf();
	if (!strcmp(op, "bpf"))
		return bpf_map();
	if (!strcmp(op, "io-uring"))
		return io_uring();
	if (!strcmp(op, "keyctl"))
		return report(
			(int)syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0));
	if (!strcmp(op, "userfaultfd"))
		return report((int)syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY));
	if (!strcmp(op, "userns-mount"))
		return userns_mount();
	if (!strcmp(op, "clone3-ns"))
		return clone3_ns();
	if (!strcmp(op, "int80-unshare"))
		return in_child(int80_unshare);
	if (!strcmp(op, "x32"))
		return in_child(x32_getpid);
	if (!strcmp(op, "connect-mptcp"))
		return report(mptcp_connect(a));
	if (!strcmp(op, "socket") && argc > 4)
		return report(socket(atoi(a), atoi(b), atoi(argv[4])));
	if (!strcmp(op, "socketpair")) {
		int sv[2];
		return report(socketpair(atoi(a), atoi(b), 0, sv));
	}
	if (!strcmp(op, "forkbomb"))
		return forkbomb(a);
	if (!strcmp(op, "fsize"))
		return fsize(a, b);
	fprintf(stderr, "probe: unknown operation '%s'\n", op);
	return 2;
}
