/* SPDX-License-Identifier: MIT */
/*
 * dedup: the event ids needle gather wrote lately for one host, so a
 * message delivered again (an acknowledgement lost, gather restarted
 * between its write and its acknowledgement, an event stored twice in the
 * stream) is not written twice.
 *
 *   add(id) --> newer table (up to keep ids) --full--> becomes the older
 *               table; the older one is dropped
 *   seen(id) <-- newer or older table
 *
 * Bound: the last `keep` ids added are always remembered, and at most
 * 2 * keep are (two generations, no deletion); a repeat of an id older
 * than that is not recognised. Each table is open addressing with linear
 * probing, grown by doubling up to 2 * keep slots (half full at most), 16
 * bytes a slot: at most 2 * 2 * keep * 16 bytes per host (1 MiB for keep
 * 16384), less for a host that sent fewer events. Single-threaded.
 */
#ifndef NEEDLE_DEDUP_H
#define NEEDLE_DEDUP_H

#include "stamp.h"

#include <stdbool.h>
#include <stddef.h>

struct dedup;

/* NULL with errno ENOMEM. keep: ids always remembered (at least 1). */
struct dedup *dedup_new(unsigned keep);
void dedup_free(struct dedup *d);

/* Whether id was added and is still remembered. */
bool dedup_seen(const struct dedup *d, const struct audit_stamp *id);

/* Remembers id (once: adding a remembered id changes nothing). 0, or
 * -ENOMEM (the id is then not remembered). */
int dedup_add(struct dedup *d, const struct audit_stamp *id);

/* Reads an event id as needle writes it, "SEC.MS:SERIAL" (MS three
 * digits), from text[0..len) exactly. false when it is not one. */
bool dedup_parse_id(const char *text, size_t len, struct audit_stamp *ret);

#endif
