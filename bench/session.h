/* SPDX-License-Identifier: MIT */
/*
 * session: what needle-bench live, knee and record share. One session
 * saves the kernel's audit state, sets the policy, runs the audited load
 * under one daemon at a time (daemons.h) and counts, then puts the kernel
 * back as it found it, also when interrupted (SIGINT/SIGTERM).
 *
 * One run: start the daemon; start needle-loadgen, add narrow rules on it
 * under the session's key once it has exec'd, let it go; remove the rules;
 * wait until the kernel's backlog is empty and the daemon's output stops
 * growing; read the kernel's lost and waited counters; stop the daemon and
 * count its output. The baseline run has no daemon and no rule.
 */
#ifndef NEEDLE_BENCH_SESSION_H
#define NEEDLE_BENCH_SESSION_H

#include "account.h"
#include "daemons.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define MAX_DAEMONS 5
#define WAIT_POLICY_JIFFIES 15000 /* the kernel's default: 60 s at HZ 250 */

struct options {
	const char *daemons[MAX_DAEMONS];
	unsigned ndaemons, rounds, threads;
	unsigned long calls; /* per thread */
	double rate;         /* total calls/s, 0: flat out */
	const char *mix, *policy, *csv, *json, *keep, *plot, *out;
	double knee_start, knee_factor, knee_max, knee_seconds; /* needle-bench knee */
	struct bench_setup setup;
	const char *loadgen;
};

struct run {
	const char *daemon; /* NULL: the unaudited baseline */
	unsigned round;
	double offered;     /* calls/s asked of the load, 0: flat out */
	double workload_rate;
	uint64_t generated, delivered, kernel_lost, daemon_lost, waited;
	uint64_t short_records;       /* records missing from delivered events */
	uint64_t daemon_lost_records; /* records the daemon counted dropped */
	struct account acct;          /* whether the numbers reconcile (account.h) */
	double cpu_seconds, cpu_us_per_event, rss_mib, delay_p50, delay_p99;
	uint64_t records; /* null: all records received (needle-bench record) */
	/* needle: its CPU from the load's start to just before the stop, read
	 * from /proc, and its proc connector thread's part of it (daemons.h) */
	double sampled_cpu_seconds, connector_cpu_seconds;
	double load_us_per_event; /* sampled_cpu_seconds a delivered event */
	unsigned connector_threads;
	/* needle-nats: the central side, sampled around the run (bench-nats.h) */
	bool nats;
	uint64_t stream_messages;   /* messages the streams gained */
	double stream_rate;         /* of them a second, load start to the last */
	double server_cpu_seconds, server_us_per_event; /* nats-server's CPU */
	int status;
};

/* Options of all three commands; knee changes the default policy. */
int session_parse_options(int argc, char **argv, struct options *o, bool knee);

/* Checks (root, a free audit socket), the runs' directory, signals, the
 * kernel's state saved. 0, or the exit status to return. */
int session_prepare(struct options *o, const char *cmd, char top[PATH_MAX]);

/* Sets enabled 1, rate_limit 0 and the policy's backlog settings. */
int session_set_policy(const struct options *o, char *err, size_t err_size);

/* One run; index -1 is the baseline, else o->daemons[index]. */
int session_run(const struct options *o, int index, unsigned round, unsigned seq,
		struct run *ret, char *err, size_t err_size);

/* The kernel back as found, the directory gone; the exit status. */
int session_finish(const struct options *o, const char *cmd, const char *top, int r,
		   const char *err);

bool session_interrupted(void);
const char *session_key(void);

/* The configuration daemon index ran with. */
const char *session_daemon_config(unsigned index);

/* --csv and --json, when asked for. */
void session_write_outputs(const struct options *o, const struct run *runs, unsigned n);

const char *session_name_of(const struct run *r);

#endif
