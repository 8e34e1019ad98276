/* SPDX-License-Identifier: MIT */
/*
 * progress: what needle has written, kept on disk, so that the next needle
 * can count the events that never reached a log while none ran.
 *
 *   decoder[i] --after each flush: its gap tracker (floor + window), its
 *        |      open events, the primary log's position--> slot[i] (mutex)
 *        v
 *   writer thread, every PROGRESS_EVERY_MS when a slot changed, and once
 *   at stop --> log_dir/needle.progress (temporary file, rename)
 *        :
 *   next start (same boot, same log_dir): the note, plus the serials found
 *   in the log after the noted positions (logtail.h) --> per decoder a
 *   floor and the serials above it already written --> gaps_seed()
 *
 * Why it is exact. The kernel numbers events with a global serial that
 * only grows during a boot (audit_serial()), and takes one only when it
 * writes an event's first record. A serial is accounted for when an event
 * with it was written (whole or partial) or counted lost. Each decoder
 * publishes, after a flush, its tracker and its open events: then every
 * serial it has seen is either written or open, so accounted = seen minus
 * open. Everything it writes later goes to the primary log after the
 * position it publishes with the note, where the next start finds it. So
 * the next needle knows exactly which serials were accounted for when the
 * last one stopped or was killed; every other serial below the first it
 * receives is an event that reached no log (records the kernel dropped
 * while no daemon was registered, or that died with the killed needle's
 * socket, rings and buffers). Its decoders count those as lost, cause
 * restart (struct gaps: missing_before).
 *
 * The running needle's side (slots, writer thread) is progress.c; the
 * next start's side (reading the note and the log after it, the seeds)
 * is resume.c.
 *
 * Invariants: the file is replaced whole (rename), never edited; it is
 * not fsynced, like the logs: a killed process loses neither, a machine
 * crash starts a new boot, whose serials start again (the note names its
 * boot and is ignored on another). The writer never blocks a decoder for
 * longer than a copy of its slot.
 */
#ifndef NEEDLE_PROGRESS_H
#define NEEDLE_PROGRESS_H

#include "gaps.h"
#include "logtail.h"
#include "sink.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define PROGRESS_FILE "needle.progress"
#define PROGRESS_MAX_SHARDS 64
#define PROGRESS_EVERY_MS 200

/* One decoder's class of serials, as last published. */
struct progress_shard {
	bool started;                 /* saw a serial (else nothing below is set) */
	uint32_t floor;               /* every serial of the class below: accounted */
	uint64_t bits[GAPS_WINDOW / 64]; /* floor + k * step seen (struct gaps) */
	uint32_t *open;               /* seen but still open: not written */
	size_t nopen;
	bool have_pos;
	struct sink_position pos;     /* the primary log after this decoder's flush */
};

/* The primary log: the one output a restart reads the tail of. */
struct progress_log {
	char path[512];
	enum logtail_format format;
	bool lz4;
	unsigned num_logs;
};

/* A note as read back. */
struct progress_note {
	char boot[64];
	struct progress_log log;
	unsigned shards;
	struct progress_shard shard[PROGRESS_MAX_SHARDS];
};

/* Where a decoder starts after a restart: seed its tracker at floor, then
 * mark the serials above it already accounted for. */
struct progress_seed {
	bool have;
	uint32_t floor;
	uint32_t *marks; /* ascending from floor */
	size_t nmarks;
};

struct progress;

/* The state of the running needle: shards slots, writing to path. NULL
 * with errno ENOMEM. Nothing is written before progress_start(). */
struct progress *progress_new(const char *path, unsigned shards, const struct progress_log *log,
			      const char *boot);
/* Starts the writer thread; -errno when it cannot. */
int progress_start(struct progress *pr);
/* Stops the writer (after the decoders ended) and writes the last note.
 * Returns 0 or the -errno of that write. Then frees. NULL is fine. */
int progress_stop(struct progress *pr);
/* Failed writes so far, and the errno of the last. Any thread. */
uint64_t progress_write_errors(struct progress *pr, int *ret_errno);

/* Decoder shard (its thread only): publish its state after a flush. open:
 * the serials of its open events. pos NULL: no primary log. */
void progress_publish(struct progress *pr, unsigned shard, const struct gaps *g,
		      const uint32_t *open, size_t nopen, const struct sink_position *pos);

/* Reads a note. -ENOENT when there is none; -EINVAL with path:line and
 * what is wrong in err; -ENOMEM. Free with progress_note_free(). */
int progress_load(const char *path, struct progress_note *ret, char *err, size_t err_size);
void progress_note_free(struct progress_note *n);

/* The note's text (for tests and the writer). Appends to out, returns
 * false when out ran out of memory. */
struct outbuf;
bool progress_format(const char *boot, const struct progress_log *log, unsigned shards,
		     const struct progress_shard *shard, struct outbuf *out);

/* Seeds for `shards` decoders (decoder j sees serial % shards == j) from a
 * note and the serials written after its positions (sorted; may be
 * NULL/0). Returns 0, or -ERANGE when the note spans too many serials to
 * work out (ret untouched). */
int progress_seeds(const struct progress_note *note, const uint32_t *written, size_t nwritten,
		   unsigned shards, struct progress_seed *ret);
void progress_seeds_free(struct progress_seed *seeds, unsigned shards);

/* A start: reads the note at path and the log's tail after it, and works
 * out seeds for `shards` decoders. Returns true when seeds were set
 * (progress_seeds_free() them). msg says what was found, for the log, or
 * is empty (no note: the first start with this log_dir). */
bool progress_resume(const char *path, const char *boot, unsigned shards,
		     struct progress_seed *seeds, char *msg, size_t msg_size);

/* This boot's id (/proc/sys/kernel/random/boot_id); "" when unreadable. */
void progress_boot_id(char *buf, size_t size);

/* Grows *buf (room for *cap serials) to hold n; false when out of memory.
 * For progress.c and resume.c. */
static inline bool progress_fit(uint32_t **buf, size_t *cap, size_t n)
{
	uint32_t *b;
	size_t c = *cap ? *cap : 64;

	if (n <= *cap)
		return true;
	while (c < n)
		c *= 2;
	b = realloc(*buf, c * sizeof(*b));
	if (!b)
		return false;
	*buf = b;
	*cap = c;
	return true;
}

#endif
