/* SPDX-License-Identifier: MIT */
#include "harness.h"
#include "context.h"
#include "procinfo.h"
#include "proctable.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <urcu.h>

TEST(stat_with_a_hostile_command_name)
{
	const char *stat = "4242 (a) (b c) S 17 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
			   "987654 1000 100";
	uint32_t ppid = 0;
	uint64_t start = 0;

	CHECK(procinfo_parse_stat(stat, strlen(stat), &ppid, &start));
	CHECK_EQ(ppid, 17);
	CHECK_EQ(start, 987654);
	CHECK(!procinfo_parse_stat("4242 (x) S 1 2", 14, &ppid, &start)); /* cut short */
	CHECK(!procinfo_parse_stat("no parenthesis", 14, &ppid, &start));
}

TEST(uid_maps)
{
	uint32_t inside = 0;

	CHECK(procinfo_map_uid("         0       1000          1\n         1     100000      65536\n",
			       1000, &inside));
	CHECK_EQ(inside, 0);
	CHECK(procinfo_map_uid("0 1000 1\n1 100000 65536\n", 100005, &inside));
	CHECK_EQ(inside, 6);
	CHECK(!procinfo_map_uid("0 1000 1\n1 100000 65536\n", 5, &inside));
	CHECK(!procinfo_map_uid("garbage", 5, &inside));
}

TEST(this_process_from_proc)
{
	struct procinfo_host host;
	struct procinfo me;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	exe[n > 0 ? n : 0] = '\0';
	procinfo_host_init(&host);
	CHECK_EQ(procinfo_read(&host, (uint32_t)getpid(), &me), 0);
	CHECK_EQ(me.ppid, (uint32_t)getppid());
	CHECK_STR(me.exe, exe);
	CHECK(me.start_ticks > 0);
	CHECK_EQ(me.uid, getuid());
	CHECK_EQ(procinfo_read(&host, UINT32_MAX - 1, &me), -ENOENT);
}

/* A zombie's /proc shows the root cgroups and no exe: read as it is, it
 * would say "no container" for a process that had one. */
TEST(zombie_counts_as_gone)
{
	struct procinfo_host host;
	struct procinfo info;
	uint32_t ppid;
	uint64_t start;
	const char *z = "77 (sh) Z 1 77 77 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0";
	pid_t child;
	int status, tries = 0;

	CHECK(procinfo_stat_exited(z, strlen(z)));
	CHECK(!procinfo_stat_exited("77 (a) Z) S 1", 13)); /* the name's ')' is not the end */
	CHECK(procinfo_stat_exited("77 (a) Z) X 1", 13));
	CHECK(!procinfo_stat_exited("77 (sh)", 7));
	/* running, but exiting (PF_EXITING, 0x4, in field 9): its v1
	 * cgroups already read as the root */
	CHECK(procinfo_stat_exited("77 (s h) R 1 77 77 0 -1 4194564 0", 33));
	CHECK(!procinfo_stat_exited("77 (s h) R 1 77 77 0 -1 4194560 0", 33));
	procinfo_host_init(&host);
	child = fork();
	if (child == 0)
		_exit(0);
	CHECK(child > 0);
	/* Not reaped yet: a zombie as soon as it has exited. */
	while (procinfo_read_stat((uint32_t)child, &ppid, &start) == 0 && ++tries < 1000)
		usleep(1000);
	CHECK(tries < 1000);
	CHECK_EQ(procinfo_read_stat((uint32_t)child, &ppid, &start), -ENOENT);
	CHECK_EQ(procinfo_read(&host, (uint32_t)child, &info), -ENOENT);
	CHECK(access("/proc/self/stat", R_OK) == 0);
	CHECK_EQ(waitpid(child, &status, 0), child);
}

/* An execve of a process gone before the table read it: exec keeps the
 * cgroup and the namespaces, so the parent's are the child's. */
TEST(gone_exec_takes_its_parents_container)
{
	struct proctable *t = proctable_new(1 << 10);
	struct procinfo parent = { .pid = UINT32_MAX - 20, .ppid = 1, .ns = 0x5 };
	uint32_t child = UINT32_MAX - 21, orphan = UINT32_MAX - 22;
	const struct proc_entry *e;

	rcu_register_thread();
	snprintf(parent.container.runtime, sizeof(parent.container.runtime), "docker");
	snprintf(parent.container.id, sizeof(parent.container.id), "%064d", 7);
	CHECK(proctable_put(t, &parent, true));
	proctable_exec(t, child, parent.pid, "/usr/bin/true", "true", &(unsigned){ 2 });
	proctable_exec(t, orphan, UINT32_MAX - 23, "/usr/bin/true", "true", &(unsigned){ 2 });
	rcu_read_lock();
	e = proctable_lookup(t, child, false);
	CHECK(e != NULL);
	if (e) {
		CHECK_STR(e->info.container.runtime, "docker");
		CHECK_STR(e->info.container.id, parent.container.id);
		CHECK_EQ(e->info.ns, 0x5);
		CHECK_STR(e->info.exe, "/usr/bin/true");
	}
	e = proctable_lookup(t, orphan, false); /* its parent unknown too: nothing */
	CHECK(e && !e->info.container.id[0] && e->info.ns == 0);
	rcu_read_unlock();
	proctable_free(t);
	rcu_unregister_thread();
}

/* An execve of a pid the table knows reads /proc again: the entry may be
 * from before the process moved to a container's cgroup (a LOGIN event
 * decoded early, then the move, then the exec). Without a read left, the
 * entry keeps what it had. */
TEST(exec_of_a_known_pid_reads_proc_again)
{
	struct proctable *t = proctable_new(1 << 10);
	struct procinfo stale = { .pid = (uint32_t)getpid(), .ppid = 4242 };
	const struct proc_entry *e;
	unsigned budget = 1;

	rcu_register_thread();
	snprintf(stale.exe, sizeof(stale.exe), "/stale");
	CHECK(proctable_put(t, &stale, false));
	proctable_exec(t, stale.pid, 0, NULL, NULL, &(unsigned){ 0 });
	rcu_read_lock();
	e = proctable_lookup(t, stale.pid, false);
	CHECK(e && e->info.ppid == 4242 && !e->start_known); /* no read left */
	rcu_read_unlock();
	proctable_exec(t, stale.pid, 0, NULL, NULL, &budget);
	CHECK_EQ(budget, 0);
	rcu_read_lock();
	e = proctable_lookup(t, stale.pid, false);
	CHECK(e && e->info.ppid == (uint32_t)getppid() && e->start_known &&
	      strcmp(e->info.exe, "/stale") != 0);
	rcu_read_unlock();
	proctable_free(t);
	rcu_unregister_thread();
}

TEST(table_follows_fork_exec_exit)
{
	struct proctable *t = proctable_new(1 << 16);
	struct proctable_stats st;
	const struct proc_entry *e;
	uint32_t self = (uint32_t)getpid(), child = UINT32_MAX - 7;

	rcu_register_thread();
	proctable_seed(t);
	proctable_get_stats(t, &st);
	CHECK(st.entries >= 2); /* pid 1 and this test at least */
	rcu_read_lock();
	e = proctable_lookup(t, self, false);
	CHECK(e && e->start_known && e->info.ppid == (uint32_t)getppid());
	CHECK(proctable_lookup(t, child, true) == NULL); /* not in /proc: unknown */
	rcu_read_unlock();

	proctable_fork(t, self, child);
	proctable_exec(t, child, 0, "/usr/bin/python3", "python3", &(unsigned){ 1 });
	rcu_read_lock();
	e = proctable_lookup(t, child, false);
	CHECK(e != NULL);
	if (e) {
		CHECK_EQ(e->info.ppid, self);
		CHECK(!e->start_known); /* seen forking, never read from /proc */
		CHECK_STR(e->info.exe, "/usr/bin/python3");
		CHECK_STR(e->info.argv0, "python3");
	}
	rcu_read_unlock();

	/* A pid that is gone is asked of /proc again: here it is not there. */
	rcu_read_lock();
	CHECK(proctable_reload(t, child) == NULL);
	e = proctable_reload(t, self);
	CHECK(e && e->start_known && e->info.pid == self);
	rcu_read_unlock();

	proctable_exit(t, child, 1000);
	proctable_expire(t, 1000 + PROCTABLE_GONE_MS - 1);
	rcu_read_lock();
	CHECK(proctable_lookup(t, child, false) != NULL); /* parents of late events */
	rcu_read_unlock();
	proctable_expire(t, 1000 + PROCTABLE_GONE_MS);
	rcu_read_lock();
	CHECK(proctable_lookup(t, child, false) == NULL);
	rcu_read_unlock();
	proctable_get_stats(t, &st);
	CHECK_EQ(st.expired, 1);
	CHECK_EQ(st.forks, 1);
	CHECK_EQ(st.execs, 1);
	proctable_free(t);
	rcu_unregister_thread();
}

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* where.start_time of a child, as the table reports it, against the wall
 * time around its fork: within a clock tick (the kernel's start time is
 * whole ticks, rounded down), plus a little for the reading of the clocks. */
TEST(start_time_to_the_tick)
{
	struct proctable *t = proctable_new(1 << 16);
	const struct proc_entry *e;
	double hz = (double)sysconf(_SC_CLK_TCK), before, after, start = 0;
	int go[2];
	pid_t child;

	CHECK(hz > 0);
	CHECK(pipe(go) == 0);
	rcu_register_thread();
	before = wall_now();
	child = fork();
	if (child == 0) {
		char c;

		close(go[1]);
		_exit(read(go[0], &c, 1) < 0);
	}
	after = wall_now();
	CHECK(child > 0);
	close(go[0]);
	rcu_read_lock();
	e = proctable_lookup(t, (uint32_t)child, true);
	if (e)
		start = proctable_start_time(t, e);
	rcu_read_unlock();
	close(go[1]);
	waitpid(child, NULL, 0);
	proctable_free(t);
	rcu_unregister_thread();
	NOTE("fork between %.6f and %.6f; start_time %.6f (%+.4f s), a tick is %.4f s", before,
	     after, start, start - before, 1 / hz);
	CHECK(e != NULL);
	CHECK(start >= before - 1 / hz - 0.002);
	CHECK(start <= after + 0.002);
}

/* A chain of depth processes below this one; the last reports its pid and
 * its parent's, then every one waits until hold closes. */
static _Noreturn void chain(int depth, int report, int hold)
{
	uint32_t ids[2];
	char c;

	/* Each process forks the next and waits for it. */
	for (; depth > 0; depth--) {
		pid_t child = fork();

		if (child != 0) {
			waitpid(child, NULL, 0);
			_exit(0);
		}
	}
	ids[0] = (uint32_t)getpid();
	ids[1] = (uint32_t)getppid();
	_exit(write(report, ids, sizeof(ids)) != sizeof(ids) || read(hold, &c, 1) < 0);
}

/*
 * The bound on /proc loads for one event, counted by the table itself
 * (needle_process_table_loads_total): the worst event is the execve of a
 * pid the table does not know (one load for the new program) whose
 * ancestors it does not know either (one each, up to ancestors_depth).
 * Here a chain of four processes below this test, the table empty.
 */
TEST(proc_loads_per_event_bounded)
{
	struct proctable *t = proctable_new(1 << 16);
	struct context_cache cache = { 0 };
	struct format_process ret = { 0 };
	struct proctable_stats before, after;
	uint32_t ids[2] = { 0, 0 };
	int report[2], hold[2];
	pid_t top;
	bool ok;

	CHECK(pipe(report) == 0 && pipe(hold) == 0);
	top = fork();
	if (top == 0) {
		close(hold[1]);
		chain(3, report[1], hold[0]);
	}
	close(hold[0]);
	CHECK(read(report[0], ids, sizeof(ids)) == sizeof(ids));
	rcu_register_thread();
	proctable_get_stats(t, &before);
	rcu_read_lock();
	ok = context_for_event(t, 4,
			       &(struct format_facts){ .pid = ids[0], .ppid = ids[1],
						       .sec = (uint64_t)time(NULL),
						       .syscall = "execve", .success = true,
						       .exe = "/usr/bin/true", .argv0 = "true" },
			       (uint64_t)time(NULL) * 1000, &cache, &ret);
	rcu_read_unlock();
	proctable_get_stats(t, &after);
	close(hold[1]);
	waitpid(top, NULL, 0);
	proctable_free(t);
	rcu_unregister_thread();
	NOTE("execve of an unknown pid, 4 unknown ancestors: %" PRIu64 " loads of /proc/PID "
	     "(bound %d); %u ancestors, the last %s",
	     after.loads - before.loads, PROC_LOADS_PER_EVENT, ret.nancestors,
	     ret.nancestors && ret.ancestors[ret.nancestors - 1].known ? "known" : "unknown");
	CHECK(ok);
	CHECK(ret.known);
	CHECK(after.loads - before.loads <= PROC_LOADS_PER_EVENT);
	CHECK_EQ(after.loads - before.loads, PROC_LOADS_PER_EVENT); /* the budget was needed */
	CHECK_EQ(ret.nancestors, 4);
	CHECK_EQ(ret.ancestors[0].pid, ids[1]);
	CHECK(ret.ancestors[0].known);
	CHECK(!ret.ancestors[3].known); /* no load left for it: unknown, not guessed */
}

TEST(table_is_bounded)
{
	struct proctable *t = proctable_new(2);
	struct proctable_stats st;

	rcu_register_thread();
	proctable_seed(t);
	proctable_get_stats(t, &st);
	CHECK_EQ(st.entries, 2);
	CHECK(st.full > 0);
	proctable_fork(t, 1, UINT32_MAX - 9);
	proctable_get_stats(t, &st);
	CHECK_EQ(st.entries, 2);
	proctable_free(t);
	rcu_unregister_thread();
}

/* A lower bound on SIGHUP removes nothing: the table keeps what it has,
 * adds nothing more and shrinks as its entries expire (README,
 * process_table_size). */
TEST(lower_bound_removes_nothing)
{
	struct proctable *t = proctable_new(8);
	struct proctable_stats st;
	uint64_t full;

	rcu_register_thread();
	for (uint32_t i = 1; i <= 8; i++)
		proctable_fork(t, 1, UINT32_MAX - 100 - i); /* pids /proc does not have */
	proctable_get_stats(t, &st);
	CHECK_EQ(st.entries, 8);
	full = st.full;
	proctable_set_max(t, 2);
	proctable_fork(t, 1, UINT32_MAX - 200);
	proctable_get_stats(t, &st);
	CHECK_EQ(st.max_entries, 2);
	CHECK_EQ(st.entries, 8);
	CHECK_EQ(st.full, full + 1);
	for (uint32_t i = 1; i <= 4; i++)
		proctable_exit(t, UINT32_MAX - 100 - i, 1000);
	proctable_expire(t, 1000 + PROCTABLE_GONE_MS);
	proctable_get_stats(t, &st);
	CHECK_EQ(st.entries, 4);
	proctable_fork(t, 1, UINT32_MAX - 201);
	proctable_get_stats(t, &st);
	CHECK_EQ(st.entries, 4);
	proctable_free(t);
	rcu_unregister_thread();
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(stat_with_a_hostile_command_name), CASE(uid_maps),
				  CASE(this_process_from_proc), CASE(zombie_counts_as_gone),
				  CASE(gone_exec_takes_its_parents_container),
				  CASE(exec_of_a_known_pid_reads_proc_again),
				  CASE(table_follows_fork_exec_exit),
				  CASE(start_time_to_the_tick), CASE(proc_loads_per_event_bounded),
				  CASE(table_is_bounded), CASE(lower_bound_removes_nothing)));
}
