/* SPDX-License-Identifier: MIT */
/*
 * procwatch.c: one thread reads the proc connector's datagrams in batches
 * (recvmmsg; the execs, then the other events: procwatch.h) and applies
 * each event to the process table. The kernel's
 * timestamps are CLOCK_MONOTONIC; the table speaks wall time (the audit
 * records' clock), so each batch turns them with the offset between the
 * two clocks read right then (a step of the wall clock is followed at the
 * next batch).
 */
#include "procwatch.h"

#include "procsnap.h"

#include <errno.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <time.h>
#include <urcu.h>

#define BATCH 64
#define PROCWATCH_NICE -10
#define PROCWATCH_IDLE_MS 10
#define DATAGRAM_MAX 512 /* one proc event is 76 bytes with its headers */

#define relaxed memory_order_relaxed

/* One read's datagrams and their events (one a datagram). */
struct batch {
	unsigned char buf[BATCH][DATAGRAM_MAX];
	struct mmsghdr msgs[BATCH];
	struct sockaddr_nl from[BATCH];
	struct iovec iov[BATCH];
	struct procconn_event evs[BATCH];
	unsigned n, next; /* events read, and the first not applied yet */
};

/* An exec's snapshot, taken as soon as its event is read. */
struct taken {
	bool wanted; /* false: superseded in its batch, none taken */
	int r;       /* procsnap_read's */
	unsigned unread;
	struct procinfo info;
};

struct procwatch {
	struct proctable *t;
	struct procinfo_host host;
	int fd;      /* the execs (every event where the kernel cannot filter) */
	int rest_fd; /* every other event, read at each wake-up of fd; -1 */
	pthread_t thread;
	bool started;
	atomic_bool stop;
	_Atomic uint64_t events[PROCCONN_EXIT + 1];
	_Atomic uint64_t snapshots, snapshots_gone, overruns;
	struct batch execs, rest;
	struct taken snaps[BATCH]; /* execs' snapshots: no allocation per event */
};

static void count(_Atomic uint64_t *c)
{
	atomic_fetch_add_explicit(c, 1, relaxed);
}

struct procwatch *procwatch_new(struct proctable *t)
{
	struct procwatch *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->t = t;
	w->fd = w->rest_fd = -1;
	procinfo_host_init(&w->host);
	return w;
}

void procwatch_free(struct procwatch *w)
{
	free(w);
}

/* Whether snap is of the process the version was born as: a process gone
 * and its pid taken again between the exec and the read is not. */
static bool same_process(struct procwatch *w, uint32_t pid, const struct procinfo *snap)
{
	const struct proc_entry *e;
	bool same = true;

	rcu_read_lock();
	e = proctable_lookup(w->t, pid, false);
	if (e && e->born_ms)
		same = proctable_started_at(w->t, snap, e->born_ms);
	rcu_read_unlock();
	return same;
}

/* Takes the snapshot of pid's exec now: it races the process's exit. */
static void take(struct procwatch *w, uint32_t pid, struct taken *s)
{
	s->wanted = true;
	s->unread = 0;
	s->r = procsnap_read(&w->host, pid, &s->info, &s->unread);
}

/* Applies one event; an exec with its snapshot s (NULL or not wanted:
 * none, the program unknown). */
static void apply(struct procwatch *w, const struct procconn_event *ev, uint64_t at_ms,
		  const struct taken *s)
{
	switch (ev->what) {
	case PROCCONN_FORK:
		if (ev->pid != ev->tgid) {
			count(&w->events[0]); /* a thread */
			return;
		}
		proctable_fork_at(w->t, ev->parent_tgid, ev->tgid, at_ms);
		break;
	case PROCCONN_EXEC:
		if (!s || !s->wanted) {
			proctable_exec_at(w->t, ev->tgid, at_ms, NULL, true, 0);
			break;
		}
		count(&w->snapshots);
		/* the same process: its fork is applied by now */
		if (s->r >= 0 && same_process(w, ev->tgid, &s->info)) {
			proctable_exec_at(w->t, ev->tgid, at_ms, &s->info,
					  s->r == PROCSNAP_NO_CGROUP, s->unread);
		} else {
			count(&w->snapshots_gone);
			proctable_exec_missed_at(w->t, ev->tgid, at_ms);
		}
		break;
	case PROCCONN_EXIT:
		if (ev->pid != ev->tgid) {
			count(&w->events[0]);
			return;
		}
		proctable_exit_at(w->t, ev->tgid, at_ms);
		break;
	default:
		break;
	}
	count(&w->events[ev->what]);
}

void procwatch_apply(struct procwatch *w, const struct procconn_event *ev, uint64_t at_ms)
{
	if (ev->what == PROCCONN_EXEC)
		take(w, ev->tgid, &w->snaps[0]);
	apply(w, ev, at_ms, ev->what == PROCCONN_EXEC ? &w->snaps[0] : NULL);
}

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Whether the batch's events after the i-th hold another exec of pid. */
static bool exec_again(const struct batch *b, unsigned i, uint32_t pid)
{
	while (++i < b->n)
		if (b->evs[i].what == PROCCONN_EXEC && b->evs[i].tgid == pid)
			return true;
	return false;
}

static void batch_init(struct batch *b)
{
	for (unsigned i = 0; i < BATCH; i++) {
		b->iov[i] = (struct iovec){ .iov_base = b->buf[i], .iov_len = DATAGRAM_MAX };
		b->msgs[i].msg_hdr = (struct msghdr){ .msg_name = &b->from[i],
						      .msg_namelen = sizeof(b->from[i]),
						      .msg_iov = &b->iov[i],
						      .msg_iovlen = 1 };
	}
}

/* Reads up to BATCH datagrams of fd into b and parses their events, keeping
 * the kinds the socket is for (execs or the others; any without filters).
 * recvmmsg's result (ENOBUFS counted: events the kernel dropped). */
static int read_batch(struct procwatch *w, int fd, struct batch *b, int flags,
		      enum procconn_events kinds)
{
	int n = recvmmsg(fd, b->msgs, BATCH, flags, NULL);

	if (n < 0 && errno == ENOBUFS)
		count(&w->overruns);
	b->n = n > 0 ? (unsigned)n : 0;
	for (unsigned i = 0; i < b->n; i++) {
		struct procconn_event *ev = &b->evs[i];
		size_t off = 0;

		/* one event: cn_proc sends each in a datagram of its own; only
		 * the kernel speaks for the processes */
		if (b->from[i].nl_pid != 0 ||
		    procconn_next(b->buf[i], b->msgs[i].msg_len, &off, ev) != 1 ||
		    (kinds == PROCCONN_EXECS && ev->what != PROCCONN_EXEC) ||
		    (kinds == PROCCONN_ALL_BUT_EXECS && ev->what == PROCCONN_EXEC))
			ev->what = 0;
	}
	return n;
}

/* The latest timestamp of b's events (0: none). */
static uint64_t last_timestamp(const struct batch *b)
{
	uint64_t last = 0;

	for (unsigned i = 0; i < b->n; i++)
		if (b->evs[i].what && b->evs[i].timestamp_ns > last)
			last = b->evs[i].timestamp_ns;
	return last;
}

static uint64_t wall_ms(const struct procconn_event *ev, int64_t offset)
{
	int64_t wall = (int64_t)ev->timestamp_ns + offset;

	return wall > 0 ? (uint64_t)wall / 1000000 : 0;
}

/* Applies the execs batch's events before timestamp_ns (all: UINT64_MAX)
 * from *next on. */
static void apply_execs_before(struct procwatch *w, unsigned *next, uint64_t timestamp_ns,
			       int64_t offset)
{
	for (; *next < w->execs.n &&
	       (!w->execs.evs[*next].what || w->execs.evs[*next].timestamp_ns <= timestamp_ns);
	     ++*next) {
		const struct procconn_event *ev = &w->execs.evs[*next];

		if (ev->what)
			apply(w, ev, wall_ms(ev, offset),
			      ev->what == PROCCONN_EXEC ? &w->snaps[*next] : NULL);
	}
}

/* One wake-up's work: the execs batch's snapshots first (each races its
 * process's exit; an exec the batch shows superseded by another exec of
 * its process gets none: /proc already shows the later program, and its
 * read would be time the next one's race loses), then every event up to
 * until_ns (the kernel's clock) applied in the kernel's order: the other
 * events read from their socket (those after until_ns wait for the next
 * wake-up: an exec before them may not be read yet) merged with the
 * execs. */
static void apply_wake(struct procwatch *w, uint64_t until_ns)
{
	/* wall = monotonic + offset, read now */
	int64_t offset = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
	struct batch *rest = &w->rest;
	bool drained = false;
	unsigned next = 0;

	for (unsigned i = 0; i < w->execs.n; i++) {
		const struct procconn_event *ev = &w->execs.evs[i];

		w->snaps[i].wanted = false;
		if (ev->what == PROCCONN_EXEC && !exec_again(&w->execs, i, ev->tgid))
			take(w, ev->tgid, &w->snaps[i]);
	}
	while (w->rest_fd >= 0) {
		const struct procconn_event *ev;

		if (rest->next == rest->n) {
			int n;

			if (drained)
				break;
			n = read_batch(w, w->rest_fd, rest, MSG_DONTWAIT, PROCCONN_ALL_BUT_EXECS);
			rest->next = 0;
			drained = n != BATCH && !(n < 0 && errno == ENOBUFS);
			continue;
		}
		ev = &rest->evs[rest->next];
		if (ev->what && ev->timestamp_ns > until_ns)
			break;
		rest->next++;
		if (ev->what) {
			apply_execs_before(w, &next, ev->timestamp_ns, offset);
			apply(w, ev, wall_ms(ev, offset), NULL);
		}
	}
	apply_execs_before(w, &next, UINT64_MAX, offset);
}

static void *watch(void *arg)
{
	struct procwatch *w = arg;

	rcu_register_thread();
	/* Ahead of the machine's ordinary work: an exec's snapshot races the
	 * process's exit (a /bin/true lives about a millisecond). */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), PROCWATCH_NICE);
	batch_init(&w->execs);
	batch_init(&w->rest);
	/* One system call a wake-up: recvmmsg waits for the first datagram
	 * and takes what else is queued; idle, it returns every
	 * PROCWATCH_IDLE_MS (SO_RCVTIMEO), so the thread still says it has
	 * caught up (a decoder waiting for an exec learns there is none to
	 * come), applies the other events and sees a stop. Only execs wake
	 * it where the kernel filters (6.6): forks and exits, two thirds of
	 * a short process's events, wait for the next wake-up. */
	(void)setsockopt(w->fd, SOL_SOCKET, SO_RCVTIMEO,
			 &(struct timeval){ .tv_usec = PROCWATCH_IDLE_MS * 1000 },
			 sizeof(struct timeval));
	while (!atomic_load(&w->stop)) {
		/* Taken before the read, not after: an event queued between the
		 * read's end and a clock reading would pass for applied. */
		uint64_t began_ns = (uint64_t)clock_ns(CLOCK_REALTIME);
		int n = read_batch(w, w->fd, &w->execs, MSG_WAITFORONE,
				   w->rest_fd >= 0 ? PROCCONN_EXECS : PROCCONN_ALL);
		bool more = n == BATCH || (n < 0 && errno == ENOBUFS);
		/* Every exec the kernel sent before now is read, unless the
		 * batch is full or the socket overran (its queue may be full):
		 * then up to the last read. */
		uint64_t until_ns = more ? last_timestamp(&w->execs)
					 : (uint64_t)clock_ns(CLOCK_MONOTONIC);

		apply_wake(w, until_ns);
		if (more)
			continue; /* more waiting */
		/* Fewer than asked for, or none in PROCWATCH_IDLE_MS: the read
		 * left the socket empty, and all the kernel sent before it
		 * began is applied now (the other events too: read after it).
		 * After a wait, that is stale by the wait: a decoder waiting
		 * meanwhile learns at the next read, within PROCWATCH_IDLE_MS. */
		proctable_set_caught_up(w->t, began_ns);
	}
	rcu_unregister_thread();
	return NULL;
}

int procwatch_start(struct proctable *t, struct procwatch **ret)
{
	struct procwatch *w = procwatch_new(t);
	int r;

	if (!w)
		return -ENOMEM;
	/* Two sockets where the kernel filters: the execs, which wake the
	 * thread, and the rest, read at each wake-up. */
	w->fd = procconn_open(PROCWATCH_RCVBUF,
			      procconn_can_filter() ? PROCCONN_EXECS : PROCCONN_ALL);
	if (w->fd < 0) {
		r = w->fd;
		goto free_watch;
	}
	if (procconn_can_filter()) {
		w->rest_fd = procconn_open(PROCWATCH_RCVBUF, PROCCONN_ALL_BUT_EXECS);
		if (w->rest_fd < 0) {
			r = w->rest_fd;
			goto close_fd;
		}
	}
	/* Followed from before the first event is read: a decoder must not
	 * apply a fork the thread applies too. */
	proctable_set_followed(t, true);
	r = -pthread_create(&w->thread, NULL, watch, w);
	if (r < 0)
		goto unfollow;
	pthread_setname_np(w->thread, "needle-procev");
	w->started = true;
	*ret = w;
	return 0;

unfollow:
	proctable_set_followed(t, false);
	procconn_close(w->rest_fd);
close_fd:
	procconn_close(w->fd);
free_watch:
	free(w);
	return r;
}

void procwatch_stop(struct procwatch *w)
{
	if (!w)
		return;
	atomic_store(&w->stop, true);
	if (w->started)
		pthread_join(w->thread, NULL);
	proctable_set_followed(w->t, false);
	procconn_close(w->rest_fd);
	procconn_close(w->fd);
	free(w);
}

void procwatch_get_stats(struct procwatch *w, struct procwatch_stats *ret)
{
	for (int i = 0; i <= PROCCONN_EXIT; i++)
		ret->events[i] = atomic_load_explicit(&w->events[i], relaxed);
	ret->snapshots = atomic_load_explicit(&w->snapshots, relaxed);
	ret->snapshots_gone = atomic_load_explicit(&w->snapshots_gone, relaxed);
	ret->overruns = atomic_load_explicit(&w->overruns, relaxed);
}
