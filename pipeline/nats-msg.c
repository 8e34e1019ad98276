/* SPDX-License-Identifier: MIT */
/*
 * nats-msg.c: subject templates, message ids and the batches decoders hand
 * to the NATS output (nats-msg.h draws them).
 */
#include "nats-msg.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const placeholders[] = { "{host}", "{key}" };

/* The placeholder at p ({host} 0, {key} 1), or -1. */
static int placeholder_at(const char *p)
{
	for (int i = 0; i < 2; i++)
		if (strncmp(p, placeholders[i], strlen(placeholders[i])) == 0)
			return i;
	return -1;
}

int nats_template_parse(const char *text, struct nats_template *ret, char *err, size_t err_size)
{
	size_t len = strlen(text);
	bool key = false;

	if (len == 0 || len >= NATS_SUBJECT_MAX) {
		snprintf(err, err_size, "%s", len ? "longer than 255 bytes" : "empty");
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		bool token_start = i == 0 || text[i - 1] == '.';
		int ph;

		if (c == '.') {
			if (token_start || i + 1 == len) {
				snprintf(err, err_size, "an empty token at %zu (tokens are separated by "
					 "one '.')", i + 1);
				return -EINVAL;
			}
			continue;
		}
		if (c == '{') {
			ph = placeholder_at(text + i);
			if (ph < 0) {
				snprintf(err, err_size, "'{' at %zu starts neither {host} nor {key}",
					 i + 1);
				return -EINVAL;
			}
			i += strlen(placeholders[ph]) - 1;
			if (!token_start || (text[i + 1] && text[i + 1] != '.')) {
				snprintf(err, err_size, "%s is not a token of its own (write it "
					 "between dots: needle.events.%s)", placeholders[ph],
					 placeholders[ph]);
				return -EINVAL;
			}
			key |= ph == 1;
			continue;
		}
		if (c <= ' ' || c >= 0x7f || c == '*' || c == '>' || c == '}') {
			snprintf(err, err_size, "%s at %zu (a subject to publish to has printable "
				 "characters, no wildcard '*' or '>')",
				 c == ' ' ? "a space" : c < ' ' || c >= 0x7f ? "a control or non-ASCII byte"
				 : c == '*' ? "'*'" : c == '>' ? "'>'" : "'}'", i + 1);
			return -EINVAL;
		}
	}
	memcpy(ret->text, text, len + 1);
	ret->has_key = key;
	return 0;
}

void nats_template_filter(const struct nats_template *t, char *buf, size_t size)
{
	size_t n = 0;

	for (const char *p = t->text; *p && n + 1 < size;) {
		int ph = *p == '{' ? placeholder_at(p) : -1;

		if (ph >= 0) {
			buf[n++] = '*';
			p += strlen(placeholders[ph]);
		} else {
			buf[n++] = *p++;
		}
	}
	buf[n] = '\0';
}

/* The token starting at *p: its length; *p moved to the next one. */
static size_t next_token(const char **p, const char **ret_token)
{
	size_t n = strcspn(*p, ".");

	*ret_token = *p;
	*p += n;
	if (**p == '.')
		(*p)++;
	return n;
}

bool nats_subject_covers(const char *filter, const char *pattern)
{
	const char *f = filter, *s = pattern;

	while (*f) {
		const char *ft, *st;
		size_t fn = next_token(&f, &ft), sn;

		if (fn == 1 && ft[0] == '>')
			return *s != '\0'; /* '>' takes one token or more */
		if (!*s)
			return false;
		sn = next_token(&s, &st);
		if (fn == 1 && ft[0] == '*')
			continue;
		if ((sn == 1 && st[0] == '*') || fn != sn || memcmp(ft, st, fn) != 0)
			return false;
	}
	return *s == '\0';
}

void nats_token_put(struct outbuf *out, const char *value, size_t len)
{
	if (!len) {
		outbuf_putc(out, '_');
		return;
	}
	if (!outbuf_reserve(out, len))
		return;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)value[i];

		out->data[out->len++] =
			c <= ' ' || c >= 0x7f || c == '.' || c == '*' || c == '>' ? '_' : (char)c;
	}
}

static void put_hdr(struct outbuf *b, size_t start, const struct nats_msg_hdr *h)
{
	if (!b->failed && start + sizeof(*h) <= b->len)
		memcpy(b->data + start, h, sizeof(*h));
}

size_t nats_msg_begin(struct outbuf *b, const struct nats_template *t, const char *host,
		      size_t host_len, const char *key, size_t key_len,
		      const struct audit_stamp *stamp)
{
	struct nats_msg_hdr h = { 0 };
	size_t start = b->len, at;
	char ms[3] = { (char)('0' + stamp->msec / 100 % 10), (char)('0' + stamp->msec / 10 % 10),
		       (char)('0' + stamp->msec % 10) };

	outbuf_put(b, &h, sizeof(h));
	at = b->len;
	for (const char *p = t->text; *p;) {
		int ph = *p == '{' ? placeholder_at(p) : -1;

		if (ph == 0) {
			outbuf_put(b, host, host_len);
		} else if (ph == 1) {
			if (key)
				nats_token_put(b, key, key_len);
			else
				outbuf_puts(b, "none");
		} else {
			size_t n = strcspn(p + 1, "{") + 1;

			outbuf_put(b, p, n);
			p += n;
			continue;
		}
		p += strlen(placeholders[ph]);
	}
	h.subject_len = (uint32_t)(b->len - at);
	at = b->len;
	outbuf_put(b, host, host_len);
	outbuf_putc(b, '/');
	outbuf_put_u64(b, stamp->sec);
	outbuf_putc(b, '.');
	outbuf_put(b, ms, 3);
	outbuf_putc(b, ':');
	outbuf_put_u64(b, stamp->serial);
	h.id_len = (uint32_t)(b->len - at);
	put_hdr(b, start, &h);
	return start;
}

void nats_msg_end(struct outbuf *b, size_t start)
{
	struct nats_msg_hdr h;
	size_t data_at;

	if (b->failed || start + sizeof(h) > b->len)
		return;
	memcpy(&h, b->data + start, sizeof(h));
	data_at = start + sizeof(h) + h.subject_len + h.id_len;
	if (b->len > data_at && b->data[b->len - 1] == '\n')
		b->len--;
	h.data_len = (uint32_t)(b->len - data_at);
	put_hdr(b, start, &h);
}

bool nats_msg_next(const char *buf, size_t len, size_t *pos, struct nats_msg_view *ret)
{
	struct nats_msg_hdr h;
	size_t at = *pos, body;

	if (at > len || len - at < sizeof(h))
		return false;
	memcpy(&h, buf + at, sizeof(h));
	body = (size_t)h.subject_len + h.id_len + h.data_len;
	if (len - at - sizeof(h) < body)
		return false;
	at += sizeof(h);
	ret->subject = buf + at;
	ret->subject_len = h.subject_len;
	ret->id = ret->subject + h.subject_len;
	ret->id_len = h.id_len;
	ret->data = ret->id + h.id_len;
	ret->data_len = h.data_len;
	*pos = at + body;
	return true;
}
