/* SPDX-License-Identifier: MIT */
/*
 * account: does one needle-bench run reconcile? In events of the load,
 * with the kernel's records turned into events by what the kernel does.
 *
 *   generated  the load's calls: each one event (needle-loadgen counts them)
 *   delivered  events of the load in the daemon's output
 *   missing    generated - delivered
 *
 * Who can have lost the missing events:
 *   - the kernel: it counts records it refused (lost), not events. A
 *     SYSCALL record refused ends its event (the kernel writes nothing
 *     more of it: one lost record for the whole event); a later record
 *     refused leaves the event short of that record. So of the kernel's
 *     lost records, those missing from delivered events (short_records,
 *     counted in the output) explain no missing event, and the rest explain
 *     at most one missing event each: kernel_events_max.
 *   - the daemon, by its own count (daemon_lost: needle's serial gaps and
 *     failed writes; auditd and the bare drain count none).
 *
 *   unexplained_min = missing - daemon_lost - kernel_events_max, at least 0
 *   unexplained_max = missing - daemon_lost, at least 0 (if the kernel's
 *                     lost records were all other events' or EOEs)
 *
 * and in records: short_records beyond the kernel's lost records and the
 * daemon's own dropped records are records_unexplained. A run reconciles
 * when both lower bounds are 0, and when the daemon delivered no more than
 * was generated; otherwise events or records went missing that no counter
 * shows.
 */
#ifndef NEEDLE_BENCH_ACCOUNT_H
#define NEEDLE_BENCH_ACCOUNT_H

#include <stdbool.h>
#include <stdint.h>

struct account_in {
	uint64_t generated, delivered, short_records;
	uint64_t kernel_lost;          /* the kernel's lost delta, records */
	uint64_t daemon_lost;          /* events the daemon counted lost */
	uint64_t daemon_lost_records;  /* records the daemon counted dropped */
};

struct account {
	uint64_t missing, kernel_events_max, unexplained_min, unexplained_max;
	uint64_t records_unexplained;
	bool reconciled;
};

void account_reconcile(const struct account_in *in, struct account *ret);

#endif
