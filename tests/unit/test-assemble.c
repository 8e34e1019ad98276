/* SPDX-License-Identifier: MIT */
#include "assemble.h"
#include "harness.h"

#include <libaudit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct assembler *new_assembler(unsigned max_open, uint64_t timeout, bool proctitle)
{
	struct assemble_config cfg = { .max_open = max_open, .timeout_ms = timeout,
				       .log_input = proctitle };
	struct assembler *a = assembler_new(&cfg);

	CHECK(a != NULL);
	harness_defer((void (*)(void *))assembler_free, a);
	return a;
}

static void add(struct assembler *a, unsigned type, uint32_t serial, const char *body,
		uint64_t now)
{
	struct audit_stamp st = { .sec = 100, .msec = 5, .serial = serial };

	CHECK_EQ(assembler_add(a, type, &st, NULL, 0, body, strlen(body), now), 0);
}

static bool body_is(const struct audit_event *ev, unsigned i, const char *body)
{
	return ev->records[i].len == strlen(body) &&
	       memcmp(ev->text + ev->records[i].offset, body, strlen(body)) == 0;
}

TEST(interleaved_events_end_at_eoe)
{
	struct assembler *a = new_assembler(16, 1000, false);
	struct audit_event *ev;

	add(a, AUDIT_SYSCALL, 1, "s1", 0);
	add(a, AUDIT_SYSCALL, 2, "s2", 0);
	add(a, AUDIT_PATH, 1, "p1", 0);
	add(a, AUDIT_PROCTITLE, 2, "t2", 0); /* live: PROCTITLE does not end */
	CHECK(assembler_pop(a) == NULL);
	add(a, AUDIT_EOE, 2, "", 0);
	ev = assembler_pop(a);
	CHECK(ev != NULL);
	CHECK_EQ(ev->stamp.serial, 2);
	CHECK_EQ(ev->nrecords, 2);
	CHECK(body_is(ev, 0, "s2") && body_is(ev, 1, "t2"));
	CHECK_EQ(ev->end, EVENT_END_RULE);
	CHECK(ev->saw_eoe);
	assembler_done(a, ev);
	add(a, AUDIT_EOE, 1, "", 0);
	ev = assembler_pop(a);
	CHECK_EQ(ev->stamp.serial, 1);
	CHECK(body_is(ev, 1, "p1"));
	assembler_done(a, ev);
}

TEST(out_of_order_records_stay_together)
{
	struct assembler *a = new_assembler(16, 1000, false);
	struct audit_event *ev;

	/* Two listener threads can hand over PATH before SYSCALL. */
	add(a, AUDIT_PATH, 7, "path", 0);
	add(a, AUDIT_CWD, 7, "cwd", 0);
	add(a, AUDIT_SYSCALL, 7, "sys", 0);
	add(a, AUDIT_EOE, 7, "", 0);
	ev = assembler_pop(a);
	CHECK_EQ(ev->nrecords, 3);
	CHECK_EQ(ev->records[2].type, AUDIT_SYSCALL);
	assembler_done(a, ev);
}

TEST(single_record_types_end_at_once)
{
	struct assembler *a = new_assembler(16, 1000, false);
	struct audit_event *ev;

	add(a, AUDIT_USER_LOGIN, 3, "login", 0);
	add(a, AUDIT_DAEMON_START, 4, "daemon", 0);
	add(a, AUDIT_ANOM_LOGIN_FAILURES, 5, "anom", 0);
	for (uint32_t want = 3; want <= 5; want++) {
		ev = assembler_pop(a);
		CHECK(ev != NULL);
		CHECK_EQ(ev->stamp.serial, want);
		CHECK_EQ(ev->nrecords, 1);
		assembler_done(a, ev);
	}
	CHECK(assemble_is_single_record(AUDIT_USER));
	CHECK(!assemble_is_single_record(AUDIT_SYSCALL));
	CHECK(!assemble_is_single_record(AUDIT_AVC));
	CHECK(!assemble_is_single_record(AUDIT_LOGIN));
}

TEST(log_input_ends_at_proctitle)
{
	struct assembler *a = new_assembler(16, 1000, true);
	struct audit_event *ev;

	add(a, AUDIT_SYSCALL, 9, "s", 0);
	add(a, AUDIT_PROCTITLE, 9, "t", 0);
	ev = assembler_pop(a);
	CHECK(ev != NULL);
	CHECK_EQ(ev->nrecords, 2);
	CHECK(!ev->saw_eoe);
	CHECK(!ev->partial);
	assembler_done(a, ev);
	/* A log event with no end marker is taken as whole at the end. */
	add(a, AUDIT_SYSCALL, 10, "s", 0);
	assembler_flush(a);
	ev = assembler_pop(a);
	CHECK_EQ(ev->end, EVENT_END_FLUSH);
	CHECK(!ev->partial);
	assembler_done(a, ev);
}

TEST(timeout_makes_partial)
{
	struct assembler *a = new_assembler(16, 1000, false);
	struct assemble_stats st;
	struct audit_event *ev;

	add(a, AUDIT_SYSCALL, 1, "s", 0);
	assembler_tick(a, 999);
	CHECK(assembler_pop(a) == NULL);
	assembler_tick(a, 1000);
	ev = assembler_pop(a);
	CHECK(ev != NULL);
	CHECK_EQ(ev->end, EVENT_END_TIMEOUT);
	CHECK(ev->partial); /* live input: no EOE seen */
	assembler_done(a, ev);
	assembler_get_stats(a, &st);
	CHECK_EQ(st.partial_timeout, 1);
	CHECK_EQ(st.open, 0);
}

/* SIGHUP's event_timeout: a running assembler ends open events by the
 * new timeout from the next tick on. */
TEST(timeout_changes_live)
{
	struct assembler *a = new_assembler(16, 2000, false);
	struct audit_event *ev;

	add(a, AUDIT_SYSCALL, 1, "s", 0);
	assembler_tick(a, 600);
	CHECK(assembler_pop(a) == NULL);
	assembler_set_timeout(a, 500);
	assembler_tick(a, 600);
	ev = assembler_pop(a);
	CHECK(ev != NULL);
	CHECK_EQ(ev->end, EVENT_END_TIMEOUT);
	assembler_done(a, ev);
	/* And longer again. */
	assembler_set_timeout(a, 5000);
	add(a, AUDIT_SYSCALL, 2, "s", 1000);
	assembler_tick(a, 5999);
	CHECK(assembler_pop(a) == NULL);
	assembler_tick(a, 6000);
	CHECK((ev = assembler_pop(a)) != NULL);
	assembler_done(a, ev);
}

TEST(eviction_bounds_memory)
{
	struct assembler *a = new_assembler(4, 100000, false);
	struct assemble_stats st;
	struct audit_event *ev;

	for (uint32_t i = 1; i <= 10; i++)
		add(a, AUDIT_SYSCALL, i, "s", 0);
	assembler_get_stats(a, &st);
	CHECK_EQ(st.open, 4);
	CHECK_EQ(st.partial_evicted, 6);
	for (uint32_t want = 1; want <= 6; want++) {
		ev = assembler_pop(a);
		CHECK_EQ(ev->stamp.serial, want); /* oldest first */
		CHECK_EQ(ev->end, EVENT_END_EVICTED);
		CHECK(ev->partial);
		assembler_done(a, ev);
	}
	assembler_flush(a);
	for (uint32_t want = 7; want <= 10; want++) {
		ev = assembler_pop(a);
		CHECK_EQ(ev->stamp.serial, want);
		CHECK_EQ(ev->end, EVENT_END_FLUSH);
		assembler_done(a, ev);
	}
}

TEST(event_bytes_are_capped)
{
	struct assemble_config cfg = { .max_event_bytes = 10 };
	struct assembler *a = assembler_new(&cfg);
	struct audit_stamp st = { .serial = 1 };
	struct assemble_stats s;
	struct audit_event *ev;

	harness_defer((void (*)(void *))assembler_free, a);
	CHECK_EQ(assembler_add(a, AUDIT_SYSCALL, &st, NULL, 0, "123456", 6, 0), 0);
	CHECK_EQ(assembler_add(a, AUDIT_PATH, &st, NULL, 0, "123456", 6, 0), 0);
	CHECK_EQ(assembler_add(a, AUDIT_EOE, &st, NULL, 0, "", 0, 0), 0);
	ev = assembler_pop(a);
	CHECK_EQ(ev->nrecords, 1);
	CHECK(ev->truncated);
	assembler_done(a, ev);
	assembler_get_stats(a, &s);
	CHECK_EQ(s.dropped_records, 1);
}

TEST(nodes_keep_events_apart)
{
	struct assembler *a = new_assembler(16, 1000, true);
	struct audit_stamp st = { .sec = 1, .serial = 5 };
	struct audit_event *ev;

	CHECK_EQ(assembler_add(a, AUDIT_SYSCALL, &st, "a", 1, "x", 1, 0), 0);
	CHECK_EQ(assembler_add(a, AUDIT_SYSCALL, &st, "b", 1, "y", 1, 0), 0);
	CHECK_EQ(assembler_add(a, AUDIT_PROCTITLE, &st, "a", 1, "t", 1, 0), 0);
	ev = assembler_pop(a);
	CHECK_EQ(ev->node_len, 1);
	CHECK_EQ(ev->node[0], 'a');
	CHECK_EQ(ev->nrecords, 2);
	assembler_done(a, ev);
}

TEST(held_after_eoe_takes_stragglers)
{
	struct assemble_config cfg = { .hold_after_eoe = true, .timeout_ms = 1000 };
	struct assembler *a = assembler_new(&cfg);
	struct assemble_stats st;
	struct audit_event *ev;

	harness_defer((void (*)(void *))assembler_free, a);
	assembler_set_round(a, 5);
	add(a, AUDIT_SYSCALL, 1, "s", 100);
	add(a, AUDIT_EOE, 1, "", 100);
	assembler_set_round(a, 6);
	add(a, AUDIT_PATH, 1, "late path", 110); /* a second listener was slower */
	assembler_release(a, 4);
	CHECK(assembler_pop(a) == NULL);
	assembler_release(a, 5);
	ev = assembler_pop(a);
	CHECK(ev != NULL);
	CHECK_EQ(ev->nrecords, 2);
	CHECK_EQ(ev->end, EVENT_END_RULE);
	CHECK(!ev->partial);
	assembler_done(a, ev);
	assembler_get_stats(a, &st);
	CHECK_EQ(st.late_records, 1);
	CHECK_EQ(st.events, 1);
	/* Never released: the timeout after the EOE ends it all the same. */
	add(a, AUDIT_SYSCALL, 2, "s", 200);
	add(a, AUDIT_EOE, 2, "", 200);
	assembler_tick(a, 1199);
	CHECK(assembler_pop(a) == NULL);
	assembler_tick(a, 1200);
	ev = assembler_pop(a);
	CHECK(ev != NULL && ev->end == EVENT_END_RULE);
	assembler_done(a, ev);
}


/* What a kill would lose from the assembler: the open and held events. */
TEST(open_serials_are_listed)
{
	struct assemble_config cfg = { .hold_after_eoe = true, .timeout_ms = 1000 };
	struct assembler *a = assembler_new(&cfg);
	struct audit_event *ev;
	uint32_t got[4] = { 0 };

	harness_defer((void (*)(void *))assembler_free, a);
	add(a, AUDIT_SYSCALL, 7, "s", 0);
	add(a, AUDIT_SYSCALL, 9, "s", 0);
	add(a, AUDIT_EOE, 9, "", 0);       /* held after its EOE: still open */
	add(a, AUDIT_SYSCALL, 11, "s", 0);
	add(a, AUDIT_USER, 12, "u", 0);    /* ended at once: not open */
	CHECK_EQ(assembler_open_serials(a, got, 4), 3);
	CHECK_EQ(got[0], 7);
	CHECK_EQ(got[1], 11);
	CHECK_EQ(got[2], 9);
	CHECK_EQ(assembler_open_serials(a, got, 1), 3); /* counts past max */
	ev = assembler_pop(a);
	CHECK(ev != NULL && ev->stamp.serial == 12);
	assembler_done(a, ev);
	assembler_flush(a);
	CHECK_EQ(assembler_open_serials(a, got, 4), 0);
}


/* A record the caller knows stands alone ends at once, whole. */
TEST(caller_ends_an_event)
{
	struct assembler *a = new_assembler(16, 1000, false);
	struct audit_stamp st = { .sec = 100, .msec = 5, .serial = 3 };
	struct audit_event *ev;

	add(a, AUDIT_CONFIG_CHANGE, 3, "op=set audit_pid=0 old=42", 0);
	CHECK(assembler_pop(a) == NULL); /* not by its type */
	CHECK(assembler_end(a, &st, NULL, 0));
	ev = assembler_pop(a);
	CHECK(ev != NULL && ev->stamp.serial == 3 && !ev->partial && ev->end == EVENT_END_RULE);
	assembler_done(a, ev);
	CHECK(!assembler_end(a, &st, NULL, 0));
}

/* Random interleaving of many events through a small table: every event
 * comes out whole, exactly once; exercises the hash table's deletions. */
TEST(random_interleaving_many_events)
{
	struct assembler *a = new_assembler(64, 1u << 30, false);
	enum { EVENTS = 20000, PER = 4 };
	unsigned char *left = calloc(EVENTS, 1);
	unsigned *seen = calloc(EVENTS, sizeof(unsigned));
	uint64_t rnd = 88172645463325252ull;
	uint32_t next = 0, done = 0;
	struct audit_event *ev;
	struct assemble_stats st;

	CHECK(left && seen);
	harness_defer(free, left);
	harness_defer(free, seen);
	while (done < EVENTS) {
		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		/* Keep up to 48 events in flight; add a record to a random one. */
		if (next < EVENTS && (next - done < 48 || rnd % 3 == 0) && next - done < 60) {
			left[next] = PER;
			next++;
		}
		uint32_t pick = done + (uint32_t)(rnd >> 20) % (next - done);
		while (left[pick] == 0)
			pick = pick + 1 < next ? pick + 1 : done;
		char body[32];
		snprintf(body, sizeof(body), "e%u r%u", pick, PER - left[pick]);
		add(a, --left[pick] ? AUDIT_PATH : AUDIT_EOE, pick + 1, body, 0);
		while ((ev = assembler_pop(a))) {
			CHECK_EQ(ev->end, EVENT_END_RULE);
			CHECK_EQ(ev->nrecords, PER - 1);
			seen[ev->stamp.serial - 1]++;
			assembler_done(a, ev);
		}
		while (done < next && left[done] == 0)
			done++;
	}
	for (unsigned i = 0; i < EVENTS; i++)
		if (seen[i] != 1)
			FAIL("event %u came out %u times", i + 1, seen[i]);
	assembler_get_stats(a, &st);
	CHECK_EQ(st.events, EVENTS);
	CHECK_EQ(st.open, 0);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(interleaved_events_end_at_eoe),
				  CASE(out_of_order_records_stay_together),
				  CASE(single_record_types_end_at_once), CASE(log_input_ends_at_proctitle),
				  CASE(timeout_makes_partial), CASE(timeout_changes_live),
				  CASE(eviction_bounds_memory),
				  CASE(event_bytes_are_capped), CASE(nodes_keep_events_apart),
				  CASE(held_after_eoe_takes_stragglers),
				  CASE(random_interleaving_many_events), CASE(open_serials_are_listed),
				  CASE(caller_ends_an_event)));
}
