/* SPDX-License-Identifier: MIT */
/*
 * threadcpu: a running process's CPU time, and the part of it spent by the
 * threads of one name, read from /proc (stat of the process, and
 * task/TID/comm and task/TID/stat of each thread). needle-bench reads it
 * from needle just before stopping it: the proc connector's thread's own
 * share of needle's CPU (issue 16).
 *
 * In clock ticks, as the kernel keeps utime and stime (sysconf(_SC_CLK_TCK),
 * usually 100 a second), converted to seconds. The process's total counts
 * threads that already exited; the named part only threads alive at the
 * reading.
 */
#ifndef NEEDLE_BENCH_THREADCPU_H
#define NEEDLE_BENCH_THREADCPU_H

#include <sys/types.h>

struct thread_cpu {
	double total;          /* seconds: user + system of the whole process */
	double named;          /* seconds: user + system of the threads named so */
	unsigned threads;      /* threads alive at the reading */
	unsigned named_threads;
};

/* name: a thread's comm as pthread_setname_np set it (at most 15 bytes).
 * 0, or -errno (-ENOENT: no such process). */
int thread_cpu_read(pid_t pid, const char *name, struct thread_cpu *ret);

#endif
