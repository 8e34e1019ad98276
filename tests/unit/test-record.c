/* SPDX-License-Identifier: MIT */
#include "harness.h"
#include "record.h"

#include <linux/audit.h>
#include <stdio.h>
#include <string.h>

#define CAP 64

static bool field_is(const struct audit_field *f, const char *name, const char *value)
{
	return f->name_len == strlen(name) && memcmp(f->name, name, f->name_len) == 0 &&
	       f->value_len == strlen(value) && memcmp(f->value, value, f->value_len) == 0;
}

static const struct audit_field *find(const struct audit_record *r, const char *name,
				      uint8_t flags)
{
	for (unsigned i = 0; i < r->nfields; i++)
		if ((r->fields[i].flags & (FIELD_NESTED | FIELD_ENRICHED)) == flags &&
		    r->fields[i].name_len == strlen(name) &&
		    memcmp(r->fields[i].name, name, r->fields[i].name_len) == 0)
			return &r->fields[i];
	return NULL;
}

TEST(kernel_syscall_record)
{
	const char *t = "audit(1764259200.123:4567): arch=c000003e syscall=257 success=no exit=-2 "
			"comm=\"cat\" exe=\"/usr/bin/cat\" key=\"bench\"";
	struct audit_field f[CAP];
	struct audit_record r;

	CHECK_EQ(decode_record_kernel(AUDIT_SYSCALL, t, strlen(t), f, CAP, &r), RECORD_OK);
	CHECK_EQ(r.type, AUDIT_SYSCALL);
	CHECK_EQ(r.stamp.serial, 4567);
	CHECK_EQ(r.nfields, 7);
	CHECK(field_is(&f[0], "arch", "c000003e"));
	CHECK(field_is(&f[3], "exit", "-2"));
	CHECK(field_is(&f[4], "comm", "cat"));
	CHECK_EQ(f[4].quote, '"');
	CHECK(record_field(&r, "key") != NULL);
	CHECK(field_is(record_field(&r, "key"), "key", "bench"));
	CHECK(r.enriched == NULL);
}

TEST(log_line_with_node)
{
	const char *l = "node=host.example type=PATH msg=audit(1451781471.394:194435): item=0 "
			"name=\"/etc/passwd\" inode=1 nametype=NORMAL\n";
	struct audit_field f[CAP];
	struct audit_record r;

	CHECK_EQ(decode_record_line(l, strlen(l), f, CAP, &r), RECORD_OK);
	CHECK_EQ(r.type, AUDIT_PATH);
	CHECK_EQ(r.node_len, 12);
	CHECK(memcmp(r.node, "host.example", 12) == 0);
	CHECK_EQ(r.stamp.sec, 1451781471);
	CHECK_EQ(r.stamp.msec, 394);
	CHECK_EQ(r.nfields, 4);
	CHECK(field_is(&f[3], "nametype", "NORMAL")); /* the newline is not part of it */
}

TEST(user_record_nested_and_enriched)
{
	const char *l = "type=ACCT_LOCK msg=audit(1725000411.409:1065): pid=2352 uid=0 "
			"msg='op=locked-password id=1000 exe=\"/usr/bin/passwd\" res=success'"
			"\x1dUID=\"root\" ID=\"ec2-user\"";
	struct audit_field f[CAP];
	struct audit_record r;

	CHECK_EQ(decode_record_line(l, strlen(l), f, CAP, &r), RECORD_OK);
	CHECK(r.type > 0);
	CHECK(field_is(find(&r, "msg", 0), "msg",
		       "op=locked-password id=1000 exe=\"/usr/bin/passwd\" res=success"));
	CHECK(field_is(find(&r, "exe", FIELD_NESTED), "exe", "/usr/bin/passwd"));
	CHECK(field_is(find(&r, "res", FIELD_NESTED), "res", "success"));
	CHECK(field_is(find(&r, "UID", FIELD_ENRICHED), "UID", "root"));
	CHECK(field_is(find(&r, "ID", FIELD_ENRICHED), "ID", "ec2-user"));
	CHECK(record_field(&r, "res") == NULL); /* nested fields are not top level */
}

TEST(avc_words_are_kept)
{
	const char *l = "type=AVC msg=audit(1166045975.667:1129): avc:  denied  { write } for "
			"pid=10581 tclass=file";
	struct audit_field f[CAP];
	struct audit_record r;

	CHECK_EQ(decode_record_line(l, strlen(l), f, CAP, &r), RECORD_OK);
	CHECK_EQ(f[0].name_len, 0);
	CHECK(field_is(&f[0], "", "avc:"));
	CHECK(field_is(&f[1], "", "denied"));
	CHECK(field_is(&f[2], "", "{"));
	CHECK(field_is(&f[3], "", "write"));
	CHECK(field_is(find(&r, "pid", 0), "pid", "10581"));
}

TEST(unterminated_quote_runs_to_end)
{
	const char *t = "audit(1.000:1): a=1 name=\"never closed";
	struct audit_field f[CAP];
	struct audit_record r;

	CHECK_EQ(decode_record_kernel(AUDIT_PATH, t, strlen(t), f, CAP, &r), RECORD_OK);
	CHECK_EQ(r.nfields, 2);
	CHECK(field_is(&f[1], "name", "never closed"));
	CHECK(f[1].flags & FIELD_OPEN);
}

TEST(too_many_fields_truncates_safely)
{
	char t[4096] = "audit(1.000:1):";
	struct audit_field f[8];
	struct audit_record r;

	for (int i = 0; i < 100; i++)
		snprintf(t + strlen(t), sizeof(t) - strlen(t), " a%d=%d", i, i);
	CHECK_EQ(decode_record_kernel(AUDIT_EXECVE, t, strlen(t), f, 8, &r), RECORD_OK);
	CHECK_EQ(r.nfields, 8);
	CHECK(r.fields_truncated);
}

/* Kernels before 3.13 wrote "old auid=X new auid=Y": the words are part of
 * the names, which are read as today's kernel writes them, so auid is the
 * new login uid in both formats and no name is given twice. */
TEST(old_login_format_names)
{
	const char *old = "type=LOGIN msg=audit(1170021601.343:296): login pid=13015 uid=0 "
			  "old auid=4294967295 new auid=0 old ses=4294967295 new ses=5";
	const char *now = "type=LOGIN msg=audit(1700000000.000:7): pid=1 uid=0 "
			  "old-auid=4294967295 auid=0 tty=(none) old-ses=4294967295 ses=5 res=1";
	const char *other = "type=USER_LOGIN msg=audit(1.000:1): old auid=1";
	struct audit_field f[CAP];
	struct audit_record r;

	CHECK_EQ(decode_record_line(old, strlen(old), f, CAP, &r), RECORD_OK);
	CHECK_EQ(r.nfields, 7); /* login pid uid old-auid auid old-ses ses */
	CHECK(field_is(&f[0], "", "login"));
	CHECK(field_is(find(&r, "old-auid", 0), "old-auid", "4294967295"));
	CHECK(field_is(record_field(&r, "auid"), "auid", "0"));
	CHECK(field_is(find(&r, "old-ses", 0), "old-ses", "4294967295"));
	CHECK(field_is(record_field(&r, "ses"), "ses", "5"));
	CHECK_EQ(decode_record_line(now, strlen(now), f, CAP, &r), RECORD_OK);
	CHECK(field_is(record_field(&r, "auid"), "auid", "0"));
	CHECK(field_is(find(&r, "old-auid", 0), "old-auid", "4294967295"));
	/* Only LOGIN records: elsewhere the word stays a word. */
	CHECK_EQ(decode_record_line(other, strlen(other), f, CAP, &r), RECORD_OK);
	CHECK_EQ(r.nfields, 2);
	CHECK(field_is(&f[0], "", "old"));
	CHECK(field_is(&f[1], "auid", "1"));
}

/* The parser marks the hex-encoded fields by record type and name. */
TEST(encoded_fields_by_record_type)
{
	const char *exec = "type=EXECVE msg=audit(1.000:1): argc=2 a0=6C73 a1_len=4 a1[0]=6162";
	const char *sys = "type=SYSCALL msg=audit(1.000:1): arch=c000003e a0=6C73 key=6B";
	const char *cfg = "type=CONFIG_CHANGE msg=audit(1.000:2): op=set audit_backlog_limit=64 "
			  "old=8192 auid=0 ses=1 res=1";
	struct audit_field f[CAP];
	struct audit_record r;

	CHECK_EQ(decode_record_line(exec, strlen(exec), f, CAP, &r), RECORD_OK);
	CHECK(!(find(&r, "argc", 0)->flags & FIELD_ENCODED));
	CHECK(find(&r, "a0", 0)->flags & FIELD_ENCODED);
	CHECK(!(find(&r, "a1_len", 0)->flags & FIELD_ENCODED));
	CHECK(find(&r, "a1[0]", 0)->flags & FIELD_ENCODED);
	CHECK_EQ(decode_record_line(sys, strlen(sys), f, CAP, &r), RECORD_OK);
	CHECK(!(find(&r, "a0", 0)->flags & FIELD_ENCODED));
	CHECK(find(&r, "key", 0)->flags & FIELD_ENCODED);
	CHECK_EQ(decode_record_line(cfg, strlen(cfg), f, CAP, &r), RECORD_OK);
	CHECK(!(find(&r, "old", 0)->flags & FIELD_ENCODED));
}

TEST(malformed_lines_say_why)
{
	struct audit_field f[CAP];
	struct audit_record r;
	const char *no_type = "hello world";
	const char *no_msg = "type=SYSCALL arch=c000003e";
	const char *bad_stamp = "type=SYSCALL msg=audit(12:34): x=1";
	const char *unknown = "type=UNKNOWN[1999] msg=audit(1.000:2): x=1";

	CHECK_EQ(decode_record_line(no_type, strlen(no_type), f, CAP, &r), RECORD_NO_TYPE);
	CHECK_EQ(decode_record_line(no_msg, strlen(no_msg), f, CAP, &r), RECORD_NO_MSG);
	CHECK_EQ(decode_record_line(bad_stamp, strlen(bad_stamp), f, CAP, &r), RECORD_BAD_STAMP);
	CHECK_EQ(decode_record_line(unknown, strlen(unknown), f, CAP, &r), RECORD_OK);
	CHECK_EQ(r.type, 1999);
	CHECK_STR(decode_record_strerror(RECORD_NO_MSG), "no msg= after the type");
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(kernel_syscall_record), CASE(log_line_with_node),
				  CASE(user_record_nested_and_enriched), CASE(avc_words_are_kept),
				  CASE(old_login_format_names), CASE(encoded_fields_by_record_type),
				  CASE(unterminated_quote_runs_to_end),
				  CASE(too_many_fields_truncates_safely),
				  CASE(malformed_lines_say_why)));
}
