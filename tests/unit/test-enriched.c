/* SPDX-License-Identifier: MIT */
/*
 * enrich: auditd 3.0.9's ENRICHED wording for the records a live load makes
 * (SYSCALL, PATH, SOCKADDR of each family it connects to) and for auparse's
 * quirks. The expected strings are what auditd writes: each was checked
 * against libauparse with tests/decode/auditd_enrich.py, which
 * tests/decode/test_enriched.py runs over the whole corpus.
 */
#include "assemble.h"
#include "enrich.h"
#include "format.h"
#include "harness.h"

#include <libaudit.h>
#include <stdio.h>
#include <string.h>

static struct outbuf out, scratch;

static void free_bufs(void *arg)
{
	(void)arg;
	outbuf_free(&out);
	outbuf_free(&scratch);
}

static const char *fake_name(void *arg, uint32_t id)
{
	(void)arg;
	switch (id) {
	case 1000: return "alice";
	case 1001: return "b\xc3\xa9" "a t"; /* needs encoding: not ASCII, a space */
	case 1002: return "a-name-of-forty-bytes-for-a-long-line-xx";
	case 65534: return "nobody";
	default: return NULL;
	}
}

static const struct enrich_names names = { fake_name, fake_name, NULL };

/* The ENRICHED part for a line, 0x1d shown as '|'. */
static const char *enriched(unsigned type, const char *line)
{
	harness_defer(free_bufs, NULL);
	out.len = 0;
	enrich_line(line, strlen(line), type, &names, &scratch, &out);
	outbuf_putc(&out, '\0');
	for (size_t i = 0; i < out.len; i++)
		if (out.data[i] == 0x1d)
			out.data[i] = '|';
	return out.data;
}

TEST(syscall_names_arch_syscall_and_ids)
{
	CHECK_STR(enriched(AUDIT_SYSCALL,
			   "type=SYSCALL msg=audit(1764259200.123:42): arch=c000003e syscall=257 "
			   "success=no exit=-2 a0=ffffff9c a1=7ffd a2=0 a3=0 items=1 ppid=1 pid=2 "
			   "auid=1000 uid=0 gid=0 euid=4294967295 suid=0 fsuid=0 egid=65534 sgid=0 "
			   "fsgid=1001 tty=(none) ses=3 comm=\"cat\" exe=\"/usr/bin/cat\" key=\"k\""),
		  "|ARCH=x86_64 SYSCALL=openat AUID=\"alice\" UID=\"root\" GID=\"root\" "
		  "EUID=\"unset\" SUID=\"root\" FSUID=\"root\" EGID=\"nobody\" SGID=\"root\" "
		  "FSGID=62C3A9612074");
}

TEST(records_without_interpreted_fields_get_nothing)
{
	CHECK_STR(enriched(AUDIT_CWD, "type=CWD msg=audit(1764259200.123:42): cwd=\"/tmp\""), "");
	CHECK_STR(enriched(AUDIT_EXECVE,
			   "type=EXECVE msg=audit(1764259200.123:42): argc=2 a0=\"x\" a1=\"uid\""),
		  "");
	CHECK_STR(enriched(AUDIT_PROCTITLE,
			   "type=PROCTITLE msg=audit(1764259200.123:42): proctitle=636174"),
		  "");
}

TEST(path_owner_ids)
{
	CHECK_STR(enriched(AUDIT_PATH, "type=PATH msg=audit(1764259200.123:42): item=0 "
				       "name=\"/etc/x\" inode=1 dev=08:01 mode=0100644 ouid=1000 "
				       "ogid=4294967294 rdev=00:00 nametype=NORMAL"),
		  "|OUID=\"alice\" OGID=\"unknown(-2)\"");
}

TEST(sockaddr_wording_of_auditd_3)
{
	const char *stamp = "type=SOCKADDR msg=audit(1764259200.123:42): saddr=";
	static const struct {
		const char *hex, *want;
	} cases[] = {
		{ "020000167F0000010000000000000000",
		  "|SADDR={ saddr_fam=inet laddr=127.0.0.1 lport=22 }" },
		{ "0A000050000000000000000000000000000000000000000100000000",
		  "|SADDR={ saddr_fam=inet6 laddr=::1 lport=80 }" },
		{ "0A000050000000000000000000000000FFFF0A00000100000000",
		  "|SADDR={ saddr_fam=inet6 sockaddr6 len too short }" },
		{ "01002F746D702F612062", "|SADDR={ saddr_fam=local path=/tmp/a b }" },
		{ "0100006E65656469", "|SADDR={ saddr_fam=local path=needi }" },
		{ "0100", "|SADDR={ saddr_fam=local sockaddr len too short }" },
		{ "10000000D2040000FFFFFFFF", "|SADDR={ saddr_fam=netlink nlnk-fam=16 nlnk-pid=1234 }" },
		{ "020000167F000001", "|SADDR={ saddr_fam=inet sockaddr len too short }" },
		{ "11000000", "|SADDR={ saddr_fam=packet (unsupported) }" },
		{ "00000000", "|SADDR=unknown-family(0)" },
		{ "0F27", "|SADDR=unknown-family(9999)" },
		{ "zz", "|SADDR=malformed-host(zz)" },
		/* A control byte auditd would copy raw, breaking its line. */
		{ "01002F610A62", "|SADDR={ saddr_fam=local path=/a\\x0ab }" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char line[256];

		snprintf(line, sizeof(line), "%s%s", stamp, cases[i].hex);
		CHECK_STR(enriched(AUDIT_SOCKADDR, line), cases[i].want);
	}
}

TEST(auparse_quirks_are_kept)
{
	/* arch and syscall are read where auparse reads them (fields 2 and
	 * 3, or 11 and 12); elsewhere the syscall number is unknown. */
	CHECK_STR(enriched(AUDIT_SECCOMP,
			   "type=SECCOMP msg=audit(1764259200.123:42): auid=0 uid=0 gid=0 ses=1 "
			   "pid=1 comm=\"x\" exe=\"/x\" sig=0 arch=40000003 syscall=102 compat=1"),
		  "|AUID=\"root\" UID=\"root\" GID=\"root\" ARCH=i386 SYSCALL=unknown-syscall(-1)");
	/* i386 socketcall names its call from a0. */
	CHECK_STR(enriched(AUDIT_SYSCALL, "type=SYSCALL msg=audit(1764259200.123:42): "
					  "arch=40000003 syscall=102 success=no exit=-2 a0=3 a1=0"),
		  "|ARCH=i386 SYSCALL=socketcall(connect)");
	/* uid=? is strtoul's 0: "root"; an id in a group record is a gid. */
	CHECK_STR(enriched(AUDIT_GRP_MGMT, "type=GRP_MGMT msg=audit(1764259200.123:42): pid=1 "
					   "uid=? auid=4294967295 msg='op=x id=65534 res=success'"),
		  "|UID=\"root\" AUID=\"unset\" ID=\"nobody\"");
	/* new_uid is not one of auparse's uid fields; new_gid is. */
	CHECK_STR(enriched(AUDIT_USER_MGMT, "type=USER_MGMT msg=audit(1764259200.123:42): "
					    "new_uid=1000 new_gid=1000"),
		  "|NEW_GID=\"alice\"");
	CHECK_STR(enriched(AUDIT_SYSCALL, "type=SYSCALL msg=audit(1764259200.123:42): "
					  "arch=c0ffee00 syscall=1"),
		  "|ARCH=unknown-elf-type(c0ffee00) SYSCALL=write");
}

TEST(a_long_line_leaves_out_what_does_not_fit)
{
	/* auditd's buffer is 9225 bytes: the first field's 0x1d goes in,
	 * fields that do not fit stay out. */
	char line[9300];
	int n = snprintf(line, sizeof(line), "type=SYSCALL msg=audit(1764259200.123:42): x=");

	memset(line + n, 'A', 9180 - (size_t)n);
	strcpy(line + 9180, " uid=1002 gid=0"); /* 9195 bytes: 30 left */
	CHECK_STR(enriched(AUDIT_SYSCALL, line), "| GID=\"root\"");
}

/* A user-space message's 0x1d: live it is the record's text, written \x1d
 * with the rest of the message kept; in a log it starts auditd's ENRICHED
 * part, which RAW leaves out. */
static const char *raw_of(bool log_input, const char *body)
{
	struct assemble_config cfg = { .log_input = log_input };
	struct assembler *a = assembler_new(&cfg);
	struct audit_stamp st = { .sec = 1764259200, .msec = 123, .serial = 42 };
	struct format_ctx ctx = { 0 };
	struct audit_event *ev;

	harness_defer(free_bufs, NULL);
	CHECK(a);
	CHECK_EQ(assembler_add(a, AUDIT_USER, &st, NULL, 0, body, strlen(body), 0), 0);
	ev = assembler_pop(a);
	CHECK(ev);
	out.len = 0;
	format_event_raw(ev, &out);
	format_event_enriched(&ctx, ev, &out);
	outbuf_putc(&out, '\0');
	for (size_t i = 0; i < out.len; i++)
		if (out.data[i] == 0x1d)
			out.data[i] = '|';
	assembler_done(a, ev);
	assembler_free(a);
	format_ctx_free(&ctx);
	return out.data;
}

TEST(a_live_record_keeps_its_0x1d)
{
	const char *body = "pid=1 uid=0 auid=4294967295 msg='text \x1d, the end'";

	CHECK_STR(raw_of(false, body),
		  "type=USER msg=audit(1764259200.123:42): pid=1 uid=0 auid=4294967295 "
		  "msg='text \\x1d, the end'\n"
		  "type=USER msg=audit(1764259200.123:42): pid=1 uid=0 auid=4294967295 "
		  "msg='text \\x1d, the end'|UID=\"root\" AUID=\"unset\"\n");
	CHECK_STR(raw_of(true, "pid=1 uid=0 auid=4294967295 msg='text'\x1dUID=\"x\""),
		  "type=USER msg=audit(1764259200.123:42): pid=1 uid=0 auid=4294967295 msg='text'\n"
		  "type=USER msg=audit(1764259200.123:42): pid=1 uid=0 auid=4294967295 "
		  "msg='text'|UID=\"root\" AUID=\"unset\"\n");
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(syscall_names_arch_syscall_and_ids),
				  CASE(records_without_interpreted_fields_get_nothing),
				  CASE(path_owner_ids), CASE(sockaddr_wording_of_auditd_3),
				  CASE(auparse_quirks_are_kept),
				  CASE(a_long_line_leaves_out_what_does_not_fit),
				  CASE(a_live_record_keeps_its_0x1d)));
}
