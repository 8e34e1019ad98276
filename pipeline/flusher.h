/* SPDX-License-Identifier: MIT */
/*
 * flusher: a thread that runs one job each time it is asked to, for
 * flush = incremental_async (sink.h): the writer asks, the fsync happens
 * here, so no decoder waits for the disk.
 *
 *   writer --flusher_kick()--> wanted = true, signal --> thread: wanted = false; job()
 *
 * Kicks coalesce: any number of kicks while the job runs make one more
 * run after it, never a queue. The job runs with every signal blocked and
 * never logs (it counts, as the rest of pipeline/). flusher_stop() waits
 * for a run in progress, then ends the thread; a kick after it is a no-op.
 */
#ifndef NEEDLE_FLUSHER_H
#define NEEDLE_FLUSHER_H

struct flusher;

/* Starts the thread; NULL with errno set when it cannot. */
struct flusher *flusher_start(void (*job)(void *arg), void *arg);

/* Asks for one more run of the job. Any thread; never waits for the job. */
void flusher_kick(struct flusher *f);

/* Ends the thread (after a run in progress) and frees. NULL is fine. */
void flusher_stop(struct flusher *f);

/* Runs of the job so far (tests). */
unsigned long flusher_runs(struct flusher *f);

#endif
