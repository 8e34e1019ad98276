/* SPDX-License-Identifier: MIT */
#include "outbuf.h"

#include <stdlib.h>
#include <string.h>

void outbuf_free(struct outbuf *b)
{
	free(b->data);
	*b = (struct outbuf){ 0 };
}

bool outbuf_grow(struct outbuf *b, size_t n)
{
	size_t cap;
	char *data;

	if (b->len + n <= b->cap && b->data)
		return true;
	if (b->failed)
		return false;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + n)
		cap *= 2;
	data = realloc(b->data, cap);
	if (!data) {
		b->failed = true;
		return false;
	}
	b->data = data;
	b->cap = cap;
	return true;
}

char *outbuf_decimal(char *o, uint64_t v)
{
	char tmp[20];
	size_t n = sizeof(tmp);

	do {
		tmp[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	memcpy(o, tmp + n, sizeof(tmp) - n);
	return o + sizeof(tmp) - n;
}

void outbuf_put_u64(struct outbuf *b, uint64_t v)
{
	char tmp[20];

	outbuf_put(b, tmp, (size_t)(outbuf_decimal(tmp, v) - tmp));
}

void outbuf_put_i64(struct outbuf *b, int64_t v)
{
	if (v < 0) {
		outbuf_putc(b, '-');
		outbuf_put_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		outbuf_put_u64(b, (uint64_t)v);
	}
}

/* Length of the valid UTF-8 sequence at p (1 to 4), or 0 if there is none
 * (overlong forms, surrogates and values past U+10FFFF are invalid). */
static size_t utf8_sequence(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];

	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f))
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

/* 1 for the bytes copied as they are: printable ASCII but '"', '%', '\\'.
 * A table: one load per byte where three compares would be. */
static const unsigned char plain_table[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
};

static inline bool plain(unsigned char c)
{
	return plain_table[c];
}

void outbuf_json_string(struct outbuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	char *o;

	/* Worst case: every byte becomes %XX; one reservation for the lot.
	 * Then a local cursor: stores through b->data (char *) could change
	 * b->len, which the compiler would reload and store at every byte. */
	if (!outbuf_reserve(b, n * 3 + 2))
		return;
	o = b->data + b->len;
	*o++ = '"';
	/* Eight bytes at a time while none needs escaping (SWAR: a byte below
	 * 0x20 or above 0x7e, or '"', '%', '\\' sets its high bit). */
	while (i + 8 <= n) {
		const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
		uint64_t w, low, hi, q, pc, bs;

		memcpy(&w, p + i, 8);
		low = (w - ones * 0x20) & ~w;             /* byte < 0x20 */
		hi = (w + ones * 0x01) | w;               /* byte >= 0x7f */
		q = ((w ^ (ones * '"')) - ones) & ~(w ^ (ones * '"'));
		pc = ((w ^ (ones * '%')) - ones) & ~(w ^ (ones * '%'));
		bs = ((w ^ (ones * '\\')) - ones) & ~(w ^ (ones * '\\'));
		if ((low | hi | q | pc | bs) & highs)
			break;
		memcpy(o, p + i, 8);
		o += 8;
		i += 8;
	}
	while (i < n) {
		unsigned char c = p[i];
		size_t seq;

		if (plain(c)) {
			/* Short runs (the usual field value): a byte loop beats
			 * a call to memcpy. */
			for (; i < n && plain(p[i]); i++)
				*o++ = (char)p[i];
		} else if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
			i++;
		} else if (c >= 0x80 && (seq = utf8_sequence(p + i, n - i)) > 0) {
			memcpy(o, p + i, seq);
			o += seq;
			i += seq;
		} else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
			i++;
		}
	}
	*o++ = '"';
	b->len = (size_t)(o - b->data);
}

void outbuf_json_key(struct outbuf *b, const char *name, size_t n)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t i;

	/* Field names are nearly always plain: one reservation, one pass. */
	if (n <= 64 && outbuf_reserve(b, n + 3)) {
		char *o = b->data + b->len;

		*o++ = '"';
		for (i = 0; i < n && plain(p[i]); i++)
			*o++ = (char)p[i];
		if (i == n) {
			*o++ = '"';
			*o++ = ':';
			b->len = (size_t)(o - b->data);
			return;
		}
	}
	outbuf_json_string(b, name, n);
	outbuf_putc(b, ':');
}
