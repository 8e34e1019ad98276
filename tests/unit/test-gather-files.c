/* SPDX-License-Identifier: MIT */
/*
 * needle gather's memory of what it wrote (gather/dedup.c, gather/hostlog.c):
 * the bound of ids kept per host, as README states it; ids read back from
 * a host's files at its first message (plain and LZ4, the generation
 * before when the current holds few); a tail torn by a crash cut off the
 * file, and its ids not taken as written; a repeat inside one batch; a
 * failed write remembering nothing.
 */
#include "dedup.h"
#include "frame.h"
#include "harness.h"
#include "hostlog.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct audit_stamp id_of(unsigned n)
{
	return (struct audit_stamp){ .sec = 1764259200 + n / 1000, .msec = n % 1000, .serial = n };
}

TEST(dedup_keeps_at_least_keep_ids_and_at_most_twice)
{
	struct dedup *d = dedup_new(1000);
	struct audit_stamp id;
	unsigned forgotten = 0;

	CHECK(d != NULL);
	for (unsigned n = 0; n < 10000; n++) {
		id = id_of(n);
		CHECK_EQ(dedup_add(d, &id), 0);
		/* The last 1000, always; nothing older than the last 2000. */
		for (unsigned back = 0; back < 1000 && back <= n; back += 97) {
			id = id_of(n - back);
			if (!dedup_seen(d, &id))
				FAIL("id %u forgotten %u ids later", n - back, back);
		}
		if (n >= 2000) {
			id = id_of(n - 2000);
			forgotten += !dedup_seen(d, &id);
		}
	}
	CHECK_EQ(forgotten, 8000);
	id = id_of(10000);
	CHECK(!dedup_seen(d, &id));
	dedup_free(d);
}

TEST(dedup_reads_ids_as_needle_writes_them)
{
	struct audit_stamp id;

	CHECK(dedup_parse_id("1796188829.048:20712658", 23, &id));
	CHECK_EQ(id.sec, 1796188829);
	CHECK_EQ(id.msec, 48);
	CHECK_EQ(id.serial, 20712658);
	CHECK(dedup_parse_id("1.000:4294967295", 16, &id));
	CHECK(!dedup_parse_id("1.000:4294967296", 16, &id));
	CHECK(!dedup_parse_id("1.48:5", 6, &id));
	CHECK(!dedup_parse_id("1.048:", 6, &id));
	CHECK(!dedup_parse_id("1.048:5x", 8, &id));
	CHECK(!dedup_parse_id("", 0, &id));
	CHECK(!dedup_parse_id("a.048:5", 7, &id));
}

static char said[4096];

static void say(const char *fmt, ...)
{
	va_list ap;
	size_t n = strlen(said);

	va_start(ap, fmt);
	vsnprintf(said + n, sizeof(said) - n, fmt, ap);
	va_end(ap);
	strncat(said, "\n", sizeof(said) - strlen(said) - 1);
}

static void put_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	CHECK(fd >= 0);
	CHECK_EQ(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static off_t size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* JSON lines of ids first..first+n-1. */
static void json_lines(struct outbuf *out, unsigned first, unsigned n)
{
	char line[128];

	for (unsigned i = first; i < first + n; i++) {
		struct audit_stamp id = id_of(i);

		snprintf(line, sizeof(line), "{\"id\":\"%llu.%03u:%u\",\"serial\":%u}\n",
			 (unsigned long long)id.sec, id.msec, id.serial, id.serial);
		outbuf_puts(out, line);
	}
}

static struct hostlogs *open_logs(const char *dir, bool lz4, unsigned keep)
{
	struct hostlogs_options o = { .dir = dir, .keep = keep, .say = say,
				      .sink = { .lz4 = lz4, .num_logs = 5 } };
	struct hostlogs *h = NULL;

	CHECK_EQ(hostlogs_open(&o, &h), 0);
	return h;
}

TEST(plain_tail_read_back_and_torn_line_cut)
{
	const char *dir = harness_tempdir("gather-plain");
	struct outbuf b = { 0 };
	struct hostlogs *h;
	struct hostlog *hl;
	struct hostlogs_stats st;
	static const char torn[] = "{\"id\":\"1764259200.100:100\",\"ser";
	char path[512], want[64];
	struct audit_stamp id;
	off_t whole;

	snprintf(path, sizeof(path), "%s/web1.json", dir);
	json_lines(&b, 0, 100);
	whole = (off_t)b.len;
	outbuf_puts(&b, torn); /* a line cut by a crash */
	put_file(path, b.data, b.len);
	said[0] = '\0';
	h = open_logs(dir, false, 1000);
	CHECK_EQ(hostlogs_host(h, "web1", 4, &hl), 0);
	CHECK_EQ(size_of(path), whole);
	hostlogs_get_stats(h, &st);
	CHECK_EQ(st.seeded_ids, 100);
	CHECK_EQ(st.cut_tails, 1);
	snprintf(want, sizeof(want), "cut its last %zu bytes", strlen(torn));
	CHECK(strstr(said, want) != NULL);
	for (unsigned i = 0; i < 100; i++) {
		id = id_of(i);
		CHECK(hostlog_seen(hl, &id));
	}
	id = id_of(100); /* the torn line's event: not written, it comes again */
	CHECK(!hostlog_seen(hl, &id));
	hostlogs_close(h);
	hostlogs_free(h);
	outbuf_free(&b);
}

TEST(lz4_torn_frame_cut_and_its_ids_not_taken)
{
	const char *dir = harness_tempdir("gather-lz4");
	struct outbuf lines = { 0 }, frame = { 0 }, file = { 0 };
	struct hostlogs *h;
	struct hostlog *hl;
	struct hostlogs_stats st;
	char path[512];
	struct audit_stamp id;
	size_t whole = 0;

	snprintf(path, sizeof(path), "%s/db1.json.lz4", dir);
	for (unsigned f = 0; f < 3; f++) {
		lines.len = 0;
		/* The third frame large (several LZ4 blocks, whose lines come out
		 * before the frame ends) and cut at three quarters, as a SIGKILL
		 * would. */
		json_lines(&lines, f * 50, f < 2 ? 50 : 5000);
		CHECK_EQ(frame_compress_lz4(lines.data, lines.len, &frame), 0);
		outbuf_put(&file, frame.data, f < 2 ? frame.len : frame.len * 3 / 4);
		if (f == 1)
			whole = file.len;
	}
	put_file(path, file.data, file.len);
	said[0] = '\0';
	h = open_logs(dir, true, 1000);
	CHECK_EQ(hostlogs_host(h, "db1", 3, &hl), 0);
	CHECK_EQ(size_of(path), (off_t)whole);
	hostlogs_get_stats(h, &st);
	CHECK_EQ(st.cut_tails, 1);
	CHECK_EQ(st.seeded_ids, 100);
	for (unsigned i = 0; i < 5100; i++) {
		id = id_of(i);
		if (hostlog_seen(hl, &id) != (i < 100))
			FAIL("id %u: seen %d", i, hostlog_seen(hl, &id));
	}
	hostlogs_close(h);
	hostlogs_free(h);
	outbuf_free(&lines);
	outbuf_free(&frame);
	outbuf_free(&file);
}

TEST(the_generation_before_read_when_the_current_holds_few)
{
	const char *dir = harness_tempdir("gather-gen");
	struct outbuf b = { 0 };
	struct hostlogs *h;
	struct hostlog *hl;
	struct hostlogs_stats st;
	char path[512];
	struct audit_stamp id;

	snprintf(path, sizeof(path), "%s/web2.json.1", dir);
	json_lines(&b, 0, 500);
	put_file(path, b.data, b.len);
	b.len = 0;
	json_lines(&b, 500, 10);
	snprintf(path, sizeof(path), "%s/web2.json", dir);
	put_file(path, b.data, b.len);
	h = open_logs(dir, false, 100);
	CHECK_EQ(hostlogs_host(h, "web2", 4, &hl), 0);
	hostlogs_get_stats(h, &st);
	/* keep 100: the current's 10 and the last 90 of the one before. */
	CHECK_EQ(st.seeded_ids, 100);
	for (unsigned i = 0; i < 510; i++) {
		id = id_of(i);
		if (hostlog_seen(hl, &id) != (i >= 410))
			FAIL("id %u: seen %d", i, hostlog_seen(hl, &id));
	}
	hostlogs_close(h);
	hostlogs_free(h);
	outbuf_free(&b);
}

TEST(a_batch_remembers_its_ids_only_once_written)
{
	const char *dir = harness_tempdir("gather-write");
	struct hostlogs *h = open_logs(dir, false, 1000);
	struct hostlog *hl;
	struct hostlog_output *token;
	struct audit_stamp id = id_of(7);
	char path[512];
	static const char line[] = "{\"id\":\"1764259200.007:7\"}\n";

	CHECK_EQ(hostlogs_host(h, "web3", 4, &hl), 0);
	/* A folder where the file goes: the write fails, nothing remembered. */
	snprintf(path, sizeof(path), "%s/web3.json", dir);
	CHECK_EQ(mkdir(path, 0700), 0);
	CHECK_EQ(hostlogs_stage(h, hl, CONVERT_TO_JSON_FILE, &id, line, strlen(line), &token), 0);
	CHECK(hostlog_seen(hl, &id)); /* staged: a repeat in the same batch */
	hostlogs_write(h);
	CHECK(!hostlogs_written(token));
	CHECK(!hostlog_seen(hl, &id));
	/* The folder gone: written, remembered. */
	CHECK_EQ(rmdir(path), 0);
	CHECK_EQ(hostlogs_stage(h, hl, CONVERT_TO_JSON_FILE, &id, line, strlen(line), &token), 0);
	hostlogs_write(h);
	CHECK(hostlogs_written(token));
	CHECK(hostlog_seen(hl, &id));
	CHECK_EQ(size_of(path), (off_t)strlen(line));
	CHECK_EQ(hostlogs_close(h), 0);
	hostlogs_free(h);
}

/* RAW lines of event n: two records, as -f raw writes them. */
static void raw_event(struct outbuf *out, unsigned n)
{
	struct audit_stamp id = id_of(n);
	char line[256];

	snprintf(line, sizeof(line),
		 "type=SYSCALL msg=audit(%llu.%03u:%u): arch=c000003e syscall=257\n"
		 "type=PROCTITLE msg=audit(%llu.%03u:%u): proctitle=636174\n",
		 (unsigned long long)id.sec, id.msec, id.serial, (unsigned long long)id.sec, id.msec,
		 id.serial);
	outbuf_puts(out, line);
}

/* Writes events first..first+n-1 of host db2 through hostlogs, one batch. */
static void write_events(struct hostlogs *h, unsigned first, unsigned n)
{
	struct outbuf b = { 0 };
	struct hostlog *hl;
	struct hostlog_output *token;

	CHECK_EQ(hostlogs_host(h, "db2", 3, &hl), 0);
	for (unsigned i = first; i < first + n; i++) {
		struct audit_stamp id = id_of(i);

		b.len = 0;
		raw_event(&b, i);
		CHECK_EQ(hostlogs_stage(h, hl, CONVERT_TO_LOG_FILE, &id, b.data, b.len, &token), 0);
	}
	hostlogs_write(h);
	CHECK(hostlogs_written(token));
	outbuf_free(&b);
}

/* A write whose note was never made (gather stopped between the two):
 * what it wrote is cut, whole lines and an event cut after its first
 * RAW line included, and none of its ids pass for written. */
TEST(what_follows_the_end_note_is_cut)
{
	const char *dir = harness_tempdir("gather-note");
	struct outbuf b = { 0 };
	struct hostlogs *h = open_logs(dir, false, 1000);
	struct hostlog *hl;
	struct hostlogs_stats st;
	char path[512], note[512];
	struct audit_stamp id;
	off_t noted;
	size_t start;
	int fd;

	write_events(h, 0, 20);
	CHECK_EQ(hostlogs_close(h), 0);
	hostlogs_free(h);
	snprintf(path, sizeof(path), "%s/db2.log", dir);
	snprintf(note, sizeof(note), "%s/.db2.log.end", dir);
	CHECK(size_of(note) == 63);
	noted = size_of(path);
	/* An unnoted write: events 20..29 whole, and event 30's first line
	 * only, at a line's end (the line rules alone would keep it). */
	for (unsigned i = 20; i < 30; i++)
		raw_event(&b, i);
	start = b.len;
	raw_event(&b, 30);
	b.len = (size_t)((char *)memchr(b.data + start, '\n', b.len - start) - b.data) + 1;
	fd = open(path, O_WRONLY | O_APPEND);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, b.data, b.len), (ssize_t)b.len);
	close(fd);
	CHECK(b.data[b.len - 1] == '\n');
	said[0] = '\0';
	h = open_logs(dir, false, 1000);
	CHECK_EQ(hostlogs_host(h, "db2", 3, &hl), 0);
	CHECK_EQ(size_of(path), noted);
	hostlogs_get_stats(h, &st);
	CHECK_EQ(st.cut_tails, 1);
	CHECK(strstr(said, "after its last acknowledged write") != NULL);
	for (unsigned i = 0; i < 31; i++) {
		id = id_of(i);
		if (hostlog_seen(hl, &id) != (i < 20))
			FAIL("id %u: seen %d", i, hostlog_seen(hl, &id));
	}
	CHECK_EQ(hostlogs_close(h), 0);
	hostlogs_free(h);
	outbuf_free(&b);
}

/* The note names the generation before: a rotation made the current
 * file for a write that was never noted, so all of it goes. */
TEST(a_current_file_made_after_the_note_is_emptied)
{
	const char *dir = harness_tempdir("gather-note-rot");
	struct hostlogs *h = open_logs(dir, false, 1000);
	struct hostlog *hl;
	char path[512], older[520];
	struct outbuf b = { 0 };
	struct audit_stamp id;

	write_events(h, 0, 5);
	CHECK_EQ(hostlogs_close(h), 0);
	hostlogs_free(h);
	snprintf(path, sizeof(path), "%s/db2.log", dir);
	snprintf(older, sizeof(older), "%s/db2.log.1", dir);
	CHECK_EQ(rename(path, older), 0);
	raw_event(&b, 5);
	put_file(path, b.data, b.len);
	h = open_logs(dir, false, 1000);
	CHECK_EQ(hostlogs_host(h, "db2", 3, &hl), 0);
	CHECK_EQ(size_of(path), 0);
	id = id_of(5);
	CHECK(!hostlog_seen(hl, &id));
	id = id_of(4);
	CHECK(hostlog_seen(hl, &id));
	CHECK_EQ(hostlogs_close(h), 0);
	hostlogs_free(h);
	outbuf_free(&b);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(dedup_keeps_at_least_keep_ids_and_at_most_twice),
				  CASE(dedup_reads_ids_as_needle_writes_them),
				  CASE(plain_tail_read_back_and_torn_line_cut),
				  CASE(lz4_torn_frame_cut_and_its_ids_not_taken),
				  CASE(the_generation_before_read_when_the_current_holds_few),
				  CASE(a_batch_remembers_its_ids_only_once_written),
				  CASE(what_follows_the_end_note_is_cut),
				  CASE(a_current_file_made_after_the_note_is_emptied)));
}
