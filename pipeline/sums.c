/* SPDX-License-Identifier: MIT */
/*
 * sums.c: the pipeline's figures as the rest of needle reads them (sums
 * over listeners, decoders and outputs: metrics, needle stat, the status
 * line) and the summary said at close. Each counter is read relaxed: a
 * sum is not one instant, and nothing here waits on a thread.
 */
#include "threads.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define relaxed memory_order_relaxed

/* The file outputs' figures added up (events, lost, fsync failures). */
static void sum_file_outputs(const struct pipeline *p, struct sink_stats *ret)
{
	const struct sink *outs[PIPELINE_OUTPUTS];

	memset(ret, 0, sizeof(*ret));
	pipeline_outputs(p, outs);
	for (unsigned i = 0; i < PIPELINE_OUTPUTS; i++) {
		struct sink_stats st;

		if (!outs[i])
			continue;
		sink_get_stats(outs[i], &st);
		ret->events += st.events;
		ret->lost_events += st.lost_events;
		ret->sync_errors += st.sync_errors;
		ret->unsynced_events += st.unsynced_events;
	}
}

/* The NATS output's line of the summary: where each event it was handed
 * went. */
static void say_nats_summary(const struct pipeline *p)
{
	struct nats_out_stats n;

	nats_out_get_stats(p->nats, &n);
	p->say("stopped: nats: %" PRIu64 " events handed over, %" PRIu64 " written to the spool, "
	       "%" PRIu64 " lost (queue full %" PRIu64 ", spool full %" PRIu64 ", errors %" PRIu64
	       ", refused by the stream %" PRIu64 "); %" PRIu64 " published, %" PRIu64
	       " acknowledged (%" PRIu64 " duplicates), %" PRIu64 " failed; %" PRIu64
	       " messages left in the spool for the next start",
	       n.events, n.spooled, nats_out_lost(&n), n.lost_queue, n.lost_spool, n.lost_error,
	       n.rejected, n.published, n.acked, n.duplicates, n.failed, n.spool_events);
}

void pipeline_say_summary(const struct pipeline *p)
{
	struct listener_stats ls;
	struct decoder_stats ds;
	struct sink_stats files;

	pipeline_sum_listeners(p, &ls);
	pipeline_sum_decoders(p, &ds);
	sum_file_outputs(p, &files);
	p->say("stopped: %" PRIu64 " records received, %" PRIu64 " events (%" PRIu64
	       " partial), %" PRIu64 " event writes; lost: %" PRIu64 " socket overruns, %" PRIu64
	       " serial gaps, %" PRIu64 " events (%" PRIu64 " records) dropped by full rings, %" PRIu64
	       " events in failed writes",
	       ls.records + ls.ring_drops + ls.abandoned, ds.events + ds.partial_events,
	       ds.partial_events, pipeline_sum_outputs(p, false), ls.enobufs, ds.serial_gaps,
	       ls.ring_events_whole + ls.ring_events_cut, ls.ring_drops,
	       pipeline_sum_outputs(p, true));
	/* A line of its own, without "lost: ": needle-bench reads the one above. */
	p->say("stopped: besides, %" PRIu64 " events before this start (restart), %" PRIu64
	       " records lost to a failed decoder and up to %" PRIu64
	       " events in files whose fsync or close failed (%" PRIu64 " failures)",
	       ds.restart_gaps, ls.abandoned + ds.abandoned_in_ring, files.unsynced_events,
	       files.sync_errors);
	if (p->divert_sink || ds.filtered) {
		struct sink_stats dv = { 0 };

		if (p->divert_sink)
			sink_get_stats(p->divert_sink, &dv);
		p->say("stopped: filters: %" PRIu64 " whole events filtered (dropped or diverted); %"
		       PRIu64 " events diverted: %" PRIu64 " written, %" PRIu64
		       " lost in failed writes",
		       ds.filtered, ds.diverted, dv.events, dv.lost_events);
	}
	if (p->nats)
		say_nats_summary(p);
}

void pipeline_sum_listeners(const struct pipeline *p, struct listener_stats *ret)
{
	memset(ret, 0, sizeof(*ret));
	for (unsigned i = 0; i < p->listeners; i++) {
#define X(name, help) ret->name += atomic_load_explicit(&p->lstats[i].name, relaxed);
		LISTENER_COUNTERS(X)
#undef X
	}
}

void pipeline_sum_decoders(const struct pipeline *p, struct decoder_stats *ret)
{
	memset(ret, 0, sizeof(*ret));
	for (unsigned i = 0; i < p->decoders; i++) {
		const struct decoder_counters *c = &p->dstats[i];
		uint64_t max = atomic_load_explicit(&c->delay_max_ms, relaxed);

#define X(name, help) ret->name += atomic_load_explicit(&c->name, relaxed);
		DECODER_COUNTERS(X)
#undef X
		for (unsigned b = 0; b < DELAY_BUCKETS; b++)
			ret->delay_bucket[b] += atomic_load_explicit(&c->delay_bucket[b], relaxed);
		ret->delay_sum_ms += atomic_load_explicit(&c->delay_sum_ms, relaxed);
		ret->delay_max_ms = max > ret->delay_max_ms ? max : ret->delay_max_ms;
	}
}

void pipeline_outputs(const struct pipeline *p, const struct sink *ret[PIPELINE_OUTPUTS])
{
	ret[0] = p->json_sink;
	ret[1] = p->raw_sink;
	ret[2] = p->enriched_sink;
	ret[3] = p->stdout_sink;
}

struct nats_out *pipeline_nats(const struct pipeline *p)
{
	return p->nats;
}

void pipeline_nats_as_sink(const struct nats_out_stats *n, struct sink_stats *ret)
{
	*ret = (struct sink_stats){
		.events = n->spooled,
		.bytes = n->spooled_bytes,
		.raw_bytes = n->spooled_bytes,
		.write_errors = n->spool_errors,
		.lost_events = nats_out_lost(n),
	};
}

uint64_t pipeline_sum_outputs(const struct pipeline *p, bool lost)
{
	struct sink_stats files;
	uint64_t sum;

	sum_file_outputs(p, &files);
	sum = lost ? files.lost_events : files.events;
	if (p->nats) {
		struct nats_out_stats n;
		struct sink_stats st;

		nats_out_get_stats(p->nats, &n);
		pipeline_nats_as_sink(&n, &st);
		sum += lost ? st.lost_events : st.events;
	}
	return sum;
}

void pipeline_get_stats(const struct pipeline *p, struct pipeline_stats *ret)
{
	const struct sink *outs[PIPELINE_OUTPUTS];

	memset(ret, 0, sizeof(*ret));
	ret->listeners = p->listeners;
	ret->decoders = p->decoders;
	ret->started_ms = p->started_ms;
	pipeline_sum_listeners(p, &ret->listener);
	pipeline_sum_decoders(p, &ret->decoder);
	for (unsigned i = 0; i < p->decoders; i++) {
		ring_get_stats(p->ring[i], &ret->ring[i]);
		ret->ring_rest_dropped[i] = atomic_load_explicit(&p->damage[i]->rest_dropped, relaxed);
	}
	pipeline_outputs(p, outs);
	for (unsigned i = 0; i < PIPELINE_OUTPUTS; i++)
		if ((ret->output_on[i] = outs[i] != NULL))
			sink_get_stats(outs[i], &ret->output[i]);
	if ((ret->output_on[PIPELINE_OUTPUT_NATS] = p->nats != NULL)) {
		nats_out_get_stats(p->nats, &ret->nats);
		pipeline_nats_as_sink(&ret->nats, &ret->output[PIPELINE_OUTPUT_NATS]);
	}
	if ((ret->output_on[PIPELINE_OUTPUT_DIVERT] = p->divert_sink != NULL))
		sink_get_stats(p->divert_sink, &ret->output[PIPELINE_OUTPUT_DIVERT]);
	filters_get_all_stats(p->filters, ret);
	if ((ret->have_procs = p->procs != NULL))
		proctable_get_stats(p->procs, &ret->procs);
	if ((ret->procs_followed = p->procwatch != NULL))
		procwatch_get_stats(p->procwatch, &ret->procwatch);
	ret->have_log_dir_free = p->logkeep && logkeep_free_bytes(p->logkeep, &ret->log_dir_free);
	ret->plugins = p->dispatch ? dispatch_plugins(p->dispatch) : 0;
	for (unsigned i = 0; i < ret->plugins; i++)
		dispatch_get_stats(p->dispatch, i, &ret->plugin[i]);
}
