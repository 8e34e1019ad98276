/* SPDX-License-Identifier: MIT */
/*
 * filter-match: whether one match of a filter rule holds for an event, read
 * from the event as the formats read it (format-internal.h): the records
 * parsed once into the format context, the subject record's fields (the
 * SYSCALL, else the first record) for ids, exe, comm, key, syscall, exit,
 * and the process context for ancestors and containers. So a match sees
 * the values the JSON shows: key= the why.keys, syscall= what.syscall,
 * path= the objects' path (made absolute against the CWD record), addr=
 * and port= the socket objects.
 *
 * A match whose field the event does not have does not hold (uid=0 on an
 * event without uid); NAME!=V holds exactly when NAME=V does not.
 */
#include "filter-internal.h"
#include "format-internal.h"

#include <libaudit.h>
#include <string.h>

static bool num_in(const struct filter_match *m, long long v)
{
	for (unsigned i = 0; i < m->nvalues; i++)
		if (v >= m->values[i].num.lo && v <= m->values[i].num.hi)
			return true;
	return false;
}

static bool text_in(const struct filter_match *m, const char *s, size_t len)
{
	for (unsigned i = 0; i < m->nvalues; i++)
		if (!m->values[i].none && filter_value_text_matches(&m->values[i], s, len))
			return true;
	return false;
}

static bool any_none(const struct filter_match *m)
{
	for (unsigned i = 0; i < m->nvalues; i++)
		if (m->values[i].none)
			return true;
	return false;
}

static bool field_number(const struct audit_field *f, long long *ret)
{
	return f && interp_number(f->value, f->value_len, false, ret);
}

static bool match_type(const struct filter_match *m, struct format_ctx *ctx,
		       const struct audit_event *ev)
{
	(void)ctx;
	for (unsigned i = 0; i < ev->nrecords; i++)
		if (num_in(m, ev->records[i].type))
			return true;
	return false;
}

/* Several keys are joined by 0x01 (as why.keys splits them). */
static bool match_key(const struct filter_match *m, struct format_ctx *ctx)
{
	const struct audit_field *key = SUBJ(ctx, S_KEY);
	size_t start = 0;

	if (is_null_value(key))
		return any_none(m);
	interp_field_value(key, &ctx->value);
	for (size_t i = 0; i <= ctx->value.len; i++)
		if (i == ctx->value.len || ctx->value.data[i] == 1) {
			if (text_in(m, ctx->value.data + start, i - start))
				return true;
			start = i + 1;
		}
	return false;
}

/* The SYSCALL's name for its arch, as what.syscall shows it; NULL when the
 * event has none. */
static const char *syscall_name(struct format_ctx *ctx, const struct audit_event *ev)
{
	const struct audit_field *arch = SUBJ(ctx, S_ARCH), *nr = SUBJ(ctx, S_SYSCALL);
	long long n;

	if (!find_record(ctx, ev, AUDIT_SYSCALL) || !field_number(nr, &n))
		return NULL;
	return interp_syscall_name(arch ? interp_arch_machine(arch->value, arch->value_len) : -1,
				   (long)n);
}

static bool match_syscall(const struct filter_match *m, struct format_ctx *ctx,
			  const struct audit_event *ev)
{
	const char *name = syscall_name(ctx, ev);

	for (unsigned i = 0; name && i < m->nvalues; i++)
		if (strcmp(name, m->values[i].name) == 0)
			return true;
	return false;
}

static bool is_word(const struct audit_field *f, const char *w)
{
	size_t n = strlen(w);

	return f->value_len == n && memcmp(f->value, w, n) == 0;
}

/* success= of a SYSCALL, else res= of a user-space record (success,
 * failed, 1, 0). */
static bool match_success(const struct filter_match *m, struct format_ctx *ctx)
{
	const struct audit_field *s = SUBJ(ctx, S_SUCCESS), *res = SUBJ(ctx, S_RES);
	int yes = -1;

	if (s)
		yes = is_word(s, "yes") ? 1 : is_word(s, "no") ? 0 : -1;
	else if (res)
		yes = is_word(res, "success") || is_word(res, "1") || is_word(res, "yes")  ? 1
		      : is_word(res, "failed") || is_word(res, "0") || is_word(res, "no") ? 0
											   : -1;
	return yes >= 0 && num_in(m, yes);
}

static bool match_number(const struct filter_match *m, const struct audit_field *f)
{
	long long v;

	return field_number(f, &v) && num_in(m, v);
}

/* uid, auid, euid: -1 and 4294967295 are both "unset". */
static bool match_id(const struct filter_match *m, const struct audit_field *f)
{
	long long v;

	if (!field_number(f, &v))
		return false;
	return num_in(m, v == -1 ? 4294967295LL : v);
}

static bool match_subject_text(const struct filter_match *m, struct format_ctx *ctx,
			       const struct audit_field *f)
{
	if (is_null_value(f))
		return false;
	interp_field_value(f, &ctx->value);
	return text_in(m, ctx->value.data, ctx->value.len);
}

static bool match_path(const struct filter_match *m, struct format_ctx *ctx,
		       const struct audit_event *ev)
{
	const struct audit_field *cwd = find_field(find_record(ctx, ev, AUDIT_CWD), "cwd");

	for (unsigned r = 0; r < ev->nrecords; r++) {
		if (ctx->recs[r].type != AUDIT_PATH ||
		    !format_resolve_name(ctx, find_field(&ctx->recs[r], "name"), cwd))
			continue;
		for (unsigned i = 0; i < m->nvalues; i++)
			if (filter_value_path_matches(&m->values[i], ctx->path.data, ctx->path.len))
				return true;
	}
	return false;
}

/* addr= and port=: any SOCKADDR of family inet or inet6. */
static bool match_socket(const struct filter_match *m, struct format_ctx *ctx,
			 const struct audit_event *ev)
{
	for (unsigned r = 0; r < ev->nrecords; r++) {
		const struct audit_field *saddr;
		const unsigned char *raw;
		struct sockaddr_info sa;

		if (ctx->recs[r].type != AUDIT_SOCKADDR ||
		    !(saddr = find_field(&ctx->recs[r], "saddr")) ||
		    !interp_field_value(saddr, &ctx->value) ||
		    !interp_sockaddr((const unsigned char *)ctx->value.data, ctx->value.len,
				     ctx->sa_big_endian, &sa) ||
		    (sa.family_nr != 2 && sa.family_nr != 10))
			continue;
		if (m->kind == FK_PORT) {
			if (num_in(m, sa.port))
				return true;
			continue;
		}
		raw = (const unsigned char *)ctx->value.data + (sa.family_nr == 2 ? 4 : 8);
		for (unsigned i = 0; i < m->nvalues; i++)
			if (filter_value_net_matches(&m->values[i], sa.family_nr, raw))
				return true;
	}
	return false;
}

static bool match_ancestor(const struct filter_match *m, struct format_ctx *ctx)
{
	if (!ctx->proc_valid)
		return false;
	for (unsigned a = 0; a < ctx->proc.nancestors; a++) {
		const char *exe = ctx->proc.ancestors[a].exe;

		if (ctx->proc.ancestors[a].known && exe && text_in(m, exe, strlen(exe)))
			return true;
	}
	return false;
}

/* container=none: no container known for the process (none, or no
 * process context for the event). */
static bool match_context_text(const struct filter_match *m, const char *s)
{
	if (!s)
		return any_none(m);
	return text_in(m, s, strlen(s));
}

static bool match_field(const struct filter_match *m, struct format_ctx *ctx,
			const struct audit_event *ev)
{
	for (unsigned r = 0; r < ev->nrecords; r++) {
		const struct audit_field *f;

		if (ctx->recs[r].type != m->record_type ||
		    !(f = find_field_n(&ctx->recs[r], m->field, m->field_len)))
			continue;
		interp_field_value(f, &ctx->value);
		if (text_in(m, ctx->value.data, ctx->value.len))
			return true;
	}
	return false;
}

static bool holds(const struct filter_match *m, struct format_ctx *ctx,
		  const struct audit_event *ev)
{
	switch (m->kind) {
	case FK_TYPE: return match_type(m, ctx, ev);
	case FK_KEY: return match_key(m, ctx);
	case FK_SYSCALL: return match_syscall(m, ctx, ev);
	case FK_SUCCESS: return match_success(m, ctx);
	case FK_EXIT:
		return find_record(ctx, ev, AUDIT_SYSCALL) && match_number(m, SUBJ(ctx, S_EXIT));
	case FK_AUID: return match_id(m, SUBJ(ctx, S_AUID));
	case FK_UID: return match_id(m, SUBJ(ctx, S_UID));
	case FK_EUID: return match_id(m, SUBJ(ctx, S_EUID));
	case FK_EXE: return match_subject_text(m, ctx, SUBJ(ctx, S_EXE));
	case FK_COMM: return match_subject_text(m, ctx, SUBJ(ctx, S_COMM));
	case FK_PATH: return match_path(m, ctx, ev);
	case FK_ADDR: case FK_PORT: return match_socket(m, ctx, ev);
	case FK_ANCESTOR: return match_ancestor(m, ctx);
	case FK_CONTAINER:
		return match_context_text(m, ctx->proc_valid ? ctx->proc.container_id : NULL);
	case FK_RUNTIME:
		return ctx->proc_valid && ctx->proc.runtime &&
		       match_context_text(m, ctx->proc.runtime);
	case FK_FIELD: return match_field(m, ctx, ev);
	default: return false;
	}
}

bool filter_match_holds(const struct filter_match *m, struct format_ctx *ctx,
			const struct audit_event *ev)
{
	return holds(m, ctx, ev) != m->negate;
}

uint32_t filter_event_pid(struct format_ctx *ctx)
{
	long long n;

	return field_number(SUBJ(ctx, S_PID), &n) && n > 0 && n <= UINT32_MAX ? (uint32_t)n : 0;
}

bool filter_event_starts_program(struct format_ctx *ctx, const struct audit_event *ev)
{
	const struct audit_field *s = SUBJ(ctx, S_SUCCESS);
	const char *name;

	if (!s || !is_word(s, "yes"))
		return false;
	name = syscall_name(ctx, ev);
	return name && strncmp(name, "execve", 6) == 0;
}

bool filter_event_ends_process(struct format_ctx *ctx, const struct audit_event *ev)
{
	const char *name = syscall_name(ctx, ev);

	return name && (strcmp(name, "exit_group") == 0 || strcmp(name, "exit") == 0);
}
