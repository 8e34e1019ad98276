/* SPDX-License-Identifier: MIT */
/*
 * procinfo: what /proc says about one process, read once when needle first
 * meets it: parent, start time, executable, argv[0], its container
 * (container.h), which namespaces differ from the host's (the init
 * process's), and for a user namespace the uid it has inside.
 *
 * Each file is read with one bounded read (PROCINFO_READ_MAX), so a
 * process with a huge command line costs no more than any other.
 */
#ifndef NEEDLE_PROCINFO_H
#define NEEDLE_PROCINFO_H

#include "container.h"

#include <stdbool.h>
#include <stdint.h>

#define PROCINFO_READ_MAX 4096
#define PROCINFO_NAME_MAX 256

enum procinfo_ns { NS_PID = 1, NS_MNT = 2, NS_NET = 4, NS_USER = 8 };

struct procinfo {
	uint32_t pid, ppid;
	uint64_t start_ticks;  /* since boot, in clock ticks (/proc/PID/stat field 22) */
	uint32_t uid;          /* real uid, as the host sees it */
	bool has_ns_uid;       /* in a user namespace that maps uid differently: */
	uint32_t ns_uid;       /* the uid inside it */
	unsigned ns;           /* enum procinfo_ns: namespaces not the host's */
	char exe[PROCINFO_NAME_MAX];   /* "" when unreadable (kernel thread, gone) */
	char argv0[PROCINFO_NAME_MAX];
	struct container_info container;
};

/* The host's namespaces (those of pid 1, or needle's own when pid 1's
 * cannot be read), read once. */
struct procinfo_host {
	uint64_t ns_ino[4]; /* pid, mnt, net, user */
};
void procinfo_host_init(struct procinfo_host *host);

/* Reads pid's facts; -ENOENT when it is gone (or exited meanwhile). */
int procinfo_read(const struct procinfo_host *host, uint32_t pid, struct procinfo *ret);

/* Reads /proc/PID/stat: ppid and start time; -errno when gone, -ENOENT
 * also when it has exited and not been reaped yet (a zombie). */
int procinfo_read_stat(uint32_t pid, uint32_t *ret_ppid, uint64_t *ret_start_ticks);

/* Parses the text of /proc/PID/stat; false when malformed. The command
 * name may hold spaces and parentheses: it ends at the last ')'. */
bool procinfo_parse_stat(const char *text, size_t len, uint32_t *ret_ppid,
			 uint64_t *ret_start_ticks);

/* Whether the text of /proc/PID/stat is of a process that has exited
 * (state Z, zombie, or X, dead). */
bool procinfo_stat_exited(const char *text, size_t len);

/* The wall-clock time the machine booted, in seconds since the epoch, to
 * the microsecond: CLOCK_REALTIME - CLOCK_BOOTTIME, the clock the kernel
 * counts a process's start in (/proc/PID/stat field 22 is its
 * start_boottime in clock ticks). /proc/stat's btime has whole seconds
 * only, which put start times up to a second early. A later step of the
 * wall clock (NTP, settimeofday) is not followed: read it again then. */
double procinfo_boot_time(void);

/* The uid inside a user namespace for host uid, from /proc/PID/uid_map
 * text ("inside outside count" per line); false when not mapped. */
bool procinfo_map_uid(const char *uid_map, uint32_t host_uid, uint32_t *ret_inside);

#endif
