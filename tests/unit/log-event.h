/* SPDX-License-Identifier: MIT */
/*
 * log-event: an assembled event made of auditd log lines, for the unit
 * tests of what reads events (test-filter.c, test-redact.c). One event at
 * a time: event_of() hands the last one back before it makes the next,
 * and the harness frees everything (and ctx, the tests' format context)
 * when the case ends. Static, included by one test program each.
 */
#ifndef NEEDLE_TESTS_LOG_EVENT_H
#define NEEDLE_TESTS_LOG_EVENT_H

#include "assemble.h"
#include "format.h"
#include "harness.h"
#include "record.h"

#include <string.h>

static struct assembler *asm_;
static struct audit_event *popped; /* the last event_of's, handed back before a new one */
static struct format_ctx ctx;

static void free_assembler(void)
{
	if (popped)
		assembler_done(asm_, popped);
	popped = NULL;
	assembler_free(asm_);
}

static void drop_assembler(void *arg)
{
	(void)arg;
	free_assembler();
	asm_ = NULL;
	format_ctx_free(&ctx);
}

/* The event made of these auditd log lines ('\n' between them). Valid
 * until the next call. */
static const struct audit_event *event_of(const char *lines)
{
	struct assemble_config cfg = { .log_input = true };
	struct audit_event *ev;
	const char *p = lines;

	if (!asm_)
		harness_defer(drop_assembler, NULL);
	free_assembler();
	asm_ = assembler_new(&cfg);
	CHECK(asm_ != NULL);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		struct audit_record rec;

		CHECK_EQ(decode_record_line(p, len, NULL, 0, &rec), RECORD_OK);
		CHECK_EQ(assembler_add(asm_, rec.type, &rec.stamp, rec.node, rec.node_len, rec.body,
				       len - (size_t)(rec.body - p),
				       rec.stamp.sec * 1000 + rec.stamp.msec),
			 0);
		p += len + (nl != NULL);
	}
	assembler_flush(asm_);
	ev = assembler_pop(asm_);
	CHECK(ev != NULL);
	popped = ev;
	return ev;
}

#endif
