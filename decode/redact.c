/* SPDX-License-Identifier: MIT */
/*
 * redact: command lines rewritten with their secrets replaced (redact.h).
 *
 *   records --parse EXECVE, PROCTITLE, USER_CMD--> fields that hold argv text
 *     --decode (hex or quoted)--> pieces: an aN, an aN[k], a proctitle arg
 *     --join by ' ' (EXECVE pieces in (N, k) order)--> the command line
 *     --patterns--> spans --merge, clip to pieces--> ranges in fields
 *     --rewrite each changed field, its aN_len--> edits --> the new text
 *
 * Pieces of one long argument (aN[0], aN[1]...) join without a space: the
 * pattern sees the argument whole, and a span over two pieces becomes a
 * mark in each. aN_len changes by what its pieces grew or shrank, so a
 * gap the kernel left (pieces missing at the end) stays a gap.
 */
#include "redact.h"
#include "filter-internal.h"
#include "format-internal.h" /* the EXECVE field names argv.c reads */
#include "outbuf.h"
#include "record.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <libaudit.h> /* AUDIT_USER_CMD too */
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef AUDIT_PROCTITLE
#define AUDIT_PROCTITLE 1327
#endif

/* The records that hold a command line: the kernel's execve arguments and
 * process title, and sudo's command (USER_CMD cmd=, inside msg='...'). */
static bool has_cmdline(unsigned type)
{
	return type == AUDIT_EXECVE || type == AUDIT_PROCTITLE || type == AUDIT_USER_CMD;
}

struct redact_pattern {
	pcre2_code *code;
	uint32_t groups; /* capture groups */
};

/* A field that holds command-line text. */
struct cmd_field {
	unsigned rec;                 /* in the event's records */
	const struct audit_field *f;
	long long arg, part;          /* EXECVE: aN (part -1) or aN[part]; else -1 */
	uint32_t dec_off, dec_len;    /* its bytes, decoded, in s->dec */
	bool hex;                     /* written as hex */
	bool changed;
	long long grew;               /* written length, new minus old */
};

/* A piece of a command line: an argument, or a part of one. */
struct piece {
	long long arg, part;          /* sort key (EXECVE) */
	unsigned field;               /* in s->fields */
	uint32_t off, len;            /* in the field's decoded bytes */
	uint32_t line_off;            /* in the command line */
};

struct span {
	uint32_t start, end;
};

struct range {
	unsigned field;
	uint32_t start, end;          /* in the field's decoded bytes */
};

struct edit {
	unsigned rec;
	uint32_t start, end;          /* in the record's body */
	uint32_t enc_off, enc_len;    /* the new bytes, in s->enc */
};

struct arg_len {
	long long arg;
	unsigned rec;
	const struct audit_field *f;
};

#define ARRAY(T, name) \
	T *name;       \
	size_t n_##name, cap_##name

/*
 * Every syscall event of a process carries the same PROCTITLE: the last
 * bodies of PROCTITLE records that no rule matched (in events without
 * EXECVE) are kept, and one seen again costs a comparison. Valid for the
 * patterns they were matched with: the set's redact_hash.
 */
#define SEEN_SLOTS 8
#define SEEN_MAX 512

struct seen {
	uint64_t hash;     /* the set's redact_hash; 0: empty */
	uint32_t len;
	char body[SEEN_MAX];
};

struct redact_scratch {
	struct seen seen[SEEN_SLOTS];
	unsigned seen_next;
	struct audit_field *pool;
	size_t pool_cap;
	ARRAY(struct cmd_field, fields);
	ARRAY(struct piece, pieces);
	ARRAY(struct span, spans);
	ARRAY(struct range, ranges);
	ARRAY(struct edit, edits);
	ARRAY(struct arg_len, lens);
	ARRAY(struct redact_hit, hits);
	struct event_record *recs;
	size_t recs_cap;
	struct outbuf dec, line, tmp, enc, text;
	pcre2_match_data *md;
	uint32_t md_pairs;
	bool oom;
	struct audit_event ev;
};

/* Room for one more element of an ARRAY; NULL (s->oom) when none. */
#define PUSH(s, name) \
	((s)->n_##name < (s)->cap_##name || grow((void **)&(s)->name, &(s)->cap_##name, sizeof(*(s)->name)) \
		 ? &(s)->name[(s)->n_##name++]                                                              \
		 : ((s)->oom = true, (void *)NULL))

static bool grow(void **p, size_t *cap, size_t size)
{
	size_t n = *cap ? *cap * 2 : 16;
	void *m = realloc(*p, n * size);

	if (!m)
		return false;
	*p = m;
	*cap = n;
	return true;
}

struct redact_pattern *redact_pattern_compile(const char *text, size_t len, char *err, size_t size)
{
	struct redact_pattern *p = calloc(1, sizeof(*p));
	PCRE2_SIZE off = 0;
	int code = 0;

	if (!p) {
		snprintf(err, size, "out of memory");
		return NULL;
	}
	/* Bytes, not UTF-8: an argument can hold any bytes, and a pattern in
	 * UTF mode would fail (and redact nothing) on one that is not UTF-8. */
	p->code = pcre2_compile((PCRE2_SPTR)text, len, PCRE2_NEVER_UTF | PCRE2_NEVER_UCP, &code,
				&off, NULL);
	if (!p->code) {
		PCRE2_UCHAR msg[256];

		if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "PCRE2 error %d", code);
		snprintf(err, size, "%s at offset %zu", (const char *)msg, (size_t)off);
		free(p);
		return NULL;
	}
	/* Without JIT (not built for this CPU, no memory) the interpreter
	 * gives the same matches, slower. */
	(void)pcre2_jit_compile(p->code, PCRE2_JIT_COMPLETE);
	pcre2_pattern_info(p->code, PCRE2_INFO_CAPTURECOUNT, &p->groups);
	return p;
}

void redact_pattern_free(struct redact_pattern *p)
{
	if (!p)
		return;
	pcre2_code_free(p->code);
	free(p);
}

bool filter_set_redacts(const struct filter_set *fs)
{
	return fs && fs->nredact;
}

struct redact_scratch *redact_scratch_new(void)
{
	struct redact_scratch *s = calloc(1, sizeof(*s));

	if (!s)
		errno = ENOMEM;
	return s;
}

void redact_scratch_free(struct redact_scratch *s)
{
	if (!s)
		return;
	free(s->pool);
	free(s->fields);
	free(s->pieces);
	free(s->spans);
	free(s->ranges);
	free(s->edits);
	free(s->lens);
	free(s->hits);
	free(s->recs);
	outbuf_free(&s->dec);
	outbuf_free(&s->line);
	outbuf_free(&s->tmp);
	outbuf_free(&s->enc);
	outbuf_free(&s->text);
	pcre2_match_data_free(s->md);
	free(s);
}

unsigned redact_last_hits(const struct redact_scratch *s, const struct redact_hit **ret)
{
	*ret = s->hits;
	return (unsigned)s->n_hits;
}

/* A field of command-line text, decoded into s->dec; its index, or -1. */
static long add_field(struct redact_scratch *s, unsigned rec, const struct audit_field *f,
		      long long arg, long long part)
{
	struct cmd_field *c = PUSH(s, fields);

	if (!c)
		return -1;
	*c = (struct cmd_field){ .rec = rec, .f = f, .arg = arg, .part = part };
	c->hex = interp_field_value(f, &s->tmp);
	c->dec_off = (uint32_t)s->dec.len;
	c->dec_len = (uint32_t)s->tmp.len;
	outbuf_put(&s->dec, s->tmp.data, s->tmp.len);
	return (long)(c - s->fields);
}

static bool add_piece(struct redact_scratch *s, unsigned field, long long arg, long long part,
		      uint32_t off, uint32_t len)
{
	struct piece *p = PUSH(s, pieces);

	if (p)
		*p = (struct piece){ .arg = arg, .part = part, .field = field, .off = off, .len = len };
	return p != NULL;
}

static int cmp_piece(const void *x, const void *y)
{
	const struct piece *a = x, *b = y;

	if (a->arg != b->arg)
		return a->arg < b->arg ? -1 : 1;
	if (a->part != b->part)
		return a->part < b->part ? -1 : 1;
	return (a->field > b->field) - (a->field < b->field);
}

static int cmp_span(const void *x, const void *y)
{
	const struct span *a = x, *b = y;

	return (a->start > b->start) - (a->start < b->start);
}

static int cmp_edit(const void *x, const void *y)
{
	const struct edit *a = x, *b = y;

	if (a->rec != b->rec)
		return a->rec < b->rec ? -1 : 1;
	return (a->start > b->start) - (a->start < b->start);
}

static void count_hit(struct redact_scratch *s, unsigned rule)
{
	struct redact_hit *h;

	for (size_t i = 0; i < s->n_hits; i++)
		if (s->hits[i].rule == rule) {
			s->hits[i].values++;
			return;
		}
	if ((h = PUSH(s, hits)))
		*h = (struct redact_hit){ .rule = rule, .values = 1 };
}

static void add_span(struct redact_scratch *s, size_t start, size_t end)
{
	struct span *sp = PUSH(s, spans);

	if (sp)
		*sp = (struct span){ (uint32_t)start, (uint32_t)end };
}

/* Every match of one rule's pattern in the line, as spans. */
static void match_rule(const struct filter_set *fs, unsigned rule, struct redact_scratch *s)
{
	const struct redact_pattern *p = fs->rules[rule].redact;
	PCRE2_SPTR subject = (PCRE2_SPTR)(s->line.len ? s->line.data : "");
	size_t len = s->line.len, start = 0;

	if (!s->md || s->md_pairs < p->groups + 1) {
		pcre2_match_data_free(s->md);
		s->md = pcre2_match_data_create(p->groups + 1, NULL);
		s->md_pairs = s->md ? p->groups + 1 : 0;
		if (!s->md) {
			s->oom = true;
			return;
		}
	}
	while (start <= len) {
		int rc = pcre2_match(p->code, subject, len, start, 0, s->md, NULL);
		PCRE2_SIZE *ov;

		if (rc == PCRE2_ERROR_NOMATCH)
			return;
		if (rc == PCRE2_ERROR_NOMEMORY) {
			s->oom = true;
			return;
		}
		if (rc < 0) {
			/* The match gave up (match or depth limit): the whole
			 * line, rather than a secret written. */
			add_span(s, 0, len);
			count_hit(s, rule);
			return;
		}
		ov = pcre2_get_ovector_pointer(s->md);
		if (rc == 0)
			rc = (int)pcre2_get_ovector_count(s->md);
		if (!p->groups) {
			if (ov[1] > ov[0]) {
				add_span(s, ov[0], ov[1]);
				count_hit(s, rule);
			}
		} else {
			for (int g = 1; g < rc; g++)
				if (ov[2 * g] != PCRE2_UNSET && ov[2 * g + 1] > ov[2 * g]) {
					add_span(s, ov[2 * g], ov[2 * g + 1]);
					count_hit(s, rule);
				}
		}
		/* On from the match's end; an empty match moves one byte. */
		start = ov[1] > start ? ov[1] : start + 1;
	}
}

/* The pieces [first, last) as one line; every rule's spans in it, merged,
 * clipped to the pieces as ranges of their fields. */
static void redact_line(const struct filter_set *fs, struct redact_scratch *s, size_t first,
			size_t last)
{
	size_t k = 0, merged = 0;

	s->line.len = 0;
	for (size_t i = first; i < last; i++) {
		struct piece *p = &s->pieces[i];

		/* A new argument after a space; pieces of one run on. */
		if (i > first && (p->arg != p[-1].arg || p->part <= p[-1].part || p->arg < 0))
			outbuf_putc(&s->line, ' ');
		p->line_off = (uint32_t)s->line.len;
		outbuf_put(&s->line, s->dec.data + s->fields[p->field].dec_off + p->off, p->len);
	}
	if (s->line.failed) {
		s->oom = true;
		return;
	}
	s->n_spans = 0;
	for (unsigned r = 0; r < fs->nrules; r++)
		if (fs->rules[r].redact)
			match_rule(fs, r, s);
	if (!s->n_spans)
		return;
	qsort(s->spans, s->n_spans, sizeof(*s->spans), cmp_span);
	for (size_t i = 1; i < s->n_spans; i++) {
		if (s->spans[i].start <= s->spans[merged].end) {
			if (s->spans[i].end > s->spans[merged].end)
				s->spans[merged].end = s->spans[i].end;
		} else {
			s->spans[++merged] = s->spans[i];
		}
	}
	s->n_spans = merged + 1;
	for (size_t i = first; i < last; i++) {
		const struct piece *p = &s->pieces[i];
		uint32_t pe = p->line_off + p->len;

		while (k < s->n_spans && s->spans[k].end <= p->line_off)
			k++;
		for (size_t j = k; j < s->n_spans && s->spans[j].start < pe; j++) {
			uint32_t a = s->spans[j].start > p->line_off ? s->spans[j].start : p->line_off;
			uint32_t b = s->spans[j].end < pe ? s->spans[j].end : pe;
			struct range *r;

			if (a >= b || !(r = PUSH(s, ranges)))
				continue;
			*r = (struct range){ p->field, p->off + a - p->line_off, p->off + b - p->line_off };
			s->fields[p->field].changed = true;
		}
	}
}

/* The kernel's test (audit_string_contains_control): such a value is
 * written as hex. */
static bool needs_hex(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '"' || c < 0x21 || c > 0x7e)
			return true;
	}
	return false;
}

static void add_edit(struct redact_scratch *s, unsigned rec, const struct audit_event *ev,
		     const struct audit_field *f, size_t enc_off)
{
	const char *body = ev->text + ev->records[rec].offset;
	size_t start = (size_t)(f->value - body), end = start + f->value_len;
	struct edit *e = PUSH(s, edits);

	if (!e)
		return;
	if (f->quote != FIELD_PLAIN) {
		start--;
		if (!(f->flags & FIELD_OPEN))
			end++;
	}
	*e = (struct edit){ rec, (uint32_t)start, (uint32_t)end, (uint32_t)enc_off,
			    (uint32_t)(s->enc.len - enc_off) };
}

/* The changed field written again: its ranges replaced by the mark. ri is
 * its first range; returns the index past its last. */
static size_t rewrite_field(struct redact_scratch *s, const struct audit_event *ev, size_t ri)
{
	unsigned fi = s->ranges[ri].field;
	struct cmd_field *c = &s->fields[fi];
	const char *dec = s->dec.data + c->dec_off;
	size_t pos = 0, enc_off = s->enc.len;
	static const char hexd[] = "0123456789ABCDEF";
	bool hex;

	s->tmp.len = 0;
	for (; ri < s->n_ranges && s->ranges[ri].field == fi; ri++) {
		outbuf_put(&s->tmp, dec + pos, s->ranges[ri].start - pos);
		outbuf_puts(&s->tmp, REDACT_MARK);
		pos = s->ranges[ri].end;
	}
	outbuf_put(&s->tmp, dec + pos, c->dec_len - pos);
	hex = c->hex || needs_hex(s->tmp.data, s->tmp.len);
	if (hex) {
		if (outbuf_reserve(&s->enc, s->tmp.len * 2))
			for (size_t i = 0; i < s->tmp.len; i++) {
				unsigned char b = (unsigned char)s->tmp.data[i];

				s->enc.data[s->enc.len++] = hexd[b >> 4];
				s->enc.data[s->enc.len++] = hexd[b & 15];
			}
	} else {
		outbuf_putc(&s->enc, '"');
		outbuf_put(&s->enc, s->tmp.data, s->tmp.len);
		outbuf_putc(&s->enc, '"');
	}
	/* aN_len counts what is written: hex digits, or the bytes quoted. */
	c->grew = (long long)(s->enc.len - enc_off) - (hex ? 0 : 2) - (long long)c->f->value_len;
	add_edit(s, c->rec, ev, c->f, enc_off);
	return ri;
}

/* aN_len of each long argument whose pieces changed. */
static void rewrite_lens(struct redact_scratch *s, const struct audit_event *ev)
{
	for (size_t i = 0; i < s->n_lens; i++) {
		const struct arg_len *l = &s->lens[i];
		long long grew = 0, old = 0;
		bool changed = false;
		char num[32];
		size_t enc_off = s->enc.len;

		for (size_t j = 0; j < s->n_fields; j++)
			if (s->fields[j].arg == l->arg && s->fields[j].part >= 0 && s->fields[j].changed) {
				grew += s->fields[j].grew;
				changed = true;
			}
		if (!changed || !interp_number(l->f->value, l->f->value_len, false, &old))
			continue;
		outbuf_put(&s->enc, num, (size_t)snprintf(num, sizeof(num), "%lld",
							 old + grew > 0 ? old + grew : 0));
		add_edit(s, l->rec, ev, l->f, enc_off);
	}
}

/* The event's text again, with the edits. */
static void rebuild(struct redact_scratch *s, const struct audit_event *ev)
{
	size_t e = 0;

	if (ev->nrecords > s->recs_cap) {
		struct event_record *r = realloc(s->recs, ev->nrecords * sizeof(*r));

		if (!r) {
			s->oom = true;
			return;
		}
		s->recs = r;
		s->recs_cap = ev->nrecords;
	}
	if (s->n_edits)
		qsort(s->edits, s->n_edits, sizeof(*s->edits), cmp_edit);
	s->text.len = 0;
	for (unsigned r = 0; r < ev->nrecords; r++) {
		const char *body = ev->text + ev->records[r].offset;
		size_t pos = 0;

		s->recs[r] = ev->records[r];
		s->recs[r].offset = (uint32_t)s->text.len;
		for (; e < s->n_edits && s->edits[e].rec == r; e++) {
			outbuf_put(&s->text, body + pos, s->edits[e].start - pos);
			outbuf_put(&s->text, s->enc.data + s->edits[e].enc_off, s->edits[e].enc_len);
			pos = s->edits[e].end;
		}
		outbuf_put(&s->text, body + pos, ev->records[r].len - pos);
		s->recs[r].len = (uint32_t)(s->text.len - s->recs[r].offset);
	}
	s->ev = *ev;
	s->ev.records = s->recs;
	s->ev.text = s->text.len ? s->text.data : "";
}

/* Parses the command-line records: fields, pieces (EXECVE's first, as one
 * line; then each proctitle and each USER_CMD's cmd, a line each), arg
 * lengths. Returns the end of EXECVE's pieces. */
static size_t collect(struct redact_scratch *s, const struct audit_event *ev)
{
	size_t need = 2, used = 0, execve_end;

	for (unsigned i = 0; i < ev->nrecords; i++)
		if (has_cmdline(ev->records[i].type))
			need += ev->records[i].len / 2 + 2; /* a field takes at least 2 bytes */
	if (need > s->pool_cap) {
		struct audit_field *f = realloc(s->pool, need * sizeof(*f));

		if (!f) {
			s->oom = true;
			return 0;
		}
		s->pool = f;
		s->pool_cap = need;
	}
	for (int pass = 0; pass < 3; pass++) {
		unsigned type = pass == 0 ? AUDIT_EXECVE : pass == 1 ? AUDIT_PROCTITLE : AUDIT_USER_CMD;

		for (unsigned r = 0; r < ev->nrecords && !s->oom; r++) {
			struct audit_record rec;

			if (ev->records[r].type != type)
				continue;
			decode_record_body(type, ev->text + ev->records[r].offset, ev->records[r].len,
					   ev->log_input, s->pool + used, (unsigned)(need - used), &rec);
			used += rec.nfields;
			for (unsigned k = 0; k < rec.nfields; k++) {
				const struct audit_field *f = &rec.fields[k];
				long long arg, part;
				long fi;

				/* (sudo's cmd is inside msg='...') */
				if ((f->flags & FIELD_ENRICHED) ||
				    ((f->flags & FIELD_NESTED) && type != AUDIT_USER_CMD))
					continue;
				if (type == AUDIT_USER_CMD) {
					if (f->name_len == 3 && memcmp(f->name, "cmd", 3) == 0 &&
					    (fi = add_field(s, r, f, -1, -1)) >= 0)
						add_piece(s, (unsigned)fi, -1, -1, 0, s->fields[fi].dec_len);
				} else if (type == AUDIT_EXECVE && format_exec_arg_name(f, &arg, &part)) {
					struct arg_len *l;

					if (part == -2) {
						if ((l = PUSH(s, lens)))
							*l = (struct arg_len){ arg, r, f };
					} else if ((fi = add_field(s, r, f, arg, part)) >= 0) {
						add_piece(s, (unsigned)fi, arg, part, 0,
							  s->fields[fi].dec_len);
					}
				} else if (type == AUDIT_PROCTITLE && f->name_len == 9 &&
					   memcmp(f->name, "proctitle", 9) == 0 &&
					   (fi = add_field(s, r, f, -1, -1)) >= 0) {
					/* argv, NUL-separated; the kernel trims the end */
					const char *d = s->dec.data + s->fields[fi].dec_off;
					uint32_t n = s->fields[fi].dec_len, start = 0;

					while (n && d[n - 1] == '\0')
						n--;
					for (uint32_t i = 0; i <= n; i++)
						if (i == n || d[i] == '\0') {
							add_piece(s, (unsigned)fi, -1, -1, start, i - start);
							start = i + 1;
						}
				}
			}
		}
		if (!pass) {
			execve_end = s->n_pieces;
			if (s->n_pieces) /* (no array yet: qsort takes no NULL) */
				qsort(s->pieces, s->n_pieces, sizeof(*s->pieces), cmp_piece);
		}
	}
	return execve_end;
}

/* The PROCTITLE body of an event without EXECVE (NULL otherwise), and
 * whether it is one the cache knows has no match. */
static const struct event_record *lone_proctitle(const struct filter_set *fs,
						 const struct redact_scratch *s,
						 const struct audit_event *ev, bool *ret_seen)
{
	const struct event_record *pt = NULL;

	*ret_seen = false;
	for (unsigned r = 0; r < ev->nrecords; r++) {
		if (ev->records[r].type == AUDIT_EXECVE || ev->records[r].type == AUDIT_USER_CMD)
			return NULL;
		if (ev->records[r].type == AUDIT_PROCTITLE) {
			if (pt)
				return NULL;
			pt = &ev->records[r];
		}
	}
	for (unsigned i = 0; pt && i < SEEN_SLOTS; i++)
		if (s->seen[i].hash == fs->redact_hash && s->seen[i].len == pt->len &&
		    memcmp(s->seen[i].body, ev->text + pt->offset, pt->len) == 0)
			*ret_seen = true;
	return pt;
}

static void remember(const struct filter_set *fs, struct redact_scratch *s,
		     const struct audit_event *ev, const struct event_record *pt)
{
	struct seen *e = &s->seen[s->seen_next++ % SEEN_SLOTS];

	if (pt->len > SEEN_MAX)
		return;
	e->hash = fs->redact_hash;
	e->len = pt->len;
	memcpy(e->body, ev->text + pt->offset, pt->len);
}

const struct audit_event *redact_event(const struct filter_set *fs, struct redact_scratch *s,
				       const struct audit_event *ev)
{
	const struct event_record *pt;
	size_t execve_end, i;
	bool any = false, seen;

	s->n_hits = 0;
	if (!fs || !fs->nredact)
		return ev;
	for (unsigned r = 0; r < ev->nrecords && !any; r++)
		any = has_cmdline(ev->records[r].type);
	if (!any)
		return ev;
	pt = lone_proctitle(fs, s, ev, &seen);
	if (seen)
		return ev;
	s->n_fields = s->n_pieces = s->n_ranges = s->n_edits = s->n_lens = 0;
	s->dec.len = s->enc.len = 0;
	s->dec.failed = s->line.failed = s->tmp.failed = s->enc.failed = s->text.failed = false;
	s->oom = false;
	execve_end = collect(s, ev);
	if (!s->oom && execve_end)
		redact_line(fs, s, 0, execve_end);
	/* Each proctitle (one per event, normally) and cmd field its own line. */
	for (i = execve_end; i < s->n_pieces && !s->oom;) {
		size_t j = i + 1;

		while (j < s->n_pieces && s->pieces[j].field == s->pieces[i].field)
			j++;
		redact_line(fs, s, i, j);
		i = j;
	}
	if (!s->oom && !s->n_ranges) {
		if (pt && !s->n_spans)
			remember(fs, s, ev, pt); /* matched nothing: nothing to do next time */
		s->n_hits = 0; /* spans that covered no argument text: nothing replaced */
		return ev;
	}
	for (i = 0; i < s->n_ranges && !s->oom;)
		i = rewrite_field(s, ev, i);
	rewrite_lens(s, ev);
	if (!s->oom)
		rebuild(s, ev);
	if (s->oom || s->dec.failed || s->line.failed || s->tmp.failed || s->enc.failed ||
	    s->text.failed) {
		s->n_hits = 0;
		errno = ENOMEM;
		return NULL;
	}
	return &s->ev;
}
