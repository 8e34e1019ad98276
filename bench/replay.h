/* SPDX-License-Identifier: MIT */
/*
 * replay: the corpus needle-bench replay decodes (records in one text
 * arena, as the kernel would have sent them), and the generators that
 * bench-replay.c and replay-mix.c share.
 */
#ifndef NEEDLE_BENCH_REPLAY_H
#define NEEDLE_BENCH_REPLAY_H

#include "context.h"
#include "stamp.h"

#include <stddef.h>
#include <stdint.h>

/* A record as needle's listener hands it to a decoder: its stamp read
 * (the listener reads it to shard by serial), the body after it. */
struct rec {
	unsigned type;
	uint32_t serial;
	uint32_t off, len; /* in the text arena */
	uint32_t body;     /* the stamp's length: where the body starts */
	struct audit_stamp stamp;
};

struct corpus {
	char *text;
	size_t text_len;
	struct rec *recs;
	size_t nrecs;
	size_t events;
};

/* One record of printf-formatted text at the arena's end (cap: its size,
 * grown as needed; exits on out of memory). */
void replay_append(struct corpus *c, size_t *cap, unsigned type, uint32_t serial,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* A realistic process mix of events (replay-mix.c) and the process table
 * needle's seed from /proc would start it with. */
void replay_generate_mix(struct corpus *c, size_t events);
struct proctable *replay_mix_table(void);

#endif
