/* SPDX-License-Identifier: MIT */
/*
 * ring: a bounded, lock-free queue of variable-length records.
 *
 *            cons.tail          prod.tail         prod.head
 *                |                  |                 |
 *   ... free ... [rec][rec][pad|rec][rec] ... in flight ... free ...
 *                \__ visible to the consumer __/\_ reserved, not yet
 *                                                 committed (mpsc) _/
 *
 * Bytes live in one buffer of 2^n bytes, addressed by free-running 64-bit
 * positions (position & mask is the offset). A record is an 8-byte header
 * and its payload, rounded up to 8 bytes. Records never straddle the end
 * of the buffer: a reservation that would cross it first fills the rest of
 * the buffer with a pad record, which the consumer skips. So every record
 * (and every reservation) is one contiguous piece of memory that a caller
 * can recv() into or parse in place. The buffer is mapped and made
 * resident at creation (huge pages where the kernel gives them), so that
 * the producer's first pass through it takes no page fault per page.
 *
 * Invariants (checked by ring_valid()):
 *   cons.tail <= prod.tail <= prod.head <= cons.tail + capacity
 *   walking headers from cons.tail lands exactly on prod.tail
 *
 * Producer side: reserve a span of bytes, add records into it, commit it.
 * One commit publishes all the records of the span with one store, so a
 * batch costs one index publication. Consumer side: peek up to N records,
 * release them with one store.
 *
 * Concurrency:
 *   _spsc  one producer thread, one consumer thread.
 *   _mpsc  any number of producer threads, one consumer thread. Producers
 *          claim space with a CAS and never wait for each other to reserve;
 *          they commit in reservation order, so a producer preempted between
 *          reserve and commit delays the commits (not the reservations) of
 *          those who reserved after it.
 *   A ring is used in one mode for its lifetime. ring_stats() may run on any
 *   thread at any time; ring_valid() needs a quiescent ring.
 *
 * When full: the _try calls return false at once and count one full-stall;
 * the _blocking calls wait (and count the stall and its duration) until
 * space frees or the caller's cancel flag is set. A full ring never
 * overwrites and never drops on its own: a caller that chooses to drop
 * reports it with ring_count_drop() so the loss is counted here.
 *
 * The ring does no I/O and no logging.
 */
#ifndef NEEDLE_RING_H
#define NEEDLE_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ring;

/* Bytes of ring a record of payload length len takes: header + payload,
 * rounded up to 8. Sum these to size a batch reservation. */
#define RING_HEADER_SIZE 8u
#define RING_ALIGN 8u
static inline size_t ring_record_size(size_t len)
{
	return RING_HEADER_SIZE + ((len + RING_ALIGN - 1) & ~(size_t)(RING_ALIGN - 1));
}

/* Smallest and largest capacity ring_create() accepts. */
#define RING_CAPACITY_MIN 64u
#define RING_CAPACITY_MAX (1ull << 40)

/* A producer's private view of the bytes it reserved. Opaque in spirit:
 * fill it with ring_reserve_*(), pass it to ring_span_add() and commit. */
struct ring_span {
	uint64_t start;         /* first reserved byte, a wrap pad included */
	uint64_t pos;           /* where the next record goes */
	uint64_t end;           /* one past the last reserved byte */
	uint64_t last;          /* header position of the last record added */
	uint32_t records;       /* records added so far */
	uint64_t payload_bytes; /* their payload lengths, summed */
};

/* A record as the consumer sees it. data stays valid until released. */
struct ring_rec {
	const void *data;
	uint32_t len;
	uint64_t next; /* private: position just past this record */
};

/* A snapshot of the counters. Each is read atomically, the set is not:
 * occupancy may be a few records off the in/out difference while the
 * ring is in use. */
struct ring_stats {
	uint64_t capacity;
	uint64_t records_in;  /* records committed */
	uint64_t bytes_in;    /* their payload bytes */
	uint64_t records_out; /* records released by the consumer */
	uint64_t bytes_out;
	uint64_t occupancy;   /* ring bytes in use (headers and pads included) */
	uint64_t high_water;  /* highest occupancy seen at a commit */
	uint64_t full_stalls; /* reservations that found the ring full */
	uint64_t stall_ns;    /* time spent waiting in the _blocking calls */
	uint64_t drops;       /* records the caller dropped (ring_count_drop) */
	uint64_t drop_bytes;
};

/* Returns a ring of capacity bytes (a power of two between
 * RING_CAPACITY_MIN and RING_CAPACITY_MAX), or NULL with errno EINVAL
 * (bad capacity) or ENOMEM. */
struct ring *ring_create(size_t capacity);

/* Frees the ring. Accepts NULL. No thread may use the ring any more. */
void ring_destroy(struct ring *r);

size_t ring_capacity(const struct ring *r);

/* Largest payload one record may hold, and the largest reservation:
 * capacity/2 minus a header, so that a reservation always fits once the
 * ring drains, whatever the wrap pad. */
size_t ring_max_record(const struct ring *r);
size_t ring_max_reserve(const struct ring *r);

/*
 * Producer.
 *
 * ring_reserve_*_try(): reserves bytes (a multiple of 8, from
 * ring_record_size() sums, at most ring_max_reserve()) and fills *ret_span.
 * Returns false, leaving *ret_span untouched, when the ring lacks the space
 * now. Never waits. Acquire: sees the consumer's release of the space it
 * gets (pairs with the release store in ring_release()).
 *
 * ring_reserve_*_blocking(): the same, but waits (spin, yield, then short
 * sleeps) until space frees. Returns false only when *cancel becomes true.
 * cancel may be NULL (wait for ever).
 *
 * The caller must commit every successful reservation, even an empty one.
 */
bool ring_reserve_spsc_try(struct ring *r, size_t bytes, struct ring_span *ret_span);
bool ring_reserve_mpsc_try(struct ring *r, size_t bytes, struct ring_span *ret_span);
bool ring_reserve_spsc_blocking(struct ring *r, size_t bytes, struct ring_span *ret_span,
				const atomic_bool *cancel);
bool ring_reserve_mpsc_blocking(struct ring *r, size_t bytes, struct ring_span *ret_span,
				const atomic_bool *cancel);

/* Carves a record of payload length len out of the span and returns where
 * to write its payload, or NULL when the span has no room for it. Touches
 * only the span's bytes, so any mode may call it. */
void *ring_span_add(struct ring *r, struct ring_span *span, size_t len);

/* Shrinks the payload of the record last added to len (no larger than it
 * was), for a record received in place whose size is known only after.
 * The bytes given back stay in the span; commit pads them. */
void ring_span_shrink(struct ring *r, struct ring_span *span, size_t len);

/* Publishes the span's records to the consumer in one release store (pairs
 * with the acquire load in ring_peek()). Unused bytes at the end of the
 * span become a pad record. _mpsc waits until earlier reservations are
 * committed. */
void ring_commit_spsc(struct ring *r, struct ring_span *span);
void ring_commit_mpsc(struct ring *r, struct ring_span *span);

/* One record in one call: reserve, copy, commit. false when full (_try). */
bool ring_push_spsc_try(struct ring *r, const void *data, size_t len);
bool ring_push_mpsc_try(struct ring *r, const void *data, size_t len);

/* Counts records the caller dropped because the ring was full. Any thread. */
void ring_count_drop(struct ring *r, uint64_t records, uint64_t bytes);

/*
 * Consumer (one thread).
 *
 * ring_peek(): fills ret_recs with up to max committed records, oldest
 * first, and returns how many. 0 when empty. Acquire: the records' bytes
 * are visible (pairs with the release store in ring_commit_*()). Peeking
 * again without a release returns the same records.
 *
 * ring_release(): gives back the first n records of the last peek (n >= 1)
 * with one release store; their data pointers become invalid.
 */
size_t ring_peek(struct ring *r, struct ring_rec *ret_recs, size_t max);
void ring_release(struct ring *r, const struct ring_rec *recs, size_t n);

/* Any thread, any time. */
void ring_get_stats(const struct ring *r, struct ring_stats *ret_stats);

/* Checks the invariants above on a quiescent ring (no producer or consumer
 * running). Returns true when they hold; otherwise false and, when ret_why
 * is not NULL, a static string naming the broken invariant. */
bool ring_valid(const struct ring *r, const char **ret_why);

#endif
