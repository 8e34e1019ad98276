/* SPDX-License-Identifier: MIT */
#include "stamp.h"

#include <errno.h>
#include <string.h>

/* Reads decimal digits at text[*pos] into *ret; at most max_digits, at
 * least one; refuses overflow of limit. */
static int read_number(const char *text, size_t len, size_t *pos, unsigned max_digits,
		       uint64_t limit, uint64_t *ret)
{
	uint64_t v = 0;
	unsigned digits = 0;

	while (*pos < len && text[*pos] >= '0' && text[*pos] <= '9') {
		if (++digits > max_digits)
			return -EINVAL;
		v = v * 10 + (uint64_t)(text[*pos] - '0');
		(*pos)++;
	}
	if (digits == 0 || v > limit)
		return -EINVAL;
	*ret = v;
	return 0;
}

int decode_stamp(const char *text, size_t len, struct audit_stamp *ret_stamp)
{
	static const char prefix[] = "audit(";
	size_t pos = sizeof(prefix) - 1;
	uint64_t sec, msec, serial;

	if (len < pos || memcmp(text, prefix, pos) != 0)
		return -EINVAL;
	if (read_number(text, len, &pos, 19, UINT64_MAX / 10, &sec) < 0)
		return -EINVAL;
	if (pos >= len || text[pos++] != '.')
		return -EINVAL;
	if (read_number(text, len, &pos, 3, 999, &msec) < 0)
		return -EINVAL;
	if (pos >= len || text[pos++] != ':')
		return -EINVAL;
	if (read_number(text, len, &pos, 10, UINT32_MAX, &serial) < 0)
		return -EINVAL;
	if (pos >= len || text[pos++] != ')')
		return -EINVAL;
	if (pos < len && text[pos] == ':') {
		pos++;
		if (pos < len && text[pos] == ' ')
			pos++;
	}
	*ret_stamp = (struct audit_stamp){ .sec = sec, .msec = (uint32_t)msec,
					   .serial = (uint32_t)serial };
	return (int)pos;
}
