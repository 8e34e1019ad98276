/* SPDX-License-Identifier: MIT */
#include "readlog.h"
#include "audit-ctl.h"
#include "clock.h"
#include "gaps.h"
#include "stamp.h"

#include <errno.h>
#include <linux/netlink.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define READLOG_BATCH 32
#define READLOG_BUF 9216 /* the kernel's largest audit message and header */

struct readlog {
	struct audit_ctl *sock;
	pthread_t thread;
	atomic_bool stop;
	uint64_t patience_ms;
	struct readlog_stats st;
	struct gaps gaps;
	uint32_t last_serial;
	unsigned char bufs[READLOG_BATCH][READLOG_BUF];
};

/* One reader thread: the counters have one writer. */
static void add(_Atomic uint64_t *c, uint64_t v)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v,
			      memory_order_relaxed);
}

static void take(struct readlog *r, const unsigned char *buf, size_t len, uint64_t now)
{
	const struct nlmsghdr *h = (const void *)buf;
	struct audit_stamp stamp;

	add(&r->st.datagrams, 1);
	add(&r->st.bytes, len);
	if (len < NLMSG_HDRLEN || h->nlmsg_type < 1000)
		return;
	add(&r->st.records, 1);
	if (decode_stamp((const char *)buf + NLMSG_HDRLEN, len - NLMSG_HDRLEN, &stamp) < 0 ||
	    !stamp.serial || stamp.serial == r->last_serial)
		return;
	r->last_serial = stamp.serial;
	add(&r->st.events, 1);
	gaps_see(&r->gaps, stamp.serial, now);
}

static void *reader_main(void *arg)
{
	struct readlog *r = arg;
	struct mmsghdr msgs[READLOG_BATCH];
	struct iovec iov[READLOG_BATCH];
	struct sockaddr_nl from[READLOG_BATCH];
	struct pollfd pfd = { .fd = audit_ctl_fd(r->sock), .events = POLLIN };

	while (!atomic_load(&r->stop)) {
		uint64_t now;
		int n;

		if (poll(&pfd, 1, 200) < 0 && errno != EINTR)
			break;
		for (unsigned i = 0; i < READLOG_BATCH; i++) {
			iov[i] = (struct iovec){ r->bufs[i], READLOG_BUF };
			msgs[i].msg_hdr = (struct msghdr){ .msg_name = &from[i],
							   .msg_namelen = sizeof(from[i]),
							   .msg_iov = &iov[i],
							   .msg_iovlen = 1 };
		}
		n = recvmmsg(pfd.fd, msgs, READLOG_BATCH, MSG_DONTWAIT, NULL);
		now = clock_wall_ms();
		if (n < 0 && errno == ENOBUFS)
			add(&r->st.overruns, 1);
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			break;
		for (int i = 0; i < n; i++)
			if (from[i].nl_pid == 0) /* only the kernel speaks for audit */
				take(r, r->bufs[i], msgs[i].msg_len, now);
		gaps_tick(&r->gaps, now, r->patience_ms);
		atomic_store_explicit(&r->st.serial_gaps, r->gaps.missing, memory_order_relaxed);
	}
	return NULL;
}

struct readlog *readlog_start(uint64_t rcvbuf, uint64_t patience_ms, char *err, size_t err_size)
{
	struct readlog *r = calloc(1, sizeof(*r));
	int e;

	if (!r) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	r->patience_ms = patience_ms;
	gaps_init(&r->gaps, 1);
	r->sock = audit_ctl_open();
	if (!r->sock) {
		snprintf(err, err_size, "cannot open an audit netlink socket: %s",
			 audit_ctl_strerror(-errno));
		free(r);
		return NULL;
	}
	e = audit_ctl_join_readlog(r->sock);
	if (e < 0) {
		snprintf(err, err_size, "cannot join the audit multicast group: %s%s",
			 audit_ctl_strerror(e), e == -EPERM ? " (needs CAP_AUDIT_READ)" : "");
		goto close_sock;
	}
	r->st.rcvbuf = audit_ctl_set_rcvbuf(r->sock, rcvbuf);
	if (r->st.rcvbuf < 0) {
		snprintf(err, err_size, "cannot set the receive buffer: %s",
			 strerror((int)-r->st.rcvbuf));
		goto close_sock;
	}
	e = pthread_create(&r->thread, NULL, reader_main, r);
	if (e) {
		snprintf(err, err_size, "cannot start the reader thread: %s", strerror(e));
		goto close_sock;
	}
	return r;
close_sock:
	audit_ctl_close(r->sock);
	free(r);
	return NULL;
}

const struct readlog_stats *readlog_stats(const struct readlog *r)
{
	return &r->st;
}

void readlog_stop(struct readlog *r)
{
	if (!r)
		return;
	atomic_store(&r->stop, true);
	pthread_join(r->thread, NULL);
	audit_ctl_close(r->sock);
	free(r);
}
