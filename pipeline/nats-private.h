/* SPDX-License-Identifier: MIT */
/*
 * nats-private: what the NATS output's two files share. Private to
 * pipeline/: everything outside goes through nats-out.h.
 *
 *   nats-out.c   open and close, the decoders' queue, the spooler thread,
 *                figures, the news for the log
 *   nats-conn.c  the connection (its options: nats-endpoint.h's servers,
 *                credentials and TLS, and needle's own; callbacks) and the
 *                stream
 *   nats-send.c  the sender thread: publishes, acks, rewinds
 *
 * Locks, never two at once (so no order to keep): qlock (the queue),
 * slock (the spool: the spooler appends, the sender reads and acks, a
 * reader of the figures asks its stats), alock (what the acknowledgements
 * and libnats' callbacks change: the acked window, the map of messages in
 * flight, the flags the sender acts on), nlock (the news).
 */
#ifndef NEEDLE_NATS_PRIVATE_H
#define NEEDLE_NATS_PRIVATE_H

#include "nats-endpoint.h"
#include "nats-out.h"
#include "spool.h"

#include <nats/nats.h>
#include <pthread.h>
#include <stdatomic.h>

/* Messages in flight, by the natsMsg the acknowledgement hands back:
 * open addressing, more than twice as many slots as max_pending. */
struct nats_map {
	uintptr_t *key; /* 0: free */
	uint64_t *seq;
	size_t mask;
	size_t count;
};

struct nats_out {
	struct nats_out_settings s;
	struct nats_template tmpl;
	char host[NATS_HOST_MAX];
	size_t host_len;
	uint64_t started_ms;

	/* The decoders' queue: they append to qbuf[qactive]; the spooler
	 * swaps the two and empties the other with the lock released. */
	pthread_mutex_t qlock;
	pthread_cond_t qcond;
	char *qbuf[2];
	size_t qlen, qcap;
	uint64_t qevents;
	unsigned qactive;

	pthread_mutex_t slock;
	struct spool *spool;
	uint64_t torn_bytes;

	/* Under alock. Every seq at or below floor is acknowledged (or
	 * refused for good); acked[seq % window] for those above it. */
	pthread_mutex_t alock;
	pthread_cond_t acond;   /* the sender waits on it: acks, appends, events */
	uint64_t floor;
	uint8_t *acked;
	unsigned window;        /* max_pending */
	struct nats_map map;
	uint64_t inflight;
	bool rewind;            /* send again from floor + 1 */
	bool rewind_later;      /* after an error: not before a pause */
	bool stream_check;      /* the stream may be gone: look again */
	bool connection_event;  /* (re)connected, disconnected or closed */
	/* The sender waits: acknowledgements wake it once a batch's worth
	 * of room is free (or nothing is in flight), not at each one. */
	bool waiting;
	unsigned acks_since_wait;
	/* Seqs the spool cut out (a bad record: spool.h) between the floor
	 * and what was read: the floor jumps over them. 0: none. */
	uint64_t gap_from, gap_to;
	char error[256];        /* the last error, for the news */
	char server[128];

	/* The sender's own. */
	natsConnection *nc;
	jsCtx *js;
	bool js_published;      /* js has a successful async publish behind it
				 * (libnats 3.4.1's js_PublishAsyncGetPendingList
				 * crashes before its pending table exists) */
	bool stream_ok;
	uint64_t next_send;
	uint64_t spool_next;    /* the seq the next append gets, as last seen */
	bool was_connected;
	bool ever_connected;    /* a later connection counts as a reconnection */
	uint64_t spool_lost;    /* the spool's stats.lost, as last counted */

	pthread_t spooler, sender;
	bool spooler_started, sender_started;
	atomic_bool stop;        /* the decoders have stopped: drain */
	atomic_bool spooler_done;
	_Atomic uint64_t drain_until_ms; /* monotonic: the sender gives up then */
	atomic_bool connected;

	_Atomic uint64_t events, spooled, spooled_bytes, lost_queue, lost_spool, lost_error,
		rejected, spool_errors, published, acked_count, duplicates, failed, reconnects,
		last_ack_ms;

	pthread_mutex_t nlock;
	char news[4096];
	size_t news_len;
	unsigned news_dropped;
	char news_last[256];
	uint64_t news_last_ms;
};

/* nats-conn.c. nats_send_open connects (in the opener's thread) and says
 * through say what it cannot; 0, or -errno for a fatal setting
 * (credentials, TLS, JetStream off, more replicas than servers). The rest
 * from the sender's thread: a new connection (once, within the connect
 * timeout of each server of nats_url; NATS_OK, or why says why not); the stream
 * found or made (0; 1: a setting the cluster refuses; -1: try again; why
 * says); the connection dropped; nats_send_close at free waits for
 * libnats' threads. */
int nats_send_open(struct nats_out *o, nats_out_say_fn *say);
natsStatus nats_connect(struct nats_out *o, char *why, size_t size);
int nats_ensure_stream(struct nats_out *o, char *why, size_t size);
void nats_drop_connection(struct nats_out *o);
void nats_send_close(struct nats_out *o);
/* The server connected to (else the first of nats_url), fit for a label. */
void nats_connected_url(struct nats_out *o, char *buf, size_t size);

/* nats-send.c: the sender's thread, and libnats' acknowledgement handler;
 * what libnats has in flight taken back from it (its acknowledgements, if
 * any come, ignored), and the map of what is in flight emptied (a
 * connection closed: nothing on it is acknowledged any more). */
void *nats_send_main(void *arg);
void nats_take_pending(struct nats_out *o);
void nats_forget_in_flight(struct nats_out *o);
void nats_on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure);

/* A line for the log (printf format); the same line again within 10 s is
 * dropped. Any thread. */
void nats_out_tell(struct nats_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
