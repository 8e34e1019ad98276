/* SPDX-License-Identifier: MIT */
#include "harness.h"
#include "sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static void remove_dir(void *arg)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		NOTE("could not remove %s", dir);
}

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/needle-sink-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	harness_defer(remove_dir, NULL);
}

static long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

TEST(rotation_keeps_num_logs_generations)
{
	struct sink s;
	char path[128], gen[160];
	const char line[] = "0123456789012345678901234567890123456789012345678\n"; /* 50 bytes */

	make_dir();
	snprintf(path, sizeof(path), "%s/needle.log", dir);
	CHECK_EQ(sink_open(&s, path, false, 100, 3), 0);
	for (int i = 0; i < 12; i++)
		sink_write(&s, line, 50, 50, 1);
	CHECK_EQ(atomic_load(&s.stats.events), 12);
	CHECK_EQ(atomic_load(&s.stats.rotations), 5); /* every 2 lines after the first 2 */
	CHECK_EQ(atomic_load(&s.stats.write_errors), 0);
	sink_close(&s);
	CHECK_EQ(file_size(path), 100);
	snprintf(gen, sizeof(gen), "%s.1", path);
	CHECK_EQ(file_size(gen), 100);
	snprintf(gen, sizeof(gen), "%s.2", path);
	CHECK_EQ(file_size(gen), 100);
	snprintf(gen, sizeof(gen), "%s.3", path);
	CHECK_EQ(file_size(gen), -1); /* num_logs = 3: current, .1, .2 */
	struct stat st;
	CHECK(stat(path, &st) == 0);
	CHECK_EQ(st.st_mode & 0777, 0600);
}

TEST(failed_writes_are_counted)
{
	struct sink s;

	/* /dev/full: every write fails with ENOSPC, as a full disk would. */
	CHECK_EQ(sink_open(&s, "/dev/full", false, 0, 1), 0);
	sink_write(&s, "x\n", 2, 2, 7);
	CHECK_EQ(atomic_load(&s.stats.write_errors), 1);
	CHECK_EQ(atomic_load(&s.stats.lost_events), 7);
	CHECK_EQ(atomic_load(&s.stats.events), 0);
	sink_close(&s);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(rotation_keeps_num_logs_generations),
				  CASE(failed_writes_are_counted)));
}
