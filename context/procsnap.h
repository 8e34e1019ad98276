/* SPDX-License-Identifier: MIT */
/*
 * procsnap: a process's facts read right after its exec (procwatch.h), in
 * the race with its exit. The kernel tears an exiting process down in an
 * order (do_exit): its memory first (exe, cmdline), then its namespaces,
 * then its cgroups (v1 moves it to the root), then it is a zombie; its
 * credentials (uid, the user namespace's maps) stay until it is reaped.
 * So the cgroup is read before the namespaces, and namespaces still there
 * afterwards prove the cgroup was its own; exe and argv[0] come last and
 * may be missing (the audit record has them) without losing the rest.
 *
 * Every file is read through one open /proc/PID directory: a process
 * reaped meanwhile fails the reads instead of lending its pid's next
 * owner's facts. Each read is one bounded read (PROCINFO_READ_MAX).
 */
#ifndef NEEDLE_PROCSNAP_H
#define NEEDLE_PROCSNAP_H

#include "procinfo.h"

/* 0 with ret filled (exe and argv0 "" when its memory was gone already),
 * -ENOENT when it was gone before its cgroup and namespaces could be read. */
int procsnap_read(const struct procinfo_host *host, uint32_t pid, struct procinfo *ret);

#endif
