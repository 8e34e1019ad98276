/* SPDX-License-Identifier: MIT */
/*
 * spool.c: the queue of spool.h on its segment files (spool-disk.h draws
 * them): append, read, acknowledge, and what happens to a bad record.
 *
 *   spool_append --> s->wbuf (the batch encoded) --> one pwrite() a segment
 *   spool_read   <-- a pread() of many records straight into the caller's
 *                    batch, from the reader's cursor (segment, offset, seq)
 *   spool_ack    --> DIR/acked, then the segments wholly below it unlinked
 *
 * A cursor that must find a seq (a reader told to rewind; the floor's
 * cursor, which finds the oldest message's time) skips from header to
 * header through a cache of HOP_CACHE bytes. Any bad record a cursor or
 * a read meets is cut where it is (spool_seg_cut).
 */
#include "spool-disk.h"
#include "crc32c.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Where segment idx's seqs end: the next one's name, or next_seq. */
static uint64_t seg_end(const struct spool *s, size_t idx)
{
	return idx + 1 < s->nseg ? s->seg[idx + 1].first : s->st.next_seq;
}

/* The segment that holds seq: the last whose name is not above it. */
static size_t seg_find(const struct spool *s, uint64_t seq)
{
	size_t lo = 0, hi = s->nseg;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->seg[mid].first <= seq)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

void spool_cursor_drop(struct cursor *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->valid = false;
	c->cache_len = 0;
}

/* c at the start of segment idx. */
static int cursor_enter(struct spool *s, struct cursor *c, size_t idx, char *err, size_t err_size)
{
	char name[NAME_LEN];

	spool_cursor_drop(c);
	spool_seg_name(name, s->seg[idx].first);
	c->fd = openat(s->dirfd, name, O_RDONLY | O_CLOEXEC);
	if (c->fd < 0) {
		int e = errno;

		spool_say(err, err_size, s, name, "open", e);
		return -e;
	}
	c->valid = true;
	c->idx = idx;
	c->off = 0;
	c->seq = s->seg[idx].first;
	return 0;
}

/* Gap seqs in [from, to), and with forget those gaps are removed from
 * the list (a cut replaces them). */
static uint64_t gaps_within(struct spool *s, uint64_t from, uint64_t to, bool forget)
{
	uint64_t n = 0;
	size_t kept = 0;

	for (size_t i = 0; i < s->ngap; i++) {
		struct gap g = s->gap[i];
		uint64_t lo = g.seq > from ? g.seq : from, hi = g.seq + g.n < to ? g.seq + g.n : to;

		if (lo < hi)
			n += hi - lo;
		if (!(forget && g.seq >= from && g.seq < to))
			s->gap[kept++] = g;
	}
	s->ngap = kept;
	return n;
}

int spool_gap_note(struct spool *s, uint64_t seq, uint64_t n)
{
	size_t i;

	if (spool_grow((void **)&s->gap, &s->gap_cap, s->ngap + 1, sizeof(*s->gap)) < 0)
		return -ENOMEM;
	for (i = s->ngap; i > 0 && s->gap[i - 1].seq > seq; i--)
		s->gap[i] = s->gap[i - 1];
	s->gap[i] = (struct gap){ seq, n };
	s->ngap++;
	return 0;
}

/* Seqs in [from, end) that intact gap records in [off, size) of fd stand
 * for, found by their magic and CRC (the region is not readable record by
 * record: it starts with a bad one). A chance match needs a CRC-32C to
 * agree by accident. */
static int64_t gaps_in_region(struct spool *s, int fd, uint64_t off, uint64_t size, uint64_t from,
			      uint64_t end)
{
	static const unsigned char magic[4] = { 'n', 's', 'p', 'G' };
	uint64_t n = 0, done = off; /* gap records that start below done are counted */

	while (off < size) {
		size_t want = size - off < s->wbuf_cap ? (size_t)(size - off) : s->wbuf_cap;
		int64_t got = spool_pread_full(fd, s->wbuf, want, off);
		const unsigned char *p = s->wbuf, *lim;

		if (got < 0)
			return got;
		if (got < HDR + GAP_BODY)
			break;
		lim = s->wbuf + got - (HDR + GAP_BODY);
		while (p <= lim && (p = memmem(p, (size_t)(lim - p) + 4, magic, 4))) {
			uint64_t at = off + (uint64_t)(p - s->wbuf), seq = get64(p + 8), k = get64(p + HDR);

			if (at >= done && get32(p + 28) == GAP_BODY && !get16(p + 24) && !get16(p + 26) &&
			    crc32c(0, p + 8, HDR - 8 + GAP_BODY) == get32(p + 4) && k &&
			    seq < end && k <= end - seq) {
				uint64_t lo = seq > from ? seq : from, hi = seq + k;

				n += hi > lo ? hi - lo : 0;
				done = at + HDR + GAP_BODY;
			}
			p++;
		}
		if ((uint64_t)got < want || off + (uint64_t)got >= size)
			break;
		off += (uint64_t)got - (HDR + GAP_BODY - 1); /* a record across the chunks' seam */
	}
	return (int64_t)n;
}

/*
 * The record of segment idx at off (which should carry seq) is bad, or the
 * segment ends there before its seqs do: the file is cut there and a gap
 * record put in the place of the seqs it still owed. Those above the floor
 * that were messages are lost, counted here, once. While the spool is
 * open the gaps above the floor are known (s->gap) and stats.messages
 * counted the rest (counted); at open, only the gaps before the cut are:
 * those after it are found in the bytes cut off (a gap record that is
 * itself damaged is counted lost again).
 */
int spool_seg_cut(struct spool *s, size_t idx, uint64_t off, uint64_t seq, uint64_t file_size,
		   bool counted, char *err, size_t err_size)
{
	struct seg *g = &s->seg[idx];
	uint64_t end = seg_end(s, idx), n = end - seq, lost = 0;
	uint64_t from = seq > s->st.acked ? seq : s->st.acked + 1;
	unsigned char rec[HDR + GAP_BODY], body[GAP_BODY];
	char name[NAME_LEN];
	int fd, r = 0;

	spool_seg_name(name, g->first);
	fd = openat(s->dirfd, name, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		spool_say(err, err_size, s, name, "open to cut a bad record", -r);
		return r;
	}
	if (from < end && counted) {
		lost = end - from - gaps_within(s, from, end, false);
	} else if (from < end) {
		int64_t gapped = gaps_in_region(s, fd, off, file_size, from, end);

		if (gapped < 0) {
			r = (int)gapped;
			spool_say(err, err_size, s, name, "read", -r);
			goto close_fd;
		}
		lost = end - from - (uint64_t)gapped;
	}
	if (ftruncate(fd, (off_t)off) < 0) {
		r = -errno;
		spool_say(err, err_size, s, name, "cut a bad record", -r);
		goto close_fd;
	}
	gaps_within(s, seq, end, true);
	if (n) {
		put64(body, n);
		spool_rec_put(rec, MAGIC_GAP, seq, spool_now_ms(), "", 0, "", 0, body, GAP_BODY);
		r = spool_pwrite_full(fd, rec, sizeof(rec), off);
		if (r < 0) {
			spool_say(err, err_size, s, name, "write a gap record", -r);
			goto close_fd;
		}
		if (seq + n > s->st.acked + 1 && spool_gap_note(s, seq, n) < 0) {
			snprintf(err, err_size, "%s: out of memory", s->dir);
			r = -ENOMEM;
			goto close_fd;
		}
	}
	s->st.torn_bytes += file_size - off;
	s->st.bytes = s->st.bytes - g->size + off + (n ? sizeof(rec) : 0);
	g->size = off + (n ? sizeof(rec) : 0);
	s->st.lost += lost;
	if (counted)
		s->st.messages -= lost;
	/* A cursor past the cut points at bytes that are no longer there. */
	if (s->rd.valid && s->rd.idx == idx && s->rd.off > off)
		spool_cursor_drop(&s->rd);
	if (s->floor.valid && s->floor.idx == idx && s->floor.off > off)
		spool_cursor_drop(&s->floor);
	s->rd.cache_len = s->floor.cache_len = 0;
close_fd:
	close(fd);
	return r;
}

/* The header (and a gap's count: *seqs) of the record at c, through c's
 * cache; the CRC is checked where the body is read (spool_read). 0, or 1
 * when the record was bad and is cut now (look again: a gap record, or
 * the segment's end, is there), or -errno. */
static int cursor_peek(struct spool *s, struct cursor *c, struct rec *r, uint64_t *seqs,
		       char *err, size_t err_size)
{
	uint64_t size = s->seg[c->idx].size;
	enum check k = REC_BAD;
	int rc;

	for (int pass = 0; pass < 2; pass++) {
		uint64_t have = 0;
		const unsigned char *p = c->cache + (c->off - c->cache_off);
		int64_t n;

		if (c->off >= c->cache_off && c->off < c->cache_off + c->cache_len)
			have = c->cache_off + c->cache_len - c->off;
		if (have >= HDR) {
			k = spool_rec_check(p, have < HDR + GAP_BODY ? have : HDR + GAP_BODY,
				      size - c->off, c->seq, seg_end(s, c->idx), false, r);
			if (k == REC_BAD)
				break;
			if (k == REC_OK || r->magic == MAGIC_MSG) {
				*seqs = spool_rec_seqs(r, p);
				return 0;
			}
		}
		k = REC_BAD; /* after a read: the file is shorter than its size */
		if (pass == 1)
			break;
		n = spool_pread_full(c->fd, c->cache, size - c->off < HOP_CACHE ? size - c->off : HOP_CACHE,
			       c->off);
		if (n < 0) {
			char name[NAME_LEN];

			spool_seg_name(name, s->seg[c->idx].first);
			spool_say(err, err_size, s, name, "read", (int)-n);
			return (int)n;
		}
		c->cache_off = c->off;
		c->cache_len = (size_t)n;
	}
	rc = spool_seg_cut(s, c->idx, c->off, c->seq, size, true, err, err_size);
	return rc < 0 ? rc : 1;
}

/*
 * Puts c on the record that carries seq (a message, or a gap that stands
 * for it), or at the end of the spool when seq is not yet appended. From
 * where c is when it is not past seq, else from the start of seq's segment.
 */
static int cursor_seek(struct spool *s, struct cursor *c, uint64_t seq, char *err, size_t err_size)
{
	int r;

	if (!s->nseg)
		return 0;
	if (!c->valid || c->seq > seq || c->idx >= s->nseg) {
		r = cursor_enter(s, c, seg_find(s, seq), err, err_size);
		if (r < 0)
			return r;
	}
	for (;;) {
		struct rec rec;
		uint64_t seqs;

		if (c->off >= s->seg[c->idx].size) {
			if (c->idx + 1 >= s->nseg || seq < seg_end(s, c->idx))
				return 0;
			r = cursor_enter(s, c, c->idx + 1, err, err_size);
			if (r < 0)
				return r;
			continue;
		}
		if (c->seq == seq)
			return 0;
		r = cursor_peek(s, c, &rec, &seqs, err, err_size);
		if (r < 0)
			return r;
		if (r > 0)
			continue;
		if (seq < c->seq + seqs)
			return 0;
		c->off += rec.len;
		c->seq += seqs;
	}
}

/* stats.oldest_wall_ms: the time of the first message above the floor. */
int spool_oldest_find(struct spool *s, char *err, size_t err_size)
{
	uint64_t seq = s->st.acked + 1;

	s->st.oldest_wall_ms = 0;
	while (s->st.messages && seq < s->st.next_seq) {
		struct rec rec;
		uint64_t seqs;
		int r = cursor_seek(s, &s->floor, seq, err, err_size);

		if (r < 0)
			return r;
		if (!s->floor.valid || s->floor.off >= s->seg[s->floor.idx].size)
			return 0;
		r = cursor_peek(s, &s->floor, &rec, &seqs, err, err_size);
		if (r < 0)
			return r;
		if (r > 0)
			continue;
		if (rec.magic == MAGIC_MSG) {
			s->st.oldest_wall_ms = rec.wall_ms;
			return 0;
		}
		seq = s->floor.seq + seqs;
	}
	return 0;
}

/* Forgets the first k segments (their files are gone). */
static void seg_drop_front(struct spool *s, size_t k)
{
	struct cursor *cur[] = { &s->rd, &s->floor };

	if (!k)
		return;
	for (size_t i = 0; i < k; i++)
		s->st.bytes -= s->seg[i].size;
	if (k == s->nseg && s->tail_fd >= 0) {
		close(s->tail_fd);
		s->tail_fd = -1;
	}
	memmove(s->seg, s->seg + k, (s->nseg - k) * sizeof(*s->seg));
	s->nseg -= k;
	for (size_t i = 0; i < 2; i++) {
		if (cur[i]->valid && cur[i]->idx < k)
			spool_cursor_drop(cur[i]);
		else if (cur[i]->valid)
			cur[i]->idx -= k;
	}
}

/* Unlinks the segments whose seqs are all at or below the floor (the
 * tail too when tail: its end is next_seq). */
int spool_segs_unlink_acked(struct spool *s, bool tail, char *err, size_t err_size)
{
	size_t k = 0;
	int r = 0;

	while (k + !tail < s->nseg && seg_end(s, k) - 1 <= s->st.acked) {
		char name[NAME_LEN];

		spool_seg_name(name, s->seg[k].first);
		if (unlinkat(s->dirfd, name, 0) < 0 && errno != ENOENT) {
			r = -errno;
			spool_say(err, err_size, s, name, "unlink", -r);
			break;
		}
		k++;
	}
	seg_drop_front(s, k);
	return r;
}

/* The bytes msg takes on disk; 0 when it is too large to take. */
static uint64_t msg_len(const struct spool_msg *m)
{
	if (m->subject_len > UINT16_MAX || m->id_len > UINT16_MAX || m->data_len > SPOOL_MAX_DATA)
		return 0;
	return HDR + (uint64_t)m->subject_len + m->id_len + m->data_len;
}

/* A new tail named next_seq; the old one is full and stays as it is. */
static int seg_start(struct spool *s, char *err, size_t err_size)
{
	char name[NAME_LEN];
	int fd;

	if (spool_grow((void **)&s->seg, &s->seg_cap, s->nseg + 1, sizeof(*s->seg)) < 0) {
		snprintf(err, err_size, "%s: out of memory", s->dir);
		return -ENOMEM;
	}
	spool_seg_name(name, s->st.next_seq);
	fd = openat(s->dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;

		spool_say(err, err_size, s, name, "create", e);
		return -e;
	}
	if (s->tail_fd >= 0)
		close(s->tail_fd);
	s->tail_fd = fd;
	s->seg[s->nseg++] = (struct seg){ s->st.next_seq, 0 };
	return 0;
}

int spool_append(struct spool *s, struct spool_msg *msgs, size_t n, size_t *ret_taken, char *err,
		 size_t err_size)
{
	uint64_t wall = spool_now_ms();
	size_t taken = 0;
	int r = 0;

	while (taken < n && r == 0) {
		uint64_t len = msg_len(&msgs[taken]), used = 0;
		char name[NAME_LEN];
		struct seg *t;
		size_t i;

		if (!len) {
			snprintf(err, err_size,
				 "%s: message of %zu bytes of data: larger than a spool takes (%u)",
				 s->dir, msgs[taken].data_len, SPOOL_MAX_DATA);
			r = -EMSGSIZE;
			break;
		}
		if (s->st.bytes + len > s->max_bytes)
			break; /* full: the rest is refused */
		t = s->tail_fd >= 0 ? &s->seg[s->nseg - 1] : NULL;
		if (!t || (t->size && t->size + len > s->seg_bytes)) {
			r = seg_start(s, err, err_size);
			if (r < 0)
				break;
			t = &s->seg[s->nseg - 1];
		}
		for (i = taken; i < n; i++, used += len) {
			struct spool_msg *m = &msgs[i];

			len = msg_len(m);
			if (!len || s->st.bytes + used + len > s->max_bytes ||
			    (t->size + used && t->size + used + len > s->seg_bytes))
				break;
			if (spool_grow((void **)&s->wbuf, &s->wbuf_cap, used + len, 1) < 0) {
				if (i == taken) {
					snprintf(err, err_size, "%s: out of memory", s->dir);
					r = -ENOMEM;
				}
				break;
			}
			spool_rec_put(s->wbuf + used, MAGIC_MSG, s->st.next_seq + (i - taken), wall,
				m->subject, (uint16_t)m->subject_len, m->id, (uint16_t)m->id_len,
				m->data, (uint32_t)m->data_len);
		}
		if (r < 0)
			break;
		r = spool_pwrite_full(s->tail_fd, s->wbuf, used, t->size);
		if (r < 0) {
			spool_seg_name(name, t->first);
			spool_say(err, err_size, s, name, "write", -r);
			/* Never a part of a message left behind on purpose. Should
			 * the cut fail too, the next write goes over it, and an
			 * open cuts it as a torn tail. */
			if (ftruncate(s->tail_fd, (off_t)t->size) < 0) {
			}
			break;
		}
		for (size_t k = taken; k < i; k++) {
			msgs[k].seq = s->st.next_seq + (k - taken);
			msgs[k].wall_ms = wall;
		}
		if (!s->st.messages)
			s->st.oldest_wall_ms = wall;
		s->st.next_seq += i - taken;
		s->st.messages += i - taken;
		s->st.appended += i - taken;
		s->st.bytes += used;
		t->size += used;
		s->rec_avg = used / (i - taken);
		taken = i;
	}
	if (r == 0)
		s->st.refused += n - taken;
	*ret_taken = taken;
	return r;
}

/* How much a read asks pread() for: about the records wanted, within
 * [READ_MIN, READ_MAX] (a larger record is read on its own). */
static size_t read_want(const struct spool *s, size_t nmax, size_t bytes_left)
{
	uint64_t avg = s->rec_avg ? s->rec_avg : 1024, n = nmax < 1024 ? nmax : 1024;
	uint64_t want = n * avg;

	if (bytes_left < want && want - bytes_left > n * HDR) /* bytes_left may be SIZE_MAX */
		want = bytes_left + n * HDR;
	return want < READ_MIN ? READ_MIN : want > READ_MAX ? READ_MAX : (size_t)want;
}

int spool_read(struct spool *s, uint64_t from, size_t max, size_t max_bytes,
	       struct spool_batch *b, char *err, size_t err_size)
{
	struct cursor *c = &s->rd;
	size_t data = 0;
	bool stop = false;
	int r;

	b->count = 0;
	b->bytes_len = 0;
	if (from <= s->st.acked)
		from = s->st.acked + 1;
	if (!max || from >= s->st.next_seq || !s->nseg)
		return 0;
	if (!c->valid || c->seq != from || c->idx >= s->nseg) {
		r = cursor_seek(s, c, from, err, err_size);
		if (r < 0)
			goto forget_batch;
	}
	while (!stop && b->count < max) {
		struct seg *g = &s->seg[c->idx];
		uint64_t avail = g->size - c->off, end = seg_end(s, c->idx), p = 0;
		size_t base = b->bytes_len, want;
		int64_t n;

		if (c->off >= g->size) {
			if (c->idx + 1 >= s->nseg)
				break;
			r = cursor_enter(s, c, c->idx + 1, err, err_size);
			if (r < 0)
				goto forget_batch;
			continue;
		}
		want = read_want(s, max - b->count, max_bytes > data ? max_bytes - data : 0);
		if (want > avail)
			want = (size_t)avail;
	read_more:
		if (spool_grow((void **)&b->bytes, &b->bytes_cap, base + want, 1) < 0) {
			snprintf(err, err_size, "%s: out of memory", s->dir);
			r = -ENOMEM;
			goto forget_batch;
		}
		n = spool_pread_full(c->fd, b->bytes + base, want, c->off);
		if (n < 0) {
			char name[NAME_LEN];

			spool_seg_name(name, g->first);
			spool_say(err, err_size, s, name, "read", (int)-n);
			r = (int)n;
			goto forget_batch;
		}
		if (n == 0) { /* the file ends before the size the spool knows */
			r = spool_seg_cut(s, c->idx, c->off, c->seq, g->size, true, err, err_size);
			if (r < 0)
				goto forget_batch;
			continue;
		}
		while (p < (uint64_t)n) {
			const unsigned char *q = (unsigned char *)b->bytes + base + p;
			struct spool_msg *m;
			struct rec rec;
			enum check k = spool_rec_check(q, (uint64_t)n - p, avail - p, c->seq, end, true, &rec);
			size_t body;

			if (k == REC_SHORT && p == 0 && (uint64_t)n == want && n >= HDR) {
				want = (size_t)rec.len; /* larger than asked for: read it whole */
				goto read_more;
			}
			if (k == REC_SHORT && p > 0)
				break;
			if (k != REC_OK) {
				b->bytes_len = base + p;
				r = spool_seg_cut(s, c->idx, c->off, c->seq, g->size, true, err, err_size);
				if (r < 0)
					goto forget_batch;
				goto next_chunk; /* a gap record, or the end, is at c now */
			}
			if (rec.magic == MAGIC_GAP) {
				c->seq += spool_rec_seqs(&rec, q);
				c->off += rec.len;
				p += rec.len;
				continue;
			}
			body = rec.len - HDR;
			if (b->count && data + body > max_bytes) {
				stop = true;
				break;
			}
			if (spool_grow((void **)&b->msg, &b->cap, b->count + 1, sizeof(*b->msg)) < 0) {
				snprintf(err, err_size, "%s: out of memory", s->dir);
				r = -ENOMEM;
				goto forget_batch;
			}
			/* Offsets into b->bytes for now (it may move while it
			 * grows); pointers once the batch is complete. */
			m = &b->msg[b->count++];
			m->seq = rec.seq;
			m->wall_ms = rec.wall_ms;
			m->subject = (const char *)(uintptr_t)(base + p + HDR);
			m->subject_len = rec.subject_len;
			m->id = (const char *)(uintptr_t)(base + p + HDR + rec.subject_len);
			m->id_len = rec.id_len;
			m->data = (const char *)(uintptr_t)(base + p + HDR + rec.subject_len + rec.id_len);
			m->data_len = rec.data_len;
			data += body;
			c->seq++;
			c->off += rec.len;
			p += rec.len;
			if (b->count == max) {
				stop = true;
				break;
			}
		}
		b->bytes_len = base + p;
	next_chunk:;
	}
	for (size_t i = 0; i < b->count; i++) {
		struct spool_msg *m = &b->msg[i];

		m->subject = b->bytes + (uintptr_t)m->subject;
		m->id = b->bytes + (uintptr_t)m->id;
		m->data = b->bytes + (uintptr_t)m->data;
	}
	return 0;
forget_batch:
	b->count = 0;
	b->bytes_len = 0;
	return r;
}

int spool_ack(struct spool *s, uint64_t seq, char *err, size_t err_size)
{
	size_t kept = 0;
	int r, r2;

	if (seq >= s->st.next_seq)
		seq = s->st.next_seq - 1;
	if (seq <= s->st.acked)
		return 0;
	s->st.messages -= (seq - s->st.acked) - gaps_within(s, s->st.acked + 1, seq + 1, false);
	s->st.acked = seq;
	for (size_t i = 0; i < s->ngap; i++)
		if (s->gap[i].seq + s->gap[i].n > seq + 1)
			s->gap[kept++] = s->gap[i];
	s->ngap = kept;
	/* The floor first: a segment unlinked before it is written is
	 * still below it at the next open (the first name says so). */
	r = spool_acked_write(s, err, err_size);
	r2 = spool_segs_unlink_acked(s, true, r < 0 ? NULL : err, r < 0 ? 0 : err_size);
	if (r == 0)
		r = r2;
	r2 = spool_oldest_find(s, r < 0 ? NULL : err, r < 0 ? 0 : err_size);
	return r < 0 ? r : r2;
}

void spool_get_stats(const struct spool *s, struct spool_stats *ret)
{
	*ret = s->st;
}

void spool_batch_free(struct spool_batch *b)
{
	free(b->msg);
	free(b->bytes);
	memset(b, 0, sizeof(*b));
}

