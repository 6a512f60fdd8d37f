/* SPDX-License-Identifier: MIT */
#include "account.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

uid_t as_uid_min(void)
{
	_cleanup_free_ char *text = NULL;
	uid_t min = 1000;
	char *line, *save = NULL;

	/* login.defs is root-owned on any sane system; a missing or odd file
	 * just means the shadow default. */
	if (as_read_file(AT_FDCWD, "/etc/login.defs", AS_TRUST_ANY, 1 << 20, &text, NULL) < 0)
		return min;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = line + strspn(line, " \t"), *end;
		unsigned long v;

		if (strncmp(p, "UID_MIN", 7) != 0 || (p[7] != ' ' && p[7] != '\t'))
			continue;
		p += 7 + strspn(p + 7, " \t");
		errno = 0;
		v = strtoul(p, &end, 10);
		if (errno == 0 && end != p && v > 0 && v < 0x7fffffffUL &&
		    (*end == '\0' || *end == ' ' || *end == '\t' || *end == '#'))
			min = (uid_t)v;
	}
	return min;
}

/* The last non-empty line of what the tool wrote on stderr: its reason. */
static void last_line(const char *buf, char *out, size_t outlen)
{
	const char *end = buf + strlen(buf), *start;

	while (end > buf && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	start = end;
	while (start > buf && start[-1] != '\n')
		start--;
	if (start == end) {
		out[0] = '\0';
		return;
	}
	{
		char line[512];
		size_t n = (size_t)(end - start) < sizeof(line) - 1 ? (size_t)(end - start) :
								      sizeof(line) - 1;

		memcpy(line, start, n);
		line[n] = '\0';
		as_escape(line, out, outlen);
	}
}

int as_run(const char *const argv[], struct as_err *err)
{
	/* The tools we run (shadow's useradd & co) need nothing from our
	 * environment; a fixed one keeps LD_*, IFS, locale tricks and the
	 * caller's HOME out of them. */
	static char *const envp[] = {
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
		"LC_ALL=C",
		NULL,
	};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t all, none;
	char out[4096], why[600];
	size_t used = 0;
	int pipefd[2];
	pid_t pid;
	int r, status;

	if (!argv || !argv[0] || argv[0][0] != '/')
		return as_fail(err, -EINVAL, "%s: not an absolute path",
			       argv && argv[0] ? argv[0] : "(null)");
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return as_fail(err, -errno, "%s: pipe: %s", argv[0], strerror(errno));

	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	/* stdout is chatter (gpasswd announces every change), and so is
	 * stderr on success (userdel's "mail spool not found"); on failure
	 * the last stderr line is the tool's reason and goes into err. */
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
	sigfillset(&all);
	sigemptyset(&none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	r = posix_spawn(&pid, argv[0], &fa, &attr, (char *const *)argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(pipefd[1]);
	if (r != 0) {
		close(pipefd[0]);
		return as_fail(err, -r, "%s: cannot run: %s", argv[0], strerror(r));
	}

	/* Read to EOF before waiting, so a chatty child never blocks on a
	 * full pipe; keep the tail. */
	for (;;) {
		ssize_t n = read(pipefd[0], out + used, sizeof(out) - 1 - used);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
		if (used == sizeof(out) - 1) {
			memmove(out, out + sizeof(out) / 2, used - sizeof(out) / 2);
			used -= sizeof(out) / 2;
		}
	}
	out[used] = '\0';
	close(pipefd[0]);
	last_line(out, why, sizeof(why));

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return as_fail(err, -errno, "%s: wait failed: %s", argv[0],
				       strerror(errno));
	}
	if (WIFSIGNALED(status))
		return as_fail(err, 128 + WTERMSIG(status), "%s: killed by signal %d", argv[0],
			       WTERMSIG(status));
	if (WEXITSTATUS(status) != 0) {
		if (why[0])
			as_err_set(err, "%s exited with status %d (%s)", argv[0],
				   WEXITSTATUS(status), why);
		else
			as_err_set(err, "%s exited with status %d", argv[0], WEXITSTATUS(status));
	}
	return WEXITSTATUS(status);
}
