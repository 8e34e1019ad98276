/* SPDX-License-Identifier: MIT */
/*
 * textline: the next line of a text held in memory, for the parsers that
 * read a file whole (needle.conf in daemon/conf.c, filter files in
 * filter-parse.c). Each says its own error; this only finds them.
 */
#ifndef NEEDLE_TEXTLINE_H
#define NEEDLE_TEXTLINE_H

#include <stddef.h>

enum textline_status {
	TEXTLINE_OK,
	TEXTLINE_NUL,  /* a NUL byte in the line */
	TEXTLINE_LONG, /* the line does not fit in size - 1 bytes */
};

/* Copies the line at *pos (up to its '\n', not included) into line,
 * NUL-terminated, and moves *pos past the '\n'. A line with a NUL byte
 * or too long is skipped whole; line holds what came before the fault. */
enum textline_status textline_next(const char *text, size_t len, size_t *pos, char *line,
				   size_t size);

#endif
