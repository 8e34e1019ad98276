/* SPDX-License-Identifier: MIT */
/*
 * nats-out: the output that leaves the host. Each event is one message to
 * a NATS JetStream stream, written to a spool on disk first and sent from
 * there, in order; forgotten once the stream has acknowledged it.
 *
 *   decoder[i] --nats_out_put(batch)--> queue       bytes, bounded (queue_bytes);
 *                                         |         full: the batch is lost, counted
 *                                         v
 *                                    spooler        one thread: spool_append (spool.h)
 *                                         |         spool full: refused, counted lost
 *                                         v
 *                                    log_dir/spool  segment files, crash-safe
 *                                         |
 *                                         v
 *                                    sender         one thread: spool_read from the
 *                                         |         first unacknowledged message,
 *                                         |         js_PublishMsgAsync, at most
 *                                         |         max_pending unacknowledged
 *                                         v
 *                                    JetStream --acks (libnats' thread)--> acked[]:
 *                                         the contiguous floor --> spool_ack
 *
 * Every message carries Nats-Msg-Id (HOST/ID: nats-msg.h), Needle-Host
 * and Needle-Format. After a failed publish, a negative acknowledgement,
 * none for ack_wait_ms while messages are in flight, or a reconnection, the sender drops what
 * it has in flight and sends again from the first unacknowledged message;
 * the stream's duplicate window stores a resent message once. So an event
 * handed over is, at any time, in the spool, acknowledged by the stream,
 * or counted lost (queue full, spool full, spool write failed, refused
 * for good by the stream): nothing in between. The spool survives a stop,
 * a SIGKILL, a restart; what waits in it goes first at the next start.
 *
 * Decoders never wait on the network or the disk: nats_out_put copies a
 * batch under the queue's mutex (once per batch, never per event) or
 * counts it lost. The two threads share the spool under a mutex of its
 * own; only the sender talks to the network (connection, stream, publish),
 * so a slow or absent cluster never holds up the spooler. A broken
 * connection is made anew by the sender, every second, never giving up
 * (not by libnats, which would send what it buffered ahead of what the
 * sender sends again: nats-conn.c); libnats' callbacks and the
 * acknowledgements arrive on its threads and only set counters and flags.
 *
 * Nothing here logs: what the log should say (connected, disconnected,
 * errors, the stream made) waits in nats_out_news() for the main thread.
 */
#ifndef NEEDLE_NATS_OUT_H
#define NEEDLE_NATS_OUT_H

#include "nats-msg.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The decoders' queue, and how often a decoder hands its batch over (or
 * at each of its flushes). */
#define NATS_OUT_QUEUE (64u << 20)
#define NATS_OUT_BATCH 65536
/* How long the stream may take to acknowledge a message before it is
 * sent again. */
#define NATS_OUT_ACK_WAIT_MS 5000

struct nats_out_settings {
	char urls[256];            /* comma-separated nats:// or tls:// URLs */
	char stream[64];
	char subject[NATS_SUBJECT_MAX]; /* the template (nats-msg.h) */
	bool raw;                  /* payload: the RAW lines, else the JSON line */
	char creds[256], user[128], password[128], token[256]; /* "" none */
	char tls_ca[256], tls_cert[256], tls_key[256];
	unsigned replicas;         /* for a stream made here */
	uint64_t max_age_s;        /* 0: none */
	uint64_t max_bytes;        /* 0: none */
	unsigned duplicate_window_s;
	unsigned max_pending;      /* messages sent and not acknowledged, at most */
	uint64_t spool_max;        /* bytes */
	char spool_dir[300];
	char host[NATS_HOST_MAX];  /* "" : gethostname() */
	uint64_t queue_bytes;      /* 0: NATS_OUT_QUEUE */
	unsigned ack_wait_ms;      /* 0: NATS_OUT_ACK_WAIT_MS */
};

/* A copy of the output's figures. */
struct nats_out_stats {
	bool connected;
	char server[128];          /* connected to, else the first URL ("" none) */
	uint64_t events;           /* handed over by the decoders */
	uint64_t spooled;          /* of them, written to the spool */
	uint64_t spooled_bytes;
	uint64_t lost_queue;       /* the queue was full */
	uint64_t lost_spool;       /* the spool was full (spool_max) */
	uint64_t lost_error;       /* not formatted (memory), spool write failed */
	uint64_t rejected;         /* refused for good by the stream (too large) */
	uint64_t spool_errors;     /* failed spool writes and reads */
	uint64_t published;        /* publishes, resends included */
	uint64_t acked;            /* positive acknowledgements (duplicates included) */
	uint64_t duplicates;       /* of them, of a message the stream had already */
	uint64_t failed;           /* publishes failed, refused, or not acknowledged in time */
	uint64_t pending;          /* sent, not yet acknowledged */
	uint64_t reconnects;
	uint64_t started_ms, last_ack_ms; /* wall clock; 0: none yet */
	uint64_t spool_bytes, spool_events, spool_oldest_ms; /* spool.h's stats */
	uint64_t torn_bytes;       /* cut off a torn spool at start */
	uint64_t queued_bytes, queue_capacity;
};

/* Events the output lost (what needle_lost_events_total{cause="sink"}
 * counts of it): never written to the spool, or refused by the stream. */
static inline uint64_t nats_out_lost(const struct nats_out_stats *s)
{
	return s->lost_queue + s->lost_spool + s->lost_error + s->rejected;
}

struct nats_out;

/* How nats_out_open says what went wrong (the opener's log), one line. */
typedef void nats_out_say_fn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Opens the spool, connects, and makes sure of the stream; nothing runs
 * yet. A cluster that cannot be reached is not an error: said, and
 * the sender keeps trying (the spool takes the events meanwhile). Refused
 * credentials or TLS, JetStream off, a spool that cannot be opened are:
 * -errno having said why. */
int nats_out_open(const struct nats_out_settings *s, nats_out_say_fn *say,
		  struct nats_out **ret);

/* Starts the spooler and the sender. 0 or -errno. */
int nats_out_start(struct nats_out *o);

/* What a decoder builds its messages with (never change). */
const struct nats_template *nats_out_template(const struct nats_out *o);
const char *nats_out_host(const struct nats_out *o, size_t *ret_len);
bool nats_out_raw(const struct nats_out *o);

/* A batch of events (nats_msg_begin/end), copied into the queue, or lost
 * and counted when it does not fit. Any thread; never waits but for the
 * queue's mutex. */
void nats_out_put(struct nats_out *o, const void *data, size_t len, uint64_t events);

/* Events that could not be made into messages (out of memory). */
void nats_out_count_lost(struct nats_out *o, uint64_t events);

/* After the decoders stopped: the queue goes to the spool, then the
 * sender sends what it can for at most drain_ms while the cluster is
 * there; the rest stays in the spool for the next start. Once. */
void nats_out_stop(struct nats_out *o, unsigned drain_ms);

void nats_out_free(struct nats_out *o);

/* Any thread. */
void nats_out_get_stats(struct nats_out *o, struct nats_out_stats *ret);

/* The lines the log should say since the last call, joined by '\n' into
 * buf (empty: none). Main thread. */
void nats_out_news(struct nats_out *o, char *buf, size_t size);

#endif
