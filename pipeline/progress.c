/* SPDX-License-Identifier: MIT */
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
/* A note whose accounted serials span more than this is not worked out
 * (a decoder's floor stuck far behind the others); see progress_seeds(). */
#define PROGRESS_MAX_SPAN (1u << 24)

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

/* Grows *buf to hold n serials; false when out of memory. */
static bool fit(uint32_t **buf, size_t *cap, size_t n)
{
	uint32_t *b;
	size_t c = *cap ? *cap : 64;

	if (n <= *cap)
		return true;
	while (c < n)
		c *= 2;
	b = realloc(*buf, c * sizeof(*b));
	if (!b)
		return false;
	*buf = b;
	*cap = c;
	return true;
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
	if (fit(&s->st.open, &s->open_cap, nopen)) {
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

			if (!fit(&open, &pr->copy_cap[i], s->st.nopen)) {
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

/* ---- reading a note back ---- */

void progress_note_free(struct progress_note *n)
{
	for (unsigned i = 0; i < PROGRESS_MAX_SHARDS; i++) {
		free(n->shard[i].open);
		n->shard[i].open = NULL;
	}
}

static bool parse_u64(const char *s, int base, uint64_t max, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v > max)
		return false;
	*ret = v;
	return true;
}

/* "shard I floor F at D:I:S seen W,W open S,S" or "shard I -" */
static int parse_shard(struct progress_note *n, char *line, const char **why)
{
	char *save, *tok[11];
	unsigned count = 0;
	uint64_t idx, v;
	struct progress_shard *s;

	for (char *t = strtok_r(line, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (count == 11) {
			*why = "too many fields";
			return -EINVAL;
		}
		tok[count++] = t;
	}
	if (count < 3 || !parse_u64(tok[1], 10, n->shards - 1, &idx)) {
		*why = "expected 'shard INDEX ...' with INDEX below the shard count";
		return -EINVAL;
	}
	s = &n->shard[idx];
	if (s->started || s->open) {
		*why = "shard given twice";
		return -EINVAL;
	}
	if (count == 3 && strcmp(tok[2], "-") == 0)
		return 0;
	if (count != 10 || strcmp(tok[2], "floor") || strcmp(tok[4], "at") || strcmp(tok[6], "seen") ||
	    strcmp(tok[8], "open")) {
		*why = "expected 'shard I floor F at DEV:INO:SIZE|- seen WORDS|- open SERIALS|-'";
		return -EINVAL;
	}
	if (!parse_u64(tok[3], 10, UINT32_MAX, &v)) {
		*why = "floor is not a serial";
		return -EINVAL;
	}
	s->started = true;
	s->floor = (uint32_t)v;
	if (strcmp(tok[5], "-") != 0) {
		char *a = tok[5], *b = strchr(a, ':'), *c = b ? strchr(b + 1, ':') : NULL;

		if (!c) {
			*why = "position is not DEV:INO:SIZE";
			return -EINVAL;
		}
		*b = *c = '\0';
		if (!parse_u64(a, 10, UINT64_MAX, &s->pos.dev) ||
		    !parse_u64(b + 1, 10, UINT64_MAX, &s->pos.ino) ||
		    !parse_u64(c + 1, 10, UINT64_MAX, &s->pos.size)) {
			*why = "position is not DEV:INO:SIZE";
			return -EINVAL;
		}
		s->have_pos = true;
	}
	if (strcmp(tok[7], "-") != 0) {
		unsigned w = 0;
		char *save2;

		for (char *t = strtok_r(tok[7], ",", &save2); t; t = strtok_r(NULL, ",", &save2)) {
			if (w == GAPS_WINDOW / 64 || !parse_u64(t, 16, UINT64_MAX, &s->bits[w])) {
				*why = "seen is not a list of hexadecimal words";
				return -EINVAL;
			}
			w++;
		}
	}
	if (strcmp(tok[9], "-") != 0) {
		size_t cap = 0;
		char *save2;

		for (char *t = strtok_r(tok[9], ",", &save2); t; t = strtok_r(NULL, ",", &save2)) {
			if (!parse_u64(t, 10, UINT32_MAX, &v)) {
				*why = "open is not a list of serials";
				return -EINVAL;
			}
			if (!fit(&s->open, &cap, s->nopen + 1))
				return -ENOMEM;
			s->open[s->nopen++] = (uint32_t)v;
		}
	}
	return 0;
}

int progress_load(const char *path, struct progress_note *ret, char *err, size_t err_size)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	bool have_boot = false, have_log = false, have_shards = false;
	const char *why = NULL;
	int r = 0;
	ssize_t len;

	memset(ret, 0, sizeof(*ret));
	if (!f)
		return -errno;
	while ((len = getline(&line, &cap, f)) >= 0) {
		uint64_t v;

		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (lineno == 1) {
			if (strcmp(line, "needle-progress 1") != 0) {
				why = "not a needle progress note of version 1";
				break;
			}
		} else if (strncmp(line, "boot ", 5) == 0 && !have_boot) {
			snprintf(ret->boot, sizeof(ret->boot), "%s", line + 5);
			have_boot = true;
		} else if (strncmp(line, "log ", 4) == 0 && !have_log) {
			char fmt[8], comp[8];
			unsigned logs;
			int at = 0;

			if (sscanf(line + 4, "%7s %7s %u %n", fmt, comp, &logs, &at) != 3 || !at ||
			    (strcmp(fmt, "json") && strcmp(fmt, "raw")) ||
			    (strcmp(comp, "lz4") && strcmp(comp, "plain")) || !line[4 + at] ||
			    strlen(line + 4 + at) >= sizeof(ret->log.path)) {
				why = "expected 'log json|raw lz4|plain NUM_LOGS PATH'";
				break;
			}
			ret->log.format = strcmp(fmt, "json") == 0 ? LOGTAIL_JSON : LOGTAIL_RAW;
			ret->log.lz4 = strcmp(comp, "lz4") == 0;
			ret->log.num_logs = logs;
			snprintf(ret->log.path, sizeof(ret->log.path), "%s", line + 4 + at);
			have_log = true;
		} else if (strncmp(line, "shards ", 7) == 0 && !have_shards) {
			if (!parse_u64(line + 7, 10, PROGRESS_MAX_SHARDS, &v) || v == 0) {
				why = "shards is not a number from 1 to 64";
				break;
			}
			ret->shards = (unsigned)v;
			have_shards = true;
		} else if (strncmp(line, "shard ", 6) == 0 && have_shards) {
			r = parse_shard(ret, line, &why);
			if (r < 0)
				break;
		} else {
			why = "unknown or repeated line (or a shard before 'shards')";
			break;
		}
	}
	free(line);
	fclose(f);
	if (!why && r == 0 && (!have_boot || !have_log || !have_shards)) {
		why = "incomplete: boot, log and shards lines expected";
		lineno = 0;
	}
	if (why || r < 0) {
		if (r == -ENOMEM)
			snprintf(err, err_size, "%s: out of memory", path);
		else if (lineno)
			snprintf(err, err_size, "%s:%u: %s", path, lineno, why);
		else
			snprintf(err, err_size, "%s: %s", path, why);
		progress_note_free(ret);
		return r < 0 ? r : -EINVAL;
	}
	return 0;
}

/* ---- working out where each decoder starts ---- */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static bool contains(const uint32_t *sorted, size_t n, uint32_t v)
{
	return n && bsearch(&v, sorted, n, sizeof(v), cmp_u32) != NULL;
}

/* What the note says of serial s (offset d from origin): accounted for? */
struct view {
	const struct progress_note *note;
	uint32_t origin;
	int64_t floor_rel[PROGRESS_MAX_SHARDS]; /* floors, relative to origin */
	uint32_t *open;                         /* every open serial, sorted */
	size_t nopen;
	const uint32_t *written;
	size_t nwritten;
};

static bool accounted(const struct view *v, uint32_t s)
{
	unsigned shards = v->note->shards, i = s % shards;
	int64_t d = (int64_t)(int32_t)(s - v->origin), k;

	if (contains(v->written, v->nwritten, s))
		return true;
	if (contains(v->open, v->nopen, s))
		return false;
	if (d < v->floor_rel[i])
		return true;
	k = (d - v->floor_rel[i]) / shards;
	if (!v->note->shard[i].started || k >= GAPS_WINDOW)
		return false;
	return v->note->shard[i].bits[k / 64] >> (k % 64) & 1;
}

int progress_seeds(const struct progress_note *note, const uint32_t *written, size_t nwritten,
		   unsigned shards, struct progress_seed *ret)
{
	struct view v = { .note = note, .written = written, .nwritten = nwritten };
	bool any = false, have_floor[PROGRESS_MAX_SHARDS] = { false };
	size_t caps[PROGRESS_MAX_SHARDS] = { 0 };
	int64_t lo = 0, hi = 0;
	int r = 0;

	memset(ret, 0, sizeof(*ret) * shards);
	/* Origin: any started shard's floor; everything is measured from it
	 * in signed 32-bit steps, so serials may wrap in between. */
	for (unsigned i = 0; i < note->shards; i++)
		if (note->shard[i].started && !any) {
			v.origin = note->shard[i].floor;
			any = true;
		}
	if (!any)
		return 0; /* the previous needle saw nothing: nothing to carry */
	for (unsigned i = 0; i < note->shards; i++) {
		const struct progress_shard *s = &note->shard[i];

		v.nopen += s->nopen;
		if (!s->started)
			continue;
		v.floor_rel[i] = (int32_t)(s->floor - v.origin);
		if (v.floor_rel[i] < lo)
			lo = v.floor_rel[i];
		if (v.floor_rel[i] - 1 > hi)
			hi = v.floor_rel[i] - 1;
		for (int k = GAPS_WINDOW - 1; k >= 0; k--)
			if (s->bits[k / 64] >> (k % 64) & 1) {
				if (v.floor_rel[i] + (int64_t)k * note->shards > hi)
					hi = v.floor_rel[i] + (int64_t)k * note->shards;
				break;
			}
	}
	/* A shard that saw nothing accounts for nothing of its class above
	 * the lowest floor (below it: before the previous needle). */
	for (unsigned i = 0; i < note->shards; i++)
		if (!note->shard[i].started)
			v.floor_rel[i] = lo + (int64_t)((i - (v.origin + (uint32_t)lo) % note->shards +
							  note->shards) % note->shards);
	v.open = malloc((v.nopen ? v.nopen : 1) * sizeof(*v.open));
	if (!v.open)
		return -ENOMEM;
	v.nopen = 0;
	for (unsigned i = 0; i < note->shards; i++)
		for (size_t k = 0; k < note->shard[i].nopen; k++) {
			uint32_t s = note->shard[i].open[k];
			int64_t d = (int32_t)(s - v.origin);

			v.open[v.nopen++] = s;
			if (d < lo)
				lo = d;
		}
	qsort(v.open, v.nopen, sizeof(*v.open), cmp_u32);
	for (size_t k = 0; k < nwritten; k++) {
		int64_t d = (int32_t)(written[k] - v.origin);

		if (d > hi)
			hi = d;
	}
	if (hi - lo > PROGRESS_MAX_SPAN) {
		free(v.open);
		return -ERANGE;
	}
	/* One pass from the lowest unaccounted candidate to the highest
	 * accounted serial: each new decoder's floor is the first serial of
	 * its class not accounted for; those accounted above it are marks. */
	for (int64_t d = lo; d <= hi; d++) {
		uint32_t s = v.origin + (uint32_t)d;
		unsigned j = s % shards;
		bool acc = accounted(&v, s);

		if (!have_floor[j]) {
			if (!acc) {
				ret[j].floor = s;
				have_floor[j] = true;
			}
			continue;
		}
		if (acc) {
			if (!fit(&ret[j].marks, &caps[j], ret[j].nmarks + 1)) {
				r = -ENOMEM;
				break;
			}
			ret[j].marks[ret[j].nmarks++] = s;
		}
	}
	for (unsigned j = 0; j < shards && !r; j++) {
		if (!have_floor[j]) {
			/* All of its class up to hi is accounted for. */
			uint32_t s = v.origin + (uint32_t)(hi + 1);

			while (s % shards != j)
				s++;
			ret[j].floor = s;
		}
		ret[j].have = true;
	}
	free(v.open);
	if (r < 0)
		progress_seeds_free(ret, shards);
	return r;
}

void progress_seeds_free(struct progress_seed *seeds, unsigned shards)
{
	for (unsigned j = 0; j < shards; j++) {
		free(seeds[j].marks);
		seeds[j].marks = NULL;
		seeds[j].nmarks = 0;
		seeds[j].have = false;
	}
}

bool progress_resume(const char *path, const char *boot, unsigned shards,
		     struct progress_seed *seeds, char *msg, size_t msg_size)
{
	struct progress_note *note = calloc(1, sizeof(*note));
	struct logtail_result tail = { 0 };
	struct sink_position pos[PROGRESS_MAX_SHARDS];
	char err[700], tail_err[700] = "";
	size_t npos = 0;
	bool ok = false;
	int r;

	msg[0] = '\0';
	if (!note) {
		snprintf(msg, msg_size, "out of memory reading %s: events lost before this start "
			 "are not counted", path);
		return false;
	}
	r = progress_load(path, note, err, sizeof(err));
	if (r == -ENOENT)
		goto free_note;
	if (r < 0) {
		snprintf(msg, msg_size, "%s; events lost before this start are not counted", err);
		goto free_note;
	}
	if (!boot[0] || strcmp(note->boot, boot) != 0) {
		snprintf(msg, msg_size, "%s is from an earlier boot (the kernel numbers events "
			 "from 1 again): nothing to carry over", path);
		goto free_note;
	}
	for (unsigned i = 0; i < note->shards; i++)
		if (note->shard[i].started && note->shard[i].have_pos)
			pos[npos++] = note->shard[i].pos;
	r = npos ? logtail_read(note->log.path, note->log.num_logs, note->log.lz4, note->log.format,
				pos, npos, &tail, tail_err, sizeof(tail_err))
		 : 0;
	if (r < 0) {
		/* Unknown is not written: counted lost, and said. */
		memset(&tail, 0, sizeof(tail));
	}
	r = progress_seeds(note, tail.serials, tail.count, shards, seeds);
	if (r == -ERANGE) {
		snprintf(msg, msg_size, "%s spans more serials than a restart works out; events "
			 "lost before this start are not counted", path);
	} else if (r < 0) {
		snprintf(msg, msg_size, "out of memory working out %s; events lost before this "
			 "start are not counted", path);
	} else if (!seeds[0].have) {
		snprintf(msg, msg_size, "%s: the previous needle had received nothing; nothing to "
			 "carry over", path);
	} else {
		size_t len;

		ok = true;
		len = (size_t)snprintf(msg, msg_size,
				       "resuming from %s (what the previous needle wrote, and %zu "
				       "event(s) in %s after the earliest position it notes): serials "
				       "the kernel used meanwhile that no log has count as lost (cause "
				       "restart)",
				       path, tail.count, note->log.path);
		if (tail.cut_line && len < msg_size)
			len += (size_t)snprintf(msg + len, msg_size - len,
						"; the log's last line was cut by a kill: that event "
						"counts as lost");
		if (tail_err[0] && len < msg_size)
			snprintf(msg + len, msg_size - len,
				 "; %s: the events written after the note count as lost", tail_err);
	}
	free(tail.serials);
free_note:
	progress_note_free(note);
	free(note);
	return ok;
}
