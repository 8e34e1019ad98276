/* SPDX-License-Identifier: MIT */
/*
 * gaps: counts serials that never showed up. The kernel numbers events;
 * a serial missing from what a collector received is an event lost after
 * the kernel (socket overrun, multicast reader too slow). Events lost in
 * the kernel's backlog leave no gap (DESIGN.md, fact 7): the kernel's own
 * lost counter covers those.
 *
 * One tracker follows one class of serials, those equal to `first` modulo
 * `step` (a decoder sees serial % decoders == its index). Events may end
 * out of order, so a window of the next GAPS_WINDOW serials of the class
 * is kept; a serial is declared missing when the window must move past it
 * (an event GAPS_WINDOW serials later arrived) or when the next later
 * serial was seen longer than gaps_tick()'s patience ago (any event stamped
 * before that one would have ended, whole or partial, by then).
 * Serials wrap at 2^32.
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
	uint64_t missing;         /* serials declared lost */
	uint64_t late;            /* serials seen below floor (already counted or duplicate) */
};

void gaps_init(struct gaps *g, uint32_t step);

/* A record with this serial was received at now_ms (the first of its
 * event is enough; later ones are ignored). */
void gaps_see(struct gaps *g, uint32_t serial, uint64_t now_ms);

/* Declares missing every serial below one seen more than patience_ms ago. */
void gaps_tick(struct gaps *g, uint64_t now_ms, uint64_t patience_ms);

#endif
