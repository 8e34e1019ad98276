/* SPDX-License-Identifier: MIT */
/*
 * raw: records as auditd RAW lines. decode_format_raw*() writes one
 * record's line (raw.h); format_event_raw() writes an assembled event's
 * records, each on its line, with its node= prefix (format.h), and
 * format_put_raw_line() gives enrich.c the same line to append to.
 *
 * Invariant: one record, one line: control bytes in the text become \xHH
 * and a node name's space or control byte becomes '_', so no record text
 * can end its line early or forge another record.
 */
#include "raw.h"
#include "format-internal.h"

#include <libaudit.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* libaudit's names of types 1000 to 2999 (the kernel's and user space's)
 * and their lengths, looked up once: every record's line and JSON key
 * wants its type's name, and libaudit searches its table each time. */
#define TYPE_NAMES_FIRST 1000u
#define TYPE_NAMES_COUNT 2000u

static struct {
	const char *name;
	size_t len;
} type_names[TYPE_NAMES_COUNT];
static pthread_once_t type_names_once = PTHREAD_ONCE_INIT;

static void type_names_fill(void)
{
	for (unsigned i = 0; i < TYPE_NAMES_COUNT; i++) {
		const char *name = audit_msg_type_to_name((int)(TYPE_NAMES_FIRST + i));

		type_names[i].name = name;
		type_names[i].len = name ? strlen(name) : 0;
	}
}

const char *decode_type_name_len(unsigned type, size_t *ret_len)
{
	const char *name;

	if (type - TYPE_NAMES_FIRST < TYPE_NAMES_COUNT) {
		pthread_once(&type_names_once, type_names_fill);
		*ret_len = type_names[type - TYPE_NAMES_FIRST].len;
		return type_names[type - TYPE_NAMES_FIRST].name;
	}
	name = audit_msg_type_to_name((int)type);
	*ret_len = name ? strlen(name) : 0;
	return name;
}

const char *decode_type_name(unsigned type)
{
	size_t len;

	return decode_type_name_len(type, &len);
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
	size_t n;
	const char *name = decode_type_name_len(type, &n);
	char *o = out;

	if (name) {
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

/* One record's RAW line without its newline; returns false when out of
 * memory. A log's own ENRICHED part (after 0x1d) is not copied; in a live
 * record a 0x1d is the record's text (a user-space message's), written
 * \x1d like any control byte. */
bool format_put_raw_line(const struct audit_event *ev, const struct event_record *r,
			 const char *stamp, size_t stamp_len, struct outbuf *out)
{
	const char *body = ev->text + r->offset;
	const char *gs = ev->log_input ? memchr(body, 0x1d, r->len) : NULL;
	size_t len = gs ? (size_t)(gs - body) : r->len;

	if (!outbuf_reserve(out, DECODE_RAW_MAX(len + stamp_len) + ev->node_len + 8))
		return false;
	if (ev->node) {
		outbuf_puts(out, "node=");
		/* A node name never holds a space or control byte. */
		for (uint32_t k = 0; k < ev->node_len; k++)
			outbuf_putc(out, (unsigned char)ev->node[k] > 0x20 && ev->node[k] != 0x7f
						 ? ev->node[k]
						 : '_');
		outbuf_putc(out, ' ');
	}
	out->len += decode_format_raw_stamped(r->type, stamp, stamp_len, body, len,
					      out->data + out->len);
	out->len--; /* the caller ends the line */
	return true;
}

/* "audit(S.MS:N): ", as the kernel writes it (MS in three digits), once
 * an event: by hand, not snprintf. */
size_t format_raw_stamp(const struct audit_event *ev, char *buf, size_t size)
{
	char tmp[64], *o = tmp;
	uint32_t ms = ev->stamp.msec;

	memcpy(o, "audit(", 6);
	o = outbuf_decimal(o + 6, ev->stamp.sec);
	*o++ = '.';
	if (ms < 1000) {
		*o++ = (char)('0' + ms / 100);
		*o++ = (char)('0' + ms / 10 % 10);
		*o++ = (char)('0' + ms % 10);
	} else {
		o = outbuf_decimal(o, ms);
	}
	*o++ = ':';
	o = outbuf_decimal(o, ev->stamp.serial);
	memcpy(o, "): ", 3);
	o += 3;
	/* As snprintf: the length it wanted, the text cut to fit. */
	if (size) {
		size_t k = (size_t)(o - tmp) < size ? (size_t)(o - tmp) : size - 1;

		memcpy(buf, tmp, k);
		buf[k] = '\0';
	}
	return (size_t)(o - tmp);
}

void format_event_raw(const struct audit_event *ev, struct outbuf *out)
{
	char stamp[64];
	size_t n = format_raw_stamp(ev, stamp, sizeof(stamp));

	for (unsigned i = 0; i < ev->nrecords; i++) {
		if (!format_put_raw_line(ev, &ev->records[i], stamp, n, out))
			return;
		outbuf_putc(out, '\n');
	}
}
