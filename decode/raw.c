/* SPDX-License-Identifier: MIT */
#include "raw.h"

#include <libaudit.h>
#include <stdio.h>
#include <string.h>

const char *decode_type_name(unsigned type)
{
	return audit_msg_type_to_name((int)type);
}

size_t decode_format_raw(unsigned type, const char *text, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	const char *name = decode_type_name(type);
	char *o = out;

	if (name)
		o += sprintf(o, "type=%s msg=", name);
	else
		o += sprintf(o, "type=UNKNOWN[%u] msg=", type);
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
	*o++ = '\n';
	return (size_t)(o - out);
}
