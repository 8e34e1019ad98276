/* SPDX-License-Identifier: MIT */
/*
 * needle-bench ring: records/s and MB/s through ringbuf/ against two
 * baselines, in one run, on the same records:
 *
 *   ring   ringbuf/ spsc: reserve in place, memcpy, commit; peek, read, release.
 *   mutex  a bounded queue of malloc'd records under one pthread mutex with
 *          not-full/not-empty condition variables (the classic design, and
 *          what auditd's own event queue does).
 *   wfcq   liburcu's wait-free concurrent queue of malloc'd nodes, bounded
 *          by an in-flight count so the producer cannot outrun memory.
 *
 * The producer runs on CPU 0, the consumer on CPU 1. The producer copies each
 * record in; the consumer reads every byte of it (a checksum), as a decoder
 * would. "Batch" is records per publication: for the ring one reservation
 * and one commit, one peek and one release; for mutex one lock hold on each
 * side; for wfcq one splice on each side.
 *
 * Configurations run interleaved over several rounds; each figure is the
 * median of its rounds, and the ratios compare medians of the same run.
 */
#include "bench.h"
#include "ring.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <urcu/wfcqueue.h>

#define QUEUE_BYTES (4u << 20)  /* capacity of each queue */
#define MAX_BATCH 64

enum queue_kind { QUEUE_RING, QUEUE_MUTEX, QUEUE_WFCQ, QUEUE_KINDS };
static const char *const queue_name[QUEUE_KINDS] = { "ring", "mutex", "wfcq" };

struct node {
	struct cds_wfcq_node wfcq; /* used by wfcq only */
	uint32_t len;
	unsigned char data[];
};

/* The classic bounded queue: slots of pointers, a mutex, two condvars. */
struct mutex_queue {
	pthread_mutex_t lock;
	pthread_cond_t not_full, not_empty;
	struct node **slot;
	size_t slots, head, count;
	bool closed;
};

struct run {
	enum queue_kind kind;
	size_t size, batch;
	atomic_bool stop;        /* producer: finish the batch and close */
	atomic_bool closed;      /* consumer: nothing more will come */
	uint64_t produced, consumed, checksum;
	struct ring *ring;
	struct mutex_queue mq;
	struct cds_wfcq_head wf_head;
	struct cds_wfcq_tail wf_tail;
	_Atomic uint64_t wf_inflight;
	uint64_t wf_limit;
	unsigned char *source;   /* what the producer copies from */
};

static void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	if (sysconf(_SC_NPROCESSORS_ONLN) <= cpu)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static inline uint64_t read_record(const unsigned char *p, size_t len)
{
	uint64_t sum = 0, w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		sum ^= w;
	}
	for (; i < len; i++)
		sum += p[i];
	return sum;
}

static struct node *node_new(const struct run *rn)
{
	struct node *n = malloc(sizeof(*n) + rn->size);

	if (!n) {
		fprintf(stderr, "needle-bench: out of memory\n");
		exit(1);
	}
	n->len = (uint32_t)rn->size;
	memcpy(n->data, rn->source, rn->size);
	return n;
}

/* ---- producers ------------------------------------------------------- */

static void produce_ring(struct run *rn)
{
	size_t bytes = ring_record_size(rn->size) * rn->batch;
	struct ring_span span;

	/* relaxed: stop is a request; no data is read under it. */
	while (!atomic_load_explicit(&rn->stop, memory_order_relaxed)) {
		if (!ring_reserve_spsc_blocking(rn->ring, bytes, &span, &rn->stop))
			break;
		for (size_t i = 0; i < rn->batch; i++)
			memcpy(ring_span_add(rn->ring, &span, rn->size), rn->source, rn->size);
		ring_commit_spsc(rn->ring, &span);
		rn->produced += rn->batch;
	}
}

static void produce_mutex(struct run *rn)
{
	struct mutex_queue *q = &rn->mq;
	struct node *batch[MAX_BATCH];

	while (!atomic_load_explicit(&rn->stop, memory_order_relaxed)) {
		for (size_t i = 0; i < rn->batch; i++)
			batch[i] = node_new(rn);
		pthread_mutex_lock(&q->lock);
		for (size_t i = 0; i < rn->batch; i++) {
			while (q->count == q->slots)
				pthread_cond_wait(&q->not_full, &q->lock);
			q->slot[(q->head + q->count) % q->slots] = batch[i];
			q->count++;
		}
		pthread_cond_signal(&q->not_empty);
		pthread_mutex_unlock(&q->lock);
		rn->produced += rn->batch;
	}
	pthread_mutex_lock(&q->lock);
	q->closed = true;
	pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->lock);
}

static void produce_wfcq(struct run *rn)
{
	struct cds_wfcq_head lhead;
	struct cds_wfcq_tail ltail;

	cds_wfcq_init(&lhead, &ltail);
	while (!atomic_load_explicit(&rn->stop, memory_order_relaxed)) {
		/* Bound the queue: wait while the consumer is a full queue behind. */
		while (atomic_load_explicit(&rn->wf_inflight, memory_order_acquire) >= rn->wf_limit &&
		       !atomic_load_explicit(&rn->stop, memory_order_relaxed))
			sched_yield();
		atomic_fetch_add_explicit(&rn->wf_inflight, rn->batch, memory_order_relaxed);
		if (rn->batch == 1) {
			struct node *n = node_new(rn);

			cds_wfcq_node_init(&n->wfcq);
			cds_wfcq_enqueue(&rn->wf_head, &rn->wf_tail, &n->wfcq);
		} else {
			for (size_t i = 0; i < rn->batch; i++) {
				struct node *n = node_new(rn);

				cds_wfcq_node_init(&n->wfcq);
				cds_wfcq_enqueue(&lhead, &ltail, &n->wfcq);
			}
			cds_wfcq_splice_blocking(&rn->wf_head, &rn->wf_tail, &lhead, &ltail);
		}
		rn->produced += rn->batch;
	}
	cds_wfcq_destroy(&lhead, &ltail);
}

/* ---- consumers ------------------------------------------------------- */

static void consume_ring(struct run *rn)
{
	struct ring_rec recs[MAX_BATCH];
	unsigned idle = 0;

	for (;;) {
		size_t n = ring_peek(rn->ring, recs, rn->batch);

		if (n == 0) {
			if (atomic_load_explicit(&rn->closed, memory_order_acquire) &&
			    ring_peek(rn->ring, recs, 1) == 0)
				return;
			if (++idle > 100)
				sched_yield();
			continue;
		}
		idle = 0;
		for (size_t i = 0; i < n; i++)
			rn->checksum += read_record(recs[i].data, recs[i].len);
		ring_release(rn->ring, recs, n);
		rn->consumed += n;
	}
}

static void consume_mutex(struct run *rn)
{
	struct mutex_queue *q = &rn->mq;
	struct node *batch[MAX_BATCH];

	for (;;) {
		size_t n = 0;

		pthread_mutex_lock(&q->lock);
		while (q->count == 0 && !q->closed)
			pthread_cond_wait(&q->not_empty, &q->lock);
		if (q->count == 0 && q->closed) {
			pthread_mutex_unlock(&q->lock);
			return;
		}
		while (n < rn->batch && q->count > 0) {
			batch[n++] = q->slot[q->head];
			q->head = (q->head + 1) % q->slots;
			q->count--;
		}
		pthread_cond_signal(&q->not_full);
		pthread_mutex_unlock(&q->lock);
		for (size_t i = 0; i < n; i++) {
			rn->checksum += read_record(batch[i]->data, batch[i]->len);
			free(batch[i]);
		}
		rn->consumed += n;
	}
}

static void consume_one_wfcq(struct run *rn, struct cds_wfcq_node *qn)
{
	struct node *n = caa_container_of(qn, struct node, wfcq);

	rn->checksum += read_record(n->data, n->len);
	free(n);
	rn->consumed++;
}

static void consume_wfcq(struct run *rn)
{
	struct cds_wfcq_head lhead;
	struct cds_wfcq_tail ltail;
	struct cds_wfcq_node *qn, *next;

	cds_wfcq_init(&lhead, &ltail);
	for (;;) {
		uint64_t got = 0;

		if (rn->batch == 1) {
			qn = cds_wfcq_dequeue_blocking(&rn->wf_head, &rn->wf_tail);
			if (qn) {
				consume_one_wfcq(rn, qn);
				got = 1;
			}
		} else {
			/* Take everything queued in one splice (the batch form). */
			cds_wfcq_splice_blocking(&lhead, &ltail, &rn->wf_head, &rn->wf_tail);
			__cds_wfcq_for_each_blocking_safe(&lhead, &ltail, qn, next) {
				consume_one_wfcq(rn, qn);
				got++;
			}
			cds_wfcq_init(&lhead, &ltail);
		}
		if (got) {
			atomic_fetch_sub_explicit(&rn->wf_inflight, got, memory_order_release);
			continue;
		}
		if (atomic_load_explicit(&rn->closed, memory_order_acquire) &&
		    cds_wfcq_empty(&rn->wf_head, &rn->wf_tail))
			break;
		sched_yield();
	}
	cds_wfcq_destroy(&lhead, &ltail);
}

static void *producer_main(void *arg)
{
	struct run *rn = arg;

	pin_to_cpu(0);
	switch (rn->kind) {
	case QUEUE_RING: produce_ring(rn); break;
	case QUEUE_MUTEX: produce_mutex(rn); break;
	default: produce_wfcq(rn); break;
	}
	/* release: everything produced is visible to a consumer that sees closed. */
	atomic_store_explicit(&rn->closed, true, memory_order_release);
	return NULL;
}

static void *consumer_main(void *arg)
{
	struct run *rn = arg;

	pin_to_cpu(1);
	switch (rn->kind) {
	case QUEUE_RING: consume_ring(rn); break;
	case QUEUE_MUTEX: consume_mutex(rn); break;
	default: consume_wfcq(rn); break;
	}
	return NULL;
}

/* Runs one configuration for about seconds; returns records/s. */
static double run_once(enum queue_kind kind, size_t size, size_t batch, double seconds)
{
	struct run *rn = calloc(1, sizeof(*rn));
	pthread_t prod, cons;
	double start, elapsed, rate;

	if (!rn)
		exit(1);
	rn->kind = kind;
	rn->size = size;
	rn->batch = batch;
	rn->source = malloc(size);
	if (!rn->source)
		exit(1);
	for (size_t i = 0; i < size; i++)
		rn->source[i] = (unsigned char)(i * 13 + 1);
	switch (kind) {
	case QUEUE_RING:
		rn->ring = ring_create(QUEUE_BYTES);
		if (!rn->ring)
			exit(1);
		break;
	case QUEUE_MUTEX:
		pthread_mutex_init(&rn->mq.lock, NULL);
		pthread_cond_init(&rn->mq.not_full, NULL);
		pthread_cond_init(&rn->mq.not_empty, NULL);
		rn->mq.slots = QUEUE_BYTES / ring_record_size(size);
		if (rn->mq.slots < MAX_BATCH)
			rn->mq.slots = MAX_BATCH;
		rn->mq.slot = calloc(rn->mq.slots, sizeof(*rn->mq.slot));
		if (!rn->mq.slot)
			exit(1);
		break;
	default:
		cds_wfcq_init(&rn->wf_head, &rn->wf_tail);
		rn->wf_limit = QUEUE_BYTES / ring_record_size(size);
		break;
	}
	start = bench_now();
	pthread_create(&cons, NULL, consumer_main, rn);
	pthread_create(&prod, NULL, producer_main, rn);
	bench_sleep(seconds);
	atomic_store(&rn->stop, true);
	pthread_join(prod, NULL);
	pthread_join(cons, NULL);
	elapsed = bench_now() - start;
	if (rn->consumed != rn->produced) {
		fprintf(stderr, "needle-bench: %s lost records: produced %llu consumed %llu\n",
			queue_name[kind], (unsigned long long)rn->produced,
			(unsigned long long)rn->consumed);
		exit(1);
	}
	rate = (double)rn->consumed / elapsed;
	ring_destroy(rn->ring);
	if (kind == QUEUE_MUTEX) {
		free(rn->mq.slot);
		pthread_mutex_destroy(&rn->mq.lock);
		pthread_cond_destroy(&rn->mq.not_full);
		pthread_cond_destroy(&rn->mq.not_empty);
	} else if (kind == QUEUE_WFCQ) {
		cds_wfcq_destroy(&rn->wf_head, &rn->wf_tail);
	}
	free(rn->source);
	free(rn);
	return rate;
}

static const size_t sizes[] = { 64, 256, 1024, 8192 };
static const size_t batches[] = { 1, 64 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))
#define NBATCHES (sizeof(batches) / sizeof(batches[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: needle-bench ring [--seconds S] [--rounds N] [--csv]\n"
		   "  Records/s through ringbuf/ against a mutex+condvar queue and liburcu's\n"
		   "  wfcqueue, for 64 B to 8 KiB records in batches of 1 and 64.\n"
		   "  --seconds S  length of each measurement (default 0.4)\n"
		   "  --rounds N   interleaved rounds; figures are medians (default 3)\n"
		   "  --csv        comma-separated output instead of a table\n");
}

int bench_ring_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "csv", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double seconds = 0.4, rate[NSIZES][NBATCHES][QUEUE_KINDS][BENCH_MAX_ROUNDS];
	double med[NSIZES][NBATCHES][QUEUE_KINDS];
	unsigned rounds = 3;
	bool csv = false, progress;
	int c;

	while ((c = getopt_long(argc, argv, "s:r:ch", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (bench_parse_double("--seconds", optarg, 0.01, 60, &seconds) < 0)
				return 2;
			break;
		case 'r': {
			double v;

			if (bench_parse_double("--rounds", optarg, 1, BENCH_MAX_ROUNDS, &v) < 0)
				return 2;
			rounds = (unsigned)v;
			break;
		}
		case 'c': csv = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "needle-bench ring: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}

	progress = isatty(STDERR_FILENO);
	fprintf(stderr, "needle-bench ring: %zu configurations x %u rounds x %.2f s, on %ld CPUs\n",
		NSIZES * NBATCHES * QUEUE_KINDS, rounds, seconds, sysconf(_SC_NPROCESSORS_ONLN));
	for (unsigned r = 0; r < rounds; r++)
		for (size_t s = 0; s < NSIZES; s++)
			for (size_t b = 0; b < NBATCHES; b++)
				for (int k = 0; k < QUEUE_KINDS; k++) {
					rate[s][b][k][r] = run_once(k, sizes[s], batches[b], seconds);
					if (progress)
						fprintf(stderr, "\r  round %u/%u  %5zu B  batch %2zu  %-5s %12.0f rec/s ",
						r + 1, rounds, sizes[s], batches[b], queue_name[k],
						rate[s][b][k][r]);
				}
	if (progress)
		fprintf(stderr, "\n");
	for (size_t s = 0; s < NSIZES; s++)
		for (size_t b = 0; b < NBATCHES; b++)
			for (int k = 0; k < QUEUE_KINDS; k++)
				med[s][b][k] = bench_median(rate[s][b][k], rounds);

	if (csv)
		printf("size,batch,ring_rps,ring_MBps,mutex_rps,wfcq_rps,ring_over_mutex,ring_over_wfcq\n");
	else
		printf("| record | batch | ring rec/s | ring MB/s | mutex rec/s | wfcq rec/s | ring/mutex | ring/wfcq |\n"
		       "|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (size_t s = 0; s < NSIZES; s++)
		for (size_t b = 0; b < NBATCHES; b++) {
			const double *m = med[s][b];
			double mbps = m[QUEUE_RING] * (double)sizes[s] / 1e6;

			printf(csv ? "%zu,%zu,%.0f,%.0f,%.0f,%.0f,%.2f,%.2f\n"
				   : "| %zu B | %zu | %.2fM | %.0f | %.2fM | %.2fM | %.1fx | %.1fx |\n",
			       sizes[s], batches[b], csv ? m[QUEUE_RING] : m[QUEUE_RING] / 1e6, mbps,
			       csv ? m[QUEUE_MUTEX] : m[QUEUE_MUTEX] / 1e6,
			       csv ? m[QUEUE_WFCQ] : m[QUEUE_WFCQ] / 1e6, m[QUEUE_RING] / m[QUEUE_MUTEX],
			       m[QUEUE_RING] / m[QUEUE_WFCQ]);
		}
	/* The target of the ring's issue: 256 B records in batches of 64. */
	{
		const double *m = med[1][1];
		bool rate_ok = m[QUEUE_RING] >= 10e6, ratio_ok = m[QUEUE_RING] >= 5 * m[QUEUE_MUTEX];

		printf("%starget 256 B batch 64: %.2fM rec/s (>= 10M: %s), %.1fx mutex (>= 5x: %s)\n",
		       csv ? "# " : "\n", m[QUEUE_RING] / 1e6, rate_ok ? "met" : "MISSED",
		       m[QUEUE_RING] / m[QUEUE_MUTEX], ratio_ok ? "met" : "MISSED");
	}
	return 0;
}
