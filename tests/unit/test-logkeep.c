/* SPDX-License-Identifier: MIT */
/*
 * The log files' care (pipeline/logkeep.c, pipeline/space.c) with the
 * file system's answer and the clock injected: each space action at each
 * level, writing suspended and resumed, the warnings said once, rotation
 * at the local hour and day.
 */
#include "harness.h"
#include "logkeep.h"
#include "sink.h"
#include "space.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MiB (1ull << 20)
#define FS_SIZE (1000 * MiB)
#define BLOCK 4096

/* The file system as the test says: free bytes, or statvfs failing. */
static uint64_t fs_free = FS_SIZE;
static int fs_errno;

static int fake_statvfs(const char *path, struct statvfs *ret)
{
	if (fs_errno) {
		errno = fs_errno;
		return -1;
	}
	memset(ret, 0, sizeof(*ret));
	ret->f_frsize = ret->f_bsize = BLOCK;
	ret->f_blocks = FS_SIZE / BLOCK;
	ret->f_bavail = ret->f_bfree = fs_free / BLOCK;
	return 0;
}

/* The clock: seconds since the epoch. */
static time_t now_s;

static time_t fake_now(void)
{
	return now_s;
}

/* logkeep's lines land in harness_said (harness_say is its hook). */
static void expect_said(const char *text)
{
	if (!strstr(harness_said, text))
		FAIL("expected \"%s\" in what logkeep said:\n%s", text, harness_said);
}

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

struct fixture {
	char dir[64], path[128];
	struct sink *sink;
	struct logkeep *keep;
};

/* Writes that fail as the test says (write_errno), as a full disk's. */
static int write_errno;

static ssize_t failing_write(int fd, const void *buf, size_t len)
{
	if (write_errno) {
		errno = write_errno;
		return -1;
	}
	return write(fd, buf, len);
}

static int plain_open(const char *path, int flags, mode_t mode)
{
	return open(path, flags, mode);
}

static const struct sink_io failing_io = { plain_open, rename, fsync, close, failing_write };

/* One log file (num_logs generations) kept by a logkeep with this policy;
 * the file system 1000 MiB, all free. */
static void setup(struct fixture *f, const struct logkeep_settings *set, unsigned num_logs)
{
	write_errno = 0;
	fs_free = FS_SIZE;
	fs_errno = 0;
	harness_said_forget();
	snprintf(f->dir, sizeof(f->dir), "%s", harness_tempdir("logkeep"));
	snprintf(f->path, sizeof(f->path), "%s/needle.json", f->dir);
	CHECK_EQ(sink_open(f->path, &(struct sink_options){ .num_logs = num_logs, .io = &failing_io },
			   &f->sink), 0);
	f->keep = logkeep_new(f->dir, &f->sink, 1, set, harness_say);
	CHECK(f->keep != NULL);
	logkeep_set_statvfs(f->keep, fake_statvfs);
	logkeep_set_clock(f->keep, fake_now);
}

static void teardown(struct fixture *f)
{
	logkeep_free(f->keep);
	sink_close(f->sink);
	sink_free(f->sink);
}

static void write_event(struct fixture *f)
{
	sink_write(f->sink, "{\"event\":1}\n", 12, 12, 1);
}

/* space_left 100 MiB, admin_space_left 50 MiB; actions as given. */
static struct logkeep_settings policy(enum space_action low, enum space_action admin,
				      enum space_action full)
{
	return (struct logkeep_settings){
		.space = { .space_left = { .mib = 100 }, .admin_space_left = { .mib = 50 },
			   .action = { [SPACE_LOW] = low, [SPACE_ADMIN] = admin, [SPACE_FULL] = full } },
	};
}

/* Free space at a level: LOW 80 MiB, ADMIN 30 MiB, FULL 3 blocks. */
static uint64_t free_at(enum space_level l)
{
	return l == SPACE_LOW ? 80 * MiB : l == SPACE_ADMIN ? 30 * MiB : l == SPACE_FULL ? 3 * BLOCK
											   : 500 * MiB;
}

/* Each action at each level, the level reached and left: ignore says and
 * does nothing (a full disk is said, as auditd does), syslog warns once,
 * rotate rotates at each check while there, suspend stops writing (every
 * batch counted lost) until space returns. */
TEST(each_action_at_each_level)
{
	static const enum space_action actions[] = { SPACE_IGNORE, SPACE_SYSLOG, SPACE_ROTATE,
						     SPACE_SUSPEND };
	unsigned cases = 0;

	for (int l = SPACE_LOW; l < SPACE_LEVELS; l++) {
		for (size_t a = 0; a < sizeof(actions) / sizeof(actions[0]); a++) {
			enum space_action act = actions[a];
			enum space_action per[SPACE_LEVELS] = { 0 };
			struct logkeep_settings set;
			struct fixture f;
			uint64_t written;

			if (l == SPACE_FULL && act == SPACE_SYSLOG)
				continue; /* disk_full_action: ignore, rotate or suspend */
			per[l] = act;
			set = policy(per[SPACE_LOW], per[SPACE_ADMIN], per[SPACE_FULL]);
			setup(&f, &set, 3);
			NOTE("level %d, action %s", l, space_action_name(act));
			write_event(&f);
			logkeep_tick(f.keep);
			CHECK_EQ(harness_said_lines, 0);
			fs_free = free_at((enum space_level)l);
			for (int t = 0; t < 3; t++) {
				logkeep_tick(f.keep);
				write_event(&f);
			}
			written = stats(f.sink).events;
			switch (act) {
			case SPACE_IGNORE:
				CHECK_EQ(harness_said_lines, l == SPACE_FULL ? 1 : 0);
				CHECK_EQ(written, 4);
				CHECK_EQ(stats(f.sink).rotations, 0);
				break;
			case SPACE_SYSLOG:
				CHECK_EQ(harness_said_lines, 1);
				expect_said(l == SPACE_LOW ? "below space_left (100.0 MiB): make room"
							   : "below admin_space_left (50.0 MiB): make room");
				CHECK_EQ(written, 4);
				break;
			case SPACE_ROTATE:
				CHECK_EQ(stats(f.sink).rotations, 3); /* one per check */
				expect_said("rotating the logs each second");
				CHECK_EQ(written, 4);
				/* The current file holds the last write only. */
				CHECK_EQ(file_size(f.path), 12);
				break;
			case SPACE_SUSPEND:
				expect_said("writing suspended");
				CHECK_EQ(stats(f.sink).suspended, 1);
				CHECK_EQ(written, 1);
				CHECK_EQ(stats(f.sink).suspended_events, 3);
				CHECK_EQ(stats(f.sink).lost_events, 3);
				CHECK_EQ(stats(f.sink).write_errors, 0);
				break;
			}
			/* Space again: writing goes on (resumed), rotation stops. */
			fs_free = 500 * MiB;
			harness_said_forget();
			logkeep_tick(f.keep);
			write_event(&f);
			logkeep_tick(f.keep);
			CHECK_EQ(stats(f.sink).suspended, 0);
			CHECK_EQ(stats(f.sink).events, written + 1);
			CHECK_EQ(stats(f.sink).rotations, act == SPACE_ROTATE ? 3 : 0);
			if (act == SPACE_SUSPEND)
				expect_said("writing resumed after 0 s suspended; events not written "
					    "(counted lost): needle.json 3");
			CHECK_EQ(stats(f.sink).events + stats(f.sink).lost_events, 5);
			teardown(&f);
			cases++;
		}
	}
	CHECK_EQ(cases, 11);
}

/* The warning of a level is said once while there, and again after free
 * space went back above the threshold plus 1 MiB and fell again; a
 * little space freed (under the margin) changes nothing. */
TEST(warnings_once_per_crossing_with_a_margin)
{
	struct logkeep_settings set = policy(SPACE_SYSLOG, SPACE_SUSPEND, SPACE_SUSPEND);
	struct fixture f;

	setup(&f, &set, 2);
	fs_free = 99 * MiB;
	logkeep_tick(f.keep);
	logkeep_tick(f.keep);
	CHECK_EQ(harness_said_lines, 1);
	expect_said("99.0 MiB free, below space_left (100.0 MiB): make room there; below "
		    "admin_space_left needle will suspend writing, on a full disk suspend writing");
	fs_free = 100 * MiB + 512 * 1024; /* above, but within the margin */
	logkeep_tick(f.keep);
	fs_free = 99 * MiB;
	logkeep_tick(f.keep);
	CHECK_EQ(harness_said_lines, 1);
	fs_free = 102 * MiB;
	logkeep_tick(f.keep);
	fs_free = 99 * MiB;
	logkeep_tick(f.keep);
	CHECK_EQ(harness_said_lines, 2);
	/* Suspended below admin_space_left; 50.5 MiB free does not resume. */
	fs_free = 49 * MiB;
	logkeep_tick(f.keep);
	CHECK_EQ(stats(f.sink).suspended, 1);
	fs_free = 50 * MiB + 512 * 1024;
	logkeep_tick(f.keep);
	CHECK_EQ(stats(f.sink).suspended, 1);
	fs_free = 52 * MiB;
	logkeep_tick(f.keep);
	CHECK_EQ(stats(f.sink).suspended, 0);
	teardown(&f);
}

/* A write that found the disk full (ENOSPC) is a full disk whatever
 * statvfs says next, until free space is back above admin_space_left plus
 * the margin: a few blocks freed do not resume writing. A FIFO or a device
 * that says ENOSPC (/dev/full) is no full log_dir. */
TEST(disk_full_from_a_write_lasts_until_space_returns)
{
	struct logkeep_settings set = policy(SPACE_SYSLOG, SPACE_SYSLOG, SPACE_SUSPEND);
	struct fixture f;
	struct sink *full, *both[2];

	setup(&f, &set, 2);
	logkeep_free(f.keep);
	CHECK_EQ(sink_open("/dev/full", &(struct sink_options){ .num_logs = 1 }, &full), 0);
	both[0] = f.sink;
	both[1] = full;
	f.keep = logkeep_new(f.dir, both, 2, &set, harness_say);
	logkeep_set_statvfs(f.keep, fake_statvfs);
	sink_write(full, "x\n", 2, 2, 1);
	CHECK_EQ(stats(full).lost_events, 1);
	logkeep_tick(f.keep);
	CHECK_EQ(harness_said_lines, 0);
	CHECK_EQ(stats(f.sink).suspended, 0);

	/* 10 MiB free by statvfs, but a write found no room. */
	fs_free = 10 * MiB;
	logkeep_tick(f.keep);
	harness_said_forget();
	write_errno = ENOSPC;
	write_event(&f);
	CHECK_EQ(stats(f.sink).write_errors, 1);
	logkeep_tick(f.keep);
	expect_said("is full");
	expect_said("writing suspended; events are counted lost (disk_full_action = suspend)");
	CHECK_EQ(stats(f.sink).suspended, 1);
	CHECK_EQ(stats(full).suspended, 0); /* not a log file of log_dir */
	write_errno = 0;
	write_event(&f);
	logkeep_tick(f.keep);
	CHECK_EQ(stats(f.sink).suspended, 1);
	fs_free = 51 * MiB - 1;
	logkeep_tick(f.keep);
	CHECK_EQ(stats(f.sink).suspended, 1);
	fs_free = 51 * MiB;
	logkeep_tick(f.keep);
	CHECK_EQ(stats(f.sink).suspended, 0);
	write_event(&f);
	CHECK_EQ(stats(f.sink).events, 1);
	CHECK_EQ(stats(f.sink).lost_events, 2);
	CHECK_EQ(stats(f.sink).suspended_events, 1);
	sink_close(full);
	sink_free(full);
	teardown(&f);
}

/* Thresholds in percent are of the file system's size. */
TEST(percent_thresholds)
{
	struct space_policy p = { .space_left = { .percent = 25 }, .admin_space_left = { .percent = 5 },
				  .action = { [SPACE_LOW] = SPACE_SYSLOG, [SPACE_ADMIN] = SPACE_SUSPEND } };
	struct space_state st = { 0 };
	struct space_verdict v;
	struct space_sample at = { .size = 2000 * MiB, .block = BLOCK };

	CHECK_EQ(space_limit_bytes(&p.space_left, 2000 * MiB), 500 * MiB);
	CHECK_EQ(space_limit_bytes(&(struct space_limit){ .mib = 75 }, 1), 75 * MiB);
	at.free = 501 * MiB;
	space_check(&p, &st, &at, &v);
	CHECK_EQ(v.level, SPACE_OK);
	at.free = 499 * MiB;
	space_check(&p, &st, &at, &v);
	CHECK_EQ(v.level, SPACE_LOW);
	CHECK(v.entered[SPACE_LOW] && !v.suspend);
	at.free = 99 * MiB;
	space_check(&p, &st, &at, &v);
	CHECK_EQ(v.level, SPACE_ADMIN);
	CHECK(v.entered[SPACE_ADMIN] && !v.entered[SPACE_LOW] && v.suspend);
	CHECK_EQ(v.threshold[SPACE_ADMIN], 100 * MiB);
	at.free = 600 * MiB;
	space_check(&p, &st, &at, &v);
	CHECK(v.left[SPACE_LOW] && v.left[SPACE_ADMIN] && v.resume && v.level == SPACE_OK);
}

/* statvfs failing is said once, until it works again; the policy waits. */
TEST(statvfs_failure_is_said_once)
{
	struct logkeep_settings set = policy(SPACE_SYSLOG, SPACE_SUSPEND, SPACE_SUSPEND);
	struct fixture f;
	uint64_t free;

	setup(&f, &set, 2);
	fs_errno = EIO;
	logkeep_tick(f.keep);
	logkeep_tick(f.keep);
	CHECK_EQ(harness_said_lines, 1);
	expect_said("cannot read the free space of log_dir");
	CHECK(!logkeep_free_bytes(f.keep, &free));
	fs_errno = 0;
	fs_free = 30 * MiB;
	logkeep_tick(f.keep);
	CHECK(logkeep_free_bytes(f.keep, &free));
	CHECK_EQ(free, 30 * MiB);
	CHECK_EQ(stats(f.sink).suspended, 1);
	teardown(&f);
}

/* SIGHUP's new policy applies at the next check and says its warnings
 * again: from syslog to suspend while below space_left suspends, back to
 * ignore resumes. */
TEST(a_new_policy_applies_at_the_next_check)
{
	struct logkeep_settings set = policy(SPACE_SYSLOG, SPACE_IGNORE, SPACE_IGNORE);
	struct fixture f;

	setup(&f, &set, 2);
	fs_free = 80 * MiB;
	logkeep_tick(f.keep);
	CHECK_EQ(harness_said_lines, 1);
	set = policy(SPACE_SUSPEND, SPACE_IGNORE, SPACE_IGNORE);
	logkeep_set(f.keep, &set);
	logkeep_tick(f.keep);
	CHECK_EQ(stats(f.sink).suspended, 1);
	expect_said("writing suspended (space_left_action = suspend)");
	set = policy(SPACE_IGNORE, SPACE_IGNORE, SPACE_IGNORE);
	logkeep_set(f.keep, &set);
	logkeep_tick(f.keep);
	CHECK_EQ(stats(f.sink).suspended, 0);
	expect_said("writing resumed");
	teardown(&f);
}

/* SIGUSR1: every log file rotated, empty or not. */
TEST(rotate_on_request)
{
	struct logkeep_settings set = policy(SPACE_IGNORE, SPACE_IGNORE, SPACE_IGNORE);
	struct fixture f;
	char gen[160];

	setup(&f, &set, 3);
	write_event(&f);
	logkeep_rotate(f.keep, "SIGUSR1");
	expect_said("SIGUSR1: rotated 1 log file(s)");
	snprintf(gen, sizeof(gen), "%s.1", f.path);
	CHECK_EQ(file_size(gen), 12);
	CHECK_EQ(file_size(f.path), 0);
	logkeep_rotate(f.keep, "SIGUSR1");
	CHECK_EQ(stats(f.sink).rotations, 2);
	teardown(&f);
}

/* The local time of TZ's zone: UTC+5:30, so that its hours are not UTC's. */
static time_t utc(int year, int mon, int day, int hour, int min, int sec)
{
	struct tm tm = { .tm_year = year - 1900, .tm_mon = mon - 1, .tm_mday = day,
			 .tm_hour = hour, .tm_min = min, .tm_sec = sec };

	return timegm(&tm);
}

static void restore_tz(void *old)
{
	if (old) {
		setenv("TZ", old, 1);
		free(old);
	} else {
		unsetenv("TZ");
	}
	tzset();
}

static void use_tz(const char *tz)
{
	const char *old = getenv("TZ");

	harness_defer(restore_tz, old ? strdup(old) : NULL);
	setenv("TZ", tz, 1);
	tzset();
}

/* rotate_every = hourly: at the first check in a new local hour, unless
 * the file is empty; a UTC hour that is no local one changes nothing. */
TEST(hourly_rotation_at_the_local_hour)
{
	struct logkeep_settings set = policy(SPACE_IGNORE, SPACE_IGNORE, SPACE_IGNORE);
	struct fixture f;

	use_tz("IST-5:30");
	set.rotate_every = LOGKEEP_EVERY_HOUR;
	now_s = utc(2025, 3, 10, 5, 29, 0); /* 10:59:00 local */
	setup(&f, &set, 5);
	write_event(&f);
	logkeep_tick(f.keep);
	now_s = utc(2025, 3, 10, 5, 29, 59);
	logkeep_tick(f.keep);
	CHECK_EQ(stats(f.sink).rotations, 0);
	now_s = utc(2025, 3, 10, 5, 30, 0); /* 11:00:00 local */
	logkeep_tick(f.keep);
	CHECK_EQ(stats(f.sink).rotations, 1);
	expect_said("rotated 1 log file(s): a new hour began (rotate_every = hourly, local time)");
	write_event(&f);
	now_s = utc(2025, 3, 10, 6, 0, 0); /* a UTC hour, 11:30 local */
	logkeep_tick(f.keep);
	CHECK_EQ(stats(f.sink).rotations, 1);
	now_s = utc(2025, 3, 10, 6, 30, 0); /* 12:00 local, the file holds an event */
	logkeep_tick(f.keep);
	CHECK_EQ(stats(f.sink).rotations, 2);
	now_s = utc(2025, 3, 10, 7, 30, 0); /* 13:00 local, the file is empty */
	logkeep_tick(f.keep);
	CHECK_EQ(stats(f.sink).rotations, 2);
	write_event(&f); /* in the 13:00 hour: no rotation before 14:00 */
	now_s = utc(2025, 3, 10, 8, 29, 59);
	logkeep_tick(f.keep);
	CHECK_EQ(stats(f.sink).rotations, 2);
	now_s = utc(2025, 3, 10, 8, 30, 0);
	logkeep_tick(f.keep);
	CHECK_EQ(stats(f.sink).rotations, 3);
	teardown(&f);
}

/* rotate_every = daily: at local midnight, not at UTC's. */
TEST(daily_rotation_at_local_midnight)
{
	struct logkeep_settings set = policy(SPACE_IGNORE, SPACE_IGNORE, SPACE_IGNORE);
	struct fixture f;

	use_tz("IST-5:30");
	set.rotate_every = LOGKEEP_EVERY_DAY;
	now_s = utc(2025, 3, 10, 18, 29, 59); /* 23:59:59 local */
	setup(&f, &set, 5);
	write_event(&f);
	logkeep_tick(f.keep);
	CHECK_EQ(stats(f.sink).rotations, 0);
	now_s = utc(2025, 3, 10, 18, 30, 0); /* 00:00:00 local, the 11th */
	logkeep_tick(f.keep);
	CHECK_EQ(stats(f.sink).rotations, 1);
	expect_said("a new day began (rotate_every = daily, local time)");
	write_event(&f);
	now_s = utc(2025, 3, 11, 0, 0, 0); /* UTC's midnight, 05:30 local */
	logkeep_tick(f.keep);
	CHECK_EQ(stats(f.sink).rotations, 1);
	teardown(&f);
}

/* At start, a file last written in an earlier hour rotates at the first
 * check: its events belong to that hour. */
TEST(a_file_from_an_earlier_hour_rotates_at_the_first_check)
{
	struct logkeep_settings set = policy(SPACE_IGNORE, SPACE_IGNORE, SPACE_IGNORE);
	struct fixture f;
	struct timeval old[2];

	set.rotate_every = LOGKEEP_EVERY_HOUR;
	now_s = time(NULL);
	setup(&f, &set, 5);
	write_event(&f);
	logkeep_free(f.keep);
	old[0].tv_sec = old[1].tv_sec = now_s - 7200;
	old[0].tv_usec = old[1].tv_usec = 0;
	CHECK(utimes(f.path, old) == 0);
	f.keep = logkeep_new(f.dir, &f.sink, 1, &set, harness_say);
	logkeep_set_statvfs(f.keep, fake_statvfs);
	logkeep_tick(f.keep);
	CHECK_EQ(stats(f.sink).rotations, 1);
	logkeep_tick(f.keep);
	CHECK_EQ(stats(f.sink).rotations, 1);
	teardown(&f);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(each_action_at_each_level),
				  CASE(warnings_once_per_crossing_with_a_margin),
				  CASE(disk_full_from_a_write_lasts_until_space_returns),
				  CASE(percent_thresholds),
				  CASE(statvfs_failure_is_said_once),
				  CASE(a_new_policy_applies_at_the_next_check),
				  CASE(rotate_on_request),
				  CASE(hourly_rotation_at_the_local_hour),
				  CASE(daily_rotation_at_local_midnight),
				  CASE(a_file_from_an_earlier_hour_rotates_at_the_first_check)));
}
