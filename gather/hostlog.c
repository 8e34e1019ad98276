/* SPDX-License-Identifier: MIT */
/* hostlog: see hostlog.h. */
#include "hostlog.h"
#include "dedup.h"
#include "frame.h"

#include <errno.h>
#include <fcntl.h>
#include <lz4frame.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BUCKETS 4096u
#define CHUNK (1u << 20)
#define SAY_EVERY_S 10
#define DIR_MAX 256

struct staged_id {
	struct dedup *dedup;
	struct audit_stamp id;
};

struct hostlog_output {
	char path[DIR_MAX + 224]; /* "" for standard output */
	struct sink *sink;        /* opened at its first write */
	struct outbuf staged;
	uint64_t staged_events;
	struct staged_id *ids;
	size_t nids, cap;
	struct hostlog_output *next_dirty;
	bool dirty, ok;
	time_t said;              /* when its last failure was said */
	/* The end note, DIR/.FILE.end: where the file's last whole write
	 * ended, noted before that write's messages are acknowledged. */
	char note[DIR_MAX + 240];
	int note_fd;              /* -1 until the first write */
};

struct hostlog {
	char name[201];
	struct dedup *dedup;
	struct hostlog_output *out[2]; /* by enum convert_file */
	struct hostlog *next;          /* in its bucket */
};

struct hostlogs {
	struct hostlogs_options o;
	char dir[DIR_MAX + 1];
	struct hostlog *buckets[BUCKETS];
	struct hostlog_output shared;  /* standard output, every host's (no note) */
	struct hostlog_output *dirty;  /* outputs staged in this batch */
	struct outbuf frame;
	struct hostlogs_stats stats;
};

static void say_nothing(const char *fmt, ...)
{
	(void)fmt;
}

int hostlogs_open(const struct hostlogs_options *o, struct hostlogs **ret)
{
	struct hostlogs *h;
	struct stat st;

	if (o->dir) {
		if (strlen(o->dir) > DIR_MAX)
			return -ENAMETOOLONG;
		if (mkdir(o->dir, 0700) < 0 && errno != EEXIST)
			return -errno;
		if (stat(o->dir, &st) < 0)
			return -errno;
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
	}
	if (!(h = calloc(1, sizeof(*h))))
		return -ENOMEM;
	h->o = *o;
	if (!h->o.say)
		h->o.say = say_nothing;
	if (o->dir)
		strcpy(h->dir, o->dir);
	h->shared.note_fd = -1;
	*ret = h;
	return 0;
}

static int output_close(struct hostlogs *h, struct hostlog_output *out)
{
	int r = 0;

	if (out->note_fd >= 0)
		close(out->note_fd);
	out->note_fd = -1;

	if (out->sink && (r = sink_close(out->sink)) < 0)
		h->o.say("closing %s failed: %s: the last events written to it may not be on disk",
			 out->path[0] ? out->path : "standard output", strerror(-r));
	sink_free(out->sink);
	out->sink = NULL;
	return r;
}

static void output_free(struct hostlog_output *out)
{
	if (out->note_fd >= 0)
		close(out->note_fd);
	outbuf_free(&out->staged);
	free(out->ids);
}

int hostlogs_close(struct hostlogs *h)
{
	int first = 0, r;

	if (!h)
		return 0;
	for (unsigned b = 0; b < BUCKETS; b++)
		for (struct hostlog *hl = h->buckets[b]; hl; hl = hl->next)
			for (int f = 0; f < 2; f++)
				if (hl->out[f] != &h->shared && (r = output_close(h, hl->out[f])) < 0 &&
				    !first)
					first = r;
	if ((r = output_close(h, &h->shared)) < 0 && !first)
		first = r;
	return first;
}

void hostlogs_free(struct hostlogs *h)
{
	if (!h)
		return;
	for (unsigned b = 0; b < BUCKETS; b++) {
		struct hostlog *hl = h->buckets[b], *next;

		for (; hl; hl = next) {
			next = hl->next;
			for (int f = 0; f < 2; f++)
				if (hl->out[f] != &h->shared) {
					sink_free(hl->out[f]->sink);
					output_free(hl->out[f]);
					free(hl->out[f]);
				}
			dedup_free(hl->dedup);
			free(hl);
		}
	}
	sink_free(h->shared.sink);
	output_free(&h->shared);
	outbuf_free(&h->frame);
	free(h);
}

/* The last `keep` event ids of a file, oldest first (a ring). */
struct tail {
	struct audit_stamp *ring;
	size_t keep, count;      /* count: ids taken in all */
	char *carry;             /* a line begun in an earlier chunk */
	size_t carry_len, carry_cap;
	/* LZ4: the ids of the frame being read, taken once it is whole (a
	 * frame a crash cut holds lines that were never acknowledged). */
	bool staging;
	struct audit_stamp *frame;
	size_t nframe, frame_cap;
	bool failed;
};

/* The event id of one of the lines gather writes: JSON's leading id, or
 * the stamp of a RAW or ENRICHED line. */
static bool line_id(const char *line, size_t len, struct audit_stamp *ret)
{
	static const char json[] = "{\"id\":\"", raw[] = "msg=audit(";
	const char *p;

	if (len > sizeof(json) - 1 && memcmp(line, json, sizeof(json) - 1) == 0) {
		p = memchr(line + sizeof(json) - 1, '"', len - (sizeof(json) - 1));
		return p && dedup_parse_id(line + sizeof(json) - 1,
					   (size_t)(p - line) - (sizeof(json) - 1), ret);
	}
	p = memmem(line, len < 512 ? len : 512, raw, sizeof(raw) - 1);
	return p && decode_stamp(p + 4, (size_t)(line + len - p - 4), ret) > 0;
}

static void take_id(struct tail *t, const struct audit_stamp *id)
{
	/* RAW writes an event's records on lines next to each other. */
	if (!(t->count && memcmp(&t->ring[(t->count - 1) % t->keep], id, sizeof(*id)) == 0))
		t->ring[t->count++ % t->keep] = *id;
}

static void take_line(struct tail *t, const char *line, size_t len)
{
	struct audit_stamp id;

	if (!line_id(line, len, &id))
		return;
	if (!t->staging) {
		take_id(t, &id);
		return;
	}
	if (t->nframe == t->frame_cap) {
		size_t cap = t->frame_cap ? 2 * t->frame_cap : 1024;
		struct audit_stamp *f = realloc(t->frame, cap * sizeof(*f));

		if (!f) {
			t->failed = true;
			return;
		}
		t->frame = f;
		t->frame_cap = cap;
	}
	t->frame[t->nframe++] = id;
}

/* Whole lines of p[0..len) are taken; the rest is carried. */
static void take_text(struct tail *t, const char *p, size_t len)
{
	while (len) {
		const char *nl = memchr(p, '\n', len);
		size_t n = nl ? (size_t)(nl - p) : len;

		if (!nl || t->carry_len) {
			if (t->carry_len + n > t->carry_cap) {
				size_t cap = t->carry_cap ? t->carry_cap : 4096;
				char *b;

				while (cap < t->carry_len + n)
					cap *= 2;
				if (!(b = realloc(t->carry, cap))) {
					t->failed = true;
					return;
				}
				t->carry = b;
				t->carry_cap = cap;
			}
			memcpy(t->carry + t->carry_len, p, n);
			t->carry_len += n;
			if (!nl)
				return;
			take_line(t, t->carry, t->carry_len);
			t->carry_len = 0;
		} else {
			take_line(t, p, n);
		}
		p += n + 1;
		len -= n + 1;
	}
}

/* Reads the ids of one plain file from at most HOSTLOG_TAIL_BYTES before
 * its end; *ret_good: where its last whole line ends. */
static int read_plain(struct tail *t, int fd, uint64_t size, char *buf, uint64_t *ret_good)
{
	uint64_t off = size > HOSTLOG_TAIL_BYTES ? size - HOSTLOG_TAIL_BYTES : 0;
	bool skip_first = off > 0; /* begun before the part read */

	while (off < size) {
		ssize_t n = pread(fd, buf, CHUNK, (off_t)off);
		size_t start = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		if (skip_first) {
			const char *nl = memchr(buf, '\n', (size_t)n);

			if (!nl) {
				off += (uint64_t)n;
				continue;
			}
			start = (size_t)(nl - buf) + 1;
			skip_first = false;
		}
		take_text(t, buf + start, (size_t)n - start);
		off += (uint64_t)n;
	}
	*ret_good = off - t->carry_len;
	return 0;
}

/* Reads the ids of a file of LZ4 frames, whole; *ret_good: where its last
 * whole frame ends. Only whole frames count: the ids of a frame cut short
 * (a write a crash cut) are taken back. -EBADMSG at a corrupt frame (the
 * ids before it are kept). */
static int read_lz4(struct tail *t, int fd, char *in, uint64_t *ret_good)
{
	char *out = malloc(CHUNK);
	LZ4F_dctx *dctx = NULL;
	uint64_t off = 0, good = 0;
	int r = 0;

	if (!out || LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION))) {
		free(out);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n = pread(fd, in, CHUNK, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		for (size_t used = 0; used < (size_t)n;) {
			size_t src = (size_t)n - used, dst = CHUNK;
			size_t hint = LZ4F_decompress(dctx, out, &dst, in + used, &src, NULL);

			if (LZ4F_isError(hint)) {
				r = -EBADMSG;
				goto free_dctx;
			}
			take_text(t, out, dst);
			used += src;
			if (hint == 0) {
				/* A whole frame: its ids are taken. */
				good = off + used;
				for (size_t i = 0; i < t->nframe; i++)
					take_id(t, &t->frame[i]);
				t->nframe = 0;
				t->carry_len = 0; /* frames hold whole lines */
			}
		}
		off += (uint64_t)n;
	}
free_dctx:
	t->nframe = 0; /* a frame cut short, or corrupt: not taken */
	*ret_good = good;
	LZ4F_freeDecompressionContext(dctx);
	free(out);
	return r;
}

/* Reads path's ids into t. cut: the file being written, whose torn tail
 * (after a crash) is cut off. 0; -ENOENT when it is not there. */
static int read_file(struct hostlogs *h, const char *path, bool cut, struct tail *t)
{
	char *buf;
	struct stat st;
	uint64_t good = 0;
	int fd, r;

	/* O_NONBLOCK: a FIFO in a file's place must not hang gather. */
	fd = open(path, (cut ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	if (!(buf = malloc(CHUNK))) {
		close(fd);
		return -ENOMEM;
	}
	t->carry_len = 0;
	t->staging = h->o.sink.lz4;
	r = h->o.sink.lz4 ? read_lz4(t, fd, buf, &good)
			  : read_plain(t, fd, (uint64_t)st.st_size, buf, &good);
	if (r == -EBADMSG)
		h->o.say("%s: a corrupt LZ4 frame at byte %llu: the file is left as it is, and "
			 "the events after that point may be written again",
			 path, (unsigned long long)good);
	if (!r && cut && good < (uint64_t)st.st_size) {
		if (ftruncate(fd, (off_t)good) < 0) {
			r = -errno;
		} else {
			h->o.say("%s: cut its last %llu bytes, written in part before gather stopped "
				 "(those events were not acknowledged: they come again whole)",
				 path, (unsigned long long)((uint64_t)st.st_size - good));
			h->stats.cut_tails++;
		}
	}
	t->carry_len = 0;
	free(buf);
	close(fd);
	return r;
}

static void tail_free(struct tail *t)
{
	free(t->ring);
	free(t->carry);
	free(t->frame);
}

/* Adds t's ids, oldest first, at most the last `most`. */
static void seed_from(struct hostlogs *h, struct hostlog *hl, const struct tail *t, size_t most)
{
	size_t n = t->count < t->keep ? t->count : t->keep;

	if (n > most)
		n = most;
	for (size_t i = t->count - n; i < t->count; i++)
		if (dedup_add(hl->dedup, &t->ring[i % t->keep]) == 0)
			h->stats.seeded_ids++;
}

/* The end note: "DEV INO SIZE", fixed width, so a rewrite in place never
 * leaves bytes of the last one. */
#define NOTE_FMT "%20llu %20llu %20llu\n"
#define NOTE_LEN 63

/* Cuts what the current file holds past its end note: bytes of a write
 * whose messages were never acknowledged (gather stopped between the write
 * and its note), whole or torn, events cut in the middle of their RAW
 * lines included; they come again whole. A current file that a rotation
 * made after the noted write (the note names the generation before) holds
 * only such bytes. Without a note (an older gather, a note that could not
 * be written) the line and frame rules of read_file() stand alone. */
static void cut_to_note(struct hostlogs *h, struct hostlog_output *out)
{
	unsigned long long dev, ino, size;
	char text[NOTE_LEN + 1], older[sizeof(out->path) + 8];
	struct stat st, old;
	uint64_t keep;
	int fd = open(out->note, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	ssize_t n = fd >= 0 ? pread(fd, text, NOTE_LEN, 0) : -1;

	if (fd >= 0)
		close(fd);
	if (n != NOTE_LEN)
		return;
	text[NOTE_LEN] = '\0';
	if (sscanf(text, "%llu %llu %llu", &dev, &ino, &size) != 3 || stat(out->path, &st) < 0 ||
	    !S_ISREG(st.st_mode))
		return;
	snprintf(older, sizeof(older), "%s.1", out->path);
	if ((uint64_t)st.st_dev == dev && (uint64_t)st.st_ino == ino)
		keep = size;
	else if (stat(older, &old) == 0 && (uint64_t)old.st_dev == dev &&
		 (uint64_t)old.st_ino == ino)
		keep = 0;
	else
		return;
	if ((uint64_t)st.st_size <= keep)
		return;
	if (truncate(out->path, (off_t)keep) < 0) {
		h->o.say("%s: cannot cut what it holds past its last acknowledged write: %s; those "
			 "events may be there twice", out->path, strerror(errno));
		return;
	}
	h->o.say("%s: cut its last %llu bytes, written after its last acknowledged write before "
		 "gather stopped (those events come again whole)",
		 out->path, (unsigned long long)((uint64_t)st.st_size - keep));
	h->stats.cut_tails++;
}

/* Notes where the file's last write ended, before its messages are
 * acknowledged. false when the note could not be written nor removed:
 * then the write must not be acknowledged (a stale note would cut it). */
static bool note_end(struct hostlogs *h, struct hostlog_output *out)
{
	struct sink_position pos;
	char text[NOTE_LEN + 1];

	sink_position(out->sink, &pos);
	snprintf(text, sizeof(text), NOTE_FMT, (unsigned long long)pos.dev,
		 (unsigned long long)pos.ino, (unsigned long long)pos.size);
	if (out->note_fd < 0)
		out->note_fd = open(out->note, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (out->note_fd >= 0 && pwrite(out->note_fd, text, NOTE_LEN, 0) == NOTE_LEN &&
	    (h->o.sink.flush != SINK_FLUSH_DATA || fdatasync(out->note_fd) == 0))
		return true;
	/* No note is safe (the line rules apply); a stale one is not. */
	if (unlink(out->note) == 0 || errno == ENOENT) {
		if (out->note_fd >= 0)
			close(out->note_fd);
		out->note_fd = -1;
		return true;
	}
	h->o.say("%s: cannot write nor remove it: %s; the events of this write are asked again",
		 out->note, strerror(errno));
	return false;
}

/* The ids of the host's file f: its current file, and the one before when
 * the current holds fewer than keep. */
static void seed_output(struct hostlogs *h, struct hostlog *hl, struct hostlog_output *out)
{
	struct tail cur = { .keep = h->o.keep }, old = { .keep = h->o.keep };
	char older[sizeof(out->path) + 8];
	int r;

	if (!(cur.ring = malloc(cur.keep * sizeof(*cur.ring))) ||
	    !(old.ring = malloc(old.keep * sizeof(*old.ring)))) {
		h->o.say("%s: out of memory reading its tail: events written before may be "
			 "written again", out->path);
		goto free_tails;
	}
	cut_to_note(h, out);
	r = read_file(h, out->path, true, &cur);
	if (r < 0 && r != -ENOENT && r != -EBADMSG)
		h->o.say("%s: cannot read its tail: %s: events written before may be written again",
			 out->path, strerror(-r));
	if (cur.count < cur.keep) {
		snprintf(older, sizeof(older), "%s.1", out->path);
		r = read_file(h, older, false, &old);
		if (r < 0 && r != -ENOENT && r != -EBADMSG)
			h->o.say("%s: cannot read its tail: %s: events written before may be written "
				 "again", older, strerror(-r));
		seed_from(h, hl, &old, cur.keep - cur.count);
	}
	seed_from(h, hl, &cur, cur.keep);
	if (cur.failed || old.failed)
		h->o.say("%s: out of memory reading its tail: events written before may be "
			 "written again", out->path);
free_tails:
	tail_free(&cur);
	tail_free(&old);
}

static unsigned bucket_of(const char *host, size_t len)
{
	uint32_t x = 2166136261u;

	for (size_t i = 0; i < len; i++)
		x = (x ^ (unsigned char)host[i]) * 16777619u;
	return x % BUCKETS;
}

int hostlogs_host(struct hostlogs *h, const char *host, size_t len, struct hostlog **ret)
{
	static const char *const suffix[2] = { [CONVERT_TO_JSON_FILE] = ".json",
					       [CONVERT_TO_LOG_FILE] = ".log" };
	unsigned b = bucket_of(host, len);
	struct hostlog *hl;

	if (len >= sizeof(hl->name))
		return -ENAMETOOLONG;
	for (hl = h->buckets[b]; hl; hl = hl->next)
		if (strlen(hl->name) == len && memcmp(hl->name, host, len) == 0) {
			*ret = hl;
			return 0;
		}
	if (!(hl = calloc(1, sizeof(*hl))) || !(hl->dedup = dedup_new(h->o.keep)))
		goto free_host;
	memcpy(hl->name, host, len);
	for (int f = 0; f < 2; f++) {
		if (!h->dir[0]) {
			hl->out[f] = &h->shared;
			continue;
		}
		if (!(hl->out[f] = calloc(1, sizeof(*hl->out[f]))))
			goto free_outputs;
		snprintf(hl->out[f]->path, sizeof(hl->out[f]->path), "%s/%s%s%s", h->dir, hl->name,
			 suffix[f], h->o.sink.lz4 ? ".lz4" : "");
		snprintf(hl->out[f]->note, sizeof(hl->out[f]->note), "%s/.%s%s%s.end", h->dir,
			 hl->name, suffix[f], h->o.sink.lz4 ? ".lz4" : "");
		hl->out[f]->note_fd = -1;
		seed_output(h, hl, hl->out[f]);
	}
	hl->next = h->buckets[b];
	h->buckets[b] = hl;
	h->stats.hosts++;
	*ret = hl;
	return 0;
free_outputs:
	for (int f = 0; f < 2; f++)
		if (hl->out[f] != &h->shared)
			free(hl->out[f]);
free_host:
	if (hl)
		dedup_free(hl->dedup);
	free(hl);
	return -ENOMEM;
}

static bool staged_has(const struct hostlog_output *out, const struct dedup *d,
		       const struct audit_stamp *id)
{
	for (size_t i = 0; i < out->nids; i++)
		if (out->ids[i].dedup == d && out->ids[i].id.serial == id->serial &&
		    out->ids[i].id.sec == id->sec && out->ids[i].id.msec == id->msec)
			return true;
	return false;
}

bool hostlog_seen(const struct hostlog *hl, const struct audit_stamp *id)
{
	return dedup_seen(hl->dedup, id) || staged_has(hl->out[0], hl->dedup, id) ||
	       (hl->out[1] != hl->out[0] && staged_has(hl->out[1], hl->dedup, id));
}

int hostlogs_stage(struct hostlogs *h, struct hostlog *hl, enum convert_file file,
		   const struct audit_stamp *id, const char *lines, size_t len,
		   struct hostlog_output **ret_token)
{
	struct hostlog_output *out = hl->out[file];
	size_t before = out->staged.len;

	if (out->nids == out->cap) {
		size_t cap = out->cap ? 2 * out->cap : 64;
		struct staged_id *ids = realloc(out->ids, cap * sizeof(*ids));

		if (!ids)
			return -ENOMEM;
		out->ids = ids;
		out->cap = cap;
	}
	outbuf_put(&out->staged, lines, len);
	if (out->staged.failed) {
		out->staged.len = before;
		out->staged.failed = false;
		return -ENOMEM;
	}
	out->ids[out->nids++] = (struct staged_id){ hl->dedup, *id };
	out->staged_events++;
	if (!out->dirty) {
		out->dirty = true;
		out->next_dirty = h->dirty;
		h->dirty = out;
	}
	*ret_token = out;
	return 0;
}

/* One write of the output's staged lines; true when it succeeded. */
static bool write_output(struct hostlogs *h, struct hostlog_output *out)
{
	const char *name = out->path[0] ? out->path : "standard output";
	const char *data = out->staged.data;
	size_t len = out->staged.len;
	struct sink_stats before, after;
	time_t now = time(NULL);
	int r;

	if (!out->sink &&
	    (r = sink_open(out->path[0] ? out->path : NULL, &h->o.sink, &out->sink)) < 0) {
		if (now - out->said >= SAY_EVERY_S) {
			h->o.say("%s: cannot open: %s; its events are not acknowledged and come "
				 "again",
				 name, strerror(-r));
			out->said = now;
		}
		return false;
	}
	if (h->o.sink.lz4 && out->path[0]) {
		if ((r = frame_compress_lz4(out->staged.data, out->staged.len, &h->frame)) < 0) {
			h->o.say("%s: cannot compress %zu bytes: %s; its events come again", name,
				 out->staged.len, strerror(-r));
			return false;
		}
		data = h->frame.data;
		len = h->frame.len;
	}
	sink_get_stats(out->sink, &before);
	sink_write(out->sink, data, len, out->staged.len, out->staged_events);
	sink_get_stats(out->sink, &after);
	if (after.write_errors == before.write_errors)
		return !out->path[0] || note_end(h, out);
	if (now - out->said >= SAY_EVERY_S) {
		h->o.say("%s: writing %llu events failed (%s): they are not acknowledged and come "
			 "again; %llu failed writes so far",
			 name, (unsigned long long)out->staged_events,
			 sink_take_full(out->sink) ? "the disk is full" : "an I/O error",
			 (unsigned long long)after.write_errors);
		out->said = now;
	}
	return false;
}

void hostlogs_write(struct hostlogs *h)
{
	struct hostlog_output *out, *next;

	for (out = h->dirty; out; out = next) {
		next = out->next_dirty;
		out->next_dirty = NULL;
		out->dirty = false;
		out->ok = out->staged.len == 0 || write_output(h, out);
		/* Out of memory in dedup_add: that id may be written again if
		 * it comes again (at-least-once holds; only the repeat shows). */
		if (out->ok)
			for (size_t i = 0; i < out->nids; i++)
				dedup_add(out->ids[i].dedup, &out->ids[i].id);
		else
			h->stats.write_failures++;
		out->staged.len = 0;
		out->staged_events = 0;
		out->nids = 0;
	}
	h->dirty = NULL;
}

bool hostlogs_written(const struct hostlog_output *token)
{
	return token->ok;
}

void hostlogs_get_stats(const struct hostlogs *h, struct hostlogs_stats *ret)
{
	*ret = h->stats;
}
