/* SPDX-License-Identifier: MIT */
/*
 * settings.c: snapshots behind one atomic pointer, freed after a grace
 * period. The pointer is a C11 atomic (release store, acquire load);
 * liburcu only tells when the old snapshot can go.
 */
#include "settings.h"
#include "grace.h"

#include <errno.h>
#include <stdlib.h>
#include <urcu.h>

struct settings_snapshot {
	uint64_t generation;
	struct decoder_settings values;
};

static struct settings_snapshot *snapshot_new(const struct decoder_settings *values,
					      uint64_t generation)
{
	struct settings_snapshot *snap = malloc(sizeof(*snap));

	if (!snap)
		return NULL;
	snap->generation = generation;
	snap->values = *values;
	return snap;
}

int settings_init(struct settings *s, const struct decoder_settings *values)
{
	struct settings_snapshot *snap = snapshot_new(values, 1);

	if (!snap)
		return -ENOMEM;
	/* release: pairs with the readers' acquire in settings_update. */
	atomic_store_explicit(&s->current, snap, memory_order_release);
	return 0;
}

int settings_publish(struct settings *s, const struct decoder_settings *values)
{
	/* relaxed: only this thread writes the pointer. */
	struct settings_snapshot *old = atomic_load_explicit(&s->current, memory_order_relaxed);
	struct settings_snapshot *snap = snapshot_new(values, old ? old->generation + 1 : 1);

	if (!snap)
		return -ENOMEM;
	/* release: the snapshot's contents before its pointer (readers'
	 * acquire in settings_update). */
	atomic_store_explicit(&s->current, snap, memory_order_release);
	if (old) {
		/* Every reader that could have loaded old has left its section. */
		synchronize_rcu();
		grace_writer_waited(old);
		free(old);
	}
	return 0;
}

void settings_fini(struct settings *s)
{
	if (!s)
		return;
	free(atomic_exchange_explicit(&s->current, NULL, memory_order_relaxed));
}

bool settings_update(struct settings *s, uint64_t *generation, struct decoder_settings *ret)
{
	struct settings_snapshot *snap;
	bool newer = false;

	rcu_read_lock();
	/* acquire: pairs with the release in settings_publish, so the
	 * snapshot's contents are seen whole. */
	snap = atomic_load_explicit(&s->current, memory_order_acquire);
	if (snap && snap->generation != *generation) {
		*ret = snap->values;
		*generation = snap->generation;
		newer = true;
	}
	if (snap)
		grace_reader_done(snap);
	rcu_read_unlock();
	return newer;
}
