/* SPDX-License-Identifier: MIT */
#include "procinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* enum procinfo_ns's order. */
static const char *const ns_names[PROCINFO_NS_COUNT] = { "pid",  "mnt", "net",   "user",
							  "uts", "ipc", "cgroup" };

ssize_t procinfo_read_at(int dir, const char *name, char buf[PROCINFO_READ_MAX])
{
	int fd = openat(dir, name, O_RDONLY | O_CLOEXEC);
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

/* The inode of dir's ns/NAME, from its link text "NAME:[INODE]": one
 * readlink, about a third cheaper than a stat (which makes the kernel find
 * or make the namespace's dentry); 0 when unreadable. */
static uint64_t ns_inode_at(int dir, const char *ns)
{
	char name[16], link[64], *end;
	const char *open;
	unsigned long long ino;
	ssize_t n;

	snprintf(name, sizeof(name), "ns/%s", ns);
	n = readlinkat(dir, name, link, sizeof(link) - 1);
	if (n <= 0)
		return 0;
	link[n] = '\0';
	open = strchr(link, '[');
	if (!open)
		return 0;
	ino = strtoull(open + 1, &end, 10);
	return end > open + 1 && *end == ']' ? (uint64_t)ino : 0;
}

void procinfo_host_init(struct procinfo_host *host)
{
	int init = open("/proc/1", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int self = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);

	/* pid 1's, or needle's own where pid 1 is out of reach (needle then
	 * runs in a container itself, and "host" means its namespaces). A
	 * kernel without one kind (cgroup before 4.6) leaves 0: never "not
	 * the host's". */
	for (int i = 0; i < PROCINFO_NS_COUNT; i++) {
		host->ns_ino[i] = init >= 0 ? ns_inode_at(init, ns_names[i]) : 0;
		if (!host->ns_ino[i] && self >= 0)
			host->ns_ino[i] = ns_inode_at(self, ns_names[i]);
	}
	if (init >= 0)
		close(init);
	if (self >= 0)
		close(self);
}

/* The last ')' of stat's text, which ends the name (a name may hold
 * ')' itself); NULL when none. */
static const char *name_end(const char *text, size_t len)
{
	for (const char *q = text + len; q-- > text;)
		if (*q == ')')
			return q;
	return NULL;
}

bool procinfo_parse_stat(const char *text, size_t len, uint32_t *ret_ppid,
			 uint64_t *ret_start_ticks)
{
	const char *p = name_end(text, len), *end = text + len;
	unsigned long long v = 0;
	int field;

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

bool procinfo_parse_comm(const char *text, size_t len, char comm[16])
{
	const char *open = memchr(text, '(', len), *close = name_end(text, len);
	size_t n;

	if (!open || !close || close <= open)
		return false;
	n = (size_t)(close - open - 1);
	if (n > 15)
		n = 15;
	memcpy(comm, open + 1, n);
	comm[n] = '\0';
	return true;
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

/* dir's stat (dir as procinfo_read_at takes it, or AT_FDCWD and a whole
 * path): procinfo_read_stat. */
static int read_stat_at(int dir, const char *name, uint32_t *ret_ppid,
			uint64_t *ret_start_ticks)
{
	char buf[PROCINFO_READ_MAX];
	ssize_t n = procinfo_read_at(dir, name, buf);

	if (n < 0)
		return (int)n;
	if (!procinfo_parse_stat(buf, (size_t)n, ret_ppid, ret_start_ticks))
		return -EINVAL;
	/* A zombie has left its cgroups and namespaces and lost its exe:
	 * what its /proc shows now is not what it was, so it counts as gone. */
	return procinfo_stat_exited(buf, (size_t)n) ? -ENOENT : 0;
}

int procinfo_read_stat(uint32_t pid, uint32_t *ret_ppid, uint64_t *ret_start_ticks)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/stat", pid);
	return read_stat_at(AT_FDCWD, path, ret_ppid, ret_start_ticks);
}

#define PF_EXITING 0x4 /* linux/sched.h: set as do_exit() begins */

bool procinfo_stat_exited(const char *text, size_t len)
{
	const char *p = name_end(text, len), *end = text + len;
	unsigned long long flags;
	char *e;

	if (!p || end - p < 3)
		return false;
	if (p[2] == 'Z' || p[2] == 'X' || p[2] == 'x')
		return true;
	/* Exiting: the kernel shows an exiting task in the root cgroup of
	 * every v1 hierarchy (a hybrid machine's docker cgroups are v1)
	 * before it drops its namespaces. Field 9, after the state (3). */
	p += 2;
	for (int field = 3; field < 9; field++) {
		while (p < end && *p != ' ')
			p++;
		while (p < end && *p == ' ')
			p++;
	}
	if (p >= end)
		return false;
	flags = strtoull(p, &e, 10);
	return e != p && (flags & PF_EXITING);
}

/* The first number of status's line KEY (Uid:, Gid: give real, effective,
 * saved, filesystem). A command name cannot fake a line: status shows a
 * newline in it as "\\n". */
static bool status_first(const char *status, const char *key, uint32_t *ret)
{
	const char *p = strstr(status, key);
	unsigned long long v;
	char *end;

	if (!p)
		return false;
	p += strlen(key);
	v = strtoull(p, &end, 10);
	if (end == p || v > UINT32_MAX)
		return false;
	*ret = (uint32_t)v;
	return true;
}

bool procinfo_parse_ids(const char *status, uint32_t *ret_uid, uint32_t *ret_gid)
{
	bool uid = status_first(status, "\nUid:", ret_uid);

	return status_first(status, "\nGid:", ret_gid) && uid;
}

/* The id inside pid's user namespace for host id, from dir's map (uid_map
 * or gid_map); false when the same, unmapped, or the host's identity map. */
static bool map_inside(int dir, const char *map, uint32_t host_id, uint32_t *ret_inside)
{
	char buf[PROCINFO_READ_MAX];
	uint32_t inside;

	if (procinfo_read_at(dir, map, buf) <= 0 || identity_map(buf) ||
	    !procinfo_map_uid(buf, host_id, &inside) || inside == host_id)
		return false;
	*ret_inside = inside;
	return true;
}

bool procinfo_read_ns_at(const struct procinfo_host *host, int dir, unsigned *ret_ns,
			 unsigned *ret_unread)
{
	bool all = true;
	unsigned unread = 0;

	*ret_ns = 0;
	for (int i = 0; i < PROCINFO_NS_COUNT; i++) {
		uint64_t ino;

		if (!host->ns_ino[i])
			continue; /* a kind this kernel lacks (or out of reach) */
		ino = ns_inode_at(dir, ns_names[i]);
		if (!ino) {
			all = false;
			unread |= 1u << i;
		} else if (ino != host->ns_ino[i]) {
			*ret_ns |= 1u << i;
		}
	}
	if (ret_unread)
		*ret_unread = unread;
	return all;
}

void procinfo_read_ids_at(int dir, unsigned ns, struct procinfo *ret)
{
	char buf[PROCINFO_READ_MAX];

	/* The ids matter only mapped into a user namespace of its own: the
	 * host's are the record's (three system calls saved per process). */
	if (!(ns & NS_USER))
		return;
	if (procinfo_read_at(dir, "status", buf) > 0)
		procinfo_parse_ids(buf, &ret->uid, &ret->gid);
	ret->has_ns_uid = map_inside(dir, "uid_map", ret->uid, &ret->ns_uid);
	ret->has_ns_gid = map_inside(dir, "gid_map", ret->gid, &ret->ns_gid);
}

bool procinfo_read_program_at(int dir, struct procinfo *ret)
{
	char buf[PROCINFO_READ_MAX];
	ssize_t n;

	if (procinfo_read_at(dir, "cmdline", buf) > 0) {
		size_t len = strnlen(buf, sizeof(ret->argv0) - 1); /* up to the first NUL */

		memcpy(ret->argv0, buf, len);
		ret->argv0[len] = '\0';
	}
	n = readlinkat(dir, "exe", ret->exe, sizeof(ret->exe) - 1);
	ret->exe[n > 0 ? n : 0] = '\0';
	return n >= 0;
}

int procinfo_open(uint32_t pid, struct procinfo *ret)
{
	char path[32];
	int dir;

	memset(ret, 0, sizeof(*ret));
	ret->pid = pid;
	/* Every read through it is relative to this one directory: one path
	 * walk, and a later process given the same pid is never read in its
	 * place (the directory stays the first one's, and fails once it is
	 * reaped). */
	snprintf(path, sizeof(path), "/proc/%" PRIu32, pid);
	dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return dir < 0 ? -errno : dir;
}

int procinfo_read(const struct procinfo_host *host, uint32_t pid, struct procinfo *ret)
{
	char buf[PROCINFO_READ_MAX];
	uint32_t ppid;
	uint64_t start;
	ssize_t n;
	int dir, r;

	dir = procinfo_open(pid, ret);
	if (dir < 0)
		return dir;
	r = read_stat_at(dir, "stat", &ret->ppid, &ret->start_ticks);
	if (r < 0)
		goto out_close;
	/* Exiting, a process drops its memory (exe, cmdline), then its
	 * namespaces, then its cgroups: the namespaces, ids and cgroup
	 * first, so that a process exiting meanwhile is most likely still
	 * whole when they are read; the exe last, as the proof (below). */
	procinfo_read_ns_at(host, dir, &ret->ns, NULL); /* one unreadable: not flagged */
	procinfo_read_ids_at(dir, ret->ns, ret);
	n = procinfo_read_at(dir, "cgroup", buf);
	if (n > 0)
		container_parse_cgroup(buf, (size_t)n, &ret->container);
	/* The exe link goes first when a process exits: readable after all
	 * the reads above, they saw the process before its exit began. Kernel
	 * threads (kthreadd and its children) have none. */
	r = -ENOENT;
	if (!procinfo_read_program_at(dir, ret) && pid != 2 && ret->ppid != 2)
		goto out_close;
	/* Gone while we read it (a zombie now, or another process). */
	if (read_stat_at(dir, "stat", &ppid, &start) < 0 || start != ret->start_ticks)
		goto out_close;
	r = 0;
out_close:
	close(dir);
	return r;
}
