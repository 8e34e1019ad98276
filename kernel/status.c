/* SPDX-License-Identifier: MIT */
/*
 * status.c: the kernel snapshot's writers and its one reader. Requests to
 * the kernel are made before the lock is taken (status.h).
 */
#include "status.h"

#include <linux/sock_diag.h>
#include <sys/socket.h>

void kernel_snapshot_read(struct kernel_snapshot *k, struct kernel_view *ret)
{
	pthread_mutex_lock(&k->lock);
	*ret = k->v;
	pthread_mutex_unlock(&k->lock);
}

/* Under the lock. */
static void take_status(struct kernel_view *v, const struct audit_status *now)
{
	v->previous = v->status;
	v->have_previous = v->valid;
	v->status = *now;
	v->valid = true;
}

void kernel_snapshot_update(struct kernel_snapshot *k, const struct audit_status *now)
{
	pthread_mutex_lock(&k->lock);
	take_status(&k->v, now);
	pthread_mutex_unlock(&k->lock);
}

void kernel_snapshot_poll(struct kernel_snapshot *k, struct audit_ctl *ctl, int data_fd)
{
	struct audit_status now;
	uint32_t mem[SK_MEMINFO_VARS] = { 0 };
	socklen_t len = sizeof(mem);
	bool have_mem = data_fd >= 0 &&
			getsockopt(data_fd, SOL_SOCKET, SO_MEMINFO, mem, &len) == 0;
	bool have_status = audit_ctl_get_status(ctl, &now) == 0;

	pthread_mutex_lock(&k->lock);
	if (have_status)
		take_status(&k->v, &now);
	if (have_mem) {
		k->v.socket_queued = mem[SK_MEMINFO_RMEM_ALLOC];
		k->v.socket_limit = mem[SK_MEMINFO_RCVBUF];
	}
	pthread_mutex_unlock(&k->lock);
}

void kernel_snapshot_set_socket(struct kernel_snapshot *k, uint64_t queued, uint64_t limit)
{
	pthread_mutex_lock(&k->lock);
	k->v.socket_queued = queued;
	k->v.socket_limit = limit;
	pthread_mutex_unlock(&k->lock);
}

void kernel_snapshot_set_rcvbuf(struct kernel_snapshot *k, int64_t bytes)
{
	pthread_mutex_lock(&k->lock);
	k->v.rcvbuf = bytes;
	pthread_mutex_unlock(&k->lock);
}

void kernel_snapshot_mark_start(struct kernel_snapshot *k)
{
	pthread_mutex_lock(&k->lock);
	k->v.lost_at_start = k->v.valid ? k->v.status.lost : 0;
	k->v.started = true;
	pthread_mutex_unlock(&k->lock);
}

void kernel_snapshot_set_readlog(struct kernel_snapshot *k, const struct readlog_stats *r)
{
	pthread_mutex_lock(&k->lock);
	k->v.readlog = r;
	pthread_mutex_unlock(&k->lock);
}

void kernel_snapshot_set_rules(struct kernel_snapshot *k, uint32_t rules, uint64_t added,
			       uint64_t removed)
{
	pthread_mutex_lock(&k->lock);
	k->v.rules_watched = true;
	k->v.rules = rules;
	k->v.rules_added = added;
	k->v.rules_removed = removed;
	pthread_mutex_unlock(&k->lock);
}
