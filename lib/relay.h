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
 * Root's side, in the helper once the session is set up.  The relay is a
 * child of root's: it closes every fd but 0-2, the master and its end of
 * the control socket, becomes the caller for good (lib/identity.h), and
 * copies the caller's terminal to the master and the master to the
 * caller's terminal: raw mode while the session runs in the foreground,
 * restored when it stops and at the end; the window size passed on at
 * SIGWINCH and SIGCONT.  So the bytes the agent writes to its terminal,
 * and the keys the owner types, never pass through a process with uid 0:
 * a flaw in copying them gives the caller's rights, no more.  Why the
 * caller and not a uid of no one's: the relay holds the caller's terminal,
 * which is as strong as the caller (what they type; TIOCSTI where
 * dev.tty.legacy_tiocsti allows it), so the caller's uid adds nothing to
 * it, while nobody (65534) is shared with daemons and owns files on
 * root-squashed NFS, and the agent's uid would put an unsandboxed process
 * of the agent's beside the session.
 *
 * The control socket (SOCK_SEQPACKET, one byte a message): root sends
 * AS_RELAY_STOP when the command stopped; the relay restores the caller's
 * terminal, answers AS_RELAY_STOP and stops itself.  Root shutting its
 * end down: the session is over; the relay writes what is left in the pty
 * and exits.  The relay ending first means the caller's terminal hung up
 * (or the caller ended the relay): the pty is hung up with it.  The relay
 * is the caller's own process in the session's job, so what the caller's
 * shell sends the job (kill %1, SIGHUP when it exits) reaches it: SIGINT,
 * SIGQUIT, SIGTERM and SIGHUP are sent on to root as a byte holding the
 * signal's number, and root passes exactly those four to the session, as
 * sudo passes on what its caller sends it.
 */
#define AS_RELAY_STOP 'S'
/* How long root waits at the end for the relay to write what is left. */
#define AS_RELAY_DRAIN_MS 5000

struct as_relay {
	pid_t pid; /* the relay, or -1: none (no terminal, or reaped) */
	int ctl;   /* root's end of the control socket, or -1: the relay ended */
};

/*
 * Forks the relay when P has a terminal (r->pid = -1 when it has none),
 * switched to UID with GID alone.  Returns 0 or -errno.
 */
int as_relay_start(struct as_relay *r, const struct as_pty *p, uid_t uid, gid_t gid,
		   struct as_err *err);

/*
 * Root's loop, until the process init exits; returns its wait status.
 * SIG_FD is a signalfd for SIGCHLD, SIGWINCH, SIGCONT and the signals
 * passed on to init (SIGINT, SIGQUIT, SIGTERM, SIGHUP, and those the
 * relay sends on).  A byte on STOP_FD
 * means the session's command stopped: the relay gives the caller's shell
 * its terminal back, then root stops too; on SIGCONT root resumes the
 * relay and sends SIGCONT to init (when root's own parent is in its
 * process group, no job-control shell could resume it: the command is
 * resumed at once instead).  The relay ending first sends init SIGHUP.
 * At the end, as_relay_end.
 */
int as_relay_supervise(struct as_relay *r, pid_t init, int sig_fd, int stop_fd);

/*
 * The session is over: the relay writes what is left in the pty, restores
 * the caller's terminal and exits; after AS_RELAY_DRAIN_MS it is killed
 * (a relay the caller stopped cannot hold root back from the PAM close).
 * Reaps it.  Nothing when there is none.
 */
void as_relay_end(struct as_relay *r);

#endif
