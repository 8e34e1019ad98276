/* SPDX-License-Identifier: MIT */
#include "proctable.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <urcu.h>
#include <urcu/lfstack.h>
#include <urcu/rculfhash.h>

#define relaxed memory_order_relaxed

/* Free nodes kept for the next fork or exec (a node is about 1.3 KB): the
 * connector thread makes two nodes per process, and malloc's heap grew
 * and shrank under it at every grace period. Under the sanitizers nodes
 * go back to malloc: ThreadSanitizer cannot see grace periods (a reused
 * node would look like a race with its last readers, tests/tsan.supp),
 * and AddressSanitizer would not see a use after the free. */
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define PROCTABLE_POOL_MAX 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define PROCTABLE_POOL_MAX 0
#endif
#endif
#ifndef PROCTABLE_POOL_MAX
#define PROCTABLE_POOL_MAX 4096
#endif

struct node {
	struct cds_lfht_node ht;
	struct rcu_head rcu;
	struct cds_lfs_node spare; /* in the owner's pool, once free */
	struct proctable *owner;
	/* Set (release) once filled, before the node is published; read
	 * (acquire) by whoever finds it. The hash table's own publication is
	 * enough on the hardware, but is invisible to ThreadSanitizer. */
	atomic_int ready;
	struct proc_entry e;
};

/* The version behind e, as its writer left it. */
static struct proc_entry *prev_of(const struct proc_entry *e)
{
	return atomic_load_explicit(&((struct proc_entry *)e)->prev, memory_order_acquire);
}

struct proctable {
	struct cds_lfht *ht;
	/* Writers take it (readers never do): a version chain is changed by
	 * one thread at a time, so no node is freed twice or kept by two. */
	pthread_mutex_t write_lock;
	_Atomic bool followed;
	_Atomic uint64_t caught_up_ns;
	_Atomic uint64_t versions; /* nodes behind the heads */
	struct procinfo_host host;
	/* relaxed everywhere: a bound checked against a count that is itself
	 * read relaxed; a reader may use the old bound for a few more adds. */
	_Atomic unsigned max_entries;
	_Atomic uint64_t count;
	_Atomic uint64_t version; /* bumped before any entry is added, replaced or removed */
	double boot_time, ticks_per_second;
	_Atomic uint64_t loads, load_failures, full, expired, execs, forks, exits;
	struct cds_lfs_stack pool; /* free nodes; popped under its own mutex */
	_Atomic unsigned pooled;
};

static unsigned long hash_pid(uint32_t pid)
{
	uint64_t h = pid * 0x9e3779b97f4a7c15ull;

	return (unsigned long)(h ^ (h >> 32));
}

static int match_pid(struct cds_lfht_node *n, const void *key)
{
	return caa_container_of(n, struct node, ht)->e.info.pid == *(const uint32_t *)key;
}

/* A zeroed node: one from the pool, else from malloc. */
static struct node *node_alloc(struct proctable *t)
{
	struct cds_lfs_node *spare = PROCTABLE_POOL_MAX ? cds_lfs_pop_blocking(&t->pool) : NULL;
	struct node *n;

	if (spare) {
		atomic_fetch_sub_explicit(&t->pooled, 1, relaxed);
		n = caa_container_of(spare, struct node, spare);
		memset(n, 0, sizeof(*n));
	} else {
		n = calloc(1, sizeof(*n));
	}
	if (n)
		n->owner = t;
	return n;
}

/* Gives back a node no reader can hold: never published, or after the
 * grace period that followed its removal. */
static void node_release(struct node *n)
{
	struct proctable *t = n->owner;

	if (atomic_fetch_add_explicit(&t->pooled, 1, relaxed) >= PROCTABLE_POOL_MAX) {
		atomic_fetch_sub_explicit(&t->pooled, 1, relaxed);
		free(n);
		return;
	}
	cds_lfs_node_init(&n->spare);
	cds_lfs_push(&t->pool, &n->spare);
}

static void free_node(struct rcu_head *head)
{
	node_release(caa_container_of(head, struct node, rcu));
}

static struct node *node_of(struct proc_entry *e)
{
	return caa_container_of(e, struct node, e);
}

/* Frees the versions from e on, after the readers' grace period. */
static void free_versions(struct proctable *t, struct proc_entry *e)
{
	while (e) {
		struct proc_entry *prev = prev_of(e);

		call_rcu(&node_of(e)->rcu, free_node);
		atomic_fetch_sub_explicit(&t->versions, 1, relaxed);
		e = prev;
	}
}

struct proctable *proctable_new(unsigned max_entries)
{
	struct proctable *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->ht = cds_lfht_new(1024, 1024, 0, CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING, NULL);
	if (!t->ht) {
		free(t);
		return NULL;
	}
	pthread_mutex_init(&t->write_lock, NULL);
	cds_lfs_init(&t->pool);
	atomic_init(&t->max_entries, max_entries ? max_entries : 1);
	t->boot_time = procinfo_boot_time();
	t->ticks_per_second = (double)sysconf(_SC_CLK_TCK);
	procinfo_host_init(&t->host);
	return t;
}

void proctable_free(struct proctable *t)
{
	struct cds_lfht_iter it;
	struct node *n;

	if (!t)
		return;
	rcu_read_lock();
	cds_lfht_for_each_entry(t->ht, &it, n, ht)
		if (cds_lfht_del(t->ht, &n->ht) == 0) {
			free_versions(t, prev_of(&n->e));
			call_rcu(&n->rcu, free_node);
		}
	rcu_read_unlock();
	rcu_barrier(); /* every node back in the pool, or freed */
	cds_lfht_destroy(t->ht, NULL);
	for (struct cds_lfs_node *s; (s = cds_lfs_pop_blocking(&t->pool));)
		free(caa_container_of(s, struct node, spare));
	cds_lfs_destroy(&t->pool);
	pthread_mutex_destroy(&t->write_lock);
	free(t);
}

/* Drops the versions behind head that are too many or ended too long
 * before it began. Under write_lock. */
static void trim_versions(struct proctable *t, struct proc_entry *head)
{
	struct proc_entry *e = head;

	for (unsigned kept = 1; prev_of(e); kept++) {
		struct proc_entry *older = prev_of(e);

		/* older ended when e began */
		if (kept >= PROCTABLE_VERSIONS ||
		    (head->since_ms && e->since_ms &&
		     head->since_ms - e->since_ms > PROCTABLE_GONE_MS)) {
			atomic_store_explicit(&e->prev, NULL, memory_order_release);
			free_versions(t, older);
			return;
		}
		e = older;
	}
}

/* Puts n in for its pid under write_lock, taking ownership. keep_old: the
 * entry it replaces becomes its version before (a fork or an exec);
 * otherwise n stands for that entry, takes its versions and it is freed. */
static void put_locked(struct proctable *t, struct node *n, bool keep_old)
{
	struct cds_lfht_node *old;
	struct node *o;

	atomic_store_explicit(&n->ready, 1, memory_order_release);
	atomic_fetch_add(&t->version, 1);
	rcu_read_lock();
	old = cds_lfht_add_replace(t->ht, hash_pid(n->e.info.pid), match_pid, &n->e.info.pid, &n->ht);
	rcu_read_unlock();
	if (!old) {
		atomic_fetch_add_explicit(&t->count, 1, relaxed);
		return;
	}
	/* n is published before its prev is set: a reader may see no
	 * versions behind it for a moment, never a freed one. */
	o = caa_container_of(old, struct node, ht);
	if (keep_old) {
		atomic_store_explicit(&n->e.prev, &o->e, memory_order_release);
		atomic_fetch_add_explicit(&t->versions, 1, relaxed);
		trim_versions(t, &n->e);
	} else {
		atomic_store_explicit(&n->e.prev, prev_of(&o->e), memory_order_release);
		call_rcu(&o->rcu, free_node);
	}
}

static void put(struct proctable *t, struct node *n)
{
	pthread_mutex_lock(&t->write_lock);
	put_locked(t, n, false);
	pthread_mutex_unlock(&t->write_lock);
}

/* A new node, unless the table is full (counted). */
static struct node *new_node(struct proctable *t)
{
	if (atomic_load_explicit(&t->count, relaxed) >=
	    atomic_load_explicit(&t->max_entries, relaxed)) {
		atomic_fetch_add_explicit(&t->full, 1, relaxed);
		return NULL;
	}
	return node_alloc(t);
}

bool proctable_put(struct proctable *t, const struct procinfo *info, bool start_known)
{
	struct node *n = new_node(t);

	if (!n)
		return false;
	n->e.info = *info;
	n->e.start_known = start_known;
	put(t, n);
	return true;
}

static const struct proc_entry *find(struct proctable *t, uint32_t pid)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *hn;

	struct node *n;

	cds_lfht_lookup(t->ht, hash_pid(pid), match_pid, &pid, &it);
	hn = cds_lfht_iter_get_node(&it);
	if (!hn)
		return NULL;
	n = caa_container_of(hn, struct node, ht);
	(void)atomic_load_explicit(&n->ready, memory_order_acquire);
	return &n->e;
}

static struct node *load(struct proctable *t, uint32_t pid)
{
	struct node *n = new_node(t);

	if (!n)
		return NULL;
	atomic_fetch_add_explicit(&t->loads, 1, relaxed);
	if (procinfo_read(&t->host, pid, &n->e.info) < 0) {
		atomic_fetch_add_explicit(&t->load_failures, 1, relaxed);
		node_release(n);
		return NULL;
	}
	n->e.start_known = true;
	return n;
}

void proctable_seed(struct proctable *t)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);
		struct node *n;

		if (*end || pid == 0 || pid > UINT32_MAX)
			continue;
		n = load(t, (uint32_t)pid);
		if (n)
			put(t, n);
	}
	if (d)
		closedir(d);
}

const struct proc_entry *proctable_lookup(struct proctable *t, uint32_t pid, bool want_load)
{
	const struct proc_entry *e = find(t, pid);
	struct node *n;
	struct cds_lfht_node *won;

	if (e || !want_load || pid == 0)
		return e;
	n = load(t, pid);
	if (!n)
		return NULL;
	/* Another thread may have added it meanwhile: keep the first. */
	pthread_mutex_lock(&t->write_lock);
	atomic_store_explicit(&n->ready, 1, memory_order_release);
	atomic_fetch_add(&t->version, 1);
	won = cds_lfht_add_unique(t->ht, hash_pid(pid), match_pid, &pid, &n->ht);
	if (won == &n->ht)
		atomic_fetch_add_explicit(&t->count, 1, relaxed);
	pthread_mutex_unlock(&t->write_lock);
	if (won != &n->ht) {
		node_release(n);
		return &caa_container_of(won, struct node, ht)->e;
	}
	return &n->e;
}

const struct proc_entry *proctable_reload(struct proctable *t, uint32_t pid)
{
	struct node *n = load(t, pid);

	if (!n)
		return NULL;
	put(t, n);
	return &n->e;
}

static void set_name(char dst[PROCINFO_NAME_MAX], const char *src)
{
	size_t n = strnlen(src, PROCINFO_NAME_MAX - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

void proctable_exec(struct proctable *t, uint32_t pid, uint32_t ppid, const char *exe,
		    const char *argv0, unsigned *load_budget)
{
	const struct proc_entry *old;
	struct node *n = node_alloc(t);

	if (!n)
		return;
	atomic_fetch_add_explicit(&t->execs, 1, relaxed);
	rcu_read_lock();
	old = find(t, pid);
	if (old) {
		n->e.info = old->info;
		n->e.start_known = old->start_known;
		n->e.born_ms = old->born_ms;
	}
	rcu_read_unlock();
	if (old && *load_budget) {
		/* Read again: since the entry was made the process may have
		 * moved to another cgroup or namespace before this exec (a
		 * container's first process does); gone, the entry stays. */
		struct node *loaded;

		--*load_budget;
		loaded = load(t, pid);
		if (loaded) {
			node_release(n);
			n = loaded;
		}
	}
	if (!old) {
		/* The process as it is now; gone already (or no reads left for
		 * this event), what the event says. */
		struct node *loaded = NULL;

		if (*load_budget) {
			--*load_budget;
			loaded = load(t, pid);
		}

		if (loaded) {
			node_release(n);
			n = loaded;
		} else if (atomic_load_explicit(&t->count, relaxed) >=
			   atomic_load_explicit(&t->max_entries, relaxed)) {
			atomic_fetch_add_explicit(&t->full, 1, relaxed);
			node_release(n);
			return;
		} else if (ppid) {
			/* Gone before we read it: exec kept the cgroup and the
			 * namespaces it had from its parent at fork. */
			rcu_read_lock();
			old = find(t, ppid);
			if (!old && *load_budget) {
				--*load_budget;
				old = proctable_lookup(t, ppid, true);
			}
			if (old) {
				n->e.info.container = old->info.container;
				n->e.info.ns = old->info.ns;
			}
			rcu_read_unlock();
		}
	}
	n->e.info.pid = pid;
	if (ppid)
		n->e.info.ppid = ppid;
	if (exe)
		set_name(n->e.info.exe, exe);
	if (argv0)
		set_name(n->e.info.argv0, argv0);
	put(t, n);
}

void proctable_fork(struct proctable *t, uint32_t parent, uint32_t child)
{
	const struct proc_entry *p;
	struct node *n;

	atomic_fetch_add_explicit(&t->forks, 1, relaxed);
	rcu_read_lock();
	p = find(t, child);
	rcu_read_unlock();
	if (p)
		return; /* already loaded from /proc: that is better */
	n = new_node(t);
	if (!n)
		return;
	rcu_read_lock();
	p = find(t, parent);
	if (p)
		n->e.info = p->info; /* a fork runs its parent's program */
	rcu_read_unlock();
	n->e.info.pid = child;
	n->e.info.ppid = parent;
	n->e.info.start_ticks = 0;
	n->e.start_known = false;
	put(t, n);
}

void proctable_exit(struct proctable *t, uint32_t pid, uint64_t now_ms)
{
	const struct proc_entry *e;

	atomic_fetch_add_explicit(&t->exits, 1, relaxed);
	rcu_read_lock();
	e = find(t, pid);
	if (e)
		atomic_store_explicit(&((struct proc_entry *)e)->gone_ms, now_ms, relaxed);
	rcu_read_unlock();
}

/* Whether /proc/PID is still the process of this entry. */
static bool still_there(const struct proc_entry *e)
{
	uint32_t ppid;
	uint64_t start;

	return procinfo_read_stat(e->info.pid, &ppid, &start) == 0 &&
	       (!e->start_known || start == e->info.start_ticks);
}

void proctable_expire(struct proctable *t, uint64_t now_ms)
{
	struct cds_lfht_iter it;
	struct node *n;

	rcu_read_lock();
	cds_lfht_for_each_entry(t->ht, &it, n, ht) {
		uint64_t gone = atomic_load_explicit(&n->e.gone_ms, relaxed);

		if (!gone && !still_there(&n->e)) {
			/* Exited without an event we saw: start its grace now. */
			atomic_store_explicit(&n->e.gone_ms, now_ms, relaxed);
			continue;
		}
		if (gone && now_ms - gone >= PROCTABLE_GONE_MS) {
			pthread_mutex_lock(&t->write_lock);
			atomic_fetch_add(&t->version, 1);
			if (cds_lfht_del(t->ht, &n->ht) == 0) {
				free_versions(t, prev_of(&n->e));
				call_rcu(&n->rcu, free_node);
				atomic_fetch_sub_explicit(&t->count, 1, relaxed);
				atomic_fetch_add_explicit(&t->expired, 1, relaxed);
			}
			pthread_mutex_unlock(&t->write_lock);
		}
	}
	rcu_read_unlock();
}

uint64_t proctable_version(struct proctable *t)
{
	return atomic_load(&t->version);
}

void proctable_set_max(struct proctable *t, unsigned max_entries)
{
	atomic_store_explicit(&t->max_entries, max_entries ? max_entries : 1, relaxed);
}

void proctable_get_stats(struct proctable *t, struct proctable_stats *ret)
{
	ret->entries = atomic_load_explicit(&t->count, relaxed);
	ret->versions = atomic_load_explicit(&t->versions, relaxed);
	ret->bytes = (ret->entries + ret->versions) * sizeof(struct node);
	ret->max_entries = atomic_load_explicit(&t->max_entries, relaxed);
	ret->loads = atomic_load_explicit(&t->loads, relaxed);
	ret->load_failures = atomic_load_explicit(&t->load_failures, relaxed);
	ret->full = atomic_load_explicit(&t->full, relaxed);
	ret->expired = atomic_load_explicit(&t->expired, relaxed);
	ret->execs = atomic_load_explicit(&t->execs, relaxed);
	ret->forks = atomic_load_explicit(&t->forks, relaxed);
	ret->exits = atomic_load_explicit(&t->exits, relaxed);
}

double proctable_start_time(const struct proctable *t, const struct proc_entry *e)
{
	if (e->born_ms)
		return (double)e->born_ms / 1000.0;
	if (!e->start_known || t->ticks_per_second <= 0)
		return 0;
	return t->boot_time + (double)e->info.start_ticks / t->ticks_per_second;
}

void proctable_set_followed(struct proctable *t, bool followed)
{
	atomic_store(&t->followed, followed);
}

bool proctable_followed(const struct proctable *t)
{
	return atomic_load_explicit(&((struct proctable *)t)->followed, relaxed);
}

void proctable_set_caught_up(struct proctable *t, uint64_t wall_ns)
{
	atomic_store_explicit(&t->caught_up_ns, wall_ns, memory_order_release);
}

uint64_t proctable_caught_up(const struct proctable *t)
{
	return atomic_load_explicit(&((struct proctable *)t)->caught_up_ns, memory_order_acquire);
}

/* A new version of pid: a copy of its newest (or of from when given) with
 * nothing behind it yet. NULL when the table is full or out of memory. */
static struct node *new_version(struct proctable *t, const struct proc_entry *from)
{
	struct node *n = new_node(t);

	if (n && from) {
		n->e.info = from->info;
		n->e.start_known = from->start_known;
		n->e.born_ms = from->born_ms;
	}
	return n;
}

bool proctable_started_at(const struct proctable *t, const struct procinfo *info, uint64_t at_ms)
{
	struct proc_entry probe = { .info = *info, .start_known = true };
	double start = proctable_start_time(t, &probe), at = (double)at_ms / 1000;

	/* stat's start is to the clock tick (10 ms) */
	return start > at - 0.05 && start < at + 0.05;
}

/* Whether e is a /proc reading (no process event began it) of a process
 * that started at at_ms. Under write_lock (e is not freed meanwhile). */
static bool loaded_as(const struct proctable *t, const struct proc_entry *e, uint64_t at_ms)
{
	return e && !e->since_ms && !e->born_ms && e->start_known &&
	       proctable_started_at(t, &e->info, at_ms);
}

void proctable_fork_at(struct proctable *t, uint32_t parent, uint32_t child, uint64_t at_ms)
{
	const struct proc_entry *p;
	struct node *n;
	bool keep_old;

	atomic_fetch_add_explicit(&t->forks, 1, relaxed);
	rcu_read_lock();
	p = proctable_lookup(t, parent, true);
	n = new_version(t, p);
	rcu_read_unlock();
	if (!n)
		return;
	n->e.info.pid = child;
	n->e.info.ppid = parent;
	n->e.info.start_ticks = 0;
	n->e.start_known = false;
	n->e.exec_began = false;
	n->e.born_ms = n->e.since_ms = at_ms;
	pthread_mutex_lock(&t->write_lock);
	/* the pid's previous process, if any, behind it; but the child itself,
	 * read from /proc by a decoder that met it before its fork was
	 * applied, is replaced */
	rcu_read_lock();
	keep_old = !loaded_as(t, find(t, child), at_ms);
	rcu_read_unlock();
	put_locked(t, n, keep_old);
	pthread_mutex_unlock(&t->write_lock);
}

static void put_exec(struct proctable *t, uint32_t pid, uint64_t at_ms,
		     const struct procinfo *snap, bool keep_container, unsigned keep_ns,
		     bool missed)
{
	const struct proc_entry *old;
	struct node *n;

	atomic_fetch_add_explicit(&t->execs, 1, relaxed);
	/* Only the process events add versions, from one thread: the newest
	 * read here is still the newest when n goes in. */
	rcu_read_lock();
	old = find(t, pid);
	n = new_version(t, old);
	rcu_read_unlock();
	if (!n)
		return;
	if (snap) {
		struct container_info before = n->e.info.container;
		unsigned ns_before = n->e.info.ns;

		n->e.info = *snap;
		n->e.start_known = true;
		if (keep_container)
			n->e.info.container = before;
		n->e.info.ns = (snap->ns & ~keep_ns) | (ns_before & keep_ns);
	} else {
		/* exec changes neither cgroup nor namespaces: those stay */
		n->e.info.exe[0] = n->e.info.argv0[0] = n->e.info.comm[0] = '\0';
	}
	n->e.info.pid = pid;
	n->e.exec_began = true;
	n->e.exec_missed = missed;
	n->e.since_ms = at_ms;
	pthread_mutex_lock(&t->write_lock);
	put_locked(t, n, true);
	pthread_mutex_unlock(&t->write_lock);
}

void proctable_exec_at(struct proctable *t, uint32_t pid, uint64_t at_ms,
		       const struct procinfo *snap, bool keep_container, unsigned keep_ns)
{
	put_exec(t, pid, at_ms, snap, keep_container, keep_ns, false);
}

void proctable_exit_at(struct proctable *t, uint32_t pid, uint64_t at_ms)
{
	proctable_exit(t, pid, at_ms);
}

void proctable_exec_missed_at(struct proctable *t, uint32_t pid, uint64_t at_ms)
{
	put_exec(t, pid, at_ms, NULL, true, 0, true);
}

bool proctable_exec_may_follow(const struct proc_entry *e)
{
	return !e || (!e->info.exe[0] && !e->info.comm[0] && !e->exec_missed);
}

void proctable_add_ns(struct proctable *t, uint32_t pid, unsigned ns)
{
	const struct proc_entry *old;
	struct node *n = NULL;

	pthread_mutex_lock(&t->write_lock);
	rcu_read_lock();
	old = find(t, pid);
	if (old && (old->info.ns & ns) != ns && (n = node_alloc(t))) {
		n->e = *old;
		atomic_store_explicit(&n->e.gone_ms, atomic_load_explicit(&old->gone_ms, relaxed),
				      relaxed);
		atomic_store_explicit(&n->e.prev, NULL, relaxed);
		n->e.info.ns |= ns;
	}
	rcu_read_unlock();
	if (n)
		put_locked(t, n, false);
	pthread_mutex_unlock(&t->write_lock);
}

/* Whether e's process (not a later version of it) was born within the
 * slack of at_ms: an event then may belong to the pid's previous process. */
static bool born_near(const struct proc_entry *e, uint64_t at_ms)
{
	return e->born_ms && e->born_ms == e->since_ms && e->born_ms + PROCTABLE_SLACK_MS > at_ms &&
	       at_ms + PROCTABLE_SLACK_MS > e->born_ms;
}

/* Whether the version runs exe (unknown on either side: it may). */
static bool runs(const struct proc_entry *e, const char *exe)
{
	return !exe || !e->info.exe[0] || strcmp(e->info.exe, exe) == 0;
}

const struct proc_entry *proctable_version_at(struct proctable *t, uint32_t pid, uint64_t at_ms,
					      uint32_t ppid, const char *exe)
{
	const struct proc_entry *e = find(t, pid), *before, *v;
	uint64_t gone;

	while (e && e->since_ms && e->since_ms > at_ms + PROCTABLE_SLACK_MS)
		e = prev_of(e);
	/* Execs within the slack of the event: the one whose program the
	 * record names, else the newest that began by the event's time. */
	for (v = e; v && v->exec_began && v->since_ms + PROCTABLE_SLACK_MS > at_ms;
	     v = prev_of(v))
		if (exe && v->info.exe[0] && strcmp(v->info.exe, exe) == 0) {
			e = v;
			break;
		}
	while (e && e->exec_began && e->since_ms > at_ms + 1 && !runs(e, exe) && prev_of(e))
		e = prev_of(e);
	if (!e || !born_near(e, at_ms))
		return e;
	/* Born about then: the pid's previous process, if it still lived,
	 * may be the event's. Its own parent decides, or nobody. */
	before = prev_of(e);
	if (!before || ((gone = atomic_load_explicit(&before->gone_ms, relaxed)) &&
			gone + PROCTABLE_SLACK_MS < at_ms))
		return e;
	if (ppid && e->info.ppid == ppid && before->info.ppid != ppid)
		return e;
	if (ppid && before->info.ppid == ppid && e->info.ppid != ppid)
		return before;
	return NULL;
}

/* Whether the version's name may be comm (unknown on either side: it may). */
static bool named_alike(const struct proc_entry *e, const char *comm)
{
	return !comm || !e->info.comm[0] || strncmp(e->info.comm, comm, 15) == 0;
}

const struct proc_entry *proctable_exec_version(struct proctable *t, uint32_t pid,
						uint64_t at_ms, const char *exe, const char *comm)
{
	const struct proc_entry *e = find(t, pid), *best = NULL, *named = NULL, *alike = NULL;

	/* The exec ends the syscall the event's time began, and that time is
	 * the coarse clock's, up to a tick behind: of the execs from then,
	 * the oldest of the program the record names; else the oldest of its
	 * name (a snapshot that came as the process exited has its name, not
	 * its exe); else the oldest whose program is unknown (an exec the
	 * batch showed superseded); never one of another program. */
	for (; e && e->since_ms && e->since_ms + PROCTABLE_SLACK_MS >= at_ms;
	     e = prev_of(e)) {
		/* the name only where the exe is unknown: a process may rename
		 * itself (prctl) before its snapshot */
		if (!e->exec_began || !runs(e, exe) || (!e->info.exe[0] && !named_alike(e, comm)))
			continue;
		best = e;
		if (exe && e->info.exe[0])
			named = e;
		else if (comm && e->info.comm[0])
			alike = e;
	}
	return named ? named : alike ? alike : best;
}
