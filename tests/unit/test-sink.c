/* SPDX-License-Identifier: MIT */
#include "harness.h"
#include "sink.h"

#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
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
	CHECK_EQ(sink_open(path, &(struct sink_options){ .max_size = 100, .num_logs = 3 }, &s), 0);
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
	CHECK_EQ(sink_open("/dev/full", &(struct sink_options){ .max_size = 0, .num_logs = 1 }, &s), 0);
	sink_write(s, "x\n", 2, 2, 7);
	CHECK_EQ(stats(s).write_errors, 1);
	CHECK_EQ(stats(s).lost_events, 7);
	CHECK_EQ(stats(s).events, 0);
	sink_close(s);
	sink_free(s);
}

/* File calls that fail on demand, counted: the injected failures. */
static int open_calls, open_fail_errno, open_last_flags;
static int rename_calls, rename_fail_at, rename_fail_errno; /* fail the Nth call (1-based) */
static int fsync_fail_errno, close_fail_errno, write_fail_errno;
static _Atomic int fsync_calls;
static _Atomic pid_t fsync_tid; /* the thread of the last fsync */
static _Atomic int fsync_delay_ms; /* a slow disk */

static int test_open(const char *path, int flags, mode_t mode)
{
	open_calls++;
	open_last_flags = flags;
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
	fsync_calls++;
	fsync_tid = gettid();
	if (fsync_delay_ms)
		nanosleep(&(struct timespec){ 0, fsync_delay_ms * 1000000L }, NULL);
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

static ssize_t test_write(int fd, const void *buf, size_t len)
{
	if (write_fail_errno) {
		errno = write_fail_errno;
		return -1;
	}
	return write(fd, buf, len);
}

static const struct sink_io test_io = { test_open, test_rename, test_fsync, test_close,
					test_write };

static void reset_faults(void)
{
	open_calls = open_fail_errno = open_last_flags = 0;
	rename_calls = rename_fail_at = rename_fail_errno = 0;
	fsync_fail_errno = close_fail_errno = write_fail_errno = 0;
	fsync_calls = 0;
	fsync_tid = 0;
	fsync_delay_ms = 0;
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
	CHECK_EQ(sink_open(path, &(struct sink_options){ .max_size = 100, .num_logs = 4 }, &s), 0);
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
	CHECK_EQ(sink_open(path, &(struct sink_options){ .max_size = 0, .num_logs = 1 }, &s), 0);
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
	CHECK_EQ(sink_open(path, &(struct sink_options){ .max_size = 0, .num_logs = 1 }, &s), 0);
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
	CHECK_EQ(sink_open(path, &(struct sink_options){ .max_size = 100, .num_logs = 2 }, &s), 0);
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
	CHECK_EQ(sink_open("/dev/null", &(struct sink_options){ .max_size = 0, .num_logs = 1 }, &s), 0);
	sink_write(s, "x\n", 2, 2, 1);
	CHECK_EQ(sink_close(s), 0);
	CHECK_EQ(stats(s).sync_errors, 0);
	sink_free(s);
}


/* A group for log_group other than root's: any one as root, else the
 * user's own (a user may give a file one of its groups); 0: none. */
static gid_t other_group(void)
{
	return getuid() == 0 ? 4242 : getegid();
}

static void expect_mode(const char *path, mode_t mode, gid_t gid)
{
	struct stat st;

	if (stat(path, &st) < 0)
		FAIL("%s: %s", path, strerror(errno));
	if ((st.st_mode & 0777) != mode || st.st_gid != gid)
		FAIL("%s: mode %o group %u, expected %o group %u", path, st.st_mode & 0777,
		     (unsigned)st.st_gid, mode, (unsigned)gid);
}

/* log_group as auditd applies it: the current file 0640 and the group, a
 * rotated generation 0440; without a group 0600 and 0400, the group the
 * file was made with. A generation from before gets the mode too. */
TEST(log_group_sets_mode_and_group_of_new_and_rotated_files)
{
	struct sink *s;
	char path[128], gen[160];
	gid_t g = other_group();
	struct stat st;

	if (!g)
		SKIP("the user's only group is root's");
	make_dir();
	reset_faults();
	snprintf(path, sizeof(path), "%s/needle.log", dir);
	snprintf(gen, sizeof(gen), "%s.2", path);
	CHECK(close(open(gen, O_WRONLY | O_CREAT, 0600)) == 0); /* from an earlier needle */
	CHECK_EQ(sink_open(path, &(struct sink_options){ .max_size = 100, .num_logs = 3, .group = g },
			   &s), 0);
	expect_mode(path, 0640, g);
	expect_mode(gen, 0440, g);
	write_line(s, 'A', 1);
	write_line(s, 'A', 2);
	write_line(s, 'B', 1); /* rotates: A goes to .1 */
	CHECK_EQ(stats(s).rotations, 1);
	expect_mode(path, 0640, g);
	expect_mode(gen_path(path, 1), 0440, g);
	CHECK_EQ(sink_rotate(s, false), 1); /* and the same by request */
	expect_mode(path, 0640, g);
	expect_mode(gen_path(path, 1), 0440, g);
	expect_mode(gen_path(path, 2), 0440, g);
	sink_close(s);
	sink_free(s);

	/* Root's group: 0600 and 0400, the group left as created. */
	make_dir();
	snprintf(path, sizeof(path), "%s/needle.log", dir);
	CHECK_EQ(sink_open(path, &(struct sink_options){ .max_size = 100, .num_logs = 3 }, &s), 0);
	CHECK(stat(path, &st) == 0);
	expect_mode(path, 0600, st.st_gid);
	CHECK_EQ(sink_rotate(s, false), 1);
	expect_mode(path, 0600, st.st_gid);
	expect_mode(gen_path(path, 1), 0400, st.st_gid);
	sink_close(s);
	sink_free(s);
}

/* flush = incremental: an fsync every freq events, by the writer; none:
 * no fsync but the last one at close. */
TEST(flush_incremental_syncs_every_freq_events)
{
	struct sink *s;
	char path[128];

	make_dir();
	reset_faults();
	snprintf(path, sizeof(path), "%s/needle.json", dir);
	CHECK_EQ(sink_open(path, &(struct sink_options){ .flush = SINK_FLUSH_INCREMENTAL, .freq = 10,
							 .io = &test_io }, &s), 0);
	for (int i = 0; i < 25; i++)
		sink_write(s, "e\n", 2, 2, 1);
	CHECK_EQ(fsync_calls, 2); /* at 10 and 20 events */
	CHECK_EQ(fsync_tid, gettid());
	sink_write(s, "a batch\n", 8, 8, 30); /* 5 + 30: one fsync, the count starts again */
	CHECK_EQ(fsync_calls, 3);
	sink_write(s, "e\n", 2, 2, 9);
	CHECK_EQ(fsync_calls, 3);
	CHECK_EQ(stats(s).syncs, 3);
	CHECK_EQ(sink_close(s), 0);
	CHECK_EQ(fsync_calls, 4); /* the last one */
	sink_free(s);

	reset_faults();
	CHECK_EQ(sink_open(path, &(struct sink_options){ .flush = SINK_FLUSH_NONE, .freq = 10,
							 .io = &test_io }, &s), 0);
	for (int i = 0; i < 25; i++)
		sink_write(s, "e\n", 2, 2, 1);
	CHECK_EQ(fsync_calls, 0);
	CHECK_EQ(stats(s).syncs, 0);
	CHECK_EQ(sink_close(s), 0);
	CHECK_EQ(fsync_calls, 1);
	sink_free(s);
}

/* flush = incremental_async: the same fsyncs, made by the sink's flush
 * thread, never by the writer. */
TEST(flush_incremental_async_syncs_in_its_own_thread)
{
	struct sink *s;
	char path[128];

	make_dir();
	reset_faults();
	snprintf(path, sizeof(path), "%s/needle.json", dir);
	CHECK_EQ(sink_open(path, &(struct sink_options){ .flush = SINK_FLUSH_INCREMENTAL_ASYNC,
							 .freq = 10, .io = &test_io }, &s), 0);
	for (int i = 0; i < 9; i++)
		sink_write(s, "e\n", 2, 2, 1);
	sleep_ms(100);
	CHECK_EQ(fsync_calls, 0);
	sink_write(s, "e\n", 2, 2, 1); /* the 10th */
	for (int ms = 0; ms < 2000 && fsync_calls == 0; ms += 10)
		sleep_ms(10);
	CHECK_EQ(fsync_calls, 1);
	CHECK(fsync_tid != 0 && fsync_tid != gettid());
	CHECK_EQ(stats(s).syncs, 1);
	CHECK_EQ(sink_close(s), 0); /* stops the thread, then its own last fsync */
	CHECK_EQ(fsync_calls, 2);
	CHECK_EQ(fsync_tid, gettid());
	sink_free(s);
}

/* flush = incremental_async on a disk slower than the events: the kicks
 * that come while an fsync runs make one more fsync, not one each (as
 * auditd's flush thread), and that one covers every event written. */
TEST(flush_incremental_async_coalesces_kicks_while_syncing)
{
	struct sink *s;
	char path[128];
	int calls;

	make_dir();
	reset_faults();
	fsync_delay_ms = 200;
	snprintf(path, sizeof(path), "%s/needle.json", dir);
	CHECK_EQ(sink_open(path, &(struct sink_options){ .flush = SINK_FLUSH_INCREMENTAL_ASYNC,
							 .freq = 10, .io = &test_io }, &s), 0);
	sink_write(s, "e\n", 2, 2, 10); /* a kick: the flush thread starts its fsync */
	for (int ms = 0; ms < 2000 && fsync_calls == 0; ms += 5)
		sleep_ms(5);
	CHECK_EQ(fsync_calls, 1);
	for (int i = 0; i < 50; i++)
		sink_write(s, "e\n", 2, 2, 10); /* 50 kicks while it syncs */
	sleep_ms(700); /* the first fsync's end, one more, and time for others */
	calls = fsync_calls;
	CHECK_EQ(calls, 2);
	CHECK_EQ(stats(s).syncs, 2);
	fsync_delay_ms = 0;
	CHECK_EQ(sink_close(s), 0); /* its own last fsync, nothing left unsynced */
	CHECK_EQ(fsync_calls, 3);
	sink_free(s);
}

/* flush = data and sync: every open of the file (start, rotation, resume)
 * asks for O_DSYNC or O_SYNC, as auditd does. */
TEST(flush_data_and_sync_open_with_o_dsync_and_o_sync)
{
	static const struct { enum sink_flush flush; int want; } cases[] = {
		{ SINK_FLUSH_DATA, O_DSYNC }, { SINK_FLUSH_SYNC, O_SYNC },
		{ SINK_FLUSH_INCREMENTAL, 0 }, { SINK_FLUSH_NONE, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sink *s;
		char path[128];

		make_dir();
		reset_faults();
		snprintf(path, sizeof(path), "%s/needle.log", dir);
		CHECK_EQ(sink_open(path, &(struct sink_options){ .flush = cases[i].flush, .freq = 50,
								 .num_logs = 2, .io = &test_io },
				   &s), 0);
		CHECK_EQ(open_calls, 1);
		CHECK_EQ(open_last_flags & O_SYNC, cases[i].want);
		write_line(s, 'A', 1);
		CHECK_EQ(sink_rotate(s, false), 1);
		CHECK_EQ(open_calls, 2);
		CHECK_EQ(open_last_flags & O_SYNC, cases[i].want);
		CHECK_EQ(sink_suspend(s), 0);
		CHECK_EQ(sink_resume(s), 0);
		CHECK_EQ(open_calls, 3);
		CHECK_EQ(open_last_flags & O_SYNC, cases[i].want);
		CHECK_EQ(stats(s).syncs, 0);
		sink_close(s);
		sink_free(s);
	}
}

/* A failed fsync of the policy counts the events written since the last
 * good one as at risk, once. */
TEST(failed_policy_fsync_is_counted)
{
	struct sink *s;
	char path[128];

	make_dir();
	reset_faults();
	snprintf(path, sizeof(path), "%s/needle.json", dir);
	CHECK_EQ(sink_open(path, &(struct sink_options){ .flush = SINK_FLUSH_INCREMENTAL, .freq = 4,
							 .io = &test_io }, &s), 0);
	sink_write(s, "a\nb\n", 4, 4, 2);
	fsync_fail_errno = EIO;
	sink_write(s, "c\nd\n", 4, 4, 2);
	CHECK_EQ(stats(s).sync_errors, 1);
	CHECK_EQ(stats(s).unsynced_events, 4);
	CHECK_EQ(stats(s).last_error, EIO);
	fsync_fail_errno = 0;
	sink_write(s, "e\nf\ng\nh\n", 8, 8, 4);
	CHECK_EQ(stats(s).sync_errors, 1);
	CHECK_EQ(stats(s).unsynced_events, 4);
	CHECK_EQ(stats(s).events, 8);
	CHECK_EQ(sink_close(s), 0);
	sink_free(s);
}

/* Suspended: the file synced and closed (an administrator can move it
 * away), every batch counted lost as suspended, no write error; resumed:
 * the file made again where it was, writing goes on. */
TEST(suspend_counts_every_batch_and_resume_reopens)
{
	struct sink *s;
	char path[128], moved[160];

	make_dir();
	reset_faults();
	snprintf(path, sizeof(path), "%s/needle.log", dir);
	CHECK_EQ(sink_open(path, &(struct sink_options){ .num_logs = 3, .io = &test_io }, &s), 0);
	write_line(s, 'A', 1);
	CHECK_EQ(sink_suspend(s), 0);
	CHECK_EQ(fsync_calls, 1); /* synced before it was closed */
	CHECK_EQ(stats(s).suspended, 1);
	CHECK_EQ(sink_suspend(s), 0); /* twice is once */
	write_line(s, 'A', 2);
	sink_write(s, "x\ny\n", 4, 4, 2);
	CHECK_EQ(stats(s).events, 1);
	CHECK_EQ(stats(s).lost_events, 3);
	CHECK_EQ(stats(s).suspended_events, 3);
	CHECK_EQ(stats(s).write_errors, 0);
	expect_gen(path, 0, lines('A', 1, 1));
	/* Moved away meanwhile: resume makes the file again. */
	snprintf(moved, sizeof(moved), "%s/moved.log", dir);
	CHECK(rename(path, moved) == 0);
	CHECK_EQ(sink_resume(s), 0);
	CHECK_EQ(stats(s).suspended, 0);
	write_line(s, 'B', 1);
	expect_gen(path, 0, lines('B', 1, 1));
	CHECK_STR(slurp(moved), lines('A', 1, 1));
	CHECK_EQ(stats(s).events, 2);
	CHECK_EQ(stats(s).lost_events, 3);
	expect_mode(path, 0600, getegid());
	/* A resume that cannot reopen stays suspended, and says why. */
	CHECK_EQ(sink_suspend(s), 0);
	open_fail_errno = EACCES;
	CHECK_EQ(sink_resume(s), -EACCES);
	CHECK_EQ(stats(s).suspended, 1);
	write_line(s, 'B', 2);
	CHECK_EQ(stats(s).suspended_events, 4);
	open_fail_errno = 0;
	CHECK_EQ(sink_resume(s), 0);
	CHECK_EQ(sink_close(s), 0);
	sink_free(s);
}

/* Rotation by request: unless_empty skips an empty file; while suspended
 * the generations move up (the oldest goes) and resume makes the new
 * current file. */
TEST(rotate_now_empty_and_suspended)
{
	struct sink *s;
	char path[128];

	make_dir();
	reset_faults();
	snprintf(path, sizeof(path), "%s/needle.log", dir);
	CHECK_EQ(sink_open(path, &(struct sink_options){ .num_logs = 3, .io = &test_io }, &s), 0);
	CHECK_EQ(sink_rotate(s, true), 0);
	CHECK_EQ(stats(s).rotations, 0);
	write_line(s, 'A', 1);
	CHECK_EQ(sink_rotate(s, true), 1);
	write_line(s, 'B', 1);
	CHECK_EQ(sink_rotate(s, false), 1);
	write_line(s, 'C', 1);
	expect_gen(path, 2, lines('A', 1, 1));
	expect_gen(path, 1, lines('B', 1, 1));
	expect_gen(path, 0, lines('C', 1, 1));
	CHECK_EQ(sink_suspend(s), 0);
	CHECK_EQ(sink_rotate(s, false), 1);
	expect_gen(path, 2, lines('B', 1, 1)); /* A, the oldest, is gone */
	expect_gen(path, 1, lines('C', 1, 1));
	CHECK_EQ(file_size(path), -1);
	CHECK_EQ(stats(s).rotations, 3);
	CHECK_EQ(sink_resume(s), 0);
	write_line(s, 'D', 1);
	expect_gen(path, 0, lines('D', 1, 1));
	/* A failed rotation by request: counted, every generation kept. */
	rename_fail_at = rename_calls + 2;
	rename_fail_errno = EIO;
	CHECK_EQ(sink_rotate(s, false), -EIO);
	CHECK_EQ(stats(s).rotate_errors, 1);
	expect_gen(path, 2, lines('B', 1, 1));
	expect_gen(path, 1, lines('C', 1, 1));
	expect_gen(path, 0, lines('D', 1, 1));
	CHECK_EQ(sink_close(s), 0);
	sink_free(s);
}

/* A write that finds the disk full is flagged for the space policy, once;
 * another error is not. */
TEST(disk_full_is_flagged_once)
{
	struct sink *s;
	char path[128];

	make_dir();
	reset_faults();
	snprintf(path, sizeof(path), "%s/needle.log", dir);
	CHECK_EQ(sink_open(path, &(struct sink_options){ .num_logs = 2, .io = &test_io }, &s), 0);
	CHECK(sink_regular(s));
	CHECK(!sink_take_full(s));
	write_fail_errno = EIO;
	write_line(s, 'A', 1);
	CHECK(!sink_take_full(s));
	write_fail_errno = ENOSPC;
	write_line(s, 'A', 2);
	CHECK_EQ(stats(s).write_errors, 2);
	CHECK_EQ(stats(s).lost_events, 2);
	CHECK(sink_take_full(s));
	CHECK(!sink_take_full(s));
	write_fail_errno = 0;
	CHECK_EQ(sink_close(s), 0);
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
				  CASE(files_that_cannot_sync_are_not_errors),
				  CASE(log_group_sets_mode_and_group_of_new_and_rotated_files),
				  CASE(flush_incremental_syncs_every_freq_events),
				  CASE(flush_incremental_async_syncs_in_its_own_thread),
				  CASE(flush_incremental_async_coalesces_kicks_while_syncing),
				  CASE(flush_data_and_sync_open_with_o_dsync_and_o_sync),
				  CASE(failed_policy_fsync_is_counted),
				  CASE(suspend_counts_every_batch_and_resume_reopens),
				  CASE(rotate_now_empty_and_suspended),
				  CASE(disk_full_is_flagged_once)));
}
