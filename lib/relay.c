/* SPDX-License-Identifier: MIT */
#include "relay.h"
#include "identity.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int as_pty_open(struct as_pty *p, uid_t uid, struct as_err *err)
{
	struct termios tio;
	struct winsize ws;
	bool have_tio, have_ws;
	int r;

	memset(p, 0, sizeof(*p));
	p->master = p->slave = p->tty = -1;
	for (int fd = 0; fd <= 2; fd++) {
		p->is_tty[fd] = isatty(fd);
		if (p->is_tty[fd] && p->tty < 0)
			p->tty = fd;
	}
	/* Pipes, files, /dev/null: passed as they are, nothing to steal. */
	if (p->tty < 0)
		return 0;
	have_tio = tcgetattr(p->tty, &tio) == 0;
	have_ws = ioctl(p->tty, TIOCGWINSZ, &ws) == 0;
	if (openpty(&p->master, &p->slave, NULL, have_tio ? &tio : NULL, have_ws ? &ws : NULL) < 0)
		return as_fail(err, -errno, "cannot open a terminal for the session (openpty): %s",
			       strerror(errno));
	/* The agent's own terminal, as login(1) leaves a user's: its tools
	 * (ssh, gpg, tmux) check that they own the tty they reopen. */
	if (fcntl(p->master, F_SETFD, FD_CLOEXEC) < 0 || fcntl(p->slave, F_SETFD, FD_CLOEXEC) < 0 ||
	    fchown(p->slave, uid, (gid_t)-1) < 0 || fchmod(p->slave, 0620) < 0) {
		r = -errno;
		close(p->master);
		close(p->slave);
		p->master = p->slave = -1;
		return as_fail(err, r, "cannot prepare the session's terminal: %s", strerror(-r));
	}
	return 0;
}

int as_pty_attach_init(const struct as_pty *p, struct as_err *err)
{
	/* Out of the caller's terminal session: its keyboard signals reach
	 * the parent only, and the caller's terminal cannot become this
	 * session's controlling terminal. */
	if (setsid() < 0)
		return as_fail(err, -errno, "setsid: %s", strerror(errno));
	if (p->master >= 0 && ioctl(p->slave, TIOCSCTTY, 0) < 0)
		return as_fail(err, -errno,
			       "cannot make the session's terminal controlling (TIOCSCTTY): %s",
			       strerror(errno));
	return 0;
}

int as_pty_attach_cmd(const struct as_pty *p, struct as_err *err)
{
	sigset_t ttou, old;
	int r = 0;

	if (setpgid(0, 0) < 0)
		return as_fail(err, -errno, "setpgid: %s", strerror(errno));
	if (p->master < 0)
		return 0;
	/* A group that is not yet the foreground one gets SIGTTOU from
	 * tcsetpgrp unless it blocks it (termios(3)). */
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	if (tcsetpgrp(p->slave, getpgrp()) < 0)
		r = as_fail(err, -errno,
			    "cannot give the session's terminal to the command (tcsetpgrp): %s",
			    strerror(errno));
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		return r;
	for (int fd = 0; fd <= 2; fd++)
		if (p->is_tty[fd] && dup2(p->slave, fd) < 0)
			return as_fail(err, -errno, "dup2(%d): %s", fd, strerror(errno));
	close(p->slave);
	close(p->master);
	return 0;
}

/* Only the foreground job reads the terminal or changes its mode: a
 * session started with & would otherwise be stopped by SIGTTIN/SIGTTOU. */
static bool foreground(const struct as_pty *p)
{
	pid_t pg = tcgetpgrp(p->tty);

	return pg >= 0 && pg == getpgrp();
}

static void go_raw(struct as_pty *p)
{
	struct termios t;

	if (p->raw || p->master < 0 || !p->is_tty[0] || !foreground(p))
		return;
	if (tcgetattr(STDIN_FILENO, &p->saved) < 0)
		return;
	/* Every byte, ^C and ^Z included, goes to the session's terminal,
	 * whose own line discipline echoes and makes the signals. */
	t = p->saved;
	cfmakeraw(&t);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &t) == 0)
		p->raw = true;
}

static void restore(struct as_pty *p)
{
	if (p->raw && tcsetattr(STDIN_FILENO, TCSADRAIN, &p->saved) == 0)
		p->raw = false;
}

static void sync_winsize(const struct as_pty *p)
{
	struct winsize ws;

	/* TIOCSWINSZ on the master signals SIGWINCH to the session's
	 * foreground job, as a resize of a real terminal would. */
	if (p->master >= 0 && ioctl(p->tty, TIOCGWINSZ, &ws) == 0)
		ioctl(p->master, TIOCSWINSZ, &ws);
}

/* Output to the caller's terminal.  Returns false once it is gone (the
 * output is dropped from then on; the master is still read, so the
 * session does not block on a full pty). */
static bool write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pf = { .fd = fd, .events = POLLOUT };

			poll(&pf, 1, -1);
			continue;
		}
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

static void drain_master(struct as_pty *p, int *out)
{
	char buf[4096];
	ssize_t n;

	while (p->master >= 0 && (n = read(p->master, buf, sizeof(buf))) > 0)
		if (*out >= 0 && !write_all(*out, buf, (size_t)n))
			*out = -1;
}

/* What the caller's shell may send the session's job (kill %1, SIGHUP
 * when it exits): the relay receives it and root passes it on to the
 * session.  One set for both sides. */
static void caller_sigset(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGQUIT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

/* ---------------------------------------------------------------------- */
/* The caller's side: the relay, running as the caller (as_relay_start).   */

/* Until root shuts the control socket down.  Returns false when the
 * caller's terminal hung up (or nothing can be relayed any more): the
 * relay then ends at once, which hangs the pty up. */
static bool relay_loop(struct as_pty *p, int ctl, int sfd, int *out)
{
	char in[4096];
	size_t in_off = 0, in_len = 0;
	bool read_in = p->is_tty[0];

	for (;;) {
		struct pollfd pf[4];

		/* Raw whenever the session has the caller's terminal.  fg of
		 * a job that is running in the background sends it no SIGCONT
		 * (the shell only hands it the terminal), so this is looked
		 * at every time round, and every 200 ms while the session
		 * is in the background with input to read later; the window
		 * may have changed meanwhile (SIGWINCH went to the shell). */
		if (!p->raw) {
			go_raw(p);
			if (p->raw)
				sync_winsize(p);
		}
		pf[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		pf[1] = (struct pollfd){ .fd = ctl, .events = POLLIN };
		/* Polled even when not read (in the background), so a
		 * hang-up is seen there too. */
		pf[2] = (struct pollfd){ .fd = read_in ? STDIN_FILENO : -1,
					 .events = in_len == 0 && foreground(p) ? POLLIN : 0 };
		pf[3] = (struct pollfd){ .fd = p->master,
					 .events = POLLIN | (in_len ? POLLOUT : 0) };
		if (poll(pf, 4, read_in && !p->raw ? 200 : -1) < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		if (pf[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				char c = (char)si.ssi_signo;

				/* SIGWINCH, or SIGCONT: fg or bg after the
				 * session stopped (raw mode is seen to above);
				 * the others are the caller's, for the session. */
				if (c == SIGWINCH || c == SIGCONT)
					sync_winsize(p);
				else if (send(ctl, &c, 1, MSG_NOSIGNAL) < 0)
					return false;
			}
		}
		if (pf[1].revents) {
			char c;
			ssize_t n = recv(ctl, &c, 1, MSG_DONTWAIT);

			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
				return true; /* root: the session is over */
			if (n == 1 && c == AS_RELAY_STOP) {
				/* The command stopped: the caller's shell gets
				 * its terminal back, and this stops with root. */
				restore(p);
				if (send(ctl, &c, 1, MSG_NOSIGNAL) < 0)
					return false;
				kill(getpid(), SIGSTOP);
			}
		}
		if (pf[2].revents && !(pf[2].revents & POLLIN))
			return false; /* POLLHUP or POLLERR: hung up */
		if (pf[2].revents) {
			ssize_t n = read(STDIN_FILENO, in, sizeof(in));

			if (n > 0) {
				in_off = 0;
				in_len = (size_t)n;
			} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
				return false;
			}
		}
		if (in_len && p->master >= 0) {
			ssize_t n = write(p->master, in + in_off, in_len);

			if (n > 0) {
				in_off += (size_t)n;
				in_len -= (size_t)n;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				in_len = 0;
			}
		} else if (p->master < 0) {
			in_len = 0;
		}
		if (p->master >= 0 && (pf[3].revents & (POLLIN | POLLHUP | POLLERR))) {
			char buf[4096];
			ssize_t n = read(p->master, buf, sizeof(buf));

			if (n > 0) {
				if (*out >= 0 && !write_all(*out, buf, (size_t)n))
					*out = -1;
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				/* EIO: every slave fd is closed; the session
				 * goes on without a terminal until init ends. */
				close(p->master);
				p->master = -1;
				read_in = false;
			}
		}
	}
}

/* P is the child's own copy: it closes and marks its fds. */
static void relay_child(struct as_pty p, int ctl, uid_t uid, gid_t gid, pid_t parent)
	__attribute__((noreturn));
static void relay_child(struct as_pty p, int ctl, uid_t uid, gid_t gid, pid_t parent)
{
	const struct as_identity_child id = {
		.what = "the terminal relay",
		.uid = uid,
		.gid = gid,
		.parent = parent,
	};
	const int keep[] = { p.master, ctl };
	int out = p.is_tty[1] ? 1 : p.is_tty[2] ? 2 : 0;
	sigset_t set;
	int sfd;

	as_identity_child(&id, keep, AS_ARRAY_SIZE(keep));
	p.slave = -1; /* closed with the rest */
	/* The rest of root's signals stay blocked, as root left them. */
	caller_sigset(&set);
	sigaddset(&set, SIGWINCH);
	sigaddset(&set, SIGCONT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 || (sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0 ||
	    fcntl(p.master, F_SETFL, O_NONBLOCK) < 0) {
		/* Without it one full buffer would block the relay for good:
		 * ending hangs the session up. */
		dprintf(2, "agent-shell: the terminal relay: %s\n", strerror(errno));
		_exit(1);
	}
	if (!relay_loop(&p, ctl, sfd, &out))
		_exit(1);
	/* What the session wrote just before it ended is still in the pty. */
	drain_master(&p, &out);
	restore(&p);
	_exit(0);
}

/* ---------------------------------------------------------------------- */
/* Root's side.                                                             */

int as_relay_start(struct as_relay *r, const struct as_pty *p, uid_t uid, gid_t gid,
		   struct as_err *err)
{
	pid_t parent = getpid();
	int sv[2];

	r->pid = -1;
	r->ctl = -1;
	if (p->master < 0)
		return 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return as_fail(err, -errno, "socketpair: %s", strerror(errno));
	r->pid = fork();
	if (r->pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return as_fail(err, -errno, "fork (the terminal relay): %s", strerror(errno));
	}
	if (r->pid == 0)
		relay_child(*p, sv[1], uid, gid, parent);
	close(sv[1]);
	r->ctl = sv[0];
	return 0;
}

void as_relay_end(struct as_relay *r)
{
	struct pollfd pf = { .fd = r->ctl, .events = POLLIN };

	if (r->pid <= 0)
		return;
	/* The relay writes what is left, then closes its end by exiting.
	 * A late answer to a stop ends the wait too: that relay has given
	 * the terminal back already. */
	if (r->ctl >= 0) {
		if (shutdown(r->ctl, SHUT_WR) == 0)
			while (poll(&pf, 1, AS_RELAY_DRAIN_MS) < 0 && errno == EINTR)
				;
		close(r->ctl);
		r->ctl = -1;
	}
	/* Done by now, or not to be waited for. */
	kill(r->pid, SIGKILL);
	while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR)
		;
	r->pid = -1;
}

/* The relay is gone (its end of the socket closed): the caller's terminal
 * hung up, or the caller ended it; the pty hung up with it. */
static void relay_gone(struct as_relay *r, pid_t init)
{
	close(r->ctl);
	r->ctl = -1;
	kill(init, SIGHUP);
}

int as_relay_supervise(struct as_relay *r, pid_t init, int sig_fd, int stop_fd)
{
	bool stopping = false, answered = false;
	int status = 0;
	sigset_t from_caller;

	caller_sigset(&from_caller);
	for (;;) {
		struct pollfd pf[3] = {
			{ .fd = sig_fd, .events = POLLIN },
			{ .fd = stop_fd, .events = POLLIN },
			{ .fd = r->ctl, .events = POLLIN },
		};

		if (poll(pf, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			/* Nothing can be supervised: end the session rather
			 * than leave it running unattended. */
			kill(init, SIGKILL);
			while (waitpid(init, &status, 0) < 0 && errno == EINTR)
				;
			break;
		}
		if (pf[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				int sig = (int)si.ssi_signo;

				if (sig == SIGCHLD) {
					if (waitpid(init, &status, WNOHANG) == init)
						break;
				} else if (sig == SIGCONT) {
					/* fg (or bg) after the session stopped. */
					if (r->pid > 0)
						kill(r->pid, SIGCONT);
					kill(init, SIGCONT);
				} else if (sig != SIGWINCH) { /* the relay's */
					kill(init, sig);
				}
			}
		}
		if (pf[1].revents) {
			char c;
			ssize_t n = read(stop_fd, &c, 1);

			if (n == 1 && getpgid(getppid()) == getpgrp()) {
				/* The command stopped, but our parent shares our
				 * process group: no job-control shell there
				 * would ever resume us.  Resume the command. */
				kill(init, SIGCONT);
			} else if (n == 1) {
				/* The relay first gives the caller's shell its
				 * terminal back; its answer stops us (below). */
				c = AS_RELAY_STOP;
				stopping = true;
				if (r->ctl >= 0 && send(r->ctl, &c, 1, MSG_NOSIGNAL) < 0)
					relay_gone(r, init);
			} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
				stop_fd = -1;
			}
		}
		if (r->ctl >= 0 && pf[2].revents) {
			char c;
			ssize_t n = recv(r->ctl, &c, 1, MSG_DONTWAIT);

			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
				relay_gone(r, init);
			} else if (n == 1 && sigismember(&from_caller, c) == 1) {
				kill(init, c); /* the caller's, sent to the relay */
			} else if (n == 1 && c == AS_RELAY_STOP && stopping) {
				answered = true;
			}
		}
		/* The relay has given the terminal back, or there is none. */
		if (stopping && (answered || r->ctl < 0)) {
			stopping = answered = false;
			kill(getpid(), SIGSTOP);
		}
	}
	as_relay_end(r);
	return status;
}
