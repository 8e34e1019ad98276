/* SPDX-License-Identifier: MIT */
/*
 * sink: one output file (or stdout) shared by the decoder threads.
 *
 *   decoder[i] --whole-line buffer (or one LZ4 frame)--> sink_write() --> file
 *                                                            | size >= max_size
 *                                                            v
 *                                   file.N-1 -> file.N ... file -> file.1, reopen
 *
 * Each write is a batch of whole lines from one decoder, so lines never
 * interleave. LZ4 frames concatenate: a file of frames reads with
 * `lz4 -dc`. A mutex orders writes and rotation; it is taken once per
 * batch (tens to hundreds of kilobytes), never per event.
 *
 * Failures never stop the pipeline: a failed write loses that batch and is
 * counted (events and bytes), a failed rotation is counted and writing
 * goes on to the current file.
 */
#ifndef NEEDLE_SINK_H
#define NEEDLE_SINK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sink_stats {
	_Atomic uint64_t events;       /* events written */
	_Atomic uint64_t bytes;        /* bytes written (compressed when lz4) */
	_Atomic uint64_t raw_bytes;    /* bytes before compression */
	_Atomic uint64_t write_errors; /* failed writes */
	_Atomic uint64_t lost_events;  /* events in failed writes */
	_Atomic uint64_t rotations;
	_Atomic uint64_t rotate_errors;
};

struct sink {
	char path[512];     /* "" for stdout */
	int fd;
	bool lz4;
	uint64_t max_size;  /* 0: never rotate */
	unsigned num_logs;  /* generations kept, the current file included */
	uint64_t size;      /* of the current file */
	uint64_t dev, ino;  /* of the current file (restarts find it by them) */
	pthread_mutex_t lock;
	struct sink_stats stats;
};

/* Opens (appends to) path with mode 0600, or stdout when path is NULL.
 * Returns 0 or -errno. */
int sink_open(struct sink *s, const char *path, bool lz4, uint64_t max_size, unsigned num_logs);
void sink_close(struct sink *s);

/* Writes len bytes holding `events` events (already an LZ4 frame when the
 * sink compresses; raw_len is the size before). Any thread. */
void sink_write(struct sink *s, const void *data, size_t len, size_t raw_len, uint64_t events);

/* Where the next write will go: the current file's device, inode and size
 * (whole batches only: taken under the write lock). Any thread. */
struct sink_position {
	uint64_t dev, ino, size;
};
void sink_position(struct sink *s, struct sink_position *ret);

#endif
