/* SPDX-License-Identifier: MIT */
/*
 * needle-bench's accounting (bench/account.h, bench/tally.h): the bounds
 * on events no counter explains, and that a run whose numbers do not
 * reconcile is found so, including runs the old formula (generated -
 * delivered - kernel's lost records - counted, at least 0) passed.
 */
#include "account.h"
#include "harness.h"
#include "tally.h"

static struct account run(uint64_t generated, uint64_t delivered, uint64_t short_records,
			  uint64_t kernel_lost, uint64_t daemon_lost, uint64_t daemon_lost_records)
{
	struct account a;

	account_reconcile(&(struct account_in){ generated, delivered, short_records, kernel_lost,
						daemon_lost, daemon_lost_records },
			  &a);
	return a;
}

TEST(everything_delivered_reconciles)
{
	struct account a = run(4000, 4000, 0, 0, 0, 0);

	CHECK(a.reconciled);
	CHECK_EQ(a.missing, 0);
	CHECK_EQ(a.unexplained_min, 0);
	CHECK_EQ(a.unexplained_max, 0);
}

TEST(kernel_refusals_explain_missing_events)
{
	/* As test-kernel-loss measured: 19,812 events missing, 166 records
	 * missing from events that arrived, the kernel's delta 19,978. */
	struct account a = run(20000, 188, 166, 19978, 0, 0);

	CHECK(a.reconciled);
	CHECK_EQ(a.missing, 19812);
	CHECK_EQ(a.kernel_events_max, 19812);
	CHECK_EQ(a.unexplained_min, 0);
	CHECK_EQ(a.unexplained_max, 19812);
}

TEST(records_counted_twice_do_not_hide_a_loss)
{
	/* The kernel lost 500 records, all from events that arrived (500
	 * records short); 100 events are missing and nobody counted them. The
	 * old formula said 1000 - 900 - 500 < 0: nothing unexplained. */
	struct account a = run(1000, 900, 500, 500, 0, 0);

	CHECK(!a.reconciled);
	CHECK_EQ(a.kernel_events_max, 0);
	CHECK_EQ(a.unexplained_min, 100);
	CHECK_EQ(a.unexplained_max, 100);
}

TEST(a_silent_loss_beside_kernel_loss_shows)
{
	/* 300 missing, the kernel refused 250 records of which 50 from
	 * delivered events: at most 200 events are the kernel's. */
	struct account a = run(1000, 700, 50, 250, 0, 0);

	CHECK(!a.reconciled);
	CHECK_EQ(a.kernel_events_max, 200);
	CHECK_EQ(a.unexplained_min, 100);
	CHECK_EQ(a.unexplained_max, 300);
	/* The daemon's own count of 100 lost events closes it. */
	a = run(1000, 700, 50, 250, 100, 0);
	CHECK(a.reconciled);
	CHECK_EQ(a.unexplained_max, 200);
}

TEST(records_missing_without_a_counter_show)
{
	struct account a = run(1000, 1000, 10, 0, 0, 0);

	CHECK(!a.reconciled);
	CHECK_EQ(a.records_unexplained, 10);
	/* The daemon's dropped records explain them. */
	a = run(1000, 1000, 10, 0, 0, 10);
	CHECK(a.reconciled);
}

TEST(tally_counts_events_of_the_load_and_their_short_records)
{
	struct tally *t = tally_new();
	struct tally_result r;

	CHECK(t != NULL);
	/* Serial 10: openat (257), 4 records, whole; 11: openat short of 1;
	 * 12: connect (42), 3 records; 13: not the load's (no keyed SYSCALL). */
	CHECK(tally_add(t, 10, 1, true, 257));
	CHECK(tally_add(t, 10, 3, false, -1));
	CHECK(tally_add(t, 11, 1, false, -1)); /* a record before its SYSCALL */
	CHECK(tally_add(t, 11, 1, true, 257));
	CHECK(tally_add(t, 11, 1, false, -1));
	CHECK(tally_add(t, 12, 3, true, 42));
	CHECK(tally_add(t, 13, 5, false, -1));
	CHECK(tally_add(t, 0, 1, true, 257)); /* no serial: ignored */
	/* Many serials: the table grows and keeps them. */
	for (uint32_t s = 1000; s < 200000; s++)
		CHECK(tally_add(t, s, 2, false, -1));
	tally_result(t, &r);
	tally_free(t);
	CHECK_EQ(r.events, 3);
	CHECK_EQ(r.records, 4 + 3 + 3);
	CHECK_EQ(r.short_records, 1);
	CHECK_EQ(r.short_events, 1);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(everything_delivered_reconciles),
				  CASE(kernel_refusals_explain_missing_events),
				  CASE(records_counted_twice_do_not_hide_a_loss),
				  CASE(a_silent_loss_beside_kernel_loss_shows),
				  CASE(records_missing_without_a_counter_show),
				  CASE(tally_counts_events_of_the_load_and_their_short_records)));
}
