/* SPDX-License-Identifier: MIT */
/*
 * outbuf: a growable byte buffer for formatters, and the one place that
 * turns untrusted bytes into JSON string content.
 *
 * Escaping of values (reversible, as laurel does): the bytes of a value are
 * written as they are when they are printable ASCII or valid UTF-8, except
 * '%', which becomes %25; control bytes (below 0x20, and 0x7f) and bytes
 * that are not part of valid UTF-8 become %XX (two upper-case hex digits).
 * Reading a value back is therefore: replace every %XX by the byte XX. On
 * top of that, '"' and '\' get JSON's own escapes, so every line is valid
 * JSON and no value can end a line or a string early.
 */
#ifndef NEEDLE_DECODE_OUTBUF_H
#define NEEDLE_DECODE_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct outbuf {
	char *data;
	size_t len, cap;
	bool failed; /* an allocation failed: the content is incomplete */
};

void outbuf_free(struct outbuf *b);

#include <string.h>

/* Makes room for n more bytes; false (and failed set) if it cannot. */
bool outbuf_grow(struct outbuf *b, size_t n);

/* Hot path inline: formatters call these a few dozen times per event. */
static inline bool outbuf_reserve(struct outbuf *b, size_t n)
{
	return b->len + n <= b->cap || outbuf_grow(b, n);
}

static inline void outbuf_put(struct outbuf *b, const void *p, size_t n)
{
	if (n == 0 || !outbuf_reserve(b, n))
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static inline void outbuf_puts(struct outbuf *b, const char *s)
{
	outbuf_put(b, s, strlen(s));
}

static inline void outbuf_putc(struct outbuf *b, char c)
{
	if (!outbuf_reserve(b, 1))
		return;
	b->data[b->len++] = c;
}

/* v in decimal at o (room for 20 bytes); returns the end. */
char *outbuf_decimal(char *o, uint64_t v);
void outbuf_put_u64(struct outbuf *b, uint64_t v);
void outbuf_put_i64(struct outbuf *b, int64_t v);

/* A JSON string: quotes included, content escaped as described above. */
void outbuf_json_string(struct outbuf *b, const char *p, size_t n);

/* "name": with name escaped the same way. */
void outbuf_json_key(struct outbuf *b, const char *name, size_t n);

#endif
