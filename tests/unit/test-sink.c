/* SPDX-License-Identifier: MIT */
#include "harness.h"
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "%s", harness_tempdir("sink"));
}

/* The sink's counters now. */
static struct sink_stats stats(const struct sink *s)
{
	struct sink_stats st;

	sink_get_stats(s, &st);
	return st;
}

static long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

TEST(rotation_keeps_num_logs_generations)
{
	struct sink *s;
	char path[128], gen[160];
	const char line[] = "0123456789012345678901234567890123456789012345678\n"; /* 50 bytes */

	make_dir();
	snprintf(path, sizeof(path), "%s/needle.log", dir);
	CHECK_EQ(sink_open(path, false, 100, 3, &s), 0);
	for (int i = 0; i < 12; i++)
		sink_write(s, line, 50, 50, 1);
	CHECK_EQ(stats(s).events, 12);
	CHECK_EQ(stats(s).rotations, 5); /* every 2 lines after the first 2 */
	CHECK_EQ(stats(s).write_errors, 0);
	sink_close(s);
	sink_free(s);
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
	struct sink *s;

	/* /dev/full: every write fails with ENOSPC, as a full disk would. */
	CHECK_EQ(sink_open("/dev/full", false, 0, 1, &s), 0);
	sink_write(s, "x\n", 2, 2, 7);
	CHECK_EQ(stats(s).write_errors, 1);
	CHECK_EQ(stats(s).lost_events, 7);
	CHECK_EQ(stats(s).events, 0);
	sink_close(s);
	sink_free(s);
}

/* File calls that fail on demand, counted: the injected failures. */
static int open_calls, open_fail_errno;
static int rename_calls, rename_fail_at, rename_fail_errno; /* fail the Nth call (1-based) */
static int fsync_fail_errno, close_fail_errno;

static int test_open(const char *path, int flags, mode_t mode)
{
	open_calls++;
	if (open_fail_errno) {
		errno = open_fail_errno;
		return -1;
	}
	return open(path, flags, mode);
}

static int test_rename(const char *from, const char *to)
{
	if (++rename_calls == rename_fail_at) {
		errno = rename_fail_errno;
		return -1;
	}
	return rename(from, to);
}

static int test_fsync(int fd)
{
	if (fsync_fail_errno) {
		errno = fsync_fail_errno;
		return -1;
	}
	return fsync(fd);
}

static int test_close(int fd)
{
	int r = close(fd);

	if (close_fail_errno) {
		errno = close_fail_errno;
		return -1;
	}
	return r;
}

static const struct sink_io test_io = { test_open, test_rename, test_fsync, test_close };

static void reset_faults(void)
{
	open_calls = open_fail_errno = 0;
	rename_calls = rename_fail_at = rename_fail_errno = 0;
	fsync_fail_errno = close_fail_errno = 0;
}

/* The whole file (NUL-terminated), or "<missing>". */
static const char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return "<missing>";
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static const char *gen_path(const char *path, int i)
{
	static char buf[200];

	if (i == 0)
		snprintf(buf, sizeof(buf), "%s", path);
	else
		snprintf(buf, sizeof(buf), "%s.%d", path, i);
	return buf;
}

/* 50-byte lines "gen X line Y ...": two fill a 100-byte file. */
static void make_line(char buf[51], char gen, int line)
{
	int n = snprintf(buf, 51, "gen %c line %d", gen, line);

	memset(buf + n, ' ', (size_t)(49 - n));
	buf[49] = '\n';
	buf[50] = '\0';
}

static void write_line(struct sink *s, char gen, int line)
{
	char buf[51];

	make_line(buf, gen, line);
	sink_write(s, buf, 50, 50, 1);
}

static void expect_gen(const char *path, int i, const char *want)
{
	const char *got = slurp(gen_path(path, i));

	if (strcmp(got, want) != 0)
		FAIL("generation %d (%s): \"%s\", expected \"%s\"", i, gen_path(path, i), got, want);
}

/* The content write_line(gen, a..b) writes. */
static const char *lines(char gen, int a, int b)
{
	static char buf[4][2048];
	static int k;
	char *out = buf[k++ % 4];

	out[0] = '\0';
	for (int l = a; l <= b; l++) {
		char one[51];

		make_line(one, gen, l);
		strcat(out, one);
	}
	return out;
}

/* Four full generations A (oldest, .3) B C D (current), 100 bytes each. */
static void make_generations(struct sink **ret, char *path, size_t size)
{
	struct sink *s = NULL;

	make_dir();
	reset_faults();
	snprintf(path, size, "%s/needle.log", dir);
	CHECK_EQ(sink_open(path, false, 100, 4, &s), 0);
	*ret = s;
	sink_set_io(s, &test_io);
	sink_set_retry_ms(s, 100);
	for (char g = 'A'; g <= 'D'; g++) {
		write_line(s, g, 1);
		write_line(s, g, 2);
	}
	CHECK_EQ(stats(s).rotations, 3);
	expect_gen(path, 3, lines('A', 1, 2));
	expect_gen(path, 2, lines('B', 1, 2));
	expect_gen(path, 1, lines('C', 1, 2));
	expect_gen(path, 0, lines('D', 1, 2));
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

TEST(failed_open_at_rotation_keeps_every_generation)
{
	struct sink *s;
	char path[128];
	int opens;

	make_generations(&s, path, sizeof(path));
	/* The new file cannot be created (disk full): ten more batches. */
	open_fail_errno = ENOSPC;
	opens = open_calls;
	for (int l = 3; l <= 12; l++)
		write_line(s, 'D', l);
	/* Every old generation where it was; the batches went to the open file. */
	expect_gen(path, 3, lines('A', 1, 2));
	expect_gen(path, 2, lines('B', 1, 2));
	expect_gen(path, 1, lines('C', 1, 2));
	expect_gen(path, 0, lines('D', 1, 12));
	CHECK_EQ(stats(s).events, 18);
	CHECK_EQ(stats(s).lost_events, 0);
	CHECK_EQ(file_size(gen_path(path, 4)), -1);
	/* Tried once in the retry interval, not once per write. */
	CHECK_EQ(open_calls - opens, 1);
	CHECK_EQ(stats(s).rotate_errors, 1);
	CHECK_EQ(stats(s).last_error, ENOSPC);
	CHECK_EQ(stats(s).rotations, 3);
	/* Space again, after the retry interval: the rotation happens. */
	open_fail_errno = 0;
	sleep_ms(150);
	write_line(s, 'E', 1);
	CHECK_EQ(stats(s).rotations, 4);
	expect_gen(path, 3, lines('B', 1, 2));
	expect_gen(path, 2, lines('C', 1, 2));
	expect_gen(path, 1, lines('D', 1, 12));
	expect_gen(path, 0, lines('E', 1, 1));
	CHECK_EQ(sink_close(s), 0);
	sink_free(s);
	{
		char leftover[200];

		snprintf(leftover, sizeof(leftover), "%s.new", path);
		CHECK_EQ(file_size(leftover), -1);
		snprintf(leftover, sizeof(leftover), "%s.old", path);
		CHECK_EQ(file_size(leftover), -1);
	}
}

TEST(failed_rename_at_rotation_keeps_every_generation)
{
	struct sink *s;
	char path[128];

	/* Each rename of the shift failing in turn (1: the oldest moved aside,
	 * 4: the current file to .1, 5: the new file in place). */
	for (int at = 1; at <= 5; at++) {
		int renames;

		make_generations(&s, path, sizeof(path));
		renames = rename_calls;
		rename_fail_at = renames + at;
		rename_fail_errno = EIO;
		write_line(s, 'D', 3);
		if (stats(s).rotate_errors != 1)
			FAIL("rename %d failing: %d rotation errors", at,
			     (int)stats(s).rotate_errors);
		expect_gen(path, 3, lines('A', 1, 2));
		expect_gen(path, 2, lines('B', 1, 2));
		expect_gen(path, 1, lines('C', 1, 2));
		expect_gen(path, 0, lines('D', 1, 3));
		CHECK_EQ(stats(s).lost_events, 0);
		CHECK_EQ(sink_close(s), 0);
		sink_free(s);
		{
			char leftover[200];

			snprintf(leftover, sizeof(leftover), "%s.new", path);
			CHECK_EQ(file_size(leftover), -1);
			snprintf(leftover, sizeof(leftover), "%s.old", path);
			CHECK_EQ(file_size(leftover), -1);
		}
	}
}

TEST(failed_fsync_or_close_at_stop_is_counted)
{
	struct sink *s;
	char path[128];

	make_dir();
	reset_faults();
	snprintf(path, sizeof(path), "%s/needle.json", dir);
	CHECK_EQ(sink_open(path, false, 0, 1, &s), 0);
	sink_set_io(s, &test_io);
	sink_write(s, "a\nb\n", 4, 4, 2);
	sink_write(s, "c\nd\ne\n", 6, 6, 3);
	fsync_fail_errno = EIO;
	CHECK_EQ(sink_close(s), -EIO);
	CHECK_EQ(stats(s).sync_errors, 1);
	CHECK_EQ(stats(s).unsynced_events, 5);
	CHECK_EQ(stats(s).last_error, EIO);
	/* The events were written; the failure says at most 5 may be lost. */
	CHECK_EQ(stats(s).events, 5);
	sink_free(s);

	reset_faults();
	CHECK_EQ(sink_open(path, false, 0, 1, &s), 0);
	sink_set_io(s, &test_io);
	sink_write(s, "f\n", 2, 2, 1);
	close_fail_errno = EDQUOT;
	CHECK_EQ(sink_close(s), -EDQUOT);
	CHECK_EQ(stats(s).sync_errors, 1);
	CHECK_EQ(stats(s).unsynced_events, 1);
	sink_free(s);
	reset_faults();
}

TEST(failed_close_of_a_rotated_file_is_counted)
{
	struct sink *s;
	char path[128];

	make_dir();
	reset_faults();
	snprintf(path, sizeof(path), "%s/needle.log", dir);
	CHECK_EQ(sink_open(path, false, 100, 2, &s), 0);
	sink_set_io(s, &test_io);
	write_line(s, 'A', 1);
	write_line(s, 'A', 2);
	close_fail_errno = EIO; /* the close of A, when the rotation closes it */
	write_line(s, 'B', 1);
	close_fail_errno = 0;
	CHECK_EQ(stats(s).rotations, 1);
	CHECK_EQ(stats(s).sync_errors, 1);
	CHECK_EQ(stats(s).unsynced_events, 2);
	CHECK_EQ(sink_close(s), 0);
	CHECK_EQ(stats(s).unsynced_events, 2);
	sink_free(s);
}

TEST(files_that_cannot_sync_are_not_errors)
{
	struct sink *s;

	/* fsync on a character device fails with EINVAL: nothing to sync. */
	CHECK_EQ(sink_open("/dev/null", false, 0, 1, &s), 0);
	sink_write(s, "x\n", 2, 2, 1);
	CHECK_EQ(sink_close(s), 0);
	CHECK_EQ(stats(s).sync_errors, 0);
	sink_free(s);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(rotation_keeps_num_logs_generations),
				  CASE(failed_writes_are_counted),
				  CASE(failed_open_at_rotation_keeps_every_generation),
				  CASE(failed_rename_at_rotation_keeps_every_generation),
				  CASE(failed_fsync_or_close_at_stop_is_counted),
				  CASE(failed_close_of_a_rotated_file_is_counted),
				  CASE(files_that_cannot_sync_are_not_errors)));
}
