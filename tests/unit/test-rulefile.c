/* SPDX-License-Identifier: MIT */
/*
 * The rules file as auditctl -R reads it (kernel/rulefile.h): each line's
 * rule in auditctl -l's words (rule-text.h), bad lines named FILE:LINE and
 * left out while the others stay, the control lines as settings, and the
 * augenrules merge against what augenrules itself writes (root: it runs in
 * a mount namespace of its own, over a temporary /etc/audit).
 */
#include "harness.h"
#include "rule-text.h"
#include "rulefile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Every line said, joined by '\n'. */
static char said[16384];
static size_t said_len;

static void say(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(said + said_len, sizeof(said) - said_len, fmt, ap);
	va_end(ap);
	if (n > 0 && said_len + (size_t)n + 1 < sizeof(said)) {
		said_len += (size_t)n;
		said[said_len++] = '\n';
		said[said_len] = '\0';
	}
}

static void reset_said(void)
{
	said_len = 0;
	said[0] = '\0';
}

static void free_rf(void *arg)
{
	rulefile_free(arg);
}

static struct rulefile *parse(const char *text)
{
	static struct rulefile rf;

	rulefile_free(&rf); /* a case's earlier one, if any (then empty) */
	reset_said();
	rulefile_parse(&rf, "test.rules", text, strlen(text), say);
	harness_defer(free_rf, &rf);
	return &rf;
}

static const char *text_of(const struct rulefile_entry *e)
{
	static char buf[1024];

	rule_text(e->rule, e->size, buf, sizeof(buf));
	return buf;
}

#define CHECK_SAID(s)                                                      \
	do {                                                               \
		if (!strstr(said, (s)))                                    \
			FAIL("not said: %s\nsaid:\n%s", (s), said);        \
	} while (0)

/* Each line's rule, written back as auditctl -l writes it. */
TEST(lines_become_rules)
{
	struct rulefile *rf = parse(
		"# a comment\n"
		"   \n"
		"-a always,exit -F arch=b64 -S openat,open -F exe=/usr/bin/cat -F exit=-ENOENT -k k1\n"
		"-a exit,never -F arch=b32 -S open -k k2 -k k3\n"
		"-w /etc/shadow -p wa -k k4\n"
		"-A always,exit -F arch=b64 -S execve -C uid!=euid -F auid>=1000 -F auid!=unset "
		"-F key=k5\n"
		"-a always,exclude -F msgtype=CWD\n"
		"-a always,exit -F arch=b64 -S connect -F a0=0x10 -F path=/bin/ls -F perm=wx\n"
		"-a always,exit -F arch=b64 -S openat -F dir=/with\\ space -F key=sp\n"
		"-d always,exit -F arch=b64 -S openat -k gone\n"
		"-W /etc/passwd -p w\n");
	static const char *const want[] = {
		"-a always,exit -F arch=b64 -S open,openat -F exe=/usr/bin/cat -F exit=-ENOENT -F key=k1",
		"-a never,exit -F arch=b32 -S open -F key=k2 -F key=k3",
		"-w /etc/shadow -p wa -k k4",
		"-a always,exit -F arch=b64 -S execve -C uid!=euid -F auid>=1000 -F auid!=-1 -F key=k5",
		"-a always,exclude -F msgtype=CWD",
		"-a always,exit -F arch=b64 -S connect -F a0=0x10 -F path=/bin/ls -F perm=wx",
		"-a always,exit -F arch=b64 -S openat -F dir=/with space -F key=sp",
		"-a always,exit -F arch=b64 -S openat -F key=gone",
		"-w /etc/passwd -p w",
	};

	if (strcmp(said, "") != 0)
		FAIL("said: %s", said);
	CHECK_EQ(rf->count, 9);
	CHECK_EQ(rf->errors, 0);
	CHECK_EQ(rulefile_rules(rf), 7);
	for (unsigned i = 0; i < rf->count; i++) {
		CHECK_STR(text_of(&rf->entry[i]), want[i]);
		CHECK_EQ(rf->entry[i].op, i < 7 ? RULEFILE_ADD : RULEFILE_DELETE);
		CHECK_STR(rf->entry[i].at.file, "test.rules");
		CHECK_EQ(rf->entry[i].at.line, i + 3);
	}
	/* -A goes to the front of its list; the kernel is told so. */
	CHECK(rf->entry[3].rule->flags & AUDIT_FILTER_PREPEND);
	CHECK(!(rf->entry[0].rule->flags & AUDIT_FILTER_PREPEND));
	CHECK_EQ(rf->entry[3].size, sizeof(*rf->entry[3].rule) + rf->entry[3].rule->buflen);
}

/* A bad line is said with its file and line and left out; the lines after
 * it are still read (auditctl -R -c). */
TEST(bad_lines_named_and_the_others_kept)
{
	struct rulefile *rf = parse(
		"-a always,exit -F arch=b64 -S nosuchcall -k bad\n"          /* 1 */
		"-a always,exit -F arch=b64 -S openat -F nosuchfield=1\n"    /* 2 */
		"-f 2\n"                                                     /* 3 */
		"-s\n"                                                       /* 4 */
		"-F key=x\n"                                                 /* 5 */
		"-a always,exit -S openat stray\n"                           /* 6 */
		"-e 3\n"                                                     /* 7 */
		"-D junk\n"                                                  /* 8 */
		"-a always,sometimes -S openat\n"                            /* 9 */
		"-w relative/path -p r\n"                                    /* 10 */
		"-a always,exit -F arch=b64 -S openat -k good\n"             /* 11 */
		"--reset-lost\n"                                             /* 12 */
		"-a always,exit -S openat -a always,exit\n"                  /* 13 */
		"-b lots\n"                                                  /* 14 */
		"-x\n"                                                       /* 15 */
		"-R other.rules\n");                                         /* 16 */

	CHECK_EQ(rf->errors, 16 - 1);
	CHECK_EQ(rf->count, 1);
	CHECK_STR(text_of(&rf->entry[0]), "-a always,exit -F arch=b64 -S openat -F key=good");
	CHECK_EQ(rf->entry[0].at.line, 11);
	CHECK_SAID("test.rules:1: -S: unknown syscall 'nosuchcall'; line left out: -a always,exit "
		   "-F arch=b64 -S nosuchcall -k bad");
	CHECK_SAID("test.rules:2: -F nosuchfield=1: unknown field");
	CHECK_SAID("test.rules:3: -f 2 makes the kernel panic");
	CHECK_SAID("test.rules:4: '-s' is one of auditctl's commands");
	CHECK_SAID("test.rules:5: -F key=x: the list (-a LIST,ACTION) must come first");
	CHECK_SAID("test.rules:6: 'stray' is not an option");
	CHECK_SAID("test.rules:7: -e takes 0, 1 or 2, got '3'");
	CHECK_SAID("test.rules:8: -D takes nothing, or -k KEY");
	CHECK_SAID("test.rules:9: -a: 'always,sometimes' is not LIST,ACTION");
	CHECK_SAID("test.rules:10: -w relative/path: the path must start with '/'");
	CHECK_SAID("test.rules:12: --reset-lost would reset the kernel's lost counter");
	CHECK_SAID("test.rules:13: one -a, -A or -d per line");
	CHECK_SAID("test.rules:14: backlog_limit takes a number, got 'lots'");
	CHECK_SAID("test.rules:15: unknown option '-x'");
	CHECK_SAID("test.rules:16: -R: a rules file cannot read another");
	/* One line said per error, no more. */
	{
		unsigned lines = 0;

		for (const char *p = said; *p; p++)
			lines += *p == '\n';
		CHECK_EQ(lines, 15);
	}
}

/* The control lines: settings (the last one wins, with its line), the
 * two irreversible ones, -D with and without a key, -i and -c. */
TEST(control_lines)
{
	struct rulefile *rf = parse("-i\n"
				    "-c\n"
				    "-D\n"
				    "-b 100\n"
				    "-e 1\n"
				    "-b 8192\n"
				    "--backlog_wait_time 60000\n"
				    "-r 500\n"
				    "-f 0\n"
				    "-D -k mine\n"
				    "-e 0\n"
				    "--loginuid-immutable\n"
				    "-e 2\n");
	static const uint32_t value[AUDIT_SETTINGS] = { 0, 0, 500, 8192, 60000 };
	static const unsigned line[AUDIT_SETTINGS] = { 11, 9, 8, 6, 7 };

	if (strcmp(said, "") != 0)
		FAIL("said: %s", said);
	CHECK_EQ(rf->errors, 0);
	for (unsigned i = 0; i < AUDIT_SETTINGS; i++) {
		CHECK(rf->setting[i].set);
		CHECK_EQ(rf->setting[i].value, value[i]);
		CHECK_EQ(rf->setting[i].at.line, line[i]);
	}
	CHECK_STR(rf->setting[3].text, "-b 8192");
	CHECK_STR(rf->setting[4].text, "--backlog_wait_time 60000");
	CHECK_EQ(rf->lock.line, 13);
	CHECK_EQ(rf->loginuid_immutable.line, 12);
	CHECK_EQ(rf->count, 2);
	CHECK_EQ(rf->entry[0].op, RULEFILE_DELETE_ALL);
	CHECK(rf->entry[0].key == NULL);
	CHECK_EQ(rf->entry[1].op, RULEFILE_DELETE_ALL);
	CHECK_STR(rf->entry[1].key, "mine");
	CHECK_EQ(rulefile_rules(rf), 0);

	rf = parse("-a always,exit -S openat -k x\n");
	CHECK_EQ(rf->lock.line, 0);
	for (unsigned i = 0; i < AUDIT_SETTINGS; i++)
		CHECK(!rf->setting[i].set);
}

static void write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	CHECK(f != NULL);
	fputs(text, f);
	CHECK(fclose(f) == 0);
	CHECK(chmod(path, mode) == 0);
}

/* A file as auditctl -R takes one: a world-writable one (or one not
 * root's) is refused whole, said why; a missing one too. */
TEST(files_checked_as_auditctl_checks_them)
{
	const char *dir = harness_tempdir("rulefile");
	char path[512];
	struct rulefile rf;

	write_file(dir, "ok.rules", "-a always,exit -F arch=b64 -S openat -k x\n", 0640);
	write_file(dir, "open.rules", "-a always,exit -F arch=b64 -S openat -k x\n", 0666);
	snprintf(path, sizeof(path), "%s/ok.rules", dir);
	reset_said();
	if (geteuid() == 0) {
		CHECK_EQ(rulefile_read(path, &rf, say), 0);
		CHECK_EQ(rf.count, 1);
		CHECK_STR(rf.entry[0].at.file, path);
		rulefile_free(&rf);
		CHECK(chown(path, 65534, 65534) == 0);
		reset_said();
		CHECK_EQ(rulefile_read(path, &rf, say), -EPERM);
		CHECK_EQ(rf.count, 0);
		CHECK_SAID("is not owned by root; not loaded");
		rulefile_free(&rf);
	}
	snprintf(path, sizeof(path), "%s/open.rules", dir);
	reset_said();
	CHECK(rulefile_read(path, &rf, say) < 0);
	CHECK_EQ(rf.count, 0);
	CHECK_SAID(geteuid() == 0 ? "is world writable; not loaded" : "is not owned by root");
	rulefile_free(&rf);
	snprintf(path, sizeof(path), "%s/missing.rules", dir);
	reset_said();
	CHECK_EQ(rulefile_read(path, &rf, say), -ENOENT);
	CHECK_SAID("cannot open");
	rulefile_free(&rf);
}

static void rules_d(const char *dir)
{
	write_file(dir, "10-base.rules",
		   "## base\n-D\n-b 8192\n\n--backlog_wait_time 60000\n-f 1\n-e 1\n", 0640);
	write_file(dir, "9-first.rules",
		   "-a always,exit -F arch=b64 -S openat -k nine\n-b 100\n-e 2\n-D\n", 0640);
	write_file(dir, "20-watch.rules",
		   "  # indented comment\n-w /etc/passwd -p wa -k twenty\n-D -k old\n", 0640);
	write_file(dir, "99-finalize.rules", "-a always,exit -F arch=b64 -S connect -k last\n-e 1\n",
		   0640);
	write_file(dir, "notes.txt", "-a always,exit -S all -k not-a-rules-file\n", 0640);
	write_file(dir, ".hidden.rules", "-a always,exit -S all -k hidden\n", 0640);
}

/* rules.d merged as augenrules merges it: files in ls -v order, the last
 * bare -D, -b and -f first, the last -e last, each line named by its own
 * file and number. */
TEST(augenrules_merge)
{
	const char *dir = harness_tempdir("rulesd");
	/* static: freed by harness_defer once the case has returned */
	static struct rulefile rf;
	char where[600];

	if (geteuid() != 0)
		SKIP("the files must be root's, as auditctl -R wants them");
	rules_d(dir);
	reset_said();
	CHECK_EQ(rulefile_read_augenrules(dir, "/nonexistent", &rf, say), 0);
	harness_defer(free_rf, &rf);
	if (strcmp(said, "") != 0)
		FAIL("said: %s", said);
	CHECK_EQ(rf.count, 5);
	CHECK_EQ(rf.entry[0].op, RULEFILE_DELETE_ALL); /* 10-base's: the last bare -D */
	CHECK(rf.entry[0].key == NULL);
	snprintf(where, sizeof(where), "%s/10-base.rules", dir);
	CHECK_STR(rf.entry[0].at.file, where);
	CHECK_EQ(rf.entry[0].at.line, 2);
	CHECK_STR(text_of(&rf.entry[1]), "-a always,exit -F arch=b64 -S openat -F key=nine");
	CHECK_STR(text_of(&rf.entry[2]), "-w /etc/passwd -p wa -k twenty");
	CHECK_EQ(rf.entry[3].op, RULEFILE_DELETE_ALL);
	CHECK_STR(rf.entry[3].key, "old");
	CHECK_STR(text_of(&rf.entry[4]), "-a always,exit -F arch=b64 -S connect -F key=last");
	snprintf(where, sizeof(where), "%s/99-finalize.rules", dir);
	CHECK_STR(rf.entry[4].at.file, where);
	CHECK_EQ(rf.entry[4].at.line, 1);
	CHECK_EQ(rf.setting[3].value, 8192); /* 10-base's -b comes after 9-first's */
	CHECK_EQ(rf.setting[0].value, 1);    /* the last -e is 99-finalize's -e 1 */
	CHECK_EQ(rf.lock.line, 0);           /* 9-first's -e 2 was not the last */
	CHECK_EQ(rf.setting[1].value, 1);
	CHECK_EQ(rf.setting[4].value, 60000);
}

static bool same_rules(const struct rulefile *a, const struct rulefile *b)
{
	if (a->count != b->count || (a->lock.line != 0) != (b->lock.line != 0))
		return false;
	for (unsigned i = 0; i < a->count; i++) {
		const struct rulefile_entry *x = &a->entry[i], *y = &b->entry[i];

		if (x->op != y->op || x->size != y->size ||
		    (x->rule && memcmp(x->rule, y->rule, x->size) != 0) ||
		    ((x->key || y->key) && (!x->key || !y->key || strcmp(x->key, y->key) != 0)))
			return false;
	}
	for (unsigned i = 0; i < AUDIT_SETTINGS; i++)
		if (a->setting[i].set != b->setting[i].set ||
		    a->setting[i].value != b->setting[i].value)
			return false;
	return true;
}

/* The same rules.d given to augenrules itself (in a mount namespace of its
 * own, over a temporary /etc/audit): its audit.rules read with
 * rulefile_read gives the same entries and settings, byte for byte. */
TEST(augenrules_merge_matches_augenrules)
{
	const char *top = harness_tempdir("augenrules");
	char dir[512], cmd[2048], merged[512];
	/* static: freed by harness_defer once the case has returned */
	static struct rulefile ours, theirs;

	if (geteuid() != 0)
		SKIP("augenrules writes /etc/audit/audit.rules: root, in a mount namespace");
	if (access("/sbin/augenrules", X_OK) != 0 || system("command -v unshare >/dev/null") != 0)
		SKIP("augenrules or unshare missing (Debian packages auditd, util-linux)");
	snprintf(dir, sizeof(dir), "%s/rules.d", top);
	CHECK(mkdir(dir, 0750) == 0);
	rules_d(dir);
	/* augenrules reads /etc/audit/rules.d and writes /etc/audit/audit.rules:
	 * here both are in top, seen at /etc/audit by augenrules alone. */
	snprintf(cmd, sizeof(cmd),
		 "unshare --mount --propagation private sh -c 'mount --bind %s /etc/audit && "
		 "/sbin/augenrules' >/dev/null 2>&1",
		 top);
	if (system(cmd) != 0)
		SKIP("cannot run augenrules in a mount namespace here");
	snprintf(merged, sizeof(merged), "%s/audit.rules", top);
	CHECK(access(merged, R_OK) == 0);
	reset_said();
	CHECK_EQ(rulefile_read_augenrules(dir, "/nonexistent", &ours, say), 0);
	harness_defer(free_rf, &ours);
	CHECK_EQ(rulefile_read(merged, &theirs, say), 0);
	harness_defer(free_rf, &theirs);
	if (strcmp(said, "") != 0)
		FAIL("said: %s", said);
	NOTE("%u entries, lock %s", ours.count, ours.lock.line ? "yes" : "no");
	CHECK(ours.count > 0);
	CHECK(same_rules(&ours, &theirs));
	/* And the real /etc/audit/rules.d, when this machine has one. */
	if (access(RULEFILE_AUGENRULES_DIR, R_OK) == 0) {
		snprintf(cmd, sizeof(cmd),
			 "rm -f %s/* %s/.hidden.rules && cp -a %s/. %s/ && "
			 "unshare --mount --propagation private sh -c 'mount --bind %s /etc/audit && "
			 "/sbin/augenrules' >/dev/null 2>&1",
			 dir, dir, RULEFILE_AUGENRULES_DIR, dir, top);
		CHECK(system(cmd) == 0);
		rulefile_free(&ours);
		rulefile_free(&theirs);
		CHECK_EQ(rulefile_read_augenrules(dir, "/nonexistent", &ours, say), 0);
		CHECK_EQ(rulefile_read(merged, &theirs, say), 0);
		CHECK(same_rules(&ours, &theirs));
	}
}

/* No rules.d: audit.rules as it is, as augenrules --load does then. */
TEST(augenrules_without_rules_d)
{
	const char *dir = harness_tempdir("fallback");
	char missing[512], file[512];
	/* static: freed by harness_defer once the case has returned */
	static struct rulefile rf;

	if (geteuid() != 0)
		SKIP("the file must be root's, as auditctl -R wants it");
	write_file(dir, "audit.rules", "-a always,exit -F arch=b64 -S openat -k fallback\n", 0640);
	snprintf(missing, sizeof(missing), "%s/rules.d", dir);
	snprintf(file, sizeof(file), "%s/audit.rules", dir);
	reset_said();
	CHECK_EQ(rulefile_read_augenrules(missing, file, &rf, say), 0);
	harness_defer(free_rf, &rf);
	CHECK_EQ(rf.count, 1);
	CHECK_STR(text_of(&rf.entry[0]), "-a always,exit -F arch=b64 -S openat -F key=fallback");
	CHECK_SAID("as augenrules --load does");
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(lines_become_rules), CASE(bad_lines_named_and_the_others_kept),
				  CASE(control_lines), CASE(files_checked_as_auditctl_checks_them),
				  CASE(augenrules_merge), CASE(augenrules_merge_matches_augenrules),
				  CASE(augenrules_without_rules_d)));
}
