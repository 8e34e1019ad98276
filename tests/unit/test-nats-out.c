/* SPDX-License-Identifier: MIT */
/*
 * nats-out without the kernel: batches of messages handed over as the
 * decoders hand them, against a nats-server of the test's own (loopback,
 * a free port, its data in the case's folder; killed by pid when the case
 * ends, also when it fails), the stream read back with libnats. Any user;
 * skipped without nats-server. Runs under the sanitizers too: the queue,
 * the spooler, the sender and libnats' acknowledgement thread at once.
 *   - everything handed over reaches the stream once;
 *   - the server SIGKILLed and started again with messages in flight and
 *     more handed over meanwhile: spooled, then all once, in order;
 *   - a spool too small for an outage: stream + counted lost = handed;
 *   - the output stopped with the server down: the spool keeps the
 *     messages, a new output (the next start) sends them;
 *   - refused credentials: nats_out_open fails, the refusal said;
 *   - a TLS file libnats cannot load: nats_out_open fails, the key and
 *     the file named.
 */
#include "harness.h"
#include "loopback.h"
#include "nats-msg.h"
#include "nats-out.h"

#include <errno.h>
#include <fcntl.h>
#include <nats/nats.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct server {
	pid_t pid;
	unsigned port;
	char dir[256], url[64], extra[256];
};

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static void server_kill(void *arg)
{
	struct server *s = arg;

	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	s->pid = 0;
}

/* nats-server -js on s->port (a new one the first time), data in s->dir. */
static void server_start(struct server *s)
{
	char port[16], log[300];

	if (!s->port) {
		s->port = loopback_free_port();
		snprintf(s->dir, sizeof(s->dir), "%s", harness_tempdir("nats-out"));
		snprintf(s->url, sizeof(s->url), "nats://127.0.0.1:%u", s->port);
		harness_defer(server_kill, s);
	}
	snprintf(port, sizeof(port), "%u", s->port);
	snprintf(log, sizeof(log), "%s/server.log", s->dir);
	s->pid = fork();
	CHECK(s->pid >= 0);
	if (s->pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		/* Gone with the test, also when it crashes (no cleanup runs then). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (s->extra[0])
			execlp("nats-server", "nats-server", "-js", "-a", "127.0.0.1", "-p", port, "-sd",
			       s->dir, "-c", s->extra, (char *)NULL);
		else
			execlp("nats-server", "nats-server", "-js", "-a", "127.0.0.1", "-p", port, "-sd",
			       s->dir, (char *)NULL);
		_exit(127);
	}
	for (unsigned i = 0; i < 200 && !loopback_listening(s->port); i++)
		sleep_ms(25);
	if (!loopback_listening(s->port))
		FAIL("nats-server did not listen on %u (see %s)", s->port, log);
}

static void need_server(void)
{
	if (system("command -v nats-server >/dev/null 2>&1") != 0)
		SKIP("no nats-server (Debian package nats-server)");
}

static void settings_for(const struct server *s, const char *spool, struct nats_out_settings *ret)
{
	*ret = (struct nats_out_settings){
		.replicas = 1, .duplicate_window_s = 120, .max_pending = 256,
		.spool_max = 64u << 20, .queue_bytes = 4u << 20, .ack_wait_ms = 2000,
	};
	snprintf(ret->urls, sizeof(ret->urls), "%s", s->url);
	snprintf(ret->stream, sizeof(ret->stream), "NEEDLE");
	snprintf(ret->subject, sizeof(ret->subject), "needle.events.{host}");
	snprintf(ret->host, sizeof(ret->host), "unit");
	snprintf(ret->spool_dir, sizeof(ret->spool_dir), "%s", spool);
}

static void out_free(void *arg)
{
	nats_out_free(*(struct nats_out **)arg);
}

/* Hands over n messages (serials from first on), batch messages a batch,
 * each of size bytes. */
static void put(struct nats_out *o, uint32_t first, unsigned n, unsigned batch, size_t size)
{
	struct outbuf b = { 0 };
	char *data = malloc(size);
	unsigned in = 0;

	CHECK(data != NULL);
	memset(data, 'x', size);
	for (unsigned i = 0; i < n; i++) {
		struct audit_stamp st = { 1700000000 + i / 1000, i % 1000, first + i };
		size_t host_len;
		const char *host = nats_out_host(o, &host_len);
		size_t start = nats_msg_begin(&b, nats_out_template(o), host, host_len, NULL, 0, &st);

		outbuf_puts(&b, "{\"serial\":");
		outbuf_put_u64(&b, st.serial);
		outbuf_puts(&b, ",\"pad\":\"");
		outbuf_put(&b, data, size);
		outbuf_puts(&b, "\"}\n");
		nats_msg_end(&b, start);
		if (++in == batch || i + 1 == n) {
			CHECK(!b.failed);
			nats_out_put(o, b.data, b.len, in);
			b.len = 0;
			in = 0;
		}
	}
	outbuf_free(&b);
	free(data);
}

/* Waits until the spool is empty and nothing is in flight; the stats. */
static void wait_sent(struct nats_out *o, unsigned seconds, struct nats_out_stats *st)
{
	for (unsigned i = 0; i < seconds * 20; i++) {
		nats_out_get_stats(o, st);
		if (!st->spool_events && !st->pending && !st->queued_bytes &&
		    st->spooled + st->lost_spool + st->lost_queue + st->lost_error == st->events)
			return;
		sleep_ms(50);
	}
	FAIL("not sent in %u s: %llu in the spool, %llu pending", seconds,
	     (unsigned long long)st->spool_events, (unsigned long long)st->pending);
}

/* The stream's messages: how many, how many distinct ids; in disorder
 * how many have a serial not above the one before (put() hands them over
 * in serial order). */
static uint64_t disorder;

static void stream_count(const char *url, uint64_t *ret_msgs, uint64_t *ret_distinct)
{
	unsigned long long last = 0;

	natsConnection *nc = NULL;
	jsCtx *js = NULL;
	jsStreamInfo *si = NULL;
	natsSubscription *sub = NULL;
	jsSubOptions so;
	jsErrCode jerr = 0;
	uint64_t stored, n = 0, distinct = 0;
	size_t cap = 1;
	char **ids;

	disorder = 0;
	CHECK_EQ(natsConnection_ConnectTo(&nc, url), NATS_OK);
	CHECK_EQ(natsConnection_JetStream(&js, nc, NULL), NATS_OK);
	CHECK_EQ(js_GetStreamInfo(&si, js, "NEEDLE", NULL, &jerr), NATS_OK);
	stored = si->State.Msgs;
	jsStreamInfo_Destroy(si);
	while (cap < 2 * stored + 2)
		cap *= 2;
	ids = calloc(cap, sizeof(*ids));
	CHECK(ids != NULL);
	jsSubOptions_Init(&so);
	so.Stream = "NEEDLE";
	so.Ordered = true;
	if (stored)
		CHECK_EQ(js_SubscribeSync(&sub, js, ">", NULL, &so, &jerr), NATS_OK);
	for (; n < stored; n++) {
		natsMsg *m = NULL;
		const char *id = "";
		uint64_t h = 1469598103934665603ull;
		size_t i;

		CHECK_EQ(natsSubscription_NextMsg(&m, sub, 5000), NATS_OK);
		natsMsgHeader_Get(m, "Nats-Msg-Id", &id);
		{
			const char *d = natsMsg_GetData(m);
			unsigned long long serial = d ? strtoull(d + strlen("{\"serial\":"), NULL, 10) : 0;

			disorder += serial <= last;
			last = serial;
		}
		for (const char *p = id; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
		for (i = h & (cap - 1); ids[i] && strcmp(ids[i], id); i = (i + 1) & (cap - 1))
			;
		if (!ids[i]) {
			ids[i] = strdup(id);
			distinct++;
		}
		natsMsg_Destroy(m);
	}
	for (size_t i = 0; i < cap; i++)
		free(ids[i]);
	free(ids);
	natsSubscription_Destroy(sub);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	*ret_msgs = n;
	*ret_distinct = distinct;
}

TEST(everything_reaches_the_stream_once)
{
	static struct server s;
	static struct nats_out *o;
	struct nats_out_settings set;
	struct nats_out_stats st;
	uint64_t msgs, distinct;

	need_server();
	s = (struct server){ 0 };
	server_start(&s);
	settings_for(&s, harness_tempdir("nats-spool"), &set);
	o = NULL;
	harness_defer(out_free, &o);
	CHECK_EQ(nats_out_open(&set, harness_say, &o), 0);
	CHECK(strstr(harness_said, "nats: connected to nats://127.0.0.1:") != NULL);
	CHECK_EQ(nats_out_start(o), 0);
	put(o, 1, 5000, 100, 200);
	wait_sent(o, 20, &st);
	nats_out_stop(o, 2000);
	nats_out_get_stats(o, &st);
	CHECK_EQ(st.events, 5000);
	CHECK_EQ(st.spooled, 5000);
	CHECK_EQ(nats_out_lost(&st), 0);
	CHECK_EQ(st.acked, 5000);
	stream_count(s.url, &msgs, &distinct);
	CHECK_EQ(msgs, 5000);
	CHECK_EQ(distinct, 5000);
}

TEST(server_killed_and_back)
{
	static struct server s;
	static struct nats_out *o;
	struct nats_out_settings set;
	struct nats_out_stats st;
	uint64_t msgs, distinct;

	need_server();
	s = (struct server){ 0 };
	server_start(&s);
	settings_for(&s, harness_tempdir("nats-spool"), &set);
	o = NULL;
	harness_defer(out_free, &o);
	CHECK_EQ(nats_out_open(&set, harness_say, &o), 0);
	CHECK_EQ(nats_out_start(o), 0);
	put(o, 1, 3000, 50, 300);
	/* Some sent, some in flight, some not yet: then the server goes. */
	for (unsigned i = 0; i < 200; i++) {
		nats_out_get_stats(o, &st);
		if (st.acked >= 500)
			break;
		sleep_ms(5);
	}
	NOTE("the server killed with %llu acknowledged, %llu in flight",
	     (unsigned long long)st.acked, (unsigned long long)st.pending);
	server_kill(&s);
	put(o, 3001, 3000, 50, 300);
	for (unsigned i = 0; i < 100; i++) {
		nats_out_get_stats(o, &st);
		if (st.spooled == 6000)
			break;
		sleep_ms(20);
	}
	CHECK(!st.connected);
	CHECK(st.spool_events > 0);
	NOTE("%llu in the spool while the server was down",
	     (unsigned long long)st.spool_events);
	server_start(&s);
	wait_sent(o, 30, &st);
	nats_out_stop(o, 2000);
	nats_out_get_stats(o, &st);
	CHECK(st.reconnects >= 1);
	CHECK_EQ(nats_out_lost(&st), 0);
	stream_count(s.url, &msgs, &distinct);
	NOTE("published %llu, acked %llu (%llu duplicates), failed %llu; stream %llu",
	     (unsigned long long)st.published, (unsigned long long)st.acked,
	     (unsigned long long)st.duplicates, (unsigned long long)st.failed,
	     (unsigned long long)msgs);
	CHECK_EQ(msgs, 6000);
	CHECK_EQ(distinct, 6000);
	/* Sent again after the break in the order handed over. */
	CHECK_EQ(disorder, 0);
}

TEST(spool_too_small_counts_what_it_refuses)
{
	static struct server s;
	static struct nats_out *o;
	struct nats_out_settings set;
	struct nats_out_stats st;
	uint64_t msgs, distinct;

	need_server();
	s = (struct server){ 0 };
	server_start(&s);
	settings_for(&s, harness_tempdir("nats-spool"), &set);
	set.spool_max = 1u << 20;
	o = NULL;
	harness_defer(out_free, &o);
	CHECK_EQ(nats_out_open(&set, harness_say, &o), 0);
	CHECK_EQ(nats_out_start(o), 0);
	wait_sent(o, 10, &st); /* the stream is made */
	server_kill(&s);
	put(o, 1, 1000, 20, 4000);
	for (unsigned i = 0; i < 100; i++) {
		nats_out_get_stats(o, &st);
		if (st.spooled + st.lost_spool == 1000)
			break;
		sleep_ms(20);
	}
	CHECK(st.lost_spool > 0);
	server_start(&s);
	wait_sent(o, 30, &st);
	nats_out_stop(o, 2000);
	nats_out_get_stats(o, &st);
	stream_count(s.url, &msgs, &distinct);
	NOTE("stream %llu + lost %llu = handed %llu", (unsigned long long)msgs,
	     (unsigned long long)nats_out_lost(&st), (unsigned long long)st.events);
	CHECK_EQ(msgs + nats_out_lost(&st), 1000);
	CHECK_EQ(st.lost_spool, nats_out_lost(&st));
	CHECK_EQ(distinct, msgs);
	{
		char news[4096];

		nats_out_news(o, news, sizeof(news));
		CHECK(strstr(news, "nats: the spool is full (spool_max 1048576 bytes)") != NULL);
	}
}

TEST(spool_kept_across_a_stop)
{
	static struct server s;
	static struct nats_out *o;
	struct nats_out_settings set;
	struct nats_out_stats st;
	const char *spool = harness_tempdir("nats-spool");
	uint64_t msgs, distinct;

	need_server();
	s = (struct server){ 0 };
	server_start(&s);
	settings_for(&s, spool, &set);
	o = NULL;
	harness_defer(out_free, &o);
	CHECK_EQ(nats_out_open(&set, harness_say, &o), 0);
	CHECK_EQ(nats_out_start(o), 0);
	wait_sent(o, 10, &st);
	server_kill(&s);
	put(o, 1, 2000, 100, 100);
	nats_out_stop(o, 500);
	nats_out_get_stats(o, &st);
	CHECK_EQ(st.spool_events, 2000);
	nats_out_free(o);
	o = NULL;
	harness_said_forget();
	server_start(&s);
	CHECK_EQ(nats_out_open(&set, harness_say, &o), 0);
	CHECK(strstr(harness_said, "nats: 2000 messages wait in the spool") != NULL);
	CHECK_EQ(nats_out_start(o), 0);
	wait_sent(o, 30, &st);
	nats_out_stop(o, 2000);
	stream_count(s.url, &msgs, &distinct);
	CHECK_EQ(msgs, 2000);
	CHECK_EQ(distinct, 2000);
}

TEST(refused_credentials_fail_at_open)
{
	static struct server s;
	static struct nats_out *o;
	struct nats_out_settings set;
	FILE *f;

	need_server();
	s = (struct server){ 0 };
	snprintf(s.extra, sizeof(s.extra), "%s/auth.conf", harness_tempdir("nats-auth"));
	f = fopen(s.extra, "w");
	CHECK(f != NULL);
	fputs("authorization { user: u, password: right }\n", f);
	fclose(f);
	server_start(&s);
	settings_for(&s, harness_tempdir("nats-spool"), &set);
	snprintf(set.user, sizeof(set.user), "u");
	snprintf(set.password, sizeof(set.password), "wrong");
	o = NULL;
	harness_defer(out_free, &o);
	harness_said_forget();
	CHECK_EQ(nats_out_open(&set, harness_say, &o), -EACCES);
	CHECK(o == NULL);
	CHECK(strstr(harness_said, "refused needle's credentials: Authorization Violation") != NULL);
	snprintf(set.password, sizeof(set.password), "right");
	CHECK_EQ(nats_out_open(&set, harness_say, &o), 0);
}

/* A TLS file libnats cannot load (not PEM): nats_out_open fails, and says
 * which key of needle.conf and which file (nats-endpoint.h). No server:
 * the options are refused before any connection. */
TEST(refused_tls_file_named_at_open)
{
	static struct nats_out *o;
	struct server s = { .url = "nats://127.0.0.1:1" };
	struct nats_out_settings set;
	char want[700];
	FILE *f;

	settings_for(&s, harness_tempdir("nats-spool"), &set);
	snprintf(set.tls_ca, sizeof(set.tls_ca), "%s/ca.pem", harness_tempdir("nats-tls"));
	f = fopen(set.tls_ca, "w");
	CHECK(f != NULL);
	fputs("not a certificate\n", f);
	fclose(f);
	o = NULL;
	harness_defer(out_free, &o);
	harness_said_forget();
	CHECK_EQ(nats_out_open(&set, harness_say, &o), -EINVAL);
	CHECK(o == NULL);
	NOTE("%s", harness_said);
	snprintf(want, sizeof(want), "nats: the settings are refused: nats_tls_ca %s: Error loading "
		 "trusted certificates", set.tls_ca);
	CHECK(strstr(harness_said, want) != NULL);
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	return harness_main(argc, argv,
			    CASES(CASE(everything_reaches_the_stream_once), CASE(server_killed_and_back),
				  CASE(spool_too_small_counts_what_it_refuses),
				  CASE(spool_kept_across_a_stop), CASE(refused_credentials_fail_at_open),
				  CASE(refused_tls_file_named_at_open)));
}
