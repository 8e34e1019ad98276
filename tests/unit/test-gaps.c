/* SPDX-License-Identifier: MIT */
#include "gaps.h"
#include "harness.h"

TEST(in_order_no_gaps)
{
	struct gaps g;

	gaps_init(&g, 1);
	for (uint32_t s = 100; s < 10000; s++)
		gaps_see(&g, s, 0);
	gaps_tick(&g, 100000, 5000);
	CHECK_EQ(g.missing, 0);
	CHECK_EQ(g.pending, 0);
	CHECK_EQ(g.floor, 10000);
}

TEST(reordered_within_window_no_gaps)
{
	struct gaps g;

	gaps_init(&g, 1);
	gaps_see(&g, 10, 0);
	gaps_see(&g, 13, 0);
	gaps_see(&g, 12, 0);
	gaps_see(&g, 11, 0);
	CHECK_EQ(g.missing, 0);
	CHECK_EQ(g.floor, 14);
}

TEST(missing_serial_counted_by_patience)
{
	struct gaps g;

	gaps_init(&g, 1);
	gaps_see(&g, 1, 0);
	gaps_see(&g, 3, 10); /* 2 never comes */
	gaps_tick(&g, 1000, 5000);
	CHECK_EQ(g.missing, 0); /* not yet: it may be late */
	gaps_tick(&g, 6000, 5000);
	CHECK_EQ(g.missing, 1);
	CHECK_EQ(g.floor, 4);
	gaps_see(&g, 2, 7000); /* too late: not counted twice */
	CHECK_EQ(g.late, 1);
	CHECK_EQ(g.missing, 1);
}

TEST(missing_serial_counted_by_window)
{
	struct gaps g;

	gaps_init(&g, 1);
	gaps_see(&g, 0, 0);
	gaps_see(&g, 2 + GAPS_WINDOW, 0); /* 1 .. GAPS_WINDOW+1 missing so far */
	CHECK_EQ(g.missing, 2);              /* pushed out of the window: 1 and 2 */
	for (uint32_t s = 3; s < 2 + GAPS_WINDOW; s++)
		gaps_see(&g, s, 0);
	CHECK_EQ(g.missing, 2);
	CHECK_EQ(g.pending, 0);
}

TEST(one_class_of_serials_per_decoder)
{
	struct gaps g;

	/* Decoder 1 of 4 sees serials 1, 5, 9...: 13 is missing. */
	gaps_init(&g, 4);
	gaps_see(&g, 1, 0);
	gaps_see(&g, 5, 0);
	gaps_see(&g, 9, 0);
	gaps_see(&g, 17, 0);
	gaps_tick(&g, 10000, 5000);
	CHECK_EQ(g.missing, 1);
	CHECK_EQ(g.floor, 21);
}

TEST(serials_wrap_at_2_32)
{
	struct gaps g;

	gaps_init(&g, 1);
	for (uint32_t s = UINT32_MAX - 10; s != 10; s++)
		if (s != 0)
			gaps_see(&g, s, 0);
	gaps_tick(&g, 10000, 5000);
	CHECK_EQ(g.missing, 1); /* serial 0 */
	CHECK_EQ(g.floor, 10);
}

TEST(many_gaps_declared_in_one_tick_only_when_old)
{
	struct gaps g;

	gaps_init(&g, 1);
	gaps_see(&g, 1, 0);
	for (uint32_t s = 3; s <= 101; s += 2) /* 2, 4, ... 100 never come */
		gaps_see(&g, s, 0);
	gaps_see(&g, 103, 9000); /* 102 is missing too, but 103 is recent */
	gaps_tick(&g, 6000, 5000);
	CHECK_EQ(g.missing, 50);
	CHECK_EQ(g.floor, 102);
	gaps_tick(&g, 14500, 5000);
	CHECK_EQ(g.missing, 51);
	CHECK_EQ(g.floor, 104);
	CHECK_EQ(g.pending, 0);
}


/* A restart: the tracker starts where the previous collector's writes end,
 * so the serials used while nobody collected become gaps, counted apart
 * from those lost after the first live serial. */
TEST(seeded_restart_counts_serials_before_live_apart)
{
	struct gaps g;

	gaps_init(&g, 1);
	gaps_split(&g);
	gaps_seed(&g, 1000);  /* the previous collector accounted for < 1000 */
	gaps_see(&g, 1001, 0); /* it had written 1001 too; 1000 was in flight */
	gaps_live(&g, 1500);  /* 1000, 1002..1499 never reached any log */
	gaps_see(&g, 1500, 0);
	gaps_see(&g, 1502, 0); /* 1501: lost after the restart */
	gaps_tick(&g, 10000, 5000);
	CHECK_EQ(g.missing_before, 1 + 498);
	CHECK_EQ(g.missing, 1);
	CHECK_EQ(g.floor, 1503);
	CHECK_EQ(g.late, 0);
}

TEST(restart_gap_wider_than_the_window_is_jumped)
{
	struct gaps g;

	/* Class 1 of 2: serials 1, 3, 5...; 3,000,000 serials of it pass
	 * while no collector ran: jumped, not stepped one by one. */
	gaps_init(&g, 2);
	gaps_split(&g);
	gaps_seed(&g, 101);
	gaps_live(&g, 101 + 2 * 3000000u);
	gaps_see(&g, 101 + 2 * 3000000u, 0);
	/* Past the window at once; the window's own serials by patience. */
	CHECK_EQ(g.missing_before, 3000000 - (GAPS_WINDOW - 1));
	gaps_tick(&g, 10000, 5000);
	CHECK_EQ(g.missing_before, 3000000);
	CHECK_EQ(g.missing, 0);
	CHECK_EQ(g.pending, 0);
	CHECK_EQ(g.floor, 101 + 2 * 3000001u);
}

TEST(without_split_all_gaps_are_missing)
{
	struct gaps g;

	gaps_init(&g, 1);
	gaps_see(&g, 5, 0);
	gaps_see(&g, 5 + GAPS_WINDOW + 10, 0);
	gaps_tick(&g, 10000, 5000);
	CHECK_EQ(g.missing, GAPS_WINDOW + 9);
	CHECK_EQ(g.missing_before, 0);
}

TEST(gaps_declared_before_the_first_live_serial_are_before)
{
	struct gaps g;

	/* Records the kernel held (audit=1) come first, stamped before the
	 * collector registered: a gap among them is lost before it. */
	gaps_init(&g, 1);
	gaps_split(&g);
	gaps_see(&g, 10, 0);
	gaps_see(&g, 12, 0);
	gaps_tick(&g, 10000, 5000);
	CHECK_EQ(g.missing_before, 1);
	gaps_live(&g, 20);
	gaps_see(&g, 20, 10000); /* 13..19: below the first live serial */
	gaps_see(&g, 22, 10000); /* 21: after it */
	gaps_tick(&g, 20000, 5000);
	CHECK_EQ(g.missing_before, 1 + 7);
	CHECK_EQ(g.missing, 1);
}

TEST(window_bits_from_the_floor)
{
	struct gaps g;
	uint64_t bits[GAPS_WINDOW / 64];

	gaps_init(&g, 3);
	gaps_see(&g, 30, 0);
	gaps_see(&g, 36, 0);   /* 33 pending */
	gaps_see(&g, 30 + 3 * 100, 0);
	gaps_window(&g, bits);
	CHECK_EQ(g.floor, 33);
	CHECK_EQ(bits[0], 2);  /* 36: one step above 33 */
	CHECK_EQ(bits[1], 1ull << (99 - 64));
	CHECK_EQ(bits[2], 0);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(in_order_no_gaps), CASE(reordered_within_window_no_gaps),
				  CASE(missing_serial_counted_by_patience),
				  CASE(missing_serial_counted_by_window),
				  CASE(one_class_of_serials_per_decoder), CASE(serials_wrap_at_2_32),
				  CASE(many_gaps_declared_in_one_tick_only_when_old),
				  CASE(seeded_restart_counts_serials_before_live_apart),
				  CASE(restart_gap_wider_than_the_window_is_jumped),
				  CASE(without_split_all_gaps_are_missing),
				  CASE(gaps_declared_before_the_first_live_serial_are_before),
				  CASE(window_bits_from_the_floor)));
}
