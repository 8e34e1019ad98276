/* SPDX-License-Identifier: MIT */
#include "sink.h"
#include "clock.h"
#include "fault.h"
#include "flusher.h"

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
	_Atomic uint64_t suspended;
	_Atomic uint64_t suspended_events;
	_Atomic uint64_t syncs;
	_Atomic int last_error;
};

struct sink {
	char path[512];     /* "" for stdout */
	int fd;             /* -1 while suspended (and after sink_close) */
	struct sink_options opt;
	bool regular;       /* the current file is a regular file */
	bool suspended;     /* writing stopped (sink_suspend) */
	uint64_t size;      /* of the current file */
	uint64_t dev, ino;  /* of the current file (restarts find it by them) */
	uint64_t file_events;   /* events written to the current file by this sink */
	uint64_t since_sync;    /* events since the flush policy last synced (or asked to) */
	uint64_t unsynced;      /* events written since the last good fsync of the policy */
	bool sync_wanted;       /* incremental_async: the flush thread has work */
	uint64_t rotate_after_ms; /* after a failed rotation: no retry before (monotonic) */
	unsigned retry_ms;  /* SINK_ROTATE_RETRY_MS; tests shorten it */
	const struct sink_io *io;
	struct flusher *flusher; /* incremental_async only */
	pthread_mutex_t lock;   /* all of the above but path, io and flusher */
	atomic_bool full_seen;  /* a write found the disk full (sink_take_full) */
	struct sink_counters stats;
};

static int system_open(const char *path, int flags, mode_t mode)
{
	return open(path, flags, mode);
}

const struct sink_io sink_io_system = { system_open, rename, fsync, close, write };

static void count_error(struct sink *s, _Atomic uint64_t *counter, int err)
{
	atomic_fetch_add_explicit(counter, 1, relaxed);
	atomic_store_explicit(&s->stats.last_error, err, relaxed);
}

/* The flags every open of the file takes: flush = data and sync make each
 * write reach the disk before it returns (auditd's O_DSYNC, O_SYNC). */
static int open_flags(const struct sink *s)
{
	int flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC;

	if (s->opt.flush == SINK_FLUSH_DATA)
		flags |= O_DSYNC;
	else if (s->opt.flush == SINK_FLUSH_SYNC)
		flags |= O_SYNC;
	return flags;
}

/* log_group, as auditd applies it: the file being written 0600, or 0640
 * with the group; a finished generation read-only, 0400 or 0440. */
static mode_t file_mode(const struct sink *s, bool current)
{
	if (current)
		return s->opt.group ? 0640 : 0600;
	return s->opt.group ? 0440 : 0400;
}

/* A regular file's mode and group (a FIFO or a device as an output keeps
 * its own). Root's group (0) is left as the file was created (needle runs
 * as root): no chown. Returns 0 or -errno. */
static int set_mode(const struct sink *s, int fd, bool current)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return 0;
	if (s->opt.group && st.st_gid != s->opt.group && fchown(fd, (uid_t)-1, s->opt.group) < 0)
		return -errno;
	if ((st.st_mode & 07777) != file_mode(s, current) && fchmod(fd, file_mode(s, current)) < 0)
		return -errno;
	return 0;
}

/* An fsync whose failure puts `events` at risk (the kernel reports a
 * write-back error once, to whoever syncs or closes). EINVAL, EROFS: a
 * pipe, FIFO or device, which has nothing to sync. Returns 0 or -errno. */
static int sync_fd(struct sink *s, int fd, uint64_t events)
{
	int err;

	if (s->io->fsync(fd) == 0 || errno == EINVAL || errno == EROFS)
		return 0;
	err = errno;
	count_error(s, &s->stats.sync_errors, err);
	atomic_fetch_add_explicit(&s->stats.unsynced_events, events, relaxed);
	return -err;
}

/* How a file ends (finish_file): closed, synced first, or synced at
 * sink_close(), the last one, where the test-only fault sink-fsync fires
 * (fault.h: an I/O error the disk reports late). */
enum finish { FINISH_CLOSE, FINISH_SYNC, FINISH_LAST };

static int finish_sync(struct sink *s, int fd, enum finish how)
{
	if (how == FINISH_LAST && fault_take(FAULT_SINK_FSYNC)) {
		errno = EIO;
		return -1;
	}
	return how == FINISH_CLOSE ? 0 : s->io->fsync(fd);
}

/* A finished file's end: fsync (unless FINISH_CLOSE) and close, each result
 * counted. Events written to it are at risk when either fails. Returns 0
 * or -errno. */
static int finish_file(struct sink *s, int fd, uint64_t events, enum finish how)
{
	int r = 0;

	if (finish_sync(s, fd, how) < 0 && errno != EINVAL && errno != EROFS)
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
		s->regular = S_ISREG(st.st_mode);
	} else {
		s->size = s->dev = s->ino = 0;
		s->regular = false;
	}
	s->file_events = s->since_sync = s->unsynced = 0;
}

/* flush = incremental_async: the flush thread's job. The fsync goes to a
 * duplicate of the descriptor, outside the lock, so writers go on while
 * the disk works; a rotation meanwhile closes only the sink's own copy. */
static void sync_async(void *arg)
{
	struct sink *s = arg;
	uint64_t events;
	int fd;

	pthread_mutex_lock(&s->lock);
	if (!s->sync_wanted || s->fd < 0) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	s->sync_wanted = false;
	fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 0);
	events = s->unsynced;
	s->unsynced = 0;
	pthread_mutex_unlock(&s->lock);
	if (fd < 0) {
		/* No descriptor to spare: these events wait for the next sync. */
		count_error(s, &s->stats.sync_errors, errno);
		return;
	}
	atomic_fetch_add_explicit(&s->stats.syncs, 1, relaxed);
	sync_fd(s, fd, events);
	close(fd);
}

/* With the lock held, after a write of `events`: the flush policy. */
static void sync_after_write(struct sink *s, uint64_t events)
{
	s->unsynced += events;
	if (!s->regular || (s->opt.flush != SINK_FLUSH_INCREMENTAL &&
			    s->opt.flush != SINK_FLUSH_INCREMENTAL_ASYNC))
		return;
	s->since_sync += events;
	if (s->since_sync < s->opt.freq)
		return;
	s->since_sync = 0;
	if (s->opt.flush == SINK_FLUSH_INCREMENTAL_ASYNC) {
		s->sync_wanted = true;
		flusher_kick(s->flusher);
		return;
	}
	atomic_fetch_add_explicit(&s->stats.syncs, 1, relaxed);
	sync_fd(s, s->fd, s->unsynced); /* a failure counts them at risk, once */
	s->unsynced = 0;
}

/* Existing generations get the read-only mode (and group) of log_group
 * too, so that a changed log_group applies to the whole log at start.
 * Best effort: a generation that is gone is fine. */
static void set_generations_mode(const struct sink *s)
{
	char gen[600];

	for (unsigned i = 1; i < s->opt.num_logs; i++) {
		snprintf(gen, sizeof(gen), "%s.%u", s->path, i);
		if (s->opt.group && chown(gen, (uid_t)-1, s->opt.group) < 0 && errno == ENOENT)
			continue;
		chmod(gen, file_mode(s, false));
	}
}

/* Opens the current file (appending) with its mode; fd or -errno. */
static int open_current(struct sink *s)
{
	int fd = s->io->open(s->path, open_flags(s), file_mode(s, true)), r;

	if (fd < 0)
		return -errno;
	if ((r = set_mode(s, fd, true)) < 0) {
		s->io->close(fd);
		return r;
	}
	return fd;
}

int sink_open(const char *path, const struct sink_options *o, struct sink **ret_sink)
{
	struct sink *s;
	int r;

	if (path && strlen(path) >= sizeof(s->path) - 8)
		return -ENAMETOOLONG;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	if (o)
		s->opt = *o;
	s->opt.num_logs = s->opt.num_logs < 1 ? 1
			  : s->opt.num_logs > SINK_MAX_LOGS ? SINK_MAX_LOGS : s->opt.num_logs;
	s->opt.freq = s->opt.freq ? s->opt.freq : 1;
	s->retry_ms = SINK_ROTATE_RETRY_MS;
	s->io = o && o->io ? o->io : &sink_io_system;
	pthread_mutex_init(&s->lock, NULL);
	if (!path) {
		s->fd = STDOUT_FILENO;
		s->opt.flush = SINK_FLUSH_NONE;
	} else {
		strcpy(s->path, path);
		if ((s->fd = open_current(s)) < 0) {
			r = s->fd;
			goto free_sink;
		}
		note_file(s, s->fd);
		set_generations_mode(s);
		if (s->opt.flush == SINK_FLUSH_INCREMENTAL_ASYNC && s->regular &&
		    !(s->flusher = flusher_start(sync_async, s))) {
			r = -errno;
			goto close_file;
		}
	}
	*ret_sink = s;
	return 0;
close_file:
	s->io->close(s->fd);
free_sink:
	pthread_mutex_destroy(&s->lock);
	free(s);
	return r;
}

int sink_close(struct sink *s)
{
	int r = 0;

	flusher_stop(s->flusher); /* its last fsync done; the one below covers the rest */
	s->flusher = NULL;
	if (s->path[0] && s->fd >= 0)
		r = finish_file(s, s->fd, s->file_events, FINISH_LAST);
	s->fd = -1;
	return r;
}

void sink_free(struct sink *s)
{
	if (!s)
		return;
	flusher_stop(s->flusher);
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

/* Moves every generation up one and, with_new, puts the new file in the
 * current file's place. Step k renames from[k] to to[k]: the oldest aside,
 * N-2 -> N-1, ..., the current file -> .1, the new file -> current. A
 * missing generation is skipped. When a step fails the steps done are
 * undone in reverse, so each generation is back under its own name;
 * returns -errno then. */
static int shift_generations(struct sink *s, bool with_new)
{
	int n = (int)s->opt.num_logs, steps = with_new ? n + 1 : n;
	int from[SINK_MAX_LOGS + 1], to[SINK_MAX_LOGS + 1];
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

/* The new current file of a rotation, empty, with its mode: fd or -errno
 * (nothing left behind). */
static int make_new_file(struct sink *s, char *fresh, size_t size)
{
	int fd, r;

	gen_name(s, GEN_NEW, fresh, size);
	fd = s->io->open(fresh, open_flags(s) | O_TRUNC, file_mode(s, true));
	if (fd < 0)
		return -errno;
	if ((r = set_mode(s, fd, true)) < 0) {
		s->io->close(fd);
		unlink(fresh); /* empty; ours */
		return r;
	}
	return fd;
}

/* Called with the lock held. Returns 0, or -errno with the current file
 * still open and every generation under its own name. While suspended
 * there is no current file to replace: the generations move up, and
 * sink_resume() makes the new one. */
static int rotate(struct sink *s)
{
	char fresh[600], aside[600];
	int fd = -1, r, old_fd = s->fd;

	if (s->opt.num_logs <= 1) {
		/* One generation: start the file again. */
		if (s->suspended ? truncate(s->path, 0) < 0 && errno != ENOENT
				 : ftruncate(s->fd, 0) < 0)
			return -errno;
		s->size = 0;
		s->file_events = 0;
		return 0;
	}
	/* The new file first: if it cannot be made (disk full, no
	 * permission), nothing has moved yet. */
	if (!s->suspended && (fd = make_new_file(s, fresh, sizeof(fresh))) < 0)
		return fd;
	r = shift_generations(s, !s->suspended);
	if (r < 0) {
		if (fd >= 0) {
			s->io->close(fd);
			unlink(fresh);
		}
		return r;
	}
	if (s->suspended) {
		s->size = 0;
	} else {
		/* Finished: read-only, as auditd leaves a rotated log (best
		 * effort: the data is what matters), then its own end and
		 * errors; synced unless flush = none. */
		fchmod(old_fd, file_mode(s, false));
		finish_file(s, old_fd, s->file_events,
			    s->opt.flush != SINK_FLUSH_NONE ? FINISH_SYNC : FINISH_CLOSE);
		s->fd = fd;
		note_file(s, fd);
	}
	gen_name(s, GEN_ASIDE, aside, sizeof(aside));
	unlink(aside); /* the oldest generation, now past num_logs */
	return 0;
}

/* With the lock held: rotates and counts the result. */
static int rotate_counted(struct sink *s)
{
	int r = rotate(s);

	if (r < 0)
		count_error(s, &s->stats.rotate_errors, -r);
	else
		atomic_fetch_add_explicit(&s->stats.rotations, 1, relaxed);
	return r;
}

/* With the lock held: rotate when the file is full, unless a rotation
 * failed less than retry_ms ago. */
static void rotate_if_full(struct sink *s)
{
	uint64_t now;

	if (!s->path[0] || !s->opt.max_size || s->size < s->opt.max_size)
		return;
	now = clock_mono_ms();
	if (now < s->rotate_after_ms)
		return;
	if (rotate_counted(s) < 0)
		s->rotate_after_ms = now + s->retry_ms;
}

void sink_write(struct sink *s, const void *data, size_t len, size_t raw_len, uint64_t events)
{
	const char *p = data;
	size_t off = 0;
	uint64_t size_before;
	bool ok = true;
	int err = 0;

	pthread_mutex_lock(&s->lock);
	if (s->suspended) {
		/* Not written, on purpose (the space policy): lost, and said so. */
		pthread_mutex_unlock(&s->lock);
		atomic_fetch_add_explicit(&s->stats.lost_events, events, relaxed);
		atomic_fetch_add_explicit(&s->stats.suspended_events, events, relaxed);
		return;
	}
	rotate_if_full(s);
	size_before = s->size;
	while (off < len) {
		ssize_t n = s->io->write(s->fd, p + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
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
	if (ok) {
		s->file_events += events;
		sync_after_write(s, events);
	}
	pthread_mutex_unlock(&s->lock);
	if (ok) {
		atomic_fetch_add_explicit(&s->stats.events, events, relaxed);
	} else {
		/* Disk full or I/O error: this batch is lost, and said so. */
		atomic_fetch_add_explicit(&s->stats.write_errors, 1, relaxed);
		atomic_fetch_add_explicit(&s->stats.lost_events, events, relaxed);
		if (err == ENOSPC || err == EDQUOT)
			atomic_store_explicit(&s->full_seen, true, relaxed);
	}
	atomic_fetch_add_explicit(&s->stats.bytes, off, relaxed);
	atomic_fetch_add_explicit(&s->stats.raw_bytes, raw_len, relaxed);
}

int sink_rotate(struct sink *s, bool unless_empty)
{
	int r = 0;

	if (!s->path[0])
		return 0;
	pthread_mutex_lock(&s->lock);
	/* Closed (after sink_close): nothing to rotate. */
	if ((s->fd >= 0 || s->suspended) && !(unless_empty && s->size == 0))
		r = (r = rotate_counted(s)) < 0 ? r : 1;
	pthread_mutex_unlock(&s->lock);
	return r;
}

int sink_suspend(struct sink *s)
{
	int r = 0;

	if (!s->path[0])
		return 0;
	pthread_mutex_lock(&s->lock);
	if (!s->suspended && s->fd >= 0) {
		r = finish_file(s, s->fd, s->file_events, FINISH_SYNC);
		s->fd = -1;
		s->suspended = true;
		atomic_store_explicit(&s->stats.suspended, 1, relaxed);
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

int sink_resume(struct sink *s)
{
	int fd = 0;

	if (!s->path[0])
		return 0;
	pthread_mutex_lock(&s->lock);
	if (s->suspended && (fd = open_current(s)) >= 0) {
		s->fd = fd;
		note_file(s, fd);
		s->suspended = false;
		atomic_store_explicit(&s->stats.suspended, 0, relaxed);
	}
	pthread_mutex_unlock(&s->lock);
	return fd < 0 ? fd : 0;
}

bool sink_take_full(struct sink *s)
{
	return atomic_exchange_explicit(&s->full_seen, false, relaxed);
}

bool sink_regular(struct sink *s)
{
	bool regular;

	pthread_mutex_lock(&s->lock);
	regular = s->regular;
	pthread_mutex_unlock(&s->lock);
	return regular;
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
		.suspended = atomic_load_explicit(&c->suspended, relaxed),
		.suspended_events = atomic_load_explicit(&c->suspended_events, relaxed),
		.syncs = atomic_load_explicit(&c->syncs, relaxed),
		.last_error = atomic_load_explicit(&c->last_error, relaxed),
	};
}

const char *sink_path(const struct sink *s)
{
	return s->path;
}

bool sink_lz4(const struct sink *s)
{
	return s->opt.lz4;
}

void sink_set_io(struct sink *s, const struct sink_io *io)
{
	s->io = io;
}

void sink_set_retry_ms(struct sink *s, unsigned ms)
{
	s->retry_ms = ms;
}
