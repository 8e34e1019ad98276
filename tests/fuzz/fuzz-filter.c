/* SPDX-License-Identifier: MIT */
/* Fuzz target: the filter file's parser, the matcher and the redact rules
 * on events (decode/redact.h: the redacted event keeps its records, of
 * the same types, and formats as RAW and JSON like any). The
 * input is a filter file, then a blank line, then auditd log lines: the
 * file is parsed (every error path), and when it compiles, each event the
 * lines make gets its verdict. Without a blank line the whole input is
 * taken both as the filter file and as the log, which the corpus files
 * replayed by the unit suite are. Built for libFuzzer by `make fuzz`, and
 * as a plain program (driver.c) over the seeds and past crashes. */
#include "assemble.h"
#include "filter.h"
#include "format.h"
#include "record.h"
#include "redact.h"

#include <stdlib.h>

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int any_user(void *arg, const char *name, uint32_t *ret)
{
	(void)arg;
	*ret = (uint32_t)strlen(name);
	return name[0] == 'x' ? -2 : 0;
}

static bool fake_process(void *arg, const struct format_facts *f, struct format_process *ret)
{
	(void)arg;
	ret->known = f->pid % 2 == 0;
	ret->start_time = f->pid;
	ret->nancestors = 1;
	ret->ancestors[0] = (struct format_ancestor){ .pid = f->ppid, .known = true,
						      .exe = "/usr/bin/bash" };
	ret->container_id = f->pid % 3 ? "c0ffee" : NULL;
	ret->runtime = f->pid % 3 ? "docker" : NULL;
	return true;
}

/* The verdict, then the redaction and both formats of what it gives. */
static void decide(struct filter_set *fs, struct format_ctx *ctx, struct redact_scratch *rs,
		   const struct audit_event *ev)
{
	struct filter_result r;
	const struct audit_event *w;
	struct outbuf out = { 0 };

	filter_event(fs, ctx, ev, &r);
	if (!rs || !(w = redact_event(fs, rs, ev)) || w == ev)
		return;
	if (w->nrecords != ev->nrecords)
		abort();
	for (unsigned i = 0; i < w->nrecords; i++)
		if (w->records[i].type != ev->records[i].type)
			abort();
	format_event_raw(w, &out);
	format_event_json(ctx, w, &out);
	outbuf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char err[FILTER_ERRORS_MAX];
	const char *text = (const char *)data, *log = text, *end = text + size;
	const char *blank = NULL;
	size_t filter_len = size;
	struct assemble_config cfg = { .log_input = true, .max_open = 64 };
	struct format_ctx ctx = { .process = fake_process };
	struct filter_set *fs;
	struct assembler *a;
	struct audit_event *ev;
	struct redact_scratch *rs;

	for (const char *p = text; p + 1 < end; p++)
		if (p[0] == '\n' && p[1] == '\n') {
			blank = p;
			break;
		}
	if (blank) {
		filter_len = (size_t)(blank - text) + 1;
		log = blank + 2;
	}
	fs = filter_parse("fuzz", text, filter_len, any_user, NULL, err, sizeof(err));
	if (!fs)
		return 0;
	a = assembler_new(&cfg);
	rs = redact_scratch_new();
	while (a && log < end) {
		const char *nl = memchr(log, '\n', (size_t)(end - log));
		size_t len = nl ? (size_t)(nl - log) : (size_t)(end - log);
		struct audit_record rec;

		if (decode_record_line(log, len, NULL, 0, &rec) == RECORD_OK && rec.type)
			assembler_add(a, rec.type, &rec.stamp, rec.node, rec.node_len, rec.body,
				      len - (size_t)(rec.body - log),
				      rec.stamp.sec * 1000 + rec.stamp.msec);
		log += len + 1;
		while ((ev = assembler_pop(a))) {
			decide(fs, &ctx, rs, ev);
			assembler_done(a, ev);
		}
	}
	if (a) {
		assembler_flush(a);
		while ((ev = assembler_pop(a))) {
			decide(fs, &ctx, rs, ev);
			assembler_done(a, ev);
		}
	}
	redact_scratch_free(rs);
	assembler_free(a);
	format_ctx_free(&ctx);
	filter_set_free(fs);
	return 0;
}
