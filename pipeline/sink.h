/* SPDX-License-Identifier: MIT */
/*
 * sink: one output file (or stdout) shared by the decoder threads.
 *
 *   decoder[i] --whole-line buffer (or one LZ4 frame)--> sink_write() --> file
 *                                                            | size >= max_size,
 *                                                            | or sink_rotate()
 *                                                            v
 *          open file.new; file.N-1 -> file.old, file.N-2 -> file.N-1 ... file -> file.1,
 *          file.new -> file; then close the old file, unlink file.old
 *
 * Each write is a batch of whole lines from one decoder, so lines never
 * interleave. LZ4 frames concatenate: a file of frames reads with
 * `lz4 -dc`. A mutex orders writes, rotation, suspension and syncs; it is
 * taken once per batch (tens to hundreds of kilobytes), never per event.
 *
 * Failures never stop the pipeline, and never cost an old generation:
 * - a failed write loses that batch and is counted (events and bytes);
 * - a rotation opens the new file before it renames anything, and undoes
 *   its renames when one fails: the current file stays open, every
 *   generation keeps its name, writing goes on to the current file (past
 *   max_size), the failure is counted and rotation is tried again no sooner
 *   than SINK_ROTATE_RETRY_MS later (never once per write);
 * - a failed close of the rotated-out file, a failed fsync of the flush
 *   policy, or a failed fsync or close at sink_close(), is counted with
 *   the events that file holds unsynced: the most a late I/O error can
 *   have lost.
 *
 * The main thread may also rotate now (SIGUSR1, rotate_every, the space
 * policy), and suspend writing (the file closed, so that an administrator
 * can move or delete it) and resume it: while suspended every batch is
 * counted lost, as suspended events (logkeep.h decides when).
 *
 * Modes, as auditd's log_group: the current file 0600, or 0640 with the
 * group when a group is given; a rotated-out generation read-only (0400,
 * 0440). flush, as auditd's: none; incremental (fsync every freq events,
 * by the writer); incremental_async (the same fsync by a thread of the
 * sink's own, flusher.h, so no writer waits for the disk); data (O_DSYNC);
 * sync (O_SYNC). Only regular files are synced by the policy.
 */
#ifndef NEEDLE_SINK_H
#define NEEDLE_SINK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SINK_MAX_LOGS 999
#define SINK_ROTATE_RETRY_MS 1000

struct sink;

/* How often a file's writes are made to reach the disk (auditd's flush). */
enum sink_flush {
	SINK_FLUSH_NONE,
	SINK_FLUSH_INCREMENTAL,       /* fsync every freq events, by the writer */
	SINK_FLUSH_INCREMENTAL_ASYNC, /* the same fsync, by the sink's flush thread */
	SINK_FLUSH_DATA,              /* O_DSYNC: each write's data synced */
	SINK_FLUSH_SYNC,              /* O_SYNC: data and metadata */
};

/* The file calls a sink makes; tests swap them to inject failures. */
struct sink_io {
	int (*open)(const char *path, int flags, mode_t mode);
	int (*rename)(const char *from, const char *to);
	int (*fsync)(int fd);
	int (*close)(int fd);
	ssize_t (*write)(int fd, const void *buf, size_t len);
};
extern const struct sink_io sink_io_system;

/* What a file sink is opened with (sink_open). */
struct sink_options {
	bool lz4;               /* writes are LZ4 frames */
	uint64_t max_size;      /* rotate when the file reaches it; 0: never */
	unsigned num_logs;      /* generations kept, the current one included */
	gid_t group;            /* log_group: 0 (root) files 0600, else 0640 and this group */
	enum sink_flush flush;
	unsigned freq;          /* events between fsyncs (the incremental modes) */
	const struct sink_io *io; /* tests: the file calls to make; NULL: the system's */
};

/* A copy of a sink's counters (sink_get_stats). */
struct sink_stats {
	uint64_t events;          /* events written */
	uint64_t bytes;           /* bytes written (compressed when lz4) */
	uint64_t raw_bytes;       /* bytes before compression */
	uint64_t write_errors;    /* failed writes */
	uint64_t lost_events;     /* events in failed writes, or not written while suspended
				   * (or lost before, sink_count_lost) */
	uint64_t rotations;
	uint64_t rotate_errors;   /* rotations not done (nothing renamed) */
	uint64_t sync_errors;     /* failed fsync or close of a finished file */
	uint64_t unsynced_events; /* events in those files: at most this many lost */
	uint64_t suspended;       /* 1 while writing is suspended */
	uint64_t suspended_events; /* of lost_events, those not written while suspended */
	uint64_t syncs;           /* fsyncs of the flush policy (incremental modes) */
	int last_error;           /* errno of the last rotation, sync or close failure */
};

/* Opens (appends to) path as o says, or stdout when path is NULL (o may
 * be NULL then); *ret_sink gets the sink. Returns 0 or -errno (ret_sink
 * untouched). */
int sink_open(const char *path, const struct sink_options *o, struct sink **ret_sink);

/* Syncs and closes the file; the counters stay readable until sink_free().
 * Returns 0, or -errno when fsync or close failed (counted in sync_errors
 * and unsynced_events). Pipes, FIFOs and devices that cannot sync are not
 * errors. Once, after the last write. */
int sink_close(struct sink *s);

/* Frees a sink (closed or not: an open file is closed without fsync).
 * NULL is fine. */
void sink_free(struct sink *s);

/* Writes len bytes holding `events` events (already an LZ4 frame when the
 * sink compresses; raw_len is the size before). Any thread. */
void sink_write(struct sink *s, const void *data, size_t len, size_t raw_len, uint64_t events);

/* Events lost before they reached the sink (a batch that could not be
 * formatted or compressed): counted in lost_events. Any thread. */
void sink_count_lost(struct sink *s, uint64_t events);

/* Rotates now (a file sink; stdout: nothing). unless_empty: not when the
 * current file holds nothing. While suspended the generations move up and
 * the oldest goes, and sink_resume() makes the new file. Returns 1 when it
 * rotated, 0 when there was nothing to do, or -errno (counted as a
 * rotation error, every generation under its own name). Any thread. */
int sink_rotate(struct sink *s, bool unless_empty);

/* Stops writing: the file synced and closed, every batch from now on
 * counted lost (suspended_events). Returns 0, or the -errno of its fsync or
 * close (counted as sync errors); suspended either way. Any thread. */
int sink_suspend(struct sink *s);

/* Writing again: the file reopened (made again if it was moved away).
 * Returns 0, or -errno with the sink still suspended. Any thread. */
int sink_resume(struct sink *s);

/* Whether a write found the disk full (ENOSPC, EDQUOT) since the last
 * call: cleared by the call. Any thread. */
bool sink_take_full(struct sink *s);

/* Whether the file is a regular file (the space policy and the flush
 * policy apply to those only); false for stdout. */
bool sink_regular(struct sink *s);

/* Where the next write will go: the current file's device, inode and size
 * (whole batches only: taken under the write lock). Any thread. */
struct sink_position {
	uint64_t dev, ino, size;
};
void sink_position(struct sink *s, struct sink_position *ret);

/* Its counters, each read relaxed. Any thread. */
void sink_get_stats(const struct sink *s, struct sink_stats *ret);

/* The file's path, "" for stdout; whether writes are LZ4 frames. */
const char *sink_path(const struct sink *s);
bool sink_lz4(const struct sink *s);

/* Tests only: the file calls to make, and the wait after a failed rotation. */
void sink_set_io(struct sink *s, const struct sink_io *io);
void sink_set_retry_ms(struct sink *s, unsigned ms);

#endif
