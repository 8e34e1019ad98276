/* SPDX-License-Identifier: MIT */
#include "raw.h"

#include <libaudit.h>
#include <stdio.h>
#include <string.h>

const char *decode_type_name(unsigned type)
{
	return audit_msg_type_to_name((int)type);
}

static char *put_escaped(char *o, const char *text, size_t len)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c < 0x20 || c == 0x7f) {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		} else {
			*o++ = (char)c;
		}
	}
	return o;
}

size_t decode_format_raw_stamped(unsigned type, const char *stamp, size_t stamp_len,
				 const char *body, size_t len, char *out)
{
	const char *name = decode_type_name(type);
	char *o = out;

	if (name)
		o += sprintf(o, "type=%s msg=", name);
	else
		o += sprintf(o, "type=UNKNOWN[%u] msg=", type);
	o = put_escaped(o, stamp, stamp_len);
	o = put_escaped(o, body, len);
	*o++ = '\n';
	return (size_t)(o - out);
}

size_t decode_format_raw(unsigned type, const char *text, size_t len, char *out)
{
	return decode_format_raw_stamped(type, NULL, 0, text, len, out);
}
