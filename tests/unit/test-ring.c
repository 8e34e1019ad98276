/* SPDX-License-Identifier: MIT */
/* Unit tests of ringbuf/: single-threaded, exact states. */
#include "harness.h"
#include "ring.h"
#include "ring-t.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static struct ring *ring_new(size_t capacity)
{
	struct ring *r = ring_create(capacity);

	if (!r)
		FAIL("ring_create(%zu): %s", capacity, strerror(errno));
	harness_defer((void (*)(void *))ring_destroy, r);
	return r;
}

static void fill(void *dst, size_t len, unsigned seed)
{
	unsigned char *p = dst;

	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)(seed * 31u + i * 7u);
}

static bool filled(const void *src, size_t len, unsigned seed)
{
	const unsigned char *p = src;

	for (size_t i = 0; i < len; i++)
		if (p[i] != (unsigned char)(seed * 31u + i * 7u))
			return false;
	return true;
}

static void check_valid(const struct ring *r)
{
	const char *why = NULL;

	if (!ring_valid(r, &why))
		FAIL("ring_valid: %s", why);
}

/* Pushes one record of len bytes filled from seed; false when full. */
static bool push(struct ring *r, size_t len, unsigned seed)
{
	unsigned char buf[65536];

	fill(buf, len, seed);
	return ring_push_spsc_try(r, buf, len);
}

/* Pops one record, checks its length and content. */
static void pop_expect(struct ring *r, size_t len, unsigned seed)
{
	struct ring_rec rec;

	CHECK_EQ(ring_peek(r, &rec, 1), 1);
	CHECK_EQ(rec.len, len);
	CHECK(filled(rec.data, len, seed));
	ring_release(r, &rec, 1);
}

/* Moves an empty 256-byte ring's indices to 200, 56 bytes before the end. */
static void advance_to_200(struct ring *r)
{
	CHECK(push(r, 96, 1));
	CHECK(push(r, 88, 2));
	pop_expect(r, 96, 1);
	pop_expect(r, 88, 2);
	CHECK_EQ(atomic_load(&r->cons.tail), 200);
}

TEST(create_refuses_bad_capacity)
{
	errno = 0;
	CHECK(ring_create(0) == NULL);
	CHECK_EQ(errno, EINVAL);
	CHECK(ring_create(1000) == NULL);
	CHECK(ring_create(32) == NULL);
	struct ring *r = ring_new(64);
	CHECK_EQ(ring_capacity(r), 64);
	CHECK_EQ(ring_max_reserve(r), 32);
	CHECK_EQ(ring_max_record(r), 24);
	check_valid(r);
}

TEST(empty_ring)
{
	struct ring *r = ring_new(4096);
	struct ring_rec rec;
	struct ring_stats st;

	CHECK_EQ(ring_peek(r, &rec, 1), 0);
	ring_get_stats(r, &st);
	CHECK_EQ(st.occupancy, 0);
	CHECK_EQ(st.records_in, 0);
	CHECK_EQ(st.records_out, 0);
	check_valid(r);
}

TEST(record_size_rounds_to_8)
{
	CHECK_EQ(ring_record_size(0), 8);
	CHECK_EQ(ring_record_size(1), 16);
	CHECK_EQ(ring_record_size(8), 16);
	CHECK_EQ(ring_record_size(9), 24);
	CHECK_EQ(ring_record_size(8986), 8 + 8992);
}

TEST(push_peek_release_in_order)
{
	struct ring *r = ring_new(4096);

	for (unsigned i = 0; i < 10; i++)
		CHECK(push(r, 10 + i, i));
	check_valid(r);
	for (unsigned i = 0; i < 10; i++)
		pop_expect(r, 10 + i, i);
	check_valid(r);
	struct ring_stats st;
	ring_get_stats(r, &st);
	CHECK_EQ(st.records_in, 10);
	CHECK_EQ(st.records_out, 10);
	CHECK_EQ(st.bytes_in, 145);
	CHECK_EQ(st.bytes_out, 145);
	CHECK_EQ(st.occupancy, 0);
}

TEST(full_refuses_and_counts)
{
	struct ring *r = ring_new(256);
	struct ring_stats st;
	unsigned n = 0;

	/* 24-byte payloads take 32 bytes: exactly 8 fit. */
	while (push(r, 24, n))
		n++;
	CHECK_EQ(n, 8);
	ring_get_stats(r, &st);
	CHECK_EQ(st.occupancy, 256);
	CHECK_EQ(st.high_water, 256);
	CHECK_EQ(st.full_stalls, 1);
	CHECK(!push(r, 0, 99));
	ring_get_stats(r, &st);
	CHECK_EQ(st.full_stalls, 2);
	check_valid(r);
	/* Nothing was overwritten: all eight come back intact. */
	for (unsigned i = 0; i < 8; i++)
		pop_expect(r, 24, i);
	CHECK(push(r, 24, 100));
	pop_expect(r, 24, 100);
	check_valid(r);
}

/*
 * A caller with a drop policy, as the listener under ring_full = drop:
 * offers records as they come, drops (and reports with ring_count_drop)
 * each one the full ring refuses, while a slower consumer takes some.
 * Checked against the test's own tally of what it offered and dropped:
 * every offered record either comes out intact and in order, or was
 * refused by the ring (its full-stalls, counted by the ring itself) and
 * reported dropped; none is lost or overwritten in silence.
 */
TEST(drop_is_counted_not_silent)
{
	struct ring *r = ring_new(1024);
	struct ring_stats st;
	unsigned offered = 0, refused = 0, next_out = 0, popped = 0;
	bool kept[4000] = { false };

	for (unsigned step = 0; step < 4000; step++) {
		size_t len = 8 + (step * 13u) % 120u;

		offered++;
		if (push(r, len, step)) {
			kept[step] = true;
		} else {
			refused++;
			ring_count_drop(r, 1, len);
		}
		/* The consumer takes one record every third step: the ring
		 * fills, drains a little, fills again. */
		if (step % 3 == 0) {
			while (next_out < step && !kept[next_out])
				next_out++;
			if (next_out <= step && kept[next_out]) {
				pop_expect(r, 8 + (next_out * 13u) % 120u, next_out);
				popped++;
				next_out++;
			}
		}
	}
	for (; next_out < 4000; next_out++)
		if (kept[next_out]) {
			pop_expect(r, 8 + (next_out * 13u) % 120u, next_out);
			popped++;
		}
	CHECK_EQ(ring_peek(r, &(struct ring_rec){ 0 }, 1), 0);
	ring_get_stats(r, &st);
	CHECK(refused > 1000); /* the ring was full often: the test tested something */
	CHECK_EQ(popped + refused, offered);
	CHECK_EQ(st.full_stalls, refused); /* the ring's own count of refusals */
	CHECK_EQ(st.drops, refused);
	CHECK_EQ(st.records_in, popped);
	CHECK_EQ(st.records_out, popped);
	check_valid(r);
}

TEST(zero_length_refused)
{
	struct ring *r = ring_new(256);
	struct ring_span span;

	/* An empty record would be indistinguishable from a lost one to the
	 * collector, so a reservation of zero bytes is refused outright. */
	CHECK(!ring_reserve_spsc_try(r, 0, &span));
	CHECK(!ring_reserve_mpsc_try(r, 0, &span));
	CHECK(!ring_reserve_spsc_try(r, 12, &span)); /* not a multiple of 8 */
	check_valid(r);
	/* A zero-length payload is still a legal record (8 bytes of header). */
	CHECK(push(r, 0, 0));
	pop_expect(r, 0, 0);
}

TEST(oversize_refused)
{
	struct ring *r = ring_new(1024);
	struct ring_span span;

	CHECK(!push(r, ring_max_record(r) + 1, 0));
	CHECK(!ring_reserve_spsc_try(r, ring_max_reserve(r) + 8, &span));
	CHECK(push(r, ring_max_record(r), 3));
	pop_expect(r, ring_max_record(r), 3);
	check_valid(r);
}

TEST(maximum_size_records)
{
	/* The largest netlink audit record is 8,986 bytes of payload. */
	struct ring *r = ring_new(32768);

	for (unsigned round = 0; round < 20; round++) {
		CHECK(push(r, 8986, round));
		CHECK(push(r, 8986, round + 1000));
		check_valid(r);
		pop_expect(r, 8986, round);
		pop_expect(r, 8986, round + 1000);
	}
	CHECK(push(r, ring_max_record(r), 7));
	pop_expect(r, ring_max_record(r), 7);
	check_valid(r);
}

TEST(wrap_pads_a_record_that_would_straddle)
{
	struct ring *r = ring_new(256);
	struct ring_stats st;

	/* Move the indices to offset 200, then push a 96-byte record: it does
	 * not fit in the 56 bytes before the end, so a 56-byte pad fills them
	 * and the record starts at offset 0. */
	advance_to_200(r);
	CHECK(push(r, 88, 2));
	CHECK_EQ(atomic_load(&r->prod.tail), 256 + 96);
	struct ring_header *pad = (struct ring_header *)(r->buf + 200);
	CHECK_EQ(pad->kind, RING_KIND_PAD);
	CHECK_EQ(pad->len, 56);
	check_valid(r);
	ring_get_stats(r, &st);
	CHECK_EQ(st.occupancy, 56 + 96);
	pop_expect(r, 88, 2);
	CHECK_EQ(atomic_load(&r->cons.tail), 352);
	check_valid(r);
}

TEST(wrap_many_laps_with_odd_sizes)
{
	struct ring *r = ring_new(1024);
	unsigned produced = 0, consumed = 0;

	/* Sizes chosen so records land on every offset and wrap hundreds of
	 * times; at every step the content and the invariants hold. */
	for (unsigned step = 0; step < 20000; step++) {
		if (step % 3 != 2 && push(r, (produced * 37u) % 300u, produced)) {
			produced++;
		} else if (consumed < produced) {
			pop_expect(r, (consumed * 37u) % 300u, consumed);
			consumed++;
		}
		if (step % 97 == 0)
			check_valid(r);
	}
	while (consumed < produced) {
		pop_expect(r, (consumed * 37u) % 300u, consumed);
		consumed++;
	}
	CHECK(produced > 5000);
	CHECK(atomic_load(&r->prod.tail) > 100 * 1024);
	check_valid(r);
}

TEST(pad_only_ring_peeks_empty_and_frees)
{
	struct ring *r = ring_new(256);
	struct ring_rec rec;
	struct ring_span span;

	advance_to_200(r);
	/* A reservation that needs a wrap but is committed with no record:
	 * the consumer sees only pads, returns nothing and frees them. */
	CHECK(ring_reserve_spsc_try(r, 96, &span));
	ring_commit_spsc(r, &span);
	check_valid(r);
	CHECK_EQ(ring_peek(r, &rec, 1), 0);
	CHECK_EQ(atomic_load(&r->cons.tail), atomic_load(&r->prod.tail));
	check_valid(r);
}

TEST(batch_reserve_and_commit_publish_once)
{
	struct ring *r = ring_new(8192);
	struct ring_span span;
	struct ring_rec recs[64];
	size_t bytes = 0;

	for (unsigned i = 0; i < 64; i++)
		bytes += ring_record_size(i);
	CHECK(ring_reserve_spsc_try(r, bytes, &span));
	for (unsigned i = 0; i < 64; i++) {
		void *p = ring_span_add(r, &span, i);
		CHECK(p != NULL);
		fill(p, i, i);
		/* Nothing is visible before the commit. */
		CHECK_EQ(ring_peek(r, recs, 64), 0);
	}
	CHECK(ring_span_add(r, &span, 0) == NULL); /* the span is exactly full */
	ring_commit_spsc(r, &span);
	CHECK_EQ(ring_peek(r, recs, 64), 64);
	for (unsigned i = 0; i < 64; i++) {
		CHECK_EQ(recs[i].len, i);
		CHECK(filled(recs[i].data, i, i));
	}
	/* Peeking again without a release gives the same records. */
	CHECK_EQ(ring_peek(r, recs, 64), 64);
	CHECK_EQ(recs[0].len, 0);
	ring_release(r, recs, 64);
	check_valid(r);
}

TEST(batch_boundaries_partial_peek_and_release)
{
	struct ring *r = ring_new(4096);
	struct ring_rec recs[64];

	for (unsigned i = 0; i < 100; i++)
		CHECK(push(r, 20, i));
	/* Peek 64, release only the first 10: the next peek starts at 10. */
	CHECK_EQ(ring_peek(r, recs, 64), 64);
	ring_release(r, recs, 10);
	CHECK_EQ(ring_peek(r, recs, 64), 64);
	CHECK(filled(recs[0].data, 20, 10));
	ring_release(r, recs, 64);
	CHECK_EQ(ring_peek(r, recs, 64), 26);
	CHECK(filled(recs[0].data, 20, 74));
	CHECK(filled(recs[25].data, 20, 99));
	ring_release(r, recs, 26);
	CHECK_EQ(ring_peek(r, recs, 64), 0);
	check_valid(r);
}

TEST(span_shrink_for_receive_in_place)
{
	struct ring *r = ring_new(32768);
	struct ring_span span;
	struct ring_rec rec[2];

	/* The listener reserves the largest record, receives into it, then
	 * shrinks it to what arrived; the bytes given back become a pad. */
	CHECK(ring_reserve_spsc_try(r, ring_record_size(8986), &span));
	void *p = ring_span_add(r, &span, 8986);
	fill(p, 100, 5);
	ring_span_shrink(r, &span, 100);
	ring_commit_spsc(r, &span);
	check_valid(r);
	CHECK(push(r, 30, 6));
	CHECK_EQ(ring_peek(r, rec, 2), 2);
	CHECK_EQ(rec[0].len, 100);
	CHECK(filled(rec[0].data, 100, 5));
	CHECK_EQ(rec[1].len, 30);
	CHECK(filled(rec[1].data, 30, 6));
	ring_release(r, rec, 2);
	check_valid(r);
	struct ring_stats st;
	ring_get_stats(r, &st);
	CHECK_EQ(st.bytes_in, 130);
	CHECK_EQ(st.bytes_out, 130);
}

TEST(mpsc_reservations_commit_in_order)
{
	struct ring *r = ring_new(4096);
	struct ring_span a, b;
	struct ring_rec recs[4];

	/* Two reservations in flight: the consumer sees neither until the
	 * first commits, then only the first until the second commits. */
	CHECK(ring_reserve_mpsc_try(r, ring_record_size(10), &a));
	CHECK(ring_reserve_mpsc_try(r, ring_record_size(10), &b));
	fill(ring_span_add(r, &b, 10), 10, 2);
	fill(ring_span_add(r, &a, 10), 10, 1);
	const char *why = NULL;
	CHECK(!ring_valid(r, &why)); /* two reservations in flight */
	CHECK_STR(why, "a reservation is not committed (ring not quiescent)");
	CHECK_EQ(ring_peek(r, recs, 4), 0);
	ring_commit_mpsc(r, &a);
	CHECK_EQ(ring_peek(r, recs, 4), 1);
	CHECK(filled(recs[0].data, 10, 1));
	ring_commit_mpsc(r, &b);
	CHECK_EQ(ring_peek(r, recs, 4), 2);
	CHECK(filled(recs[1].data, 10, 2));
	ring_release(r, recs, 2);
	check_valid(r);
}

TEST(mpsc_full_and_wrap)
{
	struct ring *r = ring_new(256);
	unsigned char buf[200];
	unsigned pushed = 0, popped = 0;

	for (unsigned step = 0; step < 5000; step++) {
		size_t len = (pushed * 13u) % 100u;

		fill(buf, len, pushed);
		if (step % 4 != 3 && ring_push_mpsc_try(r, buf, len)) {
			pushed++;
		} else if (popped < pushed) {
			pop_expect(r, (popped * 13u) % 100u, popped);
			popped++;
		}
	}
	while (popped < pushed) {
		pop_expect(r, (popped * 13u) % 100u, popped);
		popped++;
	}
	check_valid(r);
}

TEST(blocking_reserve_returns_on_cancel)
{
	struct ring *r = ring_new(64);
	struct ring_span span;
	atomic_bool cancel = true;
	struct ring_stats st;

	CHECK(push(r, 24, 1));
	CHECK(push(r, 24, 2));
	CHECK(!ring_reserve_spsc_blocking(r, 32, &span, &cancel));
	CHECK(!ring_reserve_mpsc_blocking(r, 32, &span, &cancel));
	ring_get_stats(r, &st);
	CHECK_EQ(st.full_stalls, 2);
	/* When space is there, blocking reserve does not wait or count. */
	pop_expect(r, 24, 1);
	CHECK(ring_reserve_spsc_blocking(r, 32, &span, &cancel));
	ring_commit_spsc(r, &span);
	ring_get_stats(r, &st);
	CHECK_EQ(st.full_stalls, 2);
}

/* Crafted states: each corrupts one thing and ring_valid() must name it. */
static void expect_invalid(struct ring *r, const char *expected)
{
	const char *why = NULL;

	if (ring_valid(r, &why))
		FAIL("ring_valid accepted a state that breaks: %s", expected);
	CHECK_STR(why, expected);
}

TEST(valid_rejects_crafted_states)
{
	struct ring *r = ring_new(256);

	CHECK(push(r, 16, 1));
	CHECK(push(r, 16, 2));
	check_valid(r);

	struct ring_header *h = (struct ring_header *)r->buf;
	uint32_t saved = h->kind;
	h->kind = 0xdeadbeef;
	expect_invalid(r, "header kind is neither record nor pad");
	h->kind = saved;

	h->len = 2000;
	expect_invalid(r, "record longer than the maximum record");
	h->len = 100; /* fits the maximum, runs past the tail */
	expect_invalid(r, "record runs past the producer tail");
	h->len = 16;
	check_valid(r);

	atomic_store(&r->cons.tail, 56);
	expect_invalid(r, "consumer tail is ahead of producer tail");
	atomic_store(&r->cons.tail, 0);

	atomic_store(&r->prod.tail, 4);
	atomic_store(&r->prod.head, 4);
	expect_invalid(r, "an index is not 8-byte aligned");
	atomic_store(&r->prod.tail, 48);
	atomic_store(&r->prod.head, 48 + 512);
	expect_invalid(r, "more bytes in use than the capacity");
	atomic_store(&r->prod.head, 40);
	expect_invalid(r, "producer tail is ahead of producer head");
	atomic_store(&r->prod.head, 48);
	check_valid(r);

	atomic_store(&r->prod.records, 3);
	expect_invalid(r, "records in minus records out differs from records in the ring");
	atomic_store(&r->prod.records, 2);
	atomic_store(&r->prod.bytes, 31);
	expect_invalid(r, "bytes in minus bytes out differs from payload bytes in the ring");
	atomic_store(&r->prod.bytes, 32);
	atomic_store(&r->prod.high_water, 8);
	expect_invalid(r, "occupancy above the high-water mark");
	atomic_store(&r->prod.high_water, 48);
	check_valid(r);
}

TEST(valid_rejects_crafted_wrapped_states)
{
	struct ring *r = ring_new(256);

	/* Put a pad at the end of the buffer and a record at its start. */
	advance_to_200(r);
	CHECK(push(r, 88, 2));
	check_valid(r);

	struct ring_header *pad = (struct ring_header *)(r->buf + 200);
	pad->len = 64; /* would run 8 bytes past the end of the buffer */
	expect_invalid(r, "pad crosses the end of the buffer");
	pad->len = 12;
	expect_invalid(r, "pad length is not a positive multiple of 8");
	pad->len = 0;
	expect_invalid(r, "pad length is not a positive multiple of 8");
	pad->len = 56;
	check_valid(r);

	/* A record header where the pad was: it would cross the end. */
	pad->kind = RING_KIND_RECORD;
	pad->len = 60;
	expect_invalid(r, "record crosses the end of the buffer");
	pad->kind = RING_KIND_PAD;
	pad->len = 56;
	check_valid(r);
	pop_expect(r, 88, 2);
	check_valid(r);
}

TEST(valid_at_large_free_running_indices)
{
	struct ring *r = ring_new(256);

	/* Indices are 64-bit and free running; start them near 2^64 so the
	 * unsigned differences wrap during the test. */
	uint64_t start = UINT64_MAX - 255;
	atomic_store(&r->prod.head, start);
	atomic_store(&r->prod.tail, start);
	atomic_store(&r->cons.tail, start);
	r->prod.cons_cache = start;
	r->cons.prod_cache = start;
	for (unsigned i = 0; i < 50; i++) {
		CHECK(push(r, 40 + i % 50, i));
		CHECK(push(r, 10, i + 500));
		check_valid(r);
		pop_expect(r, 40 + i % 50, i);
		pop_expect(r, 10, i + 500);
	}
	CHECK(atomic_load(&r->prod.tail) < start); /* wrapped through zero */
	check_valid(r);
}

/* The buffer is mapped in at creation (ring.c, buffer_map): the listener's
 * first pass through it must not take a page fault per page. mincore()
 * says which pages are resident; plain heap memory of this size is not,
 * until touched. */
TEST(buffer_is_resident_at_creation)
{
	size_t cap = 8u << 20, page = (size_t)sysconf(_SC_PAGESIZE), pages = cap / page, in = 0;
	struct ring *r = ring_new(cap);
	unsigned char *vec = malloc(pages);

	if (!vec)
		FAIL("no memory");
	harness_defer(free, vec);
	CHECK(((uintptr_t)r->buf & (page - 1)) == 0);
	CHECK(mincore(r->buf, cap, vec) == 0);
	for (size_t i = 0; i < pages; i++)
		in += vec[i] & 1;
	CHECK_EQ(in, pages);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(create_refuses_bad_capacity), CASE(buffer_is_resident_at_creation), CASE(empty_ring),
				  CASE(record_size_rounds_to_8), CASE(push_peek_release_in_order),
				  CASE(full_refuses_and_counts), CASE(drop_is_counted_not_silent),
				  CASE(zero_length_refused), CASE(oversize_refused),
				  CASE(maximum_size_records),
				  CASE(wrap_pads_a_record_that_would_straddle),
				  CASE(wrap_many_laps_with_odd_sizes),
				  CASE(pad_only_ring_peeks_empty_and_frees),
				  CASE(batch_reserve_and_commit_publish_once),
				  CASE(batch_boundaries_partial_peek_and_release),
				  CASE(span_shrink_for_receive_in_place),
				  CASE(mpsc_reservations_commit_in_order), CASE(mpsc_full_and_wrap),
				  CASE(blocking_reserve_returns_on_cancel),
				  CASE(valid_rejects_crafted_states),
				  CASE(valid_rejects_crafted_wrapped_states),
				  CASE(valid_at_large_free_running_indices)));
}
