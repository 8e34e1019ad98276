/* SPDX-License-Identifier: MIT */
/*
 * needle-bench's side of issue 16's performance check: the configuration
 * each needle entry runs with (bench/needle-conf.h: needle-noprocev has
 * process_events = no whatever --needle-set says, needle has yes unless
 * told), the connector's cost and the execve-only mix it is judged on
 * (bench/connector-cost.h), and the CPU of a named thread read from /proc
 * (bench/threadcpu.h) against the thread's own clock.
 */
#include "connector-cost.h"
#include "daemons.h"
#include "harness.h"
#include "needle-conf.h"
#include "threadcpu.h"

#include <errno.h>
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const struct bench_setup setup = { .backlog_limit = 8192, .backlog_wait_time = 15000 };

/* The value of key in a configuration text, as needle's parser would
 * read it (one "key = value" line each); NULL when absent, "TWICE" when
 * set twice (needle refuses that). */
static const char *value_of(const char *text, const char *key, char *buf, size_t size)
{
	const char *found = NULL;
	size_t klen = strlen(key);

	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len > klen + 3 && strncmp(p, key, klen) == 0 && strncmp(p + klen, " = ", 3) == 0) {
			if (found)
				return "TWICE";
			found = p + klen + 3;
			snprintf(buf, size, "%.*s", (int)(len - klen - 3), found);
		}
		p += len + (nl != NULL);
	}
	return found ? buf : NULL;
}

TEST(needle_entries_and_their_switch)
{
	char text[2048], v[64];

	CHECK(bench_needle_known("needle"));
	CHECK(bench_needle_known("needle-nats"));
	CHECK(bench_needle_known("needle-noprocev"));
	CHECK(!bench_needle_known("needle-procev"));

	CHECK_EQ(bench_needle_config("needle", &setup, "/d", NULL, text, sizeof(text)), 0);
	CHECK_STR(value_of(text, "process_events", v, sizeof(v)), "yes");
	CHECK_STR(value_of(text, "log_dir", v, sizeof(v)), "/d/log");
	CHECK_STR(value_of(text, "backlog_wait_time", v, sizeof(v)), "15000");
	CHECK(bench_needle_config_procev(text));

	CHECK_EQ(bench_needle_config("needle-noprocev", &setup, "/d", NULL, text, sizeof(text)), 0);
	CHECK_STR(value_of(text, "process_events", v, sizeof(v)), "no");
	CHECK_STR(value_of(text, "output", v, sizeof(v)), "json,raw");
	CHECK(!value_of(text, "nats_url", v, sizeof(v)));
	CHECK(!bench_needle_config_procev(text));

	CHECK_EQ(bench_needle_config("needle-nats", &setup, "/d", "nats://127.0.0.1:4", text,
				     sizeof(text)), 0);
	CHECK_STR(value_of(text, "output", v, sizeof(v)), "json,raw,nats");
	CHECK_STR(value_of(text, "nats_url", v, sizeof(v)), "nats://127.0.0.1:4");
	CHECK(bench_needle_config_procev(text));
}

TEST(needle_set_replaces_but_not_the_noprocev_switch)
{
	struct bench_setup s = setup;
	char text[2048], v[64];

	s.needle_extra = "process_events = no\ndecoders = 1\noutput=raw\n";
	CHECK_EQ(bench_needle_config("needle", &s, "/d", NULL, text, sizeof(text)), 0);
	CHECK_STR(value_of(text, "process_events", v, sizeof(v)), "no");
	CHECK_STR(value_of(text, "decoders", v, sizeof(v)), "1");
	CHECK_STR(value_of(text, "output", v, sizeof(v)), "raw");
	CHECK(!bench_needle_config_procev(text));

	s.needle_extra = "process_events = yes\n";
	CHECK_EQ(bench_needle_config("needle-noprocev", &s, "/d", NULL, text, sizeof(text)), 0);
	CHECK_STR(value_of(text, "process_events", v, sizeof(v)), "no");

	/* A text that does not fit is refused, not cut. */
	CHECK_EQ(bench_needle_config("needle", &setup, "/d", NULL, text, 100), -E2BIG);
}

TEST(connector_cost_share)
{
	CHECK(fabs(connector_cost(10.0, 9.0) - 0.10) < 1e-12);
	CHECK(fabs(connector_cost(8.0, 6.0) - 0.25) < 1e-12);
	/* Cheaper with the connector on (the decoders read /proc less): negative. */
	CHECK(fabs(connector_cost(9.0, 10.0) + 1.0 / 9.0) < 1e-12);
	CHECK(isnan(connector_cost(0, 5)));
	CHECK(isnan(connector_cost(NAN, 5)));
	CHECK(isnan(connector_cost(5, NAN)));
}

TEST(execve_only_mixes)
{
	CHECK(connector_mix_execve_only("execve=1"));
	CHECK(connector_mix_execve_only("execve=3"));
	CHECK(connector_mix_execve_only("openat=0,execve=2"));
	CHECK(connector_mix_execve_only("execve=1,connect=0"));
	CHECK(!connector_mix_execve_only("openat=1"));
	CHECK(!connector_mix_execve_only("openat=2,connect=1,execve=1"));
	CHECK(!connector_mix_execve_only("execve=0"));
	CHECK(!connector_mix_execve_only("execve"));
	CHECK(!connector_mix_execve_only("execve=x"));
	CHECK(!connector_mix_execve_only("execve=1,"));
	CHECK(!connector_mix_execve_only("execvex=1"));
	CHECK(!connector_mix_execve_only(""));
}

struct spinner {
	atomic_bool done, stop;
	double own; /* the thread's CPU by its own clock, when done */
};

static double thread_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Burns 0.4 s of its own CPU, then waits (alive, not spending) to be read. */
static void *spin(void *arg)
{
	struct spinner *s = arg;
	volatile unsigned long x = 0;

	while (thread_clock() < 0.4)
		x++;
	s->own = thread_clock();
	atomic_store(&s->done, true);
	while (!atomic_load(&s->stop)) {
		struct timespec ts = { 0, 5000000 };

		nanosleep(&ts, NULL);
	}
	return NULL;
}

static void stop_spinner(void *arg)
{
	struct spinner *s = arg;

	atomic_store(&s->stop, true);
}

/* This process's threads, as /proc/self/task lists them. */
static unsigned tasks_now(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	unsigned n = 0;

	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

TEST(named_thread_cpu_against_its_own_clock)
{
	static struct spinner s;
	struct thread_cpu cpu;
	pthread_t t;
	double own;

	CHECK_EQ(pthread_create(&t, NULL, spin, &s), 0);
	pthread_setname_np(t, "bench-spin");
	harness_defer(stop_spinner, &s);
	while (!atomic_load(&s.done)) {
		struct timespec ts = { 0, 10000000 };

		nanosleep(&ts, NULL);
	}
	/* The thread's stat lags its clock by less than a tick: 20 ms slack. */
	own = s.own;
	CHECK_EQ(thread_cpu_read(getpid(), "bench-spin", &cpu), 0);
	NOTE("bench-spin: /proc %.3f s, own clock %.3f s; process %.3f s, %u threads", cpu.named,
	     own, cpu.total, cpu.threads);
	CHECK_EQ(cpu.named_threads, 1);
	CHECK_EQ(cpu.threads, tasks_now()); /* this test and the spinner, and any a sanitizer adds */
	CHECK(fabs(cpu.named - own) < 0.02 + 0.05 * own);
	CHECK(cpu.total >= cpu.named);

	CHECK_EQ(thread_cpu_read(getpid(), "no-such-thread", &cpu), 0);
	CHECK_EQ(cpu.named_threads, 0);
	CHECK(cpu.named == 0);
	CHECK(cpu.total >= own - 0.02);
	atomic_store(&s.stop, true);
	pthread_join(t, NULL);
}

TEST(a_process_gone_is_an_error)
{
	struct thread_cpu cpu = { .total = -1 };

	/* Above pid_max (at most 2^22): no such process. */
	CHECK_EQ(thread_cpu_read(1 << 23, "x", &cpu), -ENOENT);
	CHECK(cpu.total == -1); /* untouched */
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(needle_entries_and_their_switch),
				  CASE(needle_set_replaces_but_not_the_noprocev_switch),
				  CASE(connector_cost_share), CASE(execve_only_mixes),
				  CASE(named_thread_cpu_against_its_own_clock),
				  CASE(a_process_gone_is_an_error)));
}
