/* SPDX-License-Identifier: MIT */
/*
 * needle's own compression path (compress = lz4): the decoder turns each
 * buffer of lines into one frame with frame_compress_lz4() and hands it to
 * sink_write(). Here the same two calls write a file that the lz4 tool
 * and liblz4's decompressor read back, frame by frame, byte for byte.
 */
#include "frame.h"
#include "harness.h"
#include "sink.h"

#include <errno.h>
#include <lz4frame.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The failure case asks for an impossible size: the sanitizers' allocators
 * must return NULL then, as malloc does, instead of stopping the test. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
	return "allocator_may_return_null=1";
}

static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "%s", harness_tempdir("frame"));
}

static void free_outbuf(void *b)
{
	outbuf_free(b);
}

/* n lines of JSON-like text that do not repeat much (a poor LZ4 ratio). */
static void make_lines(struct outbuf *b, unsigned first, unsigned n)
{
	char line[160];

	for (unsigned i = first; i < first + n; i++) {
		int len = snprintf(line, sizeof(line),
				   "{\"id\":\"1764259200.%03u:%u\",\"serial\":%u,\"x\":\"%08x%08x\"}\n",
				   i % 1000, i, i, i * 2654435761u, i ^ 0x5bd1e995u);
		outbuf_put(b, line, (size_t)len);
	}
	CHECK(!b->failed);
}

/* Reads path whole. */
static size_t slurp(const char *path, struct outbuf *ret)
{
	FILE *f = fopen(path, "re");
	char buf[65536];
	size_t n;

	CHECK(f != NULL);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		outbuf_put(ret, buf, n);
	fclose(f);
	CHECK(!ret->failed);
	return ret->len;
}

TEST(frames_written_by_the_sink_read_back_by_lz4_and_liblz4)
{
	static struct outbuf batch[3], frame, file, plain, expected;
	static const unsigned lines[3] = { 2, 40000, 1 };
	char path[128], cmd[300];
	struct sink *s;
	struct sink_stats st;
	FILE *p;
	LZ4F_dctx *dctx;
	size_t at = 0, frames = 0;

	make_dir();
	for (unsigned i = 0; i < 3; i++)
		harness_defer(free_outbuf, &batch[i]);
	harness_defer(free_outbuf, &frame);
	harness_defer(free_outbuf, &file);
	harness_defer(free_outbuf, &plain);
	harness_defer(free_outbuf, &expected);
	snprintf(path, sizeof(path), "%s/needle.json.lz4", dir);
	CHECK_EQ(sink_open(path, &(struct sink_options){ .lz4 = true, .max_size = 0, .num_logs = 5 }, &s), 0);
	for (unsigned i = 0, first = 0; i < 3; first += lines[i], i++) {
		make_lines(&batch[i], first, lines[i]);
		outbuf_put(&expected, batch[i].data, batch[i].len);
		CHECK_EQ(frame_compress_lz4(batch[i].data, batch[i].len, &frame), 0);
		CHECK(frame.len > 0);
		sink_write(s, frame.data, frame.len, batch[i].len, lines[i]);
	}
	sink_get_stats(s, &st);
	CHECK_EQ(st.events, 40003);
	CHECK_EQ(st.raw_bytes, expected.len);
	CHECK_EQ(st.write_errors, 0);
	sink_close(s);
	sink_free(s);

	/* The lz4 tool reads the file as one stream. */
	snprintf(cmd, sizeof(cmd), "lz4 -dc %s", path);
	p = popen(cmd, "r");
	CHECK(p != NULL);
	{
		char buf[65536];
		size_t n;

		while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
			outbuf_put(&plain, buf, n);
	}
	CHECK_EQ(pclose(p), 0);
	CHECK_EQ(plain.len, expected.len);
	CHECK(memcmp(plain.data, expected.data, expected.len) == 0);

	/* liblz4 finds one whole frame per write: each ends where its batch does. */
	slurp(path, &file);
	CHECK(!LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)));
	plain.len = 0;
	while (at < file.len) {
		size_t before = plain.len, hint;

		do {
			char out[65536];
			size_t dst = sizeof(out), src = file.len - at;

			hint = LZ4F_decompress(dctx, out, &dst, file.data + at, &src, NULL);
			if (LZ4F_isError(hint)) {
				LZ4F_freeDecompressionContext(dctx);
				FAIL("frame %zu: %s", frames, LZ4F_getErrorName(hint));
			}
			at += src;
			outbuf_put(&plain, out, dst);
		} while (hint != 0 && at < file.len);
		if (hint != 0) {
			LZ4F_freeDecompressionContext(dctx);
			FAIL("frame %zu is cut short", frames);
		}
		CHECK(frames < 3);
		CHECK_EQ(plain.len - before, batch[frames].len);
		frames++;
	}
	LZ4F_freeDecompressionContext(dctx);
	CHECK_EQ(frames, 3);
	CHECK(memcmp(plain.data, expected.data, expected.len) == 0);
}

TEST(a_frame_that_cannot_be_allocated_is_an_error)
{
	static struct outbuf frame;
	static const char text[] = "{\"a\":1}\n";

	harness_defer(free_outbuf, &frame);
	/* No buffer can hold the bound of 1 TiB (nor can this machine); nothing
	 * is read from text before the reservation fails. */
	CHECK_EQ(frame_compress_lz4(text, (size_t)1 << 40, &frame), -ENOMEM);
	CHECK_EQ(frame.len, 0);
	/* Past what liblz4 can bound at all. */
	CHECK_EQ(frame_compress_lz4(text, (size_t)1 << 62, &frame), -E2BIG);
	CHECK_EQ(frame.len, 0);
	/* The scratch buffer is usable again afterwards. */
	CHECK_EQ(frame_compress_lz4(text, sizeof(text) - 1, &frame), 0);
	CHECK(frame.len > 0);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(frames_written_by_the_sink_read_back_by_lz4_and_liblz4),
				  CASE(a_frame_that_cannot_be_allocated_is_an_error)));
}
