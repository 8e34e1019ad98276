/* SPDX-License-Identifier: MIT */
/*
 * The metric table (daemon/metric-table.h) against what uses it: the page
 * metrics.c renders for the figures of a pipeline without threads or
 * socket (struct pipeline_stats: every output on, two shards, a process
 * table, needle monitor's multicast reader), needle stat reading that page through a control socket, and the
 * delay quantiles that needle stat and needle-bench read from it.
 *
 * Both ways: every entry of the table is on the page with its HELP and
 * TYPE, its labels and every value of their lists; nothing is on the page
 * that the table lacks. The fake pipeline's counters are all different,
 * so a figure shown under another metric's name is seen.
 */
#include "control.h"
#include "harness.h"
#include "human.h"
#include "metric-read.h"
#include "metric-table.h"
#include "metrics.h"
#include "pipeline.h"
#include "proctable.h"
#include "stat-cmd.h"
#include "stat-keys.h"

#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- the figures of a pipeline without threads ---- */

struct fake {
	struct pipeline_stats p;      /* what pipeline_get_stats() would give */
	struct decoder_stats dec[2];  /* each decoder's own counters, summed in p */
	struct proctable *procs;
	struct readlog_stats readlog;
	struct kernel_snapshot k;
	struct metrics_source source; /* p, for a control socket */
};

static void fake_free(void *arg)
{
	struct fake *f = arg;

	proctable_free(f->procs);
	pthread_mutex_destroy(&f->k.lock);
	free(f);
}

static void fake_read(const void *arg, struct pipeline_stats *ret)
{
	*ret = ((const struct fake *)arg)->p;
}

/* Counters from 1000 up, each its own value; the ring of shard i holds
 * i + 1 records and counts 7 + i drops, 2 + i of them rest_of_event. */
static struct fake *fake_new(void)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct pipeline_stats *p;
	uint64_t v = 1000;

	CHECK(f != NULL);
	p = &f->p;
	f->k = (struct kernel_snapshot)KERNEL_SNAPSHOT_INIT;
	f->source = (struct metrics_source){ fake_read, f };
	harness_defer(fake_free, f);
	p->listeners = 1;
	p->decoders = 2;
	{
		/* Started 100 s ago: needle stat's rates since start. */
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		p->started_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 - 100000;
	}
	for (unsigned i = 0; i < p->decoders; i++) {
		char rec[40] = "type=SYSCALL msg=audit(1.000:1): x";
		struct ring *r = ring_create(1u << 16);

		CHECK(r != NULL);
		for (unsigned n = 0; n <= i; n++)
			CHECK(ring_push_spsc_try(r, rec, sizeof(rec)));
		ring_count_drop(r, 7 + i, 100);
		ring_get_stats(r, &p->ring[i]);
		ring_destroy(r);
		p->ring_rest_dropped[i] = 2 + i;
	}
#define X(name, help) p->listener.name = v++;
	LISTENER_COUNTERS(X)
#undef X
	for (unsigned d = 0; d < p->decoders; d++) {
		struct decoder_stats *ds = &f->dec[d];

#define X(name, help) ds->name = v++, p->decoder.name += ds->name;
		DECODER_COUNTERS(X)
#undef X
		for (unsigned b = 0; b < DELAY_BUCKETS; b++)
			p->decoder.delay_bucket[b] += ds->delay_bucket[b] = b + d;
		p->decoder.delay_sum_ms += ds->delay_sum_ms = 12345 + d;
		ds->delay_max_ms = 777 * (d + 1);
		if (ds->delay_max_ms > p->decoder.delay_max_ms)
			p->decoder.delay_max_ms = ds->delay_max_ms;
	}
	/* The file outputs and the divert file (the NATS slot is set below). */
	for (unsigned i = 0; i < PIPELINE_OUTPUT_SLOTS; i++) {
		struct sink_stats *st = &p->output[i];

		if (i == PIPELINE_OUTPUT_NATS)
			continue;
		p->output_on[i] = true;

		st->events = v++;
		st->bytes = v++;
		st->raw_bytes = v++;
		st->write_errors = v++;
		st->lost_events = v++;
		st->rotations = v++;
		st->rotate_errors = v++;
		st->sync_errors = v++;
		st->unsynced_events = v++;
		st->syncs = v++;
		st->suspended = i % 2;
		st->suspended_events = v++;
	}
	{
		/* The NATS output: connected, a minute since its last ack,
		 * its oldest spooled message 30 s old. */
		struct nats_out_stats *n = &p->nats;
		struct timespec ts;
		uint64_t now;

		clock_gettime(CLOCK_REALTIME, &ts);
		now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
		n->connected = true;
		snprintf(n->server, sizeof(n->server), "nats://127.0.0.1:4222");
		n->events = v++;
		n->spooled = v++;
		n->spooled_bytes = v++;
		n->lost_queue = v++;
		n->lost_spool = v++;
		n->lost_error = v++;
		n->rejected = v++;
		n->spool_errors = v++;
		n->published = v++;
		n->acked = v++;
		n->duplicates = v++;
		n->failed = v++;
		n->pending = v++;
		n->reconnects = v++;
		n->started_ms = p->started_ms;
		n->last_ack_ms = now - 60000;
		n->spool_bytes = v++;
		n->spool_events = v++;
		n->spool_oldest_ms = now - 30000;
		p->output_on[PIPELINE_OUTPUT_NATS] = true;
		pipeline_nats_as_sink(n, &p->output[PIPELINE_OUTPUT_NATS]);
	}
	p->have_log_dir_free = true;
	p->log_dir_free = v++;
	/* Two filter rule lines: a drop, and a keep with rate= that dropped
	 * some past its rate. */
	/* Keys: none, a plain one, one with every byte a label must escape
	 * (keycount.h, metrics.c). */
	p->key_entries = 3;
	snprintf(p->key[0].key, sizeof(p->key[0].key), "none");
	snprintf(p->key[1].key, sizeof(p->key[1].key), "bench");
	snprintf(p->key[2].key, sizeof(p->key[2].key), "we\"ird\\key\n\xff");
	for (unsigned i = 0; i < 3; i++) {
		p->key[i].len = strlen(p->key[i].key);
		p->key[i].written = v++;
		p->key[i].filtered = v++;
		p->key[i].bytes = v++;
	}
	p->filter_entries = 3;
	snprintf(p->filter[0].label, sizeof(p->filter[0].label), "/etc/needle/needle.filter:3");
	p->filter[0].main = FILTER_DROPPED;
	p->filter[0].n[FILTER_DROPPED] = v++;
	snprintf(p->filter[1].label, sizeof(p->filter[1].label), "/etc/needle/needle.filter:5");
	p->filter[1].main = FILTER_KEPT;
	p->filter[1].n[FILTER_KEPT] = v++;
	p->filter[1].n[FILTER_RATE_DROPPED] = v++;
	/* and a redact rule line, with the values it replaced */
	snprintf(p->filter[2].label, sizeof(p->filter[2].label), "/etc/needle/needle.filter:7");
	p->filter[2].main = FILTER_NO_RULE;
	p->filter[2].redact = true;
	p->filter[2].redacted = v++;
	/* Two plugins, one writing, one down after two restarts. */
	p->plugins = 2;
	for (unsigned i = 0; i < p->plugins; i++) {
		struct dispatch_stats *st = &p->plugin[i];

		snprintf(st->name, sizeof(st->name), i ? "au-remote" : "laurel");
		st->state = i ? DISPATCH_WAITING : DISPATCH_WRITING;
		st->records = v++;
		st->bytes = v++;
		for (unsigned r = 0; r < DISPATCH_DROP_COUNT; r++)
			st->dropped[r] = v++;
		st->queued = v++;
		st->capacity = 4u << 20;
		st->attaches = i ? 3 : 1;
	}
	f->procs = proctable_new(100);
	CHECK(f->procs != NULL);
	proctable_lookup(f->procs, (uint32_t)getpid(), true);
	proctable_get_stats(f->procs, &p->procs);
	p->have_procs = true;
	p->procs_followed = true;
	p->decoder.context_known = 997;
	p->decoder.context_unknown = 3;
	for (int i = 0; i <= PROCCONN_EXIT; i++)
		p->procwatch.events[i] = 100 + (uint64_t)i;
	p->procwatch.snapshots = 102;
	p->procwatch.snapshots_gone = 4;
	p->procwatch.overruns = 1;
	f->readlog.datagrams = v++;
	f->readlog.records = v++;
	f->readlog.bytes = v++;
	f->readlog.events = v++;
	f->readlog.overruns = v++;
	f->readlog.serial_gaps = v++;
	f->readlog.rcvbuf = (int64_t)v++;
	kernel_snapshot_set_rules(&f->k, 77, 3, 2);

	{
		/* Three polls: at start (lost 850), the one before, the last. */
		struct audit_status now = { .enabled = 1, .failure = 1, .pid = 4242,
					    .rate_limit = 5, .backlog_limit = 8192, .lost = 900,
					    .backlog = 17, .backlog_wait_time = 60000,
					    .backlog_wait_time_actual = 31 };
		struct audit_status before = now, start = now;

		before.lost = 880;
		before.backlog = 20;
		before.backlog_wait_time_actual = 30;
		start.lost = 850;
		kernel_snapshot_update(&f->k, &start);
		kernel_snapshot_mark_start(&f->k);
		kernel_snapshot_update(&f->k, &before);
		kernel_snapshot_update(&f->k, &now);
	}
	kernel_snapshot_set_rcvbuf(&f->k, 1 << 20);
	kernel_snapshot_set_socket(&f->k, 4096, 1 << 20);
	kernel_snapshot_set_readlog(&f->k, &f->readlog);
	return f;
}

static void outbuf_free_deferred(void *arg)
{
	outbuf_free(arg);
}

static void samples_free_deferred(void *arg)
{
	metric_samples_free(arg);
}

/* The page for p (NULL: needle monitor's), NUL-terminated. */
static struct outbuf *render(const struct pipeline_stats *p, struct kernel_snapshot *k)
{
	struct outbuf *o = calloc(1, sizeof(*o));

	CHECK(o != NULL);
	harness_defer(free, o);
	harness_defer(outbuf_free_deferred, o);
	metrics_render(p, k, o);
	outbuf_putc(o, '\0');
	CHECK(!o->failed);
	o->len--;
	return o;
}

static enum metric by_name(const char *name, size_t len)
{
	for (unsigned m = 0; m < METRIC_COUNT; m++)
		if (strlen(metric_table[m].name) == len && strncmp(metric_table[m].name, name, len) == 0)
			return (enum metric)m;
	return METRIC_COUNT;
}

/* ---- the table itself ---- */

TEST(table_is_well_formed)
{
	for (unsigned m = 0; m < METRIC_COUNT; m++) {
		const struct metric_def *d = &metric_table[m];
		size_t len = strlen(d->name);
		bool total = len > 6 && strcmp(d->name + len - 6, "_total") == 0;
		const char *at = d->help;

		if (strncmp(d->name, "needle_", 7) != 0 || by_name(d->name, len) != m)
			FAIL("%s: not needle_..., or named twice", d->name);
		/* Prometheus: a counter's name ends in _total, nothing else's does. */
		if (total != (d->type == METRIC_COUNTER))
			FAIL("%s: a %s", d->name, metric_type_names[d->type]);
		if (!*d->help || strpbrk(d->help, "\n\\"))
			FAIL("%s: its help is empty or needs escaping", d->name);
		if ((d->type == METRIC_HISTOGRAM) != (d->labels == METRIC_LABELS_LE))
			FAIL("%s: only a histogram has le", d->name);
		/* A metric a help text names exists, with its label value. */
		while ((at = strstr(at, "needle_"))) {
			size_t n = strspn(at, "abcdefghijklmnopqrstuvwxyz_");
			enum metric other = by_name(at, n);

			if (other == METRIC_COUNT)
				FAIL("%s: its help names %.*s, which is not in the table", d->name,
				     (int)n, at);
			if (at[n] == '{') {
				const struct metric_label_set *l =
					&metric_label_sets[metric_table[other].labels];
				char key[METRIC_KEY_MAX];
				bool found = false;

				for (size_t v = 0; v < l->count[0]; v++) {
					metric_key(key, sizeof(key), other, l->values[0][v], NULL);
					found |= strncmp(at, key, strlen(key)) == 0;
				}
				if (!found)
					FAIL("%s: its help names %.40s, not a sample of the table",
					     d->name, at);
			}
			at += n;
		}
	}
}

/* ---- the page against the table ---- */

struct seen {
	unsigned help[METRIC_COUNT], type[METRIC_COUNT], samples[METRIC_COUNT];
};

/* Label values of one sample: {a="x",b="y"} into names and values. */
static unsigned split_labels(char *labels, char *names[3], char *values[3])
{
	unsigned n = 0;
	char *p = labels;

	while (*p && n < 3) {
		char *eq = strchr(p, '='), *end;

		if (!eq || eq[1] != '"')
			FAIL("label text %s", p);
		/* The closing quote: the first one not escaped (\\", \\\\). */
		for (end = eq + 2; *end && *end != '"'; end++)
			if (*end == '\\' && end[1])
				end++;
		if (!*end)
			FAIL("label text %s", p);
		*eq = '\0';
		*end = '\0';
		names[n] = p;
		values[n++] = eq + 2;
		p = end + 1;
		if (*p == ',')
			p++;
	}
	return n;
}

static void check_sample(enum metric m, char *line, unsigned shards, struct seen *seen)
{
	const struct metric_def *d = &metric_table[m];
	const struct metric_label_set *l = &metric_label_sets[d->labels];
	size_t len = strlen(d->name);
	char *names[3], *values[3], *brace, *sp = strrchr(line, ' ');
	unsigned n = 0, want = 0;

	if (!sp || strncmp(line, d->name, len) != 0)
		FAIL("\"%s\" after the HELP and TYPE of %s", line, d->name);
	*sp = '\0';
	brace = strchr(line, '{');
	if (brace) {
		size_t blen = strlen(brace);

		if (brace[blen - 1] != '}')
			FAIL("%s: no closing brace", line);
		brace[blen - 1] = '\0';
		*brace = '\0';
		n = split_labels(brace + 1, names, values);
	}
	if (d->type == METRIC_HISTOGRAM) {
		const char *part = line + len;

		if (strcmp(part, "_bucket") == 0)
			want = 1;
		else if (strcmp(part, "_sum") != 0 && strcmp(part, "_count") != 0)
			FAIL("%s%s: not a part of histogram %s", line, part, d->name);
	} else {
		if (line[len])
			FAIL("%s: a sample of %s?", line, d->name);
		want = l->name[1] ? 2 : l->name[0] ? 1 : 0;
	}
	if (n != want)
		FAIL("%s: %u labels, the table says %u", d->name, n, want);
	for (unsigned i = 0; i < n; i++) {
		bool known = l->values[i] == NULL;

		if (strcmp(names[i], l->name[i]) != 0)
			FAIL("%s: label %s, the table says %s", d->name, names[i], l->name[i]);
		for (size_t v = 0; v < l->count[i]; v++)
			known |= strcmp(values[i], l->values[i][v]) == 0;
		if (strcmp(names[i], "shard") == 0)
			known = strtoul(values[i], NULL, 10) < shards;
		if (!known)
			FAIL("%s: %s=\"%s\" is not a value the table lists", d->name, names[i],
			     values[i]);
	}
	seen->samples[m]++;
}

/* Reads a page line by line; each sample must follow its family's HELP
 * and TYPE, the families in the order of the table. */
static void check_page(char *text, unsigned shards, struct seen *seen)
{
	enum metric family = METRIC_COUNT;
	int last = -1;

	memset(seen, 0, sizeof(*seen));
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "# HELP ", 7) == 0) {
			char *name = line + 7, *sp = strchr(name, ' ');

			family = sp ? by_name(name, (size_t)(sp - name)) : METRIC_COUNT;
			if (family == METRIC_COUNT)
				FAIL("\"%s\": not in the table", line);
			if (strcmp(sp + 1, metric_table[family].help) != 0)
				FAIL("%s: HELP \"%s\", the table says \"%s\"", metric_table[family].name,
				     sp + 1, metric_table[family].help);
			if ((int)family <= last)
				FAIL("%s out of the table's order", metric_table[family].name);
			last = (int)family;
			seen->help[family]++;
		} else if (strncmp(line, "# TYPE ", 7) == 0) {
			char want[200];

			if (family == METRIC_COUNT)
				FAIL("\"%s\" before any HELP", line);
			snprintf(want, sizeof(want), "# TYPE %s %s", metric_table[family].name,
				 metric_type_names[metric_table[family].type]);
			CHECK_STR(line, want);
			seen->type[family]++;
		} else {
			if (family == METRIC_COUNT || seen->type[family] != 1)
				FAIL("\"%s\" without a HELP and TYPE before it", line);
			check_sample(family, line, shards, seen);
		}
	}
}

/* How many samples m has on a page of this many shards and outputs. */
static unsigned expected_samples(enum metric m, unsigned shards, unsigned outputs)
{
	const struct metric_label_set *l = &metric_label_sets[metric_table[m].labels];

	switch (metric_table[m].labels) {
	case METRIC_LABELS_STAGE:
		return 1; /* the fullest stage only */
	case METRIC_LABELS_SHARD:
		return shards;
	case METRIC_LABELS_SHARD_REASON:
		return shards * (unsigned)l->count[1];
	case METRIC_LABELS_OUTPUT:
		return outputs;
	case METRIC_LABELS_LE:
		return DELAY_BUCKETS + 2; /* the buckets, _sum, _count */
	case METRIC_LABELS_PLUGIN:
		return 2; /* the fake's two plugins */
	case METRIC_LABELS_PLUGIN_REASON:
		return 2 * (unsigned)l->count[1];
	case METRIC_LABELS_SERVER:
		return 1; /* the server the NATS output is connected to */
	case METRIC_LABELS_RULE_ACTION:
		return 3; /* the fake's drop; keep and rate */
	case METRIC_LABELS_KEY:
		return 3; /* the fake's keys */
	case METRIC_LABELS_KEY_STATE:
		return 3 * (unsigned)l->count[1];
	default:
		return l->values[0] ? (unsigned)l->count[0] : 1;
	}
}

TEST(page_matches_table)
{
	struct fake *f = fake_new();
	struct outbuf *page = render(&f->p, &f->k);
	struct seen seen;
	char *keys = strdup(page->data);
	static struct metric_samples s;

	CHECK(keys != NULL);
	harness_defer(free, keys);
	check_page(page->data, f->p.decoders, &seen);
	for (unsigned m = 0; m < METRIC_COUNT; m++) {
		unsigned want = expected_samples(m, f->p.decoders, PIPELINE_OUTPUT_SLOTS);

		if (seen.help[m] != 1 || seen.type[m] != 1 || seen.samples[m] != want)
			FAIL("%s: %u HELP, %u TYPE, %u samples (want 1, 1, %u)",
			     metric_table[m].name, seen.help[m], seen.type[m], seen.samples[m], want);
	}
	/* No sample twice: then each value of each list was there. */
	harness_defer(samples_free_deferred, &s);
	CHECK_EQ(metric_samples_parse(&s, keys, strlen(keys)), 0);
	for (size_t i = 0; i < s.n; i++)
		for (size_t j = i + 1; j < s.n; j++)
			if (strcmp(s.s[i].key, s.s[j].key) == 0)
				FAIL("%s twice on the page", s.s[i].key);
}

/* needle monitor's page: the kernel's part and its multicast reader. */
TEST(monitor_page_holds_the_kernel_only)
{
	struct fake *f = fake_new();
	struct outbuf *page = render(NULL, &f->k);
	struct seen seen;

	check_page(page->data, 0, &seen);
	for (unsigned m = 0; m < METRIC_COUNT; m++) {
		bool kernel = m <= METRIC_MULTICAST_RECEIVE_BUFFER;

		if (seen.help[m] != kernel || seen.samples[m] != (kernel ? 1u : 0u))
			FAIL("%s: %u samples on needle monitor's page", metric_table[m].name,
			     seen.samples[m]);
	}
}

/* ---- each figure under its own name ---- */

static double value_of(const struct metric_samples *s, enum metric m, const char *v1,
		       const char *v2)
{
	char key[METRIC_KEY_MAX];
	const double *v;

	metric_key(key, sizeof(key), m, v1, v2);
	v = metric_samples_find(s, key);
	if (!v)
		FAIL("%s not on the page", key);
	return *v;
}

#define CHECK_VALUE(m, v1, v2, want)                                                      \
	do {                                                                              \
		const char *a_ = (v1), *b_ = (v2);                                      \
		double got_ = value_of(&s, m, a_, b_), want_ = (double)(want);              \
		if (got_ != want_)                                                        \
			FAIL("%s{%s,%s} = %.17g, want %.17g (%s)", metric_table[m].name,  \
			     a_ ? a_ : "", b_ ? b_ : "", got_, want_, #want);              \
	} while (0)

TEST(values_under_their_names)
{
	struct fake *f = fake_new();
	struct pipeline_stats *p = &f->p;
	struct outbuf *page = render(p, &f->k);
	static struct metric_samples s;
	const struct listener_stats *ls = &p->listener;
	const struct decoder_stats *d0 = &f->dec[0], *d1 = &f->dec[1];
	const char *out;

	harness_defer(samples_free_deferred, &s);
	CHECK_EQ(metric_samples_parse(&s, page->data, page->len), 0);

	/* kernel: the socket is the fullest stage (4096 of 1 MiB) */
	CHECK_VALUE(METRIC_LOSS_RISK, "socket", NULL, 4096.0 / (1 << 20));
	CHECK_VALUE(METRIC_KERNEL_DAEMON_PID, NULL, NULL, 4242);
	CHECK_VALUE(METRIC_KERNEL_RATE_LIMIT, NULL, NULL, 5);
	CHECK_VALUE(METRIC_KERNEL_BACKLOG_LIMIT, NULL, NULL, 8192);
	CHECK_VALUE(METRIC_KERNEL_BACKLOG, NULL, NULL, 17);
	CHECK_VALUE(METRIC_KERNEL_LOST_RECORDS, NULL, NULL, 900);
	CHECK_VALUE(METRIC_KERNEL_BACKLOG_WAIT_TIME, NULL, NULL, 60000);
	CHECK_VALUE(METRIC_KERNEL_BACKLOG_WAIT_TIME_ACTUAL, NULL, NULL, 31);
	CHECK_VALUE(METRIC_KERNEL_LOST_RECORDS_LAST, NULL, NULL, 20);
	CHECK_VALUE(METRIC_KERNEL_BACKLOG_WAIT_TIME_ACTUAL_LAST, NULL, NULL, 1);
	CHECK_VALUE(METRIC_KERNEL_BACKLOG_CHANGE_LAST, NULL, NULL, -3);
	CHECK_VALUE(METRIC_MULTICAST_DATAGRAMS, NULL, NULL, f->readlog.datagrams);
	CHECK_VALUE(METRIC_MULTICAST_RECORDS, NULL, NULL, f->readlog.records);
	CHECK_VALUE(METRIC_MULTICAST_RECEIVED_BYTES, NULL, NULL, f->readlog.bytes);
	CHECK_VALUE(METRIC_MULTICAST_EVENTS, NULL, NULL, f->readlog.events);
	CHECK_VALUE(METRIC_MULTICAST_OVERRUNS, NULL, NULL, f->readlog.overruns);
	CHECK_VALUE(METRIC_MULTICAST_SERIAL_GAPS, NULL, NULL, f->readlog.serial_gaps);
	CHECK_VALUE(METRIC_MULTICAST_RECEIVE_BUFFER, NULL, NULL, f->readlog.rcvbuf);
	/* the rule watch */
	CHECK_VALUE(METRIC_KERNEL_RULES, NULL, NULL, 77);
	CHECK_VALUE(METRIC_RULES_CHANGED, "added", NULL, 3);
	CHECK_VALUE(METRIC_RULES_CHANGED, "removed", NULL, 2);
	CHECK_VALUE(METRIC_START_TIME, NULL, NULL, (double)p->started_ms / 1000.0);
	/* socket */
	CHECK_VALUE(METRIC_SOCKET_RECEIVE_BUFFER, NULL, NULL, 1 << 20);
	CHECK_VALUE(METRIC_SOCKET_QUEUED, NULL, NULL, 4096);
	CHECK_VALUE(METRIC_SOCKET_DATAGRAMS, NULL, NULL, ls->datagrams);
	CHECK_VALUE(METRIC_SOCKET_RECEIVED_BYTES, NULL, NULL, ls->bytes);
	CHECK_VALUE(METRIC_SOCKET_RECV_BATCHES, NULL, NULL, ls->batches);
	CHECK_VALUE(METRIC_SOCKET_RECORDS, NULL, NULL, ls->records);
	CHECK_VALUE(METRIC_SOCKET_OVERRUNS, NULL, NULL, ls->enobufs);
	CHECK_VALUE(METRIC_SOCKET_FOREIGN_DATAGRAMS, NULL, NULL, ls->foreign);
	CHECK_VALUE(METRIC_SOCKET_TRUNCATED_DATAGRAMS, NULL, NULL, ls->truncated);
	/* rings: shard i holds i + 1 records of 48 bytes (header and pad) */
	for (unsigned i = 0; i < 2; i++) {
		char n[4] = { (char)('0' + i), 0 };

		CHECK_VALUE(METRIC_RING_CAPACITY, n, NULL, 1 << 16);
		CHECK_VALUE(METRIC_RING_OCCUPANCY, n, NULL, (i + 1) * ring_record_size(40));
		CHECK_VALUE(METRIC_RING_HIGH_WATER, n, NULL, (i + 1) * ring_record_size(40));
		CHECK_VALUE(METRIC_RING_FULL_STALLS, n, NULL, 0);
		CHECK_VALUE(METRIC_RING_STALL_SECONDS, n, NULL, 0);
		CHECK_VALUE(METRIC_RING_DROPPED_RECORDS, n, "full", 5);
		CHECK_VALUE(METRIC_RING_DROPPED_RECORDS, n, "rest_of_event", 2 + i);
	}
	/* decoders, summed over both */
	CHECK_VALUE(METRIC_DECODER_RECORDS, NULL, NULL, d0->records + d1->records);
	CHECK_VALUE(METRIC_DECODER_EVENTS, "whole", NULL, d0->events + d1->events);
	CHECK_VALUE(METRIC_DECODER_EVENTS, "partial", NULL, d0->partial_events + d1->partial_events);
	CHECK_VALUE(METRIC_DECODER_EVENTS, "filtered", NULL, d0->filtered + d1->filtered);
	CHECK_VALUE(METRIC_FILTERED_EVENTS, "/etc/needle/needle.filter:3", "drop",
		    p->filter[0].n[FILTER_DROPPED]);
	CHECK_VALUE(METRIC_FILTERED_EVENTS, "/etc/needle/needle.filter:5", "keep",
		    p->filter[1].n[FILTER_KEPT]);
	CHECK_VALUE(METRIC_FILTERED_EVENTS, "/etc/needle/needle.filter:5", "rate",
		    p->filter[1].n[FILTER_RATE_DROPPED]);
	CHECK_VALUE(METRIC_REDACTED_VALUES, "/etc/needle/needle.filter:7", NULL,
		    p->filter[2].redacted);
	/* Keys: the label is the key as a JSON string's content. */
	for (unsigned i = 0; i < 3; i++) {
		static const char *const label[] = { "none", "bench", "we\\\"ird\\\\key%0A%FF" };

		CHECK_VALUE(METRIC_KEY_EVENTS, label[i], "written", p->key[i].written);
		CHECK_VALUE(METRIC_KEY_EVENTS, label[i], "filtered", p->key[i].filtered);
		CHECK_VALUE(METRIC_KEY_BYTES, label[i], NULL, p->key[i].bytes);
	}
	/* The action label of each outcome is the name decode/ gives it. */
	for (unsigned a = 0; a < METRIC_FILTER_ACTION_COUNT; a++)
		CHECK_STR(metric_filter_action_names[a], filter_outcome_name((enum filter_outcome)(a + 1)));
	CHECK_VALUE(METRIC_DECODER_LATE_RECORDS, NULL, NULL, d0->late_records + d1->late_records);
	CHECK_VALUE(METRIC_DECODER_LATE_DROPPED, NULL, NULL, d0->late_dropped + d1->late_dropped);
	CHECK_VALUE(METRIC_DECODER_DROPPED_RECORDS, NULL, NULL,
		    d0->dropped_records + d1->dropped_records);
	CHECK_VALUE(METRIC_DECODER_OPEN_EVENTS, NULL, NULL, d0->open_events + d1->open_events);
	CHECK_VALUE(METRIC_DECODER_SERIAL_GAPS, NULL, NULL, d0->serial_gaps + d1->serial_gaps);
	CHECK_VALUE(METRIC_EVENT_DELAY, "0.001", NULL, 1);  /* bucket 0: 0 + 1 */
	CHECK_VALUE(METRIC_EVENT_DELAY, "+Inf", NULL, 121); /* sum of 2b + 1, b < 11 */
	CHECK_VALUE(METRIC_EVENT_DELAY_MAX, NULL, NULL, 1.554);
	/* sinks, the NATS output's as pipeline_nats_as_sink made them, and
	 * the divert file */
	for (unsigned i = 0; i < PIPELINE_OUTPUT_SLOTS; i++) {
		const struct sink_stats *st = &p->output[i];

		out = metric_output_names[i];
		CHECK_VALUE(METRIC_SINK_EVENTS, out, NULL, st->events);
		CHECK_VALUE(METRIC_SINK_WRITTEN_BYTES, out, NULL, st->bytes);
		CHECK_VALUE(METRIC_SINK_UNCOMPRESSED_BYTES, out, NULL, st->raw_bytes);
		CHECK_VALUE(METRIC_SINK_WRITE_ERRORS, out, NULL, st->write_errors);
		CHECK_VALUE(METRIC_SINK_LOST_EVENTS, out, NULL, st->lost_events);
		CHECK_VALUE(METRIC_SINK_ROTATIONS, out, NULL, st->rotations);
		CHECK_VALUE(METRIC_SINK_ROTATION_ERRORS, out, NULL, st->rotate_errors);
		CHECK_VALUE(METRIC_SINK_SYNC_ERRORS, out, NULL, st->sync_errors);
		CHECK_VALUE(METRIC_SINK_UNSYNCED_EVENTS, out, NULL, st->unsynced_events);
	}
	/* plugins, by name */
	for (unsigned i = 0; i < p->plugins; i++) {
		const struct dispatch_stats *st = &p->plugin[i];

		CHECK_VALUE(METRIC_PLUGIN_UP, st->name, NULL, i == 0);
		CHECK_VALUE(METRIC_PLUGIN_RECORDS, st->name, NULL, st->records);
		CHECK_VALUE(METRIC_PLUGIN_WRITTEN_BYTES, st->name, NULL, st->bytes);
		for (unsigned r = 0; r < DISPATCH_DROP_COUNT; r++)
			CHECK_VALUE(METRIC_PLUGIN_DROPPED_RECORDS, st->name,
				    metric_plugin_drop_reason_names[r], st->dropped[r]);
		CHECK_VALUE(METRIC_PLUGIN_QUEUED, st->name, NULL, st->queued);
		CHECK_VALUE(METRIC_PLUGIN_QUEUE_CAPACITY, st->name, NULL, 4u << 20);
		CHECK_VALUE(METRIC_PLUGIN_RESTARTS, st->name, NULL, i ? 2 : 0);
	}
	/* losses, each cause from its own counters (metrics.c) */
	CHECK_VALUE(METRIC_LOST_RECORDS, "kernel", NULL, 900 - 850);
	CHECK_VALUE(METRIC_LOST_RECORDS, "ring", NULL, ls->ring_drops);
	CHECK_VALUE(METRIC_LOST_RECORDS, "oversize", NULL, d0->dropped_records + d1->dropped_records);
	CHECK_VALUE(METRIC_LOST_RECORDS, "late", NULL, d0->late_dropped + d1->late_dropped);
	CHECK_VALUE(METRIC_LOST_RECORDS, "failed_decoder", NULL,
		    ls->abandoned + d0->abandoned_in_ring + d1->abandoned_in_ring);
	CHECK_VALUE(METRIC_LOST_EVENTS, "kernel", NULL, 900 - 850);
	CHECK_VALUE(METRIC_LOST_EVENTS, "socket", NULL,
		    d0->serial_gaps + d1->serial_gaps - ls->ring_events_whole);
	CHECK_VALUE(METRIC_LOST_EVENTS, "ring", NULL, ls->ring_events_whole + ls->ring_events_cut);
	CHECK_VALUE(METRIC_LOST_EVENTS, "partial", NULL,
		    d0->partial_events + d1->partial_events - ls->ring_events_cut);
	CHECK_VALUE(METRIC_LOST_EVENTS, "restart", NULL, d0->restart_gaps + d1->restart_gaps);
	{
		uint64_t sink = 0;

		for (unsigned i = 0; i < PIPELINE_OUTPUTS; i++)
			sink += p->output[i].lost_events;
		sink += p->output[PIPELINE_OUTPUT_DIVERT].lost_events;
		/* The NATS output's losses, each reason of its own counter. */
		sink += p->nats.lost_queue + p->nats.lost_spool + p->nats.lost_error +
			p->nats.rejected;
		CHECK_VALUE(METRIC_LOST_EVENTS, "sink", NULL, sink);
	}
	/* the NATS output and its spool */
	{
		const struct nats_out_stats *n = &p->nats;
		double age;

		CHECK_VALUE(METRIC_NATS_CONNECTED, "nats://127.0.0.1:4222", NULL, 1);
		CHECK_VALUE(METRIC_NATS_PUBLISHED, NULL, NULL, n->published);
		CHECK_VALUE(METRIC_NATS_ACKED, NULL, NULL, n->acked);
		CHECK_VALUE(METRIC_NATS_DUPLICATES, NULL, NULL, n->duplicates);
		CHECK_VALUE(METRIC_NATS_FAILED, NULL, NULL, n->failed);
		CHECK_VALUE(METRIC_NATS_PENDING, NULL, NULL, n->pending);
		CHECK_VALUE(METRIC_NATS_RECONNECTS, NULL, NULL, n->reconnects);
		CHECK_VALUE(METRIC_NATS_LOST_EVENTS, "queue_full", NULL, n->lost_queue);
		CHECK_VALUE(METRIC_NATS_LOST_EVENTS, "spool_full", NULL, n->lost_spool);
		CHECK_VALUE(METRIC_NATS_LOST_EVENTS, "error", NULL, n->lost_error);
		CHECK_VALUE(METRIC_NATS_LOST_EVENTS, "refused", NULL, n->rejected);
		CHECK_VALUE(METRIC_SPOOL_BYTES, NULL, NULL, n->spool_bytes);
		CHECK_VALUE(METRIC_SPOOL_EVENTS, NULL, NULL, n->spool_events);
		CHECK_VALUE(METRIC_SINK_EVENTS, "nats", NULL, n->spooled);
		CHECK_VALUE(METRIC_SINK_WRITE_ERRORS, "nats", NULL, n->spool_errors);
		age = value_of(&s, METRIC_NATS_LAST_ACK_AGE, NULL, NULL);
		CHECK(age >= 60 && age < 70);
		age = value_of(&s, METRIC_SPOOL_OLDEST_AGE, NULL, NULL);
		CHECK(age >= 30 && age < 40);
	}
	/* the process table: this process, read from /proc */
	CHECK_VALUE(METRIC_PROCESS_TABLE_ENTRIES, NULL, NULL, 1);
	CHECK_VALUE(METRIC_PROCESS_TABLE_CAPACITY, NULL, NULL, 100);
	CHECK_VALUE(METRIC_PROCESS_TABLE_LOADS, NULL, NULL, 1);
	CHECK_VALUE(METRIC_PROCESS_TABLE_LOAD_FAILURES, NULL, NULL, 0);
	CHECK_VALUE(METRIC_PROCESS_TABLE_FULL, NULL, NULL, 0);
	CHECK_VALUE(METRIC_PROCESS_TABLE_EXPIRED, NULL, NULL, 0);
	CHECK(value_of(&s, METRIC_PROCESS_TABLE_BYTES, NULL, NULL) > 0);
	CHECK_VALUE(METRIC_CONTEXT_EVENTS, "known", NULL, 997);
	CHECK_VALUE(METRIC_CONTEXT_EVENTS, "unknown", NULL, 3);
	CHECK_VALUE(METRIC_PROCESS_EVENTS_FOLLOWED, NULL, NULL, 1);
	CHECK_VALUE(METRIC_PROCESS_EVENTS, "thread", NULL, 100);
	CHECK_VALUE(METRIC_PROCESS_EVENTS, "exit", NULL, 107);
	CHECK_VALUE(METRIC_PROCESS_SNAPSHOTS_GONE, NULL, NULL, 4);
	CHECK_VALUE(METRIC_PROCESS_EVENTS_OVERRUNS, NULL, NULL, 1);
}

/* The delay quantiles needle stat prints and needle-bench records: the
 * first bucket holding the share. Cumulative counts are (b + 1)^2. */
TEST(delay_quantiles)
{
	struct fake *f = fake_new();
	struct outbuf *page = render(&f->p, &f->k);
	static struct metric_samples s;

	harness_defer(samples_free_deferred, &s);
	CHECK_EQ(metric_samples_parse(&s, page->data, page->len), 0);
	CHECK(metric_samples_quantile(&s, METRIC_EVENT_DELAY, 0.5) == 2.5);  /* 64 >= 60.5 */
	CHECK(metric_samples_quantile(&s, METRIC_EVENT_DELAY, 0.01) == 0.005); /* 4 >= 1.21 */
	CHECK(isinf(metric_samples_quantile(&s, METRIC_EVENT_DELAY, 0.99)));
	/* Nothing counted, or no histogram: no quantile. */
	for (unsigned b = 0; b < DELAY_BUCKETS; b++)
		f->p.decoder.delay_bucket[b] = 0;
	page = render(&f->p, &f->k);
	CHECK_EQ(metric_samples_parse(&s, page->data, page->len), 0);
	CHECK(isnan(metric_samples_quantile(&s, METRIC_EVENT_DELAY, 0.5)));
	page = render(NULL, &f->k);
	CHECK_EQ(metric_samples_parse(&s, page->data, page->len), 0);
	CHECK(isnan(metric_samples_quantile(&s, METRIC_EVENT_DELAY, 0.5)));
}

/* ---- needle stat through a control socket ---- */

static void control_stop_deferred(void *arg)
{
	control_stop(arg);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;

	CHECK(f != NULL);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)len + 1);
	CHECK(buf != NULL);
	harness_defer(free, buf);
	CHECK_EQ(fread(buf, 1, (size_t)len, f), len);
	fclose(f);
	return buf;
}

/* `needle stat [--json] --socket PATH` against a control socket that
 * serves src's page (NULL: the kernel's part only); its stdout and stderr. */
static int run_stat(const struct metrics_source *src, struct kernel_snapshot *k, bool json,
		    char **ret_out, char **ret_err)
{
	const char *dir = harness_tempdir("metrics");
	char sock[128], out_path[128], err_path[128], err[256];
	char *argv[] = { "stat", "--socket", sock, json ? "--json" : NULL, NULL };
	struct control_server *c;
	int out, errfd, saved_out, saved_err, rc;

	snprintf(sock, sizeof(sock), "%s/control", dir);
	snprintf(out_path, sizeof(out_path), "%s/out", dir);
	snprintf(err_path, sizeof(err_path), "%s/err", dir);
	c = control_start(sock, src, k, err, sizeof(err));
	if (!c)
		FAIL("control_start: %s", err);
	harness_defer(control_stop_deferred, c);
	out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	errfd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	saved_out = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	CHECK(out >= 0 && errfd >= 0 && saved_out >= 0 && saved_err >= 0);
	fflush(stdout);
	fflush(stderr);
	dup2(out, STDOUT_FILENO);
	dup2(errfd, STDERR_FILENO);
	optind = 0; /* getopt starts over */
	rc = stat_cmd_main(json ? 4 : 3, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	close(out);
	close(errfd);
	*ret_out = slurp(out_path);
	*ret_err = slurp(err_path);
	return rc;
}

/* Every sample needle stat shows is on the page: it says nothing on
 * stderr, and shows each shard, output and the process table. */
TEST(stat_finds_every_figure_it_shows)
{
	struct fake *f = fake_new();
	char *out, *err;
	char want[256];

	CHECK_EQ(run_stat(&f->source, &f->k, false, &out, &err), 0);
	if (*err)
		FAIL("needle stat said: %.*s", (int)strcspn(err, "\n"), err);
	CHECK(strstr(out, "fullest stage: socket\n"));
	CHECK(strstr(out, "kernel    backlog 17/8192 "));
	CHECK(strstr(out, "lost records 50 since start (kernel lifetime 900)  enabled 1  pid 4242"));
	/* Sizes and rates for people: the records (1003 of them) over the
	 * 100 s since start, 96 bytes in a ring of 64 KiB. */
	CHECK(strstr(out, "needle    up 1m4"));
	CHECK(strstr(out, "  records 10.0/s  events "));
	CHECK(strstr(out, "  (since start)\n"));
	CHECK(strstr(out, "ring 1    used 96B of 64K "));
	CHECK(strstr(out, "dropped records 5 (full) + 3 (rest of event)\n"));
	CHECK(strstr(out, "delay     p50 <= 2.5 s p99 <= +Inf s  max 1.554 s"));
	CHECK(strstr(out, "processes entries 1 of 100"));
	CHECK(strstr(out, "context   known 997 of 1000 events (99.7%)  process events: fork 101 "
			  "exec 102 exit 107, snapshots 102 (gone 4), overruns 1\n"));
	snprintf(want, sizeof(want), "lost      kernel 50 socket %" PRIu64 " ring %" PRIu64 " ",
		 (uint64_t)(f->dec[0].serial_gaps + f->dec[1].serial_gaps -
			    f->p.listener.ring_events_whole),
		 (uint64_t)(f->p.listener.ring_events_whole + f->p.listener.ring_events_cut));
	CHECK(strstr(out, want));
	for (unsigned i = 0; i < PIPELINE_OUTPUT_SLOTS; i++) {
		char bytes[HUMAN_MAX];

		if (i == PIPELINE_OUTPUT_NATS)
			continue; /* a line of its own, below */

		human_size(f->p.output[i].bytes, bytes, sizeof(bytes));
		snprintf(want, sizeof(want), "sink %-4s events %" PRIu64 "  written %s ",
			 metric_output_names[i], (uint64_t)f->p.output[i].events, bytes);
		CHECK(strstr(out, want));
	}
	/* The NATS output on its line: the server, what waits, what it lost. */
	snprintf(want, sizeof(want), "nats      connected to nats://127.0.0.1:4222  pending %" PRIu64
		 "  spooled %" PRIu64 " events (",
		 f->p.nats.pending, f->p.nats.spool_events);
	CHECK(strstr(out, want));
	snprintf(want, sizeof(want), "reconnects %" PRIu64 "  lost %" PRIu64 "\n",
		 f->p.nats.reconnects,
		 f->p.nats.lost_queue + f->p.nats.lost_spool + f->p.nats.lost_error +
			 f->p.nats.rejected);
	CHECK(strstr(out, want));
	CHECK(!strstr(out, "sink nats"));
	/* Each plugin on its line, with its own account of drops. */
	snprintf(want, sizeof(want), "plugin laurel       up   records %" PRIu64 "  written ",
		 f->p.plugin[0].records);
	CHECK(strstr(out, want));
	snprintf(want, sizeof(want), "  dropped records full %" PRIu64 ", down %" PRIu64
		 ", stop %" PRIu64 ", error %" PRIu64 "  restarts 2\n",
		 f->p.plugin[1].dropped[0], f->p.plugin[1].dropped[1], f->p.plugin[1].dropped[2],
		 f->p.plugin[1].dropped[3]);
	CHECK(strstr(out, want));
	CHECK(strstr(out, "plugin au-remote    down records "));
	/* The keys, heaviest first (the fake's counters grow with the entry),
	 * each label as the page writes it; events and bytes exact. */
	CHECK(strstr(out, "keys      by events/s (since start), 3 of 3 keys:\n"));
	{
		const char *row[3];

		for (unsigned i = 0; i < 3; i++) {
			static const char *const label[] = { "  none\n", "  bench\n",
							     "  we\\\"ird\\\\key%0A%FF\n" };
			const struct keycount_entry_stats *e = &f->p.key[i];

			snprintf(want, sizeof(want), " %12" PRIu64 " %8.1f%% ", e->written + e->filtered,
				 100.0 * (double)e->filtered / (double)(e->written + e->filtered));
			row[i] = strstr(out, label[i]);
			CHECK(row[i] != NULL);
			{
				/* The row's line holds its own counts. */
				const char *start = row[i];

				while (start > out && start[-1] != '\n')
					start--;
				if (!memmem(start, (size_t)(row[i] - start), want, strlen(want)))
					FAIL("row of %s: no '%s' in it", label[i], want);
			}
		}
		CHECK(row[2] < row[1] && row[1] < row[0]);
	}
	/* --json: every sample of the page, by its key. */
	CHECK_EQ(run_stat(&f->source, &f->k, true, &out, &err), 0);
	CHECK_STR(err, "");
	CHECK(strstr(out, "\"needle_ring_dropped_records_total{shard=\\\"1\\\",reason=\\\"full\\\"}\":5,"));
}

/* The same check failing: a page without the pipeline's part (as needle
 * monitor serves) leaves needle stat without most figures, and it says so
 * on stderr, naming each, while stdout keeps its lines. */
TEST(stat_names_what_needle_does_not_report)
{
	struct fake *f = fake_new();
	char *out, *err;

	CHECK_EQ(run_stat(NULL, &f->k, false, &out, &err), 0);
	CHECK(strstr(out, "kernel    backlog 17/8192 "));
	CHECK(strstr(out, "socket    queued 0B of 0B "));
	CHECK(strstr(err, "needle stat: needle does not report needle_socket_queued_bytes "
			  "(another version?); shown as 0\n"));
	CHECK(strstr(err, "does not report needle_lost_events_total{cause=\"sink\"} "));
	CHECK(strstr(err, "does not report needle_event_delay_seconds_count "));
	CHECK(!strstr(err, "needle_kernel_backlog_limit"));
	CHECK(!strstr(err, "needle_sink_")); /* outputs off are no loss */
}

static void stat_keys_free_deferred(void *arg)
{
	stat_keys_free(arg);
}

/* needle stat --watch: the keys' rates over the last round, not since
 * start, so a key that went quiet sinks below one that is busy now. */
TEST(stat_keys_over_the_interval)
{
	static const char page1[] =
		"needle_key_events_total{key=\"old\",state=\"written\"} 1000\n"
		"needle_key_events_total{key=\"old\",state=\"filtered\"} 0\n"
		"needle_key_bytes_total{key=\"old\"} 100000\n"
		"needle_key_events_total{key=\"new\",state=\"written\"} 10\n"
		"needle_key_events_total{key=\"new\",state=\"filtered\"} 10\n"
		"needle_key_bytes_total{key=\"new\"} 500\n";
	static const char page2[] =
		"needle_key_events_total{key=\"old\",state=\"written\"} 1001\n"
		"needle_key_events_total{key=\"old\",state=\"filtered\"} 0\n"
		"needle_key_bytes_total{key=\"old\"} 100100\n"
		"needle_key_events_total{key=\"new\",state=\"written\"} 30\n"
		"needle_key_events_total{key=\"new\",state=\"filtered\"} 30\n"
		"needle_key_bytes_total{key=\"new\"} 2500\n";
	static struct stat_keys k;
	static struct metric_samples s;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	const char *second, *old_row, *new_row;

	CHECK(out != NULL);
	harness_defer(samples_free_deferred, &s);
	harness_defer(stat_keys_free_deferred, &k);
	CHECK_EQ(metric_samples_parse(&s, page1, strlen(page1)), 0);
	stat_keys_print(out, &k, &s, 110.0, 100.0); /* since start: 10 s */
	CHECK_EQ(metric_samples_parse(&s, page2, strlen(page2)), 0);
	stat_keys_print(out, &k, &s, 112.0, 100.0); /* the last 2 s */
	fclose(out);
	harness_defer(free, text);
	CHECK(strstr(text, "keys      by events/s (since start), 2 of 2 keys:\n"));
	second = strstr(text, "keys      by events/s (last 2.0 s), 2 of 2 keys:\n");
	CHECK(second != NULL);
	/* Since start: old (100/s) above new (2/s); over the interval, new
	 * (40 events: 20/s, half filtered, 1000 B/s) above old (0.5/s), the
	 * counts the round's. */
	CHECK(strstr(text, "100/s         1000      0.0%") < strstr(text, "  2/s           20     50.0%"));
	new_row = strstr(second, " 20/s           40     50.0%    1000B/s           2000  new");
	old_row = strstr(second, "0.5/s            1      0.0%      50B/s            100  old");
	CHECK(new_row != NULL && old_row != NULL && new_row < old_row);
	CHECK(strstr(second, "heaviest by bytes/s") == NULL); /* new leads both ways */
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(table_is_well_formed), CASE(page_matches_table),
				  CASE(monitor_page_holds_the_kernel_only),
				  CASE(values_under_their_names), CASE(delay_quantiles),
				  CASE(stat_finds_every_figure_it_shows),
				  CASE(stat_names_what_needle_does_not_report),
				  CASE(stat_keys_over_the_interval)));
}
