/* SPDX-License-Identifier: MIT */
/*
 * readlog: a reader of the kernel's audit multicast (the READLOG group),
 * for needle monitor beside another daemon. It takes nothing from that
 * daemon: the kernel sends every record to the daemon and, besides, to
 * each member of the group. It counts what arrives (datagrams, records,
 * bytes, distinct serials), the overruns of its own socket (ENOBUFS: the
 * kernel dropped records for this reader) and the serial gaps they leave.
 * A multicast reader never slows the kernel: when it falls behind, it
 * loses, and these counters say how much.
 */
#ifndef NEEDLE_READLOG_H
#define NEEDLE_READLOG_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct readlog_stats {
	_Atomic uint64_t datagrams;
	_Atomic uint64_t records;     /* audit records (types 1000 and up) */
	_Atomic uint64_t bytes;
	_Atomic uint64_t events;      /* distinct serials seen */
	_Atomic uint64_t overruns;    /* ENOBUFS: records lost on this socket */
	_Atomic uint64_t serial_gaps; /* serials never seen: events this reader lost */
	int64_t rcvbuf;               /* receive buffer granted, bytes */
};

struct readlog;

/* Joins the group with a receive buffer of rcvbuf bytes and starts the
 * reading thread. NULL and a message in err on failure (no CAP_AUDIT_READ,
 * no memory). patience_ms: how long a serial may be missing, after a later
 * one arrived, before it counts as a gap. */
struct readlog *readlog_start(uint64_t rcvbuf, uint64_t patience_ms, char *err, size_t err_size);
const struct readlog_stats *readlog_stats(const struct readlog *r);
void readlog_stop(struct readlog *r);

#endif
