/* SPDX-License-Identifier: MIT */
/*
 * filter-limit: the two filter actions that remember: rate= (a token
 * bucket) and keep-first-per-process (the processes seen). Each is one
 * atomic word per bucket or slot, changed by compare-and-swap, so decoder
 * threads sharing a set share its limits without a lock.
 *
 * Memory order: relaxed throughout. Each word is the whole state of its
 * bucket or slot; no other memory is published through it, so the CAS's
 * own atomicity (one winner per old value) is all that is needed.
 */
#include "filter-internal.h"

/* A bucket whose next arrival time lies this far beyond anything its rate
 * can explain (tau + one interval) saw event time step back (a clock set
 * back, or a log of an older boot after a newer one): it starts afresh
 * instead of refusing everything until time catches up. */
#define STEP_BACK_NS (10ull * 1000000000ull)

bool filter_rate_take(struct filter_rate *r, uint64_t t)
{
	uint64_t tat = atomic_load_explicit(&r->tat_ns, memory_order_relaxed);

	for (;;) {
		uint64_t base = tat;

		if (base < t || base - t > r->tau_ns + r->interval_ns + STEP_BACK_NS)
			base = t; /* a full bucket: behind now, or time stepped back */
		if (base - t > r->tau_ns)
			return false; /* no token: burst used up at this rate */
		if (atomic_compare_exchange_weak_explicit(&r->tat_ns, &tat, base + r->interval_ns,
							  memory_order_relaxed,
							  memory_order_relaxed))
			return true;
		/* Another thread took a token meanwhile: tat holds its value. */
	}
}

static _Atomic uint64_t *slot_of(struct filter_first *f, uint32_t pid)
{
	/* Pids are handed out in sequence: consecutive ones, consecutive slots. */
	return &f->slot[pid % FILTER_FIRST_SLOTS];
}

bool filter_first_take(struct filter_first *f, uint32_t pid, uint32_t tag)
{
	uint64_t want = (uint64_t)pid << 32 | tag;
	_Atomic uint64_t *s = slot_of(f, pid);
	uint64_t cur = atomic_load_explicit(s, memory_order_relaxed);

	for (;;) {
		if (cur == want)
			return false;
		if (atomic_compare_exchange_weak_explicit(s, &cur, want, memory_order_relaxed,
							  memory_order_relaxed))
			return true;
	}
}

void filter_first_forget(struct filter_first *f, uint32_t pid)
{
	_Atomic uint64_t *s = slot_of(f, pid);
	uint64_t cur = atomic_load_explicit(s, memory_order_relaxed);

	/* Only this pid's mark: the slot may hold another process's. */
	while ((uint32_t)(cur >> 32) == pid &&
	       !atomic_compare_exchange_weak_explicit(s, &cur, 0, memory_order_relaxed,
						      memory_order_relaxed))
		;
}
