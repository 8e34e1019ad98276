/* SPDX-License-Identifier: MIT */
/*
 * redact: the secrets of an event's command lines replaced, in its records'
 * text, before any output is formatted from it (the filter file's redact
 * rules, README.md, Filters).
 *
 *   event --EXECVE aN / aN[k] (all its EXECVE records)--> "a0 a1 a2 ..."
 *         --PROCTITLE (hex, NUL-separated argv)---------> "a0 a1 a2 ..."
 *         --USER_CMD's cmd= (sudo's command, in msg='...')--> "cmd args ..."
 *                        | each redact rule's PCRE2 pattern, every match
 *                        v
 *   spans: each capture group that took part in a match (the whole match
 *   when the pattern has no group), merged; each span, clipped to the
 *   arguments it covers, becomes "<redacted>" there
 *                        |
 *                        v
 *   a copy of the event whose changed fields are written again as the
 *   kernel writes them (hex when the value was hex or needs it, else
 *   "quoted"; aN_len counts the new pieces), every other byte as it was
 *
 * The patterns see each command line as one string, the arguments joined
 * by single spaces (as ausearch -i shows it; sudo's cmd= as sudo wrote it), so a rule can look at the
 * argument before the secret. A span never takes a separator away: the
 * argument count and order stay. A pattern whose match fails (PCRE2's
 * match or depth limit) redacts the whole command line: a secret is never
 * written because a match gave up.
 *
 * Cost: a set without redact rules costs a test; with rules, an event
 * without EXECVE or PROCTITLE costs a look at its record types, and one
 * whose only command line is a PROCTITLE the scratch saw lately without a
 * match (the same process's next system call) a comparison. Memory is the
 * scratch's, reused from event to event.
 *
 * Pure: no I/O, no logging, no global state; one scratch per thread (the
 * compiled patterns are shared, read only).
 */
#ifndef NEEDLE_DECODE_REDACT_H
#define NEEDLE_DECODE_REDACT_H

#include "assemble.h"
#include "filter.h"

#include <stdbool.h>
#include <stddef.h>

/* What replaces a secret. */
#define REDACT_MARK "<redacted>"

struct redact_scratch;

/* NULL with errno ENOMEM. */
struct redact_scratch *redact_scratch_new(void);
void redact_scratch_free(struct redact_scratch *s);

/* One rule's values replaced in the last redact_event() call. */
struct redact_hit {
	unsigned rule;   /* index in the set (filter_rule_line() etc.) */
	unsigned values; /* spans it matched (before merging with others) */
};

/* ev with its command lines' secrets replaced under fs's redact rules.
 * Returns ev itself when nothing was replaced (no rule, no command line,
 * no match), else an event in s, valid until the next call on s and while
 * ev is (its node points into ev's text); NULL with errno ENOMEM when it
 * could not be built (the caller must not write ev then). The rules that
 * replaced something are in redact_last_hits(). */
const struct audit_event *redact_event(const struct filter_set *fs, struct redact_scratch *s,
				       const struct audit_event *ev);

/* The rules that replaced values in the last call: returns how many, their
 * list in *ret (valid until the next call). */
unsigned redact_last_hits(const struct redact_scratch *s, const struct redact_hit **ret);

/* True when the set has redact rules. */
bool filter_set_redacts(const struct filter_set *fs);

#endif
