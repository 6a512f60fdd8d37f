/* SPDX-License-Identifier: MIT */
/* Finding the command to exec, before any restriction applies. */
#ifndef AS_COMMAND_H
#define AS_COMMAND_H

/* Exit statuses for a command that cannot run, as env(1) uses them. */
#define AS_EXIT_CANNOT_EXEC 126
#define AS_EXIT_NOT_FOUND 127
/* Exit status for the program's own failure (DESIGN.md). */
#define AS_EXIT_OWN_FAILURE 125

/*
 * Resolves CMD like execvp(3): a name with a '/' is taken as it is; a bare
 * name is searched in SEARCH_PATH (a colon-separated list; entries that are
 * not absolute are skipped, so the result never depends on the current
 * directory).  Returns a heap copy of the path to exec, or NULL with *code
 * set to AS_EXIT_NOT_FOUND, AS_EXIT_CANNOT_EXEC (found, not executable) or
 * 0 (out of memory).
 */
char *as_resolve_command(const char *cmd, const char *search_path, int *code);

#endif
