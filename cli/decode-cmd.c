/* SPDX-License-Identifier: MIT */
/*
 * needle decode [-f json|raw|enriched|summary] [--no-names] [--stats] [--eoe]
 *               [--filter FILE [--divert FILE]] [FILE...]
 *
 * Reads auditd log lines (files, or stdin when none or "-"), reassembles
 * events (timeouts in event time, so a file decodes the same way at any
 * speed) and writes one event per line to stdout. Lines that are not
 * audit records are reported on stderr with FILE:LINE and skipped, and so
 * are records of an event already written (an id is written once); the
 * exit status is then 1, everything decodable is still written. Out of
 * memory, it stops: the events written so far are whole lines, the one it
 * was formatting is not written, and the exit status is 1.
 *
 * With --filter, each ended event gets its verdict (decode/filter.h)
 * before it is formatted: written to stdout, diverted to the --divert
 * file, or dropped; --stats then counts them rule by rule, and events in
 * = written + diverted + dropped.
 *
 * --stats also prints the table of audit rule keys (key-table.h): each
 * event counted under its first key (keycount.h) as written, with the
 * bytes of its output, or filtered (dropped or diverted), rates over the
 * input's own time span (its first to its last event's timestamp).
 */
#include "decode-cmd.h"
#include "assemble.h"
#include "filter-file.h"
#include "format.h"
#include "idcache.h"
#include "key-table.h"
#include "keycount.h"
#include "metrics.h"
#include "record.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BAD_LINES_SHOWN 20
/* A stream quiet this long: the events held after their PROCTITLE for an
 * EOE are written (behind auditd's plugin they must not wait for traffic). */
#define STREAM_IDLE_MS 100

enum output_format { OUT_JSON, OUT_RAW, OUT_ENRICHED, OUT_SUMMARY };

struct decode_run {
	enum output_format format;
	struct assembler *asm_;
	struct format_ctx fmt;
	struct outbuf out;
	struct filter_set *filters;    /* NULL: every event is written */
	unsigned long long (*rule_counts)[FILTER_OUTCOME_COUNT]; /* per rule */
	unsigned long long dropped, diverted;
	int divert_fd;                 /* -1: none */
	struct outbuf divert_out;
	struct audit_field *fields;
	unsigned fields_cap;
	unsigned long long bad_lines, late_records, events, records;
	int write_error;
	bool out_of_memory;
	bool stream; /* input is a pipe or socket: write each event at once */
	struct keycount *keys;          /* --stats: events by rule key */
	uint64_t first_ms, last_ms;     /* the events' time span (stamps) */
};

/* --stats: the event under its rule key, and the input's time span. */
static void count_key(struct decode_run *d, const struct audit_event *ev, bool filtered,
		      uint64_t bytes)
{
	uint64_t ms = ev->stamp.sec * 1000 + ev->stamp.msec;

	if (!d->keys)
		return;
	keycount_event(d->keys, 0, ev, filtered, bytes);
	if (!d->first_ms || ms < d->first_ms)
		d->first_ms = ms;
	if (ms > d->last_ms)
		d->last_ms = ms;
}

static void write_buf(struct decode_run *d, struct outbuf *b, int fd, bool force)
{
	size_t off = 0;

	if (!force && b->len < (1u << 16))
		return;
	while (off < b->len) {
		ssize_t n = write(fd, b->data + off, b->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			d->write_error = errno ? errno : EIO;
			break;
		}
		off += (size_t)n;
	}
	b->len = 0;
}

static void write_out(struct decode_run *d, bool force)
{
	write_buf(d, &d->out, STDOUT_FILENO, force);
	if (d->divert_fd >= 0)
		write_buf(d, &d->divert_out, d->divert_fd, force);
}

/* The event's verdict, counted under its rule; the buffer it goes to, or
 * NULL when it is dropped. */
static struct outbuf *filter_one(struct decode_run *d, const struct audit_event *ev)
{
	struct filter_result fr;
	enum filter_verdict v;

	if (!d->filters)
		return &d->out;
	v = filter_event(d->filters, &d->fmt, ev, &fr);
	if (fr.rule >= 0)
		d->rule_counts[fr.rule][fr.outcome]++;
	if (v == FILTER_DROP) {
		d->dropped++;
		return NULL;
	}
	return v == FILTER_DIVERT ? &d->divert_out : &d->out;
}

/* Formats the ended events. false when memory ran out: the event being
 * formatted is taken back out of the buffer, so only whole lines remain. */
static bool drain(struct decode_run *d)
{
	struct audit_event *ev;

	while ((ev = assembler_pop(d->asm_))) {
		struct outbuf *dst = filter_one(d, ev);
		size_t start;

		if (!dst) {
			count_key(d, ev, true, 0);
			assembler_done(d->asm_, ev);
			continue;
		}
		start = dst->len;
		switch (d->format) {
		case OUT_JSON: format_event_json(&d->fmt, ev, dst); break;
		case OUT_RAW: format_event_raw(ev, dst); break;
		case OUT_ENRICHED: format_event_enriched(&d->fmt, ev, dst); break;
		default: format_event_summary(&d->fmt, ev, dst); break;
		}
		if (!dst->failed)
			count_key(d, ev, dst != &d->out, dst == &d->out ? dst->len - start : 0);
		assembler_done(d->asm_, ev);
		if (dst->failed) {
			/* What is in the buffer before this event is whole. */
			dst->len = start;
			dst->failed = false;
			d->out_of_memory = true;
			return false;
		}
		if (dst == &d->out)
			d->events++;
		else
			d->diverted++;
		write_out(d, d->stream);
	}
	return true;
}

static void bad_line(struct decode_run *d, const char *file, unsigned long line, const char *why)
{
	if (++d->bad_lines <= BAD_LINES_SHOWN)
		fprintf(stderr, "needle decode: %s:%lu: not an audit record: %s\n", file, line, why);
}

static void late_record(struct decode_run *d, const char *file, unsigned long line,
			const struct audit_record *rec)
{
	if (++d->late_records <= BAD_LINES_SHOWN)
		fprintf(stderr,
			"needle decode: %s:%lu: left out: event %llu.%03u:%u was already written "
			"(this record came more than --timeout of event time after the event "
			"began, or the input repeats the event)\n",
			file, line, (unsigned long long)rec->stamp.sec, rec->stamp.msec,
			rec->stamp.serial);
}

/* True when the next line would have to wait: stdio holds nothing more
 * and nothing arrives on the stream within STREAM_IDLE_MS. The read
 * pointers are glibc's (FILE is struct _IO_FILE). */
static bool stream_went_idle(FILE *f)
{
	struct pollfd pfd = { .fd = fileno(f), .events = POLLIN };

	if (f->_IO_read_ptr < f->_IO_read_end)
		return false;
	return poll(&pfd, 1, STREAM_IDLE_MS) == 0;
}

static int decode_stream(struct decode_run *d, FILE *f, const char *name)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long lineno = 0;
	struct stat st;

	/* Behind auditd (af_unix or stdin plugin) events must not wait for a
	 * full buffer; from a file they may. */
	d->stream = fstat(fileno(f), &st) == 0 && !S_ISREG(st.st_mode);
	for (;;) {
		if (d->stream && stream_went_idle(f) && assembler_end_held(d->asm_) && !drain(d)) {
			fprintf(stderr, "needle decode: %s:%lu: out of memory formatting an event; "
					"the events before it are written, it and the rest are not\n",
				name, lineno);
			break;
		}
		len = getline(&line, &cap, f);
		if (len < 0)
			break;
		struct audit_record rec;
		int r;
		size_t body_off;

		lineno++;
		if (len == 0 || (len == 1 && line[0] == '\n'))
			continue;
		r = decode_record_line(line, (size_t)len, d->fields, 0, &rec);
		if (r != RECORD_OK) {
			bad_line(d, name, lineno, decode_record_strerror(r));
			continue;
		}
		if (rec.type == 0) {
			bad_line(d, name, lineno, "unknown record type name");
			continue;
		}
		/* The body runs from rec.body to the line's end (ENRICHED part
		 * included), minus the newline. */
		body_off = (size_t)(rec.body - line);
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		d->records++;
		r = assembler_add(d->asm_, rec.type, &rec.stamp, rec.node, rec.node_len, rec.body,
				  (size_t)len > body_off ? (size_t)len - body_off : 0,
				  rec.stamp.sec * 1000 + rec.stamp.msec);
		if (r == -EEXIST) {
			late_record(d, name, lineno, &rec);
		} else if (r < 0) {
			fprintf(stderr, "needle decode: %s:%lu: out of memory reassembling events; "
					"the events ended before this record are written, the "
					"rest are not\n",
				name, lineno);
			drain(d); /* what had ended, if memory allows */
			d->out_of_memory = true;
			break;
		}
		if (!drain(d)) {
			fprintf(stderr, "needle decode: %s:%lu: out of memory formatting an event; "
					"the events before it are written, it and the rest are not\n",
				name, lineno);
			break;
		}
	}
	free(line);
	if (d->out_of_memory)
		return -ENOMEM;
	if (ferror(f) || !feof(f)) {
		/* getline() also stops when it cannot grow its buffer. */
		fprintf(stderr, "needle decode: %s: read error after line %lu: %s\n", name, lineno,
			strerror(errno ? errno : EIO));
		return -EIO;
	}
	return 0;
}

/* --filter and --divert: 0, or the exit status (2: a bad file or
 * combination, every error said). */
static int load_filters(struct decode_run *d, const char *path, const char *divert)
{
	char err[FILTER_ERRORS_MAX];
	unsigned line;
	int r;

	if (!path) {
		fprintf(stderr, "needle decode: --divert needs --filter\n");
		return 2;
	}
	d->filters = filter_file_load(path, err, sizeof(err));
	if (!d->filters) {
		for (char *l = err, *nl; l && *l; l = nl ? nl + 1 : NULL) {
			nl = strchr(l, '\n');
			fprintf(stderr, "needle decode: %.*s\n", nl ? (int)(nl - l) : (int)strlen(l), l);
		}
		return errno == ENOMEM ? 1 : 2;
	}
	line = filter_set_divert_line(d->filters);
	if (line && !divert) {
		fprintf(stderr, "needle decode: %s:%u: divert: give --divert FILE for the diverted "
				"events\n",
			path, line);
		r = 2;
		goto free_filters;
	}
	d->rule_counts = calloc(filter_set_rules(d->filters) + 1, sizeof(*d->rule_counts));
	if (!d->rule_counts) {
		fprintf(stderr, "needle decode: out of memory\n");
		r = 1;
		goto free_filters;
	}
	if (divert) {
		d->divert_fd = open(divert, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (d->divert_fd < 0) {
			fprintf(stderr, "needle decode: --divert %s: %s\n", divert, strerror(errno));
			r = 1;
			goto free_counts;
		}
	}
	return 0;
free_counts:
	free(d->rule_counts);
	d->rule_counts = NULL;
free_filters:
	filter_set_free(d->filters);
	d->filters = NULL;
	return r;
}

/* --stats: the keys' table, every key, over the input's time span. */
static void print_key_stats(const struct decode_run *d)
{
	struct keycount_entry_stats *e = calloc(KEYCOUNT_ENTRIES, sizeof(*e));
	struct key_row *rows = calloc(KEYCOUNT_ENTRIES, sizeof(*rows));
	struct outbuf label = { 0 };
	unsigned n = 0, shown = 0;
	char over[64];

	if (!e || !rows) {
		fprintf(stderr, "needle decode: keys: out of memory\n");
		goto free_rows;
	}
	n = keycount_get_stats(d->keys, e);
	for (unsigned i = 0; i < n; i++) {
		if (!e[i].written && !e[i].filtered)
			continue; /* "none" and "other" before they count */
		metrics_key_label(e[i].key, e[i].len, &label);
		snprintf(rows[shown].key, sizeof(rows[shown].key), "%s", label.data);
		rows[shown].written = (double)e[i].written;
		rows[shown].filtered = (double)e[i].filtered;
		rows[shown].bytes = (double)e[i].bytes;
		shown++;
	}
	snprintf(over, sizeof(over), "over %.3f s of event time", (d->last_ms - d->first_ms) / 1e3);
	key_table_print(stderr, "needle decode: keys: ", "needle decode: keys: ", rows, shown, shown,
			(d->last_ms - d->first_ms) / 1e3, over);
free_rows:
	outbuf_free(&label);
	free(rows);
	free(e);
}

/* --stats with --filter: the account, then each rule's outcomes. */
static void print_filter_stats(const struct decode_run *d)
{
	unsigned n = filter_set_rules(d->filters);

	fprintf(stderr,
		"needle decode: filter: events %llu written %llu diverted %llu dropped %llu\n",
		d->events + d->diverted + d->dropped, d->events, d->diverted, d->dropped);
	for (unsigned i = 0; i < n; i++) {
		unsigned long long hits = 0;

		for (int o = 0; o < FILTER_OUTCOME_COUNT; o++)
			hits += d->rule_counts[i][o];
		fprintf(stderr, "needle decode: filter: rule %s:%u hits %llu",
			filter_set_origin(d->filters), filter_rule_line(d->filters, i), hits);
		for (int o = FILTER_KEPT; o < FILTER_OUTCOME_COUNT; o++)
			if (d->rule_counts[i][o])
				fprintf(stderr, " %s %llu", filter_outcome_name((enum filter_outcome)o),
					d->rule_counts[i][o]);
		fprintf(stderr, " | %s\n", filter_rule_text(d->filters, i));
	}
}

const char decode_cmd_help[] =
	"usage: needle decode [-f json|raw|enriched|summary] [--no-names] [--stats]\n"
	"                     [--timeout MS] [--eoe] [--filter FILE [--divert FILE]]\n"
	"                     [FILE...]\n"
	"  Reads auditd log files (stdin when no FILE or FILE is -) and writes one\n"
	"  event per line: json (default), raw or enriched (auditd's formats,\n"
	"  one record per line) or summary.\n"
	"  -f, --format F  json, raw, enriched or summary\n"
	"  --no-names      do not look uid/gid names up on this machine\n"
	"  --stats         print record, event and partial-event counts to stderr,\n"
	"                  and the events, filtered share and bytes of each audit\n"
	"                  rule key\n"
	"  --timeout MS    end an event without an end record after MS of event\n"
	"                  time (default 2000)\n"
	"  --eoe           the input is the kernel's stream, not auditd's log: events\n"
	"                  of several records end with EOE, and one that does not\n"
	"                  is written partial (auditd drops EOE; in its logs PROCTITLE\n"
	"                  or the timeout ends an event)\n"
	"  --filter FILE   apply the filter rules of FILE to each event before it is\n"
	"                  written (README.md, Filters); a bad file: every error,\n"
	"                  exit status 2\n"
	"  --divert FILE   write the events of divert rules to FILE (in -f's format)\n"
	"  -h, --help      this help\n";

int decode_cmd_main(int argc, char **argv)
{
	static const struct option decode_options[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "no-names", no_argument, NULL, 'N' },
		{ "stats", no_argument, NULL, 'S' },
		{ "timeout", required_argument, NULL, 't' },
		{ "eoe", no_argument, NULL, 'E' },
		{ "filter", required_argument, NULL, 'F' },
		{ "divert", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct assemble_config cfg = { .log_input = true };
	struct decode_run d = { .format = OUT_JSON, .divert_fd = -1 };
	const char *filter_path = NULL, *divert_path = NULL;
	struct idcache *ids = NULL;
	bool names = true, stats = false;
	int c, status = 0;

	while ((c = getopt_long(argc, argv, "f:h", decode_options, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "json") == 0)
				d.format = OUT_JSON;
			else if (strcmp(optarg, "raw") == 0)
				d.format = OUT_RAW;
			else if (strcmp(optarg, "enriched") == 0)
				d.format = OUT_ENRICHED;
			else if (strcmp(optarg, "summary") == 0)
				d.format = OUT_SUMMARY;
			else {
				fprintf(stderr,
					"needle decode: -f %s: expected json, raw, enriched or summary\n",
					optarg);
				return 2;
			}
			break;
		case 'N': names = false; break;
		case 'S': stats = true; break;
		case 'E': cfg.log_input = false; break;
		case 'F': filter_path = optarg; break;
		case 'D': divert_path = optarg; break;
		case 't': {
			char *end;
			unsigned long ms = strtoul(optarg, &end, 10);

			if (*end || ms < 1 || ms > 3600000) {
				fprintf(stderr, "needle decode: --timeout %s: expected milliseconds, "
						"1 to 3600000\n",
					optarg);
				return 2;
			}
			cfg.timeout_ms = ms;
			break;
		}
		case 'h': fputs(decode_cmd_help, stdout); return 0;
		default: fputs(decode_cmd_help, stderr); return 2;
		}
	}
	if (filter_path || divert_path) {
		int r = load_filters(&d, filter_path, divert_path);

		if (r)
			return r;
	}
	d.asm_ = assembler_new(&cfg);
	if (!d.asm_ || (stats && !(d.keys = keycount_new(1)))) {
		fprintf(stderr, "needle decode: out of memory\n");
		assembler_free(d.asm_);
		return 1;
	}
	if (names && (ids = idcache_new())) {
		d.fmt.uid_name = idcache_user;
		d.fmt.gid_name = idcache_group;
		d.fmt.id_arg = ids;
	}
	if (optind == argc) {
		if (decode_stream(&d, stdin, "<stdin>") < 0)
			status = 1;
	}
	for (int i = optind; i < argc && !d.out_of_memory; i++) {
		FILE *f = strcmp(argv[i], "-") == 0 ? stdin : fopen(argv[i], "re");

		if (!f) {
			fprintf(stderr, "needle decode: %s: %s\n", argv[i], strerror(errno));
			status = 1;
			continue;
		}
		if (decode_stream(&d, f, argv[i]) < 0)
			status = 1;
		if (f != stdin)
			fclose(f);
	}
	if (!d.out_of_memory) {
		assembler_flush(d.asm_);
		if (!drain(&d))
			fprintf(stderr, "needle decode: out of memory formatting an event at the end "
					"of the input; the events before it are written, it and "
					"the rest are not\n");
	}
	write_out(&d, true);
	if (d.bad_lines > BAD_LINES_SHOWN)
		fprintf(stderr, "needle decode: %llu more lines were not audit records\n",
			d.bad_lines - BAD_LINES_SHOWN);
	if (d.late_records > BAD_LINES_SHOWN)
		fprintf(stderr, "needle decode: %llu more records were left out: their event was "
				"already written\n",
			d.late_records - BAD_LINES_SHOWN);
	if (d.bad_lines || d.late_records || d.out_of_memory)
		status = 1;
	if (stats) {
		struct assemble_stats st;

		assembler_get_stats(d.asm_, &st);
		fprintf(stderr,
			"needle decode: stats: lines_not_records %llu records %llu eoe %llu "
			"events %llu partial_timeout %llu partial_evicted %llu partial_end %llu "
			"dropped_records %llu late_dropped %llu orphan_eoe %llu\n",
			d.bad_lines, (unsigned long long)st.records, (unsigned long long)st.eoe,
			(unsigned long long)st.events, (unsigned long long)st.partial_timeout,
			(unsigned long long)st.partial_evicted, (unsigned long long)st.partial_flush,
			(unsigned long long)st.dropped_records,
			(unsigned long long)st.late_dropped, (unsigned long long)st.orphan_eoe);
		if (d.filters)
			print_filter_stats(&d);
		print_key_stats(&d);
	}
	if (d.write_error) {
		fprintf(stderr, "needle decode: writing the output failed: %s\n",
			strerror(d.write_error));
		status = 1;
	}
	if (d.divert_fd >= 0 && close(d.divert_fd) < 0) {
		fprintf(stderr, "needle decode: %s: %s\n", divert_path, strerror(errno));
		status = 1;
	}
	assembler_free(d.asm_);
	format_ctx_free(&d.fmt);
	outbuf_free(&d.out);
	outbuf_free(&d.divert_out);
	filter_set_free(d.filters);
	keycount_free(d.keys);
	free(d.rule_counts);
	idcache_free(ids);
	return status;
}
