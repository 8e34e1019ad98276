/* SPDX-License-Identifier: MIT */
/*
 * replay-mix: needle-bench replay's process mix, for what process context
 * costs a decoder: forks, execs, opens and exits of short-lived programs
 * under shells, and the table of processes they start from.
 */
#include "replay.h"

#include <libaudit.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * A realistic process mix, to measure what process context costs: shells
 * under sshd under init (all in the table at start, as needle's seed from
 * /proc leaves them) start short-lived programs. Each program is one fork
 * (clone in its shell), one execve, 5 to 29 openat and an exit_group: about
 * 20 events per process, so the table changes all the time and its answers
 * are reused only within a process's life. One process in ten is met first
 * by an event of its own, never seen forking, with a pid /proc does not
 * have (gone before needle met it, as short-lived processes often are): the
 * decoder then asks /proc for it at each of its events, and fails. Events
 * follow one another (no interleaving); a second of event time passes every
 * 50,000 events.
 */
#define MIX_SHELLS 50
#define MIX_UNKNOWN_PID 5000000u /* above any pid_max: /proc never has it */

static const struct {
	const char *exe, *comm, *argv[3], *path;
} mix_programs[] = {
	{ "/usr/bin/ls", "ls", { "ls", "-l", "/tmp" }, "/etc/passwd" },
	{ "/usr/bin/cat", "cat", { "cat", "/etc/hosts", NULL }, "/etc/hosts" },
	{ "/usr/bin/grep", "grep", { "grep", "-r", "needle" }, "/var/log/syslog" },
	{ "/usr/bin/python3.11", "python3", { "python3", "job.py", NULL }, "/usr/lib/python3.11/os.py" },
	{ "/usr/bin/git", "git", { "git", "status", NULL }, "/home/alice/src/.git/HEAD" },
};

static void hex_of(char *dst, size_t size, const char *const argv[3])
{
	size_t n = 0;

	for (unsigned i = 0; i < 3 && argv[i] && n + 3 < size; i++) {
		if (i)
			n += (size_t)snprintf(dst + n, size - n, "00");
		for (const char *p = argv[i]; *p && n + 3 < size; p++)
			n += (size_t)snprintf(dst + n, size - n, "%02X", (unsigned char)*p);
	}
	dst[n] = '\0';
}

/* The SYSCALL record's common part. */
#define MIX_SYSCALL "audit(%lu.%03lu:%u): arch=c000003e syscall=%u success=%s exit=%ld " \
		    "a0=3 a1=7ffd0000 a2=0 a3=0 items=%u ppid=%u pid=%u auid=1000 uid=1000 " \
		    "gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 " \
		    "tty=pts0 ses=3 comm=\"%s\" exe=\"%s\" subj=unconfined key=\"bench\""

/* A PATH record of a file that exists. */
static void append_path(struct corpus *c, size_t *cap, uint32_t serial, unsigned long sec,
			unsigned long ms, unsigned item, const char *name, unsigned inode,
			const char *mode)
{
	replay_append(c, cap, AUDIT_PATH, serial,
	       "audit(%lu.%03lu:%u): item=%u name=\"%s\" inode=%u dev=fe:00 mode=%s "
	       "ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 "
	       "cap_fver=0 cap_frootid=0",
	       sec, ms, serial, item, name, inode, mode);
}

void replay_generate_mix(struct corpus *c, size_t events)
{
	size_t cap = 0, k = 0;
	uint32_t next_pid = 10000, serial = 2000000, rnd = 12345;
	char title[256];

	memset(c, 0, sizeof(*c));
	c->recs = malloc(events * 8 * sizeof(*c->recs));
	if (!c->recs)
		exit(1);
	/* Times of now: the table's start times (boot time + ticks) must lie
	 * before the events, as they do live. */
	unsigned long base = (unsigned long)time(NULL) - 60;

	while (k < events) {
		unsigned prog = (rnd = rnd * 1103515245u + 12345u) >> 16;
		uint32_t shell = 1000 + (rnd >> 8) % MIX_SHELLS, pid;
		unsigned opens = 5 + (rnd >> 4) % 25;
		bool unknown = (rnd >> 20) % 10 == 0;
		const char *exe = mix_programs[prog % 5].exe, *comm = mix_programs[prog % 5].comm;
		unsigned long sec, ms;

		pid = unknown ? MIX_UNKNOWN_PID + next_pid++ : next_pid++;
		hex_of(title, sizeof(title), mix_programs[prog % 5].argv);
#define STAMP (sec = base + k / 50000, ms = (k / 50) % 1000, serial++)
#define APPEND(type, ...) replay_append(c, &cap, type, serial, __VA_ARGS__)
		if (!unknown && k < events) { /* the fork, in its shell */
			STAMP;
			APPEND(AUDIT_SYSCALL, MIX_SYSCALL, sec, ms, serial, 56u, "yes",
			       (long)pid, 0u, 900u, shell, "bash", "/usr/bin/bash");
			APPEND(AUDIT_PROCTITLE, "audit(%lu.%03lu:%u): proctitle=2D62617368",
			       sec, ms, serial);
			APPEND(AUDIT_EOE, "audit(%lu.%03lu:%u): ", sec, ms, serial);
			k++;
		}
		if (k < events) { /* the execve */
			STAMP;
			APPEND(AUDIT_SYSCALL, MIX_SYSCALL, sec, ms, serial, 59u, "yes", 0L,
			       2u, shell, pid, comm, exe);
			APPEND(AUDIT_EXECVE,
			       "audit(%lu.%03lu:%u): argc=%u a0=\"%s\" a1=\"%s\"%s%s%s", sec, ms,
			       serial, mix_programs[prog % 5].argv[2] ? 3u : 2u,
			       mix_programs[prog % 5].argv[0], mix_programs[prog % 5].argv[1],
			       mix_programs[prog % 5].argv[2] ? " a2=\"" : "",
			       mix_programs[prog % 5].argv[2] ? mix_programs[prog % 5].argv[2] : "",
			       mix_programs[prog % 5].argv[2] ? "\"" : "");
			APPEND(AUDIT_CWD, "audit(%lu.%03lu:%u): cwd=\"/home/alice\"", sec,
			       ms, serial);
			append_path(c, &cap, serial, sec, ms, 0, exe, 1234, "0100755");
			append_path(c, &cap, serial, sec, ms, 1, "/lib64/ld-linux-x86-64.so.2", 5678,
				    "0100755");
			APPEND(AUDIT_PROCTITLE, "audit(%lu.%03lu:%u): proctitle=%s", sec,
			       ms, serial, title);
			APPEND(AUDIT_EOE, "audit(%lu.%03lu:%u): ", sec, ms, serial);
			k++;
		}
		for (unsigned o = 0; o < opens && k < events; o++, k++) {
			STAMP;
			APPEND(AUDIT_SYSCALL, MIX_SYSCALL, sec, ms, serial, 257u, "yes",
			       3L, 1u, shell, pid, comm, exe);
			APPEND(AUDIT_CWD, "audit(%lu.%03lu:%u): cwd=\"/home/alice\"", sec,
			       ms, serial);
			append_path(c, &cap, serial, sec, ms, 0, mix_programs[prog % 5].path, 99,
				    "0100644");
			APPEND(AUDIT_PROCTITLE, "audit(%lu.%03lu:%u): proctitle=%s", sec,
			       ms, serial, title);
			APPEND(AUDIT_EOE, "audit(%lu.%03lu:%u): ", sec, ms, serial);
		}
		if (k < events) { /* the exit */
			STAMP;
			APPEND(AUDIT_SYSCALL, MIX_SYSCALL, sec, ms, serial, 231u, "yes",
			       0L, 0u, shell, pid, comm, exe);
			APPEND(AUDIT_PROCTITLE, "audit(%lu.%03lu:%u): proctitle=%s", sec,
			       ms, serial, title);
			APPEND(AUDIT_EOE, "audit(%lu.%03lu:%u): ", sec, ms, serial);
			k++;
		}
#undef STAMP
#undef APPEND
	}
	c->events = k;
}

/* The table at start, as needle's seed from /proc leaves it: init, sshd,
 * the shells (some in a docker container). */
struct proctable *replay_mix_table(void)
{
	struct proctable *t = proctable_new(32768); /* process_table_size's default */
	struct procinfo info = { .pid = 1, .ppid = 0, .uid = 0, .start_ticks = 1 };

	if (!t)
		exit(1);
	snprintf(info.exe, sizeof(info.exe), "/usr/lib/systemd/systemd");
	snprintf(info.argv0, sizeof(info.argv0), "/sbin/init");
	proctable_put(t, &info, true);
	info = (struct procinfo){ .pid = 900, .ppid = 1, .start_ticks = 100 };
	snprintf(info.exe, sizeof(info.exe), "/usr/sbin/sshd");
	snprintf(info.argv0, sizeof(info.argv0), "sshd: alice [priv]");
	proctable_put(t, &info, true);
	for (uint32_t i = 0; i < MIX_SHELLS; i++) {
		info = (struct procinfo){ .pid = 1000 + i, .ppid = 900, .uid = 1000,
					  .start_ticks = 200 + i };
		snprintf(info.exe, sizeof(info.exe), "/usr/bin/bash");
		snprintf(info.argv0, sizeof(info.argv0), "-bash");
		if (i % 5 == 0) {
			strcpy(info.container.runtime, "docker");
			memset(info.container.id, 'a', 64);
		}
		proctable_put(t, &info, true);
	}
	return t;
}
