/* SPDX-License-Identifier: MIT */
#include "raw.h"

#include <libaudit.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

const char *decode_type_name(unsigned type)
{
	return audit_msg_type_to_name((int)type);
}

static char *put_escaped(char *o, const char *text, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0;

	/* Eight bytes at a time while none is a control byte (SWAR: a byte
	 * below 0x20 or equal to 0x7f sets its high bit). */
	while (i + 8 <= len) {
		const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
		uint64_t w, low, del;

		memcpy(&w, text + i, 8);
		low = (w - ones * 0x20) & ~w;
		del = ((w ^ (ones * 0x7f)) - ones) & ~(w ^ (ones * 0x7f));
		if ((low | del) & highs)
			break;
		memcpy(o, text + i, 8);
		o += 8;
		i += 8;
	}
	for (; i < len; i++) {
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

	if (name) {
		size_t n = strlen(name);

		memcpy(o, "type=", 5);
		memcpy(o + 5, name, n);
		memcpy(o + 5 + n, " msg=", 5);
		o += n + 10;
	} else {
		o += sprintf(o, "type=UNKNOWN[%u] msg=", type);
	}
	o = put_escaped(o, stamp, stamp_len);
	o = put_escaped(o, body, len);
	*o++ = '\n';
	return (size_t)(o - out);
}

size_t decode_format_raw(unsigned type, const char *text, size_t len, char *out)
{
	return decode_format_raw_stamped(type, NULL, 0, text, len, out);
}
