/* SPDX-License-Identifier: MIT */
/*
 * The kernel session against a fake kernel (the netlink calls and the
 * request child are replaced with the linker's --wrap): what needle sends
 * when the kernel's audit configuration is locked (enabled 2), when the
 * rules hold -e 2 with rules_immutable = skip or apply, and how the rules'
 * settings meet the configuration's. A locked kernel cannot be made on
 * these machines (the lock lasts until reboot): this is where that path
 * is proved.
 */
#include "harness.h"
#include "ctl-child.h"
#include "kernel-session.h"
#include "recovery.h"
#include "rulefile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the fake kernel ---- */

static struct fake {
	struct audit_status status;
	unsigned rules;              /* loaded */
	unsigned requests;           /* every request the kernel was sent */
	enum ctl_op op[64];          /* ... by kind, in order */
	unsigned direct_sets;        /* audit_ctl_set from needle itself */
} k;

static char said[8192];
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

static void fake_reset(uint32_t enabled)
{
	memset(&k, 0, sizeof(k));
	k.status = (struct audit_status){ .enabled = enabled, .failure = 1, .backlog_limit = 64,
					  .backlog_wait_time = 15000 };
	said_len = 0;
	said[0] = '\0';
}

/* The kernel's answer to one request: a locked kernel refuses every
 * change (kernel/audit.c: -EPERM, and a CONFIG_CHANGE res=0 record). */
static int fake_request(struct ctl_request *q)
{
	if (k.requests < sizeof(k.op) / sizeof(k.op[0]))
		k.op[k.requests] = q->op;
	k.requests++;
	if (k.status.enabled == 2)
		return -EPERM;
	switch (q->op) {
	case CTL_SET:
		for (unsigned i = 0; i < AUDIT_SETTINGS; i++)
			if (q->status.mask & audit_settings[i].bit)
				*audit_setting_field(&k.status, i) =
					*audit_setting_field(&q->status, i);
		return 0;
	case CTL_ADD_RULE: k.rules++; return 0;
	case CTL_DEL_RULE: k.rules--; return 0;
	case CTL_DEL_KEY: q->count = 0; return 0;
	case CTL_LOCK: k.status.enabled = 2; return 0;
	case CTL_LOCK_LOGINUID: return 0;
	}
	return -EINVAL;
}

int __wrap_ctl_child_run(struct ctl_request *reqs, unsigned n);
int __wrap_ctl_child_run(struct ctl_request *reqs, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		reqs[i].result = fake_request(&reqs[i]);
	return 0;
}

struct audit_ctl *__wrap_audit_ctl_open(void);
struct audit_ctl *__wrap_audit_ctl_open(void)
{
	static char ctl;

	return (struct audit_ctl *)&ctl;
}

void __wrap_audit_ctl_close(struct audit_ctl *ctl);
void __wrap_audit_ctl_close(struct audit_ctl *ctl)
{
}

int __wrap_audit_ctl_get_status(struct audit_ctl *ctl, struct audit_status *ret);
int __wrap_audit_ctl_get_status(struct audit_ctl *ctl, struct audit_status *ret)
{
	*ret = k.status;
	return 0;
}

int __wrap_audit_ctl_set(struct audit_ctl *ctl, const struct audit_status *st);
int __wrap_audit_ctl_set(struct audit_ctl *ctl, const struct audit_status *st)
{
	k.direct_sets++;
	return k.status.enabled == 2 ? -EPERM : 0;
}

int __wrap_audit_ctl_count_rules(struct audit_ctl *ctl, unsigned *ret);
int __wrap_audit_ctl_count_rules(struct audit_ctl *ctl, unsigned *ret)
{
	*ret = k.rules;
	return 0;
}

int __wrap_recovery_save(const char *path, pid_t pid, const struct audit_status *saved);
int __wrap_recovery_save(const char *path, pid_t pid, const struct audit_status *saved)
{
	return 0;
}

int __wrap_recovery_load(const char *path, pid_t *pid, struct audit_status *saved, char *err,
			 size_t size);
int __wrap_recovery_load(const char *path, pid_t *pid, struct audit_status *saved, char *err,
			 size_t size)
{
	return -ENOENT;
}

int __wrap_recovery_clear(const char *path);
int __wrap_recovery_clear(const char *path)
{
	return 0;
}

/* ---- the cases ---- */

#define CHECK_SAID(s)                                                      \
	do {                                                               \
		if (!strstr(said, (s)))                                    \
			FAIL("not said: %s\nsaid:\n%s", (s), said);        \
	} while (0)

static void close_session(void *arg)
{
	kernel_session_close(arg);
}

static void free_rf(void *arg)
{
	rulefile_free(arg);
}

static struct rulefile *rules(const char *text)
{
	static struct rulefile rf;

	rulefile_free(&rf); /* a case's earlier one, if any (then empty) */
	rulefile_parse(&rf, "test.rules", text, strlen(text), say);
	harness_defer(free_rf, &rf);
	CHECK_EQ(rf.errors, 0);
	return &rf;
}

static const struct kernel_wants embedded = { {
	1, KERNEL_KEEP, KERNEL_KEEP, 65536, KERNEL_KEEP, /* audit_settings[] order */
} };

static struct kernel_session *open_session(void)
{
	struct kernel_session *s = kernel_session_open(true, say);

	CHECK(s != NULL);
	harness_defer(close_session, s);
	return s;
}

/* Locked before needle starts: needle starts all the same, sends the
 * kernel nothing at all (no setting, no rule, nothing at stop) and says
 * what it cannot do. */
TEST(locked_kernel_is_sent_nothing)
{
	struct kernel_session *s;
	struct rulefile *rf;

	fake_reset(2);
	k.rules = 3; /* locked in with its rules */
	s = open_session();
	CHECK_SAID("locked (enabled 2) until reboot: needle registers and collects");
	rf = rules("-b 8192\n-a always,exit -F arch=b64 -S openat -k t\n-e 2\n");
	kernel_session_use_rules(s, rf, &embedded, true);
	CHECK_EQ(kernel_session_apply(s, &embedded), 0);
	CHECK_SAID("needle cannot set enabled 1 (the kernel has 2), backlog_limit 65536 (the "
		   "kernel has 64)");
	kernel_session_load_rules(s, true);
	CHECK_SAID("needle loads no rules; the kernel keeps those it has");
	CHECK(kernel_session_restore(s));
	CHECK_EQ(k.requests, 0);
	CHECK_EQ(k.direct_sets, 0);
	CHECK_EQ(k.rules, 3);
}

/* -e 2 in the rules with rules_immutable = skip: every rule is loaded,
 * the lock is never asked for, and that is said at its line. */
TEST(lock_in_the_rules_skipped)
{
	struct kernel_session *s;
	struct rulefile *rf;

	fake_reset(0);
	s = open_session();
	rf = rules("-a always,exit -F arch=b64 -S openat -k t\n-w /etc/shadow -p r -k t\n-e 2\n");
	kernel_session_use_rules(s, rf, &embedded, false);
	CHECK_EQ(kernel_session_apply(s, &embedded), 0);
	kernel_session_load_rules(s, true);
	CHECK_SAID("test.rules:3: -e 2 skipped (rules_immutable = skip)");
	CHECK_EQ(k.rules, 2);
	for (unsigned i = 0; i < k.requests; i++)
		CHECK(k.op[i] != CTL_LOCK);
	CHECK(k.status.enabled != 2);
	CHECK(kernel_session_restore(s));
	CHECK_EQ(k.rules, 0); /* removed at stop */
	CHECK_EQ(k.status.enabled, 0);
	CHECK_EQ(k.status.backlog_limit, 64);
}

/* rules_immutable = apply: the lock is the last request, after every rule
 * (augenrules puts -e last); from then on needle sends nothing, not even
 * at stop, and says so. */
TEST(lock_in_the_rules_applied_last)
{
	struct kernel_session *s;
	struct rulefile *rf;
	unsigned before;

	fake_reset(0);
	s = open_session();
	rf = rules("-e 2\n-a always,exit -F arch=b64 -S openat -k t\n");
	kernel_session_use_rules(s, rf, &embedded, true);
	CHECK_EQ(kernel_session_apply(s, &embedded), 0);
	kernel_session_load_rules(s, true);
	CHECK(k.requests >= 2);
	CHECK_EQ(k.op[k.requests - 1], CTL_LOCK);
	CHECK_EQ(k.status.enabled, 2);
	CHECK_SAID("test.rules:1: -e 2: the kernel's audit configuration is locked until reboot");
	before = k.requests;
	CHECK_EQ(kernel_session_apply(s, &embedded), 0); /* a SIGHUP */
	CHECK(kernel_session_restore(s));
	CHECK_EQ(k.requests, before);
	CHECK_EQ(k.direct_sets, 0);
	CHECK_EQ(k.rules, 1);
	CHECK_SAID("needle's rules and the settings it changed stay as they are");
}

/* The rules' settings: applied where the configuration keeps the value,
 * said with the key where the configuration sets another; restored at
 * stop as any setting needle changed. */
TEST(rules_settings_meet_the_configuration)
{
	struct kernel_session *s;
	struct rulefile *rf;
	struct kernel_wants keep_backlog = embedded;

	fake_reset(0);
	s = open_session();
	rf = rules("-b 8192\n--backlog_wait_time 100\n-f 0\n");
	kernel_session_use_rules(s, rf, &embedded, true);
	CHECK_SAID("test.rules:1: '-b 8192' not applied: needle's configuration sets "
		   "backlog_limit = 65536 (set backlog_limit = keep to take the rules' value)");
	CHECK_EQ(kernel_session_apply(s, &embedded), 0);
	CHECK_EQ(k.status.backlog_limit, 65536);
	CHECK_EQ(k.status.backlog_wait_time, 100);
	CHECK_EQ(k.status.failure, 0);
	CHECK_EQ(k.status.enabled, 1);
	/* SIGHUP to backlog_limit = keep: the rules' value. */
	keep_backlog.value[3] = KERNEL_KEEP;
	CHECK_EQ(kernel_session_apply(s, &keep_backlog), 0);
	CHECK_EQ(k.status.backlog_limit, 8192);
	CHECK(kernel_session_restore(s));
	CHECK_EQ(k.status.backlog_limit, 64);
	CHECK_EQ(k.status.backlog_wait_time, 15000);
	CHECK_EQ(k.status.failure, 1);
	CHECK_EQ(k.status.enabled, 0);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv,
			    CASES(CASE(locked_kernel_is_sent_nothing), CASE(lock_in_the_rules_skipped),
				  CASE(lock_in_the_rules_applied_last),
				  CASE(rules_settings_meet_the_configuration)));
}
