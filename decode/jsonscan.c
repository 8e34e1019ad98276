/* SPDX-License-Identifier: MIT */
/*
 * jsonscan: see jsonscan.h. One strict recursive-descent check
 * (skip_value) serves both the parse and the walk: jsonscan_member and
 * jsonscan_next step over values with it, so a walk never trusts more
 * than the grammar it checks again, and never reads past a value's end.
 */
#include "jsonscan.h"

#include <stdint.h>
#include <string.h>

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static int hex4(const char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* After the opening quote; returns the byte after the closing one. */
static const char *skip_string(const char *p, const char *end)
{
	while (p < end) {
		unsigned char c = (unsigned char)*p;

		if (c == '"')
			return p + 1;
		if (c < 0x20)
			return NULL;
		if (c != '\\') {
			p++;
			continue;
		}
		if (end - p < 2)
			return NULL;
		switch (p[1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
			p += 2;
			break;
		case 'u':
			if (end - p < 6 || hex4(p + 2) < 0)
				return NULL;
			p += 6;
			break;
		default:
			return NULL;
		}
	}
	return NULL;
}

static const char *skip_digits(const char *p, const char *end)
{
	const char *start = p;

	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return p > start ? p : NULL;
}

static const char *skip_number(const char *p, const char *end)
{
	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0')
		p++;
	else if (!(p = skip_digits(p, end)))
		return NULL;
	if (p < end && *p == '.' && !(p = skip_digits(p + 1, end)))
		return NULL;
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!(p = skip_digits(p, end)))
			return NULL;
	}
	return p;
}

static const char *skip_word(const char *p, const char *end, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(end - p) >= n && memcmp(p, word, n) == 0 ? p + n : NULL;
}

/* The value at p (no white space before it): the byte after it, or NULL
 * when the text there is not one. depth: containers still allowed. */
static const char *skip_value(const char *p, const char *end, int depth)
{
	char close;

	if (p >= end)
		return NULL;
	switch (*p) {
	case '"': return skip_string(p + 1, end);
	case 't': return skip_word(p, end, "true");
	case 'f': return skip_word(p, end, "false");
	case 'n': return skip_word(p, end, "null");
	case '{': close = '}'; break;
	case '[': close = ']'; break;
	default: return skip_number(p, end);
	}
	if (depth <= 0)
		return NULL;
	p = skip_ws(p + 1, end);
	if (p < end && *p == close)
		return p + 1;
	for (;;) {
		if (close == '}') {
			if (p >= end || *p != '"' || !(p = skip_string(p + 1, end)))
				return NULL;
			p = skip_ws(p, end);
			if (p >= end || *p != ':')
				return NULL;
			p = skip_ws(p + 1, end);
		}
		if (!(p = skip_value(p, end, depth - 1)))
			return NULL;
		p = skip_ws(p, end);
		if (p >= end)
			return NULL;
		if (*p == close)
			return p + 1;
		if (*p != ',')
			return NULL;
		p = skip_ws(p + 1, end);
	}
}

static enum jsonscan_type type_of(char c)
{
	switch (c) {
	case '{': return JSONSCAN_OBJECT;
	case '[': return JSONSCAN_ARRAY;
	case '"': return JSONSCAN_STRING;
	case 't': return JSONSCAN_TRUE;
	case 'f': return JSONSCAN_FALSE;
	case 'n': return JSONSCAN_NULL;
	default: return JSONSCAN_NUMBER;
	}
}

bool jsonscan_parse(const char *text, size_t len, struct jsonscan_value *ret)
{
	const char *end = text + len, *p = skip_ws(text, end), *after;

	after = skip_value(p, end, JSONSCAN_MAX_DEPTH);
	if (!after || skip_ws(after, end) != end)
		return false;
	*ret = (struct jsonscan_value){ .p = p, .len = (size_t)(after - p), .type = type_of(*p) };
	return true;
}

bool jsonscan_next(const struct jsonscan_value *container, const char **cursor,
		   struct jsonscan_value *ret_key, struct jsonscan_value *ret)
{
	const char *end, *p, *after;
	struct jsonscan_value key = { 0 };

	if (container->type != JSONSCAN_OBJECT && container->type != JSONSCAN_ARRAY)
		return false;
	/* The closing bracket is the last byte: stop before it. */
	end = container->p + container->len - 1;
	p = skip_ws(*cursor ? *cursor : container->p + 1, end);
	if (p < end && *p == ',')
		p = skip_ws(p + 1, end);
	if (p >= end)
		return false;
	if (container->type == JSONSCAN_OBJECT) {
		if (*p != '"' || !(after = skip_string(p + 1, end)))
			return false;
		key = (struct jsonscan_value){ .p = p, .len = (size_t)(after - p),
					       .type = JSONSCAN_STRING };
		p = skip_ws(after, end);
		if (p >= end || *p != ':')
			return false;
		p = skip_ws(p + 1, end);
	}
	if (!(after = skip_value(p, end, JSONSCAN_MAX_DEPTH)))
		return false;
	if (ret_key)
		*ret_key = key;
	*ret = (struct jsonscan_value){ .p = p, .len = (size_t)(after - p), .type = type_of(*p) };
	*cursor = after;
	return true;
}

bool jsonscan_member(const struct jsonscan_value *obj, const char *key,
		     struct jsonscan_value *ret)
{
	const char *cursor = NULL;
	struct jsonscan_value k, v;
	size_t n = strlen(key);

	if (obj->type != JSONSCAN_OBJECT)
		return false;
	while (jsonscan_next(obj, &cursor, &k, &v))
		if (k.len == n + 2 && memcmp(k.p + 1, key, n) == 0) {
			*ret = v;
			return true;
		}
	return false;
}

static void put_utf8(struct outbuf *out, uint32_t c)
{
	char b[4];
	size_t n;

	if (c < 0x80) {
		b[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		b[0] = (char)(0xc0 | c >> 6);
		b[1] = (char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		b[0] = (char)(0xe0 | c >> 12);
		b[1] = (char)(0x80 | (c >> 6 & 0x3f));
		b[2] = (char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | c >> 18);
		b[1] = (char)(0x80 | (c >> 12 & 0x3f));
		b[2] = (char)(0x80 | (c >> 6 & 0x3f));
		b[3] = (char)(0x80 | (c & 0x3f));
		n = 4;
	}
	outbuf_put(out, b, n);
}

bool jsonscan_string(const struct jsonscan_value *v, struct outbuf *out)
{
	const char *p, *end;

	if (v->type != JSONSCAN_STRING || v->len < 2)
		return false;
	p = v->p + 1;
	end = v->p + v->len - 1;
	while (p < end) {
		const char *bs = memchr(p, '\\', (size_t)(end - p));
		uint32_t c;

		if (!bs) {
			outbuf_put(out, p, (size_t)(end - p));
			break;
		}
		outbuf_put(out, p, (size_t)(bs - p));
		p = bs + 1;
		if (p >= end)
			break;
		switch (*p) {
		case 'b': outbuf_putc(out, '\b'); p++; continue;
		case 'f': outbuf_putc(out, '\f'); p++; continue;
		case 'n': outbuf_putc(out, '\n'); p++; continue;
		case 'r': outbuf_putc(out, '\r'); p++; continue;
		case 't': outbuf_putc(out, '\t'); p++; continue;
		case 'u': break;
		default: outbuf_putc(out, *p); p++; continue; /* " \ / */
		}
		if (end - p < 5 || hex4(p + 1) < 0)
			break;
		c = (uint32_t)hex4(p + 1);
		p += 5;
		if (c >= 0xd800 && c < 0xdc00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u' &&
		    hex4(p + 2) >= 0xdc00 && hex4(p + 2) < 0xe000) {
			c = 0x10000 + ((c - 0xd800) << 10) + ((uint32_t)hex4(p + 2) - 0xdc00);
			p += 6;
		} else if (c >= 0xd800 && c < 0xe000) {
			c = 0xfffd; /* a lone surrogate stands for no character */
		}
		put_utf8(out, c);
	}
	return true;
}

bool jsonscan_integer(const struct jsonscan_value *v, long long *ret)
{
	unsigned long long n = 0;
	size_t i = 0;
	bool neg = false;

	if (v->type != JSONSCAN_NUMBER || v->len == 0)
		return false;
	if (v->p[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i == v->len || v->len - i > 19)
		return false;
	for (; i < v->len; i++) {
		if (v->p[i] < '0' || v->p[i] > '9')
			return false;
		n = n * 10 + (unsigned)(v->p[i] - '0');
	}
	if (n > (unsigned long long)INT64_MAX + neg)
		return false;
	*ret = neg ? (long long)(0 - n) : (long long)n;
	return true;
}
