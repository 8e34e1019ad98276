/* SPDX-License-Identifier: MIT */
/*
 * procsnap: a process's facts read right after its exec (procwatch.h), in
 * the race with its exit. The kernel tears an exiting process down in an
 * order (do_exit): its memory first (exe, cmdline), then its namespaces,
 * then its cgroups (v1 moves it to the root), then it is a zombie; its
 * credentials (uid, the user namespace's maps) stay until it is reaped.
 * So the namespaces go first, then the ids and maps, then the cgroup, and
 * namespaces still there after it prove the cgroup was its own; exe and
 * argv[0] come next and may be missing (the audit record has them)
 * without losing the rest; stat last, whose start time proves all the
 * reads were of the one process.
 *
 * Every file is read through one open /proc/PID directory: a process
 * reaped meanwhile fails the reads instead of lending its pid's next
 * owner's facts. Each read is one bounded read (PROCINFO_READ_MAX).
 */
#ifndef NEEDLE_PROCSNAP_H
#define NEEDLE_PROCSNAP_H

#include "procinfo.h"

#define PROCSNAP_NO_CGROUP 1

/* 0 with ret filled (exe and argv0 "" when its memory was gone already);
 * PROCSNAP_NO_CGROUP when it began to exit meanwhile: its container, and
 * the namespaces *ret_unread_ns names (enum procinfo_ns), could not be
 * read; -ENOENT when it was gone before even its user and pid namespaces
 * could be read, or the pid is another process's by the end. */
int procsnap_read(const struct procinfo_host *host, uint32_t pid, struct procinfo *ret,
		  unsigned *ret_unread_ns);

#endif
