/* SPDX-License-Identifier: MIT */
/*
 * key-table: the keys' table, sorted and printed (key-table.h).
 */
#include "key-table.h"
#include "human.h"

#include <stdbool.h>
#include <stdlib.h>

static int heavier(const void *a, const void *b)
{
	const struct key_row *x = a, *y = b;
	double ex = x->written + x->filtered, ey = y->written + y->filtered;

	if (ex != ey)
		return ex < ey ? 1 : -1;
	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return 0;
}

static void rate(double v, double span, char *buf, size_t size, bool bytes)
{
	if (span <= 0)
		snprintf(buf, size, "-");
	else if (bytes)
		human_size_rate(v / span, buf, size);
	else
		human_rate(v / span, buf, size);
}

void key_table_print(FILE *f, const char *first, const char *indent, struct key_row *rows,
		     size_t n, size_t limit, double span, const char *over)
{
	size_t shown = n < limit ? n : limit, by_bytes = 0;
	char er[HUMAN_MAX], br[HUMAN_MAX];

	qsort(rows, n, sizeof(*rows), heavier);
	fprintf(f, "%sby events/s (%s), %zu of %zu keys:\n", first, over, shown, n);
	fprintf(f, "%s%10s %12s %9s %10s %14s  %s\n", indent, "events/s", "events", "filtered",
		"bytes/s", "bytes", "key");
	for (size_t i = 0; i < shown; i++) {
		const struct key_row *r = &rows[i];
		double events = r->written + r->filtered;

		rate(events, span, er, sizeof(er), false);
		rate(r->bytes, span, br, sizeof(br), true);
		fprintf(f, "%s%10s %12.0f %8.1f%% %10s %14.0f  %s\n", indent, er, events,
			events > 0 ? 100.0 * r->filtered / events : 0.0, br, r->bytes, r->key);
	}
	for (size_t i = 1; i < n; i++)
		if (rows[i].bytes > rows[by_bytes].bytes)
			by_bytes = i;
	if (by_bytes) {
		rate(rows[by_bytes].bytes, span, br, sizeof(br), true);
		fprintf(f, "%sheaviest by bytes/s: %s (%s, %.0f bytes)\n", indent,
			rows[by_bytes].key, br, rows[by_bytes].bytes);
	}
}
