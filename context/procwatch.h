/* SPDX-License-Identifier: MIT */
/*
 * procwatch: the thread that follows the kernel's process events
 * (procconn.h) into the process table (proctable.h), so a process that
 * lives a millisecond is in the table, with its own facts, before a
 * decoder meets its first event.
 *
 *   fork  -> the child's first version: its parent's facts (no I/O)
 *   exec  -> a snapshot of /proc/PID right away (procsnap.h: namespaces,
 *            ids and maps, cgroup, exe, argv[0], start), or, gone
 *            already, the version before's container and namespaces; an
 *            exec the same batch shows superseded gets none
 *   exit  -> the newest version marked gone, at the kernel's time
 *
 * Threads of a process (a fork whose child is not a process leader, an
 * exit of one) are not processes: counted, not applied. uid, gid, sid and
 * comm changes are counted only.
 *
 * Only execs wake the thread where the kernel filters subscriptions (6.6):
 * the other events come on a second socket, read at each wake-up, and are
 * applied merged with the execs in the kernel's order, up to the last exec
 * read (later ones wait for the next wake-up); idle, the thread wakes
 * every 10 ms. Before 6.6 one socket carries every event.
 *
 * The sockets are lossy: a full receive buffer makes the kernel drop
 * events, and the next read says ENOBUFS (counted as an overrun; the
 * events are gone, and the processes they were about are read from /proc
 * when met, as without the connector).
 */
#ifndef NEEDLE_PROCWATCH_H
#define NEEDLE_PROCWATCH_H

#include "procconn.h"
#include "proctable.h"

#include <stdint.h>

/* The receive buffer asked for: about 5,000 process events of slack
 * while the thread takes a snapshot. */
#define PROCWATCH_RCVBUF (4 << 20)

struct procwatch_stats {
	uint64_t events[PROCCONN_EXIT + 1]; /* by enum procconn_what; [0]: thread events */
	uint64_t snapshots, snapshots_gone;
	uint64_t overruns; /* reads that said ENOBUFS: events the kernel dropped */
};

struct procwatch;

/* Subscribes and starts the thread. -errno when the kernel's connector
 * cannot be had (-EPERM without CAP_NET_ADMIN, -EPROTONOSUPPORT or
 * -ENOENT without CONFIG_PROC_EVENTS), the table untouched then. */
int procwatch_start(struct proctable *t, struct procwatch **ret);

/* Stops the thread and unsubscribes; the table stops being followed. NULL
 * is ignored. */
void procwatch_stop(struct procwatch *w);

void procwatch_get_stats(struct procwatch *w, struct procwatch_stats *ret);

/* What the thread does with one event, at wall time at_ms (tests call it
 * with events of their own). Call from a registered RCU thread. */
void procwatch_apply(struct procwatch *w, const struct procconn_event *ev, uint64_t at_ms);

/* A watcher without the socket or thread, for procwatch_apply alone. */
struct procwatch *procwatch_new(struct proctable *t);
void procwatch_free(struct procwatch *w);

#endif
