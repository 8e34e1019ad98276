/* SPDX-License-Identifier: MIT */
#include "procsnap.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* In enum procinfo_ns's bit order; host->ns_ino says how many are compared. */
static const char *const ns_paths[] = { "ns/pid", "ns/mnt", "ns/net", "ns/user",
					"ns/uts", "ns/ipc", "ns/cgroup" };

/* One read of a file of dir, NUL-terminated; its length or -errno. */
static ssize_t read_at(int dir, const char *name, char buf[PROCINFO_READ_MAX])
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

/* The namespaces not the host's; false when the process has left them
 * (exiting). */
static bool read_namespaces(const struct procinfo_host *host, int dir, unsigned *ret_ns)
{
	size_t count = sizeof(host->ns_ino) / sizeof(host->ns_ino[0]);
	struct stat st;

	*ret_ns = 0;
	for (size_t i = 0; i < count && i < sizeof(ns_paths) / sizeof(ns_paths[0]); i++) {
		if (fstatat(dir, ns_paths[i], &st, 0) < 0)
			return false;
		if (host->ns_ino[i] && (uint64_t)st.st_ino != host->ns_ino[i])
			*ret_ns |= 1u << i;
	}
	return true;
}

/* The uid inside the user namespace, from its map (the host's identity
 * map maps nothing). */
static void read_ns_uid(int dir, struct procinfo *ret, char buf[PROCINFO_READ_MAX])
{
	unsigned long long inside, outside, count;

	if (read_at(dir, "uid_map", buf) <= 0)
		return;
	if (sscanf(buf, " %llu %llu %llu", &inside, &outside, &count) == 3 && inside == 0 &&
	    outside == 0 && count == 4294967295ull)
		return;
	if (procinfo_map_uid(buf, ret->uid, &ret->ns_uid))
		ret->has_ns_uid = ret->ns_uid != ret->uid;
}

int procsnap_read(const struct procinfo_host *host, uint32_t pid, struct procinfo *ret)
{
	char path[32], buf[PROCINFO_READ_MAX];
	const char *uid;
	ssize_t n;
	int dir, r = -ENOENT;

	memset(ret, 0, sizeof(*ret));
	ret->pid = pid;
	snprintf(path, sizeof(path), "/proc/%" PRIu32, pid);
	dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -ENOENT;
	n = read_at(dir, "stat", buf);
	if (n < 0 || !procinfo_parse_stat(buf, (size_t)n, &ret->ppid, &ret->start_ticks) ||
	    procinfo_stat_exited(buf, (size_t)n))
		goto close_dir;
	n = read_at(dir, "cgroup", buf);
	if (n > 0)
		container_parse_cgroup(buf, (size_t)n, &ret->container);
	/* still in its namespaces after the cgroup read: the cgroup was its own */
	if (!read_namespaces(host, dir, &ret->ns))
		goto close_dir;
	if (read_at(dir, "status", buf) > 0 && (uid = strstr(buf, "\nUid:")))
		ret->uid = (uint32_t)strtoul(uid + 5, NULL, 10);
	if (ret->ns & NS_USER)
		read_ns_uid(dir, ret, buf);
	n = readlinkat(dir, "exe", ret->exe, sizeof(ret->exe) - 1);
	ret->exe[n > 0 ? n : 0] = '\0';
	if (read_at(dir, "cmdline", buf) > 0) {
		size_t len = strnlen(buf, sizeof(ret->argv0) - 1); /* up to the first NUL */

		memcpy(ret->argv0, buf, len);
		ret->argv0[len] = '\0';
	}
	r = 0;
close_dir:
	close(dir);
	return r;
}
