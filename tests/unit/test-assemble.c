/* SPDX-License-Identifier: MIT */
#include "assemble.h"
#include "harness.h"

#include <errno.h>
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

/* Adds a record and returns what assembler_add() said. */
static int add_ret(struct assembler *a, unsigned type, uint32_t serial, uint64_t now)
{
	struct audit_stamp st = { .sec = 100, .msec = 5, .serial = serial };

	return assembler_add(a, type, &st, NULL, 0, "r", 1, now);
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
	/* The first PROCTITLE waits: is this a log with EOE records? */
	CHECK(assembler_pop(a) == NULL);
	add(a, AUDIT_SYSCALL, 10, "s", 0);
	for (uint32_t serial = 100; serial < 114; serial++)
		add(a, AUDIT_USER_LOGIN, serial, "u", 0);
	for (uint32_t serial = 100; serial < 114; serial++) {
		ev = assembler_pop(a);
		CHECK(ev != NULL && ev->stamp.serial == serial);
		assembler_done(a, ev);
	}
	CHECK(assembler_pop(a) == NULL);
	/* The 16th record of other events and still no EOE: no EOE in this log. */
	add(a, AUDIT_USER_LOGIN, 114, "u", 0);
	ev = assembler_pop(a);
	CHECK(ev != NULL);
	CHECK_EQ(ev->stamp.serial, 9);
	CHECK_EQ(ev->nrecords, 2);
	CHECK(!ev->saw_eoe);
	CHECK(!ev->partial);
	CHECK_EQ(ev->end, EVENT_END_RULE);
	assembler_done(a, ev);
	ev = assembler_pop(a);
	CHECK(ev != NULL && ev->stamp.serial == 114);
	assembler_done(a, ev);
	/* From now on PROCTITLE ends an event at once. */
	add(a, AUDIT_PROCTITLE, 10, "t", 0);
	ev = assembler_pop(a);
	CHECK(ev != NULL);
	CHECK_EQ(ev->stamp.serial, 10);
	assembler_done(a, ev);
	/* A log event with no end marker is taken as whole at the end. */
	add(a, AUDIT_SYSCALL, 11, "s", 0);
	assembler_flush(a);
	ev = assembler_pop(a);
	CHECK_EQ(ev->end, EVENT_END_FLUSH);
	CHECK(!ev->partial);
	assembler_done(a, ev);
}

/* A log that records the kernel's stream (EOE kept): the EOE ends an event,
 * and the order of its other records does not matter (issue 11: PROCTITLE
 * before PATH and SYSCALL made two events of one id). */
TEST(log_with_eoe_any_order)
{
	struct assembler *a = new_assembler(16, 1000, true);
	struct assemble_stats st;
	struct audit_event *ev;

	for (uint32_t serial = 1; serial <= 3; serial++) {
		add(a, AUDIT_PROCTITLE, serial, "t", 0);
		add(a, AUDIT_PATH, serial, "p", 0);
		add(a, AUDIT_CWD, serial, "c", 0);
		add(a, AUDIT_SYSCALL, serial, "s", 0);
		CHECK(assembler_pop(a) == NULL);
		add(a, AUDIT_EOE, serial, "", 0);
		ev = assembler_pop(a);
		CHECK(ev != NULL);
		CHECK_EQ(ev->stamp.serial, serial);
		CHECK_EQ(ev->nrecords, 4);
		CHECK(ev->saw_eoe);
		CHECK(!ev->partial);
		assembler_done(a, ev);
		CHECK(assembler_pop(a) == NULL);
	}
	assembler_get_stats(a, &st);
	CHECK_EQ(st.events, 3);
	CHECK_EQ(st.orphan_eoe, 0);
	CHECK_EQ(st.late_dropped, 0);
}

/* An id is never handed out twice: a record of an event already ended is
 * dropped and counted, and its EOE is an orphan. */
TEST(no_id_twice)
{
	struct assembler *a = new_assembler(16, 1000, false);
	struct assemble_stats st;
	struct audit_event *ev;

	add(a, AUDIT_SYSCALL, 1, "s", 0);
	assembler_tick(a, 1000);
	ev = assembler_pop(a);
	CHECK(ev != NULL && ev->end == EVENT_END_TIMEOUT);
	assembler_done(a, ev);
	CHECK_EQ(add_ret(a, AUDIT_PATH, 1, 1001), -EEXIST);
	CHECK_EQ(add_ret(a, AUDIT_EOE, 1, 1001), 0); /* nothing lost: an orphan */
	assembler_flush(a);
	CHECK(assembler_pop(a) == NULL);
	assembler_get_stats(a, &st);
	CHECK_EQ(st.late_dropped, 1);
	CHECK_EQ(st.orphan_eoe, 1);
	CHECK_EQ(st.open, 0);
	/* A log that repeats an event: the second copy is dropped too. */
	a = new_assembler(16, 1000, true);
	for (int copy = 0; copy < 2; copy++) {
		int want = copy ? -EEXIST : 0;

		CHECK_EQ(add_ret(a, AUDIT_USER_LOGIN, 7, 0), want);
		CHECK_EQ(add_ret(a, AUDIT_SYSCALL, 8, 0), want);
		CHECK_EQ(add_ret(a, AUDIT_PROCTITLE, 8, 0), want);
		CHECK_EQ(add_ret(a, AUDIT_EOE, 8, 0), 0);
	}
	assembler_flush(a);
	for (uint32_t want = 7; want <= 8; want++) {
		ev = assembler_pop(a);
		CHECK(ev != NULL);
		CHECK_EQ(ev->stamp.serial, want);
		assembler_done(a, ev);
	}
	CHECK(assembler_pop(a) == NULL);
	assembler_get_stats(a, &st);
	CHECK_EQ(st.late_dropped, 3);
	CHECK_EQ(st.orphan_eoe, 1);
}

/* The EOE first (records reordered), without holding: the event opens at
 * the EOE, its records join, and the timeout after the EOE ends it whole. */
TEST(eoe_first_opens_the_event)
{
	struct assembler *a = new_assembler(16, 1000, false);
	struct audit_event *ev;

	add(a, AUDIT_EOE, 5, "", 100);
	add(a, AUDIT_SYSCALL, 5, "s", 100);
	add(a, AUDIT_PATH, 5, "p", 200);
	assembler_tick(a, 1099);
	CHECK(assembler_pop(a) == NULL);
	assembler_tick(a, 1100);
	ev = assembler_pop(a);
	CHECK(ev != NULL);
	CHECK_EQ(ev->nrecords, 2);
	CHECK_EQ(ev->end, EVENT_END_RULE);
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
	assembler_flush(a);
	ev = assembler_pop(a);
	CHECK(ev != NULL);
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

static uint64_t xorshift(uint64_t *r)
{
	*r ^= *r << 13;
	*r ^= *r >> 7;
	*r ^= *r << 17;
	return *r;
}

/* Records of each event in a random order (EOE last, or anywhere when the
 * assembler holds events after their EOE), events interleaved: every event
 * comes out once, with all its records. Log input (the log's first event
 * alone, so the EOE is seen first), live input, and live with holding. */
static void shuffled_events(bool log_input, bool hold)
{
	enum { EVENTS = 4000, PER = 5, INFLIGHT = 24 };
	static const unsigned types[PER - 1] = { AUDIT_SYSCALL, AUDIT_CWD, AUDIT_PATH,
						 AUDIT_PROCTITLE };
	struct assemble_config cfg = { .max_open = 256, .timeout_ms = 1u << 30,
				       .log_input = log_input, .hold_after_eoe = hold };
	struct assembler *a = assembler_new(&cfg);
	unsigned (*order)[PER] = calloc(EVENTS, sizeof(*order));
	unsigned char *sent = calloc(EVENTS, 1), *seen = calloc(EVENTS, 1);
	uint64_t rnd = 0x9e3779b97f4a7c15ull ^ (log_input * 2 + hold);
	uint32_t next = 0, done = 0;
	struct audit_event *ev;
	struct assemble_stats st;

	CHECK(a && order && sent && seen);
	harness_defer((void (*)(void *))assembler_free, a);
	harness_defer(free, order);
	harness_defer(free, sent);
	harness_defer(free, seen);
	/* Holding: never released, so an EOE anywhere waits for the rest. */
	assembler_set_round(a, 1);
	for (unsigned e = 0; e < EVENTS; e++) {
		unsigned n = hold ? PER : PER - 1;

		for (unsigned k = 0; k < PER - 1; k++)
			order[e][k] = types[k];
		order[e][PER - 1] = AUDIT_EOE;
		for (unsigned k = n - 1; k > 0; k--) { /* Fisher-Yates */
			unsigned j = (unsigned)(xorshift(&rnd) % (k + 1)), t = order[e][k];

			order[e][k] = order[e][j];
			order[e][j] = t;
		}
	}
	next = 1;
	while (done < EVENTS) {
		/* Log input: the first event alone, so the log shows its EOE. */
		bool first_alone = log_input && sent[0] < PER;
		uint32_t pick;

		if (next < EVENTS && next - done < INFLIGHT && !first_alone)
			next++;
		pick = first_alone ? 0 : done + (uint32_t)(xorshift(&rnd) >> 20) % (next - done);
		while (sent[pick] == PER)
			pick = pick + 1 < next ? pick + 1 : done;
		add(a, order[pick][sent[pick]], pick + 1, "r", 0);
		sent[pick]++;
		while ((ev = assembler_pop(a))) {
			if (ev->nrecords != PER - 1)
				FAIL("log %d hold %d: event %u came out with %u records", log_input,
				     hold, ev->stamp.serial, ev->nrecords);
			seen[ev->stamp.serial - 1]++;
			assembler_done(a, ev);
		}
		while (done < next && sent[done] == PER)
			done++;
	}
	assembler_flush(a);
	while ((ev = assembler_pop(a))) {
		CHECK_EQ(ev->nrecords, PER - 1);
		seen[ev->stamp.serial - 1]++;
		assembler_done(a, ev);
	}
	for (unsigned e = 0; e < EVENTS; e++)
		if (seen[e] != 1)
			FAIL("event %u came out %u times", e + 1, seen[e]);
	assembler_get_stats(a, &st);
	CHECK_EQ(st.late_dropped, 0);
	CHECK_EQ(st.orphan_eoe, 0);
	CHECK_EQ(st.open, 0);
}

TEST(shuffled_events_come_out_once)
{
	shuffled_events(true, false);
	shuffled_events(false, false);
	shuffled_events(false, true);
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
				  CASE(log_with_eoe_any_order), CASE(no_id_twice),
				  CASE(eoe_first_opens_the_event), CASE(shuffled_events_come_out_once),
				  CASE(timeout_makes_partial), CASE(timeout_changes_live),
				  CASE(eviction_bounds_memory),
				  CASE(event_bytes_are_capped), CASE(nodes_keep_events_apart),
				  CASE(held_after_eoe_takes_stragglers),
				  CASE(random_interleaving_many_events), CASE(open_serials_are_listed),
				  CASE(caller_ends_an_event)));
}
