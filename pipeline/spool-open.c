/* SPDX-License-Identifier: MIT */
/*
 * spool-open.c: a spool's directory at open, and its floor file.
 *
 *   mkdir DIR 0700 -> DIR/acked (the floor) -> list *.seg -> unlink those
 *   below the floor -> read each other one through, every CRC checked:
 *   the tail's torn end cut off, an older segment's bad part cut and
 *   replaced by a gap record (spool_seg_cut) -> next_seq, messages, bytes
 *
 * Every segment not yet acknowledged is read once here: the sender reads
 * it all again to send it, and so the stats are exact from the start and
 * a bad record is found before anything is handed out.
 */
#include "spool-disk.h"
#include "crc32c.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads segment idx through at open (fd read-write, size its length),
 * every record's CRC checked, and cuts it at the first bad record: the
 * tail (a crash in the middle of a write) back to its last whole record,
 * torn; an older segment (rot) with a gap record (seg_cut). */
static int seg_scan(struct spool *s, size_t idx, int fd, uint64_t size, uint64_t *records,
		    char *err, size_t err_size)
{
	bool tail = idx + 1 == s->nseg;
	uint64_t end = tail ? UINT64_MAX : s->seg[idx + 1].first;
	uint64_t off = 0, seq = s->seg[idx].first;
	char name[NAME_LEN];
	enum check k = REC_OK;
	struct rec r;

	spool_seg_name(name, s->seg[idx].first);
	s->seg[idx].size = size;
	s->st.bytes += size;
	while (off < size) {
		size_t want = size - off < s->wbuf_cap ? (size_t)(size - off) : s->wbuf_cap;
		int64_t n = spool_pread_full(fd, s->wbuf, want, off);
		uint64_t p = 0;

		if (n < 0) {
			spool_say(err, err_size, s, name, "read", (int)-n);
			return (int)n;
		}
		if (n == 0)
			break; /* shorter than it was a moment ago: cut here */
		for (k = REC_OK; p < (uint64_t)n; p += r.len) {
			k = spool_rec_check(s->wbuf + p, (uint64_t)n - p, size - off - p, seq, end, true, &r);
			if (k != REC_OK)
				break;
			if (r.magic == MAGIC_GAP) {
				uint64_t g = get64(s->wbuf + p + HDR);

				if (seq + g > s->st.acked + 1 && spool_gap_note(s, seq, g) < 0) {
					snprintf(err, err_size, "%s: out of memory", s->dir);
					return -ENOMEM;
				}
				seq += g;
				continue;
			}
			if (seq > s->st.acked)
				s->st.messages++;
			seq++;
			(*records)++;
		}
		if (k == REC_SHORT && p == 0 && (uint64_t)n == want && n >= HDR) {
			/* One record larger than the buffer (r.len <= size - off). */
			if (spool_grow((void **)&s->wbuf, &s->wbuf_cap, r.len, 1) < 0) {
				snprintf(err, err_size, "%s: out of memory", s->dir);
				return -ENOMEM;
			}
			continue;
		}
		off += p;
		if (k == REC_BAD || (k == REC_SHORT && p == 0))
			break;
	}
	if (tail) {
		s->st.next_seq = seq;
		if (off == size)
			return 0;
		if (ftruncate(fd, (off_t)off) < 0) {
			int e = errno;

			spool_say(err, err_size, s, name, "cut the torn tail", e);
			return -e;
		}
		s->st.torn_bytes += size - off;
		s->st.bytes -= size - off;
		s->seg[idx].size = off;
		return 0;
	}
	if (off == size && seq == end)
		return 0;
	return spool_seg_cut(s, idx, off, seq, size, false, err, err_size);
}

static int cmp_seg(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/* The segment files of DIR (NAME_DIGITS digits and ".seg"), by name. */
static int segs_list(struct spool *s, char *err, size_t err_size)
{
	int fd = openat(s->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), e;
	struct dirent *de;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		e = errno;
		if (fd >= 0)
			close(fd);
		spool_say(err, err_size, s, NULL, "list", e);
		return -e;
	}
	for (errno = 0; (de = readdir(d)); errno = 0) {
		const char *n = de->d_name;
		uint64_t first = 0;
		size_t i;

		for (i = 0; i < NAME_DIGITS && n[i] >= '0' && n[i] <= '9'; i++) {
			if (first > (UINT64_MAX - (uint64_t)(n[i] - '0')) / 10)
				break;
			first = first * 10 + (uint64_t)(n[i] - '0');
		}
		if (i != NAME_DIGITS || strcmp(n + i, ".seg") != 0 || first == 0)
			continue; /* acked, anything not ours */
		if (spool_grow((void **)&s->seg, &s->seg_cap, s->nseg + 1, sizeof(*s->seg)) < 0) {
			closedir(d);
			snprintf(err, err_size, "%s: out of memory", s->dir);
			return -ENOMEM;
		}
		s->seg[s->nseg++] = (struct seg){ first, 0 };
	}
	e = errno;
	closedir(d);
	if (e) {
		spool_say(err, err_size, s, NULL, "list", e);
		return -e;
	}
	if (s->nseg)
		qsort(s->seg, s->nseg, sizeof(*s->seg), cmp_seg);
	return 0;
}

/* A slot of DIR/acked: "%020llu %08x\n", the floor and the CRC-32C of
 * its 20 digits; 0 with the floor, or -1 when it is not whole. */
static int floor_slot_parse(const char *p, uint64_t *ret)
{
	uint64_t v = 0;
	char *end;
	unsigned long crc;

	for (int i = 0; i < NAME_DIGITS; i++) {
		if (p[i] < '0' || p[i] > '9' || v > (UINT64_MAX - (uint64_t)(p[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (p[NAME_DIGITS] != ' ' || p[FLOOR_SLOT - 1] != '\n')
		return -1;
	crc = strtoul(p + NAME_DIGITS + 1, &end, 16);
	if (end != p + FLOOR_SLOT - 1 || crc != crc32c(0, p, NAME_DIGITS))
		return -1;
	*ret = v;
	return 0;
}

/* The floor in DIR/acked: the larger of its whole slots (0 without the
 * file, or with an empty one: created, and the first write lost). The next
 * write goes to the other slot, so the floor before it stays whole. */
static int floor_read(struct spool *s, uint64_t *ret, char *err, size_t err_size)
{
	char text[2 * FLOOR_SLOT];
	uint64_t v[2];
	int ok[2], e;
	int64_t n;

	s->floor_fd = openat(s->dirfd, "acked", O_RDWR | O_CLOEXEC);
	if (s->floor_fd < 0) {
		e = errno;
		*ret = 0;
		if (e == ENOENT)
			return 0;
		spool_say(err, err_size, s, "acked", "open", e);
		return -e;
	}
	n = spool_pread_full(s->floor_fd, text, sizeof(text), 0);
	if (n < 0) {
		spool_say(err, err_size, s, "acked", "read", (int)-n);
		return (int)n;
	}
	for (int i = 0; i < 2; i++)
		ok[i] = n >= (i + 1) * FLOOR_SLOT && floor_slot_parse(text + i * FLOOR_SLOT, &v[i]) == 0;
	if (n && !ok[0] && !ok[1]) {
		snprintf(err, err_size,
			 "%s/acked: no whole acknowledged seq in it; remove it to send the whole spool "
			 "again",
			 s->dir);
		return -EINVAL;
	}
	*ret = 0;
	s->floor_slot = 0;
	for (int i = 0; i < 2; i++)
		if (ok[i] && v[i] >= *ret) {
			*ret = v[i];
			s->floor_slot = (unsigned)!i;
		}
	return 0;
}

/* The floor into DIR/acked's other slot: one pwrite() of FLOOR_SLOT bytes
 * (a rename over the file costs ext4 a millisecond; a torn slot is told by
 * its CRC, and the other one holds the floor before). */
int spool_acked_write(struct spool *s, char *err, size_t err_size)
{
	char digits[NAME_DIGITS + 1], line[FLOOR_SLOT + 1];
	int r;

	if (s->floor_fd < 0) {
		s->floor_fd = openat(s->dirfd, "acked", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (s->floor_fd < 0) {
			r = -errno;
			spool_say(err, err_size, s, "acked", "create", -r);
			return r;
		}
	}
	snprintf(digits, sizeof(digits), "%020" PRIu64, s->st.acked);
	snprintf(line, sizeof(line), "%s %08" PRIx32 "\n", digits, crc32c(0, digits, NAME_DIGITS));
	r = spool_pwrite_full(s->floor_fd, line, FLOOR_SLOT, s->floor_slot * FLOOR_SLOT);
	if (r < 0) {
		spool_say(err, err_size, s, "acked", "write", -r);
		return r;
	}
	s->floor_slot ^= 1;
	return 0;
}

int spool_open_sized(const char *dir, uint64_t max_bytes, uint64_t segment_bytes,
		     struct spool **ret, char *err, size_t err_size)
{
	struct spool *s = calloc(1, sizeof(*s));
	uint64_t floor = 0, records = 0;
	int r;

	if (s)
		s->dirfd = s->tail_fd = s->floor_fd = s->rd.fd = s->floor.fd = -1;
	if (!s || !(s->dir = strdup(dir)) || !(s->rd.cache = malloc(HOP_CACHE)) ||
	    !(s->floor.cache = malloc(HOP_CACHE)) || !(s->wbuf = malloc(SCAN_CHUNK))) {
		snprintf(err, err_size, "%s: out of memory", dir);
		r = -ENOMEM;
		goto free_spool;
	}
	s->wbuf_cap = SCAN_CHUNK;
	s->max_bytes = max_bytes;
	s->seg_bytes = segment_bytes ? segment_bytes : SPOOL_SEGMENT_BYTES;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		r = -errno;
		spool_say(err, err_size, s, NULL, "create", -r);
		goto free_spool;
	}
	s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0) {
		r = -errno;
		spool_say(err, err_size, s, NULL, "open", -r);
		goto free_spool;
	}
	r = floor_read(s, &floor, err, err_size);
	if (r < 0)
		goto free_spool;
	r = segs_list(s, err, err_size);
	if (r < 0)
		goto free_spool;
	/* Segments are unlinked after the floor is written; should the file
	 * be older, the first segment's name says where the floor is. */
	if (s->nseg && s->seg[0].first - 1 > floor)
		floor = s->seg[0].first - 1;
	s->st.acked = floor;
	s->st.next_seq = s->nseg ? s->seg[s->nseg - 1].first : floor + 1;
	r = spool_segs_unlink_acked(s, false, err, err_size); /* the tail's end is not known yet */
	if (r < 0)
		goto free_spool;
	for (size_t i = 0; i < s->nseg; i++) {
		char name[NAME_LEN];
		struct stat st;
		int fd;

		spool_seg_name(name, s->seg[i].first);
		fd = openat(s->dirfd, name, O_RDWR | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0) {
			r = -errno;
			spool_say(err, err_size, s, name, "open", -r);
			if (fd >= 0)
				close(fd);
			goto free_spool;
		}
		r = seg_scan(s, i, fd, (uint64_t)st.st_size, &records, err, err_size);
		if (i + 1 == s->nseg && r == 0)
			s->tail_fd = fd;
		else
			close(fd);
		if (r < 0)
			goto free_spool;
	}
	if (s->st.next_seq <= floor)
		s->st.next_seq = floor + 1;
	r = spool_segs_unlink_acked(s, true, err, err_size);
	if (r < 0)
		goto free_spool;
	s->rec_avg = records ? s->st.bytes / records : 0;
	r = spool_oldest_find(s, err, err_size);
	if (r < 0)
		goto free_spool;
	*ret = s;
	return 0;
free_spool:
	spool_close(s);
	return r;
}

int spool_open(const char *dir, uint64_t max_bytes, struct spool **ret, char *err, size_t err_size)
{
	return spool_open_sized(dir, max_bytes, SPOOL_SEGMENT_BYTES, ret, err, err_size);
}

void spool_close(struct spool *s)
{
	if (!s)
		return;
	spool_cursor_drop(&s->rd);
	spool_cursor_drop(&s->floor);
	if (s->tail_fd >= 0)
		close(s->tail_fd);
	if (s->floor_fd >= 0)
		close(s->floor_fd);
	if (s->dirfd >= 0)
		close(s->dirfd);
	free(s->rd.cache);
	free(s->floor.cache);
	free(s->wbuf);
	free(s->seg);
	free(s->gap);
	free(s->dir);
	free(s);
}
