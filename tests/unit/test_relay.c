/* SPDX-License-Identifier: MIT */
/* The session's terminal (lib/relay.c): when a pty is made, and what it
 * takes over from the caller's terminal. */
#include <fcntl.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "relay.h"
#include "tap.h"

/* Puts fds 0-2 in place for one as_pty_open call, and back afterwards. */
struct saved_fds {
	int fd[3];
};

static void save_fds(struct saved_fds *s, int in, int out, int errfd)
{
	const int want[3] = { in, out, errfd };

	for (int i = 0; i < 3; i++) {
		s->fd[i] = dup(i);
		dup2(want[i], i);
	}
}

static void restore_fds(struct saved_fds *s)
{
	for (int i = 0; i < 3; i++) {
		dup2(s->fd[i], i);
		close(s->fd[i]);
	}
}

static void close_pty(struct as_pty *p)
{
	if (p->master >= 0) {
		close(p->master);
		close(p->slave);
	}
}

static void test_no_terminal(void)
{
	struct saved_fds saved;
	struct as_pty p;
	struct as_err err = { "" };
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int r;

	save_fds(&saved, null, null, null);
	r = as_pty_open(&p, getuid(), &err);
	restore_fds(&saved);
	close(null);
	is_int(r, 0, "no terminal: not an error");
	is_int(p.master, -1, "no terminal: no pty, fds 0-2 pass as they are");
	ok(!p.is_tty[0] && !p.is_tty[1] && !p.is_tty[2], "no terminal: none of fds 0-2 is marked");
}

static void test_terminal_on_stdin(void)
{
	struct saved_fds saved;
	struct as_pty p;
	struct as_err err = { "" };
	struct winsize ws = { .ws_row = 33, .ws_col = 77 }, got = { 0 };
	struct termios tio, gott;
	struct stat st;
	int cm, cs, null = open("/dev/null", O_RDWR | O_CLOEXEC), r;

	/* The caller's terminal: a pty of the test's, with a size and an
	 * erase character the session's must take over. */
	if (!ok(openpty(&cm, &cs, NULL, NULL, &ws) == 0, "terminal: the caller's pty opens")) {
		close(null);
		return;
	}
	tcgetattr(cs, &tio);
	tio.c_cc[VERASE] = 0x08;
	tcsetattr(cs, TCSANOW, &tio);
	save_fds(&saved, cs, null, null);
	r = as_pty_open(&p, getuid(), &err);
	restore_fds(&saved);
	is_int(r, 0, "terminal: a pty is made (%s)", err.msg);
	ok(p.master >= 0 && p.slave >= 0, "terminal: master and slave are open");
	is_int(p.tty, 0, "terminal: the caller's terminal is fd 0");
	ok(p.is_tty[0] && !p.is_tty[1] && !p.is_tty[2], "terminal: only fd 0 gets the slave");
	if (p.master >= 0) {
		ioctl(p.slave, TIOCGWINSZ, &got);
		ok(got.ws_row == 33 && got.ws_col == 77,
		   "terminal: the window size is the caller's");
		tcgetattr(p.slave, &gott);
		is_int(gott.c_cc[VERASE], 0x08, "terminal: the settings are the caller's");
		fstat(p.slave, &st);
		is_int(st.st_mode & 07777, 0620, "terminal: the slave is mode 0620");
		is_int(st.st_uid, getuid(), "terminal: the slave belongs to the given uid");
		ok((fcntl(p.master, F_GETFD) & FD_CLOEXEC) &&
			   (fcntl(p.slave, F_GETFD) & FD_CLOEXEC),
		   "terminal: both ends are close-on-exec");
		ok(p.master != cm && p.slave != cs, "terminal: a new pty, not the caller's");
	}
	close_pty(&p);
	close(cm);
	close(cs);
	close(null);
}

int main(void)
{
	test_no_terminal();
	test_terminal_on_stdin();
	return tap_done();
}
