/* SPDX-License-Identifier: MIT */
/*
 * The process table fed by process events: the versions a fork and an
 * exec begin and what each inherits, the version an event of a given time
 * gets (pid reuse, the audit clock's slack, the record's exe), their bound;
 * procwatch_apply's handling of threads and snapshots; the snapshot of a
 * live, a zombie and a reaped process; the connector refused (a user
 * namespace gets no answer) leaving the table unfollowed.
 */
#include "harness.h"
#include "context.h"
#include "procsnap.h"
#include "proctable.h"
#include "procwatch.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <urcu.h>

#define PARENT 4000001u
#define CHILD 4000002u

/* A made-up process in a docker container, in a user namespace. */
static void put_parent(struct proctable *t, uint32_t pid, uint32_t ppid, const char *cid)
{
	struct procinfo info = { .pid = pid, .ppid = ppid, .uid = 65534, .has_ns_uid = true,
				 .ns_uid = 0, .ns = NS_USER | NS_PID };

	snprintf(info.exe, sizeof(info.exe), "/usr/bin/bash");
	snprintf(info.argv0, sizeof(info.argv0), "bash");
	snprintf(info.container.runtime, sizeof(info.container.runtime), "docker");
	snprintf(info.container.id, sizeof(info.container.id), "%s", cid);
	CHECK(proctable_put(t, &info, true));
}

static struct procinfo snapshot(uint32_t pid, const char *exe, const char *cid)
{
	struct procinfo s = { .pid = pid, .ppid = PARENT, .start_ticks = 1 };

	snprintf(s.exe, sizeof(s.exe), "%s", exe);
	snprintf(s.container.runtime, sizeof(s.container.runtime), "docker");
	snprintf(s.container.id, sizeof(s.container.id), "%s", cid);
	return s;
}

TEST(fork_inherits_until_exec)
{
	struct proctable *t = proctable_new(1024);
	struct procinfo snap = snapshot(CHILD, "/usr/bin/true", "bbbb");
	const struct proc_entry *e;

	rcu_register_thread();
	put_parent(t, PARENT, 1, "aaaa");
	proctable_fork_at(t, PARENT, CHILD, 100000);
	rcu_read_lock();
	e = proctable_version_at(t, CHILD, 100005, PARENT, NULL);
	CHECK(e && e->born_ms == 100000 && !e->exec_began);
	if (e) { /* the parent's facts, its own pid */
		CHECK_STR(e->info.container.id, "aaaa");
		CHECK_STR(e->info.exe, "/usr/bin/bash");
		CHECK(e->info.has_ns_uid && e->info.ns == (NS_USER | NS_PID));
		CHECK_EQ(e->info.pid, CHILD);
		CHECK_EQ(e->info.ppid, PARENT);
	}
	rcu_read_unlock();

	proctable_exec_at(t, CHILD, 100050, &snap, false, 0);
	rcu_read_lock();
	e = proctable_version_at(t, CHILD, 100020, PARENT, "/usr/bin/bash"); /* before it */
	CHECK(e && !e->exec_began && strcmp(e->info.container.id, "aaaa") == 0);
	e = proctable_version_at(t, CHILD, 100100, PARENT, "/usr/bin/true"); /* after it */
	CHECK(e && e->exec_began && strcmp(e->info.container.id, "bbbb") == 0);
	CHECK(e && e->born_ms == 100000); /* still the process born at its fork */
	e = proctable_exec_version(t, CHILD, 100045, "/usr/bin/true", NULL); /* its execve event */
	CHECK(e && e->since_ms == 100050);
	rcu_read_unlock();

	/* Read but for its cgroup (it began to exit): the version before's container. */
	snap.ns = NS_NET | NS_USER;
	snprintf(snap.container.id, sizeof(snap.container.id), "dddd"); /* not its own: read late */
	proctable_exec_at(t, CHILD, 100150, &snap, true, NS_NET); /* its net ns unread */
	rcu_read_lock();
	e = proctable_version_at(t, CHILD, 100160, PARENT, NULL);
	CHECK(e && e->exec_began && e->info.ns == NS_USER &&
	      strcmp(e->info.container.id, "bbbb") == 0);
	rcu_read_unlock();
	/* Gone before the snapshot: the container stays, the program is unknown. */
	proctable_exec_at(t, CHILD, 100200, NULL, false, 0);
	rcu_read_lock();
	e = proctable_version_at(t, CHILD, 100300, PARENT, NULL);
	CHECK(e && e->exec_began && strcmp(e->info.container.id, "bbbb") == 0 &&
	      e->info.exe[0] == '\0');
	rcu_read_unlock();
	proctable_exit_at(t, CHILD, 100400);
	rcu_read_lock();
	e = proctable_lookup(t, CHILD, false);
	CHECK(e && atomic_load(&e->gone_ms) == 100400);
	rcu_read_unlock();
	proctable_free(t);
	rcu_unregister_thread();
}

/* Two execs within a tick of the coarse clock (unshare, then the program
 * it runs): the execve event takes the exec of the program it names. */
TEST(execs_within_a_tick_chosen_by_exe)
{
	struct proctable *t = proctable_new(1024);
	struct procinfo a = snapshot(CHILD, "/usr/bin/unshare", "aaaa");
	struct procinfo b = snapshot(CHILD, "/usr/bin/true", "aaaa");
	const struct proc_entry *e;

	rcu_register_thread();
	put_parent(t, PARENT, 1, "aaaa");
	proctable_fork_at(t, PARENT, CHILD, 200000);
	proctable_exec_at(t, CHILD, 200002, &a, false, 0);
	b.ns = NS_USER;
	proctable_exec_at(t, CHILD, 200009, &b, false, 0);
	rcu_read_lock();
	e = proctable_exec_version(t, CHILD, 200001, "/usr/bin/true", NULL);
	CHECK(e && e->since_ms == 200009 && e->info.ns == NS_USER);
	e = proctable_exec_version(t, CHILD, 200001, "/usr/bin/unshare", NULL);
	CHECK(e && e->since_ms == 200002);
	rcu_read_unlock();
	/* the program's snapshot too late for its exe: never unshare's version */
	b.exe[0] = '\0';
	proctable_exec_at(t, CHILD, 200011, &b, true, 0);
	rcu_read_lock();
	e = proctable_exec_version(t, CHILD, 200001, "/usr/bin/env", NULL);
	CHECK(e && e->since_ms == 200011 && e->info.ns == NS_USER);
	e = proctable_version_at(t, CHILD, 200003, PARENT, "/usr/bin/true");
	CHECK(e && e->since_ms == 200009);
	e = proctable_version_at(t, CHILD, 200003, PARENT, "/usr/bin/unshare");
	CHECK(e && e->since_ms == 200002);
	rcu_read_unlock();
	proctable_free(t);
	rcu_unregister_thread();
}

/* A pid taken by another process: each event gets its own process, and
 * when the two are too close to tell by time, the ppid tells or nobody. */
TEST(reused_pid_never_lends_context)
{
	struct proctable *t = proctable_new(1024);
	const uint32_t other_parent = PARENT + 10;
	const struct proc_entry *e;

	rcu_register_thread();
	put_parent(t, PARENT, 1, "aaaa");
	put_parent(t, other_parent, 1, "cccc");
	proctable_fork_at(t, PARENT, CHILD, 300000);   /* A */
	proctable_exit_at(t, CHILD, 301000);
	proctable_fork_at(t, other_parent, CHILD, 305000); /* B, long after */
	rcu_read_lock();
	e = proctable_version_at(t, CHILD, 300500, 0, NULL);
	CHECK(e && strcmp(e->info.container.id, "aaaa") == 0);
	e = proctable_version_at(t, CHILD, 305001, 0, NULL);
	CHECK(e && strcmp(e->info.container.id, "cccc") == 0);
	e = proctable_version_at(t, CHILD, 304995, 0, NULL); /* A long gone: B's clock slack */
	CHECK(e && strcmp(e->info.container.id, "cccc") == 0);
	CHECK(proctable_version_at(t, CHILD, 299000, 0, NULL) == NULL); /* before A */
	rcu_read_unlock();

	/* B exits, C takes the pid 2 ms later: an event between is either's. */
	proctable_exit_at(t, CHILD, 306000);
	proctable_fork_at(t, PARENT, CHILD, 306002);
	rcu_read_lock();
	e = proctable_version_at(t, CHILD, 305999, other_parent, NULL);
	CHECK(e && strcmp(e->info.container.id, "cccc") == 0);
	e = proctable_version_at(t, CHILD, 305999, PARENT, NULL);
	CHECK(e && strcmp(e->info.container.id, "aaaa") == 0);
	CHECK(proctable_version_at(t, CHILD, 305999, 0, NULL) == NULL);
	rcu_read_unlock();
	proctable_free(t);
	rcu_unregister_thread();
}

/* Through context_for_event, as a decoder asks: B's event never shows A's
 * container, and an execve event while followed does not touch the table. */
TEST(decoder_gets_the_process_of_its_time)
{
	struct proctable *t = proctable_new(1024);
	struct context_cache cache = { 0 };
	struct format_process p;
	struct format_facts f = { .pid = CHILD, .ppid = PARENT, .sec = 400, .msec = 500,
				  .syscall = "openat", .success = true };
	struct proctable_stats st;

	rcu_register_thread();
	proctable_set_followed(t, true);
	put_parent(t, PARENT, 1, "aaaa");
	put_parent(t, PARENT + 10, 1, "cccc");
	proctable_fork_at(t, PARENT, CHILD, 400000);
	proctable_exit_at(t, CHILD, 401000);
	proctable_fork_at(t, PARENT + 10, CHILD, 402000);
	rcu_read_lock();
	memset(&p, 0, sizeof(p));
	CHECK(context_for_event(t, 4, &f, 403000, &cache, &p));
	CHECK(p.known && p.container_id && strcmp(p.container_id, "aaaa") == 0);
	f.sec = 402;
	f.ppid = PARENT + 10;
	memset(&p, 0, sizeof(p));
	CHECK(context_for_event(t, 4, &f, 403000, &cache, &p));
	CHECK(p.known && p.container_id && strcmp(p.container_id, "cccc") == 0);
	CHECK(p.nancestors >= 1 && p.ancestors[0].pid == PARENT + 10);
	f.syscall = "execve";
	f.exe = "/usr/bin/true";
	memset(&p, 0, sizeof(p));
	CHECK(context_for_event(t, 4, &f, 403000, &cache, &p));
	rcu_read_unlock();
	proctable_get_stats(t, &st);
	CHECK_EQ(st.execs, 0); /* followed: the connector applies execs */
	CHECK_EQ(st.forks, 2);
	proctable_free(t);
	rcu_unregister_thread();
}

/* unshare's exec skipped (the batch showed it superseded), then the
 * probe's snapshot taken as it exited: its exe gone, its name and user
 * namespace still there. Each execve event takes its own exec's version,
 * told apart by the record's comm. */
TEST(exec_without_exe_chosen_by_comm)
{
	struct proctable *t = proctable_new(1024);
	struct procinfo probe = snapshot(CHILD, "", "aaaa");
	const struct proc_entry *e;

	rcu_register_thread();
	put_parent(t, PARENT, 1, "aaaa");
	proctable_fork_at(t, PARENT, CHILD, 300000);
	proctable_exec_at(t, CHILD, 300002, NULL, true, 0); /* unshare, superseded */
	probe.ns = NS_USER;
	memcpy(probe.comm, "probe-012345678", 16); /* the kernel's 15 bytes of the name */
	proctable_exec_at(t, CHILD, 300003, &probe, true, 0);
	rcu_read_lock();
	e = proctable_exec_version(t, CHILD, 300001, "/tmp/probe-0123456789abcdef",
				   "probe-012345678");
	CHECK(e && e->since_ms == 300003 && e->info.ns == NS_USER);
	e = proctable_exec_version(t, CHILD, 300001, "/usr/bin/unshare", "unshare");
	CHECK(e && e->since_ms == 300002 && e->info.ns == (NS_USER | NS_PID));
	/* without a comm to go by: the oldest of unknown program, as before;
	 * superseded, it may be another syscall's: a decoder waits for the
	 * connector (setpriv, unshare, then the probe in a later batch) */
	e = proctable_exec_version(t, CHILD, 300001, "/tmp/probe-0123456789abcdef", NULL);
	CHECK(e && e->since_ms == 300002);
	CHECK(proctable_exec_may_follow(e));
	CHECK(proctable_exec_may_follow(NULL));
	rcu_read_unlock();
	/* renamed (prctl) before its snapshot: its exe still chooses it */
	memcpy(probe.comm, "renamed", 8);
	snprintf(probe.exe, sizeof(probe.exe), "/usr/bin/x");
	proctable_exec_at(t, CHILD, 300105, &probe, true, 0);
	/* the newest, of unknown program: its own exec may still come, unless
	 * its snapshot found the process gone */
	proctable_exec_at(t, CHILD, 300107, NULL, true, 0);
	rcu_read_lock();
	e = proctable_exec_version(t, CHILD, 300104, "/usr/bin/x", "x");
	CHECK(e && e->since_ms == 300105);
	e = proctable_exec_version(t, CHILD, 300106, "/usr/bin/y", "y");
	CHECK(e && e->since_ms == 300107 && proctable_exec_may_follow(e));
	rcu_read_unlock();
	proctable_exec_missed_at(t, CHILD, 300130);
	rcu_read_lock();
	e = proctable_exec_version(t, CHILD, 300125, "/usr/bin/z", "z");
	CHECK(e && e->since_ms == 300130 && !proctable_exec_may_follow(e));
	rcu_read_unlock();
	proctable_free(t);
	rcu_unregister_thread();
}

/* A decoder read the child from /proc before the connector applied its
 * fork (the fork waits for the thread's next wake-up): the fork replaces
 * that reading instead of keeping it behind as the pid's previous
 * process, which would leave the child's first events to nobody. */
TEST(fork_replaces_its_own_proc_reading)
{
	struct proctable *t = proctable_new(1024);
	struct procinfo info = { .pid = CHILD, .ppid = PARENT, .start_ticks = 123456 };
	const struct proc_entry *e;
	struct proctable_stats st;
	uint64_t born_ms;

	rcu_register_thread();
	put_parent(t, PARENT, 1, "aaaa");
	CHECK(proctable_put(t, &info, true));
	rcu_read_lock();
	e = proctable_lookup(t, CHILD, false);
	born_ms = e ? (uint64_t)(proctable_start_time(t, e) * 1000) + 3 : 0;
	rcu_read_unlock();
	proctable_fork_at(t, PARENT, CHILD, born_ms);
	proctable_get_stats(t, &st);
	CHECK_EQ(st.versions, 0);
	rcu_read_lock();
	e = proctable_version_at(t, CHILD, born_ms + 1, PARENT, NULL);
	CHECK(e && e->born_ms == born_ms);
	rcu_read_unlock();
	/* a reading of another process (started a second before): kept behind */
	proctable_exit_at(t, CHILD, born_ms + 10);
	info.pid = PARENT + 1;
	info.start_ticks = 123456 - 100;
	CHECK(proctable_put(t, &info, true));
	proctable_fork_at(t, PARENT, PARENT + 1, born_ms + 20);
	proctable_get_stats(t, &st);
	CHECK_EQ(st.versions, 1);
	proctable_free(t);
	rcu_unregister_thread();
}

static uint64_t wall_ns_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct late_exec {
	struct proctable *t;
	uint64_t now_ms;
};

/* The connector thread, late: the exec applied 5 ms after the decoder met
 * its execve, then caught up. */
static void *apply_late(void *arg)
{
	struct late_exec *l = arg;
	struct procinfo s = snapshot(CHILD, "/usr/bin/true", "eeee");

	rcu_register_thread();
	usleep(5000);
	proctable_exec_at(l->t, CHILD, l->now_ms - 1, &s, false, 0);
	proctable_set_caught_up(l->t, wall_ns_now());
	rcu_unregister_thread();
	return NULL;
}

/* An execve met before its exec is applied waits for the connector thread
 * to catch up, and gets the exec's version, not the fork's. The decoder's
 * clock is the coarse one, here 3 ms behind, and the thread's last read
 * began 1 ms ago, before the exec: by the coarse clock it would pass for
 * caught up. */
TEST(execve_waits_for_the_connector_to_catch_up)
{
	struct proctable *t = proctable_new(1024);
	struct context_cache cache = { 0 };
	struct format_process p = { 0 };
	uint64_t real_ms = wall_ns_now() / 1000000;
	struct late_exec l = { .t = t, .now_ms = real_ms - 3 };
	struct format_facts f = { .pid = CHILD, .ppid = PARENT, .sec = (real_ms - 10) / 1000,
				  .msec = (unsigned)((real_ms - 10) % 1000),
				  .syscall = "execve", .success = true, .exe = "/usr/bin/true" };
	pthread_t late;

	rcu_register_thread();
	proctable_set_followed(t, true);
	put_parent(t, PARENT, 1, "aaaa");
	proctable_fork_at(t, PARENT, CHILD, real_ms - 20);
	proctable_set_caught_up(t, wall_ns_now() - 1000000);
	CHECK_EQ(pthread_create(&late, NULL, apply_late, &l), 0);
	rcu_read_lock();
	CHECK(context_for_event(t, 4, &f, l.now_ms, &cache, &p));
	rcu_read_unlock();
	pthread_join(late, NULL);
	CHECK(p.known && p.container_id && strcmp(p.container_id, "eeee") == 0);
	proctable_free(t);
	rcu_unregister_thread();
}

TEST(versions_are_bounded)
{
	struct proctable *t = proctable_new(1024);
	struct procinfo s = snapshot(CHILD, "/usr/bin/x", "aaaa");
	struct proctable_stats st;

	rcu_register_thread();
	put_parent(t, PARENT, 1, "aaaa");
	proctable_fork_at(t, PARENT, CHILD, 500000);
	for (int i = 1; i <= 10; i++)
		proctable_exec_at(t, CHILD, 500000 + (uint64_t)i, &s, false, 0);
	proctable_get_stats(t, &st);
	CHECK_EQ(st.versions, PROCTABLE_VERSIONS - 1);
	CHECK_EQ(st.entries, 2);
	/* one more, a minute later: the version it ends stays (late events of
	 * it), those behind it ended a minute before and go */
	proctable_exec_at(t, CHILD, 500010 + PROCTABLE_GONE_MS + 1, &s, false, 0);
	proctable_get_stats(t, &st);
	CHECK_EQ(st.versions, 1);
	proctable_free(t);
	rcu_unregister_thread();
}

TEST(apply_counts_threads_and_snapshots)
{
	struct proctable *t = proctable_new(1024);
	struct procwatch *w = procwatch_new(t);
	struct procwatch_stats st;
	const uint32_t self = (uint32_t)getpid();
	struct procconn_event thread = { .what = PROCCONN_FORK, .pid = CHILD + 1, .tgid = CHILD,
					 .parent_pid = PARENT, .parent_tgid = PARENT };
	struct procconn_event fork_ev = { .what = PROCCONN_FORK, .pid = CHILD, .tgid = CHILD,
					  .parent_pid = PARENT, .parent_tgid = PARENT };
	struct procconn_event exec_gone = { .what = PROCCONN_EXEC, .pid = CHILD, .tgid = CHILD };
	struct procconn_event exec_self = { .what = PROCCONN_EXEC, .pid = self, .tgid = self };
	const struct proc_entry *e;

	rcu_register_thread();
	put_parent(t, PARENT, 1, "aaaa");
	procwatch_apply(w, &thread, 600000);
	rcu_read_lock();
	CHECK(proctable_lookup(t, CHILD, false) == NULL); /* a thread is no process */
	rcu_read_unlock();
	procwatch_apply(w, &fork_ev, 600001);
	procwatch_apply(w, &exec_gone, 600002); /* made-up pid: /proc has none */
	procwatch_apply(w, &exec_self, 600003); /* this test: /proc has it */
	rcu_read_lock();
	e = proctable_lookup(t, CHILD, false);
	CHECK(e && e->exec_began && e->info.exe[0] == '\0' &&
	      strcmp(e->info.container.id, "aaaa") == 0);
	e = proctable_lookup(t, self, false);
	CHECK(e && e->exec_began && e->info.exe[0] == '/' && e->info.ppid == (uint32_t)getppid());
	rcu_read_unlock();
	procwatch_get_stats(w, &st);
	CHECK_EQ(st.events[0], 1);
	CHECK_EQ(st.events[PROCCONN_FORK], 1);
	CHECK_EQ(st.events[PROCCONN_EXEC], 2);
	CHECK_EQ(st.snapshots, 2);
	CHECK_EQ(st.snapshots_gone, 1);
	procwatch_free(w);
	proctable_free(t);
	rcu_unregister_thread();
}

TEST(snapshot_of_live_zombie_and_reaped)
{
	struct procinfo_host host;
	struct procinfo s;
	pid_t child = fork();
	char self_exe[PROCINFO_NAME_MAX] = "";
	unsigned unread = 0;
	ssize_t n;

	if (child == 0) {
		pause();
		_exit(0);
	}
	procinfo_host_init(&host);
	n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	self_exe[n > 0 ? n : 0] = '\0';
	CHECK_EQ(procsnap_read(&host, (uint32_t)child, &s, &unread), 0);
	CHECK_STR(s.exe, self_exe);
	CHECK_EQ(s.ppid, (uint32_t)getpid());
	CHECK_EQ(s.ns, 0); /* the host's namespaces */
	kill(child, SIGKILL);
	for (int i = 0; i < 200; i++) { /* until it is a zombie */
		siginfo_t si = { 0 };

		if (waitid(P_PID, (id_t)child, &si, WEXITED | WNOWAIT | WNOHANG) == 0 && si.si_pid)
			break;
		usleep(5000);
	}
	/* A zombie: its user and pid namespaces, ids and maps still there
	 * (they hang on its credentials and pid), the rest gone. */
	CHECK_EQ(procsnap_read(&host, (uint32_t)child, &s, &unread), PROCSNAP_NO_CGROUP);
	CHECK(unread & NS_MNT);
	CHECK(!(unread & (NS_USER | NS_PID)));
	CHECK_STR(s.exe, "");
	CHECK_EQ(waitpid(child, NULL, 0), child);
	CHECK_EQ(procsnap_read(&host, (uint32_t)child, &s, &unread), -ENOENT);
}

/* The connector refused: in a user namespace of its own a process gets no
 * answer to its subscription, while others subscribing get theirs; the
 * table must not be marked followed. */
TEST(connector_unavailable_leaves_table_unfollowed)
{
	/* made here: the child must start no thread (ThreadSanitizer) */
	struct proctable *t = proctable_new(64);
	pid_t child = fork();
	int status = 0;

	if (child == 0) {
		struct procwatch *w = NULL;
		int r;

		if (unshare(CLONE_NEWUSER) < 0)
			_exit(77);
		r = procwatch_start(t, &w);
		if (r == 0)
			_exit(1); /* it started */
		_exit(r == -ETIMEDOUT && !w && !proctable_followed(t) ? 0 : 100 + (-r & 0x7f));
	}
	/* Meanwhile others subscribe: the kernel's acks to them (err 0) reach
	 * every socket bound to the group, the child's too, and must not pass
	 * for the answer it never gets. */
	while (waitpid(child, &status, WNOHANG) == 0) {
		int fd = procconn_open(0, PROCCONN_ALL);

		procconn_close(fd);
		usleep(1000);
	}
	NOTE("child's exit status %d (0: -ETIMEDOUT, 100+N: -N)",
	     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	rcu_register_thread();
	proctable_free(t);
	rcu_unregister_thread();
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
		SKIP("unshare(CLONE_NEWUSER) refused here");
		return;
	}
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* The real connector, as needle run starts it: a child forked and exec'd
 * here is in the table with its own exe before the test reaps it. */
TEST(started_watch_sees_a_real_child)
{
	struct proctable *t = proctable_new(4096);
	struct procwatch *w = NULL;
	struct procwatch_stats st;
	const struct proc_entry *e = NULL;
	pid_t child;
	int r;
	bool found = false;

	rcu_register_thread();
	r = procwatch_start(t, &w);
	if (r < 0) {
		SKIP("no proc connector here: %s", strerror(-r));
		goto out;
	}
	CHECK(proctable_followed(t));
	child = fork();
	if (child == 0) {
		execl("/bin/sleep", "sleep", "0.3", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200 && !found; i++) {
		usleep(5000);
		rcu_read_lock();
		e = proctable_lookup(t, (uint32_t)child, false);
		found = e && e->exec_began && strstr(e->info.exe, "sleep") != NULL;
		rcu_read_unlock();
	}
	CHECK(found);
	CHECK_EQ(waitpid(child, NULL, 0), child);
	procwatch_get_stats(w, &st);
	CHECK(st.events[PROCCONN_FORK] >= 1 && st.events[PROCCONN_EXEC] >= 1);
	procwatch_stop(w);
	CHECK(!proctable_followed(t));
out:
	proctable_free(t);
	rcu_unregister_thread();
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(fork_inherits_until_exec), CASE(execs_within_a_tick_chosen_by_exe),
				  CASE(exec_without_exe_chosen_by_comm),
				  CASE(fork_replaces_its_own_proc_reading),
				  CASE(reused_pid_never_lends_context),
				  CASE(decoder_gets_the_process_of_its_time),
				  CASE(execve_waits_for_the_connector_to_catch_up),
				  CASE(versions_are_bounded), CASE(apply_counts_threads_and_snapshots),
				  CASE(snapshot_of_live_zombie_and_reaped),
				  CASE(connector_unavailable_leaves_table_unfollowed),
				  CASE(started_watch_sees_a_real_child)));
}
