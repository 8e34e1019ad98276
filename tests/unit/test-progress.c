/* SPDX-License-Identifier: MIT */
/*
 * The progress note (progress.h) and the log tail (logtail.h): what a
 * restart reads to tell the events a previous needle wrote from those that
 * reached no log. Each case checks against a count made independently of
 * the code under test (serials listed by hand, or counted directly).
 */
#include "gaps.h"
#include "harness.h"
#include "logtail.h"
#include "outbuf.h"
#include "progress.h"

#include <errno.h>
#include <fcntl.h>
#include <lz4frame.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "%s", harness_tempdir("progress"));
}

static void write_file(const char *path, const char *text, const char *mode)
{
	FILE *f = fopen(path, mode);

	CHECK(f != NULL);
	fputs(text, f);
	fclose(f);
}

static struct sink_position position_of(const char *path)
{
	struct stat st;

	CHECK(stat(path, &st) == 0);
	return (struct sink_position){ (uint64_t)st.st_dev, (uint64_t)st.st_ino,
				       (uint64_t)st.st_size };
}

static const char *json_line(uint32_t serial)
{
	static char line[128];

	snprintf(line, sizeof(line), "{\"id\":\"1700000000.123:%u\",\"serial\":%u,\"x\":1}\n", serial,
		 serial);
	return line;
}

TEST(line_serials_of_each_format)
{
	const char *j = "{\"id\":\"1700000000.123:4567\",\"serial\":4567}";
	const char *r = "type=SYSCALL msg=audit(1700000000.123:4568): arch=c000003e";
	const char *e = "type=PATH msg=audit(1700000000.123:99): item=0\x1dOUID=\"root\"";

	CHECK_EQ(logtail_line_serial(LOGTAIL_JSON, j, strlen(j)), 4567);
	CHECK_EQ(logtail_line_serial(LOGTAIL_RAW, r, strlen(r)), 4568);
	CHECK_EQ(logtail_line_serial(LOGTAIL_RAW, e, strlen(e)), 99);
	CHECK_EQ(logtail_line_serial(LOGTAIL_JSON, r, strlen(r)), -1);
	CHECK_EQ(logtail_line_serial(LOGTAIL_RAW, "garbage", 7), -1);
	CHECK_EQ(logtail_line_serial(LOGTAIL_JSON, "{\"id\":\"1.2:99999999999\"}", 24), -1);
}

/* Positions in a file since rotated: the tail is read from the rotated
 * generation on, through the current file; a cut last line is not. */
TEST(tail_across_rotation_without_the_cut_line)
{
	char path[128], rotated[140], err[256];
	struct sink_position pos[2];
	struct logtail_result res;

	make_dir();
	snprintf(path, sizeof(path), "%s/needle.json", dir);
	snprintf(rotated, sizeof(rotated), "%s.1", path);
	for (uint32_t s = 10; s < 15; s++)
		write_file(path, json_line(s), "a");
	pos[0] = position_of(path); /* decoder 0 noted after 14 */
	write_file(path, json_line(15), "a");
	pos[1] = position_of(path); /* decoder 1 after 15 */
	write_file(path, json_line(17), "a");
	CHECK(rename(path, rotated) == 0);
	write_file(path, json_line(16), "a");
	write_file(path, json_line(16), "a"); /* once in the result */
	write_file(path, "{\"id\":\"1700000000.123:18\",\"ser", "a");
	CHECK_EQ(logtail_read(path, 5, false, LOGTAIL_JSON, pos, 2, &res, err, sizeof(err)), 0);
	CHECK_EQ(res.count, 3);
	CHECK_EQ(res.serials[0], 15);
	CHECK_EQ(res.serials[1], 16);
	CHECK_EQ(res.serials[2], 17);
	CHECK(res.cut_line);
	free(res.serials);
	/* Rotated out of reach: said, not guessed. */
	CHECK_EQ(logtail_read(path, 1, false, LOGTAIL_JSON, pos, 2, &res, err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, "is gone") != NULL);
}

TEST(tail_of_lz4_frames_and_raw_lines)
{
	char path[128], err[256], frame[4096];
	const char *batches[3] = {
		"type=SYSCALL msg=audit(1.000:5): a\ntype=PATH msg=audit(1.000:5): b\n",
		"type=SYSCALL msg=audit(1.000:7): a\ntype=EOE msg=audit(1.000:6): \n",
		"type=SYSCALL msg=audit(1.000:8): a\n",
	};
	struct sink_position pos;
	struct logtail_result res;
	FILE *f;

	make_dir();
	snprintf(path, sizeof(path), "%s/needle.log.lz4", dir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	for (int i = 0; i < 3; i++) {
		size_t n = LZ4F_compressFrame(frame, sizeof(frame), batches[i], strlen(batches[i]), NULL);

		CHECK(!LZ4F_isError(n));
		fwrite(frame, 1, n, f);
		fflush(f);
		if (i == 0)
			pos = position_of(path);
	}
	fclose(f);
	CHECK_EQ(logtail_read(path, 5, true, LOGTAIL_RAW, &pos, 1, &res, err, sizeof(err)), 0);
	CHECK_EQ(res.count, 3);
	CHECK_EQ(res.serials[0], 6);
	CHECK_EQ(res.serials[1], 7);
	CHECK_EQ(res.serials[2], 8);
	CHECK(!res.cut_line);
	free(res.serials);
}

static struct progress_note sample_note(void)
{
	struct progress_note n = { .shards = 2 };
	static uint32_t open0[] = { 102 };

	snprintf(n.boot, sizeof(n.boot), "b0");
	n.log = (struct progress_log){ "/var/log/needle/needle.json", LOGTAIL_JSON, false, 5 };
	/* Decoder 0 (even serials) saw 100, 102, 104; 102 was still open.
	 * Decoder 1 (odd) saw 101, 103, 107: 105 pending. */
	n.shard[0] = (struct progress_shard){ .started = true, .floor = 106, .open = open0,
					       .nopen = 1, .have_pos = true,
					       .pos = { 2049, 77, 12345 } };
	n.shard[1] = (struct progress_shard){ .started = true, .floor = 105 };
	n.shard[1].bits[0] = 1u << 1; /* 105 + 1 * 2 = 107 */
	return n;
}

TEST(note_round_trip)
{
	struct progress_note n = sample_note(), back;
	struct outbuf text = { 0 };
	char path[128], err[256];

	make_dir();
	n.shards = 3; /* a third decoder that saw nothing */
	CHECK(progress_format(n.boot, &n.log, n.shards, n.shard, &text));
	snprintf(path, sizeof(path), "%s/needle.progress", dir);
	write_file(path, "", "w");
	{
		FILE *f = fopen(path, "w");

		fwrite(text.data, 1, text.len, f);
		fclose(f);
	}
	outbuf_free(&text);
	CHECK_EQ(progress_load(path, &back, err, sizeof(err)), 0);
	CHECK_STR(back.boot, "b0");
	CHECK_STR(back.log.path, "/var/log/needle/needle.json");
	CHECK_EQ(back.log.num_logs, 5);
	CHECK_EQ(back.shards, 3);
	CHECK(back.shard[0].started && back.shard[0].floor == 106);
	CHECK_EQ(back.shard[0].nopen, 1);
	CHECK_EQ(back.shard[0].open[0], 102);
	CHECK(back.shard[0].have_pos && back.shard[0].pos.ino == 77 &&
	      back.shard[0].pos.size == 12345);
	CHECK_EQ(back.shard[1].bits[0], 2);
	CHECK(!back.shard[1].have_pos);
	CHECK(!back.shard[2].started);
	progress_note_free(&back);
}

TEST(bad_note_names_file_and_line)
{
	char path[128], err[256];
	struct progress_note back;

	make_dir();
	snprintf(path, sizeof(path), "%s/needle.progress", dir);
	write_file(path,
		   "needle-progress 1\nboot x\nlog json plain 5 /l/needle.json\nshards 2\n"
		   "shard 0 floor 10 at - seen zz open -\n",
		   "w");
	CHECK_EQ(progress_load(path, &back, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "needle.progress:5: seen is not a list") != NULL);
	write_file(path, "needle-progress 1\nshards 2\nshard 2 -\n", "w");
	CHECK_EQ(progress_load(path, &back, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "needle.progress:3: expected 'shard INDEX") != NULL);
	write_file(path, "needle-progress 1\nboot x\n", "w");
	CHECK_EQ(progress_load(path, &back, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "incomplete") != NULL);
	unlink(path);
	CHECK_EQ(progress_load(path, &back, err, sizeof(err)), -ENOENT);
}

/* The new decoders' trackers, seeded from the note, count as lost before
 * the first live serial exactly the serials no log has: checked against
 * the list worked out by hand. */
static uint64_t restart_losses(const struct progress_note *n, const uint32_t *written,
			       size_t nwritten, unsigned shards, uint32_t first_live)
{
	struct progress_seed seeds[PROGRESS_MAX_SHARDS];
	uint64_t lost = 0;

	CHECK_EQ(progress_seeds(n, written, nwritten, shards, seeds), 0);
	for (unsigned j = 0; j < shards; j++) {
		struct gaps g;
		uint32_t live = first_live;

		CHECK(seeds[j].have);
		CHECK_EQ(seeds[j].floor % shards, j);
		gaps_init(&g, shards);
		gaps_split(&g);
		gaps_seed(&g, seeds[j].floor);
		for (size_t k = 0; k < seeds[j].nmarks; k++)
			gaps_see(&g, seeds[j].marks[k], 0);
		while (live % shards != j)
			live++;
		gaps_live(&g, live);
		gaps_see(&g, live, 0);
		gaps_see(&g, live + shards, 0);
		gaps_tick(&g, 100000, 5000);
		CHECK_EQ(g.missing, 0);
		lost += g.missing_before;
	}
	progress_seeds_free(seeds, shards);
	return lost;
}

TEST(seeds_count_exactly_what_no_log_has)
{
	struct progress_note n = sample_note();
	const uint32_t tail[] = { 102 }; /* written after the note */
	struct progress_seed seeds[3];

	/* Accounted: up to 104 (102 from the tail), 107. Not: 105, 106 and
	 * 108 .. 199 (used while no needle ran). */
	CHECK_EQ(restart_losses(&n, tail, 1, 2, 200), 2 + 92);
	CHECK_EQ(restart_losses(&n, tail, 1, 3, 201), 2 + 92 + 1 /* 200 */);
	CHECK_EQ(restart_losses(&n, tail, 1, 1, 200), 2 + 92);
	/* Without the tail, 102 (open at the note) counts too. */
	CHECK_EQ(restart_losses(&n, NULL, 0, 2, 200), 3 + 92);
	/* By hand for three decoders: 105 and 106 start classes 0 and 1;
	 * class 2 has all of 104 and 107, so starts above: 110. */
	CHECK_EQ(progress_seeds(&n, tail, 1, 3, seeds), 0);
	CHECK_EQ(seeds[0].floor, 105);
	CHECK_EQ(seeds[1].floor, 106);
	CHECK_EQ(seeds[2].floor, 110);
	CHECK_EQ(seeds[0].nmarks + seeds[1].nmarks + seeds[2].nmarks, 0);
	progress_seeds_free(seeds, 3);
	CHECK_EQ(progress_seeds(&n, tail, 1, 2, seeds), 0);
	CHECK_EQ(seeds[1].floor, 105);
	CHECK_EQ(seeds[1].nmarks, 1);
	CHECK_EQ(seeds[1].marks[0], 107);
	progress_seeds_free(seeds, 2);
}

TEST(seeds_across_the_serial_wrap)
{
	struct progress_note n = { .shards = 1 };

	/* Everything below 2^32 - 3 written; 2^32 - 3 .. 1 (five serials,
	 * 0 among them) used while none ran, 2 the first live one. */
	n.shard[0] = (struct progress_shard){ .started = true, .floor = UINT32_MAX - 2 };
	CHECK_EQ(restart_losses(&n, NULL, 0, 1, 2), 5);
}

/* The running side: decoders publish, the writer's note reads back. */
TEST(published_state_is_written_at_stop)
{
	struct progress_log log = { "x/needle.json", LOGTAIL_JSON, true, 3 };
	struct progress *pr;
	struct progress_note back;
	struct sink_position pos = { 1, 2, 3 };
	uint32_t open[2] = { 44, 46 };
	char path[128], err[256];
	struct gaps g;

	make_dir();
	snprintf(path, sizeof(path), "%s/needle.progress", dir);
	pr = progress_new(path, 2, &log, "boot-1");
	CHECK(pr != NULL);
	CHECK_EQ(progress_start(pr), 0);
	gaps_init(&g, 2);
	for (uint32_t s = 40; s <= 46; s += 2)
		gaps_see(&g, s, 0);
	gaps_see(&g, 52, 0); /* 48, 50 pending */
	progress_publish(pr, 0, &g, open, 2, &pos);
	CHECK_EQ(progress_stop(pr), 0);
	CHECK_EQ(progress_load(path, &back, err, sizeof(err)), 0);
	CHECK_STR(back.boot, "boot-1");
	CHECK(back.log.lz4 && back.log.num_logs == 3);
	CHECK(back.shard[0].started && back.shard[0].floor == 48);
	CHECK_EQ(back.shard[0].bits[0], 1u << 2);
	CHECK_EQ(back.shard[0].nopen, 2);
	CHECK(back.shard[0].have_pos && back.shard[0].pos.size == 3);
	CHECK(!back.shard[1].started);
	progress_note_free(&back);
}

/* A note that cannot be written is counted, and the file left alone. */
TEST(write_failure_is_counted)
{
	struct progress_log log = { "x", LOGTAIL_JSON, false, 1 };
	struct progress *pr;
	char path[160];
	struct gaps g;
	int e = 0;

	make_dir();
	snprintf(path, sizeof(path), "%s/no-such-dir/needle.progress", dir);
	pr = progress_new(path, 1, &log, "b");
	CHECK(pr != NULL);
	CHECK_EQ(progress_start(pr), 0);
	gaps_init(&g, 1);
	gaps_see(&g, 5, 0);
	progress_publish(pr, 0, &g, NULL, 0, NULL);
	usleep((PROGRESS_EVERY_MS + 100) * 1000);
	CHECK(progress_write_errors(pr, &e) >= 1);
	CHECK_EQ(e, ENOENT);
	CHECK_EQ(progress_stop(pr), -ENOENT);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(line_serials_of_each_format),
				  CASE(tail_across_rotation_without_the_cut_line),
				  CASE(tail_of_lz4_frames_and_raw_lines), CASE(note_round_trip),
				  CASE(bad_note_names_file_and_line),
				  CASE(seeds_count_exactly_what_no_log_has),
				  CASE(seeds_across_the_serial_wrap),
				  CASE(published_state_is_written_at_stop),
				  CASE(write_failure_is_counted)));
}
