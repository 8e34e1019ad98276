/* SPDX-License-Identifier: MIT */
/*
 * state: what needle run holds while it runs, shared by the modules of
 * daemon/ that act on it (run.c: start, loop, stop; reload.c: SIGHUP).
 * Private to daemon/.
 * Main thread only: the other threads get their own parts (the pipeline,
 * the kernel snapshot) through pointers, never this struct.
 */
#ifndef NEEDLE_STATE_H
#define NEEDLE_STATE_H

#include "conf.h"
#include "control.h"
#include "metrics.h"
#include "notify.h"
#include "pipeline.h"
#include "plugins.h"
#include "kernel-session.h"
#include "status.h"

#include <stdbool.h>

struct daemon {
	const char *conf_path;     /* re-read on SIGHUP; NULL: the embedded one */
	struct conf conf;          /* what runs now (SIGHUP merges into it) */
	bool foreground, tty;
	struct kernel_session *session; /* the kernel's settings, rules, registration */
	struct rulefile rules;     /* the rules key's file, read at start */
	struct pipeline *p;
	struct filter_set *filters; /* filter_file's, read at start until the pipeline takes it */
	struct plugins *plugins;   /* auditd's plugins; NULL: none */
	int ready_fd;              /* detached: tells the parent start-up worked */
	struct kernel_snapshot kernel; /* AUDIT_GET each second, for metrics */
	bool failure_said;         /* a thread's failure is logged */
	char abort_reason[256];    /* why needle stops without a signal (DAEMON_ABORT) */
	char stopped_by[600];      /* DAEMON_END's body: who sent the stop signal */
	struct metrics_source source;  /* the pipeline's figures, for the endpoints */
	struct metrics_server *metrics;
	struct control_server *control;
	struct notify notify;      /* systemd's Type=notify and watchdog */
	bool stall_said;           /* a stuck thread is logged (stall.h) */
};

#endif
