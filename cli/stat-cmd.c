/* SPDX-License-Identifier: MIT */
/*
 * needle stat [--json] [--watch] [--socket PATH]
 *
 * Reads the running daemon's counters through its control socket (the same
 * exposition text the HTTP endpoint serves) and prints them as a table
 * with a fill bar per stage, as JSON, or refreshed every second.
 *
 * The table is for people: sizes and rates as human.h writes them (64M,
 * 1.2k/s), rates since needle started or, with --watch, since the last
 * round. Counts of events and records stay exact (they are what a reader
 * reconciles), and --json keeps every figure exact.
 */
#include "stat-cmd.h"
#include "control.h"
#include "human.h"
#include "metric-read.h"
#include "outbuf.h"
#include "stat-keys.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The page needle served, and whether to say which samples it lacks (once,
 * in the first round: a needle of another version than this command). */
struct page {
	struct metric_samples s;
	bool report;
	/* --watch: the last round's counters, for rates over the interval. */
	bool have_last;
	double last_time, last_records, last_events, last_bytes;
	struct stat_keys keys; /* the keys' last round */
};

static double get_key(const struct page *pg, const char *key)
{
	const double *v = metric_samples_find(&pg->s, key);

	if (v)
		return *v;
	if (pg->report)
		fprintf(stderr, "needle stat: needle does not report %s (another version?); shown as 0\n",
			key);
	return 0;
}

/* The sample of m with these label values (metric_key()); 0, and said on
 * stderr, when needle does not report it. */
static double get(const struct page *pg, enum metric m, const char *v1, const char *v2)
{
	char key[METRIC_KEY_MAX];

	metric_key(key, sizeof(key), m, v1, v2);
	return get_key(pg, key);
}

/* For a sample that may be absent (an output that is off, no process
 * table, the shard after the last): NULL then, said nowhere. */
static const double *find(const struct page *pg, enum metric m, const char *v1, const char *v2)
{
	char key[METRIC_KEY_MAX];

	metric_key(key, sizeof(key), m, v1, v2);
	return metric_samples_find(&pg->s, key);
}

static void bar(double fill)
{
	int width = 20, filled = (int)(fill * width + 0.5);

	if (filled > width)
		filled = width;
	putchar('[');
	for (int i = 0; i < width; i++)
		putchar(i < filled ? '#' : '-');
	printf("] %5.1f%%", fill * 100);
}

/* One line per plugin, found by its needle_plugin_up sample. What a plugin
 * did not get is its own account: needle's logs have those events. */
/* The filter rules that decided most events: needle_filtered_events_total's
 * samples by rule, summed over their actions. */
#define TOP_RULES 5
struct rule_hits {
	char rule[METRIC_KEY_MAX];
	double hits;
	char actions[160]; /* "drop 10 rate 3" */
};

/* needle_redacted_values_total, summed over its redact rules: shown once
 * the filter file has one. */
static void print_redacted(const struct page *pg)
{
	const char *name = metric_table[METRIC_REDACTED_VALUES].name;
	size_t name_len = strlen(name), rules = 0;
	double values = 0;

	for (size_t i = 0; i < pg->s.n; i++)
		if (strncmp(pg->s.s[i].key, name, name_len) == 0 &&
		    strncmp(pg->s.s[i].key + name_len, "{rule=\"", 7) == 0) {
			values += pg->s.s[i].value;
			rules++;
		}
	if (rules)
		printf("%-9s %.0f values in command lines (%zu redact rule%s)\n", "redacted", values,
		       rules, rules == 1 ? "" : "s");
}

static void print_filters(const struct page *pg)
{
	const char *name = metric_table[METRIC_FILTERED_EVENTS].name;
	size_t name_len = strlen(name), n = 0;
	struct rule_hits *r = calloc(pg->s.n ? pg->s.n : 1, sizeof(*r));
	const double *filtered = find(pg, METRIC_DECODER_EVENTS,
				      metric_event_state_names[METRIC_STATE_FILTERED], NULL);

	if (!r)
		return;
	for (size_t i = 0; i < pg->s.n; i++) {
		const char *k = pg->s.s[i].key, *rule, *action;
		char label[METRIC_KEY_MAX], act[64];
		size_t j;

		/* NAME{rule="R",action="A"}: R has no '"' (filters.h). */
		if (strncmp(k, name, name_len) != 0 || strncmp(k + name_len, "{rule=\"", 7) != 0)
			continue;
		rule = k + name_len + 7;
		action = strstr(rule, "\",action=\"");
		if (!action || (size_t)(action - rule) >= sizeof(label))
			continue;
		snprintf(label, sizeof(label), "%.*s", (int)(action - rule), rule);
		snprintf(act, sizeof(act), "%.*s", (int)strcspn(action + 10, "\""), action + 10);
		for (j = 0; j < n && strcmp(r[j].rule, label) != 0; j++)
			;
		if (j == n)
			snprintf(r[n++].rule, sizeof(r[0].rule), "%s", label);
		r[j].hits += pg->s.s[i].value;
		if (pg->s.s[i].value > 0) {
			size_t used = strlen(r[j].actions);

			snprintf(r[j].actions + used, sizeof(r[j].actions) - used, " %s %.0f", act,
				 pg->s.s[i].value);
		}
	}
	if (n || (filtered && *filtered > 0))
		printf("%-9s %.0f whole events (dropped or diverted: not in the main outputs)\n",
		       "filtered", filtered ? *filtered : 0);
	for (size_t shown = 0; shown < TOP_RULES && shown < n; shown++) {
		size_t best = shown;

		for (size_t j = shown + 1; j < n; j++)
			if (r[j].hits > r[best].hits)
				best = j;
		struct rule_hits t = r[shown];
		r[shown] = r[best];
		r[best] = t;
		printf("%-9s %s  hits %.0f%s\n", shown ? "" : "rules", r[shown].rule, r[shown].hits,
		       r[shown].actions);
	}
	free(r);
	print_redacted(pg);
}

static void print_plugins(const struct page *pg)
{
	char prefix[METRIC_KEY_MAX];
	int plen = metric_key(prefix, sizeof(prefix), METRIC_PLUGIN_UP, "", NULL) - 2;

	for (size_t i = 0; plen > 0 && i < pg->s.n; i++) {
		const char *key = pg->s.s[i].key, *end;
		char name[METRIC_KEY_MAX], a[HUMAN_MAX], b[HUMAN_MAX], c[HUMAN_MAX];
		double queued, cap;

		if (strncmp(key, prefix, (size_t)plen) != 0 || !(end = strchr(key + plen, '"')))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(end - key - plen), key + plen);
		queued = get(pg, METRIC_PLUGIN_QUEUED, name, NULL);
		cap = get(pg, METRIC_PLUGIN_QUEUE_CAPACITY, name, NULL);
		human_size((uint64_t)get(pg, METRIC_PLUGIN_WRITTEN_BYTES, name, NULL), a, sizeof(a));
		human_size((uint64_t)queued, b, sizeof(b));
		human_size((uint64_t)cap, c, sizeof(c));
		printf("plugin %-12s %-4s records %.0f  written %s  queued %s of %s ", name,
		       pg->s.s[i].value ? "up" : "down", get(pg, METRIC_PLUGIN_RECORDS, name, NULL), a,
		       b, c);
		bar(cap ? queued / cap : 0);
		printf("  dropped records");
		for (unsigned r = 0; r < METRIC_PLUGIN_DROP_REASON_COUNT; r++)
			printf("%s %s %.0f", r ? "," : "", metric_plugin_drop_reason_names[r],
			       get(pg, METRIC_PLUGIN_DROPPED_RECORDS, name,
				   metric_plugin_drop_reason_names[r]));
		printf("  restarts %.0f\n", get(pg, METRIC_PLUGIN_RESTARTS, name, NULL));
	}
}

/* The NATS output's line (output = nats), found by its
 * needle_nats_connected sample: the server, what is in flight and in the
 * spool, what it lost. */
static void print_nats(const struct page *pg)
{
	char prefix[METRIC_KEY_MAX], server[METRIC_KEY_MAX], a[HUMAN_MAX], b[HUMAN_MAX];
	int plen = metric_key(prefix, sizeof(prefix), METRIC_NATS_CONNECTED, "", NULL) - 2;
	const char *const nats = metric_output_names[METRIC_OUTPUT_NATS];

	for (size_t i = 0; plen > 0 && i < pg->s.n; i++) {
		const char *key = pg->s.s[i].key, *end;
		double lost = 0;

		if (strncmp(key, prefix, (size_t)plen) != 0 || !(end = strchr(key + plen, '"')))
			continue;
		snprintf(server, sizeof(server), "%.*s", (int)(end - key - plen), key + plen);
		for (unsigned r = 0; r < METRIC_NATS_LOSS_REASON_COUNT; r++)
			lost += get(pg, METRIC_NATS_LOST_EVENTS, metric_nats_loss_reason_names[r], NULL);
		human_size((uint64_t)get(pg, METRIC_SPOOL_BYTES, NULL, NULL), a, sizeof(a));
		human_duration(get(pg, METRIC_SPOOL_OLDEST_AGE, NULL, NULL), b, sizeof(b));
		printf("%-9s %s %s  pending %.0f  spooled %.0f events (%s), oldest %s  "
		       "written to the spool %.0f  published %.0f  acked %.0f (%.0f duplicates)  failed %.0f  "
		       "reconnects %.0f  lost %.0f\n",
		       nats, pg->s.s[i].value > 0 ? "connected to" : "NOT CONNECTED, last", server,
		       get(pg, METRIC_NATS_PENDING, NULL, NULL),
		       get(pg, METRIC_SPOOL_EVENTS, NULL, NULL), a, b,
		       get(pg, METRIC_SINK_EVENTS, nats, NULL),
		       get(pg, METRIC_NATS_PUBLISHED, NULL, NULL),
		       get(pg, METRIC_NATS_ACKED, NULL, NULL),
		       get(pg, METRIC_NATS_DUPLICATES, NULL, NULL),
		       get(pg, METRIC_NATS_FAILED, NULL, NULL),
		       get(pg, METRIC_NATS_RECONNECTS, NULL, NULL), lost);
	}
}

/* The share of events whose process was known, and the kernel's process
 * events feeding the table (or why not). */
static void print_process_events(const struct page *pg)
{
	double known = get(pg, METRIC_CONTEXT_EVENTS, "known", NULL);
	double all = known + get(pg, METRIC_CONTEXT_EVENTS, "unknown", NULL);

	printf("%-9s known %.0f of %.0f events (%.1f%%)", "context", known, all,
	       all > 0 ? 100.0 * known / all : 100.0);
	if (get(pg, METRIC_PROCESS_EVENTS_FOLLOWED, NULL, NULL) < 1) {
		printf("  process events not followed (process_events, or no proc connector)\n");
		return;
	}
	printf("  process events: fork %.0f exec %.0f exit %.0f, snapshots %.0f (gone %.0f), "
	       "overruns %.0f\n",
	       get(pg, METRIC_PROCESS_EVENTS, "fork", NULL), get(pg, METRIC_PROCESS_EVENTS, "exec", NULL),
	       get(pg, METRIC_PROCESS_EVENTS, "exit", NULL), get(pg, METRIC_PROCESS_SNAPSHOTS, NULL, NULL),
	       get(pg, METRIC_PROCESS_SNAPSHOTS_GONE, NULL, NULL),
	       get(pg, METRIC_PROCESS_EVENTS_OVERRUNS, NULL, NULL));
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Bytes written over the outputs that are on. */
static double written_bytes(const struct page *pg)
{
	double sum = 0;

	for (unsigned i = 0; i < METRIC_OUTPUT_COUNT; i++) {
		const double *v = find(pg, METRIC_SINK_WRITTEN_BYTES, metric_output_names[i], NULL);

		sum += v ? *v : 0;
	}
	return sum;
}

/* Uptime, and records, events and bytes written per second: since the
 * last round with --watch, else since needle started. */
static void print_rates(struct page *pg)
{
	const char *const whole = metric_event_state_names[METRIC_STATE_WHOLE];
	const char *const partial = metric_event_state_names[METRIC_STATE_PARTIAL];
	double now = now_seconds(), start = get(pg, METRIC_START_TIME, NULL, NULL);
	double records = get(pg, METRIC_SOCKET_RECORDS, NULL, NULL);
	double events = get(pg, METRIC_DECODER_EVENTS, whole, NULL) +
			get(pg, METRIC_DECODER_EVENTS, partial, NULL);
	double bytes = written_bytes(pg), span, r0 = 0, e0 = 0, b0 = 0;
	char up[HUMAN_MAX], rr[HUMAN_MAX], er[HUMAN_MAX], br[HUMAN_MAX], over[HUMAN_MAX + 16];

	if (pg->have_last) {
		span = now - pg->last_time;
		r0 = pg->last_records;
		e0 = pg->last_events;
		b0 = pg->last_bytes;
		snprintf(over, sizeof(over), "last %.1f s", span);
	} else {
		span = start > 0 ? now - start : 0;
		snprintf(over, sizeof(over), "since start");
	}
	human_duration(start > 0 ? now - start : 0, up, sizeof(up));
	if (span > 0) {
		human_rate((records - r0) / span, rr, sizeof(rr));
		human_rate((events - e0) / span, er, sizeof(er));
		human_size_rate((bytes - b0) / span, br, sizeof(br));
	} else {
		snprintf(rr, sizeof(rr), "-");
		snprintf(er, sizeof(er), "-");
		snprintf(br, sizeof(br), "-");
	}
	printf("%-9s up %s  records %s  events %s  written %s  (%s)\n", "needle", up, rr, er, br,
	       over);
	pg->have_last = true;
	pg->last_time = now;
	pg->last_records = records;
	pg->last_events = events;
	pg->last_bytes = bytes;
}

static void print_table(struct page *pg)
{
	const char *const whole = metric_event_state_names[METRIC_STATE_WHOLE];
	const char *const partial = metric_event_state_names[METRIC_STATE_PARTIAL];
	double limit = get(pg, METRIC_KERNEL_BACKLOG_LIMIT, NULL, NULL);
	double sock = get(pg, METRIC_SOCKET_RECEIVE_BUFFER, NULL, NULL);
	double backlog = get(pg, METRIC_KERNEL_BACKLOG, NULL, NULL);
	double queued = get(pg, METRIC_SOCKET_QUEUED, NULL, NULL);
	char a[HUMAN_MAX], b[HUMAN_MAX];

	print_rates(pg);
	{
		/* One sample, labelled with the fullest stage. */
		const double *risk = NULL;
		unsigned st;

		for (st = 0; st < METRIC_STAGE_COUNT && !risk; st++)
			risk = find(pg, METRIC_LOSS_RISK, metric_stage_names[st], NULL);
		printf("%-9s ", "loss risk");
		if (risk)
			bar(*risk);
		else
			get_key(pg, metric_table[METRIC_LOSS_RISK].name);
		printf("  fullest stage: %s\n",
		       risk ? metric_stage_names[st - 1] : metric_stage_names[METRIC_STAGE_NONE]);
	}
	printf("%-9s backlog %.0f/%.0f ", "kernel", backlog, limit);
	bar(limit ? backlog / limit : 0);
	printf("  lost records %.0f since start (kernel lifetime %.0f)  enabled %.0f  pid %.0f\n",
	       get(pg, METRIC_LOST_RECORDS, metric_record_cause_names[METRIC_RECORDS_KERNEL], NULL),
	       get(pg, METRIC_KERNEL_LOST_RECORDS, NULL, NULL),
	       get(pg, METRIC_KERNEL_ENABLED, NULL, NULL),
	       get(pg, METRIC_KERNEL_DAEMON_PID, NULL, NULL));
	{
		/* The rule watch (off: no figures, no line). */
		const double *rules = find(pg, METRIC_KERNEL_RULES, NULL, NULL);

		if (rules)
			printf("%-9s %.0f in the kernel; changed by others since start: %.0f added, "
			       "%.0f removed (the log names each)\n",
			       "rules", *rules,
			       get(pg, METRIC_RULES_CHANGED,
				   metric_rule_change_names[METRIC_CHANGE_ADDED], NULL),
			       get(pg, METRIC_RULES_CHANGED,
				   metric_rule_change_names[METRIC_CHANGE_REMOVED], NULL));
	}
	human_size((uint64_t)queued, a, sizeof(a));
	human_size((uint64_t)sock, b, sizeof(b));
	printf("%-9s queued %s of %s ", "socket", a, b);
	bar(sock ? queued / sock : 0);
	printf("  datagrams %.0f  overruns %.0f\n", get(pg, METRIC_SOCKET_DATAGRAMS, NULL, NULL),
	       get(pg, METRIC_SOCKET_OVERRUNS, NULL, NULL));
	for (unsigned shard = 0;; shard++) {
		const double *cap;
		char n[16];
		double used;

		snprintf(n, sizeof(n), "%u", shard);
		cap = find(pg, METRIC_RING_CAPACITY, n, NULL);
		if (!cap || !*cap)
			break;
		used = get(pg, METRIC_RING_OCCUPANCY, n, NULL);
		human_size((uint64_t)used, a, sizeof(a));
		human_size((uint64_t)*cap, b, sizeof(b));
		printf("ring %-4u used %s of %s ", shard, a, b);
		bar(used / *cap);
		printf("  stalls %.0f", get(pg, METRIC_RING_FULL_STALLS, n, NULL));
		printf("  dropped records %.0f (full) + %.0f (rest of event)\n",
		       get(pg, METRIC_RING_DROPPED_RECORDS, n,
			   metric_drop_reason_names[METRIC_REASON_FULL]),
		       get(pg, METRIC_RING_DROPPED_RECORDS, n,
			   metric_drop_reason_names[METRIC_REASON_REST_OF_EVENT]));
	}
	printf("%-9s records %.0f  events %.0f whole, %.0f partial  late records %.0f  open %.0f\n",
	       "decoders", get(pg, METRIC_DECODER_RECORDS, NULL, NULL),
	       get(pg, METRIC_DECODER_EVENTS, whole, NULL),
	       get(pg, METRIC_DECODER_EVENTS, partial, NULL),
	       get(pg, METRIC_DECODER_LATE_RECORDS, NULL, NULL),
	       get(pg, METRIC_DECODER_OPEN_EVENTS, NULL, NULL));
	/* Quantiles from the histogram: the upper bound of the first bucket
	 * that holds the quantile (so "p99 <= 5 ms"). */
	{
		const char *names[2] = { "p50", "p99" };
		const double q[2] = { 0.5, 0.99 };
		char count[METRIC_KEY_MAX];

		metric_part_key(count, sizeof(count), METRIC_EVENT_DELAY, METRIC_PART_COUNT);
		printf("%-9s", "delay");
		for (int k = 0; k < 2 && get_key(pg, count) > 0; k++) {
			double bound = metric_samples_quantile(&pg->s, METRIC_EVENT_DELAY, q[k]);

			if (isfinite(bound))
				printf(" %s <= %g s", names[k], bound);
			else
				printf(" %s <= +Inf s", names[k]);
		}
		printf("  max %.3f s  (from event time to formatting)\n",
		       get(pg, METRIC_EVENT_DELAY_MAX, NULL, NULL));
	}
	/* What is measured, each from its own counter; no line adds them up,
	 * since a sum of counters can only agree with itself. The tests check
	 * each cause against the load generator's calls. */
	printf("%-9s written whole %.0f, partial %.0f\n", "events",
	       get(pg, METRIC_DECODER_EVENTS, whole, NULL),
	       get(pg, METRIC_DECODER_EVENTS, partial, NULL));
	printf("%-9s", "lost");
	for (unsigned c = 0; c < METRIC_EVENT_CAUSE_COUNT; c++) {
		const char *cause = metric_event_cause_names[c];
		const double *v = find(pg, METRIC_LOST_EVENTS, cause, NULL);

		if (v)
			printf(" %s %.0f", cause, *v);
		else
			get(pg, METRIC_LOST_EVENTS, cause, NULL); /* says it is missing */
	}
	printf("  (events, by cause, since start; kernel: its lost records since start, "
	       "at most that many events)\n");
	print_filters(pg);
	stat_keys_print(stdout, &pg->keys, &pg->s, now_seconds(),
			get(pg, METRIC_START_TIME, NULL, NULL));
	{
		const double *capacity = find(pg, METRIC_PROCESS_TABLE_CAPACITY, NULL, NULL);

		if (capacity && *capacity > 0) {
			human_size((uint64_t)get(pg, METRIC_PROCESS_TABLE_BYTES, NULL, NULL), a,
				   sizeof(a));
			printf("%-9s entries %.0f of %.0f (%s)  loaded from /proc %.0f, gone "
			       "%.0f, not added (full) %.0f\n",
			       "processes", get(pg, METRIC_PROCESS_TABLE_ENTRIES, NULL, NULL),
			       *capacity, a, get(pg, METRIC_PROCESS_TABLE_LOADS, NULL, NULL),
			       get(pg, METRIC_PROCESS_TABLE_LOAD_FAILURES, NULL, NULL),
			       get(pg, METRIC_PROCESS_TABLE_FULL, NULL, NULL));
			print_process_events(pg);
		}
	}
	for (unsigned i = 0; i < METRIC_OUTPUT_COUNT; i++) {
		const char *o = metric_output_names[i];
		const double *events = find(pg, METRIC_SINK_EVENTS, o, NULL);

		if (!events || i == METRIC_OUTPUT_NATS)
			continue; /* that output is off, or has its own line */
		printf("sink %-4s events %.0f", o, *events);
		human_size((uint64_t)get(pg, METRIC_SINK_WRITTEN_BYTES, o, NULL), a, sizeof(a));
		printf("  written %s", a);
		printf("  write errors %.0f", get(pg, METRIC_SINK_WRITE_ERRORS, o, NULL));
		printf("  lost events %.0f", get(pg, METRIC_SINK_LOST_EVENTS, o, NULL));
		printf("  rotations %.0f", get(pg, METRIC_SINK_ROTATIONS, o, NULL));
		printf(" (%.0f failed)", get(pg, METRIC_SINK_ROTATION_ERRORS, o, NULL));
		printf("  sync errors %.0f", get(pg, METRIC_SINK_SYNC_ERRORS, o, NULL));
		printf(" (events at risk %.0f)", get(pg, METRIC_SINK_UNSYNCED_EVENTS, o, NULL));
		printf("  fsyncs %.0f", get(pg, METRIC_SINK_SYNCS, o, NULL));
		printf("  %s (%.0f events not written)\n",
		       get(pg, METRIC_SINK_SUSPENDED, o, NULL) > 0 ? "SUSPENDED" : "writing",
		       get(pg, METRIC_SINK_SUSPENDED_EVENTS, o, NULL));
	}
	{
		const double *free = find(pg, METRIC_LOG_DIR_FREE, NULL, NULL);

		if (free)
			printf("%-9s %.1f MiB free\n", "log_dir", *free / 1048576.0);
	}
	print_nats(pg);
	print_plugins(pg);
}

static void print_json(const struct metric_samples *s)
{
	struct outbuf o = { 0 };
	char num[40];

	outbuf_putc(&o, '{');
	for (size_t i = 0; i < s->n; i++) {
		if (i)
			outbuf_putc(&o, ',');
		outbuf_json_key(&o, s->s[i].key, strlen(s->s[i].key));
		snprintf(num, sizeof(num), "%.17g", s->s[i].value);
		outbuf_puts(&o, num);
	}
	outbuf_puts(&o, "}\n");
	fwrite(o.data, 1, o.len, stdout);
	outbuf_free(&o);
}

const char stat_cmd_help[] =
	"usage: needle stat [--json] [--watch] [--socket PATH]\n"
	"  Prints the running needle's counters, stage by stage.\n"
	"  -j, --json         the same as one JSON object\n"
	"  -w, --watch        print again every second, on a cleared screen\n"
	"  -s, --socket PATH  needle's control socket (default " STAT_DEFAULT_SOCKET ")\n"
	"  -h, --help         this help\n";

int stat_cmd_main(int argc, char **argv)
{
	static const struct option stat_options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "watch", no_argument, NULL, 'w' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = STAT_DEFAULT_SOCKET;
	bool json = false, watch = false;
	struct outbuf text = { 0 };
	struct page pg = { .report = true };
	int c, r;

	while ((c = getopt_long(argc, argv, "jws:h", stat_options, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'w': watch = true; break;
		case 's': path = optarg; break;
		case 'h': fputs(stat_cmd_help, stdout); return 0;
		default: fputs(stat_cmd_help, stderr); return 2;
		}
	}
	do {
		r = control_query(path, &text);
		if (r < 0) {
			fprintf(stderr,
				"needle stat: cannot reach needle at %s: %s (is 'needle run' running? "
				"the socket is root's)\n",
				path, strerror(-r));
			return 1;
		}
		if (metric_samples_parse(&pg.s, text.data, text.len) < 0) {
			fprintf(stderr, "needle stat: out of memory\n");
			r = 1;
			break;
		}
		if (watch)
			fputs("\033[H\033[2J", stdout);
		if (json)
			print_json(&pg.s);
		else
			print_table(&pg);
		fflush(stdout);
		pg.report = false;
		if (watch)
			sleep(1);
	} while (watch);
	outbuf_free(&text);
	metric_samples_free(&pg.s);
	stat_keys_free(&pg.keys);
	return r;
}
