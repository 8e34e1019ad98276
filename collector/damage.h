/* SPDX-License-Identifier: MIT */
/*
 * damage: the events a full ring has dropped records of.
 *
 * With ring_full = drop, a listener that drops a record of an event also
 * drops every later record of it and notes its serial here. Each damaged
 * event is then either missing (no record got in: a serial gap the decoder
 * charges to the ring, not the socket) or partial (a prefix got in: the
 * decoder writes it marked "records lost"). So "events the ring damaged"
 * equals "events missing or partial because of the ring", one each.
 *
 * One table per ring, indexed by serial: a note is overwritten by the
 * serial DAMAGE_SLOTS events later in the same ring, which costs only its
 * attribution (that gap is then charged to the socket). Serial 0 (a record
 * without a readable stamp) is its own event and never noted.
 */
#ifndef NEEDLE_DAMAGE_H
#define NEEDLE_DAMAGE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define DAMAGE_SLOTS 4096

struct damage {
	uint32_t step; /* the ring sees serials of one class modulo step */
	_Atomic uint32_t slot[DAMAGE_SLOTS];
};

static inline _Atomic uint32_t *damage_slot(struct damage *dm, uint32_t serial)
{
	return &dm->slot[serial / dm->step % DAMAGE_SLOTS];
}

/* The listener's check for each record: is its event already damaged? */
static inline bool damage_has(struct damage *dm, uint32_t serial)
{
	/* relaxed: only listeners write notes they then read back; a note
	 * another listener makes a moment later is caught on its next record. */
	return serial && atomic_load_explicit(damage_slot(dm, serial), memory_order_relaxed) ==
				 serial;
}

/* Notes a dropped record's event; true when it was not damaged before. */
static inline bool damage_note(struct damage *dm, uint32_t serial)
{
	if (!serial)
		return true;
	return atomic_exchange(damage_slot(dm, serial), serial) != serial;
}

/* The decoder's side, once per event or missing serial: true (and the note
 * is forgotten) when the ring damaged this event. */
static inline bool damage_take(struct damage *dm, uint32_t serial)
{
	uint32_t expect = serial;

	if (!serial || atomic_load_explicit(damage_slot(dm, serial), memory_order_relaxed) != serial)
		return false;
	return atomic_compare_exchange_strong(damage_slot(dm, serial), &expect, 0);
}

#endif
