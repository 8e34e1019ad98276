/* SPDX-License-Identifier: MIT */
/*
 * needle-bench replay: the decoding pipeline without the kernel.
 *
 * Generates realistic kernel records (the load generator's events: SYSCALL
 * openat, CWD, PATH, PROCTITLE, EOE, five records each, with neighbouring
 * events interleaved as several CPUs produce them), then, per decoder
 * thread, does what a needle decoder does with each record: read the stamp,
 * reassemble, format JSON (and optionally compress each 256 KiB batch with
 * LZ4). Events are sharded by serial as the listener shards them. Output
 * goes nowhere: this measures the CPU cost, not the disk.
 *
 * With --laurel, the same events are written as an auditd log and fed to
 * laurel (a Rust audit log enricher) on stdin; its events/s is printed
 * beside needle's, as a ratio of the same event count.
 */
#include "assemble.h"
#include "context.h"
#include "bench.h"
#include "format.h"
#include "frame.h"
#include "stamp.h"

#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <libaudit.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <urcu.h>

struct rec {
	unsigned type;
	uint32_t serial;
	uint32_t off, len; /* in the text arena */
};

struct corpus {
	char *text;
	size_t text_len;
	struct rec *recs;
	size_t nrecs;
	size_t events;
};

struct worker {
	const struct corpus *c;
	unsigned id, threads;
	bool lz4, log_input;
	struct proctable *procs; /* process context, NULL for none */
	uint64_t events, json_bytes, out_bytes;
};

static void append(struct corpus *c, size_t *cap, unsigned type, uint32_t serial, const char *fmt,
		   ...) __attribute__((format(printf, 5, 6)));
static void append(struct corpus *c, size_t *cap, unsigned type, uint32_t serial, const char *fmt,
		   ...)
{
	va_list ap;
	int n;

	if (c->text_len + 1024 > *cap) {
		*cap = *cap ? *cap * 2 : 1 << 20;
		c->text = realloc(c->text, *cap);
		if (!c->text)
			exit(1);
	}
	va_start(ap, fmt);
	n = vsnprintf(c->text + c->text_len, 1024, fmt, ap);
	va_end(ap);
	c->recs[c->nrecs++] = (struct rec){ type, serial, (uint32_t)c->text_len, (uint32_t)n };
	c->text_len += (size_t)n;
}

/* Records of events, two events in flight at a time, as two CPUs would
 * interleave them. */
static void generate(struct corpus *c, size_t events)
{
	static const unsigned types[] = { AUDIT_SYSCALL, AUDIT_CWD, AUDIT_PATH, AUDIT_PROCTITLE,
					  AUDIT_EOE };
	size_t cap = 0;

	memset(c, 0, sizeof(*c));
	c->recs = malloc(events * 5 * sizeof(*c->recs));
	if (!c->recs)
		exit(1);
	c->events = events;
	for (size_t e = 0; e < events; e += 2) {
		for (unsigned r = 0; r < 5; r++)
			for (size_t k = e; k < e + 2 && k < events; k++) {
				uint32_t serial = 1000000 + (uint32_t)k;
				unsigned long sec = 1764259200 + k / 50000, ms = (k / 50) % 1000;
				unsigned pid = 4000 + (unsigned)(k % 2);

				switch (types[r]) {
				case AUDIT_SYSCALL:
					append(c, &cap, types[r], serial,
					       "audit(%lu.%03lu:%u): arch=c000003e syscall=257 "
					       "success=no exit=-2 a0=ffffff9c a1=7ffd%08zx a2=0 a3=0 "
					       "items=1 ppid=3999 pid=%u auid=1000 uid=1000 gid=1000 "
					       "euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 "
					       "fsgid=1000 tty=pts0 ses=3 comm=\"needle-loadgen\" "
					       "exe=\"/usr/local/bin/needle-loadgen\" "
					       "subj=unconfined key=\"bench\"",
					       sec, ms, serial, k * 16, pid);
					break;
				case AUDIT_CWD:
					append(c, &cap, types[r], serial,
					       "audit(%lu.%03lu:%u): cwd=\"/home/alice\"", sec, ms, serial);
					break;
				case AUDIT_PATH:
					append(c, &cap, types[r], serial,
					       "audit(%lu.%03lu:%u): item=0 "
					       "name=\"/nonexistent/needle-load\" nametype=UNKNOWN "
					       "cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0",
					       sec, ms, serial);
					break;
				case AUDIT_PROCTITLE:
					append(c, &cap, types[r], serial,
					       "audit(%lu.%03lu:%u): proctitle=2F7573722F6C6F63616C2F"
					       "62696E2F6E6565646C652D6C6F616467656E0032003130303030",
					       sec, ms, serial);
					break;
				default:
					append(c, &cap, types[r], serial, "audit(%lu.%03lu:%u): ", sec,
					       ms, serial);
					break;
				}
			}
	}
}

/* A recording (needle-bench record) or an auditd log as the corpus: one
 * "type=NAME msg=audit(...): ..." line per record. Events are the distinct
 * serials; lines that are not records are counted and skipped. */
static int load_log(struct corpus *c, const char *path, bool *ret_has_eoe)
{
	FILE *f = fopen(path, "re");
	char *line = NULL, *seen = NULL;
	size_t cap = 0, text_cap = 0, rec_cap = 0, lineno = 0, skipped = 0;
	uint32_t max_serial = 0;
	ssize_t len;

	if (!f)
		return -errno;
	memset(c, 0, sizeof(*c));
	*ret_has_eoe = false;
	while ((len = getline(&line, &cap, f)) > 0) {
		char name[64], *msg = strstr(line, " msg=");
		struct audit_stamp st;
		unsigned type;
		int t;

		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (strncmp(line, "type=", 5) != 0 || !msg || (size_t)(msg - line - 5) >= sizeof(name)) {
			skipped++;
			continue;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(msg - line - 5), line + 5);
		msg += 5;
		if (sscanf(name, "UNKNOWN[%u]", &type) != 1) {
			t = audit_name_to_msg_type(name);
			if (t < 0) {
				skipped++;
				continue;
			}
			type = (unsigned)t;
		}
		if (decode_stamp(msg, strlen(msg), &st) < 0) {
			skipped++;
			continue;
		}
		*ret_has_eoe |= type == AUDIT_EOE;
		if (c->nrecs == rec_cap) {
			rec_cap = rec_cap ? rec_cap * 2 : 4096;
			c->recs = realloc(c->recs, rec_cap * sizeof(*c->recs));
		}
		if (c->text_len + strlen(msg) > text_cap) {
			text_cap = (text_cap + strlen(msg)) * 2;
			c->text = realloc(c->text, text_cap);
		}
		if (!c->recs || !c->text)
			exit(1);
		c->recs[c->nrecs++] = (struct rec){ type, st.serial, (uint32_t)c->text_len,
						    (uint32_t)strlen(msg) };
		memcpy(c->text + c->text_len, msg, strlen(msg));
		c->text_len += strlen(msg);
		if (st.serial > max_serial)
			max_serial = st.serial;
	}
	free(line);
	fclose(f);
	if (skipped)
		fprintf(stderr, "needle-bench replay: %s: %zu of %zu lines are not records, skipped\n",
			path, skipped, lineno);
	/* Events: distinct serials (a bitmap up to the largest). */
	seen = calloc((size_t)max_serial / 8 + 1, 1);
	if (!seen)
		exit(1);
	for (size_t i = 0; i < c->nrecs; i++) {
		uint32_t s = c->recs[i].serial;

		if (!(seen[s / 8] & (1 << (s % 8)))) {
			seen[s / 8] |= (char)(1 << (s % 8));
			c->events++;
		}
	}
	free(seen);
	return c->nrecs ? 0 : -ENODATA;
}

struct replay_context {
	struct proctable *t;
	struct context_cache cache;
};

static bool replay_context(void *arg, const struct format_facts *f, struct format_process *ret)
{
	struct replay_context *rc = arg;

	/* Decoded as it happens: now is the event's own time (exits are
	 * marked gone then, as live). */
	return context_for_event(rc->t, 4, f, f->sec * 1000, &rc->cache, ret);
}

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

static void generate_mix(struct corpus *c, size_t events)
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
		if (!unknown && k < events) { /* the fork, in its shell */
			STAMP;
			append(c, &cap, AUDIT_SYSCALL, serial, MIX_SYSCALL, sec, ms, serial, 56u, "yes",
			       (long)pid, 0u, 900u, shell, "bash", "/usr/bin/bash");
			append(c, &cap, AUDIT_PROCTITLE, serial, "audit(%lu.%03lu:%u): proctitle=2D62617368",
			       sec, ms, serial);
			append(c, &cap, AUDIT_EOE, serial, "audit(%lu.%03lu:%u): ", sec, ms, serial);
			k++;
		}
		if (k < events) { /* the execve */
			STAMP;
			append(c, &cap, AUDIT_SYSCALL, serial, MIX_SYSCALL, sec, ms, serial, 59u, "yes", 0L,
			       2u, shell, pid, comm, exe);
			append(c, &cap, AUDIT_EXECVE, serial,
			       "audit(%lu.%03lu:%u): argc=%u a0=\"%s\" a1=\"%s\"%s%s%s", sec, ms,
			       serial, mix_programs[prog % 5].argv[2] ? 3u : 2u,
			       mix_programs[prog % 5].argv[0], mix_programs[prog % 5].argv[1],
			       mix_programs[prog % 5].argv[2] ? " a2=\"" : "",
			       mix_programs[prog % 5].argv[2] ? mix_programs[prog % 5].argv[2] : "",
			       mix_programs[prog % 5].argv[2] ? "\"" : "");
			append(c, &cap, AUDIT_CWD, serial, "audit(%lu.%03lu:%u): cwd=\"/home/alice\"", sec,
			       ms, serial);
			append(c, &cap, AUDIT_PATH, serial,
			       "audit(%lu.%03lu:%u): item=0 name=\"%s\" inode=1234 dev=fe:00 "
			       "mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 "
			       "cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0",
			       sec, ms, serial, exe);
			append(c, &cap, AUDIT_PATH, serial,
			       "audit(%lu.%03lu:%u): item=1 name=\"/lib64/ld-linux-x86-64.so.2\" "
			       "inode=5678 dev=fe:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 "
			       "nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0",
			       sec, ms, serial);
			append(c, &cap, AUDIT_PROCTITLE, serial, "audit(%lu.%03lu:%u): proctitle=%s", sec,
			       ms, serial, title);
			append(c, &cap, AUDIT_EOE, serial, "audit(%lu.%03lu:%u): ", sec, ms, serial);
			k++;
		}
		for (unsigned o = 0; o < opens && k < events; o++, k++) {
			STAMP;
			append(c, &cap, AUDIT_SYSCALL, serial, MIX_SYSCALL, sec, ms, serial, 257u, "yes",
			       3L, 1u, shell, pid, comm, exe);
			append(c, &cap, AUDIT_CWD, serial, "audit(%lu.%03lu:%u): cwd=\"/home/alice\"", sec,
			       ms, serial);
			append(c, &cap, AUDIT_PATH, serial,
			       "audit(%lu.%03lu:%u): item=0 name=\"%s\" inode=99 dev=fe:00 "
			       "mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 "
			       "cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0",
			       sec, ms, serial, mix_programs[prog % 5].path);
			append(c, &cap, AUDIT_PROCTITLE, serial, "audit(%lu.%03lu:%u): proctitle=%s", sec,
			       ms, serial, title);
			append(c, &cap, AUDIT_EOE, serial, "audit(%lu.%03lu:%u): ", sec, ms, serial);
		}
		if (k < events) { /* the exit */
			STAMP;
			append(c, &cap, AUDIT_SYSCALL, serial, MIX_SYSCALL, sec, ms, serial, 231u, "yes",
			       0L, 0u, shell, pid, comm, exe);
			append(c, &cap, AUDIT_PROCTITLE, serial, "audit(%lu.%03lu:%u): proctitle=%s", sec,
			       ms, serial, title);
			append(c, &cap, AUDIT_EOE, serial, "audit(%lu.%03lu:%u): ", sec, ms, serial);
			k++;
		}
#undef STAMP
	}
	c->events = k;
}

/* The table at start, as needle's seed from /proc leaves it: init, sshd,
 * the shells (some in a docker container). */
static struct proctable *mix_table(void)
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

static void *decode_share(void *arg)
{
	struct worker *w = arg;
	const struct corpus *c = w->c;
	struct assemble_config cfg = { .max_open = 16384, .timeout_ms = 2000,
				       .log_input = w->log_input };
	struct assembler *a = assembler_new(&cfg);
	struct format_ctx ctx = { 0 };
	struct outbuf json = { 0 }, frame = { 0 };
	struct audit_event *ev;
	struct replay_context rc = { .t = w->procs };

	if (!a)
		exit(1);
	if (w->procs) {
		rcu_register_thread();
		ctx.process = replay_context;
		ctx.process_arg = &rc;
		rcu_read_lock(); /* held throughout: nothing here waits for a grace period */
	}
	for (size_t i = 0; i < c->nrecs; i++) {
		const struct rec *r = &c->recs[i];
		const char *text = c->text + r->off;
		struct audit_stamp st;
		int n;

		if (r->serial % w->threads != w->id)
			continue; /* another decoder's shard */
		n = decode_stamp(text, r->len, &st);
		if (n < 0)
			n = 0;
		assembler_add(a, r->type, &st, NULL, 0, text + n, r->len - (size_t)n, 0);
		while ((ev = assembler_pop(a))) {
			format_event_json(&ctx, ev, &json);
			w->events++;
			assembler_done(a, ev);
		}
		if (json.len >= (256u << 10)) {
			w->json_bytes += json.len;
			if (w->lz4) {
				/* needle's own path (pipeline/frame.h), as the decoder. */
				if (frame_compress_lz4(json.data, json.len, &frame) < 0)
					exit(1);
				w->out_bytes += frame.len;
			} else {
				w->out_bytes += json.len;
			}
			json.len = 0;
		}
	}
	assembler_flush(a);
	while ((ev = assembler_pop(a))) {
		format_event_json(&ctx, ev, &json);
		w->events++;
		assembler_done(a, ev);
	}
	w->json_bytes += json.len;
	w->out_bytes += json.len;
	if (w->procs) {
		rcu_read_unlock();
		rcu_unregister_thread();
	}
	assembler_free(a);
	format_ctx_free(&ctx);
	outbuf_free(&json);
	outbuf_free(&frame);
	return NULL;
}

/* Returns records/s for one configuration; fills events and bytes. */
static double run(const struct corpus *c, unsigned threads, bool lz4, bool log_input,
		  struct proctable *procs, uint64_t *ret_events, double *ret_ratio)
{
	struct worker w[8];
	pthread_t t[8];
	double start = bench_now(), secs;
	uint64_t events = 0, json = 0, out = 0;

	for (unsigned i = 0; i < threads; i++) {
		w[i] = (struct worker){ .c = c, .id = i, .threads = threads, .lz4 = lz4,
					.log_input = log_input, .procs = procs };
		pthread_create(&t[i], NULL, decode_share, &w[i]);
	}
	for (unsigned i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		events += w[i].events;
		json += w[i].json_bytes;
		out += w[i].out_bytes;
	}
	secs = bench_now() - start;
	*ret_events = events;
	*ret_ratio = out ? (double)json / (double)out : 1;
	return (double)c->nrecs / secs;
}

/* Writes the corpus as an auditd log (type names, no EOE: as auditd). */
static int write_log(const struct corpus *c, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	for (size_t i = 0; i < c->nrecs; i++) {
		const struct rec *r = &c->recs[i];

		if (r->type == AUDIT_EOE)
			continue;
		fprintf(f, "type=%s msg=%.*s\n", audit_msg_type_to_name((int)r->type), (int)r->len,
			c->text + r->off);
	}
	return fclose(f) == 0 ? 0 : -errno;
}

/* laurel reads the log on stdin and writes JSON to a directory; returns
 * its events/s, or a negative number when it could not run. */
static double run_laurel(const struct corpus *c, const char *dir)
{
	char log[512], conf[512], cmd[2048];
	FILE *f;
	double start, secs;
	int status;

	snprintf(log, sizeof(log), "%s/replay.log", dir);
	snprintf(conf, sizeof(conf), "%s/laurel.toml", dir);
	if (write_log(c, log) < 0)
		return -1;
	f = fopen(conf, "w");
	if (!f)
		return -1;
	fprintf(f, "directory = \"%s\"\nuser = \"root\"\n[auditlog]\nfile = \"laurel.log\"\n"
		   "size = 100000000000\ngenerations = 1\n",
		dir);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "laurel -c %s < %s > %s/laurel.out 2>&1", conf, log, dir);
	start = bench_now();
	status = system(cmd);
	secs = bench_now() - start;
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "needle-bench replay: laurel failed (exit %d); see %s/laurel.out\n",
			WIFEXITED(status) ? WEXITSTATUS(status) : -1, dir);
		return -1;
	}
	/* A fair comparison needs laurel to have written every event. */
	{
		char path[600], *line = NULL;
		size_t cap = 0, lines = 0;

		snprintf(path, sizeof(path), "%s/laurel.log", dir);
		f = fopen(path, "r");
		while (f && getline(&line, &cap, f) > 0)
			lines++;
		free(line);
		if (f)
			fclose(f);
		if (lines != c->events) {
			fprintf(stderr, "needle-bench replay: laurel wrote %zu events of %zu\n", lines,
				c->events);
			return -1;
		}
	}
	return (double)c->events / secs;
}

/*
 * What process context costs one decoder writing JSON, on the realistic
 * process mix (generate_mix): the same events with and without context,
 * interleaved over rounds, each run with context starting from the same
 * table. 0, or 1 when a run decoded the wrong number of events.
 */
static int context_cost(size_t events, unsigned rounds)
{
	double without[BENCH_MAX_ROUNDS], with[BENCH_MAX_ROUNDS], ratio, m0, m1;
	struct proctable_stats st = { 0 };
	uint64_t got[2] = { 0, 0 };
	struct corpus mix;

	generate_mix(&mix, events);
	rcu_register_thread();
	for (unsigned r = 0; r < rounds; r++) {
		struct proctable *t = mix_table();

		without[r] = run(&mix, 1, false, false, NULL, &got[0], &ratio);
		with[r] = run(&mix, 1, false, false, t, &got[1], &ratio);
		proctable_get_stats(t, &st);
		proctable_free(t);
		if (got[0] != mix.events || got[1] != mix.events) {
			fprintf(stderr, "needle-bench replay: the process mix decoded %llu and %llu "
					"events of %zu\n",
				(unsigned long long)got[0], (unsigned long long)got[1], mix.events);
			rcu_unregister_thread();
			return 1;
		}
	}
	rcu_unregister_thread();
	m0 = bench_median(without, rounds);
	m1 = bench_median(with, rounds);
	printf("\nprocess context, on a process mix (%zu events, %zu records: %llu forks, %llu "
	       "execs, %llu exits; one process in ten never seen forking and gone from /proc: "
	       "%llu loads of /proc/PID tried, %llu failed): 1 decoder, JSON, %.0f records/s "
	       "without, %.0f with: it costs %.1f%% (target: at most 15%%: %s)\n",
	       mix.events, mix.nrecs, (unsigned long long)st.forks, (unsigned long long)st.execs,
	       (unsigned long long)st.exits, (unsigned long long)st.loads,
	       (unsigned long long)st.load_failures, m0, m1, 100 * (1 - m1 / m0),
	       m1 >= 0.85 * m0 ? "met" : "MISSED");
	free(mix.text);
	free(mix.recs);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: needle-bench replay [--events N | --from FILE] [--rounds N] [--laurel]\n"
		   "  Decodes kernel records to JSON on 1 and 2 decoder threads, with and\n"
		   "  without LZ4, and prints records/s: generated ones (5 per event), or\n"
		   "  those of FILE (a needle-bench record file, or an auditd log).\n"
		   "  --events N  events per run (default 400000)\n"
		   "  --from FILE records to replay instead of generated ones\n"
		   "  --rounds N  interleaved rounds; figures are medians (default 3)\n"
		   "  --laurel    also time laurel on the same events (needs laurel)\n"
		   "  Then, for generated events, what process context costs one decoder on\n"
		   "  a realistic process mix (forks, execs, exits, pids /proc does not have).\n");
}

int bench_replay_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "events", required_argument, NULL, 'e' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "laurel", no_argument, NULL, 'l' },
		{ "from", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct {
		unsigned threads;
		bool lz4, context;
		const char *name;
	} configs[] = { { 1, false, false, "1 decoder, JSON" },
			{ 1, true, false, "1 decoder, JSON + LZ4" },
			{ 2, false, false, "2 decoders, JSON" },
			{ 2, true, false, "2 decoders, JSON + LZ4" } };
	enum { NCONF = 4 };
	double rate[NCONF][BENCH_MAX_ROUNDS], med[NCONF], ratio = 1, v;
	double events = 400000;
	unsigned rounds = 3;
	bool laurel = false, log_input = false;
	const char *from = NULL;
	struct corpus c;
	uint64_t got = 0;
	int opt;

	while ((opt = getopt_long(argc, argv, "e:r:lh", opts, NULL)) != -1) {
		switch (opt) {
		case 'e':
			if (bench_parse_double("--events", optarg, 2, 1e8, &events) < 0)
				return 2;
			break;
		case 'r':
			if (bench_parse_double("--rounds", optarg, 1, BENCH_MAX_ROUNDS, &v) < 0)
				return 2;
			rounds = (unsigned)v;
			break;
		case 'l': laurel = true; break;
		case 'f': from = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (from) {
		bool has_eoe = false;
		int r = load_log(&c, from, &has_eoe);

		if (r < 0) {
			fprintf(stderr, "needle-bench replay: %s: %s\n", from,
				r == -ENODATA ? "no audit records" : strerror(-r));
			return 1;
		}
		/* auditd's logs have no EOE: end events as in logs. */
		log_input = !has_eoe;
	} else {
		generate(&c, (size_t)events);
	}
	fprintf(stderr, "needle-bench replay: %zu events, %zu records, %u rounds\n", c.events,
		c.nrecs, rounds);
	for (unsigned r = 0; r < rounds; r++)
		for (int k = 0; k < NCONF; k++) {
			rate[k][r] = run(&c, configs[k].threads, configs[k].lz4, log_input, NULL,
					 &got, &v);
			if (got != c.events) {
				fprintf(stderr, "needle-bench replay: %s decoded %llu events of %zu\n",
					configs[k].name, (unsigned long long)got, c.events);
				return 1;
			}
			if (configs[k].lz4)
				ratio = v;
		}
	for (int k = 0; k < NCONF; k++)
		med[k] = bench_median(rate[k], rounds);
	printf("| configuration | records/s | events/s |\n|---|---:|---:|\n");
	for (int k = 0; k < NCONF; k++)
		printf("| %s | %.0f | %.0f |\n", configs[k].name, med[k],
		       med[k] * (double)c.events / (double)c.nrecs);
	printf("\nLZ4 compression ratio %.1fx; 2 decoders / 1 decoder: %.2fx (JSON), %.2fx (LZ4)\n",
	       ratio, med[2] / med[0], med[3] / med[1]);
	if (!from)
			printf("targets: 1 decoder JSON >= 1,000,000 records/s: %s; with LZ4 >= 700,000: %s; "
		       "2 decoders >= 1.7x: %s\n",
		       med[0] >= 1e6 ? "met" : "MISSED", med[1] >= 7e5 ? "met" : "MISSED",
		       med[2] >= 1.7 * med[0] ? "met" : "MISSED");
	if (laurel) {
		char dir[] = "/tmp/needle-bench-laurel-XXXXXX";
		double l;

		if (!mkdtemp(dir)) {
			perror("mkdtemp");
			return 1;
		}
		l = run_laurel(&c, dir);
		if (l > 0)
			printf("laurel on the same %zu events: %.0f events/s; needle (1 decoder, JSON) "
			       "is %.1fx faster\n",
			       c.events, l, med[0] * (double)c.events / (double)c.nrecs / l);
		{
			char cmd[128];

			snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
			if (system(cmd) != 0)
				fprintf(stderr, "needle-bench replay: could not remove %s\n", dir);
		}
	}
	free(c.text);
	free(c.recs);
	return from ? 0 : context_cost((size_t)events, rounds);
}
