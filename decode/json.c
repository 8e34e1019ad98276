/* SPDX-License-Identifier: MIT */
/*
 * json: an event as one JSON line (format.h has the shape, README.md's
 * Outputs the full schema): id, serial, time, node, partial, record_count,
 * the records (json-records.c), then who/what/where/how/why/objects read
 * from the subject record, with the caller's names and process context.
 *
 * Invariants: one event, one line, ending in its only newline. Every string
 * (record values, node, id names, the process context's exe and container
 * names) goes through outbuf's JSON escaper; a number is copied as it stands
 * only when it is a JSON integer (json_integer), else written as a string.
 * An allocation that fails sets out->failed: the line is incomplete.
 */
#include "format-internal.h"

#include <libaudit.h>
#include <string.h>

/* Writes "name": after a comma unless it is the object's first member. */
static void put_key(struct outbuf *out, bool *first, const char *name)
{
	outbuf_puts(out, *first ? "\"" : ",\"");
	*first = false;
	outbuf_puts(out, name);
	outbuf_puts(out, "\":");
}

static void put_u32_field(struct outbuf *out, bool *first, const char *name, uint32_t v)
{
	put_key(out, first, name);
	outbuf_put_u64(out, v);
}

/* Writes "name":number when the value is a decimal number, else a string. */
static void put_number_field(struct outbuf *out, bool *first, const char *name,
			     const struct audit_field *f)
{
	if (!f)
		return;
	put_key(out, first, name);
	if (json_integer(f->value, f->value_len))
		outbuf_put(out, f->value, f->value_len);
	else
		outbuf_json_string(out, f->value, f->value_len);
}

static void put_string_field(struct format_ctx *ctx, struct outbuf *out, bool *first,
			     const char *name, const struct audit_field *f)
{
	if (!f)
		return;
	put_key(out, first, name);
	put_value(ctx, f, out);
}

static void put_id_name(struct format_ctx *ctx, struct outbuf *out, bool *first, const char *key,
			const struct audit_field *f, format_id_name_fn fn)
{
	long long v;
	const char *name;

	if (!f || !fn || !interp_number(f->value, f->value_len, false, &v) || v < 0 ||
	    v >= 4294967295LL)
		return;
	name = fn(ctx->id_arg, (uint32_t)v);
	if (!name)
		return;
	put_key(out, first, key);
	outbuf_json_string(out, name, strlen(name));
}


static void put_who(struct format_ctx *ctx, const struct audit_event *ev, struct outbuf *out)
{
	static const struct {
		const char *name;
		enum subject_field slot;
	} ids[] = { { "auid", S_AUID }, { "uid", S_UID },     { "euid", S_EUID },
		    { "suid", S_SUID }, { "fsuid", S_FSUID }, { "gid", S_GID },
		    { "egid", S_EGID }, { "sgid", S_SGID },   { "fsgid", S_FSGID } };
	bool first = true;

	(void)ev;
	outbuf_puts(out, ",\"who\":{");
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		put_number_field(out, &first, ids[i].name, SUBJ(ctx, ids[i].slot));
	if (ctx->uid_name) {
		put_id_name(ctx, out, &first, "auid_name", SUBJ(ctx, S_AUID), ctx->uid_name);
		put_id_name(ctx, out, &first, "uid_name", SUBJ(ctx, S_UID), ctx->uid_name);
		put_id_name(ctx, out, &first, "euid_name", SUBJ(ctx, S_EUID), ctx->uid_name);
	}
	if (ctx->gid_name)
		put_id_name(ctx, out, &first, "gid_name", SUBJ(ctx, S_GID), ctx->gid_name);
	/* The record's uid and gid are the host's; inside its user namespace
	 * the process sees others (root, often). */
	if (ctx->proc_valid && ctx->proc.has_container_uid) {
		put_u32_field(out, &first, "host_uid", ctx->proc.host_uid);
		put_u32_field(out, &first, "container_uid", ctx->proc.container_uid);
	}
	if (ctx->proc_valid && ctx->proc.has_container_gid) {
		put_u32_field(out, &first, "host_gid", ctx->proc.host_gid);
		put_u32_field(out, &first, "container_gid", ctx->proc.container_gid);
	}
	outbuf_putc(out, '}');
}

static void put_what(struct format_ctx *ctx, const struct audit_event *ev, struct outbuf *out)
{
	const struct audit_record *sys = find_record(ctx, ev, AUDIT_SYSCALL);
	const struct audit_field *arch, *nr, *success, *exit_f, *res;
	long long n, x;
	int machine = -1;
	bool first = true;
	char name[32];

	outbuf_puts(out, ",\"what\":{");
	if (!sys) {
		/* No syscall: the event is what its first record type says. */
		format_type_name(ev->nrecords ? ctx->recs[0].type : 0, name, sizeof(name));
		outbuf_puts(out, "\"type\":");
		outbuf_json_string(out, name, strlen(name));
		res = SUBJ(ctx, S_RES);
		if (res) {
			outbuf_puts(out, ",\"result\":");
			put_value(ctx, res, out);
		}
		outbuf_putc(out, '}');
		return;
	}
	arch = SUBJ(ctx, S_ARCH);
	nr = SUBJ(ctx, S_SYSCALL);
	if (arch)
		machine = interp_arch_machine(arch->value, arch->value_len);
	if (nr && interp_number(nr->value, nr->value_len, false, &n)) {
		const char *sc = interp_syscall_name(machine, (long)n);

		outbuf_puts(out, "\"syscall\":");
		if (sc)
			outbuf_json_string(out, sc, strlen(sc));
		else
			outbuf_put_i64(out, n);
		outbuf_puts(out, ",\"syscall_nr\":");
		outbuf_put_i64(out, n);
		first = false;
	}
	if (interp_machine_name(machine)) {
		const char *m = interp_machine_name(machine);

		outbuf_puts(out, first ? "\"arch\":" : ",\"arch\":");
		outbuf_json_string(out, m, strlen(m));
		first = false;
	}
	success = SUBJ(ctx, S_SUCCESS);
	if (success) {
		outbuf_puts(out, first ? "\"success\":" : ",\"success\":");
		outbuf_puts(out, success->value_len == 3 && memcmp(success->value, "yes", 3) == 0
					 ? "true"
					 : "false");
		first = false;
	}
	exit_f = SUBJ(ctx, S_EXIT);
	if (exit_f && interp_number(exit_f->value, exit_f->value_len, false, &x)) {
		const char *e = interp_errno_name((long)x);

		outbuf_puts(out, first ? "\"exit\":" : ",\"exit\":");
		outbuf_put_i64(out, x);
		if (e) {
			outbuf_puts(out, ",\"exit_name\":");
			outbuf_json_string(out, e, strlen(e));
		}
	}
	outbuf_putc(out, '}');
}

static void put_opt_string(struct outbuf *out, const char *name, const char *value, bool *first)
{
	if (!value)
		return;
	put_key(out, first, name);
	outbuf_json_string(out, value, strlen(value));
}

/* where's process context: start time, ancestors, container, namespaces. */
static void put_process(const struct format_process *p, struct outbuf *out, bool first)
{
	/* The bits of format_process.namespaces, in order. */
	static const char *const ns_names[] = { "pid", "mnt", "net",   "user",
						"uts", "ipc", "cgroup" };

	if (!p->known) {
		/* Gone before needle met it: nothing is guessed. */
		outbuf_puts(out, first ? "\"process_known\":false" : ",\"process_known\":false");
		first = false;
	}
	if (p->start_time > 0) {
		outbuf_puts(out, first ? "\"start_time\":" : ",\"start_time\":");
		interp_time_rfc3339(out, (uint64_t)p->start_time,
				    (unsigned)((p->start_time - (double)(uint64_t)p->start_time) * 1000));
		first = false;
	}
	if (p->nancestors) {
		outbuf_puts(out, first ? "\"ancestors\":[" : ",\"ancestors\":[");
		first = false;
		for (unsigned i = 0; i < p->nancestors; i++) {
			const struct format_ancestor *a = &p->ancestors[i];
			bool f = false;

			outbuf_puts(out, i ? ",{\"pid\":" : "{\"pid\":");
			outbuf_put_u64(out, a->pid);
			if (!a->known)
				outbuf_puts(out, ",\"known\":false");
			put_opt_string(out, "exe", a->exe, &f);
			put_opt_string(out, "argv0", a->argv0, &f);
			outbuf_putc(out, '}');
		}
		outbuf_putc(out, ']');
	}
	if (p->runtime || p->container_id || p->pod) {
		bool f = true;

		outbuf_puts(out, first ? "\"container\":{" : ",\"container\":{");
		first = false;
		put_opt_string(out, "runtime", p->runtime, &f);
		put_opt_string(out, "id", p->container_id, &f);
		put_opt_string(out, "pod", p->pod, &f);
		outbuf_putc(out, '}');
	}
	if (p->namespaces) {
		bool f = true;

		outbuf_puts(out, first ? "\"namespaces\":[" : ",\"namespaces\":[");
		for (unsigned i = 0; i < sizeof(ns_names) / sizeof(ns_names[0]); i++)
			if (p->namespaces & (1u << i)) {
				outbuf_puts(out, f ? "\"" : ",\"");
				f = false;
				outbuf_puts(out, ns_names[i]);
				outbuf_putc(out, '"');
			}
		outbuf_putc(out, ']');
	}
}

static void put_where(struct format_ctx *ctx, const struct audit_event *ev, struct outbuf *out)
{
	const struct audit_field *cwd = find_field(find_record(ctx, ev, AUDIT_CWD), "cwd");
	bool first = true;

	outbuf_puts(out, ",\"where\":{");
	put_number_field(out, &first, "pid", SUBJ(ctx, S_PID));
	put_number_field(out, &first, "ppid", SUBJ(ctx, S_PPID));
	put_number_field(out, &first, "ses", SUBJ(ctx, S_SES));
	put_string_field(ctx, out, &first, "tty", SUBJ(ctx, S_TTY));
	if (!SUBJ(ctx, S_TTY))
		put_string_field(ctx, out, &first, "terminal", SUBJ(ctx, S_TERMINAL));
	put_string_field(ctx, out, &first, "cwd", cwd);
	put_string_field(ctx, out, &first, "hostname", SUBJ(ctx, S_HOSTNAME));
	put_string_field(ctx, out, &first, "addr", SUBJ(ctx, S_ADDR));
	if (ev->node) {
		outbuf_puts(out, first ? "\"node\":" : ",\"node\":");
		outbuf_json_string(out, ev->node, ev->node_len);
		first = false;
	}
	if (ctx->proc_valid) {
		/* Same answer as last time (same pointers, same values): same bytes. */
		if (!ctx->proc_json.len ||
		    memcmp(&ctx->proc_rendered, &ctx->proc, sizeof(ctx->proc)) != 0) {
			ctx->proc_json.len = 0;
			put_process(&ctx->proc, &ctx->proc_json, false);
			ctx->proc_rendered = ctx->proc;
		}
		if (first && ctx->proc_json.len) /* no comma before the first member */
			outbuf_put(out, ctx->proc_json.data + 1, ctx->proc_json.len - 1);
		else
			outbuf_put(out, ctx->proc_json.data, ctx->proc_json.len);
	}
	outbuf_putc(out, '}');
}

static void put_how(struct format_ctx *ctx, const struct audit_event *ev, struct outbuf *out)
{
	const struct audit_field *title = find_field(find_record(ctx, ev, AUDIT_PROCTITLE),
						     "proctitle");
	bool first = true;

	outbuf_puts(out, ",\"how\":{");
	put_string_field(ctx, out, &first, "comm", SUBJ(ctx, S_COMM));
	put_string_field(ctx, out, &first, "exe", SUBJ(ctx, S_EXE));
	if (find_record(ctx, ev, AUDIT_EXECVE)) {
		outbuf_puts(out, first ? "\"argv\":" : ",\"argv\":");
		format_put_event_argv(ctx, ev, out);
	} else if (title) {
		interp_field_value(title, &ctx->value);
		outbuf_puts(out, first ? "\"argv\":" : ",\"argv\":");
		format_put_nul_split_array(out, ctx->value.data, ctx->value.len);
	}
	outbuf_putc(out, '}');
}

static void put_why(struct format_ctx *ctx, const struct audit_event *ev, struct outbuf *out)
{
	const struct audit_field *key = SUBJ(ctx, S_KEY);
	size_t start = 0;
	bool first = true;

	outbuf_puts(out, ",\"why\":{");
	if (!is_null_value(key)) {
		/* Several keys are joined by 0x01. */
		interp_field_value(key, &ctx->value);
		outbuf_puts(out, "\"keys\":[");
		for (size_t i = 0; i <= ctx->value.len; i++)
			if (i == ctx->value.len || ctx->value.data[i] == 1) {
				if (!first)
					outbuf_putc(out, ',');
				first = false;
				outbuf_json_string(out, ctx->value.data + start, i - start);
				start = i + 1;
			}
		outbuf_putc(out, ']');
	}
	outbuf_putc(out, '}');
}

static void put_objects(struct format_ctx *ctx, const struct audit_event *ev, struct outbuf *out)
{
	const struct audit_field *cwd = find_field(find_record(ctx, ev, AUDIT_CWD), "cwd");
	bool first = true;

	/* The cwd, decoded, stays in ctx->value2's place of its own: path. */
	outbuf_puts(out, ",\"objects\":[");
	for (unsigned i = 0; i < ev->nrecords; i++) {
		const struct audit_record *r = &ctx->recs[i];

		if (r->type == AUDIT_PATH) {
			const struct audit_field *name = find_field(r, "name");
			bool ofirst = false;

			outbuf_puts(out, first ? "{\"type\":\"path\"" : ",{\"type\":\"path\"");
			first = false;
			if (format_resolve_name(ctx, name, cwd)) {
				outbuf_puts(out, ",\"path\":");
				outbuf_json_string(out, ctx->path.data, ctx->path.len);
				outbuf_puts(out, ",\"name\":");
				outbuf_json_string(out, ctx->value.data, ctx->value.len);
			}
			put_string_field(ctx, out, &ofirst, "nametype", find_field(r, "nametype"));
			put_number_field(out, &ofirst, "inode", find_field(r, "inode"));
			put_string_field(ctx, out, &ofirst, "mode", find_field(r, "mode"));
			put_number_field(out, &ofirst, "ouid", find_field(r, "ouid"));
			put_number_field(out, &ofirst, "ogid", find_field(r, "ogid"));
			if (ctx->uid_name)
				put_id_name(ctx, out, &ofirst, "owner", find_field(r, "ouid"),
					    ctx->uid_name);
			outbuf_putc(out, '}');
		} else if (r->type == AUDIT_SOCKADDR) {
			const struct audit_field *saddr = find_field(r, "saddr");
			struct sockaddr_info sa;

			if (!saddr || !interp_field_value(saddr, &ctx->value) ||
			    !interp_sockaddr((const unsigned char *)ctx->value.data, ctx->value.len,
					     ctx->sa_big_endian, &sa))
				continue;
			outbuf_puts(out, first ? "{\"type\":\"socket\",\"addr\":"
					       : ",{\"type\":\"socket\",\"addr\":");
			first = false;
			interp_sockaddr_json(out, &sa);
			outbuf_putc(out, '}');
		}
	}
	outbuf_putc(out, ']');
}

void format_event_json(struct format_ctx *ctx, const struct audit_event *ev, struct outbuf *out)
{
	char ms[4] = { (char)('0' + ev->stamp.msec / 100 % 10), (char)('0' + ev->stamp.msec / 10 % 10),
		       (char)('0' + ev->stamp.msec % 10), '\0' };

	if (!format_parse_event(ctx, ev)) {
		out->failed = true;
		return;
	}
	format_index_subject(ctx, format_subject_record(ctx, ev));
	format_ask_process(ctx, ev);
	outbuf_puts(out, "{\"id\":\"");
	outbuf_put_u64(out, ev->stamp.sec);
	outbuf_putc(out, '.');
	outbuf_put(out, ms, 3);
	outbuf_putc(out, ':');
	outbuf_put_u64(out, ev->stamp.serial);
	outbuf_putc(out, '"');
	outbuf_puts(out, ",\"serial\":");
	outbuf_put_u64(out, ev->stamp.serial);
	outbuf_puts(out, ",\"time\":");
	interp_time_rfc3339(out, ev->stamp.sec, ev->stamp.msec);
	if (ev->node) {
		outbuf_puts(out, ",\"node\":");
		outbuf_json_string(out, ev->node, ev->node_len);
	}
	if (ev->partial) {
		outbuf_puts(out, ",\"partial\":true,\"partial_reason\":\"");
		outbuf_puts(out, format_partial_reason(ev));
		outbuf_putc(out, '"');
	}
	if (ev->truncated)
		outbuf_puts(out, ",\"truncated\":true");
	outbuf_puts(out, ",\"record_count\":");
	outbuf_put_u64(out, ev->nrecords);
	outbuf_putc(out, ',');
	format_put_records(ctx, ev, out);
	put_who(ctx, ev, out);
	put_what(ctx, ev, out);
	put_where(ctx, ev, out);
	put_how(ctx, ev, out);
	put_why(ctx, ev, out);
	put_objects(ctx, ev, out);
	outbuf_puts(out, "}\n");
	if (format_scratch_failed(ctx))
		out->failed = true;
}
