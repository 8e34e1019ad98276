/* SPDX-License-Identifier: MIT */
/*
 * rules-load.c: one batch of requests per step, then a line for each
 * refusal and one summary. A rule the kernel already has (EEXIST) is kept
 * as needle's: it is one of the rules needle is configured to load, so it
 * is removed at stop with the others (a killed needle's stay otherwise).
 */
#include "rules-load.h"
#include "audit-ctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Loads the built-in rules when the kernel has none; a rule the kernel
 * refuses is named and skipped, the others still load. */
void rules_load_default(const struct rules_load *ld)
{
	struct rule_set set;
	struct ctl_request *reqs;
	unsigned loaded = 0;
	char err[512];

	if (rules_build_default(&set, err, sizeof(err)) < 0) {
		ld->say("default rules not loaded: %s", err);
		return;
	}
	reqs = calloc(set.count, sizeof(*reqs));
	if (!reqs) {
		ld->say("out of memory: default rules not loaded");
		rules_free(&set);
		return;
	}
	for (unsigned i = 0; i < set.count; i++)
		reqs[i] = (struct ctl_request){ .op = CTL_ADD_RULE, .rule = set.rule[i],
						.size = rules_size(set.rule[i]) };
	ld->run(ld->arg, reqs, set.count);
	for (unsigned i = 0; i < set.count; i++) {
		if (reqs[i].result < 0)
			ld->say("the kernel refused default rule '%s': %s", set.text[i],
			        audit_ctl_strerror(reqs[i].result));
		else if (rules_append(ld->kept, set.rule[i], rules_size(set.rule[i]), set.text[i]) < 0)
			ld->say("out of memory: default rule '%s' is not removed at stop", set.text[i]);
		else
			loaded++;
	}
	free(reqs);
	rules_free(&set);
	ld->say("loaded %u default rule(s) with key %s", loaded, RULES_DEFAULT_KEY);
}

static struct ctl_request entry_request(const struct rulefile_entry *e)
{
	switch (e->op) {
	case RULEFILE_ADD:
		return (struct ctl_request){ .op = CTL_ADD_RULE, .rule = e->rule, .size = e->size };
	case RULEFILE_DELETE:
		return (struct ctl_request){ .op = CTL_DEL_RULE, .rule = e->rule, .size = e->size };
	default:
		return (struct ctl_request){ .op = CTL_DEL_KEY, .key = e->key };
	}
}

/*
 * The rules file's lines, in its order, from one child: -D deletes, -a/-w
 * adds, -d/-W deletes. A rule the kernel refuses is said at its line and
 * the others still load; one the kernel already has is counted needle's
 * (it is in needle's rules: removed at stop with the others, so a killed
 * needle's rules do not stay behind the next one).
 */
void rules_load_file(const struct rules_load *ld, const struct rulefile *rf)
{
	struct ctl_request *reqs = calloc(rf->count + 1, sizeof(*reqs));
	unsigned added = 0, had = 0, refused = 0;

	if (!reqs) {
		ld->say("out of memory: the rules of %s are not loaded", rf->path);
		return;
	}
	for (unsigned i = 0; i < rf->count; i++)
		reqs[i] = entry_request(&rf->entry[i]);
	ld->run(ld->arg, reqs, rf->count);
	for (unsigned i = 0; i < rf->count; i++) {
		const struct rulefile_entry *e = &rf->entry[i];
		int r = reqs[i].result;

		if (e->op == RULEFILE_DELETE_ALL) {
			if (r < 0)
				ld->say("%s:%u: could not delete the kernel's rules: %s", e->at.file,
				        e->at.line, audit_ctl_strerror(r));
			else if (reqs[i].count)
				ld->say("%s:%u: deleted %u rule(s) the kernel had", e->at.file, e->at.line,
				        reqs[i].count);
		} else if (e->op == RULEFILE_DELETE) {
			if (r < 0)
				ld->say("%s:%u: the kernel did not delete the rule: %s", e->at.file,
				        e->at.line, audit_ctl_strerror(r));
		} else if (r == 0 || r == -EEXIST) {
			if (rules_append(ld->kept, e->rule, e->size, e->text) < 0) {
				ld->say("%s:%u: out of memory: this rule is not removed at stop",
					e->at.file, e->at.line);
				continue;
			}
			/* -A: the kernel drops the prepend flag once the rule is in
			 * (kernel/auditfilter.c, audit_add_rule), and finds the rule
			 * to delete by its flags: it is deleted without. */
			ld->kept->rule[ld->kept->count - 1]->flags &= ~(uint32_t)AUDIT_FILTER_PREPEND;
			added += r == 0;
			had += r == -EEXIST;
		} else {
			refused++;
			ld->say("%s:%u: the kernel refused the rule: %s; line left out: %s", e->at.file,
			        e->at.line, audit_ctl_strerror(r), e->text);
		}
	}
	free(reqs);
	ld->say("rules: %u of %u rule(s) of %s loaded%s%.0u%s; %u line(s) left out (each said "
		"above)",
	        added + had, rulefile_rules(rf), rf->path, had ? " (" : "", had,
	        had ? " already there, kept)" : "", rf->errors + refused);
}

/* -e 2 and --loginuid-immutable last until reboot: applied after every
 * rule (as augenrules puts -e last) when rules_immutable = apply. */
bool rules_load_irreversible(const struct rules_load *ld, const struct rulefile *rf, bool apply)
{
	struct ctl_request req;

	if (rf->loginuid_immutable.line && !apply)
		ld->say("%s:%u: --loginuid-immutable skipped (rules_immutable = skip)",
		        rf->loginuid_immutable.file, rf->loginuid_immutable.line);
	else if (rf->loginuid_immutable.line) {
		req = (struct ctl_request){ .op = CTL_LOCK_LOGINUID };
		ld->run(ld->arg, &req, 1);
		if (req.result < 0)
			ld->say("%s:%u: --loginuid-immutable refused: %s", rf->loginuid_immutable.file,
			        rf->loginuid_immutable.line, audit_ctl_strerror(req.result));
	}
	if (rf->lock.line && !apply) {
		ld->say("%s:%u: -e 2 skipped (rules_immutable = skip): the kernel's audit "
		        "configuration stays unlocked",
		        rf->lock.file, rf->lock.line);
		return false;
	}
	if (!rf->lock.line)
		return false;
	req = (struct ctl_request){ .op = CTL_LOCK };
	ld->run(ld->arg, &req, 1);
	if (req.result < 0) {
		ld->say("%s:%u: -e 2 refused: %s", rf->lock.file, rf->lock.line,
			audit_ctl_strerror(req.result));
		return false;
	}
	ld->say("%s:%u: -e 2: the kernel's audit configuration is locked until reboot; from now "
	        "on needle cannot change its settings or rules, and leaves them as they are at stop",
	        rf->lock.file, rf->lock.line);
	return true;
}

