/* SPDX-License-Identifier: MIT */
/*
 * listener: drains the audit socket into the rings.
 *
 * One recvmmsg() takes up to LISTENER_BATCH datagrams; their records are
 * grouped by shard (serial % decoders) and each shard's group is copied into
 * its ring under one reservation and one commit. No syscall, allocation or
 * lock per record. Lengths come from recvmmsg, never from nlmsg_len, which
 * the kernel sets to the payload length only on audit records.
 */
#include "threads.h"
#include "damage.h"
#include "fault.h"
#include "stamp.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define LISTENER_BATCH 64
#define LISTENER_GATHER_NS 250000

#define relaxed memory_order_relaxed

struct pending {
	const char *text;
	uint32_t len;
	struct wire_record w;
};

static bool reserve(struct pipeline *p, unsigned s, bool may_drop, size_t bytes,
		    struct ring_span *span)
{
	struct ring *r = p->ring[s];

	if (may_drop)
		return (p->mpsc ? ring_reserve_mpsc_try : ring_reserve_spsc_try)(r, bytes, span);
	return (p->mpsc ? ring_reserve_mpsc_blocking : ring_reserve_spsc_blocking)(
		r, bytes, span, &p->abort_blocking[s]);
}

/* Drops one record, noting its event as damaged (see damage.h); rest:
 * the ring had room, but an earlier record of the event was dropped. */
static void drop_record(struct listener_counters *st, struct ring *r, struct damage *dm,
			const struct pending *rec, bool rest)
{
	ring_count_drop(r, 1, rec->len);
	if (rest)
		atomic_fetch_add_explicit(&dm->rest_dropped, 1, relaxed);
	stat_add(&st->ring_drops, 1);
	switch (damage_note(dm, rec->w.serial)) {
	case DAMAGE_WHOLE: stat_add(&st->ring_events_whole, 1); break;
	case DAMAGE_CUT: stat_add(&st->ring_events_cut, 1); break;
	case DAMAGE_KNOWN: break;
	}
}

/* Copies n records into shard s's ring, as few reservations as the ring
 * allows (usually one); returns how many went in. A record whose event
 * already lost a record to a full ring is dropped too. */
static unsigned push_shard(struct pipeline *p, struct listener_counters *st, unsigned s,
			   const struct pending *recs, const unsigned *idx, unsigned n)
{
	struct ring *r = p->ring[s];
	struct damage *dm = p->damage[s];
	/* relaxed: a policy switch; either answer is safe for any batch. */
	bool may_drop = atomic_load_explicit(&p->ring_drop, relaxed);
	unsigned pushed = 0, first = 0;

	while (first < n) {
		unsigned take[LISTENER_BATCH], k = 0, last;
		struct ring_span span;
		size_t bytes = 0;

		for (last = first; last < n; last++) {
			const struct pending *rec = &recs[idx[last]];
			size_t sz = ring_record_size(sizeof(struct wire_record) + rec->len);

			if (may_drop && damage_has(dm, rec->w.serial)) {
				drop_record(st, r, dm, rec, true);
				continue;
			}
			if (bytes + sz > ring_max_reserve(r))
				break;
			bytes += sz;
			take[k++] = idx[last];
		}
		first = last;
		if (!k)
			continue;
		if (!reserve(p, s, may_drop, bytes, &span)) {
			if (!may_drop) {
				/* Waiting given up: the ring's decoder failed (or
				 * start-up did). Nobody will read these. */
				ring_count_drop(r, k, bytes);
				stat_add(&st->abandoned, k);
				continue;
			}
			for (unsigned i = 0; i < k; i++)
				drop_record(st, r, dm, &recs[take[i]], false);
			continue;
		}
		for (unsigned i = 0; i < k; i++) {
			const struct pending *rec = &recs[take[i]];
			unsigned char *dst = ring_span_add(r, &span, sizeof(rec->w) + rec->len);

			memcpy(dst, &rec->w, sizeof(rec->w));
			memcpy(dst + sizeof(rec->w), rec->text, rec->len);
			if (may_drop)
				damage_committed(dm, rec->w.serial);
		}
		(p->mpsc ? ring_commit_mpsc : ring_commit_spsc)(r, &span);
		pushed += k;
	}
	return pushed;
}

/* An NLMSG_ERROR: the ack (or refusal) of a request sent on this socket. */
static void take_ack(struct pipeline *p, const unsigned char *buf, size_t len)
{
	const struct nlmsgerr *e = (const void *)(buf + NLMSG_HDRLEN);

	if (len < NLMSG_HDRLEN + sizeof(*e))
		return;
	if ((int64_t)e->msg.nlmsg_seq != atomic_load(&p->ack_seq))
		return;
	atomic_store(&p->ack_error, e->error);
	atomic_store(&p->ack_seen, true);
}

/* A failure this listener cannot go past: said, and needle stops. */
static void fail(struct pipeline *p, unsigned id, const char *what, int err)
{
	atomic_store(&p->listener_failed[id], true);
	pipeline_fail(p, "listener %u: %s: %s", id, what, strerror(err));
}

static void ignore_signal(int sig)
{
	(void)sig; /* only here to interrupt recvmmsg() */
}

void listener_run(struct pipeline *p, unsigned id)
{
	struct listener_counters *st = &p->lstats[id];
	struct mmsghdr msgs[LISTENER_BATCH];
	struct iovec iov[LISTENER_BATCH];
	struct sockaddr_nl from[LISTENER_BATCH];
	struct pending recs[LISTENER_BATCH];
	unsigned shard_idx[PIPELINE_MAX_DECODERS][LISTENER_BATCH];
	unsigned shard_n[PIPELINE_MAX_DECODERS];
	/* Test only (fault.h): listener 0's allocation fails. */
	unsigned char *bufs = id == 0 && fault_take(FAULT_LISTENER_ALLOC)
				      ? (errno = ENOMEM, NULL)
				      : malloc((size_t)LISTENER_BATCH * RECV_BUFFER_SIZE);
	/* Carry on from what the slot's last user (a failed thread) left:
	 * decoders compare it with what they saw before. */
	uint64_t batch_seq = atomic_load_explicit(&st->batch_seq, relaxed);

	if (batch_seq & 1)
		batch_seq++;
	if (!bufs) {
		fail(p, id, "cannot allocate the receive buffers", errno);
		return;
	}
	for (;;) {
		int n, flags = MSG_WAITFORONE;
		unsigned nrec = 0;

		for (unsigned i = 0; i < LISTENER_BATCH; i++) {
			iov[i] = (struct iovec){ bufs + (size_t)i * RECV_BUFFER_SIZE, RECV_BUFFER_SIZE };
			msgs[i].msg_hdr = (struct msghdr){ .msg_name = &from[i],
							   .msg_namelen = sizeof(from[i]),
							   .msg_iov = &iov[i],
							   .msg_iovlen = 1 };
		}
		/* Once asked to stop, take what is queued without waiting. */
		if (atomic_load_explicit(&p->stop_listeners, memory_order_acquire))
			flags |= MSG_DONTWAIT;
		/* release: odd from before the receive until after the commits
		 * (pairs with the decoders' acquire loads). */
		atomic_store_explicit(&st->batch_seq, ++batch_seq, memory_order_release);
		/* Test only (fault.h): an unexpected error once N records are in. */
		if (id == 0 && fault_armed(FAULT_LISTENER_RECV) &&
		    atomic_load_explicit(&st->records, relaxed) >= fault_after() &&
		    fault_take(FAULT_LISTENER_RECV)) {
			n = -1;
			errno = EIO;
		} else {
			n = recvmmsg(p->data_fd, msgs, LISTENER_BATCH, flags, NULL);
		}
		if (n <= 0)
			atomic_store_explicit(&st->batch_seq, ++batch_seq, memory_order_release);
		if (n < 0) {
			if (errno == ENOBUFS) {
				/* The kernel dropped records on our socket: lost. */
				stat_add(&st->enobufs, 1);
				continue;
			}
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (atomic_load_explicit(&p->stop_listeners, memory_order_acquire) &&
				    (flags & MSG_DONTWAIT))
					break;
				continue; /* receive timeout: look at the stop flag */
			}
			/* Nothing else is expected from a netlink socket the
			 * daemon holds open until every listener has ended. */
			fail(p, id, "recvmmsg failed", errno);
			break;
		}
		stat_add(&st->batches, 1);
		memset(shard_n, 0, sizeof(unsigned) * p->decoders);
		for (int i = 0; i < n; i++) {
			unsigned char *buf = iov[i].iov_base;
			size_t len = msgs[i].msg_len;
			const struct nlmsghdr *h = (const void *)buf;
			struct audit_stamp stamp;
			struct pending *rec;
			unsigned shard;
			int n_stamp;

			stat_add(&st->datagrams, 1);
			stat_add(&st->bytes, len);
			/* Only the kernel (port 0) speaks for audit. */
			if (from[i].nl_pid != 0) {
				stat_add(&st->foreign, 1);
				continue;
			}
			if (len < NLMSG_HDRLEN)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				stat_add(&st->control, 1);
				take_ack(p, buf, len);
				continue;
			}
			/* Audit records are types 1000 and up; below is netlink's own.
			 * AUDIT_REPLACE is the kernel asking whether we are alive. */
			if (h->nlmsg_type < 1000 || h->nlmsg_type == AUDIT_REPLACE) {
				stat_add(&st->control, 1);
				continue;
			}
			rec = &recs[nrec];
			rec->text = (const char *)buf + NLMSG_HDRLEN;
			rec->len = (uint32_t)(len - NLMSG_HDRLEN);
			/* The kernel may end the text with NUL or newline. */
			while (rec->len && (rec->text[rec->len - 1] == '\0' ||
					    rec->text[rec->len - 1] == '\n'))
				rec->len--;
			rec->w = (struct wire_record){ .type = h->nlmsg_type };
			if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
				rec->w.flags |= WIRE_TRUNCATED;
				stat_add(&st->truncated, 1);
			}
			if ((n_stamp = decode_stamp(rec->text, rec->len, &stamp)) >= 0) {
				rec->w.serial = stamp.serial;
				rec->w.sec = stamp.sec;
				rec->w.msec = (uint16_t)stamp.msec;
				rec->w.body = (uint16_t)n_stamp;
			} else {
				rec->w.flags |= WIRE_NO_STAMP;
				stat_add(&st->no_stamp, 1);
			}
			shard = rec->w.serial % p->decoders;
			shard_idx[shard][shard_n[shard]++] = nrec++;
		}
		for (unsigned s = 0; s < p->decoders; s++)
			if (shard_n[s])
				stat_add(&st->records,
					 push_shard(p, st, s, recs, shard_idx[s], shard_n[s]));
		/* release: every record of this batch is committed. */
		atomic_store_explicit(&st->batch_seq, ++batch_seq, memory_order_release);
		/* A small batch: records trickle in. Let them gather in the socket
		 * (its buffer holds far more than they bring in this pause) and
		 * take them with one call: fewer wake-ups for us and for the
		 * audited processes' CPU, at most LISTENER_GATHER_NS more delay. */
		if (n < LISTENER_BATCH / 4 &&
		    !atomic_load_explicit(&p->stop_listeners, memory_order_relaxed)) {
			struct timespec ts = { 0, LISTENER_GATHER_NS };

			nanosleep(&ts, NULL);
		}
	}
	free(bufs);
}

void *listener_main(void *arg)
{
	struct pipeline_worker *wk = arg;
	/* No SA_RESTART: the point is that recvmmsg() returns EINTR. */
	struct sigaction sa = { .sa_handler = ignore_signal };
	sigset_t wake;

	/* Only listeners take PIPELINE_LISTENER_SIGNAL: at stop it ends a
	 * recvmmsg() that no receive timeout would (see pipeline_stop()). */
	sigemptyset(&sa.sa_mask);
	sigaction(PIPELINE_LISTENER_SIGNAL, &sa, NULL);
	sigemptyset(&wake);
	sigaddset(&wake, PIPELINE_LISTENER_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &wake, NULL);
	listener_run(wk->p, wk->id);
	return NULL;
}
