/* SPDX-License-Identifier: MIT */
/*
 * watch: the daemon's own watch over the pipeline and the kernel, once a
 * second from the main loop.
 *
 *   loss counters (pipeline sums, kernel snapshot) --moved?--> warning
 *   fullest stage (metrics_loss_risk) --> LOSS_RISK_WARN? --> warning
 *   progress note writes, sink rotation/sync errors --> warning
 *   the NATS output's news (connected, disconnected, errors) --> log lines
 *   kernel audit disabled (enabled 0) --> warning
 *   every STATUS_EVERY seconds --> status line (log); each second the
 *   one-line status (watch_status_text): on a terminal, and to systemd
 *
 * Each warning says what was lost, where, and the setting that fixes it;
 * a kind of warning repeats at most every WARN_EVERY seconds, with what
 * was lost in between. Counting starts at watch_start(): losses before
 * needle started (the kernel's lost counter) are not needle's to report.
 */
#ifndef NEEDLE_WATCH_H
#define NEEDLE_WATCH_H

#include "conf.h"
#include "pipeline.h"
#include "status.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum loss_cause {
	LOSS_KERNEL, LOSS_SOCKET, LOSS_GAPS, LOSS_RING, LOSS_DECODER, LOSS_SINK, LOSS_RESTART,
	LOSS_LATE, LOSS_NATS, LOSS_CAUSES
};

struct watch {
	struct pipeline *p;
	struct kernel_snapshot *k;
	const struct conf *conf;         /* mode, log_dir: for the messages */
	uint64_t seconds;                /* ticks since watch_start */
	uint64_t start[LOSS_CAUSES];     /* counter values when needle started */
	uint64_t last[LOSS_CAUSES];      /* counter values at the last warning */
	uint64_t warned_at[LOSS_CAUSES]; /* second of the last warning, 0: never */
	uint64_t risk_warned_at;
	uint64_t status_events;          /* events at the last status line */
	uint64_t status_filtered;        /* whole events filtered, at the same line */
	uint64_t progress_failed, progress_warned_at;
	bool audit_off;                  /* the kernel's audit was disabled at the last look */
	uint64_t audit_off_warned_at;
	uint64_t sink_errors[PIPELINE_OUTPUTS]; /* rotation and sync errors last said */
	uint64_t sink_warned_at[PIPELINE_OUTPUTS];
	uint64_t line_records;           /* records at the last terminal status line */
};

/* Right after start-up: the counters' values now are where "since start"
 * counts from, in the watch and in the kernel snapshot. */
void watch_start(struct watch *w, struct pipeline *p, struct kernel_snapshot *k,
		 const struct conf *conf);

/* Once a second, after the kernel snapshot's poll. */
void watch_tick(struct watch *w);

/* Warns when the kernel's audit is disabled (it makes no record at all):
 * at start, at once when it goes off, and every minute while it stays off
 * (watch_tick looks each second). */
void watch_audit_enabled(struct watch *w);

/* Once at start: what the kernel does with records while no daemon is
 * registered (boothold.h), and what that means for a restart. */
void watch_boot_hold(const struct pipeline *p);

/* The one-line status, each second: records/s since the last call, ring
 * fill, kernel backlog and losses since start. On a terminal it is
 * rewritten in place on stderr; under systemd it is the unit's STATUS=
 * (notify.h). WATCH_STATUS_MAX bytes hold it. */
#define WATCH_STATUS_MAX 256
void watch_status_text(struct watch *w, char *buf, size_t size);

#endif
