/* SPDX-License-Identifier: MIT */
/*
 * decoder: takes records from its ring, reassembles events, writes them.
 *
 *   ring --peek batch--> assembler --events--> JSON / RAW buffers --> sinks
 *
 * All records of one event come to the same decoder (the listener shards
 * by serial), so each decoder has its own assembler and no state is shared
 * but the sinks. Output collects in per-decoder buffers of whole lines,
 * written when large or when the ring goes idle; with compress = lz4 each
 * buffer becomes one LZ4 frame. The clock is read once per batch.
 *
 * With plugins, each event is also formatted as auditd's dispatcher sends
 * it (decode/audisp.h), in each format a plugin takes, and handed to the
 * plugins' queues (dispatch.h) in batches, at each flush or once a batch
 * holds DISPATCH_BATCH bytes: a queue that is full drops the batch,
 * counted there; the decoder never waits on a plugin.
 *
 * With output = nats, each event is also a message for the NATS output
 * (nats-msg.h: subject, id, the JSON line or the RAW lines, the same bytes
 * the files get when they get that format, never formatted twice), handed
 * to its queue in batches like the plugins' (NATS_OUT_BATCH, or at each
 * flush); a full queue loses the batch, counted there.
 *
 * Filters (filters.h) decide first, on the parsed event, before anything
 * is formatted: a dropped event is only counted; a diverted one is
 * formatted as JSON into the divert file (needle.filtered.json) and
 * nowhere else, plugins and NATS included; the rest go on as without
 * filters. An event written or diverted is first redacted (the filter
 * file's redact rules, decode/redact.h): every output formats the copy
 * with the secrets replaced. The process context a rule asked for is remembered for the
 * event's JSON (one lookup per event), inside one read-side section, so
 * the entries it points into stay.
 *
 * Every event is then counted under its rule key (keycount.h): written,
 * with the bytes it added to the main outputs' buffers, or filtered.
 *
 * Settings come from the snapshot SIGHUP publishes (settings.h): each
 * round the decoder looks whether a newer one is out and, if so, copies it
 * and applies what it reads live (event_timeout, resolve_ids,
 * ancestors_depth). Between rounds it uses its own copy.
 */
#include "threads.h"
#include "audisp.h"
#include "clock.h"
#include "format.h"
#include "frame.h"
#include "gaps.h"
#include "idcache.h"
#include "context.h"
#include "fault.h"
#include "filters.h"
#include "nats-msg.h"
#include "proctable.h"
#include "stamp.h"

#include <errno.h>
#include <linux/audit.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <urcu.h>

#define DECODER_PEEK 256
#define FLUSH_AT (256u << 10)
/* A busy decoder flushes at least this often: what a kill can lose in
 * the output buffers stays small (and is counted at the next start). */
#define FLUSH_EVERY_MS 100

#define relaxed memory_order_relaxed

struct out {
	struct sink *sink;
	bool lz4;        /* the sink's, read once */
	struct outbuf buf;
	uint64_t events;
};

/*
 * With several listeners, records of one event can land after its EOE.
 * An event is held after its EOE until every listener that might have
 * held some of its records then has finished that batch. Each round the
 * decoder reads the listeners' batch_seq; a snapshot with an odd value is
 * kept until each odd listener has moved on. Equal snapshots share one
 * entry, so an idle listener blocked in recvmmsg costs one entry.
 */
#define PROGRESS_QUEUE 64

struct progress_snapshot {
	uint64_t first_round, last_round; /* the rounds peeked under it */
	uint64_t seq[PIPELINE_MAX_LISTENERS];
};

struct progress {
	struct progress_snapshot q[PROGRESS_QUEUE];
	unsigned head, count;
	uint64_t round;
};

struct decoder {
	struct pipeline *p;
	unsigned id;
	struct progress prog;
	struct decoder_counters *st;
	struct assembler *asm_;
	struct format_ctx fmt;      /* JSON: names when resolve_ids */
	struct format_ctx fmt_enr;  /* ENRICHED: names always */
	struct out json, raw, enriched, out;
	struct out divert; /* filters' divert file; sink NULL: none */
	struct idcache *ids; /* names for ENRICHED */
	struct outbuf frame; /* lz4 scratch */
	/* Plugins: a batch per format, and the records in it. */
	struct outbuf plug[DISPATCH_FORMATS];
	uint64_t plug_records[DISPATCH_FORMATS];
	/* The NATS output: a batch of messages, and its events. */
	struct outbuf nats;
	uint64_t nats_events;
	struct outbuf nats_key; /* scratch: the event's first key */
	struct gaps gaps;    /* this decoder's class of serials */
	struct damage *damage; /* events its ring dropped records of */
	uint32_t last_serial;  /* of the last record taken */
	struct context_cache context_cache;
	struct decoder_settings conf; /* this decoder's copy of the settings */
	uint64_t conf_generation; /* of the snapshot it was copied from */
	uint64_t live_since_ms;  /* a copy of the pipeline's, once set */
	uint64_t last_flush_ms;
	bool unnoted;            /* serials taken since the last progress note */
	uint32_t *open;          /* scratch for the open events' serials */
	size_t open_cap;
	/* The process context of the event being decided, asked once: the
	 * filter's answer is the JSON's too (process_context). */
	enum { PROC_MEMO_OFF, PROC_MEMO_RECORD, PROC_MEMO_HAVE } proc_memo;
	bool proc_memo_ok;
	struct format_process proc_memo_ret;
};

static void flush_out(struct decoder *d, struct out *o)
{
	if (!o->sink || o->buf.len == 0)
		return;
	if (o->buf.failed) {
		/* Out of memory while formatting: these events are lost. */
		stat_add(&d->st->format_errors, 1);
		sink_count_lost(o->sink, o->events);
	} else if (o->lz4) {
		if (frame_compress_lz4(o->buf.data, o->buf.len, &d->frame) < 0) {
			/* No memory for the frame, or LZ4 refused: these events are lost. */
			stat_add(&d->st->format_errors, 1);
			sink_count_lost(o->sink, o->events);
		} else {
			sink_write(o->sink, d->frame.data, d->frame.len, o->buf.len, o->events);
		}
	} else {
		sink_write(o->sink, o->buf.data, o->buf.len, o->buf.len, o->events);
	}
	o->buf.len = 0;
	o->buf.failed = false;
	o->events = 0;
}

/* After a flush every serial the tracker has seen is written or open:
 * the state a restart needs (progress.h). */
static void note_progress(struct decoder *d, unsigned shard)
{
	struct sink_position pos;
	size_t n;

	if (!d->p->progress || !d->unnoted)
		return;
	while ((n = assembler_open_serials(d->asm_, d->open, d->open_cap)) > d->open_cap) {
		uint32_t *b = realloc(d->open, n * 2 * sizeof(*b));

		if (!b)
			return; /* the last note stands; the next flush retries */
		d->open = b;
		d->open_cap = n * 2;
	}
	if (d->p->primary_sink)
		sink_position(d->p->primary_sink, &pos);
	progress_publish(d->p->progress, shard, &d->gaps, d->open, n,
			 d->p->primary_sink ? &pos : NULL);
	d->unnoted = false;
}

/* Hands the plugins' batches over (a batch the formatter could not finish,
 * out of memory, is counted lost for them). */
static void flush_plugins(struct decoder *d)
{
	for (unsigned f = 0; f < DISPATCH_FORMATS; f++) {
		struct outbuf *b = &d->plug[f];

		if (!d->plug_records[f])
			continue;
		if (b->failed)
			dispatch_count_lost(d->p->dispatch, f, d->plug_records[f]);
		else
			dispatch_put(d->p->dispatch, f, b->data, b->len, d->plug_records[f]);
		b->len = 0;
		b->failed = false;
		d->plug_records[f] = 0;
	}
}

/* The event in each format a plugin takes. Names (ENRICHED) are fmt_enr's. */
static void format_plugins(struct decoder *d, const struct audit_event *ev)
{
	struct dispatch *dp = d->p->dispatch;
	bool enriched = dispatch_enriched(dp);

	if (dispatch_wants(dp, DISPATCH_STRING))
		d->plug_records[DISPATCH_STRING] += format_event_audisp_string(
			&d->fmt_enr, ev, enriched, &d->plug[DISPATCH_STRING]);
	if (dispatch_wants(dp, DISPATCH_BINARY))
		d->plug_records[DISPATCH_BINARY] += format_event_audisp_binary(
			&d->fmt_enr, ev, enriched, &d->plug[DISPATCH_BINARY]);
	if (d->plug[DISPATCH_STRING].len >= DISPATCH_BATCH ||
	    d->plug[DISPATCH_BINARY].len >= DISPATCH_BATCH)
		flush_plugins(d);
}

/* Hands the NATS batch over (one the formatter could not finish, out of
 * memory, is counted lost there). */
static void flush_nats(struct decoder *d)
{
	if (!d->nats_events)
		return;
	if (d->nats.failed)
		nats_out_count_lost(d->p->nats, d->nats_events);
	else
		nats_out_put(d->p->nats, d->nats.data, d->nats.len, d->nats_events);
	d->nats.len = 0;
	d->nats.failed = false;
	d->nats_events = 0;
}

/* The event as a message for the NATS output. json (from json_start) and
 * raw (from raw_start) hold the event's lines when the files took that
 * format already; NULL: formatted here. */
static void format_nats(struct decoder *d, const struct audit_event *ev, const struct outbuf *json,
			size_t json_start, const struct outbuf *raw, size_t raw_start)
{
	struct nats_out *o = d->p->nats;
	const struct nats_template *t = nats_out_template(o);
	struct outbuf *b = &d->nats;
	const char *key = NULL, *host;
	size_t key_len = 0, host_len, start;

	if (t->has_key) {
		d->nats_key.len = 0;
		if (format_event_first_key(&d->fmt, ev, &d->nats_key) && !d->nats_key.failed) {
			key = d->nats_key.data;
			key_len = d->nats_key.len;
		}
	}
	host = nats_out_host(o, &host_len);
	start = nats_msg_begin(b, t, host, host_len, key, key_len, &ev->stamp);
	if (nats_out_raw(o)) {
		if (raw)
			outbuf_put(b, raw->data + raw_start, raw->len - raw_start);
		else
			format_event_raw(ev, b);
		b->failed |= raw && raw->failed;
	} else if (json) {
		outbuf_put(b, json->data + json_start, json->len - json_start);
		b->failed |= json->failed;
	} else {
		if (d->p->procs)
			rcu_read_lock(); /* entries the JSON points into */
		format_event_json(&d->fmt, ev, b);
		if (d->p->procs)
			rcu_read_unlock();
	}
	nats_msg_end(b, start);
	d->nats_events++;
	if (b->len >= NATS_OUT_BATCH)
		flush_nats(d);
}

static void flush_all(struct decoder *d)
{
	if (d->p->dispatch)
		flush_plugins(d);
	if (d->p->nats)
		flush_nats(d);
	flush_out(d, &d->json);
	flush_out(d, &d->raw);
	flush_out(d, &d->enriched);
	flush_out(d, &d->out);
	flush_out(d, &d->divert);
	d->last_flush_ms = clock_mono_ms();
	note_progress(d, d->id);
}

/* How long after the kernel stamped it an event is formatted. */
static void record_delay(struct decoder *d, const struct audit_event *ev, uint64_t now)
{
	uint64_t stamp = ev->stamp.sec * 1000 + ev->stamp.msec;
	uint64_t delay = now > stamp ? now - stamp : 0;
	unsigned b = 0;

	while (b < DELAY_BUCKETS - 1 && delay > delay_bucket_ms[b])
		b++;
	stat_add(&d->st->delay_bucket[b], 1);
	stat_add(&d->st->delay_sum_ms, delay);
	if (delay > atomic_load_explicit(&d->st->delay_max_ms, relaxed))
		atomic_store_explicit(&d->st->delay_max_ms, delay, relaxed);
}

/* format's process hook: the table kept current and asked (context.h). */
static bool process_context(void *arg, const struct format_facts *f, struct format_process *ret)
{
	struct decoder *d = arg;
	bool ok;

	if (d->proc_memo == PROC_MEMO_HAVE) {
		*ret = d->proc_memo_ret;
		return d->proc_memo_ok;
	}
	ok = context_for_event(d->p->procs, d->conf.ancestors_depth, f, clock_wall_ms(),
			       &d->context_cache, ret);
	stat_add(ret->known ? &d->st->context_known : &d->st->context_unknown, 1);
	if (d->proc_memo == PROC_MEMO_RECORD) {
		d->proc_memo_ret = *ret;
		d->proc_memo_ok = ok;
		d->proc_memo = PROC_MEMO_HAVE;
	}
	return ok;
}

/* The filters' verdict, and what it takes: a dropped event is counted, a
 * diverted one written to the divert file. True when the event goes on
 * to the outputs. An event written or diverted is redacted first (*evp:
 * the redacted event, which every output formats); one that cannot be,
 * out of memory, is not written but counted as filtered. Inside the
 * caller's read-side section. */
static bool filter_pass(struct decoder *d, const struct audit_event **evp)
{
	const struct audit_event *ev = *evp, *w;
	enum filter_verdict v;

	d->proc_memo = PROC_MEMO_RECORD;
	v = filters_decide(d->p->filters, d->id, &d->fmt, ev);
	if (v != FILTER_DROP) {
		if ((w = filters_redact(d->p->filters, d->id, ev)))
			*evp = w;
		else
			v = FILTER_DROP; /* a secret is never written */
	}
	if (v == FILTER_WRITE || (v == FILTER_DIVERT && !d->divert.sink))
		return true; /* (a set with divert rules needs the file: never published without) */
	if (v == FILTER_DIVERT) {
		format_event_json(&d->fmt, *evp, &d->divert.buf);
		d->divert.events++;
		stat_add(&d->st->diverted, 1);
	}
	/* A partial event stays under its loss cause (partial, ring),
	 * whatever a rule did with it: the account counts it once. */
	stat_add(ev->partial ? &d->st->partial_events : &d->st->filtered, 1);
	return false;
}

/* What the main outputs' buffers hold: an event's bytes there are the
 * growth (keycount.h; the divert file, plugins and NATS not counted). */
static size_t main_bytes(const struct decoder *d)
{
	return d->json.buf.len + d->raw.buf.len + d->enriched.buf.len + d->out.buf.len;
}

/* One ended event: the filters' verdict, then every output. */
static void write_event(struct decoder *d, const struct audit_event *ev)
{
	struct out *j = d->json.sink ? &d->json : d->out.sink ? &d->out : NULL;
	size_t json_start = j ? j->buf.len : 0, raw_start = d->raw.buf.len;
	size_t before = main_bytes(d);
	bool pass;

	/* The filter set, and the process entries the JSON points into. */
	rcu_read_lock();
	if ((pass = filter_pass(d, &ev)) && j) {
		format_event_json(&d->fmt, ev, &j->buf);
		j->events++;
		/* stdout gets the same line; uncompressed. */
		if (d->json.sink && d->out.sink) {
			outbuf_put(&d->out.buf, d->json.buf.data + json_start,
				   d->json.buf.len - json_start);
			d->out.events++;
		}
	}
	rcu_read_unlock();
	d->proc_memo = PROC_MEMO_OFF;
	if (!pass) {
		keycount_event(filters_keys(d->p->filters), d->id, ev, true, 0);
		return;
	}
	if (d->raw.sink) {
		format_event_raw(ev, &d->raw.buf);
		d->raw.events++;
	}
	if (d->enriched.sink) {
		format_event_enriched(&d->fmt_enr, ev, &d->enriched.buf);
		d->enriched.events++;
	}
	if (d->p->dispatch)
		format_plugins(d, ev);
	if (d->p->nats)
		format_nats(d, ev, j ? &j->buf : NULL, json_start,
			    d->raw.sink ? &d->raw.buf : NULL, raw_start);
	keycount_event(filters_keys(d->p->filters), d->id, ev, false, main_bytes(d) - before);
	stat_add(ev->partial ? &d->st->partial_events : &d->st->events, 1);
}

/* Formats every event the assembler has ended. */
static void emit_events(struct decoder *d)
{
	struct audit_event *ev;
	uint64_t now = 0;

	while ((ev = assembler_pop(d->asm_))) {
		d->unnoted = true; /* no longer open: the next note says so */
		/* Some of its records fell to a full ring: say so. */
		if (damage_take(d->damage, ev->stamp.serial)) {
			ev->lost_records = true;
			ev->partial = true;
		}
		write_event(d, ev);
		if (!now)
			now = clock_wall_ms(); /* once per batch of events */
		record_delay(d, ev, now);
		assembler_done(d->asm_, ev);
	}
	if (d->json.buf.len >= FLUSH_AT || d->raw.buf.len >= FLUSH_AT ||
	    d->enriched.buf.len >= FLUSH_AT || d->out.buf.len >= FLUSH_AT ||
	    d->divert.buf.len >= FLUSH_AT)
		flush_all(d);
}

static bool moved_past(const struct pipeline *p, const struct progress_snapshot *snap,
		       const uint64_t *cur)
{
	for (unsigned l = 0; l < p->listeners; l++)
		if ((snap->seq[l] & 1) && cur[l] == snap->seq[l])
			return false;
	return true;
}

/* Starts a round; returns the newest round whose stragglers are all in
 * the rings now, so that this round's peek sees them: every round before
 * the first one an unfinished snapshot covers. */
static uint64_t progress_round(struct decoder *d)
{
	struct progress *pr = &d->prog;
	uint64_t cur[PIPELINE_MAX_LISTENERS];
	size_t bytes = sizeof(uint64_t) * d->p->listeners;
	bool busy = false;

	pr->round++;
	for (unsigned l = 0; l < d->p->listeners; l++) {
		/* acquire: pairs with the listener's release after its commits. */
		cur[l] = atomic_load_explicit(&d->p->lstats[l].batch_seq, memory_order_acquire);
		busy |= cur[l] & 1;
	}
	while (pr->count && moved_past(d->p, &pr->q[pr->head], cur)) {
		pr->head = (pr->head + 1) % PROGRESS_QUEUE;
		pr->count--;
	}
	if (busy) {
		struct progress_snapshot *tail =
			pr->count ? &pr->q[(pr->head + pr->count - 1) % PROGRESS_QUEUE] : NULL;

		if (tail && memcmp(tail->seq, cur, bytes) == 0) {
			tail->last_round = pr->round;
		} else {
			if (pr->count == PROGRESS_QUEUE) {
				/* Full: stop holding for the oldest (the timeout
				 * after EOE would end those events anyway). */
				pr->head = (pr->head + 1) % PROGRESS_QUEUE;
				pr->count--;
			}
			tail = &pr->q[(pr->head + pr->count) % PROGRESS_QUEUE];
			memcpy(tail->seq, cur, bytes);
			tail->first_round = tail->last_round = pr->round;
			pr->count++;
		}
	}
	return pr->count ? pr->q[pr->head].first_round - 1 : pr->round;
}

/* The assembler's own counters, mirrored where other threads read them. */
static void publish_stats(struct decoder *d)
{
	struct assemble_stats a;

	assembler_get_stats(d->asm_, &a);
	atomic_store_explicit(&d->st->late_records, a.late_records, relaxed);
	atomic_store_explicit(&d->st->late_dropped, a.late_dropped, relaxed);
	atomic_store_explicit(&d->st->dropped_records, a.dropped_records, relaxed);
	atomic_store_explicit(&d->st->open_events, a.open, relaxed);
	atomic_store_explicit(&d->st->serial_gaps, d->gaps.missing, relaxed);
	atomic_store_explicit(&d->st->restart_gaps, d->gaps.missing_before, relaxed);
}

/* Sleeps a little longer each time the ring is found empty, up to 1 ms:
 * an idle decoder costs next to nothing, a busy one never sleeps. */
static void idle(unsigned *rounds)
{
	unsigned n = (*rounds)++;

	if (n < 2) {
		sched_yield();
	} else {
		struct timespec ts = { 0, 1000000 };

		nanosleep(&ts, NULL);
	}
}

/* The kernel's record of this needle unregistering (pipeline.h). */
static bool is_lone_unregister(struct decoder *d, const char *body, size_t len)
{
	/* acquire: pairs with the daemon's store before its request. */
	uint32_t pid = atomic_load_explicit(&d->p->lone_unregister_pid, memory_order_acquire);
	char want[48];
	int n;

	if (!pid)
		return false;
	n = snprintf(want, sizeof(want), "op=set audit_pid=0 old=%u ", pid);
	return memmem(body, len, want, (size_t)n) != NULL;
}

static void take_record(struct decoder *d, const struct ring_rec *rec, uint64_t now,
			uint64_t wall_now)
{
	struct wire_record w;
	const char *text = (const char *)rec->data + sizeof(w);
	size_t len = rec->len - sizeof(w);
	struct audit_stamp stamp = { 0 };
	int n;

	memcpy(&w, rec->data, sizeof(w));
	if (!(w.flags & WIRE_NO_STAMP) && w.body <= len) {
		/* Read by the listener already. */
		stamp = (struct audit_stamp){ .sec = w.sec, .msec = w.msec, .serial = w.serial };
		n = w.body;
	} else {
		/* No stamp: the record is its own event, with serial 0. */
		n = 0;
		stat_add(&d->st->no_stamp, 1);
	}
	/* A serial counts as seen from its first record: an event still open
	 * (waiting for its EOE) is not a gap. */
	if (stamp.serial && stamp.serial != d->last_serial) {
		d->last_serial = stamp.serial;
		/* The first record stamped after needle took over: serials
		 * missing below it were lost before (struct gaps). */
		if (!d->gaps.live_known && d->live_since_ms &&
		    stamp.sec * 1000 + stamp.msec >= d->live_since_ms)
			gaps_live(&d->gaps, stamp.serial);
		gaps_see(&d->gaps, stamp.serial, wall_now);
		d->unnoted = true;
	}
	assembler_add(d->asm_, w.type, &stamp, NULL, 0, text + n, len - (size_t)n, now);
	if (w.type == AUDIT_CONFIG_CHANGE && is_lone_unregister(d, text + n, len - (size_t)n))
		assembler_end(d->asm_, &stamp, NULL, 0);
}

/* Names in JSON when resolve_ids, in ENRICHED always; the cache is made
 * the first time a name is wanted. */
static void decoder_set_names(struct decoder *d)
{
	bool json_names = d->conf.resolve_ids;
	bool plugins_enriched = d->p->dispatch && dispatch_enriched(d->p->dispatch);

	if (!d->ids && (d->enriched.sink || plugins_enriched || json_names) &&
	    (d->ids = idcache_new())) {
		d->fmt_enr.uid_name = idcache_user;
		d->fmt_enr.gid_name = idcache_group;
		d->fmt_enr.id_arg = d->ids;
	}
	d->fmt.uid_name = json_names && d->ids ? idcache_user : NULL;
	d->fmt.gid_name = json_names && d->ids ? idcache_group : NULL;
	d->fmt.id_arg = json_names ? d->ids : NULL;
}

/* A newer snapshot, if one was published: what it changes applies from
 * the next event on. */
static void decoder_update_settings(struct decoder *d)
{
	if (!settings_update(&d->p->settings, &d->conf_generation, &d->conf))
		return;
	assembler_set_timeout(d->asm_, d->conf.event_timeout_ms);
	decoder_set_names(d);
	/* Its answers were built to the old ancestors_depth. */
	memset(&d->context_cache, 0, sizeof(d->context_cache));
}

/* Test only (fault.h): decoder 0 gets no assembler; with decoder-assembler:N
 * only once N bytes wait in its ring, as if it had failed while records
 * flowed, with a listener about to wait on its full ring. */
static bool fault_no_assembler(struct pipeline *p, unsigned id)
{
	struct ring_stats rs;

	if (id != 0 || !fault_armed(FAULT_DECODER_ASSEMBLER))
		return false;
	for (;;) {
		struct timespec ts = { 0, 1000000 };

		ring_get_stats(p->ring[id], &rs);
		if (rs.occupancy >= fault_after() ||
		    atomic_load_explicit(&p->stop_decoders, memory_order_acquire))
			break;
		nanosleep(&ts, NULL);
	}
	return fault_take(FAULT_DECODER_ASSEMBLER);
}

/* Test only (fault.h): decoder 0, once it has taken N records and then
 * found its ring empty for FAULT_STALL_IDLE_MS, takes no more until the
 * pipeline stops: a hung decoder, for the watchdog's test. Stalling idle,
 * never in the middle of a burst, lets the test tell "idle" (pings go on)
 * from "stuck" (records wait) by when it sends its records. It wakes at
 * stop_listeners, not stop_decoders: a listener may be waiting on its full
 * ring, and stop waits for the listeners first. */
#define FAULT_STALL_IDLE_MS 500

static void fault_stall(struct pipeline *p, unsigned id, const struct decoder_counters *st,
			uint64_t empty_since_ms)
{
	if (id != 0 || !fault_armed(FAULT_DECODER_STALL) ||
	    atomic_load_explicit(&st->records, memory_order_relaxed) < fault_after() ||
	    !empty_since_ms || clock_mono_ms() - empty_since_ms < FAULT_STALL_IDLE_MS ||
	    !fault_take(FAULT_DECODER_STALL))
		return;
	while (!atomic_load_explicit(&p->stop_listeners, memory_order_acquire)) {
		struct timespec ts = { 0, 10000000 };

		nanosleep(&ts, NULL);
	}
}

void *decoder_main(void *arg)
{
	struct pipeline_worker *wk = arg;
	struct pipeline *p = wk->p;
	struct ring *r = p->ring[wk->id];
	struct ring_rec recs[DECODER_PEEK];
	struct assemble_config cfg = {
		/* Several listeners may hand over records after their EOE. */
		.hold_after_eoe = p->listeners > 1,
	};
	struct decoder d = {
		.p = p,
		.id = wk->id,
		.st = &p->dstats[wk->id],
		.json.sink = p->json_sink,
		.raw.sink = p->raw_sink,
		.enriched.sink = p->enriched_sink,
		.out.sink = p->stdout_sink,
		.divert.sink = p->divert_sink,
	};
	unsigned rounds = 0;
	uint64_t empty_since_ms = 0; /* when the ring was last found empty, 0: not empty */

	d.json.lz4 = d.json.sink && sink_lz4(d.json.sink);
	d.raw.lz4 = d.raw.sink && sink_lz4(d.raw.sink);
	d.enriched.lz4 = d.enriched.sink && sink_lz4(d.enriched.sink);
	d.out.lz4 = d.out.sink && sink_lz4(d.out.sink);
	d.divert.lz4 = d.divert.sink && sink_lz4(d.divert.sink);
	/* Every decoder reads the settings under RCU (and the process table). */
	rcu_register_thread();
	settings_update(&p->settings, &d.conf_generation, &d.conf);
	cfg.max_open = d.conf.max_open_events;
	cfg.timeout_ms = d.conf.event_timeout_ms;
	d.asm_ = fault_no_assembler(p, wk->id) ? (errno = ENOMEM, NULL) : assembler_new(&cfg);
	if (!d.asm_) {
		int err = errno;

		/* Nobody reads this ring now: listeners must not wait on it. */
		atomic_store(&p->decoder_failed[wk->id], true);
		atomic_store(&p->abort_blocking[wk->id], true);
		pipeline_fail(p, "decoder %u: cannot create its event assembler: %s", wk->id,
			      strerror(err));
		rcu_unregister_thread();
		return NULL;
	}
	gaps_init(&d.gaps, p->decoders);
	gaps_split(&d.gaps);
	if (p->seed[wk->id].have) {
		/* Restart: start where the previous needle's writes end. */
		const struct progress_seed *seed = &p->seed[wk->id];
		uint64_t wall = clock_wall_ms();

		gaps_seed(&d.gaps, seed->floor);
		for (size_t i = 0; i < seed->nmarks; i++)
			gaps_see(&d.gaps, seed->marks[i], wall);
		d.unnoted = true;
	}
	if (p->procs) {
		d.fmt.process = process_context;
		d.fmt.process_arg = &d;
	}
	d.damage = p->damage[wk->id];
	decoder_set_names(&d);
	for (;;) {
		uint64_t stable, now, wall;
		size_t n;

		fault_stall(p, wk->id, d.st, empty_since_ms);
		decoder_update_settings(&d);
		stable = cfg.hold_after_eoe ? progress_round(&d) : 0;
		n = ring_peek(r, recs, DECODER_PEEK);

		if (!d.live_since_ms)
			/* acquire: pairs with the daemon's store before it registers. */
			d.live_since_ms = atomic_load_explicit(&p->live_since_ms,
							       memory_order_acquire);

		assembler_set_round(d.asm_, d.prog.round);
		if (n == 0) {
			now = clock_mono_ms();
			if (!empty_since_ms)
				empty_since_ms = now;
			assembler_release(d.asm_, stable);
			assembler_tick(d.asm_, now);
			/* A serial is given up for lost well after any event could
			 * still end: twice the event timeout. Counted lost, it is
			 * accounted for: the next note says so, or a restart
			 * would count it again. */
			{
				uint32_t floor = d.gaps.floor;

				gaps_tick(&d.gaps, clock_wall_ms(), 2 * d.conf.event_timeout_ms);
				d.unnoted |= d.gaps.floor != floor;
			}
			emit_events(&d);
			flush_all(&d);
			publish_stats(&d);
			/* acquire: the listeners have finished before stop_decoders. */
			if (atomic_load_explicit(&p->stop_decoders, memory_order_acquire) &&
			    ring_peek(r, recs, 1) == 0)
				break;
			idle(&rounds);
			continue;
		}
		rounds = 0;
		empty_since_ms = 0;
		now = clock_mono_ms();
		wall = clock_wall_ms();
		for (size_t i = 0; i < n; i++)
			take_record(&d, &recs[i], now, wall);
		stat_add(&d.st->records, n);
		ring_release(r, recs, n);
		/* A short peek read the ring to its end, as committed after the
		 * progress snapshot: only then have the stragglers been added. */
		if (cfg.hold_after_eoe && n < DECODER_PEEK)
			assembler_release(d.asm_, stable);
		emit_events(&d);
		if (now - d.last_flush_ms >= FLUSH_EVERY_MS)
			flush_all(&d);
	}
	/* Stopping: what is still open goes out, marked partial. */
	assembler_flush(d.asm_);
	emit_events(&d);
	flush_all(&d);
	publish_stats(&d);
	assembler_free(d.asm_);
	format_ctx_free(&d.fmt);
	format_ctx_free(&d.fmt_enr);
	outbuf_free(&d.json.buf);
	outbuf_free(&d.raw.buf);
	outbuf_free(&d.enriched.buf);
	idcache_free(d.ids);
	outbuf_free(&d.out.buf);
	outbuf_free(&d.divert.buf);
	outbuf_free(&d.frame);
	for (unsigned f = 0; f < DISPATCH_FORMATS; f++)
		outbuf_free(&d.plug[f]);
	outbuf_free(&d.nats);
	outbuf_free(&d.nats_key);
	free(d.open);
	rcu_unregister_thread();
	return NULL;
}
