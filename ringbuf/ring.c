/* SPDX-License-Identifier: MIT */
/*
 * ring.c: see ring.h for the design, the invariants and the full policy.
 *
 * Memory ordering, pair by pair:
 *   (A) ring_commit_*():  store-release prod.tail   ->  ring_peek(): load-acquire prod.tail
 *       the records' bytes are written before the consumer reads them.
 *   (B) ring_release():   store-release cons.tail   ->  ring_reserve_*(): load-acquire cons.tail
 *       the consumer has finished reading before a producer reuses the bytes.
 *   (C) mpsc: ring_commit_mpsc() load-acquire prod.tail (waiting for its
 *       turn) -> the earlier producer's store-release (A), so the chain of
 *       releases carries every earlier producer's writes to the consumer.
 * Everything else is relaxed, with the reason beside it.
 */
#include "ring.h"
#include "ring-t.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older kernels say EINVAL */
#endif

/* A transparent huge page where the kernel has them (x86-64, arm64 with
 * 4 KiB pages), and the smallest page size: touching every RING_PAGE_MIN
 * bytes touches every page. */
#define RING_HUGE_PAGE (2ull << 20)
#define RING_PAGE_MIN 4096u

#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define cpu_relax() __asm__ __volatile__("yield" ::: "memory")
#else
#define cpu_relax() atomic_signal_fence(memory_order_seq_cst)
#endif

#define relaxed memory_order_relaxed
#define acquire memory_order_acquire
#define release memory_order_release

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Single-writer counter: a plain add is enough, the atomic type only makes
 * the concurrent reads in ring_get_stats() well defined. */
static inline void counter_add_single(_Atomic uint64_t *c, uint64_t v)
{
	atomic_store_explicit(c, atomic_load_explicit(c, relaxed) + v, relaxed);
}

/* Counter written by several producers: relaxed, nothing is ordered by it. */
static inline void counter_add_shared(_Atomic uint64_t *c, uint64_t v)
{
	atomic_fetch_add_explicit(c, v, relaxed);
}

static inline struct ring_header *header_at(const struct ring *r, uint64_t pos)
{
	return (struct ring_header *)(r->buf + (pos & r->mask));
}

/*
 * The buffer is anonymous memory, aligned to a huge page when it is at
 * least one, asked for huge pages and touched here, once: the producer
 * streams through the whole buffer, and on plain heap memory its first
 * pass took a page fault every 4 KiB (a 16 MiB ring: 4096 faults, each
 * trap dearer than the bytes it maps, in the listener, while the kernel's
 * queue waits). Huge pages also spare the TLB on both sides.
 */
static uint8_t *buffer_map(size_t capacity)
{
	size_t align = capacity >= RING_HUGE_PAGE ? RING_HUGE_PAGE : 0;
	size_t len = capacity + align;
	uint8_t *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *buf;

	if (map == MAP_FAILED)
		return NULL;
	buf = map;
	if (align) {
		/* Trim to an aligned window: the kernel backs it with huge
		 * pages only where whole aligned ones fit. */
		uintptr_t a = ((uintptr_t)map + align - 1) & ~(uintptr_t)(align - 1);
		size_t head = a - (uintptr_t)map, tail = len - head - capacity;

		buf = (uint8_t *)a;
		if (head)
			munmap(map, head);
		if (tail)
			munmap(buf + capacity, tail);
		/* Advice only: without THP the pages are small, as before. */
		(void)madvise(buf, capacity, MADV_HUGEPAGE);
	}
	if (madvise(buf, capacity, MADV_POPULATE_WRITE) < 0)
		for (size_t off = 0; off < capacity; off += RING_PAGE_MIN)
			((volatile uint8_t *)buf)[off] = 0;
	return buf;
}

struct ring *ring_create(size_t capacity)
{
	struct ring *r;

	if (capacity < RING_CAPACITY_MIN || capacity > RING_CAPACITY_MAX ||
	    (capacity & (capacity - 1)) != 0) {
		errno = EINVAL;
		return NULL;
	}
	r = aligned_alloc(RING_CACHE_LINE, sizeof(*r));
	if (!r)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->buf = buffer_map(capacity);
	if (!r->buf) {
		free(r);
		errno = ENOMEM;
		return NULL;
	}
	r->capacity = capacity;
	r->mask = capacity - 1;
	return r;
}

void ring_destroy(struct ring *r)
{
	if (!r)
		return;
	munmap(r->buf, r->capacity);
	free(r);
}

size_t ring_capacity(const struct ring *r)
{
	return r->capacity;
}

size_t ring_max_reserve(const struct ring *r)
{
	return r->capacity / 2;
}

size_t ring_max_record(const struct ring *r)
{
	return r->capacity / 2 - RING_HEADER_SIZE;
}

/* Bytes of pad needed before a reservation of bytes at head so that it
 * does not cross the end of the buffer. */
static inline uint64_t wrap_pad(const struct ring *r, uint64_t head, uint64_t bytes)
{
	uint64_t off = head & r->mask;

	return off + bytes > r->capacity ? r->capacity - off : 0;
}

static inline void write_pad(struct ring *r, uint64_t pos, uint64_t bytes)
{
	struct ring_header *h = header_at(r, pos);

	h->len = (uint32_t)bytes;
	h->kind = RING_KIND_PAD;
}

static inline void span_init(struct ring *r, uint64_t head, uint64_t pad, uint64_t need,
			     struct ring_span *ret_span)
{
	if (pad)
		write_pad(r, head, pad);
	*ret_span = (struct ring_span){
		.start = head,
		.pos = head + pad,
		.end = head + need,
		.last = UINT64_MAX,
	};
}

/* A reservation must be whole 8-byte units, non-empty, and small enough to
 * fit once the ring drains whatever the wrap pad (see ring_max_reserve). */
static inline bool reservation_ok(const struct ring *r, size_t bytes)
{
	return bytes != 0 && bytes % RING_ALIGN == 0 && bytes <= r->capacity / 2;
}

/* spsc reserve; count_full says whether a full ring counts as a stall
 * (the blocking caller counts once per wait, not once per retry). */
static bool reserve_spsc(struct ring *r, size_t bytes, struct ring_span *ret_span, bool count_full)
{
	/* relaxed: head is written only by this (the only) producer. */
	uint64_t head = atomic_load_explicit(&r->prod.head, relaxed);
	uint64_t pad = wrap_pad(r, head, bytes);
	uint64_t need = bytes + pad;

	if (!reservation_ok(r, bytes))
		return false;
	if (head + need - r->prod.cons_cache > r->capacity) {
		/* acquire (B): pairs with the release in ring_release(). */
		r->prod.cons_cache = atomic_load_explicit(&r->cons.tail, acquire);
		if (head + need - r->prod.cons_cache > r->capacity) {
			if (count_full)
				counter_add_single(&r->prod.full_stalls, 1);
			return false;
		}
	}
	/* relaxed: only this producer reads head; the consumer reads tail. */
	atomic_store_explicit(&r->prod.head, head + need, relaxed);
	span_init(r, head, pad, need, ret_span);
	return true;
}

static bool reserve_mpsc(struct ring *r, size_t bytes, struct ring_span *ret_span, bool count_full)
{
	/* relaxed: the CAS below validates head; a stale value only retries. */
	uint64_t head = atomic_load_explicit(&r->prod.head, relaxed);
	uint64_t pad, need, cons;

	if (!reservation_ok(r, bytes))
		return false;
	for (;;) {
		/* acquire (B): the space we claim was released by the consumer. */
		cons = atomic_load_explicit(&r->cons.tail, acquire);
		pad = wrap_pad(r, head, bytes);
		need = bytes + pad;
		if ((int64_t)(head - cons) < 0) {
			/* head was read before another producer's reservation
			 * and the consumer has since passed it: reread. */
			head = atomic_load_explicit(&r->prod.head, relaxed);
			continue;
		}
		if (head + need - cons > r->capacity) {
			uint64_t again = atomic_load_explicit(&r->prod.head, relaxed);

			if (again != head) {
				head = again;
				continue;
			}
			if (count_full)
				counter_add_shared(&r->prod.full_stalls, 1);
			return false;
		}
		/* relaxed: the claim orders nothing; the bytes are published
		 * by the release in ring_commit_mpsc(). */
		if (atomic_compare_exchange_weak_explicit(&r->prod.head, &head, head + need, relaxed,
							  relaxed))
			break;
	}
	span_init(r, head, pad, need, ret_span);
	return true;
}

bool ring_reserve_spsc_try(struct ring *r, size_t bytes, struct ring_span *ret_span)
{
	return reserve_spsc(r, bytes, ret_span, true);
}

bool ring_reserve_mpsc_try(struct ring *r, size_t bytes, struct ring_span *ret_span)
{
	return reserve_mpsc(r, bytes, ret_span, true);
}

/* Back off politely: spin briefly (the consumer is usually a few hundred
 * nanoseconds from releasing), then yield, then sleep in growing steps up to
 * 1 ms so a stalled consumer does not cost a whole core. */
static void backoff(unsigned *round)
{
	unsigned n = (*round)++;

	if (n < 64) {
		cpu_relax();
	} else if (n < 128) {
		sched_yield();
	} else {
		unsigned shift = n - 128 < 6 ? n - 128 : 6;
		struct timespec ts = { 0, 16000L << shift };

		nanosleep(&ts, NULL);
	}
}

static bool reserve_blocking(struct ring *r, size_t bytes, struct ring_span *ret_span,
			     const atomic_bool *cancel, bool mpsc)
{
	bool (*reserve)(struct ring *, size_t, struct ring_span *, bool) =
		mpsc ? reserve_mpsc : reserve_spsc;
	void (*add)(_Atomic uint64_t *, uint64_t) = mpsc ? counter_add_shared : counter_add_single;
	unsigned round = 0;
	uint64_t start;
	bool ok;

	if (reserve(r, bytes, ret_span, false))
		return true;
	if (!reservation_ok(r, bytes))
		return false;
	add(&r->prod.full_stalls, 1);
	start = now_ns();
	for (;;) {
		backoff(&round);
		ok = reserve(r, bytes, ret_span, false);
		/* relaxed: cancel is a request to stop; nothing is read under it. */
		if (ok || (cancel && atomic_load_explicit(cancel, relaxed)))
			break;
	}
	add(&r->prod.stall_ns, now_ns() - start);
	return ok;
}

bool ring_reserve_spsc_blocking(struct ring *r, size_t bytes, struct ring_span *ret_span,
				const atomic_bool *cancel)
{
	return reserve_blocking(r, bytes, ret_span, cancel, false);
}

bool ring_reserve_mpsc_blocking(struct ring *r, size_t bytes, struct ring_span *ret_span,
				const atomic_bool *cancel)
{
	return reserve_blocking(r, bytes, ret_span, cancel, true);
}

void *ring_span_add(struct ring *r, struct ring_span *span, size_t len)
{
	size_t size = ring_record_size(len);
	struct ring_header *h;

	if (len > UINT32_MAX || size > span->end - span->pos)
		return NULL;
	h = header_at(r, span->pos);
	h->len = (uint32_t)len;
	h->kind = RING_KIND_RECORD;
	span->last = span->pos;
	span->pos += size;
	span->records++;
	span->payload_bytes += len;
	return h + 1;
}

void ring_span_shrink(struct ring *r, struct ring_span *span, size_t len)
{
	struct ring_header *h;

	if (span->last == UINT64_MAX)
		return;
	h = header_at(r, span->last);
	if (len >= h->len)
		return;
	span->payload_bytes -= h->len - len;
	h->len = (uint32_t)len;
	span->pos = span->last + ring_record_size(len);
}

/* The span's unused tail becomes a pad the consumer skips. */
static inline void span_close(struct ring *r, struct ring_span *span)
{
	if (span->pos < span->end)
		write_pad(r, span->pos, span->end - span->pos);
}

void ring_commit_spsc(struct ring *r, struct ring_span *span)
{
	uint64_t used;

	span_close(r, span);
	/* release (A): the records' bytes before the new tail. */
	atomic_store_explicit(&r->prod.tail, span->end, release);
	counter_add_single(&r->prod.records, span->records);
	counter_add_single(&r->prod.bytes, span->payload_bytes);
	/* cons_cache may be stale (low), so this can overstate occupancy a
	 * little; a high-water mark should err that way. */
	used = span->end - r->prod.cons_cache;
	if (used > atomic_load_explicit(&r->prod.high_water, relaxed))
		atomic_store_explicit(&r->prod.high_water, used, relaxed);
}

void ring_commit_mpsc(struct ring *r, struct ring_span *span)
{
	unsigned spins = 0;
	uint64_t used, hw;

	span_close(r, span);
	/* acquire (C): wait for the producers that reserved before us. */
	while (atomic_load_explicit(&r->prod.tail, acquire) != span->start) {
		if (++spins < 256)
			cpu_relax();
		else
			sched_yield();
	}
	/* release (A). */
	atomic_store_explicit(&r->prod.tail, span->end, release);
	counter_add_shared(&r->prod.records, span->records);
	counter_add_shared(&r->prod.bytes, span->payload_bytes);
	/* relaxed: a statistic. By now later producers may have committed and
	 * the consumer passed our end: then this commit set no high water. */
	used = span->end - atomic_load_explicit(&r->cons.tail, relaxed);
	if ((int64_t)used <= 0)
		return;
	hw = atomic_load_explicit(&r->prod.high_water, relaxed);
	while (used > hw &&
	       !atomic_compare_exchange_weak_explicit(&r->prod.high_water, &hw, used, relaxed, relaxed))
		;
}

static bool push(struct ring *r, const void *data, size_t len, bool mpsc)
{
	struct ring_span span;
	void *dst;

	if (len > ring_max_record(r))
		return false;
	if (!(mpsc ? reserve_mpsc : reserve_spsc)(r, ring_record_size(len), &span, true))
		return false;
	dst = ring_span_add(r, &span, len);
	memcpy(dst, data, len);
	(mpsc ? ring_commit_mpsc : ring_commit_spsc)(r, &span);
	return true;
}

bool ring_push_spsc_try(struct ring *r, const void *data, size_t len)
{
	return push(r, data, len, false);
}

bool ring_push_mpsc_try(struct ring *r, const void *data, size_t len)
{
	return push(r, data, len, true);
}

void ring_count_drop(struct ring *r, uint64_t records, uint64_t bytes)
{
	counter_add_shared(&r->prod.drops, records);
	counter_add_shared(&r->prod.drop_bytes, bytes);
}

size_t ring_peek(struct ring *r, struct ring_rec *ret_recs, size_t max)
{
	/* relaxed: cons.tail is written only by this (the only) consumer. */
	uint64_t pos = atomic_load_explicit(&r->cons.tail, relaxed);
	uint64_t tail = r->cons.prod_cache;
	bool reloaded = false;
	size_t n = 0;

	while (n < max) {
		const struct ring_header *h;

		if (pos == tail) {
			/* Caught up with what we knew: look at the producer's
			 * tail once per peek, not once per record. */
			if (reloaded)
				break;
			/* acquire (A): pairs with the release in ring_commit_*(). */
			tail = atomic_load_explicit(&r->prod.tail, acquire);
			r->cons.prod_cache = tail;
			reloaded = true;
			if (pos == tail)
				break;
		}
		h = header_at(r, pos);
		if (h->kind == RING_KIND_PAD) {
			pos += h->len;
			if (n == 0) {
				/* release (B): nothing before pos is read any more. */
				atomic_store_explicit(&r->cons.tail, pos, release);
			}
			continue;
		}
		pos += ring_record_size(h->len);
		ret_recs[n++] = (struct ring_rec){ .data = h + 1, .len = h->len, .next = pos };
	}
	return n;
}

void ring_release(struct ring *r, const struct ring_rec *recs, size_t n)
{
	uint64_t bytes = 0;

	for (size_t i = 0; i < n; i++)
		bytes += recs[i].len;
	/* release (B): we are done reading these records. */
	atomic_store_explicit(&r->cons.tail, recs[n - 1].next, release);
	counter_add_single(&r->cons.records, n);
	counter_add_single(&r->cons.bytes, bytes);
}

void ring_get_stats(const struct ring *r, struct ring_stats *ret_stats)
{
	/* relaxed throughout: a snapshot for display, ordered by nothing. */
	uint64_t cons_tail = atomic_load_explicit(&r->cons.tail, relaxed);
	uint64_t prod_tail = atomic_load_explicit(&r->prod.tail, relaxed);

	*ret_stats = (struct ring_stats){
		.capacity = r->capacity,
		.records_in = atomic_load_explicit(&r->prod.records, relaxed),
		.bytes_in = atomic_load_explicit(&r->prod.bytes, relaxed),
		.records_out = atomic_load_explicit(&r->cons.records, relaxed),
		.bytes_out = atomic_load_explicit(&r->cons.bytes, relaxed),
		.occupancy = prod_tail > cons_tail ? prod_tail - cons_tail : 0,
		.high_water = atomic_load_explicit(&r->prod.high_water, relaxed),
		.full_stalls = atomic_load_explicit(&r->prod.full_stalls, relaxed),
		.stall_ns = atomic_load_explicit(&r->prod.stall_ns, relaxed),
		.drops = atomic_load_explicit(&r->prod.drops, relaxed),
		.drop_bytes = atomic_load_explicit(&r->prod.drop_bytes, relaxed),
	};
}

#define INVALID(why)                    \
	do {                            \
		if (ret_why)            \
			*ret_why = why; \
		return false;           \
	} while (0)

bool ring_valid(const struct ring *r, const char **ret_why)
{
	/* relaxed: the caller guarantees nobody else is running. */
	uint64_t cons_tail = atomic_load_explicit(&r->cons.tail, relaxed);
	uint64_t prod_tail = atomic_load_explicit(&r->prod.tail, relaxed);
	uint64_t prod_head = atomic_load_explicit(&r->prod.head, relaxed);
	uint64_t recs_in = atomic_load_explicit(&r->prod.records, relaxed);
	uint64_t recs_out = atomic_load_explicit(&r->cons.records, relaxed);
	uint64_t bytes_in = atomic_load_explicit(&r->prod.bytes, relaxed);
	uint64_t bytes_out = atomic_load_explicit(&r->cons.bytes, relaxed);
	uint64_t records = 0, payload = 0, pos;

	if (!r->buf || r->capacity < RING_CAPACITY_MIN || (r->capacity & r->mask) != 0 ||
	    r->mask != r->capacity - 1)
		INVALID("capacity is not a power of two with a matching mask");
	if ((cons_tail | prod_tail | prod_head) % RING_ALIGN != 0)
		INVALID("an index is not 8-byte aligned");
	if ((int64_t)(prod_tail - cons_tail) < 0)
		INVALID("consumer tail is ahead of producer tail");
	if ((int64_t)(prod_head - prod_tail) < 0)
		INVALID("producer tail is ahead of producer head");
	if (prod_head - cons_tail > r->capacity)
		INVALID("more bytes in use than the capacity");
	if (prod_head != prod_tail)
		INVALID("a reservation is not committed (ring not quiescent)");

	for (pos = cons_tail; pos != prod_tail;) {
		const struct ring_header *h = header_at(r, pos);
		uint64_t off = pos & r->mask, size;

		if (h->kind == RING_KIND_PAD) {
			size = h->len;
			if (size < RING_HEADER_SIZE || size % RING_ALIGN != 0)
				INVALID("pad length is not a positive multiple of 8");
			if (off + size > r->capacity)
				INVALID("pad crosses the end of the buffer");
		} else if (h->kind == RING_KIND_RECORD) {
			if (h->len > ring_max_record(r))
				INVALID("record longer than the maximum record");
			size = ring_record_size(h->len);
			if (off + size > r->capacity)
				INVALID("record crosses the end of the buffer");
			records++;
			payload += h->len;
		} else {
			INVALID("header kind is neither record nor pad");
		}
		if (size > prod_tail - pos)
			INVALID("record runs past the producer tail");
		pos += size;
	}
	if (recs_in - recs_out != records)
		INVALID("records in minus records out differs from records in the ring");
	if (bytes_in - bytes_out != payload)
		INVALID("bytes in minus bytes out differs from payload bytes in the ring");
	if (prod_tail - cons_tail > atomic_load_explicit(&r->prod.high_water, relaxed))
		INVALID("occupancy above the high-water mark");
	return true;
}
