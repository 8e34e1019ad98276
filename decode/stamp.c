/* SPDX-License-Identifier: MIT */
#include "stamp.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* Reads decimal digits at *p (before end) into *ret; at most max_digits,
 * at least one; refuses overflow of limit. Advances *p past them. */
static inline bool read_number(const char **p, const char *end, size_t max_digits,
			       uint64_t limit, uint64_t *ret)
{
	const char *s = *p, *stop = (size_t)(end - s) > max_digits ? s + max_digits + 1 : end;
	uint64_t v = 0;
	unsigned d;

	/* max_digits + 1 digits at most are read: the last one refuses. */
	while (s < stop && (d = (unsigned)(unsigned char)*s - '0') < 10) {
		v = v * 10 + d;
		s++;
	}
	if (s == *p || (size_t)(s - *p) > max_digits || v > limit)
		return false;
	*p = s;
	*ret = v;
	return true;
}

int decode_stamp(const char *text, size_t len, struct audit_stamp *ret_stamp)
{
	static const char prefix[] = "audit(";
	const char *p = text + sizeof(prefix) - 1, *end = text + len;
	uint64_t sec, msec, serial;

	/* One record each, on the listener and the decoder: pointers, no
	 * index through memory. */
	if (len < sizeof(prefix) - 1 || memcmp(text, prefix, sizeof(prefix) - 1) != 0)
		return -EINVAL;
	if (!read_number(&p, end, 19, UINT64_MAX / 10, &sec) || p >= end || *p++ != '.')
		return -EINVAL;
	if (!read_number(&p, end, 3, 999, &msec) || p >= end || *p++ != ':')
		return -EINVAL;
	if (!read_number(&p, end, 10, UINT32_MAX, &serial) || p >= end || *p++ != ')')
		return -EINVAL;
	if (p < end && *p == ':') {
		p++;
		if (p < end && *p == ' ')
			p++;
	}
	*ret_stamp = (struct audit_stamp){ .sec = sec, .msec = (uint32_t)msec,
					   .serial = (uint32_t)serial };
	return (int)(p - text);
}
