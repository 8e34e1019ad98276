/* SPDX-License-Identifier: MIT */
/*
 * spool-record.c: a spool record's bytes (spool-disk.h draws them), and
 * the whole-buffer file I/O the spool's files share. Every check a record
 * must pass before it is handed out is here, in spool_rec_check().
 */
#include "spool-disk.h"
#include "crc32c.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

void spool_say(char *err, size_t err_size, const struct spool *s, const char *name,
		const char *what, int e)
{
	snprintf(err, err_size, "%s%s%s: %s: %s", s->dir, name ? "/" : "", name ? name : "", what,
		 strerror(e));
}

void spool_seg_name(char *buf, uint64_t first)
{
	snprintf(buf, NAME_LEN, "%020" PRIu64 ".seg", first);
}

uint64_t spool_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Writes a whole record at p: header (seq, wall) and the body's three
 * parts; its CRC last, over everything after the CRC field. */
void spool_rec_put(unsigned char *p, uint32_t magic, uint64_t seq, uint64_t wall,
		    const void *subject, uint16_t subject_len, const void *id, uint16_t id_len,
		    const void *data, uint32_t data_len)
{
	unsigned char *b = p + HDR;

	put32(p, magic);
	put64(p + 8, seq);
	put64(p + 16, wall);
	put16(p + 24, subject_len);
	put16(p + 26, id_len);
	put32(p + 28, data_len);
	memcpy(b, subject, subject_len);
	memcpy(b + subject_len, id, id_len);
	memcpy(b + subject_len + id_len, data, data_len);
	put32(p + 4, crc32c(0, p + 8, HDR - 8 + (size_t)subject_len + id_len + data_len));
}

/* The record at p, have bytes of it at hand, room bytes of the segment
 * from it on: REC_OK (whole and right: its magic, seq == want, below end,
 * its CRC when crc), REC_SHORT (right so far, r->len known once the header
 * is at hand: read more), REC_BAD (cut here). */
enum check spool_rec_check(const unsigned char *p, uint64_t have, uint64_t room, uint64_t want,
			    uint64_t end, bool crc, struct rec *r)
{
	if (room < HDR)
		return REC_BAD;
	if (have < HDR)
		return REC_SHORT;
	r->magic = get32(p);
	r->crc = get32(p + 4);
	r->seq = get64(p + 8);
	r->wall_ms = get64(p + 16);
	r->subject_len = get16(p + 24);
	r->id_len = get16(p + 26);
	r->data_len = get32(p + 28);
	r->len = HDR + (uint64_t)r->subject_len + r->id_len + r->data_len;
	if (r->seq != want || r->seq >= end)
		return REC_BAD;
	if (r->magic == MAGIC_GAP) {
		if (r->subject_len || r->id_len || r->data_len != GAP_BODY)
			return REC_BAD;
	} else if (r->magic != MAGIC_MSG || r->data_len > SPOOL_MAX_DATA) {
		return REC_BAD;
	}
	if (r->len > room)
		return REC_BAD;
	if (r->len > have)
		return REC_SHORT;
	if (crc && crc32c(0, p + 8, r->len - 8) != r->crc)
		return REC_BAD;
	if (r->magic == MAGIC_GAP && (get64(p + HDR) == 0 || get64(p + HDR) > end - r->seq))
		return REC_BAD;
	return REC_OK;
}

/* The seqs record r stands for (p: the record). */
uint64_t spool_rec_seqs(const struct rec *r, const unsigned char *p)
{
	return r->magic == MAGIC_GAP ? get64(p + HDR) : 1;
}

/* pread() until len bytes or the end of the file; the count, or -errno. */
int64_t spool_pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (int64_t)got;
}

int spool_pwrite_full(int fd, const void *buf, size_t len, uint64_t off)
{
	size_t put = 0;

	while (put < len) {
		ssize_t n = pwrite(fd, (const char *)buf + put, len - put, (off_t)(off + put));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		put += (size_t)n;
	}
	return 0;
}

int spool_grow(void **buf, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	p = realloc(*buf, c * size);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = c;
	return 0;
}
