/* SPDX-License-Identifier: MIT */
/*
 * Small shared pieces of lib/: the error carrier, cleanup helpers, string
 * vectors and trusted file reading.  Everything in lib/ returns 0 or -errno
 * (never exits) and, where a user needs to know why, fills a struct as_err
 * with one line naming what and why.
 */
#ifndef AS_COMMON_H
#define AS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#define AS_ERR_MAX 1024

/* One human-readable line, without the program name (tools/ add it). */
struct as_err {
	char msg[AS_ERR_MAX];
};

void as_err_set(struct as_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets err and returns the (negative) code, for "return as_fail(...)". */
int as_fail(struct as_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline void as_freep(void *p)
{
	free(*(void **)p);
}

static inline void as_closep(const int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

#define _cleanup_free_ __attribute__((cleanup(as_freep)))
#define _cleanup_close_ __attribute__((cleanup(as_closep)))

#define AS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A NULL-terminated, heap-allocated vector of heap strings. */
struct as_strv {
	char **v;
	size_t n;
};

int as_strv_push(struct as_strv *sv, const char *s); /* copies s */
int as_strv_push_take(struct as_strv *sv, char *s);  /* takes ownership */
bool as_strv_contains(const struct as_strv *sv, const char *s);
void as_strv_free(struct as_strv *sv);

/* Trust requirements for a file the privileged path reads, checked on the
 * opened fd (never on the path): a regular file, owned by root, not writable
 * by group or other; and (AS_TRUST_ROOT_ONLY) the directory holding it too,
 * and every directory above that root-owned and not writable by group or
 * other unless sticky (/tmp): whoever can write the holding directory can
 * put any file there, whoever can write an ancestor can swap the directory. */
enum as_trust {
	AS_TRUST_ANY = 0,
	AS_TRUST_ROOT_ONLY = 1,
};

/*
 * Reads a whole small regular file (at most max bytes) into a NUL-terminated
 * heap buffer.  Opens with O_NOFOLLOW|O_CLOEXEC|O_NOCTTY, checks the fd with
 * fstat, and refuses NUL bytes.  Under AS_TRUST_ROOT_ONLY the holding
 * directory is opened and checked first, and the file opened beneath that
 * fd, so the checked directory is the one read from.  Returns 0, or -errno
 * with err set.
 */
int as_read_file(int dirfd, const char *path, enum as_trust trust, size_t max, char **out,
		 struct as_err *err);

/* Checks an open fd against a trust requirement; fills err naming path. */
int as_check_trusted_fd(int fd, const char *path, enum as_trust trust, struct as_err *err);

/*
 * fstat(2) of FD, through statx(2), plus the id of the mount it sits on
 * (STATX_MNT_ID, Linux 5.8; *mnt_id = 0 where the kernel does not say).
 * Tree walks compare mount ids, not st_dev alone: a bind mount of another
 * directory of the same filesystem has the same st_dev.  Fills st_dev,
 * st_ino, st_mode, st_nlink, st_uid, st_gid, st_rdev and st_size; 0 or
 * -errno.
 */
struct stat;
int as_fstat_mnt(int fd, struct stat *st, unsigned long long *mnt_id);

/* Writes all LEN bytes of BUF to FD, retrying short writes and EINTR:
 * 0, or -errno with errno set (a write of nothing is -EIO). */
int as_write_all(int fd, const void *buf, size_t len);

/*
 * Messages on a SOCK_SEQPACKET socket pair, with at most one file
 * descriptor passed along (SCM_RIGHTS): the git step's children and root
 * (lib/gitmount.c, lib/gitmeta.c).
 *
 * as_msg_send: one message from the IOVCNT parts of IOV, FD passed when it
 * is not -1; never raises SIGPIPE.  0, -errno, or -EMSGSIZE when not all
 * of it went.
 * as_msg_recv: one message of at most LEN bytes into BUF, and the fd
 * passed with it (close-on-exec) into *FD, -1 when none.  Its length, 0
 * at the end, -errno; -EPROTO, and no fd kept, when the message or its
 * control data was cut short (a longer message), or more than one fd
 * came (each closed).
 * as_msg_fields: MSG's LEN bytes as exactly N NUL-terminated fields
 * F[0..N), pointing into MSG; false for any other shape.
 */
struct iovec;
int as_msg_send(int sock, const struct iovec *iov, int iovcnt, int fd);
ssize_t as_msg_recv(int sock, void *buf, size_t len, int *fd);
bool as_msg_fields(char *msg, size_t len, char **f, size_t n);

/* Copies src into a buffer, escaping control characters and backslashes as
 * \xNN so that a log line or an error message cannot be forged or broken. */
void as_escape(const char *src, char *dst, size_t dstlen);

#endif
