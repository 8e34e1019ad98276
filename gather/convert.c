/* SPDX-License-Identifier: MIT */
/* convert: see convert.h. */
#include "convert.h"
#include "assemble.h"
#include "format.h"
#include "idcache.h"
#include "jsonscan.h"
#include "record.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 512

struct convert {
	enum convert_format format;
	bool decorate;
	bool stale;                /* the assembler had ended this id before */
	struct assembler *asm_;
	struct format_ctx fmt;
	struct idcache *ids;       /* ENRICHED's names: this machine's */
	struct audit_field fields[MAX_FIELDS];
	struct outbuf line;        /* scratch: a re-decoded event's JSON */
};

static const struct assemble_config asm_config = { .log_input = true };

struct convert *convert_new(enum convert_format format, bool decorate)
{
	struct convert *c = calloc(1, sizeof(*c));

	if (!c || !(c->asm_ = assembler_new(&asm_config)))
		goto free_convert;
	c->format = format;
	c->decorate = decorate;
	if (format == CONVERT_ENRICHED) {
		if (!(c->ids = idcache_new()))
			goto free_convert;
		c->fmt.uid_name = idcache_user;
		c->fmt.gid_name = idcache_group;
		c->fmt.id_arg = c->ids;
	}
	return c;
free_convert:
	if (c)
		assembler_free(c->asm_);
	free(c);
	errno = ENOMEM;
	return NULL;
}

void convert_free(struct convert *c)
{
	if (!c)
		return;
	assembler_free(c->asm_);
	format_ctx_free(&c->fmt);
	idcache_free(c->ids);
	outbuf_free(&c->line);
	free(c);
}

bool convert_host_ok(const char *host, size_t len)
{
	if (len < 1 || len > 200 || host[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = host[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '.' || ch == '_' || ch == '-'))
			return false;
	}
	return true;
}

/* A JSON payload: one strict object on one line, starting with the
 * "id" its header names. Returns the offset just after that id's closing
 * quote, or 0 when it is not such a line. */
static size_t check_json(const struct convert_message *m, const char **why)
{
	static const char head[] = "{\"id\":\"";
	struct jsonscan_value root;
	size_t off = sizeof(head) - 1;

	if (memchr(m->data, '\n', m->len) || memchr(m->data, '\r', m->len)) {
		*why = "a JSON message of more than one line";
		return 0;
	}
	if (m->len < off + m->id_len + 1 || memcmp(m->data, head, off) != 0 ||
	    memcmp(m->data + off, m->id_text, m->id_len) != 0 || m->data[off + m->id_len] != '"') {
		*why = "its JSON does not start with the id its Nats-Msg-Id names";
		return 0;
	}
	if (!jsonscan_parse(m->data, m->len, &root) || root.type != JSONSCAN_OBJECT) {
		*why = "its payload is not a JSON object";
		return 0;
	}
	return off + m->id_len + 1;
}

/* The JSON line, with "host" after its id when decorated. */
static void put_json_line(struct convert *c, const struct convert_message *m, const char *line,
			  size_t len, size_t id_end, struct outbuf *out)
{
	if (c->decorate) {
		outbuf_put(out, line, id_end);
		outbuf_puts(out, ",\"host\":\"");
		outbuf_put(out, m->host, m->host_len); /* convert_host_ok: nothing to escape */
		outbuf_putc(out, '"');
		outbuf_put(out, line + id_end, len - id_end);
	} else {
		outbuf_put(out, line, len);
	}
	if (!len || line[len - 1] != '\n')
		outbuf_putc(out, '\n');
}

/* Each RAW line: an audit record of the message's id, no control byte
 * but 0x1d (ENRICHED's separator). Adds the records to the assembler when
 * decode is set. Returns the number of records, 0 when refused. */
static unsigned check_raw(struct convert *c, const struct convert_message *m, bool decode,
			  const char **why)
{
	const char *p = m->data, *end = m->data + m->len;
	unsigned records = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct audit_record rec;
		size_t off;

		for (size_t i = 0; i < len; i++)
			if ((unsigned char)p[i] < 0x20 && p[i] != 0x1d) {
				*why = "a RAW line holds a control byte";
				return 0;
			}
		if (len) {
			if (decode_record_line(p, len, c->fields, MAX_FIELDS, &rec) != RECORD_OK ||
			    rec.type == 0) {
				*why = "a RAW line is not an audit record";
				return 0;
			}
			if (rec.stamp.sec != m->id.sec || rec.stamp.msec != m->id.msec ||
			    rec.stamp.serial != m->id.serial) {
				*why = "a RAW line is a record of another event than its Nats-Msg-Id";
				return 0;
			}
			records++;
			off = (size_t)(rec.body - p);
			if (decode) {
				int r = assembler_add(c->asm_, rec.type, &rec.stamp, rec.node,
						      rec.node_len, rec.body,
						      len > off ? len - off : 0, 0);

				/* The same id from another host, or again (dedup.h's
				 * bound passed): an assembler remembers ids it ended. */
				c->stale |= r == -EEXIST;
				if (r < 0) {
					*why = "its records could not be put together";
					return 0;
				}
			}
		}
		p += len + 1;
	}
	if (!records)
		*why = "a RAW message without a record";
	return records;
}

/* RAW lines as they came; node=HOST first when decorated. */
static void put_raw_lines(struct convert *c, const struct convert_message *m, struct outbuf *out)
{
	const char *p = m->data, *end = m->data + m->len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (len) {
			if (c->decorate && (len < 5 || memcmp(p, "node=", 5) != 0)) {
				outbuf_puts(out, "node=");
				outbuf_put(out, m->host, m->host_len);
				outbuf_putc(out, ' ');
			}
			outbuf_put(out, p, len);
			outbuf_putc(out, '\n');
		}
		p += len + 1;
	}
}

/* Decorates each line of lines[0..len) of a re-decoded event. */
static void put_decoded(struct convert *c, const struct convert_message *m, const char *lines,
			size_t len, struct outbuf *out)
{
	struct convert_message as_raw = *m;

	if (!c->decorate) {
		outbuf_put(out, lines, len);
		return;
	}
	if (c->format == CONVERT_JSON) {
		/* json.c writes {"id":"SEC.MS:SERIAL" first. */
		const size_t head = sizeof("{\"id\":\"") - 1;
		const char *q = len > head ? memchr(lines + head, '"', len - head) : NULL;

		put_json_line(c, m, lines, len, q ? (size_t)(q - lines) + 1 : 0, out);
		return;
	}
	as_raw.data = lines;
	as_raw.len = len;
	put_raw_lines(c, &as_raw, out);
}

/* Ends and forgets what a refused message left in the assembler. */
static void drop_events(struct convert *c)
{
	struct audit_event *ev;

	assembler_flush(c->asm_);
	while ((ev = assembler_pop(c->asm_)))
		assembler_done(c->asm_, ev);
}

/* The RAW message decoded again: one event, formatted as asked. */
static int redecode(struct convert *c, const struct convert_message *m, struct outbuf *out,
		    const char **why)
{
	struct audit_event *ev;
	unsigned events = 0;
	int r = 0;

	c->stale = false;
	if (!check_raw(c, m, true, why)) {
		struct assembler *fresh;

		drop_events(c);
		if (!c->stale)
			return -EINVAL;
		/* Once more with an assembler that has ended nothing yet. */
		if (!(fresh = assembler_new(&asm_config)))
			return -ENOMEM;
		assembler_free(c->asm_);
		c->asm_ = fresh;
		if (!check_raw(c, m, true, why)) {
			drop_events(c);
			return -EINVAL;
		}
	}
	/* Everything of the event is here: end it, as a whole. */
	assembler_flush(c->asm_);
	while ((ev = assembler_pop(c->asm_))) {
		if (events++ == 0) {
			c->line.len = 0;
			c->line.failed = false;
			switch (c->format) {
			case CONVERT_JSON: format_event_json(&c->fmt, ev, &c->line); break;
			case CONVERT_ENRICHED: format_event_enriched(&c->fmt, ev, &c->line); break;
			default: format_event_summary(&c->fmt, ev, &c->line); break;
			}
			r = c->line.failed ? -ENOMEM : 0;
		}
		assembler_done(c->asm_, ev);
	}
	if (events != 1) {
		*why = "its RAW lines are not one event";
		return -EINVAL;
	}
	if (r == 0) {
		if (c->decorate && c->format == CONVERT_SUMMARY) {
			outbuf_put(out, m->host, m->host_len);
			outbuf_putc(out, ' ');
			outbuf_put(out, c->line.data, c->line.len);
		} else {
			put_decoded(c, m, c->line.data, c->line.len, out);
		}
	}
	return r;
}

int convert_message(struct convert *c, const struct convert_message *m, struct outbuf *out,
		    enum convert_file *ret_file, const char **ret_why)
{
	size_t start = out->len, id_end;
	enum convert_file file = CONVERT_TO_JSON_FILE;
	int r = 0;

	*ret_why = NULL;
	if (!m->raw) {
		if (!(id_end = check_json(m, ret_why)))
			return -EINVAL;
		if (c->format == CONVERT_SUMMARY) {
			if (c->decorate) {
				outbuf_put(out, m->host, m->host_len);
				outbuf_putc(out, ' ');
			}
			r = format_summary_from_json(m->data, m->len, out);
			if (r == -EINVAL)
				*ret_why = "its JSON is not one of needle's events";
		} else {
			/* -f raw and -f enriched included: JSON stays JSON. */
			put_json_line(c, m, m->data, m->len, id_end, out);
		}
	} else if (c->format == CONVERT_RAW) {
		if (!check_raw(c, m, false, ret_why))
			return -EINVAL;
		put_raw_lines(c, m, out);
		file = CONVERT_TO_LOG_FILE;
	} else {
		r = redecode(c, m, out, ret_why);
		file = c->format == CONVERT_ENRICHED ? CONVERT_TO_LOG_FILE : CONVERT_TO_JSON_FILE;
	}
	if (!r && out->failed)
		r = -ENOMEM;
	if (r) {
		out->len = start;
		out->failed = false;
		if (r == -ENOMEM)
			*ret_why = "out of memory";
		return r;
	}
	*ret_file = file;
	return 0;
}
