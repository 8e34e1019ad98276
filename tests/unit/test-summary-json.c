/* SPDX-License-Identifier: MIT */
/*
 * The summary of an event read from needle's JSON line (decode/
 * summary-json.c, what needle gather -f summary prints for hosts that ship
 * JSON) against the summary of the same event decoded from its records
 * (decode/summary.c): equal, line for line, on every event of the corpus,
 * with names and a process context (container, uid in a user namespace)
 * on some of them. And the JSON reader (decode/jsonscan.c) on text from
 * elsewhere: not JSON, cut short, too deep, members missing, values that
 * hide newlines.
 */
#include "assemble.h"
#include "format.h"
#include "harness.h"
#include "jsonscan.h"
#include "record.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *uid_name(void *arg, uint32_t id)
{
	(void)arg;
	return id == 0 ? "root" : id == 1000 ? "alice" : NULL;
}

/* Every third pid runs in a container, in a user namespace. */
static bool process(void *arg, const struct format_facts *facts, struct format_process *ret)
{
	(void)arg;
	if (!facts->pid || facts->pid % 3)
		return false;
	*ret = (struct format_process){
		.generation = facts->pid,
		.known = true,
		.runtime = "docker",
		.container_id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		.namespaces = 1 | 8 | 32,
		.has_container_uid = true,
		.host_uid = 100000,
		.container_uid = 0,
		.has_container_gid = true,
		.host_gid = 100000,
		.container_gid = 0,
	};
	return true;
}

struct compare {
	struct format_ctx ctx;
	struct outbuf json, want, got;
	unsigned long events, differ;
};

static void compare_event(struct compare *c, const struct audit_event *ev, const char *file)
{
	int r;

	c->json.len = c->want.len = c->got.len = 0;
	format_event_json(&c->ctx, ev, &c->json);
	format_event_summary(&c->ctx, ev, &c->want);
	CHECK(!c->json.failed && !c->want.failed);
	r = format_summary_from_json(c->json.data, c->json.len, &c->got);
	c->events++;
	if (r != 0 || c->got.len != c->want.len || memcmp(c->got.data, c->want.data, c->want.len)) {
		if (c->differ++ < 5)
			NOTE("%s: %d\n  json    %.*s  records %.*s  json->   %.*s", file, r,
			     (int)c->json.len, c->json.data, (int)c->want.len, c->want.data,
			     (int)c->got.len, c->got.data);
	}
}

static void compare_file(struct compare *c, const char *path)
{
	struct assemble_config cfg = { .log_input = true };
	struct assembler *a = assembler_new(&cfg);
	struct audit_field fields[512];
	struct audit_event *ev;
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	CHECK(a != NULL);
	if (!f)
		FAIL("%s: %s", path, strerror(errno));
	while ((len = getline(&line, &cap, f)) > 0) {
		struct audit_record rec;
		size_t off;

		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (decode_record_line(line, (size_t)len, fields, 512, &rec) != RECORD_OK ||
		    rec.type == 0)
			continue;
		off = (size_t)(rec.body - line);
		assembler_add(a, rec.type, &rec.stamp, rec.node, rec.node_len, rec.body,
			      (size_t)len > off ? (size_t)len - off : 0,
			      rec.stamp.sec * 1000 + rec.stamp.msec);
		while ((ev = assembler_pop(a))) {
			compare_event(c, ev, path);
			assembler_done(a, ev);
		}
	}
	assembler_flush(a);
	while ((ev = assembler_pop(a))) {
		compare_event(c, ev, path);
		assembler_done(a, ev);
	}
	free(line);
	fclose(f);
	assembler_free(a);
}

/* The input files SOURCES.tsv lists (role "input"), as test_corpus.py. */
TEST(corpus_summary_from_json_equals_summary_from_records)
{
	char path[4096], *line = NULL;
	size_t cap = 0;
	unsigned long files = 0;
	struct compare c = { .ctx = { .uid_name = uid_name, .process = process } };
	FILE *f;
	int file_col = -1, role_col = -1;

	snprintf(path, sizeof(path), "%s/SOURCES.tsv", NEEDLE_CORPUS);
	f = fopen(path, "re");
	if (!f)
		FAIL("%s: %s", path, strerror(errno));
	while (getline(&line, &cap, f) > 0) {
		char *cols[16], *save = NULL, *tok;
		int n = 0;

		line[strcspn(line, "\r\n")] = '\0';
		for (tok = strtok_r(line, "\t", &save); tok && n < 16; tok = strtok_r(NULL, "\t", &save))
			cols[n++] = tok;
		if (file_col < 0) {
			for (int i = 0; i < n; i++) {
				if (strcmp(cols[i], "file") == 0)
					file_col = i;
				if (strcmp(cols[i], "role") == 0)
					role_col = i;
			}
			CHECK(file_col >= 0 && role_col >= 0);
			continue;
		}
		if (n <= file_col || n <= role_col || !strstr(cols[role_col], "input"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", NEEDLE_CORPUS, cols[file_col]);
		compare_file(&c, path);
		files++;
	}
	free(line);
	fclose(f);
	NOTE("%lu files, %lu events, %lu summaries differ", files, c.events, c.differ);
	format_ctx_free(&c.ctx);
	outbuf_free(&c.json);
	outbuf_free(&c.want);
	outbuf_free(&c.got);
	CHECK(files >= 100);
	CHECK(c.events >= 9000);
	CHECK_EQ(c.differ, 0);
}

static const char good[] =
	"{\"id\":\"1764259200.123:42\",\"serial\":42,\"time\":\"2025-11-27T16:00:00.123Z\","
	"\"record_count\":3,\"records\":{\"SYSCALL\":{\"syscall\":\"257\"}},"
	"\"who\":{\"auid\":1000,\"uid\":0,\"euid\":0,\"auid_name\":\"alice\"},"
	"\"what\":{\"syscall\":\"openat\",\"syscall_nr\":257,\"exit\":-2,\"exit_name\":\"ENOENT\"},"
	"\"where\":{\"pid\":42,\"cwd\":\"/tmp\"},\"how\":{\"exe\":\"/usr/bin/cat\","
	"\"argv\":[\"cat\",\"x\"]},\"why\":{\"keys\":[\"k\"]},"
	"\"objects\":[{\"type\":\"path\",\"path\":\"/tmp/x\",\"name\":\"x\",\"ouid\":0}]}\n";

TEST(a_good_line_and_every_cut_of_it)
{
	struct outbuf out = { 0 };

	CHECK_EQ(format_summary_from_json(good, strlen(good), &out), 0);
	out.data[out.len] = '\0';
	CHECK_STR(out.data, "2025-11-27T16:00:00.123Z login alice is responsible, as uid 0 called "
			    "openat -> failed ENOENT pid 42 exe=/usr/bin/cat argv=[\"cat\",\"x\"] "
			    "key=k objects: /tmp/x (owner uid 0)\n");
	/* Cut anywhere (a message cut short): refused, nothing written. */
	for (size_t n = 0; n + 1 < strlen(good); n++) {
		out.len = 0;
		if (format_summary_from_json(good, n, &out) != -EINVAL || out.len != 0)
			FAIL("a line cut at %zu bytes was taken", n);
	}
	outbuf_free(&out);
}

TEST(not_needles_json_is_refused)
{
	static const char *const bad[] = {
		"", "null", "[]", "{}", "\"x\"", "{\"time\":\"t\"}", "{\"id\":1,}", "{\"a\" 1}",
		"{\"time\":\"t\",\"who\":{},\"what\":{},\"where\":{},\"how\":{},\"why\":{},"
		"\"objects\":{}}",                                 /* objects not an array */
		"{\"time\":\"a\x01\",\"who\":{},\"what\":{},\"where\":{},\"how\":{},\"why\":{},"
		"\"objects\":[]}",                                 /* a raw control byte */
		"{\"time\":\"a\\q\",\"who\":{},\"what\":{},\"where\":{},\"how\":{},\"why\":{},"
		"\"objects\":[]}",                                 /* a bad escape */
		"{\"time\":\"t\",\"who\":{},\"what\":{},\"where\":{},\"how\":{},\"why\":{},"
		"\"objects\":[]} x",                               /* text after the value */
		"{\"time\":\"t\",\"who\":{},\"what\":{},\"where\":{},\"how\":{},\"why\":{},"
		"\"objects\":[01]}",                               /* a number JSON refuses */
	};
	struct outbuf out = { 0 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		out.len = 0;
		if (format_summary_from_json(bad[i], strlen(bad[i]), &out) != -EINVAL || out.len)
			FAIL("taken: %s", bad[i]);
	}
	outbuf_free(&out);
}

TEST(nesting_past_the_bound_is_refused_not_recursed)
{
	char deep[4 * JSONSCAN_MAX_DEPTH + 8];
	struct jsonscan_value v;
	size_t n = 0;

	for (int i = 0; i < JSONSCAN_MAX_DEPTH; i++)
		deep[n++] = '[';
	for (int i = 0; i < JSONSCAN_MAX_DEPTH; i++)
		deep[n++] = ']';
	CHECK(jsonscan_parse(deep, n, &v));
	n = 0;
	for (int i = 0; i <= JSONSCAN_MAX_DEPTH; i++)
		deep[n++] = '[';
	for (int i = 0; i <= JSONSCAN_MAX_DEPTH; i++)
		deep[n++] = ']';
	CHECK(!jsonscan_parse(deep, n, &v));
}

/* %0A, \n and \u000a in every value the summary copies: one line still. */
TEST(values_that_hide_newlines_stay_on_one_line)
{
	static const char hostile[] =
		"{\"time\":\"2025%0A\",\"node\":\"n\\nx\",\"partial\":true,"
		"\"partial_reason\":\"a\\u000ab\","
		"\"who\":{\"auid\":\"1000\",\"auid_name\":\"ev%0Ail\",\"euid\":\"0%0D\","
		"\"container_uid\":0},"
		"\"what\":{\"syscall\":\"op%0Aen\",\"exit\":5,\"exit_name\":\"x\\ny\"},"
		"\"where\":{\"pid\":\"4%0A2\",\"container\":{\"runtime\":\"do%0Acker\","
		"\"id\":\"ab%0Acd\"}},"
		"\"how\":{\"exe\":\"/bin/%0Ash\",\"argv\":[\"a\\nb\"]},"
		"\"why\":{\"keys\":[\"k%0A\",\"j\"]},"
		"\"objects\":[{\"type\":\"path\",\"path\":\"/x%0Atype=SYSCALL\"},"
		"{\"type\":\"socket\",\"addr\":{\"family\":\"in%0Aet\",\"addr\":\"1%0A\","
		"\"port\":22}},{\"type\":\"socket\",\"addr\":{\"family\":\"unix\","
		"\"path\":\"/run/%0A\"}}]}";
	struct outbuf out = { 0 };

	CHECK_EQ(format_summary_from_json(hostile, strlen(hostile), &out), 0);
	CHECK(out.len > 0 && out.data[out.len - 1] == '\n');
	for (size_t i = 0; i + 1 < out.len; i++)
		if ((unsigned char)out.data[i] < 0x20)
			FAIL("control byte 0x%02x at %zu: %.*s", out.data[i], i, (int)out.len, out.data);
	out.data[out.len - 1] = '\0';
	NOTE("%s", out.data);
	/* Each piece is there, escaped: the values are not dropped. */
	CHECK(strstr(out.data, "login \"ev%0Ail\" is responsible"));
	CHECK(strstr(out.data, "called \"op%0Aen\" -> \"x%0Ay\""));
	CHECK(strstr(out.data, "exe=\"/bin/%0Ash\""));
	CHECK(strstr(out.data, "key=\"k%0A%01j\""));
	CHECK(strstr(out.data, "objects: \"/x%0Atype=SYSCALL\""));
	CHECK(strstr(out.data, " unix:\"/run/%0A\""));
	CHECK(strstr(out.data, "(partial: \"a%0Ab\")"));
	outbuf_free(&out);
}

TEST(strings_decode_escapes_and_surrogates)
{
	static const char text[] = "[\"a\\\"b\\\\c\\/\\t\\u00e9\\ud83d\\ude00\\ud800x\",-12,1e3]";
	struct jsonscan_value arr, v;
	struct outbuf out = { 0 };
	const char *cursor = NULL;
	long long n;

	CHECK(jsonscan_parse(text, strlen(text), &arr));
	CHECK(arr.type == JSONSCAN_ARRAY);
	CHECK(jsonscan_next(&arr, &cursor, NULL, &v));
	CHECK(jsonscan_string(&v, &out));
	CHECK_EQ(out.len, strlen("a\"b\\c/\t\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbdx"));
	CHECK(memcmp(out.data, "a\"b\\c/\t\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbdx", out.len) == 0);
	CHECK(jsonscan_next(&arr, &cursor, NULL, &v));
	CHECK(jsonscan_integer(&v, &n));
	CHECK_EQ(n, -12);
	CHECK(jsonscan_next(&arr, &cursor, NULL, &v));
	CHECK(v.type == JSONSCAN_NUMBER && !jsonscan_integer(&v, &n));
	CHECK(!jsonscan_next(&arr, &cursor, NULL, &v));
	outbuf_free(&out);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(corpus_summary_from_json_equals_summary_from_records),
				  CASE(a_good_line_and_every_cut_of_it),
				  CASE(not_needles_json_is_refused),
				  CASE(nesting_past_the_bound_is_refused_not_recursed),
				  CASE(values_that_hide_newlines_stay_on_one_line),
				  CASE(strings_decode_escapes_and_surrogates)));
}
