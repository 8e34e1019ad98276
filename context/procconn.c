/* SPDX-License-Identifier: MIT */
/*
 * procconn.c: the proc connector's socket and its messages. A datagram
 * holds netlink messages; each carries a cn_msg (connector id, length)
 * whose data is one struct proc_event (linux/cn_proc.h). Every length is
 * checked against the bytes received before it is used: the kernel is the
 * only sender (bind to the kernel's group, and a pid-0 sender checked by
 * the reader), but a short or odd datagram must not read past the buffer.
 */
#include "procconn.h"

#include <errno.h>
#include <stddef.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <poll.h>
#include <string.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* The event bits of a subscription's filter (linux/cn_proc.h of 6.6,
 * newer than the headers needle may be built with): each event's type. */
#define EVENT_FORK 0x1u
#define EVENT_EXEC 0x2u
#define EVENT_UID 0x4u
#define EVENT_GID 0x40u
#define EVENT_SID 0x80u
#define EVENT_PTRACE 0x100u
#define EVENT_COMM 0x200u
#define EVENT_COREDUMP 0x40000000u
#define EVENT_EXIT 0x80000000u

static uint32_t event_bits(enum procconn_events which)
{
	switch (which) {
	case PROCCONN_EXECS:
		return EVENT_EXEC;
	case PROCCONN_ALL_BUT_EXECS:
		return EVENT_FORK | EVENT_UID | EVENT_GID | EVENT_SID | EVENT_PTRACE | EVENT_COMM |
		       EVENT_COREDUMP | EVENT_EXIT;
	default:
		return 0;
	}
}

/* The subscription message: a netlink header, a cn_msg, the operation and,
 * for a filter, the event bits after it (the kernel tells the two forms by
 * their length), laid out in bytes (cn_msg ends in a flexible array: it
 * cannot be a member of a struct). */
static int send_op(int fd, enum proc_cn_mcast_op op, uint32_t events, uint32_t seq)
{
	uint32_t input[2] = { (uint32_t)op, events };
	size_t len = events ? sizeof(input) : sizeof(input[0]);
	unsigned char m[NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(input))];
	struct nlmsghdr nl = { .nlmsg_len = (uint32_t)NLMSG_LENGTH(sizeof(struct cn_msg) + len),
			       .nlmsg_type = NLMSG_DONE,
			       .nlmsg_pid = (uint32_t)getpid() };
	struct cn_msg cn = { .id = { .idx = CN_IDX_PROC, .val = CN_VAL_PROC },
			     .seq = seq,
			     .ack = seq,
			     .len = (uint16_t)len };
	struct sockaddr_nl to = { .nl_family = AF_NETLINK, .nl_pid = 0 };

	memset(m, 0, sizeof(m));
	memcpy(m, &nl, sizeof(nl));
	memcpy(m + NLMSG_HDRLEN, &cn, sizeof(cn));
	memcpy(m + NLMSG_HDRLEN + sizeof(cn), input, len);
	if (sendto(fd, m, nl.nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	return 0;
}

bool procconn_can_filter(void)
{
	struct utsname u;
	unsigned major = 0, minor = 0;

	/* Before 6.6 the kernel passes a filter over: the socket would get
	 * every event. */
	if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 6);
}

/* The subscription's answer in a datagram: 1 with *ret_err (0: listening)
 * when it holds the kernel's ack (a PROC_EVENT_NONE) to the message of
 * seq, else 0. The kernel sends acks to every socket bound to the group:
 * another process's (err 0) must not pass for ours, so the ack is told by
 * its ack field: the ack we sent plus one (its seq is the kernel's
 * counter). */
static int find_ack(const unsigned char *buf, size_t len, uint32_t seq, uint32_t *ret_err)
{
	size_t at = 0;

	while (len - at >= NLMSG_HDRLEN) {
		struct nlmsghdr nl;
		struct cn_msg cn;
		struct proc_event pe;

		memcpy(&nl, buf + at, sizeof(nl));
		if (nl.nlmsg_len < NLMSG_HDRLEN || nl.nlmsg_len > len - at)
			return 0;
		if (nl.nlmsg_len >= NLMSG_LENGTH(sizeof(cn) + sizeof(pe))) {
			memcpy(&cn, buf + at + NLMSG_HDRLEN, sizeof(cn));
			memcpy(&pe, buf + at + NLMSG_HDRLEN + sizeof(cn), sizeof(pe));
			if (cn.id.idx == CN_IDX_PROC && cn.len >= sizeof(pe) &&
			    pe.what == PROC_EVENT_NONE && cn.ack == seq + 1) {
				*ret_err = pe.event_data.ack.err;
				return 1;
			}
		}
		at += NLMSG_ALIGN(nl.nlmsg_len);
	}
	return 0;
}

/* Waits for the kernel's answer to the subscription: the kernel sends it
 * whatever happened (EPERM without CAP_NET_ADMIN: the socket opens and
 * binds all the same, and would stay silent), and none at all to a
 * process outside the initial user and pid namespaces. Events that come
 * before it are passed over: the table is seeded from /proc afterwards. */
static int wait_ack(int fd, uint32_t seq)
{
	unsigned char buf[1024];

	for (int tries = 0; tries < 64; tries++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint32_t err;
		ssize_t n;

		if (poll(&p, 1, 1000) <= 0)
			return -ETIMEDOUT;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno != ENOBUFS)
			return -errno;
		if (n > 0 && find_ack(buf, (size_t)n, seq, &err))
			return err ? -(int)err : 0;
	}
	return -ETIMEDOUT;
}

int procconn_open(int rcvbuf, enum procconn_events which)
{
	struct sockaddr_nl me = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC };
	struct timespec now;
	uint32_t seq;
	int fd, r;

	/* ours alone among the acks of processes subscribing meanwhile */
	clock_gettime(CLOCK_MONOTONIC, &now);
	seq = (uint32_t)getpid() * 2654435761u ^ (uint32_t)now.tv_nsec;
	fd = socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
	if (fd < 0)
		return -errno;
	if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0)
		goto close_socket;
	if (bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0)
		goto close_socket;
	r = send_op(fd, PROC_CN_MCAST_LISTEN, 0, seq);
	if (r == 0)
		r = wait_ack(fd, seq);
	/* The filter second: the kernel filters its acks too (an ack is no
	 * event type), so a filtered subscription is never answered. A second
	 * LISTEN only sets the socket's filter. */
	if (r == 0 && event_bits(which))
		r = send_op(fd, PROC_CN_MCAST_LISTEN, event_bits(which), seq + 2);
	if (r < 0) {
		errno = -r;
		goto close_socket;
	}
	return fd;
close_socket:
	r = -errno;
	close(fd);
	return r;
}

void procconn_close(int fd)
{
	if (fd < 0)
		return;
	(void)send_op(fd, PROC_CN_MCAST_IGNORE, 0, 0);
	close(fd);
}

#define SAME_START(m)                                                                     \
	(offsetof(struct proc_event, event_data.m.process_pid) ==                          \
		 offsetof(struct proc_event, event_data.exec.process_pid) &&               \
	 offsetof(struct proc_event, event_data.m.process_tgid) ==                         \
		 offsetof(struct proc_event, event_data.exec.process_tgid))
_Static_assert(SAME_START(id) && SAME_START(sid) && SAME_START(comm) && SAME_START(exit),
	       "cn_proc.h's events begin with pid and tgid");

/* One proc_event into ret: 1, or 0 for an event type needle does not use. */
static int event_of(const struct proc_event *pe, struct procconn_event *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->timestamp_ns = pe->timestamp_ns;
	/* Every event but FORK begins with the process's pid and tgid (each
	 * member of cn_proc.h's union does): read once, through exec's. */
	ret->pid = (uint32_t)pe->event_data.exec.process_pid;
	ret->tgid = (uint32_t)pe->event_data.exec.process_tgid;
	switch (pe->what) {
	case PROC_EVENT_FORK:
		ret->what = PROCCONN_FORK;
		ret->parent_pid = (uint32_t)pe->event_data.fork.parent_pid;
		ret->parent_tgid = (uint32_t)pe->event_data.fork.parent_tgid;
		ret->pid = (uint32_t)pe->event_data.fork.child_pid;
		ret->tgid = (uint32_t)pe->event_data.fork.child_tgid;
		return 1;
	case PROC_EVENT_EXEC:
		ret->what = PROCCONN_EXEC;
		return 1;
	case PROC_EVENT_UID:
	case PROC_EVENT_GID:
		ret->what = pe->what == PROC_EVENT_UID ? PROCCONN_UID : PROCCONN_GID;
		ret->id = pe->event_data.id.r.ruid;
		ret->eid = pe->event_data.id.e.euid;
		return 1;
	case PROC_EVENT_SID:
		ret->what = PROCCONN_SID;
		return 1;
	case PROC_EVENT_COMM:
		ret->what = PROCCONN_COMM;
		memcpy(ret->comm, pe->event_data.comm.comm, sizeof(ret->comm) - 1);
		ret->comm[sizeof(ret->comm) - 1] = '\0';
		return 1;
	case PROC_EVENT_EXIT:
		ret->what = PROCCONN_EXIT;
		ret->exit_code = pe->event_data.exit.exit_code;
		return 1;
	default:
		return 0; /* ack, ptrace, coredump, none */
	}
}

int procconn_next(const void *buf, size_t len, size_t *offset, struct procconn_event *ret)
{
	while (*offset < len) {
		const unsigned char *at = (const unsigned char *)buf + *offset;
		size_t left = len - *offset;
		struct nlmsghdr nl;
		struct cn_msg cn;
		struct proc_event pe;
		int r;

		if (left < sizeof(nl))
			goto malformed;
		memcpy(&nl, at, sizeof(nl));
		if (nl.nlmsg_len < sizeof(nl) || nl.nlmsg_len > left)
			goto malformed;
		*offset += NLMSG_ALIGN(nl.nlmsg_len) < left ? NLMSG_ALIGN(nl.nlmsg_len) : left;
		if (nl.nlmsg_type == NLMSG_NOOP)
			continue;
		if (nl.nlmsg_type == NLMSG_ERROR || nl.nlmsg_type == NLMSG_OVERRUN)
			continue; /* an ack of the subscription; ENOBUFS comes from recv */
		if (nl.nlmsg_len < NLMSG_LENGTH(sizeof(cn)))
			goto malformed;
		memcpy(&cn, at + NLMSG_HDRLEN, sizeof(cn));
		if (cn.id.idx != CN_IDX_PROC || cn.id.val != CN_VAL_PROC)
			continue; /* another connector's */
		if (NLMSG_LENGTH(sizeof(cn)) + (size_t)cn.len > nl.nlmsg_len)
			goto malformed;
		if (cn.len < sizeof(pe))
			continue; /* shorter than any event: the subscription's ack */
		memcpy(&pe, at + NLMSG_HDRLEN + sizeof(cn), sizeof(pe));
		r = event_of(&pe, ret);
		if (r)
			return r;
	}
	return 0;
malformed:
	*offset = len;
	return -EINVAL;
}
