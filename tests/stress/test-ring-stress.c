/* SPDX-License-Identifier: MIT */
/*
 * Stress test of ringbuf/: producers and consumers on their own threads push
 * tens of millions of records of random length (8 bytes to the largest audit
 * record) in random batch sizes. Each record carries its producer, a
 * per-producer sequence number and a checksum of its payload. Consumers check
 * the checksum, that each producer's sequence only rises within a ring, and
 * mark the sequence in a per-producer bitmap: a bit seen twice is a
 * duplicate, a bit never seen is a loss.
 *
 * NEEDLE_STRESS_RECORDS overrides the record count (the sanitizer builds use
 * fewer records: they run 5 to 20 times slower).
 */
#include "harness.h"
#include "ring.h"

#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_THREADS 8
#define MAX_BATCH 64
#define LARGEST_AUDIT_RECORD 8986

struct stress_record {
	uint32_t producer;
	uint32_t len; /* payload bytes after this header */
	uint64_t seq;
	uint64_t checksum;
};

struct stress {
	bool mpsc;
	unsigned producers;
	unsigned rings;
	uint64_t per_producer;
	struct ring *ring[MAX_THREADS];
	_Atomic uint64_t *seen[MAX_THREADS]; /* bitmap per producer */
	atomic_uint producers_done;
	_Atomic uint64_t errors;
	char first_error[256];
	atomic_flag error_taken;
};

struct worker {
	struct stress *s;
	unsigned id;
	uint64_t received;
};

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Mostly short records like real audit text, now and then a huge one. */
static uint32_t payload_len(uint32_t producer, uint64_t seq)
{
	uint64_t h = splitmix(seq * 8 + producer);

	if (h % 97 == 0)
		return (uint32_t)(h >> 8) % (LARGEST_AUDIT_RECORD - sizeof(struct stress_record));
	return (uint32_t)(h >> 8) % 400;
}

static uint64_t payload_fill(unsigned char *p, uint32_t len, uint64_t seed)
{
	uint64_t sum = seed;

	for (uint32_t i = 0; i < len; i += 8) {
		uint64_t w = splitmix(seed + i);
		uint32_t n = len - i < 8 ? len - i : 8;

		memcpy(p + i, &w, n);
		if (n < 8) /* the checksum covers only the bytes written */
			w &= (1ull << (n * 8)) - 1;
		sum = sum * 31 + w;
	}
	return sum;
}

static uint64_t payload_sum(const unsigned char *p, uint32_t len, uint64_t seed)
{
	uint64_t sum = seed;

	for (uint32_t i = 0; i < len; i += 8) {
		uint64_t w = 0;
		uint32_t n = len - i < 8 ? len - i : 8;

		memcpy(&w, p + i, n);
		sum = sum * 31 + w;
	}
	return sum;
}

static void stress_error(struct stress *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void stress_error(struct stress *s, const char *fmt, ...)
{
	va_list ap;

	atomic_fetch_add(&s->errors, 1);
	if (atomic_flag_test_and_set(&s->error_taken))
		return;
	va_start(ap, fmt);
	vsnprintf(s->first_error, sizeof(s->first_error), fmt, ap);
	va_end(ap);
}

static void *producer_main(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;
	uint64_t seq = 0, rnd = splitmix(w->id + 1000);

	while (seq < s->per_producer) {
		unsigned batch = 1 + (unsigned)((rnd = splitmix(rnd)) % MAX_BATCH);
		unsigned target = s->mpsc ? (unsigned)(rnd >> 32) % s->rings : w->id;
		struct ring *r = s->ring[target];
		size_t bytes = 0;
		unsigned n = 0;
		struct ring_span span;

		while (n < batch && seq + n < s->per_producer) {
			size_t sz = ring_record_size(sizeof(struct stress_record) +
						     payload_len(w->id, seq + n));
			if (bytes + sz > ring_max_reserve(r))
				break;
			bytes += sz;
			n++;
		}
		if (!(s->mpsc ? ring_reserve_mpsc_blocking : ring_reserve_spsc_blocking)(
			    r, bytes, &span, NULL)) {
			stress_error(s, "blocking reserve of %zu bytes failed", bytes);
			break;
		}
		for (unsigned i = 0; i < n; i++, seq++) {
			uint32_t len = payload_len(w->id, seq);
			unsigned char *p = ring_span_add(r, &span, sizeof(struct stress_record) + len);
			struct stress_record h = { .producer = w->id, .len = len, .seq = seq };

			if (!p) {
				stress_error(s, "span_add failed inside an exact reservation");
				return NULL;
			}
			h.checksum = payload_fill(p + sizeof(h), len, splitmix(seq * 8 + w->id));
			memcpy(p, &h, sizeof(h));
		}
		(s->mpsc ? ring_commit_mpsc : ring_commit_spsc)(r, &span);
	}
	atomic_fetch_add(&s->producers_done, 1);
	return NULL;
}

static void check_record(struct stress *s, const struct ring_rec *rec, uint64_t *last_seq)
{
	struct stress_record h;

	if (rec->len < sizeof(h)) {
		stress_error(s, "record of %u bytes is shorter than its header", rec->len);
		return;
	}
	memcpy(&h, rec->data, sizeof(h));
	if (h.producer >= s->producers || h.len != rec->len - sizeof(h)) {
		stress_error(s, "corrupt header: producer %u len %u record %u", h.producer, h.len,
			     rec->len);
		return;
	}
	if (h.seq >= s->per_producer) {
		stress_error(s, "sequence %llu out of range", (unsigned long long)h.seq);
		return;
	}
	if (payload_sum((const unsigned char *)rec->data + sizeof(h), h.len,
			splitmix(h.seq * 8 + h.producer)) != h.checksum)
		stress_error(s, "checksum mismatch: producer %u seq %llu", h.producer,
			     (unsigned long long)h.seq);
	if (last_seq[h.producer] != UINT64_MAX && h.seq <= last_seq[h.producer])
		stress_error(s, "producer %u: seq %llu after %llu (out of order)", h.producer,
			     (unsigned long long)h.seq, (unsigned long long)last_seq[h.producer]);
	last_seq[h.producer] = h.seq;
	uint64_t bit = 1ull << (h.seq % 64);
	if (atomic_fetch_or(&s->seen[h.producer][h.seq / 64], bit) & bit)
		stress_error(s, "producer %u seq %llu delivered twice", h.producer,
			     (unsigned long long)h.seq);
}

static void *consumer_main(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;
	struct ring *r = s->ring[w->id];
	struct ring_rec recs[MAX_BATCH];
	uint64_t last_seq[MAX_THREADS], rnd = splitmix(w->id + 77);

	for (unsigned i = 0; i < MAX_THREADS; i++)
		last_seq[i] = UINT64_MAX;
	for (;;) {
		size_t want = 1 + (size_t)((rnd = splitmix(rnd)) % MAX_BATCH);
		size_t n = ring_peek(r, recs, want);

		if (n == 0) {
			/* Empty after all producers finished: nothing more can come. */
			if (atomic_load(&s->producers_done) == s->producers && ring_peek(r, recs, 1) == 0)
				break;
			sched_yield();
			continue;
		}
		/* Sometimes release only part of what was peeked. */
		if (n > 1 && (rnd >> 40) % 4 == 0)
			n = 1 + (size_t)(rnd >> 20) % n;
		for (size_t i = 0; i < n; i++)
			check_record(s, &recs[i], last_seq);
		ring_release(r, recs, n);
		w->received += n;
	}
	return NULL;
}

static uint64_t records_from_env(uint64_t fallback)
{
	const char *v = getenv("NEEDLE_STRESS_RECORDS");

	return v && *v ? strtoull(v, NULL, 10) : fallback;
}

static void run(bool mpsc, unsigned producers, unsigned rings, size_t capacity)
{
	struct stress *s = calloc(1, sizeof(*s));
	struct worker prod[MAX_THREADS], cons[MAX_THREADS];
	pthread_t prod_t[MAX_THREADS], cons_t[MAX_THREADS];
	uint64_t total = records_from_env(30000000);
	uint64_t words, delivered = 0;

	CHECK(s != NULL);
	s->mpsc = mpsc;
	s->producers = producers;
	s->rings = rings;
	s->per_producer = total / producers;
	words = (s->per_producer + 63) / 64;
	for (unsigned i = 0; i < rings; i++) {
		s->ring[i] = ring_create(capacity);
		CHECK(s->ring[i] != NULL);
	}
	for (unsigned i = 0; i < producers; i++) {
		s->seen[i] = calloc(words, sizeof(uint64_t));
		CHECK(s->seen[i] != NULL);
	}
	NOTE("%s: %u producer(s), %u ring(s) of %zu bytes, %llu records", mpsc ? "mpsc" : "spsc",
	     producers, rings, capacity, (unsigned long long)(s->per_producer * producers));
	for (unsigned i = 0; i < rings; i++) {
		cons[i] = (struct worker){ .s = s, .id = i };
		CHECK(pthread_create(&cons_t[i], NULL, consumer_main, &cons[i]) == 0);
	}
	for (unsigned i = 0; i < producers; i++) {
		prod[i] = (struct worker){ .s = s, .id = i };
		CHECK(pthread_create(&prod_t[i], NULL, producer_main, &prod[i]) == 0);
	}
	for (unsigned i = 0; i < producers; i++)
		pthread_join(prod_t[i], NULL);
	for (unsigned i = 0; i < rings; i++) {
		pthread_join(cons_t[i], NULL);
		delivered += cons[i].received;
	}
	if (atomic_load(&s->errors))
		FAIL("%llu errors, first: %s", (unsigned long long)atomic_load(&s->errors),
		     s->first_error);
	/* Exactly once: every bit of every producer is set. */
	for (unsigned p = 0; p < producers; p++)
		for (uint64_t seq = 0; seq < s->per_producer; seq++)
			if (!(atomic_load(&s->seen[p][seq / 64]) & (1ull << (seq % 64))))
				FAIL("producer %u seq %llu never arrived", p, (unsigned long long)seq);
	CHECK_EQ(delivered, s->per_producer * producers);
	uint64_t in = 0, out = 0, stalls = 0;
	for (unsigned i = 0; i < rings; i++) {
		struct ring_stats st;
		const char *why = NULL;

		if (!ring_valid(s->ring[i], &why))
			FAIL("ring %u invalid after the run: %s", i, why);
		ring_get_stats(s->ring[i], &st);
		CHECK_EQ(st.drops, 0);
		CHECK_EQ(st.occupancy, 0);
		in += st.records_in;
		out += st.records_out;
		stalls += st.full_stalls;
		if (st.high_water > st.capacity)
			FAIL("ring %u high-water %llu above capacity %llu", i,
			     (unsigned long long)st.high_water, (unsigned long long)st.capacity);
		ring_destroy(s->ring[i]);
	}
	CHECK_EQ(in, delivered);
	CHECK_EQ(out, delivered);
	NOTE("delivered %llu records exactly once, %llu full-stalls",
	     (unsigned long long)delivered, (unsigned long long)stalls);
	for (unsigned i = 0; i < producers; i++)
		free(s->seen[i]);
	free(s);
}

/* Small rings so producers hit full often and indices wrap many times. */
TEST(spsc_one_pair)
{
	run(false, 1, 1, 64 * 1024);
}

TEST(spsc_two_pairs)
{
	run(false, 2, 2, 32 * 1024);
}

TEST(mpsc_three_producers_two_rings)
{
	run(true, 3, 2, 64 * 1024);
}

TEST(mpsc_four_producers_one_ring)
{
	run(true, 4, 1, 32 * 1024);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(spsc_one_pair), CASE(spsc_two_pairs),
				  CASE(mpsc_three_producers_two_rings),
				  CASE(mpsc_four_producers_one_ring)));
}
