/* SPDX-License-Identifier: MIT */
/*
 * rules-load: what needle sends the kernel to load its rules, and what it
 * says of each answer. The requests go out through the caller's run
 * function (kernel-session.c: from a child process, ctl-child.h), one
 * batch per step; each rule the kernel takes (or already has) is kept in
 * the caller's set, which kernel-session removes at stop.
 *
 *   rules_load_file         the rules file's lines in order (rulefile.h):
 *                           -D deletes, -a/-w adds, -d/-W deletes; a refused
 *                           rule said at FILE:LINE, the others still loaded
 *   rules_load_default      needle's built-in rules (rules.h)
 *   rules_load_irreversible -e 2 and --loginuid-immutable, last, or said
 *                           skipped (rules_immutable = skip)
 *
 * Main thread only.
 */
#ifndef NEEDLE_RULES_LOAD_H
#define NEEDLE_RULES_LOAD_H

#include "ctl-child.h"
#include "rulefile.h"
#include "rules.h"

#include <stdbool.h>

typedef void rules_say_fn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct rules_load {
	rules_say_fn *say;
	/* Sends the requests in order and fills in each result. */
	void (*run)(void *arg, struct ctl_request *reqs, unsigned n);
	void *arg;
	struct rule_set *kept; /* the rules loaded, appended (rules_append) */
};

void rules_load_file(const struct rules_load *ld, const struct rulefile *rf);
void rules_load_default(const struct rules_load *ld);

/* Returns true when the kernel is now locked (-e 2 applied). */
bool rules_load_irreversible(const struct rules_load *ld, const struct rulefile *rf, bool apply);

#endif
