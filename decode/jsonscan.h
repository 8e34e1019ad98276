/* SPDX-License-Identifier: MIT */
/*
 * jsonscan: reading a JSON text where it lies, without building a tree.
 *
 *   jsonscan_parse(line) --> root value (checked whole, strictly)
 *        |  jsonscan_member(obj, "who") / jsonscan_next(array, &cursor)
 *        v
 *   a value: where its text starts, its length, its type
 *        |  jsonscan_string() / jsonscan_integer()
 *        v
 *   the string's bytes (JSON escapes undone) or the number
 *
 * For text from elsewhere (a NATS message's payload: needle gather), so
 * jsonscan_parse() is strict: RFC 8259's grammar, no control byte inside
 * a string, at most JSONSCAN_MAX_DEPTH nested objects and arrays (the
 * recursion is bounded by it), nothing after the value but white space.
 * The other calls take values jsonscan_parse() accepted and never read
 * past their length. Object keys are compared as written (needle writes
 * its keys without escapes). Pure: no I/O, no allocation but the caller's
 * outbuf.
 */
#ifndef NEEDLE_DECODE_JSONSCAN_H
#define NEEDLE_DECODE_JSONSCAN_H

#include "outbuf.h"

#include <stdbool.h>
#include <stddef.h>

#define JSONSCAN_MAX_DEPTH 64

enum jsonscan_type {
	JSONSCAN_NONE = 0,
	JSONSCAN_OBJECT = '{',
	JSONSCAN_ARRAY = '[',
	JSONSCAN_STRING = '"',
	JSONSCAN_NUMBER = '0',
	JSONSCAN_TRUE = 't',
	JSONSCAN_FALSE = 'f',
	JSONSCAN_NULL = 'n',
};

/* One value: its text p[0..len) (a string's with its quotes). */
struct jsonscan_value {
	const char *p;
	size_t len;
	enum jsonscan_type type;
};

/* Whether text[0..len) is exactly one JSON value (white space around it
 * allowed); *ret gets it. ret untouched when false. */
bool jsonscan_parse(const char *text, size_t len, struct jsonscan_value *ret);

/* The member named key of an object; false when obj is not an object or
 * has no such member (the first one when it has several). */
bool jsonscan_member(const struct jsonscan_value *obj, const char *key,
		     struct jsonscan_value *ret);

/* Iterates an object's members or an array's elements: *cursor NULL to
 * begin. Each call gives the next element (and, for an object, its key
 * when ret_key is not NULL); false at the end. */
bool jsonscan_next(const struct jsonscan_value *container, const char **cursor,
		   struct jsonscan_value *ret_key, struct jsonscan_value *ret);

/* Appends a string's bytes, JSON's escapes undone (\uXXXX as UTF-8, a
 * lone surrogate as U+FFFD) to out. False when v is not a string. */
bool jsonscan_string(const struct jsonscan_value *v, struct outbuf *out);

/* A number that is an integer (no fraction or exponent) that fits. */
bool jsonscan_integer(const struct jsonscan_value *v, long long *ret);

#endif
