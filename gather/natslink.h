/* SPDX-License-Identifier: MIT */
/*
 * natslink: needle gather's side of NATS JetStream, the one file that
 * speaks libnats (its natsStatus and JetStream error codes are turned into
 * -errno and a sentence here: nothing above sees them).
 *
 *   connect (servers, credentials, TLS: pipeline/nats-endpoint.h, as
 *   needle run's output sets them) --> the stream exists? --> a pull
 *   consumer: a durable one (made when missing, resumed when there) or an
 *   ephemeral one (--follow) --> fetch a batch --> per message: headers,
 *   payload, then ack / nak / term --> batch done --> fetch ...
 *
 * Connection: failing at the start is an error (the caller exits); once
 * connected, libnats reconnects without end (every second, to any server
 * of the list), and natslink_take_news() says what happened meanwhile.
 * Acknowledgements are explicit: a message not acknowledged within the
 * consumer's ack wait is delivered again, so a batch lost with the
 * connection (or with gather) comes again. Single-threaded, but for the
 * connection callbacks (libnats's threads), which only set atomics.
 */
#ifndef NEEDLE_NATSLINK_H
#define NEEDLE_NATSLINK_H

#include "nats-endpoint.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NATSLINK_ERR_MAX 512

struct natslink_consumer {
	const char *stream;
	const char *durable;       /* NULL: an ephemeral consumer */
	const char *subject;       /* filter subject; NULL: the stream's */
	int64_t since_ns;          /* a new consumer starts at this time; 0: see below */
	bool deliver_new;          /* (since_ns 0) only messages stored from now */
	int64_t ack_wait_ms;       /* a new consumer's ack wait */
	int64_t max_ack_pending;   /* a new consumer's bound on unacknowledged messages */
};

struct natslink;

/* Connects. 0; -EINVAL (a bad URL, a TLS file that does not load),
 * -EHOSTUNREACH (no server answered), -EACCES (credentials refused),
 * -EPROTO, -ENOMEM; err says which and what to do. */
int natslink_connect(const struct nats_endpoint *o, struct natslink **ret, char *err,
		     size_t err_size);

/* Sends what is in flight (acknowledgements), closes, and closes the NATS
 * library, waiting for its threads to end (so no callback of theirs runs
 * on freed memory): once per process. NULL is fine. */
void natslink_close(struct natslink *l);

/* The server in use, "" when none. */
const char *natslink_server(struct natslink *l);

/* Binds to the consumer c describes. 0; -ENOENT (no such stream),
 * -ENOTSUP (JetStream is not enabled), -EEXIST (since_ns given for a
 * durable that already exists: it resumes where it left off), -EINVAL (an
 * existing durable's filter is not c->subject), another -errno; err says. */
int natslink_subscribe(struct natslink *l, const struct natslink_consumer *c, char *err,
		       size_t err_size);

/* The name of the consumer bound to (an ephemeral one's, the server's). */
const char *natslink_consumer_name(struct natslink *l);

/* Fetches up to max messages, waiting up to timeout_ms for the first.
 * Returns how many (0: none came), or -EAGAIN (disconnected, or an error
 * err says: try again), -ENOTCONN (the connection is closed for good).
 * The messages stay until natslink_batch_done(). */
int natslink_fetch(struct natslink *l, unsigned max, int timeout_ms, char *err, size_t err_size);

/* Message i of the batch: a header's value (NULL when it has none), its
 * payload, its subject, its stream sequence and how often it was
 * delivered (1 the first time). */
const char *natslink_header(struct natslink *l, unsigned i, const char *key);
void natslink_payload(struct natslink *l, unsigned i, const char **ret_data, size_t *ret_len);
const char *natslink_subject(struct natslink *l, unsigned i);
void natslink_sequence(struct natslink *l, unsigned i, uint64_t *ret_stream_seq,
		       uint64_t *ret_delivered);

/* Acknowledges message i (written, or a repeat); asks for it again after
 * delay_ms (nak: not written now); or tells the server never to send it
 * again (term: not one of needle's events). 0 or -EIO (not sent: the
 * message comes again after the ack wait). */
int natslink_ack(struct natslink *l, unsigned i);
int natslink_nak(struct natslink *l, unsigned i, int64_t delay_ms);
int natslink_term(struct natslink *l, unsigned i);

/* Frees the batch's messages. */
void natslink_batch_done(struct natslink *l);

/* What happened to the connection since the last call: disconnections
 * and reconnections counted; the server now in use is natslink_server(). */
struct natslink_news {
	unsigned disconnected, reconnected;
};
void natslink_take_news(struct natslink *l, struct natslink_news *ret);

/* The consumer's state on the server: messages of the stream not yet
 * delivered to it, and delivered but not acknowledged. 0 or -errno. */
int natslink_consumer_state(struct natslink *l, uint64_t *ret_pending,
			    uint64_t *ret_ack_pending);

#endif
