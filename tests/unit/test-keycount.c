/* SPDX-License-Identifier: MIT */
/*
 * decode/rulekey.h and pipeline/keycount.h: the key an event counts under,
 * and the bounded table of keys.
 *
 * The key: for records of every shape (the kernel's key= last, quoted or
 * hex, several keys, (null), none, key= mid-record, nested in msg='...',
 * top level and nested both, a value the parser trims, a log line's
 * ENRICHED part), rulekey_first() gives what the full parse gives
 * (format_event_first_key, the key of why.keys[0] and NATS subjects).
 * The table: none and other first, 64 keys named in the order first seen,
 * then other; keys over 100 bytes under other, keys spelled "none" and
 * "other" under those; two threads counting at once, new keys included,
 * sum to what each counted; the metrics' label escapes what Prometheus
 * needs escaped.
 */
#include "assemble.h"
#include "format.h"
#include "harness.h"
#include "keycount.h"
#include "metrics.h"
#include "record.h"
#include "rulekey.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- events from log lines ---- */

struct one_event {
	struct assembler *a;
	struct audit_event *ev;
};

static void event_free(void *arg)
{
	struct one_event *e = arg;

	if (e->ev)
		assembler_done(e->a, e->ev);
	assembler_free(e->a);
	free(e);
}

/* The event of these log lines ('\n'-separated; log input: a 0x1d starts
 * the ENRICHED part), or of these kernel record bodies with types. */
static const struct audit_event *event_of(const char *text, bool log)
{
	struct assemble_config cfg = { .log_input = log };
	struct one_event *e = calloc(1, sizeof(*e));
	const char *p = text;

	CHECK(e != NULL);
	e->a = assembler_new(&cfg);
	CHECK(e->a != NULL);
	harness_defer(event_free, e);
	while (*p) {
		size_t len = strcspn(p, "\n");
		struct audit_record rec;

		if (log) {
			CHECK_EQ(decode_record_line(p, len, NULL, 0, &rec), RECORD_OK);
		} else {
			/* "TYPE BODY": a kernel record, stamp in the body. */
			struct audit_stamp st;
			char *end;
			unsigned type = (unsigned)strtoul(p, &end, 10);
			int n;

			n = decode_stamp(end + 1, len - (size_t)(end + 1 - p), &st);
			CHECK(n > 0);
			rec = (struct audit_record){ .type = type, .stamp = st, .body = end + 1 + n };
		}
		CHECK_EQ(assembler_add(e->a, rec.type, &rec.stamp, rec.node, rec.node_len, rec.body,
				       len - (size_t)(rec.body - p), 0),
			 0);
		p += len + (p[len] == '\n');
	}
	assembler_flush(e->a);
	e->ev = assembler_pop(e->a);
	CHECK(e->ev != NULL);
	return e->ev;
}

static void scratch_free(void *arg)
{
	rulekey_scratch_free(arg);
}

static void ctx_free(void *arg)
{
	format_ctx_free(arg);
}

#define SYS "type=SYSCALL msg=audit(1700000000.100:7): arch=c000003e syscall=257 success=no " \
	    "exit=-2 items=0 ppid=1 pid=9 auid=0 uid=0 comm=\"t\" exe=\"/bin/t\" "

TEST(first_key_as_the_full_parse_gives_it)
{
	static const struct {
		const char *text;
		bool log;
		const char *want; /* NULL: none */
	} cases[] = {
		{ SYS "key=\"bench\"", true, "bench" },
		{ SYS "key=(null)", true, NULL },
		{ SYS "subj=unconfined", true, NULL },
		{ SYS "key=\"\"", true, NULL },
		/* several keys, hex: "one" 0x01 "two" */
		{ SYS "key=6F6E650174776F", true, "one" },
		/* hex of a key with a space and a quote */
		{ SYS "key=6120622263", true, "a b\"c" },
		/* quoted with a space (no kernel writes it; a log may) */
		{ SYS "key=\"a b\"", true, "a b" },
		/* the parser trims a plain value's ')' */
		{ SYS "key=abc)", true, "abc" },
		/* key= not last: the parse */
		{ SYS "key=\"mid\" subj=x", true, "mid" },
		/* an ENRICHED part that says key=: not the record's */
		{ SYS "key=(null)\x1d" "ARCH=x86_64 key=\"enriched\"", true, NULL },
		{ "type=CONFIG_CHANGE msg=audit(1700000000.100:8): auid=0 ses=1 op=\"add_rule\" "
		  "key=\"conf\" list=4 res=1",
		  true, "conf" },
		/* nested in msg='...' */
		{ "type=USER_AVC msg=audit(1700000000.100:9): pid=1 uid=0 msg='avc: x key=\"nested\" "
		  "res=success'",
		  true, "nested" },
		/* top level wins over nested */
		{ "type=USER_AVC msg=audit(1700000000.100:9): pid=1 uid=0 msg='key=\"inner\"' "
		  "key=\"outer\"",
		  true, "outer" },
		/* the SYSCALL is the subject, not the first record */
		{ "type=CWD msg=audit(1700000000.100:7): cwd=\"/\"\n" SYS "key=\"sys\"", true, "sys" },
		/* kernel records (live): 0x1d is data there */
		{ "1300 audit(1700000000.100:7): arch=c000003e syscall=257 key=\"live\"", false,
		  "live" },
		{ "1300 audit(1700000000.100:7): arch=c000003e syscall=257 key=6C69760165", false,
		  "liv" },
	};
	struct rulekey_scratch *s = calloc(1, sizeof(*s));
	struct format_ctx *ctx = calloc(1, sizeof(*ctx));
	struct outbuf full = { 0 };

	CHECK(s && ctx);
	harness_defer(free, s); /* runs last: in reverse order */
	harness_defer(scratch_free, s);
	harness_defer(free, ctx);
	harness_defer(ctx_free, ctx);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct audit_event *ev = event_of(cases[i].text, cases[i].log);
		const char *key = NULL;
		size_t len = 0;
		bool have = rulekey_first(ev, s, &key, &len), have_full;

		full.len = 0;
		have_full = format_event_first_key(ctx, ev, &full);
		if (have != (cases[i].want != NULL) ||
		    (have && (len != strlen(cases[i].want) || memcmp(key, cases[i].want, len) != 0)))
			FAIL("case %zu: got %s '%.*s', want '%s'", i, have ? "key" : "none", (int)len,
			     have ? key : "", cases[i].want ? cases[i].want : "(none)");
		if (have != have_full || (have && (full.len != len || memcmp(full.data, key, len))))
			FAIL("case %zu: '%.*s', the full parse '%.*s'", i, (int)len, have ? key : "",
			     (int)full.len, full.data ? full.data : "");
	}
	outbuf_free(&full);
}

/* ---- the table ---- */

static void keycount_free_deferred(void *arg)
{
	keycount_free(arg);
}

static struct keycount *table(unsigned decoders)
{
	struct keycount *k = keycount_new(decoders);

	CHECK(k != NULL);
	harness_defer(keycount_free_deferred, k);
	return k;
}

static struct keycount_entry_stats st[KEYCOUNT_ENTRIES];

static void add(struct keycount *k, const char *key, bool filtered, uint64_t bytes)
{
	keycount_add(k, 0, key, key ? strlen(key) : 0, filtered, bytes);
}

TEST(bounded_none_and_other)
{
	struct keycount *k = table(1);
	char key[KEYCOUNT_KEY_MAX + 2];
	unsigned n;

	CHECK_EQ(keycount_get_stats(k, st), 2);
	CHECK_STR(st[KEYCOUNT_NONE].key, "none");
	CHECK_STR(st[KEYCOUNT_OTHER].key, "other");
	add(k, NULL, false, 10);
	add(k, "none", true, 0);   /* spelled so: that row */
	add(k, "other", false, 5); /* the same */
	memset(key, 'L', sizeof(key));
	key[KEYCOUNT_KEY_MAX + 1] = '\0'; /* 101 bytes: other */
	add(k, key, false, 7);
	key[KEYCOUNT_KEY_MAX] = '\0'; /* 100 bytes: its own */
	add(k, key, false, 1);
	for (unsigned i = 0; i < KEYCOUNT_NAMED + 10; i++) {
		char name[16];

		snprintf(name, sizeof(name), "k%02u", i);
		add(k, name, i % 3 == 0, i);
		add(k, name, false, 1);
	}
	add(k, "k00", false, 100); /* named: counts on there */
	n = keycount_get_stats(k, st);
	CHECK_EQ(n, KEYCOUNT_ENTRIES);
	CHECK_EQ(st[KEYCOUNT_NONE].written, 1);
	CHECK_EQ(st[KEYCOUNT_NONE].filtered, 1);
	CHECK_EQ(st[KEYCOUNT_NONE].bytes, 10);
	CHECK_EQ(st[2].len, KEYCOUNT_KEY_MAX);
	CHECK_EQ(st[2].written, 1);
	/* k00..k62 named (63 rows after the 100-byte key), k63..k73 other. */
	CHECK_STR(st[3].key, "k00");
	CHECK_EQ(st[3].written, 2);
	CHECK_EQ(st[3].filtered, 1);
	CHECK_EQ(st[3].bytes, 101);
	CHECK_STR(st[KEYCOUNT_ENTRIES - 1].key, "k62");
	{
		uint64_t w = 2, f = 0, b = 5 + 7; /* "other" and the long key */

		for (unsigned i = KEYCOUNT_NAMED - 1; i < KEYCOUNT_NAMED + 10; i++) {
			w += 1 + (i % 3 != 0);
			f += i % 3 == 0;
			b += i + 1;
		}
		CHECK_EQ(st[KEYCOUNT_OTHER].written, w);
		CHECK_EQ(st[KEYCOUNT_OTHER].filtered, f);
		CHECK_EQ(st[KEYCOUNT_OTHER].bytes, b);
	}
}

/* From an event: its first key; no key: none. */
TEST(counted_by_the_events_key)
{
	struct keycount *k = table(1);

	keycount_event(k, 0, event_of(SYS "key=6F6E650174776F", true), false, 30);
	keycount_event(k, 0, event_of(SYS "key=\"one\"", true), true, 0);
	keycount_event(k, 0, event_of(SYS "key=(null)", true), false, 3);
	CHECK_EQ(keycount_get_stats(k, st), 3);
	CHECK_STR(st[2].key, "one");
	CHECK_EQ(st[2].written, 1);
	CHECK_EQ(st[2].filtered, 1);
	CHECK_EQ(st[2].bytes, 30);
	CHECK_EQ(st[KEYCOUNT_NONE].written, 1);
	CHECK_EQ(st[KEYCOUNT_NONE].bytes, 3);
}

/* Two decoders at once, each adding keys the other also adds: every
 * event counted once, under the same entry from both. */
#define THREAD_EVENTS 200000
#define THREAD_KEYS 80

struct counter {
	struct keycount *k;
	unsigned id;
};

static void *count_loop(void *arg)
{
	struct counter *c = arg;

	for (unsigned i = 0; i < THREAD_EVENTS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "t%u", (i * 7 + c->id) % THREAD_KEYS);
		keycount_add(c->k, c->id, name, strlen(name), i % 4 == 0, 3);
	}
	return NULL;
}

TEST(decoders_count_apart)
{
	struct keycount *k = table(2);
	struct counter c[2] = { { k, 0 }, { k, 1 } };
	pthread_t t[2];
	uint64_t w = 0, f = 0, b = 0;
	unsigned n;

	for (unsigned i = 0; i < 2; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, count_loop, &c[i]), 0);
	/* Read while they count: never more than was counted by then. */
	for (unsigned r = 0; r < 100; r++) {
		uint64_t sum = 0;

		n = keycount_get_stats(k, st);
		for (unsigned i = 0; i < n; i++)
			sum += st[i].written + st[i].filtered;
		CHECK(sum <= 2 * THREAD_EVENTS);
	}
	for (unsigned i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	n = keycount_get_stats(k, st);
	CHECK_EQ(n, KEYCOUNT_ENTRIES);
	for (unsigned i = 0; i < n; i++) {
		w += st[i].written;
		f += st[i].filtered;
		b += st[i].bytes;
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(st[i].key, st[j].key))
				FAIL("%s twice", st[i].key);
	}
	CHECK_EQ(w + f, 2 * THREAD_EVENTS);
	CHECK_EQ(f, 2 * THREAD_EVENTS / 4);
	CHECK_EQ(b, 3 * w + 3 * f);
	/* Each named key: both threads' events of it. */
	for (unsigned i = 2; i < n; i++)
		CHECK_EQ(st[i].written + st[i].filtered, 2 * THREAD_EVENTS / THREAD_KEYS);
	CHECK_EQ(st[KEYCOUNT_OTHER].written + st[KEYCOUNT_OTHER].filtered,
		 (THREAD_KEYS - KEYCOUNT_NAMED) * 2 * THREAD_EVENTS / THREAD_KEYS);
}

/* The label: what Prometheus needs escaped, escaped; the rest readable. */
TEST(label_escaped)
{
	static const struct {
		const char *key;
		size_t len;
		const char *want;
	} cases[] = {
		{ "bench", 5, "bench" },
		{ "a\"b", 3, "a\\\"b" },
		{ "a\\b", 3, "a\\\\b" },
		{ "a\nb", 3, "a%0Ab" },
		{ "a\0b", 3, "a%00b" },
		{ "caf\xc3\xa9", 5, "caf\xc3\xa9" },
		{ "bad\xff", 4, "bad%FF" },
		{ "50%", 3, "50%25" },
	};
	struct outbuf label = { 0 };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		metrics_key_label(cases[i].key, cases[i].len, &label);
		CHECK_STR(label.data, cases[i].want);
		CHECK_EQ(strlen(label.data), label.len);
	}
	outbuf_free(&label);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(first_key_as_the_full_parse_gives_it),
				  CASE(bounded_none_and_other), CASE(counted_by_the_events_key),
				  CASE(decoders_count_apart), CASE(label_escaped)));
}
