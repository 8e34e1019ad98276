/* SPDX-License-Identifier: MIT */
/*
 * summary-json: the summary line (summary.c) of an event that arrives as
 * needle's JSON line, not as records: needle gather's -f summary, where
 * the hosts ship JSON and the records' raw text is not there to decode.
 *
 *   JSON line --jsonscan_parse (strict)--> who/what/where/how/why/objects
 *        --> the pieces summary.c writes, in its order, from the members
 *            json.c wrote them into --> one line
 *
 * Invariant: for a line json.c wrote, the result equals what
 * format_event_summary() writes for the same event (test-summary-json
 * checks it on every event of the corpus). A value the summary copies raw
 * from the records (an id, a pid, a name) is copied raw when it is
 * printable ASCII and through the JSON escaper otherwise, so a hostile
 * JSON line cannot break the summary line, whatever its %XX hide.
 */
#include "format-internal.h"
#include "jsonscan.h"

#include <errno.h>

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* A value's bytes: a number's text, or a string with JSON's escapes and
 * then needle's %XX undone (outbuf.h: the escaping is reversible). */
static bool value_bytes(const struct jsonscan_value *v, struct outbuf *ret)
{
	size_t w = 0;

	ret->len = 0;
	if (v->type == JSONSCAN_NUMBER) {
		outbuf_put(ret, v->p, v->len);
		return !ret->failed;
	}
	if (!jsonscan_string(v, ret) || ret->failed)
		return false;
	for (size_t r = 0; r < ret->len; w++) {
		int hi, lo;

		if (ret->data[r] == '%' && r + 2 < ret->len &&
		    (hi = hex_nibble(ret->data[r + 1])) >= 0 && (lo = hex_nibble(ret->data[r + 2])) >= 0) {
			ret->data[w] = (char)(hi << 4 | lo);
			r += 3;
		} else {
			ret->data[w] = ret->data[r++];
		}
	}
	ret->len = w;
	return true;
}

static bool member_bytes(const struct jsonscan_value *obj, const char *key, struct outbuf *ret)
{
	struct jsonscan_value v;

	return jsonscan_member(obj, key, &v) && value_bytes(&v, ret);
}

/* What summary.c copies raw: raw when printable ASCII, else escaped. */
static void put_text(struct outbuf *out, const struct outbuf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if ((unsigned char)b->data[i] < 0x20 || (unsigned char)b->data[i] > 0x7e) {
			outbuf_json_string(out, b->data, b->len);
			return;
		}
	outbuf_put(out, b->data, b->len);
}

/* " exe=... argv=[...] key=... objects: ..." (summary.c's tail). */
static void put_tail(const struct jsonscan_value *how, const struct jsonscan_value *why,
		     const struct jsonscan_value *objects, struct outbuf *b, struct outbuf *out)
{
	struct jsonscan_value v, o, a;
	const char *cursor = NULL;
	bool first = true;

	if (member_bytes(how, "exe", b)) {
		outbuf_puts(out, " exe=");
		format_put_summary_value(out, b->data, b->len);
	}
	if (jsonscan_member(how, "argv", &v) && v.type == JSONSCAN_ARRAY) {
		/* Already the JSON array summary.c writes; checked, one line. */
		outbuf_puts(out, " argv=");
		outbuf_put(out, v.p, v.len);
	}
	if (jsonscan_member(why, "keys", &v) && v.type == JSONSCAN_ARRAY) {
		struct outbuf joined = { 0 };
		bool any = false;

		/* The record holds them joined by 0x01: so does the summary. */
		while (jsonscan_next(&v, &cursor, NULL, &a))
			if (value_bytes(&a, b)) {
				if (any)
					outbuf_putc(&joined, 1);
				any = true;
				outbuf_put(&joined, b->data, b->len);
			}
		if (any) {
			outbuf_puts(out, " key=");
			format_put_summary_value(out, joined.data, joined.len);
		}
		out->failed |= joined.failed;
		outbuf_free(&joined);
	}
	cursor = NULL;
	while (jsonscan_next(objects, &cursor, NULL, &o)) {
		if (!member_bytes(&o, "type", b))
			continue;
		if (b->len == 4 && memcmp(b->data, "path", 4) == 0) {
			if (!member_bytes(&o, "path", b))
				continue;
			outbuf_puts(out, first ? " objects: " : " ");
			first = false;
			format_put_summary_value(out, b->data, b->len);
			if (jsonscan_member(&o, "ouid", &v) && v.type == JSONSCAN_NUMBER &&
			    json_integer(v.p, v.len)) {
				outbuf_puts(out, " (owner uid ");
				outbuf_put(out, v.p, v.len);
				outbuf_putc(out, ')');
			}
		} else if (b->len == 6 && memcmp(b->data, "socket", 6) == 0 &&
			   jsonscan_member(&o, "addr", &a) && member_bytes(&a, "family", b)) {
			bool unix_path = b->len == 4 && memcmp(b->data, "unix", 4) == 0;

			outbuf_puts(out, first ? " objects: " : " ");
			first = false;
			put_text(out, b);
			outbuf_putc(out, ':');
			if (!member_bytes(&a, unix_path ? "path" : "addr", b))
				b->len = 0;
			format_put_summary_value(out, b->data, b->len);
			if (jsonscan_member(&a, "port", &v) && v.type == JSONSCAN_NUMBER &&
			    json_integer(v.p, v.len)) {
				outbuf_putc(out, ':');
				outbuf_put(out, v.p, v.len);
			}
		}
	}
}

/* "called openat -> failed ENOENT", or "USER_LOGIN res=success". */
static void put_what(const struct jsonscan_value *root, const struct jsonscan_value *what,
		     struct outbuf *b, struct outbuf *out)
{
	struct jsonscan_value v, records, sys;
	long long n;

	if (jsonscan_member(what, "type", &v)) {
		if (value_bytes(&v, b))
			put_text(out, b);
		if (jsonscan_member(what, "result", &v) && v.type == JSONSCAN_STRING) {
			/* summary.c writes the JSON string without its quotes. */
			outbuf_puts(out, " res=");
			outbuf_put(out, v.p + 1, v.len - 2);
		}
		return;
	}
	outbuf_puts(out, "called ");
	if (member_bytes(what, "syscall", b))
		put_text(out, b);
	else if (jsonscan_member(root, "records", &records) &&
		 jsonscan_member(&records, "SYSCALL", &sys) && member_bytes(&sys, "syscall", b))
		put_text(out, b); /* not a number: summary.c copies the field */
	if (jsonscan_member(what, "exit", &v) && jsonscan_integer(&v, &n)) {
		outbuf_puts(out, n < 0 ? " -> failed " : " -> ");
		if (member_bytes(what, "exit_name", b))
			put_text(out, b);
		else
			outbuf_put_i64(out, n);
	}
}

static int summarize(const struct jsonscan_value *root, struct outbuf *b, struct outbuf *out)
{
	struct jsonscan_value who, what, where, how, why, objects, v, c;
	long long n;

	if (root->type != JSONSCAN_OBJECT || !jsonscan_member(root, "time", &v) ||
	    v.type != JSONSCAN_STRING || !jsonscan_member(root, "who", &who) ||
	    who.type != JSONSCAN_OBJECT || !jsonscan_member(root, "what", &what) ||
	    what.type != JSONSCAN_OBJECT || !jsonscan_member(root, "where", &where) ||
	    where.type != JSONSCAN_OBJECT || !jsonscan_member(root, "how", &how) ||
	    how.type != JSONSCAN_OBJECT || !jsonscan_member(root, "why", &why) ||
	    why.type != JSONSCAN_OBJECT || !jsonscan_member(root, "objects", &objects) ||
	    objects.type != JSONSCAN_ARRAY)
		return -EINVAL;
	if (value_bytes(&v, b))
		put_text(out, b);
	outbuf_putc(out, ' ');
	if (member_bytes(&who, "auid", b) && interp_number(b->data, b->len, false, &n) && n >= 0 &&
	    n < 4294967295LL) {
		outbuf_puts(out, "login ");
		if (member_bytes(&who, "auid_name", b))
			put_text(out, b);
		else
			outbuf_put_i64(out, n);
		outbuf_puts(out, " is responsible, as ");
	}
	if (member_bytes(&who, "euid", b) || member_bytes(&who, "uid", b)) {
		outbuf_puts(out, "uid ");
		put_text(out, b);
		if (jsonscan_member(&who, "container_uid", &v) && jsonscan_integer(&v, &n)) {
			outbuf_puts(out, " (uid ");
			outbuf_put_i64(out, n);
			outbuf_puts(out, " inside its user namespace)");
		}
		outbuf_putc(out, ' ');
	}
	put_what(root, &what, b, out);
	if (member_bytes(&where, "pid", b)) {
		outbuf_puts(out, " pid ");
		put_text(out, b);
	}
	if (jsonscan_member(&where, "container", &c) &&
	    (jsonscan_member(&c, "runtime", &v) || jsonscan_member(&c, "id", &v))) {
		outbuf_puts(out, " in container ");
		if (member_bytes(&c, "runtime", b))
			put_text(out, b);
		if (member_bytes(&c, "id", b)) {
			outbuf_putc(out, ':');
			if (b->len > 12)
				b->len = 12; /* summary.c's short id */
			put_text(out, b);
		}
	}
	if (jsonscan_member(root, "node", &v) && v.type == JSONSCAN_STRING) {
		outbuf_puts(out, " on ");
		outbuf_put(out, v.p, v.len); /* the JSON string summary.c writes */
	}
	put_tail(&how, &why, &objects, b, out);
	if (member_bytes(root, "partial_reason", b)) {
		outbuf_puts(out, " (partial: ");
		put_text(out, b);
		outbuf_putc(out, ')');
	}
	outbuf_putc(out, '\n');
	return 0;
}

int format_summary_from_json(const char *line, size_t len, struct outbuf *out)
{
	struct jsonscan_value root;
	struct outbuf b = { 0 };
	size_t start = out->len;
	int r;

	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (!jsonscan_parse(line, len, &root))
		return -EINVAL;
	r = summarize(&root, &b, out);
	if (!r && (b.failed || out->failed))
		r = -ENOMEM;
	if (r)
		out->len = start;
	outbuf_free(&b);
	return r;
}
