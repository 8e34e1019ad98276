/* SPDX-License-Identifier: MIT */
/* Fuzz target: lines -> records -> events -> JSON, RAW and summary. Checks
 * what must always hold: each formatted event ends with its only newline
 * (JSON, summary), so no input can break or forge an output line. */
#include "assemble.h"
#include "format.h"
#include "record.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
	return 0;
}
