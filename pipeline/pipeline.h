/* SPDX-License-Identifier: MIT */
/*
 * pipeline: what the listener and decoder threads share.
 *
 *   data socket --recvmmsg--> listener[L] --serial % D--> ring[D] --> decoder[D] --> sink
 *
 * A record travels as a struct wire_record followed by the record's text
 * (no NUL). With one listener the rings are spsc; with more, mpsc.
 * Counters are per thread, on their own cache lines, summed when read.
 */
#ifndef NEEDLE_PIPELINE_H
#define NEEDLE_PIPELINE_H

#include "conf.h"
#include "damage.h"
#include "progress.h"
#include "ring.h"
#include "settings.h"
#include "sink.h"

#include <pthread.h>
#include <signal.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>

#define PIPELINE_MAX_LISTENERS 16
#define PIPELINE_MAX_DECODERS 64

/* The kernel's largest audit message (MAX_AUDIT_MESSAGE_LENGTH) plus the
 * netlink header; a datagram larger than the buffer is counted truncated. */
#define AUDIT_DATAGRAM_MAX 8986
#define RECV_BUFFER_SIZE 9216

struct wire_record {
	uint16_t type;   /* nlmsg_type: the audit record type */
	uint16_t flags;  /* WIRE_* */
	uint32_t serial; /* from "audit(S.MS:SERIAL)", 0 if unreadable */
};
#define WIRE_TRUNCATED 1u /* the datagram did not fit the receive buffer */
#define WIRE_NO_STAMP 2u  /* no readable stamp: sent to decoder 0 */

/* Listener counters. X-macro: one name list for the struct and printing. */
#define LISTENER_COUNTERS(X)                                                         \
	X(datagrams, "datagrams received")                                           \
	X(bytes, "bytes received")                                                   \
	X(batches, "recvmmsg calls that returned data")                               \
	X(records, "audit records passed to the rings")                               \
	X(enobufs, "receive buffer overruns (ENOBUFS): records lost in the socket")  \
	X(foreign, "datagrams not from the kernel, dropped")                         \
	X(truncated, "datagrams larger than the receive buffer")                     \
	X(no_stamp, "records without a readable audit(...) stamp")                   \
	X(ring_drops, "records dropped because a ring was full (ring_full = drop)")  \
	X(ring_events_whole, "events a full ring dropped whole (each a serial gap)")  \
	X(ring_events_cut, "events a full ring cut short (each written partial)")     \
	X(control, "netlink control messages (acks, errors)")                        \
	X(abandoned, "records dropped: their ring's decoder had failed (or start-up did)")

struct listener_stats {
	alignas(64)
#define X(name, help) _Atomic uint64_t name;
	LISTENER_COUNTERS(X)
#undef X
	/* Odd while the listener may hold records not yet in a ring (from
	 * just before recvmmsg() to after its commits), even otherwise.
	 * Decoders read it to know when stragglers of an event have landed. */
	_Atomic uint64_t batch_seq;
};

#define DECODER_COUNTERS(X)                                                         \
	X(records, "records taken from the ring")                                 \
	X(events, "whole events written")                                         \
	X(partial_events, "events written as partial (timeout, eviction, stop)") \
	X(late_records, "records that joined an event after its EOE")            \
	X(late_dropped, "records of an event already written: left out, so no id is written twice") \
	X(dropped_records, "records dropped from events over the size cap")      \
	X(open_events, "events being assembled now")                             \
	X(no_stamp, "records without a readable stamp")                          \
	X(serial_gaps, "events missing from the serial sequence (socket or full ring)") \
	X(restart_gaps, "events missing before this needle's first live one (no needle ran)") \
	X(format_errors, "output batches lost to memory or compression errors")   \
	X(abandoned_in_ring, "records left unread in its ring when this decoder failed")

/* Delay from an event's own timestamp to the moment its decoder formats
 * it, as a histogram (upper bounds in milliseconds; the last is +Inf). */
#define DELAY_BUCKETS 11
static const unsigned delay_bucket_ms[DELAY_BUCKETS - 1] = { 1, 5, 10, 50, 100, 500,
							     1000, 2500, 5000, 10000 };

struct decoder_stats {
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

struct pipeline {
	/* What decoders read of the configuration: snapshots that SIGHUP
	 * publishes (settings.h), never written under a running decoder. */
	struct settings settings;
	int data_fd;                    /* netlink socket the records arrive on */
	unsigned listeners, decoders;
	unsigned listeners_started, decoders_started;
	bool mpsc;
	_Atomic int ring_full;          /* enum conf_ring_full; SIGHUP may change it */
	struct ring *ring[PIPELINE_MAX_DECODERS];
	struct damage *damage[PIPELINE_MAX_DECODERS]; /* one per ring */
	struct proctable *procs;        /* process context; NULL when off */
	struct sink *json_sink;         /* NULL when that output is off */
	struct sink *raw_sink;
	struct sink *enriched_sink;
	struct sink *stdout_sink;
	struct sink *primary_sink;      /* the log progress notes positions in */
	struct progress *progress;      /* NULL: no note (no log file) */
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

	struct listener_stats lstats[PIPELINE_MAX_LISTENERS];
	struct decoder_stats dstats[PIPELINE_MAX_DECODERS];
	pthread_t listener_thread[PIPELINE_MAX_LISTENERS];
	pthread_t decoder_thread[PIPELINE_MAX_DECODERS];
};

/* Thread bodies; arg is a struct pipeline_worker. */
struct pipeline_worker {
	struct pipeline *p;
	unsigned id;
};
void *listener_main(void *arg);
void *decoder_main(void *arg);

/* Runs listener id's loop in the calling thread, once its thread has been
 * joined: with stop_listeners set it takes what the socket holds and
 * returns. How a failed listener's socket is still drained at stop. */
void listener_run(struct pipeline *p, unsigned id);

/* Signals: the main thread waits for PIPELINE_WAKE_SIGNAL (a thread
 * failed) beside SIGTERM; PIPELINE_LISTENER_SIGNAL interrupts a listener's
 * recvmmsg at stop, so stop never depends on the receive timeout. */
#define PIPELINE_WAKE_SIGNAL SIGUSR1
#define PIPELINE_LISTENER_SIGNAL SIGUSR2

/* A pipeline thread that cannot go on: keeps the first cause (printf
 * format), counts the failure and wakes the main thread. Any thread. */
void pipeline_fail(struct pipeline *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The first failure's cause, or NULL while no thread has failed. */
const char *pipeline_failure(struct pipeline *p);

/* The outputs in one order (json, raw, enriched, stdout); NULL when off. */
#define PIPELINE_OUTPUTS 4
static inline void pipeline_outputs(const struct pipeline *p, struct sink *ret[PIPELINE_OUTPUTS])
{
	ret[0] = p->json_sink;
	ret[1] = p->raw_sink;
	ret[2] = p->enriched_sink;
	ret[3] = p->stdout_sink;
}

/* Events written (or, with lost, lost in failed writes) over all outputs. */
static inline uint64_t pipeline_sum_outputs(const struct pipeline *p, bool lost)
{
	struct sink *outs[PIPELINE_OUTPUTS];
	uint64_t sum = 0;

	pipeline_outputs(p, outs);
	for (unsigned i = 0; i < PIPELINE_OUTPUTS; i++)
		if (outs[i]) {
			struct sink_stats st;

			sink_get_stats(outs[i], &st);
			sum += lost ? st.lost_events : st.events;
		}
	return sum;
}

/* Sums of the per-thread counters. */
void pipeline_sum_listeners(const struct pipeline *p, struct listener_stats *ret);
void pipeline_sum_decoders(const struct pipeline *p, struct decoder_stats *ret);

#endif
