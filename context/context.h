/* SPDX-License-Identifier: MIT */
/*
 * context: the process context of one event (format.h's process hook),
 * from the process table (proctable.h). First the table learns from the
 * event (execve replaces the program, fork/clone adds the child, exit marks
 * it gone), then the event's process, its parents up to depth and its
 * container are looked up. A pid the table does not know is read from
 * /proc, at most PROC_LOADS_PER_EVENT times per event in all; an entry that
 * started after the event is another process that took the pid, and is
 * reported unknown rather than guessed.
 *
 * Call under rcu_read_lock(), held until the event is formatted: the
 * strings of ret point into the table.
 */
#ifndef NEEDLE_CONTEXT_H
#define NEEDLE_CONTEXT_H

#include "format.h"
#include "proctable.h"

/* At most this many loads of /proc/PID (procinfo_read: stat, exe, cmdline,
 * status, cgroup, the namespaces, stat again) for one event, the execve of
 * an unknown pid, its process and its ancestors together: a miss never
 * holds the decoder longer than a few of them. */
#define PROC_LOADS_PER_EVENT 4

/* An execve event met before the connector thread applied its exec waits
 * for the thread at most this long, when the event is younger than
 * CONTEXT_CATCH_UP_RECENT_MS (procwatch.h). */
#define CONTEXT_CATCH_UP_MS 20
#define CONTEXT_CATCH_UP_RECENT_MS 2000

/* One thread's recent answers (direct-mapped by pid), reused while the
 * table has not changed (proctable_version) for the next event of the same
 * process in the same second: events come in bursts per process. Zero it
 * to start. */
#define CONTEXT_CACHE_SLOTS 8

struct context_cache {
	struct {
		bool valid;
		uint64_t version, sec;
		uint32_t pid, ppid;
		struct format_process answer;
	} slot[CONTEXT_CACHE_SLOTS];
};

bool context_for_event(struct proctable *t, unsigned depth, const struct format_facts *f,
		       uint64_t now_ms, struct context_cache *cache, struct format_process *ret);

#endif
