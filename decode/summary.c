/* SPDX-License-Identifier: MIT */
/*
 * summary: an event as one line for a human (needle decode -f summary):
 *   TIME login NAME is responsible, as uid N called SYSCALL -> RESULT
 *   pid N in container RUNTIME:ID on "NODE" exe=... argv=[...] key=...
 *   objects: PATH (owner uid N) inet:ADDR:PORT (partial: REASON)
 * (one line; wrapped here), or the first record's type and res= for an event
 * without a SYSCALL. Only what the event has is written.
 *
 * Invariants: one event, one line. A value from the records is written
 * bare only when it is one plain printable word, else quoted through the
 * JSON escaper (format_put_summary_value), so no value can end the line or pass
 * for another field; argv is JSON's array (argv.c).
 */
#include "format-internal.h"

#include <libaudit.h>
#include <string.h>

void format_put_summary_value(struct outbuf *out, const char *p, size_t n)
{
	bool plain = n > 0;

	for (size_t i = 0; i < n && plain; i++)
		plain = (unsigned char)p[i] > 0x20 && (unsigned char)p[i] < 0x7f && p[i] != '"' &&
			p[i] != '\\' && p[i] != '%';
	if (plain)
		outbuf_put(out, p, n);
	else
		outbuf_json_string(out, p, n);
}

/* " exe=... argv=... key=... objects: a b" */
static void put_summary_tail(struct format_ctx *ctx, const struct audit_event *ev,
			     const struct audit_record *sys, struct outbuf *out)
{
	const struct audit_field *f = SUBJ(ctx, S_EXE);
	const struct audit_field *cwd = find_field(find_record(ctx, ev, AUDIT_CWD), "cwd");
	const struct audit_field *title = find_field(find_record(ctx, ev, AUDIT_PROCTITLE),
						     "proctitle");
	bool first = true;

	if (f) {
		outbuf_puts(out, " exe=");
		interp_field_value(f, &ctx->value);
		format_put_summary_value(out, ctx->value.data, ctx->value.len);
	}
	/* argv as a JSON array: escaped, so it cannot break the line. */
	if (find_record(ctx, ev, AUDIT_EXECVE)) {
		outbuf_puts(out, " argv=");
		format_put_event_argv(ctx, ev, out);
	} else if (title) {
		interp_field_value(title, &ctx->value);
		outbuf_puts(out, " argv=");
		format_put_nul_split_array(out, ctx->value.data, ctx->value.len);
	}
	f = SUBJ(ctx, S_KEY);
	if (!is_null_value(f)) {
		outbuf_puts(out, " key=");
		interp_field_value(f, &ctx->value);
		format_put_summary_value(out, ctx->value.data, ctx->value.len);
	}
	for (unsigned i = 0; i < ev->nrecords; i++) {
		const struct audit_record *r = &ctx->recs[i];
		const struct audit_field *name = find_field(r, "name");
		struct sockaddr_info sa;

		if (r->type == AUDIT_PATH && format_resolve_name(ctx, name, cwd)) {
			const struct audit_field *ouid = find_field(r, "ouid");

			outbuf_puts(out, first ? " objects: " : " ");
			first = false;
			format_put_summary_value(out, ctx->path.data, ctx->path.len);
			if (ouid && json_integer(ouid->value, ouid->value_len)) {
				outbuf_puts(out, " (owner uid ");
				outbuf_put(out, ouid->value, ouid->value_len);
				outbuf_putc(out, ')');
			}
		} else if (r->type == AUDIT_SOCKADDR && (f = find_field(r, "saddr")) &&
			   interp_field_value(f, &ctx->value) &&
			   interp_sockaddr((const unsigned char *)ctx->value.data, ctx->value.len,
					   ctx->sa_big_endian, &sa)) {
			outbuf_puts(out, first ? " objects: " : " ");
			first = false;
			outbuf_puts(out, sa.family);
			outbuf_putc(out, ':');
			format_put_summary_value(out, sa.addr, sa.addr_len);
			if (sa.port >= 0) {
				outbuf_putc(out, ':');
				outbuf_put_u64(out, (uint64_t)sa.port);
			}
		}
	}
}

void format_event_summary(struct format_ctx *ctx, const struct audit_event *ev,
			  struct outbuf *out)
{
	struct outbuf json = { 0 };
	const struct audit_record *sys;
	const struct audit_field *f;
	long long v;
	char name[32];

	if (!format_parse_event(ctx, ev)) {
		out->failed = true;
		return;
	}
	sys = format_subject_record(ctx, ev);
	format_index_subject(ctx, sys);
	format_ask_process(ctx, ev);
	interp_time_rfc3339(&json, ev->stamp.sec, ev->stamp.msec);
	/* The time without its JSON quotes. */
	outbuf_put(out, json.data + 1, json.len > 2 ? json.len - 2 : 0);
	out->failed |= json.failed;
	outbuf_free(&json);
	outbuf_puts(out, " ");
	f = SUBJ(ctx, S_AUID);
	if (f && interp_number(f->value, f->value_len, false, &v) && v >= 0 && v < 4294967295LL) {
		const char *nm = ctx->uid_name ? ctx->uid_name(ctx->id_arg, (uint32_t)v) : NULL;

		/* auid: the login behind it, whatever uid it runs as now. */
		outbuf_puts(out, "login ");
		if (nm)
			outbuf_puts(out, nm);
		else
			outbuf_put_i64(out, v);
		outbuf_puts(out, " is responsible, as ");
	}
	f = SUBJ(ctx, S_EUID);
	if (!f)
		f = SUBJ(ctx, S_UID);
	if (f) {
		outbuf_puts(out, "uid ");
		outbuf_put(out, f->value, f->value_len);
		if (ctx->proc_valid && ctx->proc.has_container_uid) {
			outbuf_puts(out, " (uid ");
			outbuf_put_u64(out, ctx->proc.container_uid);
			outbuf_puts(out, " inside its user namespace)");
		}
		outbuf_putc(out, ' ');
	}
	if (sys && sys->type == AUDIT_SYSCALL) {
		const struct audit_field *arch = SUBJ(ctx, S_ARCH), *nr = SUBJ(ctx, S_SYSCALL);
		int machine = arch ? interp_arch_machine(arch->value, arch->value_len) : -1;
		const char *sc = nr && interp_number(nr->value, nr->value_len, false, &v)
					 ? interp_syscall_name(machine, (long)v)
					 : NULL;

		outbuf_puts(out, "called ");
		if (sc)
			outbuf_puts(out, sc);
		else if (nr)
			outbuf_put(out, nr->value, nr->value_len);
		f = SUBJ(ctx, S_EXIT);
		if (f && interp_number(f->value, f->value_len, false, &v)) {
			const char *e = interp_errno_name((long)v);

			outbuf_puts(out, v < 0 ? " -> failed " : " -> ");
			if (e)
				outbuf_puts(out, e);
			else
				outbuf_put_i64(out, v);
		}
	} else {
		format_type_name(ev->nrecords ? ctx->recs[0].type : 0, name, sizeof(name));
		outbuf_puts(out, name);
		f = SUBJ(ctx, S_RES);
		if (f) {
			outbuf_puts(out, " res=");
			interp_field_value(f, &ctx->value);
			/* Through the JSON escaper, minus quotes: one safe line. */
			json = (struct outbuf){ 0 };
			outbuf_json_string(&json, ctx->value.data, ctx->value.len);
			if (json.len >= 2)
				outbuf_put(out, json.data + 1, json.len - 2);
			out->failed |= json.failed;
			outbuf_free(&json);
		}
	}
	f = SUBJ(ctx, S_PID);
	if (f) {
		outbuf_puts(out, " pid ");
		outbuf_put(out, f->value, f->value_len);
	}
	if (ctx->proc_valid && (ctx->proc.runtime || ctx->proc.container_id)) {
		outbuf_puts(out, " in container ");
		if (ctx->proc.runtime)
			outbuf_puts(out, ctx->proc.runtime);
		if (ctx->proc.container_id) {
			outbuf_putc(out, ':');
			outbuf_put(out, ctx->proc.container_id, strnlen(ctx->proc.container_id, 12));
		}
	}
	if (ev->node) {
		outbuf_puts(out, " on ");
		json = (struct outbuf){ 0 };
		outbuf_json_string(&json, ev->node, ev->node_len);
		outbuf_put(out, json.data, json.len);
		out->failed |= json.failed;
		outbuf_free(&json);
	}
	put_summary_tail(ctx, ev, sys, out);
	if (ev->partial) {
		outbuf_puts(out, " (partial: ");
		outbuf_puts(out, format_partial_reason(ev));
		outbuf_putc(out, ')');
	}
	outbuf_putc(out, '\n');
	if (format_scratch_failed(ctx))
		out->failed = true;
}
