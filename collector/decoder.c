/* SPDX-License-Identifier: MIT */
/*
 * decoder: takes records from its ring and writes them to the log.
 *
 * For now each record becomes one auditd RAW line (EOE records are not
 * written, as auditd does not); reassembly and decoding come with decode/.
 * Lines collect in a buffer written with one write() of whole lines to an
 * O_APPEND file, so decoders sharing the file never split each other's
 * lines. The buffer goes out when it is nearly full or the ring is empty.
 */
#include "pipeline.h"
#include "raw.h"

#include <errno.h>
#include <linux/audit.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DECODER_PEEK 256
#define SINK_BUFFER (512u << 10)

#define relaxed memory_order_relaxed

struct sink_buffer {
	char *data;
	size_t len;
	uint64_t lines; /* lines in data, lost if the write fails */
};

static void flush(struct pipeline *p, struct decoder_stats *st, struct sink_buffer *b)
{
	size_t off = 0;

	while (off < b->len) {
		ssize_t n = write(p->sink_fd, b->data + off, b->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* Disk full or I/O error: these lines are lost, and said so. */
			stat_add(&st->write_errors, 1);
			stat_add(&st->lost_records, b->lines);
			break;
		}
		off += (size_t)n;
	}
	if (off == b->len)
		stat_add(&st->lines, b->lines);
	b->len = 0;
	b->lines = 0;
}

/* Sleeps a little longer each time the ring is found empty, up to 1 ms:
 * an idle decoder costs next to nothing, a busy one never sleeps. */
static void idle(unsigned *rounds)
{
	unsigned n = (*rounds)++;

	if (n < 32) {
		sched_yield();
	} else {
		struct timespec ts = { 0, n < 64 ? 50000 : 1000000 };

		nanosleep(&ts, NULL);
	}
}

void *decoder_main(void *arg)
{
	struct pipeline_worker *wk = arg;
	struct pipeline *p = wk->p;
	struct ring *r = p->ring[wk->id];
	struct decoder_stats *st = &p->dstats[wk->id];
	struct ring_rec recs[DECODER_PEEK];
	struct sink_buffer b = { .data = malloc(SINK_BUFFER) };
	unsigned rounds = 0;

	if (!b.data)
		return NULL;
	for (;;) {
		size_t n = ring_peek(r, recs, DECODER_PEEK);

		if (n == 0) {
			if (b.len)
				flush(p, st, &b);
			/* acquire: the listeners have finished before stop_decoders. */
			if (atomic_load_explicit(&p->stop_decoders, memory_order_acquire) &&
			    ring_peek(r, recs, 1) == 0)
				break;
			idle(&rounds);
			continue;
		}
		rounds = 0;
		for (size_t i = 0; i < n; i++) {
			struct wire_record w;
			const char *text = (const char *)recs[i].data + sizeof(w);
			size_t len = recs[i].len - sizeof(w);

			memcpy(&w, recs[i].data, sizeof(w));
			if (w.type == AUDIT_EOE) {
				stat_add(&st->eoe, 1);
				continue;
			}
			if (SINK_BUFFER - b.len < DECODE_RAW_MAX(len))
				flush(p, st, &b);
			b.len += decode_format_raw(w.type, text, len, b.data + b.len);
			b.lines++;
		}
		stat_add(&st->records, n);
		ring_release(r, recs, n);
	}
	free(b.data);
	return NULL;
}

void pipeline_sum_decoders(const struct pipeline *p, struct decoder_stats *ret)
{
	memset(ret, 0, sizeof(*ret));
	for (unsigned i = 0; i < p->decoders; i++) {
#define X(name, help) \
	ret->name += atomic_load_explicit(&p->dstats[i].name, relaxed);
		DECODER_COUNTERS(X)
#undef X
	}
}
