/* SPDX-License-Identifier: MIT */
/*
 * Figures for people (daemon/human.h), at their edges: the last figure
 * below a unit and the first one in it (999, 1000; 1023, 1024), rounding
 * that would show 1000 or 1024 of a unit, exact multiples without
 * decimals, and the largest units.
 */
#include "harness.h"
#include "human.h"

#include <math.h>
#include <string.h>

static const char *size_of(uint64_t v)
{
	static char buf[HUMAN_MAX];

	human_size(v, buf, sizeof(buf));
	return buf;
}

static const char *count_of(double v)
{
	static char buf[HUMAN_MAX];

	human_count(v, buf, sizeof(buf));
	return buf;
}

static const char *rate_of(double v)
{
	static char buf[HUMAN_MAX];

	human_rate(v, buf, sizeof(buf));
	return buf;
}

TEST(sizes_at_their_edges)
{
	CHECK_STR(size_of(0), "0B");
	CHECK_STR(size_of(999), "999B");
	CHECK_STR(size_of(1000), "1000B");
	CHECK_STR(size_of(1023), "1023B");
	CHECK_STR(size_of(1024), "1K");
	CHECK_STR(size_of(1025), "1.0K");
	CHECK_STR(size_of(1229), "1.2K");     /* 1.2002K */
	CHECK_STR(size_of(1536), "1.5K");
	CHECK_STR(size_of(102400 + 400), "100K"); /* 100.4K: no decimal from 100 up */
	CHECK_STR(size_of(102400 + 512), "101K"); /* 100.5K, half up */
	CHECK_STR(size_of(102400 - 1), "100K");   /* 99.999K rounds to 100 */
	CHECK_STR(size_of(1048575), "1.0M");      /* 1023.999K is not "1024K" */
	CHECK_STR(size_of(64ull << 20), "64M");
	CHECK_STR(size_of((1ull << 30) - 1), "1.0G");
	CHECK_STR(size_of(1ull << 30), "1G");
	CHECK_STR(size_of(3ull << 29), "1.5G");
	CHECK_STR(size_of(1ull << 40), "1T");
	CHECK_STR(size_of(5ull << 50), "5P");
	CHECK_STR(size_of(UINT64_MAX), "16384P"); /* the largest unit has no next one */
}

TEST(counts_at_their_edges)
{
	CHECK_STR(count_of(0), "0");
	CHECK_STR(count_of(999), "999");
	CHECK_STR(count_of(1000), "1k");
	CHECK_STR(count_of(1023), "1.0k");
	CHECK_STR(count_of(1024), "1.0k");
	CHECK_STR(count_of(1200), "1.2k");
	CHECK_STR(count_of(1249), "1.2k");
	CHECK_STR(count_of(1250), "1.3k"); /* half up: printf alone says 1.2 */
	CHECK_STR(count_of(99949), "99.9k");
	CHECK_STR(count_of(99950), "100k");
	CHECK_STR(count_of(123456), "123k");
	CHECK_STR(count_of(999499), "999k");
	CHECK_STR(count_of(999999), "1.0M");
	CHECK_STR(count_of(1e6), "1M");
	CHECK_STR(count_of(2.5e9), "2.5G");
	CHECK_STR(count_of(1e12), "1T");
}

TEST(rates_and_fractions)
{
	char buf[HUMAN_MAX];

	CHECK_STR(rate_of(1234.0), "1.2k/s");
	CHECK_STR(rate_of(0), "0/s");
	CHECK_STR(rate_of(0.5), "0.5/s");
	CHECK_STR(rate_of(850.4), "850/s");
	CHECK_STR(rate_of(999.5), "1.0k/s");
	CHECK_STR(rate_of(42.25), "42.3/s");
	CHECK_STR(rate_of(NAN), "?/s");
	CHECK_STR(rate_of(-1), "?/s");
	human_size_rate(1.5 * 1048576, buf, sizeof(buf));
	CHECK_STR(buf, "1.5M/s");
	human_size_rate(100, buf, sizeof(buf));
	CHECK_STR(buf, "100B/s");
}

TEST(durations)
{
	char buf[HUMAN_MAX];

	human_duration(0, buf, sizeof(buf));
	CHECK_STR(buf, "0s");
	human_duration(59.9, buf, sizeof(buf));
	CHECK_STR(buf, "59s");
	human_duration(185, buf, sizeof(buf));
	CHECK_STR(buf, "3m05s");
	human_duration(2 * 3600 + 3 * 60 + 59, buf, sizeof(buf));
	CHECK_STR(buf, "2h03m");
	human_duration(5 * 86400 + 4 * 3600, buf, sizeof(buf));
	CHECK_STR(buf, "5d04h");
}

/* Any figure fits HUMAN_MAX and a short buffer is cut, never overrun. */
TEST(short_buffers)
{
	char buf[4] = "xxx";

	human_size(UINT64_MAX, buf, sizeof(buf));
	CHECK_STR(buf, "163");
	human_count(1e300, buf, 0); /* nothing written */
	CHECK_STR(buf, "163");
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(sizes_at_their_edges), CASE(counts_at_their_edges),
				  CASE(rates_and_fractions), CASE(durations), CASE(short_buffers)));
}
