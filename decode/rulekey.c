/* SPDX-License-Identifier: MIT */
/*
 * rulekey: an event's first rule key from its subject record's text
 * (rulekey.h). The tail read is the parser's answer for the records the
 * kernel writes (one key= field, last, its value without spaces); a
 * record of any other shape is parsed, so the answer stays the parser's.
 */
#include "rulekey.h"
#include "interpret.h"

#include <linux/audit.h>
#include <stdlib.h>
#include <string.h>

/* The key= field when it is the record's last field, read from the tail;
 * false when the tail has another shape (then the record is parsed). */
static bool tail_key(unsigned type, const char *t, size_t n, struct audit_field *ret)
{
	const char *sp, *v;
	size_t len;

	*ret = (struct audit_field){ .name = "key", .name_len = 3 };
	if (n >= 11 && memcmp(t + n - 11, " key=(null)", 11) == 0) {
		ret->value = t + n - 6;
		ret->value_len = 6;
		return true;
	}
	if (n >= 7 && t[n - 1] == '"') {
		/* key="...": the opening quote is the last one before the end. */
		const char *q = memrchr(t, '"', n - 1);

		if (!q || q - t < 5 || memcmp(q - 5, " key=", 5) != 0)
			return false;
		ret->quote = FIELD_DOUBLE;
		ret->value = q + 1;
		ret->value_len = (uint32_t)(t + n - 1 - (q + 1));
		return true;
	}
	if (!(sp = memrchr(t, ' ', n)) || (size_t)(t + n - sp) < 6 || memcmp(sp, " key=", 5) != 0)
		return false;
	v = sp + 5;
	len = (size_t)(t + n - v);
	/* Quoted (an open quote), or ending in what the parser strips off
	 * (':', ',', '\'', ')'): the parser decides. */
	if (v[0] == '"' || v[0] == '\'' || memchr(":,')", v[len - 1], 4))
		return false;
	ret->value = v;
	ret->value_len = (uint32_t)len;
	if (!(len & 1) && interp_field_encoded(type, "key", 3))
		ret->flags = FIELD_ENCODED;
	return true;
}

/* The subject's key= as format_index_subject() picks it: top level first,
 * else the first nested one; NULL when none. */
static const struct audit_field *parsed_key(unsigned type, const char *t, size_t n, bool log_line,
					    struct rulekey_scratch *s)
{
	const struct audit_field *nested = NULL;
	struct audit_record rec;
	unsigned cap = (unsigned)(n / 2 + 2);

	if (cap > s->cap) {
		struct audit_field *f = realloc(s->fields, cap * sizeof(*f));

		if (!f)
			return NULL;
		s->fields = f;
		s->cap = cap;
	}
	decode_record_body(type, t, n, log_line, s->fields, cap, &rec);
	for (unsigned i = 0; i < rec.nfields; i++) {
		const struct audit_field *f = &rec.fields[i];

		if (f->name_len != 3 || memcmp(f->name, "key", 3) != 0 || (f->flags & FIELD_ENRICHED))
			continue;
		if (!(f->flags & FIELD_NESTED))
			return f;
		if (!nested)
			nested = f;
	}
	return nested;
}

bool rulekey_first(const struct audit_event *ev, struct rulekey_scratch *s, const char **ret_key,
		   size_t *ret_len)
{
	const struct event_record *r = NULL;
	const struct audit_field *key;
	struct audit_field tail;
	const char *t, *v, *end;
	size_t n, len;

	if (!ev->nrecords)
		return false;
	for (unsigned i = 0; i < ev->nrecords && !r; i++)
		if (ev->records[i].type == AUDIT_SYSCALL)
			r = &ev->records[i];
	if (!r)
		r = &ev->records[0];
	t = ev->text + r->offset;
	n = r->len;
	if (ev->log_input && (end = memchr(t, 0x1d, n)))
		n = (size_t)(end - t); /* auditd's ENRICHED part has no key */
	if (r->type == AUDIT_SYSCALL && tail_key(r->type, t, n, &tail))
		key = &tail;
	else
		key = parsed_key(r->type, ev->text + r->offset, r->len, ev->log_input, s);
	if (!key || (key->value_len == 6 && memcmp(key->value, "(null)", 6) == 0))
		return false;
	v = key->value;
	len = key->value_len;
	if (interp_field_is_hex(key)) {
		interp_field_value(key, &s->value);
		if (s->value.failed)
			return false;
		v = s->value.data;
		len = s->value.len;
	}
	/* Several keys are joined by 0x01: the first (a short scan, inline). */
	for (size_t i = 0; i < len; i++)
		if (v[i] == 1) {
			len = i;
			break;
		}
	if (!len)
		return false;
	*ret_key = v;
	*ret_len = len;
	return true;
}

void rulekey_scratch_free(struct rulekey_scratch *s)
{
	free(s->fields);
	outbuf_free(&s->value);
	*s = (struct rulekey_scratch){ 0 };
}
