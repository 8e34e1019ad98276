/* SPDX-License-Identifier: MIT */
/*
 * rulewatch: which rules someone else added to the kernel, or removed,
 * since the last look.
 *
 *   start:  the kernel's rules once needle has loaded its own = the base
 *   each rules_check_interval:  the kernel's rules now
 *      --> in now, not in the base: added;  in the base, not now: removed
 *      --> each said by the caller (rule-text.h names it), counted, and
 *          now becomes the base (a change is reported once)
 *
 * Rules are compared in the kernel's binary form, as the kernel lists them
 * (the same rule lists the same bytes), as a multiset: a rule moved in its
 * list is no change, one loaded twice counts twice. Pure: the caller lists
 * the rules (audit_ctl_list_rules). Main thread only.
 */
#ifndef NEEDLE_RULEWATCH_H
#define NEEDLE_RULEWATCH_H

#include "audit-ctl.h"

#include <stdbool.h>
#include <stdint.h>

struct rulewatch {
	struct audit_rule_list base;
	bool started;
	uint64_t added, removed; /* since rulewatch_start */
};

/* Takes list as the base (the watch owns it from now on). */
void rulewatch_start(struct rulewatch *w, struct audit_rule_list *list);

/* One change: added (else removed), the rule as the kernel lists it. */
typedef void rulewatch_report_fn(void *arg, bool added, const struct audit_rule_data *rule,
				 size_t size);

/* Compares now with the base: report(arg, ...) for each rule added, then
 * each removed; counts them; now becomes the base (the watch owns it).
 * Returns how many changed. Before rulewatch_start: now becomes the base,
 * nothing is reported. -ENOMEM (base kept, now freed) when out of memory. */
int rulewatch_check(struct rulewatch *w, struct audit_rule_list *now, rulewatch_report_fn *report,
		    void *arg);

void rulewatch_free(struct rulewatch *w);

#endif
