/* SPDX-License-Identifier: MIT */
/*
 * format.c: parse every record of an event once into the context's field
 * pool, then write the records, then the summary blocks from them.
 */
#include "format.h"
#include "enrich.h"
#include "interpret.h"
#include "raw.h"

#include <libaudit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Types that may occur more than once in an event: always arrays, so a
 * consumer finds them at the same path whether there is one or several. */
static bool always_array(unsigned type)
{
	switch (type) {
	case AUDIT_PATH:
	case AUDIT_SOCKADDR:
	case AUDIT_AVC:
	case AUDIT_AVC_PATH:
	case AUDIT_OBJ_PID:
	case AUDIT_USER_AVC:
		return true;
	default:
		return false;
	}
}

static void type_name(unsigned type, char *buf, size_t size)
{
	const char *name = decode_type_name(type);

	if (name && strlen(name) < size)
		strcpy(buf, name);
	else
		snprintf(buf, size, "UNKNOWN[%u]", type);
}

static inline bool name_is_n(const struct audit_field *f, const char *name, size_t n)
{
	/* Length and first byte reject nearly all, without a call. */
	return f->name_len == n && n > 0 && f->name[0] == name[0] && memcmp(f->name, name, n) == 0;
}

/* Names are literals: their length is known at compile time. */
#define name_is(f, lit) name_is_n((f), (lit), sizeof(lit) - 1)

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
	outbuf_free(&ctx->proc_json);
	memset(ctx, 0, sizeof(*ctx));
}

/* True when a scratch buffer ran out of memory while formatting the event
 * (a value then went out undecoded, or not at all): the caller marks its
 * output failed. The flags are cleared for the next event. */
static bool scratch_failed(struct format_ctx *ctx)
{
	struct outbuf *bufs[] = { &ctx->value, &ctx->value2, &ctx->path, &ctx->exe_buf,
				  &ctx->argv0_buf, &ctx->proc_json };
	bool failed = false;

	for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
		failed |= bufs[i]->failed;
		bufs[i]->failed = false;
	}
	if (ctx->proc_json.len && failed)
		ctx->proc_json.len = 0; /* render it again next time */
	return failed;
}

static const struct audit_record *find_record(const struct format_ctx *ctx,
					      const struct audit_event *ev, unsigned type);

static const struct audit_field *record_field_or_null(const struct audit_record *r,
						      const char *name)
{
	return r ? record_field(r, name) : NULL;
}

/* Parses every record of ev; false when memory ran out. */
static bool parse_event(struct format_ctx *ctx, const struct audit_event *ev)
{
	size_t need = 2, used = 0;

	/* Scratch buffers are never NULL, so pointer arithmetic on an empty
	 * one stays defined. */
	if (!outbuf_reserve(&ctx->value, 1) || !outbuf_reserve(&ctx->value2, 1) ||
	    !outbuf_reserve(&ctx->path, 1))
		return false;

	for (unsigned i = 0; i < ev->nrecords; i++)
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

		decode_record_body(er->type, ev->text + er->offset, er->len, ctx->fields + used, cap,
				   &ctx->recs[i]);
		used += cap;
	}
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

static const struct audit_record *find_record(const struct format_ctx *ctx,
					      const struct audit_event *ev, unsigned type)
{
	for (unsigned i = 0; i < ev->nrecords; i++)
		if (ctx->recs[i].type == type)
			return &ctx->recs[i];
	return NULL;
}

/* A field by name: top level first, then nested (user-space msg='...'). */
static const struct audit_field *find_field_n(const struct audit_record *r, const char *name,
					      size_t n)
{
	const struct audit_field *nested = NULL;

	if (!r)
		return NULL;
	for (unsigned i = 0; i < r->nfields; i++) {
		const struct audit_field *f = &r->fields[i];

		if (!(f->flags & FIELD_ENRICHED) && name_is_n(f, name, n)) {
			if (!(f->flags & FIELD_NESTED))
				return f;
			if (!nested)
				nested = f;
		}
	}
	return nested;
}

#define find_field(r, lit) find_field_n((r), (lit), strlen(lit))

/*
 * The summary reads some twenty fields of one record (the SYSCALL, or the
 * first record). One pass indexes them, instead of a scan per lookup.
 */
enum subject_field {
	S_AUID, S_UID, S_EUID, S_SUID, S_FSUID, S_GID, S_EGID, S_SGID, S_FSGID,
	S_PID, S_PPID, S_SES, S_TTY, S_TERMINAL, S_HOSTNAME, S_ADDR, S_COMM, S_EXE,
	S_KEY, S_ARCH, S_SYSCALL, S_SUCCESS, S_EXIT, S_RES, S_COUNT
};

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
static void index_subject(struct format_ctx *ctx, const struct audit_record *r)
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

#define SUBJ(ctx, slot) ((ctx)->subject[slot])
_Static_assert(S_COUNT <= sizeof(((struct format_ctx *)0)->subject) / sizeof(void *),
	       "format_ctx.subject holds every subject field");

/* The kernel writes a missing string as (null). */
static bool is_null_value(const struct audit_field *f)
{
	return !f || (f->value_len == 6 && memcmp(f->value, "(null)", 6) == 0);
}

/* A PATH record's name, decoded into ctx->value, and made absolute
 * against the event's cwd into ctx->path. False when it has no name. */
static bool resolve_name(struct format_ctx *ctx, const struct audit_field *name,
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

/* Writes a field's (decoded) value as a JSON string. */
static void put_value(struct format_ctx *ctx, const struct audit_field *f, struct outbuf *out)
{
	/* Most values are not encoded: escape them straight from the record,
	 * without the copy into ctx->value. */
	if (interp_field_is_hex(f) && interp_field_value(f, &ctx->value))
		outbuf_json_string(out, ctx->value.data, ctx->value.len);
	else
		outbuf_json_string(out, f->value, f->value_len);
}

/* Writes "name":number when the value is a decimal number, else a string. */
/* True when s is a JSON integer as it stands: -?(0|[1-9][0-9]*), at most
 * 19 digits, so it can be copied instead of parsed and printed again. */
static bool json_integer(const char *s, size_t n)
{
	size_t i = n && s[0] == '-';

	if (i == n || n - i > 19 || (s[i] == '0' && n - i > 1))
		return false;
	for (; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static void put_number_field(struct outbuf *out, bool *first, const char *name,
			     const struct audit_field *f)
{
	if (!f)
		return;
	outbuf_puts(out, *first ? "\"" : ",\"");
	*first = false;
	outbuf_puts(out, name);
	outbuf_puts(out, "\":");
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
	outbuf_puts(out, *first ? "\"" : ",\"");
	*first = false;
	outbuf_puts(out, name);
	outbuf_puts(out, "\":");
	put_value(ctx, f, out);
}

/* A JSON array of the NUL-separated strings in p[0..n). */
static void put_nul_split_array(struct outbuf *out, const char *p, size_t n)
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

/* Parses aN, aN[k] or aN_len; false for any other name. */
static bool arg_name(const struct audit_field *f, long long *ret_arg, long long *ret_piece)
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
static void put_execve_argv(struct format_ctx *ctx, struct audit_record *const *recs, unsigned n,
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
			} else if (arg_name(f, &p.arg, &p.piece)) {
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
static bool put_event_argv(struct format_ctx *ctx, const struct audit_event *ev,
			   struct outbuf *out)
{
	unsigned n = 0;

	for (unsigned r = 0; r < ev->nrecords; r++)
		if (ctx->recs[r].type == AUDIT_EXECVE)
			ctx->group[n++] = &ctx->recs[r];
	if (!n)
		return false;
	put_execve_argv(ctx, ctx->group, n, out);
	return true;
}

/*
 * Repeated names. A record may hold a name twice (old kernels' DAEMON_START
 * "auditd start, ..., pid=2166 ..., auditd pid=21", records glued by a
 * broken writer, EXECVE records of one event merged into one object), and a
 * JSON object must not. The rule: the first field of a name keeps it; every
 * later one is flagged FIELD_REPEAT and written, in order, in the object's
 * "_repeated": [["name", "value"], ...]. Names needle adds to an object
 * itself (_text, _truncated, _repeated, enriched, and argv in EXECVE and
 * PROCTITLE) are reserved: a field of such a name goes to "_repeated" too.
 * who/what/where read the first field of a name, as the object shows it.
 *
 * Records are small, so a 64-bit filter of the names seen (one per group:
 * top level, msg='...', ENRICHED part) finds the candidates and only those
 * are compared; past 64 fields (or across the records of one EXECVE
 * object) a sort of pointers does it in n log n, so a hostile record of
 * thousands of fields costs no quadratic time.
 */
#define REPEAT_FILTER_MAX 64
#define FIELD_GROUP(f) ((f)->flags & (FIELD_NESTED | FIELD_ENRICHED))

/* Names are short: a loop beats a call to memcmp. */
static inline bool same_name(const struct audit_field *a, const struct audit_field *b)
{
	if (a->name_len != b->name_len)
		return false;
	for (uint32_t k = 0; k < a->name_len; k++)
		if (a->name[k] != b->name[k])
			return false;
	return true;
}

/* A 256-bit filter of the names of one group seen so far. */
struct name_filter {
	uint64_t bits[4];
};

/* The filter's test for field i of r (named): true when an earlier field
 * of its group has its name. A false hit costs a scan of the earlier
 * fields; with a record's 20 to 30 names in 256 bits that is rare. */
static inline __attribute__((always_inline)) bool
repeats_earlier(const struct audit_record *r, unsigned i, struct name_filter *seen)
{
	const struct audit_field *f = &r->fields[i];
	const unsigned char *n = (const unsigned char *)f->name;
	unsigned h = (f->name_len * 31u + n[0] * 7u + n[f->name_len - 1] * 3u +
		      n[f->name_len / 2]) & 255;
	uint64_t bit = 1ull << (h & 63), *word = &seen->bits[h >> 6];
	unsigned g = FIELD_GROUP(f);

	if (!(*word & bit)) {
		*word |= bit;
		return false;
	}
	for (unsigned j = 0; j < i; j++)
		if (FIELD_GROUP(&r->fields[j]) == g && same_name(&r->fields[j], f))
			return true;
	return false;
}

static int cmp_field_ptr(const void *x, const void *y)
{
	const struct audit_field *a = *(const struct audit_field *const *)x;
	const struct audit_field *b = *(const struct audit_field *const *)y;
	int c;

	if (FIELD_GROUP(a) != FIELD_GROUP(b))
		return FIELD_GROUP(a) < FIELD_GROUP(b) ? -1 : 1;
	if (a->name_len != b->name_len)
		return a->name_len < b->name_len ? -1 : 1;
	if ((c = memcmp(a->name, b->name, a->name_len)) != 0)
		return c;
	/* Fields lie in the pool in the order they were written. */
	return (a > b) - (a < b);
}

/* Flags the repeats among the fields of recs[0..n), taken as one object,
 * by a sort; false when memory ran out. */
static bool mark_repeats_sorted(struct format_ctx *ctx, struct audit_record *const *recs,
				unsigned n)
{
	size_t total = 0, k = 0;

	for (unsigned r = 0; r < n; r++)
		total += recs[r]->nfields;
	if (total > ctx->sorted_cap) {
		struct audit_field **p = realloc(ctx->sorted, total * sizeof(*p));

		if (!p)
			return false;
		ctx->sorted = p;
		ctx->sorted_cap = total;
	}
	for (unsigned r = 0; r < n; r++)
		for (unsigned i = 0; i < recs[r]->nfields; i++)
			if (recs[r]->fields[i].name_len)
				ctx->sorted[k++] = &recs[r]->fields[i];
	qsort(ctx->sorted, k, sizeof(*ctx->sorted), cmp_field_ptr);
	for (size_t i = 1; i < k; i++)
		if (FIELD_GROUP(ctx->sorted[i]) == FIELD_GROUP(ctx->sorted[i - 1]) &&
		    same_name(ctx->sorted[i], ctx->sorted[i - 1]))
			ctx->sorted[i]->flags |= FIELD_REPEAT;
	return true;
}

/* Names needle adds to a record's object (see above). Lengths and first
 * bytes turn nearly every name down before a comparison. */
static inline bool reserved_name(const struct audit_field *f, unsigned type)
{
	const char *n = f->name;

	switch (f->name_len) {
	case 4: return n[0] == 'a' && n[1] == 'r' && memcmp(n, "argv", 4) == 0 &&
		       (type == AUDIT_EXECVE || type == AUDIT_PROCTITLE);
	case 5: return n[0] == '_' && memcmp(n, "_text", 5) == 0;
	case 8: return n[0] == 'e' && memcmp(n, "enriched", 8) == 0;
	case 9: return n[0] == '_' && memcmp(n, "_repeated", 9) == 0;
	case 10: return n[0] == '_' && memcmp(n, "_truncated", 10) == 0;
	default: return false;
	}
}

/* Whether field i of r goes to "_repeated"; with filter (the record alone,
 * small), finds and flags the repeats on the way, else they were flagged. */
static inline __attribute__((always_inline)) bool
goes_to_repeated(const struct audit_record *r, unsigned i, struct name_filter *filter)
{
	struct audit_field *f = &r->fields[i];

	if (!f->name_len)
		return false;
	if (filter && repeats_earlier(r, i, filter))
		f->flags |= FIELD_REPEAT;
	return (f->flags & FIELD_REPEAT) || reserved_name(f, r->type);
}

static void put_member_sep(struct outbuf *out, bool *first)
{
	if (!*first)
		outbuf_putc(out, ',');
	*first = false;
}

/* One ["name","value"] of "_repeated". */
static void put_repeat_pair(struct format_ctx *ctx, const struct audit_field *f, bool *any,
			    bool *first, struct outbuf *out)
{
	if (!*any) {
		put_member_sep(out, first);
		outbuf_puts(out, "\"_repeated\":[[");
	} else {
		outbuf_puts(out, ",[");
	}
	*any = true;
	outbuf_json_string(out, f->name, f->name_len);
	outbuf_putc(out, ',');
	put_value(ctx, f, out);
	outbuf_putc(out, ']');
}

/* msg='k=v ...' (field msg of r): its fields, as an object. */
static void put_nested(struct format_ctx *ctx, const struct audit_record *r, unsigned msg,
		       bool filter, struct outbuf *out)
{
	bool nfirst = true, nwords = false, nrep = false, any = false;
	struct name_filter seen = { { 0 } };
	unsigned j;

	outbuf_putc(out, '{');
	for (j = msg + 1; j < r->nfields && (r->fields[j].flags & FIELD_NESTED); j++) {
		const struct audit_field *n = &r->fields[j];

		if (n->name_len == 0) {
			nwords = true;
			continue;
		}
		if (goes_to_repeated(r, j, filter ? &seen : NULL)) {
			nrep = true;
			continue;
		}
		put_member_sep(out, &nfirst);
		outbuf_json_key(out, n->name, n->name_len);
		put_value(ctx, n, out);
	}
	if (nwords) {
		/* Words without '=' inside msg='...', joined. */
		ctx->value2.len = 0;
		for (j = msg + 1; j < r->nfields && (r->fields[j].flags & FIELD_NESTED); j++)
			if (r->fields[j].name_len == 0) {
				if (ctx->value2.len)
					outbuf_putc(&ctx->value2, ' ');
				outbuf_put(&ctx->value2, r->fields[j].value, r->fields[j].value_len);
			}
		put_member_sep(out, &nfirst);
		outbuf_puts(out, "\"_text\":");
		outbuf_json_string(out, ctx->value2.data, ctx->value2.len);
	}
	for (j = msg + 1; nrep && j < r->nfields && (r->fields[j].flags & FIELD_NESTED); j++)
		if (goes_to_repeated(r, j, NULL))
			put_repeat_pair(ctx, &r->fields[j], &any, &nfirst, out);
	if (any)
		outbuf_putc(out, ']');
	outbuf_putc(out, '}');
}

/* One JSON object (braces included) of the fields of recs[0..n): one
 * record, or the EXECVE records of an event merged. */
static void put_record_object(struct format_ctx *ctx, struct audit_record *const *recs,
			      unsigned n, struct outbuf *out)
{
	bool first = true, words = false, enriched = false, truncated = false, rep = false;
	bool any = false;
	/* A record alone and small: the filter finds repeats while writing.
	 * Else a sort flags them first. */
	bool filter = n == 1 && recs[0]->nfields <= REPEAT_FILTER_MAX;
	struct name_filter seen = { { 0 } };

	if (!filter && !mark_repeats_sorted(ctx, recs, n)) {
		out->failed = true;
		return;
	}
	outbuf_putc(out, '{');
	for (unsigned k = 0; k < n; k++) {
		const struct audit_record *r = recs[k];

		truncated |= r->fields_truncated;
		for (unsigned i = 0; i < r->nfields; i++) {
			const struct audit_field *f = &r->fields[i];

			if (f->flags & (FIELD_NESTED | FIELD_ENRICHED)) {
				enriched |= (f->flags & FIELD_ENRICHED) && f->name_len;
				continue;
			}
			if (f->name_len == 0) {
				words = true;
				continue;
			}
			if (goes_to_repeated(r, i, filter ? &seen : NULL)) {
				rep = true;
				continue;
			}
			put_member_sep(out, &first);
			outbuf_json_key(out, f->name, f->name_len);
			if (f->quote == FIELD_SINGLE) {
				put_nested(ctx, r, i, filter, out);
			} else if (r->type == AUDIT_PROCTITLE && name_is(f, "proctitle")) {
				interp_field_value(f, &ctx->value);
				ctx->value2.len = 0;
				outbuf_put(&ctx->value2, ctx->value.data, ctx->value.len);
				while (ctx->value2.len && ctx->value2.data[ctx->value2.len - 1] == '\0')
					ctx->value2.len--;
				for (size_t m = 0; m < ctx->value2.len; m++)
					if (ctx->value2.data[m] == '\0')
						ctx->value2.data[m] = ' ';
				outbuf_json_string(out, ctx->value2.data, ctx->value2.len);
				outbuf_puts(out, ",\"argv\":");
				put_nul_split_array(out, ctx->value.data, ctx->value.len);
			} else if (r->type == AUDIT_SOCKADDR && name_is(f, "saddr")) {
				struct sockaddr_info sa;

				if (interp_field_value(f, &ctx->value) &&
				    interp_sockaddr((const unsigned char *)ctx->value.data,
						    ctx->value.len, ctx->sa_big_endian, &sa))
					interp_sockaddr_json(out, &sa);
				else
					outbuf_json_string(out, f->value, f->value_len);
			} else {
				put_value(ctx, f, out);
			}
		}
	}
	if (recs[0]->type == AUDIT_EXECVE) {
		/* Split over several records: one object, and the argv. */
		put_member_sep(out, &first);
		outbuf_puts(out, "\"argv\":");
		put_execve_argv(ctx, recs, n, out);
	}
	if (words) {
		ctx->value2.len = 0;
		for (unsigned k = 0; k < n; k++)
			for (unsigned i = 0; i < recs[k]->nfields; i++) {
				const struct audit_field *f = &recs[k]->fields[i];

				if (f->name_len == 0 && !(f->flags & (FIELD_NESTED | FIELD_ENRICHED))) {
					if (ctx->value2.len)
						outbuf_putc(&ctx->value2, ' ');
					outbuf_put(&ctx->value2, f->value, f->value_len);
				}
			}
		put_member_sep(out, &first);
		outbuf_puts(out, "\"_text\":");
		outbuf_json_string(out, ctx->value2.data, ctx->value2.len);
	}
	if (enriched) {
		bool efirst = true, erep = false;
		struct name_filter eseen = { { 0 } };

		put_member_sep(out, &first);
		outbuf_puts(out, "\"enriched\":{");
		for (unsigned k = 0; k < n; k++)
			for (unsigned i = 0; i < recs[k]->nfields; i++) {
				const struct audit_field *f = &recs[k]->fields[i];

				if (!(f->flags & FIELD_ENRICHED) || !f->name_len)
					continue;
				if (goes_to_repeated(recs[k], i, filter ? &eseen : NULL)) {
					erep = true;
					continue;
				}
				put_member_sep(out, &efirst);
				outbuf_json_key(out, f->name, f->name_len);
				outbuf_json_string(out, f->value, f->value_len);
			}
		for (unsigned k = 0; erep && k < n; k++)
			for (unsigned i = 0; i < recs[k]->nfields; i++)
				if ((recs[k]->fields[i].flags & FIELD_ENRICHED) &&
				    goes_to_repeated(recs[k], i, NULL))
					put_repeat_pair(ctx, &recs[k]->fields[i], &any, &efirst, out);
		if (any)
			outbuf_putc(out, ']');
		any = false;
		outbuf_putc(out, '}');
	}
	if (truncated) {
		put_member_sep(out, &first);
		outbuf_puts(out, "\"_truncated\":true");
	}
	for (unsigned k = 0; rep && k < n; k++)
		for (unsigned i = 0; i < recs[k]->nfields; i++)
			if (!(recs[k]->fields[i].flags & (FIELD_NESTED | FIELD_ENRICHED)) &&
			    goes_to_repeated(recs[k], i, NULL))
				put_repeat_pair(ctx, &recs[k]->fields[i], &any, &first, out);
	if (any)
		outbuf_putc(out, ']');
	outbuf_putc(out, '}');
}

static void put_records(struct format_ctx *ctx, const struct audit_event *ev, struct outbuf *out)
{
	bool first_type = true;

	outbuf_puts(out, "\"records\":{");
	for (unsigned i = 0; i < ev->nrecords; i++) {
		unsigned type = ctx->recs[i].type, count = 0;
		bool seen_before = false, array;
		char name[32];

		for (unsigned j = 0; j < i && !seen_before; j++)
			seen_before = ctx->recs[j].type == type;
		if (seen_before)
			continue;
		for (unsigned j = i; j < ev->nrecords; j++)
			if (ctx->recs[j].type == type)
				ctx->group[count++] = &ctx->recs[j];
		array = always_array(type) || (count > 1 && type != AUDIT_EXECVE);
		if (!first_type)
			outbuf_putc(out, ',');
		first_type = false;
		type_name(type, name, sizeof(name));
		outbuf_json_key(out, name, strlen(name));
		if (type == AUDIT_EXECVE) {
			put_record_object(ctx, ctx->group, count, out);
			continue;
		}
		if (array)
			outbuf_putc(out, '[');
		for (unsigned n = 0; n < (array ? count : 1); n++) {
			if (n)
				outbuf_putc(out, ',');
			put_record_object(ctx, &ctx->group[n], 1, out);
		}
		if (array)
			outbuf_putc(out, ']');
	}
	outbuf_putc(out, '}');
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
	outbuf_puts(out, *first ? "\"" : ",\"");
	*first = false;
	outbuf_puts(out, key);
	outbuf_puts(out, "\":");
	outbuf_json_string(out, name, strlen(name));
}

/* The record the summary reads who/where/how from: SYSCALL, else the first. */
static const struct audit_record *subject_record(struct format_ctx *ctx,
						 const struct audit_event *ev)
{
	const struct audit_record *r = find_record(ctx, ev, AUDIT_SYSCALL);

	return r ? r : ev->nrecords ? &ctx->recs[0] : NULL;
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
	if (ctx->proc_valid && ctx->proc.has_container_uid) {
		/* The record's uid is the host's; inside its user namespace the
		 * process sees another (root, often). */
		outbuf_puts(out, first ? "\"host_uid\":" : ",\"host_uid\":");
		outbuf_put_u64(out, ctx->proc.host_uid);
		outbuf_puts(out, ",\"container_uid\":");
		outbuf_put_u64(out, ctx->proc.container_uid);
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
		type_name(ev->nrecords ? ctx->recs[0].type : 0, name, sizeof(name));
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
	outbuf_puts(out, *first ? "\"" : ",\"");
	*first = false;
	outbuf_puts(out, name);
	outbuf_puts(out, "\":");
	outbuf_json_string(out, value, strlen(value));
}

/* where's process context: start time, ancestors, container, namespaces. */
static void put_process(const struct format_process *p, struct outbuf *out, bool first)
{
	static const char *const ns_names[] = { "pid", "mnt", "net", "user" };

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
		for (unsigned i = 0; i < 4; i++)
			if (p->namespaces & (1u << i)) {
				outbuf_puts(out, f ? "\"" : ",\"");
				f = false;
				outbuf_puts(out, ns_names[i]);
				outbuf_putc(out, '"');
			}
		outbuf_putc(out, ']');
	}
}

static uint32_t field_u32(const struct audit_field *f)
{
	long long n;

	return f && interp_number(f->value, f->value_len, false, &n) && n > 0 && n <= UINT32_MAX
		       ? (uint32_t)n
		       : 0;
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
static void ask_process(struct format_ctx *ctx, const struct audit_event *ev)
{
	const struct audit_field *arch = SUBJ(ctx, S_ARCH), *nr = SUBJ(ctx, S_SYSCALL);
	const struct audit_field *success = SUBJ(ctx, S_SUCCESS), *exit_f = SUBJ(ctx, S_EXIT);
	struct format_facts facts = { .pid = field_u32(SUBJ(ctx, S_PID)),
				      .ppid = field_u32(SUBJ(ctx, S_PPID)),
				      .sec = ev->stamp.sec };
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
	if (facts.syscall && facts.success && strncmp(facts.syscall, "execve", 6) == 0) {
		facts.exe = field_cstr(SUBJ(ctx, S_EXE), &ctx->exe_buf);
		facts.argv0 = field_cstr(find_field(find_record(ctx, ev, AUDIT_EXECVE), "a0"),
					 &ctx->argv0_buf);
	}
	memset(&ctx->proc, 0, sizeof(ctx->proc));
	ctx->proc_valid = ctx->process(ctx->process_arg, &facts, &ctx->proc);
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
		put_event_argv(ctx, ev, out);
	} else if (title) {
		interp_field_value(title, &ctx->value);
		outbuf_puts(out, first ? "\"argv\":" : ",\"argv\":");
		put_nul_split_array(out, ctx->value.data, ctx->value.len);
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
			if (resolve_name(ctx, name, cwd)) {
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

static const char *end_name(enum event_end end)
{
	switch (end) {
	case EVENT_END_TIMEOUT: return "timeout";
	case EVENT_END_EVICTED: return "evicted";
	case EVENT_END_FLUSH: return "end of input";
	default: return "whole";
	}
}

static const char *partial_reason(const struct audit_event *ev)
{
	if (ev->lost_records)
		return "records lost";
	return ev->truncated ? "too large" : end_name(ev->end);
}

void format_event_json(struct format_ctx *ctx, const struct audit_event *ev, struct outbuf *out)
{
	char ms[4] = { (char)('0' + ev->stamp.msec / 100 % 10), (char)('0' + ev->stamp.msec / 10 % 10),
		       (char)('0' + ev->stamp.msec % 10), '\0' };

	if (!parse_event(ctx, ev)) {
		out->failed = true;
		return;
	}
	index_subject(ctx, subject_record(ctx, ev));
	ask_process(ctx, ev);
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
		outbuf_puts(out, partial_reason(ev));
		outbuf_putc(out, '"');
	}
	if (ev->truncated)
		outbuf_puts(out, ",\"truncated\":true");
	outbuf_puts(out, ",\"record_count\":");
	outbuf_put_u64(out, ev->nrecords);
	outbuf_putc(out, ',');
	put_records(ctx, ev, out);
	put_who(ctx, ev, out);
	put_what(ctx, ev, out);
	put_where(ctx, ev, out);
	put_how(ctx, ev, out);
	put_why(ctx, ev, out);
	put_objects(ctx, ev, out);
	outbuf_puts(out, "}\n");
	if (scratch_failed(ctx))
		out->failed = true;
}

/* One record's RAW line without its newline; returns false when out of
 * memory. A log's own ENRICHED part (after 0x1d) is not copied; in a live
 * record a 0x1d is the record's text (a user-space message's), written
 * \x1d like any control byte. */
static bool put_raw_line(const struct audit_event *ev, const struct event_record *r,
			 const char *stamp, size_t stamp_len, struct outbuf *out)
{
	const char *body = ev->text + r->offset;
	const char *gs = ev->log_input ? memchr(body, 0x1d, r->len) : NULL;
	size_t len = gs ? (size_t)(gs - body) : r->len;

	if (!outbuf_reserve(out, DECODE_RAW_MAX(len + stamp_len) + ev->node_len + 8))
		return false;
	if (ev->node) {
		outbuf_puts(out, "node=");
		/* A node name never holds a space or control byte. */
		for (uint32_t k = 0; k < ev->node_len; k++)
			outbuf_putc(out, (unsigned char)ev->node[k] > 0x20 && ev->node[k] != 0x7f
						 ? ev->node[k]
						 : '_');
		outbuf_putc(out, ' ');
	}
	out->len += decode_format_raw_stamped(r->type, stamp, stamp_len, body, len,
					      out->data + out->len);
	out->len--; /* the caller ends the line */
	return true;
}

static size_t raw_stamp(const struct audit_event *ev, char *buf, size_t size)
{
	return (size_t)snprintf(buf, size, "audit(%llu.%03u:%u): ", (unsigned long long)ev->stamp.sec,
				ev->stamp.msec, ev->stamp.serial);
}

void format_event_raw(const struct audit_event *ev, struct outbuf *out)
{
	char stamp[64];
	size_t n = raw_stamp(ev, stamp, sizeof(stamp));

	for (unsigned i = 0; i < ev->nrecords; i++) {
		if (!put_raw_line(ev, &ev->records[i], stamp, n, out))
			return;
		outbuf_putc(out, '\n');
	}
}

void format_event_enriched(struct format_ctx *ctx, const struct audit_event *ev,
			   struct outbuf *out)
{
	const struct enrich_names names = { ctx->uid_name, ctx->gid_name, ctx->id_arg };
	char stamp[64];
	size_t n = raw_stamp(ev, stamp, sizeof(stamp));

	/* Each RAW line as written, then what auditd adds to it: computed
	 * from the line itself, as auditd does (enrich.h). */
	for (unsigned i = 0; i < ev->nrecords; i++) {
		size_t start = out->len;

		if (!put_raw_line(ev, &ev->records[i], stamp, n, out))
			return;
		ctx->value2.len = 0;
		enrich_line(out->data + start, out->len - start, ev->records[i].type, &names,
			    &ctx->value, &ctx->value2);
		if (ctx->value2.failed) {
			out->failed = true;
			return;
		}
		outbuf_put(out, ctx->value2.data, ctx->value2.len);
		outbuf_putc(out, '\n');
	}
	if (scratch_failed(ctx))
		out->failed = true;
}

/* A value for a summary line: bare when it is a plain word, else in
 * quotes through the JSON escaper, so it can never break the line. */
static void put_summary_value(struct outbuf *out, const char *p, size_t n)
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
		put_summary_value(out, ctx->value.data, ctx->value.len);
	}
	/* argv as a JSON array: escaped, so it cannot break the line. */
	if (find_record(ctx, ev, AUDIT_EXECVE)) {
		outbuf_puts(out, " argv=");
		put_event_argv(ctx, ev, out);
	} else if (title) {
		interp_field_value(title, &ctx->value);
		outbuf_puts(out, " argv=");
		put_nul_split_array(out, ctx->value.data, ctx->value.len);
	}
	f = SUBJ(ctx, S_KEY);
	if (!is_null_value(f)) {
		outbuf_puts(out, " key=");
		interp_field_value(f, &ctx->value);
		put_summary_value(out, ctx->value.data, ctx->value.len);
	}
	for (unsigned i = 0; i < ev->nrecords; i++) {
		const struct audit_record *r = &ctx->recs[i];
		const struct audit_field *name = find_field(r, "name");
		struct sockaddr_info sa;

		if (r->type == AUDIT_PATH && resolve_name(ctx, name, cwd)) {
			const struct audit_field *ouid = find_field(r, "ouid");

			outbuf_puts(out, first ? " objects: " : " ");
			first = false;
			put_summary_value(out, ctx->path.data, ctx->path.len);
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
			put_summary_value(out, sa.addr, sa.addr_len);
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

	if (!parse_event(ctx, ev)) {
		out->failed = true;
		return;
	}
	sys = subject_record(ctx, ev);
	index_subject(ctx, sys);
	ask_process(ctx, ev);
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
		type_name(ev->nrecords ? ctx->recs[0].type : 0, name, sizeof(name));
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
		outbuf_puts(out, partial_reason(ev));
		outbuf_putc(out, ')');
	}
	outbuf_putc(out, '\n');
	if (scratch_failed(ctx))
		out->failed = true;
}
