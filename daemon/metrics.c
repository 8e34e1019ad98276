/* SPDX-License-Identifier: MIT */
#include "metrics.h"
#include "proctable.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static void header(struct outbuf *o, const char *name, const char *type, const char *help)
{
	outbuf_puts(o, "# HELP ");
	outbuf_puts(o, name);
	outbuf_putc(o, ' ');
	outbuf_puts(o, help);
	outbuf_puts(o, "\n# TYPE ");
	outbuf_puts(o, name);
	outbuf_putc(o, ' ');
	outbuf_puts(o, type);
	outbuf_putc(o, '\n');
}

static void sample(struct outbuf *o, const char *name, const char *labels, double v)
{
	char num[48];

	outbuf_puts(o, name);
	if (labels && *labels) {
		outbuf_putc(o, '{');
		outbuf_puts(o, labels);
		outbuf_putc(o, '}');
	}
	snprintf(num, sizeof(num), " %.17g\n", v);
	outbuf_puts(o, num);
}

static void one(struct outbuf *o, const char *name, const char *type, const char *help, double v)
{
	header(o, name, type, help);
	sample(o, name, NULL, v);
}

static void render_kernel(struct kernel_snapshot *k, struct outbuf *o)
{
	struct kernel_view v;
	struct audit_status s, prev;
	bool have_prev;

	kernel_snapshot_read(k, &v);
	s = v.status;
	prev = v.previous;
	have_prev = v.have_previous;
	if (!v.valid)
		return;
	one(o, "needle_kernel_enabled", "gauge", "Kernel audit enabled (0 off, 1 on, 2 locked).",
	    s.enabled);
	one(o, "needle_kernel_failure", "gauge", "Kernel audit failure mode (0 silent, 1 printk, 2 panic).",
	    s.failure);
	one(o, "needle_kernel_daemon_pid", "gauge", "Pid registered as the audit daemon (0: none).",
	    s.pid);
	one(o, "needle_kernel_rate_limit", "gauge", "Kernel audit rate limit, records per second (0: none).",
	    s.rate_limit);
	one(o, "needle_kernel_backlog_limit", "gauge", "Kernel audit backlog limit, records.",
	    s.backlog_limit);
	one(o, "needle_kernel_backlog", "gauge", "Records waiting in the kernel's audit backlog.",
	    s.backlog);
	one(o, "needle_kernel_lost_records_total", "counter",
	    "Records the kernel lost in its lifetime (since boot or auditctl --reset-lost: rate "
	    "limit, backlog overflow, memory); needle_lost_records_total{cause=\"kernel\"} "
	    "counts since needle started.",
	    s.lost);
	one(o, "needle_kernel_backlog_wait_time_jiffies", "gauge",
	    "How long an audited process waits on a full backlog before the kernel drops.",
	    s.backlog_wait_time);
	one(o, "needle_kernel_backlog_wait_time_actual_total", "counter",
	    "Time audited processes spent waiting on a full backlog, as the kernel reports it.",
	    s.backlog_wait_time_actual);
	if (!have_prev)
		return;
	/* Over the last second (the poll interval): what moved just now. */
	one(o, "needle_kernel_lost_records_last_interval", "gauge",
	    "Records the kernel lost during the last poll interval (1 s).",
	    (double)(uint32_t)(s.lost - prev.lost));
	one(o, "needle_kernel_backlog_wait_time_actual_last_interval", "gauge",
	    "Backlog wait time the kernel reported during the last poll interval (1 s).",
	    (double)(uint32_t)(s.backlog_wait_time_actual - prev.backlog_wait_time_actual));
	one(o, "needle_kernel_backlog_change_last_interval", "gauge",
	    "Change of the kernel backlog over the last poll interval (1 s).",
	    (double)s.backlog - (double)prev.backlog);
}

static void render_socket(const struct pipeline *p, struct kernel_snapshot *k, struct outbuf *o)
{
	struct listener_stats ls;
	struct kernel_view v;
	uint64_t queued;
	int64_t rcvbuf;

	kernel_snapshot_read(k, &v);
	queued = v.socket_queued;
	rcvbuf = v.rcvbuf;
	one(o, "needle_socket_receive_buffer_bytes", "gauge",
	    "Receive buffer the kernel granted to the audit socket.", (double)rcvbuf);
	one(o, "needle_socket_queued_bytes", "gauge",
	    "Bytes waiting in the audit socket's receive queue.", (double)queued);

	pipeline_sum_listeners(p, &ls);
	one(o, "needle_socket_datagrams_total", "counter", "Datagrams received from the audit socket.",
	    (double)ls.datagrams);
	one(o, "needle_socket_received_bytes_total", "counter", "Bytes received from the audit socket.",
	    (double)ls.bytes);
	one(o, "needle_socket_recv_batches_total", "counter", "recvmmsg() calls that returned data.",
	    (double)ls.batches);
	one(o, "needle_socket_records_total", "counter", "Audit records passed to the rings.",
	    (double)ls.records);
	one(o, "needle_socket_overruns_total", "counter",
	    "Receive buffer overruns (ENOBUFS): records were lost in the socket.",
	    (double)ls.enobufs);
	one(o, "needle_socket_foreign_datagrams_total", "counter",
	    "Datagrams not from the kernel, dropped.", (double)ls.foreign);
	one(o, "needle_socket_truncated_datagrams_total", "counter",
	    "Datagrams larger than the receive buffer.", (double)ls.truncated);
}

static void render_rings(const struct pipeline *p, struct outbuf *o)
{
	static const struct {
		const char *name, *type, *help;
	} m[] = {
		{ "needle_ring_occupancy_bytes", "gauge", "Bytes in the ring now." },
		{ "needle_ring_capacity_bytes", "gauge", "Capacity of the ring." },
		{ "needle_ring_high_water_bytes", "gauge", "Highest occupancy seen." },
		{ "needle_ring_full_stalls_total", "counter", "Times a listener found the ring full." },
		{ "needle_ring_stall_seconds_total", "counter", "Time listeners waited on a full ring." },
		{ "needle_ring_dropped_records_total", "counter",
		  "Records dropped (ring_full = drop), by reason: full (no room), rest_of_event "
		  "(an earlier record of the event was dropped)." },
	};

	for (size_t k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
		header(o, m[k].name, m[k].type, m[k].help);
		for (unsigned i = 0; i < pipeline_decoders(p); i++) {
			struct ring_stats rs;
			char label[32];
			double v;

			pipeline_ring_stats(p, i, &rs);
			v = k == 0   ? (double)rs.occupancy
			    : k == 1 ? (double)rs.capacity
			    : k == 2 ? (double)rs.high_water
			    : k == 3 ? (double)rs.full_stalls
			    : k == 4 ? (double)rs.stall_ns / 1e9
				     : (double)rs.drops;
			snprintf(label, sizeof(label), "shard=\"%u\"", i);
			if (k == 5) {
				uint64_t rest = pipeline_ring_rest_dropped(p, i);
				char l2[64];

				snprintf(l2, sizeof(l2), "%s,reason=\"full\"", label);
				sample(o, m[k].name, l2, rs.drops > rest ? (double)(rs.drops - rest) : 0);
				snprintf(l2, sizeof(l2), "%s,reason=\"rest_of_event\"", label);
				sample(o, m[k].name, l2, (double)rest);
				continue;
			}
			sample(o, m[k].name, label, v);
		}
	}
}

/* The delay histogram, summed over decoders (buckets made cumulative). */
static void render_delay(const struct pipeline *p, struct outbuf *o)
{
	struct decoder_stats ds;
	uint64_t cumulative = 0;
	char label[32];

	pipeline_sum_decoders(p, &ds);
	header(o, "needle_event_delay_seconds", "histogram",
	       "Time from an event's audit timestamp to its formatting by a decoder.");
	for (unsigned b = 0; b < DELAY_BUCKETS; b++) {
		cumulative += ds.delay_bucket[b];
		if (b < DELAY_BUCKETS - 1)
			snprintf(label, sizeof(label), "le=\"%g\"", delay_bucket_ms[b] / 1000.0);
		else
			snprintf(label, sizeof(label), "le=\"+Inf\"");
		sample(o, "needle_event_delay_seconds_bucket", label, (double)cumulative);
	}
	sample(o, "needle_event_delay_seconds_sum", NULL, (double)ds.delay_sum_ms / 1000.0);
	sample(o, "needle_event_delay_seconds_count", NULL, (double)cumulative);
	one(o, "needle_event_delay_max_seconds", "gauge", "Longest delay seen since start.",
	    (double)ds.delay_max_ms / 1000.0);
}

static void render_decoders(const struct pipeline *p, struct outbuf *o)
{
	struct decoder_stats ds;

	pipeline_sum_decoders(p, &ds);
	one(o, "needle_decoder_records_total", "counter", "Records the decoders took from the rings.",
	    (double)ds.records);
	header(o, "needle_decoder_events_total", "counter",
	       "Events the decoders formatted, whole or partial (written without their end: "
	       "timeout, eviction, stop, records lost, too large).");
	sample(o, "needle_decoder_events_total", "state=\"whole\"", (double)ds.events);
	sample(o, "needle_decoder_events_total", "state=\"partial\"", (double)ds.partial_events);
	one(o, "needle_decoder_late_records_total", "counter",
	    "Records that reached their event after its EOE.", (double)ds.late_records);
	one(o, "needle_decoder_late_dropped_records_total", "counter",
	    "Records whose event had already been written (after its timeout or eviction): left "
	    "out, so that no event id is written twice.", (double)ds.late_dropped);
	one(o, "needle_decoder_dropped_records_total", "counter",
	    "Records dropped from events over the size cap.", (double)ds.dropped_records);
	one(o, "needle_decoder_open_events", "gauge", "Events being assembled now.",
	    (double)ds.open_events);
	one(o, "needle_decoder_serial_gaps_total", "counter",
	    "Events missing from the kernel's serial sequence since this start: lost after the "
	    "kernel (socket, or dropped whole by a full ring). Serials missing from before the "
	    "start are counted apart: needle_lost_events_total{cause=\"restart\"}.",
	    (double)ds.serial_gaps);

	render_delay(p, o);
}

/*
 * Losses by where they happened, counted from needle's start. Records: the
 * kernel and the rings drop records. Events: each lost event has one
 * cause: kernel (its lost counter, which counts records: at most that many
 * events), socket (serial gaps the rings did not cause), ring (events a
 * full ring dropped whole or cut short), partial (written incomplete for
 * other reasons: no EOE before event_timeout, evicted, open at stop),
 * restart (serials the kernel used before this needle took over that no
 * log has: while no needle ran, or in a killed needle's socket, rings and
 * buffers; progress.h). Sink losses are per output, after decoding. Each
 * cause is measured on its own; nothing here adds them up, since a total
 * of the same counters could only agree with itself: the live tests check
 * each cause against the load generator's count of its calls. The
 * decoders see a ring's losses as gaps and partial events some time after
 * the listener counted them; until then the difference is held at 0.
 */
static double minus(uint64_t a, uint64_t b)
{
	return a > b ? (double)(a - b) : 0;
}

static void render_losses(const struct pipeline *p, struct kernel_snapshot *k, struct outbuf *o)
{
	struct listener_stats ls;
	struct decoder_stats ds;
	struct kernel_view v;
	uint64_t sink_lost = pipeline_sum_outputs(p, true), kernel = 0;

	pipeline_sum_listeners(p, &ls);
	pipeline_sum_decoders(p, &ds);
	kernel_snapshot_read(k, &v);
	if (v.valid && v.started)
		kernel = (uint32_t)(v.status.lost - v.lost_at_start);
	header(o, "needle_lost_records_total", "counter",
	       "Records lost since needle started, by stage: kernel (its lost counter), ring "
	       "(full, ring_full = drop), oversize (events over the size cap), late (their event "
	       "was already written), failed_decoder (records for a decoder thread that failed; "
	       "needle stops).");
	sample(o, "needle_lost_records_total", "cause=\"kernel\"", (double)kernel);
	sample(o, "needle_lost_records_total", "cause=\"ring\"", (double)ls.ring_drops);
	sample(o, "needle_lost_records_total", "cause=\"oversize\"", (double)ds.dropped_records);
	sample(o, "needle_lost_records_total", "cause=\"late\"", (double)ds.late_dropped);
	sample(o, "needle_lost_records_total", "cause=\"failed_decoder\"",
	       (double)(ls.abandoned + ds.abandoned_in_ring));
	header(o, "needle_lost_events_total", "counter",
	       "Events lost since needle started, one cause each, each measured on its own. "
	       "kernel: the kernel's lost counter since start (it counts records: at most that "
	       "many events); socket: serial gaps the rings did not cause (receive buffer "
	       "overrun); ring: events a full ring dropped records of; partial: written without "
	       "their end (timeout, eviction, stop); restart: serials the kernel used before this "
	       "needle took over that no log has (no needle ran, or a killed one's buffers); "
	       "sink: failed writes, summed over outputs.");
	sample(o, "needle_lost_events_total", "cause=\"kernel\"", (double)kernel);
	sample(o, "needle_lost_events_total", "cause=\"socket\"",
	       minus(ds.serial_gaps, ls.ring_events_whole));
	sample(o, "needle_lost_events_total", "cause=\"ring\"",
	       (double)(ls.ring_events_whole + ls.ring_events_cut));
	sample(o, "needle_lost_events_total", "cause=\"partial\"",
	       minus(ds.partial_events, ls.ring_events_cut));
	sample(o, "needle_lost_events_total", "cause=\"restart\"", (double)ds.restart_gaps);
	sample(o, "needle_lost_events_total", "cause=\"sink\"", (double)sink_lost);
}

static void render_sinks(const struct pipeline *p, struct outbuf *o)
{
	static const struct {
		const char *name, *type, *help;
	} m[] = {
		{ "needle_sink_events_total", "counter", "Events written to the output." },
		{ "needle_sink_written_bytes_total", "counter", "Bytes written (compressed with lz4)." },
		{ "needle_sink_uncompressed_bytes_total", "counter", "Bytes before compression." },
		{ "needle_sink_write_errors_total", "counter", "Failed writes (disk full, I/O error)." },
		{ "needle_sink_lost_events_total", "counter", "Events lost in failed writes." },
		{ "needle_sink_rotations_total", "counter", "Log file rotations." },
		{ "needle_sink_rotation_errors_total", "counter",
		  "Rotations not done (new file or rename refused); every generation kept, "
		  "writing went on to the current file, retried a second later." },
		{ "needle_sink_sync_errors_total", "counter",
		  "fsync or close of a finished file that failed (a late I/O error)." },
		{ "needle_sink_unsynced_events_total", "counter",
		  "Events in files whose fsync or close failed: at most this many lost." },
	};
	static const char *const names[PIPELINE_OUTPUTS] = { "json", "raw", "enriched", "stdout" };
	const struct sink *outs[PIPELINE_OUTPUTS];

	pipeline_outputs(p, outs);

	for (size_t k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
		header(o, m[k].name, m[k].type, m[k].help);
		for (unsigned i = 0; i < PIPELINE_OUTPUTS; i++) {
			struct sink_stats st;
			char label[32];
			uint64_t v;

			if (!outs[i])
				continue;
			sink_get_stats(outs[i], &st);
			v = k == 0   ? st.events
			    : k == 1 ? st.bytes
			    : k == 2 ? st.raw_bytes
			    : k == 3 ? st.write_errors
			    : k == 4 ? st.lost_events
			    : k == 5 ? st.rotations
			    : k == 6 ? st.rotate_errors
			    : k == 7 ? st.sync_errors
				     : st.unsynced_events;
			snprintf(label, sizeof(label), "output=\"%s\"", names[i]);
			sample(o, m[k].name, label, (double)v);
		}
	}
}

double metrics_loss_risk(const struct pipeline *p, struct kernel_snapshot *k,
			 const char **ret_stage)
{
	double risk = 0, v;
	const char *stage = "none";
	struct kernel_view kv;

	kernel_snapshot_read(k, &kv);
	if (kv.valid && kv.status.backlog_limit) {
		v = (double)kv.status.backlog / (double)kv.status.backlog_limit;
		if (v > risk) {
			risk = v;
			stage = "kernel";
		}
	}
	if (kv.socket_limit) {
		v = (double)kv.socket_queued / (double)kv.socket_limit;
		if (v > risk) {
			risk = v;
			stage = "socket";
		}
	}
	for (unsigned i = 0; p && i < pipeline_decoders(p); i++) {
		struct ring_stats rs;

		pipeline_ring_stats(p, i, &rs);
		v = rs.capacity ? (double)rs.occupancy / (double)rs.capacity : 0;
		if (v > risk) {
			risk = v;
			stage = "ring";
		}
	}
	if (ret_stage)
		*ret_stage = stage;
	return risk > 1 ? 1 : risk;
}

/* needle monitor's multicast reader (its own socket, not the daemon's). */
static void render_readlog(const struct readlog_stats *r, struct outbuf *o)
{
	static const struct {
		const char *name, *help;
		size_t offset;
	} counters[] = {
		{ "needle_multicast_datagrams_total", "Datagrams the multicast reader received.",
		  offsetof(struct readlog_stats, datagrams) },
		{ "needle_multicast_records_total", "Audit records the multicast reader received.",
		  offsetof(struct readlog_stats, records) },
		{ "needle_multicast_received_bytes_total", "Bytes the multicast reader received.",
		  offsetof(struct readlog_stats, bytes) },
		{ "needle_multicast_events_total", "Distinct serials (events) the multicast reader saw.",
		  offsetof(struct readlog_stats, events) },
		{ "needle_multicast_overruns_total",
		  "Receive buffer overruns (ENOBUFS) of the multicast reader: it lost records.",
		  offsetof(struct readlog_stats, overruns) },
		{ "needle_multicast_serial_gaps_total",
		  "Events the multicast reader never saw (serial gaps), as a slow reader loses them.",
		  offsetof(struct readlog_stats, serial_gaps) },
	};

	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		one(o, counters[i].name, "counter", counters[i].help,
		    (double)atomic_load_explicit(
			    (const _Atomic uint64_t *)((const char *)r + counters[i].offset),
			    memory_order_relaxed));
	one(o, "needle_multicast_receive_buffer_bytes", "gauge",
	    "Receive buffer the kernel granted the multicast reader.", (double)r->rcvbuf);
}

/* The process table (proctable.h): its size and what filled it. */
static void render_procs(struct proctable *t, struct outbuf *o)
{
	struct proctable_stats st;

	proctable_get_stats(t, &st);
	one(o, "needle_process_table_entries", "gauge", "Processes in the table now.",
	    (double)st.entries);
	one(o, "needle_process_table_capacity", "gauge", "Most processes the table keeps "
	    "(process_table_size).", (double)st.max_entries);
	one(o, "needle_process_table_bytes", "gauge", "Memory the table's entries take.",
	    (double)st.bytes);
	one(o, "needle_process_table_loads_total", "counter",
	    "Processes read from /proc (at start, and when an event named an unknown pid).",
	    (double)st.loads);
	one(o, "needle_process_table_load_failures_total", "counter",
	    "Reads from /proc that found the process gone: its events say unknown.",
	    (double)st.load_failures);
	one(o, "needle_process_table_full_total", "counter",
	    "Processes not added because the table was full (raise process_table_size).",
	    (double)st.full);
	one(o, "needle_process_table_expired_total", "counter",
	    "Entries removed a while after their process exited.", (double)st.expired);
}

void metrics_render(const struct pipeline *p, struct kernel_snapshot *k, struct outbuf *out)
{
	const char *stage;
	double risk = metrics_loss_risk(p, k, &stage);
	char label[48];
	struct kernel_view v;

	header(out, "needle_loss_risk", "gauge",
	       "How full the fullest stage is (0 to 1): kernel backlog, socket buffer or ring.");
	snprintf(label, sizeof(label), "stage=\"%s\"", stage);
	sample(out, "needle_loss_risk", label, risk);
	render_kernel(k, out);
	kernel_snapshot_read(k, &v);
	if (v.readlog)
		render_readlog(v.readlog, out);
	if (!p)
		return; /* needle monitor: the kernel only */
	render_socket(p, k, out);
	render_rings(p, out);
	render_decoders(p, out);
	render_sinks(p, out);
	render_losses(p, k, out);
	if (pipeline_procs(p))
		render_procs(pipeline_procs(p), out);
}

struct metrics_server {
	struct MHD_Daemon *mhd;
	const struct pipeline *p;
	struct kernel_snapshot *k;
};

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *data_size, void **state)
{
	struct metrics_server *s = cls;
	struct MHD_Response *resp;
	struct outbuf body = { 0 };
	enum MHD_Result r;
	unsigned code = MHD_HTTP_OK;

	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		code = MHD_HTTP_METHOD_NOT_ALLOWED;
	else if (strcmp(url, "/metrics") != 0)
		code = MHD_HTTP_NOT_FOUND;
	if (code == MHD_HTTP_OK)
		metrics_render(s->p, s->k, &body);
	else
		outbuf_puts(&body, code == MHD_HTTP_NOT_FOUND ? "not found: try /metrics\n"
							      : "only GET\n");
	if (body.failed) {
		outbuf_free(&body);
		return MHD_NO;
	}
	resp = MHD_create_response_from_buffer(body.len, body.data, MHD_RESPMEM_MUST_COPY);
	outbuf_free(&body);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	r = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return r;
}

int metrics_parse_listen(const char *listen, void *ret_sockaddr, unsigned *ret_len)
{
	char host[128];
	const char *colon;
	char *end;
	unsigned long port;

	if (listen[0] == '[') {
		const char *close = strchr(listen, ']');

		if (!close || close[1] != ':' || (size_t)(close - listen - 1) >= sizeof(host))
			return -EINVAL;
		memcpy(host, listen + 1, (size_t)(close - listen - 1));
		host[close - listen - 1] = '\0';
		colon = close + 1;
	} else {
		colon = strrchr(listen, ':');
		if (!colon || (size_t)(colon - listen) >= sizeof(host))
			return -EINVAL;
		memcpy(host, listen, (size_t)(colon - listen));
		host[colon - listen] = '\0';
	}
	port = strtoul(colon + 1, &end, 10);
	if (*end || colon[1] == '\0' || port == 0 || port > 65535)
		return -EINVAL;
	if (strcmp(host, "localhost") == 0)
		strcpy(host, "127.0.0.1");
	{
		struct sockaddr_in v4 = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
		struct sockaddr_in6 v6 = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };

		if (inet_pton(AF_INET, host, &v4.sin_addr) == 1) {
			memcpy(ret_sockaddr, &v4, sizeof(v4));
			*ret_len = sizeof(v4);
			return 0;
		}
		if (inet_pton(AF_INET6, host, &v6.sin6_addr) == 1) {
			memcpy(ret_sockaddr, &v6, sizeof(v6));
			*ret_len = sizeof(v6);
			return 0;
		}
	}
	return -EINVAL;
}

struct metrics_server *metrics_server_start(const char *listen, const struct pipeline *p,
					    struct kernel_snapshot *k, char *err, size_t err_size)
{
	struct sockaddr_storage addr;
	unsigned len;
	struct metrics_server *s;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;

	if (metrics_parse_listen(listen, &addr, &len) < 0) {
		snprintf(err, err_size, "metrics_listen: '%s' is not HOST:PORT", listen);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	s->p = p;
	s->k = k;
	if (addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->mhd = MHD_start_daemon(flags, ntohs(((struct sockaddr_in *)&addr)->sin_port), NULL, NULL,
				  on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
				  MHD_OPTION_CONNECTION_LIMIT, 16u, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
				  MHD_OPTION_END);
	if (!s->mhd) {
		snprintf(err, err_size, "metrics_listen: cannot serve on %s (in use, or no such address)",
			 listen);
		free(s);
		return NULL;
	}
	return s;
}

void metrics_server_stop(struct metrics_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->mhd);
	free(s);
}
