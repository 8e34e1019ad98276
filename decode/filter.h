/* SPDX-License-Identifier: MIT */
/*
 * filter: which assembled events are written, dropped or diverted, decided
 * before anything is formatted (README.md, Filters, has the syntax).
 *
 *   filter file --filter_parse()--> struct filter_set (rules, in order)
 *                                        |
 *   assembled event --filter_event()--> the first rule whose matches all
 *                                       hold decides: write, drop, divert
 *
 * One rule a line: ACTION [MATCH...] [rate=N/s [burst=B]], e.g.
 *   drop key=noisy
 *   drop key=none
 *   keep-first-per-process exe=/usr/sbin/cron
 *   divert syscall=connect addr=10.0.0.0/8 port=53
 *   drop key=x rate=100/s         (key x: at most 100 a second written)
 *   redact "--password=(\S+)"    (not a verdict: see redact.h)
 *
 * Invariants: redact rules take no part in the verdict (they apply to every
 * event written or diverted, redact.h); the other rules are tried in file
 * order and the first whose matches
 * all hold (a rule without matches holds for every event) decides; an
 * event no rule holds for is written. Every event gets one verdict and at
 * most one rule; the caller counts it under that rule (filter_result), so
 * events in = written + diverted + dropped, rule by rule.
 *
 * A set is compiled once and then only read, except its limits (the token
 * buckets of rate=, the process tables of keep-first-per-process), which
 * are C11 atomics: several decoder threads can share one set and its limits
 * hold over all of them. Event time (the audit timestamp), not the wall
 * clock, drives the buckets, so a log replayed by `needle decode --filter`
 * gets the verdicts the live collector gave.
 *
 * Pure: no I/O, no logging. User names in uid matches are resolved by the
 * caller's hook when the file is parsed (as auditctl does).
 */
#ifndef NEEDLE_DECODE_FILTER_H
#define NEEDLE_DECODE_FILTER_H

#include "assemble.h"
#include "format.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for every error of a bad filter file (filter_parse's err). */
#define FILTER_ERRORS_MAX 8192

enum filter_action {
	FILTER_ACTION_DROP,
	FILTER_ACTION_KEEP,
	FILTER_ACTION_DIVERT,
	FILTER_ACTION_KEEP_FIRST, /* keep-first-per-process */
	FILTER_ACTION_REDACT,     /* redact "PATTERN": decides nothing (redact.h) */
};

/* What happens to the event. */
enum filter_verdict {
	FILTER_WRITE,  /* to the outputs, as without filters */
	FILTER_DROP,   /* nowhere; counted under its rule */
	FILTER_DIVERT, /* to the divert file instead of the outputs */
};

/* Why, for the counters: each outcome is one rule's. */
enum filter_outcome {
	FILTER_NO_RULE,        /* no rule held: written */
	FILTER_KEPT,           /* keep, or drop/keep with rate= within its rate */
	FILTER_DROPPED,        /* drop */
	FILTER_DIVERTED,       /* divert (with rate=: within its rate) */
	FILTER_FIRST_KEPT,     /* keep-first-per-process: the process's first */
	FILTER_REPEAT_DROPPED, /* keep-first-per-process: a later one, dropped */
	FILTER_RATE_DROPPED,   /* rate=: past the rate, dropped */
	FILTER_OUTCOME_COUNT
};

struct filter_result {
	int rule;                    /* index of the deciding rule; -1: none */
	enum filter_outcome outcome;
};

/* A user name to its uid; 0, or -ENOENT when there is no such user. */
typedef int (*filter_user_fn)(void *arg, const char *name, uint32_t *ret_uid);

struct filter_set;

/* Parses a filter file's text (len bytes) named origin (its path). Returns
 * the set, or NULL with errno EINVAL and every error of the text in err,
 * one a line ("origin:line: what is wrong", joined by '\n'; give it
 * FILTER_ERRORS_MAX bytes), or NULL with errno ENOMEM. user may be NULL:
 * then only numeric uids are taken. */
struct filter_set *filter_parse(const char *origin, const char *text, size_t len,
				filter_user_fn user, void *user_arg, char *err, size_t err_size);

void filter_set_free(struct filter_set *fs);

/* The file the set was read from, and its rules. */
const char *filter_set_origin(const struct filter_set *fs);
unsigned filter_set_rules(const struct filter_set *fs);
unsigned filter_rule_line(const struct filter_set *fs, unsigned rule);
enum filter_action filter_rule_action(const struct filter_set *fs, unsigned rule);
/* The rule as the file wrote it (comment and outer blanks removed). */
const char *filter_rule_text(const struct filter_set *fs, unsigned rule);

/* The line of the first divert rule, 0 when none: a caller without a
 * divert file refuses such a set. */
unsigned filter_set_divert_line(const struct filter_set *fs);

/* True when a rule reads the process context (ancestor=, container=,
 * runtime=, or keep-first-per-process, which tells processes apart by
 * their start time when it is known). */
bool filter_set_wants_process(const struct filter_set *fs);

/* The verdict for one assembled event. The event's records are parsed
 * into ctx (as every format_event_* call does) and, when the set wants
 * it, its process context asked through ctx->process. Never loses an
 * event it cannot look at: out of memory, the verdict is FILTER_WRITE with
 * rule -1. */
enum filter_verdict filter_event(struct filter_set *fs, struct format_ctx *ctx,
				 const struct audit_event *ev, struct filter_result *ret);

/* The verdict an outcome gives. */
enum filter_verdict filter_outcome_verdict(enum filter_outcome o);

/* The counter label of an outcome: "keep", "drop", "divert",
 * "keep-first-per-process" (a repeat dropped), "first" (a first kept),
 * "rate" (past the rate), "none". */
const char *filter_outcome_name(enum filter_outcome o);

#endif
