/* SPDX-License-Identifier: MIT */
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define relaxed memory_order_relaxed

static int open_file(struct sink *s)
{
	struct stat st;

	s->fd = open(s->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (s->fd < 0)
		return -errno;
	if (fstat(s->fd, &st) == 0) {
		s->size = (uint64_t)st.st_size;
		s->dev = (uint64_t)st.st_dev;
		s->ino = (uint64_t)st.st_ino;
	} else {
		s->size = s->dev = s->ino = 0;
	}
	return 0;
}

int sink_open(struct sink *s, const char *path, bool lz4, uint64_t max_size, unsigned num_logs)
{
	memset(s, 0, sizeof(*s));
	s->lz4 = lz4;
	s->max_size = max_size;
	s->num_logs = num_logs < 1 ? 1 : num_logs;
	pthread_mutex_init(&s->lock, NULL);
	if (!path) {
		s->fd = STDOUT_FILENO;
		return 0;
	}
	if (strlen(path) >= sizeof(s->path) - 8)
		return -ENAMETOOLONG;
	strcpy(s->path, path);
	return open_file(s);
}

void sink_close(struct sink *s)
{
	if (s->path[0] && s->fd >= 0) {
		fsync(s->fd);
		close(s->fd);
	}
	s->fd = -1;
	pthread_mutex_destroy(&s->lock);
}

/* file.(N-1) -> file.N, ..., file -> file.1, then a new file. Called with
 * the lock held. The oldest generation is overwritten by the rename. */
static void rotate(struct sink *s)
{
	char from[600], to[600];

	if (s->num_logs <= 1) {
		/* One generation: start the file again. */
		if (ftruncate(s->fd, 0) == 0) {
			s->size = 0;
			atomic_fetch_add_explicit(&s->stats.rotations, 1, relaxed);
		} else {
			atomic_fetch_add_explicit(&s->stats.rotate_errors, 1, relaxed);
		}
		return;
	}
	for (unsigned i = s->num_logs - 1; i >= 1; i--) {
		if (i == 1)
			snprintf(from, sizeof(from), "%s", s->path);
		else
			snprintf(from, sizeof(from), "%s.%u", s->path, i - 1);
		snprintf(to, sizeof(to), "%s.%u", s->path, i);
		if (rename(from, to) < 0 && errno != ENOENT) {
			atomic_fetch_add_explicit(&s->stats.rotate_errors, 1, relaxed);
			return; /* keep writing to the current file */
		}
	}
	close(s->fd);
	if (open_file(s) < 0) {
		atomic_fetch_add_explicit(&s->stats.rotate_errors, 1, relaxed);
		s->fd = -1;
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
	if (s->path[0] && s->max_size && s->size >= s->max_size)
		rotate(s);
	if (s->fd < 0 && s->path[0] && open_file(s) < 0)
		s->fd = -1;
	size_before = s->size;
	while (off < len) {
		ssize_t n = s->fd >= 0 ? write(s->fd, p + off, len - off) : -1;

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
