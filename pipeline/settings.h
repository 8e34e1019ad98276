/* SPDX-License-Identifier: MIT */
/*
 * settings: what the decoder threads read of the configuration while
 * needle runs (struct decoder_settings, filled by the daemon from its
 * config), published as immutable snapshots (RCU). Reload never writes
 * under a running decoder: it publishes a new snapshot, and the old one is
 * freed once no reader can still hold it.
 *
 *   main thread (SIGHUP)                       decoder[i], once per round
 *   settings_publish(new) ---> current ----->  settings_update(&seen, &mine)
 *     release store of the new snapshot          acquire load; when the
 *     synchronize_rcu()                          generation moved on, copy
 *     free the old one                           it into mine, under
 *                                                rcu_read_lock
 *
 * Invariants: a published snapshot is never written again; a reader keeps
 * no pointer to one outside its read-side section, only its own copy; the
 * generation grows by one per publication, so a reader tells a new
 * snapshot from an old one even at a reused address.
 *
 * Concurrency: one writer at a time (the main thread: settings_init,
 * settings_publish, settings_fini); any number of readers, each a thread
 * registered with liburcu (rcu_register_thread). settings_publish waits
 * for a grace period: readers' sections are a copy of a small struct, so
 * that wait is short.
 */
#ifndef NEEDLE_SETTINGS_H
#define NEEDLE_SETTINGS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* The decoders' settings. Which of them SIGHUP may change is the
 * configuration's business (daemon/conf.h); a decoder applies a new
 * snapshot's values from its next event on. */
struct decoder_settings {
	uint64_t event_timeout_ms;  /* an event without its end is written after this */
	unsigned max_open_events;   /* per decoder; read once, at its start */
	bool resolve_ids;           /* uid/gid names in JSON */
	unsigned ancestors_depth;   /* parents listed in where.ancestors */
};

struct settings_snapshot;

struct settings {
	struct settings_snapshot *_Atomic current;
};

/* Publishes the first snapshot, a copy of values. 0 or -ENOMEM. */
int settings_init(struct settings *s, const struct decoder_settings *values);

/* Publishes a copy of values as the new snapshot and frees the one it
 * replaces after a grace period. 0, or -ENOMEM with the old one still
 * current. Never call it from inside a read-side section. */
int settings_publish(struct settings *s, const struct decoder_settings *values);

/* Frees the current snapshot; no reader may be left. NULL-safe. */
void settings_fini(struct settings *s);

/* Reader: when the current snapshot is newer than *generation (0 before
 * the first call), copies it to *ret, sets *generation and returns true;
 * false (and ret untouched) when nothing changed. From a registered RCU
 * thread. */
bool settings_update(struct settings *s, uint64_t *generation, struct decoder_settings *ret);

#endif
