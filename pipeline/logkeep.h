/* SPDX-License-Identifier: MIT */
/*
 * logkeep: the main thread's care of the log files (not the writes: the
 * decoders write, sink.h).
 *
 *   main loop, once a second --logkeep_tick()--> a new hour or day?
 *                                                  (rotate_every, local time)
 *                                                  --> sink_rotate(unless empty)
 *                                              --> statvfs(log_dir), the
 *                                                  sinks' disk-full flags
 *                                                  --> space_check() (space.h)
 *                                                  --> say; sink_rotate,
 *                                                      sink_suspend, sink_resume
 *   SIGUSR1 --logkeep_rotate()--> sink_rotate() of every log file
 *   SIGUSR2 --logkeep_check()---> the space check now (writing resumes if
 *                                 there is room again)
 *
 * Only the regular files among the sinks are kept (a FIFO or a device as
 * an output has no disk to fill). Rotation by time goes by the local
 * time's hour or day (TZ): the current file rotates at the first check in
 * a new hour (day) unless it is empty; at start a file last written in an
 * earlier hour (day) rotates at the first check. Everything here runs in
 * the main thread, which also logs (say); the sinks take their own locks.
 */
#ifndef NEEDLE_LOGKEEP_H
#define NEEDLE_LOGKEEP_H

#include "sink.h"
#include "space.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/statvfs.h>
#include <time.h>

#define LOGKEEP_MAX_SINKS 4

enum logkeep_every { LOGKEEP_EVERY_NONE, LOGKEEP_EVERY_HOUR, LOGKEEP_EVERY_DAY };

struct logkeep_settings {
	struct space_policy space;
	enum logkeep_every rotate_every;
};

struct logkeep;

/* The caller's log: one line, no newline, printf format. */
typedef void logkeep_say_fn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Keeps the n sinks (file or not; NULL entries skipped) of the log files
 * in dir. NULL with errno set when out of memory. */
struct logkeep *logkeep_new(const char *dir, struct sink *const *sinks, unsigned n,
			    const struct logkeep_settings *s, logkeep_say_fn *say);
void logkeep_free(struct logkeep *k);

/* SIGHUP: a new policy. Its warnings are said again where they apply,
 * and the hour or day starts from now. */
void logkeep_set(struct logkeep *k, const struct logkeep_settings *s);

/* Once a second: rotation by time, then the space check. */
void logkeep_tick(struct logkeep *k);

/* Every log file rotated now (SIGUSR1); why names the cause in the log. */
void logkeep_rotate(struct logkeep *k, const char *why);

/* The space check now (SIGUSR2), writing resumed if there is room. */
void logkeep_check(struct logkeep *k);

/* log_dir's free bytes at the last check, false when unknown (no check
 * yet, or statvfs failed). Any thread. */
bool logkeep_free_bytes(const struct logkeep *k, uint64_t *ret);

/* Tests only: the clock (seconds, as time()) and the file system's look. */
void logkeep_set_clock(struct logkeep *k, time_t (*now)(void));
void logkeep_set_statvfs(struct logkeep *k, int (*fn)(const char *path, struct statvfs *ret));

#endif
