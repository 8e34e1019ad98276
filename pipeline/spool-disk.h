/* SPDX-License-Identifier: MIT */
/*
 * spool-disk: Private to pipeline/ (spool.c, spool-open.c, spool-record.c):
 * the spool's state and its record on disk, shared by the module's three
 * files (spool.h is its interface).
 *
 *   spool-record.c  a record's bytes, written and checked; whole pread/pwrite
 *   spool-open.c    DIR at open: the floor file, segments listed and read through
 *   spool.c         the queue: append, read, ack; cursors; cutting a bad record
 *
 *   DIR/00000000000000000001.seg  [rec][rec]...[rec]   full: no longer appended to
 *   DIR/00000000000000004711.seg  [rec][rec]...        the tail: appended to by pwrite()
 *   DIR/acked                     the floor, in two slots written in turn:
 *                                 "00000000000000004700 1b2c3d4e\n" (the seq, the
 *                                 CRC-32C of its digits), the larger whole one counts
 *
 *   rec: a 32-byte header, little-endian, then its body
 *      0 magic: "nsp" and the kind, 'M' (message) or 'G' (gap)
 *      4 CRC-32C of bytes 8..31 and the body
 *      8 seq    16 wall_ms    24 subject_len u16    26 id_len u16    28 data_len u32
 *     32 body: subject, id, data (M); a u64, the number of seqs it stands for (G)
 *
 * Invariants: the records of a segment carry the seqs first, first+1, ...
 * without a hole (a message takes one, a gap record as many as it stands
 * for), and they end where the next segment's name begins (the last: at
 * next_seq). A gap record replaces the rest of a segment cut at a bad
 * record (spool.h): the seqs stay contiguous, and the loss is counted
 * once, when the gap is written. stats.bytes is the size of the segment
 * files (a partly acknowledged one counts whole: it takes the disk);
 * stats.messages the message records above the floor.
 */
#ifndef NEEDLE_SPOOL_DISK_H
#define NEEDLE_SPOOL_DISK_H

#include "spool.h"

#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define HDR 32
#define GAP_BODY 8
#define MAGIC_MSG (0x0070736eu | (uint32_t)'M' << 24) /* "nspM" read little-endian */
#define MAGIC_GAP (0x0070736eu | (uint32_t)'G' << 24)
#define NAME_DIGITS 20
#define NAME_LEN (NAME_DIGITS + 5) /* digits, ".seg", NUL */
#define FLOOR_SLOT (NAME_DIGITS + 10) /* digits, space, 8 hex digits, newline */
#define SCAN_CHUNK (1u << 20)
#define READ_MIN (4u << 10)
#define READ_MAX (1u << 20)
#define HOP_CACHE (64u << 10)

struct seg {
	uint64_t first; /* its name: the seq of its first record */
	uint64_t size;  /* bytes of whole records */
};

struct gap {
	uint64_t seq, n;
};

struct cursor {
	bool valid;
	size_t idx;   /* segment */
	uint64_t off; /* of the record that carries seq, or the segment's end */
	uint64_t seq;
	int fd;       /* segment idx, read-only */
	unsigned char *cache; /* HOP_CACHE bytes of the segment from cache_off */
	uint64_t cache_off;
	size_t cache_len;
};

struct spool {
	char *dir;
	int dirfd;
	uint64_t max_bytes, seg_bytes;
	struct seg *seg; /* oldest first; the last is the tail */
	size_t nseg, seg_cap;
	int tail_fd;     /* the last segment, read-write; -1: none yet */
	int floor_fd;    /* DIR/acked, read-write; -1: not there yet */
	unsigned floor_slot; /* the slot the next floor goes to */
	struct gap *gap; /* gap records above the floor, in seq order */
	size_t ngap, gap_cap;
	struct cursor rd, floor; /* the reader's; the first unacknowledged message's */
	unsigned char *wbuf;
	size_t wbuf_cap;
	uint64_t rec_avg; /* bytes a record, roughly: how much a read asks for */
	struct spool_stats st;
};

struct rec {
	uint32_t magic, crc;
	uint64_t seq, wall_ms;
	uint32_t subject_len, id_len, data_len;
	uint64_t len; /* header and body */
};

enum check { REC_OK, REC_SHORT, REC_BAD };

static inline uint64_t get64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

static inline uint32_t get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static inline uint16_t get16(const unsigned char *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return le16toh(v);
}

static inline void put64(unsigned char *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

static inline void put32(unsigned char *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static inline void put16(unsigned char *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, 2);
}

/* err: "DIR/NAME: what: strerror(e)" (name NULL: "DIR: ..."). */
void spool_say(char *err, size_t err_size, const struct spool *s, const char *name,
	       const char *what, int e);
/* buf (NAME_LEN bytes): the segment file whose first seq is first. */
void spool_seg_name(char *buf, uint64_t first);
uint64_t spool_now_ms(void);
/* Writes a whole record at p (HDR + the three lengths), its CRC last. */
void spool_rec_put(unsigned char *p, uint32_t magic, uint64_t seq, uint64_t wall,
		   const void *subject, uint16_t subject_len, const void *id, uint16_t id_len,
		   const void *data, uint32_t data_len);
/* The record at p, have bytes of it at hand, room bytes of the segment
 * from it on: REC_OK (whole and right: its magic, seq == want, below end,
 * its CRC when crc), REC_SHORT (right so far, r->len known once the
 * header is at hand: read more), REC_BAD (cut here). */
enum check spool_rec_check(const unsigned char *p, uint64_t have, uint64_t room, uint64_t want,
			   uint64_t end, bool crc, struct rec *r);
/* The seqs the record r at p stands for. */
uint64_t spool_rec_seqs(const struct rec *r, const unsigned char *p);
/* pread() until len bytes or the end of the file: the count, or -errno. */
int64_t spool_pread_full(int fd, void *buf, size_t len, uint64_t off);
int spool_pwrite_full(int fd, const void *buf, size_t len, uint64_t off);
/* *buf holds at least need elements of size bytes (doubling): 0, -ENOMEM. */
int spool_grow(void **buf, size_t *cap, size_t need, size_t size);

/* spool-open.c */
int spool_acked_write(struct spool *s, char *err, size_t err_size);

/* spool.c */
void spool_cursor_drop(struct cursor *c);
int spool_gap_note(struct spool *s, uint64_t seq, uint64_t n);
int spool_seg_cut(struct spool *s, size_t idx, uint64_t off, uint64_t seq, uint64_t file_size,
		  bool counted, char *err, size_t err_size);
int spool_segs_unlink_acked(struct spool *s, bool tail, char *err, size_t err_size);
int spool_oldest_find(struct spool *s, char *err, size_t err_size);

#endif
