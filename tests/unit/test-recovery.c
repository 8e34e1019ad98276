/* SPDX-License-Identifier: MIT */
#include "harness.h"
#include "recovery.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];
static char path[128];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "%s", harness_tempdir("recovery"));
	snprintf(path, sizeof(path), "%s/sub/kernel-state", dir);
}

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	fputs(text, f);
	fclose(f);
}

TEST(save_then_load_round_trips)
{
	struct audit_status s = { .enabled = 1, .failure = 1, .rate_limit = 0,
				  .backlog_limit = 64, .backlog_wait_time = 15000 }, got;
	pid_t pid = 0;
	char err[256];

	make_dir();
	CHECK_EQ(recovery_load(path, &pid, &got, err, sizeof(err)), -ENOENT);
	CHECK_EQ(recovery_save(path, 4242, &s), 0);
	CHECK_EQ(recovery_load(path, &pid, &got, err, sizeof(err)), 0);
	CHECK_EQ(pid, 4242);
	CHECK_EQ(got.enabled, 1);
	CHECK_EQ(got.backlog_limit, 64);
	CHECK_EQ(got.backlog_wait_time, 15000);
	CHECK_EQ(recovery_clear(path), 0);
	CHECK_EQ(recovery_clear(path), 0); /* already gone is fine */
	CHECK_EQ(access(path, F_OK), -1);
}

TEST(load_names_what_is_wrong)
{
	struct audit_status got;
	pid_t pid;
	char err[256], want[256];

	make_dir();
	CHECK_EQ(recovery_save(path, 1, &(struct audit_status){ 0 }), 0);
	write_file("pid 12\nenabled 1\nbogus 3\n");
	CHECK_EQ(recovery_load(path, &pid, &got, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:3: unknown field 'bogus'", path);
	CHECK_STR(err, want);
	write_file("pid 12\nenabled one\n");
	CHECK_EQ(recovery_load(path, &pid, &got, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:2: expected 'name number'", path);
	CHECK_STR(err, want);
	write_file("pid 12\nenabled 1\n");
	CHECK_EQ(recovery_load(path, &pid, &got, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s: incomplete (a pid and 5 settings expected)", path);
	CHECK_STR(err, want);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(save_then_load_round_trips), CASE(load_names_what_is_wrong)));
}
