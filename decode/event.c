/* SPDX-License-Identifier: MIT */
/*
 * event: what every output needs from an assembled event, and nothing it
 * writes. format_parse_event() splits each record's text into fields once
 * per event (decode_record_body, into the context's pool: no allocation
 * per event once the pool has grown); the subject index finds the two dozen
 * fields who/what/where read from the subject record in one pass; the
 * process-context question tells the caller what the event says (pid,
 * syscall, exe) and takes what it knows back.
 *
 * Invariant: who/what/where and the summary read the first field of a
 * name, top level before nested (msg='...'), never one of a log's ENRICHED
 * part: the field that JSON's records object shows under that name
 * (json-records.c), so the blocks and the records never disagree.
 */
#include "format-internal.h"
#include "raw.h"

#include <libaudit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void format_type_name(unsigned type, char *buf, size_t size)
{
	size_t len;
	const char *name = decode_type_name_len(type, &len);

	if (name && len < size)
		memcpy(buf, name, len + 1);
	else
		snprintf(buf, size, "UNKNOWN[%u]", type);
}

void format_ctx_free(struct format_ctx *ctx)
{
	free(ctx->fields);
	free(ctx->recs);
	free(ctx->group);
	free(ctx->sorted);
	outbuf_free(&ctx->value);
	outbuf_free(&ctx->value2);
	outbuf_free(&ctx->path);
	outbuf_free(&ctx->exe_buf);
	outbuf_free(&ctx->argv0_buf);
	outbuf_free(&ctx->comm_buf);
	outbuf_free(&ctx->proc_json);
	memset(ctx, 0, sizeof(*ctx));
}

/* True when a scratch buffer ran out of memory while formatting the event
 * (a value then went out undecoded, or not at all): the caller marks its
 * output failed. The flags are cleared for the next event. */
bool format_scratch_failed(struct format_ctx *ctx)
{
	struct outbuf *bufs[] = { &ctx->value, &ctx->value2, &ctx->path, &ctx->exe_buf,
				  &ctx->argv0_buf, &ctx->comm_buf, &ctx->proc_json };
	bool failed = false;

	for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
		failed |= bufs[i]->failed;
		bufs[i]->failed = false;
	}
	if (ctx->proc_json.len && failed)
		ctx->proc_json.len = 0; /* render it again next time */
	return failed;
}

static const struct audit_field *record_field_or_null(const struct audit_record *r,
						      const char *name)
{
	return r ? record_field(r, name) : NULL;
}

/* The record format_subject_record() picks: the first SYSCALL, else the
 * first (nrecords when the event has none). */
static unsigned subject_index(const struct audit_event *ev)
{
	for (unsigned i = 0; i < ev->nrecords; i++)
		if (ev->records[i].type == AUDIT_SYSCALL)
			return i;
	return 0;
}

/* Parses the records of ev, all of them or only the subject record (the
 * others then have their type and no fields); false when memory ran out. */
static bool parse_records(struct format_ctx *ctx, const struct audit_event *ev, bool subject_only)
{
	size_t need = 2, used = 0;
	unsigned only = subject_only ? subject_index(ev) : 0;

	/* Scratch buffers are never NULL, so pointer arithmetic on an empty
	 * one stays defined. */
	if (!outbuf_reserve(&ctx->value, 1) || !outbuf_reserve(&ctx->value2, 1) ||
	    !outbuf_reserve(&ctx->path, 1))
		return false;

	for (unsigned i = 0; i < ev->nrecords; i++)
		if (!subject_only || i == only)
			need += ev->records[i].len / 2 + 2; /* a field takes at least 2 bytes */
	if (need > ctx->fields_cap) {
		struct audit_field *f = realloc(ctx->fields, need * sizeof(*f));

		if (!f)
			return false;
		ctx->fields = f;
		ctx->fields_cap = (unsigned)need;
	}
	if (ev->nrecords >= ctx->recs_cap) {
		struct audit_record *r = realloc(ctx->recs, (ev->nrecords + 1) * sizeof(*r));
		struct audit_record **g;

		if (!r)
			return false;
		ctx->recs = r;
		g = realloc(ctx->group, (ev->nrecords + 1) * sizeof(*g));
		if (!g)
			return false;
		ctx->group = g;
		ctx->recs_cap = ev->nrecords + 1;
	}
	for (unsigned i = 0; i < ev->nrecords; i++) {
		const struct event_record *er = &ev->records[i];
		unsigned cap = (unsigned)(er->len / 2 + 2);

		if (subject_only && i != only) {
			ctx->recs[i] = (struct audit_record){ .type = er->type };
			continue;
		}
		decode_record_body(er->type, ev->text + er->offset, er->len, ev->log_input,
				   ctx->fields + used, cap, &ctx->recs[i]);
		used += cap;
	}
	if (subject_only)
		return true;
	/* Sockaddrs are in the audited architecture's byte order. */
	ctx->sa_big_endian = -1;
	if (find_record(ctx, ev, AUDIT_SOCKADDR)) {
		const struct audit_field *arch =
			record_field_or_null(find_record(ctx, ev, AUDIT_SYSCALL), "arch");

		if (arch)
			ctx->sa_big_endian = interp_arch_big_endian(arch->value, arch->value_len);
	}
	return true;
}

bool format_parse_event(struct format_ctx *ctx, const struct audit_event *ev)
{
	return parse_records(ctx, ev, false);
}

bool format_parse_subject(struct format_ctx *ctx, const struct audit_event *ev)
{
	return parse_records(ctx, ev, true);
}

static int subject_slot(const char *n, size_t len)
{
#define IS(lit, slot) if (memcmp(n, lit, len) == 0) return slot
	switch (len) {
	case 3:
		IS("uid", S_UID); IS("gid", S_GID); IS("pid", S_PID); IS("ses", S_SES);
		IS("tty", S_TTY); IS("exe", S_EXE); IS("key", S_KEY); IS("res", S_RES);
		break;
	case 4:
		IS("auid", S_AUID); IS("euid", S_EUID); IS("suid", S_SUID); IS("egid", S_EGID);
		IS("sgid", S_SGID); IS("ppid", S_PPID); IS("addr", S_ADDR); IS("comm", S_COMM);
		IS("arch", S_ARCH); IS("exit", S_EXIT);
		break;
	case 5:
		IS("fsuid", S_FSUID); IS("fsgid", S_FSGID);
		break;
	case 7:
		IS("syscall", S_SYSCALL); IS("success", S_SUCCESS);
		break;
	case 8:
		IS("terminal", S_TERMINAL); IS("hostname", S_HOSTNAME);
		break;
	default:
		break;
	}
#undef IS
	return -1;
}

/* Top-level fields win over nested ones (user-space msg='...'), as in
 * find_field(). */
void format_index_subject(struct format_ctx *ctx, const struct audit_record *r)
{
	const struct audit_field *nested[S_COUNT] = { 0 };

	memset(ctx->subject, 0, sizeof(ctx->subject));
	for (unsigned i = 0; r && i < r->nfields; i++) {
		const struct audit_field *f = &r->fields[i];
		int slot;

		if ((f->flags & FIELD_ENRICHED) || (slot = subject_slot(f->name, f->name_len)) < 0)
			continue;
		if (!(f->flags & FIELD_NESTED)) {
			if (!ctx->subject[slot])
				ctx->subject[slot] = f;
		} else if (!nested[slot]) {
			nested[slot] = f;
		}
	}
	for (int k = 0; k < S_COUNT; k++)
		if (!ctx->subject[k])
			ctx->subject[k] = nested[k];
}

/* The record the summary reads who/where/how from: SYSCALL, else the first. */
const struct audit_record *format_subject_record(struct format_ctx *ctx,
						 const struct audit_event *ev)
{
	const struct audit_record *r = find_record(ctx, ev, AUDIT_SYSCALL);

	return r ? r : ev->nrecords ? &ctx->recs[0] : NULL;
}

bool format_event_first_key(struct format_ctx *ctx, const struct audit_event *ev,
			    struct outbuf *out)
{
	const struct audit_field *key;
	const char *end;

	if (!format_parse_event(ctx, ev)) {
		out->failed = true;
		return false;
	}
	format_index_subject(ctx, format_subject_record(ctx, ev));
	key = SUBJ(ctx, S_KEY);
	if (is_null_value(key))
		return false;
	interp_field_value(key, &ctx->value);
	if (!ctx->value.len || ctx->value.failed)
		return false;
	/* Several keys are joined by 0x01: the first. */
	end = memchr(ctx->value.data, 1, ctx->value.len);
	outbuf_put(out, ctx->value.data, end ? (size_t)(end - ctx->value.data) : ctx->value.len);
	return true;
}

/* A PATH record's name, decoded into ctx->value, and made absolute
 * against the event's cwd into ctx->path. False when it has no name. */
bool format_resolve_name(struct format_ctx *ctx, const struct audit_field *name,
			 const struct audit_field *cwd)
{
	if (is_null_value(name))
		return false;
	interp_field_value(name, &ctx->value);
	ctx->value2.len = 0;
	if (cwd)
		interp_field_value(cwd, &ctx->value2);
	interp_resolve_path(ctx->value2.data, cwd ? ctx->value2.len : 0, ctx->value.data,
			    ctx->value.len, &ctx->path);
	return true;
}

static uint32_t field_u32(const struct audit_field *f)
{
	long long n;

	return f && interp_number(f->value, f->value_len, false, &n) && n > 0 && n <= UINT32_MAX
		       ? (uint32_t)n
		       : 0;
}

/* A syscall argument (hex, as the kernel writes a0..a3); 0 when absent. */
static unsigned long long field_hex(const struct audit_field *f)
{
	unsigned long long v = 0;

	for (size_t i = 0; f && i < f->value_len && i < 16; i++) {
		char c = f->value[i];
		unsigned d = c >= '0' && c <= '9'	? (unsigned)(c - '0')
			     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
						    : 16u;

		if (d == 16)
			return 0;
		v = v << 4 | d;
	}
	return v;
}

/* A field's decoded value as a C string in buf; NULL when absent. */
static const char *field_cstr(const struct audit_field *f, struct outbuf *buf)
{
	if (!f || is_null_value(f))
		return NULL;
	interp_field_value(f, buf);
	outbuf_putc(buf, '\0');
	return buf->failed ? NULL : buf->data;
}

/* Tells the caller what the event says and takes its process context. */
void format_ask_process(struct format_ctx *ctx, const struct audit_event *ev)
{
	const struct audit_field *arch = SUBJ(ctx, S_ARCH), *nr = SUBJ(ctx, S_SYSCALL);
	const struct audit_field *success = SUBJ(ctx, S_SUCCESS), *exit_f = SUBJ(ctx, S_EXIT);
	struct format_facts facts = { .pid = field_u32(SUBJ(ctx, S_PID)),
				      .ppid = field_u32(SUBJ(ctx, S_PPID)),
				      .sec = ev->stamp.sec,
				      .msec = ev->stamp.msec };
	long long n;

	ctx->proc_valid = false;
	if (!ctx->process || !facts.pid)
		return;
	if (nr && interp_number(nr->value, nr->value_len, false, &n))
		facts.syscall = interp_syscall_name(
			arch ? interp_arch_machine(arch->value, arch->value_len) : -1, (long)n);
	facts.success = success && success->value_len == 3 && memcmp(success->value, "yes", 3) == 0;
	if (exit_f && interp_number(exit_f->value, exit_f->value_len, false, &n))
		facts.exit = n;
	facts.exe = field_cstr(SUBJ(ctx, S_EXE), &ctx->exe_buf);
	if (facts.syscall && facts.success && strncmp(facts.syscall, "execve", 6) == 0) {
		facts.argv0 = field_cstr(find_field(find_record(ctx, ev, AUDIT_EXECVE), "a0"),
					 &ctx->argv0_buf);
		facts.comm = field_cstr(SUBJ(ctx, S_COMM), &ctx->comm_buf);
	}
	if (facts.syscall && facts.success &&
	    (strcmp(facts.syscall, "unshare") == 0 || strcmp(facts.syscall, "setns") == 0 ||
	     strncmp(facts.syscall, "clone", 5) == 0)) {
		const struct audit_record *sc = find_record(ctx, ev, AUDIT_SYSCALL);

		facts.a0 = field_hex(find_field(sc, "a0"));
		facts.a1 = field_hex(find_field(sc, "a1"));
	}
	memset(&ctx->proc, 0, sizeof(ctx->proc));
	ctx->proc_valid = ctx->process(ctx->process_arg, &facts, &ctx->proc);
}

static const char *end_name(enum event_end end)
{
	switch (end) {
	case EVENT_END_TIMEOUT: return "timeout";
	case EVENT_END_EVICTED: return "evicted";
	case EVENT_END_FLUSH: return "end of input";
	default: return "whole";
	}
}

const char *format_partial_reason(const struct audit_event *ev)
{
	if (ev->lost_records)
		return "records lost";
	return ev->truncated ? "too large" : end_name(ev->end);
}
