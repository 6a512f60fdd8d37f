/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "command.h"
#include "common.h"
#include "tap.h"

static void test_escape(void)
{
	char buf[64];

	as_escape("a\nb\x1b[0m\\", buf, sizeof(buf));
	is_str(buf, "a\\x0ab\\x1b[0m\\x5c", "escape: control characters and backslash become \\xNN");
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
	is_int(as_read_file(dfd, "f", AS_TRUST_ANY, 100, &buf, &err), 0, "read_file: reads a small file");
	is_str(buf, "hello\n", "read_file: content is intact");
	free(buf);
	buf = NULL;
	is_int(as_read_file(dfd, "f", AS_TRUST_ANY, 3, &buf, &err), -EFBIG, "read_file: refuses a file over the limit");
	like(err.msg, "larger than 3 bytes", "read_file: says why");

	ok(symlinkat("f", dfd, "link") == 0, "make symlink");
	is_int(as_read_file(dfd, "link", AS_TRUST_ANY, 100, &buf, &err), -ELOOP, "read_file: never follows a symlink");

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

int main(void)
{
	test_escape();
	test_read_file();
	test_resolve_command();
	return tap_done();
}
