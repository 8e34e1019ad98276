/* SPDX-License-Identifier: MIT */
/* gather: see gather.h. */
#include "gather.h"
#include "dedup.h"
#include "fault.h"
#include "hostlog.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FETCH_WAIT_MS 500
#define REFUSALS_SAID 20
#define SAY_EVERY_S 10

enum action {
	ACT_REFUSE, /* not one of needle's events: terminated */
	ACT_REPEAT, /* written before: acknowledged only */
	ACT_WRITE,  /* staged: acknowledged once its write succeeded */
	ACT_RETRY,  /* not staged (out of memory): asked again */
};

struct entry {
	enum action act;
	struct hostlog_output *token;
};

struct gather {
	const struct gather_options *o;
	struct natslink *link;
	struct hostlogs *logs;
	struct convert *conv;
	struct outbuf lines;
	struct entry entries[GATHER_BATCH];
	struct {
		uint64_t messages, written, repeats, refused, failed, retried, ack_errors;
	} n;
	uint64_t unacked_left; /* test fault gather-no-ack: acks still to withhold */
	time_t fetch_said;
	bool stdout_failed; /* standard output's reader went: stop */
};

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "needle gather: %s\n", line);
}

static void refuse(struct gather *g, unsigned i, const char *why)
{
	uint64_t seq, delivered;

	if (++g->n.refused <= REFUSALS_SAID) {
		natslink_sequence(g->link, i, &seq, &delivered);
		say("message %llu of stream %s (subject %s) is not one of needle's events: %s; "
		    "it is not written, and the server is told not to send it again",
		    (unsigned long long)seq, g->o->consumer.stream, natslink_subject(g->link, i),
		    why);
	}
}

/* One message of the batch: refused, a repeat, or staged for its write. */
static enum action take(struct gather *g, unsigned i, struct entry *e)
{
	const char *host = natslink_header(g->link, i, "Needle-Host");
	const char *msgid = natslink_header(g->link, i, "Nats-Msg-Id");
	const char *format = natslink_header(g->link, i, "Needle-Format");
	struct convert_message m = { 0 };
	enum convert_file file;
	struct hostlog *hl;
	const char *why;
	int r;

	if (!host || !convert_host_ok(host, strlen(host))) {
		refuse(g, i, "no Needle-Host header, or a host name that cannot name a file "
			     "(letters, digits, '.', '_' and '-')");
		return ACT_REFUSE;
	}
	m.host = host;
	m.host_len = strlen(host);
	if (!msgid || strncmp(msgid, host, m.host_len) != 0 || msgid[m.host_len] != '/' ||
	    !dedup_parse_id(msgid + m.host_len + 1, strlen(msgid + m.host_len + 1), &m.id)) {
		refuse(g, i, "no Nats-Msg-Id of the form HOST/SEC.MS:SERIAL");
		return ACT_REFUSE;
	}
	m.id_text = msgid + m.host_len + 1;
	m.id_len = strlen(m.id_text);
	if (format && strcmp(format, "json") != 0 && strcmp(format, "raw") != 0) {
		refuse(g, i, "a Needle-Format other than json or raw");
		return ACT_REFUSE;
	}
	m.raw = format && strcmp(format, "raw") == 0;
	if (hostlogs_host(g->logs, m.host, m.host_len, &hl) < 0) {
		say("out of memory for host %s: its message comes again", host);
		return ACT_RETRY;
	}
	if (hostlog_seen(hl, &m.id))
		return ACT_REPEAT;
	natslink_payload(g->link, i, &m.data, &m.len);
	g->lines.len = 0;
	r = convert_message(g->conv, &m, &g->lines, &file, &why);
	if (r == -EINVAL) {
		refuse(g, i, why);
		return ACT_REFUSE;
	}
	if (r < 0 || hostlogs_stage(g->logs, hl, file, &m.id, g->lines.data, g->lines.len,
				    &e->token) < 0) {
		say("out of memory for an event of %s: it comes again", host);
		return ACT_RETRY;
	}
	return ACT_WRITE;
}

/* Acknowledges what was written (or was a repeat), asks again for what
 * was not, terminates what is not needle's. */
static void settle(struct gather *g, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct entry *e = &g->entries[i];
		int r = 0;

		switch (e->act) {
		case ACT_REFUSE:
			r = natslink_term(g->link, i);
			break;
		case ACT_REPEAT:
			g->n.repeats++;
			r = natslink_ack(g->link, i);
			break;
		case ACT_WRITE:
			if (!hostlogs_written(e->token)) {
				g->n.failed++;
				r = natslink_nak(g->link, i, GATHER_NAK_MS);
				break;
			}
			g->n.written++;
			if (g->unacked_left) {
				/* TEST FAULT gather-no-ack: as if this ack were lost. */
				g->unacked_left--;
				break;
			}
			r = natslink_ack(g->link, i);
			break;
		case ACT_RETRY:
			g->n.retried++;
			r = natslink_nak(g->link, i, GATHER_NAK_MS);
			break;
		}
		if (r < 0)
			g->n.ack_errors++; /* it comes again after the ack wait */
	}
}

static void batch(struct gather *g, unsigned n)
{
	uint64_t staged_ok = 0;

	g->n.messages += n;
	for (unsigned i = 0; i < n; i++) {
		g->entries[i] = (struct entry){ 0 };
		g->entries[i].act = take(g, i, &g->entries[i]);
	}
	hostlogs_write(g->logs);
	for (unsigned i = 0; i < n; i++) {
		bool written = g->entries[i].act == ACT_WRITE && hostlogs_written(g->entries[i].token);

		staged_ok += written;
		/* A terminal or pipe that fails once (its reader gone) will not
		 * come back: stop rather than ask for every message again. */
		g->stdout_failed |= !g->o->dir && g->entries[i].act == ACT_WRITE && !written;
	}
	if (fault_armed(FAULT_GATHER_EXIT) && g->n.written + staged_ok >= fault_after() &&
	    fault_take(FAULT_GATHER_EXIT)) {
		say("TEST FAULT gather-exit: %llu events written, none of this batch's %u "
		    "messages acknowledged; exiting",
		    (unsigned long long)(g->n.written + staged_ok), n);
		_exit(9);
	}
	settle(g, n);
}

static void say_news(struct gather *g)
{
	struct natslink_news news;

	natslink_take_news(g->link, &news);
	if (news.disconnected && !news.reconnected)
		say("disconnected from the server; reconnecting (messages not acknowledged come "
		    "again)");
	if (news.reconnected)
		say("reconnected to %s", natslink_server(g->link));
}

static void collect(struct gather *g)
{
	char err[NATSLINK_ERR_MAX];
	int n;

	while (!stop_signal) {
		if (g->stdout_failed) {
			say("writing to standard output failed (its reader went?); stopping: what "
			    "was not written is not acknowledged");
			return;
		}
		n = natslink_fetch(g->link, GATHER_BATCH, FETCH_WAIT_MS, err, sizeof(err));
		say_news(g);
		if (n > 0) {
			batch(g, (unsigned)n);
			continue;
		}
		if (n == 0)
			continue;
		if (n == -ENOTCONN) {
			say("%s; stopping", err);
			return;
		}
		if (time(NULL) - g->fetch_said >= SAY_EVERY_S) {
			say("%s; trying again", err);
			g->fetch_said = time(NULL);
		}
		usleep(200 * 1000);
	}
}

static void say_summary(struct gather *g)
{
	struct hostlogs_stats st;

	hostlogs_get_stats(g->logs, &st);
	say("stopped: %llu messages: %llu events written for %lu hosts, %llu repeats not "
	    "written again, %llu refused (not needle's events), %llu not written (write "
	    "failed or out of memory: asked again); %lu ids read back from the hosts' files",
	    (unsigned long long)g->n.messages, (unsigned long long)g->n.written, st.hosts,
	    (unsigned long long)g->n.repeats, (unsigned long long)g->n.refused,
	    (unsigned long long)(g->n.failed + g->n.retried), st.seeded_ids);
	if (g->n.refused > REFUSALS_SAID)
		say("%llu more messages refused than said above",
		    (unsigned long long)(g->n.refused - REFUSALS_SAID));
}

int gather_run(const struct gather_options *o)
{
	struct hostlogs_options ho = { .dir = o->dir, .sink = o->sink, .keep = o->keep, .say = say };
	struct sigaction sa = { .sa_handler = on_stop };
	struct gather g = { .o = o };
	char err[NATSLINK_ERR_MAX];
	int r, status = 0;

	if (fault_init(err, sizeof(err)) < 0) {
		say("%s", err);
		return 2;
	}
	if (fault_name()) {
		say("TEST FAULT ARMED: %s:%llu", fault_name(), (unsigned long long)fault_after());
		if (fault_take(FAULT_GATHER_NO_ACK))
			g.unacked_left = fault_after();
	}
	if ((r = hostlogs_open(&ho, &g.logs)) < 0) {
		say("%s: %s", o->dir, strerror(-r));
		return 1;
	}
	if (!(g.conv = convert_new(o->format, !o->dir))) {
		say("out of memory");
		status = 1;
		goto free_logs;
	}
	if (natslink_connect(&o->nats, &g.link, err, sizeof(err)) < 0 ||
	    natslink_subscribe(g.link, &o->consumer, err, sizeof(err)) < 0) {
		say("%s", err);
		status = 1;
		goto close_link;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	say("connected to %s: consumer %s of stream %s; writing to %s", natslink_server(g.link),
	    natslink_consumer_name(g.link), o->consumer.stream, o->dir ? o->dir : "standard output");
	collect(&g);
	say_summary(&g);
	if (hostlogs_close(g.logs) < 0 || g.stdout_failed)
		status = 1;
close_link:
	natslink_close(g.link);
	convert_free(g.conv);
free_logs:
	hostlogs_free(g.logs);
	outbuf_free(&g.lines);
	return status;
}
