/* SPDX-License-Identifier: MIT */
#include "gitdir.h"

#include <fcntl.h>
#include <sys/stat.h>

/* NAME in DIRFD is there as a file of type TYPE, or as a symbolic link
 * (which git would follow; we only look, so counting it is the safe side). */
static bool has(int dirfd, const char *name, mode_t type)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	return (st.st_mode & S_IFMT) == type || S_ISLNK(st.st_mode);
}

bool as_gitdir_at(int dirfd)
{
	if (!has(dirfd, "HEAD", S_IFREG))
		return false;
	return (has(dirfd, "objects", S_IFDIR) && has(dirfd, "refs", S_IFDIR)) ||
	       has(dirfd, "commondir", S_IFREG);
}
