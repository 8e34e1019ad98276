/* SPDX-License-Identifier: MIT */
/*
 * needle-bench replay: the decoding pipeline without the kernel.
 *
 * Generates realistic kernel records (the load generator's events: SYSCALL
 * openat, CWD, PATH, PROCTITLE, EOE, five records each, with neighbouring
 * events interleaved as several CPUs produce them) with their stamps read,
 * as needle's listener hands them over, then, per decoder thread, does what
 * a needle decoder does with each record: reassemble, format JSON (and
 * optionally compress each 256 KiB batch with LZ4). Events are sharded by serial as the listener shards them. Output
 * goes nowhere: this measures the CPU cost, not the disk.
 *
 * With --laurel, the same events are written as an auditd log and fed to
 * laurel (a Rust audit log enricher) on stdin; its events/s is printed
 * beside needle's, as a ratio of the same event count.
 *
 * With --filter FILE, one decoder also runs the same events through the
 * filter rules of FILE (decode/filter.h, as needle run's decoders and
 * needle decode --filter apply them, before formatting), rounds
 * interleaved with the unfiltered ones (JSON, and JSON + RAW: needle's
 * default outputs): the cost of an event dropped by a rule against that of
 * one written (issue 15: at most a quarter).
 */
#include "assemble.h"
#include "context.h"
#include "bench.h"
#include "filter-file.h"
#include "filter.h"
#include "replay.h"
#include "format.h"
#include "frame.h"
#include "stamp.h"

#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <libaudit.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <urcu.h>

struct worker {
	const struct corpus *c;
	unsigned id, threads;
	bool lz4, log_input;
	bool raw; /* RAW lines too, as needle's default outputs (json,raw) */
	struct proctable *procs; /* process context, NULL for none */
	struct filter_set *filters; /* NULL: every event is written */
	uint64_t events, dropped, json_bytes, out_bytes;
	double cpu_ns; /* the thread's CPU time, start to end of its share */
};

void replay_append(struct corpus *c, size_t *cap, unsigned type, uint32_t serial,
		   const char *fmt, ...)
{
	struct audit_stamp st = { 0 };
	va_list ap;
	int n, b;

	if (c->text_len + 1024 > *cap) {
		*cap = *cap ? *cap * 2 : 1 << 20;
		c->text = realloc(c->text, *cap);
		if (!c->text)
			exit(1);
	}
	va_start(ap, fmt);
	n = vsnprintf(c->text + c->text_len, 1024, fmt, ap);
	va_end(ap);
	/* The stamp read here, as needle's listener reads it: not in the
	 * decoders' time. */
	b = decode_stamp(c->text + c->text_len, (size_t)n, &st);
	c->recs[c->nrecs++] = (struct rec){ type, serial, (uint32_t)c->text_len, (uint32_t)n,
					    b > 0 ? (uint32_t)b : 0, st };
	c->text_len += (size_t)n;
}

/* Records of events, two events in flight at a time, as two CPUs would
 * interleave them. */
static void generate(struct corpus *c, size_t events)
{
	static const unsigned types[] = { AUDIT_SYSCALL, AUDIT_CWD, AUDIT_PATH, AUDIT_PROCTITLE,
					  AUDIT_EOE };
	size_t cap = 0;

	memset(c, 0, sizeof(*c));
	c->recs = malloc(events * 5 * sizeof(*c->recs));
	if (!c->recs)
		exit(1);
	c->events = events;
	/* A record of the type the loop is at, of event k. */
#define APPEND(...) replay_append(c, &cap, types[r], serial, __VA_ARGS__)
	for (size_t e = 0; e < events; e += 2) {
		for (unsigned r = 0; r < 5; r++)
			for (size_t k = e; k < e + 2 && k < events; k++) {
				uint32_t serial = 1000000 + (uint32_t)k;
				unsigned long sec = 1764259200 + k / 50000, ms = (k / 50) % 1000;
				unsigned pid = 4000 + (unsigned)(k % 2);

				switch (types[r]) {
				case AUDIT_SYSCALL:
					APPEND("audit(%lu.%03lu:%u): arch=c000003e syscall=257 "
					       "success=no exit=-2 a0=ffffff9c a1=7ffd%08zx a2=0 a3=0 "
					       "items=1 ppid=3999 pid=%u auid=1000 uid=1000 gid=1000 "
					       "euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 "
					       "fsgid=1000 tty=pts0 ses=3 comm=\"needle-loadgen\" "
					       "exe=\"/usr/local/bin/needle-loadgen\" "
					       "subj=unconfined key=\"bench\"",
					       sec, ms, serial, k * 16, pid);
					break;
				case AUDIT_CWD:
					APPEND("audit(%lu.%03lu:%u): cwd=\"/home/alice\"", sec, ms, serial);
					break;
				case AUDIT_PATH:
					APPEND("audit(%lu.%03lu:%u): item=0 "
					       "name=\"/nonexistent/needle-load\" nametype=UNKNOWN "
					       "cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0",
					       sec, ms, serial);
					break;
				case AUDIT_PROCTITLE:
					APPEND("audit(%lu.%03lu:%u): proctitle=2F7573722F6C6F63616C2F"
					       "62696E2F6E6565646C652D6C6F616467656E0032003130303030",
					       sec, ms, serial);
					break;
				default:
					APPEND("audit(%lu.%03lu:%u): ", sec, ms, serial);
					break;
				}
			}
	}
#undef APPEND
}

/* A recording (needle-bench record) or an auditd log as the corpus: one
 * "type=NAME msg=audit(...): ..." line per record. Events are the distinct
 * serials; lines that are not records are counted and skipped. */
static int load_log(struct corpus *c, const char *path, bool *ret_has_eoe)
{
	FILE *f = fopen(path, "re");
	char *line = NULL, *seen = NULL;
	size_t cap = 0, text_cap = 0, rec_cap = 0, lineno = 0, skipped = 0;
	uint32_t max_serial = 0;
	ssize_t len;

	if (!f)
		return -errno;
	memset(c, 0, sizeof(*c));
	*ret_has_eoe = false;
	while ((len = getline(&line, &cap, f)) > 0) {
		char name[64], *msg = strstr(line, " msg=");
		struct audit_stamp st;
		unsigned type;
		int t, body;

		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (strncmp(line, "type=", 5) != 0 || !msg || (size_t)(msg - line - 5) >= sizeof(name)) {
			skipped++;
			continue;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(msg - line - 5), line + 5);
		msg += 5;
		if (sscanf(name, "UNKNOWN[%u]", &type) != 1) {
			t = audit_name_to_msg_type(name);
			if (t < 0) {
				skipped++;
				continue;
			}
			type = (unsigned)t;
		}
		if ((body = decode_stamp(msg, strlen(msg), &st)) < 0) {
			skipped++;
			continue;
		}
		*ret_has_eoe |= type == AUDIT_EOE;
		if (c->nrecs == rec_cap) {
			rec_cap = rec_cap ? rec_cap * 2 : 4096;
			c->recs = realloc(c->recs, rec_cap * sizeof(*c->recs));
		}
		if (c->text_len + strlen(msg) > text_cap) {
			text_cap = (text_cap + strlen(msg)) * 2;
			c->text = realloc(c->text, text_cap);
		}
		if (!c->recs || !c->text)
			exit(1);
		c->recs[c->nrecs++] = (struct rec){ type, st.serial, (uint32_t)c->text_len,
						    (uint32_t)strlen(msg), (uint32_t)body, st };
		memcpy(c->text + c->text_len, msg, strlen(msg));
		c->text_len += strlen(msg);
		if (st.serial > max_serial)
			max_serial = st.serial;
	}
	free(line);
	fclose(f);
	if (skipped)
		fprintf(stderr, "needle-bench replay: %s: %zu of %zu lines are not records, skipped\n",
			path, skipped, lineno);
	/* Events: distinct serials (a bitmap up to the largest). */
	seen = calloc((size_t)max_serial / 8 + 1, 1);
	if (!seen)
		exit(1);
	for (size_t i = 0; i < c->nrecs; i++) {
		uint32_t s = c->recs[i].serial;

		if (!(seen[s / 8] & (1 << (s % 8)))) {
			seen[s / 8] |= (char)(1 << (s % 8));
			c->events++;
		}
	}
	free(seen);
	return c->nrecs ? 0 : -ENODATA;
}

struct replay_context {
	struct proctable *t;
	struct context_cache cache;
};

static bool replay_context(void *arg, const struct format_facts *f, struct format_process *ret)
{
	struct replay_context *rc = arg;

	/* Decoded as it happens: now is the event's own time (exits are
	 * marked gone then, as live). */
	return context_for_event(rc->t, 4, f, f->sec * 1000, &rc->cache, ret);
}

/* One ended event: the filters' verdict first, as needle run decides it
 * (a diverted one is formatted as JSON too, as into the divert file). */
static void decode_one(struct worker *w, struct assembler *a, struct format_ctx *ctx,
		       struct audit_event *ev, struct outbuf *json, struct outbuf *raw)
{
	struct filter_result fr;

	w->events++;
	if (w->filters && filter_event(w->filters, ctx, ev, &fr) == FILTER_DROP) {
		w->dropped++;
	} else {
		format_event_json(ctx, ev, json);
		if (w->raw) {
			format_event_raw(ev, raw);
			if (raw->len >= (256u << 10))
				raw->len = 0; /* as written out */
		}
	}
	assembler_done(a, ev);
}

static void *decode_share(void *arg)
{
	struct worker *w = arg;
	const struct corpus *c = w->c;
	struct assemble_config cfg = { .max_open = 16384, .timeout_ms = 2000,
				       .log_input = w->log_input };
	struct assembler *a = assembler_new(&cfg);
	struct format_ctx ctx = { 0 };
	struct outbuf json = { 0 }, frame = { 0 }, raw = { 0 };
	struct audit_event *ev;
	struct replay_context rc = { .t = w->procs };

	if (!a)
		exit(1);
	if (w->procs) {
		rcu_register_thread();
		ctx.process = replay_context;
		ctx.process_arg = &rc;
		rcu_read_lock(); /* held throughout: nothing here waits for a grace period */
	}
	for (size_t i = 0; i < c->nrecs; i++) {
		const struct rec *r = &c->recs[i];
		const char *text = c->text + r->off;

		if (r->serial % w->threads != w->id)
			continue; /* another decoder's shard */
		/* The stamp as the listener hands it (pipeline/threads.h). */
		assembler_add(a, r->type, &r->stamp, NULL, 0, text + r->body, r->len - r->body, 0);
		while ((ev = assembler_pop(a)))
			decode_one(w, a, &ctx, ev, &json, &raw);
		if (json.len >= (256u << 10)) {
			w->json_bytes += json.len;
			if (w->lz4) {
				/* needle's own path (pipeline/frame.h), as the decoder. */
				if (frame_compress_lz4(json.data, json.len, &frame) < 0)
					exit(1);
				w->out_bytes += frame.len;
			} else {
				w->out_bytes += json.len;
			}
			json.len = 0;
		}
	}
	assembler_flush(a);
	while ((ev = assembler_pop(a)))
		decode_one(w, a, &ctx, ev, &json, &raw);
	w->json_bytes += json.len;
	w->out_bytes += json.len;
	if (w->procs) {
		rcu_read_unlock();
		rcu_unregister_thread();
	}
	/* The thread's own CPU: time it spent preempted (two cores, other
	 * work) is not the event's cost. */
	{
		struct timespec ts;

		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
		w->cpu_ns = (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
	}
	assembler_free(a);
	format_ctx_free(&ctx);
	outbuf_free(&json);
	outbuf_free(&raw);
	outbuf_free(&frame);
	return NULL;
}

/* Returns records/s for one configuration; fills events and bytes. */
static double run_filtered(const struct corpus *c, unsigned threads, bool lz4, bool log_input,
			   bool raw, struct proctable *procs, struct filter_set *filters,
			   uint64_t *ret_events, uint64_t *ret_dropped, double *ret_ratio,
			   double *ret_cpu_ns)
{
	struct worker w[8];
	pthread_t t[8];
	double start = bench_now(), secs;
	uint64_t events = 0, dropped = 0, json = 0, out = 0;
	double cpu_ns = 0;

	for (unsigned i = 0; i < threads; i++) {
		w[i] = (struct worker){ .c = c, .id = i, .threads = threads, .lz4 = lz4,
					.log_input = log_input, .raw = raw, .procs = procs,
					.filters = filters };
		pthread_create(&t[i], NULL, decode_share, &w[i]);
	}
	for (unsigned i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		events += w[i].events;
		dropped += w[i].dropped;
		cpu_ns += w[i].cpu_ns;
		json += w[i].json_bytes;
		out += w[i].out_bytes;
	}
	secs = bench_now() - start;
	*ret_events = events;
	*ret_dropped = dropped;
	*ret_cpu_ns = cpu_ns;
	*ret_ratio = out ? (double)json / (double)out : 1;
	return (double)c->nrecs / secs;
}

static double run(const struct corpus *c, unsigned threads, bool lz4, bool log_input,
		  struct proctable *procs, uint64_t *ret_events, double *ret_ratio)
{
	uint64_t dropped;
	double cpu_ns;

	return run_filtered(c, threads, lz4, log_input, false, procs, NULL, ret_events, &dropped,
			    ret_ratio, &cpu_ns);
}

/*
 * What an event dropped by the rules of path costs against one written:
 * one decoder, the same events written as JSON, as JSON and RAW (needle's
 * default outputs) and through the filter, rounds interleaved; the decoder
 * thread's CPU nanoseconds an event, medians. 0, 1 when a run decoded the
 * wrong number of events, 2 when the file is bad.
 */
static int filter_cost(const struct corpus *c, bool log_input, const char *path,
		       unsigned rounds)
{
	double json[BENCH_MAX_ROUNDS], both[BENCH_MAX_ROUNDS], filtered[BENCH_MAX_ROUNDS], ratio;
	double m0, m1, m2;
	char err[FILTER_ERRORS_MAX];
	struct filter_set *fs = filter_file_load(path, err, sizeof(err));
	uint64_t got[3] = { 0, 0, 0 }, dropped = 0, none;

	if (!fs) {
		fprintf(stderr, "needle-bench replay: %s\n", err);
		return 2;
	}
	if (filter_set_divert_line(fs)) {
		fprintf(stderr, "needle-bench replay: %s:%u: divert rules are not measured here\n",
			path, filter_set_divert_line(fs));
		filter_set_free(fs);
		return 2;
	}
	for (unsigned r = 0; r < rounds; r++) {
		run_filtered(c, 1, false, log_input, false, NULL, NULL, &got[0], &none, &ratio,
			     &json[r]);
		run_filtered(c, 1, false, log_input, true, NULL, NULL, &got[1], &none, &ratio,
			     &both[r]);
		run_filtered(c, 1, false, log_input, true, NULL, fs, &got[2], &dropped, &ratio,
			     &filtered[r]);
		json[r] /= (double)c->events;
		both[r] /= (double)c->events;
		filtered[r] /= (double)c->events;
		if (got[0] != c->events || got[1] != c->events || got[2] != c->events) {
			fprintf(stderr, "needle-bench replay: with the filter, %llu, %llu and %llu "
					"events decoded of %zu\n",
				(unsigned long long)got[0], (unsigned long long)got[1],
				(unsigned long long)got[2], c->events);
			filter_set_free(fs);
			return 1;
		}
	}
	filter_set_free(fs);
	m0 = bench_median(json, rounds);
	m1 = bench_median(both, rounds);
	m2 = bench_median(filtered, rounds);
	printf("\nfilter %s, 1 decoder: %llu of %zu events dropped; the decoder's CPU an event: "
	       "written as JSON %.0f ns, as JSON + RAW (the default outputs) %.0f ns, dropped "
	       "%.0f ns: %.2f of JSON, %.2f of JSON + RAW",
	       path, (unsigned long long)dropped, c->events, m0, m1, m2, m2 / m0, m2 / m1);
	if (dropped == c->events)
		printf(" (target for an event dropped: at most 0.25: %s against JSON, %s against "
		       "JSON + RAW)\n",
		       m2 <= 0.25 * m0 ? "met" : "MISSED", m2 <= 0.25 * m1 ? "met" : "MISSED");
	else
		printf(" (not every event dropped: no target)\n");
	return 0;
}

/* Writes the corpus as an auditd log (type names, no EOE: as auditd). */
static int write_log(const struct corpus *c, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	for (size_t i = 0; i < c->nrecs; i++) {
		const struct rec *r = &c->recs[i];

		if (r->type == AUDIT_EOE)
			continue;
		fprintf(f, "type=%s msg=%.*s\n", audit_msg_type_to_name((int)r->type), (int)r->len,
			c->text + r->off);
	}
	return fclose(f) == 0 ? 0 : -errno;
}

/* laurel reads the log on stdin and writes JSON to a directory; returns
 * its events/s, or a negative number when it could not run. */
static double run_laurel(const struct corpus *c, const char *dir)
{
	char log[512], conf[512], cmd[2048];
	FILE *f;
	double start, secs;
	int status;

	snprintf(log, sizeof(log), "%s/replay.log", dir);
	snprintf(conf, sizeof(conf), "%s/laurel.toml", dir);
	if (write_log(c, log) < 0)
		return -1;
	f = fopen(conf, "w");
	if (!f)
		return -1;
	fprintf(f, "directory = \"%s\"\nuser = \"root\"\n[auditlog]\nfile = \"laurel.log\"\n"
		   "size = 100000000000\ngenerations = 1\n",
		dir);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "laurel -c %s < %s > %s/laurel.out 2>&1", conf, log, dir);
	start = bench_now();
	status = system(cmd);
	secs = bench_now() - start;
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "needle-bench replay: laurel failed (exit %d); see %s/laurel.out\n",
			WIFEXITED(status) ? WEXITSTATUS(status) : -1, dir);
		return -1;
	}
	/* A fair comparison needs laurel to have written every event. */
	{
		char path[600], *line = NULL;
		size_t cap = 0, lines = 0;

		snprintf(path, sizeof(path), "%s/laurel.log", dir);
		f = fopen(path, "r");
		while (f && getline(&line, &cap, f) > 0)
			lines++;
		free(line);
		if (f)
			fclose(f);
		if (lines != c->events) {
			fprintf(stderr, "needle-bench replay: laurel wrote %zu events of %zu\n", lines,
				c->events);
			return -1;
		}
	}
	return (double)c->events / secs;
}

/*
 * What process context costs one decoder writing JSON, on the realistic
 * process mix (generate_mix): the same events with and without context,
 * interleaved over rounds, each run with context starting from the same
 * table. 0, or 1 when a run decoded the wrong number of events.
 */
static int context_cost(size_t events, unsigned rounds)
{
	double without[BENCH_MAX_ROUNDS], with[BENCH_MAX_ROUNDS], ratio, m0, m1;
	struct proctable_stats st = { 0 };
	uint64_t got[2] = { 0, 0 };
	struct corpus mix;

	replay_generate_mix(&mix, events);
	rcu_register_thread();
	for (unsigned r = 0; r < rounds; r++) {
		struct proctable *t = replay_mix_table();

		without[r] = run(&mix, 1, false, false, NULL, &got[0], &ratio);
		with[r] = run(&mix, 1, false, false, t, &got[1], &ratio);
		proctable_get_stats(t, &st);
		proctable_free(t);
		if (got[0] != mix.events || got[1] != mix.events) {
			fprintf(stderr, "needle-bench replay: the process mix decoded %llu and %llu "
					"events of %zu\n",
				(unsigned long long)got[0], (unsigned long long)got[1], mix.events);
			rcu_unregister_thread();
			return 1;
		}
	}
	rcu_unregister_thread();
	m0 = bench_median(without, rounds);
	m1 = bench_median(with, rounds);
	printf("\nprocess context, on a process mix (%zu events, %zu records: %llu forks, %llu "
	       "execs, %llu exits; one process in ten never seen forking and gone from /proc: "
	       "%llu loads of /proc/PID tried, %llu failed): 1 decoder, JSON, %.0f records/s "
	       "without, %.0f with: it costs %.1f%% (target: at most 15%%: %s)\n",
	       mix.events, mix.nrecs, (unsigned long long)st.forks, (unsigned long long)st.execs,
	       (unsigned long long)st.exits, (unsigned long long)st.loads,
	       (unsigned long long)st.load_failures, m0, m1, 100 * (1 - m1 / m0),
	       m1 >= 0.85 * m0 ? "met" : "MISSED");
	free(mix.text);
	free(mix.recs);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: needle-bench replay [--events N | --from FILE] [--rounds N] [--laurel]\n"
		   "                           [--filter FILE]\n"
		   "  Decodes kernel records to JSON on 1 and 2 decoder threads, with and\n"
		   "  without LZ4, and prints records/s: generated ones (5 per event), or\n"
		   "  those of FILE (a needle-bench record file, or an auditd log).\n"
		   "  --events N  events per run (default 400000)\n"
		   "  --from FILE records to replay instead of generated ones\n"
		   "  --rounds N  interleaved rounds; figures are medians (default 3)\n"
		   "  --laurel    also time laurel on the same events (needs laurel)\n"
		   "  --filter FILE  also the decoder's CPU an event on 1 decoder with the\n"
		   "              filter rules of FILE (as needle run's filter_file) and\n"
		   "              without (JSON; JSON + RAW): an event dropped costs at most\n"
		   "              1/4 of one written\n"
		   "  Then, for generated events, what process context costs one decoder on\n"
		   "  a realistic process mix (forks, execs, exits, pids /proc does not have).\n");
}

int bench_replay_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "events", required_argument, NULL, 'e' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "laurel", no_argument, NULL, 'l' },
		{ "from", required_argument, NULL, 'f' },
		{ "filter", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct {
		unsigned threads;
		bool lz4, context;
		const char *name;
	} configs[] = { { 1, false, false, "1 decoder, JSON" },
			{ 1, true, false, "1 decoder, JSON + LZ4" },
			{ 2, false, false, "2 decoders, JSON" },
			{ 2, true, false, "2 decoders, JSON + LZ4" } };
	enum { NCONF = 4 };
	double rate[NCONF][BENCH_MAX_ROUNDS], med[NCONF], ratio = 1, v;
	double events = 400000;
	unsigned rounds = 3;
	bool laurel = false, log_input = false;
	const char *from = NULL, *filter = NULL;
	struct corpus c;
	uint64_t got = 0;
	int opt;

	while ((opt = getopt_long(argc, argv, "e:r:lh", opts, NULL)) != -1) {
		switch (opt) {
		case 'e':
			if (bench_parse_double("--events", optarg, 2, 1e8, &events) < 0)
				return 2;
			break;
		case 'r':
			if (bench_parse_double("--rounds", optarg, 1, BENCH_MAX_ROUNDS, &v) < 0)
				return 2;
			rounds = (unsigned)v;
			break;
		case 'l': laurel = true; break;
		case 'f': from = optarg; break;
		case 'F': filter = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (from) {
		bool has_eoe = false;
		int r = load_log(&c, from, &has_eoe);

		if (r < 0) {
			fprintf(stderr, "needle-bench replay: %s: %s\n", from,
				r == -ENODATA ? "no audit records" : strerror(-r));
			return 1;
		}
		/* auditd's logs have no EOE: end events as in logs. */
		log_input = !has_eoe;
	} else {
		generate(&c, (size_t)events);
	}
	fprintf(stderr, "needle-bench replay: %zu events, %zu records, %u rounds\n", c.events,
		c.nrecs, rounds);
	for (unsigned r = 0; r < rounds; r++)
		for (int k = 0; k < NCONF; k++) {
			rate[k][r] = run(&c, configs[k].threads, configs[k].lz4, log_input, NULL,
					 &got, &v);
			if (got != c.events) {
				fprintf(stderr, "needle-bench replay: %s decoded %llu events of %zu\n",
					configs[k].name, (unsigned long long)got, c.events);
				return 1;
			}
			if (configs[k].lz4)
				ratio = v;
		}
	for (int k = 0; k < NCONF; k++)
		med[k] = bench_median(rate[k], rounds);
	printf("| configuration | records/s | events/s |\n|---|---:|---:|\n");
	for (int k = 0; k < NCONF; k++)
		printf("| %s | %.0f | %.0f |\n", configs[k].name, med[k],
		       med[k] * (double)c.events / (double)c.nrecs);
	printf("\nLZ4 compression ratio %.1fx; 2 decoders / 1 decoder: %.2fx (JSON), %.2fx (LZ4)\n",
	       ratio, med[2] / med[0], med[3] / med[1]);
	if (!from)
			printf("targets: 1 decoder JSON >= 1,000,000 records/s: %s; with LZ4 >= 700,000: %s; "
		       "2 decoders >= 1.7x: %s\n",
		       med[0] >= 1e6 ? "met" : "MISSED", med[1] >= 7e5 ? "met" : "MISSED",
		       med[2] >= 1.7 * med[0] ? "met" : "MISSED");
	if (laurel) {
		char dir[] = "/tmp/needle-bench-laurel-XXXXXX";
		double l;

		if (!mkdtemp(dir)) {
			perror("mkdtemp");
			return 1;
		}
		l = run_laurel(&c, dir);
		if (l > 0)
			printf("laurel on the same %zu events: %.0f events/s; needle (1 decoder, JSON) "
			       "is %.1fx faster\n",
			       c.events, l, med[0] * (double)c.events / (double)c.nrecs / l);
		{
			char cmd[128];

			snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
			if (system(cmd) != 0)
				fprintf(stderr, "needle-bench replay: could not remove %s\n", dir);
		}
	}
	if (filter) {
		int r = filter_cost(&c, log_input, filter, rounds);

		if (r) {
			free(c.text);
			free(c.recs);
			return r;
		}
	}
	free(c.text);
	free(c.recs);
	return from ? 0 : context_cost((size_t)events, rounds);
}
