/* SPDX-License-Identifier: MIT */
#include "stall.h"

#include <inttypes.h>
#include <stdio.h>

void stall_start(struct stall *s, uint64_t bound_ms, const struct pipeline_stats *ps,
		 uint64_t now_ms)
{
	*s = (struct stall){ .bound_ms = bound_ms };
	s->listeners = (struct stall_clock){ ps->listener.batches, now_ms };
	for (unsigned i = 0; i < ps->decoders && i < PIPELINE_MAX_DECODERS; i++)
		s->decoder[i] = (struct stall_clock){ ps->ring[i].records_out, now_ms };
}

/* Whether the thread behind c is stuck: it has work and its counter has
 * not moved for longer than the bound. A move, or no work, restarts its
 * clock. */
static bool clock_stuck(const struct stall *s, struct stall_clock *c, bool work, uint64_t counter,
			uint64_t now_ms)
{
	if (!work || counter != c->seen) {
		c->seen = counter;
		c->since_ms = now_ms;
		return false;
	}
	return now_ms - c->since_ms > s->bound_ms;
}

bool stall_check(struct stall *s, const struct pipeline_stats *ps, uint64_t socket_queued,
		 uint64_t now_ms, char *why, size_t why_size)
{
	bool stuck = false;

	/* Every clock is updated on each check (no early return), so a
	 * thread's clock never holds a stale count when another was named. */
	for (unsigned i = 0; i < ps->decoders && i < PIPELINE_MAX_DECODERS; i++) {
		const struct ring_stats *r = &ps->ring[i];
		bool work = r->records_in > r->records_out;

		if (clock_stuck(s, &s->decoder[i], work, r->records_out, now_ms) && !stuck) {
			snprintf(why, why_size,
				 "decoder %u: %" PRIu64 " records wait in its ring, none taken for %" PRIu64
				 " ms",
				 i, r->records_in - r->records_out, now_ms - s->decoder[i].since_ms);
			stuck = true;
		}
	}
	if (clock_stuck(s, &s->listeners, socket_queued > 0, ps->listener.batches, now_ms) &&
	    !stuck) {
		snprintf(why, why_size,
			 "listeners: %" PRIu64 " bytes wait in the audit socket, none received for "
			 "%" PRIu64 " ms",
			 socket_queued, now_ms - s->listeners.since_ms);
		stuck = true;
	}
	return stuck;
}
