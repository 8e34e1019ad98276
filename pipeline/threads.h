/* SPDX-License-Identifier: MIT */
/*
 * threads: what the listener and decoder threads share. Private to
 * pipeline/: everything outside goes through pipeline.h.
 *
 *   data socket --recvmmsg--> listener[L] --serial % D--> ring[D] --> decoder[D] --> sink
 *
 * A record travels as a struct wire_record followed by the record's text
 * (no NUL). With one listener the rings are spsc; with more, mpsc.
 * Counters are per thread, on their own cache lines, summed when read
 * (pipeline.c).
 */
#ifndef NEEDLE_THREADS_H
#define NEEDLE_THREADS_H

#include "damage.h"
#include "pipeline.h"
#include "progress.h"
#include "ring.h"
#include "settings.h"
#include "sink.h"

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>

/* The kernel's largest audit message (MAX_AUDIT_MESSAGE_LENGTH) plus the
 * netlink header; a datagram larger than the buffer is counted truncated. */
#define AUDIT_DATAGRAM_MAX 8986
#define RECV_BUFFER_SIZE 9216

/* The listener reads each record's stamp to shard it; it hands the decoder
 * the whole stamp, so the text is read for it once. */
struct wire_record {
	uint16_t type;   /* nlmsg_type: the audit record type */
	uint16_t flags;  /* WIRE_* */
	uint32_t serial; /* from "audit(S.MS:SERIAL)", 0 if unreadable */
	uint64_t sec;    /* the stamp's S and MS (without WIRE_NO_STAMP) */
	uint16_t msec;
	uint16_t body;   /* where the body starts: the stamp's length */
	uint32_t unused;
};
#define WIRE_TRUNCATED 1u /* the datagram did not fit the receive buffer */
#define WIRE_NO_STAMP 2u  /* no readable stamp: sent to decoder 0 */

/* One listener's counters (LISTENER_COUNTERS, pipeline.h). */
struct listener_counters {
	alignas(64)
#define X(name, help) _Atomic uint64_t name;
	LISTENER_COUNTERS(X)
#undef X
	/* Odd while the listener may hold records not yet in a ring (from
	 * just before recvmmsg() to after its commits), even otherwise.
	 * Decoders read it to know when stragglers of an event have landed. */
	_Atomic uint64_t batch_seq;
};

/* One decoder's counters (DECODER_COUNTERS, pipeline.h). */
struct decoder_counters {
	alignas(64)
#define X(name, help) _Atomic uint64_t name;
	DECODER_COUNTERS(X)
#undef X
	_Atomic uint64_t delay_bucket[DELAY_BUCKETS]; /* not cumulative */
	_Atomic uint64_t delay_sum_ms;
	_Atomic uint64_t delay_max_ms;
};

/* Adds to a counter of this thread's own: one writer, so a plain add; the
 * atomic type makes the relaxed reads of other threads (sums) defined. */
static inline void stat_add(_Atomic uint64_t *c, uint64_t v)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v,
			      memory_order_relaxed);
}

/* Thread bodies; arg is a struct pipeline_worker. */
struct pipeline_worker {
	struct pipeline *p;
	unsigned id;
};

struct pipeline {
	/* What decoders read of the configuration: snapshots that SIGHUP
	 * publishes (settings.h), never written under a running decoder. */
	struct settings settings;
	pipeline_say_fn *say;           /* the opener's log (pipeline.h) */
	int data_fd;                    /* netlink socket the records arrive on */
	unsigned listeners, decoders;
	unsigned listeners_started, decoders_started;
	uint64_t started_ms;            /* wall clock at open: metrics' start time */
	bool stopped;                   /* pipeline_stop() has run */
	bool mpsc;
	atomic_bool ring_drop;          /* ring_full = drop; SIGHUP may change it */
	struct ring *ring[PIPELINE_MAX_DECODERS];
	struct damage *damage[PIPELINE_MAX_DECODERS]; /* one per ring */
	struct proctable *procs;        /* process context; NULL when off */
	struct procwatch *procwatch;    /* the process events; NULL when not followed */
	struct sink *json_sink;         /* NULL when that output is off */
	struct sink *raw_sink;
	struct sink *enriched_sink;
	struct sink *stdout_sink;
	struct sink *divert_sink;       /* filters' divert file; NULL: none */
	struct filters *filters;        /* the decoders' filter set and its counts */
	struct sink *primary_sink;      /* the log progress notes positions in */
	uint32_t own_serial;            /* the next DAEMON_* record's (own-record.c); 0: unset */
	struct logkeep *logkeep;        /* the log files' care (main thread); NULL: none */
	struct progress *progress;      /* NULL: no note (no log file) */
	struct dispatch *dispatch;      /* the plugins' queues; NULL: no plugin */
	struct nats_out *nats;          /* output = nats; NULL: off */
	bool plugins_stopped;           /* pipeline_stop_plugins() has run */
	struct progress_seed seed[PIPELINE_MAX_DECODERS]; /* where a restart starts */
	/* Wall clock (ms) just before needle registered (or joined the
	 * multicast group): records stamped from then on are live, older
	 * ones were held by the kernel or queued before. 0: not yet. */
	_Atomic uint64_t live_since_ms;
	/* Set just before needle unregisters with rules loaded: the kernel's
	 * record of it (CONFIG_CHANGE audit_pid=0 old=PID) then has no system
	 * call to belong to, so it is an event of its own (ctl-child.h says
	 * why). 0: none expected. */
	_Atomic uint32_t lone_unregister_pid;

	atomic_bool stop_listeners;     /* drain the socket, then exit */
	atomic_bool stop_decoders;      /* drain the rings, then exit */
	/* Per ring: listeners give up waiting on it (its decoder failed, or
	 * start-up failed) and count what they drop as abandoned. */
	atomic_bool abort_blocking[PIPELINE_MAX_DECODERS];

	/* A thread that cannot go on says why (pipeline_fail) and wakes the
	 * main thread, which stops needle. */
	_Atomic int failure_state;      /* 0 none, 1 being written, 2 written */
	_Atomic unsigned failures;      /* threads failed; the first one's cause kept */
	char failure[256];
	pthread_t main_thread;          /* woken with PIPELINE_WAKE_SIGNAL */
	atomic_bool listener_failed[PIPELINE_MAX_LISTENERS];
	atomic_bool decoder_failed[PIPELINE_MAX_DECODERS];

	/* The ack of our AUDIT_SET pid, seen by a listener among the records. */
	_Atomic int64_t ack_seq;        /* sequence to watch, -1 for none */
	_Atomic int ack_error;          /* the kernel's answer once ack_seen */
	atomic_bool ack_seen;

	struct listener_counters lstats[PIPELINE_MAX_LISTENERS];
	struct decoder_counters dstats[PIPELINE_MAX_DECODERS];
	pthread_t listener_thread[PIPELINE_MAX_LISTENERS];
	pthread_t decoder_thread[PIPELINE_MAX_DECODERS];
	struct pipeline_worker listener_worker[PIPELINE_MAX_LISTENERS];
	struct pipeline_worker decoder_worker[PIPELINE_MAX_DECODERS];
};

void *listener_main(void *arg);
void *decoder_main(void *arg);

/* Runs listener id's loop in the calling thread, once its thread has been
 * joined: with stop_listeners set it takes what the socket holds and
 * returns. How a failed listener's socket is still drained at stop. */
void listener_run(struct pipeline *p, unsigned id);

/* A pipeline thread that cannot go on: keeps the first cause (printf
 * format), counts the failure and wakes the main thread. Any thread. */
void pipeline_fail(struct pipeline *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What the pipeline did, said at close (sums.c). */
void pipeline_say_summary(const struct pipeline *p);

#endif
