/* SPDX-License-Identifier: MIT */
/* clock: milliseconds, coarse (a tick is plenty for timeouts and ages). */
#ifndef NEEDLE_CLOCK_H
#define NEEDLE_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Wall time: compared with the kernel's event stamps. */
static inline uint64_t clock_wall_ms(void)
{
	return clock_ms(CLOCK_REALTIME_COARSE);
}

/* Monotonic: for intervals. */
static inline uint64_t clock_mono_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC_COARSE);
}

#endif
