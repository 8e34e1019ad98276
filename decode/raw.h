/* SPDX-License-Identifier: MIT */
/*
 * raw: one kernel record as an auditd RAW log line,
 *   type=NAME msg=audit(SEC.MS:SERIAL): ...\n
 * Type names are libaudit's (type=UNKNOWN[N] for a type it does not know,
 * as auditd writes). Control bytes in the text (a newline in a user-space
 * message, say) are written as \xHH, so one record is always one line and
 * cannot forge another.
 */
#ifndef NEEDLE_DECODE_RAW_H
#define NEEDLE_DECODE_RAW_H

#include <stddef.h>
#include <stdint.h>

/* Most bytes decode_format_raw() writes for a text of len bytes. */
#define DECODE_RAW_MAX(len) (64 + 4 * (size_t)(len))

/* The auditd name of a record type, or NULL when unknown. */
const char *decode_type_name(unsigned type);
/* The same, and its length (0 when NULL). */
const char *decode_type_name_len(unsigned type, size_t *ret_len);

/* Formats the line into out (at least DECODE_RAW_MAX(len) bytes);
 * returns the bytes written. */
size_t decode_format_raw(unsigned type, const char *text, size_t len, char *out);

/* The same for a record whose body is kept apart from its stamp text
 * ("audit(S.MS:N): "), as in an assembled event. out needs
 * DECODE_RAW_MAX(stamp_len + len) bytes. */
size_t decode_format_raw_stamped(unsigned type, const char *stamp, size_t stamp_len,
				 const char *body, size_t len, char *out);

#endif
