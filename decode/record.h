/* SPDX-License-Identifier: MIT */
/*
 * record: one audit record split into its parts and fields, in place.
 *
 * Two inputs:
 *   kernel datagram   type from the netlink header, text "audit(S.MS:N): body"
 *   auditd log line   "[node=X ]type=NAME msg=audit(S.MS:N): body[\x1dENRICHED]"
 *
 * Fields are name=value, separated by spaces. A value is
 *   "quoted"       up to the next '"' (the kernel hex-encodes any string that
 *                  holds a quote, space or control byte, so no escapes)
 *   'nested'       user-space records carry msg='k=v k=v': the nested
 *                  fields are listed too, flagged nested, after the msg field
 *   plain          up to the next space (numbers, hex strings, ?, (null))
 * Words without '=' (AVC's "avc:  denied  { read } for") become fields with
 * an empty name, so nothing of the record is lost. One exception: the LOGIN
 * record of kernels before 3.13, "old auid=X new auid=Y old ses=A new
 * ses=B", is read with the names today's kernel writes (old-auid=X auid=Y
 * old-ses=A ses=B), so auid is the new login uid in both formats.
 *
 * Nothing is copied or allocated: names and values point into the text,
 * which must outlive the record. The parser reads at most len bytes.
 */
#ifndef NEEDLE_DECODE_RECORD_H
#define NEEDLE_DECODE_RECORD_H

#include "stamp.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum field_quote { FIELD_PLAIN = 0, FIELD_DOUBLE = '"', FIELD_SINGLE = '\'' };

enum field_flag {
	FIELD_NESTED = 1,   /* inside msg='...' */
	FIELD_ENRICHED = 2, /* after the 0x1d separator: auditd's interpretation */
	FIELD_OPEN = 4,     /* a quote that never closed: value runs to the end */
	FIELD_ENCODED = 8,  /* hex-encoded: an unquoted value of even length of a
			     * field interp_field_encoded() names for the
			     * record's type (set by the parser) */
	FIELD_REPEAT = 16,  /* a later field of a name already used in its object
			     * (set by the formatter, see json-records.c) */
};

struct audit_field {
	const char *name;
	const char *value;
	uint32_t name_len; /* 0: a word without '=' (name still points into the text) */
	uint32_t value_len;
	uint8_t quote;     /* enum field_quote */
	uint8_t flags;     /* enum field_flag */
};

struct audit_record {
	unsigned type;             /* numeric; 0 when a log names an unknown type */
	const char *type_name;     /* as the log wrote it (log input), else NULL */
	uint32_t type_name_len;
	struct audit_stamp stamp;
	const char *node;          /* log input with node=, else NULL */
	uint32_t node_len;
	const char *body;          /* after "): ", up to 0x1d or the end */
	size_t body_len;
	const char *enriched;      /* after 0x1d, or NULL */
	size_t enriched_len;
	struct audit_field *fields;
	unsigned nfields;
	bool fields_truncated;     /* more fields than the caller's array */
};

enum record_error {
	RECORD_OK = 0,
	RECORD_NO_TYPE = 1,    /* log line: no "type=" */
	RECORD_NO_MSG = 2,     /* log line: no " msg=" after the type */
	RECORD_BAD_STAMP = 3,  /* no well-formed audit(S.MS:N) */
};

/* A readable name for an enum record_error. */
const char *decode_record_strerror(int error);

/* Parses a kernel record of netlink type `type`. fields/cap is the caller's
 * array. Returns RECORD_OK or a record_error; *ret is filled in both cases
 * as far as the text allowed. */
int decode_record_kernel(unsigned type, const char *text, size_t len, struct audit_field *fields,
			 unsigned cap, struct audit_record *ret);

/* Parses one auditd log line (without its newline). */
int decode_record_line(const char *line, size_t len, struct audit_field *fields, unsigned cap,
		       struct audit_record *ret);

/* Parses a record body (the text after "): ") whose type and stamp are
 * already known (an assembled event's). log_line: the body came from an
 * auditd log, where 0x1d starts the ENRICHED part; in a kernel record
 * 0x1d is the record's own text (a user-space message may hold one). */
void decode_record_body(unsigned type, const char *body, size_t len, bool log_line,
			struct audit_field *fields, unsigned cap, struct audit_record *ret);

/* Splits body text into fields (used by both; exposed for tests). */
void decode_fields(const char *text, size_t len, uint8_t flags, struct audit_record *rec,
		   unsigned cap);

/* Finds the first field named name (not nested, not enriched), or NULL. */
const struct audit_field *record_field(const struct audit_record *rec, const char *name);

#endif
