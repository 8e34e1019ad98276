/* SPDX-License-Identifier: MIT */
/*
 * audisp.c: auditd's dispatcher formats (audisp.h), built from the RAW and
 * ENRICHED lines of raw.c and enrich.c, so a plugin reads what the logs
 * hold, byte for byte.
 */
#include "audisp.h"
#include "enrich.h"
#include "format-internal.h"

#include <libaudit.h>
#include <string.h>

_Static_assert(sizeof(struct audit_dispatcher_header) == AUDISP_HEADER_SIZE,
	       "libaudit's dispatcher header is 16 bytes");
_Static_assert(AUDISP_DATA_MAX == MAX_AUDIT_MESSAGE_LENGTH, "libaudit's record size");

/* The EOE an event ended on: a record with no body. */
static const struct event_record eoe_record = { .type = AUDIT_EOE, .offset = 0, .len = 0 };

unsigned format_event_audisp_string(struct format_ctx *ctx, const struct audit_event *ev,
				    bool enriched, struct outbuf *out)
{
	char stamp[64];
	size_t n;

	if (enriched)
		format_event_enriched(ctx, ev, out);
	else
		format_event_raw(ev, out);
	if (!ev->saw_eoe)
		return ev->nrecords;
	/* Its ENRICHED part is empty: EOE has no field auditd interprets. */
	n = format_raw_stamp(ev, stamp, sizeof(stamp));
	if (format_put_raw_line(ev, &eoe_record, stamp, n, out))
		outbuf_putc(out, '\n');
	return ev->nrecords + 1;
}

/* One record: its header, then what put() appended, cut at AUDISP_DATA_MAX. */
static void put_header(struct outbuf *out, size_t at, uint32_t ver, unsigned type)
{
	struct audit_dispatcher_header h = { .ver = ver, .hlen = AUDISP_HEADER_SIZE, .type = type };
	size_t start = at + AUDISP_HEADER_SIZE;

	if (out->failed || out->len < start)
		return;
	if (out->len - start > AUDISP_DATA_MAX)
		out->len = start + AUDISP_DATA_MAX;
	h.size = (uint32_t)(out->len - start);
	memcpy(out->data + at, &h, sizeof(h));
}

/* The kernel's text of a record: its stamp and body as received. */
static void put_kernel_text(struct outbuf *out, const char *stamp, size_t n,
			    const struct audit_event *ev, const struct event_record *r)
{
	outbuf_put(out, stamp, n);
	outbuf_put(out, ev->text + r->offset, r->len);
}

unsigned format_event_audisp_binary(struct format_ctx *ctx, const struct audit_event *ev,
				    bool enriched, struct outbuf *out)
{
	const struct enrich_names names = { ctx->uid_name, ctx->gid_name, ctx->id_arg };
	static const char zero[AUDISP_HEADER_SIZE];
	char stamp[64];
	size_t n = format_raw_stamp(ev, stamp, sizeof(stamp));
	unsigned total = ev->nrecords + (ev->saw_eoe ? 1 : 0);

	for (unsigned i = 0; i < total; i++) {
		const struct event_record *r = i < ev->nrecords ? &ev->records[i] : &eoe_record;
		size_t at = out->len, start;

		outbuf_put(out, zero, sizeof(zero));
		start = out->len;
		if (!enriched) {
			put_kernel_text(out, stamp, n, ev, r);
			put_header(out, at, AUDISP_PROTOCOL_VER, r->type);
			continue;
		}
		if (!format_put_raw_line(ev, r, stamp, n, out))
			return i;
		ctx->value2.len = 0;
		enrich_line(out->data + start, out->len - start, r->type, &names, &ctx->value,
			    &ctx->value2);
		if (ctx->value2.failed)
			out->failed = true;
		outbuf_put(out, ctx->value2.data, ctx->value2.len);
		put_header(out, at, AUDISP_PROTOCOL_VER2, r->type);
	}
	return total;
}

unsigned audisp_binary_records(const char *data, size_t len)
{
	struct audit_dispatcher_header h;
	unsigned n = 0;
	size_t at = 0;

	while (len - at >= sizeof(h)) {
		memcpy(&h, data + at, sizeof(h));
		if (h.hlen < sizeof(h) || len - at - h.hlen < h.size)
			break;
		at += h.hlen + h.size;
		n++;
	}
	return n;
}
