/* SPDX-License-Identifier: MIT */
/* A process's CPU time by thread name: see threadcpu.h. */
#include "threadcpu.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The first line of a /proc file, NUL-terminated (the newline kept); its
 * length, or -errno. */
static ssize_t read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	ssize_t n;

	if (!f)
		return -errno;
	buf[0] = '\0';
	n = fgets(buf, (int)size, f) ? (ssize_t)strlen(buf) : ferror(f) ? -EIO : 0;
	fclose(f);
	return n;
}

/* utime + stime, in ticks, of a stat line: fields 14 and 15, counted after
 * the ')' that ends the command name (which may hold spaces or ')'). */
static int stat_ticks(const char *path, unsigned long long *ret)
{
	char buf[1024];
	ssize_t n = read_line(path, buf, sizeof(buf));
	unsigned long long utime, stime;
	const char *p;

	if (n < 0)
		return (int)n;
	p = strrchr(buf, ')');
	/* After ")": state (3), then 4..13, utime (14), stime (15). */
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
			 &stime) != 2)
		return -EPROTO;
	*ret = utime + stime;
	return 0;
}

int thread_cpu_read(pid_t pid, const char *name, struct thread_cpu *ret)
{
	char path[96], comm[64];
	unsigned long long total, ticks, named = 0;
	unsigned threads = 0, named_threads = 0;
	double hz = (double)sysconf(_SC_CLK_TCK);
	struct dirent *e;
	DIR *dir;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((r = stat_ticks(path, &total)) < 0)
		return r;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		ssize_t n;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/comm", (int)pid, e->d_name);
		n = read_line(path, comm, sizeof(comm));
		if (n < 0)
			continue; /* the thread ended while we read */
		threads++;
		if (n > 0 && comm[n - 1] == '\n')
			comm[n - 1] = '\0';
		if (strcmp(comm, name) != 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/stat", (int)pid, e->d_name);
		if (stat_ticks(path, &ticks) < 0)
			continue;
		named += ticks;
		named_threads++;
	}
	closedir(dir);
	*ret = (struct thread_cpu){ .total = (double)total / hz, .named = (double)named / hz,
				    .threads = threads, .named_threads = named_threads };
	return 0;
}
