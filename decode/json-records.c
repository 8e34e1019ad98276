/* SPDX-License-Identifier: MIT */
/*
 * json-records: the "records" member of an event's JSON line (json.c):
 *   "records":{"SYSCALL":{"arch":"c000003e",...},"PATH":[{...},{...}],...}
 * One member per record type, named as auditd names it, in the order the
 * types first occur. Every field of every record is there, values decoded
 * (hex-encoded strings as text); msg='...' becomes a nested object, words
 * without '=' go to "_text", a log's own ENRICHED part to "enriched", a
 * PROCTITLE and the EXECVE records gain "argv" (argv.c).
 *
 * Invariants: a type that may occur more than once is always an array; an
 * event's EXECVE records are one object; no object holds a key twice
 * ("_repeated" below); every name and value goes through outbuf's JSON
 * escaper, so record text cannot end the line or forge a key.
 */
#include "format-internal.h"
#include "raw.h"

#include <libaudit.h>
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
				format_put_nul_split_array(out, ctx->value.data, ctx->value.len);
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
		format_put_execve_argv(ctx, recs, n, out);
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

void format_put_records(struct format_ctx *ctx, const struct audit_event *ev, struct outbuf *out)
{
	bool first_type = true;

	outbuf_puts(out, "\"records\":{");
	for (unsigned i = 0; i < ev->nrecords; i++) {
		unsigned type = ctx->recs[i].type, count = 0;
		bool seen_before = false, array;
		char name[32];
		const char *tname;
		size_t tname_len;

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
		tname = decode_type_name_len(type, &tname_len);
		if (tname && tname_len < sizeof(name)) {
			outbuf_json_key(out, tname, tname_len); /* format_type_name's, uncopied */
		} else {
			format_type_name(type, name, sizeof(name));
			outbuf_json_key(out, name, strlen(name));
		}
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
