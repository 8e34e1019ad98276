/* SPDX-License-Identifier: MIT */
/*
 * nats-msg: subject templates, placeholders made tokens, the message id
 * and the batch a decoder hands to the NATS output, read back message by
 * message.
 */
#include "harness.h"
#include "nats-msg.h"

#include <errno.h>
#include <string.h>

static void template_of(const char *text, struct nats_template *t)
{
	char err[256];

	if (nats_template_parse(text, t, err, sizeof(err)) != 0)
		FAIL("%s: %s", text, err);
}

static void refused(const char *text, const char *why)
{
	struct nats_template t;
	char err[256] = "";

	CHECK_EQ(nats_template_parse(text, &t, err, sizeof(err)), -EINVAL);
	CHECK_STR(err, why);
}

TEST(templates_taken_and_refused)
{
	struct nats_template t;
	char filter[NATS_SUBJECT_MAX];

	template_of("needle.events.{host}", &t);
	CHECK(!t.has_key);
	nats_template_filter(&t, filter, sizeof(filter));
	CHECK_STR(filter, "needle.events.*");
	template_of("{key}.x.{host}", &t);
	CHECK(t.has_key);
	nats_template_filter(&t, filter, sizeof(filter));
	CHECK_STR(filter, "*.x.*");
	template_of("audit", &t);
	refused("", "empty");
	refused(".a", "an empty token at 1 (tokens are separated by one '.')");
	refused("a.", "an empty token at 2 (tokens are separated by one '.')");
	refused("a b", "a space at 2 (a subject to publish to has printable characters, no "
		       "wildcard '*' or '>')");
	refused("a.*", "'*' at 3 (a subject to publish to has printable characters, no wildcard "
		       "'*' or '>')");
	refused("a.\x01", "a control or non-ASCII byte at 3 (a subject to publish to has printable "
			  "characters, no wildcard '*' or '>')");
	refused("a.{host}x", "{host} is not a token of its own (write it between dots: "
			     "needle.events.{host})");
	refused("a.{hst}", "'{' at 3 starts neither {host} nor {key}");
	refused("a.x}", "'}' at 4 (a subject to publish to has printable characters, no wildcard "
			"'*' or '>')");
}

/* A stream's subject against the subjects a template makes. */
TEST(subjects_covered_by_filters)
{
	CHECK(nats_subject_covers("needle.>", "needle.events.*"));
	CHECK(nats_subject_covers("needle.events.*", "needle.events.*"));
	CHECK(nats_subject_covers("needle.*.*", "needle.events.*"));
	CHECK(nats_subject_covers(">", "a"));
	CHECK(!nats_subject_covers("needle.events.web1", "needle.events.*"));
	CHECK(!nats_subject_covers("needle.>", "needle"));
	CHECK(!nats_subject_covers("audit.>", "needle.events.*"));
	CHECK(!nats_subject_covers("needle.events", "needle.events.*"));
	CHECK(!nats_subject_covers("needle.events.*.x", "needle.events.*"));
	CHECK(nats_subject_covers("a.b", "a.b"));
}

static void token_is(const char *in, size_t len, const char *want)
{
	struct outbuf o = { 0 };

	nats_token_put(&o, in, len);
	outbuf_putc(&o, '\0');
	CHECK_STR(o.data, want);
	outbuf_free(&o);
}

/* A value becomes one valid token whatever it holds. */
TEST(placeholder_values_made_tokens)
{
	token_is("web1", 4, "web1");
	token_is("web1.example.com", 16, "web1_example_com");
	token_is("a b*c>d\te\x7f\xc3\xa9", 12, "a_b_c_d_e___");
	token_is("", 0, "_");
	token_is("k-1_x/y:z", 9, "k-1_x/y:z");
}

/* Messages into a batch and back: subject, id, payload without its last
 * newline, a key or "none"; a batch cut short. */
TEST(batch_fields_exact)
{
	struct nats_template t;
	struct outbuf b = { 0 };
	struct audit_stamp st1 = { 1796188829, 48, 20712658 }, st2 = { 5, 7, 1 };
	struct nats_msg_view v;
	size_t start, pos = 0;

	template_of("needle.{host}.{key}", &t);
	start = nats_msg_begin(&b, &t, "web1", 4, "pass wd", 7, &st1);
	outbuf_puts(&b, "{\"id\":1}\n");
	nats_msg_end(&b, start);
	start = nats_msg_begin(&b, &t, "web1", 4, NULL, 0, &st2);
	outbuf_puts(&b, "type=SYSCALL a\ntype=PATH b\n");
	nats_msg_end(&b, start);
	CHECK(!b.failed);
	CHECK(nats_msg_next(b.data, b.len, &pos, &v));
	CHECK_EQ(v.subject_len, strlen("needle.web1.pass_wd"));
	CHECK(memcmp(v.subject, "needle.web1.pass_wd", v.subject_len) == 0);
	CHECK_EQ(v.id_len, strlen("web1/1796188829.048:20712658"));
	CHECK(memcmp(v.id, "web1/1796188829.048:20712658", v.id_len) == 0);
	CHECK_EQ(v.data_len, strlen("{\"id\":1}"));
	CHECK(memcmp(v.data, "{\"id\":1}", v.data_len) == 0);
	CHECK(nats_msg_next(b.data, b.len, &pos, &v));
	CHECK(v.subject_len == strlen("needle.web1.none") &&
	      memcmp(v.subject, "needle.web1.none", v.subject_len) == 0);
	CHECK(v.id_len == strlen("web1/5.007:1") && memcmp(v.id, "web1/5.007:1", v.id_len) == 0);
	CHECK(v.data_len == strlen("type=SYSCALL a\ntype=PATH b") &&
	      memcmp(v.data, "type=SYSCALL a\ntype=PATH b", v.data_len) == 0);
	CHECK_EQ(pos, b.len);
	CHECK(!nats_msg_next(b.data, b.len, &pos, &v));
	/* A batch cut short ends before its last message, never past it. */
	pos = 0;
	CHECK(nats_msg_next(b.data, b.len - 1, &pos, &v));
	CHECK(!nats_msg_next(b.data, b.len - 1, &pos, &v));
	outbuf_free(&b);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(templates_taken_and_refused), CASE(subjects_covered_by_filters),
				  CASE(placeholder_values_made_tokens), CASE(batch_fields_exact)));
}
