/* SPDX-License-Identifier: MIT */
/*
 * rulekey: the audit rule key an event is counted under (needle stat's
 * table of keys, needle_key_* metrics, needle decode --stats), read from
 * the event's text without formatting it.
 *
 *   event --subject record (SYSCALL, else the first)--> its key= field
 *        --decoded (quoted, hex, (null))--> the first of its keys
 *
 * The key is the one why.keys[0] shows and filter rules match (key=): the
 * subject record's top-level key= field, else its first nested one
 * (user-space msg='...'); several keys (joined by 0x01) give the first.
 * The kernel writes key= as the SYSCALL record's last field, so the common
 * case reads only the record's tail; any other shape parses that one
 * record (decode_record_body), never the whole event. The tail read is the
 * parse's answer whenever the record's text holds key= once and the parse
 * takes it for a field (every record the kernel writes; fuzz-assemble
 * checks it); text no kernel writes, a="b key="x" or two key= fields, may
 * get another answer: it only decides the row an event counts under.
 *
 * Pure: no I/O, no global state; the scratch is the caller's (one per
 * thread).
 */
#ifndef NEEDLE_DECODE_RULEKEY_H
#define NEEDLE_DECODE_RULEKEY_H

#include "assemble.h"
#include "outbuf.h"
#include "record.h"

#include <stdbool.h>
#include <stddef.h>

struct rulekey_scratch {
	struct audit_field *fields; /* the subject record's, when parsed */
	unsigned cap;
	struct outbuf value;        /* a hex key, decoded */
};

/* The event's first rule key: true with *ret_key (pointing into ev's text
 * or into s) and *ret_len; false when it has none (no key= field, "(null)",
 * an empty key) or s could not grow (out of memory: counted as none). */
bool rulekey_first(const struct audit_event *ev, struct rulekey_scratch *s, const char **ret_key,
		   size_t *ret_len);

void rulekey_scratch_free(struct rulekey_scratch *s);

#endif
