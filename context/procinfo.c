/* SPDX-License-Identifier: MIT */
#include "procinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const ns_names[4] = { "pid", "mnt", "net", "user" };

/* One read of at most PROCINFO_READ_MAX - 1 bytes, NUL-terminated; the
 * length, or -errno. */
static ssize_t read_small(const char *path, char buf[PROCINFO_READ_MAX])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, PROCINFO_READ_MAX - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

static uint64_t ns_inode(uint32_t pid, const char *ns)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/ns/%s", pid, ns);
	return stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

void procinfo_host_init(struct procinfo_host *host)
{
	char path[64];
	struct stat st;

	/* pid 1's, or needle's own where pid 1 is out of reach (needle then
	 * runs in a container itself, and "host" means its namespaces). */
	for (int i = 0; i < 4; i++) {
		host->ns_ino[i] = ns_inode(1, ns_names[i]);
		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_names[i]);
		if (!host->ns_ino[i] && stat(path, &st) == 0)
			host->ns_ino[i] = (uint64_t)st.st_ino;
	}
}

bool procinfo_parse_stat(const char *text, size_t len, uint32_t *ret_ppid,
			 uint64_t *ret_start_ticks)
{
	const char *p = NULL, *end = text + len;
	unsigned long long v = 0;
	int field;

	for (const char *q = text; q < end; q++)
		if (*q == ')')
			p = q;
	if (!p)
		return false;
	/* After "pid (comm)": field 3 is the state, 4 the ppid, 22 the start. */
	p++;
	for (field = 3; field <= 22 && p < end; field++) {
		char *e;

		while (p < end && *p == ' ')
			p++;
		if (field == 4 || field == 22) {
			v = strtoull(p, &e, 10);
			if (e == p)
				return false;
			if (field == 4)
				*ret_ppid = (uint32_t)v;
			else
				*ret_start_ticks = v;
		}
		while (p < end && *p != ' ')
			p++;
	}
	return field > 22;
}

static double seconds(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double procinfo_boot_time(void)
{
	double best = 0, gap = 1e9;

	/* Boot time between two readings of CLOCK_BOOTTIME around one of the
	 * wall clock; of three tries, the one least disturbed (preempted). */
	for (int i = 0; i < 3; i++) {
		double b0 = seconds(CLOCK_BOOTTIME), wall = seconds(CLOCK_REALTIME);
		double b1 = seconds(CLOCK_BOOTTIME);

		if (b1 - b0 < gap) {
			gap = b1 - b0;
			best = wall - (b0 + b1) / 2;
		}
	}
	return best;
}

bool procinfo_map_uid(const char *uid_map, uint32_t host_uid, uint32_t *ret_inside)
{
	const char *p = uid_map;

	while (*p) {
		unsigned long long inside, outside, count;
		int used = 0;

		if (sscanf(p, " %llu %llu %llu%n", &inside, &outside, &count, &used) != 3)
			return false;
		if (host_uid >= outside && host_uid - outside < count) {
			*ret_inside = (uint32_t)(inside + (host_uid - outside));
			return true;
		}
		p += used;
		while (*p == '\n' || *p == ' ')
			p++;
	}
	return false;
}

/* The identity map "0 0 4294967295": the host's own user namespace. */
static bool identity_map(const char *uid_map)
{
	unsigned long long inside, outside, count;

	return sscanf(uid_map, " %llu %llu %llu", &inside, &outside, &count) == 3 && inside == 0 &&
	       outside == 0 && count == 4294967295ull;
}

int procinfo_read_stat(uint32_t pid, uint32_t *ret_ppid, uint64_t *ret_start_ticks)
{
	char path[64], buf[PROCINFO_READ_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/stat", pid);
	n = read_small(path, buf);
	if (n < 0)
		return (int)n;
	if (!procinfo_parse_stat(buf, (size_t)n, ret_ppid, ret_start_ticks))
		return -EINVAL;
	/* A zombie has left its cgroups and namespaces and lost its exe:
	 * what its /proc shows now is not what it was, so it counts as gone. */
	return procinfo_stat_exited(buf, (size_t)n) ? -ENOENT : 0;
}

bool procinfo_stat_exited(const char *text, size_t len)
{
	const char *p = NULL, *end = text + len;

	for (const char *q = text; q < end; q++)
		if (*q == ')')
			p = q;
	if (!p || end - p < 3)
		return false;
	return p[2] == 'Z' || p[2] == 'X' || p[2] == 'x';
}

int procinfo_read(const struct procinfo_host *host, uint32_t pid, struct procinfo *ret)
{
	char path[64], buf[PROCINFO_READ_MAX];
	ssize_t n;

	memset(ret, 0, sizeof(*ret));
	ret->pid = pid;
	n = procinfo_read_stat(pid, &ret->ppid, &ret->start_ticks);
	if (n < 0)
		return (int)n;
	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/exe", pid);
	n = readlink(path, ret->exe, sizeof(ret->exe) - 1);
	ret->exe[n > 0 ? n : 0] = '\0';
	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/cmdline", pid);
	if (read_small(path, buf) > 0) {
		size_t len = strnlen(buf, sizeof(ret->argv0) - 1); /* up to the first NUL */

		memcpy(ret->argv0, buf, len);
		ret->argv0[len] = '\0';
	}
	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/status", pid);
	if (read_small(path, buf) > 0) {
		const char *uid = strstr(buf, "\nUid:");

		if (uid)
			ret->uid = (uint32_t)strtoul(uid + 5, NULL, 10);
	}
	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/cgroup", pid);
	n = read_small(path, buf);
	if (n > 0)
		container_parse_cgroup(buf, (size_t)n, &ret->container);
	for (int i = 0; i < 4; i++) {
		uint64_t ino = ns_inode(pid, ns_names[i]);

		if (ino && host->ns_ino[i] && ino != host->ns_ino[i])
			ret->ns |= 1u << i;
	}
	if (ret->ns & NS_USER) {
		snprintf(path, sizeof(path), "/proc/%" PRIu32 "/uid_map", pid);
		if (read_small(path, buf) > 0 && !identity_map(buf) &&
		    procinfo_map_uid(buf, ret->uid, &ret->ns_uid))
			ret->has_ns_uid = ret->ns_uid != ret->uid;
	}
	/* Gone while we read it: a later process may hold the pid. */
	{
		uint32_t ppid;
		uint64_t start;

		if (procinfo_read_stat(pid, &ppid, &start) < 0 || start != ret->start_ticks)
			return -ENOENT;
	}
	/* Exiting: the kernel drops a process's memory (its exe link) before
	 * its cgroups, so with the exe gone the cgroup read may already be
	 * the root's. Kernel threads (kthreadd and its children) have none. */
	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/exe", pid);
	if (pid != 2 && ret->ppid != 2 && readlink(path, buf, sizeof(buf)) < 0)
		return -ENOENT;
	return 0;
}
