/* SPDX-License-Identifier: MIT */
/*
 * recovery: a note on disk of the kernel settings needle found, written
 * before it changes any, removed after it restored them. A needle that was
 * killed (SIGKILL, crash, power cut of the process) cannot restore; the
 * next needle finds the note of a dead pid and restores from it first.
 *
 *   /run/needle/kernel-state:  pid N / enabled N / failure N / rate_limit N
 *                              backlog_limit N / backlog_wait_time N
 */
#ifndef NEEDLE_RECOVERY_H
#define NEEDLE_RECOVERY_H

#include <linux/audit.h>
#include <sys/types.h>

#define RECOVERY_PATH "/run/needle/kernel-state"

/* Writes the note atomically (temporary file, rename), mode 0600. */
int recovery_save(const char *path, pid_t pid, const struct audit_status *saved);

/* Reads a note: -ENOENT when there is none, -EINVAL (with what is wrong in
 * err) when it is unreadable. */
int recovery_load(const char *path, pid_t *ret_pid, struct audit_status *ret_saved, char *err,
		  size_t err_size);

int recovery_clear(const char *path);

#endif
