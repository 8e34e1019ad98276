/* SPDX-License-Identifier: MIT */
/*
 * decode/filter.h: the filter file's parse (every error at once, each at
 * its line), each kind of match on events made from auditd log lines, each
 * action, first match wins, the limits (rate=, keep-first-per-process) and
 * the matches that read the process context (a fake context hook).
 */
#include "assemble.h"
#include "filter.h"
#include "format.h"
#include "harness.h"
#include "log-event.h"
#include "record.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- events from log lines: event_of() (log-event.h) ---- */

/* An execve by alice (1000) of curl, key exec-log, from /home/alice. */
#define EXECVE_CURL                                                                            \
	"type=SYSCALL msg=audit(1700000000.100:10): arch=c000003e syscall=59 success=yes exit=0 " \
	"a0=55d1 a1=55d2 a2=55d3 a3=0 items=2 ppid=4000 pid=4242 auid=1000 uid=1000 gid=1000 "    \
	"euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 "           \
	"comm=\"curl\" exe=\"/usr/bin/curl\" key=\"exec-log\"\n"                                   \
	"type=EXECVE msg=audit(1700000000.100:10): argc=2 a0=\"curl\" a1=\"example.org\"\n"        \
	"type=CWD msg=audit(1700000000.100:10): cwd=\"/home/alice\"\n"                             \
	"type=PATH msg=audit(1700000000.100:10): item=0 name=\"/usr/bin/curl\" inode=5 "           \
	"nametype=NORMAL\n"                                                                        \
	"type=PATH msg=audit(1700000000.100:10): item=1 name=\"/lib64/ld-linux-x86-64.so.2\" "     \
	"inode=6 nametype=NORMAL\n"                                                                \
	"type=PROCTITLE msg=audit(1700000000.100:10): proctitle=6375726C006578616D706C652E6F7267"

/* A failed openat of a relative name (ENOENT) by root, no key, auid
 * unset; the name is hex-encoded (it holds a space). */
#define OPENAT_FAIL                                                                            \
	"type=SYSCALL msg=audit(1700000001.200:11): arch=c000003e syscall=257 success=no "         \
	"exit=-2 a0=ffffff9c a1=55e0 a2=0 a3=0 items=1 ppid=1 pid=777 auid=4294967295 uid=0 "      \
	"gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 "            \
	"comm=\"cron\" exe=\"/usr/sbin/cron\" key=(null)\n"                                        \
	"type=CWD msg=audit(1700000001.200:11): cwd=\"/var/spool\"\n"                              \
	"type=PATH msg=audit(1700000001.200:11): item=0 name=63726F6E2F6D7920746162 inode=0 "      \
	"nametype=UNKNOWN\n"                                                                       \
	"type=PROCTITLE msg=audit(1700000001.200:11): proctitle=2F7573722F7362696E2F63726F6E"

/* connect() to 10.1.2.3:443, key net and (0x01) egress. */
#define CONNECT_V4                                                                             \
	"type=SYSCALL msg=audit(1700000002.300:12): arch=c000003e syscall=42 success=yes exit=0 " \
	"a0=3 a1=7ffd a2=10 a3=0 items=0 ppid=4000 pid=5000 auid=1000 uid=1000 gid=1000 "          \
	"euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=3 comm=\"wget\" "             \
	"exe=\"/usr/bin/wget\" key=6E657401656772657373\n"                                         \
	"type=SOCKADDR msg=audit(1700000002.300:12): saddr=020001BB0A0102030000000000000000\n"     \
	"type=PROCTITLE msg=audit(1700000002.300:12): proctitle=77676574"

/* connect() to [2001:db8::5]:53. */
#define CONNECT_V6                                                                             \
	"type=SYSCALL msg=audit(1700000003.400:13): arch=c000003e syscall=42 success=no "          \
	"exit=-111 a0=3 a1=7ffd a2=1c a3=0 items=0 ppid=1 pid=6000 auid=1000 uid=101 gid=101 "     \
	"euid=101 suid=101 fsuid=101 egid=101 sgid=101 fsgid=101 tty=(none) ses=3 "               \
	"comm=\"resolved\" exe=\"/usr/lib/systemd/systemd-resolved\" key=\"net\"\n"                \
	"type=SOCKADDR msg=audit(1700000003.400:13): "                                             \
	"saddr=0A0000350000000020010DB800000000000000000000000500000000\n"                         \
	"type=PROCTITLE msg=audit(1700000003.400:13): proctitle=7265736F6C766564"

/* connect() to [::ffff:10.9.8.7]:80: an IPv4 peer through an inet6 socket. */
#define CONNECT_MAPPED                                                                         \
	"type=SYSCALL msg=audit(1700000004.500:14): arch=c000003e syscall=42 success=yes exit=0 " \
	"a0=3 a1=7ffd a2=1c a3=0 items=0 ppid=1 pid=6100 auid=1000 uid=1000 gid=1000 euid=1000 "   \
	"suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=(none) ses=3 comm=\"java\" "     \
	"exe=\"/usr/bin/java\" key=(null)\n"                                                       \
	"type=SOCKADDR msg=audit(1700000004.500:14): "                                             \
	"saddr=0A0000500000000000000000000000000000FFFF0A09080700000000"

/* A failed login: a user-space record, its fields inside msg='...'. */
#define LOGIN_FAILED                                                                           \
	"type=USER_LOGIN msg=audit(1700000005.600:15): pid=900 uid=0 auid=4294967295 "            \
	"ses=4294967295 msg='op=login acct=\"mallory\" exe=\"/usr/sbin/sshd\" hostname=? "         \
	"addr=192.0.2.9 terminal=ssh res=failed'"

static int fake_user(void *arg, const char *name, uint32_t *ret)
{
	(void)arg;
	if (strcmp(name, "alice") == 0) {
		*ret = 1000;
		return 0;
	}
	return -ENOENT;
}

static char errbuf[FILTER_ERRORS_MAX];

static struct filter_set *parse(const char *text)
{
	struct filter_set *fs = filter_parse("t.filter", text, strlen(text), fake_user, NULL,
					     errbuf, sizeof(errbuf));

	if (!fs)
		FAIL("the filter did not parse: %s", errbuf);
	return fs;
}

/* The verdict and outcome of the one-rule filter RULE for an event. */
static enum filter_outcome outcome_of(const char *rule, const char *lines)
{
	struct filter_set *fs = parse(rule);
	struct filter_result r;
	enum filter_verdict v = filter_event(fs, &ctx, event_of(lines), &r);

	CHECK_EQ(v, filter_outcome_verdict(r.outcome));
	CHECK_EQ(r.rule, r.outcome == FILTER_NO_RULE ? -1 : 0);
	filter_set_free(fs);
	return r.outcome;
}

static bool drops(const char *rule, const char *lines)
{
	return outcome_of(rule, lines) == FILTER_DROPPED;
}

/* ---- the parse ---- */

TEST(simplest_rules_parse)
{
	struct filter_set *fs = parse("# noise\n"
				      "drop key=noisy\n"
				      "\n"
				      "   drop key=none   # no key: no rule asked for it\n");

	CHECK_EQ(filter_set_rules(fs), 2);
	CHECK_EQ(filter_rule_line(fs, 0), 2);
	CHECK_EQ(filter_rule_line(fs, 1), 4);
	CHECK_STR(filter_rule_text(fs, 1), "drop key=none");
	CHECK_EQ(filter_rule_action(fs, 0), FILTER_ACTION_DROP);
	CHECK_STR(filter_set_origin(fs), "t.filter");
	CHECK(!filter_set_wants_process(fs));
	CHECK_EQ(filter_set_divert_line(fs), 0);
	filter_set_free(fs);
}

/* Each kind of error, each at its line, all in one parse. */
TEST(every_error_at_its_line)
{
	static const struct {
		const char *line, *says;
	} bad[] = {
		{ "discard key=x", "unknown action 'discard'" },
		{ "drop key", "expected NAME=VALUE or NAME!=VALUE, got 'key'" },
		{ "drop color=red", "unknown match 'color'" },
		{ "drop key=", "key has no value" },
		{ "drop type=NOPE", "type=NOPE: unknown record type 'NOPE'" },
		{ "drop syscall=opn", "syscall=opn: unknown system call 'opn'" },
		{ "drop success=maybe", "success=maybe: expected yes or no" },
		{ "drop exit=EWHAT", "exit=EWHAT: 'EWHAT' is neither a number nor an errno name" },
		{ "drop uid=bob", "uid=bob: no user 'bob' on this machine" },
		{ "drop auid=9-1", "auid=9-1: expected a uid" },
		{ "drop addr=10.0.0.0/33", "addr=10.0.0.0/33: '10.0.0.0/33' is not an address" },
		{ "drop addr=example.org", "is not an address or network" },
		{ "drop port=70000", "port=70000: expected a port (0 to 65535)" },
		{ "drop path=var/log", "path=var/log: expected an absolute path or a glob" },
		{ "drop key=x rate=fast", "'rate=fast': expected rate=N/s, N/m or N/h" },
		{ "drop key=x rate=0/s", "'rate=0/s': expected rate=N/s" },
		{ "keep-first-per-process rate=5/s", "rate= does not go with keep-first-per-process" },
		{ "drop rate=1/s rate=2/s", "rate= is given twice" },
		{ "drop key=x burst=5", "'burst=5' without rate=" },
		{ "drop rate=5/s burst=0", "'burst=0': expected burst=N" },
		{ "drop exe=\"/opt/my app", "a quote is not closed" },
		{ "drop key=a,,b", "key: an empty value in 'a,,b'" },
		{ "drop key=a,", "key: an empty value in 'a,'" },
		{ "drop NOPE.res=failed", "NOPE.res: unknown record type 'NOPE'" },
		{ "drop SYSCALL.=x", "unknown match 'SYSCALL.'" },
	};
	char text[8192] = "# every line below is wrong\n", want[32];
	size_t n = sizeof(bad) / sizeof(bad[0]);
	unsigned lines = 0;
	struct filter_set *fs;

	for (size_t i = 0; i < n; i++) {
		strcat(text, bad[i].line);
		strcat(text, "\n");
	}
	strcat(text, "drop key=fine\n"); /* a good line among them */
	fs = filter_parse("t.filter", text, strlen(text), fake_user, NULL, errbuf, sizeof(errbuf));
	CHECK(fs == NULL);
	CHECK_EQ(errno, EINVAL);
	for (size_t i = 0; i < n; i++) {
		char line[512];
		const char *at, *end;

		/* The error line that names this line, alone. */
		snprintf(want, sizeof(want), "t.filter:%zu: ", i + 2);
		at = strstr(errbuf, want);
		if (!at)
			FAIL("no error for line %zu (%s) in:\n%s", i + 2, bad[i].line, errbuf);
		end = strchr(at, '\n');
		snprintf(line, sizeof(line), "%.*s", end ? (int)(end - at) : (int)strlen(at), at);
		if (!strstr(line, bad[i].says))
			FAIL("line %zu (%s): expected '%s' in '%s'", i + 2, bad[i].line,
			     bad[i].says, line);
	}
	for (const char *c = errbuf; *c; c++)
		lines += *c == '\n';
	CHECK_EQ(lines + 1, n); /* one error a bad line, none for the good one */
	CHECK(!strstr(errbuf, "fine"));
}

TEST(nul_byte_and_long_line)
{
	char text[6000];
	size_t len;
	struct filter_set *fs;

	memcpy(text, "drop key=a\0b\ndrop key=", 22);
	len = 22;
	memset(text + len, 'k', 4200);
	len += 4200;
	memcpy(text + len, "\ndrop key=ok\n", 13);
	len += 13;
	fs = filter_parse("t.filter", text, len, NULL, NULL, errbuf, sizeof(errbuf));
	CHECK(fs == NULL);
	CHECK(strstr(errbuf, "t.filter:1: a NUL byte in the line") != NULL);
	CHECK(strstr(errbuf, "t.filter:2: the line is longer than 4096 bytes") != NULL);
	CHECK(!strstr(errbuf, "t.filter:3"));
}

/* 64 terms (the action and 63 matches) are taken, 65 are not. */
TEST(terms_on_a_line)
{
	char text[2048] = "drop";
	struct filter_set *fs;

	for (int i = 1; i < 64; i++)
		strcat(text, " key!=x");
	strcat(text, "\n");
	fs = parse(text);
	CHECK_EQ(filter_set_rules(fs), 1);
	filter_set_free(fs);
	text[strlen(text) - 1] = '\0';
	strcat(text, " uid=0\n");
	fs = filter_parse("t.filter", text, strlen(text), NULL, NULL, errbuf, sizeof(errbuf));
	CHECK(fs == NULL);
	CHECK_STR(errbuf, "t.filter:1: more than 64 terms on one line");
}

TEST(names_need_the_hook)
{
	struct filter_set *fs = filter_parse("t.filter", "drop uid=alice\n", 15, NULL, NULL, errbuf,
					     sizeof(errbuf));

	CHECK(fs == NULL);
	CHECK(strstr(errbuf, "t.filter:1: uid=alice: 'alice': user names are not looked up "
			     "here") != NULL);
}

/* ---- each match ---- */

TEST(match_type)
{
	CHECK(drops("drop type=EXECVE", EXECVE_CURL));
	CHECK(drops("drop type=1309", EXECVE_CURL)); /* EXECVE's number */
	CHECK(!drops("drop type=EXECVE", OPENAT_FAIL));
	CHECK(drops("drop type=SOCKADDR,EXECVE", CONNECT_V4));
	CHECK(drops("drop type!=EXECVE", OPENAT_FAIL));
	CHECK(drops("drop type=USER_LOGIN", LOGIN_FAILED));
}

TEST(match_key)
{
	CHECK(drops("drop key=exec-log", EXECVE_CURL));
	CHECK(!drops("drop key=exec", EXECVE_CURL));
	CHECK(drops("drop key=exec*", EXECVE_CURL));
	CHECK(drops("drop key=none", OPENAT_FAIL)); /* key=(null) */
	CHECK(drops("drop key=none", LOGIN_FAILED)); /* no key field at all */
	CHECK(!drops("drop key=none", EXECVE_CURL));
	/* Several keys (hex, joined by 0x01): each is a key of the event. */
	CHECK(drops("drop key=egress", CONNECT_V4));
	CHECK(drops("drop key=net", CONNECT_V4));
	CHECK(!drops("drop key=net\x01egress", CONNECT_V4));
	CHECK(drops("drop key!=none", CONNECT_V4));
	CHECK(drops("drop key=other,none", OPENAT_FAIL));
}

TEST(match_syscall_success_exit)
{
	CHECK(drops("drop syscall=execve", EXECVE_CURL));
	CHECK(drops("drop syscall=open,openat", OPENAT_FAIL));
	CHECK(!drops("drop syscall=openat", CONNECT_V4));
	CHECK(!drops("drop syscall=openat", LOGIN_FAILED)); /* no SYSCALL record */
	CHECK(drops("drop success=no", OPENAT_FAIL));
	CHECK(!drops("drop success=no", EXECVE_CURL));
	CHECK(drops("drop success=yes", EXECVE_CURL));
	CHECK(drops("drop success=no", LOGIN_FAILED)); /* res=failed */
	CHECK(drops("drop exit=ENOENT", OPENAT_FAIL));
	CHECK(drops("drop exit=-2", OPENAT_FAIL));
	CHECK(drops("drop exit=ECONNREFUSED,EACCES", CONNECT_V6));
	CHECK(!drops("drop exit=ENOENT", CONNECT_V6));
	CHECK(drops("drop exit=-200--100", CONNECT_V6)); /* a range: -111 */
	CHECK(drops("drop exit!=ENOENT", EXECVE_CURL));
}

TEST(match_ids)
{
	CHECK(drops("drop uid=1000", EXECVE_CURL));
	CHECK(drops("drop uid=alice", EXECVE_CURL));
	CHECK(drops("drop auid=1000-60000", CONNECT_V4));
	CHECK(!drops("drop euid=1000", CONNECT_V4)); /* setuid: euid 0 */
	CHECK(drops("drop euid=0", CONNECT_V4));
	CHECK(drops("drop auid=unset", OPENAT_FAIL));
	CHECK(drops("drop auid=-1", OPENAT_FAIL));
	CHECK(drops("drop auid=4294967295", LOGIN_FAILED));
	CHECK(drops("drop uid=0 auid!=unset", EXECVE_CURL) == false);
	CHECK(drops("drop uid!=0", CONNECT_V6));
}

TEST(match_exe_comm)
{
	CHECK(drops("drop exe=/usr/bin/curl", EXECVE_CURL));
	CHECK(!drops("drop exe=/usr/bin/cur", EXECVE_CURL));
	CHECK(drops("drop exe=/usr/*", EXECVE_CURL));
	CHECK(drops("drop exe=/usr/lib/*", CONNECT_V6)); /* * crosses '/' */
	CHECK(drops("drop exe=*/cron", OPENAT_FAIL));
	CHECK(drops("drop exe=/usr/sbin/sshd", LOGIN_FAILED)); /* inside msg='...' */
	CHECK(drops("drop comm=c?rl", EXECVE_CURL));
	CHECK(drops("drop comm=[cw]*", CONNECT_V4));
	CHECK(!drops("drop comm=curl", CONNECT_V4));
}

TEST(match_path)
{
	CHECK(drops("drop path=/usr/bin/curl", EXECVE_CURL));
	CHECK(drops("drop path=/lib64", EXECVE_CURL));        /* under it */
	CHECK(drops("drop path=/lib64/", EXECVE_CURL));
	CHECK(!drops("drop path=/lib", EXECVE_CURL));         /* /lib64 is not under /lib */
	CHECK(drops("drop path=/", EXECVE_CURL));
	/* Relative and hex-encoded: "cron/my tab" in /var/spool. */
	CHECK(drops("drop path=/var/spool/cron", OPENAT_FAIL));
	CHECK(drops("drop path=\"/var/spool/cron/my tab\"", OPENAT_FAIL));
	CHECK(drops("drop path=*tab", OPENAT_FAIL));
	CHECK(!drops("drop path=/var/spool/cron/my", OPENAT_FAIL));
	CHECK(!drops("drop path=/etc", CONNECT_V4));          /* no path at all */
	CHECK(drops("drop path!=/etc", CONNECT_V4));
}

TEST(match_socket)
{
	CHECK(drops("drop addr=10.0.0.0/8", CONNECT_V4));
	CHECK(drops("drop addr=10.1.2.3", CONNECT_V4));
	CHECK(!drops("drop addr=10.1.2.4", CONNECT_V4));
	CHECK(!drops("drop addr=192.168.0.0/16", CONNECT_V4));
	CHECK(drops("drop addr=10.1.2.0/23", CONNECT_V4));
	CHECK(drops("drop addr=0.0.0.0/0", CONNECT_V4));
	CHECK(!drops("drop addr=0.0.0.0/0", CONNECT_V6));     /* inet6 is not in an inet net */
	CHECK(drops("drop addr=2001:db8::/32", CONNECT_V6));
	CHECK(!drops("drop addr=2001:db9::/32", CONNECT_V6));
	CHECK(drops("drop addr=2001:db8::5/128", CONNECT_V6));
	CHECK(drops("drop addr=10.9.0.0/16", CONNECT_MAPPED)); /* ::ffff:10.9.8.7 */
	CHECK(drops("drop addr=::ffff:10.9.8.7", CONNECT_MAPPED));
	CHECK(drops("drop port=443", CONNECT_V4));
	CHECK(drops("drop port=1-1023", CONNECT_V6));
	CHECK(!drops("drop port=1024-65535", CONNECT_MAPPED));
	CHECK(drops("drop addr=10.0.0.0/8 port=80", CONNECT_MAPPED));
	CHECK(!drops("drop addr=10.0.0.0/8 port=443", CONNECT_MAPPED));
	CHECK(!drops("drop addr=0.0.0.0/0", EXECVE_CURL));    /* no socket */
}

TEST(match_record_field)
{
	CHECK(drops("drop EXECVE.a0=curl", EXECVE_CURL));
	CHECK(!drops("drop EXECVE.a0=wget", EXECVE_CURL));
	CHECK(drops("drop EXECVE.a1=wget,example.org", EXECVE_CURL));
	CHECK(drops("drop USER_LOGIN.res=failed", LOGIN_FAILED)); /* nested */
	CHECK(drops("drop USER_LOGIN.acct=mallory", LOGIN_FAILED));
	CHECK(drops("drop PROCTITLE.proctitle=wget", CONNECT_V4)); /* decoded */
	CHECK(drops("drop SYSCALL.tty=pts0", EXECVE_CURL));
	CHECK(!drops("drop SYSCALL.tty=pts*", EXECVE_CURL));       /* equality, not glob */
	CHECK(!drops("drop SYSCALL.nosuch=1", EXECVE_CURL));
}

TEST(matches_on_a_line_are_anded)
{
	CHECK(drops("drop syscall=connect key=net uid=101", CONNECT_V6));
	CHECK(!drops("drop syscall=connect key=net uid=1000", CONNECT_V6));
	CHECK(drops("drop path=/usr path!=/usr/bin/wget", EXECVE_CURL));
	CHECK(!drops("drop path=/usr path!=/usr/bin/curl", EXECVE_CURL));
	CHECK(drops("drop", LOGIN_FAILED)); /* no match: every event */
}

/* ---- the actions, the order ---- */

TEST(each_action)
{
	struct filter_set *fs = parse("divert key=net\nkeep key=exec-log\ndrop\n");
	struct filter_result r;

	CHECK_EQ(filter_set_divert_line(fs), 1);
	CHECK_EQ(filter_event(fs, &ctx, event_of(CONNECT_V6), &r), FILTER_DIVERT);
	CHECK_EQ(r.rule, 0);
	CHECK_EQ(r.outcome, FILTER_DIVERTED);
	CHECK_EQ(filter_event(fs, &ctx, event_of(EXECVE_CURL), &r), FILTER_WRITE);
	CHECK_EQ(r.rule, 1);
	CHECK_EQ(r.outcome, FILTER_KEPT);
	CHECK_EQ(filter_event(fs, &ctx, event_of(OPENAT_FAIL), &r), FILTER_DROP);
	CHECK_EQ(r.rule, 2);
	CHECK_EQ(r.outcome, FILTER_DROPPED);
	filter_set_free(fs);
	CHECK_STR(filter_outcome_name(FILTER_DROPPED), "drop");
	CHECK_STR(filter_outcome_name(FILTER_REPEAT_DROPPED), "keep-first-per-process");
	CHECK_STR(filter_outcome_name(FILTER_RATE_DROPPED), "rate");
}

TEST(first_match_wins)
{
	struct filter_set *fs = parse("keep exe=/usr/bin/curl\ndrop key=exec-log\n");
	struct filter_result r;

	/* Both rules hold; the first decides. */
	CHECK_EQ(filter_event(fs, &ctx, event_of(EXECVE_CURL), &r), FILTER_WRITE);
	CHECK_EQ(r.rule, 0);
	filter_set_free(fs);
	fs = parse("drop key=exec-log\nkeep exe=/usr/bin/curl\n");
	CHECK_EQ(filter_event(fs, &ctx, event_of(EXECVE_CURL), &r), FILTER_DROP);
	CHECK_EQ(r.rule, 0);
	/* No rule holds: written, under no rule. */
	CHECK_EQ(filter_event(fs, &ctx, event_of(CONNECT_V4), &r), FILTER_WRITE);
	CHECK_EQ(r.rule, -1);
	CHECK_EQ(r.outcome, FILTER_NO_RULE);
	filter_set_free(fs);
}

/* An openat by pid PID at SEC.MS, serial SERIAL. */
static const char *openat_at(unsigned sec, unsigned ms, unsigned serial, unsigned pid,
			     const char *syscall, const char *success)
{
	static char line[512];

	snprintf(line, sizeof(line),
		 "type=SYSCALL msg=audit(%u.%03u:%u): arch=c000003e syscall=%s success=%s "
		 "exit=0 items=0 ppid=1 pid=%u auid=0 uid=0 euid=0 comm=\"sh\" exe=\"/bin/sh\" "
		 "key=\"loop\"",
		 sec, ms, serial, syscall, success, pid);
	return line;
}

/* rate=10/s burst=3: the first 3 at once, then one every 100 ms of event
 * time; an earlier event time (another decoder's) takes no token back. */
TEST(rate_is_a_token_bucket_in_event_time)
{
	struct filter_set *fs = parse("drop key=loop rate=10/s burst=3\n");
	struct filter_result r;
	unsigned kept = 0, dropped = 0;

	for (unsigned i = 0; i < 5; i++) { /* 5 in the same millisecond */
		filter_event(fs, &ctx, event_of(openat_at(1000, 0, 100 + i, 50, "257", "yes")), &r);
		CHECK_EQ(r.outcome, i < 3 ? FILTER_KEPT : FILTER_RATE_DROPPED);
	}
	/* 99 ms later: no token yet (one every 100 ms); 100 ms: one. */
	filter_event(fs, &ctx, event_of(openat_at(1000, 99, 200, 50, "257", "yes")), &r);
	CHECK_EQ(r.outcome, FILTER_RATE_DROPPED);
	filter_event(fs, &ctx, event_of(openat_at(1000, 100, 201, 50, "257", "yes")), &r);
	CHECK_EQ(r.outcome, FILTER_KEPT);
	filter_event(fs, &ctx, event_of(openat_at(1000, 100, 202, 50, "257", "yes")), &r);
	CHECK_EQ(r.outcome, FILTER_RATE_DROPPED);
	/* Over 10 s at 1 kHz: at most burst + 10/s * 10 s = 103 written. */
	for (unsigned i = 0; i < 10000; i++) {
		filter_event(fs, &ctx,
			     event_of(openat_at(1001 + i / 1000, i % 1000, 1000 + i, 50, "257",
						"yes")),
			     &r);
		if (r.outcome == FILTER_KEPT)
			kept++;
		else if (r.outcome == FILTER_RATE_DROPPED)
			dropped++;
	}
	CHECK_EQ(kept + dropped, 10000);
	CHECK(kept >= 100 && kept <= 103);
	/* Time stepped back by an hour: the bucket starts afresh. */
	filter_event(fs, &ctx, event_of(openat_at(10, 0, 30000, 50, "257", "yes")), &r);
	CHECK_EQ(r.outcome, FILTER_KEPT);
	filter_set_free(fs);
	/* Another key: the rule does not hold, the bucket is not asked. */
	CHECK_EQ(outcome_of("drop key=other rate=1/s", EXECVE_CURL), FILTER_NO_RULE);
	/* divert with rate=: within the rate diverted, past it dropped. */
	fs = parse("divert key=loop rate=1/m\n");
	filter_event(fs, &ctx, event_of(openat_at(1000, 0, 1, 50, "257", "yes")), &r);
	CHECK_EQ(r.outcome, FILTER_DIVERTED);
	filter_event(fs, &ctx, event_of(openat_at(1059, 0, 2, 50, "257", "yes")), &r);
	CHECK_EQ(r.outcome, FILTER_RATE_DROPPED);
	filter_event(fs, &ctx, event_of(openat_at(1060, 0, 3, 50, "257", "yes")), &r);
	CHECK_EQ(r.outcome, FILTER_DIVERTED);
	filter_set_free(fs);
}

TEST(keep_first_per_process)
{
	struct filter_set *fs = parse("keep-first-per-process key=loop\n");
	struct filter_result r;
	unsigned serial = 1;

#define NEXT(pid, sc, ok) \
	filter_event(fs, &ctx, event_of(openat_at(2000, serial % 1000, serial, pid, sc, ok)), &r), \
		serial++, r.outcome
	CHECK_EQ(NEXT(70, "257", "yes"), FILTER_FIRST_KEPT);
	CHECK_EQ(NEXT(70, "257", "yes"), FILTER_REPEAT_DROPPED);
	CHECK_EQ(NEXT(70, "257", "no"), FILTER_REPEAT_DROPPED);
	CHECK_EQ(NEXT(71, "257", "yes"), FILTER_FIRST_KEPT); /* another process */
	CHECK_EQ(NEXT(70, "257", "yes"), FILTER_REPEAT_DROPPED);
	/* pid 70 runs a new program: its execve is the new first. */
	CHECK_EQ(NEXT(70, "59", "yes"), FILTER_FIRST_KEPT);
	CHECK_EQ(NEXT(70, "257", "yes"), FILTER_REPEAT_DROPPED);
	/* A failed execve changes nothing. */
	CHECK_EQ(NEXT(70, "59", "no"), FILTER_REPEAT_DROPPED);
	/* exit_group is decided, then the pid forgotten: a new process that
	 * gets the pid has its first written. */
	CHECK_EQ(NEXT(70, "231", "yes"), FILTER_REPEAT_DROPPED);
	CHECK_EQ(NEXT(70, "257", "yes"), FILTER_FIRST_KEPT);
	CHECK_EQ(NEXT(71, "257", "yes"), FILTER_REPEAT_DROPPED);
	/* The table is direct-mapped: a pid 8192 further takes 71's slot, and
	 * 71's next match is written again, never dropped unseen. */
	CHECK_EQ(NEXT(71 + 8192, "257", "yes"), FILTER_FIRST_KEPT);
	CHECK_EQ(NEXT(71, "257", "yes"), FILTER_FIRST_KEPT);
#undef NEXT
	CHECK(filter_set_wants_process(fs));
	filter_set_free(fs);
}

/* ---- the process context ---- */

struct fake {
	unsigned calls;
	double start_time;
	const char *container_id, *runtime;
};

static bool fake_process(void *arg, const struct format_facts *f, struct format_process *ret)
{
	struct fake *fk = arg;

	fk->calls++;
	ret->known = true;
	ret->start_time = fk->start_time;
	ret->nancestors = 3;
	ret->ancestors[0] = (struct format_ancestor){ .pid = f->ppid, .known = true,
						      .exe = "/usr/bin/bash" };
	ret->ancestors[1] = (struct format_ancestor){ .pid = 2, .known = true,
						      .exe = "/usr/sbin/sshd" };
	ret->ancestors[2] = (struct format_ancestor){ .pid = 1, .known = false };
	ret->container_id = fk->container_id;
	ret->runtime = fk->runtime;
	return true;
}

TEST(match_process_context)
{
	struct fake fk = { .container_id = "4f2a9c0d1e", .runtime = "docker" };

	ctx.process = fake_process;
	ctx.process_arg = &fk;
	CHECK(drops("drop ancestor=/usr/sbin/sshd", EXECVE_CURL));
	CHECK(drops("drop ancestor=*bash", EXECVE_CURL));
	CHECK(!drops("drop ancestor=/usr/sbin/cron", EXECVE_CURL));
	CHECK(drops("drop container=4f2a*", EXECVE_CURL));
	CHECK(!drops("drop container=none", EXECVE_CURL));
	CHECK(drops("drop runtime=docker,podman", EXECVE_CURL));
	CHECK(!drops("drop runtime=containerd", EXECVE_CURL));
	CHECK(fk.calls > 0);
	fk.container_id = NULL;
	fk.runtime = NULL;
	CHECK(drops("drop container=none", EXECVE_CURL));
	CHECK(!drops("drop runtime=*", EXECVE_CURL));
	/* A set without such a match does not ask. */
	fk.calls = 0;
	CHECK(drops("drop key=exec-log", EXECVE_CURL));
	CHECK_EQ(fk.calls, 0);
	ctx.process = NULL;
	/* Without a process context: no ancestor, no container. */
	CHECK(!drops("drop ancestor=*", EXECVE_CURL));
	CHECK(drops("drop container=none", EXECVE_CURL));
}

/* With the context's start time, a pid taken by a new process (no exit
 * seen) is a new process too. */
TEST(keep_first_tells_processes_by_start_time)
{
	struct fake fk = { .start_time = 1699999000.25 };
	struct filter_set *fs;
	struct filter_result r;

	ctx.process = fake_process;
	ctx.process_arg = &fk;
	fs = parse("keep-first-per-process\n");
	filter_event(fs, &ctx, event_of(openat_at(3000, 0, 1, 90, "257", "yes")), &r);
	CHECK_EQ(r.outcome, FILTER_FIRST_KEPT);
	filter_event(fs, &ctx, event_of(openat_at(3000, 1, 2, 90, "257", "yes")), &r);
	CHECK_EQ(r.outcome, FILTER_REPEAT_DROPPED);
	fk.start_time = 1699999500.5;
	filter_event(fs, &ctx, event_of(openat_at(3000, 2, 3, 90, "257", "yes")), &r);
	CHECK_EQ(r.outcome, FILTER_FIRST_KEPT);
	filter_set_free(fs);
	ctx.process = NULL;
}

/* ---- one set, several decoder threads ---- */

#define SHARED_THREADS 4
#define SHARED_EVENTS 2000
#define SHARED_REPEATS 100000

struct sharer {
	struct filter_set *fs;
	unsigned serial_base;      /* serials of its own */
	unsigned pid_base;         /* pids of its own, besides the shared pid 1: the
				    * threads' pids share no slot of the table */
	unsigned kept[FILTER_OUTCOME_COUNT];
	bool failed;
};

/* One event of this thread's assembler, from one log line. */
static struct audit_event *one_event(struct assembler *a, unsigned serial, unsigned pid,
				     const char *key)
{
	char line[256];
	struct audit_record rec;
	int n = snprintf(line, sizeof(line),
			 "type=SYSCALL msg=audit(5000.000:%u): arch=c000003e syscall=257 "
			 "success=yes exit=3 pid=%u auid=0 uid=0 key=\"%s\"",
			 serial, pid, key);

	if (decode_record_line(line, (size_t)n, NULL, 0, &rec) != RECORD_OK ||
	    assembler_add(a, rec.type, &rec.stamp, NULL, 0, rec.body,
			  (size_t)n - (size_t)(rec.body - line), 5000000) != 0)
		return NULL;
	assembler_flush(a);
	return assembler_pop(a);
}

/* As a decoder would, on its own assembler and format context, all in one
 * millisecond of event time: one event of key burst given its verdict
 * SHARED_REPEATS times (the bucket's word as contended as it gets), then
 * SHARED_EVENTS events of key first, the even ones of pid 1 (every
 * thread's), the odd ones of pids of its own. */
static void *share(void *arg)
{
	struct sharer *s = arg;
	struct assemble_config cfg = { .log_input = true };
	struct assembler *a = assembler_new(&cfg);
	struct format_ctx fc = { 0 };
	struct audit_event *ev = a ? one_event(a, s->serial_base, 7, "burst") : NULL;
	struct filter_result r;

	for (unsigned i = 0; ev && i < SHARED_REPEATS; i++) {
		filter_event(s->fs, &fc, ev, &r);
		s->kept[r.outcome]++;
	}
	if (ev)
		assembler_done(a, ev);
	for (unsigned i = 1; ev && i <= SHARED_EVENTS; i++) {
		ev = one_event(a, s->serial_base + i, i % 2 ? s->pid_base + i : 1, "first");
		if (!ev)
			break;
		filter_event(s->fs, &fc, ev, &r);
		s->kept[r.outcome]++;
		assembler_done(a, ev);
	}
	s->failed = !ev;
	assembler_free(a);
	format_ctx_free(&fc);
	return NULL;
}

/* The limits hold over all the threads that share a set: a bucket of half
 * the tries lets exactly that many through in all (one millisecond: no
 * refill), and pid 1's first is written once, whichever thread sees it;
 * each thread's own pids have their first written. */
TEST(limits_hold_across_threads)
{
	char rules[128];
	struct filter_set *fs;
	struct sharer s[SHARED_THREADS];
	pthread_t t[SHARED_THREADS];
	unsigned totals[FILTER_OUTCOME_COUNT] = { 0 };
	unsigned burst = SHARED_THREADS * SHARED_REPEATS / 2;

	snprintf(rules, sizeof(rules),
		 "drop key=burst rate=1/h burst=%u\nkeep-first-per-process key=first\n", burst);
	fs = parse(rules);
	for (unsigned i = 0; i < SHARED_THREADS; i++) {
		s[i] = (struct sharer){ .fs = fs, .serial_base = 100000 * (i + 1),
					.pid_base = 10 + SHARED_EVENTS * i };
		CHECK_EQ(pthread_create(&t[i], NULL, share, &s[i]), 0);
	}
	for (unsigned i = 0; i < SHARED_THREADS; i++) {
		CHECK_EQ(pthread_join(t[i], NULL), 0);
		CHECK(!s[i].failed);
		for (unsigned o = 0; o < FILTER_OUTCOME_COUNT; o++)
			totals[o] += s[i].kept[o];
	}
	CHECK_EQ(totals[FILTER_KEPT], burst);
	CHECK_EQ(totals[FILTER_RATE_DROPPED], SHARED_THREADS * SHARED_REPEATS - burst);
	CHECK_EQ(totals[FILTER_FIRST_KEPT], 1 + SHARED_THREADS * SHARED_EVENTS / 2);
	CHECK_EQ(totals[FILTER_REPEAT_DROPPED], SHARED_THREADS * SHARED_EVENTS / 2 - 1);
	filter_set_free(fs);
}

TEST(no_filters_write_everything)
{
	struct filter_result r;

	CHECK_EQ(filter_event(NULL, &ctx, event_of(EXECVE_CURL), &r), FILTER_WRITE);
	CHECK_EQ(r.rule, -1);
	CHECK_EQ(filter_set_rules(NULL), 0);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(simplest_rules_parse), CASE(every_error_at_its_line),
				  CASE(nul_byte_and_long_line), CASE(terms_on_a_line),
				  CASE(names_need_the_hook),
				  CASE(match_type), CASE(match_key), CASE(match_syscall_success_exit),
				  CASE(match_ids), CASE(match_exe_comm), CASE(match_path),
				  CASE(match_socket), CASE(match_record_field),
				  CASE(matches_on_a_line_are_anded), CASE(each_action),
				  CASE(first_match_wins), CASE(rate_is_a_token_bucket_in_event_time),
				  CASE(keep_first_per_process), CASE(match_process_context),
				  CASE(keep_first_tells_processes_by_start_time),
				  CASE(limits_hold_across_threads),
				  CASE(no_filters_write_everything)));
}
