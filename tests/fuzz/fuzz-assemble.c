/* SPDX-License-Identifier: MIT */
/* Fuzz target: lines -> records -> events -> JSON, RAW and summary. Checks
 * what must always hold: each formatted event ends with its only newline
 * (JSON, summary), so no input can break or forge an output line. And the
 * key an event counts under (rulekey.h): never empty, never holding 0x01,
 * and the full parse's (format_event_first_key) whenever the subject
 * record's text has key= once and the parse takes it for a field (what
 * the kernel writes). */
#include "assemble.h"
#include "format.h"
#include "record.h"
#include "rulekey.h"

#include <linux/audit.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_one_line(const struct outbuf *o, size_t start)
{
	if (o->failed)
		return;
	for (size_t i = start; i + 1 < o->len; i++)
		if (o->data[i] == '\n')
			abort(); /* an event spans two lines */
	if (o->len > start && o->data[o->len - 1] != '\n')
		abort();
}

/* The subject record (rulekey.h's choice) has "key=" once in its text
 * (its ENRICHED part aside), and the parse takes it for a key= field: then
 * the tail read and the parse must agree. (Text such as a="b key="x" has
 * key= once but no such field: the tail read may differ there, records no
 * kernel writes.) */
static bool one_key_field(const struct audit_event *ev)
{
	const struct event_record *r = NULL;
	struct audit_record rec;
	struct audit_field *fields;
	const char *t, *gs;
	size_t n, keys = 0, named = 0;

	for (unsigned i = 0; i < ev->nrecords && !r; i++)
		if (ev->records[i].type == AUDIT_SYSCALL)
			r = &ev->records[i];
	if (!r && !(r = ev->nrecords ? &ev->records[0] : NULL))
		return false;
	t = ev->text + r->offset;
	n = r->len;
	if (!(fields = malloc((n / 2 + 2) * sizeof(*fields))))
		return false;
	decode_record_body(r->type, t, n, ev->log_input, fields, (unsigned)(n / 2 + 2), &rec);
	for (unsigned i = 0; i < rec.nfields; i++)
		named += !(fields[i].flags & FIELD_ENRICHED) && fields[i].name_len == 3 &&
			 memcmp(fields[i].name, "key", 3) == 0;
	free(fields);
	if (ev->log_input && (gs = memchr(t, 0x1d, n)))
		n = (size_t)(gs - t);
	for (size_t i = 0; i + 4 <= n; i++)
		keys += memcmp(t + i, "key=", 4) == 0;
	return keys == 1 && named == 1;
}

static void check_key(struct format_ctx *ctx, const struct audit_event *ev,
		      struct rulekey_scratch *s, struct outbuf *full)
{
	const char *key;
	size_t len;
	bool have = rulekey_first(ev, s, &key, &len), have_full;

	if (have && (len == 0 || memchr(key, 1, len)))
		abort();
	full->len = 0;
	have_full = format_event_first_key(ctx, ev, full);
	if (full->failed || !one_key_field(ev))
		return;
	if (have != have_full || (have && (len != full->len || memcmp(key, full->data, len) != 0)))
		abort(); /* the tail read is not the parse's answer */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rulekey_scratch keys = { 0 };
	struct outbuf key = { 0 };
	struct assemble_config cfg = { .max_open = 4, .timeout_ms = 1000, .max_event_bytes = 4096,
				       .log_input = size % 2 == 0, .hold_after_eoe = size % 3 == 0 };
	struct assembler *a = assembler_new(&cfg);
	struct format_ctx ctx = { 0 };
	struct outbuf json = { 0 }, raw = { 0 }, sum = { 0 };
	const char *p = (const char *)data, *end = p + size;
	struct audit_event *ev;
	uint64_t round = 0;

	if (!a)
		return 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct audit_record rec;

		if (decode_record_line(p, len, NULL, 0, &rec) == RECORD_OK) {
			assembler_set_round(a, ++round);
			assembler_add(a, rec.type ? rec.type : 1300, &rec.stamp, rec.node, rec.node_len,
				      rec.body, len - (size_t)(rec.body - p),
				      rec.stamp.sec * 1000 + rec.stamp.msec);
			if (round % 3 == 0)
				assembler_release(a, round - 1);
		}
		p += len + 1;
		while ((ev = assembler_pop(a))) {
			size_t j = json.len, s = sum.len;

			format_event_json(&ctx, ev, &json);
			check_one_line(&json, j);
			format_event_raw(ev, &raw);
			format_event_summary(&ctx, ev, &sum);
			check_one_line(&sum, s);
			check_key(&ctx, ev, &keys, &key);
			assembler_done(a, ev);
			json.len = raw.len = sum.len = 0;
		}
	}
	assembler_flush(a);
	while ((ev = assembler_pop(a))) {
		format_event_json(&ctx, ev, &json);
		check_one_line(&json, 0);
		json.len = 0;
		assembler_done(a, ev);
	}
	assembler_free(a);
	format_ctx_free(&ctx);
	outbuf_free(&json);
	outbuf_free(&raw);
	outbuf_free(&sum);
	outbuf_free(&key);
	rulekey_scratch_free(&keys);
	return 0;
}
