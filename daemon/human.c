/* SPDX-License-Identifier: MIT */
/*
 * human.c: the figures of human.h. One rule for every unit (scaled()):
 * pick the largest unit the figure reaches, round, and if rounding made
 * it reach the next unit, take that one.
 */
#include "human.h"

#include <math.h>
#include <stdio.h>

/* Rounded half up to tenths (printf rounds 1.25 to even: 1.2). */
static double tenths(double q)
{
	return floor(q * 10 + 0.5) / 10;
}

/* v >= 0 in units of base^u, with the suffix of that unit; below base,
 * with suffix small ("" for counts, "B" for bytes). */
static void scaled(double v, double base, const char *const *units, unsigned nunits,
		   const char *small, const char *tail, char *buf, size_t size)
{
	unsigned u = 0;
	double q = v;

	if (!(v >= 0) || !isfinite(v)) {
		snprintf(buf, size, "?%s", tail);
		return;
	}
	while (u + 1 < nunits && q >= base) {
		q /= base;
		u++;
	}
	/* 1023.96K would show as 1024K, 999.5 as 1000: the next unit's 1.0. */
	if (q != floor(q) && floor(q + 0.5) >= base && u + 1 < nunits) {
		q /= base;
		u++;
	}
	if (q == floor(q))
		snprintf(buf, size, "%.0f%s%s", q, u ? units[u] : small, tail);
	else if (floor(q * 10 + 0.5) < 1000)
		snprintf(buf, size, "%.1f%s%s", tenths(q), u ? units[u] : small, tail);
	else
		snprintf(buf, size, "%.0f%s%s", floor(q + 0.5), u ? units[u] : small, tail);
}

static const char *const size_units[] = { "B", "K", "M", "G", "T", "P" };
static const char *const count_units[] = { "", "k", "M", "G", "T", "P" };

void human_size(uint64_t bytes, char *buf, size_t size)
{
	/* An exact multiple of the largest unit it reaches, in integers: a
	 * double cannot tell 2^60 + 1 from 2^60. */
	for (unsigned u = 5; u >= 1; u--) {
		uint64_t unit = 1ull << (10 * u);

		if (bytes < unit)
			continue;
		if (bytes % unit == 0) {
			snprintf(buf, size, "%llu%s", (unsigned long long)(bytes / unit),
				 size_units[u]);
			return;
		}
		break;
	}
	scaled((double)bytes, 1024, size_units, 6, "B", "", buf, size);
}

void human_count(double n, char *buf, size_t size)
{
	scaled(n, 1000, count_units, 6, "", "", buf, size);
}

void human_rate(double per_second, char *buf, size_t size)
{
	scaled(per_second, 1000, count_units, 6, "", "/s", buf, size);
}

void human_size_rate(double bytes_per_second, char *buf, size_t size)
{
	scaled(bytes_per_second, 1024, size_units, 6, "B", "/s", buf, size);
}

void human_duration(double seconds, char *buf, size_t size)
{
	unsigned long long s = seconds > 0 && isfinite(seconds) ? (unsigned long long)seconds : 0;

	if (s < 60)
		snprintf(buf, size, "%llus", s);
	else if (s < 3600)
		snprintf(buf, size, "%llum%02llus", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, size, "%lluh%02llum", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, size, "%llud%02lluh", s / 86400, s % 86400 / 3600);
}
