/* SPDX-License-Identifier: MIT */
/*
 * dispatch.c: a byte queue per plugin and the thread that empties it
 * (dispatch.h draws them).
 *
 * A queue holds entries { len, records } + len bytes, back to back in a
 * buffer of cap bytes used as a ring (an entry may wrap around its end);
 * head and tail are free-running byte positions, head - tail bytes in use.
 * Decoders append whole entries under the queue's lock, or drop the batch
 * when it does not fit; the writer takes one entry at a time, copies it
 * out under the lock and writes it with the lock released, so a decoder
 * waits at most for a memcpy of a batch, never for the plugin.
 *
 * state is written under the lock; dispatch_put() reads it once without
 * the lock only to skip plugins that take nothing (GONE, NO_READER), and
 * again under the lock for the decision that counts.
 */
#include "dispatch.h"
#include "audisp.h"
#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define relaxed memory_order_relaxed
/* How often an idle writer looks at its stop flag and af_unix's listener. */
#define WRITER_TICK_MS 100

struct entry {
	uint32_t len;
	uint32_t records;
};

struct plugin_q {
	struct dispatch *d;
	pthread_mutex_t lock;
	pthread_cond_t cond;    /* an entry, a socket or stop: the writer wakes */
	char *buf;
	uint64_t cap, head, tail;
	int pending_fd;         /* handed over by dispatch_attach, not yet taken */
	int listen_fd;          /* af_unix: where readers connect */
	_Atomic int state;      /* enum dispatch_state; written under lock */
	char name[DISPATCH_NAME_MAX];
	enum dispatch_format format;
	bool af_unix;
	bool started;
	pthread_t thread;
	_Atomic uint64_t records, bytes, attaches, broken;
	_Atomic uint64_t dropped[DISPATCH_DROP_COUNT];
	/* The writer's own. */
	int fd;
	char *scratch;
	size_t scratch_cap;
};

struct dispatch {
	unsigned n;
	bool enriched;
	bool wants[DISPATCH_FORMATS];
	atomic_bool stop;
	_Atomic uint64_t deadline_ms; /* monotonic: stop writing then */
	struct plugin_q q[DISPATCH_MAX];
};

static void drop(struct plugin_q *q, enum dispatch_drop why, uint64_t records)
{
	atomic_fetch_add_explicit(&q->dropped[why], records, relaxed);
}

static void copy_in(struct plugin_q *q, uint64_t pos, const void *src, size_t n)
{
	size_t off = (size_t)(pos % q->cap), first = n < q->cap - off ? n : (size_t)(q->cap - off);

	memcpy(q->buf + off, src, first);
	memcpy(q->buf, (const char *)src + first, n - first);
}

static void copy_out(const struct plugin_q *q, uint64_t pos, void *dst, size_t n)
{
	size_t off = (size_t)(pos % q->cap), first = n < q->cap - off ? n : (size_t)(q->cap - off);

	memcpy(dst, q->buf + off, first);
	memcpy((char *)dst + first, q->buf, n - first);
}

/* Empties the queue, counting its records under why. Lock held. */
static void drop_queued(struct plugin_q *q, enum dispatch_drop why)
{
	struct entry e;

	while (q->head != q->tail) {
		copy_out(q, q->tail, &e, sizeof(e));
		q->tail += sizeof(e) + e.len;
		drop(q, why, e.records);
	}
}

struct dispatch *dispatch_new(const struct dispatch_settings *s)
{
	struct dispatch *d;

	if (s->n > DISPATCH_MAX || s->queue_bytes < sizeof(struct entry) + 1) {
		errno = EINVAL;
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->n = s->n;
	d->enriched = s->enriched;
	for (unsigned i = 0; i < d->n; i++) {
		struct plugin_q *q = &d->q[i];

		q->d = d;
		q->fd = q->pending_fd = q->listen_fd = -1;
		q->format = s->plugin[i].format;
		q->af_unix = s->plugin[i].af_unix;
		atomic_init(&q->state, q->af_unix ? DISPATCH_NO_READER : DISPATCH_WAITING);
		snprintf(q->name, sizeof(q->name), "%s", s->plugin[i].name);
		d->wants[q->format] = true;
		q->cap = s->queue_bytes;
		pthread_mutex_init(&q->lock, NULL);
		pthread_cond_init(&q->cond, NULL);
		if (!(q->buf = malloc(q->cap))) {
			d->n = i + 1;
			dispatch_free(d);
			errno = ENOMEM;
			return NULL;
		}
	}
	return d;
}

bool dispatch_wants(const struct dispatch *d, enum dispatch_format f)
{
	return d->wants[f];
}

bool dispatch_enriched(const struct dispatch *d)
{
	return d->enriched;
}

unsigned dispatch_plugins(const struct dispatch *d)
{
	return d->n;
}

void dispatch_put(struct dispatch *d, enum dispatch_format f, const void *data, size_t len,
		  uint64_t records)
{
	struct entry e = { (uint32_t)len, (uint32_t)records };

	for (unsigned i = 0; i < d->n; i++) {
		struct plugin_q *q = &d->q[i];
		int state;

		if (q->format != f)
			continue;
		/* relaxed: a hint; the decision below is taken under the lock. */
		state = atomic_load_explicit(&q->state, relaxed);
		if (state == DISPATCH_GONE || state == DISPATCH_NO_READER) {
			drop(q, DISPATCH_DROP_DOWN, records);
			continue;
		}
		pthread_mutex_lock(&q->lock);
		state = atomic_load_explicit(&q->state, relaxed);
		if (state != DISPATCH_GONE && state != DISPATCH_NO_READER && len <= UINT32_MAX &&
		    q->cap - (q->head - q->tail) >= sizeof(e) + len) {
			copy_in(q, q->head, &e, sizeof(e));
			copy_in(q, q->head + sizeof(e), data, len);
			q->head += sizeof(e) + len;
			pthread_cond_signal(&q->cond);
			pthread_mutex_unlock(&q->lock);
			continue;
		}
		pthread_mutex_unlock(&q->lock);
		/* Full while it writes: it reads too slowly. Full while it is
		 * not running: it is down. */
		drop(q, state == DISPATCH_WRITING ? DISPATCH_DROP_FULL : DISPATCH_DROP_DOWN, records);
	}
}

void dispatch_count_lost(struct dispatch *d, enum dispatch_format f, uint64_t records)
{
	for (unsigned i = 0; i < d->n; i++)
		if (d->q[i].format == f)
			drop(&d->q[i], DISPATCH_DROP_ERROR, records);
}

void dispatch_attach(struct dispatch *d, unsigned i, int fd)
{
	struct plugin_q *q = &d->q[i];

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	pthread_mutex_lock(&q->lock);
	if (q->pending_fd >= 0)
		close(q->pending_fd);
	q->pending_fd = fd;
	atomic_store_explicit(&q->state, DISPATCH_WRITING, relaxed);
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

void dispatch_listen(struct dispatch *d, unsigned i, int listen_fd)
{
	struct plugin_q *q = &d->q[i];

	pthread_mutex_lock(&q->lock);
	q->listen_fd = listen_fd;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

uint64_t dispatch_broken(const struct dispatch *d, unsigned i)
{
	return atomic_load_explicit(&d->q[i].broken, relaxed);
}

void dispatch_give_up(struct dispatch *d, unsigned i)
{
	struct plugin_q *q = &d->q[i];

	pthread_mutex_lock(&q->lock);
	atomic_store_explicit(&q->state, DISPATCH_GONE, relaxed);
	drop_queued(q, DISPATCH_DROP_DOWN);
	if (q->pending_fd >= 0)
		close(q->pending_fd);
	q->pending_fd = -1;
	pthread_mutex_unlock(&q->lock);
}

static bool stopping(const struct dispatch *d)
{
	/* acquire: pairs with dispatch_stop's release of the deadline. */
	return atomic_load_explicit(&d->stop, memory_order_acquire);
}

static bool past_deadline(const struct dispatch *d)
{
	return stopping(d) && clock_mono_ms() >= atomic_load_explicit(&d->deadline_ms, relaxed);
}

/* The writer's socket broke (the plugin closed it, or exited): closed,
 * counted, and the queue kept for a restarted plugin, or, af_unix, dropped
 * (a new reader gets what comes from then on, as with auditd). */
static void socket_broken(struct plugin_q *q)
{
	pthread_mutex_lock(&q->lock);
	close(q->fd);
	q->fd = -1;
	atomic_fetch_add_explicit(&q->broken, 1, relaxed);
	if (atomic_load_explicit(&q->state, relaxed) != DISPATCH_GONE) {
		atomic_store_explicit(&q->state, q->af_unix ? DISPATCH_NO_READER : DISPATCH_WAITING,
				      relaxed);
		if (q->af_unix)
			drop_queued(q, DISPATCH_DROP_DOWN);
	}
	pthread_mutex_unlock(&q->lock);
}

/* What a write cut short delivered: the whole records in its first done
 * bytes; the rest counted under why. */
static void count_cut(struct plugin_q *q, const char *data, size_t done, uint64_t records,
		      enum dispatch_drop why)
{
	uint64_t whole = 0;

	if (q->format == DISPATCH_BINARY) {
		whole = audisp_binary_records(data, done);
	} else {
		for (const char *p = data; (p = memchr(p, '\n', done - (size_t)(p - data))); p++)
			whole++;
	}
	atomic_fetch_add_explicit(&q->records, whole, relaxed);
	atomic_fetch_add_explicit(&q->bytes, done, relaxed);
	drop(q, why, records - whole);
}

/* Writes one entry to the plugin, waiting on its socket as long as it
 * takes (a slow plugin only holds up its own queue), but not past the
 * stop deadline. */
static void write_entry(struct plugin_q *q, const char *data, size_t len, uint64_t records)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = send(q->fd, data + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
		struct pollfd pfd = { .fd = q->fd, .events = POLLOUT };

		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (past_deadline(q->d)) {
				count_cut(q, data, done, records, DISPATCH_DROP_STOP);
				return;
			}
			poll(&pfd, 1, WRITER_TICK_MS);
			continue;
		}
		count_cut(q, data, done, records, DISPATCH_DROP_DOWN);
		socket_broken(q);
		return;
	}
	atomic_fetch_add_explicit(&q->records, records, relaxed);
	atomic_fetch_add_explicit(&q->bytes, len, relaxed);
}

/* af_unix without a reader: waits a tick for one. Lock not held. */
static void accept_reader(struct plugin_q *q, int listen_fd)
{
	struct pollfd pfd = { .fd = listen_fd, .events = POLLIN };
	int fd;

	if (poll(&pfd, 1, WRITER_TICK_MS) <= 0)
		return;
	fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	pthread_mutex_lock(&q->lock);
	q->fd = fd;
	atomic_fetch_add_explicit(&q->attaches, 1, relaxed);
	atomic_store_explicit(&q->state, DISPATCH_WRITING, relaxed);
	pthread_mutex_unlock(&q->lock);
}

/* A socket handed over by dispatch_attach replaces the writer's. Lock held. */
static void take_pending(struct plugin_q *q)
{
	if (q->pending_fd < 0)
		return;
	if (q->fd >= 0)
		close(q->fd);
	q->fd = q->pending_fd;
	q->pending_fd = -1;
	atomic_fetch_add_explicit(&q->attaches, 1, relaxed);
}

static void wait_tick(struct plugin_q *q)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += WRITER_TICK_MS * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&q->cond, &q->lock, &until);
}

/* Takes the next entry into scratch; false when there is none to write
 * (stopping, and the queue is empty, the plugin is down or time is up).
 * Lock held. */
static bool next_entry(struct plugin_q *q, struct entry *ret)
{
	for (;;) {
		take_pending(q);
		if (q->fd >= 0 && q->head != q->tail)
			break;
		if (stopping(q->d))
			return false;
		if (q->af_unix && q->fd < 0 && q->listen_fd >= 0) {
			int listen_fd = q->listen_fd;

			pthread_mutex_unlock(&q->lock);
			accept_reader(q, listen_fd);
			pthread_mutex_lock(&q->lock);
			continue;
		}
		wait_tick(q);
	}
	if (past_deadline(q->d))
		return false;
	copy_out(q, q->tail, ret, sizeof(*ret));
	if (ret->len > q->scratch_cap) {
		char *s = realloc(q->scratch, ret->len);

		if (!s) {
			q->tail += sizeof(*ret) + ret->len;
			drop(q, DISPATCH_DROP_ERROR, ret->records);
			ret->len = 0;
			ret->records = 0;
			return true;
		}
		q->scratch = s;
		q->scratch_cap = ret->len;
	}
	copy_out(q, q->tail + sizeof(*ret), q->scratch, ret->len);
	q->tail += sizeof(*ret) + ret->len;
	return true;
}

static void *writer_main(void *arg)
{
	struct plugin_q *q = arg;
	struct entry e;

	for (;;) {
		pthread_mutex_lock(&q->lock);
		if (!next_entry(q, &e)) {
			/* Stopping: what is left was not read in time. */
			drop_queued(q, DISPATCH_DROP_STOP);
			pthread_mutex_unlock(&q->lock);
			break;
		}
		pthread_mutex_unlock(&q->lock);
		if (e.len)
			write_entry(q, q->scratch, e.len, e.records);
	}
	return NULL;
}

int dispatch_start(struct dispatch *d)
{
	for (unsigned i = 0; i < d->n; i++) {
		struct plugin_q *q = &d->q[i];
		char name[16];
		int r = pthread_create(&q->thread, NULL, writer_main, q);

		if (r)
			return -r;
		q->started = true;
		snprintf(name, sizeof(name), "needle-plug%u", i % 100);
		pthread_setname_np(q->thread, name);
	}
	return 0;
}

void dispatch_stop(struct dispatch *d, unsigned drain_ms)
{
	atomic_store_explicit(&d->deadline_ms, clock_mono_ms() + drain_ms, relaxed);
	/* release: a writer that sees stop sees the deadline. */
	atomic_store_explicit(&d->stop, true, memory_order_release);
	for (unsigned i = 0; i < d->n; i++) {
		struct plugin_q *q = &d->q[i];

		pthread_mutex_lock(&q->lock);
		pthread_cond_broadcast(&q->cond);
		pthread_mutex_unlock(&q->lock);
	}
	for (unsigned i = 0; i < d->n; i++) {
		struct plugin_q *q = &d->q[i];

		if (q->started)
			pthread_join(q->thread, NULL);
		q->started = false;
		/* The writer has ended: its fields are this thread's now. */
		pthread_mutex_lock(&q->lock);
		drop_queued(q, DISPATCH_DROP_STOP);
		pthread_mutex_unlock(&q->lock);
		if (q->fd >= 0)
			close(q->fd); /* the plugin reads the end of its input */
		if (q->pending_fd >= 0)
			close(q->pending_fd);
		if (q->listen_fd >= 0)
			close(q->listen_fd);
		q->fd = q->pending_fd = q->listen_fd = -1;
	}
}

void dispatch_free(struct dispatch *d)
{
	if (!d)
		return;
	if (!atomic_load(&d->stop))
		dispatch_stop(d, 0);
	for (unsigned i = 0; i < d->n; i++) {
		struct plugin_q *q = &d->q[i];

		pthread_mutex_destroy(&q->lock);
		pthread_cond_destroy(&q->cond);
		free(q->buf);
		free(q->scratch);
	}
	free(d);
}

void dispatch_get_stats(const struct dispatch *d, unsigned i, struct dispatch_stats *ret)
{
	struct plugin_q *q = (struct plugin_q *)&d->q[i];

	memset(ret, 0, sizeof(*ret));
	snprintf(ret->name, sizeof(ret->name), "%s", q->name);
	ret->state = (enum dispatch_state)atomic_load_explicit(&q->state, relaxed);
	ret->records = atomic_load_explicit(&q->records, relaxed);
	ret->bytes = atomic_load_explicit(&q->bytes, relaxed);
	for (unsigned k = 0; k < DISPATCH_DROP_COUNT; k++)
		ret->dropped[k] = atomic_load_explicit(&q->dropped[k], relaxed);
	ret->attaches = atomic_load_explicit(&q->attaches, relaxed);
	ret->broken = atomic_load_explicit(&q->broken, relaxed);
	ret->capacity = q->cap;
	pthread_mutex_lock(&q->lock);
	ret->queued = q->head - q->tail;
	pthread_mutex_unlock(&q->lock);
}
