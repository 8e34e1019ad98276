/* SPDX-License-Identifier: MIT */
#include "metrics.h"
#include "say.h"
#include "metric-table.h"
#include "proctable.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* Names, types, help and labels all come from metric-table.h. */
_Static_assert(METRIC_OUTPUT_COUNT == PIPELINE_OUTPUT_SLOTS &&
		       (int)METRIC_OUTPUT_NATS == PIPELINE_OUTPUT_NATS &&
		       (int)METRIC_OUTPUT_DIVERT == PIPELINE_OUTPUT_DIVERT,
	       "metric-table.h names each output of pipeline_outputs(), then nats, then divert");
_Static_assert((int)METRIC_PLUGIN_DROP_REASON_COUNT == (int)DISPATCH_DROP_COUNT &&
		       (int)METRIC_PLUGIN_FULL == (int)DISPATCH_DROP_FULL &&
		       (int)METRIC_PLUGIN_DOWN == (int)DISPATCH_DROP_DOWN &&
		       (int)METRIC_PLUGIN_STOP == (int)DISPATCH_DROP_STOP &&
		       (int)METRIC_PLUGIN_ERROR == (int)DISPATCH_DROP_ERROR,
	       "metric-table.h names each reason of dispatch.h, in its order");

/* The action label of outcome o is filter_outcome_name(o): checked by
 * tests/unit/test-metrics.c (filter_actions_are_the_outcomes). */
_Static_assert((int)METRIC_FILTER_ACTION_COUNT == (int)FILTER_OUTCOME_COUNT - 1 &&
		       (int)FILTER_NO_RULE == 0,
	       "one action label per filter outcome but none, in their order");

void metrics_key_label(const char *key, size_t len, struct outbuf *ret)
{
	ret->len = 0;
	outbuf_json_string(ret, key, len);
	if (ret->len < 2 || ret->failed) {
		ret->len = 0;
		outbuf_put(ret, "", 1);
		return;
	}
	/* The content between the quotes, NUL-terminated. */
	memmove(ret->data, ret->data + 1, ret->len - 2);
	ret->data[ret->len - 2] = '\0';
	ret->len -= 2;
}

static void header(struct outbuf *o, enum metric m)
{
	const struct metric_def *d = &metric_table[m];

	outbuf_puts(o, "# HELP ");
	outbuf_puts(o, d->name);
	outbuf_putc(o, ' ');
	outbuf_puts(o, d->help);
	outbuf_puts(o, "\n# TYPE ");
	outbuf_puts(o, d->name);
	outbuf_putc(o, ' ');
	outbuf_puts(o, metric_type_names[d->type]);
	outbuf_putc(o, '\n');
}

static void put_sample(struct outbuf *o, const char *key, double v)
{
	char num[48];

	outbuf_puts(o, key);
	snprintf(num, sizeof(num), " %.17g\n", v);
	outbuf_puts(o, num);
}

/* One sample of m, with as many label values as m's set has labels. */
static void sample(struct outbuf *o, enum metric m, const char *v1, const char *v2, double v)
{
	char key[METRIC_KEY_MAX];

	metric_key(key, sizeof(key), m, v1, v2);
	put_sample(o, key, v);
}

static void one(struct outbuf *o, enum metric m, double v)
{
	header(o, m);
	sample(o, m, NULL, NULL, v);
}

static void render_kernel(struct kernel_snapshot *k, struct outbuf *o)
{
	struct kernel_view v;
	struct audit_status s, prev;
	bool have_prev;

	kernel_snapshot_read(k, &v);
	s = v.status;
	prev = v.previous;
	have_prev = v.have_previous;
	if (!v.valid)
		return;
	one(o, METRIC_KERNEL_ENABLED, s.enabled);
	one(o, METRIC_KERNEL_FAILURE, s.failure);
	one(o, METRIC_KERNEL_DAEMON_PID, s.pid);
	one(o, METRIC_KERNEL_RATE_LIMIT, s.rate_limit);
	one(o, METRIC_KERNEL_BACKLOG_LIMIT, s.backlog_limit);
	one(o, METRIC_KERNEL_BACKLOG, s.backlog);
	one(o, METRIC_KERNEL_LOST_RECORDS, s.lost);
	one(o, METRIC_KERNEL_BACKLOG_WAIT_TIME, s.backlog_wait_time);
	one(o, METRIC_KERNEL_BACKLOG_WAIT_TIME_ACTUAL, s.backlog_wait_time_actual);
	if (!have_prev)
		return;
	/* Over the last second (the poll interval): what moved just now. */
	one(o, METRIC_KERNEL_LOST_RECORDS_LAST, (double)(uint32_t)(s.lost - prev.lost));
	one(o, METRIC_KERNEL_BACKLOG_WAIT_TIME_ACTUAL_LAST,
	    (double)(uint32_t)(s.backlog_wait_time_actual - prev.backlog_wait_time_actual));
	one(o, METRIC_KERNEL_BACKLOG_CHANGE_LAST, (double)s.backlog - (double)prev.backlog);
}

/* needle run's rule watch (kernel-session.h), once it has looked. */
static void render_rules(struct kernel_snapshot *k, struct outbuf *o)
{
	struct kernel_view v;

	kernel_snapshot_read(k, &v);
	if (!v.rules_watched)
		return;
	one(o, METRIC_KERNEL_RULES, v.rules);
	header(o, METRIC_RULES_CHANGED);
	sample(o, METRIC_RULES_CHANGED, metric_rule_change_names[METRIC_CHANGE_ADDED], NULL,
	       (double)v.rules_added);
	sample(o, METRIC_RULES_CHANGED, metric_rule_change_names[METRIC_CHANGE_REMOVED], NULL,
	       (double)v.rules_removed);
}

static void render_socket(const struct pipeline_stats *p, struct kernel_snapshot *k, struct outbuf *o)
{
	struct listener_stats ls;
	struct kernel_view v;
	uint64_t queued;
	int64_t rcvbuf;

	kernel_snapshot_read(k, &v);
	queued = v.socket_queued;
	rcvbuf = v.rcvbuf;
	one(o, METRIC_SOCKET_RECEIVE_BUFFER, (double)rcvbuf);
	one(o, METRIC_SOCKET_QUEUED, (double)queued);

	ls = p->listener;
	one(o, METRIC_SOCKET_DATAGRAMS, (double)ls.datagrams);
	one(o, METRIC_SOCKET_RECEIVED_BYTES, (double)ls.bytes);
	one(o, METRIC_SOCKET_RECV_BATCHES, (double)ls.batches);
	one(o, METRIC_SOCKET_RECORDS, (double)ls.records);
	one(o, METRIC_SOCKET_OVERRUNS, (double)ls.enobufs);
	one(o, METRIC_SOCKET_FOREIGN_DATAGRAMS, (double)ls.foreign);
	one(o, METRIC_SOCKET_TRUNCATED_DATAGRAMS, (double)ls.truncated);
}

static void render_rings(const struct pipeline_stats *p, struct outbuf *o)
{
	static const enum metric m[] = {
		METRIC_RING_OCCUPANCY,    METRIC_RING_CAPACITY,     METRIC_RING_HIGH_WATER,
		METRIC_RING_FULL_STALLS,  METRIC_RING_STALL_SECONDS, METRIC_RING_DROPPED_RECORDS,
	};

	for (size_t k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
		header(o, m[k]);
		for (unsigned i = 0; i < p->decoders; i++) {
			const struct ring_stats rs = p->ring[i];
			char shard[16];
			double v;

			v = m[k] == METRIC_RING_OCCUPANCY     ? (double)rs.occupancy
			    : m[k] == METRIC_RING_CAPACITY    ? (double)rs.capacity
			    : m[k] == METRIC_RING_HIGH_WATER  ? (double)rs.high_water
			    : m[k] == METRIC_RING_FULL_STALLS ? (double)rs.full_stalls
							      : (double)rs.stall_ns / 1e9;
			snprintf(shard, sizeof(shard), "%u", i);
			if (m[k] == METRIC_RING_DROPPED_RECORDS) {
				uint64_t rest = p->ring_rest_dropped[i];

				sample(o, m[k], shard, metric_drop_reason_names[METRIC_REASON_FULL],
				       rs.drops > rest ? (double)(rs.drops - rest) : 0);
				sample(o, m[k], shard,
				       metric_drop_reason_names[METRIC_REASON_REST_OF_EVENT],
				       (double)rest);
				continue;
			}
			sample(o, m[k], shard, NULL, v);
		}
	}
}

/* The delay histogram, summed over decoders (buckets made cumulative). */
static void render_delay(const struct pipeline_stats *p, struct outbuf *o)
{
	const struct decoder_stats ds = p->decoder;
	uint64_t cumulative = 0;
	char le[32], key[METRIC_KEY_MAX];

	header(o, METRIC_EVENT_DELAY);
	for (unsigned b = 0; b < DELAY_BUCKETS; b++) {
		cumulative += ds.delay_bucket[b];
		if (b < DELAY_BUCKETS - 1)
			snprintf(le, sizeof(le), "%g", delay_bucket_ms[b] / 1000.0);
		else
			snprintf(le, sizeof(le), "+Inf");
		sample(o, METRIC_EVENT_DELAY, le, NULL, (double)cumulative);
	}
	metric_part_key(key, sizeof(key), METRIC_EVENT_DELAY, METRIC_PART_SUM);
	put_sample(o, key, (double)ds.delay_sum_ms / 1000.0);
	metric_part_key(key, sizeof(key), METRIC_EVENT_DELAY, METRIC_PART_COUNT);
	put_sample(o, key, (double)cumulative);
	one(o, METRIC_EVENT_DELAY_MAX, (double)ds.delay_max_ms / 1000.0);
}

static void render_decoders(const struct pipeline_stats *p, struct outbuf *o)
{
	const struct decoder_stats ds = p->decoder;

	one(o, METRIC_DECODER_RECORDS, (double)ds.records);
	header(o, METRIC_DECODER_EVENTS);
	sample(o, METRIC_DECODER_EVENTS, metric_event_state_names[METRIC_STATE_WHOLE], NULL,
	       (double)ds.events);
	sample(o, METRIC_DECODER_EVENTS, metric_event_state_names[METRIC_STATE_PARTIAL], NULL,
	       (double)ds.partial_events);
	sample(o, METRIC_DECODER_EVENTS, metric_event_state_names[METRIC_STATE_FILTERED], NULL,
	       (double)ds.filtered);
	one(o, METRIC_DECODER_LATE_RECORDS, (double)ds.late_records);
	one(o, METRIC_DECODER_LATE_DROPPED, (double)ds.late_dropped);
	one(o, METRIC_DECODER_DROPPED_RECORDS, (double)ds.dropped_records);
	one(o, METRIC_DECODER_OPEN_EVENTS, (double)ds.open_events);
	one(o, METRIC_DECODER_SERIAL_GAPS, (double)ds.serial_gaps);

	render_delay(p, o);
}

/*
 * Losses by where they happened, counted from needle's start. Records: the
 * kernel and the rings drop records. Events: each lost event has one
 * cause: kernel (its lost counter, which counts records: at most that many
 * events), socket (serial gaps the rings did not cause), ring (events a
 * full ring dropped whole or cut short), partial (written incomplete for
 * other reasons: no EOE before event_timeout, evicted, open at stop),
 * restart (serials the kernel used before this needle took over that no
 * log has: while no needle ran, or in a killed needle's socket, rings and
 * buffers; progress.h). Sink losses are per output, after decoding. Each
 * cause is measured on its own; nothing here adds them up, since a total
 * of the same counters could only agree with itself: the live tests check
 * each cause against the load generator's count of its calls. The
 * decoders see a ring's losses as gaps and partial events some time after
 * the listener counted them; until then the difference is held at 0.
 */
static double minus(uint64_t a, uint64_t b)
{
	return a > b ? (double)(a - b) : 0;
}

static void render_losses(const struct pipeline_stats *p, struct kernel_snapshot *k,
			  struct outbuf *o)
{
	const struct listener_stats ls = p->listener;
	const struct decoder_stats ds = p->decoder;
	struct kernel_view v;
	uint64_t sink_lost = 0, kernel = 0;

	for (unsigned i = 0; i < PIPELINE_OUTPUT_SLOTS; i++) /* the divert file's too */
		sink_lost += p->output_on[i] ? p->output[i].lost_events : 0;
	kernel_snapshot_read(k, &v);
	if (v.valid && v.started)
		kernel = (uint32_t)(v.status.lost - v.lost_at_start);

	const double records[METRIC_RECORD_CAUSE_COUNT] = {
		[METRIC_RECORDS_KERNEL] = (double)kernel,
		[METRIC_RECORDS_RING] = (double)ls.ring_drops,
		[METRIC_RECORDS_OVERSIZE] = (double)ds.dropped_records,
		[METRIC_RECORDS_LATE] = (double)ds.late_dropped,
		[METRIC_RECORDS_FAILED_DECODER] = (double)(ls.abandoned + ds.abandoned_in_ring),
	};
	const double events[METRIC_EVENT_CAUSE_COUNT] = {
		[METRIC_EVENTS_KERNEL] = (double)kernel,
		[METRIC_EVENTS_SOCKET] = minus(ds.serial_gaps, ls.ring_events_whole),
		[METRIC_EVENTS_RING] = (double)(ls.ring_events_whole + ls.ring_events_cut),
		[METRIC_EVENTS_PARTIAL] = minus(ds.partial_events, ls.ring_events_cut),
		[METRIC_EVENTS_RESTART] = (double)ds.restart_gaps,
		[METRIC_EVENTS_SINK] = (double)sink_lost,
	};

	header(o, METRIC_LOST_RECORDS);
	for (unsigned c = 0; c < METRIC_RECORD_CAUSE_COUNT; c++)
		sample(o, METRIC_LOST_RECORDS, metric_record_cause_names[c], NULL, records[c]);
	header(o, METRIC_LOST_EVENTS);
	for (unsigned c = 0; c < METRIC_EVENT_CAUSE_COUNT; c++)
		sample(o, METRIC_LOST_EVENTS, metric_event_cause_names[c], NULL, events[c]);
}

/* Each rule line's outcomes: the one its action gives always (0 until
 * it happens), the others once they happened (rate=, a keep-first's
 * first, a line whose rule changed on SIGHUP). Redact rules' lines: the
 * values they replaced. A family is shown only with a sample: a family
 * without samples is no counter to a parser. */
static void render_filters(const struct pipeline_stats *p, struct outbuf *o)
{
	bool shown = false;

	for (unsigned i = 0; i < p->filter_entries; i++) {
		const struct filters_entry_stats *e = &p->filter[i];

		for (unsigned a = 0; a < METRIC_FILTER_ACTION_COUNT; a++) {
			enum filter_outcome out = (enum filter_outcome)(a + 1);

			if (!e->n[out] && e->main != out)
				continue;
			if (!shown)
				header(o, METRIC_FILTERED_EVENTS);
			shown = true;
			sample(o, METRIC_FILTERED_EVENTS, e->label, metric_filter_action_names[a],
			       (double)e->n[out]);
		}
	}
	shown = false;
	for (unsigned i = 0; i < p->filter_entries; i++) {
		const struct filters_entry_stats *e = &p->filter[i];

		if (!e->redact && !e->redacted)
			continue;
		if (!shown)
			header(o, METRIC_REDACTED_VALUES);
		shown = true;
		sample(o, METRIC_REDACTED_VALUES, e->label, NULL, (double)e->redacted);
	}
}

/* Each rule key seen: a key is untrusted text (whoever wrote the audit
 * rules set it), so its label value is its content as a JSON string
 * (outbuf.h): '"' and '\\' escaped as Prometheus reads them, control
 * bytes (a newline too) and bytes that are not UTF-8 as %XX. The entries
 * are bounded (keycount.h): "none", "other" and KEYCOUNT_NAMED keys. */
/* Entry e's label into label; false for an entry that counted nothing
 * yet ("none" and "other" are there from the start). */
static bool key_label(const struct keycount_entry_stats *e, struct outbuf *label)
{
	if (!e->written && !e->filtered)
		return false;
	metrics_key_label(e->key, e->len, label);
	return true;
}

static void render_keys(const struct pipeline_stats *p, struct outbuf *o)
{
	const struct keycount_entry_stats *e = p->key;
	struct outbuf label = { 0 };

	header(o, METRIC_KEY_EVENTS);
	for (unsigned i = 0; i < p->key_entries; i++) {
		if (!key_label(&e[i], &label))
			continue;
		sample(o, METRIC_KEY_EVENTS, label.data, metric_key_state_names[METRIC_KEY_WRITTEN],
		       (double)e[i].written);
		sample(o, METRIC_KEY_EVENTS, label.data,
		       metric_key_state_names[METRIC_KEY_FILTERED], (double)e[i].filtered);
	}
	header(o, METRIC_KEY_BYTES);
	for (unsigned i = 0; i < p->key_entries; i++)
		if (key_label(&e[i], &label))
			sample(o, METRIC_KEY_BYTES, label.data, NULL, (double)e[i].bytes);
	if (label.failed)
		o->failed = true;
	outbuf_free(&label);
}

static void render_sinks(const struct pipeline_stats *p, struct outbuf *o)
{
	static const struct {
		enum metric m;
		size_t offset;
	} m[] = {
		{ METRIC_SINK_EVENTS, offsetof(struct sink_stats, events) },
		{ METRIC_SINK_WRITTEN_BYTES, offsetof(struct sink_stats, bytes) },
		{ METRIC_SINK_UNCOMPRESSED_BYTES, offsetof(struct sink_stats, raw_bytes) },
		{ METRIC_SINK_WRITE_ERRORS, offsetof(struct sink_stats, write_errors) },
		{ METRIC_SINK_LOST_EVENTS, offsetof(struct sink_stats, lost_events) },
		{ METRIC_SINK_ROTATIONS, offsetof(struct sink_stats, rotations) },
		{ METRIC_SINK_ROTATION_ERRORS, offsetof(struct sink_stats, rotate_errors) },
		{ METRIC_SINK_SYNC_ERRORS, offsetof(struct sink_stats, sync_errors) },
		{ METRIC_SINK_UNSYNCED_EVENTS, offsetof(struct sink_stats, unsynced_events) },
		{ METRIC_SINK_SYNCS, offsetof(struct sink_stats, syncs) },
		{ METRIC_SINK_SUSPENDED, offsetof(struct sink_stats, suspended) },
		{ METRIC_SINK_SUSPENDED_EVENTS, offsetof(struct sink_stats, suspended_events) },
	};
	for (size_t k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
		header(o, m[k].m);
		for (unsigned i = 0; i < PIPELINE_OUTPUT_SLOTS; i++) {
			uint64_t v;

			if (!p->output_on[i])
				continue;
			memcpy(&v, (const char *)&p->output[i] + m[k].offset, sizeof(v));
			sample(o, m[k].m, metric_output_names[i], NULL, (double)v);
		}
	}
}

/* The NATS output and its spool (output = nats). Ages are from the wall
 * clock now: what a scrape sees at its time. */
static void render_nats(const struct pipeline_stats *p, struct outbuf *o)
{
	const struct nats_out_stats *n = &p->nats;
	struct timespec ts;
	double now, last;
	const double lost[METRIC_NATS_LOSS_REASON_COUNT] = {
		[METRIC_NATS_QUEUE_FULL] = (double)n->lost_queue,
		[METRIC_NATS_SPOOL_FULL] = (double)n->lost_spool,
		[METRIC_NATS_ERROR] = (double)n->lost_error,
		[METRIC_NATS_REFUSED] = (double)n->rejected,
	};

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	last = (double)(n->last_ack_ms ? n->last_ack_ms : n->started_ms) / 1000.0;
	header(o, METRIC_NATS_CONNECTED);
	sample(o, METRIC_NATS_CONNECTED, n->server, NULL, n->connected);
	one(o, METRIC_NATS_PUBLISHED, (double)n->published);
	one(o, METRIC_NATS_ACKED, (double)n->acked);
	one(o, METRIC_NATS_DUPLICATES, (double)n->duplicates);
	one(o, METRIC_NATS_FAILED, (double)n->failed);
	one(o, METRIC_NATS_PENDING, (double)n->pending);
	one(o, METRIC_NATS_RECONNECTS, (double)n->reconnects);
	one(o, METRIC_NATS_LAST_ACK_AGE, now > last ? now - last : 0);
	header(o, METRIC_NATS_LOST_EVENTS);
	for (unsigned r = 0; r < METRIC_NATS_LOSS_REASON_COUNT; r++)
		sample(o, METRIC_NATS_LOST_EVENTS, metric_nats_loss_reason_names[r], NULL, lost[r]);
	one(o, METRIC_SPOOL_BYTES, (double)n->spool_bytes);
	one(o, METRIC_SPOOL_EVENTS, (double)n->spool_events);
	one(o, METRIC_SPOOL_OLDEST_AGE,
	    n->spool_oldest_ms && now * 1000 > (double)n->spool_oldest_ms
		    ? now - (double)n->spool_oldest_ms / 1000.0
		    : 0);
}

/* Per plugin; what a plugin did not get is its own account, apart from
 * the losses above: needle's logs have those events. Without plugins the
 * families are left out (a family without samples is a counter no reader
 * can check). */
static void render_plugins(const struct pipeline_stats *p, struct outbuf *o)
{
	static const enum metric m[] = {
		METRIC_PLUGIN_UP,      METRIC_PLUGIN_RECORDS, METRIC_PLUGIN_WRITTEN_BYTES,
		METRIC_PLUGIN_DROPPED_RECORDS, METRIC_PLUGIN_QUEUED, METRIC_PLUGIN_QUEUE_CAPACITY,
		METRIC_PLUGIN_RESTARTS,
	};

	for (size_t k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
		header(o, m[k]);
		for (unsigned i = 0; i < p->plugins; i++) {
			const struct dispatch_stats *st = &p->plugin[i];
			double v = 0;

			switch (m[k]) {
			case METRIC_PLUGIN_DROPPED_RECORDS:
				for (unsigned r = 0; r < DISPATCH_DROP_COUNT; r++)
					sample(o, m[k], st->name, metric_plugin_drop_reason_names[r],
					       (double)st->dropped[r]);
				continue;
			case METRIC_PLUGIN_UP: v = st->state == DISPATCH_WRITING; break;
			case METRIC_PLUGIN_RECORDS: v = (double)st->records; break;
			case METRIC_PLUGIN_WRITTEN_BYTES: v = (double)st->bytes; break;
			case METRIC_PLUGIN_QUEUED: v = (double)st->queued; break;
			case METRIC_PLUGIN_QUEUE_CAPACITY: v = (double)st->capacity; break;
			default: v = st->attaches > 1 ? (double)(st->attaches - 1) : 0; break;
			}
			sample(o, m[k], st->name, NULL, v);
		}
	}
}

double metrics_loss_risk(const struct pipeline_stats *p, struct kernel_snapshot *k,
			 enum metric_stage *ret_stage)
{
	double risk = 0, v;
	enum metric_stage stage = METRIC_STAGE_NONE;
	struct kernel_view kv;

	kernel_snapshot_read(k, &kv);
	if (kv.valid && kv.status.backlog_limit) {
		v = (double)kv.status.backlog / (double)kv.status.backlog_limit;
		if (v > risk) {
			risk = v;
			stage = METRIC_STAGE_KERNEL;
		}
	}
	if (kv.socket_limit) {
		v = (double)kv.socket_queued / (double)kv.socket_limit;
		if (v > risk) {
			risk = v;
			stage = METRIC_STAGE_SOCKET;
		}
	}
	for (unsigned i = 0; p && i < p->decoders; i++) {
		const struct ring_stats rs = p->ring[i];

		v = rs.capacity ? (double)rs.occupancy / (double)rs.capacity : 0;
		if (v > risk) {
			risk = v;
			stage = METRIC_STAGE_RING;
		}
	}
	if (ret_stage)
		*ret_stage = stage;
	return risk > 1 ? 1 : risk;
}

/* needle monitor's multicast reader (its own socket, not the daemon's). */
static void render_readlog(const struct readlog_stats *r, struct outbuf *o)
{
	static const struct {
		enum metric m;
		size_t offset;
	} counters[] = {
		{ METRIC_MULTICAST_DATAGRAMS, offsetof(struct readlog_stats, datagrams) },
		{ METRIC_MULTICAST_RECORDS, offsetof(struct readlog_stats, records) },
		{ METRIC_MULTICAST_RECEIVED_BYTES, offsetof(struct readlog_stats, bytes) },
		{ METRIC_MULTICAST_EVENTS, offsetof(struct readlog_stats, events) },
		{ METRIC_MULTICAST_OVERRUNS, offsetof(struct readlog_stats, overruns) },
		{ METRIC_MULTICAST_SERIAL_GAPS, offsetof(struct readlog_stats, serial_gaps) },
	};

	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		one(o, counters[i].m,
		    (double)atomic_load_explicit(
			    (const _Atomic uint64_t *)((const char *)r + counters[i].offset),
			    memory_order_relaxed));
	one(o, METRIC_MULTICAST_RECEIVE_BUFFER, (double)r->rcvbuf);
}

/* The process table (proctable.h): its size and what filled it. */
static void render_procs(const struct proctable_stats *t, struct outbuf *o)
{
	const struct proctable_stats st = *t;

	one(o, METRIC_PROCESS_TABLE_ENTRIES, (double)st.entries);
	one(o, METRIC_PROCESS_TABLE_CAPACITY, (double)st.max_entries);
	one(o, METRIC_PROCESS_TABLE_BYTES, (double)st.bytes);
	one(o, METRIC_PROCESS_TABLE_LOADS, (double)st.loads);
	one(o, METRIC_PROCESS_TABLE_LOAD_FAILURES, (double)st.load_failures);
	one(o, METRIC_PROCESS_TABLE_FULL, (double)st.full);
	one(o, METRIC_PROCESS_TABLE_EXPIRED, (double)st.expired);
	one(o, METRIC_PROCESS_TABLE_VERSIONS, (double)st.versions);
}

/* The decoders' share of events with a known process, and the kernel's
 * process events (procwatch.h). */
static void render_process_events(const struct pipeline_stats *p, struct outbuf *o)
{
	const struct procwatch_stats *w = &p->procwatch;

	_Static_assert(METRIC_PROC_EVENT_KIND_COUNT == PROCCONN_EXIT + 1,
		       "a label for each process event kind");
	header(o, METRIC_CONTEXT_EVENTS);
	sample(o, METRIC_CONTEXT_EVENTS, metric_process_found_names[METRIC_PROCESS_KNOWN], NULL,
	       (double)p->decoder.context_known);
	sample(o, METRIC_CONTEXT_EVENTS, metric_process_found_names[METRIC_PROCESS_UNKNOWN], NULL,
	       (double)p->decoder.context_unknown);
	one(o, METRIC_PROCESS_EVENTS_FOLLOWED, p->procs_followed ? 1 : 0);
	if (!p->procs_followed)
		return;
	header(o, METRIC_PROCESS_EVENTS);
	for (int i = 0; i < METRIC_PROC_EVENT_KIND_COUNT; i++)
		sample(o, METRIC_PROCESS_EVENTS, metric_proc_event_kind_names[i], NULL,
		       (double)w->events[i]);
	one(o, METRIC_PROCESS_SNAPSHOTS, (double)w->snapshots);
	one(o, METRIC_PROCESS_SNAPSHOTS_GONE, (double)w->snapshots_gone);
	one(o, METRIC_PROCESS_EVENTS_OVERRUNS, (double)w->overruns);
}

/* needle run's log lines, by where they went (say.h). */
static void render_log(struct outbuf *o)
{
	uint64_t n[METRIC_LOG_DESTINATION_COUNT];

	say_counts(n);
	header(o, METRIC_LOG_MESSAGES);
	for (int i = 0; i < METRIC_LOG_DESTINATION_COUNT; i++)
		sample(o, METRIC_LOG_MESSAGES, metric_log_destination_names[i], NULL, (double)n[i]);
}

void metrics_render(const struct pipeline_stats *p, struct kernel_snapshot *k, struct outbuf *out)
{
	enum metric_stage stage;
	double risk = metrics_loss_risk(p, k, &stage);
	struct kernel_view v;

	header(out, METRIC_LOSS_RISK);
	sample(out, METRIC_LOSS_RISK, metric_stage_names[stage], NULL, risk);
	render_kernel(k, out);
	kernel_snapshot_read(k, &v);
	if (v.readlog)
		render_readlog(v.readlog, out);
	if (!p)
		return; /* needle monitor: the kernel only */
	render_rules(k, out);
	one(out, METRIC_START_TIME, (double)p->started_ms / 1000.0);
	render_socket(p, k, out);
	render_rings(p, out);
	render_decoders(p, out);
	if (p->filter_entries)
		render_filters(p, out);
	if (p->key_entries)
		render_keys(p, out);
	render_sinks(p, out);
	if (p->have_log_dir_free)
		one(out, METRIC_LOG_DIR_FREE, (double)p->log_dir_free);
	if (p->output_on[PIPELINE_OUTPUT_NATS])
		render_nats(p, out);
	render_losses(p, k, out);
	if (p->plugins)
		render_plugins(p, out);
	if (p->have_procs) {
		render_procs(&p->procs, out);
		render_process_events(p, out);
	}
	render_log(out);
}

static void read_pipeline(const void *arg, struct pipeline_stats *ret)
{
	pipeline_get_stats(arg, ret);
}

struct metrics_source metrics_source_pipeline(const struct pipeline *p)
{
	return (struct metrics_source){ read_pipeline, p };
}

void metrics_render_source(const struct metrics_source *src, struct kernel_snapshot *k,
			   struct outbuf *out)
{
	struct pipeline_stats *ps = src && src->read ? malloc(sizeof(*ps)) : NULL;

	if (src && src->read && !ps) {
		out->failed = true; /* the caller answers "out of memory" as for any page */
		return;
	}
	if (ps)
		src->read(src->arg, ps);
	metrics_render(ps, k, out);
	free(ps);
}

struct metrics_server {
	struct MHD_Daemon *mhd;
	struct metrics_source src;
	struct kernel_snapshot *k;
};

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *data_size, void **state)
{
	struct metrics_server *s = cls;
	struct MHD_Response *resp;
	struct outbuf body = { 0 };
	enum MHD_Result r;
	unsigned code = MHD_HTTP_OK;

	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		code = MHD_HTTP_METHOD_NOT_ALLOWED;
	else if (strcmp(url, "/metrics") != 0)
		code = MHD_HTTP_NOT_FOUND;
	if (code == MHD_HTTP_OK)
		metrics_render_source(&s->src, s->k, &body);
	else
		outbuf_puts(&body, code == MHD_HTTP_NOT_FOUND ? "not found: try /metrics\n"
							      : "only GET\n");
	if (body.failed) {
		outbuf_free(&body);
		return MHD_NO;
	}
	resp = MHD_create_response_from_buffer(body.len, body.data, MHD_RESPMEM_MUST_COPY);
	outbuf_free(&body);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	r = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return r;
}

int metrics_parse_listen(const char *listen, void *ret_sockaddr, unsigned *ret_len)
{
	char host[128];
	const char *colon;
	char *end;
	unsigned long port;

	if (listen[0] == '[') {
		const char *close = strchr(listen, ']');

		if (!close || close[1] != ':' || (size_t)(close - listen - 1) >= sizeof(host))
			return -EINVAL;
		memcpy(host, listen + 1, (size_t)(close - listen - 1));
		host[close - listen - 1] = '\0';
		colon = close + 1;
	} else {
		colon = strrchr(listen, ':');
		if (!colon || (size_t)(colon - listen) >= sizeof(host))
			return -EINVAL;
		memcpy(host, listen, (size_t)(colon - listen));
		host[colon - listen] = '\0';
	}
	port = strtoul(colon + 1, &end, 10);
	if (*end || colon[1] == '\0' || port == 0 || port > 65535)
		return -EINVAL;
	if (strcmp(host, "localhost") == 0)
		strcpy(host, "127.0.0.1");
	{
		struct sockaddr_in v4 = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
		struct sockaddr_in6 v6 = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };

		if (inet_pton(AF_INET, host, &v4.sin_addr) == 1) {
			memcpy(ret_sockaddr, &v4, sizeof(v4));
			*ret_len = sizeof(v4);
			return 0;
		}
		if (inet_pton(AF_INET6, host, &v6.sin6_addr) == 1) {
			memcpy(ret_sockaddr, &v6, sizeof(v6));
			*ret_len = sizeof(v6);
			return 0;
		}
	}
	return -EINVAL;
}

struct metrics_server *metrics_server_start(const char *listen, const struct metrics_source *src,
					    struct kernel_snapshot *k, char *err, size_t err_size)
{
	struct sockaddr_storage addr;
	unsigned len;
	struct metrics_server *s;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;

	if (metrics_parse_listen(listen, &addr, &len) < 0) {
		snprintf(err, err_size, "metrics_listen: '%s' is not HOST:PORT", listen);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	s->src = src ? *src : (struct metrics_source){ 0 };
	s->k = k;
	if (addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->mhd = MHD_start_daemon(flags, ntohs(((struct sockaddr_in *)&addr)->sin_port), NULL, NULL,
				  on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
				  MHD_OPTION_CONNECTION_LIMIT, 16u, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
				  MHD_OPTION_END);
	if (!s->mhd) {
		snprintf(err, err_size, "metrics_listen: cannot serve on %s (in use, or no such address)",
			 listen);
		free(s);
		return NULL;
	}
	return s;
}

void metrics_server_stop(struct metrics_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->mhd);
	free(s);
}
