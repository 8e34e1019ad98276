/* SPDX-License-Identifier: MIT */
/*
 * pipeline/filters.h: the filter set needle run's decoders apply, replaced
 * while they run, and its account by rule line: verdicts counted per
 * decoder and summed, a line's counters kept across a reload (never going
 * back), a line whose rule changed counting on under its label, the
 * bounded table's "other", and no set: everything written, nothing
 * counted; redact rules' values counted by line and decoder, summed, kept
 * across a reload, each decoder's redacted event its own.
 */
#include "assemble.h"
#include "filters.h"
#include "harness.h"
#include "record.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <urcu.h>

static struct format_ctx ctx;

static void free_ctx(void *arg)
{
	(void)arg;
	format_ctx_free(&ctx);
}

static void free_filters(void *arg)
{
	filters_free(arg);
}

static void unregister(void *arg)
{
	(void)arg;
	rcu_unregister_thread();
}

/* The verdict for one SYSCALL event with this key, by decoder dec. */
static enum filter_verdict decide(struct filters *f, unsigned dec, const char *key, unsigned serial)
{
	struct assemble_config cfg = { .log_input = true };
	struct assembler *a = assembler_new(&cfg);
	struct audit_record rec;
	struct audit_event *ev;
	enum filter_verdict v;
	char line[512];
	size_t len;

	CHECK(a != NULL);
	len = (size_t)snprintf(line, sizeof(line),
			       "type=SYSCALL msg=audit(1700000000.%03u:%u): arch=c000003e syscall=257 "
			       "success=no exit=-2 items=0 ppid=1 pid=%u auid=0 uid=0 euid=0 "
			       "comm=\"t\" exe=\"/bin/t\" key=\"%s\"",
			       serial % 1000, serial, 100 + serial, key);
	CHECK_EQ(decode_record_line(line, len, NULL, 0, &rec), RECORD_OK);
	CHECK_EQ(assembler_add(a, rec.type, &rec.stamp, rec.node, rec.node_len, rec.body,
			       len - (size_t)(rec.body - line), 0),
		 0);
	assembler_flush(a);
	ev = assembler_pop(a);
	CHECK(ev != NULL);
	rcu_read_lock();
	v = filters_decide(f, dec, &ctx, ev);
	rcu_read_unlock();
	assembler_done(a, ev);
	assembler_free(a);
	return v;
}

static struct filter_set *set_of(const char *origin, const char *text)
{
	char err[FILTER_ERRORS_MAX];
	struct filter_set *s = filter_parse(origin, text, strlen(text), NULL, NULL, err, sizeof(err));

	if (!s)
		FAIL("%s", err);
	return s;
}

static struct filters *setup(unsigned decoders)
{
	struct filters *f = filters_new(decoders);

	CHECK(f != NULL);
	rcu_register_thread();
	harness_defer(unregister, NULL);
	harness_defer(free_filters, f);
	harness_defer(free_ctx, NULL);
	return f;
}

static struct filters_entry_stats st[FILTERS_ENTRIES];

TEST(counted_per_rule_summed_over_decoders)
{
	struct filters *f = setup(2);
	unsigned n;

	CHECK_EQ(decide(f, 0, "x", 1), FILTER_WRITE); /* no set yet: nothing counted */
	CHECK_EQ(filters_get_stats(f, st), 0);
	CHECK(!filters_on(f));
	CHECK_EQ(filters_publish(f, set_of("/f", "drop key=noisy\ndivert key=div\n")), 0);
	CHECK(filters_on(f));
	CHECK_EQ(decide(f, 0, "noisy", 2), FILTER_DROP);
	CHECK_EQ(decide(f, 1, "noisy", 3), FILTER_DROP);
	CHECK_EQ(decide(f, 1, "div", 4), FILTER_DIVERT);
	CHECK_EQ(decide(f, 0, "other", 5), FILTER_WRITE);
	n = filters_get_stats(f, st);
	CHECK_EQ(n, 2);
	CHECK_STR(st[0].label, "/f:1");
	CHECK_EQ(st[0].main, FILTER_DROPPED);
	CHECK_EQ(st[0].n[FILTER_DROPPED], 2);
	CHECK_STR(st[1].label, "/f:2");
	CHECK_EQ(st[1].n[FILTER_DIVERTED], 1);
	CHECK_EQ(st[0].n[FILTER_NO_RULE] + st[1].n[FILTER_NO_RULE], 0);
}

/* A reload keeps each line's counters: the same line counts on, a line
 * whose rule changed counts its new outcome under the same label, a new
 * line gets an entry of its own; no set at all stops the counting only. */
TEST(reload_never_goes_back)
{
	struct filters *f = setup(1);

	CHECK_EQ(filters_publish(f, set_of("/f", "drop key=a\ndrop key=b\n")), 0);
	decide(f, 0, "a", 1);
	decide(f, 0, "b", 2);
	decide(f, 0, "b", 3);
	CHECK_EQ(filters_publish(f, set_of("/f", "drop key=a\nkeep key=b\n# new\ndrop key=c\n")), 0);
	CHECK_EQ(decide(f, 0, "a", 4), FILTER_DROP);
	CHECK_EQ(decide(f, 0, "b", 5), FILTER_WRITE);
	CHECK_EQ(decide(f, 0, "c", 6), FILTER_DROP);
	CHECK_EQ(filters_get_stats(f, st), 3);
	CHECK_STR(st[0].label, "/f:1");
	CHECK_EQ(st[0].n[FILTER_DROPPED], 2);
	CHECK_STR(st[1].label, "/f:2");
	CHECK_EQ(st[1].n[FILTER_DROPPED], 2);
	CHECK_EQ(st[1].n[FILTER_KEPT], 1);
	CHECK_EQ(st[1].main, FILTER_KEPT); /* the newest set's action there */
	CHECK_STR(st[2].label, "/f:4");
	CHECK_EQ(st[2].n[FILTER_DROPPED], 1);
	CHECK_EQ(filters_publish(f, NULL), 0);
	CHECK_EQ(decide(f, 0, "a", 7), FILTER_WRITE);
	CHECK_EQ(filters_get_stats(f, st), 3);
	CHECK_EQ(st[0].n[FILTER_DROPPED], 2);
}

/* An execve with a --password= argument, serial n, as decoder dec's
 * filters_redact gives it back: its EXECVE body into ret (NULL: not
 * redacted). */
static void redacted_execve(struct filters *f, unsigned dec, unsigned n, char *ret, size_t size)
{
	struct assemble_config cfg = { .log_input = true };
	struct assembler *a = assembler_new(&cfg);
	const struct audit_event *w;
	struct audit_event *ev;
	char lines[3][256];

	CHECK(a != NULL);
	snprintf(lines[0], sizeof(lines[0]),
		 "type=SYSCALL msg=audit(1700000001.000:%u): arch=c000003e syscall=59 success=yes "
		 "exit=0 pid=%u comm=\"x\" exe=\"/bin/x\" key=\"e\"", n, n);
	snprintf(lines[1], sizeof(lines[1]),
		 "type=EXECVE msg=audit(1700000001.000:%u): argc=2 a0=\"x\" a1=\"--password=pw%u\"", n, n);
	snprintf(lines[2], sizeof(lines[2]), "type=PROCTITLE msg=audit(1700000001.000:%u): "
		 "proctitle=7800", n);
	for (int i = 0; i < 3; i++) {
		struct audit_record rec;
		size_t len = strlen(lines[i]);

		CHECK_EQ(decode_record_line(lines[i], len, NULL, 0, &rec), RECORD_OK);
		CHECK_EQ(assembler_add(a, rec.type, &rec.stamp, rec.node, rec.node_len, rec.body,
				       len - (size_t)(rec.body - lines[i]), 0),
			 0);
	}
	assembler_flush(a);
	CHECK((ev = assembler_pop(a)) != NULL);
	rcu_read_lock();
	w = filters_redact(f, dec, ev);
	rcu_read_unlock();
	CHECK(w != NULL);
	if (w == ev)
		ret[0] = '\0';
	else
		snprintf(ret, size, "%.*s", (int)w->records[1].len, w->text + w->records[1].offset);
	assembler_done(a, ev);
	assembler_free(a);
}

TEST(redacted_values_by_line)
{
	struct filters *f = setup(2);
	char body[256];

	redacted_execve(f, 0, 1, body, sizeof(body)); /* no set: as it was */
	CHECK_STR(body, "");
	CHECK_EQ(filters_publish(f, set_of("/f", "drop key=noisy\nredact \"--password=(\\S+)\"\n")), 0);
	redacted_execve(f, 0, 2, body, sizeof(body));
	CHECK_STR(body, "argc=2 a0=\"x\" a1=\"--password=<redacted>\"");
	redacted_execve(f, 1, 3, body, sizeof(body));
	redacted_execve(f, 1, 4, body, sizeof(body));
	CHECK_EQ(decide(f, 0, "noisy", 5), FILTER_DROP); /* the redact line decides nothing */
	CHECK_EQ(filters_get_stats(f, st), 2);
	CHECK_STR(st[1].label, "/f:2");
	CHECK(st[1].redact && !st[0].redact);
	CHECK_EQ(st[1].redacted, 3); /* one a1 each: the PROCTITLE holds "x" */
	CHECK_EQ(st[1].main, FILTER_NO_RULE);
	for (unsigned o = 0; o < FILTER_OUTCOME_COUNT; o++)
		CHECK_EQ(st[1].n[o], 0);
	/* A reload keeps the count; the line, now a drop, is no redact line. */
	CHECK_EQ(filters_publish(f, set_of("/f", "drop key=noisy\ndrop key=x\nredact \"pw(\\d)\"\n")), 0);
	redacted_execve(f, 0, 6, body, sizeof(body));
	CHECK_STR(body, "argc=2 a0=\"x\" a1=\"--password=pw<redacted>\"");
	CHECK_EQ(filters_get_stats(f, st), 3);
	CHECK(!st[1].redact && st[2].redact);
	CHECK_EQ(st[1].redacted, 3);
	CHECK_EQ(st[2].redacted, 1);
}

/* Past FILTERS_ENTRIES - 1 lines, new lines share "other". */
TEST(table_is_bounded)
{
	struct filters *f = setup(1);
	static char text[FILTERS_ENTRIES * 24];
	size_t used = 0;

	for (unsigned i = 0; i < FILTERS_ENTRIES + 10; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "drop key=k%u\n", i);
	CHECK_EQ(filters_publish(f, set_of("/f", text)), 0);
	CHECK_EQ(decide(f, 0, "k0", 1), FILTER_DROP);
	CHECK_EQ(decide(f, 0, "k300", 2), FILTER_WRITE); /* no such rule */
	CHECK_EQ(decide(f, 0, "k260", 3), FILTER_DROP);
	CHECK_EQ(decide(f, 0, "k255", 4), FILTER_DROP);
	CHECK_EQ(filters_get_stats(f, st), FILTERS_ENTRIES);
	CHECK_STR(st[FILTERS_ENTRIES - 2].label, "/f:255");
	CHECK_STR(st[FILTERS_ENTRIES - 1].label, "other");
	CHECK_EQ(st[FILTERS_ENTRIES - 1].n[FILTER_DROPPED], 2);
	CHECK_EQ(st[0].n[FILTER_DROPPED], 1);
}

/* A label a Prometheus value can hold: '"' and '\' of a path become '_'. */
TEST(label_is_safe)
{
	struct filters *f = setup(1);

	CHECK_EQ(filters_publish(f, set_of("/a\"b\\c", "drop key=x\n")), 0);
	CHECK_EQ(filters_get_stats(f, st), 1);
	CHECK_STR(st[0].label, "/a_b_c:1");
}

/* A decoder thread deciding while the main thread publishes set after
 * set (TSan's case: the pointer, the labels, the counters, the frees
 * after the grace period). Every set drops key=x on line 1, so every
 * decision is a drop, and the counter of line 1 is their number. */
struct decider {
	struct filters *f;
	atomic_bool stop;
	unsigned decided;
};

static struct format_ctx thread_ctx;

static void *decide_loop(void *arg)
{
	struct decider *dc = arg;
	struct assemble_config cfg = { .log_input = true };
	const char *line = "type=SYSCALL msg=audit(1700000000.001:1): arch=c000003e syscall=257 "
			   "success=no exit=-2 items=0 ppid=1 pid=7 auid=0 uid=0 euid=0 comm=\"t\" "
			   "exe=\"/bin/t\" key=\"x\"";
	size_t len = strlen(line);
	struct audit_record rec;

	rcu_register_thread();
	while (!atomic_load(&dc->stop) || dc->decided < 1000) {
		struct assembler *a = assembler_new(&cfg);
		struct audit_event *ev;

		if (!a || decode_record_line(line, len, NULL, 0, &rec) != RECORD_OK)
			break;
		assembler_add(a, rec.type, &rec.stamp, rec.node, rec.node_len, rec.body,
			      len - (size_t)(rec.body - line), 0);
		assembler_flush(a);
		if ((ev = assembler_pop(a))) {
			rcu_read_lock();
			if (filters_decide(dc->f, 1, &thread_ctx, ev) == FILTER_DROP)
				dc->decided++;
			rcu_read_unlock();
			assembler_done(a, ev);
		}
		assembler_free(a);
	}
	rcu_unregister_thread();
	format_ctx_free(&thread_ctx);
	return NULL;
}

TEST(publish_while_deciding)
{
	struct decider dc = { .f = setup(2) };
	pthread_t t;

	CHECK_EQ(filters_publish(dc.f, set_of("/f", "drop key=x\n")), 0);
	CHECK_EQ(pthread_create(&t, NULL, decide_loop, &dc), 0);
	for (unsigned i = 0; i < 50; i++)
		CHECK_EQ(filters_publish(dc.f, set_of("/f", i % 2 ? "drop key=x\n" : "drop key=x\ndrop\n")),
			 0);
	atomic_store(&dc.stop, true);
	pthread_join(t, NULL);
	CHECK(dc.decided >= 1000);
	CHECK_EQ(filters_get_stats(dc.f, st), 2);
	CHECK_EQ(st[0].n[FILTER_DROPPED], dc.decided);
	CHECK_EQ(st[1].n[FILTER_DROPPED], 0);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(counted_per_rule_summed_over_decoders),
				  CASE(reload_never_goes_back), CASE(table_is_bounded),
				  CASE(label_is_safe), CASE(publish_while_deciding),
				  CASE(redacted_values_by_line)));
}
