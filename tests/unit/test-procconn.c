/* SPDX-License-Identifier: MIT */
/* The proc connector: messages built here as the kernel lays them out
 * (linux/cn_proc.h), malformed ones, and the real kernel's events for a
 * child this test forks (as root; skipped without CAP_NET_ADMIN). */
#include "harness.h"
#include "procconn.h"

#include <errno.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct datagram {
	unsigned char b[4096];
	size_t len;
};

/* Appends one netlink message of the connector id (idx, val) with data. */
static void put(struct datagram *d, uint32_t idx, uint32_t val, const void *data, size_t n)
{
	struct nlmsghdr nl = { .nlmsg_len = (uint32_t)NLMSG_LENGTH(sizeof(struct cn_msg) + n),
			       .nlmsg_type = NLMSG_DONE };
	struct cn_msg cn = { .id = { .idx = idx, .val = val }, .len = (uint16_t)n };

	memcpy(d->b + d->len, &nl, sizeof(nl));
	memcpy(d->b + d->len + NLMSG_HDRLEN, &cn, sizeof(cn));
	memcpy(d->b + d->len + NLMSG_HDRLEN + sizeof(cn), data, n);
	d->len += NLMSG_ALIGN(nl.nlmsg_len);
}

static void put_event(struct datagram *d, const struct proc_event *pe)
{
	put(d, CN_IDX_PROC, CN_VAL_PROC, pe, sizeof(*pe));
}

TEST(each_kind_in_order)
{
	struct datagram d = { .len = 0 };
	struct proc_event pe;
	struct procconn_event ev;
	size_t off = 0;
	uint32_t other = 42;

	memset(&pe, 0, sizeof(pe));
	pe.what = PROC_EVENT_NONE; /* the subscription's ack */
	put_event(&d, &pe);
	pe.what = PROC_EVENT_FORK;
	pe.timestamp_ns = 123456789;
	pe.event_data.fork.parent_pid = 10;
	pe.event_data.fork.parent_tgid = 10;
	pe.event_data.fork.child_pid = 11;
	pe.event_data.fork.child_tgid = 11;
	put_event(&d, &pe);
	put(&d, CN_IDX_PROC + 1, 1, &other, sizeof(other)); /* another connector's */
	memset(&pe, 0, sizeof(pe));
	pe.what = PROC_EVENT_EXEC;
	pe.event_data.exec.process_pid = 11;
	pe.event_data.exec.process_tgid = 11;
	put_event(&d, &pe);
	pe.what = PROC_EVENT_UID;
	pe.event_data.id.process_pid = 11;
	pe.event_data.id.process_tgid = 11;
	pe.event_data.id.r.ruid = 65534;
	pe.event_data.id.e.euid = 0;
	put_event(&d, &pe);
	memset(&pe, 0, sizeof(pe));
	pe.what = PROC_EVENT_COMM;
	pe.event_data.comm.process_pid = 12;
	pe.event_data.comm.process_tgid = 11;
	memcpy(pe.event_data.comm.comm, "0123456789abcdef", 16); /* no NUL */
	put_event(&d, &pe);
	memset(&pe, 0, sizeof(pe));
	pe.what = PROC_EVENT_EXIT;
	pe.event_data.exit.process_pid = 11;
	pe.event_data.exit.process_tgid = 11;
	pe.event_data.exit.exit_code = 256;
	put_event(&d, &pe);

	CHECK_EQ(procconn_next(d.b, d.len, &off, &ev), 1);
	CHECK(ev.what == PROCCONN_FORK && ev.parent_tgid == 10 && ev.pid == 11 && ev.tgid == 11);
	CHECK_EQ(ev.timestamp_ns, 123456789);
	CHECK_EQ(procconn_next(d.b, d.len, &off, &ev), 1);
	CHECK(ev.what == PROCCONN_EXEC && ev.tgid == 11);
	CHECK_EQ(procconn_next(d.b, d.len, &off, &ev), 1);
	CHECK(ev.what == PROCCONN_UID && ev.id == 65534 && ev.eid == 0);
	CHECK_EQ(procconn_next(d.b, d.len, &off, &ev), 1);
	CHECK(ev.what == PROCCONN_COMM && ev.pid == 12 && ev.tgid == 11);
	CHECK_STR(ev.comm, "0123456789abcde"); /* cut to 15 and terminated */
	CHECK_EQ(procconn_next(d.b, d.len, &off, &ev), 1);
	CHECK(ev.what == PROCCONN_EXIT && ev.tgid == 11 && ev.exit_code == 256);
	CHECK_EQ(procconn_next(d.b, d.len, &off, &ev), 0);
	CHECK_EQ(off, d.len);
}

TEST(malformed_datagrams)
{
	struct datagram d = { .len = 0 };
	struct proc_event pe;
	struct procconn_event ev;
	struct nlmsghdr nl;
	struct cn_msg cn;
	size_t off;

	memset(&pe, 0, sizeof(pe));
	pe.what = PROC_EVENT_EXEC;
	put_event(&d, &pe);
	/* Cut anywhere inside the message: never read past, never an event. */
	for (size_t cut = 0; cut < d.len; cut++) {
		off = 0;
		CHECK(procconn_next(d.b, cut, &off, &ev) <= 0);
		CHECK(off <= cut);
	}
	/* A netlink length longer than the datagram. */
	memcpy(&nl, d.b, sizeof(nl));
	nl.nlmsg_len = (uint32_t)d.len + 8;
	memcpy(d.b, &nl, sizeof(nl));
	off = 0;
	CHECK_EQ(procconn_next(d.b, d.len, &off, &ev), -EINVAL);
	CHECK_EQ(off, d.len);
	/* A connector length longer than its netlink message. */
	nl.nlmsg_len = (uint32_t)NLMSG_LENGTH(sizeof(cn) + sizeof(pe));
	memcpy(d.b, &nl, sizeof(nl));
	memcpy(&cn, d.b + NLMSG_HDRLEN, sizeof(cn));
	cn.len = (uint16_t)(sizeof(pe) + 64);
	memcpy(d.b + NLMSG_HDRLEN, &cn, sizeof(cn));
	off = 0;
	CHECK_EQ(procconn_next(d.b, d.len, &off, &ev), -EINVAL);
	off = 0;
	CHECK_EQ(procconn_next(d.b, 0, &off, &ev), 0);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The real kernel: a child forked here that execs /bin/true and exits is
 * seen forking from this process, exec'ing once and exiting, each with the
 * child's pid, before the test has even reaped it. */
TEST(kernel_reports_a_short_child)
{
	int fd = procconn_open(1 << 20, PROCCONN_ALL);
	unsigned forks = 0, execs = 0, exits = 0;
	uint64_t deadline;
	pid_t child;
	int status;

	if (fd == -EPERM || fd == -EACCES || fd == -EPROTONOSUPPORT || fd == -ENOENT) {
		SKIP("no proc connector here: %s", strerror(-fd));
		return;
	}
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	child = fork();
	if (child == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	CHECK(child > 0);
	deadline = now_ms() + 5000;
	while (exits == 0 && now_ms() < deadline) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		unsigned char buf[8192];
		struct procconn_event ev;
		struct sockaddr_nl from;
		socklen_t fromlen = sizeof(from);
		size_t off = 0;
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen);
		if (n < 0 && errno == ENOBUFS)
			continue; /* a busy machine: events lost, ours may follow */
		CHECK(n > 0);
		if (n <= 0 || from.nl_pid != 0)
			continue; /* only the kernel's */
		while (procconn_next(buf, (size_t)n, &off, &ev) == 1) {
			if (ev.tgid != (uint32_t)child || ev.pid != (uint32_t)child)
				continue;
			forks += ev.what == PROCCONN_FORK && ev.parent_tgid == (uint32_t)getpid();
			execs += ev.what == PROCCONN_EXEC;
			exits += ev.what == PROCCONN_EXIT;
		}
	}
	CHECK_EQ(waitpid(child, &status, 0), child);
	procconn_close(fd);
	NOTE("child %d: %u fork, %u exec, %u exit events", (int)child, forks, execs, exits);
	CHECK_EQ(forks, 1);
	CHECK_EQ(execs, 1);
	CHECK_EQ(exits, 1);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(each_kind_in_order), CASE(malformed_datagrams),
				  CASE(kernel_reports_a_short_child)));
}
