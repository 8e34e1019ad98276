/* SPDX-License-Identifier: MIT */
/*
 * conf-stages.h: each stage gets from the configuration what it runs with,
 * every field of its own settings struct; and the configuration's thread
 * limits are the pipeline's (pipeline.h), one number each.
 */
#include "conf-stages.h"
#include "harness.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int parse(struct conf *c, const char *text)
{
	char err[CONF_ERRORS_MAX] = "";
	int r;

	conf_init(c);
	r = conf_parse(c, "test.conf", text, strlen(text), err, sizeof(err));
	if (r < 0)
		NOTE("%s", err);
	return r;
}

TEST(thread_limits_are_the_pipelines)
{
	struct conf c;
	char text[128];

	snprintf(text, sizeof(text), "listener_threads = %d\ndecoder_threads = %d\n",
		 PIPELINE_MAX_LISTENERS, PIPELINE_MAX_DECODERS);
	CHECK_EQ(parse(&c, text), 0);
	CHECK_EQ(c.listener_threads, PIPELINE_MAX_LISTENERS);
	CHECK_EQ(c.decoder_threads, PIPELINE_MAX_DECODERS);
	snprintf(text, sizeof(text), "listener_threads = %d\n", PIPELINE_MAX_LISTENERS + 1);
	CHECK_EQ(parse(&c, text), -EINVAL);
	snprintf(text, sizeof(text), "decoder_threads = %d\n", PIPELINE_MAX_DECODERS + 1);
	CHECK_EQ(parse(&c, text), -EINVAL);
}

TEST(each_stage_gets_its_settings)
{
	struct conf c;
	struct pipeline_settings p;
	struct decoder_settings d;
	struct kernel_wants k;

	CHECK_EQ(parse(&c, "listener_threads = 3\ndecoder_threads = 5\nring_size = 2M\n"
			   "ring_full = drop\nlog_dir = /tmp/needle-stages\n"
			   "output = raw,enriched,stdout\nmax_log_file = 3M\nnum_logs = 7\n"
			   "compress = lz4\nprocess_context = yes\nprocess_table_size = 1234\n"
			   "event_timeout = 1500\nmax_open_events = 777\nresolve_ids = no\n"
			   "ancestors_depth = 3\nenabled = 1\nfailure = 0\nrate_limit = 11\n"
			   "backlog_limit = 4096\nbacklog_wait_time = keep\n"),
		 0);
	conf_fill_pipeline(&c, &p);
	CHECK_EQ(p.listeners, 3);
	CHECK_EQ(p.decoders, 5);
	CHECK_EQ(p.ring_size, 2u << 20);
	CHECK(p.ring_drop);
	CHECK_STR(p.log_dir, "/tmp/needle-stages");
	CHECK(!p.output_json && p.output_raw && p.output_enriched && p.output_stdout);
	CHECK_EQ(p.max_log_file, 3u << 20);
	CHECK_EQ(p.num_logs, 7);
	CHECK(p.compress_lz4);
	CHECK(p.process_context);
	CHECK_EQ(p.process_table_size, 1234);
	conf_fill_decoder(&c, &d);
	CHECK(memcmp(&d, &p.decoder, sizeof(d)) == 0);
	CHECK_EQ(d.event_timeout_ms, 1500);
	CHECK_EQ(d.max_open_events, 777);
	CHECK(!d.resolve_ids);
	CHECK_EQ(d.ancestors_depth, 3);
	/* In audit_settings[] order: enabled, failure, rate_limit,
	 * backlog_limit, backlog_wait_time. */
	conf_fill_kernel(&c, &k);
	for (unsigned i = 0; i < AUDIT_SETTINGS; i++) {
		static const int64_t want[AUDIT_SETTINGS] = { 1, 0, 11, 4096, KERNEL_KEEP };

		if (k.value[i] != want[i])
			FAIL("%s: %lld, expected %lld", audit_settings[i].name, (long long)k.value[i],
			     (long long)want[i]);
	}
	CHECK_STR(audit_settings[4].name, "backlog_wait_time");
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(thread_limits_are_the_pipelines),
				  CASE(each_stage_gets_its_settings)));
}
