/* SPDX-License-Identifier: MIT */
/*
 * status: what needle last saw of the kernel's audit state, kept for the
 * threads that report it.
 *
 *   main thread, once a second               metrics (libmicrohttpd's thread),
 *   kernel_snapshot_poll(): AUDIT_GET,       control socket thread, self-watch
 *   the data socket's SO_MEMINFO             kernel_snapshot_read(): a copy
 *        \                                     /
 *         `--------> struct kernel_snapshot <-'   (one mutex)
 *
 * Invariants: the fields change only under the lock and are read only as a
 * whole copy (kernel_snapshot_read), so a reader never mixes two polls; the
 * lock is held for a copy of a few hundred bytes, never across a request
 * to the kernel, so a scrape never waits on the kernel. One writer at a
 * time (needle run's main thread, or needle monitor's loop).
 */
#ifndef NEEDLE_STATUS_H
#define NEEDLE_STATUS_H

#include "audit-ctl.h"
#include "readlog.h"

#include <linux/audit.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* A copy of the snapshot, taken under its lock. */
struct kernel_view {
	bool valid;                   /* status read at least once */
	struct audit_status status;   /* the last AUDIT_GET */
	struct audit_status previous; /* the poll before, for the deltas */
	bool have_previous;
	int64_t rcvbuf;               /* receive buffer the kernel granted, bytes */
	uint64_t socket_queued;       /* bytes waiting in the socket (SO_MEMINFO) */
	uint64_t socket_limit;        /* what the socket may hold before it overruns */
	uint32_t lost_at_start;       /* the kernel's lost counter when needle started */
	bool started;
	/* The rule watch (kernel-session.h), once it has looked. */
	bool rules_watched;
	uint32_t rules;               /* rules the kernel had at the last look */
	uint64_t rules_added, rules_removed; /* by other processes, since start */
	/* needle monitor --multicast: what its multicast reader got; else NULL. */
	const struct readlog_stats *readlog;
};

struct kernel_snapshot {
	pthread_mutex_t lock;
	struct kernel_view v; /* under lock; through the functions below only */
};

#define KERNEL_SNAPSHOT_INIT { .lock = PTHREAD_MUTEX_INITIALIZER }

/* A copy of everything, under the lock. Any thread. */
void kernel_snapshot_read(struct kernel_snapshot *k, struct kernel_view *ret);

/* A new AUDIT_GET: the last one becomes the previous (when there was one). */
void kernel_snapshot_update(struct kernel_snapshot *k, const struct audit_status *now);

/* The poll of needle run, once a second: AUDIT_GET on ctl and, when data_fd
 * >= 0, what waits in that socket. A failed request leaves the last value. */
void kernel_snapshot_poll(struct kernel_snapshot *k, struct audit_ctl *ctl, int data_fd);

/* What waits in the data socket, and what it may hold before it overruns
 * (kernel_snapshot_poll reads them with SO_MEMINFO). */
void kernel_snapshot_set_socket(struct kernel_snapshot *k, uint64_t queued, uint64_t limit);

/* The receive buffer the kernel granted (0 when setting it failed). */
void kernel_snapshot_set_rcvbuf(struct kernel_snapshot *k, int64_t bytes);

/* Needle has started: the kernel's lost counter now is where "since start"
 * counts from (0 when no status was read yet). */
void kernel_snapshot_mark_start(struct kernel_snapshot *k);

/* The rule watch's figures (kernel_session_watch_rules). */
void kernel_snapshot_set_rules(struct kernel_snapshot *k, uint32_t rules, uint64_t added,
			       uint64_t removed);

/* needle monitor --multicast: its reader's counters, rendered with the rest. */
void kernel_snapshot_set_readlog(struct kernel_snapshot *k, const struct readlog_stats *r);

#endif
