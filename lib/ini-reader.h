/* SPDX-License-Identifier: MIT */
/*
 * The one INI reader of agent-shell: profiles, the registry, the site file
 * and apply files all read their lines through it, so they accept and
 * refuse the same shapes.  inih (the system library) tokenizes; this reader
 * hands it one line at a time, checked first:
 *
 *  - a UTF-8 byte order mark on line 1 is skipped; a second one is refused;
 *  - leading whitespace is stripped: indentation is allowed, and inih's
 *    multi-line continuation can never glue a line to the key above it;
 *  - a line, without its newline and a trailing CR, is at most
 *    AS_INI_MAX_LINE bytes: a longer one is an error, never split in two;
 *  - blank lines and lines that start with ';' or '#' are comments;
 *  - "[name]" opens a section: the ']' is required, only a ';' comment may
 *    follow it, the name is not empty, and when the caller lists its
 *    sections the name must be one of them;
 *  - anything else is "key = value" with '=' (inih's "key: value" is
 *    refused), and only inside a section.
 *
 * The reader counts lines and sections, so a handler knows the line it is
 * called for (for "FILE:LINE: problem" errors) and which [section] a key
 * is in even when two sections share a name.
 */
#ifndef AS_INI_H
#define AS_INI_H

#include <ini.h>
#include <stdbool.h>

#include "common.h"

/* inih's line buffer holds the line, its newline and a NUL. */
#define AS_INI_MAX_LINE (INI_MAX_LINE - 2)

struct as_ini_reader {
	const char *pos;             /* next unread byte of the text */
	const char *const *sections; /* allowed names, NULL-terminated; NULL: any */
	unsigned line;               /* the line inih holds, from 1 */
	unsigned section_seq;        /* bumped at each [header], 0 before */
	bool in_section;
	bool failed;       /* the reader refused a line: err says why */
	int rc;            /* -EINVAL or -E2BIG when failed */
	struct as_err err; /* the reader's complaint, without FILE:LINE */
};

/* Starts reading TEXT; SECTIONS as above. */
void as_ini_reader_init(struct as_ini_reader *rd, const char *text, const char *const *sections);

/* An ini_reader for inih's ini_parse_stream(as_ini_read_line, rd, ...). */
char *as_ini_read_line(char *buf, int num, void *rd);

/*
 * The registry, site file and apply file handler: KEY = VALUE in
 * [SECTION], the SECTION_SEQ-th section of the file.  Returns 0, or
 * -errno with err holding the problem (FILE:LINE is prepended).
 */
typedef int (*as_ini_handler)(void *user, const char *section, unsigned section_seq,
			      const char *key, const char *value, struct as_err *err);

/* Reads TEXT (named FILENAME in errors) through the reader, any section
 * names allowed (the handler checks them), calling HANDLER for each key.
 * Stops at the first problem.  Returns 0 or -errno with err set. */
int as_ini_parse_string(const char *text, const char *filename, as_ini_handler handler, void *user,
			struct as_err *err);

#endif
