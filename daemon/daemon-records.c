/* SPDX-License-Identifier: MIT */
/*
 * daemon-records.c: the fields auditd fills in its own records, found the
 * way auditd finds them (its login uid and session from /proc/self, the
 * kernel's release, the SELinux or AppArmor label when there is one) and
 * the sender of the stop signal as libaudit's audit_format_signal_info
 * writes it (its uid from the owner of /proc/PID, its session from
 * /proc/PID/sessionid).
 */
#include "daemon-records.h"
#include "config.h"

#include <linux/audit.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

/* A small /proc file's first line, or "" when unreadable. */
static void read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (!f)
		return;
	if (!fgets(buf, (int)size, f))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static uint32_t read_u32(const char *path)
{
	char buf[32];
	unsigned long v;

	read_line(path, buf, sizeof(buf));
	return sscanf(buf, "%lu", &v) == 1 ? (uint32_t)v : UINT32_MAX;
}

/* " subj=LABEL" when the process has a security label (auditd's getsubj). */
static void subject(const char *pid, char *buf, size_t size)
{
	char path[64], label[200];

	snprintf(path, sizeof(path), "/proc/%s/attr/current", pid);
	read_line(path, label, sizeof(label));
	buf[0] = '\0';
	if (label[0])
		snprintf(buf, size, " subj=%s", label);
}

/* auid=, pid=, uid=, ses= of needle itself. */
static void self_fields(char *buf, size_t size)
{
	char subj[220];

	subject("self", subj, sizeof(subj));
	snprintf(buf, size, "auid=%u pid=%d uid=%u ses=%u%s", read_u32("/proc/self/loginuid"),
		 (int)getpid(), (unsigned)getuid(), read_u32("/proc/self/sessionid"), subj);
}

struct start_body {
	char release[65];
	char self[300];
};

static void start_body(void *arg, const char *format, char *buf, size_t size)
{
	const struct start_body *b = arg;

	snprintf(buf, size, "op=start ver=%s format=%s kernel=%.56s %s res=success", NEEDLE_VERSION,
		 format, b->release, b->self);
}

void daemon_records_start(struct daemon *d)
{
	struct start_body b;
	struct utsname u;

	snprintf(b.release, sizeof(b.release), "%s", uname(&u) == 0 ? u.release : "?");
	self_fields(b.self, sizeof(b.self));
	pipeline_write_own(d->p, AUDIT_DAEMON_START, start_body, &b, d->conf.resolve_ids);
}

static void fixed_body(void *arg, const char *format, char *buf, size_t size)
{
	snprintf(buf, size, "%s", (const char *)arg);
}

/* The sender of the stop signal: auditd's fields for it. auid is what the
 * kernel noted (its login uid, or its uid when it has none), or /proc's. */
static void sender_fields(uint32_t auid, int32_t pid, const char *ctx, char *buf, size_t size)
{
	char path[64], ses[32];
	struct stat st;
	uid_t uid = (uid_t)-1;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (stat(path, &st) == 0)
		uid = st.st_uid;
	snprintf(path, sizeof(path), "/proc/%d/sessionid", (int)pid);
	read_line(path, ses, sizeof(ses));
	if (!ses[0])
		snprintf(ses, sizeof(ses), "4294967295");
	snprintf(buf, size, "op=terminate auid=%u uid=%u ses=%s pid=%d%s%s res=success", auid,
		 (unsigned)uid, ses, (int)pid, ctx[0] ? " subj=" : "", ctx);
}

void daemon_records_stopped_by(struct daemon *d, const siginfo_t *sig)
{
	struct audit_signal_info info;
	char path[64];
	bool kernel = d->session && kernel_session_signal_info(d->session, &info) == 0 &&
		      info.pid > 0;

	/* The kernel notes SIGTERM (SIGHUP, SIGUSR1, SIGUSR2) sent to the
	 * registered daemon, not SIGINT: its note is another signal's then. */
	if (kernel && info.pid != sig->si_pid)
		kernel = false;
	if (kernel) {
		sender_fields(info.uid, info.pid, info.ctx, d->stopped_by, sizeof(d->stopped_by));
	} else if (sig->si_pid > 0) {
		uint32_t auid;

		snprintf(path, sizeof(path), "/proc/%d/loginuid", (int)sig->si_pid);
		auid = read_u32(path);
		sender_fields(auid != UINT32_MAX ? auid : (uint32_t)sig->si_uid, sig->si_pid, "",
			      d->stopped_by, sizeof(d->stopped_by));
	}
}

static void abort_record(struct daemon *d)
{
	char word[300], self[300], body[700];

	daemon_records_word(d->abort_reason, word, sizeof(word));
	self_fields(self, sizeof(self));
	snprintf(body, sizeof(body), "op=abort reason=%s %s res=failed", word, self);
	pipeline_write_own(d->p, AUDIT_DAEMON_ABORT, fixed_body, body, d->conf.resolve_ids);
}

void daemon_records_end(struct daemon *d)
{
	if (d->abort_reason[0]) {
		abort_record(d);
		return;
	}
	/* auditd's words when it cannot tell who stopped it. */
	static char unknown[] = "op=terminate auid=-1 uid=-1 ses=-1 pid=-1 subj=? res=success";

	pipeline_write_own(d->p, AUDIT_DAEMON_END, fixed_body,
			   d->stopped_by[0] ? d->stopped_by : unknown, d->conf.resolve_ids);
}

void daemon_records_word(const char *reason, char *buf, size_t size)
{
	size_t n = 0;
	bool dash = false;

	for (const char *p = reason; *p && n + 2 < size; p++) {
		char c = *p;
		bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			    c == '.' || c == '_' || c == '/';

		if (!keep) {
			dash = n > 0;
			continue;
		}
		if (dash)
			buf[n++] = '-';
		dash = false;
		buf[n++] = c;
	}
	buf[n] = '\0';
	if (!n)
		snprintf(buf, size, "unknown");
}
