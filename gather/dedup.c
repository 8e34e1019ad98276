/* SPDX-License-Identifier: MIT */
/* dedup: see dedup.h. */
#include "dedup.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#define MIN_SLOTS 64u

struct slot {
	uint64_t sec;
	uint32_t msec_used; /* msec + 1: 0 marks an empty slot */
	uint32_t serial;
};

struct table {
	struct slot *slots;
	size_t mask;  /* slots - 1; 0 when none are allocated */
	size_t count;
};

struct dedup {
	unsigned keep;
	size_t max_slots;         /* a power of two, at least 2 * keep */
	struct table newer, older;
};

static uint64_t hash(const struct audit_stamp *id)
{
	uint64_t h = id->sec * 0x9e3779b97f4a7c15ull ^ ((uint64_t)id->serial << 10 | id->msec);

	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ h >> 29;
}

static bool same(const struct slot *s, const struct audit_stamp *id)
{
	return s->msec_used == id->msec + 1 && s->sec == id->sec && s->serial == id->serial;
}

static bool table_find(const struct table *t, const struct audit_stamp *id)
{
	if (!t->slots)
		return false;
	for (size_t i = hash(id) & t->mask;; i = (i + 1) & t->mask) {
		if (!t->slots[i].msec_used)
			return false;
		if (same(&t->slots[i], id))
			return true;
	}
}

static void table_put(struct table *t, const struct audit_stamp *id)
{
	size_t i = hash(id) & t->mask;

	while (t->slots[i].msec_used)
		i = (i + 1) & t->mask;
	t->slots[i] = (struct slot){ id->sec, id->msec + 1, id->serial };
	t->count++;
}

/* Room for one more at most half full; false when memory ran out. */
static bool table_room(struct table *t, size_t max_slots)
{
	struct table bigger;
	size_t slots = t->slots ? t->mask + 1 : 0;

	if (slots && 2 * (t->count + 1) <= slots)
		return true;
	slots = slots ? 2 * slots : MIN_SLOTS;
	if (slots > max_slots)
		slots = max_slots;
	if (t->slots && slots == t->mask + 1)
		return true; /* at its bound: the caller rotates before it fills */
	bigger = (struct table){ .slots = calloc(slots, sizeof(struct slot)), .mask = slots - 1 };
	if (!bigger.slots)
		return false;
	for (size_t i = 0; t->slots && i <= t->mask; i++)
		if (t->slots[i].msec_used)
			table_put(&bigger, &(struct audit_stamp){ .sec = t->slots[i].sec,
								  .msec = t->slots[i].msec_used - 1,
								  .serial = t->slots[i].serial });
	free(t->slots);
	*t = bigger;
	return true;
}

struct dedup *dedup_new(unsigned keep)
{
	struct dedup *d = calloc(1, sizeof(*d));

	if (!d) {
		errno = ENOMEM;
		return NULL;
	}
	d->keep = keep ? keep : 1;
	d->max_slots = MIN_SLOTS;
	while (d->max_slots < 2 * (size_t)d->keep)
		d->max_slots *= 2;
	return d;
}

void dedup_free(struct dedup *d)
{
	if (!d)
		return;
	free(d->newer.slots);
	free(d->older.slots);
	free(d);
}

bool dedup_seen(const struct dedup *d, const struct audit_stamp *id)
{
	return table_find(&d->newer, id) || table_find(&d->older, id);
}

int dedup_add(struct dedup *d, const struct audit_stamp *id)
{
	if (dedup_seen(d, id))
		return 0;
	if (d->newer.count >= d->keep) {
		/* The newer table holds the last keep ids: it becomes the older,
		 * and what the older one held (all before those) goes. */
		free(d->older.slots);
		d->older = d->newer;
		d->newer = (struct table){ 0 };
	}
	if (!table_room(&d->newer, d->max_slots))
		return -ENOMEM;
	table_put(&d->newer, id);
	return 0;
}

static bool digits(const char **p, const char *end, uint64_t max, uint64_t *ret)
{
	const char *start = *p;
	uint64_t v = 0;

	while (*p < end && **p >= '0' && **p <= '9') {
		v = v * 10 + (uint64_t)(**p - '0');
		if (v > max)
			return false;
		(*p)++;
	}
	*ret = v;
	return *p > start;
}

bool dedup_parse_id(const char *text, size_t len, struct audit_stamp *ret)
{
	const char *p = text, *end = text + len, *ms;
	uint64_t sec, msec, serial;

	if (!digits(&p, end, UINT64_MAX / 1000, &sec) || p == end || *p++ != '.')
		return false;
	ms = p;
	if (!digits(&p, end, 999, &msec) || p - ms != 3 || p == end || *p++ != ':' ||
	    !digits(&p, end, UINT32_MAX, &serial) || p != end)
		return false;
	*ret = (struct audit_stamp){ .sec = sec, .msec = (uint32_t)msec, .serial = (uint32_t)serial };
	return true;
}
