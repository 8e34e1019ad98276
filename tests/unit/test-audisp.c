/* SPDX-License-Identifier: MIT */
/*
 * An event as auditd's dispatcher hands it to plugins (decode/audisp.h):
 * the string lines are the RAW (or ENRICHED) lines of the event plus its
 * EOE, as auditd sends them; the binary records carry libaudit's header
 * and the kernel's text (or the ENRICHED line), and can be counted back
 * from a cut stream.
 */
#include "assemble.h"
#include "audisp.h"
#include "format.h"
#include "harness.h"

#include <libaudit.h>
#include <stdio.h>
#include <string.h>

static struct assembler *a;
static struct format_ctx ctx;
static struct outbuf out, want;

static void free_all(void *arg)
{
	(void)arg;
	assembler_free(a);
	a = NULL;
	format_ctx_free(&ctx);
	outbuf_free(&out);
	outbuf_free(&want);
}

static void add(unsigned type, uint32_t serial, const char *body)
{
	struct audit_stamp st = { .sec = 1764259200, .msec = 123, .serial = serial };

	CHECK_EQ(assembler_add(a, type, &st, NULL, 0, body, strlen(body), 1000), 0);
}

/* A syscall event of three records, ended by its EOE; and a lone
 * user-space message (no EOE). */
static struct audit_event *syscall_event(void)
{
	struct audit_event *ev;

	harness_defer(free_all, NULL);
	a = assembler_new(NULL);
	CHECK(a != NULL);
	add(AUDIT_SYSCALL, 42,
	    "arch=c000003e syscall=257 success=no exit=-2 a0=ffffff9c a1=7ffd a2=0 a3=0 items=1 "
	    "ppid=1 pid=2 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 "
	    "tty=(none) ses=3 comm=\"cat\" exe=\"/usr/bin/cat\" key=\"k\"");
	add(AUDIT_CWD, 42, "cwd=\"/tmp\"");
	add(AUDIT_PROCTITLE, 42, "proctitle=636174");
	add(AUDIT_EOE, 42, "");
	ev = assembler_pop(a);
	CHECK(ev != NULL);
	CHECK(ev->saw_eoe);
	return ev;
}

static const char stamp[] = "audit(1764259200.123:42): ";

TEST(string_is_raw_lines_and_eoe)
{
	struct audit_event *ev = syscall_event();

	CHECK_EQ(format_event_audisp_string(&ctx, ev, false, &out), 4);
	format_event_raw(ev, &want);
	outbuf_puts(&want, "type=EOE msg=audit(1764259200.123:42): \n");
	CHECK_EQ(out.len, want.len);
	CHECK(memcmp(out.data, want.data, out.len) == 0);
	CHECK(memcmp(out.data, "type=SYSCALL msg=audit(1764259200.123:42): arch=c000003e ", 57) == 0);
	assembler_done(a, ev);

	/* A record that is an event by itself has no EOE. */
	add(AUDIT_USER, 43, "pid=1 uid=0 msg='op=x\nline'");
	ev = assembler_pop(a);
	CHECK(ev != NULL);
	out.len = 0;
	CHECK_EQ(format_event_audisp_string(&ctx, ev, false, &out), 1);
	outbuf_putc(&out, '\0');
	/* One record, one line: the newline inside is \x0a, as in RAW. */
	CHECK_STR(out.data, "type=USER msg=audit(1764259200.123:43): pid=1 uid=0 msg='op=x\\x0aline'\n");
	assembler_done(a, ev);
}

TEST(string_enriched_is_enriched_lines_and_eoe)
{
	struct audit_event *ev = syscall_event();
	const char *sys;

	CHECK_EQ(format_event_audisp_string(&ctx, ev, true, &out), 4);
	format_event_enriched(&ctx, ev, &want);
	outbuf_puts(&want, "type=EOE msg=audit(1764259200.123:42): \n");
	CHECK_EQ(out.len, want.len);
	CHECK(memcmp(out.data, want.data, out.len) == 0);
	outbuf_putc(&out, '\0');
	sys = strstr(out.data, "\x1d" "ARCH=x86_64 SYSCALL=openat");
	CHECK(sys != NULL && sys < strchr(out.data, '\n'));
	assembler_done(a, ev);
}

/* Reads record k of a binary stream: its header and data. */
static const char *record_at(const struct outbuf *b, unsigned k, struct audit_dispatcher_header *h)
{
	size_t at = 0;

	for (unsigned i = 0;; i++) {
		CHECK(b->len - at >= sizeof(*h));
		memcpy(h, b->data + at, sizeof(*h));
		CHECK_EQ(h->hlen, 16);
		CHECK(b->len - at - h->hlen >= h->size);
		if (i == k)
			return b->data + at + h->hlen;
		at += h->hlen + h->size;
	}
}

TEST(binary_carries_the_kernel_text)
{
	struct audit_event *ev = syscall_event();
	static const unsigned types[] = { AUDIT_SYSCALL, AUDIT_CWD, AUDIT_PROCTITLE, AUDIT_EOE };
	struct audit_dispatcher_header h;
	const char *data;

	CHECK_EQ(format_event_audisp_binary(&ctx, ev, false, &out), 4);
	for (unsigned k = 0; k < 4; k++) {
		data = record_at(&out, k, &h);
		CHECK_EQ(h.ver, AUDISP_PROTOCOL_VER);
		CHECK_EQ(h.type, types[k]);
		CHECK(h.size >= sizeof(stamp) - 1);
		CHECK(memcmp(data, stamp, sizeof(stamp) - 1) == 0);
	}
	data = record_at(&out, 1, &h);
	CHECK_EQ(h.size, sizeof(stamp) - 1 + strlen("cwd=\"/tmp\""));
	CHECK(memcmp(data + sizeof(stamp) - 1, "cwd=\"/tmp\"", h.size - (sizeof(stamp) - 1)) == 0);
	data = record_at(&out, 3, &h);
	CHECK_EQ(h.size, sizeof(stamp) - 1); /* EOE: the stamp alone */
	/* The whole stream is these four records, no padding. */
	CHECK_EQ(audisp_binary_records(out.data, out.len), 4);
	CHECK_EQ((size_t)(data + h.size - out.data), out.len);
	/* Cut anywhere, the whole records before the cut are counted. */
	CHECK_EQ(audisp_binary_records(out.data, out.len - 1), 3);
	data = record_at(&out, 1, &h) - 16; /* record 1's header */
	CHECK_EQ(audisp_binary_records(out.data, (size_t)(data - out.data)), 1);
	CHECK_EQ(audisp_binary_records(out.data, (size_t)(data - out.data) - 1), 0);
	CHECK_EQ(audisp_binary_records(out.data, 0), 0);
	assembler_done(a, ev);
}

TEST(binary_enriched_carries_the_lines)
{
	struct audit_event *ev = syscall_event();
	struct audit_dispatcher_header h;
	const char *data;
	size_t line_len;

	format_event_audisp_string(&ctx, ev, true, &want);
	CHECK_EQ(format_event_audisp_binary(&ctx, ev, true, &out), 4);
	data = record_at(&out, 0, &h);
	CHECK_EQ(h.ver, AUDISP_PROTOCOL_VER2);
	CHECK_EQ(h.type, AUDIT_SYSCALL);
	line_len = (size_t)(strchr(want.data, '\n') - want.data);
	CHECK_EQ(h.size, line_len);
	CHECK(memcmp(data, want.data, line_len) == 0);
	data = record_at(&out, 3, &h);
	CHECK_EQ(h.type, AUDIT_EOE);
	CHECK(memcmp(data, "type=EOE msg=audit(1764259200.123:42): ", h.size) == 0);
	assembler_done(a, ev);
}

/* A record longer than libaudit's 8970 bytes (an ENRICHED line can be)
 * is cut at 8970, and the stream stays readable. */
TEST(binary_record_at_most_8970_bytes)
{
	static char body[9000];
	struct audit_dispatcher_header h;
	struct audit_event *ev;

	harness_defer(free_all, NULL);
	a = assembler_new(NULL);
	CHECK(a != NULL);
	memset(body, 'x', sizeof(body) - 1);
	memcpy(body, "msg='", 5);
	add(AUDIT_USER, 7, body);
	ev = assembler_pop(a);
	CHECK(ev != NULL);
	format_event_audisp_binary(&ctx, ev, true, &out);
	assembler_done(a, ev);
	record_at(&out, 0, &h);
	CHECK_EQ(h.size, AUDISP_DATA_MAX);
	CHECK_EQ(out.len, 16 + AUDISP_DATA_MAX);
	CHECK_EQ(audisp_binary_records(out.data, out.len), 1);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(string_is_raw_lines_and_eoe),
				  CASE(string_enriched_is_enriched_lines_and_eoe),
				  CASE(binary_carries_the_kernel_text),
				  CASE(binary_enriched_carries_the_lines),
				  CASE(binary_record_at_most_8970_bytes)));
}
