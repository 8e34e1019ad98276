/* SPDX-License-Identifier: MIT */
/*
 * procinfo: what /proc says about one process, read once when needle first
 * meets it: parent, start time, executable, argv[0], its container
 * (container.h), which of its seven namespaces differ from the host's
 * (the init process's), and for a user namespace the uid and gid it has
 * inside.
 *
 * Each file is read with one bounded read (PROCINFO_READ_MAX), so a
 * process with a huge command line costs no more than any other; each
 * namespace costs one readlink. The facts a short-lived process loses first
 * when it exits are read first (procinfo_read).
 */
#ifndef NEEDLE_PROCINFO_H
#define NEEDLE_PROCINFO_H

#include "container.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define PROCINFO_READ_MAX 4096
#define PROCINFO_NAME_MAX 256

/* The bits are the order of /proc/PID/ns/ names procinfo reads (pid, mnt,
 * net, user, uts, ipc, cgroup); decode/json.c names them in that order. */
enum procinfo_ns {
	NS_PID = 1,
	NS_MNT = 2,
	NS_NET = 4,
	NS_USER = 8,
	NS_UTS = 16,
	NS_IPC = 32,
	NS_CGROUP = 64,
};
#define PROCINFO_NS_COUNT 7

struct procinfo {
	uint32_t pid, ppid;
	uint64_t start_ticks;  /* since boot, in clock ticks (/proc/PID/stat field 22) */
	uint32_t uid;          /* real uid, as the host sees it (read only with NS_USER) */
	bool has_ns_uid;       /* in a user namespace that maps uid differently: */
	uint32_t ns_uid;       /* the uid inside it */
	uint32_t gid;          /* real gid, as the host sees it (read only with NS_USER) */
	bool has_ns_gid;       /* in a user namespace that maps gid differently: */
	uint32_t ns_gid;       /* the gid inside it */
	unsigned ns;           /* enum procinfo_ns: namespaces not the host's */
	char exe[PROCINFO_NAME_MAX];   /* "" when unreadable (kernel thread, gone) */
	char argv0[PROCINFO_NAME_MAX];
	char comm[16];         /* its name (stat); "" unknown. An exiting process
				* keeps it after its exe is gone. */
	struct container_info container;
};

/* The host's namespaces (those of pid 1, or needle's own when pid 1's
 * cannot be read), read once. */
struct procinfo_host {
	uint64_t ns_ino[PROCINFO_NS_COUNT]; /* enum procinfo_ns's order; 0 unknown */
};
void procinfo_host_init(struct procinfo_host *host);

/* Reads pid's facts; -ENOENT when it is gone (or exited meanwhile). The
 * namespaces, ids and cgroup are read before the exe and command line: a
 * process exiting loses them last. 22 system calls (31 for a process in
 * a user namespace: its status, uid_map and gid_map), no allocation. */
int procinfo_read(const struct procinfo_host *host, uint32_t pid, struct procinfo *ret);

/* The parts of procinfo_read, for a reader of its own (procsnap.h) that
 * reads them in another order. dir is an open /proc/PID directory. */

/* Clears ret for pid and opens /proc/PID: the directory's fd (O_PATH, the
 * caller closes it), or -errno. */
int procinfo_open(uint32_t pid, struct procinfo *ret);

/* One read of at most PROCINFO_READ_MAX - 1 bytes of dir's file name,
 * NUL-terminated: its length, or -errno. */
ssize_t procinfo_read_at(int dir, const char *name, char buf[PROCINFO_READ_MAX]);

/* The namespaces not the host's (one readlink each) into *ret_ns; false
 * when one the host has could not be read (the process left it, exiting,
 * or is out of reach): *ret_ns then has those that could, and
 * *ret_unread (when not NULL) the kinds that could not. An exiting
 * process keeps its user and pid namespaces (they hang on its credentials
 * and its pid) after it has left the others. */
bool procinfo_read_ns_at(const struct procinfo_host *host, int dir, unsigned *ret_ns,
			 unsigned *ret_unread);

/* When ns has NS_USER: uid and gid (status) into ret, and those inside
 * the user namespace (uid_map, gid_map): has_ns_uid, has_ns_gid. Else
 * nothing (the audit record has the host's ids). */
void procinfo_read_ids_at(int dir, unsigned ns, struct procinfo *ret);

/* argv[0] (cmdline) and exe into ret, "" when unreadable; false when the
 * exe link could not be read (exiting, or a kernel thread). */
bool procinfo_read_program_at(int dir, struct procinfo *ret);

/* Reads /proc/PID/stat: ppid and start time; -errno when gone, -ENOENT
 * also when it has exited and not been reaped yet (a zombie). */
int procinfo_read_stat(uint32_t pid, uint32_t *ret_ppid, uint64_t *ret_start_ticks);

/* Parses the text of /proc/PID/stat; false when malformed. The command
 * name may hold spaces and parentheses: it ends at the last ')'. */
bool procinfo_parse_stat(const char *text, size_t len, uint32_t *ret_ppid,
			 uint64_t *ret_start_ticks);

/* Whether the text of /proc/PID/stat is of a process that has exited
 * (state Z, zombie, or X, dead) or is exiting (PF_EXITING in its flags:
 * its v1 cgroups then read as the root). */
bool procinfo_stat_exited(const char *text, size_t len);

/* The real uid and gid in the text of /proc/PID/status (the first of the
 * four numbers on its Uid: and Gid: lines); false when either is missing,
 * and the missing one is left as it was. */
/* The name between the first '(' and the last ')' of stat's text into
 * comm (15 bytes at most, NUL-terminated); false when there is none. */
bool procinfo_parse_comm(const char *text, size_t len, char comm[16]);

bool procinfo_parse_ids(const char *status, uint32_t *ret_uid, uint32_t *ret_gid);

/* The wall-clock time the machine booted, in seconds since the epoch, to
 * the microsecond: CLOCK_REALTIME - CLOCK_BOOTTIME, the clock the kernel
 * counts a process's start in (/proc/PID/stat field 22 is its
 * start_boottime in clock ticks). /proc/stat's btime has whole seconds
 * only, which put start times up to a second early. A later step of the
 * wall clock (NTP, settimeofday) is not followed: read it again then. */
double procinfo_boot_time(void);

/* The uid inside a user namespace for host uid, from /proc/PID/uid_map
 * text ("inside outside count" per line); false when not mapped. The same
 * for a gid with /proc/PID/gid_map's text (the same format). */
bool procinfo_map_uid(const char *uid_map, uint32_t host_uid, uint32_t *ret_inside);

#endif
