/* SPDX-License-Identifier: MIT */
/*
 * decode/redact.h: redact rules parsed from a filter file (a bad pattern's
 * error names its line, PCRE2's message and the offset), and the records'
 * text they give: quoted and hex arguments, PROCTITLE's NUL-separated
 * argv, a span over two arguments, a long argument in pieces (aN_len
 * follows), sudo's USER_CMD cmd=, a pattern that gives up (the whole
 * line), an event without a match (the same event, the same bytes), the
 * counts by rule, and redact rules taking no part in the verdict.
 */
#include "assemble.h"
#include "filter.h"
#include "format.h"
#include "harness.h"
#include "log-event.h"
#include "record.h"
#include "redact.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct redact_scratch *scratch;
static char errbuf[FILTER_ERRORS_MAX];

static void drop_scratch(void *arg)
{
	(void)arg;
	redact_scratch_free(scratch);
	scratch = NULL;
}

/* The redaction's scratch, made once for the case. */
static struct redact_scratch *the_scratch(void)
{
	if (!scratch) {
		harness_defer(drop_scratch, NULL);
		CHECK((scratch = redact_scratch_new()) != NULL);
	}
	return scratch;
}

static struct filter_set *parse(const char *text)
{
	struct filter_set *fs = filter_parse("r.filter", text, strlen(text), NULL, NULL, errbuf,
					     sizeof(errbuf));

	if (!fs)
		FAIL("the filter did not parse: %s", errbuf);
	return fs;
}

/* The body of the event's record number i, NUL-ended (static buffer). */
static const char *body(const struct audit_event *ev, unsigned i)
{
	static char buf[16384];

	CHECK(i < ev->nrecords);
	snprintf(buf, sizeof(buf), "%.*s", (int)ev->records[i].len, ev->text + ev->records[i].offset);
	return buf;
}

/* Uppercase hex of s (n bytes), as the kernel writes it. */
static const char *hex(const char *s, size_t n)
{
	static char buf[4][4096];
	static unsigned k;
	char *b = buf[k++ % 4];

	for (size_t i = 0; i < n; i++)
		sprintf(b + 2 * i, "%02X", (unsigned char)s[i]);
	b[2 * n] = '\0';
	return b;
}

#define HEX(lit) hex(lit, sizeof(lit) - 1)

/* The event redacted under the rules, its counts summed; fails on NULL. */
static const struct audit_event *redacted(struct filter_set *fs, const char *lines,
					  unsigned *ret_values)
{
	const struct audit_event *ev = event_of(lines), *w = redact_event(fs, the_scratch(), ev);
	const struct redact_hit *h;
	unsigned n = redact_last_hits(the_scratch(), &h);

	CHECK(w != NULL);
	*ret_values = 0;
	for (unsigned i = 0; i < n; i++)
		*ret_values += h[i].values;
	return w;
}

#define STAMP "msg=audit(1700000000.100:10): "
#define SYSCALL_LINE                                                                         \
	"type=SYSCALL " STAMP "arch=c000003e syscall=59 success=yes exit=0 pid=42 auid=1000 "  \
	"uid=1000 comm=\"mysql\" exe=\"/usr/bin/mysql\" key=\"exec\"\n"

TEST(parse_and_bad_patterns)
{
	struct filter_set *fs = parse("redact \"--password=(\\S+)\"  # a comment\n"
				      "drop key=noise\n"
				      "redact \"a\\\"b\"\n");
	static const struct {
		const char *line, *says;
	} bad[] = {
		{ "redact", "redact: expected a PCRE2 pattern in double quotes" },
		{ "redact password", "expected a PCRE2 pattern in double quotes, redact \"PATTERN\", got 'password'" },
		{ "redact \"a(b\"", "redact \"a(b\": bad pattern: missing closing parenthesis at offset 3" },
		{ "redact \"x\" key=y", "redact takes one \"PATTERN\" and nothing else, got 'key=y'" },
		{ "redact \"\"", "redact: the pattern is empty" },
		{ "redact \"a\"b", "expected a PCRE2 pattern in double quotes, redact \"PATTERN\", got '\"a\"b'" },
		{ "redact \"(*UTF)x\"", "bad pattern: using UTF is disabled by the application at offset 6" },
		{ "redact \"[z-a]\"", "range out of order in character class at offset 3" },
	};
	char text[4096] = "", want[64];

	CHECK_EQ(filter_set_rules(fs), 3);
	CHECK(filter_set_redacts(fs));
	CHECK_EQ(filter_rule_action(fs, 0), FILTER_ACTION_REDACT);
	CHECK_STR(filter_rule_text(fs, 0), "redact \"--password=(\\S+)\"");
	CHECK_EQ(filter_rule_line(fs, 2), 3);
	filter_set_free(fs);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strcat(text, bad[i].line);
		strcat(text, "\n");
	}
	CHECK(filter_parse("r.filter", text, strlen(text), NULL, NULL, errbuf, sizeof(errbuf)) ==
	      NULL);
	CHECK_EQ(errno, EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *at, *end;
		char line[512];

		snprintf(want, sizeof(want), "r.filter:%zu: ", i + 1);
		if (!(at = strstr(errbuf, want)))
			FAIL("no error for line %zu in:\n%s", i + 1, errbuf);
		end = strchr(at, '\n');
		snprintf(line, sizeof(line), "%.*s", end ? (int)(end - at) : (int)strlen(at), at);
		if (!strstr(line, bad[i].says))
			FAIL("line %zu: expected '%s' in '%s'", i + 1, bad[i].says, line);
	}
}

/* Quoted arguments stay quoted, the one hex argument stays hex (it holds
 * a space), and the PROCTITLE's NUL-separated argv is redacted the same. */
TEST(quoted_hex_and_proctitle)
{
	struct filter_set *fs = parse("redact \"(?:^|\\s)(?:\\S*/)?mysql\\s.*?-p(\\S+)\"\n"
				      "redact \"Authorization: Bearer (\\S+)\"\n");
	char lines[4096], want[2048];
	const struct audit_event *w;
	unsigned values;

	snprintf(lines, sizeof(lines),
		 SYSCALL_LINE "type=EXECVE " STAMP
			      "argc=5 a0=\"mysql\" a1=\"-u\" a2=\"root\" a3=\"-pS3cret!\" a4=%s\n"
			      "type=PROCTITLE " STAMP "proctitle=%s",
		 HEX("Authorization: Bearer tok.en"),
		 HEX("mysql\0-u\0root\0-pS3cret!\0Authorization: Bearer tok.en"));
	w = redacted(fs, lines, &values);
	CHECK_EQ(values, 4); /* two in EXECVE, two in PROCTITLE */
	CHECK(w->nrecords == 3);
	snprintf(want, sizeof(want),
		 "argc=5 a0=\"mysql\" a1=\"-u\" a2=\"root\" a3=\"-p<redacted>\" a4=%s",
		 HEX("Authorization: Bearer <redacted>"));
	CHECK_STR(body(w, 1), want);
	snprintf(want, sizeof(want), "proctitle=%s",
		 HEX("mysql\0-u\0root\0-p<redacted>\0Authorization: Bearer <redacted>"));
	CHECK_STR(body(w, 2), want);
	/* The SYSCALL record: byte for byte. */
	CHECK_STR(body(w, 0), body(popped, 0));
	filter_set_free(fs);
}

/* A pattern without a group: the whole match, clipped to each argument
 * it covers; the space between them stays, so argc does. */
TEST(span_across_arguments)
{
	struct filter_set *fs = parse("redact \"-u \\S+\"\n");
	const struct audit_event *w;
	unsigned values;

	w = redacted(fs,
		     SYSCALL_LINE "type=EXECVE " STAMP
				  "argc=4 a0=\"mysql\" a1=\"-u\" a2=\"root\" a3=\"db\"\n"
				  "type=PROCTITLE " STAMP "proctitle=\"mysql\"",
		     &values);
	CHECK_EQ(values, 1);
	CHECK_STR(body(w, 1), "argc=4 a0=\"mysql\" a1=\"<redacted>\" a2=\"<redacted>\" a3=\"db\"");
	CHECK_STR(body(w, 2), "proctitle=\"mysql\"");
	filter_set_free(fs);
}

/* A long argument in pieces over two EXECVE records: the pattern sees it
 * whole; each piece the span covers gets a mark; aN_len counts the new
 * pieces (hex digits: two a byte). */
TEST(long_argument_in_pieces)
{
	struct filter_set *fs = parse("redact \"--token=(\\S+)\"\n");
	char lines[4096], want[2048];
	const struct audit_event *w;
	unsigned values;

	snprintf(lines, sizeof(lines),
		 SYSCALL_LINE "type=EXECVE " STAMP "argc=3 a0=\"x\" a1_len=30 a1[0]=%s\n"
			      "type=EXECVE " STAMP "a1[1]=%s a2=\"--token=zz\"\n"
			      "type=PROCTITLE " STAMP "proctitle=\"x\"",
		 HEX("--token=ab"), HEX("cdefg"));
	w = redacted(fs, lines, &values);
	CHECK_EQ(values, 2);
	snprintf(want, sizeof(want), "argc=3 a0=\"x\" a1_len=%zu a1[0]=%s",
		 2 * strlen("--token=<redacted><redacted>"), HEX("--token=<redacted>"));
	CHECK_STR(body(w, 1), want);
	snprintf(want, sizeof(want), "a1[1]=%s a2=\"--token=<redacted>\"", HEX("<redacted>"));
	CHECK_STR(body(w, 2), want);
	filter_set_free(fs);
}

/* No match, or no command line: the event itself, not a copy. */
TEST(no_match_is_the_same_event)
{
	struct filter_set *fs = parse("redact \"--password=(\\S+)\"\ndrop key=other\n");
	const struct audit_event *ev;

	ev = event_of(SYSCALL_LINE "type=EXECVE " STAMP "argc=2 a0=\"mysql\" a1=\"--user=x\"\n"
				   "type=PROCTITLE " STAMP "proctitle=6D7973716C002D2D757365723D78");
	CHECK(redact_event(fs, the_scratch(), ev) == ev);
	ev = event_of(SYSCALL_LINE "type=CWD " STAMP "cwd=\"/root\"");
	CHECK(redact_event(fs, the_scratch(), ev) == ev);
	filter_set_free(fs);
	/* A set without redact rules, and no set. */
	fs = parse("drop key=other\n");
	CHECK(!filter_set_redacts(fs));
	CHECK(redact_event(fs, the_scratch(), ev) == ev);
	CHECK(redact_event(NULL, scratch, ev) == ev);
	filter_set_free(fs);
}

/* A PROCTITLE without a match is remembered (a process's next system
 * call costs a comparison), for the patterns it was matched with only: a
 * set of other patterns matches it again. */
TEST(a_proctitle_seen_again)
{
	struct filter_set *fs = parse("redact \"zzz(\\S+)\"\n"),
			  *other = parse("redact \"-n (\\S+)\"\n");
	char lines[1024], want[256];
	const struct audit_event *ev, *w;

	snprintf(lines, sizeof(lines), SYSCALL_LINE "type=PROCTITLE " STAMP "proctitle=%s",
		 HEX("loadgen\0-n\0" "100"));
	for (int i = 0; i < 3; i++) {
		ev = event_of(lines);
		CHECK(redact_event(fs, the_scratch(), ev) == ev);
	}
	w = redact_event(other, the_scratch(), ev);
	CHECK(w && w != ev);
	snprintf(want, sizeof(want), "proctitle=%s", HEX("loadgen\0-n\0<redacted>"));
	CHECK_STR(body(w, 1), want);
	/* and the first set still matches a line it has not seen */
	snprintf(lines, sizeof(lines), SYSCALL_LINE "type=PROCTITLE " STAMP "proctitle=%s",
		 HEX("loadgen\0zzzS3cret"));
	w = redact_event(fs, the_scratch(), event_of(lines));
	snprintf(want, sizeof(want), "proctitle=%s", HEX("loadgen\0zzz<redacted>"));
	CHECK(w != NULL);
	CHECK_STR(body(w, 1), want);
	filter_set_free(fs);
	filter_set_free(other);
}

/* sudo's USER_CMD: cmd= inside msg='...', hex, redacted in place; the
 * rest of the record as it was. */
TEST(sudo_user_cmd)
{
	struct filter_set *fs = parse("redact \"(?:^|\\s)(?:\\S*/)?mysql\\s(?:.*\\s)?-p(\\S+)\"\n");
	char lines[1024], want[1024];
	const struct audit_event *w;
	unsigned values;

	snprintf(lines, sizeof(lines),
		 "type=USER_CMD " STAMP "pid=7 uid=1000 auid=1000 ses=3 msg='cwd=\"/root\" cmd=%s "
		 "terminal=pts/0 res=success'",
		 HEX("mysql -u root -pS3cret db"));
	w = redacted(fs, lines, &values);
	CHECK_EQ(values, 1);
	snprintf(want, sizeof(want),
		 "pid=7 uid=1000 auid=1000 ses=3 msg='cwd=\"/root\" cmd=%s terminal=pts/0 "
		 "res=success'",
		 HEX("mysql -u root -p<redacted> db"));
	CHECK_STR(body(w, 0), want);
	filter_set_free(fs);
}

/* A match that gives up (its match limit) redacts the whole line. */
TEST(a_match_that_gives_up_redacts_the_line)
{
	struct filter_set *fs = parse("redact \"(*LIMIT_MATCH=50)(a+)+$\"\n");
	const struct audit_event *w;
	unsigned values;

	w = redacted(fs,
		     SYSCALL_LINE "type=EXECVE " STAMP
				  "argc=2 a0=\"aaaaaaaaaaaaaaaaaaaaaaaaa\" a1=\"aaaaaaaaaaaaaaaab\"",
		     &values);
	CHECK_EQ(values, 1);
	CHECK_STR(body(w, 1), "argc=2 a0=\"<redacted>\" a1=\"<redacted>\"");
	filter_set_free(fs);
}

/* Every match of every rule is counted under its rule; overlapping spans
 * become one mark. Redact rules give no verdict: the other rules decide
 * as without them. */
TEST(counts_by_rule_and_no_verdict)
{
	struct filter_set *fs = parse("redact \"--password=(\\S+)\"\n"
				      "drop key=exec\n"
				      "redact \"(S3cr\\S+)\"\n");
	const struct audit_event *ev, *w;
	const struct redact_hit *h;
	struct filter_result r;
	unsigned n;

	ev = event_of(SYSCALL_LINE "type=EXECVE " STAMP
				   "argc=3 a0=\"x\" a1=\"--password=S3cret\" a2=\"--password=two\"");
	CHECK_EQ(filter_event(fs, &ctx, ev, &r), FILTER_DROP);
	CHECK_EQ(r.rule, 1);
	w = redact_event(fs, the_scratch(), ev);
	CHECK(w && w != ev);
	n = redact_last_hits(the_scratch(), &h);
	CHECK_EQ(n, 2);
	CHECK_EQ(h[0].rule, 0);
	CHECK_EQ(h[0].values, 2);
	CHECK_EQ(h[1].rule, 2);
	CHECK_EQ(h[1].values, 1);
	CHECK_STR(body(w, 1), "argc=3 a0=\"x\" a1=\"--password=<redacted>\" "
			      "a2=\"--password=<redacted>\"");
	/* The event's own text is left as it was. */
	CHECK(strstr(body(ev, 1), "S3cret") != NULL);
	filter_set_free(fs);
}

/* The redacted event formats as RAW lines like any other. */
TEST(raw_lines_of_the_redacted_event)
{
	struct filter_set *fs = parse("redact \"--password=(\\S+)\"\n");
	struct outbuf out = { 0 };
	const struct audit_event *w;
	unsigned values;

	w = redacted(fs, SYSCALL_LINE "type=EXECVE " STAMP "argc=2 a0=\"x\" a1=\"--password=pw\"",
		     &values);
	format_event_raw(w, &out);
	outbuf_putc(&out, '\0');
	CHECK(!out.failed);
	CHECK(strstr(out.data, "type=EXECVE " STAMP "argc=2 a0=\"x\" a1=\"--password=<redacted>\"\n"));
	CHECK(!strstr(out.data, "=pw"));
	outbuf_free(&out);
	filter_set_free(fs);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(parse_and_bad_patterns), CASE(quoted_hex_and_proctitle),
				  CASE(span_across_arguments), CASE(long_argument_in_pieces),
				  CASE(no_match_is_the_same_event), CASE(a_proctitle_seen_again),
				  CASE(sudo_user_cmd),
				  CASE(a_match_that_gives_up_redacts_the_line),
				  CASE(counts_by_rule_and_no_verdict),
				  CASE(raw_lines_of_the_redacted_event)));
}
