/* SPDX-License-Identifier: MIT */
#include "conf.h"
#include "harness.h"

#include <errno.h>
#include <string.h>

static int parse(struct conf *c, const char *text, char *err)
{
	conf_init(c);
	return conf_parse(c, "test.conf", text, strlen(text), err, 512);
}

static void expect_error(const char *text, const char *message)
{
	struct conf c;
	char err[512] = "";

	CHECK_EQ(parse(&c, text, err), -EINVAL);
	CHECK_STR(err, message);
}

TEST(embedded_default_parses)
{
	struct conf c;
	char err[512] = "";

	conf_init(&c);
	CHECK_EQ(conf_parse(&c, "<embedded>", conf_embedded_default, strlen(conf_embedded_default),
			    err, sizeof(err)), 0);
	CHECK_EQ(c.mode, CONF_MODE_UNICAST);
	CHECK(c.default_rules);
	CHECK_EQ(c.socket_buffer, 64ull << 20);
	CHECK_EQ(c.backlog_limit, 65536);
	CHECK(c.backlog_wait_time == CONF_KEEP);
}

TEST(values_comments_and_sizes)
{
	struct conf c;
	char err[512] = "";

	CHECK_EQ(parse(&c, "# comment\n\n  ring_size = 1M  # trailing\nlistener_threads=2\n"
			   "ring_full = drop\nfailure = 0\nlog_dir = /tmp/x\n", err), 0);
	CHECK_EQ(c.ring_size, 1 << 20);
	CHECK_EQ(c.listener_threads, 2);
	CHECK_EQ(c.ring_full, CONF_RING_DROP);
	CHECK_EQ(c.failure, 0);
	CHECK_STR(c.log_dir, "/tmp/x");
}

TEST(errors_name_file_line_and_field)
{
	expect_error("mode = unicast\nbogus = 1\n",
		     "test.conf:2: unknown key 'bogus' (README.md, Configuration, lists them)");
	expect_error("\n\nlistener_threads = 0\n",
		     "test.conf:3: listener_threads: '0' is not a number from 1 to 16");
	expect_error("ring_size = 3M\n", "test.conf:1: ring_size: '3M' is not a power of two (64K, 1M, 16M...)");
	expect_error("ring_full = sometimes\n", "test.conf:1: ring_full: 'sometimes' is not 'block' or 'drop'");
	expect_error("mode\n", "test.conf:1: expected 'key = value', got 'mode'");
	expect_error("mode =\n", "test.conf:1: mode has no value");
	expect_error("mode = unicast\nmode = unicast\n", "test.conf:2: mode is set twice");
	expect_error("log_dir = relative\n", "test.conf:1: log_dir: 'relative' is not an absolute path");
	expect_error("backlog_limit = lots\n",
		     "test.conf:1: backlog_limit: 'lots' is not 'keep' or a number from 0 to 4294967295");
}

TEST(metrics_listen_values)
{
	struct conf c;
	char err[512];

	CHECK_EQ(parse(&c, "metrics_listen =\n", err), 0);
	CHECK_STR(c.metrics_listen, ""); /* off */
	CHECK_EQ(parse(&c, "metrics_listen = [::1]:9100\n", err), 0);
	CHECK_EQ(parse(&c, "metrics_listen = localhost:9100\n", err), 0);
	expect_error("metrics_listen = 127.0.0.1\n",
		     "test.conf:1: metrics_listen: '127.0.0.1' is not HOST:PORT (127.0.0.1:9477, "
		     "[::1]:9477) or empty for off");
	expect_error("metrics_listen = 127.0.0.1:99999\n",
		     "test.conf:1: metrics_listen: '127.0.0.1:99999' is not HOST:PORT (127.0.0.1:9477, "
		     "[::1]:9477) or empty for off");
}

TEST(refuses_dangerous_kernel_settings)
{
	expect_error("failure = 2\n", "test.conf:1: failure: 2 makes the kernel panic on audit "
				     "failure; needle refuses it (use 0 = silent or 1 = printk)");
	expect_error("enabled = 2\n", "test.conf:1: enabled: 2 locks the audit configuration until "
				     "reboot and needle could not restore it; use 1");
}

TEST(multicast_changes_no_kernel_setting)
{
	struct conf c;
	char err[512];

	expect_error("mode = multicast\n", "test.conf: mode = multicast changes no kernel setting: "
					   "set enabled = keep or use mode = unicast");
	expect_error("mode = multicast\nenabled = keep\nbacklog_limit = keep\ndefault_rules = yes\n",
		     "test.conf: mode = multicast loads no rules: set default_rules = no or use "
		     "mode = unicast");
	CHECK_EQ(parse(&c, "mode = multicast\nenabled = keep\nbacklog_limit = keep\n", err), 0);
	CHECK_EQ(c.mode, CONF_MODE_MULTICAST);
}

TEST(failed_parse_leaves_conf_untouched)
{
	struct conf c;
	char err[512];

	conf_init(&c);
	CHECK_EQ(conf_parse(&c, "t", "ring_size = 1M\nbogus = 1\n", 25, err, sizeof(err)), -EINVAL);
	CHECK_EQ(c.ring_size, 16u << 20);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(embedded_default_parses), CASE(values_comments_and_sizes),
				  CASE(errors_name_file_line_and_field),
				  CASE(metrics_listen_values), CASE(refuses_dangerous_kernel_settings),
				  CASE(multicast_changes_no_kernel_setting),
				  CASE(failed_parse_leaves_conf_untouched)));
}
