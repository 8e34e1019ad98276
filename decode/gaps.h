/* SPDX-License-Identifier: MIT */
/*
 * gaps: counts serials that never showed up. The kernel numbers events;
 * a serial missing from what a collector received is an event lost after
 * the kernel (socket overrun, multicast reader too slow). Events lost in
 * the kernel's backlog leave no gap (DESIGN.md, fact 7): the kernel's own
 * lost counter covers those. The kernel takes a serial only when it writes
 * an event's first record (audit_log_start), so events that write nothing
 * leave no gap either.
 *
 * One tracker follows one class of serials, those equal to `first` modulo
 * `step` (a decoder sees serial % decoders == its index). Events may end
 * out of order, so a window of the next GAPS_WINDOW serials of the class
 * is kept; a serial is declared missing when the window must move past it
 * (an event GAPS_WINDOW serials later arrived) or when the next later
 * serial was seen longer than gaps_tick()'s patience ago (any event stamped
 * before that one would have ended, whole or partial, by then).
 * Serials wrap at 2^32.
 *
 * Restarts: a tracker can start where a previous collector left off
 * (gaps_seed(), then gaps_see() for each serial it had written above that
 * floor), so the serials the kernel used while no collector ran become
 * gaps too. Missing serials are split at the first serial received live
 * (gaps_live()): once gaps_split() was called, those below it, or
 * declared before it is known, are counted in missing_before (lost before
 * this collector took over), the rest in missing.
 */
#ifndef NEEDLE_DECODE_GAPS_H
#define NEEDLE_DECODE_GAPS_H

#include <stdbool.h>
#include <stdint.h>

#define GAPS_WINDOW 4096

struct gaps {
	uint32_t step;
	bool started;
	uint32_t floor;           /* lowest serial not yet accounted for */
	unsigned base;            /* bit of floor in seen[] */
	unsigned pending;         /* serials seen above floor */
	uint64_t seen[GAPS_WINDOW / 64];
	uint64_t seen_ms[GAPS_WINDOW]; /* when each serial of the window was seen */
	uint64_t missing;         /* serials declared lost at or above live_from */
	uint64_t missing_before;  /* serials declared lost below live_from */
	uint64_t late;            /* serials seen below floor (already counted or duplicate) */
	bool split;               /* gaps_split(): count missing_before */
	bool live_known;
	uint32_t live_from;       /* first serial received live (gaps_live()) */
};

void gaps_init(struct gaps *g, uint32_t step);

/* Starts the tracker at floor (a serial of its class): every serial of the
 * class below it is accounted for. Before any gaps_see(). */
void gaps_seed(struct gaps *g, uint32_t floor);

/* A record with this serial was received at now_ms (the first of its
 * event is enough; later ones are ignored). */
void gaps_see(struct gaps *g, uint32_t serial, uint64_t now_ms);

/* From now on, split missing serials at the first live one (below). */
void gaps_split(struct gaps *g);

/* serial is the first this collector received live: missing serials below
 * it are counted in missing_before. Only the first call counts. */
void gaps_live(struct gaps *g, uint32_t serial);

/* Declares missing every serial below one seen more than patience_ms ago. */
void gaps_tick(struct gaps *g, uint64_t now_ms, uint64_t patience_ms);

/* The window as bits from the floor: bit k is floor + k * step (seen). */
void gaps_window(const struct gaps *g, uint64_t ret_bits[GAPS_WINDOW / 64]);

#endif
