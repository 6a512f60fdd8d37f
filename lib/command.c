/* SPDX-License-Identifier: MIT */
#include "command.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *as_resolve_command(const char *cmd, const char *search_path, int *code)
{
	bool denied = false;
	char *dirs, *save = NULL;

	*code = 0;
	if (!cmd || cmd[0] == '\0') {
		*code = AS_EXIT_NOT_FOUND;
		return NULL;
	}
	if (strchr(cmd, '/')) {
		if (access(cmd, X_OK) == 0)
			return strdup(cmd);
		*code = errno == ENOENT || errno == ENOTDIR ? AS_EXIT_NOT_FOUND :
							      AS_EXIT_CANNOT_EXEC;
		return NULL;
	}
	dirs = strdup(search_path ? search_path : "");
	if (!dirs)
		return NULL;
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char full[PATH_MAX];
		struct stat st;

		if (d[0] != '/')
			continue;
		if (snprintf(full, sizeof(full), "%s/%s", d, cmd) >= (int)sizeof(full))
			continue;
		if (stat(full, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (access(full, X_OK) < 0) {
			denied = true;
			continue;
		}
		free(dirs);
		return strdup(full);
	}
	free(dirs);
	*code = denied ? AS_EXIT_CANNOT_EXEC : AS_EXIT_NOT_FOUND;
	return NULL;
}
