/* SPDX-License-Identifier: MIT */
/*
 * detach: needle run in the background, with an honest exit status.
 *
 *   parent --fork--> child (setsid) ... start-up ... detach_ready(): '0'
 *     |                                                   |
 *     +<---------------- pipe: one byte, or EOF ----------+
 *   exits 0 ("collecting in the background, pid N") on '0'; exits 1 on
 *   EOF (the child failed, having said why on the shared stderr)
 *
 * Once ready the child leaves the terminal (stdin, stdout and stderr on
 * /dev/null); its caller then sends the log to syslog (say_to_syslog).
 */
#ifndef NEEDLE_DETACH_H
#define NEEDLE_DETACH_H

/* Forks. In the parent: waits for the child, then exits (ok_status or
 * fail_status); never returns. In the child: 0, *ret_ready_fd is the pipe
 * to detach_ready(). -errno when it cannot fork (said). */
int detach_start(int ok_status, int fail_status, int *ret_ready_fd);

/* In the child, once collecting: tells the parent, leaves the terminal.
 * *ready_fd becomes -1. */
void detach_ready(int *ready_fd);

#endif
