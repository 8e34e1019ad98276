/* SPDX-License-Identifier: MIT */
#include "record.h"
#include "interpret.h"

#include <libaudit.h>
#include <stddef.h>
#include <string.h>

const char *decode_record_strerror(int error)
{
	switch (error) {
	case RECORD_OK: return "ok";
	case RECORD_NO_TYPE: return "no type= field";
	case RECORD_NO_MSG: return "no msg= after the type";
	case RECORD_BAD_STAMP: return "no well-formed audit(SEC.MS:SERIAL) stamp";
	default: return "unknown error";
	}
}

/* The number in "1234]", or -1. */
static int unknown_type_number(const char *s)
{
	int v = 0, digits = 0;

	for (; *s >= '0' && *s <= '9' && digits < 6; s++, digits++)
		v = v * 10 + (*s - '0');
	return digits && *s == ']' && s[1] == '\0' ? v : -1;
}

/* Which fields are hex-encoded depends on the record type (EXECVE's aN are
 * strings, a SYSCALL's a0..a3 numbers): marked here, once, for the values
 * that can be hex at all (unquoted, of even length), so most fields skip
 * the name lookup. */
static inline __attribute__((always_inline)) void add_field(struct audit_record *rec,
							    unsigned cap, struct audit_field f)
{
	if (rec->nfields == cap) {
		rec->fields_truncated = true;
		return;
	}
	if (f.quote == FIELD_PLAIN && f.value_len && !(f.value_len & 1) && f.name_len &&
	    !(f.flags & FIELD_ENRICHED) && interp_field_encoded(rec->type, f.name, f.name_len))
		f.flags |= FIELD_ENCODED;
	rec->fields[rec->nfields++] = f;
}

/*
 * Old user-space messages wrote prose around their fields: "msg='uid=848:
 * exe="/bin/login" (hostname=?, addr=?, terminal=tty3 res=success)'",
 * "auditd start, ver=1.2.9, format=raw". auparse (ellist.c,
 * parse_up_record()) takes the punctuation off: a '(' before a name, and
 * after a plain value one each of ':', ',', '\'' and ')' in that order
 * ("(none)" and "(null)" keep theirs). So does needle, so the values are
 * auparse's (and go-libaudit's).
 */
static inline void strip_punctuation(struct audit_field *f)
{
	/* ':' ',' '\'' ')' as bits of one word: one test turns down nearly
	 * every value. The byte before the value's end is there even when
	 * the value is empty: the '='. */
	const uint64_t punct = 1ull << ':' | 1ull << ',' | 1ull << '\'' | 1ull << ')';
	uint32_t n = f->value_len;
	const char *v = f->value;
	unsigned char last = (unsigned char)v[(ptrdiff_t)n - 1];

	if (f->name[0] == '(' && f->name_len > 1) {
		f->name++;
		f->name_len--;
	}
	if (last >= 64 || !(punct >> last & 1))
		return;
	if (n && v[n - 1] == ':')
		n--;
	if (n && v[n - 1] == ',')
		n--;
	if (n && v[n - 1] == '\'')
		n--;
	if (n && v[n - 1] == ')' &&
	    !(n == 6 && (memcmp(v, "(none)", 6) == 0 || memcmp(v, "(null)", 6) == 0)))
		n--;
	f->value_len = n;
}

/* The lowest byte of w equal to c sets the lowest high bit of the result
 * (bits above it may be set falsely: only the lowest is read). */
static inline uint64_t bytes_equal(uint64_t w, char c)
{
	const uint64_t ones = 0x0101010101010101ull;
	uint64_t x = w ^ (ones * (unsigned char)c);

	return (x - ones) & ~x & (ones * 0x80);
}

/* Where the name starting at i ends: the first '=' or ' ', or len. */
static inline size_t name_end(const char *text, size_t len, size_t i)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (i + 8 <= len) {
		uint64_t w, m;

		memcpy(&w, text + i, 8);
		m = bytes_equal(w, '=') | bytes_equal(w, ' ');
		if (m)
			return i + (size_t)__builtin_ctzll(m) / 8;
		i += 8;
	}
#endif
	while (i < len && text[i] != '=' && text[i] != ' ')
		i++;
	return i;
}

void decode_fields(const char *text, size_t len, uint8_t flags, struct audit_record *rec,
		   unsigned cap)
{
	size_t i = 0;

	while (i < len) {
		struct audit_field f = { .flags = flags };
		size_t start, eq;

		while (i < len && text[i] == ' ')
			i++;
		if (i >= len)
			break;
		start = i;
		/* A name runs to '=' or a space, whichever comes first: most
		 * names are short, so the next 8 bytes first (SWAR, as for the
		 * values below), then byte by byte. */
		i = name_end(text, len, i);
		if (i >= len || text[i] == ' ') {
			/* A bare word: keep it, nameless (an empty name that
			 * still points into the text, never NULL). */
			f.name = text + start;
			f.value = text + start;
			f.value_len = (uint32_t)(i - start);
			add_field(rec, cap, f);
			continue;
		}
		eq = i++;
		f.name = text + start;
		f.name_len = (uint32_t)(eq - start);
		if (i < len && (text[i] == '"' || text[i] == '\'')) {
			char q = text[i++];
			size_t vstart = i;
			const char *close = memchr(text + i, q, len - i);

			/* A single quote closes only where a space, the end or
			 * 0x1d follows: nested values may hold a lone quote. */
			while (close && q == '\'' && (size_t)(close - text) + 1 < len &&
			       close[1] != ' ' && close[1] != 0x1d) {
				size_t next = (size_t)(close - text) + 1;

				close = memchr(text + next, q, len - next);
			}
			f.quote = (uint8_t)q;
			f.value = text + vstart;
			if (close) {
				f.value_len = (uint32_t)((size_t)(close - text) - vstart);
				i = (size_t)(close - text) + 1;
			} else {
				f.value_len = (uint32_t)(len - vstart);
				f.flags |= FIELD_OPEN;
				i = len;
			}
			add_field(rec, cap, f);
			if (q == '\'')
				decode_fields(f.value, f.value_len, (uint8_t)(flags | FIELD_NESTED), rec,
					      cap);
			continue;
		}
		f.value = text + i;
		{
			const char *sp;
			uint64_t w, m = 0;

			/* Most values are short (ids, flags, a0..a3): their space
			 * is in the next 8 bytes. Long ones (hex PROCTITLE, EXECVE
			 * args): memchr. */
			if (i + 8 <= len) {
				memcpy(&w, text + i, 8);
				m = bytes_equal(w, ' ');
			}
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			if (m) {
				i += (size_t)__builtin_ctzll(m) / 8;
			} else
#endif
			{
				sp = memchr(text + i, ' ', len - i);
				i = sp ? (size_t)(sp - text) : len;
			}
		}
		f.value_len = (uint32_t)(i - (size_t)(f.value - text));
		strip_punctuation(&f);
		add_field(rec, cap, f);
	}
}

/* Splits the fields of a body; with log_line, a 0x1d starts auditd's
 * ENRICHED part (in a kernel record it is the record's own text). */
static void parse_body(const char *text, size_t len, bool log_line, struct audit_record *rec,
		       unsigned cap);

/* Old kernels' LOGIN: "old auid=X new auid=Y old ses=A new ses=B". The
 * words old and new are part of the names; today's kernel writes
 * old-auid=X auid=Y old-ses=A ses=B, and so do these records read. */
static void rename_old_login(struct audit_record *rec)
{
	unsigned o = 0;

	for (unsigned i = 0; i < rec->nfields; i++) {
		struct audit_field *f = &rec->fields[i], *next = f + 1;
		bool is_old, is_new;

		is_old = f->name_len == 0 && f->value_len == 3 && memcmp(f->value, "old", 3) == 0;
		is_new = f->name_len == 0 && f->value_len == 3 && memcmp(f->value, "new", 3) == 0;
		if ((is_old || is_new) && i + 1 < rec->nfields && next->flags == f->flags &&
		    ((next->name_len == 4 && memcmp(next->name, "auid", 4) == 0) ||
		     (next->name_len == 3 && memcmp(next->name, "ses", 3) == 0))) {
			if (is_old) {
				next->name = next->name_len == 4 ? "old-auid" : "old-ses";
				next->name_len += 4;
			}
			continue; /* the word is part of the next field's name */
		}
		rec->fields[o++] = *f;
	}
	rec->nfields = o;
}

static void parse_body(const char *text, size_t len, bool log_line, struct audit_record *rec,
		       unsigned cap)
{
	const char *gs = log_line ? memchr(text, 0x1d, len) : NULL;

	rec->body = text;
	rec->body_len = gs ? (size_t)(gs - text) : len;
	if (gs) {
		rec->enriched = gs + 1;
		rec->enriched_len = len - rec->body_len - 1;
	}
	decode_fields(rec->body, rec->body_len, 0, rec, cap);
	if (gs)
		decode_fields(rec->enriched, rec->enriched_len, FIELD_ENRICHED, rec, cap);
	if (rec->type == AUDIT_LOGIN)
		rename_old_login(rec);
}

static void record_init(struct audit_record *rec, struct audit_field *fields)
{
	memset(rec, 0, sizeof(*rec));
	rec->fields = fields;
}

int decode_record_kernel(unsigned type, const char *text, size_t len, struct audit_field *fields,
			 unsigned cap, struct audit_record *ret)
{
	int n;

	record_init(ret, fields);
	ret->type = type;
	n = decode_stamp(text, len, &ret->stamp);
	if (n < 0) {
		parse_body(text, len, false, ret, cap);
		return RECORD_BAD_STAMP;
	}
	parse_body(text + n, len - (size_t)n, false, ret, cap);
	return RECORD_OK;
}

void decode_record_body(unsigned type, const char *body, size_t len, bool log_line,
			struct audit_field *fields, unsigned cap, struct audit_record *ret)
{
	record_init(ret, fields);
	ret->type = type;
	parse_body(body, len, log_line, ret, cap);
}

static bool starts_with(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(s, prefix, n) == 0;
}

int decode_record_line(const char *line, size_t len, struct audit_field *fields, unsigned cap,
		       struct audit_record *ret)
{
	size_t i = 0, start;
	char name[64];
	int n, t;

	record_init(ret, fields);
	/* Strip what a CRLF file or a trailing NUL leaves. */
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n' || line[len - 1] == '\0'))
		len--;
	if (starts_with(line, len, "node=")) {
		i = 5;
		start = i;
		while (i < len && line[i] != ' ')
			i++;
		ret->node = line + start;
		ret->node_len = (uint32_t)(i - start);
		while (i < len && line[i] == ' ')
			i++;
	}
	if (!starts_with(line + i, len - i, "type="))
		return RECORD_NO_TYPE;
	i += 5;
	start = i;
	while (i < len && line[i] != ' ')
		i++;
	ret->type_name = line + start;
	ret->type_name_len = (uint32_t)(i - start);
	if (ret->type_name_len < sizeof(name)) {
		memcpy(name, ret->type_name, ret->type_name_len);
		name[ret->type_name_len] = '\0';
		t = audit_name_to_msg_type(name);
		/* auditd writes unknown types as UNKNOWN[1234]. */
		if (t < 0 && strncmp(name, "UNKNOWN[", 8) == 0)
			t = unknown_type_number(name + 8);
		ret->type = t > 0 ? (unsigned)t : 0;
	}
	while (i < len && line[i] == ' ')
		i++;
	if (!starts_with(line + i, len - i, "msg="))
		return RECORD_NO_MSG;
	i += 4;
	n = decode_stamp(line + i, len - i, &ret->stamp);
	if (n < 0) {
		parse_body(line + i, len - i, true, ret, cap);
		return RECORD_BAD_STAMP;
	}
	i += (size_t)n;
	parse_body(line + i, len - i, true, ret, cap);
	return RECORD_OK;
}

const struct audit_field *record_field(const struct audit_record *rec, const char *name)
{
	size_t n = strlen(name);

	for (unsigned i = 0; i < rec->nfields; i++) {
		const struct audit_field *f = &rec->fields[i];

		if (!(f->flags & (FIELD_NESTED | FIELD_ENRICHED)) && f->name_len == n &&
		    memcmp(f->name, name, n) == 0)
			return f;
	}
	return NULL;
}
