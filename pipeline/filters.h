/* SPDX-License-Identifier: MIT */
/*
 * filters: the filter set (decode/filter.h) the decoders apply in
 * `needle run`, replaced on SIGHUP, and its counters by rule.
 *
 *   main thread                              decoder[i], per event
 *   filters_publish(set) --> current -----> filters_decide(f, i, ctx, ev)
 *     map each rule to its account entry      rcu_dereference(current),
 *     rcu_assign_pointer, synchronize_rcu,    filter_event(), count under
 *     free the old set                        the rule's entry, own slot
 *
 * The account: one entry per rule label "FILE:LINE", appended the first
 * time a set with that line is published and never removed, so a counter
 * never goes backwards across reloads: a reloaded file whose line 3 is
 * another rule counts on under the same label (the label names the line,
 * as an error message does). Entries are bounded (FILTERS_ENTRIES): once
 * full, the rules of new lines share the last entry, labelled "other".
 * Each decoder counts in its own slots (one writer each), summed when read.
 * The same object holds the account by rule key (keycount.h), which every
 * event enters, filtered or not.
 *
 * Concurrency: one writer (the pipeline's main thread: filters_publish,
 * filters_free); decoders are registered liburcu readers and call
 * filters_decide inside their read-side section; filters_get_stats reads
 * relaxed from any thread.
 */
#ifndef NEEDLE_FILTERS_H
#define NEEDLE_FILTERS_H

#include "filter.h"
#include "keycount.h"

#include <stdbool.h>
#include <stdint.h>

/* Rule labels kept since start, "other" included. */
#define FILTERS_ENTRIES 256
/* A label: the filter file's path (at most 255 bytes), ':' and the line. */
#define FILTERS_LABEL_MAX 272

struct filters;

/* Counters for `decoders` decoder threads and no set yet. NULL: ENOMEM. */
struct filters *filters_new(unsigned decoders);

/* Frees the current set too; no reader may be left. NULL-safe. */
void filters_free(struct filters *f);

/* Makes set (taken over; NULL: no filters) the one decoders apply from
 * their next event on, and frees the one it replaces after a grace
 * period. Main thread, outside any read-side section. 0, or -ENOMEM with
 * the old set still current (set freed). */
int filters_publish(struct filters *f, struct filter_set *set);

/* Whether a set is published now (the main thread's view). */
bool filters_on(const struct filters *f);

/* Decoder thread `decoder`, inside rcu_read_lock(): the verdict for ev
 * under the current set (FILTER_WRITE when there is none), counted under
 * its rule. ctx is the decoder's JSON context: the event's records are
 * parsed into it, its process context asked when a rule wants it. */
enum filter_verdict filters_decide(struct filters *f, unsigned decoder, struct format_ctx *ctx,
				   const struct audit_event *ev);

/* One entry of the account, summed over the decoders. */
struct filters_entry_stats {
	char label[FILTERS_LABEL_MAX];      /* "FILE:LINE", or "other" */
	enum filter_outcome main;           /* the outcome its action gives (drop, keep...) */
	uint64_t n[FILTER_OUTCOME_COUNT];   /* events by outcome ([FILTER_NO_RULE] unused) */
};

/* The entries so far (at most FILTERS_ENTRIES) into ret; returns how many. */
unsigned filters_get_stats(const struct filters *f, struct filters_entry_stats *ret);

/* The events by rule key, written or filtered (keycount.h): counted by the
 * decoders once each event's fate is known. */
struct keycount *filters_keys(const struct filters *f);

/* Into ret's filter and key entries (pipeline.h): filters_get_stats and
 * keycount_get_stats. */
struct pipeline_stats;
void filters_get_all_stats(const struct filters *f, struct pipeline_stats *ret);

#endif
