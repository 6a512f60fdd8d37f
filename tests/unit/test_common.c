/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "command.h"
#include "common.h"
#include "tap.h"

static void test_escape(void)
{
	char buf[64];

	as_escape("a\nb\x1b[0m\\", buf, sizeof(buf));
	is_str(buf, "a\\x0ab\\x1b[0m\\x5c",
	       "escape: control characters and backslash become \\xNN");
	as_escape("abcdef", buf, 4);
	is_str(buf, "abc", "escape: output is truncated, never overflows");
}

static void test_read_file(void)
{
	char dir[] = "/tmp/as-test-XXXXXX";
	struct as_err err = { "" };
	char *buf = NULL;
	int fd, dfd;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	fd = openat(dfd, "f", O_WRONLY | O_CREAT, 0644);
	ok(write(fd, "hello\n", 6) == 6, "write test file");
	close(fd);
	is_int(as_read_file(dfd, "f", AS_TRUST_ANY, 100, &buf, &err), 0,
	       "read_file: reads a small file");
	is_str(buf, "hello\n", "read_file: content is intact");
	free(buf);
	buf = NULL;
	is_int(as_read_file(dfd, "f", AS_TRUST_ANY, 3, &buf, &err), -EFBIG,
	       "read_file: refuses a file over the limit");
	like(err.msg, "larger than 3 bytes", "read_file: says why");
	/* The buffer is sized by the file, the limit still by MAX. */
	is_int(as_read_file(dfd, "f", AS_TRUST_ANY, 6, &buf, &err), 0,
	       "read_file: a file exactly at the limit is read");
	is_str(buf, "hello\n", "read_file: all of it");
	free(buf);
	buf = NULL;
	is_int(as_read_file(dfd, "f", AS_TRUST_ANY, 5, &buf, &err), -EFBIG,
	       "read_file: one byte over the limit is refused");
	fd = openat(dfd, "empty", O_WRONLY | O_CREAT, 0644);
	close(fd);
	is_int(as_read_file(dfd, "empty", AS_TRUST_ANY, 1 << 20, &buf, &err), 0,
	       "read_file: an empty file is read");
	is_str(buf, "", "read_file: as an empty string");
	free(buf);
	buf = NULL;
	ok(unlinkat(dfd, "empty", 0) == 0, "remove the empty file");
	/* A file longer than its size says (proc reports 0): the buffer grows. */
	is_int(as_read_file(AT_FDCWD, "/proc/self/status", AS_TRUST_ANY, 1 << 16, &buf, &err), 0,
	       "read_file: a file longer than its stat size is read");
	ok(buf && strncmp(buf, "Name:", 5) == 0 && strstr(buf, "\nCapBnd:") != NULL,
	   "read_file: all of it, past the size stat gave");
	free(buf);
	buf = NULL;
	is_int(as_read_file(AT_FDCWD, "/proc/self/status", AS_TRUST_ANY, 64, &buf, &err), -EFBIG,
	       "read_file: and still no further than the limit");

	ok(symlinkat("f", dfd, "link") == 0, "make symlink");
	is_int(as_read_file(dfd, "link", AS_TRUST_ANY, 100, &buf, &err), -ELOOP,
	       "read_file: never follows a symlink");

	ok(fchmodat(dfd, "f", 0664, 0) == 0, "make the file group-writable");
	if (geteuid() == 0) {
		is_int(as_read_file(dfd, "f", AS_TRUST_ROOT_ONLY, 100, &buf, &err), -EPERM,
		       "read_file: a group-writable file is not trusted");
		like(err.msg, "writable by group or others", "read_file: names the reason");
	} else {
		is_int(as_read_file(dfd, "f", AS_TRUST_ROOT_ONLY, 100, &buf, &err), -EPERM,
		       "read_file: a file not owned by root is not trusted");
		like(err.msg, "not owned by root", "read_file: names the reason");
	}
	unlinkat(dfd, "link", 0);
	unlinkat(dfd, "f", 0);
	close(dfd);
	rmdir(dir);
}

/* Root-only trust covers the directory holding the file and those above. */
static void test_read_file_dirs(void)
{
	char dir[] = "/tmp/as-trust-XXXXXX";
	struct as_err err = { "" };
	char *buf = NULL;
	int fd, dfd;

	if (geteuid() != 0) {
		ok(1, "read_file: directory trust # SKIP needs root to own the test tree");
		return;
	}
	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	ok(mkdirat(dfd, "sub", 0755) == 0, "make a subdirectory");
	fd = openat(dfd, "sub/f", O_WRONLY | O_CREAT, 0644);
	ok(fd >= 0 && write(fd, "x\n", 2) == 2, "write test file");
	close(fd);
	is_int(as_read_file(dfd, "sub/f", AS_TRUST_ROOT_ONLY, 100, &buf, &err), 0,
	       "read_file: a root file in root directories is trusted");
	free(buf);
	buf = NULL;

	ok(fchmodat(dfd, "sub", 0775, 0) == 0, "make the holding directory group-writable");
	is_int(as_read_file(dfd, "sub/f", AS_TRUST_ROOT_ONLY, 100, &buf, &err), -EPERM,
	       "read_file: a file in a group-writable directory is not trusted");
	is_str(err.msg,
	       "sub/f: its directory is writable by group or others (mode 0775); refusing to trust it",
	       "read_file: names the directory and its mode");
	ok(fchmodat(dfd, "sub", 01777, 0) == 0,
	   "make the holding directory sticky and world-writable");
	is_int(as_read_file(dfd, "sub/f", AS_TRUST_ROOT_ONLY, 100, &buf, &err), -EPERM,
	       "read_file: a sticky holding directory is still refused (anyone could add a file)");
	ok(fchmodat(dfd, "sub", 0755, 0) == 0 && fchownat(dfd, "sub", 65534, 0, 0) == 0,
	   "give the holding directory to nobody");
	is_int(as_read_file(dfd, "sub/f", AS_TRUST_ROOT_ONLY, 100, &buf, &err), -EPERM,
	       "read_file: a file in a directory not owned by root is not trusted");
	is_str(err.msg,
	       "sub/f: its directory is not owned by root (uid 65534); refusing to trust it",
	       "read_file: names the owner");
	is_int(as_read_file(dfd, "sub/f", AS_TRUST_ANY, 100, &buf, &err), 0,
	       "read_file: AS_TRUST_ANY does not look at directories");
	free(buf);
	buf = NULL;
	ok(fchownat(dfd, "sub", 0, 0, 0) == 0 && fchmod(dfd, 0777) == 0,
	   "make the directory above world-writable");
	is_int(as_read_file(dfd, "sub/f", AS_TRUST_ROOT_ONLY, 100, &buf, &err), -EPERM,
	       "read_file: a world-writable directory above is not trusted");
	is_str(err.msg,
	       "sub/f: a directory above it is writable by group or others (mode 0777); refusing to trust it",
	       "read_file: says it is a directory above");
	ok(fchmod(dfd, 01777) == 0, "make the directory above sticky, like /tmp");
	is_int(as_read_file(dfd, "sub/f", AS_TRUST_ROOT_ONLY, 100, &buf, &err), 0,
	       "read_file: a sticky directory above is fine");
	free(buf);
	unlinkat(dfd, "sub/f", 0);
	unlinkat(dfd, "sub", AT_REMOVEDIR);
	close(dfd);
	rmdir(dir);
}

static void test_resolve_command(void)
{
	char dir[] = "/tmp/as-cmd-XXXXXX";
	char path[64], file[128];
	char *got;
	int code, fd;

	got = as_resolve_command("sh", "/usr/bin:/bin", &code);
	ok(got && (strcmp(got, "/usr/bin/sh") == 0 || strcmp(got, "/bin/sh") == 0),
	   "command: a bare name is found in the search path");
	free(got);
	got = as_resolve_command("as-no-such-command", "/usr/bin:/bin", &code);
	ok(!got && code == AS_EXIT_NOT_FOUND, "command: a missing name is 127");
	got = as_resolve_command("/bin/sh", "", &code);
	is_str(got, "/bin/sh", "command: a path with '/' is taken as it is");
	free(got);
	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(file, sizeof(file), "%s/tool", dir);
	fd = open(file, O_WRONLY | O_CREAT, 0644);
	close(fd);
	snprintf(path, sizeof(path), "%s", dir);
	got = as_resolve_command("tool", path, &code);
	ok(!got && code == AS_EXIT_CANNOT_EXEC, "command: found but not executable is 126");
	ok(chdir(dir) == 0 && chmod(file, 0755) == 0, "make it executable, cd next to it");
	got = as_resolve_command("tool", ".:relative", &code);
	ok(!got && code == AS_EXIT_NOT_FOUND, "command: relative search entries are skipped");
	got = as_resolve_command("tool", path, &code);
	is_str(got, file, "command: an executable in the search path is found");
	free(got);
	ok(chdir("/") == 0, "leave the directory");
	unlink(file);
	rmdir(dir);
}

/* as_write_all: every byte arrives; a reader that is gone is -EPIPE. */
static void test_write_all(void)
{
	char big[200000], back[sizeof(big)];
	size_t got = 0;
	int p[2];
	pid_t pid;

	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = 'y';
	if (pipe(p) < 0) {
		ok(0, "pipe");
		return;
	}
	/* More than a pipe holds: the writer must carry on after short writes. */
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		_exit(as_write_all(p[1], big, sizeof(big)) == 0 ? 0 : 1);
	}
	close(p[1]);
	for (ssize_t n; got < sizeof(back) && (n = read(p[0], back + got, sizeof(back) - got)) > 0;)
		got += (size_t)n;
	close(p[0]);
	is_int((int)got, (int)sizeof(big), "write_all: every byte of a write larger than the pipe");
	ok(got == sizeof(big) && back[sizeof(back) - 1] == 'y', "write_all: the last byte too");
	{
		int st = -1;

		ok(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		   "write_all: 0 when all was written");
	}
	if (pipe(p) < 0) {
		ok(0, "pipe");
		return;
	}
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	is_int(as_write_all(p[1], "x", 1), -EPIPE, "write_all: -EPIPE when the reader is gone");
	signal(SIGPIPE, SIG_DFL);
	close(p[1]);
}

/* Messages with at most one fd over a SOCK_SEQPACKET pair (the git step's). */
static void test_msg(void)
{
	char buf[16], one[] = "ab\0cd\0", *f[3];
	struct iovec iov[2] = { { (void *)"x", 1 }, { (void *)"yz", 2 } };
	struct stat a, b;
	int sp[2], fd, p[2], lowest, probe;
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0 || pipe(p) < 0) {
		ok(0, "msg: a socket pair and a pipe");
		return;
	}
	is_int(as_msg_send(sp[0], iov, 2, -1), 0, "msg: two parts, no fd");
	n = as_msg_recv(sp[1], buf, sizeof(buf), &fd);
	ok(n == 3 && !memcmp(buf, "xyz", 3) && fd == -1, "msg: one message of both parts, no fd");
	is_int(as_msg_send(sp[0], iov, 1, p[0]), 0, "msg: with an fd");
	n = as_msg_recv(sp[1], buf, sizeof(buf), &fd);
	ok(n == 1 && fd >= 0 && fstat(fd, &a) == 0 && fstat(p[0], &b) == 0 && a.st_ino == b.st_ino,
	   "msg: the fd arrives, the same file");
	ok(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "msg: close-on-exec");
	if (fd >= 0)
		close(fd);
	{
		/* Two fds in one message: not what the pair carries. */
		union {
			char b[CMSG_SPACE(2 * sizeof(int))];
			struct cmsghdr align;
		} cb = { { 0 } };
		int two[2] = { p[0], p[1] };
		struct msghdr mh = { .msg_iov = iov,
				     .msg_iovlen = 1,
				     .msg_control = cb.b,
				     .msg_controllen = sizeof(cb.b) };
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(two));
		memcpy(CMSG_DATA(c), two, sizeof(two));
		lowest = dup(0);
		if (lowest >= 0)
			close(lowest);
		ok(sendmsg(sp[0], &mh, 0) == 1, "msg: two fds sent");
		is_int(as_msg_recv(sp[1], buf, sizeof(buf), &fd), -EPROTO, "msg: two fds: refused");
		is_int(fd, -1, "msg: and none kept");
		probe = dup(0);
		ok(probe == lowest, "msg: the two received are closed (lowest free fd %d, now %d)",
		   lowest, probe);
		if (probe >= 0)
			close(probe);
	}
	is_int(as_msg_send(sp[0], iov + 1, 1, -1), 0, "msg: two bytes");
	is_int(as_msg_recv(sp[1], buf, 1, &fd), -EPROTO, "msg: longer than the buffer: refused");
	close(sp[0]);
	is_int(as_msg_recv(sp[1], buf, sizeof(buf), &fd), 0, "msg: 0 at the end");
	ok(as_msg_send(sp[1], iov, 1, -1) < 0, "msg: a send to a closed peer fails (no SIGPIPE)");
	close(sp[1]);
	close(p[0]);
	close(p[1]);

	ok(as_msg_fields(one, sizeof(one) - 1, f, 2) && !strcmp(f[0], "ab") && !strcmp(f[1], "cd"),
	   "fields: two");
	ok(!as_msg_fields(one, sizeof(one) - 1, f, 1), "fields: more than asked: refused");
	ok(!as_msg_fields(one, sizeof(one) - 1, f, 3), "fields: fewer than asked: refused");
	ok(!as_msg_fields(one, sizeof(one) - 2, f, 2), "fields: the last without its NUL: refused");
	ok(!as_msg_fields(one, 0, f, 1), "fields: nothing: refused");
}

int main(void)
{
	test_escape();
	test_read_file();
	test_read_file_dirs();
	test_resolve_command();
	test_write_all();
	test_msg();
	return tap_done();
}
