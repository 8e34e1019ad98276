/* SPDX-License-Identifier: MIT */
/*
 * say: needle run's log. One line per call. Main thread only: the
 * pipeline's and the kernel session's messages come here through the say
 * functions they are given; their threads never log.
 *
 *   foreground (a terminal, or systemd's journal on stderr)
 *     "needle: LINE" on stderr
 *   detached (say_to_syslog)
 *     syslog: /dev/log, facility daemon, "needle[PID]: LINE", sent without
 *     waiting (a slow or full syslog never stalls the main thread)
 *       | not there, refused, or full
 *       v
 *     LOG_DIR/needle.messages (0600; past SAY_FILE_MAX it becomes
 *       | needle.messages.1, one old generation kept)
 *       | cannot be written
 *       v
 *     /dev/kmsg (the kernel's log, as "needle[PID]: LINE")
 *       | cannot be written
 *       v
 *     lost
 *
 * Each line is counted where it went (say_counts; the metric
 * needle_log_messages_total). The first line that misses syslog says, in
 * the fallback, why and where the next ones go; syslog is tried again for
 * each line, so lines go back to it once it answers.
 */
#ifndef NEEDLE_SAY_H
#define NEEDLE_SAY_H

#include "metric-table.h"

#include <stdint.h>

void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Says each line of text (lines joined by '\n') after prefix. */
void say_lines(const char *prefix, const char *text);

/* From now on to syslog, with the fallbacks above in log_dir (copied). */
void say_to_syslog(const char *log_dir);

/* Where the lines went, one counter per destination of the metric
 * table's list (METRIC_LOG_DESTINATIONS: stderr, syslog, file, kmsg,
 * lost), read relaxed: any thread. */
void say_counts(uint64_t ret[METRIC_LOG_DESTINATION_COUNT]);

/* Size at which needle.messages is rotated. */
#define SAY_FILE_MAX (16u << 20)

#endif
