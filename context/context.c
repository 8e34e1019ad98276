/* SPDX-License-Identifier: MIT */
#include "context.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

/* The entry for pid if it is the process of an event at sec: an entry
 * that started later is another process that took the pid; one that was
 * gone before the event is a process that left it (then /proc is asked
 * who has the pid now). */
static const struct proc_entry *proc_at(struct proctable *t, uint32_t pid, uint64_t sec,
					unsigned *budget)
{
	const struct proc_entry *e = proctable_lookup(t, pid, false);
	uint64_t gone;
	double start;

	if (e && (gone = atomic_load_explicit(&e->gone_ms, memory_order_relaxed)) &&
	    sec * 1000 > gone + 1000) {
		e = NULL;
		if (*budget) {
			--*budget;
			e = proctable_reload(t, pid);
		}
	} else if (!e && *budget) {
		--*budget;
		e = proctable_lookup(t, pid, true);
	}
	if (e && (start = proctable_start_time(t, e)) > 0 && start > (double)sec + 1)
		return NULL;
	return e;
}

/* An execve decoded before the connector thread applied its exec (it
 * was busy with a snapshot): waits, a few milliseconds at most, until the
 * thread has applied all the kernel sent by now, then looks again. Only
 * for recent events: a decoder behind must not slow down further. */
static const struct proc_entry *exec_after_catch_up(struct proctable *t, uint32_t pid,
						    uint64_t at_ms, const char *exe,
						    const char *comm)
{
	const struct proc_entry *e = NULL;
	struct timespec ts;
	uint64_t now_ns;

	/* The exec's process event was queued before its audit record left
	 * the kernel, so before now: precise, where the decoders' coarse
	 * clock may be a tick behind the connector's reads. The version is
	 * looked for again at each turn: the thread marks a read caught up
	 * only at the next one (up to PROCWATCH_IDLE_MS later, idle). */
	clock_gettime(CLOCK_REALTIME, &ts);
	now_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	for (unsigned i = 0; i < CONTEXT_CATCH_UP_MS * 5; i++) {
		bool caught_up = proctable_caught_up(t) >= now_ns;

		e = proctable_exec_version(t, pid, at_ms, exe, comm);
		if (caught_up || !proctable_exec_may_follow(e))
			break;
		usleep(200);
	}
	return e;
}

/* The version of pid at the event's time when the process events feed the
 * table; the table's guess from /proc when they never told it of pid. An
 * execve's process is the version its exec began. */
static const struct proc_entry *followed_at(struct proctable *t, uint32_t pid, uint32_t ppid,
					    const char *exe, const char *comm, uint64_t at_ms,
					    bool execve, uint64_t now_ms, unsigned *budget)
{
	const struct proc_entry *e =
		execve ? proctable_exec_version(t, pid, at_ms, exe, comm) : NULL;
	uint64_t gone;

	/* Not yet there, or only one whose program is unknown (a snapshot
	 * late or skipped), not even by name, after which another exec may
	 * still come: the connector may still be applying this exec. */
	if (execve && proctable_exec_may_follow(e) &&
	    at_ms + CONTEXT_CATCH_UP_RECENT_MS > now_ms)
		e = exec_after_catch_up(t, pid, at_ms, exe, comm);
	if (e)
		return e;
	e = proctable_version_at(t, pid, at_ms, ppid, exe);
	if (e && !(e->since_ms == 0 && (gone = atomic_load_explicit(&e->gone_ms, memory_order_relaxed)) &&
		   at_ms > gone + 1000))
		return e;
	if (proctable_lookup(t, pid, false) && !e)
		return NULL; /* known, but not at that time: never guessed */
	return proc_at(t, pid, at_ms / 1000, budget);
}

static bool is_fork(const char *syscall)
{
	return strcmp(syscall, "clone") == 0 || strcmp(syscall, "clone3") == 0 ||
	       strcmp(syscall, "fork") == 0 || strcmp(syscall, "vfork") == 0;
}

/* CLONE_NEW* flags (linux/sched.h) as enum procinfo_ns bits. unshare's
 * CLONE_NEWPID moves the caller's children, not the caller: left out. */
static unsigned ns_of_flags(unsigned long long flags, bool with_pid)
{
	unsigned ns = 0;

	if (flags & 0x00020000)
		ns |= NS_MNT;
	if (with_pid && (flags & 0x20000000))
		ns |= NS_PID;
	if (flags & 0x40000000)
		ns |= NS_NET;
	if (flags & 0x10000000)
		ns |= NS_USER;
	if (flags & 0x04000000)
		ns |= NS_UTS;
	if (flags & 0x08000000)
		ns |= NS_IPC;
	if (flags & 0x02000000)
		ns |= NS_CGROUP;
	return ns;
}

/* What the event says the process did to its namespaces: unshare and
 * setns change the caller's, clone the child's (x86_64's clone takes the
 * flags first; clone3's are in memory the record does not show). */
static void learn_namespaces(struct proctable *t, const struct format_facts *f)
{
	unsigned ns = 0;
	uint32_t pid = f->pid;

	if (strcmp(f->syscall, "unshare") == 0)
		ns = ns_of_flags(f->a0, false);
	else if (strcmp(f->syscall, "setns") == 0)
		ns = ns_of_flags(f->a1, true); /* nstype 0 (any) says nothing */
	else if (strcmp(f->syscall, "clone") == 0 && f->exit > 0 && f->exit <= UINT32_MAX) {
		ns = ns_of_flags(f->a0, true);
		pid = (uint32_t)f->exit;
	}
	if (ns)
		proctable_add_ns(t, pid, ns);
}

bool context_for_event(struct proctable *t, unsigned depth, const struct format_facts *f,
		       uint64_t now_ms, struct context_cache *cache, struct format_process *ret)
{
	unsigned budget = PROC_LOADS_PER_EVENT;
	const struct proc_entry *e;
	uint32_t parent;
	uint64_t version, at_ms = f->sec * 1000 + f->msec;
	bool followed = proctable_followed(t);
	bool execve = f->syscall && f->success && strncmp(f->syscall, "execve", 6) == 0;
	__typeof__(&cache->slot[0]) slot;

	/* Followed, the table has every fork, exec and exit already, as they
	 * happened: the event only adds what they cannot say. */
	if (f->syscall && f->success && !followed) {
		if (execve)
			proctable_exec(t, f->pid, f->ppid, f->exe, f->argv0, &budget);
		else if (is_fork(f->syscall) && f->exit > 0 && f->exit <= UINT32_MAX)
			proctable_fork(t, f->pid, (uint32_t)f->exit);
	}
	if (f->syscall && f->success && (f->a0 || f->a1))
		learn_namespaces(t, f);
	if (f->syscall && !followed &&
	    (strcmp(f->syscall, "exit_group") == 0 || strcmp(f->syscall, "exit") == 0))
		proctable_exit(t, f->pid, now_ms);
	version = proctable_version(t);
	slot = &cache->slot[f->pid % CONTEXT_CACHE_SLOTS];
	if (slot->valid && !execve && slot->version == version && slot->pid == f->pid &&
	    slot->ppid == f->ppid && slot->sec == f->sec) {
		*ret = slot->answer;
		return true;
	}
	ret->generation = version; /* the strings are the table's of this version */
	e = followed ? followed_at(t, f->pid, f->ppid, f->exe, f->comm, at_ms, execve, now_ms,
				       &budget)
		     : proc_at(t, f->pid, f->sec, &budget);
	if (e) {
		ret->known = true;
		ret->start_time = proctable_start_time(t, e);
		ret->runtime = e->info.container.runtime[0] ? e->info.container.runtime : NULL;
		ret->container_id = e->info.container.id[0] ? e->info.container.id : NULL;
		ret->pod = e->info.container.pod[0] ? e->info.container.pod : NULL;
		ret->namespaces = e->info.ns;
		if (e->info.has_ns_uid) {
			ret->has_container_uid = true;
			ret->host_uid = e->info.uid;
			ret->container_uid = e->info.ns_uid;
		}
		if (e->info.has_ns_gid) {
			ret->has_container_gid = true;
			ret->host_gid = e->info.gid;
			ret->container_gid = e->info.ns_gid;
		}
	}
	/* The record's ppid first: the table's may be older. */
	parent = f->ppid ? f->ppid : e ? e->info.ppid : 0;
	while (parent && ret->nancestors < depth && ret->nancestors < FORMAT_MAX_ANCESTORS) {
		struct format_ancestor *a = &ret->ancestors[ret->nancestors++];
		const struct proc_entry *pe =
			followed ? followed_at(t, parent, 0, NULL, NULL, at_ms, false, now_ms, &budget)
				 : proc_at(t, parent, f->sec, &budget);

		a->pid = parent;
		if (!pe)
			break; /* gone: unknown, and so is everything above it */
		a->known = true;
		a->exe = pe->info.exe[0] ? pe->info.exe : NULL;
		a->argv0 = pe->info.argv0[0] ? pe->info.argv0 : NULL;
		parent = pe->info.ppid;
	}
	/* An answer from a version the process has since left is not the
	 * answer for its next event. */
	slot->valid = !followed || !e || e == proctable_lookup(t, f->pid, false);
	slot->version = version;
	slot->sec = f->sec;
	slot->pid = f->pid;
	slot->ppid = f->ppid;
	slot->answer = *ret;
	return true;
}

