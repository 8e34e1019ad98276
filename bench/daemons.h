/* SPDX-License-Identifier: MIT */
/*
 * daemons: the audit daemons needle-bench live measures, each run as a
 * child process with a generated configuration in a directory of its own,
 * stopped with SIGTERM and reaped with wait4() for its CPU time and peak
 * memory; its delivered events are counted from its output afterwards.
 *
 *   needle  needle run --foreground; JSON and RAW, LZ4; counted from the
 *           RAW log (SYSCALL records with the run's key); needle-nats the
 *           same with output ...,nats to a nats-server of the bench's own
 *           (bench-nats.h), counted the same way; needle-noprocev the same
 *           as needle with the proc connector off (needle-conf.h). Just
 *           before the stop, needle's CPU and its connector thread's
 *           (threadcpu.h)
 *   auditd  Debian's auditd -n -c DIR; RAW (or --auditd-format), flush
 *           INCREMENTAL_ASYNC as shipped; counted from its log the same way;
 *           auditd-enriched is the same with log_format ENRICHED
 *   null    a bare drain in a child of needle-bench: recvmmsg into a
 *           buffer, no parsing but a search for the key in SYSCALL records;
 *           the ceiling any daemon can reach on this kernel. For
 *           needle-bench record it also writes each record as a log line
 *           ("type=NAME msg=audit(...): ...", EOE kept), which needle
 *           decode --eoe and needle-bench replay --from read.
 */
#ifndef NEEDLE_BENCH_DAEMONS_H
#define NEEDLE_BENCH_DAEMONS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

struct bench_setup {
	const char *needle;        /* path of the needle binary */
	const char *auditd;        /* path of auditd */
	const char *auditd_format; /* "RAW" or "ENRICHED" */
	const char *key;           /* the rules' key: what is counted */
	const char *top;           /* temporary directory for the runs */
	uint32_t backlog_limit, backlog_wait_time;
	const char *needle_extra;  /* more lines for needle's configuration, or NULL */
	const char *record;        /* null: write every record here, or NULL */
	unsigned drain_forgets;    /* null, for testing the accounting: every Nth event
				    * of the load is received but not counted (0: none) */
};

struct bench_daemon {
	const char *name;   /* "needle", "auditd", "null" */
	pid_t pid;
	char dir[512];      /* this run's directory */
	char config[2048];  /* the configuration it ran with, for the report */
	int result_fd;      /* null: the drain's counts come back on this pipe */
	struct rusage usage;
	uint64_t delivered; /* events of the load in its output (SYSCALL records with the key) */
	uint64_t short_records; /* records missing from those events (tally.h) */
	uint64_t records;   /* null: every audit record it received */
	uint64_t lost;      /* events it counted lost itself (needle: serial gaps and
			     * failed writes; auditd and null count none) */
	uint64_t lost_records; /* records it counted dropped (needle: full rings) */
	double delay_p50, delay_p99; /* seconds; < 0 when the daemon does not say */
	/* needle, read from /proc (threadcpu.h) when the load starts and just
	 * before the stop: its CPU in between, and the part of it its proc
	 * connector's thread spent; 0 unread. Without the start's fixed cost
	 * (the process table's first walk of /proc), which the rusage has. */
	double sampled_cpu, connector_cpu;
	unsigned connector_threads;
	double mark_cpu, mark_connector_cpu;
	int exit_status;
};

/* The name needle gives its proc connector's thread (context/procwatch.c).
 * liburcu's call_rcu worker, which frees the process table's replaced
 * entries, takes it too when the connector's thread made it (a new thread
 * has its creator's name): counted with it, as the connector's work. */
#define BENCH_CONNECTOR_THREAD "needle-procev"

bool bench_daemon_known(const char *name);
/* "needle", "needle-nats" (output = ...,nats, sending to a nats-server the
 * bench starts: bench-nats.h) or "needle-noprocev" (process_events = no). */
bool bench_daemon_is_needle(const char *name);

/* Starts it and waits until the kernel names it the audit daemon.
 * 0, or -errno with a message in err. */
int bench_daemon_start(struct bench_daemon *d, const char *name, const struct bench_setup *s,
		       unsigned run, char *err, size_t err_size);

/* Bytes written to its output so far (to see when it has caught up). */
uint64_t bench_daemon_output_bytes(const struct bench_daemon *d);

/* needle: its CPU and its connector thread's, now (the load starts). */
void bench_daemon_mark(struct bench_daemon *d);

/* Reads what only a running daemon can say (needle: delay quantiles, and
 * its CPU by thread since the mark). */
void bench_daemon_scrape(struct bench_daemon *d);

/* SIGTERM, wait, count its output. 0, or -errno with a message in err. */
int bench_daemon_stop(struct bench_daemon *d, const struct bench_setup *s, char *err,
		      size_t err_size);

/* On interruption: SIGKILL and reap, nothing counted. */
void bench_daemon_kill(struct bench_daemon *d);

struct tally_result;

/* The load's events in a log file and their records (tally.h): events
 * whose SYSCALL record has key="KEY" in a RAW log, lines whose why.keys is
 * [KEY] in needle's JSON (a name with ".json"); LZ4 frames when the name
 * ends in .lz4. 0, or -errno if unreadable. */
int bench_count_log(const char *path, const char *key, struct tally_result *ret);

#endif
