/* SPDX-License-Identifier: MIT */
/*
 * stat-keys: needle stat's table of audit rule keys, read from the page's
 * needle_key_events_total and needle_key_bytes_total samples (key-table.h
 * prints it): the top STAT_TOP_KEYS by events/s, since needle started or,
 * with --watch, since the last round.
 */
#ifndef NEEDLE_STAT_KEYS_H
#define NEEDLE_STAT_KEYS_H

#include "key-table.h"
#include "metric-read.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define STAT_TOP_KEYS 8

/* The last round's rows (--watch). */
struct stat_keys {
	struct key_row *last;
	size_t nlast;
	double last_time;
	bool have_last;
};

/* The rows of a page into *ret (allocated; NULL when none) and how many
 * (at most one per key label); -ENOMEM. */
int stat_keys_read(const struct metric_samples *s, struct key_row **ret, size_t *ret_n);

/* Prints the table to out for the page s read at now (seconds), needle
 * having started at start; keeps the rows for the next round. Nothing
 * when the page has no key. */
void stat_keys_print(FILE *out, struct stat_keys *k, const struct metric_samples *s, double now,
		     double start);

void stat_keys_free(struct stat_keys *k);

#endif
