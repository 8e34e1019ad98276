/* SPDX-License-Identifier: MIT */
/*
 * stall: whether the pipeline's threads make progress, judged from the
 * counters they already publish, for the systemd watchdog (notify.h): a
 * stuck pipeline must stop the WATCHDOG=1 pings so that systemd restarts
 * needle, and an idle one must not.
 *
 *   listeners  have work: bytes wait in the data socket (SO_MEMINFO, the
 *              kernel snapshot)       progress: recvmmsg batches (summed)
 *   decoder i  has work: its ring holds records it has not released
 *              (records_in > records_out)   progress: ring i's records_out
 *
 *   each check: work and no progress since the last move ------------------.
 *               no work, or progress: the thread's clock starts again      |
 *   no progress while there was work for longer than bound_ms --> stuck <--'
 *
 * A thread that had nothing to do is never stuck, however long it slept.
 * A listener waiting on a full ring whose decoder moves makes progress as
 * soon as space frees; a decoder that stops leaves its ring full and its
 * listener waiting: the decoder is named, the first stuck thread found.
 * Main thread only; pure (no I/O, no clock: the caller passes the time).
 */
#ifndef NEEDLE_STALL_H
#define NEEDLE_STALL_H

#include "pipeline.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct stall_clock {
	uint64_t seen;     /* the progress counter at the last move */
	uint64_t since_ms; /* when it last moved, or last had nothing to do */
};

struct stall {
	uint64_t bound_ms;
	struct stall_clock listeners;
	struct stall_clock decoder[PIPELINE_MAX_DECODERS];
};

/* Starts every thread's clock at now_ms from the counters in ps. */
void stall_start(struct stall *s, uint64_t bound_ms, const struct pipeline_stats *ps,
		 uint64_t now_ms);

/* One check: ps and socket_queued (bytes waiting in the data socket) as
 * read now. Returns true when a thread has had work and no progress for
 * longer than bound_ms, with why naming it ("decoder 0: 5120 records wait
 * in its ring, none taken for 12 s"); false when all make progress or had
 * nothing to do. */
bool stall_check(struct stall *s, const struct pipeline_stats *ps, uint64_t socket_queued,
		 uint64_t now_ms, char *why, size_t why_size);

#endif
