/* SPDX-License-Identifier: MIT */
/*
 * human: figures for people, as needle stat prints them. Exact figures
 * stay in --json (needle stat --json, needle config --json); these are
 * for reading at a glance.
 *
 *   human_size(67108864)   "64M"    bytes, powers of 1024 (as the
 *   human_size(1536)       "1.5K"   configuration's K, M, G suffixes);
 *   human_size(1023)       "1023B"  below 1K the bytes themselves
 *   human_count(1234)      "1.2k"   counts, powers of 1000 (k, M, G, T)
 *   human_rate(1234.0)     "1.2k/s"
 *
 * A figure that is an exact multiple of its unit has no decimals ("64M",
 * "1k"); any other keeps one below 100 of its unit ("1.2k", "12.5M") and
 * none from 100 up ("123k"). Rounding never shows 1000 (or 1024) of a unit:
 * 999,999 is "1.0M", not "1000k". libc only.
 */
#ifndef NEEDLE_HUMAN_H
#define NEEDLE_HUMAN_H

#include <stddef.h>
#include <stdint.h>

/* Room for any figure these write, with its NUL. */
#define HUMAN_MAX 32

void human_size(uint64_t bytes, char *buf, size_t size);
void human_count(double n, char *buf, size_t size);
/* human_count with "/s"; human_size with "/s" for bytes per second. */
void human_rate(double per_second, char *buf, size_t size);
void human_size_rate(double bytes_per_second, char *buf, size_t size);

/* A duration for people: "42s", "3m05s", "2h03m", "5d04h". */
void human_duration(double seconds, char *buf, size_t size);

#endif
