/* SPDX-License-Identifier: MIT */
/*
 * stamp: the "audit(SEC.MS:SERIAL): " prefix every kernel audit record
 * carries. The serial identifies the event: all records of one event share
 * it, which is what the collector shards on.
 *
 * Pure: no allocation, no I/O; reads at most len bytes, NUL or not.
 */
#ifndef NEEDLE_DECODE_STAMP_H
#define NEEDLE_DECODE_STAMP_H

#include <stddef.h>
#include <stdint.h>

struct audit_stamp {
	uint64_t sec;
	uint32_t msec;
	uint32_t serial; /* the kernel's serial is an unsigned int */
};

/* Parses the stamp at the start of text. Returns the bytes it took (through
 * the "): " that ends it, or the ")" when the text ends there), or -EINVAL
 * when text does not start with a well-formed stamp. *ret_stamp is written
 * only on success. */
int decode_stamp(const char *text, size_t len, struct audit_stamp *ret_stamp);

#endif
