/* SPDX-License-Identifier: MIT */
/*
 * The harness's own promise about skips: a program whose cases all skip
 * prints each as "ok N - case # SKIP why" and exits 0, which meson's TAP
 * protocol reports as SKIP (exit 77 would be an error there); one failed
 * case among skips still exits 1. The program runs itself with
 * NEEDLE_HARNESS_SELF set to play each part.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

TEST(skips_a)
{
	SKIP("not root");
}

TEST(skips_b)
{
	SKIP("tool missing");
}

TEST(fails)
{
	CHECK_EQ(1, 2);
}

static char self[4096];

/* Runs this program as part; its exit status and output. */
static int run_self(const char *part, char *out, size_t size)
{
	char cmd[4200];
	FILE *p;
	size_t n;
	int status;

	snprintf(cmd, sizeof(cmd), "NEEDLE_HARNESS_SELF=%s %s", part, self);
	p = popen(cmd, "r");
	CHECK(p != NULL);
	n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	status = pclose(p);
	CHECK(WIFEXITED(status));
	return WEXITSTATUS(status);
}

TEST(all_skipped_exits_0_with_skip_lines)
{
	char out[2048];

	CHECK_EQ(run_self("skip", out, sizeof(out)), 0);
	CHECK(strstr(out, "1..2\n") != NULL);
	CHECK(strstr(out, "ok 1 - skips_a # SKIP not root\n") != NULL);
	CHECK(strstr(out, "ok 2 - skips_b # SKIP tool missing\n") != NULL);
	CHECK(strstr(out, "not ok") == NULL);
}

TEST(a_failure_among_skips_exits_1)
{
	char out[2048];

	CHECK_EQ(run_self("fail", out, sizeof(out)), 1);
	CHECK(strstr(out, "not ok 2 - fails\n") != NULL);
}

int main(int argc, char **argv)
{
	const char *part = getenv("NEEDLE_HARNESS_SELF");

	if (part && strcmp(part, "skip") == 0)
		return harness_main(argc, argv, CASES(CASE(skips_a), CASE(skips_b)));
	if (part && strcmp(part, "fail") == 0)
		return harness_main(argc, argv, CASES(CASE(skips_a), CASE(fails)));
	if (!realpath("/proc/self/exe", self))
		return 1;
	return harness_main(argc, argv,
			    CASES(CASE(all_skipped_exits_0_with_skip_lines),
				  CASE(a_failure_among_skips_exits_1)));
}
