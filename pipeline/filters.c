/* SPDX-License-Identifier: MIT */
/*
 * filters: a published filter set and its account by rule line (filters.h).
 * A set travels with its map, rule index -> account entry, built before it
 * is published; the decoders follow the pointer under RCU, as they read
 * the settings snapshots (settings.h): a C11 atomic pointer (release
 * store, acquire load), liburcu only telling when the old set can go.
 */
#include "filters.h"
#include "grace.h"
#include "pipeline.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <urcu.h>

#define relaxed memory_order_relaxed

/* A set as the decoders see it. */
struct filters_live {
	struct filter_set *set;
	unsigned entry[]; /* per rule: its account entry */
};

struct filters_entry {
	char label[FILTERS_LABEL_MAX];
	_Atomic int main; /* enum filter_outcome: the newest set's action there */
};

struct filters {
	struct filters_live *_Atomic current; /* NULL: no filters */
	unsigned decoders;
	_Atomic unsigned nentries;    /* entries whose label is written */
	struct filters_entry entries[FILTERS_ENTRIES];
	/* [decoder][entry][outcome], one writer per decoder. */
	_Atomic uint64_t *counts;
	struct keycount *keys;
};

static _Atomic uint64_t *slot(const struct filters *f, unsigned decoder, unsigned entry)
{
	return f->counts + ((size_t)decoder * FILTERS_ENTRIES + entry) * FILTER_OUTCOME_COUNT;
}

struct filters *filters_new(unsigned decoders)
{
	struct filters *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->decoders = decoders;
	f->counts = calloc((size_t)decoders * FILTERS_ENTRIES * FILTER_OUTCOME_COUNT,
			   sizeof(*f->counts));
	f->keys = keycount_new(decoders);
	if (!f->counts || !f->keys) {
		free(f->counts);
		keycount_free(f->keys);
		free(f);
		return NULL;
	}
	return f;
}

static void live_free(struct filters_live *l)
{
	if (!l)
		return;
	filter_set_free(l->set);
	free(l);
}

void filters_free(struct filters *f)
{
	if (!f)
		return;
	live_free(atomic_load_explicit(&f->current, relaxed));
	free(f->counts);
	keycount_free(f->keys);
	free(f);
}

/* The outcome a rule's action gives when its limits let the event by. */
static enum filter_outcome main_outcome(enum filter_action a)
{
	switch (a) {
	case FILTER_ACTION_DROP: return FILTER_DROPPED;
	case FILTER_ACTION_KEEP: return FILTER_KEPT;
	case FILTER_ACTION_DIVERT: return FILTER_DIVERTED;
	default: return FILTER_REPEAT_DROPPED;
	}
}

/* The entry of label, appended when new; the last one ("other") once the
 * table is full. Main thread only: the only writer of labels. */
static unsigned entry_for(struct filters *f, const char *label, enum filter_outcome main)
{
	unsigned n = atomic_load_explicit(&f->nentries, relaxed);

	for (unsigned i = 0; i < n; i++)
		if (strcmp(f->entries[i].label, label) == 0) {
			atomic_store_explicit(&f->entries[i].main, (int)main, relaxed);
			return i;
		}
	if (n == FILTERS_ENTRIES - 1) {
		struct filters_entry *e = &f->entries[n];

		snprintf(e->label, sizeof(e->label), "other");
		atomic_store_explicit(&e->main, (int)FILTER_NO_RULE, relaxed);
		/* release: the label is written before a reader counts it. */
		atomic_store_explicit(&f->nentries, n + 1, memory_order_release);
		return n;
	}
	if (n == FILTERS_ENTRIES)
		return FILTERS_ENTRIES - 1;
	snprintf(f->entries[n].label, sizeof(f->entries[n].label), "%s", label);
	atomic_store_explicit(&f->entries[n].main, (int)main, relaxed);
	atomic_store_explicit(&f->nentries, n + 1, memory_order_release);
	return n;
}

/* "FILE:LINE" as a Prometheus label value may hold it: the characters
 * that would need escaping (", \, newline) become '_'. */
static void rule_label(const struct filter_set *set, unsigned rule, char *buf, size_t size)
{
	snprintf(buf, size, "%s:%u", filter_set_origin(set), filter_rule_line(set, rule));
	for (char *c = buf; *c; c++)
		if (*c == '"' || *c == '\\' || *c == '\n')
			*c = '_';
}

int filters_publish(struct filters *f, struct filter_set *set)
{
	struct filters_live *l = NULL, *old;
	char label[FILTERS_LABEL_MAX];

	if (set) {
		unsigned n = filter_set_rules(set);

		l = malloc(sizeof(*l) + n * sizeof(l->entry[0]));
		if (!l) {
			filter_set_free(set);
			return -ENOMEM;
		}
		l->set = set;
		for (unsigned i = 0; i < n; i++) {
			rule_label(set, i, label, sizeof(label));
			l->entry[i] = entry_for(f, label, main_outcome(filter_rule_action(set, i)));
		}
	}
	old = atomic_load_explicit(&f->current, relaxed); /* the only writer */
	/* release: the set, its map and the entries' labels are seen whole. */
	atomic_store_explicit(&f->current, l, memory_order_release);
	if (old) {
		synchronize_rcu(); /* no decoder is inside the old set now */
		grace_writer_waited(old);
		live_free(old);
	}
	return 0;
}

bool filters_on(const struct filters *f)
{
	return f && atomic_load_explicit(&f->current, relaxed);
}

enum filter_verdict filters_decide(struct filters *f, unsigned decoder, struct format_ctx *ctx,
				   const struct audit_event *ev)
{
	/* acquire: pairs with filters_publish's release. */
	struct filters_live *l = atomic_load_explicit(&f->current, memory_order_acquire);
	struct filter_result res;
	enum filter_verdict v;
	_Atomic uint64_t *c;

	if (!l)
		return FILTER_WRITE;
	v = filter_event(l->set, ctx, ev, &res);
	c = res.rule < 0 ? NULL : slot(f, decoder, l->entry[res.rule]) + res.outcome;
	grace_reader_done(l); /* the last read of l in this section */
	if (!c)
		return v;
	/* One writer per slot: a plain add, read relaxed by the others. */
	atomic_store_explicit(c, atomic_load_explicit(c, relaxed) + 1, relaxed);
	return v;
}

unsigned filters_get_stats(const struct filters *f, struct filters_entry_stats *ret)
{
	/* acquire: pairs with entry_for's release; the labels are written. */
	unsigned n = f ? atomic_load_explicit(&f->nentries, memory_order_acquire) : 0;

	for (unsigned i = 0; i < n; i++) {
		memcpy(ret[i].label, f->entries[i].label, sizeof(ret[i].label));
		ret[i].main = (enum filter_outcome)atomic_load_explicit(&f->entries[i].main, relaxed);
		memset(ret[i].n, 0, sizeof(ret[i].n));
		for (unsigned d = 0; d < f->decoders; d++) {
			_Atomic uint64_t *c = slot(f, d, i);

			for (unsigned o = 0; o < FILTER_OUTCOME_COUNT; o++)
				ret[i].n[o] += atomic_load_explicit(&c[o], relaxed);
		}
	}
	return n;
}

struct keycount *filters_keys(const struct filters *f)
{
	return f->keys;
}

void filters_get_all_stats(const struct filters *f, struct pipeline_stats *ret)
{
	ret->filter_entries = filters_get_stats(f, ret->filter);
	ret->key_entries = f ? keycount_get_stats(f->keys, ret->key) : 0;
}
