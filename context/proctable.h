/* SPDX-License-Identifier: MIT */
/*
 * proctable: the processes needle knows, keyed by pid, shared by the
 * decoder threads. Seeded from /proc at start, kept current from the
 * events themselves (execve, fork/clone, exit) and, when an event names a
 * pid not yet known, from /proc/PID at that moment (procinfo.h).
 *
 * Readers look up under rcu_read_lock() without any lock (liburcu's
 * lock-free hash table); a change replaces an entry with an updated copy
 * and frees the old one after a grace period. Threads that call in must
 * be registered with rcu_register_thread().
 *
 * Bounded: at most max_entries. Entries of processes that exited are kept
 * for PROCTABLE_GONE_MS (their children's events still name them as
 * parents), then removed by proctable_expire(); when the table is full,
 * a new process is not added (its events say "unknown") and counted.
 */
#ifndef NEEDLE_PROCTABLE_H
#define NEEDLE_PROCTABLE_H

#include "procinfo.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define PROCTABLE_GONE_MS 60000

/* Versions: where the kernel's process events feed the table
 * (procwatch.h), a fork and each exec begin a new version of the pid's
 * entry and the one before is kept behind it (prev), so a decoder that
 * meets an event late still finds the process as it was then, and a pid
 * taken by another process does not lend its context to the events of the
 * one before. At most PROCTABLE_VERSIONS per pid, none that ended more
 * than PROCTABLE_GONE_MS before the newest began. */
#define PROCTABLE_VERSIONS 4

/* An audit event's time is the coarse clock at syscall entry, up to a
 * clock tick (10 ms at HZ=100) before the instant; the process events'
 * are exact. A version counts as begun by then within this slack. */
#define PROCTABLE_SLACK_MS 12

struct proc_entry {
	struct procinfo info;
	bool start_known;     /* info.start_ticks is the real start (not a fork seen in an event) */
	bool exec_began;      /* this version began with an exec the connector saw */
	bool exec_missed;     /* ... whose snapshot found the process gone: no later
			       * exec of it can come */
	uint64_t born_ms;     /* its fork as the connector saw it (wall ms); 0 unknown */
	uint64_t since_ms;    /* this version's fork or exec (wall ms); 0: since before needle knew */
	_Atomic uint64_t gone_ms; /* when it exited (wall ms), 0 while alive */
	struct proc_entry *_Atomic prev; /* the version before (acquire), NULL when none kept */
};

struct proctable_stats {
	uint64_t entries, versions, bytes, max_entries;
	uint64_t loads, load_failures, full, expired, execs, forks, exits;
};

struct proctable;

struct proctable *proctable_new(unsigned max_entries);
void proctable_free(struct proctable *t);

/* Adds every process in /proc now. */
void proctable_seed(struct proctable *t);

/* The entry of pid, read from /proc when unknown and load is set (one
 * procinfo_read, counted). Call under rcu_read_lock(); the entry stays
 * valid until rcu_read_unlock(). NULL when unknown. */
const struct proc_entry *proctable_lookup(struct proctable *t, uint32_t pid, bool load);

/* Adds (or replaces) an entry as given: for tests and benchmarks that
 * need processes the machine does not have. False when the table is full. */
bool proctable_put(struct proctable *t, const struct procinfo *info, bool start_known);

/* Reads pid from /proc again, replacing its entry (a process that took the
 * pid of one gone). Call under rcu_read_lock(); NULL when not there. */
const struct proc_entry *proctable_reload(struct proctable *t, uint32_t pid);

/* What the events say. exe and argv0 may be NULL (unchanged). An execve
 * reads /proc/PID once when *load_budget is above 0 (and takes one from
 * it), of a pid the table knows too (it may have moved to another cgroup
 * or namespace since); otherwise the entry holds what it held and what the
 * event says, with the container and namespaces of its parent ppid (read
 * from /proc too, while the budget lasts): exec changes neither. */
void proctable_exec(struct proctable *t, uint32_t pid, uint32_t ppid, const char *exe,
		    const char *argv0, unsigned *load_budget);
void proctable_fork(struct proctable *t, uint32_t parent, uint32_t child);
void proctable_exit(struct proctable *t, uint32_t pid, uint64_t now_ms);

/* The process events (procwatch.c), at the kernel's time of each (wall
 * ms). A fork of a process (not a thread) begins the child's first
 * version, its parent's facts until its own exec; an exec begins a
 * version with snap, what /proc said right after it, or, when the process
 * was gone before it could be read (snap NULL), the version before's
 * container and namespaces with exe and argv[0] unknown (keep_container,
 * keep_ns: the snapshot's but the version before's container, and its
 * namespaces of those kinds); an exit marks
 * the newest version gone. The parent of a fork that the table does not
 * know is read from /proc (one load). */
void proctable_fork_at(struct proctable *t, uint32_t parent, uint32_t child, uint64_t at_ms);
void proctable_exec_at(struct proctable *t, uint32_t pid, uint64_t at_ms,
		       const struct procinfo *snap, bool keep_container, unsigned keep_ns);
void proctable_exit_at(struct proctable *t, uint32_t pid, uint64_t at_ms);
/* Whether info's start (stat's, to the clock tick) is at_ms (wall ms),
 * within 50 ms. */
bool proctable_started_at(const struct proctable *t, const struct procinfo *info,
			  uint64_t at_ms);

/* An exec whose snapshot found the process gone (exec_missed). */
void proctable_exec_missed_at(struct proctable *t, uint32_t pid, uint64_t at_ms);

/* Whether a decoder that met an execve and found e
 * (proctable_exec_version; NULL: none) should wait for the connector: no
 * exec of pid in the slack is applied yet, or only one of unknown program
 * (neither exe nor name) whose process was not seen gone: its own exec may
 * still come. Even one superseded in its batch may be another syscall's
 * (setpriv, then unshare, then the probe: the probe's exec may be in the
 * next batch). */
bool proctable_exec_may_follow(const struct proc_entry *e);

/* Namespaces an audited unshare, setns or clone says pid entered
 * (enum procinfo_ns bits), added to its newest version. */
void proctable_add_ns(struct proctable *t, uint32_t pid, unsigned ns);

/* The version of pid that was running at at_ms (an event's time): the
 * newest that began by then, within PROCTABLE_SLACK_MS (of execs within
 * it, the one of exe, the program the record names; NULL: any). When that one is
 * a new process born within the slack of at_ms and the pid's previous
 * process was still alive then, the event's ppid chooses; NULL when it
 * cannot (an event is never given the other process's context), or when
 * no version is known. Call under rcu_read_lock(). */
const struct proc_entry *proctable_version_at(struct proctable *t, uint32_t pid, uint64_t at_ms,
					      uint32_t ppid, const char *exe);

/* The version an execve of pid at at_ms began: the oldest exec of exe
 * (the record's; NULL: any), else of comm (the record's name; NULL: any),
 * the connector saw from at_ms on, within PROCTABLE_SLACK_MS; NULL when
 * none. Under rcu_read_lock(). */
const struct proc_entry *proctable_exec_version(struct proctable *t, uint32_t pid,
						uint64_t at_ms, const char *exe, const char *comm);

/* Whether the process events are feeding the table (procwatch.c says so);
 * while they are, the decoders leave fork, exec and exit to them. */
void proctable_set_followed(struct proctable *t, bool followed);
bool proctable_followed(const struct proctable *t);

/* The wall time (CLOCK_REALTIME, ns: never the coarse clock, a tick
 * behind) by which every process event the kernel sent has been applied:
 * procwatch.c sets it, to when it began a read that left its socket
 * empty. */
void proctable_set_caught_up(struct proctable *t, uint64_t wall_ns);
uint64_t proctable_caught_up(const struct proctable *t);

/* Marks gone the entries whose /proc/PID is no longer their process and
 * removes those gone for longer than PROCTABLE_GONE_MS. It opens one /proc
 * file per entry: call it every few seconds, from a registered thread. */
void proctable_expire(struct proctable *t, uint64_t now_ms);

/* A new bound (SIGHUP): from now on a process is added only while the
 * table holds fewer; a smaller bound removes nothing, the table shrinks
 * as entries expire. Any thread. */
void proctable_set_max(struct proctable *t, unsigned max_entries);

void proctable_get_stats(struct proctable *t, struct proctable_stats *ret);

/* Changes whenever an entry is added, replaced or removed (before the old
 * one is freed): an answer built under an unchanged version still points
 * at live entries. */
uint64_t proctable_version(struct proctable *t);

/* Boot time (wall seconds) and clock ticks per second, to turn
 * start_ticks into a time. */
double proctable_start_time(const struct proctable *t, const struct proc_entry *e);

#endif
