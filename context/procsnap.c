/* SPDX-License-Identifier: MIT */
#include "procsnap.h"

#include <errno.h>
#include <unistd.h>

int procsnap_read(const struct procinfo_host *host, uint32_t pid, struct procinfo *ret)
{
	char buf[PROCINFO_READ_MAX];
	ssize_t n;
	int dir = procinfo_open(pid, ret), r = -ENOENT;

	if (dir < 0)
		return -ENOENT;
	n = procinfo_read_at(dir, "stat", buf);
	if (n < 0 || !procinfo_parse_stat(buf, (size_t)n, &ret->ppid, &ret->start_ticks) ||
	    procinfo_stat_exited(buf, (size_t)n))
		goto close_dir;
	n = procinfo_read_at(dir, "cgroup", buf);
	if (n > 0)
		container_parse_cgroup(buf, (size_t)n, &ret->container);
	/* still in its namespaces after the cgroup read: the cgroup was its own */
	if (!procinfo_read_ns_at(host, dir, &ret->ns))
		goto close_dir;
	procinfo_read_ids_at(dir, ret->ns, ret);
	procinfo_read_program_at(dir, ret);
	r = 0;
close_dir:
	close(dir);
	return r;
}
