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
 * Rendering reads atomics only, plus a copy of the kernel snapshot
 * (kernel/status.h), so a scrape never stops the data path.
 */
#ifndef NEEDLE_METRICS_H
#define NEEDLE_METRICS_H

#include "outbuf.h"
#include "pipeline.h"
#include "status.h"

#include <stdbool.h>

/* How close the fullest stage is to losing events, in [0, 1]: the kernel
 * backlog against its limit, the socket's queued bytes against its buffer,
 * the fullest ring against its capacity. Names the stage in *ret_stage. */
double metrics_loss_risk(const struct pipeline *p, struct kernel_snapshot *k,
			 const char **ret_stage);

/* Appends the exposition of everything to out. p may be NULL (needle
 * monitor beside another daemon): then only the kernel's part. */
void metrics_render(const struct pipeline *p, struct kernel_snapshot *k, struct outbuf *out);

struct metrics_server;

/* Serves GET /metrics on listen ("127.0.0.1:9477", "[::1]:9477"). NULL and
 * a message in err when the address is bad or cannot be bound. */
struct metrics_server *metrics_server_start(const char *listen, const struct pipeline *p,
					    struct kernel_snapshot *k, char *err, size_t err_size);
void metrics_server_stop(struct metrics_server *s);

/* Parses "HOST:PORT" for metrics_listen; 0 or -EINVAL. */
int metrics_parse_listen(const char *listen, void *ret_sockaddr, unsigned *ret_len);

#endif
