/* SPDX-License-Identifier: MIT */
/*
 * keycount: events and bytes by audit rule key, the figures behind
 * needle_key_events_total / needle_key_bytes_total, needle stat's table of
 * keys and needle decode --stats: which rule floods the machine.
 *
 *   decoder[i], per event                       any thread
 *   keycount_event(k, i, ev, filtered, bytes)   keycount_get_stats(k, ret)
 *     rulekey_first(ev) (decode/rulekey.h)        entries in order, each
 *     -> entry: the shared index (read only,      summed over the decoders
 *        but for a new key) -> own counters
 *
 * Entries: "none" (events without a key), "other" (keys past the bound)
 * and at most KEYCOUNT_NAMED keys, each given an entry the first time it
 * is seen and keeping it: a counter never moves to another label, so the
 * metrics' cardinality is bounded by KEYCOUNT_ENTRIES and a counter never
 * goes backwards. A key longer than KEYCOUNT_KEY_MAX bytes counts under
 * "other"; a key spelled "none" or "other" under that entry. An event with
 * several keys counts once, under its first (rulekey.h), so the entries
 * add up to the events.
 *
 * Concurrency: each decoder counts in its own cache-aligned block (one
 * writer: a relaxed load and store, no read-modify-write, no lock). The
 * index is read with acquire loads; a new key is added under a mutex
 * (at most KEYCOUNT_NAMED times in a run), its name written before the
 * release store that publishes it. Nothing is allocated per event but the
 * decoder's rulekey scratch, which grows to the largest record it parsed.
 */
#ifndef NEEDLE_KEYCOUNT_H
#define NEEDLE_KEYCOUNT_H

#include "assemble.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEYCOUNT_NAMED 64
#define KEYCOUNT_ENTRIES (KEYCOUNT_NAMED + 2)
/* A Prometheus label of the key stays under METRIC_KEY_MAX: escaped, a
 * byte takes at most 3 (%XX). */
#define KEYCOUNT_KEY_MAX 100
/* The first two entries. */
enum { KEYCOUNT_NONE, KEYCOUNT_OTHER };

struct keycount;

/* Counters for `decoders` threads (numbered from 0). NULL: ENOMEM. */
struct keycount *keycount_new(unsigned decoders);
void keycount_free(struct keycount *k); /* no counting thread left; NULL-safe */

/* Decoder thread `decoder`: ev counted under its first key, written (with
 * the bytes it took in the outputs) or filtered (dropped or diverted). */
void keycount_event(struct keycount *k, unsigned decoder, const struct audit_event *ev,
		    bool filtered, uint64_t bytes);

/* The same for a key already known: key NULL (or len 0) is "none". */
void keycount_add(struct keycount *k, unsigned decoder, const char *key, size_t len,
		  bool filtered, uint64_t bytes);

struct keycount_entry_stats {
	char key[KEYCOUNT_KEY_MAX + 1]; /* its bytes, NUL-terminated (may hold NULs) */
	size_t len;
	uint64_t written, filtered, bytes;
};

/* The entries so far, "none" and "other" first (at most KEYCOUNT_ENTRIES),
 * each summed over the decoders (read relaxed: not one instant). Returns
 * how many. Any thread. */
unsigned keycount_get_stats(const struct keycount *k, struct keycount_entry_stats *ret);

#endif
