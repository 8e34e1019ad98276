/* SPDX-License-Identifier: MIT */
/*
 * stall.h: the watchdog's judgment on counters as the threads publish
 * them. A thread with nothing to do is never stuck; one with work and no
 * progress is, once the bound has passed, and is named; progress (or the
 * work gone) clears it. Times are given, so nothing here sleeps.
 */
#include "harness.h"
#include "stall.h"

#include <string.h>

#define BOUND 15000

/* Two decoders, rings empty, listeners idle. */
static void quiet(struct pipeline_stats *ps)
{
	memset(ps, 0, sizeof(*ps));
	ps->listeners = 1;
	ps->decoders = 2;
}

/* Ring i got n more records than decoder i took. */
static void pending(struct pipeline_stats *ps, unsigned i, uint64_t n)
{
	ps->ring[i].records_in = ps->ring[i].records_out + n;
}

TEST(idle_threads_are_never_stuck)
{
	struct pipeline_stats ps;
	struct stall s;
	char why[256] = "";

	quiet(&ps);
	stall_start(&s, BOUND, &ps, 1000);
	/* An hour with nothing to do, checked each second. */
	for (uint64_t t = 2000; t <= 3600 * 1000; t += 1000)
		CHECK(!stall_check(&s, &ps, 0, t, why, sizeof(why)));
}

TEST(decoder_with_work_and_no_progress_is_stuck_after_the_bound)
{
	struct pipeline_stats ps;
	struct stall s;
	char why[256] = "";

	quiet(&ps);
	ps.ring[1].records_in = ps.ring[1].records_out = 500;
	stall_start(&s, BOUND, &ps, 0);
	pending(&ps, 1, 40);
	/* Its clock runs from the last time it was seen idle (the start). */
	for (uint64_t t = 1000; t <= BOUND; t += 1000)
		CHECK(!stall_check(&s, &ps, 0, t, why, sizeof(why)));
	CHECK(!stall_check(&s, &ps, 0, BOUND, why, sizeof(why)));
	CHECK(stall_check(&s, &ps, 0, BOUND + 1, why, sizeof(why)));
	CHECK_STR(why, "decoder 1: 40 records wait in its ring, none taken for 15001 ms");
}

TEST(decoder_that_moves_is_not_stuck_however_full)
{
	struct pipeline_stats ps;
	struct stall s;
	char why[256] = "";

	quiet(&ps);
	stall_start(&s, BOUND, &ps, 0);
	/* A slow decoder: a million records behind, one taken per check. */
	for (uint64_t t = 1000; t <= 10 * BOUND; t += 1000) {
		ps.ring[0].records_out++;
		pending(&ps, 0, 1000000);
		CHECK(!stall_check(&s, &ps, 0, t, why, sizeof(why)));
	}
}

TEST(stuck_decoder_recovers_when_it_moves_or_its_ring_empties)
{
	struct pipeline_stats ps;
	struct stall s;
	char why[256] = "";

	quiet(&ps);
	stall_start(&s, BOUND, &ps, 0);
	pending(&ps, 0, 7);
	CHECK(!stall_check(&s, &ps, 0, 1000, why, sizeof(why)));
	CHECK(stall_check(&s, &ps, 0, 1000 + BOUND + 1000, why, sizeof(why)));
	ps.ring[0].records_out += 3;
	CHECK(!stall_check(&s, &ps, 0, 1000 + BOUND + 2000, why, sizeof(why)));
	/* Stuck again a bound after that move... */
	CHECK(stall_check(&s, &ps, 0, 1000 + 2 * BOUND + 3000, why, sizeof(why)));
	/* ...and not once the ring is empty (the listener took back nothing:
	 * records_out caught up). */
	ps.ring[0].records_out = ps.ring[0].records_in;
	CHECK(!stall_check(&s, &ps, 0, 1000 + 2 * BOUND + 4000, why, sizeof(why)));
	/* Work that comes back later starts a new clock. */
	CHECK(!stall_check(&s, &ps, 0, 5 * BOUND, why, sizeof(why)));
	pending(&ps, 0, 1);
	CHECK(!stall_check(&s, &ps, 0, 6 * BOUND, why, sizeof(why)));
	CHECK(stall_check(&s, &ps, 0, 6 * BOUND + 1, why, sizeof(why)));
}

TEST(listeners_stuck_only_while_the_socket_holds_data)
{
	struct pipeline_stats ps;
	struct stall s;
	char why[256] = "";

	quiet(&ps);
	ps.listener.batches = 9;
	stall_start(&s, BOUND, &ps, 0);
	/* Quiet socket: no work, however long. */
	CHECK(!stall_check(&s, &ps, 0, 5 * BOUND, why, sizeof(why)));
	/* Bytes wait and no recvmmsg returns: stuck after the bound. */
	CHECK(!stall_check(&s, &ps, 4096, 5 * BOUND + 1000, why, sizeof(why)));
	CHECK(!stall_check(&s, &ps, 4096, 6 * BOUND, why, sizeof(why)));
	CHECK(stall_check(&s, &ps, 4096, 6 * BOUND + 1, why, sizeof(why)));
	CHECK_STR(why, "listeners: 4096 bytes wait in the audit socket, none received for 15001 ms");
	/* A batch received: progress. */
	ps.listener.batches++;
	CHECK(!stall_check(&s, &ps, 4096, 6 * BOUND + 2, why, sizeof(why)));
}

TEST(a_stuck_decoder_is_named_before_the_listener_it_blocks)
{
	struct pipeline_stats ps;
	struct stall s;
	char why[256] = "";

	/* Decoder 0 hung: its ring full, the listener waiting on it, the
	 * socket filling. The decoder is the cause. */
	quiet(&ps);
	stall_start(&s, BOUND, &ps, 0);
	pending(&ps, 0, 100000);
	CHECK(!stall_check(&s, &ps, 1 << 20, 1000, why, sizeof(why)));
	CHECK(stall_check(&s, &ps, 1 << 20, 2 * BOUND, why, sizeof(why)));
	CHECK(strncmp(why, "decoder 0:", 10) == 0);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(idle_threads_are_never_stuck),
				  CASE(decoder_with_work_and_no_progress_is_stuck_after_the_bound),
				  CASE(decoder_that_moves_is_not_stuck_however_full),
				  CASE(stuck_decoder_recovers_when_it_moves_or_its_ring_empties),
				  CASE(listeners_stuck_only_while_the_socket_holds_data),
				  CASE(a_stuck_decoder_is_named_before_the_listener_it_blocks)));
}
