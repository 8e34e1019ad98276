/* SPDX-License-Identifier: MIT */
/*
 * tally: what reached a daemon's output of the load's events, in events
 * and in records, for needle-bench's accounting (session.h).
 *
 * Records are fed one by one (or an event at once, from needle's JSON) with
 * their serial; an event of the load is one whose SYSCALL record carries the
 * run's key. For each such event the tally knows how many of its records
 * arrived; the records an event of the load should have are, per syscall,
 * the most any of its events had (the kernel never adds a record, so a
 * whole event shows the count as long as one arrived whole). EOE records
 * are not fed: the logs do not keep them.
 *
 * Single-threaded; memory grows with the serials fed (16 bytes each).
 */
#ifndef NEEDLE_BENCH_TALLY_H
#define NEEDLE_BENCH_TALLY_H

#include <stdbool.h>
#include <stdint.h>

struct tally;

struct tally_result {
	uint64_t events;          /* events of the load (keyed SYSCALL seen) */
	uint64_t records;         /* their records that arrived */
	uint64_t short_records;   /* records missing from those events */
	uint64_t short_events;    /* events of the load missing a record */
};

/* NULL (errno ENOMEM) when out of memory. */
struct tally *tally_new(void);
void tally_free(struct tally *t);

/* records more records of the event serial (serial 0 is ignored); keyed:
 * among them its SYSCALL record with the run's key, of syscall nr.
 * false when out of memory (the tally is then incomplete). */
bool tally_add(struct tally *t, uint32_t serial, unsigned records, bool keyed, int syscall_nr);

void tally_result(const struct tally *t, struct tally_result *ret);

#endif
