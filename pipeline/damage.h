/* SPDX-License-Identifier: MIT */
/*
 * damage: the events a full ring has dropped records of.
 *
 * With ring_full = drop, a listener that drops a record of an event also
 * drops every later record of it and notes its serial here. A damaged
 * event is then either missing (no record got in: a serial gap) or cut
 * short (a prefix got in: the decoder ends it partial, without its EOE),
 * and the listener knows which, from the serials it committed to the
 * ring. So the rings' losses are counted once per event, and the
 * decoders' gaps and partial events can be split into the ring's share
 * and the rest.
 *
 * One pair of tables per ring, indexed by serial. They need to remember
 * an event only while its records arrive (a short time), so a fixed size
 * does: a serial DAMAGE_SLOTS events later in the same ring overwrites a
 * note. The decoder also reads the notes, to write a cut event as
 * "records lost"; a decoder far behind may find the note overwritten and
 * write the plain timeout instead. Serial 0 (a record without a readable
 * stamp) is its own event and never noted.
 */
#ifndef NEEDLE_DAMAGE_H
#define NEEDLE_DAMAGE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define DAMAGE_SLOTS 4096

struct damage {
	uint32_t step; /* the ring sees serials of one class modulo step */
	_Atomic uint32_t dropped[DAMAGE_SLOTS];   /* events with a dropped record */
	_Atomic uint32_t committed[DAMAGE_SLOTS]; /* events with a record in the ring */
	_Atomic uint64_t rest_dropped; /* records dropped only because their event was damaged */
};

enum damage_kind {
	DAMAGE_KNOWN, /* another record of an event already damaged */
	DAMAGE_WHOLE, /* a new damaged event, none of it in the ring */
	DAMAGE_CUT,   /* a new damaged event, some of it in the ring */
};

static inline unsigned damage_index(const struct damage *dm, uint32_t serial)
{
	return serial / dm->step % DAMAGE_SLOTS;
}

/* Listeners only write and read back notes of their own ring: relaxed. A
 * note made by another listener a moment earlier is a race the kernel's
 * interleaving makes anyway; it costs only the split between the kinds. */
#define damage_relaxed memory_order_relaxed

/* The listener's check for each record: is its event already damaged? */
static inline bool damage_has(struct damage *dm, uint32_t serial)
{
	return serial && atomic_load_explicit(&dm->dropped[damage_index(dm, serial)],
					      damage_relaxed) == serial;
}

/* A record of this serial went into the ring. */
static inline void damage_committed(struct damage *dm, uint32_t serial)
{
	atomic_store_explicit(&dm->committed[damage_index(dm, serial)], serial, damage_relaxed);
}

/* A record of this serial was dropped: notes it and says what it means. */
static inline enum damage_kind damage_note(struct damage *dm, uint32_t serial)
{
	unsigned i = damage_index(dm, serial);

	if (!serial)
		return DAMAGE_WHOLE;
	if (atomic_exchange_explicit(&dm->dropped[i], serial, damage_relaxed) == serial)
		return DAMAGE_KNOWN;
	return atomic_load_explicit(&dm->committed[i], damage_relaxed) == serial ? DAMAGE_CUT
										   : DAMAGE_WHOLE;
}

/* The decoder's side, once per event it ends: true (and the note is
 * forgotten) when the ring dropped records of this event. The notes of a
 * cut event were made before the decoder ended it (it waited for records
 * that were dropped), and the ring's commit/peek orders them. */
static inline bool damage_take(struct damage *dm, uint32_t serial)
{
	uint32_t expect = serial;
	_Atomic uint32_t *slot = &dm->dropped[damage_index(dm, serial)];

	if (!serial || atomic_load_explicit(slot, damage_relaxed) != serial)
		return false;
	return atomic_compare_exchange_strong(slot, &expect, 0);
}

#endif
