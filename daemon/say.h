/* SPDX-License-Identifier: MIT */
/*
 * say: needle run's log. One line per call, "needle: " and the line on
 * stderr, or to syslog once the daemon has detached (say_to_syslog). Main
 * thread only: the pipeline's and the kernel session's messages come here
 * through the say functions they are given; their threads never log.
 */
#ifndef NEEDLE_SAY_H
#define NEEDLE_SAY_H

void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Says each line of text (lines joined by '\n') after prefix. */
void say_lines(const char *prefix, const char *text);

/* From now on to syslog (facility daemon, with the pid), not stderr. */
void say_to_syslog(void);

#endif
