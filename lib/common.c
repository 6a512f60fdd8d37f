/* SPDX-License-Identifier: MIT */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

void as_err_set(struct as_err *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

int as_fail(struct as_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

int as_strv_push_take(struct as_strv *sv, char *s)
{
	char **nv;

	if (!s)
		return -ENOMEM;
	nv = realloc(sv->v, (sv->n + 2) * sizeof(*nv));
	if (!nv) {
		free(s);
		return -ENOMEM;
	}
	sv->v = nv;
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
	return 0;
}

int as_strv_push(struct as_strv *sv, const char *s)
{
	return as_strv_push_take(sv, strdup(s));
}

bool as_strv_contains(const struct as_strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return true;
	return false;
}

void as_strv_free(struct as_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

/* as_check_trusted_fd on the fstat it made, which ST receives. */
static int check_trusted_fd(int fd, const char *path, enum as_trust trust, struct stat *st,
			    struct as_err *err)
{
	if (fstat(fd, st) < 0)
		return as_fail(err, -errno, "%s: cannot stat: %s", path, strerror(errno));
	if (!S_ISREG(st->st_mode))
		return as_fail(err, -EINVAL, "%s: not a regular file", path);
	if (trust == AS_TRUST_ROOT_ONLY) {
		if (st->st_uid != 0)
			return as_fail(err, -EPERM,
				       "%s: not owned by root (uid %u); refusing to trust it", path,
				       (unsigned)st->st_uid);
		if (st->st_mode & (S_IWGRP | S_IWOTH))
			return as_fail(
				err, -EPERM,
				"%s: writable by group or others (mode %04o); refusing to trust it",
				path, (unsigned)(st->st_mode & 07777));
	}
	return 0;
}

int as_check_trusted_fd(int fd, const char *path, enum as_trust trust, struct as_err *err)
{
	struct stat st;

	return check_trusted_fd(fd, path, trust, &st, err);
}

/*
 * The directory fd holds PATH: it and every directory above it up to "/"
 * must be root-owned; it must not be writable by group or other, and an
 * ancestor only when sticky (a sticky /tmp lets nobody rename root's
 * directory).  Walks ".." from the directory itself, so the directories
 * checked are the real ones, whatever symlinks the path went through.
 */
static int check_dir_chain(int dfd, const char *path, struct as_err *err)
{
	_cleanup_close_ int fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	struct stat st, root;

	if (fd < 0 || stat("/", &root) < 0)
		return as_fail(err, -errno, "%s: cannot check its directory: %s", path,
			       strerror(errno));
	for (int depth = 0; depth < 256; depth++) {
		int up;

		if (fstat(fd, &st) < 0)
			return as_fail(err, -errno, "%s: cannot check its directory: %s", path,
				       strerror(errno));
		if (st.st_uid != 0)
			return as_fail(err, -EPERM,
				       "%s: %s not owned by root (uid %u); refusing to trust it",
				       path, depth ? "a directory above it is" : "its directory is",
				       (unsigned)st.st_uid);
		if ((st.st_mode & (S_IWGRP | S_IWOTH)) && (depth == 0 || !(st.st_mode & S_ISVTX)))
			return as_fail(
				err, -EPERM,
				"%s: %s writable by group or others (mode %04o); refusing to trust it",
				path, depth ? "a directory above it is" : "its directory is",
				(unsigned)(st.st_mode & 07777));
		if (st.st_dev == root.st_dev && st.st_ino == root.st_ino)
			return 0;
		up = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (up < 0)
			return as_fail(err, -errno, "%s: cannot check its directory: %s", path,
				       strerror(errno));
		close(fd);
		fd = up;
	}
	return as_fail(err, -ELOOP, "%s: its directory is too deep to check", path);
}

int as_read_file(int dirfd, const char *path, enum as_trust trust, size_t max, char **out,
		 struct as_err *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_close_ int hold = -1;
	_cleanup_free_ char *buf = NULL;
	const char *name = path;
	struct stat st;
	size_t len = 0, room;
	int r;

	*out = NULL;
	if (trust == AS_TRUST_ROOT_ONLY) {
		const char *slash = strrchr(path, '/');
		_cleanup_free_ char *dir = NULL;

		if (slash) {
			dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
			if (!dir)
				return as_fail(err, -ENOMEM, "%s: out of memory", path);
			name = slash + 1;
		}
		hold = openat(dirfd, dir ? dir : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (hold < 0)
			return as_fail(err, -errno, "%s: %s", path, strerror(errno));
		r = check_dir_chain(hold, path, err);
		if (r < 0)
			return r;
		dirfd = hold;
	}
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return as_fail(err, -errno, "%s: %s", path, strerror(errno));
	r = check_trusted_fd(fd, path, trust, &st, err);
	if (r < 0)
		return r;
	/* Sized by the file, not by MAX: a 1 MiB limit made a fresh 1 MiB
	 * mapping, and its unmapping, at every read.  ROOM is one byte more
	 * than the file, to see its end; a file that grows meanwhile gets a
	 * larger buffer, up to MAX + 1 bytes, as before. */
	room = (st.st_size >= 0 && (uintmax_t)st.st_size < max ? (size_t)st.st_size : max) + 1;
	buf = malloc(room + 1);
	if (!buf)
		return as_fail(err, -ENOMEM, "%s: out of memory", path);
	for (;;) {
		ssize_t n;

		if (len == room) {
			size_t more = room > (max + 1) / 2 ? max + 1 : 2 * room;
			char *bigger = realloc(buf, more + 1);

			if (!bigger)
				return as_fail(err, -ENOMEM, "%s: out of memory", path);
			buf = bigger;
			room = more;
		}
		n = read(fd, buf + len, room - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return as_fail(err, -errno, "%s: read failed: %s", path, strerror(errno));
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return as_fail(err, -EFBIG, "%s: larger than %zu bytes", path, max);
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len))
		return as_fail(err, -EINVAL, "%s: contains a NUL byte", path);
	*out = buf;
	buf = NULL;
	return 0;
}

void as_escape(const char *src, char *dst, size_t dstlen)
{
	size_t o = 0;

	if (dstlen == 0)
		return;
	for (const unsigned char *p = (const unsigned char *)src; p && *p; p++) {
		char tmp[5];
		size_t tl;

		if (*p < 0x20 || *p == 0x7f || *p == '\\') {
			snprintf(tmp, sizeof(tmp), "\\x%02x", *p);
			tl = 4;
		} else {
			tmp[0] = (char)*p;
			tl = 1;
		}
		if (o + tl >= dstlen)
			break;
		memcpy(dst + o, tmp, tl);
		o += tl;
	}
	dst[o] = '\0';
}

int as_fstat_mnt(int fd, struct stat *st, unsigned long long *mnt_id)
{
	struct statx sx;

	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_SYNC_AS_STAT, STATX_BASIC_STATS | STATX_MNT_ID,
		  &sx) < 0)
		return -errno;
	memset(st, 0, sizeof(*st));
	st->st_dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
	st->st_ino = sx.stx_ino;
	st->st_mode = sx.stx_mode;
	st->st_nlink = sx.stx_nlink;
	st->st_uid = sx.stx_uid;
	st->st_gid = sx.stx_gid;
	st->st_rdev = makedev(sx.stx_rdev_major, sx.stx_rdev_minor);
	st->st_size = (off_t)sx.stx_size;
	*mnt_id = (sx.stx_mask & STATX_MNT_ID) ? sx.stx_mnt_id : 0;
	return 0;
}

int as_write_all(int fd, const void *buf, size_t len)
{
	const char *s = buf;

	while (len > 0) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = EIO;
		if (n <= 0)
			return -errno;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Room for one fd, aligned as a cmsghdr must be. */
union one_fd {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};

int as_msg_send(int sock, const struct iovec *iov, int iovcnt, int fd)
{
	union one_fd cbuf = { { 0 } };
	struct msghdr mh = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt };
	size_t want = 0;
	ssize_t n;

	for (int i = 0; i < iovcnt; i++)
		want += iov[i].iov_len;
	if (fd >= 0) {
		struct cmsghdr *c;

		mh.msg_control = cbuf.buf;
		mh.msg_controllen = sizeof(cbuf.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	if (n < 0)
		return -errno;
	return (size_t)n == want ? 0 : -EMSGSIZE;
}

ssize_t as_msg_recv(int sock, void *buf, size_t len, int *fd)
{
	union one_fd cbuf;
	struct iovec iov = { buf, len };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf.buf,
			     .msg_controllen = sizeof(cbuf.buf) };
	struct cmsghdr *c;
	size_t nfd = 0;
	ssize_t n;

	*fd = -1;
	while ((n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	if (n < 0)
		return -errno;
	/* Every fd that arrived is installed by now: all are closed when
	 * there was more than one (two fit in the room one takes). */
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		size_t k = c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS ?
				   (c->cmsg_len - CMSG_LEN(0)) / sizeof(int) :
				   0;

		for (size_t i = 0; i < k; i++) {
			int got;

			memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*fd < 0 && nfd == 0)
				*fd = got;
			else
				close(got);
			nfd++;
		}
	}
	if (nfd > 1 || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return -EPROTO;
	}
	return n;
}

bool as_msg_fields(char *msg, size_t len, char **f, size_t n)
{
	size_t k = 0;

	if (len == 0 || msg[len - 1] != '\0')
		return false;
	for (size_t i = 0; i < len; i += strlen(msg + i) + 1) {
		if (k == n)
			return false;
		f[k++] = msg + i;
	}
	return k == n;
}
