/* SPDX-License-Identifier: MIT */
/* tally: see tally.h. An open-addressing table keyed by serial. */
#include "tally.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define TALLY_SYSCALLS 512 /* syscall numbers kept apart; above: one class */

struct slot {
	uint32_t serial; /* 0: empty */
	uint16_t records;
	int16_t syscall; /* of its keyed SYSCALL record, -1: not (yet) an event of the load */
};

struct tally {
	struct slot *slot;
	size_t cap, used; /* cap a power of two */
};

struct tally *tally_new(void)
{
	struct tally *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->cap = 1u << 16;
	t->slot = calloc(t->cap, sizeof(*t->slot));
	if (!t->slot) {
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	return t;
}

void tally_free(struct tally *t)
{
	if (!t)
		return;
	free(t->slot);
	free(t);
}

static struct slot *find(struct slot *slot, size_t cap, uint32_t serial)
{
	size_t i = (serial * 2654435761u) & (cap - 1);

	while (slot[i].serial && slot[i].serial != serial)
		i = (i + 1) & (cap - 1);
	return &slot[i];
}

static bool grow(struct tally *t)
{
	size_t cap = t->cap * 2;
	struct slot *slot = calloc(cap, sizeof(*slot));

	if (!slot)
		return false;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slot[i].serial)
			*find(slot, cap, t->slot[i].serial) = t->slot[i];
	free(t->slot);
	t->slot = slot;
	t->cap = cap;
	return true;
}

bool tally_add(struct tally *t, uint32_t serial, unsigned records, bool keyed, int syscall_nr)
{
	struct slot *s;

	if (!serial)
		return true;
	if (t->used * 2 >= t->cap && !grow(t))
		return false;
	s = find(t->slot, t->cap, serial);
	if (!s->serial) {
		s->serial = serial;
		s->syscall = -1;
		t->used++;
	}
	s->records = (uint16_t)(s->records + records > UINT16_MAX ? UINT16_MAX : s->records + records);
	if (keyed)
		s->syscall = (int16_t)(syscall_nr >= 0 && syscall_nr < TALLY_SYSCALLS ? syscall_nr
										   : TALLY_SYSCALLS);
	return true;
}

void tally_result(const struct tally *t, struct tally_result *ret)
{
	static unsigned full[TALLY_SYSCALLS + 1];

	memset(ret, 0, sizeof(*ret));
	memset(full, 0, sizeof(full));
	for (size_t i = 0; i < t->cap; i++) {
		const struct slot *s = &t->slot[i];

		if (s->serial && s->syscall >= 0 && s->records > full[s->syscall])
			full[s->syscall] = s->records;
	}
	for (size_t i = 0; i < t->cap; i++) {
		const struct slot *s = &t->slot[i];

		if (!s->serial || s->syscall < 0)
			continue;
		ret->events++;
		ret->records += s->records;
		ret->short_records += full[s->syscall] - s->records;
		ret->short_events += s->records < full[s->syscall];
	}
}
