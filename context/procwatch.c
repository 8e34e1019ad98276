/* SPDX-License-Identifier: MIT */
/*
 * procwatch.c: one thread reads the proc connector's datagrams in batches
 * (recvmmsg) and applies each event to the process table. The kernel's
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

struct procwatch {
	struct proctable *t;
	struct procinfo_host host;
	int fd;
	pthread_t thread;
	bool started;
	atomic_bool stop;
	_Atomic uint64_t events[PROCCONN_EXIT + 1];
	_Atomic uint64_t snapshots, snapshots_gone, overruns;
	unsigned char buf[BATCH][DATAGRAM_MAX];
	struct mmsghdr msgs[BATCH];
	struct sockaddr_nl from[BATCH];
	struct iovec iov[BATCH];
	struct procinfo snap; /* the snapshot being taken: no allocation per event */
	struct procconn_event evs[BATCH]; /* the batch's events, one a datagram */
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
	w->fd = -1;
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
	if (e && e->born_ms) {
		struct proc_entry probe = { .info = *snap, .start_known = true };
		double start = proctable_start_time(w->t, &probe), born = (double)e->born_ms / 1000;

		/* start is to the clock tick (10 ms) */
		same = start > born - 0.05 && start < born + 0.05;
	}
	rcu_read_unlock();
	return same;
}

static void apply(struct procwatch *w, const struct procconn_event *ev, uint64_t at_ms,
		  bool snapshot)
{
	unsigned unread = 0;
	int r;

	switch (ev->what) {
	case PROCCONN_FORK:
		if (ev->pid != ev->tgid) {
			count(&w->events[0]); /* a thread */
			return;
		}
		proctable_fork_at(w->t, ev->parent_tgid, ev->tgid, at_ms);
		break;
	case PROCCONN_EXEC:
		if (!snapshot) {
			proctable_exec_at(w->t, ev->tgid, at_ms, NULL, true, 0);
			break;
		}
		count(&w->snapshots);
		if ((r = procsnap_read(&w->host, ev->tgid, &w->snap, &unread)) >= 0 &&
		    same_process(w, ev->tgid, &w->snap)) {
			proctable_exec_at(w->t, ev->tgid, at_ms, &w->snap,
					  r == PROCSNAP_NO_CGROUP, unread);
		} else {
			count(&w->snapshots_gone);
			proctable_exec_at(w->t, ev->tgid, at_ms, NULL, true, 0);
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
	apply(w, ev, at_ms, true);
}

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Applies the events of n received datagrams. */
/* Whether the batch's events after the i-th hold another exec of pid. */
static bool exec_again(const struct procwatch *w, unsigned i, unsigned n, uint32_t pid)
{
	while (++i < n)
		if (w->evs[i].what == PROCCONN_EXEC && w->evs[i].tgid == pid)
			return true;
	return false;
}

/* Applies the events of n received datagrams (the kernel sends one event
 * a datagram). An exec the same batch shows superseded by another exec of
 * its process gets no snapshot: /proc already shows the later program, and
 * the time its read would take is the next one's race with the exit
 * (setpriv, then unshare, then a program that lives a millisecond). */
static void apply_batch(struct procwatch *w, unsigned n)
{
	/* wall = monotonic + offset, read now */
	int64_t offset = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);

	for (unsigned i = 0; i < n; i++) {
		size_t off = 0;

		w->evs[i].what = 0;
		if (w->from[i].nl_pid != 0)
			continue; /* only the kernel speaks for the processes */
		/* one event: cn_proc sends each in a datagram of its own */
		if (procconn_next(w->buf[i], w->msgs[i].msg_len, &off, &w->evs[i]) != 1)
			w->evs[i].what = 0;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct procconn_event *ev = &w->evs[i];
		int64_t wall = (int64_t)ev->timestamp_ns + offset;

		if (ev->what)
			apply(w, ev, wall > 0 ? (uint64_t)wall / 1000000 : 0,
			      !(ev->what == PROCCONN_EXEC && exec_again(w, i, n, ev->tgid)));
	}
}

static void *watch(void *arg)
{
	struct procwatch *w = arg;

	rcu_register_thread();
	/* Ahead of the machine's ordinary work: an exec's snapshot races the
	 * process's exit (a /bin/true lives about a millisecond). */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), PROCWATCH_NICE);
	for (unsigned i = 0; i < BATCH; i++) {
		w->iov[i] = (struct iovec){ .iov_base = w->buf[i], .iov_len = DATAGRAM_MAX };
		w->msgs[i].msg_hdr = (struct msghdr){ .msg_name = &w->from[i],
						      .msg_namelen = sizeof(w->from[i]),
						      .msg_iov = &w->iov[i],
						      .msg_iovlen = 1 };
	}
	/* One system call a wake-up: recvmmsg waits for the first datagram
	 * and takes what else is queued; idle, it returns every
	 * PROCWATCH_IDLE_MS (SO_RCVTIMEO), so the thread still says it has
	 * caught up (a decoder waiting for an exec learns there is none to
	 * come) and sees a stop. */
	(void)setsockopt(w->fd, SOL_SOCKET, SO_RCVTIMEO,
			 &(struct timeval){ .tv_usec = PROCWATCH_IDLE_MS * 1000 },
			 sizeof(struct timeval));
	while (!atomic_load(&w->stop)) {
		/* Taken before the read, not after: an event queued between the
		 * read's end and a clock reading would pass for applied. */
		uint64_t began_ns = (uint64_t)clock_ns(CLOCK_REALTIME);
		int n = recvmmsg(w->fd, w->msgs, BATCH, MSG_WAITFORONE, NULL);

		if (n > 0)
			apply_batch(w, (unsigned)n);
		if (n < 0 && errno == ENOBUFS)
			count(&w->overruns);
		if (n == BATCH || (n < 0 && errno == ENOBUFS))
			continue; /* more waiting */
		/* Fewer than asked for, or none in PROCWATCH_IDLE_MS: the read
		 * left the socket empty, and all the kernel sent before it
		 * began is applied now. (After a wait, that is stale by the
		 * wait: a decoder waiting meanwhile learns at the next read,
		 * within PROCWATCH_IDLE_MS.) */
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
	w->fd = procconn_open(PROCWATCH_RCVBUF);
	if (w->fd < 0) {
		r = w->fd;
		goto free_watch;
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
