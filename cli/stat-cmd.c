/* SPDX-License-Identifier: MIT */
/*
 * needle stat [--json] [--watch] [--socket PATH]
 *
 * Reads the running daemon's counters through its control socket (the same
 * exposition text the HTTP endpoint serves) and prints them as a table
 * with a fill bar per stage, as JSON, or refreshed every second.
 */
#include "stat-cmd.h"
#include "control.h"
#include "outbuf.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct sample {
	char key[160]; /* name{labels} */
	double value;
};

struct samples {
	struct sample *s;
	size_t n, cap;
};

static void parse(const struct outbuf *text, struct samples *out)
{
	const char *p = text->data, *end = p + text->len;

	out->n = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *sp;
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		sp = memrchr(p, ' ', len);
		if (len && p[0] != '#' && sp && (size_t)(sp - p) < sizeof(out->s->key)) {
			if (out->n == out->cap) {
				out->cap = out->cap ? out->cap * 2 : 128;
				out->s = realloc(out->s, out->cap * sizeof(*out->s));
				if (!out->s)
					exit(1);
			}
			memcpy(out->s[out->n].key, p, (size_t)(sp - p));
			out->s[out->n].key[sp - p] = '\0';
			out->s[out->n].value = strtod(sp + 1, NULL);
			out->n++;
		}
		p += len + 1;
	}
}

static double get(const struct samples *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->s[i].key, key) == 0)
			return s->s[i].value;
	return 0;
}

/* The label of the first sample of a metric, e.g. stage="ring". */
static const char *label_of(const struct samples *s, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < s->n; i++)
		if (strncmp(s->s[i].key, name, n) == 0 && s->s[i].key[n] == '{')
			return s->s[i].key + n;
	return "";
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

static void print_table(const struct samples *s)
{
	char key[200];
	double limit = get(s, "needle_kernel_backlog_limit");
	double sock = get(s, "needle_socket_receive_buffer_bytes");

	printf("%-9s ", "loss risk");
	for (size_t i = 0; i < s->n; i++)
		if (strncmp(s->s[i].key, "needle_loss_risk", 16) == 0)
			bar(s->s[i].value);
	{
		/* {stage="ring"} -> ring */
		const char *l = strchr(label_of(s, "needle_loss_risk"), '"'), *e = l ? strchr(l + 1, '"') : NULL;

		printf("  fullest stage: %.*s\n", e ? (int)(e - l - 1) : 4, e ? l + 1 : "none");
	}
	printf("%-9s backlog %.0f/%.0f ", "kernel", get(s, "needle_kernel_backlog"), limit);
	bar(limit ? get(s, "needle_kernel_backlog") / limit : 0);
	printf("  lost records %.0f since start (kernel lifetime %.0f)  enabled %.0f  pid %.0f\n",
	       get(s, "needle_lost_records_total{cause=\"kernel\"}"),
	       get(s, "needle_kernel_lost_records_total"), get(s, "needle_kernel_enabled"),
	       get(s, "needle_kernel_daemon_pid"));
	printf("%-9s queued %.0f of %.0f bytes ", "socket", get(s, "needle_socket_queued_bytes"), sock);
	bar(sock ? get(s, "needle_socket_queued_bytes") / sock : 0);
	printf("  datagrams %.0f  overruns %.0f\n", get(s, "needle_socket_datagrams_total"),
	       get(s, "needle_socket_overruns_total"));
	for (unsigned shard = 0;; shard++) {
		double cap, drops;

		snprintf(key, sizeof(key), "needle_ring_capacity_bytes{shard=\"%u\"}", shard);
		cap = get(s, key);
		if (!cap)
			break;
		snprintf(key, sizeof(key), "needle_ring_occupancy_bytes{shard=\"%u\"}", shard);
		printf("ring %-4u used %.0f of %.0f bytes ", shard, get(s, key), cap);
		bar(get(s, key) / cap);
		snprintf(key, sizeof(key), "needle_ring_full_stalls_total{shard=\"%u\"}", shard);
		printf("  stalls %.0f", get(s, key));
		snprintf(key, sizeof(key),
			 "needle_ring_dropped_records_total{shard=\"%u\",reason=\"full\"}", shard);
		drops = get(s, key);
		snprintf(key, sizeof(key),
			 "needle_ring_dropped_records_total{shard=\"%u\",reason=\"rest_of_event\"}",
			 shard);
		printf("  dropped records %.0f (full) + %.0f (rest of event)\n", drops, get(s, key));
	}
	printf("%-9s records %.0f  events %.0f whole, %.0f partial  late records %.0f  open %.0f\n",
	       "decoders", get(s, "needle_decoder_records_total"),
	       get(s, "needle_decoder_events_total{state=\"whole\"}"),
	       get(s, "needle_decoder_events_total{state=\"partial\"}"),
	       get(s, "needle_decoder_late_records_total"), get(s, "needle_decoder_open_events"));
	/* Quantiles from the histogram: the upper bound of the first bucket
	 * that holds the quantile (so "p99 <= 5 ms"). */
	{
		double count = get(s, "needle_event_delay_seconds_count");
		const char *names[2] = { "p50", "p99" };
		const double q[2] = { 0.5, 0.99 };

		printf("%-9s", "delay");
		for (int k = 0; k < 2 && count > 0; k++) {
			const char *bound = "+Inf";

			for (size_t i = 0; i < s->n; i++)
				if (strncmp(s->s[i].key, "needle_event_delay_seconds_bucket{le=\"", 38) == 0 &&
				    s->s[i].value >= q[k] * count) {
					bound = s->s[i].key + 38;
					break;
				}
			printf(" %s <= %.*s s", names[k], (int)strcspn(bound, "\""), bound);
		}
		printf("  max %.3f s  (from event time to formatting)\n",
		       get(s, "needle_event_delay_max_seconds"));
	}
	/* What is measured, each from its own counter; no line adds them up,
	 * since a sum of counters can only agree with itself. The tests check
	 * each cause against the load generator's calls. */
	printf("%-9s written whole %.0f, partial %.0f\n", "events",
	       get(s, "needle_decoder_events_total{state=\"whole\"}"),
	       get(s, "needle_decoder_events_total{state=\"partial\"}"));
	{
		/* Every cause the daemon reports, in its order: a cause added
		 * later shows without a change here. */
		static const char prefix[] = "needle_lost_events_total{cause=\"";

		printf("%-9s", "lost");
		for (size_t i = 0; i < s->n; i++)
			if (strncmp(s->s[i].key, prefix, sizeof(prefix) - 1) == 0) {
				const char *cause = s->s[i].key + sizeof(prefix) - 1;

				printf(" %.*s %.0f", (int)strcspn(cause, "\""), cause, s->s[i].value);
			}
		printf("  (events, by cause, since start; kernel: its lost records since start, "
		       "at most that many events)\n");
	}
	if (get(s, "needle_process_table_capacity") > 0)
		printf("%-9s entries %.0f of %.0f (%.1f MiB)  loaded from /proc %.0f, gone %.0f, "
		       "not added (full) %.0f\n",
		       "processes", get(s, "needle_process_table_entries"),
		       get(s, "needle_process_table_capacity"),
		       get(s, "needle_process_table_bytes") / 1048576.0,
		       get(s, "needle_process_table_loads_total"),
		       get(s, "needle_process_table_load_failures_total"),
		       get(s, "needle_process_table_full_total"));
	for (const char *const *o = (const char *const[]){ "json", "raw", "enriched", "stdout", NULL };
	     *o; o++) {
		bool present = false;

		snprintf(key, sizeof(key), "needle_sink_events_total{output=\"%s\"}", *o);
		for (size_t i = 0; i < s->n; i++)
			present |= strcmp(s->s[i].key, key) == 0;
		if (!present)
			continue; /* that output is off */
		printf("sink %-4s events %.0f", *o, get(s, key));
		snprintf(key, sizeof(key), "needle_sink_written_bytes_total{output=\"%s\"}", *o);
		printf("  bytes %.0f", get(s, key));
		snprintf(key, sizeof(key), "needle_sink_write_errors_total{output=\"%s\"}", *o);
		printf("  write errors %.0f", get(s, key));
		snprintf(key, sizeof(key), "needle_sink_lost_events_total{output=\"%s\"}", *o);
		printf("  lost events %.0f", get(s, key));
		snprintf(key, sizeof(key), "needle_sink_rotations_total{output=\"%s\"}", *o);
		printf("  rotations %.0f", get(s, key));
		snprintf(key, sizeof(key), "needle_sink_rotation_errors_total{output=\"%s\"}", *o);
		printf(" (%.0f failed)", get(s, key));
		snprintf(key, sizeof(key), "needle_sink_sync_errors_total{output=\"%s\"}", *o);
		printf("  sync errors %.0f", get(s, key));
		snprintf(key, sizeof(key), "needle_sink_unsynced_events_total{output=\"%s\"}", *o);
		printf(" (events at risk %.0f)\n", get(s, key));
	}
}

static void print_json(const struct samples *s)
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
	struct samples s = { 0 };
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
		parse(&text, &s);
		if (watch)
			fputs("\033[H\033[2J", stdout);
		if (json)
			print_json(&s);
		else
			print_table(&s);
		fflush(stdout);
		if (watch)
			sleep(1);
	} while (watch);
	outbuf_free(&text);
	free(s.s);
	return 0;
}
