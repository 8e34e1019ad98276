/* SPDX-License-Identifier: MIT */
#include "damage.h"
#include "harness.h"

#include <stdlib.h>

static struct damage *damage_new(uint32_t step)
{
	struct damage *dm = calloc(1, sizeof(*dm));

	dm->step = step;
	return dm;
}

TEST(an_event_is_counted_once_and_taken_once)
{
	struct damage *dm = damage_new(1);

	CHECK(!damage_has(dm, 42));
	CHECK_EQ(damage_note(dm, 42), DAMAGE_WHOLE); /* nothing of it went in */
	CHECK_EQ(damage_note(dm, 42), DAMAGE_KNOWN); /* its later records */
	CHECK(damage_has(dm, 42));
	CHECK(!damage_has(dm, 43));
	CHECK(!damage_take(dm, 43));
	CHECK(damage_take(dm, 42));
	CHECK(!damage_take(dm, 42)); /* the decoder marks it once */
	CHECK(!damage_has(dm, 42));
	free(dm);
}

TEST(an_event_with_records_in_the_ring_is_cut)
{
	struct damage *dm = damage_new(1);

	damage_committed(dm, 7);
	damage_committed(dm, 8);
	CHECK_EQ(damage_note(dm, 8), DAMAGE_CUT);
	CHECK_EQ(damage_note(dm, 8), DAMAGE_KNOWN);
	CHECK_EQ(damage_note(dm, 9), DAMAGE_WHOLE);
	CHECK(!damage_has(dm, 7));
	free(dm);
}

TEST(serial_zero_is_never_noted)
{
	struct damage *dm = damage_new(1);

	/* Records without a stamp are each their own event. */
	damage_committed(dm, 0);
	CHECK_EQ(damage_note(dm, 0), DAMAGE_WHOLE);
	CHECK_EQ(damage_note(dm, 0), DAMAGE_WHOLE);
	CHECK(!damage_has(dm, 0));
	CHECK(!damage_take(dm, 0));
	free(dm);
}

TEST(a_later_serial_overwrites_a_note)
{
	struct damage *dm = damage_new(4);
	uint32_t a = 5, b = 5 + 4 * DAMAGE_SLOTS; /* same class, same slot */

	damage_committed(dm, a);
	CHECK_EQ(damage_note(dm, a), DAMAGE_CUT);
	CHECK_EQ(damage_note(dm, b), DAMAGE_WHOLE); /* a's commit is not b's */
	/* No later record of b is dropped for a's sake, nor of a for b's. */
	CHECK(!damage_has(dm, a));
	CHECK(damage_has(dm, b));
	CHECK(!damage_take(dm, a));
	CHECK(damage_take(dm, b));
	/* Neighbours in the class use their own slots. */
	CHECK_EQ(damage_note(dm, 9), DAMAGE_WHOLE);
	CHECK_EQ(damage_note(dm, 13), DAMAGE_WHOLE);
	CHECK(damage_has(dm, 9) && damage_has(dm, 13));
	free(dm);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(an_event_is_counted_once_and_taken_once),
				  CASE(an_event_with_records_in_the_ring_is_cut),
				  CASE(serial_zero_is_never_noted),
				  CASE(a_later_serial_overwrites_a_note)));
}
