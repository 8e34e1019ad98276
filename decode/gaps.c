/* SPDX-License-Identifier: MIT */
#include "gaps.h"

#include <string.h>

void gaps_init(struct gaps *g, uint32_t step)
{
	memset(g, 0, sizeof(*g));
	g->step = step ? step : 1;
}

void gaps_seed(struct gaps *g, uint32_t floor)
{
	g->started = true;
	g->floor = floor;
}

void gaps_split(struct gaps *g)
{
	g->split = true;
}

void gaps_live(struct gaps *g, uint32_t serial)
{
	if (g->live_known)
		return;
	g->live_known = true;
	g->live_from = serial;
}

static bool bit(const struct gaps *g, unsigned k)
{
	unsigned i = (g->base + k) % GAPS_WINDOW;

	return g->seen[i / 64] >> (i % 64) & 1;
}

static void set_bit(struct gaps *g, unsigned k, bool v)
{
	unsigned i = (g->base + k) % GAPS_WINDOW;

	if (v)
		g->seen[i / 64] |= 1ull << (i % 64);
	else
		g->seen[i / 64] &= ~(1ull << (i % 64));
}

/* Counts n serials of the class from the floor up as missing, on the side
 * of live_from each falls. */
static void count_missing(struct gaps *g, uint64_t n)
{
	uint64_t before = g->split ? n : 0;

	if (g->split && g->live_known) {
		int32_t d = (int32_t)(g->live_from - g->floor);

		before = d <= 0 ? 0 : (uint64_t)d / g->step;
		if (before > n)
			before = n;
	}
	g->missing_before += before;
	g->missing += n - before;
}

/* Moves floor one serial up; counts it missing if it was never seen. */
static void advance(struct gaps *g)
{
	if (bit(g, 0)) {
		set_bit(g, 0, false);
		g->pending--;
	} else {
		count_missing(g, 1);
	}
	g->base = (g->base + 1) % GAPS_WINDOW;
	g->floor += g->step;
}

void gaps_see(struct gaps *g, uint32_t serial, uint64_t now_ms)
{
	uint32_t d;
	unsigned k;

	if (!g->started) {
		g->started = true;
		g->floor = serial;
	}
	d = serial - g->floor; /* wraps with the serials */
	if ((int32_t)d < 0 || d % g->step) {
		g->late++;
		return;
	}
	k = d / g->step;
	while (k >= GAPS_WINDOW) {
		if (!g->pending) {
			/* Nothing seen in the window (after a restart, or a long
			 * silence of this class): jump instead of stepping. */
			unsigned jump = k - (GAPS_WINDOW - 1);

			count_missing(g, jump);
			g->floor += jump * g->step;
			k -= jump;
			break;
		}
		advance(g);
		k--;
	}
	if (bit(g, k)) {
		g->late++; /* seen twice */
		return;
	}
	set_bit(g, k, true);
	g->seen_ms[(g->base + k) % GAPS_WINDOW] = now_ms;
	g->pending++;
	while (g->pending && bit(g, 0))
		advance(g);
}

void gaps_tick(struct gaps *g, uint64_t now_ms, uint64_t patience_ms)
{
	while (g->pending) {
		unsigned k = 1;
		uint64_t seen;

		/* The floor is a gap (seen serials there are consumed at once);
		 * k becomes the next serial seen above it. */
		while (!bit(g, k))
			k++;
		seen = g->seen_ms[(g->base + k) % GAPS_WINDOW];
		/* (A clock stepped back makes every serial recent.) */
		if (seen > now_ms || now_ms - seen < patience_ms)
			return; /* the gap's event may still be on its way */
		while (k--)
			advance(g);
		while (g->pending && bit(g, 0))
			advance(g);
	}
}

void gaps_window(const struct gaps *g, uint64_t ret_bits[GAPS_WINDOW / 64])
{
	memset(ret_bits, 0, sizeof(uint64_t) * (GAPS_WINDOW / 64));
	if (!g->pending)
		return;
	for (unsigned k = 0; k < GAPS_WINDOW; k++)
		if (bit(g, k))
			ret_bits[k / 64] |= 1ull << (k % 64);
}
