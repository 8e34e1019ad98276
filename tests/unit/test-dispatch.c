/* SPDX-License-Identifier: MIT */
/*
 * The plugins' queues (pipeline/dispatch.h), each count checked against
 * what the plugin's end of the socket really read: a plugin that never
 * reads fills its queue and the rest is dropped and counted while
 * dispatch_put() keeps returning; a slow reader gets everything; a plugin
 * that exits in the middle is counted down and the restarted one gets the
 * queue; an af_unix socket drops while nobody reads it; a plugin given up
 * takes nothing. Always: read by the plugin + dropped (by reason) = put.
 */
#include "dispatch.h"
#include "harness.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define LINE_LEN 100

static void free_dispatch(void *arg)
{
	dispatch_free(arg);
}

static struct dispatch *make(unsigned n, uint64_t queue, bool af_unix)
{
	struct dispatch_settings s = { .n = n, .queue_bytes = queue };
	struct dispatch *d;

	for (unsigned i = 0; i < n; i++) {
		snprintf(s.plugin[i].name, sizeof(s.plugin[i].name), "p%u", i);
		s.plugin[i].format = DISPATCH_STRING;
		s.plugin[i].af_unix = af_unix;
	}
	d = dispatch_new(&s);
	CHECK(d != NULL);
	harness_defer(free_dispatch, d);
	return d;
}

/* A batch of n lines of LINE_LEN bytes, numbered from first. */
static void put_lines(struct dispatch *d, unsigned first, unsigned n)
{
	static char buf[256 * LINE_LEN];

	CHECK(n <= 256);
	for (unsigned i = 0; i < n; i++) {
		snprintf(buf + i * LINE_LEN, LINE_LEN, "type=SYSCALL msg=audit(1.000:%u): %*s", first + i,
			 60, "x");
		memset(buf + i * LINE_LEN + strlen(buf + i * LINE_LEN), 'y',
		       LINE_LEN - 1 - strlen(buf + i * LINE_LEN));
		buf[(i + 1) * LINE_LEN - 1] = '\n';
	}
	dispatch_put(d, DISPATCH_STRING, buf, (size_t)n * LINE_LEN, n);
}

/* Reads the plugin's end until it has want lines (0: until EOF), or
 * nothing came for timeout_ms (generous: a sanitizer build is slow);
 * returns the whole lines read, and checks they are whole and in order. */
static uint64_t read_lines(int fd, uint64_t want, unsigned timeout_ms, unsigned *next)
{
	static char buf[65536];
	uint64_t lines = 0;
	size_t partial = 0;

	while (!want || lines < want) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, (int)timeout_ms) <= 0)
			break;
		n = read(fd, buf + partial, sizeof(buf) - partial);
		if (n <= 0)
			break;
		partial += (size_t)n;
		while (partial >= LINE_LEN) {
			unsigned serial;

			CHECK(buf[LINE_LEN - 1] == '\n');
			CHECK(sscanf(buf, "type=SYSCALL msg=audit(1.000:%u):", &serial) == 1);
			if (next) {
				CHECK_EQ(serial, *next); /* in order, none twice */
				(*next)++;
			}
			lines++;
			memmove(buf, buf + LINE_LEN, partial - LINE_LEN);
			partial -= LINE_LEN;
		}
	}
	return lines;
}

static void close_fd(void *arg)
{
	close((int)(intptr_t)arg);
}

/* A socketpair: [0] for the dispatcher, [1] the plugin's stdin. */
static void pair(int sv[2])
{
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	harness_defer(close_fd, (void *)(intptr_t)sv[1]);
}

static uint64_t dropped(const struct dispatch_stats *st)
{
	uint64_t sum = 0;

	for (unsigned k = 0; k < DISPATCH_DROP_COUNT; k++)
		sum += st->dropped[k];
	return sum;
}

TEST(never_reading_plugin_drops_and_counts)
{
	struct dispatch *d = make(1, 64 << 10, false);
	struct dispatch_stats st;
	uint64_t read;
	int sv[2];

	pair(sv);
	/* A small socket buffer: the plugin's socket is full after a few KB,
	 * as a busy plugin's is after a moment. */
	CHECK_EQ(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &(int){ 4096 }, sizeof(int)), 0);
	dispatch_attach(d, 0, sv[0]);
	CHECK_EQ(dispatch_start(d), 0);
	/* 20,000 records, 2 MB: many times the queue and the socket's buffer.
	 * Every put returns although the plugin reads nothing. */
	for (unsigned b = 0; b < 100; b++)
		put_lines(d, b * 200, 200);
	dispatch_get_stats(d, 0, &st);
	CHECK(st.dropped[DISPATCH_DROP_FULL] > 0);
	CHECK_EQ(st.state, DISPATCH_WRITING);
	CHECK(st.queued <= st.capacity);
	/* It never read: at stop (50 ms to drain) the queue is counted. */
	dispatch_stop(d, 50);
	dispatch_get_stats(d, 0, &st);
	read = read_lines(sv[1], 0, 5000, NULL);
	NOTE("plugin read %" PRIu64 ", dropped full %" PRIu64 ", stop %" PRIu64, read,
	     st.dropped[DISPATCH_DROP_FULL], st.dropped[DISPATCH_DROP_STOP]);
	CHECK_EQ(st.records, read);
	CHECK(st.dropped[DISPATCH_DROP_STOP] > 0);
	CHECK_EQ(st.dropped[DISPATCH_DROP_DOWN], 0);
	CHECK_EQ(read + dropped(&st), 20000);
	CHECK_EQ(st.queued, 0);
}

struct slow {
	int fd;
	uint64_t lines;
	unsigned next;
};

static void *slow_reader(void *arg)
{
	struct slow *s = arg;
	struct timespec nap = { 0, 2000000 };

	/* A plugin that takes its time: 2 ms per read. */
	for (;;) {
		uint64_t n;

		nanosleep(&nap, NULL);
		n = read_lines(s->fd, 0, 1, &s->next);
		s->lines += n;
		if (s->next == 20000)
			break;
	}
	return NULL;
}

TEST(slow_reader_gets_everything)
{
	struct dispatch *d = make(1, 4 << 20, false);
	struct dispatch_stats st;
	struct slow s = { 0 };
	pthread_t t;
	int sv[2];

	pair(sv);
	dispatch_attach(d, 0, sv[0]);
	CHECK_EQ(dispatch_start(d), 0);
	s.fd = sv[1];
	CHECK_EQ(pthread_create(&t, NULL, slow_reader, &s), 0);
	for (unsigned b = 0; b < 100; b++)
		put_lines(d, b * 200, 200); /* 2 MB: fits the 4 MiB queue */
	pthread_join(t, NULL);
	dispatch_stop(d, 1000);
	dispatch_get_stats(d, 0, &st);
	CHECK_EQ(s.lines, 20000);
	CHECK_EQ(st.records, 20000);
	CHECK_EQ(dropped(&st), 0);
}

TEST(plugin_that_exits_then_restarted)
{
	struct dispatch *d = make(1, 1 << 20, false);
	struct dispatch_stats st;
	uint64_t first, second;
	unsigned next = 0;
	int sv[2], sv2[2];

	pair(sv);
	dispatch_attach(d, 0, sv[0]);
	CHECK_EQ(dispatch_start(d), 0);
	put_lines(d, 0, 100);
	first = read_lines(sv[1], 100, 5000, &next);
	CHECK_EQ(first, 100);
	/* The plugin exits: its end closes. The next write breaks. */
	close(sv[1]);
	put_lines(d, 100, 100);
	for (int i = 0; i < 1000 && dispatch_broken(d, 0) == 0; i++)
		usleep(5000);
	CHECK_EQ(dispatch_broken(d, 0), 1);
	dispatch_get_stats(d, 0, &st);
	CHECK_EQ(st.state, DISPATCH_WAITING);
	/* Down: what comes is queued for the next one. */
	put_lines(d, 200, 100);
	pair(sv2);
	dispatch_attach(d, 0, sv2[0]);
	next = 200;
	second = read_lines(sv2[1], 100, 5000, &next);
	dispatch_stop(d, 100);
	dispatch_get_stats(d, 0, &st);
	CHECK_EQ(second, 100);
	CHECK_EQ(st.records, first + second);
	CHECK_EQ(st.attaches, 2);
	/* The batch the broken write held is counted down, whole or in part. */
	CHECK_EQ(st.dropped[DISPATCH_DROP_DOWN], 100);
	CHECK_EQ(first + second + dropped(&st), 300);
}

TEST(af_unix_drops_without_a_reader)
{
	const char *dir = harness_tempdir("dispatch");
	struct dispatch *d = make(1, 1 << 20, true);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct dispatch_stats st;
	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), c;
	uint64_t got;
	unsigned next = 100;

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/sock", dir);
	CHECK(l >= 0);
	CHECK_EQ(bind(l, (struct sockaddr *)&addr, sizeof(addr)), 0);
	CHECK_EQ(listen(l, 5), 0);
	dispatch_listen(d, 0, l);
	CHECK_EQ(dispatch_start(d), 0);
	put_lines(d, 0, 100); /* nobody reads: dropped, not queued */
	dispatch_get_stats(d, 0, &st);
	CHECK_EQ(st.state, DISPATCH_NO_READER);
	CHECK_EQ(st.dropped[DISPATCH_DROP_DOWN], 100);
	CHECK_EQ(st.queued, 0);
	c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK_EQ(connect(c, (struct sockaddr *)&addr, sizeof(addr)), 0);
	harness_defer(close_fd, (void *)(intptr_t)c);
	for (int i = 0; i < 1000 && st.state != DISPATCH_WRITING; i++) {
		usleep(5000);
		dispatch_get_stats(d, 0, &st);
	}
	CHECK_EQ(st.state, DISPATCH_WRITING);
	put_lines(d, 100, 100);
	got = read_lines(c, 100, 5000, &next);
	dispatch_stop(d, 100);
	dispatch_get_stats(d, 0, &st);
	CHECK_EQ(got, 100);
	CHECK_EQ(st.records, 100);
	CHECK_EQ(dropped(&st), 100);
}

TEST(given_up_plugin_takes_nothing)
{
	struct dispatch *d = make(2, 1 << 20, false);
	struct dispatch_stats st0, st1;
	int a[2], b[2];
	unsigned next = 0;

	pair(a);
	pair(b);
	dispatch_attach(d, 0, a[0]);
	dispatch_attach(d, 1, b[0]);
	dispatch_give_up(d, 0);
	CHECK_EQ(dispatch_start(d), 0);
	put_lines(d, 0, 50);
	CHECK_EQ(read_lines(b[1], 50, 5000, &next), 50); /* the other plugin is not held up */
	dispatch_stop(d, 100);
	dispatch_get_stats(d, 0, &st0);
	dispatch_get_stats(d, 1, &st1);
	CHECK_EQ(st0.state, DISPATCH_GONE);
	CHECK_EQ(st0.records, 0);
	CHECK_EQ(st0.dropped[DISPATCH_DROP_DOWN], 50);
	CHECK_EQ(st1.records, 50);
	CHECK_EQ(dropped(&st1), 0);
	CHECK_EQ(read_lines(a[1], 0, 5000, NULL), 0); /* its socket: closed, nothing in it */
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(never_reading_plugin_drops_and_counts),
				  CASE(slow_reader_gets_everything),
				  CASE(plugin_that_exits_then_restarted),
				  CASE(af_unix_drops_without_a_reader),
				  CASE(given_up_plugin_takes_nothing)));
}
