/* SPDX-License-Identifier: MIT */
/*
 * audisp: an event as auditd's dispatcher hands it to a plugin on its
 * standard input (audit-userspace, audisp/audispd.c), record by record,
 * the EOE record included (auditd logs no EOE but sends it to plugins).
 *
 *   string: one line per record, as auditd's log has it: the RAW line
 *           (type=NAME msg=audit(S.MS:N): ...), or with enriched the
 *           ENRICHED line (auditd with log_format = ENRICHED sends that);
 *           then "type=EOE msg=audit(S.MS:N): " when the event ended on one.
 *   binary: per record, struct audit_dispatcher_header (libaudit.h: ver,
 *           hlen 16, type, size) and size bytes: RAW, ver 0
 *           (AUDISP_PROTOCOL_VER) and the kernel's text "audit(S.MS:N):
 *           ..."; ENRICHED, ver 1 (AUDISP_PROTOCOL_VER2) and the line
 *           without its newline. As auditd 4 writes it; auditd 3.0.9 padded
 *           every record to 8970 bytes (MAX_AUDIT_MESSAGE_LENGTH), garbage
 *           included. size is at most 8970: a longer line is cut there.
 *
 * Where auditd turns a newline inside a record into a space and copies
 * other control bytes raw, the string lines here are RAW's and ENRICHED's
 * own (raw.h): control bytes written \xHH, so one record is one line.
 * Pure, like the rest of decode/: the names come from ctx's callbacks.
 */
#ifndef NEEDLE_DECODE_AUDISP_H
#define NEEDLE_DECODE_AUDISP_H

#include "format.h"

#include <stdbool.h>

/* The most data bytes a binary record carries (MAX_AUDIT_MESSAGE_LENGTH). */
#define AUDISP_DATA_MAX 8970
#define AUDISP_HEADER_SIZE 16

/* Appends the event in the string format; returns the records written
 * (EOE included). out->failed when out of memory. */
unsigned format_event_audisp_string(struct format_ctx *ctx, const struct audit_event *ev,
				    bool enriched, struct outbuf *out);

/* The same in the binary format. */
unsigned format_event_audisp_binary(struct format_ctx *ctx, const struct audit_event *ev,
				    bool enriched, struct outbuf *out);

/* How many whole records the first len bytes of a binary stream hold
 * (headers read as written here). For a writer that was cut off. */
unsigned audisp_binary_records(const char *data, size_t len);

#endif
