/* SPDX-License-Identifier: MIT */
/* textline: see textline.h. */
#include "textline.h"

enum textline_status textline_next(const char *text, size_t len, size_t *pos, char *line,
				   size_t size)
{
	enum textline_status status = TEXTLINE_OK;
	size_t n = 0;

	for (; *pos < len && text[*pos] != '\n'; (*pos)++) {
		if (status != TEXTLINE_OK)
			continue;
		if (text[*pos] == '\0')
			status = TEXTLINE_NUL;
		else if (n + 1 >= size)
			status = TEXTLINE_LONG;
		else
			line[n++] = text[*pos];
	}
	line[n] = '\0';
	(*pos)++;
	return status;
}
