/* SPDX-License-Identifier: MIT */
/*
 * own-record: needle's own records (DAEMON_START, DAEMON_END,
 * DAEMON_ABORT), written into its logs as auditd writes its own, so that a
 * gap in the trail can be explained by the logs themselves.
 *
 *   caller's body ("op=start ver=..."), per output format
 *      --> one record "audit(SEC.MS:SERIAL): BODY" of the given type, an
 *          event by itself (assemble.h: auditd's rule for daemon records)
 *      --> the decoders' formatters: JSON, RAW, ENRICHED (names looked up
 *          as for every ENRICHED line), one LZ4 frame each when compressed
 *      --> sink_write() to every output, counted as one event written
 *      --> the plugins' queues, in their formats (decode/audisp.h): auditd
 *          hands its own records to its plugins too (send_audit_event()
 *          goes through distribute_event())
 *      --> the NATS output, a message as the decoders make one (nats-msg.h):
 *          the central place sees this host's gaps explained as well
 *
 * The serial is needle's own, as auditd's is: a random start below 10000,
 * then one more per record. It is not the kernel's and goes through no
 * decoder: no serial gap, no restart count sees it (logtail.h skips these
 * records when a restart reads the log). Main thread; the sinks take the
 * line between the decoders' batches (sink.h: a batch never interleaves).
 */
#include "pipeline.h"
#include "audisp.h"
#include "format.h"
#include "frame.h"
#include "idcache.h"
#include "nats-msg.h"
#include "threads.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* The serial of the next record: auditd's scheme. */
static uint32_t next_serial(struct pipeline *p)
{
	if (!p->own_serial) {
		unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();

		p->own_serial = 1 + (uint32_t)(rand_r(&seed) % 10000);
	}
	return p->own_serial++;
}

/* One output: its format's line(s) for ev, written (as one frame when the
 * sink compresses). */
static void write_one(struct sink *sink, const char *format, struct format_ctx *ctx,
		      struct audit_event *ev, const char *body)
{
	struct outbuf line = { 0 }, frame = { 0 };

	ev->text = body;
	ev->records[0].len = (uint32_t)strlen(body);
	if (strcmp(format, "raw") == 0)
		format_event_raw(ev, &line);
	else if (strcmp(format, "enriched") == 0)
		format_event_enriched(ctx, ev, &line);
	else
		format_event_json(ctx, ev, &line);
	if (line.failed) {
		sink_count_lost(sink, 1);
	} else if (!sink_lz4(sink)) {
		sink_write(sink, line.data, line.len, line.len, 1);
	} else if (frame_compress_lz4(line.data, line.len, &frame) < 0) {
		sink_count_lost(sink, 1);
	} else {
		sink_write(sink, frame.data, frame.len, line.len, 1);
	}
	outbuf_free(&line);
	outbuf_free(&frame);
}

/* The plugins' copy: the RAW or ENRICHED line (the one a string plugin
 * gets, and whose text a binary one gets), in each format a plugin takes. */
static void dispatch_own(struct dispatch *d, struct format_ctx *names, struct audit_event *ev,
			 pipeline_body_fn *body, void *arg, char *text, size_t size)
{
	bool enriched = dispatch_enriched(d);

	body(arg, enriched ? "enriched" : "raw", text, size);
	ev->text = text;
	ev->records[0].len = (uint32_t)strlen(text);
	for (unsigned f = 0; f < DISPATCH_FORMATS; f++) {
		struct outbuf b = { 0 };
		unsigned n;

		if (!dispatch_wants(d, f))
			continue;
		n = f == DISPATCH_STRING ? format_event_audisp_string(names, ev, enriched, &b)
					 : format_event_audisp_binary(names, ev, enriched, &b);
		if (b.failed)
			dispatch_count_lost(d, f, n);
		else
			dispatch_put(d, f, b.data, b.len, n);
		outbuf_free(&b);
	}
}

/* The NATS output's copy: a message as a decoder makes one (nats-msg.h),
 * in the output's format, with the key "none". */
static void nats_own(struct nats_out *o, struct format_ctx *ctx, struct audit_event *ev,
		     pipeline_body_fn *body, void *arg, char *text, size_t size)
{
	struct outbuf b = { 0 };
	size_t host_len, start;
	const char *host = nats_out_host(o, &host_len);
	bool raw = nats_out_raw(o);

	body(arg, raw ? "raw" : "json", text, size);
	ev->text = text;
	ev->records[0].len = (uint32_t)strlen(text);
	start = nats_msg_begin(&b, nats_out_template(o), host, host_len, NULL, 0, &ev->stamp);
	if (raw)
		format_event_raw(ev, &b);
	else
		format_event_json(ctx, ev, &b);
	nats_msg_end(&b, start);
	if (b.failed)
		nats_out_count_lost(o, 1);
	else
		nats_out_put(o, b.data, b.len, 1);
	outbuf_free(&b);
}

int pipeline_write_own(struct pipeline *p, unsigned type, pipeline_body_fn *body, void *arg,
		       bool json_names)
{
	struct sink *const outs[PIPELINE_OUTPUTS] = { p->json_sink, p->raw_sink, p->enriched_sink,
						      p->stdout_sink };
	static const char *const formats[PIPELINE_OUTPUTS] = { "json", "raw", "enriched", "json" };
	struct event_record rec = { .type = type, .offset = 0 };
	struct audit_event ev = { .nrecords = 1, .records = &rec, .end = EVENT_END_RULE };
	struct format_ctx names = { 0 }, plain = { 0 };
	struct idcache *ids = idcache_new();
	struct timeval tv;
	char text[1024];

	gettimeofday(&tv, NULL);
	ev.stamp = (struct audit_stamp){ .sec = (uint64_t)tv.tv_sec,
					 .msec = (unsigned)(tv.tv_usec / 1000),
					 .serial = next_serial(p) };
	if (ids) {
		names.uid_name = idcache_user;
		names.gid_name = idcache_group;
		names.id_arg = ids;
	}
	for (unsigned i = 0; i < PIPELINE_OUTPUTS; i++) {
		if (!outs[i])
			continue;
		body(arg, formats[i], text, sizeof(text));
		write_one(outs[i], formats[i],
			  strcmp(formats[i], "enriched") == 0 || json_names ? &names : &plain, &ev,
			  text);
	}
	if (p->dispatch && !p->plugins_stopped)
		dispatch_own(p->dispatch, &names, &ev, body, arg, text, sizeof(text));
	if (p->nats)
		nats_own(p->nats, json_names ? &names : &plain, &ev, body, arg, text, sizeof(text));
	format_ctx_free(&names);
	format_ctx_free(&plain);
	idcache_free(ids);
	return ids ? 0 : -ENOMEM;
}
