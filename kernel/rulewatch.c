/* SPDX-License-Identifier: MIT */
/*
 * rulewatch.c: both lists sorted (by size, then bytes), then merged: what
 * only one side has changed. The lists are copies, sorted through index
 * arrays so that the kernel's order stays in the base.
 */
#include "rulewatch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void rulewatch_start(struct rulewatch *w, struct audit_rule_list *list)
{
	audit_rule_list_free(&w->base);
	w->base = *list;
	memset(list, 0, sizeof(*list));
	w->started = true;
}

static int cmp_rule(const struct audit_rule_list *l, unsigned a, unsigned b)
{
	if (l->size[a] != l->size[b])
		return l->size[a] < l->size[b] ? -1 : 1;
	return memcmp(l->rule[a], l->rule[b], l->size[a]);
}

static int cmp_index(const void *a, const void *b, void *list)
{
	return cmp_rule(list, *(const unsigned *)a, *(const unsigned *)b);
}

static unsigned *sorted(const struct audit_rule_list *l)
{
	unsigned *idx = malloc(sizeof(*idx) * (l->count ? l->count : 1));

	if (!idx)
		return NULL;
	for (unsigned i = 0; i < l->count; i++)
		idx[i] = i;
	qsort_r(idx, l->count, sizeof(*idx), cmp_index, (void *)l);
	return idx;
}

static int cmp_across(const struct audit_rule_list *x, unsigned a, const struct audit_rule_list *y,
		      unsigned b)
{
	if (x->size[a] != y->size[b])
		return x->size[a] < y->size[b] ? -1 : 1;
	return memcmp(x->rule[a], y->rule[b], x->size[a]);
}

int rulewatch_check(struct rulewatch *w, struct audit_rule_list *now, rulewatch_report_fn *report,
		    void *arg)
{
	unsigned *b, *n, i = 0, j = 0;
	uint64_t added = 0, removed = 0;
	/* Reported in two passes, added first: a list of each kind reads better. */
	unsigned char *only_now, *only_base;

	if (!w->started) {
		rulewatch_start(w, now);
		return 0;
	}
	b = sorted(&w->base);
	n = sorted(now);
	only_now = calloc(now->count + 1, 1);
	only_base = calloc(w->base.count + 1, 1);
	if (!b || !n || !only_now || !only_base) {
		free(b);
		free(n);
		free(only_now);
		free(only_base);
		audit_rule_list_free(now);
		return -ENOMEM;
	}
	while (i < w->base.count || j < now->count) {
		int c = i == w->base.count ? 1
			: j == now->count  ? -1
					   : cmp_across(&w->base, b[i], now, n[j]);

		if (c == 0) {
			i++;
			j++;
		} else if (c < 0) {
			only_base[b[i++]] = 1;
		} else {
			only_now[n[j++]] = 1;
		}
	}
	/* In the kernel's order, which is the order of the rules' lists. */
	for (unsigned k = 0; k < now->count; k++)
		if (only_now[k]) {
			added++;
			report(arg, true, now->rule[k], now->size[k]);
		}
	for (unsigned k = 0; k < w->base.count; k++)
		if (only_base[k]) {
			removed++;
			report(arg, false, w->base.rule[k], w->base.size[k]);
		}
	free(b);
	free(n);
	free(only_now);
	free(only_base);
	w->added += added;
	w->removed += removed;
	rulewatch_start(w, now);
	return (int)(added + removed);
}

void rulewatch_free(struct rulewatch *w)
{
	audit_rule_list_free(&w->base);
	memset(w, 0, sizeof(*w));
}
