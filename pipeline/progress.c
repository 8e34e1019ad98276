/* SPDX-License-Identifier: MIT */
/*
 * progress.c: the running needle's side of the progress note (progress.h):
 * the decoders' slots and the writer thread. The next start's side,
 * reading a note and the log after it, is resume.c.
 *
 *   decoder[i] --progress_publish (slot[i].lock, a copy)--> slot[i]
 *   writer, every PROGRESS_EVERY_MS or at stop: copies each changed slot
 *   (under its lock), formats the note, writes a temporary file, renames
 */
#include "progress.h"
#include "outbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROGRESS_VERSION 1

struct slot {
	pthread_mutex_t lock;
	uint64_t version;         /* bumped by each publish */
	struct progress_shard st; /* st.open has room for open_cap serials */
	size_t open_cap;
};

struct progress {
	char path[600];
	char boot[64];
	struct progress_log log;
	unsigned shards;
	struct slot slot[PROGRESS_MAX_SHARDS];
	uint64_t written[PROGRESS_MAX_SHARDS]; /* slot versions in the last note */
	struct progress_shard copy[PROGRESS_MAX_SHARDS]; /* the writer's */
	size_t copy_cap[PROGRESS_MAX_SHARDS];

	pthread_t thread;
	bool thread_started;
	pthread_mutex_t wake_lock;
	pthread_cond_t wake;
	bool stop;
	_Atomic uint64_t write_errors;
	_Atomic int last_errno;
};

void progress_boot_id(char *buf, size_t size)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, (int)size, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

struct progress *progress_new(const char *path, unsigned shards, const struct progress_log *log,
			      const char *boot)
{
	struct progress *pr;

	if (shards == 0 || shards > PROGRESS_MAX_SHARDS || strlen(path) >= sizeof(pr->path)) {
		errno = EINVAL;
		return NULL;
	}
	pr = calloc(1, sizeof(*pr));
	if (!pr) {
		errno = ENOMEM;
		return NULL;
	}
	snprintf(pr->path, sizeof(pr->path), "%s", path);
	snprintf(pr->boot, sizeof(pr->boot), "%s", boot);
	pr->log = *log;
	pr->shards = shards;
	for (unsigned i = 0; i < shards; i++)
		pthread_mutex_init(&pr->slot[i].lock, NULL);
	pthread_mutex_init(&pr->wake_lock, NULL);
	pthread_cond_init(&pr->wake, NULL);
	return pr;
}

void progress_publish(struct progress *pr, unsigned shard, const struct gaps *g,
		      const uint32_t *open, size_t nopen, const struct sink_position *pos)
{
	struct slot *s = &pr->slot[shard];
	uint64_t bits[GAPS_WINDOW / 64];

	gaps_window(g, bits); /* outside the lock: the writer waits less */
	pthread_mutex_lock(&s->lock);
	s->st.started = g->started;
	s->st.floor = g->floor;
	memcpy(s->st.bits, bits, sizeof(bits));
	if (progress_fit(&s->st.open, &s->open_cap, nopen)) {
		if (nopen)
			memcpy(s->st.open, open, nopen * sizeof(*open));
		s->st.nopen = nopen;
	} else {
		/* No room for the open list: the last note stays (older, but
		 * still true); the next flush tries again. */
		pthread_mutex_unlock(&s->lock);
		return;
	}
	s->st.have_pos = pos != NULL;
	if (pos)
		s->st.pos = *pos;
	s->version++;
	pthread_mutex_unlock(&s->lock);
}

static const char *format_name(enum logtail_format f)
{
	return f == LOGTAIL_JSON ? "json" : "raw";
}

bool progress_format(const char *boot, const struct progress_log *log, unsigned shards,
		     const struct progress_shard *shard, struct outbuf *out)
{
	char line[256];

	snprintf(line, sizeof(line), "needle-progress %d\nboot %s\nlog %s %s %u ", PROGRESS_VERSION,
		 boot[0] ? boot : "-", format_name(log->format), log->lz4 ? "lz4" : "plain",
		 log->num_logs);
	outbuf_puts(out, line);
	outbuf_puts(out, log->path);
	snprintf(line, sizeof(line), "\nshards %u\n", shards);
	outbuf_puts(out, line);
	for (unsigned i = 0; i < shards; i++) {
		const struct progress_shard *s = &shard[i];
		int last = GAPS_WINDOW / 64 - 1;

		if (!s->started) {
			snprintf(line, sizeof(line), "shard %u -\n", i);
			outbuf_puts(out, line);
			continue;
		}
		snprintf(line, sizeof(line), "shard %u floor %" PRIu32 " at ", i, s->floor);
		outbuf_puts(out, line);
		if (s->have_pos)
			snprintf(line, sizeof(line), "%" PRIu64 ":%" PRIu64 ":%" PRIu64, s->pos.dev,
				 s->pos.ino, s->pos.size);
		else
			snprintf(line, sizeof(line), "-");
		outbuf_puts(out, line);
		outbuf_puts(out, " seen ");
		while (last >= 0 && s->bits[last] == 0)
			last--;
		if (last < 0)
			outbuf_putc(out, '-');
		for (int w = 0; w <= last; w++) {
			snprintf(line, sizeof(line), w ? ",%" PRIx64 : "%" PRIx64, s->bits[w]);
			outbuf_puts(out, line);
		}
		outbuf_puts(out, " open ");
		if (!s->nopen)
			outbuf_putc(out, '-');
		for (size_t k = 0; k < s->nopen; k++) {
			snprintf(line, sizeof(line), k ? ",%" PRIu32 : "%" PRIu32, s->open[k]);
			outbuf_puts(out, line);
		}
		outbuf_putc(out, '\n');
	}
	return !out->failed;
}

/* Copies the slots that changed and writes the note; 0 or -errno. */
static int write_note(struct progress *pr, bool force)
{
	struct outbuf text = { 0 };
	char tmp[620];
	bool changed = force;
	int fd, r = 0;

	for (unsigned i = 0; i < pr->shards; i++) {
		struct slot *s = &pr->slot[i];

		pthread_mutex_lock(&s->lock);
		if (s->version != pr->written[i]) {
			struct progress_shard *c = &pr->copy[i];
			uint32_t *open = c->open;

			if (!progress_fit(&open, &pr->copy_cap[i], s->st.nopen)) {
				pthread_mutex_unlock(&s->lock);
				return -ENOMEM;
			}
			*c = s->st;
			c->open = open;
			if (s->st.nopen)
				memcpy(open, s->st.open, s->st.nopen * sizeof(*open));
			pr->written[i] = s->version;
			changed = true;
		}
		pthread_mutex_unlock(&s->lock);
	}
	if (!changed)
		return 0;
	if (!progress_format(pr->boot, &pr->log, pr->shards, pr->copy, &text)) {
		outbuf_free(&text);
		return -ENOMEM;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", pr->path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
	} else {
		size_t off = 0;

		while (off < text.len) {
			ssize_t n = write(fd, text.data + off, text.len - off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				r = n < 0 ? -errno : -EIO;
				break;
			}
			off += (size_t)n;
		}
		if (close(fd) < 0 && !r)
			r = -errno;
		if (!r && rename(tmp, pr->path) < 0)
			r = -errno;
		if (r)
			unlink(tmp);
	}
	outbuf_free(&text);
	if (r < 0) {
		/* The slots stay marked written; the next change retries. */
		for (unsigned i = 0; i < pr->shards; i++)
			pr->written[i] = 0;
		atomic_fetch_add(&pr->write_errors, 1);
		atomic_store(&pr->last_errno, -r);
	}
	return r;
}

static void *writer_main(void *arg)
{
	struct progress *pr = arg;

	pthread_mutex_lock(&pr->wake_lock);
	while (!pr->stop) {
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += PROGRESS_EVERY_MS * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&pr->wake, &pr->wake_lock, &until);
		if (pr->stop)
			break;
		pthread_mutex_unlock(&pr->wake_lock);
		write_note(pr, false);
		pthread_mutex_lock(&pr->wake_lock);
	}
	pthread_mutex_unlock(&pr->wake_lock);
	return NULL;
}

int progress_start(struct progress *pr)
{
	int r = pthread_create(&pr->thread, NULL, writer_main, pr);

	if (r)
		return -r;
	pthread_setname_np(pr->thread, "needle-progress");
	pr->thread_started = true;
	return 0;
}

int progress_stop(struct progress *pr)
{
	int r;

	if (!pr)
		return 0;
	if (pr->thread_started) {
		pthread_mutex_lock(&pr->wake_lock);
		pr->stop = true;
		pthread_cond_signal(&pr->wake);
		pthread_mutex_unlock(&pr->wake_lock);
		pthread_join(pr->thread, NULL);
	}
	/* The decoders have ended: their last publish is the whole story. */
	r = pr->thread_started ? write_note(pr, true) : 0;
	for (unsigned i = 0; i < pr->shards; i++) {
		pthread_mutex_destroy(&pr->slot[i].lock);
		free(pr->slot[i].st.open);
		free(pr->copy[i].open);
	}
	pthread_mutex_destroy(&pr->wake_lock);
	pthread_cond_destroy(&pr->wake);
	free(pr);
	return r;
}

uint64_t progress_write_errors(struct progress *pr, int *ret_errno)
{
	if (ret_errno)
		*ret_errno = atomic_load(&pr->last_errno);
	return atomic_load(&pr->write_errors);
}
