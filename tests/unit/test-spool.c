/* SPDX-License-Identifier: MIT */
/*
 * The spool (pipeline/spool.h) on real files: messages round trip across
 * segments and reopens; a torn tail cut at every byte of the last message;
 * rot in an older segment cut once and counted once; the bound; a child
 * appending in a loop and SIGKILLed; errors that name the path; and random
 * appends, reads, acks, reopens, truncations and flipped bytes against a
 * model in memory.
 *
 * The test reads the segment files with a parser of its own (seg_parse),
 * from the format spool-disk.h documents, to find records and to check
 * what is left on disk; messages are made from (seq, generation), so each
 * one read back is checked byte for byte against what was appended.
 */
#include "crc32c.h"
#include "harness.h"
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define ERR 512
#define MAX_SEGS 4096

static char err[ERR];

/* The spool a case has open, closed however the case ends. */
static struct spool *sp;

static void sp_close(void *arg)
{
	(void)arg;
	spool_close(sp);
	sp = NULL;
}

static void sp_open(const char *dir, uint64_t max_bytes, uint64_t seg_bytes)
{
	int r;

	spool_close(sp);
	sp = NULL;
	r = spool_open_sized(dir, max_bytes, seg_bytes, &sp, err, sizeof(err));
	if (r < 0)
		FAIL("spool_open(%s): %d: %s", dir, r, err);
}

static struct spool_stats stats(void)
{
	struct spool_stats st;

	spool_get_stats(sp, &st);
	return st;
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t rng = 1;

static uint64_t rnd(uint64_t n)
{
	rng = mix(rng);
	return n ? rng % n : 0;
}

/* A message whose every byte follows from (seq, gen): data of up to
 * max_data bytes (exactly fixed bytes when fixed is not 0). */
struct made {
	char subject[48], id[48];
	char data[4096];
	struct spool_msg m;
};

static void made_fill(struct made *w, uint64_t seq, uint64_t gen, size_t max_data, size_t fixed)
{
	uint64_t h = mix(seq * 1000003u ^ gen << 32);
	size_t len = fixed ? fixed : h % (max_data + 1);

	snprintf(w->subject, sizeof(w->subject), "needle.events.h%u", (unsigned)(h % 7));
	snprintf(w->id, sizeof(w->id), "host%" PRIu64 "/%" PRIu64 ":%u", gen, seq,
		 (unsigned)(h >> 50));
	for (size_t i = 0; i < len; i++)
		w->data[i] = (char)(mix(h + i / 8) >> (8 * (i % 8)));
	w->m = (struct spool_msg){ .subject = w->subject, .subject_len = strlen(w->subject),
				   .id = w->id, .id_len = strlen(w->id),
				   .data = w->data, .data_len = len };
}

static size_t made_body(uint64_t seq, uint64_t gen, size_t max_data, size_t fixed)
{
	struct made w;

	made_fill(&w, seq, gen, max_data, fixed);
	return w.m.subject_len + w.m.id_len + w.m.data_len;
}

/* m as read back equals the message made from (its seq, gen). */
static void check_msg(const struct spool_msg *m, uint64_t gen, size_t max_data, size_t fixed)
{
	static struct made w;

	made_fill(&w, m->seq, gen, max_data, fixed);
	if (m->subject_len != w.m.subject_len || memcmp(m->subject, w.subject, m->subject_len) ||
	    m->id_len != w.m.id_len || memcmp(m->id, w.id, m->id_len) ||
	    m->data_len != w.m.data_len || memcmp(m->data, w.data, m->data_len))
		FAIL("message %" PRIu64 " (generation %" PRIu64 ") read back differs", m->seq, gen);
}

/* Appends n made messages (generation gen, seqs as the spool says they
 * will be); returns how many it took and checks their seqs. */
static size_t append_made(uint64_t gen, size_t n, size_t max_data, size_t fixed, int want_r)
{
	static struct made w[64];
	struct spool_msg m[64];
	uint64_t next = stats().next_seq;
	size_t taken = 99999;
	int r;

	if (n > 64)
		FAIL("batch of %zu", n);
	for (size_t i = 0; i < n; i++) {
		made_fill(&w[i], next + i, gen, max_data, fixed);
		m[i] = w[i].m;
	}
	r = spool_append(sp, m, n, &taken, err, sizeof(err));
	if (r != want_r)
		FAIL("spool_append: %d (want %d): %s", r, want_r, r ? err : "");
	CHECK(taken <= n);
	for (size_t i = 0; i < taken; i++)
		CHECK_EQ(m[i].seq, next + i);
	CHECK_EQ(stats().next_seq, next + taken);
	return taken;
}

/* The segment files of dir, by first seq. */
static size_t seg_list(const char *dir, uint64_t *first)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	if (!d)
		FAIL("opendir %s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len == 24 && !strcmp(de->d_name + 20, ".seg") && n < MAX_SEGS)
			first[n++] = strtoull(de->d_name, NULL, 10);
	}
	closedir(d);
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && first[j - 1] > first[j]; j--) {
			uint64_t t = first[j];

			first[j] = first[j - 1];
			first[j - 1] = t;
		}
	return n;
}

static void seg_path(char *buf, size_t size, const char *dir, uint64_t first)
{
	snprintf(buf, size, "%s/%020" PRIu64 ".seg", dir, first);
}

static uint64_t file_size(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		FAIL("stat %s: %s", path, strerror(errno));
	return (uint64_t)st.st_size;
}

/* The bytes of every segment file in dir (what stats.bytes must say). */
static uint64_t disk_bytes(const char *dir)
{
	uint64_t first[MAX_SEGS], sum = 0;
	size_t n = seg_list(dir, first);
	char path[600];

	for (size_t i = 0; i < n; i++) {
		seg_path(path, sizeof(path), dir, first[i]);
		sum += file_size(path);
	}
	return sum;
}

/* A record as the test reads the format: 32-byte header, little-endian
 * (magic "nsp" + kind at 0, seq at 8, lengths at 24, 26, 28), body. */
struct trec {
	uint64_t off, len, seq, n;
	char kind;
};

static uint64_t le(const unsigned char *p, int bytes)
{
	uint64_t v = 0;

	for (int i = bytes - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static size_t seg_parse(const char *path, struct trec *rec, size_t cap, uint64_t *ret_size)
{
	uint64_t size = file_size(path), off = 0;
	unsigned char *buf = malloc(size + 1);
	int fd = open(path, O_RDONLY);
	size_t n = 0;

	if (!buf || fd < 0 || read(fd, buf, size) != (ssize_t)size)
		FAIL("read %s", path);
	close(fd);
	while (off + 32 <= size && n < cap) {
		uint64_t len = 32 + le(buf + off + 24, 2) + le(buf + off + 26, 2) + le(buf + off + 28, 4);

		if (off + len > size || memcmp(buf + off, "nsp", 3))
			break;
		rec[n] = (struct trec){ off, len, le(buf + off + 8, 8), 1, (char)buf[off + 3] };
		if (rec[n].kind == 'G')
			rec[n].n = le(buf + off + 32, 8);
		n++;
		off += len;
	}
	if (off != size)
		FAIL("%s: %" PRIu64 " bytes, records end at %" PRIu64, path, size, off);
	free(buf);
	*ret_size = size;
	return n;
}

static void file_put(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, buf, len) != (ssize_t)len || close(fd) < 0)
		FAIL("write %s: %s", path, strerror(errno));
}

static size_t file_get(const char *path, void *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, cap);

	if (n < 0)
		FAIL("read %s: %s", path, strerror(errno));
	close(fd);
	return (size_t)n;
}

static void flip_byte(const char *path, uint64_t off)
{
	int fd = open(path, O_RDWR);
	unsigned char c;

	if (fd < 0 || pread(fd, &c, 1, (off_t)off) != 1)
		FAIL("read %s", path);
	c ^= 0x5a;
	if (pwrite(fd, &c, 1, (off_t)off) != 1)
		FAIL("write %s", path);
	close(fd);
}

/* The floor DIR/acked holds: the larger of its two whole slots, each
 * "%020llu %08x\n" with the CRC-32C of the digits (-1: none whole). */
static int64_t floor_in_file(const char *dir)
{
	char path[600], text[128];
	size_t n;
	int64_t best = -1;

	snprintf(path, sizeof(path), "%s/acked", dir);
	n = file_get(path, text, sizeof(text));
	for (size_t at = 0; at + 30 <= n; at += 30) {
		char hex[9];

		memcpy(hex, text + at + 21, 8);
		hex[8] = '\0';
		if (text[at + 20] == ' ' && text[at + 29] == '\n' &&
		    strtoul(hex, NULL, 16) == crc32c(0, text + at, 20) &&
		    (int64_t)strtoull(text + at, NULL, 10) > best)
			best = (int64_t)strtoull(text + at, NULL, 10);
	}
	return best;
}

static struct spool_batch batch;

static void batch_free(void *arg)
{
	(void)arg;
	spool_batch_free(&batch);
}

/* Reads everything from from on in calls of up to max messages: the seqs
 * into seqs (up to cap), each message checked against generation gen. */
static size_t read_all(uint64_t from, size_t max, uint64_t gen, size_t max_data, size_t fixed,
		       uint64_t *seqs, size_t cap)
{
	size_t n = 0;

	for (;;) {
		int r = spool_read(sp, from, max, SIZE_MAX, &batch, err, sizeof(err));

		if (r < 0)
			FAIL("spool_read: %d: %s", r, err);
		if (!batch.count)
			return n;
		for (size_t i = 0; i < batch.count; i++) {
			check_msg(&batch.msg[i], gen, max_data, fixed);
			if (n && batch.msg[i].seq <= seqs[n - 1 < cap ? n - 1 : cap - 1])
				FAIL("seq %" PRIu64 " after %" PRIu64, batch.msg[i].seq, seqs[n - 1]);
			if (n < cap)
				seqs[n] = batch.msg[i].seq;
			n++;
		}
		from = batch.msg[batch.count - 1].seq + 1;
	}
}

TEST(crc32c_check_values)
{
	unsigned char buf[300];

	CHECK_EQ(crc32c(0, "123456789", 9), 0xe3069283u);
	CHECK_EQ(crc32c_sw(0, "123456789", 9), 0xe3069283u);
	CHECK_EQ(crc32c(0, "", 0), 0);
	for (int round = 0; round < 200; round++) {
		size_t len = rnd(sizeof(buf) - 8), at = rnd(8), cut = rnd(len + 1);

		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (unsigned char)rnd(256);
		CHECK_EQ(crc32c(0, buf + at, len), crc32c_sw(0, buf + at, len));
		CHECK_EQ(crc32c(crc32c(0, buf + at, cut), buf + at + cut, len - cut),
			 crc32c(0, buf + at, len));
	}
}

TEST(round_trip_across_segments_and_reopen)
{
	const char *tmp = harness_tempdir("spool");
	uint64_t first[MAX_SEGS], seqs[400], wall121 = 0;
	char dir[300], path[600];
	struct stat st;
	size_t nseg, n;

	harness_defer(sp_close, NULL);
	harness_defer(batch_free, NULL);
	snprintf(dir, sizeof(dir), "%s/spool", tmp);
	sp_open(dir, 1u << 30, 4096);
	CHECK(stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700);
	rng = 11;
	for (uint64_t done = 0; done < 200;) {
		size_t want = 1 + rnd(13);

		if (want > 200 - done)
			want = 200 - done;

		CHECK_EQ(append_made(0, want, 300, 0, 0), want);
		done += want;
	}
	CHECK_EQ(stats().next_seq, 201);
	CHECK_EQ(stats().messages, 200);
	CHECK_EQ(stats().appended, 200);
	CHECK_EQ(stats().bytes, disk_bytes(dir));
	nseg = seg_list(dir, first);
	NOTE("200 messages in %zu segments of 4096 bytes", nseg);
	CHECK(nseg >= 4);
	CHECK_EQ(first[0], 1);

	/* Everything in order, whatever the calls' size. */
	for (size_t max = 1; max < 60; max += 7) {
		n = read_all(1, max, 0, 300, 0, seqs, 400);
		CHECK_EQ(n, 200);
		for (size_t i = 0; i < n; i++)
			CHECK_EQ(seqs[i], i + 1);
	}
	/* A rewind, and the byte bound: one message a call. */
	CHECK_EQ(spool_read(sp, 150, 10, SIZE_MAX, &batch, err, sizeof(err)), 0);
	CHECK_EQ(batch.count, 10);
	CHECK_EQ(batch.msg[0].seq, 150);
	CHECK_EQ(batch.msg[9].seq, 159);
	CHECK_EQ(spool_read(sp, 37, 100, 1, &batch, err, sizeof(err)), 0);
	CHECK_EQ(batch.count, 1);
	CHECK_EQ(batch.msg[0].seq, 37);
	CHECK_EQ(spool_read(sp, 201, 100, SIZE_MAX, &batch, err, sizeof(err)), 0);
	CHECK_EQ(batch.count, 0);
	CHECK_EQ(spool_read(sp, 121, 1, SIZE_MAX, &batch, err, sizeof(err)), 0);
	wall121 = batch.msg[0].wall_ms;

	/* The floor: segments wholly at or below it are gone, the rest kept. */
	CHECK_EQ(spool_ack(sp, 120, err, sizeof(err)), 0);
	CHECK_EQ(stats().acked, 120);
	CHECK_EQ(stats().messages, 80);
	CHECK_EQ(stats().oldest_wall_ms, wall121);
	for (size_t i = 0; i < nseg; i++) {
		uint64_t end = i + 1 < nseg ? first[i + 1] : 201;

		seg_path(path, sizeof(path), dir, first[i]);
		CHECK_EQ(access(path, F_OK) == 0, end - 1 > 120);
	}
	CHECK_EQ(stats().bytes, disk_bytes(dir));
	CHECK_EQ(floor_in_file(dir), 120);
	n = read_all(1, 50, 0, 300, 0, seqs, 400);
	CHECK_EQ(n, 80);
	CHECK_EQ(seqs[0], 121);

	/* Reopened: the seq goes on, the floor and the rest are as they were. */
	sp_open(dir, 1u << 30, 4096);
	CHECK_EQ(stats().next_seq, 201);
	CHECK_EQ(stats().acked, 120);
	CHECK_EQ(stats().messages, 80);
	CHECK_EQ(stats().torn_bytes, 0);
	CHECK_EQ(stats().lost, 0);
	CHECK_EQ(stats().oldest_wall_ms, wall121);
	CHECK_EQ(stats().bytes, disk_bytes(dir));
	n = read_all(100, 9, 0, 300, 0, seqs, 400);
	CHECK_EQ(n, 80);
	CHECK_EQ(seqs[0], 121);
	CHECK_EQ(seqs[79], 200);
	CHECK_EQ(append_made(0, 5, 300, 0, 0), 5);
	CHECK_EQ(stats().next_seq, 206);

	/* All acknowledged: no segment left, and the seq still goes on. */
	CHECK_EQ(spool_ack(sp, 1000, err, sizeof(err)), 0);
	CHECK_EQ(stats().acked, 205);
	CHECK_EQ(stats().messages, 0);
	CHECK_EQ(stats().oldest_wall_ms, 0);
	CHECK_EQ(seg_list(dir, first), 0);
	CHECK_EQ(stats().bytes, 0);
	sp_open(dir, 1u << 30, 4096);
	CHECK_EQ(stats().next_seq, 206);
	CHECK_EQ(read_all(1, 10, 0, 300, 0, seqs, 400), 0);
	CHECK_EQ(append_made(0, 1, 300, 0, 0), 1);
	CHECK_EQ(seg_list(dir, first), 1);
	CHECK_EQ(first[0], 206);
}

/* The tail cut at every byte of its last message, and each of that
 * message's bytes flipped: the messages before it, exactly. */
TEST(torn_tail_at_every_byte)
{
	const char *a = harness_tempdir("spool-a"), *b = harness_tempdir("spool-b");
	static unsigned char pristine[8192], copy[8192];
	struct trec rec[16];
	uint64_t seqs[16], size;
	char src[600], dst[600];
	size_t len, nrec;

	harness_defer(sp_close, NULL);
	harness_defer(batch_free, NULL);
	sp_open(a, 1u << 30, 1u << 20);
	CHECK_EQ(append_made(0, 5, 0, 40, 0), 5);
	spool_close(sp);
	sp = NULL;
	seg_path(src, sizeof(src), a, 1);
	seg_path(dst, sizeof(dst), b, 1);
	nrec = seg_parse(src, rec, 16, &size);
	CHECK_EQ(nrec, 5);
	len = file_get(src, pristine, sizeof(pristine));
	CHECK_EQ(len, size);
	for (int flip = 0; flip < 2; flip++) {
		for (uint64_t k = rec[4].off; k < size; k++) {
			uint64_t keep = flip ? size : k;

			memcpy(copy, pristine, len);
			if (flip)
				copy[k] ^= 0x5a;
			file_put(dst, copy, keep);
			sp_open(b, 1u << 30, 1u << 20);
			if (stats().torn_bytes != keep - rec[4].off || stats().next_seq != 5)
				FAIL("%s at byte %" PRIu64 " of the last record (%" PRIu64 " bytes): "
				     "torn_bytes %" PRIu64 ", next_seq %" PRIu64,
				     flip ? "flipped" : "cut", k - rec[4].off, rec[4].len,
				     stats().torn_bytes, stats().next_seq);
			CHECK_EQ(stats().messages, 4);
			CHECK_EQ(file_size(dst), rec[4].off);
			CHECK_EQ(read_all(1, 3, 0, 0, 40, seqs, 16), 4);
			CHECK_EQ(seqs[3], 4);
			/* The next append is seq 5 again, a message of its own. */
			CHECK_EQ(append_made(1, 1, 0, 40, 0), 1);
			sp_open(b, 1u << 30, 1u << 20);
			CHECK_EQ(stats().torn_bytes, 0);
			CHECK_EQ(stats().messages, 5);
			CHECK_EQ(read_all(5, 3, 1, 0, 40, seqs, 16), 1);
			CHECK_EQ(seqs[0], 5);
			spool_close(sp);
			sp = NULL;
		}
	}
	/* A bad record before the last: the tail is cut there. */
	memcpy(copy, pristine, len);
	copy[rec[2].off + 40] ^= 1;
	file_put(dst, copy, len);
	sp_open(b, 1u << 30, 1u << 20);
	CHECK_EQ(stats().torn_bytes, size - rec[2].off);
	CHECK_EQ(stats().next_seq, 3);
	CHECK_EQ(read_all(1, 3, 0, 0, 40, seqs, 16), 2);
}

/* A bad record in a segment that is no longer the tail, found at open and
 * found by a read: cut there, the messages after it in that segment
 * counted lost once, the segments after it read on. */
TEST(rot_in_an_older_segment)
{
	const char *dir = harness_tempdir("spool");
	uint64_t first[MAX_SEGS], seqs[200], size, before;
	struct trec rec[64];
	size_t nseg, nrec, n1, n2;
	char path[600];

	harness_defer(sp_close, NULL);
	harness_defer(batch_free, NULL);
	sp_open(dir, 1u << 30, 1024);
	for (int i = 0; i < 10; i++)
		CHECK_EQ(append_made(0, 6, 0, 60, 0), 6);
	nseg = seg_list(dir, first);
	CHECK(nseg >= 5);
	n1 = first[1] - first[0];
	n2 = first[2] - first[1];
	spool_close(sp);
	sp = NULL;

	/* At open: the third message of the first segment. */
	seg_path(path, sizeof(path), dir, first[0]);
	nrec = seg_parse(path, rec, 64, &size);
	CHECK_EQ(nrec, n1);
	flip_byte(path, rec[2].off + 50);
	sp_open(dir, 1u << 30, 1024);
	CHECK_EQ(stats().lost, n1 - 2);
	CHECK_EQ(stats().torn_bytes, size - rec[2].off);
	CHECK_EQ(stats().messages, 60 - (n1 - 2));
	CHECK_EQ(stats().next_seq, 61);
	CHECK_EQ(stats().bytes, disk_bytes(dir));
	CHECK_EQ(read_all(1, 4, 0, 0, 60, seqs, 200), 60 - (n1 - 2));
	CHECK_EQ(seqs[1], 2);
	CHECK_EQ(seqs[2], first[1]);
	nrec = seg_parse(path, rec, 64, &size);
	CHECK_EQ(nrec, 3);
	CHECK_EQ(rec[2].kind, 'G');
	CHECK_EQ(rec[2].seq, 3);
	CHECK_EQ(rec[2].n, n1 - 2);

	/* Counted once: the next open finds a gap record, not a loss. */
	sp_open(dir, 1u << 30, 1024);
	CHECK_EQ(stats().lost, 0);
	CHECK_EQ(stats().torn_bytes, 0);
	CHECK_EQ(stats().messages, 60 - (n1 - 2));
	CHECK_EQ(read_all(1, 7, 0, 0, 60, seqs, 200), 60 - (n1 - 2));

	/* While open, behind the spool's back: the second segment's second
	 * message. The read hands out what is before it and goes on after. */
	seg_path(path, sizeof(path), dir, first[1]);
	nrec = seg_parse(path, rec, 64, &size);
	CHECK_EQ(nrec, n2);
	flip_byte(path, rec[1].off + 45);
	before = stats().messages;
	CHECK_EQ(read_all(1, 5, 0, 0, 60, seqs, 200), 60 - (n1 - 2) - (n2 - 1));
	CHECK_EQ(seqs[2], first[1]);
	CHECK_EQ(seqs[3], first[2]);
	CHECK_EQ(stats().lost, n2 - 1);
	CHECK_EQ(stats().messages, before - (n2 - 1));
	CHECK_EQ(stats().torn_bytes, size - rec[1].off);
	CHECK_EQ(read_all(1, 5, 0, 0, 60, seqs, 200), 60 - (n1 - 2) - (n2 - 1));
	CHECK_EQ(stats().lost, n2 - 1);
	sp_open(dir, 1u << 30, 1024);
	CHECK_EQ(stats().lost, 0);
	CHECK_EQ(stats().messages, before - (n2 - 1));

	/* The third segment cut short behind the spool's back, right where
	 * the reader stands: the read finds nothing there, cuts, goes on. */
	before = stats().messages;
	CHECK_EQ(spool_read(sp, first[2], 2, SIZE_MAX, &batch, err, sizeof(err)), 0);
	CHECK_EQ(batch.count, 2);
	seg_path(path, sizeof(path), dir, first[2]);
	nrec = seg_parse(path, rec, 64, &size);
	CHECK(nrec > 2);
	CHECK(truncate(path, (off_t)rec[2].off) == 0);
	CHECK_EQ(spool_read(sp, first[2] + 2, 1, SIZE_MAX, &batch, err, sizeof(err)), 0);
	CHECK_EQ(batch.count, 1);
	CHECK_EQ(batch.msg[0].seq, first[3]);
	CHECK_EQ(stats().lost, nrec - 2);
	CHECK_EQ(stats().messages, before - (nrec - 2));
	CHECK_EQ(spool_ack(sp, 60, err, sizeof(err)), 0);
	CHECK_EQ(stats().messages, 0);
}

/* DIR/acked's two slots are written in turn: a torn one (a byte of it
 * changed) leaves the floor before it; with none whole, open says so. */
TEST(floor_file_survives_a_torn_slot)
{
	const char *dir = harness_tempdir("spool");
	char path[600];
	struct spool *s = NULL;

	harness_defer(sp_close, NULL);
	harness_defer(batch_free, NULL);
	snprintf(path, sizeof(path), "%s/acked", dir);
	sp_open(dir, 1 << 20, 1 << 20);
	CHECK_EQ(append_made(0, 10, 0, 20, 0), 10);
	CHECK_EQ(spool_ack(sp, 3, err, sizeof(err)), 0);
	CHECK_EQ(spool_ack(sp, 7, err, sizeof(err)), 0);
	CHECK_EQ(file_size(path), 60);
	CHECK_EQ(floor_in_file(dir), 7);
	spool_close(sp);
	sp = NULL;
	flip_byte(path, 30 + 19); /* the last digit of the 7 */
	CHECK_EQ(floor_in_file(dir), 3);
	sp_open(dir, 1 << 20, 1 << 20);
	CHECK_EQ(stats().acked, 3);
	CHECK_EQ(stats().messages, 7);
	/* The next floor goes over the torn slot, not over the 3. */
	CHECK_EQ(spool_ack(sp, 5, err, sizeof(err)), 0);
	spool_close(sp);
	sp = NULL;
	flip_byte(path, 5);
	sp_open(dir, 1 << 20, 1 << 20);
	CHECK_EQ(stats().acked, 5);
	spool_close(sp);
	sp = NULL;
	flip_byte(path, 30 + 5);
	CHECK_EQ(spool_open(dir, 1 << 20, &s, err, sizeof(err)), -EINVAL);
	if (!strstr(err, path))
		FAIL("error does not name %s: %s", path, err);
	/* Created, and its first write lost: the floor is where the first
	 * segment begins. */
	file_put(path, "", 0);
	sp_open(dir, 1 << 20, 1 << 20);
	CHECK_EQ(stats().acked, 0);
	CHECK_EQ(stats().messages, 10);
}

/* Records of 134 bytes (32 + 1 + 1 + 100), three a segment, ten in all. */
TEST(bound_refuses_and_ack_makes_room)
{
	const char *dir = harness_tempdir("spool");
	const uint64_t rec = 134;
	struct spool_msg m[16];
	static char data[100];
	size_t taken;

	harness_defer(sp_close, NULL);
	for (int i = 0; i < 16; i++)
		m[i] = (struct spool_msg){ .subject = "s", .subject_len = 1, .id = "i", .id_len = 1,
					   .data = data, .data_len = sizeof(data) };
	sp_open(dir, 10 * rec, 3 * rec);
	CHECK_EQ(spool_append(sp, m, 15, &taken, err, sizeof(err)), 0);
	CHECK_EQ(taken, 10);
	CHECK_EQ(stats().refused, 5);
	CHECK_EQ(stats().bytes, 10 * rec);
	CHECK_EQ(disk_bytes(dir), 10 * rec);
	CHECK_EQ(spool_append(sp, m, 1, &taken, err, sizeof(err)), 0);
	CHECK_EQ(taken, 0);
	CHECK_EQ(stats().refused, 6);
	CHECK_EQ(stats().next_seq, 11);
	/* Part of a segment acknowledged frees nothing: it stays on disk. */
	CHECK_EQ(spool_ack(sp, 2, err, sizeof(err)), 0);
	CHECK_EQ(spool_append(sp, m, 1, &taken, err, sizeof(err)), 0);
	CHECK_EQ(taken, 0);
	CHECK_EQ(spool_ack(sp, 4, err, sizeof(err)), 0);
	CHECK_EQ(stats().bytes, 7 * rec);
	CHECK_EQ(spool_append(sp, m, 5, &taken, err, sizeof(err)), 0);
	CHECK_EQ(taken, 3);
	CHECK_EQ(m[0].seq, 11);
	CHECK_EQ(m[2].seq, 13);
	CHECK_EQ(stats().refused, 6 + 2 + 1);
	CHECK_EQ(stats().messages, 9);
	CHECK_EQ(disk_bytes(dir), 10 * rec);
	/* The bound holds across a reopen, with a smaller one too. */
	sp_open(dir, 5 * rec, 3 * rec);
	CHECK_EQ(spool_append(sp, m, 1, &taken, err, sizeof(err)), 0);
	CHECK_EQ(taken, 0);
	CHECK_EQ(stats().refused, 1);
}

/* A child appends in a loop and says over a pipe how far it got; it is
 * SIGKILLed at a random moment. Every message it was told was taken is
 * there after a reopen, in order, every byte right, and nothing else. */
TEST(sigkill_keeps_every_taken_message)
{
	const char *dir = harness_tempdir("spool");
	static uint64_t seqs[200000];
	unsigned torn = 0;

	harness_defer(sp_close, NULL);
	harness_defer(batch_free, NULL);
	for (int round = 0; round < 12; round++) {
		uint64_t reported = 0, got, reports = 0, floor;
		int fds[2];
		pid_t pid;
		size_t n;

		CHECK(pipe(fds) == 0);
		pid = fork();
		CHECK(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			sp = NULL;
			rng = 1000 + (uint64_t)round;
			if (spool_open_sized(dir, 1ull << 30, 64 << 10, &sp, err, sizeof(err)) < 0)
				_exit(2);
			/* No CHECK here: a failure must not run the harness on. */
			for (;;) {
				static struct made w[64];
				struct spool_msg m[64];
				size_t want = 1 + rnd(64), taken;
				uint64_t next = stats().next_seq, last;

				for (size_t i = 0; i < want; i++) {
					made_fill(&w[i], next + i, 0, 2000, 0);
					m[i] = w[i].m;
				}
				if (spool_append(sp, m, want, &taken, err, sizeof(err)) < 0 ||
				    taken != want)
					_exit(3);
				last = m[want - 1].seq;
				if (last != next + want - 1 || write(fds[1], &last, 8) != 8)
					_exit(4);
			}
		}
		close(fds[1]);
		rng = 77 + (uint64_t)round;
		while (reports < 20 + rnd(40) && read(fds[0], &got, 8) == 8) {
			reported = got;
			reports++;
		}
		usleep((useconds_t)rnd(3000));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		while (read(fds[0], &got, 8) == 8)
			reported = got;
		close(fds[0]);
		CHECK(reports > 0);

		sp_open(dir, 1ull << 30, 64 << 10);
		floor = stats().acked;
		torn += stats().torn_bytes > 0;
		CHECK(stats().next_seq - 1 >= reported);
		CHECK_EQ(stats().lost, 0);
		n = read_all(1, 1 + rnd(300), 0, 2000, 0, seqs, 200000);
		CHECK_EQ(n, stats().next_seq - 1 - floor);
		CHECK_EQ(n, stats().messages);
		for (size_t i = 0; i < n; i++)
			CHECK_EQ(seqs[i], floor + 1 + i);
		/* Acknowledge part of it, as a sender would have. */
		CHECK_EQ(spool_ack(sp, floor + rnd(n + 1), err, sizeof(err)), 0);
		spool_close(sp);
		sp = NULL;
	}
	NOTE("12 kills, %u of them in the middle of a write (a torn tail cut)", torn);
}

static void rlimit_restore(void *arg)
{
	setrlimit(RLIMIT_FSIZE, arg);
	signal(SIGXFSZ, SIG_DFL);
}

TEST(errors_name_the_path)
{
	const char *tmp = harness_tempdir("spool");
	static struct rlimit saved;
	struct spool *s = NULL;
	uint64_t seqs[64];
	char dir[300], path[600];
	struct rlimit lim;
	size_t n, r;

	harness_defer(sp_close, NULL);
	harness_defer(batch_free, NULL);
	/* DIR is a file. */
	snprintf(path, sizeof(path), "%s/file", tmp);
	file_put(path, "x", 1);
	CHECK_EQ(spool_open(path, 1 << 20, &s, err, sizeof(err)), -ENOTDIR);
	CHECK(s == NULL);
	if (!strstr(err, path))
		FAIL("error does not name %s: %s", path, err);
	/* DIR's parent is missing. */
	snprintf(path, sizeof(path), "%s/no/spool", tmp);
	CHECK_EQ(spool_open(path, 1 << 20, &s, err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, path) != NULL);
	/* A floor file that is not one. */
	snprintf(dir, sizeof(dir), "%s/spool", tmp);
	CHECK_EQ(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/acked", dir);
	file_put(path, "00000000000000000012 00000000\n", 30);
	CHECK_EQ(spool_open(dir, 1 << 20, &s, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, path) != NULL);
	unlink(path);

	/* A directory where the next segment must be created: the batch's
	 * messages that went into the tail are taken, the rest not. Records
	 * of 158 to 162 bytes (data 100): two a segment of 340. */
	sp_open(dir, 1 << 20, 340);
	CHECK_EQ(append_made(0, 4, 0, 100, 0), 4); /* [1 2] [3 4] */
	seg_path(path, sizeof(path), dir, 5);
	CHECK_EQ(mkdir(path, 0700), 0);
	n = append_made(0, 3, 0, 100, -EEXIST);
	CHECK_EQ(n, 0);
	if (!strstr(err, path))
		FAIL("error does not name %s: %s", path, err);
	CHECK_EQ(rmdir(path), 0);
	CHECK_EQ(append_made(0, 3, 0, 100, 0), 3); /* [5 6] [7] */
	CHECK_EQ(stats().next_seq, 8);
	seg_path(path, sizeof(path), dir, 9);
	CHECK_EQ(mkdir(path, 0700), 0);
	CHECK_EQ(append_made(0, 4, 0, 100, -EEXIST), 1); /* 8 into [7 8], 9 not */
	if (!strstr(err, path))
		FAIL("error does not name %s: %s", path, err);
	CHECK_EQ(rmdir(path), 0);

	/* A write that fails (the file size limit: 100 bytes of a record are
	 * written, then EFBIG): nothing of it stays. */
	CHECK_EQ(getrlimit(RLIMIT_FSIZE, &saved), 0);
	harness_defer(rlimit_restore, &saved);
	signal(SIGXFSZ, SIG_IGN);
	lim = saved;
	lim.rlim_cur = 100;
	CHECK_EQ(setrlimit(RLIMIT_FSIZE, &lim), 0);
	r = append_made(0, 1, 0, 100, -EFBIG);
	CHECK_EQ(setrlimit(RLIMIT_FSIZE, &saved), 0);
	CHECK_EQ(r, 0);
	if (!strstr(err, path) || !strstr(err, "write"))
		FAIL("error does not name %s and the write: %s", path, err);
	CHECK_EQ(file_size(path), 0);
	CHECK_EQ(stats().next_seq, 9);
	CHECK_EQ(append_made(0, 2, 0, 100, 0), 2);
	sp_open(dir, 1 << 20, 340);
	CHECK_EQ(stats().torn_bytes, 0);
	CHECK_EQ(stats().next_seq, 11);
	CHECK_EQ(read_all(1, 4, 0, 0, 100, seqs, 64), 10);
	CHECK_EQ(seqs[9], 10);
}

/* DIR on a read-only mount (root: a bind mount in a mount namespace of a
 * child's own; anyone else: a directory without write permission). */
TEST(errors_read_only_dir)
{
	const char *dir = harness_tempdir("spool"), *empty = harness_tempdir("spool-empty");
	char path[600], said[2 * ERR];
	int fds[2], status, want = geteuid() == 0 ? EROFS : EACCES;
	ssize_t len, n;
	pid_t pid;

	harness_defer(sp_close, NULL);
	sp_open(dir, 1 << 20, 1 << 20);
	CHECK_EQ(append_made(0, 3, 0, 10, 0), 3);
	spool_close(sp);
	sp = NULL;
	CHECK(pipe(fds) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct spool *s = NULL;
		size_t taken;
		int r;

		close(fds[0]);
		if (geteuid() == 0) {
			if (unshare(CLONE_NEWNS) < 0 ||
			    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
			    mount(dir, dir, NULL, MS_BIND, NULL) < 0 ||
			    mount(NULL, dir, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0 ||
			    mount(empty, empty, NULL, MS_BIND, NULL) < 0 ||
			    mount(NULL, empty, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
				_exit(77);
		} else if (chmod(dir, 0500) < 0 || chmod(empty, 0500) < 0) {
			_exit(3);
		}
		/* The spool with segments: its tail cannot be opened to write. */
		r = spool_open(dir, 1 << 20, &s, err, sizeof(err));
		if (write(fds[1], err, strlen(err) + 1) < 0 || r != -want)
			_exit(4);
		/* An empty one opens; its first segment cannot be created. */
		r = spool_open(empty, 1 << 20, &s, err, sizeof(err));
		if (r < 0)
			_exit(5);
		sp = s;
		r = spool_append(s, &(struct spool_msg){ .subject = "s", .subject_len = 1, .id = "i",
							 .id_len = 1, .data = "d", .data_len = 1 },
				 1, &taken, err, sizeof(err));
		if (write(fds[1], err, strlen(err) + 1) < 0 || r != -want || taken != 0)
			_exit(6);
		_exit(0);
	}
	close(fds[1]);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status));
	for (len = 0, n = 1; n > 0 && len < (ssize_t)sizeof(said) - 2; len += n)
		n = read(fds[0], said + len, sizeof(said) - 2 - (size_t)len);
	close(fds[0]);
	said[len] = said[len + 1] = '\0';
	if (WEXITSTATUS(status) == 77)
		SKIP("no mount namespace here (unshare or mount failed)");
	if (WEXITSTATUS(status) != 0)
		FAIL("child step %d failed; it said: %s", WEXITSTATUS(status), said);
	seg_path(path, sizeof(path), dir, 1);
	if (!strstr(said, path))
		FAIL("error does not name %s: %s", path, said);
	seg_path(path, sizeof(path), empty, 1);
	if (!strstr(said + strlen(said) + 1, path))
		FAIL("error does not name %s: %s", path, said + strlen(said) + 1);
}

/* The model: which seqs hold a message (above the floor) and of which
 * generation; what the spool must say since its last open. */
#define FZ_SEQ 30000
#define FZ_DATA 600
static struct {
	uint64_t acked, next, count;
	bool present[FZ_SEQ];
	uint64_t gen[FZ_SEQ];
	uint64_t lost, torn, refused; /* since the last open */
} md;

static void model_drop(uint64_t from, uint64_t to)
{
	for (uint64_t q = from; q < to && q < FZ_SEQ; q++) {
		md.count -= md.present[q];
		md.present[q] = false;
	}
}

static void model_check(const char *dir)
{
	struct spool_stats st = stats();
	uint64_t first[MAX_SEGS];
	size_t n = seg_list(dir, first);

	CHECK_EQ(st.next_seq, md.next);
	CHECK_EQ(st.acked, md.acked);
	CHECK_EQ(st.messages, md.count);
	CHECK_EQ(st.lost, md.lost);
	CHECK_EQ(st.torn_bytes, md.torn);
	CHECK_EQ(st.refused, md.refused);
	CHECK_EQ(st.bytes, disk_bytes(dir));
	/* No segment whose seqs are all at or below the floor. */
	for (size_t i = 0; i < n; i++)
		if ((i + 1 < n ? first[i + 1] : md.next) - 1 <= md.acked)
			FAIL("segment %" PRIu64 " is wholly acknowledged (floor %" PRIu64 ")",
			     first[i], md.acked);
	if (md.acked)
		CHECK_EQ(floor_in_file(dir), md.acked);
}

/* One read against the model: exactly the messages it says, in order. */
static void model_read(uint64_t from, size_t max, size_t max_bytes, uint64_t *ret_next)
{
	uint64_t q = from > md.acked ? from : md.acked + 1, data = 0;
	size_t i = 0;
	int r = spool_read(sp, from, max, max_bytes, &batch, err, sizeof(err));

	if (r < 0)
		FAIL("spool_read: %d: %s", r, err);
	for (; q < md.next && i < max; q++) {
		uint64_t body;

		if (!md.present[q])
			continue;
		body = made_body(q, md.gen[q], FZ_DATA, 0);
		if (i && data + body > max_bytes)
			break;
		if (i >= batch.count)
			FAIL("read from %" PRIu64 " (max %zu, %zu bytes): %zu messages, the model "
			     "has %" PRIu64 " next", from, max, max_bytes, batch.count, q);
		CHECK_EQ(batch.msg[i].seq, q);
		check_msg(&batch.msg[i], md.gen[q], FZ_DATA, 0);
		data += body;
		i++;
	}
	CHECK_EQ(batch.count, i);
	*ret_next = i ? batch.msg[i - 1].seq + 1 : from;
}

/* A segment cut or a byte flipped while the spool is closed, and what the
 * next open must make of it (spool.h, spool-disk.h). */
static void model_damage(const char *dir, bool flip)
{
	static struct trec rec[4096];
	uint64_t first[MAX_SEGS], size, off, after, end;
	size_t n = seg_list(dir, first), i, nrec, k, msgs = 0;
	char path[600];

	if (!n)
		return;
	i = rnd(n);
	seg_path(path, sizeof(path), dir, first[i]);
	nrec = seg_parse(path, rec, 4096, &size);
	for (k = 0; k < nrec; k++)
		msgs += rec[k].kind == 'M';
	if (!size || (flip && !msgs))
		return;
	if (flip) {
		size_t pick = rnd(msgs);

		for (k = 0; rec[k].kind != 'M' || pick--; k++)
			;
		off = rec[k].off + rnd(rec[k].len);
		flip_byte(path, off);
		after = size;
	} else {
		off = rnd(size);
		for (k = 0; rec[k].off + rec[k].len <= off; k++)
			;
		CHECK(truncate(path, (off_t)off) == 0);
		after = off;
	}
	md.torn += after - rec[k].off;
	end = i + 1 < n ? first[i + 1] : md.next;
	if (i + 1 == n) {
		model_drop(rec[k].seq, end);
		md.next = rec[k].seq > md.acked ? rec[k].seq : md.acked + 1;
		return;
	}
	for (uint64_t q = rec[k].seq; q < end; q++)
		md.lost += q < FZ_SEQ && md.present[q];
	/* Gap records cut off stand for seqs the open cannot tell from lost
	 * ones: counted again (spool-open.c). */
	for (size_t j = k; !flip && j < nrec; j++) {
		uint64_t lo = rec[j].seq > md.acked ? rec[j].seq : md.acked + 1;

		if (rec[j].kind == 'G' && rec[j].seq + rec[j].n > lo)
			md.lost += rec[j].seq + rec[j].n - lo;
	}
	model_drop(rec[k].seq, end);
}

TEST(fuzz_against_a_model)
{
	const uint64_t max_bytes = 40 << 10, seg_bytes = 4 << 10;
	const char *dir = harness_tempdir("spool");
	uint64_t gen = 0, next_read = 1, stat_ops[7] = { 0 };

	harness_defer(sp_close, NULL);
	harness_defer(batch_free, NULL);
	memset(&md, 0, sizeof(md));
	md.next = 1;
	rng = 2024;
	sp_open(dir, max_bytes, seg_bytes);
	for (int op = 0; op < 3000 && md.next < FZ_SEQ - 100; op++) {
		uint64_t pick = rnd(100);

		if (pick < 35) { /* append */
			size_t n = 1 + rnd(20), taken;
			uint64_t before = disk_bytes(dir), next = md.next, written = 0;

			gen++;
			taken = append_made(gen, n, FZ_DATA, 0, 0);
			for (size_t i = 0; i < taken; i++) {
				md.present[next + i] = true;
				md.gen[next + i] = gen;
				written += 32 + made_body(next + i, gen, FZ_DATA, 0);
			}
			md.count += taken;
			md.next += taken;
			md.refused += n - taken;
			CHECK_EQ(disk_bytes(dir) - before, written);
			if (taken)
				CHECK(before + written <= max_bytes);
			if (taken < n)
				CHECK(before + written + 32 + made_body(md.next, gen, FZ_DATA, 0) >
				      max_bytes);
			stat_ops[0]++;
		} else if (pick < 60) { /* read: on from the last one, or from anywhere */
			uint64_t from = rnd(2) ? next_read : md.acked + rnd(md.next - md.acked + 3);

			model_read(from ? from : 1, 1 + rnd(40), rnd(3) ? SIZE_MAX : rnd(3000),
				   &next_read);
			stat_ops[1]++;
		} else if (pick < 75) { /* acknowledge */
			uint64_t seq = md.acked + rnd(md.next - md.acked + 3);

			if (seq > md.next - 1)
				seq = md.next - 1;
			if (seq > md.acked) {
				model_drop(md.acked + 1, seq + 1);
				md.acked = seq;
			}
			CHECK_EQ(spool_ack(sp, seq, err, sizeof(err)), 0);
			stat_ops[2]++;
		} else if (pick < 85) { /* reopen */
			sp_open(dir, max_bytes, seg_bytes);
			md.lost = md.torn = md.refused = 0;
			stat_ops[3]++;
		} else { /* damage while closed, then open */
			bool flip = pick < 93;

			spool_close(sp);
			sp = NULL;
			md.lost = md.torn = md.refused = 0;
			model_damage(dir, flip);
			sp_open(dir, max_bytes, seg_bytes);
			stat_ops[flip ? 4 : 5] += 1;
			stat_ops[6] += stats().lost;
		}
		model_check(dir);
	}
	/* And everything read through once more. */
	model_read(1, SIZE_MAX, SIZE_MAX, &next_read);
	NOTE("%" PRIu64 " appends, %" PRIu64 " reads, %" PRIu64 " acks, %" PRIu64 " reopens, "
	     "%" PRIu64 " flips, %" PRIu64 " cuts (%" PRIu64 " messages lost to them); "
	     "next seq %" PRIu64,
	     stat_ops[0], stat_ops[1], stat_ops[2], stat_ops[3], stat_ops[4], stat_ops[5],
	     stat_ops[6], md.next);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(crc32c_check_values), CASE(round_trip_across_segments_and_reopen),
				  CASE(torn_tail_at_every_byte), CASE(rot_in_an_older_segment),
				  CASE(floor_file_survives_a_torn_slot),
				  CASE(bound_refuses_and_ack_makes_room),
				  CASE(sigkill_keeps_every_taken_message), CASE(errors_name_the_path),
				  CASE(errors_read_only_dir), CASE(fuzz_against_a_model)));
}
