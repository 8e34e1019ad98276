/* SPDX-License-Identifier: MIT */
/*
 * format-internal: what decode/'s output writers share. Private: only the
 * files that implement format.h include it; everyone else includes format.h.
 *
 *   event.c          parse the event's records once; the subject index; the
 *                    process-context question; type names, partial reasons
 *   argv.c           an execve's argv as a JSON array (JSON and summary)
 *   json.c           format_event_json: the line, who/what/where/how/why/objects
 *   json-records.c   its "records" member: every field of every record
 *   raw.c            format_event_raw: the records as auditd RAW lines
 *   enrich.c         format_event_enriched: RAW lines plus auditd's ENRICHED part
 *   summary.c        format_event_summary: one human-readable line
 *   summary-json.c   format_summary_from_json: the same line from needle's JSON
 *   filter-match.c   filter.h's matches and filter.c's verdict: they read the
 *   filter.c         parsed event as the writers do, before anything is written
 *   redact.c         the redact rules: EXECVE's argument names, as argv.c reads them
 *
 * Every writer of an event first calls format_parse_event(): the records'
 * fields then sit in ctx->recs[0..ev->nrecords) (in the event's order) and
 * point into the event's text. JSON and the summary then index the subject
 * record (format_index_subject) and ask for the process context
 * (format_ask_process), in that order. ctx->value, value2 and path are
 * scratch that any helper may overwrite; a failed allocation in them is
 * collected once per event by format_scratch_failed(), which the writer
 * calls last.
 */
#ifndef NEEDLE_DECODE_FORMAT_INTERNAL_H
#define NEEDLE_DECODE_FORMAT_INTERNAL_H

#include "format.h"
#include "interpret.h"

#include <string.h>

/* Lookups, inline: they run for every field of every event. */

static inline bool name_is_n(const struct audit_field *f, const char *name, size_t n)
{
	/* Length and first byte reject nearly all, without a call. */
	return f->name_len == n && n > 0 && f->name[0] == name[0] && memcmp(f->name, name, n) == 0;
}

/* Names are literals: their length is known at compile time. */
#define name_is(f, lit) name_is_n((f), (lit), sizeof(lit) - 1)

static inline const struct audit_record *find_record(const struct format_ctx *ctx,
						     const struct audit_event *ev, unsigned type)
{
	for (unsigned i = 0; i < ev->nrecords; i++)
		if (ctx->recs[i].type == type)
			return &ctx->recs[i];
	return NULL;
}

/* A field by name: top level first, then nested (user-space msg='...'). */
static inline const struct audit_field *find_field_n(const struct audit_record *r,
						     const char *name, size_t n)
{
	const struct audit_field *nested = NULL;

	if (!r)
		return NULL;
	for (unsigned i = 0; i < r->nfields; i++) {
		const struct audit_field *f = &r->fields[i];

		if (!(f->flags & FIELD_ENRICHED) && name_is_n(f, name, n)) {
			if (!(f->flags & FIELD_NESTED))
				return f;
			if (!nested)
				nested = f;
		}
	}
	return nested;
}

#define find_field(r, lit) find_field_n((r), (lit), strlen(lit))

/*
 * JSON's blocks and the summary read some twenty fields of one record (the
 * SYSCALL, or the first record). One pass indexes them (event.c), instead
 * of a scan per lookup.
 */
enum subject_field {
	S_AUID, S_UID, S_EUID, S_SUID, S_FSUID, S_GID, S_EGID, S_SGID, S_FSGID,
	S_PID, S_PPID, S_SES, S_TTY, S_TERMINAL, S_HOSTNAME, S_ADDR, S_COMM, S_EXE,
	S_KEY, S_ARCH, S_SYSCALL, S_SUCCESS, S_EXIT, S_RES, S_COUNT
};

#define SUBJ(ctx, slot) ((ctx)->subject[slot])
_Static_assert(S_COUNT <= sizeof(((struct format_ctx *)0)->subject) / sizeof(void *),
	       "format_ctx.subject holds every subject field");

/* The kernel writes a missing string as (null). */
static inline bool is_null_value(const struct audit_field *f)
{
	return !f || (f->value_len == 6 && memcmp(f->value, "(null)", 6) == 0);
}

/* Writes a field's (decoded) value as a JSON string. */
static inline void put_value(struct format_ctx *ctx, const struct audit_field *f,
			     struct outbuf *out)
{
	/* Most values are not encoded: escape them straight from the record,
	 * without the copy into ctx->value. */
	if (interp_field_is_hex(f) && interp_field_value(f, &ctx->value))
		outbuf_json_string(out, ctx->value.data, ctx->value.len);
	else
		outbuf_json_string(out, f->value, f->value_len);
}

/* True when s is a JSON integer as it stands: -?(0|[1-9][0-9]*), at most
 * 19 digits, so it can be copied instead of parsed and printed again. */
static inline bool json_integer(const char *s, size_t n)
{
	size_t i = n && s[0] == '-';

	if (i == n || n - i > 19 || (s[i] == '0' && n - i > 1))
		return false;
	for (; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* event.c */

/* Parses every record of ev into ctx; false when memory ran out. */
bool format_parse_event(struct format_ctx *ctx, const struct audit_event *ev);

/* Parses only the subject record (format_subject_record's); the others get
 * their type and no fields. For what reads only the subject (filters
 * without path, socket, TYPE.FIELD or process matches): a fifth of the
 * parsing of an event of five records. False when memory ran out. */
bool format_parse_subject(struct format_ctx *ctx, const struct audit_event *ev);

/* Fills ctx->subject from r (may be NULL: then every slot is NULL). */
void format_index_subject(struct format_ctx *ctx, const struct audit_record *r);

/* The record the summary reads who/where/how from: SYSCALL, else the first. */
const struct audit_record *format_subject_record(struct format_ctx *ctx,
						 const struct audit_event *ev);

/* Tells the caller what the event says and takes its process context into
 * ctx->proc (ctx->proc_valid). After format_index_subject(). */
void format_ask_process(struct format_ctx *ctx, const struct audit_event *ev);

/* True when a scratch buffer ran out of memory during this event; clears
 * the flags for the next one. */
bool format_scratch_failed(struct format_ctx *ctx);

/* auditd's name of a record type, or UNKNOWN[N], into buf. */
void format_type_name(unsigned type, char *buf, size_t size);

/* A PATH record's name, decoded into ctx->value, and made absolute against
 * the event's cwd into ctx->path. False when it has no name. */
bool format_resolve_name(struct format_ctx *ctx, const struct audit_field *name,
			 const struct audit_field *cwd);

/* Why a partial event is partial: "timeout", "records lost", ... */
const char *format_partial_reason(const struct audit_event *ev);

/* argv.c */

/* A JSON array of the NUL-separated strings in p[0..n) (a PROCTITLE). */
void format_put_nul_split_array(struct outbuf *out, const char *p, size_t n);

/* An EXECVE field's name: aN (*ret_piece -1), aN_len (-2) or aN[k] (k);
 * false for any other name (argv.c; redact.c reads the same names). */
bool format_exec_arg_name(const struct audit_field *f, long long *ret_arg, long long *ret_piece);

/* The argv of the EXECVE records recs[0..n) as a JSON array. */
void format_put_execve_argv(struct format_ctx *ctx, struct audit_record *const *recs, unsigned n,
			    struct outbuf *out);

/* The event's argv from its EXECVE records; false when it has none. */
bool format_put_event_argv(struct format_ctx *ctx, const struct audit_event *ev,
			   struct outbuf *out);

/* summary.c */

/* A value for a summary line: bare when it is a plain word, else in
 * quotes through the JSON escaper, so it can never break the line. */
void format_put_summary_value(struct outbuf *out, const char *p, size_t n);

/* json-records.c */

/* "records":{...}: every record of the parsed event, grouped by type. */
void format_put_records(struct format_ctx *ctx, const struct audit_event *ev, struct outbuf *out);

/* raw.c */

/* "audit(SEC.MS:SERIAL): " of ev into buf; returns its length. */
size_t format_raw_stamp(const struct audit_event *ev, char *buf, size_t size);

/* One record's RAW line without its newline; false when out of memory. */
bool format_put_raw_line(const struct audit_event *ev, const struct event_record *r,
			 const char *stamp, size_t stamp_len, struct outbuf *out);

#endif
