/* SPDX-License-Identifier: MIT */
/* Helpers shared by the needle-bench subcommands. */
#ifndef NEEDLE_BENCH_H
#define NEEDLE_BENCH_H

#include <stddef.h>

#define BENCH_MAX_ROUNDS 15

/* Monotonic seconds. */
double bench_now(void);
void bench_sleep(double seconds);

/* Median of n values (n >= 1); reorders values. */
double bench_median(double *values, size_t n);

/* Parses a number for option name within [min, max]; prints what is wrong
 * and returns -EINVAL otherwise. */
int bench_parse_double(const char *name, const char *text, double min, double max,
		       double *ret_value);

int bench_ring_main(int argc, char **argv);
int bench_replay_main(int argc, char **argv);
int bench_live_main(int argc, char **argv);
int bench_knee_main(int argc, char **argv);
int bench_record_main(int argc, char **argv);

#endif
