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

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(in_order_no_gaps), CASE(reordered_within_window_no_gaps),
				  CASE(missing_serial_counted_by_patience),
				  CASE(missing_serial_counted_by_window),
				  CASE(one_class_of_serials_per_decoder), CASE(serials_wrap_at_2_32),
				  CASE(many_gaps_declared_in_one_tick_only_when_old)));
}
