/* SPDX-License-Identifier: MIT */
/*
 * bench-nats: the nats-server needle-bench starts for the daemon
 * "needle-nats" (needle with output = ...,nats): Debian's nats-server -js
 * on 127.0.0.1 and a free port, its data in the runs' directory, started
 * at the first such run and stopped by pid when the session ends. Its CPU
 * is not the daemon's: it is the central side.
 */
#ifndef NEEDLE_BENCH_NATS_H
#define NEEDLE_BENCH_NATS_H

#include <stddef.h>
#include <stdint.h>

/* The server's URL (starting it in top/nats the first time). 0, or -errno
 * with a message in err. */
int bench_nats_url(const char *top, char *url, size_t size, char *err, size_t err_size);

/* What the central side did, sampled around a run: the server's CPU time
 * (it is not the daemon's) and the messages all its streams hold. */
struct bench_nats_sample {
	double cpu_seconds;
	uint64_t messages;
};

/* Samples the running server. 0, or -errno with a message in err. */
int bench_nats_sample(struct bench_nats_sample *ret, char *err, size_t err_size);

/* Stops the server if it runs. */
void bench_nats_stop(void);

#endif
