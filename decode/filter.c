/* SPDX-License-Identifier: MIT */
/*
 * filter: an event's verdict (filter.h): its records parsed once into the
 * format context (only the subject record when no rule reads another),
 * then the rules in order; the first whose matches all hold decides,
 * through its limits when it has them.
 *
 *   event -> parse, subject, [process context] -> rule 1 .. rule N
 *                                                  first that holds:
 *     drop                  drop
 *     keep                  write
 *     divert                divert
 *     keep-first-per-process  first of its process: write; else drop
 *     rate= (drop, keep)    within the rate: write; past it: drop
 *     rate= (divert)        within the rate: divert; past it: drop
 *
 * keep-first-per-process tells processes by pid and, where the process
 * context knows it, start time; a successful execve starts a new program
 * (its first matching event is written again) and an exit ends the
 * process, both whether or not they match the rule.
 */
#include "filter-internal.h"
#include "format-internal.h"

#include <string.h>

const char *filter_set_origin(const struct filter_set *fs)
{
	return fs->origin;
}

unsigned filter_set_rules(const struct filter_set *fs)
{
	return fs ? fs->nrules : 0;
}

unsigned filter_rule_line(const struct filter_set *fs, unsigned rule)
{
	return fs->rules[rule].line;
}

enum filter_action filter_rule_action(const struct filter_set *fs, unsigned rule)
{
	return fs->rules[rule].action;
}

const char *filter_rule_text(const struct filter_set *fs, unsigned rule)
{
	return fs->rules[rule].text;
}

unsigned filter_set_divert_line(const struct filter_set *fs)
{
	return fs ? fs->divert_line : 0;
}

bool filter_set_wants_process(const struct filter_set *fs)
{
	return fs && fs->wants_process;
}

enum filter_verdict filter_outcome_verdict(enum filter_outcome o)
{
	switch (o) {
	case FILTER_DROPPED: case FILTER_REPEAT_DROPPED: case FILTER_RATE_DROPPED:
		return FILTER_DROP;
	case FILTER_DIVERTED:
		return FILTER_DIVERT;
	default:
		return FILTER_WRITE;
	}
}

const char *filter_outcome_name(enum filter_outcome o)
{
	static const char *const names[FILTER_OUTCOME_COUNT] = {
		[FILTER_NO_RULE] = "none",
		[FILTER_KEPT] = "keep",
		[FILTER_DROPPED] = "drop",
		[FILTER_DIVERTED] = "divert",
		[FILTER_FIRST_KEPT] = "first",
		[FILTER_REPEAT_DROPPED] = "keep-first-per-process",
		[FILTER_RATE_DROPPED] = "rate",
	};

	return (unsigned)o < FILTER_OUTCOME_COUNT ? names[o] : "none";
}

static bool rule_holds(const struct filter_rule *r, struct format_ctx *ctx,
		       const struct audit_event *ev)
{
	for (unsigned i = 0; i < r->nmatches; i++)
		if (!filter_match_holds(&r->matches[i], ctx, ev))
			return false;
	return true;
}

/* The process's start time, where the context knows it, tells a pid's
 * processes apart (0: not known). */
static uint32_t process_tag(const struct format_ctx *ctx)
{
	if (!ctx->proc_valid || !ctx->proc.known || ctx->proc.start_time <= 0)
		return 0;
	return (uint32_t)(uint64_t)(ctx->proc.start_time * 100.0);
}

static void forget_process(struct filter_set *fs, uint32_t pid)
{
	for (unsigned i = 0; i < fs->nrules; i++)
		if (fs->rules[i].first)
			filter_first_forget(fs->rules[i].first, pid);
}

static enum filter_outcome decide(struct filter_rule *r, struct format_ctx *ctx,
				  const struct audit_event *ev, uint32_t pid)
{
	uint64_t t_ns = ev->stamp.sec * 1000000000ull + ev->stamp.msec * 1000000ull;

	switch (r->action) {
	case FILTER_ACTION_KEEP_FIRST:
		/* No pid, no process to tell apart: written. */
		return !pid || filter_first_take(r->first, pid, process_tag(ctx))
			       ? FILTER_FIRST_KEPT
			       : FILTER_REPEAT_DROPPED;
	case FILTER_ACTION_DIVERT:
		return !r->rate || filter_rate_take(r->rate, t_ns) ? FILTER_DIVERTED
								   : FILTER_RATE_DROPPED;
	case FILTER_ACTION_KEEP:
		return !r->rate || filter_rate_take(r->rate, t_ns) ? FILTER_KEPT
								   : FILTER_RATE_DROPPED;
	default: /* drop; with rate= it drops only what exceeds the rate */
		if (!r->rate)
			return FILTER_DROPPED;
		return filter_rate_take(r->rate, t_ns) ? FILTER_KEPT : FILTER_RATE_DROPPED;
	}
}

enum filter_verdict filter_event(struct filter_set *fs, struct format_ctx *ctx,
				 const struct audit_event *ev, struct filter_result *ret)
{
	uint32_t pid = 0;
	bool ends = false;

	ret->rule = -1;
	ret->outcome = FILTER_NO_RULE;
	if (!fs || fs->nrules == fs->nredact) /* redact rules decide nothing */
		return FILTER_WRITE;
	/* Most rules read the subject record alone (key, syscall, ids, exe):
	 * an event they drop costs the parse of one record, not all. The
	 * process question reads EXECVE's a0 too. */
	if (!(fs->whole_event || fs->wants_process ? format_parse_event(ctx, ev)
						     : format_parse_subject(ctx, ev)))
		return FILTER_WRITE;
	format_index_subject(ctx, format_subject_record(ctx, ev));
	ctx->proc_valid = false;
	if (fs->wants_process)
		format_ask_process(ctx, ev);
	if (fs->has_first) {
		pid = filter_event_pid(ctx);
		if (pid && filter_event_starts_program(ctx, ev))
			forget_process(fs, pid); /* the new program's first is this */
		ends = pid && filter_event_ends_process(ctx, ev);
	}
	for (unsigned i = 0; i < fs->nrules; i++) {
		if (fs->rules[i].action == FILTER_ACTION_REDACT || !rule_holds(&fs->rules[i], ctx, ev))
			continue;
		ret->rule = (int)i;
		ret->outcome = decide(&fs->rules[i], ctx, ev, pid);
		break;
	}
	if (ends)
		forget_process(fs, pid); /* after its last event is decided */
	if (format_scratch_failed(ctx)) {
		/* A value could not be decoded to be compared: the verdict may be
		 * wrong, so the event is written (and counted under no rule). */
		ret->rule = -1;
		ret->outcome = FILTER_NO_RULE;
	}
	return filter_outcome_verdict(ret->outcome);
}
