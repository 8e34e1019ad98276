/* SPDX-License-Identifier: MIT */
#include "watch.h"
#include "boothold.h"
#include "metrics.h"
#include "say.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* watch.h draws what is watched; each loss cause below says what to do. */
#define LOSS_RISK_WARN 0.8
#define WARN_EVERY 10
#define STATUS_EVERY 60

static const struct {
	const char *what, *fix;
} loss_text[LOSS_CAUSES] = {
	[LOSS_KERNEL] = { "records lost in the kernel (backlog full or rate limit)",
			  "raise backlog_limit, or backlog_wait_time to make processes wait" },
	[LOSS_SOCKET] = { "socket overruns (records dropped by the kernel on needle's socket)",
			  "raise socket_buffer or listener_threads" },
	[LOSS_GAPS] = { "events missing from the kernel's serial sequence (lost after the kernel)",
			"raise socket_buffer or listener_threads" },
	[LOSS_RING] = { "events dropped or cut short by full rings (ring_full = drop)",
			"raise ring_size or decoder_threads, or set ring_full = block" },
	[LOSS_DECODER] = { "records dropped from events over the size cap",
			   "these events are marked truncated" },
	[LOSS_SINK] = { "events lost in failed writes",
			"free space in log_dir; check the disk (the count includes events not "
			"written while the space policy suspended writing)" },
	[LOSS_RESTART] = { "events the kernel numbered before this needle took over that no log "
			   "has (while no needle ran, or in a killed needle's buffers)",
			   "keep needle running (restart it at once); boot with audit=1 so the "
			   "kernel holds records meanwhile" },
	[LOSS_LATE] = { "records that came after their event was written (left out, so that no "
			"event id is written twice)",
			"raise event_timeout if the records of one event arrive far apart" },
	[LOSS_NATS] = { "events the NATS output could not keep (its spool or its queue full, or "
			"refused by the stream)",
			"see needle stat's nats line: is the cluster reachable? Raise spool_max to "
			"ride out longer outages" },
};

/* The NATS output's events lost (LOSS_NATS, apart from the files'). */
static uint64_t nats_lost(const struct pipeline *p)
{
	struct nats_out_stats n;

	if (!pipeline_nats(p))
		return 0;
	nats_out_get_stats(pipeline_nats(p), &n);
	return nats_out_lost(&n);
}

static void loss_counters(struct watch *w, uint64_t *ret)
{
	const struct pipeline *p = w->p;
	struct listener_stats ls;
	struct decoder_stats ds;
	struct kernel_view kv;

	pipeline_sum_listeners(p, &ls);
	pipeline_sum_decoders(p, &ds);
	kernel_snapshot_read(w->k, &kv);
	ret[LOSS_KERNEL] = kv.valid ? kv.status.lost : 0;
	ret[LOSS_SOCKET] = ls.enobufs;
	/* Gaps the rings did not cause (theirs are counted under LOSS_RING). */
	ret[LOSS_GAPS] = ds.serial_gaps > ls.ring_events_whole ? ds.serial_gaps - ls.ring_events_whole
							       : 0;
	ret[LOSS_RING] = ls.ring_events_whole + ls.ring_events_cut;
	ret[LOSS_DECODER] = ds.dropped_records;
	ret[LOSS_NATS] = nats_lost(p);
	ret[LOSS_SINK] = pipeline_sum_outputs(p, true) - ret[LOSS_NATS];
	ret[LOSS_RESTART] = ds.restart_gaps;
	ret[LOSS_LATE] = ds.late_dropped;
}

void watch_start(struct watch *w, struct pipeline *p, struct kernel_snapshot *k,
		 const struct conf *conf)
{
	*w = (struct watch){ .p = p, .k = k, .conf = conf };
	loss_counters(w, w->start);
	memcpy(w->last, w->start, sizeof(w->start));
	kernel_snapshot_mark_start(w->k);
}

/*
 * The kernel's audit disabled (enabled 0) makes no record at all: needle
 * would collect nothing without a word (a multicast needle, or enabled =
 * keep). Said at start, at once when it goes off while needle runs, and
 * every AUDIT_OFF_EVERY seconds while it stays off.
 */
#define AUDIT_OFF_EVERY 60

void watch_audit_enabled(struct watch *w)
{
	struct kernel_view kv;
	bool valid, off;

	kernel_snapshot_read(w->k, &kv);
	valid = kv.valid;
	off = valid && kv.status.enabled == 0;
	if (!valid)
		return;
	if (!off) {
		if (w->audit_off)
			say("the kernel's audit is enabled again: collecting");
		w->audit_off = false;
		return;
	}
	if (w->audit_off && w->seconds - w->audit_off_warned_at < AUDIT_OFF_EVERY)
		return;
	say("warning: the kernel's audit is disabled (enabled 0): it makes no records and needle "
	    "collects nothing until it is enabled (%s)",
	    w->conf->mode == CONF_MODE_MULTICAST
		    ? "'auditctl -e 1', or the rules of the daemon that owns the audit socket"
		    : "enabled = 1 in needle's configuration, or 'auditctl -e 1'");
	w->audit_off = true;
	w->audit_off_warned_at = w->seconds;
}

/* A rotation refused, or the close of a rotated-out file failed: no event
 * lost yet (or only at risk), but the operator must act before the disk
 * or the files become the problem. At most every WARN_EVERY seconds. */
static void watch_sinks(struct watch *w)
{
	const struct sink *outs[PIPELINE_OUTPUTS];

	pipeline_outputs(w->p, outs);
	for (unsigned i = 0; i < PIPELINE_OUTPUTS; i++) {
		struct sink_stats st;
		uint64_t rot, sync, at_risk;
		int err;

		if (!outs[i])
			continue;
		sink_get_stats(outs[i], &st);
		rot = st.rotate_errors;
		sync = st.sync_errors;
		if (rot + sync <= w->sink_errors[i] ||
		    (w->sink_warned_at[i] && w->seconds - w->sink_warned_at[i] < WARN_EVERY))
			continue;
		err = st.last_error;
		at_risk = st.unsynced_events;
		say("warning: %s: %" PRIu64 " rotation(s) not done, %" PRIu64 " rotated file(s) "
		    "closed with an error (last error: %s; up to %" PRIu64 " events at risk). Every "
		    "old generation is kept and writing goes on to the current file, past "
		    "max_log_file; rotation is retried each second. Free space or fix permissions "
		    "in log_dir",
		    sink_path(outs[i]), rot, sync, strerror(err), at_risk);
		w->sink_errors[i] = rot + sync;
		w->sink_warned_at[i] = w->seconds;
	}
}

void watch_tick(struct watch *w)
{
	uint64_t now[LOSS_CAUSES];
	enum metric_stage stage;
	struct pipeline_stats ps;
	struct decoder_stats ds;
	double risk;

	pipeline_get_stats(w->p, &ps);
	risk = metrics_loss_risk(&ps, w->k, &stage);

	w->seconds++;
	watch_audit_enabled(w);
	loss_counters(w, now);
	for (int c = 0; c < LOSS_CAUSES; c++) {
		if (now[c] <= w->last[c] ||
		    (w->warned_at[c] && w->seconds - w->warned_at[c] < WARN_EVERY))
			continue;
		say("warning: %" PRIu64 " %s since the last report; %s", now[c] - w->last[c],
		    loss_text[c].what, loss_text[c].fix);
		w->last[c] = now[c];
		w->warned_at[c] = w->seconds;
	}
	if (risk >= LOSS_RISK_WARN &&
	    (!w->risk_warned_at || w->seconds - w->risk_warned_at >= WARN_EVERY)) {
		say("warning: the %s stage is %.0f%% full: events will be lost (or audited "
		    "processes slowed) if it fills; %s",
		    metric_stage_names[stage], risk * 100,
		    stage == METRIC_STAGE_KERNEL   ? "raise backlog_limit or decoder_threads"
		    : stage == METRIC_STAGE_SOCKET ? "raise socket_buffer or listener_threads"
						   : "raise ring_size or decoder_threads");
		w->risk_warned_at = w->seconds;
	}
	if (pipeline_keeps_progress(w->p)) {
		int e;
		uint64_t failed = pipeline_progress_errors(w->p, &e);

		if (failed > w->progress_failed &&
		    (!w->progress_warned_at || w->seconds - w->progress_warned_at >= WARN_EVERY)) {
			say("warning: cannot write the progress note in %s: %s; if needle is killed, "
			    "the next start counts what it wrote since the last note as lost",
			    w->conf->log_dir, strerror(e));
			w->progress_failed = failed;
			w->progress_warned_at = w->seconds;
		}
	}
	watch_sinks(w);
	if (pipeline_nats(w->p)) {
		char news[4096];

		nats_out_news(pipeline_nats(w->p), news, sizeof(news));
		say_lines("", news);
	}
	if (w->seconds % STATUS_EVERY == 0) {
		pipeline_sum_decoders(w->p, &ds);
		say("status: %" PRIu64 " events in the last %d s, %" PRIu64 " of them filtered (%" PRIu64
		    " partial so far), loss risk "
		    "%.0f%% (%s), lost since start: kernel %" PRIu64 " records, socket overruns %" PRIu64
		    ", ring drops %" PRIu64 ", sink %" PRIu64 " events%s",
		    ds.events + ds.partial_events + ds.filtered - w->status_events, STATUS_EVERY,
		    ds.filtered - w->status_filtered, ds.partial_events,
		    risk * 100, metric_stage_names[stage], now[LOSS_KERNEL] - w->start[LOSS_KERNEL],
		    now[LOSS_SOCKET] - w->start[LOSS_SOCKET], now[LOSS_RING] - w->start[LOSS_RING],
		    now[LOSS_SINK] + now[LOSS_NATS] - w->start[LOSS_SINK] - w->start[LOSS_NATS],
		    pipeline_nats(w->p) ? " (the NATS output's included)" : "");
		w->status_events = ds.events + ds.partial_events + ds.filtered;
		w->status_filtered = ds.filtered;
	}
}

void watch_status_text(struct watch *w, char *buf, size_t size)
{
	struct pipeline_stats ps;
	struct listener_stats ls;
	struct kernel_view kv;
	struct audit_status k;
	uint64_t fill = 0, cap = 0;
	uint32_t lost;

	/* Since needle started, as every other figure here: the kernel's own
	 * counter runs since boot (needle stat shows it, labelled). */
	kernel_snapshot_read(w->k, &kv);
	k = kv.status;
	lost = kv.started ? k.lost - kv.lost_at_start : 0;
	pipeline_get_stats(w->p, &ps);
	ls = ps.listener;
	for (unsigned i = 0; i < ps.decoders; i++) {
		fill += ps.ring[i].occupancy;
		cap += ps.ring[i].capacity;
	}
	snprintf(buf, size,
		 "records/s %8" PRIu64 " | ring %5.1f%% | kernel backlog %u/%u lost %u since start | "
		 "socket overruns %" PRIu64,
		 ls.records - w->line_records, cap ? 100.0 * (double)fill / (double)cap : 0, k.backlog,
		 k.backlog_limit, lost, ls.enobufs);
	w->line_records = ls.records;
}

/* What happens to records while no daemon is registered (boothold.h):
 * said once at start, with what it means for a restart. */
void watch_boot_hold(const struct pipeline *p)
{
	int held = boothold_read();

	if (held == 1) {
		say("kernel booted with audit=1: while no audit daemon is registered (needle "
		    "stopped, killed, restarting) it holds up to backlog_limit records for the next "
		    "one and counts more in its lost counter");
		return;
	}
	say("warning: the kernel was booted without audit=1: while no audit daemon is registered "
	    "(needle stopped, killed, restarting) it drops every record without counting it. "
	    "needle counts what it finds missing by serial at its next start%s (cause restart). "
	    "Add audit=1 to the kernel command line to have the kernel hold up to backlog_limit "
	    "records meanwhile",
	    pipeline_keeps_progress(p) ? "" : " (only with a log file in log_dir: none now)");
}
