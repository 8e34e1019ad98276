/* SPDX-License-Identifier: MIT */
#include "conf-json.h"
#include "conf.h"
#include "harness.h"
#include "pipeline.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse(struct conf *c, const char *text, char *err)
{
	conf_init(c);
	return conf_parse(c, "test.conf", text, strlen(text), err, CONF_ERRORS_MAX);
}

static void expect_error(const char *text, const char *message)
{
	struct conf c;
	char err[CONF_ERRORS_MAX] = "";

	CHECK_EQ(parse(&c, text, err), -EINVAL);
	CHECK_STR(err, message);
}

/* A user's credentials as tests/live/nats_creds.py made them (keys made
 * for this test, trusted by no server): the user JWT, the user's seed,
 * and an account's seed. */
static const char creds_jwt[] =
	"eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJXSlJQRzJFV0xLS0s3QVJRT"
	"U5DSkY2SkhZUjRCUFo2RVZHU0ROVUNDM1NXSTRZTFdXMzRRIiwiaWF0IjoxNzk2MTk3ODE0LCJpc3MiO"
	"iJBQlRHTEdTU0xQRkVSRFBaN0pGSEZXU1VYU0VXV0lXRkNUWEVORkpUQ1VRSDRSSU1RSjY2WUNOViIsI"
	"m5hbWUiOiJ1bml0LXRlc3QiLCJzdWIiOiJVQVJaQUtBTlFJM0xNRlhINktaUjdXM1BLTTNWR0w2TDdSS"
	"VJQNFg2SEszQzJGNzRCRTNNNUQ2UyIsIm5hdHMiOnsicHViIjp7fSwic3ViIjp7fSwic3VicyI6LTEsI"
	"mRhdGEiOi0xLCJwYXlsb2FkIjotMSwidHlwZSI6InVzZXIiLCJ2ZXJzaW9uIjoyfX0.zdb-KQfFcr2XE"
	"-sBX9US8ItkBgu6DrO8vZc9MgnYhV0N0kfNKEroZ74X28vOfaKDOR6vUfPYCv5EuCPKQSpdBA";
static const char creds_seed[] = "SUABOHIS2MU6JUZMN7H5DBNRG56WLMPHBPZM4K5G7F3RPGRGSBYETD673U";
static const char account_seed[] = "SAABGSIDTVZZITZGCGZDUIC6R6H6J2IMFIJ3GXDVJDGDI6ETCONW6JUGAI";

/* A file NAME holding text in a directory removed when the case ends. */
static const char *write_file(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", harness_tempdir("conf"), name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		FAIL("%s: cannot write", path);
	return path;
}

/* A credentials file as nsc writes it, of that JWT and seed. */
static const char *creds_file(const char *jwt, const char *seed)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "-----BEGIN NATS USER JWT-----\n%s\n------END NATS USER JWT------\n\n"
		 "************************* IMPORTANT *************************\n"
		 "NKEY Seed printed below can be used to sign and prove identity.\n"
		 "NKEYs are sensitive and should be treated as secrets.\n\n"
		 "-----BEGIN USER NKEY SEED-----\n%s\n------END USER NKEY SEED------\n\n"
		 "*************************************************************\n",
		 jwt, seed);
	return write_file("user.creds", text);
}

TEST(embedded_default_parses)
{
	struct conf c;
	char err[CONF_ERRORS_MAX] = "";

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
	char err[CONF_ERRORS_MAX] = "";

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
	expect_error("mode = unicast\nmode = unicast\n",
		     "test.conf:2: mode is set twice (first on line 1)");
	expect_error("log_dir = relative\n", "test.conf:1: log_dir: 'relative' is not an absolute path");
	expect_error("backlog_limit = lots\n",
		     "test.conf:1: backlog_limit: 'lots' is not 'keep' or a number from 0 to 4294967295");
}

/* The disk keys: MiB or a percentage, a group of this machine, auditd's
 * actions; space_left below admin_space_left is refused, as auditd does. */
TEST(disk_keys_values_and_errors)
{
	struct conf c;
	char err[CONF_ERRORS_MAX];
	uint64_t mib;
	unsigned percent;
	uint32_t gid;

	CHECK_EQ(parse(&c, "space_left = 25%\nadmin_space_left = 5%\nspace_left_action = rotate\n"
			   "admin_space_left_action = syslog\ndisk_full_action = ignore\n"
			   "rotate_every = daily\nlog_group = 0\nflush = data\nfreq = 1\n", err), 0);
	CHECK_EQ(conf_space(c.space_left, &mib, &percent), 0);
	CHECK(mib == 0 && percent == 25);
	CHECK_EQ(conf_space("75", &mib, &percent), 0);
	CHECK(mib == 75 && percent == 0);
	CHECK_EQ(c.space_left_action, 2);
	CHECK_EQ(c.disk_full_action, 0);
	CHECK_EQ(c.rotate_every, 2);
	CHECK_EQ(c.flush, 3);
	CHECK_EQ(conf_group_id("root", &gid), 0);
	CHECK_EQ(gid, 0);
	CHECK_EQ(conf_group_id("12345", &gid), 0);
	CHECK_EQ(gid, 12345);
	CHECK_EQ(conf_group_id("no-such-group-here", &gid), -ENOENT);
	expect_error("space_left = 100%\n",
		     "test.conf:1: space_left: '100%' is not MiB (0 to 1073741824) or a percentage "
		     "of log_dir's file system (1% to 99%)");
	expect_error("admin_space_left = 5M\n",
		     "test.conf:1: admin_space_left: '5M' is not MiB (0 to 1073741824) or a "
		     "percentage of log_dir's file system (1% to 99%)");
	expect_error("log_group = no-such-group-here\n",
		     "test.conf:1: log_group: 'no-such-group-here' is not a group of this machine (a "
		     "name from /etc/group, or a number)");
	expect_error("disk_full_action = syslog\n",
		     "test.conf:1: disk_full_action: 'syslog' is not 'ignore', 'rotate' or 'suspend'");
	expect_error("flush = always\n", "test.conf:1: flush: 'always' is not 'none', 'incremental', "
					  "'incremental_async', 'data' or 'sync'");
	expect_error("freq = 0\n", "test.conf:1: freq: '0' is not a number from 1 to 1000000 (events)");
	expect_error("\nspace_left = 40\n",
		     "test.conf:2: space_left (40) is below admin_space_left (50): space_left is the "
		     "first warning, admin_space_left the last");
	expect_error("space_left = 10%\nadmin_space_left = 20%\n",
		     "test.conf:1: space_left (10%) is below admin_space_left (20%): space_left is the "
		     "first warning, admin_space_left the last");
	/* Different units: the space policy compares them on the file system. */
	CHECK_EQ(parse(&c, "space_left = 1%\nadmin_space_left = 500\n", err), 0);
}

TEST(metrics_listen_values)
{
	struct conf c;
	char err[CONF_ERRORS_MAX];

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

/* output = nats and its keys: good values taken, each bad one refused
 * with what the key takes; keys that go together checked together. */
TEST(nats_keys_values_and_errors)
{
	struct conf c;
	char err[CONF_ERRORS_MAX], text[512];

	CHECK_EQ(parse(&c, "output = json,nats\nnats_url = nats://a:4222, tls://[::1]:4443,"
			   "nats://b.example\nnats_subject = audit.{host}.x.{key}\n"
			   "nats_format = raw\nnats_user = u\nnats_password = p w\n"
			   "nats_max_age = 3600\nnats_duplicate_window = 3600\nspool_max = 10M\n",
		       err), 0);
	CHECK(c.output_nats && c.output_json && !c.output_raw);
	CHECK_STR(c.nats_url, "nats://a:4222, tls://[::1]:4443,nats://b.example");
	CHECK_STR(c.nats_password, "p w");
	CHECK_EQ(c.nats_format, 1);
	CHECK_EQ(c.spool_max, 10u << 20);
	/* The built-in values: a local server, stream NEEDLE, per host. */
	CHECK_EQ(parse(&c, "", err), 0);
	CHECK(!c.output_nats);
	CHECK_STR(c.nats_url, "nats://127.0.0.1:4222");
	CHECK_STR(c.nats_stream, "NEEDLE");
	CHECK_STR(c.nats_subject, "needle.events.{host}");
	CHECK_EQ(c.nats_max_pending, 4096);
	CHECK_EQ(c.spool_max, 1ull << 30);
	expect_error("nats_url = nats://u:pw@a:4222\n",
		     "test.conf:1: nats_url: 'nats://u:pw@a:4222' is not nats://HOST:PORT or "
		     "tls://HOST:PORT (several: comma-separated): a user or password in it (use "
		     "nats_user and nats_password, nats_token or nats_creds)");
	expect_error("nats_url = nats://a:4222,http://b\n",
		     "test.conf:1: nats_url: 'http://b' is not nats://HOST:PORT or tls://HOST:PORT "
		     "(several: comma-separated): no nats:// or tls:// at its start");
	expect_error("nats_url = nats://a:99999\n",
		     "test.conf:1: nats_url: 'nats://a:99999' is not nats://HOST:PORT or "
		     "tls://HOST:PORT (several: comma-separated): no port from 1 to 65535 after its "
		     "':'");
	expect_error("nats_url = nats://a:4222,\n",
		     "test.conf:1: nats_url: '' is not nats://HOST:PORT or tls://HOST:PORT (several: "
		     "comma-separated): empty");
	expect_error("nats_stream = my.stream\n",
		     "test.conf:1: nats_stream: 'my.stream' is not a stream name (letters, digits, "
		     "'-' and '_')");
	expect_error("nats_subject = needle.events.>\n",
		     "test.conf:1: nats_subject: 'needle.events.>' is not a subject: '>' at 15 (a "
		     "subject to publish to has printable characters, no wildcard '*' or '>')");
	expect_error("nats_subject = needle..x\n",
		     "test.conf:1: nats_subject: 'needle..x' is not a subject: an empty token at 8 "
		     "(tokens are separated by one '.')");
	expect_error("nats_subject = needle.h-{host}\n",
		     "test.conf:1: nats_subject: 'needle.h-{host}' is not a subject: {host} is not a "
		     "token of its own (write it between dots: needle.events.{host})");
	expect_error("nats_subject = needle.{hostname}\n",
		     "test.conf:1: nats_subject: 'needle.{hostname}' is not a subject: '{' at 8 "
		     "starts neither {host} nor {key}");
	expect_error("nats_tls_ca = /nonexistent/ca.pem\n",
		     "test.conf:1: nats_tls_ca: '/nonexistent/ca.pem' cannot be read: No such file or "
		     "directory");
	expect_error("nats_creds = /etc\n", "test.conf:1: nats_creds: '/etc' is not a regular file");
	expect_error("nats_tls_key = key.pem\n",
		     "test.conf:1: nats_tls_key: 'key.pem' is not an absolute path (or empty for "
		     "none)");
	expect_error("nats_replicas = 7\n",
		     "test.conf:1: nats_replicas: '7' is not a number from 1 to 5");
	expect_error("nats_max_pending = 0\n",
		     "test.conf:1: nats_max_pending: '0' is not a number from 1 to 65536 (messages)");
	expect_error("spool_max = 1K\n", "test.conf:1: spool_max: '1K' is not a size from 1M to "
					   "1024G (bytes, or with a K, M or G suffix)");
	expect_error("\nnats_user = u\n",
		     "test.conf:2: nats_user: set both nats_user and nats_password, or neither");
	snprintf(text, sizeof(text), "nats_token = t\nnats_creds = %s\n",
		 creds_file(creds_jwt, creds_seed));
	expect_error(text, "test.conf:1: nats_token: nats_creds, nats_user with nats_password, and "
			   "nats_token are three ways to authenticate: set one");
	expect_error("nats_tls_cert = /etc/passwd\n",
		     "test.conf:1: nats_tls_cert: a client certificate goes with its key: set both "
		     "nats_tls_cert and nats_tls_key, or neither");
	expect_error("nats_max_age = 60\n",
		     "test.conf:1: nats_duplicate_window: nats_duplicate_window is longer than "
		     "nats_max_age: the stream cannot remember an id longer than it keeps the "
		     "message");
}

/* nats_creds: a file that libnats would find wrong only when it connects
 * (and needle take for a server that does not answer) is refused at
 * parse, the file and what is wrong named; the files nsc writes, and one
 * with the seed on a bare line (libnats takes it), are taken. */
static void expect_creds_error(const char *path, const char *why)
{
	char text[512], want[1024];

	snprintf(text, sizeof(text), "nats_creds = %s\n", path);
	snprintf(want, sizeof(want), "test.conf:1: nats_creds: '%s' %s", path, why);
	expect_error(text, want);
}

TEST(nats_creds_holds_a_jwt_and_a_seed)
{
	struct conf c;
	char err[CONF_ERRORS_MAX], text[2048], seed[64];
	const char *path;

	snprintf(text, sizeof(text), "nats_creds = %s\n", creds_file(creds_jwt, creds_seed));
	CHECK_EQ(parse(&c, text, err), 0);
	snprintf(text, sizeof(text), "-----BEGIN NATS USER JWT-----\n%s\n------END NATS USER "
		 "JWT------\n\n  %s\n", creds_jwt, creds_seed);
	path = write_file("bare-seed.creds", text);
	snprintf(text, sizeof(text), "nats_creds = %s\n", path);
	CHECK_EQ(parse(&c, text, err), 0);
	CHECK(strstr(c.nats_creds, "bare-seed.creds") != NULL);

	snprintf(text, sizeof(text), "-----BEGIN NATS USER JWT-----\n%s\n------END NATS USER "
		 "JWT------\n", creds_jwt);
	expect_creds_error(write_file("no-seed.creds", text),
			   "holds no NKey seed (a -----BEGIN USER NKEY SEED----- block, as nsc "
			   "writes it)");
	expect_creds_error(write_file("empty.creds", ""),
			   "holds no user JWT (a -----BEGIN NATS USER JWT----- block, as nsc "
			   "writes it)");
	snprintf(text, sizeof(text), "%s\n%s\n", creds_jwt, creds_seed);
	expect_creds_error(write_file("bare.creds", text),
			   "holds no user JWT (a -----BEGIN NATS USER JWT----- block, as nsc "
			   "writes it)");
	expect_creds_error(creds_file("not a jwt", creds_seed),
			   "holds no user JWT (its first block is not one)");
	snprintf(seed, sizeof(seed), "%s", creds_seed);
	seed[20] = seed[20] == 'A' ? 'B' : 'A';
	expect_creds_error(creds_file(creds_jwt, seed),
			   "holds a mistyped NKey seed (its checksum does not match)");
	seed[20] = 'a';
	expect_creds_error(creds_file(creds_jwt, seed), "holds a mistyped NKey seed (not base32)");
	snprintf(seed, sizeof(seed), "%.57s", creds_seed);
	expect_creds_error(creds_file(creds_jwt, seed),
			   "holds a mistyped NKey seed (a seed has 58 characters)");
	expect_creds_error(creds_file(creds_jwt, account_seed),
			   "holds an NKey seed that is not a user's (SU...)");
	snprintf(text, sizeof(text), "-----BEGIN NATS USER JWT-----\r\n%s\r\n------END NATS "
		 "USER JWT------\r\n-----BEGIN USER NKEY SEED-----\r\n%s\r\n------END USER "
		 "NKEY SEED------\r\n", creds_jwt, creds_seed);
	expect_creds_error(write_file("crlf.creds", text),
			   "has \\r\\n line ends: libnats 3.4 takes the \\r for a part of the "
			   "seed (write it with \\n alone: sed -i 's/\\r$//')");
}

TEST(refuses_dangerous_kernel_settings)
{
	expect_error("failure = 2\n", "test.conf:1: failure: 2 makes the kernel panic on audit "
				     "failure; needle refuses it (use 0 = silent or 1 = printk)");
	expect_error("enabled = 2\n", "test.conf:1: enabled: 2 locks the audit configuration until "
				     "reboot and needle could not restore it; use 1");
}

/* Multicast changes nothing in the kernel: its kernel settings default to
 * keep (the embedded configuration's enabled = 1 and backlog_limit =
 * 65536 do not apply), and a value given explicitly is an error at its
 * line. */
TEST(multicast_changes_no_kernel_setting)
{
	struct conf c;
	char err[CONF_ERRORS_MAX];

	CHECK_EQ(parse(&c, "mode = multicast\n", err), 0);
	CHECK_EQ(c.mode, CONF_MODE_MULTICAST);
	CHECK(c.enabled == CONF_KEEP);
	CHECK(c.backlog_limit == CONF_KEEP);
	CHECK(c.backlog_wait_time == CONF_KEEP);
	CHECK(c.rate_limit == CONF_KEEP);
	CHECK(c.failure == CONF_KEEP);
	CHECK(!c.default_rules);
	CHECK_EQ(parse(&c, "mode = multicast\nenabled = keep\nbacklog_limit = keep\n", err), 0);
	/* The same keys in unicast mode keep their built-in values. */
	CHECK_EQ(parse(&c, "mode = unicast\n", err), 0);
	CHECK_EQ(c.enabled, 1);
	CHECK_EQ(c.backlog_limit, 65536);
	expect_error("mode = multicast\n\nenabled = 1\n",
		     "test.conf:3: enabled: mode = multicast changes no kernel setting: set "
		     "enabled = keep (or leave it out), or use mode = unicast");
	expect_error("backlog_wait_time = 100\nmode = multicast\n",
		     "test.conf:1: backlog_wait_time: mode = multicast changes no kernel setting: "
		     "set backlog_wait_time = keep (or leave it out), or use mode = unicast");
	expect_error("mode = multicast\ndefault_rules = yes\n",
		     "test.conf:2: default_rules: mode = multicast loads no rules: set "
		     "default_rules = no (or leave it out), or use mode = unicast");
	/* Nor does it start auditd's plugins: auditd, beside it, feeds them. */
	CHECK_EQ(parse(&c, "mode = multicast\n", err), 0);
	CHECK_STR(c.plugin_dir, "");
	CHECK_EQ(parse(&c, "mode = unicast\n", err), 0);
	CHECK_STR(c.plugin_dir, "/etc/audit/plugins.d");
	expect_error("mode = multicast\nplugin_dir = /etc/audit/plugins.d\n",
		     "test.conf:2: plugin_dir: mode = multicast starts no plugins: the audit daemon "
		     "beside it feeds them: set plugin_dir =  (or leave it out), or use mode = "
		     "unicast");
}

/* A file with several errors: all of them at once, each at its line. */
TEST(every_error_reported_at_once)
{
	expect_error("mode = unicast\n"
		     "bogus = 1\n"
		     "ring_size = 3M\n"
		     "listener_threads\n"
		     "mode = unicast\n"
		     "ring_full = sometimes\n"
		     "event_timeout = 100\n",
		     "test.conf:2: unknown key 'bogus' (README.md, Configuration, lists them)\n"
		     "test.conf:3: ring_size: '3M' is not a power of two (64K, 1M, 16M...)\n"
		     "test.conf:4: expected 'key = value', got 'listener_threads'\n"
		     "test.conf:5: mode is set twice (first on line 1)\n"
		     "test.conf:6: ring_full: 'sometimes' is not 'block' or 'drop'");
	/* Errors in values and between keys together. */
	expect_error("mode = multicast\nenabled = 1\nnum_logs = 0\n",
		     "test.conf:3: num_logs: '0' is not a number from 1 to 999\n"
		     "test.conf:2: enabled: mode = multicast changes no kernel setting: set "
		     "enabled = keep (or leave it out), or use mode = unicast");
}

/* More errors than err holds: the ones that fit, then how many more. */
TEST(too_many_errors_are_counted)
{
	char text[8192] = "", err[CONF_ERRORS_MAX];
	struct conf c;
	unsigned lines = 0;

	for (int i = 0; i < 300; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "bogus%d = 1\n", i);
	CHECK_EQ(parse(&c, text, err), -EINVAL);
	CHECK(strlen(err) < sizeof(err));
	for (const char *p = err; (p = strchr(p, '\n')); p++)
		lines++;
	NOTE("%u lines shown", lines + 1);
	CHECK(lines > 10);
	CHECK(strstr(err, "test.conf:1: unknown key 'bogus0'") == err);
	{
		char more[64];

		snprintf(more, sizeof(more), "\ntest.conf: %u more error(s) not shown", 300 - lines);
		CHECK(strstr(err, more) != NULL);
	}
}

/* conf_format's text parses back to the same configuration, key by key
 * (SIGHUP's merge relies on it). */
TEST(format_parses_back)
{
	static const char *const texts[] = {
		"",
		"mode = multicast\noutput = enriched,stdout\ncompress = lz4\nmetrics_listen =\n"
		"control_socket =\nring_full = drop\n",
		"backlog_wait_time = 0\nrate_limit = 100\nfailure = 0\nenabled = keep\n",
	};

	for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		struct conf a, b;
		char err[CONF_ERRORS_MAX], text_a[CONF_TEXT_MAX], text_b[CONF_TEXT_MAX];

		CHECK_EQ(parse(&a, texts[t], err), 0);
		conf_format(&a, true, text_a, sizeof(text_a));
		CHECK_EQ(parse(&b, text_a, err), 0);
		conf_format(&b, true, text_b, sizeof(text_b));
		CHECK_STR(text_b, text_a);
		for (unsigned k = 0; k < CONF_KEY_COUNT; k++)
			CHECK(strstr(text_a, conf_keys[k].name) != NULL);
	}
}

/* The secret keys print as CONF_SECRET_MASK unless asked (needle config's
 * output goes into tickets); asked, the text reads back to the same
 * configuration; the mask itself is refused as a value. Every key marked
 * secret, each set alone (one way to authenticate at a time). */
TEST(secrets_printed_only_when_asked)
{
	static const struct {
		const char *file;
		enum conf_key key;
		const char *secret;
	} cases[] = {
		{ "nats_user = gatherer\nnats_password = s3cret-xyzzy\n", CONF_KEY_NATS_PASSWORD,
		  "s3cret-xyzzy" },
		{ "nats_token = t0ken-xyzzy\n", CONF_KEY_NATS_TOKEN, "t0ken-xyzzy" },
	};
	unsigned secret_keys = 0, covered = 0;

	for (unsigned k = 0; k < CONF_KEY_COUNT; k++)
		secret_keys += conf_keys[k].secret;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *secret = cases[i].secret;
		enum conf_key k = cases[i].key;
		char err[CONF_ERRORS_MAX], text[CONF_TEXT_MAX], again[CONF_TEXT_MAX];
		char line[128], want[256];
		struct outbuf json = { 0 };
		struct conf c, back;

		CHECK(conf_keys[k].secret);
		covered++;
		CHECK_EQ(parse(&c, cases[i].file, err), 0);
		/* Not shown: neither in the text nor in the JSON. */
		CHECK(conf_format(&c, false, text, sizeof(text)) < sizeof(text));
		CHECK(strstr(text, secret) == NULL);
		snprintf(line, sizeof(line), "\n%s = " CONF_SECRET_MASK "\n", conf_keys[k].name);
		CHECK(strstr(text, line) != NULL);
		conf_format_json(&c, false, &json);
		CHECK(!json.failed);
		CHECK(memmem(json.data, json.len, secret, strlen(secret)) == NULL);
		snprintf(line, sizeof(line), "\"%s\":\"" CONF_SECRET_MASK "\"", conf_keys[k].name);
		CHECK(memmem(json.data, json.len, line, strlen(line)) != NULL);
		outbuf_free(&json);
		/* That text read back: refused, the key named, the way out said. */
		CHECK_EQ(parse(&back, text, err), -EINVAL);
		snprintf(want, sizeof(want), "%s: '" CONF_SECRET_MASK "' is what needle config prints "
			 "in place of the value: write the value itself (needle config "
			 "--show-secrets prints it)", conf_keys[k].name);
		CHECK(strstr(err, want) != NULL);
		/* Shown: the value, and the text reads back the same. */
		CHECK(conf_format(&c, true, text, sizeof(text)) < sizeof(text));
		snprintf(line, sizeof(line), "\n%s = %s\n", conf_keys[k].name, secret);
		CHECK(strstr(text, line) != NULL);
		CHECK_EQ(parse(&back, text, err), 0);
		conf_format(&back, true, again, sizeof(again));
		CHECK_STR(again, text);
		conf_format_json(&c, true, &json);
		CHECK(!json.failed && memmem(json.data, json.len, secret, strlen(secret)) != NULL);
		outbuf_free(&json);
	}
	CHECK_EQ(covered, secret_keys);
}

TEST(every_key_is_live_or_next_start)
{
	for (unsigned k = 0; k < CONF_KEY_COUNT; k++) {
		const struct conf_key_info *i = &conf_keys[k];

		CHECK(i->name != NULL);
		CHECK(i->reload == CONF_LIVE || i->reload == CONF_NEXT_START);
		/* A key that waits says why. */
		CHECK((i->reload == CONF_NEXT_START) == (i->why != NULL));
		for (unsigned j = 0; j < k; j++)
			CHECK(strcmp(conf_keys[j].name, i->name) != 0);
	}
}

/* A value other than the built-in one, for every key. */
static const char *other_value(const char *key)
{
	static const char *const values[][2] = {
		{ "mode", "unicast" }, /* from a multicast base, see below */
		{ "listener_threads", "2" }, { "decoder_threads", "3" },
		{ "socket_buffer", "1M" }, { "ring_size", "1M" }, { "ring_full", "drop" },
		{ "enabled", "0" }, { "backlog_limit", "100" }, { "backlog_wait_time", "50" },
		{ "rate_limit", "10" }, { "failure", "0" }, { "default_rules", "yes" },
		{ "log_dir", "/tmp/other" }, { "output", "enriched" }, { "max_log_file", "1M" },
		{ "num_logs", "2" }, { "compress", "lz4" }, { "event_timeout", "500" },
		{ "max_open_events", "64" }, { "resolve_ids", "no" }, { "process_context", "no" },
		{ "process_events", "no" },
		{ "ancestors_depth", "1" }, { "process_table_size", "128" },
		{ "metrics_listen", "127.0.0.1:9999" }, { "control_socket", "/tmp/other.sock" },
		{ "rules", "/etc/other.rules" }, { "rules_immutable", "skip" },
		{ "rules_check_interval", "5" },
		{ "rotate_every", "hourly" }, { "log_group", "0" }, { "flush", "sync" },
		{ "freq", "7" }, { "space_left", "20%" }, { "space_left_action", "rotate" },
		{ "admin_space_left", "10" }, { "admin_space_left_action", "syslog" },
		{ "disk_full_action", "ignore" },
		{ "plugin_dir", "/tmp/plugins.d" }, { "plugin_queue_size", "1M" },
		{ "max_restarts", "3" }, { "filter_file", "/etc/needle/other.filter" },
		{ "nats_url", "nats://10.0.0.1:4222,tls://b.example:4443" },
		{ "nats_stream", "AUDIT" }, { "nats_subject", "audit.{key}.{host}" },
		{ "nats_format", "raw" }, { "nats_user", "u" }, /* nats_creds: a file, below */
		{ "nats_password", "pw-xyzzy" }, { "nats_token", "tok-xyzzy" }, { "nats_tls_ca", "/etc/passwd" },
		{ "nats_tls_cert", "/etc/passwd" }, { "nats_tls_key", "/etc/group" },
		{ "nats_replicas", "3" }, { "nats_max_age", "86400" }, { "nats_max_bytes", "10G" },
		{ "nats_duplicate_window", "600" }, { "nats_max_pending", "100" },
		{ "spool_max", "64M" },
	};

	if (strcmp(key, "nats_creds") == 0)
		return creds_file(creds_jwt, creds_seed);
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		if (strcmp(values[i][0], key) == 0)
			return values[i][1];
	return NULL;
}

/* SIGHUP's decision, key by key: a change of one key is that key alone;
 * a live key takes the new value, a next-start key keeps the running one
 * and the report says it takes effect at the next start, and why. */
TEST(reload_names_or_applies_every_key)
{
	unsigned live = 0, waits = 0;

	for (unsigned k = 0; k < CONF_KEY_COUNT; k++) {
		const struct conf_key_info *info = &conf_keys[k];
		const char *value = other_value(info->name);
		struct conf running, next, run;
		char err[CONF_ERRORS_MAX], line[128], report[1024], was[300], now[300], got[300],
			want[1024];
		uint64_t changed = 0;

		if (!value)
			FAIL("key %s has no other value in this test: add one", info->name);
		CHECK_EQ(parse(&running, k == CONF_KEY_MODE ? "mode = multicast\n" : "", err), 0);
		next = running;
		snprintf(line, sizeof(line), "%s = %s\n", info->name, value);
		/* The keys that go in pairs are set as pairs; the other one
		 * the same in both, so the change is this key alone. */
		if (k == CONF_KEY_NATS_USER || k == CONF_KEY_NATS_PASSWORD) {
			strcpy(line, k == CONF_KEY_NATS_USER ? "nats_user = u\nnats_password = same\n"
							     : "nats_user = same\nnats_password = pw-xyzzy\n");
			CHECK_EQ(parse(&running, "nats_user = same\nnats_password = same\n", err), 0);
			next = running;
		} else if (k == CONF_KEY_NATS_TLS_CERT || k == CONF_KEY_NATS_TLS_KEY) {
			strcpy(line, k == CONF_KEY_NATS_TLS_CERT
					     ? "nats_tls_cert = /etc/passwd\nnats_tls_key = /etc/hostname\n"
					     : "nats_tls_cert = /etc/hostname\nnats_tls_key = /etc/group\n");
			CHECK_EQ(parse(&running, "nats_tls_cert = /etc/hostname\n"
						 "nats_tls_key = /etc/hostname\n", err), 0);
			next = running;
		}
		if (conf_parse(&next, "next.conf", line, strlen(line), err, sizeof(err)) != 0)
			FAIL("%s: %s", line, err);
		CHECK_EQ(conf_reload_merge(&running, &next, &run, report, sizeof(report), &changed), 1);
		CHECK(changed == 1ull << k);
		conf_format_key(&running, (enum conf_key)k, was, sizeof(was));
		conf_format_key(&next, (enum conf_key)k, now, sizeof(now));
		conf_format_key(&run, (enum conf_key)k, got, sizeof(got));
		CHECK_STR(got, info->reload == CONF_LIVE ? now : was);
		if (info->secret) {
			/* The values themselves never reach the report. */
			CHECK(strstr(report, value) == NULL);
			strcpy(was, was[0] ? "(secret)" : "");
			strcpy(now, "(secret)");
			strcpy(got, info->reload == CONF_LIVE ? now : was);
		}
		if (info->reload == CONF_LIVE) {
			live++;
			CHECK_STR(got, now);
			snprintf(want, sizeof(want), "%s: %s -> %s", info->name, was[0] ? was : "(empty)", now);
		} else {
			waits++;
			CHECK_STR(got, was);
			snprintf(want, sizeof(want), "%s: %s -> %s takes effect at the next start (%s)",
				 info->name, was[0] ? was : "(empty)", now, info->why);
		}
		CHECK_STR(report, want);
		/* Every other key as next says. */
		for (unsigned o = 0; o < CONF_KEY_COUNT; o++) {
			if (o == k)
				continue;
			conf_format_key(&next, (enum conf_key)o, now, sizeof(now));
			conf_format_key(&run, (enum conf_key)o, got, sizeof(got));
			CHECK_STR(got, now);
		}
	}
	NOTE("%u keys live, %u at the next start", live, waits);
	CHECK(live > 0 && waits > 0);
}

/* A needle running in multicast mode changes no kernel setting: a file
 * that switches to unicast with kernel values waits for the next start. */
TEST(reload_in_multicast_leaves_the_kernel)
{
	struct conf running, next, run;
	char err[CONF_ERRORS_MAX], report[1024];
	uint64_t changed;

	CHECK_EQ(parse(&running, "mode = multicast\n", err), 0);
	CHECK_EQ(parse(&next, "mode = unicast\nbacklog_limit = 100\nenabled = keep\n"
			      "backlog_wait_time = keep\nrate_limit = keep\nfailure = keep\n"
			      "plugin_dir =\n",
		       err), 0);
	CHECK_EQ(conf_reload_merge(&running, &next, &run, report, sizeof(report), &changed), 2);
	CHECK(run.backlog_limit == CONF_KEEP);
	CHECK_EQ(run.mode, CONF_MODE_MULTICAST);
	CHECK(strstr(report, "backlog_limit: keep -> 100 takes effect at the next start (needle "
			     "runs in multicast mode, which changes no kernel setting)") != NULL);
}

TEST(failed_parse_leaves_conf_untouched)
{
	struct conf c;
	char err[CONF_ERRORS_MAX];

	conf_init(&c);
	CHECK_EQ(conf_parse(&c, "t", "ring_size = 1M\nbogus = 1\n", 25, err, sizeof(err)), -EINVAL);
	CHECK_EQ(c.ring_size, 16u << 20);
}

/* One key's value after parsing "key = value" alone. */
static int parse_one(struct conf *c, const char *key, const char *value, char *err,
		     char *ret_value, size_t size)
{
	char line[512];
	int r;

	snprintf(line, sizeof(line), "%s = %s\n", key, value);
	r = parse(c, line, err);
	for (unsigned k = 0; r == 0 && k < CONF_KEY_COUNT; k++)
		if (strcmp(conf_keys[k].name, key) == 0)
			conf_format_key(c, (enum conf_key)k, ret_value, size);
	return r;
}

/* The table, row by row: each key has a name of its own, a type, a doc of
 * one line, a class for SIGHUP; its default, built-in and multicast
 * values parse and print back as written; a number's default is in its
 * range. */
#define KEY_CHECK(cond)                                                   \
	do {                                                              \
		if (!(cond))                                              \
			FAIL("%s: CHECK(%s)", k->name ? k->name : "?", #cond); \
	} while (0)

TEST(table_walk)
{
	for (unsigned id = 0; id < CONF_KEY_COUNT; id++) {
		const struct conf_key_info *k = &conf_keys[id];
		const char *values[] = { k->def, k->builtin, k->multicast };
		struct conf c;
		char err[CONF_ERRORS_MAX], got[300];

		KEY_CHECK(k->name && k->def && k->doc);
		for (unsigned j = 0; j < id; j++)
			KEY_CHECK(strcmp(conf_keys[j].name, k->name) != 0);
		KEY_CHECK(k->type >= CONF_BOOL && k->type <= CONF_LIST);
		KEY_CHECK(k->doc[0] && !strchr(k->doc, '\n') && strlen(k->doc) <= 90);
		KEY_CHECK(k->reload == CONF_LIVE || k->reload == CONF_NEXT_START);
		KEY_CHECK((k->reload == CONF_NEXT_START) == (k->why != NULL));
		KEY_CHECK(!k->multicast || (k->multicast_what && k->multicast_why));
		if (k->type == CONF_CHOICE || k->type == CONF_LIST)
			KEY_CHECK(k->choices && k->choices[0] && k->choices[1]);
		if (k->type == CONF_LIST)
			KEY_CHECK(k->list_get && k->list_set);
		else
			KEY_CHECK(k->size > 0 && k->offset + k->size <= sizeof(struct conf));
		for (unsigned v = 0; v < 3; v++) {
			if (!values[v])
				continue;
			if (parse_one(&c, k->name, values[v], err, got, sizeof(got)) != 0)
				FAIL("%s = %s: %s", k->name, values[v], err);
			if (strcmp(got, values[v]) != 0)
				FAIL("%s = %s prints back as %s", k->name, values[v], got);
		}
		if (k->type == CONF_NUMBER || k->type == CONF_SIZE) {
			uint64_t n;

			KEY_CHECK(k->min <= k->max);
			KEY_CHECK(conf_parse_size(k->def, &n) == 0);
			KEY_CHECK(n >= k->min && n <= k->max);
		}
		/* conf_init: the built-in value, else the default. */
		conf_init(&c);
		conf_format_key(&c, (enum conf_key)id, got, sizeof(got));
		KEY_CHECK(strcmp(got, k->builtin ? k->builtin : k->def) == 0);
	}
}

/* The embedded configuration is the table's defaults, each below its doc,
 * as conf_format writes them: `needle config` without a file prints it
 * unchanged. */
TEST(embedded_is_the_tables_defaults)
{
	struct conf c;
	char err[CONF_ERRORS_MAX], text[CONF_TEXT_MAX], line[512];
	const char *at = conf_embedded_default;

	CHECK_EQ(conf_load(&c, NULL, err, sizeof(err)), 0);
	CHECK(conf_format(&c, false, text, sizeof(text)) < sizeof(text));
	CHECK_STR(text, conf_embedded_default);
	for (unsigned id = 0; id < CONF_KEY_COUNT; id++) {
		snprintf(line, sizeof(line), "\n# %s\n%s = %s\n", conf_keys[id].doc, conf_keys[id].name,
			 conf_keys[id].def);
		/* In the table's order. */
		if (!(at = strstr(at, line)))
			FAIL("embedded configuration: no '%s' after the key before it", line + 1);
	}
}

/* A value of the wrong kind gets an error that says what the key takes:
 * every key is given one, and the error names the key, the value and its
 * type's words. */
TEST(parse_errors_say_what_the_key_takes)
{
	static const char *const takes[] = {
		[CONF_BOOL] = "is not 'no' or 'yes'",
		[CONF_CHOICE] = "is not '",
		[CONF_NUMBER] = "is not a number from ",
		[CONF_SIZE] = "is not a size from ",
		[CONF_KERNEL] = "is not 'keep' or a number from ",
		[CONF_TEXT] = "is not ",
		[CONF_LIST] = "is not ",
	};

	for (unsigned id = 0; id < CONF_KEY_COUNT; id++) {
		const struct conf_key_info *k = &conf_keys[id];
		struct conf c;
		char err[CONF_ERRORS_MAX], got[300], want[300];

		if (k->any_text) {
			/* A name or a secret: "1x" may be one, and is taken (a
			 * user's with its password). */
			char text[128];

			snprintf(text, sizeof(text), "%s = 1x\n%s", k->name,
				 id == CONF_KEY_NATS_USER     ? "nats_password = 1x\n"
				 : id == CONF_KEY_NATS_PASSWORD ? "nats_user = 1x\n"
								: "");
			if (parse(&c, text, err) != 0)
				FAIL("%s = 1x: %s", k->name, err);
			conf_format_key(&c, (enum conf_key)id, got, sizeof(got));
			CHECK_STR(got, "1x");
			continue;
		}
		snprintf(want, sizeof(want), "test.conf:1: %s: '1x' %s", k->name, takes[k->type]);
		CHECK_EQ(parse_one(&c, k->name, "1x", err, got, sizeof(got)), -EINVAL);
		if (strncmp(err, want, strlen(want)) != 0)
			FAIL("%s = 1x: \"%s\", not \"%s...\"", k->name, err, want);
	}
	expect_error("decoder_threads = 1K\n",
		     "test.conf:1: decoder_threads: '1K' is not a number from 0 to 64");
	expect_error("socket_buffer = 3X\n", "test.conf:1: socket_buffer: '3X' is not a size from "
					     "64K to 1G (bytes, or with a K, M or G suffix)");
	expect_error("max_log_file = 2T\n", "test.conf:1: max_log_file: '2T' is not a size from "
					    "0 to 1024G (bytes, or with a K, M or G suffix)");
	expect_error("event_timeout = 1K\n",
		     "test.conf:1: event_timeout: '1K' is not a number from 10 to 600000 (milliseconds)");
	expect_error("event_timeout = 2s\n",
		     "test.conf:1: event_timeout: '2s' is not a number from 10 to 600000 (milliseconds)");
	expect_error("backlog_wait_time = 1K\n", "test.conf:1: backlog_wait_time: '1K' is not 'keep' "
						 "or a number from 0 to 600000 (jiffies)");
	expect_error("compress = gzip\n", "test.conf:1: compress: 'gzip' is not 'none' or 'lz4'");
	expect_error("output = json,xml\n",
		     "test.conf:1: output: 'xml' is not json, raw, enriched, stdout or nats");
	expect_error("output = ,json\n",
		     "test.conf:1: output: '' is not json, raw, enriched, stdout or nats");
}

/* K, M and G are sizes: the size keys take them, and no other number. */
TEST(only_size_keys_take_suffixes)
{
	unsigned sizes = 0, others = 0;

	for (unsigned id = 0; id < CONF_KEY_COUNT; id++) {
		const struct conf_key_info *k = &conf_keys[id];
		struct conf c;
		char err[CONF_ERRORS_MAX], got[300], text[64];

		if (k->type == CONF_SIZE) {
			sizes++;
			for (unsigned shift = 10; shift <= 30; shift += 10) {
				snprintf(text, sizeof(text), "%" PRIu64 "%c", k->max >> shift,
					 shift == 10 ? 'K' : shift == 20 ? 'M' : 'G');
				if (parse_one(&c, k->name, text, err, got, sizeof(got)) != 0)
					FAIL("%s = %s: %s", k->name, text, err);
			}
		} else if (k->type == CONF_NUMBER || k->type == CONF_KERNEL) {
			others++;
			CHECK_EQ(parse_one(&c, k->name, "1K", err, got, sizeof(got)), -EINVAL);
		}
	}
	NOTE("%u size keys, %u other number keys", sizes, others);
	CHECK(sizes >= 3 && others >= 10);
}

/* `needle config` prints a size as a file would say it: with the largest
 * suffix that is exact, in bytes otherwise. */
TEST(sizes_print_with_their_suffix)
{
	static const char *const cases[][3] = {
		{ "socket_buffer", "1048576", "1M" }, { "socket_buffer", "1536K", "1536K" },
		{ "socket_buffer", "65537", "65537" }, { "ring_size", "1G", "1G" },
		{ "max_log_file", "2048M", "2G" }, { "max_log_file", "1000", "1000" },
		{ "max_log_file", "0", "0" }, { "max_log_file", "1024k", "1M" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct conf c;
		char err[CONF_ERRORS_MAX], got[300];

		if (parse_one(&c, cases[i][0], cases[i][1], err, got, sizeof(got)) != 0)
			FAIL("%s = %s: %s", cases[i][0], cases[i][1], err);
		CHECK_STR(got, cases[i][2]);
	}
}

/* The thread counts' ranges are the pipeline's own limits. */
TEST(thread_limits_are_the_pipelines)
{
	struct conf c;
	char err[CONF_ERRORS_MAX], got[300], text[32], want[128];

	snprintf(text, sizeof(text), "%d", PIPELINE_MAX_LISTENERS);
	CHECK_EQ(parse_one(&c, "listener_threads", text, err, got, sizeof(got)), 0);
	CHECK_EQ(c.listener_threads, PIPELINE_MAX_LISTENERS);
	snprintf(text, sizeof(text), "%d", PIPELINE_MAX_LISTENERS + 1);
	snprintf(want, sizeof(want), "test.conf:1: listener_threads: '%s' is not a number from 1 to %d",
		 text, PIPELINE_MAX_LISTENERS);
	CHECK_EQ(parse_one(&c, "listener_threads", text, err, got, sizeof(got)), -EINVAL);
	CHECK_STR(err, want);
	snprintf(text, sizeof(text), "%d", PIPELINE_MAX_DECODERS);
	CHECK_EQ(parse_one(&c, "decoder_threads", text, err, got, sizeof(got)), 0);
	CHECK_EQ(c.decoder_threads, PIPELINE_MAX_DECODERS);
	snprintf(text, sizeof(text), "%d", PIPELINE_MAX_DECODERS + 1);
	CHECK_EQ(parse_one(&c, "decoder_threads", text, err, got, sizeof(got)), -EINVAL);
}

/* conf_format's text fits CONF_TEXT_MAX whatever the values. */
TEST(format_fits_the_longest_values)
{
	struct conf c;
	char text[CONF_TEXT_MAX];
	size_t len;

	conf_init(&c);
	memset(c.log_dir, 'l', sizeof(c.log_dir) - 1);
	memset(c.metrics_listen, 'm', sizeof(c.metrics_listen) - 1);
	memset(c.control_socket, 'c', sizeof(c.control_socket) - 1);
	memset(c.plugin_dir, 'p', sizeof(c.plugin_dir) - 1);
	/* Every text key of the nats output at its longest too. */
	for (unsigned id = CONF_KEY_NATS_URL; id <= CONF_KEY_NATS_TLS_KEY; id++)
		if (conf_keys[id].type == CONF_TEXT)
			memset((char *)&c + conf_keys[id].offset, 'n', conf_keys[id].size - 1);
	c.output_nats = true;
	c.output_enriched = c.output_stdout = true;
	c.max_log_file = (1ull << 40) - 1;
	c.backlog_limit = UINT32_MAX;
	c.rate_limit = UINT32_MAX;
	len = conf_format(&c, true, text, sizeof(text));
	NOTE("%zu bytes of %d", len, CONF_TEXT_MAX);
	CHECK(len < sizeof(text));
	CHECK_EQ(strlen(text), len);
}

/* README.md's Configuration table against the table: the same keys, each
 * with the same default and SIGHUP column (live or start), and a built-in
 * value that differs from the default named in the row. */
TEST(readme_table_is_the_table)
{
	FILE *f = fopen(NEEDLE_README, "r");
	char line[4096];
	bool in_section = false, seen[CONF_KEY_COUNT] = { false };
	unsigned rows = 0;

	if (!f)
		FAIL("%s: cannot open", NEEDLE_README);
	while (fgets(line, sizeof(line), f)) {
		char key[64], def[256], sighup[16], *meaning;
		unsigned id;
		int end = 0;

		if (strncmp(line, "## ", 3) == 0)
			in_section = strcmp(line, "## Configuration\n") == 0;
		if (!in_section || strncmp(line, "| `", 3) != 0)
			continue;
		/* An empty default is written `` (the scan below needs a byte). */
		if ((sscanf(line, "| `%63[^`]` | `%255[^`]` | %15[a-z] |%n", key, def, sighup, &end) != 3 ||
		     !end) &&
		    (def[0] = '\0', end = 0,
		     sscanf(line, "| `%63[^`]` | `` | %15[a-z] |%n", key, sighup, &end) != 2 || !end)) {
			fclose(f);
			FAIL("README.md: a row of the Configuration table not read: %s", line);
		}
		meaning = line + end;
		rows++;
		for (id = 0; id < CONF_KEY_COUNT; id++)
			if (strcmp(conf_keys[id].name, key) == 0)
				break;
		if (id == CONF_KEY_COUNT) {
			fclose(f);
			FAIL("README.md names a key the table lacks: %s", key);
		}
		seen[id] = true;
		if (strcmp(def, conf_keys[id].def) != 0 ||
		    strcmp(sighup, conf_keys[id].reload == CONF_LIVE ? "live" : "start") != 0) {
			fclose(f);
			FAIL("README.md: %s: default `%s`, %s; the table: `%s`, %s", key, def, sighup,
			     conf_keys[id].def, conf_keys[id].reload == CONF_LIVE ? "live" : "start");
		}
		if (conf_keys[id].builtin) {
			char want[128];

			snprintf(want, sizeof(want), "leaves it out: `%s`", conf_keys[id].builtin);
			if (!strstr(meaning, want)) {
				fclose(f);
				FAIL("README.md: %s: no \"%s\" in its row", key, want);
			}
		}
	}
	fclose(f);
	NOTE("%u rows", rows);
	for (unsigned id = 0; id < CONF_KEY_COUNT; id++)
		if (!seen[id])
			FAIL("README.md's Configuration table lacks %s", conf_keys[id].name);
	CHECK_EQ(rows, CONF_KEY_COUNT);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(embedded_default_parses), CASE(disk_keys_values_and_errors),
				  CASE(values_comments_and_sizes),
				  CASE(errors_name_file_line_and_field),
				  CASE(metrics_listen_values), CASE(refuses_dangerous_kernel_settings),
				  CASE(multicast_changes_no_kernel_setting),
				  CASE(every_error_reported_at_once), CASE(too_many_errors_are_counted),
				  CASE(format_parses_back), CASE(every_key_is_live_or_next_start),
				  CASE(reload_names_or_applies_every_key),
				  CASE(reload_in_multicast_leaves_the_kernel),
				  CASE(failed_parse_leaves_conf_untouched), CASE(table_walk),
				  CASE(embedded_is_the_tables_defaults),
				  CASE(parse_errors_say_what_the_key_takes),
				  CASE(only_size_keys_take_suffixes), CASE(sizes_print_with_their_suffix),
				  CASE(thread_limits_are_the_pipelines),
				  CASE(format_fits_the_longest_values), CASE(readme_table_is_the_table),
				  CASE(nats_keys_values_and_errors),
				  CASE(nats_creds_holds_a_jwt_and_a_seed),
				  CASE(secrets_printed_only_when_asked)));
}
