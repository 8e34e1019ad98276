/* SPDX-License-Identifier: MIT */
/*
 * convert: one NATS message of needle's (one event: its JSON line, or its
 * RAW lines joined by \n) into the lines needle gather writes.
 *
 *   message as it came              -f json        -f raw / enriched    -f summary
 *   JSON line  (Needle-Format json)  the line       the line (to .json)  summary-json.c
 *   RAW lines  (Needle-Format raw)   re-decoded     the lines / enriched re-decoded
 *
 * A JSON line cannot be turned back into auditd's lines exactly (the
 * records' own text, hex encoding and field order are not all in it), so
 * -f raw and -f enriched write a JSON message as the JSON line it is, to
 * the host's .json file (CONVERT_TO_JSON_FILE). Re-decoding RAW lines
 * gives JSON and summaries without the origin's names or process context
 * (neither is in the RAW text); ENRICHED needs names, which are this
 * machine's, as `ausearch -i` on a central machine gives them.
 *
 * The message is untrusted: a JSON payload must be one strict JSON object
 * on one line whose "id" is the one its Nats-Msg-Id names; RAW lines must
 * each be an audit record of that id, with no control byte but auditd's
 * 0x1d. Anything else is refused (-EINVAL with the reason), never written
 * in part. With `decorate` (one stream for all hosts: standard output)
 * each line says its host: "host" after the JSON's "id", `node=HOST ` before
 * a RAW line that has no node=, `HOST ` before a summary.
 */
#ifndef NEEDLE_CONVERT_H
#define NEEDLE_CONVERT_H

#include "outbuf.h"
#include "stamp.h"

#include <stdbool.h>
#include <stddef.h>

enum convert_format { CONVERT_JSON, CONVERT_RAW, CONVERT_ENRICHED, CONVERT_SUMMARY };

/* Which of the host's files the lines go to. */
enum convert_file { CONVERT_TO_JSON_FILE, CONVERT_TO_LOG_FILE };

struct convert_message {
	const char *host;               /* Needle-Host, checked (convert_host_ok) */
	size_t host_len;
	struct audit_stamp id;          /* from Nats-Msg-Id */
	const char *id_text;            /* its text, SEC.MS:SERIAL */
	size_t id_len;
	bool raw;                       /* Needle-Format: raw */
	const char *data;               /* the payload */
	size_t len;
};

struct convert;

/* NULL with errno ENOMEM. */
struct convert *convert_new(enum convert_format format, bool decorate);
void convert_free(struct convert *c);

/* Appends the message's lines (each ending in \n) to out; *ret_file says
 * which file they go to. 0; -EINVAL with *ret_why (a static string) when
 * the message is not one of needle's events; -ENOMEM. out gets nothing
 * on failure. */
int convert_message(struct convert *c, const struct convert_message *m, struct outbuf *out,
		    enum convert_file *ret_file, const char **ret_why);

/* Whether a Needle-Host value can name the host's files and its lines: 1
 * to 200 bytes of letters, digits, '.', '_' and '-', not starting with
 * '.' (no path, no hidden file, nothing to escape). */
bool convert_host_ok(const char *host, size_t len);

#endif
