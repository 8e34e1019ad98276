/* SPDX-License-Identifier: MIT */
/*
 * metric-read: the exposition text read back (needle stat, needle-bench):
 * its samples by key, as metric_key() writes them, and a histogram's
 * quantiles. The page comes from needle's control socket (control.h).
 */
#ifndef NEEDLE_METRIC_READ_H
#define NEEDLE_METRIC_READ_H

#include "metric-table.h"

#include <stddef.h>

struct metric_sample {
	char key[METRIC_KEY_MAX]; /* name{labels} */
	double value;
};

struct metric_samples {
	struct metric_sample *s;
	size_t n, cap;
};

/* Replaces out's samples with those of text (comments skipped, a key too
 * long for METRIC_KEY_MAX skipped). 0 or -ENOMEM (out keeps what it read). */
int metric_samples_parse(struct metric_samples *out, const char *text, size_t len);

/* The value of the sample named key, or NULL when the page has none. */
const double *metric_samples_find(const struct metric_samples *s, const char *key);

/* The upper bound of the first bucket of histogram m that holds the share
 * q of its count (so "p99 <= 5 ms"): INFINITY for the +Inf bucket, NAN
 * when the page has no such histogram or it counted nothing. */
double metric_samples_quantile(const struct metric_samples *s, enum metric m, double q);

void metric_samples_free(struct metric_samples *s);

#endif
