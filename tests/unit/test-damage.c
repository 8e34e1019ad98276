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
	CHECK(damage_note(dm, 42));  /* first dropped record: a new damaged event */
	CHECK(!damage_note(dm, 42)); /* its later records: the same event */
	CHECK(damage_has(dm, 42));
	CHECK(!damage_has(dm, 43));
	CHECK(!damage_take(dm, 43));
	CHECK(damage_take(dm, 42));
	CHECK(!damage_take(dm, 42)); /* the decoder accounts for it once */
	CHECK(!damage_has(dm, 42));
	free(dm);
}

TEST(serial_zero_is_never_noted)
{
	struct damage *dm = damage_new(1);

	/* Records without a stamp are each their own event. */
	CHECK(damage_note(dm, 0));
	CHECK(damage_note(dm, 0));
	CHECK(!damage_has(dm, 0));
	CHECK(!damage_take(dm, 0));
	free(dm);
}

TEST(a_later_serial_overwrites_only_the_attribution)
{
	struct damage *dm = damage_new(4);
	uint32_t a = 5, b = 5 + 4 * DAMAGE_SLOTS; /* same class, same slot */

	CHECK(damage_note(dm, a));
	CHECK(damage_note(dm, b));
	/* a is forgotten: no later record of b is dropped for a's sake,
	 * and a's gap would be charged to the socket. */
	CHECK(!damage_has(dm, a));
	CHECK(damage_has(dm, b));
	CHECK(!damage_take(dm, a));
	CHECK(damage_take(dm, b));
	/* Neighbours in the class use their own slots. */
	CHECK(damage_note(dm, 9));
	CHECK(damage_note(dm, 13));
	CHECK(damage_has(dm, 9) && damage_has(dm, 13));
	free(dm);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(an_event_is_counted_once_and_taken_once),
				  CASE(serial_zero_is_never_noted),
				  CASE(a_later_serial_overwrites_only_the_attribution)));
}
