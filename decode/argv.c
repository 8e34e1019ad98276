/* SPDX-License-Identifier: MIT */
/*
 * argv: an execve's arguments as one JSON array, rebuilt from the event's
 * EXECVE records (or split from a PROCTITLE). JSON writes it in
 * records.EXECVE.argv and how.argv, the summary after argv=: the same bytes.
 *
 * Invariant: every argument goes through outbuf's JSON escaper, so an
 * argument (untrusted: any bytes a program was started with) can neither
 * end the line nor the array early; a missing argument is null, never "".
 */
#include "format-internal.h"

#include <libaudit.h>
#include <stdlib.h>
#include <string.h>

/* A JSON array of the NUL-separated strings in p[0..n). */
void format_put_nul_split_array(struct outbuf *out, const char *p, size_t n)
{
	size_t start = 0;
	bool first = true;

	while (n > 0 && p[n - 1] == '\0')
		n--;
	outbuf_putc(out, '[');
	for (size_t i = 0; i <= n; i++) {
		if (i == n || p[i] == '\0') {
			if (!first)
				outbuf_putc(out, ',');
			first = false;
			outbuf_json_string(out, p + start, i - start);
			start = i + 1;
		}
	}
	outbuf_putc(out, ']');
}

/*
 * EXECVE arguments. The kernel logs argument N as aN, or, when it is long,
 * as aN_len=LEN followed by pieces aN[0], aN[1]... spread over several
 * EXECVE records; when the record budget runs out, arguments or pieces are
 * missing. One pass indexes every aN / aN[k] / aN_len field, a sort puts
 * them in (argument, piece) order, and the argv is rebuilt from that:
 *   a whole argument                -> "text"
 *   an argument the kernel left out -> null
 *   pieces with gaps                -> {"pieces": ["01", null, "34"]}
 * Pieces without aN_len cannot be known complete and count as missing, as
 * auoms (OMS) does; the pieces themselves stay in the record's fields.
 */
struct arg_part {
	long long arg;
	long long piece; /* -1: whole aN, -2: aN_len, else the piece index */
	const struct audit_field *f;
};

static int cmp_arg_part(const void *x, const void *y)
{
	const struct arg_part *a = x, *b = y;

	if (a->arg != b->arg)
		return a->arg < b->arg ? -1 : 1;
	if (a->piece != b->piece)
		return a->piece < b->piece ? -1 : 1;
	/* A name given twice: the first field, as in the record's object. */
	return (a->f > b->f) - (a->f < b->f);
}

bool format_exec_arg_name(const struct audit_field *f, long long *ret_arg, long long *ret_piece)
{
	size_t n = f->name_len, i = 1;
	const char *s = f->name;

	if (n < 2 || s[0] != 'a' || s[1] < '0' || s[1] > '9')
		return false;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	if (!interp_number(s + 1, i - 1, false, ret_arg))
		return false;
	if (i == n) {
		*ret_piece = -1;
		return true;
	}
	if (n - i == 4 && memcmp(s + i, "_len", 4) == 0) {
		*ret_piece = -2;
		return true;
	}
	if (s[i] == '[' && s[n - 1] == ']' && interp_number(s + i + 1, n - i - 2, false, ret_piece))
		return *ret_piece >= 0;
	return false;
}

/* Writes the argv of the EXECVE records recs[0..n) as a JSON array. */
void format_put_execve_argv(struct format_ctx *ctx, struct audit_record *const *recs, unsigned n,
			    struct outbuf *out)
{
	struct arg_part *parts;
	size_t nparts = 0, cap = 0, i;
	long long argc = -1, next_arg = 0;

	for (unsigned r = 0; r < n; r++)
		cap += recs[r]->nfields;
	parts = malloc((cap ? cap : 1) * sizeof(*parts));
	if (!parts) {
		out->failed = true;
		return;
	}
	for (unsigned r = 0; r < n; r++) {
		const struct audit_record *rec = recs[r];

		for (unsigned k = 0; k < rec->nfields; k++) {
			const struct audit_field *f = &rec->fields[k];
			struct arg_part p = { .f = f };

			if (f->flags & (FIELD_NESTED | FIELD_ENRICHED))
				continue;
			if (name_is(f, "argc")) {
				if (argc < 0) /* the first, as in the object */
					interp_number(f->value, f->value_len, false, &argc);
			} else if (format_exec_arg_name(f, &p.arg, &p.piece)) {
				parts[nparts++] = p;
			}
		}
	}
	qsort(parts, nparts, sizeof(*parts), cmp_arg_part);
	outbuf_putc(out, '[');
	for (i = 0; i < nparts || (argc >= 0 && next_arg < argc);) {
		long long arg = i < nparts ? parts[i].arg : argc;
		size_t j = i;
		const struct arg_part *whole = NULL, *len = NULL;
		bool has_pieces = false;

		if (argc >= 0 && arg >= argc)
			arg = argc; /* fields past argc: ignored in the argv */
		/* Arguments the kernel left out before this one. */
		for (; next_arg < arg; next_arg++)
			outbuf_puts(out, next_arg ? ",null" : "null");
		if (i >= nparts || (argc >= 0 && parts[i].arg >= argc))
			break;
		for (; j < nparts && parts[j].arg == arg; j++) {
			if (parts[j].piece == -1 && !whole)
				whole = &parts[j];
			else if (parts[j].piece == -2 && !len)
				len = &parts[j];
			else if (parts[j].piece >= 0)
				has_pieces = true;
		}
		if (arg)
			outbuf_putc(out, ',');
		if (whole) {
			interp_field_value(whole->f, &ctx->value);
			outbuf_json_string(out, ctx->value.data, ctx->value.len);
		} else if (!len || !has_pieces) {
			outbuf_puts(out, "null");
		} else {
			long long total = 0, want = -1, expect = 0;
			bool gap = false;
			size_t mark = out->len;

			interp_number(len->f->value, len->f->value_len, false, &want);
			outbuf_puts(out, "{\"pieces\":[");
			for (size_t k = i; k < j; k++) {
				long long piece = parts[k].piece;

				if (piece < expect)
					continue; /* aN_len, aN, or a repeated piece */
				if (piece > expect) {
					/* Pieces the kernel left out: one null. */
					outbuf_puts(out, expect || gap ? ",null" : "null");
					gap = true;
				}
				if (expect || gap)
					outbuf_putc(out, ',');
				interp_field_value(parts[k].f, &ctx->value);
				outbuf_json_string(out, ctx->value.data, ctx->value.len);
				/* aN_len counts what the kernel wrote: bytes of
				 * quoted pieces, hex digits (two per byte) of
				 * encoded ones (kernel/auditsc.c,
				 * audit_log_execve_info(): len_full). */
				total += (long long)parts[k].f->value_len;
				expect = piece + 1;
			}
			/* Short with no gap seen: what is missing is the end. */
			if (!gap && want >= 0 && total < want) {
				outbuf_puts(out, ",null");
				gap = true;
			}
			outbuf_puts(out, "]}");
			if (!gap) {
				/* Every piece is there: one string, like a short argument. */
				out->len = mark;
				ctx->value2.len = 0;
				for (size_t k = i; k < j; k++)
					if (parts[k].piece >= 0 && (k == i || parts[k].piece != parts[k - 1].piece)) {
						interp_field_value(parts[k].f, &ctx->value);
						outbuf_put(&ctx->value2, ctx->value.data, ctx->value.len);
					}
				outbuf_json_string(out, ctx->value2.data, ctx->value2.len);
			}
		}
		next_arg = arg + 1;
		i = j;
	}
	outbuf_putc(out, ']');
	free(parts);
}

/* The event's argv from its EXECVE records; false when it has none. */
bool format_put_event_argv(struct format_ctx *ctx, const struct audit_event *ev,
			   struct outbuf *out)
{
	unsigned n = 0;

	for (unsigned r = 0; r < ev->nrecords; r++)
		if (ctx->recs[r].type == AUDIT_EXECVE)
			ctx->group[n++] = &ctx->recs[r];
	if (!n)
		return false;
	format_put_execve_argv(ctx, ctx->group, n, out);
	return true;
}
