/* SPDX-License-Identifier: MIT */
/*
 * metrics: the pipeline's counters, stage by stage, as Prometheus text
 * exposition, served over HTTP (libmicrohttpd) at metrics_listen.
 *
 *   kernel   AUDIT_GET, polled once a second by the main thread
 *   socket   listener counters (summed over threads)
 *   ring     per shard: occupancy, capacity, high water, stalls, drops
 *   decoder  records, events whole/partial, late records, open events
 *   sink     per output: events, bytes, errors, rotations
 *
 * Rendering reads a copy of the pipeline's figures (pipeline_get_stats:
 * atomics only) and a copy of the kernel snapshot (kernel/status.h), so a
 * scrape never stops the data path.
 */
#ifndef NEEDLE_METRICS_H
#define NEEDLE_METRICS_H

#include "metric-table.h"
#include "outbuf.h"
#include "pipeline.h"
#include "status.h"

#include <stdbool.h>

/* How close the fullest stage is to losing events, in [0, 1]: the kernel
 * backlog against its limit, the socket's queued bytes against its buffer,
 * the fullest ring against its capacity (p NULL: no rings). Names the
 * stage in *ret_stage. */
double metrics_loss_risk(const struct pipeline_stats *p, struct kernel_snapshot *k,
			 enum metric_stage *ret_stage);

/* Appends the exposition of everything to out. p may be NULL (needle
 * monitor beside another daemon): then only the kernel's part. */
void metrics_render(const struct pipeline_stats *p, struct kernel_snapshot *k, struct outbuf *out);

/* Where the servers read the pipeline's figures, in their own threads:
 * read(arg, ret) fills a copy (pipeline_get_stats for needle run; tests
 * give figures of their own). A NULL source: the kernel's part only. */
struct metrics_source {
	void (*read)(const void *arg, struct pipeline_stats *ret);
	const void *arg;
};

/* The source of a running pipeline. */
struct metrics_source metrics_source_pipeline(const struct pipeline *p);

/* metrics_render() of what src reads now; out->failed when out of memory. */
void metrics_render_source(const struct metrics_source *src, struct kernel_snapshot *k,
			   struct outbuf *out);

/* An audit rule key (untrusted bytes) as a label value: its content as a
 * JSON string writes it (outbuf.h), between the quotes, NUL-terminated in
 * ret (cleared first): '"' and '\\' escaped as Prometheus reads them, a
 * newline and every control byte or byte that is not UTF-8 as %XX. */
void metrics_key_label(const char *key, size_t len, struct outbuf *ret);

struct metrics_server;

/* Serves GET /metrics on listen ("127.0.0.1:9477", "[::1]:9477"), reading
 * src (copied; NULL: the kernel only). NULL and a message in err when the
 * address is bad or cannot be bound. */
struct metrics_server *metrics_server_start(const char *listen, const struct metrics_source *src,
					    struct kernel_snapshot *k, char *err, size_t err_size);
void metrics_server_stop(struct metrics_server *s);

/* Parses "HOST:PORT" for metrics_listen; 0 or -EINVAL. */
int metrics_parse_listen(const char *listen, void *ret_sockaddr, unsigned *ret_len);

#endif
