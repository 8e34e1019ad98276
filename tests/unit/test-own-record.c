/* SPDX-License-Identifier: MIT */
/*
 * needle's own DAEMON_* records (pipeline_write_own, pipeline/own-record.c)
 * in a pipeline that runs no thread: one line per output in that output's
 * format, auditd's RAW shape with a serial of needle's own that grows by
 * one, the ENRICHED part auditd adds, the JSON event; and a restart's
 * reading of the log (logtail.h) counts none of them as a kernel event.
 */
#include "harness.h"
#include "logtail.h"
#include "pipeline.h"

#include <errno.h>
#include <linux/audit.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void body(void *arg, const char *format, char *buf, size_t size)
{
	snprintf(buf, size, "op=%s ver=9.9 format=%s auid=0 uid=0 res=success", (const char *)arg,
		 format);
}

static void say(const char *fmt, ...)
{
}

static char *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	static char buf[65536];
	size_t n;

	CHECK(f != NULL);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	*ret_len = n;
	return buf;
}

static void write_two(const char *dir, bool lz4)
{
	struct pipeline_settings s = { .listeners = 1, .decoders = 1, .ring_size = 1u << 16,
				       .output_json = true, .output_raw = true,
				       .output_enriched = true, .num_logs = 2, .compress_lz4 = lz4,
				       .decoder = { .event_timeout_ms = 2000, .max_open_events = 64 } };
	struct pipeline *p;

	snprintf(s.log_dir, sizeof(s.log_dir), "%s", dir);
	CHECK_EQ(pipeline_open(&s, say, &p), 0);
	CHECK_EQ(pipeline_write_own(p, AUDIT_DAEMON_START, body, "start", true), 0);
	CHECK_EQ(pipeline_write_own(p, AUDIT_DAEMON_END, body, "terminate", true), 0);
	{
		const struct sink *outs[PIPELINE_OUTPUTS];
		struct sink_stats st;

		pipeline_outputs(p, outs);
		for (unsigned i = 0; i < 3; i++) {
			sink_get_stats(outs[i], &st);
			CHECK_EQ(st.events, 2);
		}
	}
	CHECK_EQ(pipeline_close(p), 0);
}

/* No serial of the kernel in these logs: a restart reading them from
 * their start finds none. */
static void check_no_serial(const char *path, bool lz4, enum logtail_format format)
{
	struct stat st;
	struct sink_position from;
	struct logtail_result res;
	char err[256];

	CHECK(stat(path, &st) == 0);
	from = (struct sink_position){ (uint64_t)st.st_dev, (uint64_t)st.st_ino, 0 };
	CHECK_EQ(logtail_read(path, 2, lz4, format, &from, 1, &res, err, sizeof(err)), 0);
	CHECK(res.bytes > 0);
	CHECK_EQ(res.count, 0);
	free(res.serials);
}

TEST(one_line_per_output_in_its_format)
{
	const char *dir = harness_tempdir("own-record");
	char path[512], want[512], *raw, *text;
	size_t len;
	unsigned long sec, ms, serial, sec2, ms2, serial2;
	struct passwd *root = getpwuid(0);

	write_two(dir, false);
	snprintf(path, sizeof(path), "%s/needle.log", dir);
	raw = strdup(slurp(path, &len));
	CHECK(raw != NULL);
	CHECK_EQ(sscanf(raw,
			"type=DAEMON_START msg=audit(%lu.%3lu:%lu): op=start ver=9.9 format=raw "
			"auid=0 uid=0 res=success\ntype=DAEMON_END msg=audit(%lu.%3lu:%lu): "
			"op=terminate ver=9.9 format=raw auid=0 uid=0 res=success\n",
			&sec, &ms, &serial, &sec2, &ms2, &serial2),
		 6);
	NOTE("serials %lu, %lu", serial, serial2);
	CHECK(serial >= 1 && serial <= 10000);
	CHECK_EQ(serial2, serial + 1);
	CHECK_EQ(strlen(raw), len);
	CHECK(raw[len - 1] == '\n' && strchr(raw, '\n') != raw + len - 1);

	/* ENRICHED: the RAW line (its format named), then auditd's part. */
	snprintf(path, sizeof(path), "%s/needle.enriched.log", dir);
	text = slurp(path, &len);
	snprintf(want, sizeof(want),
		 "type=DAEMON_START msg=audit(%lu.%03lu:%lu): op=start ver=9.9 format=enriched "
		 "auid=0 uid=0 res=success\x1d" "AUID=\"%s\" UID=\"%s\"\n",
		 sec, ms, serial, root ? root->pw_name : "0", root ? root->pw_name : "0");
	CHECK(strncmp(text, want, strlen(want)) == 0);

	/* JSON: one event per record, the record under its type's name. */
	snprintf(path, sizeof(path), "%s/needle.json", dir);
	text = slurp(path, &len);
	snprintf(want, sizeof(want), "{\"id\":\"%lu.%03lu:%lu\",\"serial\":%lu,", sec, ms, serial,
		 serial);
	CHECK(strncmp(text, want, strlen(want)) == 0);
	CHECK(strstr(text, "\"records\":{\"DAEMON_START\":{\"op\":\"start\",\"ver\":\"9.9\","
			   "\"format\":\"json\"") != NULL);
	CHECK(strstr(text, "\"what\":{\"type\":\"DAEMON_END\",\"result\":\"success\"}") != NULL);
	free(raw);

	/* A restart reading these logs counts none of them (logtail.h). */
	snprintf(path, sizeof(path), "%s/needle.log", dir);
	check_no_serial(path, false, LOGTAIL_RAW);
	snprintf(path, sizeof(path), "%s/needle.enriched.log", dir);
	check_no_serial(path, false, LOGTAIL_RAW);
	snprintf(path, sizeof(path), "%s/needle.json", dir);
	check_no_serial(path, false, LOGTAIL_JSON);
}

/* compress = lz4: each record one frame, read back by the restart's reader. */
TEST(lz4_frames)
{
	const char *dir = harness_tempdir("own-record-lz4");
	char path[512];

	write_two(dir, true);
	snprintf(path, sizeof(path), "%s/needle.log.lz4", dir);
	check_no_serial(path, true, LOGTAIL_RAW);
	snprintf(path, sizeof(path), "%s/needle.json.lz4", dir);
	check_no_serial(path, true, LOGTAIL_JSON);
}

/* The serials of the kernel's records still count beside them. */
TEST(kernel_lines_still_count)
{
	const char *own = "type=DAEMON_END msg=audit(1700000000.123:77): op=terminate res=success";
	const char *node = "node=h type=DAEMON_START msg=audit(1700000000.123:78): op=start";
	const char *json = "{\"id\":\"1700000000.123:79\",\"serial\":79,\"time\":\"x\","
			   "\"record_count\":1,\"records\":{\"DAEMON_ABORT\":{\"op\":\"abort\"}}}";
	const char *kernel = "type=SYSCALL msg=audit(1700000000.123:80): arch=c000003e";
	const char *kjson = "{\"id\":\"1700000000.123:81\",\"serial\":81,\"records\":{\"SYSCALL\":{}}}";

	CHECK_EQ(logtail_line_serial(LOGTAIL_RAW, own, strlen(own)), -1);
	CHECK_EQ(logtail_line_serial(LOGTAIL_RAW, node, strlen(node)), -1);
	CHECK_EQ(logtail_line_serial(LOGTAIL_JSON, json, strlen(json)), -1);
	CHECK_EQ(logtail_line_serial(LOGTAIL_RAW, kernel, strlen(kernel)), 80);
	CHECK_EQ(logtail_line_serial(LOGTAIL_JSON, kjson, strlen(kjson)), 81);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(one_line_per_output_in_its_format), CASE(lz4_frames),
				  CASE(kernel_lines_still_count)));
}
