/* SPDX-License-Identifier: MIT */
/*
 * probe: performs one operation and prints "ok" or the errno's name
 * (EACCES, EPERM, ...), so integration tests can assert the exact failure.
 *
 *   probe read PATH | write PATH | create PATH | truncate PATH | exec PATH
 *   probe rename FROM TO | link FROM TO | symlink TARGET LINK
 *   probe connect PORT | bind PORT | connect-abstract NAME | udp
 *   probe kill PID | ptrace PID | unshare-user | unshare-mount | mount
 *   probe tiocsti | setuid0
 *   probe exec-argc0 PATH      (execs PATH with argc == 0, as PwnKit did)
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
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

static int abstract_connect(const char *name)
{
	struct sockaddr_un su = { .sun_family = AF_UNIX };
	size_t nl = strlen(name);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || nl + 1 > sizeof(su.sun_path))
		return -1;
	memcpy(su.sun_path + 1, name, nl);
	return connect(fd, (struct sockaddr *)&su, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + nl));
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
	if (!strcmp(op, "bind"))
		return report(tcp(a, 1));
	if (!strcmp(op, "connect-abstract"))
		return report(abstract_connect(a));
	if (!strcmp(op, "udp"))
		return report(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	if (!strcmp(op, "kill"))
		return report(kill(atoi(a), 0) < 0 ? -1 : kill(atoi(a), SIGCONT));
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
	fprintf(stderr, "probe: unknown operation '%s'\n", op);
	return 2;
}
