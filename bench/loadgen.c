/* SPDX-License-Identifier: MIT */
/*
 * needle-loadgen: the audited workload. THREADS threads each issue COUNT
 * failing openat() calls of a path that does not exist, flat out, and the
 * program prints how fast they went. A rule on this binary
 * (-F exe=.../needle-loadgen -F exit=-ENOENT) turns each call into one
 * audit event of five records (SYSCALL, CWD, PATH, PROCTITLE, EOE).
 *
 * usage: needle-loadgen THREADS COUNT [PATH]
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct load {
	unsigned long count;
	const char *path;
	unsigned long failed;
};

static void *run(void *arg)
{
	struct load *l = arg;

	for (unsigned long i = 0; i < l->count; i++)
		l->failed += openat(AT_FDCWD, l->path, O_RDONLY) < 0;
	return NULL;
}

int main(int argc, char **argv)
{
	struct load loads[64];
	pthread_t t[64];
	struct timespec a, b;
	unsigned long threads, count, failed = 0;
	double seconds;

	if (argc < 3 || (threads = strtoul(argv[1], NULL, 10)) < 1 || threads > 64 ||
	    (count = strtoul(argv[2], NULL, 10)) < 1) {
		fprintf(stderr, "usage: needle-loadgen THREADS(1-64) COUNT [PATH]\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (unsigned long i = 0; i < threads; i++) {
		loads[i] = (struct load){ count, argc > 3 ? argv[3] : "/nonexistent/needle-loadgen", 0 };
		if (pthread_create(&t[i], NULL, run, &loads[i]) != 0) {
			fprintf(stderr, "needle-loadgen: cannot start thread %lu\n", i);
			return 1;
		}
	}
	for (unsigned long i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		failed += loads[i].failed;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	seconds = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("%lu calls (%lu failed as intended) in %.3f s: %.0f calls/s\n", threads * count,
	       failed, seconds, (double)(threads * count) / seconds);
	return failed == threads * count ? 0 : 1;
}
