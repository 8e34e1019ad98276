/* SPDX-License-Identifier: MIT */
#include "sink.h"
#include "clock.h"
#include "fault.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define relaxed memory_order_relaxed

/* Written under the lock or by atomic adds from any writer; read relaxed
 * (sink_get_stats): counters, never reset. */
struct sink_counters {
	_Atomic uint64_t events;
	_Atomic uint64_t bytes;
	_Atomic uint64_t raw_bytes;
	_Atomic uint64_t write_errors;
	_Atomic uint64_t lost_events;
	_Atomic uint64_t rotations;
	_Atomic uint64_t rotate_errors;
	_Atomic uint64_t sync_errors;
	_Atomic uint64_t unsynced_events;
	_Atomic int last_error;
};

struct sink {
	char path[512];     /* "" for stdout */
	int fd;
	bool lz4;
	uint64_t max_size;  /* 0: never rotate */
	unsigned num_logs;  /* generations kept, the current file included */
	uint64_t size;      /* of the current file */
	uint64_t dev, ino;  /* of the current file (restarts find it by them) */
	uint64_t file_events;   /* events written to the current file by this sink */
	uint64_t rotate_after_ms; /* after a failed rotation: no retry before (monotonic) */
	unsigned retry_ms;  /* SINK_ROTATE_RETRY_MS; tests shorten it */
	const struct sink_io *io;
	pthread_mutex_t lock;
	struct sink_counters stats;
};

static int system_open(const char *path, int flags, mode_t mode)
{
	return open(path, flags, mode);
}

static int system_fsync(int fd)
{
	/* Test only (fault.h): an I/O error the disk reports late. */
	if (fault_take(FAULT_SINK_FSYNC)) {
		errno = EIO;
		return -1;
	}
	return fsync(fd);
}

const struct sink_io sink_io_system = { system_open, rename, system_fsync, close };

static void count_error(struct sink *s, _Atomic uint64_t *counter, int err)
{
	atomic_fetch_add_explicit(counter, 1, relaxed);
	atomic_store_explicit(&s->stats.last_error, err, relaxed);
}

/* A finished file's end: fsync and close, each result counted. Events
 * written to it are at risk when either fails (the kernel reports a
 * write-back error once, to whoever syncs or closes). Returns 0 or -errno. */
static int finish_file(struct sink *s, int fd, uint64_t events, bool sync)
{
	int r = 0;

	/* EINVAL, EROFS: a pipe, FIFO or device, which has nothing to sync. */
	if (sync && s->io->fsync(fd) < 0 && errno != EINVAL && errno != EROFS)
		r = -errno;
	if (s->io->close(fd) < 0 && errno != EINTR && !r)
		r = -errno;
	if (r < 0) {
		count_error(s, &s->stats.sync_errors, -r);
		atomic_fetch_add_explicit(&s->stats.unsynced_events, events, relaxed);
	}
	return r;
}

/* The current file's size and identity: a restart finds it by them
 * (sink_position()) after rotations have renamed it. */
static void note_file(struct sink *s, int fd)
{
	struct stat st;

	if (fstat(fd, &st) == 0) {
		s->size = (uint64_t)st.st_size;
		s->dev = (uint64_t)st.st_dev;
		s->ino = (uint64_t)st.st_ino;
	} else {
		s->size = s->dev = s->ino = 0;
	}
}

int sink_open(const char *path, bool lz4, uint64_t max_size, unsigned num_logs,
	      struct sink **ret_sink)
{
	struct sink *s;
	int r;

	if (path && strlen(path) >= sizeof(s->path) - 8)
		return -ENAMETOOLONG;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->lz4 = lz4;
	s->max_size = max_size;
	s->num_logs = num_logs < 1 ? 1 : num_logs > SINK_MAX_LOGS ? SINK_MAX_LOGS : num_logs;
	s->retry_ms = SINK_ROTATE_RETRY_MS;
	s->io = &sink_io_system;
	if (!path) {
		s->fd = STDOUT_FILENO;
	} else {
		strcpy(s->path, path);
		s->fd = s->io->open(s->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (s->fd < 0) {
			r = -errno;
			goto free_sink;
		}
		note_file(s, s->fd);
	}
	pthread_mutex_init(&s->lock, NULL);
	*ret_sink = s;
	return 0;
free_sink:
	free(s);
	return r;
}

int sink_close(struct sink *s)
{
	int r = 0;

	if (s->path[0] && s->fd >= 0)
		r = finish_file(s, s->fd, s->file_events, true);
	s->fd = -1;
	return r;
}

void sink_free(struct sink *s)
{
	if (!s)
		return;
	if (s->path[0] && s->fd >= 0)
		s->io->close(s->fd);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* Generation i's name: GEN_NEW (the file being prepared), GEN_ASIDE (the
 * oldest, kept until the rotation is done), 0 (the current file), i. */
#define GEN_NEW (-1)
#define GEN_ASIDE (-2)

static void gen_name(const struct sink *s, int i, char *buf, size_t size)
{
	if (i == GEN_NEW)
		snprintf(buf, size, "%s.new", s->path);
	else if (i == GEN_ASIDE)
		snprintf(buf, size, "%s.old", s->path);
	else if (i == 0)
		snprintf(buf, size, "%s", s->path);
	else
		snprintf(buf, size, "%s.%d", s->path, i);
}

static int rename_gen(const struct sink *s, int from, int to)
{
	char a[600], b[600];

	gen_name(s, from, a, sizeof(a));
	gen_name(s, to, b, sizeof(b));
	return s->io->rename(a, b) < 0 ? -errno : 0;
}

/* Moves every generation up one and puts fd in the current file's place.
 * Step k renames from[k] to to[k]: the oldest aside, N-2 -> N-1, ..., the
 * current file -> .1, the new file -> current. A missing generation is
 * skipped. When a step fails the steps done are undone in reverse, so each
 * generation is back under its own name; returns -errno then. */
static int shift_generations(struct sink *s)
{
	int n = (int)s->num_logs, steps = n + 1, from[SINK_MAX_LOGS + 1], to[SINK_MAX_LOGS + 1];
	bool done[SINK_MAX_LOGS + 1];
	int r = 0, k;

	from[0] = n - 1;
	to[0] = GEN_ASIDE;
	for (k = 1; k < n; k++) {
		from[k] = n - 1 - k;
		to[k] = n - k;
	}
	from[n] = GEN_NEW;
	to[n] = 0;
	for (k = 0; k < steps; k++) {
		r = rename_gen(s, from[k], to[k]);
		done[k] = r == 0;
		/* Missing: a generation never written, or the current file
		 * removed by hand. Not the new file: it was just made. */
		if (r == -ENOENT && from[k] != GEN_NEW)
			r = 0;
		if (r < 0)
			break;
	}
	if (r == 0)
		return 0;
	while (k-- > 0) {
		int u = done[k] ? rename_gen(s, to[k], from[k]) : 0;

		/* Cannot happen short of the directory breaking under us; the
		 * generation is still there, under its next name. */
		if (u < 0)
			count_error(s, &s->stats.rotate_errors, -u);
	}
	return r;
}

/* Called with the lock held. Returns 0, or -errno with the current file
 * still open and every generation under its own name. */
static int rotate(struct sink *s)
{
	char fresh[600], aside[600];
	int fd, r, old_fd = s->fd;

	if (s->num_logs <= 1) {
		/* One generation: start the file again. */
		if (ftruncate(s->fd, 0) < 0)
			return -errno;
		s->size = 0;
		s->file_events = 0;
		return 0;
	}
	/* The new file first: if it cannot be made (disk full, no
	 * permission), nothing has moved yet. */
	gen_name(s, GEN_NEW, fresh, sizeof(fresh));
	fd = s->io->open(fresh, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	r = shift_generations(s);
	if (r < 0) {
		s->io->close(fd);
		unlink(fresh); /* empty; ours */
		return r;
	}
	/* Written to until now: its own end, its own errors. */
	finish_file(s, old_fd, s->file_events, false);
	s->fd = fd;
	note_file(s, fd);
	s->size = 0;
	s->file_events = 0;
	gen_name(s, GEN_ASIDE, aside, sizeof(aside));
	unlink(aside); /* the oldest generation, now past num_logs */
	return 0;
}

/* With the lock held: rotate when the file is full, unless a rotation
 * failed less than retry_ms ago. */
static void rotate_if_full(struct sink *s)
{
	uint64_t now;
	int r;

	if (!s->path[0] || !s->max_size || s->size < s->max_size)
		return;
	now = clock_mono_ms();
	if (now < s->rotate_after_ms)
		return;
	r = rotate(s);
	if (r < 0) {
		count_error(s, &s->stats.rotate_errors, -r);
		s->rotate_after_ms = now + s->retry_ms;
		return;
	}
	atomic_fetch_add_explicit(&s->stats.rotations, 1, relaxed);
}

void sink_write(struct sink *s, const void *data, size_t len, size_t raw_len, uint64_t events)
{
	const char *p = data;
	size_t off = 0;
	uint64_t size_before;
	bool ok = true;

	pthread_mutex_lock(&s->lock);
	rotate_if_full(s);
	size_before = s->size;
	while (off < len) {
		ssize_t n = write(s->fd, p + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ok = false;
			break;
		}
		off += (size_t)n;
	}
	/* A batch half written would leave a cut line (or frame): take it
	 * back, so the file stays readable. */
	if (!ok && off > 0 && s->path[0] && ftruncate(s->fd, (off_t)size_before) == 0)
		off = 0;
	s->size += off;
	if (ok)
		s->file_events += events;
	pthread_mutex_unlock(&s->lock);
	if (ok) {
		atomic_fetch_add_explicit(&s->stats.events, events, relaxed);
	} else {
		/* Disk full or I/O error: this batch is lost, and said so. */
		atomic_fetch_add_explicit(&s->stats.write_errors, 1, relaxed);
		atomic_fetch_add_explicit(&s->stats.lost_events, events, relaxed);
	}
	atomic_fetch_add_explicit(&s->stats.bytes, off, relaxed);
	atomic_fetch_add_explicit(&s->stats.raw_bytes, raw_len, relaxed);
}

void sink_position(struct sink *s, struct sink_position *ret)
{
	pthread_mutex_lock(&s->lock);
	*ret = (struct sink_position){ s->dev, s->ino, s->size };
	pthread_mutex_unlock(&s->lock);
}

void sink_count_lost(struct sink *s, uint64_t events)
{
	atomic_fetch_add_explicit(&s->stats.lost_events, events, relaxed);
}

void sink_get_stats(const struct sink *s, struct sink_stats *ret)
{
	const struct sink_counters *c = &s->stats;

	*ret = (struct sink_stats){
		.events = atomic_load_explicit(&c->events, relaxed),
		.bytes = atomic_load_explicit(&c->bytes, relaxed),
		.raw_bytes = atomic_load_explicit(&c->raw_bytes, relaxed),
		.write_errors = atomic_load_explicit(&c->write_errors, relaxed),
		.lost_events = atomic_load_explicit(&c->lost_events, relaxed),
		.rotations = atomic_load_explicit(&c->rotations, relaxed),
		.rotate_errors = atomic_load_explicit(&c->rotate_errors, relaxed),
		.sync_errors = atomic_load_explicit(&c->sync_errors, relaxed),
		.unsynced_events = atomic_load_explicit(&c->unsynced_events, relaxed),
		.last_error = atomic_load_explicit(&c->last_error, relaxed),
	};
}

const char *sink_path(const struct sink *s)
{
	return s->path;
}

bool sink_lz4(const struct sink *s)
{
	return s->lz4;
}

void sink_set_io(struct sink *s, const struct sink_io *io)
{
	s->io = io;
}

void sink_set_retry_ms(struct sink *s, unsigned ms)
{
	s->retry_ms = ms;
}
