/* SPDX-License-Identifier: MIT */
/*
 * procconn: the kernel's process events (the proc connector, a netlink
 * family of its own: NETLINK_CONNECTOR, CN_IDX_PROC). Once subscribed, the
 * kernel sends a datagram for every fork, exec, uid/gid/sid change, comm
 * change and exit on the machine, as it happens, so a process that lives a
 * millisecond is still seen while it lives.
 *
 * Opening needs CAP_NET_ADMIN and a kernel with CONFIG_PROC_EVENTS. The
 * socket is lossy: when its receive buffer is full the kernel drops events
 * and the next recv fails with ENOBUFS (counted by the caller).
 *
 * Parsing is separate from the socket: procconn_next() reads the events of
 * one received datagram, whatever bytes it holds, without allocating.
 */
#ifndef NEEDLE_PROCCONN_H
#define NEEDLE_PROCCONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum procconn_what {
	PROCCONN_FORK = 1,
	PROCCONN_EXEC,
	PROCCONN_UID,
	PROCCONN_GID,
	PROCCONN_SID,
	PROCCONN_COMM,
	PROCCONN_EXIT,
};

/* One process event. pid/tgid: the thread and its process (equal for a
 * process's main thread); for FORK, parent_* and the child in pid/tgid. */
struct procconn_event {
	enum procconn_what what;
	uint32_t pid, tgid;
	uint32_t parent_pid, parent_tgid; /* FORK */
	uint32_t id, eid;                 /* UID, GID: real and effective */
	uint32_t exit_code;               /* EXIT: as wait(2) reports it */
	char comm[16];                    /* COMM: NUL-terminated */
	uint64_t timestamp_ns;            /* the kernel's, since boot */
};

/* Which events a socket is subscribed to. The kernel filters them for it
 * from 6.6 on (procconn_can_filter); before, every socket gets them all,
 * and a reader keeps only the kinds it asked for. */
enum procconn_events {
	PROCCONN_ALL,
	PROCCONN_EXECS,
	PROCCONN_ALL_BUT_EXECS,
};

/* Whether the running kernel filters a subscription (6.6 and later). */
bool procconn_can_filter(void);

/* A socket subscribed to the process events, close-on-exec; its fd once
 * the kernel has acknowledged the subscription (within a second), or
 * -errno: -EPERM without CAP_NET_ADMIN, -EPROTONOSUPPORT or -ENOENT where
 * the kernel has no proc connector, -ETIMEDOUT with no answer (needle in
 * a user or pid namespace of its own). rcvbuf: bytes asked for the
 * receive buffer (0: the system's default). which: the events it gets
 * (a filter is set after the kernel's answer: it filters its own acks). */
int procconn_open(int rcvbuf, enum procconn_events which);

/* Unsubscribes and closes. fd < 0 is ignored. */
void procconn_close(int fd);

/* The next process event of the datagram buf[0..len) from *offset on: 1
 * with *ret filled and *offset moved past it, 0 when the datagram holds no
 * more, -EINVAL when the bytes are not a well-formed message of the proc
 * connector (the rest of the datagram is then skipped). Other messages of
 * the connector (the subscription's ack, event types needle does not use)
 * are passed over. Any thread; nothing is allocated. */
int procconn_next(const void *buf, size_t len, size_t *offset, struct procconn_event *ret);

#endif
