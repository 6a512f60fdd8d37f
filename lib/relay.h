/* SPDX-License-Identifier: MIT */
/*
 * The session's own terminal: a new pseudo-terminal for the agent, and the
 * relay between it and the caller's terminal (the way sudo's use_pty,
 * util-linux su --pty and script(1) do it).  The agent never holds an fd on
 * the caller's terminal, so nothing it leaves behind can read what the
 * owner types after the session, and TIOCSTI has nothing of the owner's to
 * reach.
 */
#ifndef AS_RELAY_H
#define AS_RELAY_H

#include <stdbool.h>
#include <sys/types.h>
#include <termios.h>

#include "common.h"

struct as_pty {
	int master; /* -1: no terminal among fds 0-2, nothing to relay */
	int slave;
	int tty;        /* the caller's terminal: the first of fds 0-2 that is one */
	bool is_tty[3]; /* which of fds 0-2 are terminals (they get the slave) */
	bool raw;       /* the caller's terminal is in raw mode, saved below */
	struct termios saved;
};

/*
 * Opens a pty when one of fds 0-2 is a terminal (p->master = -1 when none
 * is): the slave starts with the caller's terminal settings and window
 * size, and belongs to uid (mode 0620, group unchanged), as login(1) leaves
 * a user's terminal.  Both ends are close-on-exec.  Returns 0 or -errno.
 */
int as_pty_open(struct as_pty *p, uid_t uid, struct as_err *err);

/*
 * In the session's init: a new session, with the slave as its controlling
 * terminal.  Returns 0 or -errno.
 */
int as_pty_attach_init(const struct as_pty *p, struct as_err *err);

/*
 * In the session's command (a child of init): a process group of its own,
 * the terminal's foreground one, and the slave on each of fds 0-2 that was
 * a terminal; both pty fds closed.  Its parent (init) stays in the same
 * session in another group, so the group is not orphaned and ^Z stops it
 * (an orphaned group ignores SIGTSTP).  Returns 0 or -errno.
 */
int as_pty_attach_cmd(const struct as_pty *p, struct as_err *err);

/*
 * The parent's loop, until the process init exits; returns its wait status.
 * Copies the caller's terminal to the master and the master to the
 * caller's terminal (raw mode while the session runs in the foreground,
 * restored on return and while stopped); a byte on stop_fd means the
 * session's command stopped: the parent stops too, and on SIGCONT resumes
 * raw mode and sends SIGCONT to init (when the parent's own parent is in
 * its process group, no job-control shell could resume it: the command is
 * resumed at once instead).  sig_fd is a signalfd for SIGCHLD,
 * SIGWINCH (window size to the pty) and the signals passed on to init
 * (SIGINT, SIGQUIT, SIGTERM, SIGHUP).  A hang-up or read error on the
 * caller's terminal hangs up the pty and sends init SIGHUP.  With
 * p->master == -1 only the signals and stops are handled.
 */
int as_pty_relay(struct as_pty *p, pid_t init, int sig_fd, int stop_fd);

#endif
