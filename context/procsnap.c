/* SPDX-License-Identifier: MIT */
#include "procsnap.h"

#include <errno.h>
#include <unistd.h>

int procsnap_read(const struct procinfo_host *host, uint32_t pid, struct procinfo *ret,
		  unsigned *ret_unread_ns)
{
	char buf[PROCINFO_READ_MAX];
	uint32_t ppid;
	uint64_t start;
	ssize_t n;
	int dir = procinfo_open(pid, ret), r = -ENOENT, whole = 0;

	if (dir < 0)
		return -ENOENT;
	/* What a process that unshares before its exec loses at its exit
	 * first: the namespaces, then (credentials last) the ids and maps. An
	 * exiting one still shows its user and pid namespaces: kept, with the
	 * maps, and the rest left to the version before. */
	if (!procinfo_read_ns_at(host, dir, &ret->ns, ret_unread_ns)) {
		if ((*ret_unread_ns & NS_USER) && (*ret_unread_ns & NS_PID))
			goto close_dir;
		whole = PROCSNAP_NO_CGROUP;
	}
	procinfo_read_ids_at(dir, ret->ns, ret);
	n = procinfo_read_at(dir, "cgroup", buf);
	if (n > 0)
		container_parse_cgroup(buf, (size_t)n, &ret->container);
	else
		whole = PROCSNAP_NO_CGROUP;
	procinfo_read_program_at(dir, ret);
	/* Last, the proof these reads were of one process: a pid reaped and
	 * taken again before the directory was opened shows a later start. */
	n = procinfo_read_at(dir, "stat", buf);
	if (n < 0 || !procinfo_parse_stat(buf, (size_t)n, &ppid, &start))
		goto close_dir;
	/* Not exiting yet when stat was read, after the cgroup: the cgroup was
	 * its own. Exiting (or a zombie), it may read as the root of a v1
	 * hierarchy, while its namespaces are still there: the version keeps
	 * its parent's container, which exec does not change. */
	if (procinfo_stat_exited(buf, (size_t)n))
		whole = PROCSNAP_NO_CGROUP;
	ret->ppid = ppid;
	ret->start_ticks = start;
	/* the program's name even when its exe went with the exit: what tells
	 * its version from an exec before it the same batch skipped */
	procinfo_parse_comm(buf, (size_t)n, ret->comm);
	r = whole;
close_dir:
	close(dir);
	return r;
}
