/* SPDX-License-Identifier: MIT */
#include "harness.h"
#include "stamp.h"

#include <errno.h>
#include <string.h>

static int parse(const char *text, struct audit_stamp *st)
{
	return decode_stamp(text, strlen(text), st);
}

TEST(stamp_kernel_record)
{
	struct audit_stamp st;
	const char *t = "audit(1764259200.123:4567): arch=c000003e syscall=257";

	CHECK_EQ(parse(t, &st), (int)strlen("audit(1764259200.123:4567): "));
	CHECK_EQ(st.sec, 1764259200);
	CHECK_EQ(st.msec, 123);
	CHECK_EQ(st.serial, 4567);
}

TEST(stamp_bounds)
{
	struct audit_stamp st;

	CHECK_EQ(parse("audit(0.000:0)", &st), 14);
	CHECK_EQ(st.serial, 0);
	CHECK(parse("audit(1.000:4294967295): x", &st) > 0);
	CHECK_EQ(st.serial, 4294967295u);
	CHECK_EQ(parse("audit(1.000:4294967296): x", &st), -EINVAL);
	CHECK_EQ(parse("audit(1.1000:1): x", &st), -EINVAL);
}

TEST(stamp_rejects_malformed)
{
	struct audit_stamp st = { .serial = 42 };
	const char *bad[] = {
		"", "audit", "audit(", "audit(1", "audit(1.", "audit(1.2", "audit(1.2:",
		"audit(1.2:3", "audit(.2:3):", "audit(1.:3):", "audit(1.2:):",
		"audit(1.2:3x):", "Audit(1.2:3):", "audit(-1.2:3):", "type=SYSCALL msg=audit(1.2:3):",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse(bad[i], &st) != -EINVAL)
			FAIL("accepted \"%s\"", bad[i]);
	CHECK_EQ(st.serial, 42); /* untouched on failure */
}

TEST(stamp_reads_no_further_than_len)
{
	struct audit_stamp st;
	char text[] = "audit(5.006:7): rest";

	/* Cut in the middle of the serial: the parser must not look past. */
	CHECK_EQ(decode_stamp(text, 12, &st), -EINVAL);
	CHECK_EQ(decode_stamp(text, 15, &st), 15);
	CHECK_EQ(st.serial, 7);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(stamp_kernel_record), CASE(stamp_bounds),
				  CASE(stamp_rejects_malformed), CASE(stamp_reads_no_further_than_len)));
}
