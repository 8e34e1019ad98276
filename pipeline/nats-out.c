/* SPDX-License-Identifier: MIT */
/*
 * nats-out.c: the NATS output's life, the decoders' queue and the spooler
 * thread (nats-out.h draws the output; the sender is nats-send.c).
 *
 * The queue is two buffers of qcap bytes: decoders append whole batches
 * to the active one under qlock; the spooler swaps them under the lock
 * and writes the full one to the spool with the lock released, so a
 * decoder waits at most for another decoder's memcpy. A batch that does
 * not fit is counted lost at once (cause sink, output nats): a decoder
 * never waits for the spooler, let alone the network.
 */
#include "nats-private.h"
#include "clock.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define relaxed memory_order_relaxed
/* Identical news lines are said at most this often. */
#define NEWS_REPEAT_MS 10000

static void add(_Atomic uint64_t *c, uint64_t v)
{
	atomic_fetch_add_explicit(c, v, relaxed);
}

void nats_out_tell(struct nats_out *o, const char *fmt, ...)
{
	char line[512];
	uint64_t now = clock_mono_ms();
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	n = strlen(line);
	pthread_mutex_lock(&o->nlock);
	if (strncmp(line, o->news_last, sizeof(o->news_last) - 1) == 0 &&
	    now - o->news_last_ms < NEWS_REPEAT_MS) {
		pthread_mutex_unlock(&o->nlock);
		return;
	}
	snprintf(o->news_last, sizeof(o->news_last), "%s", line);
	o->news_last_ms = now;
	if (o->news_len + n + 2 > sizeof(o->news)) {
		o->news_dropped++;
	} else {
		if (o->news_len)
			o->news[o->news_len++] = '\n';
		memcpy(o->news + o->news_len, line, n + 1);
		o->news_len += n;
	}
	pthread_mutex_unlock(&o->nlock);
}

void nats_out_news(struct nats_out *o, char *buf, size_t size)
{
	pthread_mutex_lock(&o->nlock);
	if (o->news_dropped)
		snprintf(buf, size, "%s%snats: %u more line(s) not shown", o->news,
			 o->news_len ? "\n" : "", o->news_dropped);
	else
		snprintf(buf, size, "%s", o->news);
	o->news_len = 0;
	o->news[0] = '\0';
	o->news_dropped = 0;
	pthread_mutex_unlock(&o->nlock);
}

const struct nats_template *nats_out_template(const struct nats_out *o)
{
	return &o->tmpl;
}

const char *nats_out_host(const struct nats_out *o, size_t *ret_len)
{
	*ret_len = o->host_len;
	return o->host;
}

bool nats_out_raw(const struct nats_out *o)
{
	return o->s.raw;
}

/* This host's name as a subject token (nats-msg.h). */
static void set_host(struct nats_out *o)
{
	char name[NATS_HOST_MAX] = "";
	struct outbuf t = { 0 };

	if (o->s.host[0])
		snprintf(name, sizeof(name), "%s", o->s.host);
	else if (gethostname(name, sizeof(name) - 1) < 0)
		snprintf(name, sizeof(name), "localhost");
	nats_token_put(&t, name, strnlen(name, sizeof(name) - 1));
	o->host_len = t.failed ? 0 : t.len < sizeof(o->host) ? t.len : sizeof(o->host) - 1;
	if (o->host_len)
		memcpy(o->host, t.data, o->host_len);
	else
		o->host[o->host_len++] = '_';
	o->host[o->host_len] = '\0';
	outbuf_free(&t);
}

int nats_out_open(const struct nats_out_settings *s, nats_out_say_fn *say, struct nats_out **ret)
{
	struct nats_out *o = calloc(1, sizeof(*o));
	struct spool_stats st;
	char err[512];
	int r;

	if (!o) {
		say("nats: out of memory");
		return -ENOMEM;
	}
	o->s = *s;
	if (!o->s.queue_bytes)
		o->s.queue_bytes = NATS_OUT_QUEUE;
	if (!o->s.ack_wait_ms)
		o->s.ack_wait_ms = NATS_OUT_ACK_WAIT_MS;
	o->window = o->s.max_pending ? o->s.max_pending : 1;
	o->started_ms = clock_wall_ms();
	pthread_mutex_init(&o->qlock, NULL);
	pthread_cond_init(&o->qcond, NULL);
	pthread_mutex_init(&o->slock, NULL);
	pthread_mutex_init(&o->alock, NULL);
	pthread_cond_init(&o->acond, NULL);
	pthread_mutex_init(&o->nlock, NULL);
	if (nats_template_parse(s->subject, &o->tmpl, err, sizeof(err)) < 0) {
		say("nats: nats_subject '%s': %s", s->subject, err);
		r = -EINVAL;
		goto free_out;
	}
	set_host(o);
	o->qcap = (size_t)o->s.queue_bytes;
	o->qbuf[0] = malloc(o->qcap);
	o->qbuf[1] = malloc(o->qcap);
	o->acked = calloc(o->window, 1);
	{
		size_t slots = 4;

		while (slots < 4 * (size_t)o->window)
			slots *= 2;
		o->map.key = calloc(slots, sizeof(*o->map.key));
		o->map.seq = calloc(slots, sizeof(*o->map.seq));
		o->map.mask = slots - 1;
	}
	if (!o->qbuf[0] || !o->qbuf[1] || !o->acked || !o->map.key || !o->map.seq) {
		say("nats: out of memory (a queue of %" PRIu64 " bytes)", o->s.queue_bytes);
		r = -ENOMEM;
		goto free_out;
	}
	r = spool_open(s->spool_dir, s->spool_max, &o->spool, err, sizeof(err));
	if (r < 0) {
		say("nats: cannot open the spool: %s", err);
		goto free_out;
	}
	spool_get_stats(o->spool, &st);
	o->floor = st.acked;
	o->next_send = st.acked + 1;
	o->spool_next = st.next_seq;
	o->torn_bytes = st.torn_bytes;
	if (st.lost) {
		/* Cut at open: a bad record in a segment (spool.h). */
		o->lost_error = st.lost;
		o->spool_lost = st.lost;
		say("nats: the spool %s had a bad record (bit rot, or a machine crash): %" PRIu64
		    " messages in it are lost",
		    s->spool_dir, st.lost);
	}
	if (st.torn_bytes)
		say("nats: the spool %s ended in a torn message (a crash in the middle of a write): "
		    "%" PRIu64 " bytes cut off",
		    s->spool_dir, st.torn_bytes);
	if (st.messages)
		say("nats: %" PRIu64 " messages wait in the spool %s from before: they are sent "
		    "first",
		    st.messages, s->spool_dir);
	if ((r = nats_send_open(o, say)) < 0)
		goto free_out;
	*ret = o;
	return 0;

free_out:
	nats_out_free(o);
	return r;
}

/* Appends one batch of the queue to the spool, counting what did not go. */
static void spool_batch(struct nats_out *o, const char *buf, size_t len, uint64_t events,
			struct spool_msg **msgs, size_t *cap)
{
	struct nats_msg_view v;
	size_t n = 0, pos = 0, taken = 0;
	uint64_t wall = clock_wall_ms();
	char err[512];
	int r;

	while (nats_msg_next(buf, len, &pos, &v)) {
		if (n == *cap) {
			size_t more = *cap ? *cap * 2 : 1024;
			struct spool_msg *m = realloc(*msgs, more * sizeof(*m));

			if (!m)
				break;
			*msgs = m;
			*cap = more;
		}
		(*msgs)[n++] = (struct spool_msg){
			.wall_ms = wall,
			.subject = v.subject, .subject_len = v.subject_len,
			.id = v.id, .id_len = v.id_len,
			.data = v.data, .data_len = v.data_len,
		};
	}
	if (n < events) {
		/* Out of memory for the list: what it did not hold is lost. */
		add(&o->lost_error, events - n);
		nats_out_tell(o, "nats: out of memory: %" PRIu64 " events lost", events - n);
	}
	if (!n)
		return;
	pthread_mutex_lock(&o->slock);
	r = spool_append(o->spool, *msgs, n, &taken, err, sizeof(err));
	pthread_mutex_unlock(&o->slock);
	add(&o->spooled, taken);
	for (size_t i = 0; i < taken; i++)
		add(&o->spooled_bytes, (*msgs)[i].data_len);
	if (r < 0) {
		add(&o->spool_errors, 1);
		add(&o->lost_error, n - taken);
		nats_out_tell(o, "nats: spool write failed: %s; %zu events lost", err, n - taken);
	} else if (taken < n) {
		add(&o->lost_spool, n - taken);
		nats_out_tell(o, "nats: the spool is full (spool_max %" PRIu64 " bytes): events are "
			      "lost until the stream takes what waits; is the cluster reachable "
			      "(needle stat)? Raise spool_max for longer outages",
			      o->s.spool_max);
	}
	if (taken) {
		/* The sender may have been waiting for something to send. */
		pthread_mutex_lock(&o->alock);
		pthread_cond_signal(&o->acond);
		pthread_mutex_unlock(&o->alock);
	}
}

static void *spooler_main(void *arg)
{
	struct nats_out *o = arg;
	struct spool_msg *msgs = NULL;
	size_t cap = 0;

	for (;;) {
		char *buf;
		size_t len;
		uint64_t events;

		pthread_mutex_lock(&o->qlock);
		while (!o->qlen && !atomic_load_explicit(&o->stop, memory_order_acquire))
			pthread_cond_wait(&o->qcond, &o->qlock);
		if (!o->qlen) {
			/* Stopping, and nothing left: the decoders have ended. */
			pthread_mutex_unlock(&o->qlock);
			break;
		}
		buf = o->qbuf[o->qactive];
		len = o->qlen;
		events = o->qevents;
		o->qactive ^= 1;
		o->qlen = 0;
		o->qevents = 0;
		pthread_mutex_unlock(&o->qlock);
		spool_batch(o, buf, len, events, &msgs, &cap);
	}
	free(msgs);
	/* release: the sender reads the spool's last appends after it. */
	atomic_store_explicit(&o->spooler_done, true, memory_order_release);
	pthread_mutex_lock(&o->alock);
	pthread_cond_signal(&o->acond);
	pthread_mutex_unlock(&o->alock);
	return NULL;
}

void nats_out_put(struct nats_out *o, const void *data, size_t len, uint64_t events)
{
	bool fits;

	add(&o->events, events);
	pthread_mutex_lock(&o->qlock);
	fits = o->qcap - o->qlen >= len;
	if (fits) {
		memcpy(o->qbuf[o->qactive] + o->qlen, data, len);
		if (!o->qlen)
			pthread_cond_signal(&o->qcond);
		o->qlen += len;
		o->qevents += events;
	}
	pthread_mutex_unlock(&o->qlock);
	if (!fits) {
		add(&o->lost_queue, events);
		nats_out_tell(o, "nats: the queue to the spool is full (%zu bytes): events lost; "
			      "the spool's disk is too slow for the load (log_dir)",
			      o->qcap);
	}
}

void nats_out_count_lost(struct nats_out *o, uint64_t events)
{
	add(&o->events, events);
	add(&o->lost_error, events);
	nats_out_tell(o, "nats: out of memory while making messages: events lost");
}

int nats_out_start(struct nats_out *o)
{
	if (pthread_create(&o->spooler, NULL, spooler_main, o))
		return -EAGAIN;
	o->spooler_started = true;
	pthread_setname_np(o->spooler, "needle-spool");
	if (pthread_create(&o->sender, NULL, nats_send_main, o))
		return -EAGAIN;
	o->sender_started = true;
	pthread_setname_np(o->sender, "needle-nats");
	return 0;
}

void nats_out_stop(struct nats_out *o, unsigned drain_ms)
{
	if (!o)
		return;
	atomic_store_explicit(&o->drain_until_ms, clock_mono_ms() + drain_ms, relaxed);
	/* release: the spooler and the sender see the decoders' last batches. */
	atomic_store_explicit(&o->stop, true, memory_order_release);
	pthread_mutex_lock(&o->qlock);
	pthread_cond_signal(&o->qcond);
	pthread_mutex_unlock(&o->qlock);
	if (o->spooler_started)
		pthread_join(o->spooler, NULL);
	else
		atomic_store(&o->spooler_done, true);
	pthread_mutex_lock(&o->alock);
	pthread_cond_signal(&o->acond);
	pthread_mutex_unlock(&o->alock);
	if (o->sender_started)
		pthread_join(o->sender, NULL);
	o->spooler_started = o->sender_started = false;
}

void nats_out_free(struct nats_out *o)
{
	if (!o)
		return;
	nats_out_stop(o, 0);
	nats_send_close(o);
	spool_close(o->spool);
	free(o->qbuf[0]);
	free(o->qbuf[1]);
	free(o->acked);
	free(o->map.key);
	free(o->map.seq);
	pthread_mutex_destroy(&o->qlock);
	pthread_cond_destroy(&o->qcond);
	pthread_mutex_destroy(&o->slock);
	pthread_mutex_destroy(&o->alock);
	pthread_cond_destroy(&o->acond);
	pthread_mutex_destroy(&o->nlock);
	free(o);
}

void nats_out_get_stats(struct nats_out *o, struct nats_out_stats *ret)
{
	struct spool_stats st = { 0 };

	memset(ret, 0, sizeof(*ret));
	ret->connected = atomic_load_explicit(&o->connected, relaxed);
	pthread_mutex_lock(&o->alock);
	snprintf(ret->server, sizeof(ret->server), "%s", o->server);
	ret->pending = o->inflight;
	pthread_mutex_unlock(&o->alock);
#define GET(field, counter) ret->field = atomic_load_explicit(&o->counter, relaxed)
	GET(events, events);
	GET(spooled, spooled);
	GET(spooled_bytes, spooled_bytes);
	GET(lost_queue, lost_queue);
	GET(lost_spool, lost_spool);
	GET(lost_error, lost_error);
	GET(rejected, rejected);
	GET(spool_errors, spool_errors);
	GET(published, published);
	GET(acked, acked_count);
	GET(duplicates, duplicates);
	GET(failed, failed);
	GET(reconnects, reconnects);
	GET(last_ack_ms, last_ack_ms);
#undef GET
	ret->started_ms = o->started_ms;
	ret->torn_bytes = o->torn_bytes;
	pthread_mutex_lock(&o->slock);
	if (o->spool)
		spool_get_stats(o->spool, &st);
	pthread_mutex_unlock(&o->slock);
	ret->spool_bytes = st.bytes;
	ret->spool_events = st.messages;
	ret->spool_oldest_ms = st.oldest_wall_ms;
	pthread_mutex_lock(&o->qlock);
	ret->queued_bytes = o->qlen;
	pthread_mutex_unlock(&o->qlock);
	ret->queue_capacity = o->qcap;
}
