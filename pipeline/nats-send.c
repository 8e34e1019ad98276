/* SPDX-License-Identifier: MIT */
/*
 * nats-send.c: the NATS output's sender (nats-out.h draws the output).
 *
 *   spool --spool_read(next_send..)--> js_PublishMsgAsync --> JetStream
 *     ^                                  | map[natsMsg] = seq  |
 *     | spool_ack(floor), every 100 ms   v                     v
 *   floor <-- acked[seq % window] <-- on_ack (libnats' thread): ack, error, timeout
 *
 * The window: a message is sent only when its seq is at most floor +
 * max_pending and fewer than max_pending are in flight, so acked[] (one
 * byte per seq above the floor) never wraps. The floor moves over the
 * contiguous acknowledged seqs; the spool forgets what is below it.
 *
 * A rewind (an error, no acknowledgement moving the floor for ack_wait_ms
 * while messages are in flight, a reconnection): the messages still in flight are taken back from libnats
 * (their acknowledgements, if any come, are ignored), and sending starts
 * again at floor + 1, skipping what was acknowledged above it. The stream
 * stores a resent message once: same Nats-Msg-Id within its duplicate
 * window. After an error (not a reconnection) the sender pauses a second
 * first, so a stream that refuses everything is not hammered.
 *
 * Only this thread calls libnats' connection and JetStream functions
 * after open (nats-conn.c's, and the opener's thread before the sender
 * starts). The callbacks run on libnats' threads and only take alock to
 * set flags.
 */
#include "nats-private.h"
#include "clock.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define relaxed memory_order_relaxed
#define SPOOL_ACK_EVERY_MS 100
#define ERROR_PAUSE_MS 1000
#define STREAM_RETRY_MS 2000
#define RECONNECT_RETRY_MS 1000
#define READ_MAX 256
#define READ_MAX_BYTES (1u << 20)

static void add(_Atomic uint64_t *c, uint64_t v)
{
	atomic_fetch_add_explicit(c, v, relaxed);
}

/* ---- the map of messages in flight (alock held) ---- */

static size_t slot_of(const struct nats_map *m, uintptr_t k)
{
	uint64_t h = (uint64_t)k * 0x9E3779B97F4A7C15ull;

	return (size_t)(h >> 32) & m->mask;
}

static void map_put(struct nats_map *m, uintptr_t k, uint64_t seq)
{
	size_t i = slot_of(m, k);

	while (m->key[i])
		i = (i + 1) & m->mask;
	m->key[i] = k;
	m->seq[i] = seq;
	m->count++;
}

/* Removes k (backward-shift deletion keeps every probe chain whole). */
static bool map_take(struct nats_map *m, uintptr_t k, uint64_t *ret_seq)
{
	size_t i = slot_of(m, k), j;

	while (m->key[i] && m->key[i] != k)
		i = (i + 1) & m->mask;
	if (!m->key[i])
		return false;
	*ret_seq = m->seq[i];
	for (j = i;;) {
		size_t home;

		j = (j + 1) & m->mask;
		if (!m->key[j])
			break;
		home = slot_of(m, m->key[j]);
		/* Move j back to i unless its home lies cyclically in (i, j]. */
		if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
			m->key[i] = m->key[j];
			m->seq[i] = m->seq[j];
			i = j;
		}
	}
	m->key[i] = 0;
	m->count--;
	return true;
}

/* seq is acknowledged (or refused for good): alock held. */
static void mark_done(struct nats_out *o, uint64_t seq)
{
	if (seq > o->floor && seq <= o->floor + o->window)
		o->acked[seq % o->window] = 1;
}

/* ---- libnats' callbacks (its threads) ---- */

void nats_on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
	struct nats_out *o = closure;
	char said[400] = "";
	uint64_t seq;

	pthread_mutex_lock(&o->alock);
	if (map_take(&o->map, (uintptr_t)msg, &seq)) {
		o->inflight = o->map.count;
		if (pa) {
			add(&o->acked_count, 1);
			if (pa->Duplicate)
				add(&o->duplicates, 1);
			atomic_store_explicit(&o->last_ack_ms, clock_wall_ms(), relaxed);
			mark_done(o, seq);
		} else if (pae && pae->ErrCode == JSStreamMessageExceedsMaximumErr) {
			add(&o->rejected, 1);
			mark_done(o, seq);
			snprintf(said, sizeof(said), "nats: the stream refused a message as too large "
				 "(%s): that event is lost",
				 pae->ErrText ? pae->ErrText : "max_msg_size");
		} else {
			add(&o->failed, 1);
			if (!o->rewind) {
				o->rewind = true;
				/* A missing acknowledgement is sent again at once;
				 * a refusal after a pause. */
				o->rewind_later = !pae || pae->Err != NATS_TIMEOUT;
				snprintf(o->error, sizeof(o->error), "%s",
					 pae && pae->ErrText ? pae->ErrText
					 : pae ? natsStatus_GetText(pae->Err) : "unknown error");
				snprintf(said, sizeof(said), "nats: publish failed: %s; sending again "
					 "from the first message not acknowledged", o->error);
			}
			if (pae && (pae->Err == NATS_NO_RESPONDERS || pae->ErrCode == JSStreamNotFoundErr))
				o->stream_check = true;
		}
		if (o->waiting && (++o->acks_since_wait > o->window / 8 || !o->map.count || o->rewind))
			pthread_cond_signal(&o->acond);
	}
	pthread_mutex_unlock(&o->alock);
	natsMsg_Destroy(msg);
	if (said[0])
		nats_out_tell(o, "%s", said);
}

/* ---- the sender ---- */

void nats_take_pending(struct nats_out *o)
{
	natsMsgList list = { 0 };
	uint64_t seq;

	if (!o->js || !o->js_published || js_PublishAsyncGetPendingList(&list, o->js) != NATS_OK)
		return;
	pthread_mutex_lock(&o->alock);
	for (int i = 0; i < list.Count; i++)
		if (list.Msgs[i])
			map_take(&o->map, (uintptr_t)list.Msgs[i], &seq);
	o->inflight = o->map.count;
	pthread_mutex_unlock(&o->alock);
	natsMsgList_Destroy(&list);
}

void nats_forget_in_flight(struct nats_out *o)
{
	pthread_mutex_lock(&o->alock);
	memset(o->map.key, 0, (o->map.mask + 1) * sizeof(*o->map.key));
	o->map.count = 0;
	o->inflight = 0;
	pthread_mutex_unlock(&o->alock);
}

/* Takes back what libnats has in flight and starts again at floor + 1. */
static void rewind_now(struct nats_out *o)
{
	nats_take_pending(o);
	pthread_mutex_lock(&o->alock);
	o->rewind = false;
	o->next_send = o->floor + 1;
	pthread_mutex_unlock(&o->alock);
}

/* One message of the spool to the stream. 0, or -1 when sending must
 * stop (a rewind is due). */
static int publish_one(struct nats_out *o, const struct spool_msg *m)
{
	char subject[1024], id[600];
	natsMsg *msg = NULL;
	jsPubOptions po;
	natsStatus s;
	uint64_t seq;

	if (m->subject_len >= sizeof(subject) || m->id_len >= sizeof(id)) {
		pthread_mutex_lock(&o->alock);
		mark_done(o, m->seq);
		pthread_mutex_unlock(&o->alock);
		add(&o->rejected, 1);
		return 0;
	}
	memcpy(subject, m->subject, m->subject_len);
	subject[m->subject_len] = '\0';
	memcpy(id, m->id, m->id_len);
	id[m->id_len] = '\0';
	s = natsMsg_Create(&msg, subject, NULL, m->data, (int)m->data_len);
	if (s == NATS_OK)
		s = natsMsgHeader_Set(msg, "Nats-Msg-Id", id);
	if (s == NATS_OK)
		s = natsMsgHeader_Set(msg, "Needle-Host", o->host);
	if (s == NATS_OK)
		s = natsMsgHeader_Set(msg, "Needle-Format", o->s.raw ? "raw" : "json");
	if (s != NATS_OK) {
		natsMsg_Destroy(msg);
		nats_out_tell(o, "nats: cannot make a message: %s", natsStatus_GetText(s));
		pthread_mutex_lock(&o->alock);
		o->rewind = o->rewind_later = true;
		pthread_mutex_unlock(&o->alock);
		return -1;
	}
	/* In the map before the publish: its acknowledgement may come first. */
	pthread_mutex_lock(&o->alock);
	map_put(&o->map, (uintptr_t)msg, m->seq);
	o->inflight = o->map.count;
	pthread_mutex_unlock(&o->alock);
	/* No MaxWait: libnats would keep a timer entry (two allocations) for
	 * every message; the sender watches the floor instead (ack_overdue). */
	jsPubOptions_Init(&po);
	s = js_PublishMsgAsync(o->js, &msg, &po);
	if (s == NATS_OK) {
		/* Only now: a first publish that fails (the connection just
		 * closed) may leave js without its table of pending ones. */
		o->js_published = true;
		add(&o->published, 1);
		return 0;
	}
	/* Still ours: not sent, or sent and refused at once. */
	pthread_mutex_lock(&o->alock);
	map_take(&o->map, (uintptr_t)msg, &seq);
	o->inflight = o->map.count;
	if (s == NATS_MAX_PAYLOAD) {
		add(&o->rejected, 1);
		mark_done(o, m->seq);
	} else {
		add(&o->failed, 1);
		o->rewind = o->rewind_later = true;
		snprintf(o->error, sizeof(o->error), "%s", nats_last_error(s));
	}
	pthread_mutex_unlock(&o->alock);
	natsMsg_Destroy(msg);
	if (s == NATS_MAX_PAYLOAD) {
		nats_out_tell(o, "nats: an event of %zu bytes is larger than the servers take "
			      "(max_payload): lost", m->data_len);
		return 0;
	}
	nats_out_tell(o, "nats: publish failed: %s; sending again from the first message not "
		      "acknowledged", nats_last_error(s));
	return -1;
}

/* Messages the spool cut (spool.h: a bad record) are lost: counted once,
 * from its stats (slock held). */
static void count_cut(struct nats_out *o, const struct spool_stats *st)
{
	if (st->lost <= o->spool_lost)
		return;
	atomic_fetch_add_explicit(&o->lost_error, st->lost - o->spool_lost, relaxed);
	nats_out_tell(o, "nats: the spool had a bad record (bit rot, or a machine crash): %" PRIu64
		      " messages in it are lost", st->lost - o->spool_lost);
	o->spool_lost = st->lost;
}

/* Seqs from..to are not in the spool (cut): the floor jumps over them
 * once it reaches them. false: another gap waits already. */
static bool note_gap(struct nats_out *o, uint64_t from, uint64_t to)
{
	bool noted;

	pthread_mutex_lock(&o->alock);
	noted = !o->gap_to || o->gap_from == from;
	if (noted) {
		o->gap_from = from;
		o->gap_to = to;
	}
	pthread_mutex_unlock(&o->alock);
	return noted;
}

/* Sends what the window allows from next_send on; how many were sent. */
static size_t send_some(struct nats_out *o, struct spool_batch *b)
{
	struct spool_stats st;
	uint64_t room;
	size_t sent = 0;
	char err[512];
	int r;

	pthread_mutex_lock(&o->alock);
	if (o->next_send <= o->floor)
		o->next_send = o->floor + 1;
	room = o->floor + o->window + 1 - o->next_send;
	if (o->map.count >= o->window)
		room = 0;
	else if (room > o->window - o->map.count)
		room = o->window - o->map.count;
	pthread_mutex_unlock(&o->alock);
	if (!room)
		return 0;
	pthread_mutex_lock(&o->slock);
	spool_get_stats(o->spool, &st);
	o->spool_next = st.next_seq;
	r = o->next_send < st.next_seq
		    ? spool_read(o->spool, o->next_send, room < READ_MAX ? (size_t)room : READ_MAX,
				 READ_MAX_BYTES, b, err, sizeof(err))
		    : (b->count = 0, 0);
	spool_get_stats(o->spool, &st);
	count_cut(o, &st);
	pthread_mutex_unlock(&o->slock);
	if (r < 0) {
		add(&o->spool_errors, 1);
		nats_out_tell(o, "nats: cannot read the spool: %s; trying again", err);
		pthread_mutex_lock(&o->alock);
		o->rewind = o->rewind_later = true;
		pthread_mutex_unlock(&o->alock);
		return 0;
	}
	if (!b->count && o->next_send < st.next_seq && note_gap(o, o->next_send, st.next_seq - 1))
		o->next_send = st.next_seq; /* all the rest was cut */
	for (size_t i = 0; i < b->count; i++) {
		const struct spool_msg *m = &b->msg[i];
		bool skip, beyond;

		if (m->seq > o->next_send && !note_gap(o, o->next_send, m->seq - 1))
			break; /* the floor must pass the gap before this one first */

		pthread_mutex_lock(&o->alock);
		skip = m->seq <= o->floor || o->acked[m->seq % o->window];
		/* Past the window (a gap before it): later. */
		beyond = m->seq > o->floor + o->window;
		pthread_mutex_unlock(&o->alock);
		if (beyond || (!skip && publish_one(o, m) < 0))
			break;
		o->next_send = m->seq + 1;
		sent += !skip;
	}
	return sent;
}

/* Connected or not, as libnats says now; said when it changes. A broken
 * connection is closed (make_options says why libnats does not reconnect
 * by itself) and a new one tried every RECONNECT_RETRY_MS; once made,
 * what was in flight on the old one is sent again, in order. */
static void watch_connection(struct nats_out *o, uint64_t now, uint64_t *retry_at)
{
	natsConnStatus st = o->nc ? natsConnection_Status(o->nc) : NATS_CONN_STATUS_CLOSED;
	bool up = st == NATS_CONN_STATUS_CONNECTED;
	char url[128], why[512];

	if (!up && st == NATS_CONN_STATUS_CLOSED && now >= *retry_at &&
	    !atomic_load_explicit(&o->stop, relaxed)) {
		natsStatus s;

		if (o->nc)
			nats_drop_connection(o);
		*retry_at = now + RECONNECT_RETRY_MS;
		s = nats_connect(o, why, sizeof(why));
		if (s == NATS_OK) {
			up = true;
			if (o->ever_connected)
				atomic_fetch_add_explicit(&o->reconnects, 1, relaxed);
			pthread_mutex_lock(&o->alock);
			o->rewind = true;
			o->rewind_later = false;
			pthread_mutex_unlock(&o->alock);
		} else {
			nats_out_tell(o, "nats: cannot connect to %s: %s; trying again every %d s",
				      o->s.urls, why, RECONNECT_RETRY_MS / 1000);
		}
	}
	if (up != o->was_connected) {
		nats_connected_url(o, url, sizeof(url));
		pthread_mutex_lock(&o->alock);
		snprintf(o->server, sizeof(o->server), "%s", url);
		pthread_mutex_unlock(&o->alock);
		if (up)
			nats_out_tell(o, "nats: connected to %s", url);
		else
			nats_out_tell(o, "nats: disconnected from %s: events wait in the spool until "
				      "a server answers", url);
		atomic_store_explicit(&o->connected, up, relaxed);
		o->was_connected = up;
		o->ever_connected |= up;
	}
}

/* The contiguous acknowledged seqs above the floor: the floor moves. */
static uint64_t advance_floor(struct nats_out *o)
{
	uint64_t floor;

	pthread_mutex_lock(&o->alock);
	for (;;) {
		while (o->acked[(o->floor + 1) % o->window]) {
			o->acked[(o->floor + 1) % o->window] = 0;
			o->floor++;
		}
		if (!o->gap_to || o->gap_from != o->floor + 1)
			break;
		/* Over what the spool cut: its slots (never more than a
		 * window's) belong to no message. */
		for (uint64_t q = o->floor + 1; q <= o->gap_to && q <= o->floor + o->window; q++)
			o->acked[q % o->window] = 0;
		o->floor = o->gap_to;
		o->gap_from = o->gap_to = 0;
	}
	floor = o->floor;
	pthread_mutex_unlock(&o->alock);
	return floor;
}

static void ack_spool(struct nats_out *o, uint64_t floor, uint64_t *on_disk)
{
	char err[512];
	int r;

	if (floor <= *on_disk)
		return;
	pthread_mutex_lock(&o->slock);
	r = spool_ack(o->spool, floor, err, sizeof(err));
	pthread_mutex_unlock(&o->slock);
	if (r < 0) {
		add(&o->spool_errors, 1);
		nats_out_tell(o, "nats: cannot note what the stream acknowledged in the spool: %s "
			      "(after a restart those messages are sent again; the stream drops "
			      "them as duplicates within its window)", err);
		return;
	}
	*on_disk = floor;
}

/* No acknowledgement has moved the floor for ack_wait_ms while messages
 * are in flight: the first of them is taken for lost (its ack, or itself),
 * and everything from it is sent again. One timer for the window, not one
 * per message. */
static void ack_overdue(struct nats_out *o, uint64_t floor, uint64_t now, uint64_t *floor_at,
			uint64_t *last_floor)
{
	bool overdue;

	pthread_mutex_lock(&o->alock);
	if (floor != *last_floor || !o->map.count || o->rewind) {
		*floor_at = now;
		*last_floor = floor;
	}
	overdue = now - *floor_at >= o->s.ack_wait_ms;
	if (overdue) {
		o->rewind = true;
		o->rewind_later = false;
		*floor_at = now;
	}
	pthread_mutex_unlock(&o->alock);
	if (overdue) {
		add(&o->failed, 1);
		nats_out_tell(o, "nats: no acknowledgement of message %" PRIu64 " within %u ms; "
			      "sending again from it", floor + 1, o->s.ack_wait_ms);
	}
}

/* Whether the sender is done: stopping, and everything sent and
 * acknowledged, or no more time, or no cluster to send to. */
static bool drained(struct nats_out *o, uint64_t floor, uint64_t now, bool up)
{
	struct spool_stats st;

	/* acquire: the spooler's last appends are visible after it. */
	if (!atomic_load_explicit(&o->spooler_done, memory_order_acquire))
		return false;
	pthread_mutex_lock(&o->slock);
	spool_get_stats(o->spool, &st);
	pthread_mutex_unlock(&o->slock);
	return floor + 1 >= st.next_seq || !up ||
	       now >= atomic_load_explicit(&o->drain_until_ms, relaxed);
}

void *nats_send_main(void *arg)
{
	struct nats_out *o = arg;
	struct spool_batch batch = { 0 };
	uint64_t on_disk = o->floor, acked_at = 0, pause_until = 0, stream_at = 0, retry_at = 0;
	uint64_t floor_at = clock_mono_ms(), last_floor = o->floor;
	char why[512];

	for (;;) {
		uint64_t now = clock_mono_ms(), floor;
		bool up, rewind, later, check;
		size_t sent = 0;

		watch_connection(o, now, &retry_at);
		up = o->was_connected;
		floor = advance_floor(o);
		if (up)
			ack_overdue(o, floor, now, &floor_at, &last_floor);
		if (now - acked_at >= SPOOL_ACK_EVERY_MS) {
			ack_spool(o, floor, &on_disk);
			acked_at = now;
		}
		if (atomic_load_explicit(&o->stop, memory_order_acquire) && drained(o, floor, now, up))
			break;
		pthread_mutex_lock(&o->alock);
		rewind = o->rewind;
		later = o->rewind_later;
		o->rewind_later = false;
		check = o->stream_check;
		o->stream_check = false;
		o->connection_event = false;
		pthread_mutex_unlock(&o->alock);
		if (later)
			pause_until = now + ERROR_PAUSE_MS;
		if (check)
			o->stream_ok = false;
		if (up && !o->stream_ok && now >= stream_at) {
			if (nats_ensure_stream(o, why, sizeof(why)) != 0) {
				nats_out_tell(o, "nats: warning: stream %s not ready: %s; trying again",
					      o->s.stream, why);
				stream_at = now + STREAM_RETRY_MS;
			}
		}
		if (up && rewind && now >= pause_until) {
			rewind_now(o);
			rewind = false;
		}
		if (up && o->stream_ok && !rewind && now >= pause_until)
			sent = send_some(o, &batch);
		if (!sent) {
			struct timespec until;
			uint64_t wait_ms = 100;

			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += (long)wait_ms * 1000000;
			if (until.tv_nsec >= 1000000000) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000;
			}
			pthread_mutex_lock(&o->alock);
			if (!o->rewind && !o->connection_event) {
				o->waiting = true;
				o->acks_since_wait = 0;
				pthread_cond_timedwait(&o->acond, &o->alock, &until);
				o->waiting = false;
			}
			pthread_mutex_unlock(&o->alock);
		}
	}
	/* What is still in flight stays in the spool for the next start. */
	rewind_now(o);
	ack_spool(o, advance_floor(o), &on_disk);
	nats_drop_connection(o);
	atomic_store_explicit(&o->connected, false, relaxed);
	spool_batch_free(&batch);
	return NULL;
}
