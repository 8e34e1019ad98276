/* SPDX-License-Identifier: MIT */
/*
 * plugins: auditd's plugins, run by needle as auditd runs them (audisp/
 * audispd.c): each active plugin of plugin_dir is a program started with
 * one end of a socketpair as its standard input, its arguments, an empty
 * environment and a process group of its own; the builtin af_unix plugin
 * is a socket readers connect to. The records go through the pipeline's
 * queues (pipeline/dispatch.h); this module owns the processes.
 *
 *   plugins_load   plugin_dir --> the active plugins (plugins-conf.h);
 *                  bad files said and skipped
 *   plugins_fill   --> the pipeline's dispatch settings
 *   plugins_start  each program spawned, its socket handed to the
 *                  dispatcher; af_unix: socket bound, made mode, listened
 *   plugins_tick   once a second: a plugin that exited (or closed its
 *                  input) is started again, up to max_restarts times, then
 *                  given up, said with how its last run ended and, when
 *                  each run ended at once, what confines needle (and so
 *                  the plugin: caps_describe_sandbox()); drops warned, each
 *                  plugin at most every 10 s
 *   plugins_hup    SIGHUP passed on to the programs (they re-read their
 *                  own configuration, as under auditd)
 *   plugins_stop   after pipeline_stop (their input ended): each is
 *                  given 1 s to exit, then SIGTERM, then SIGKILL; reaped;
 *                  the af_unix socket removed; what each got is said
 *
 * Main thread only. A plugin that cannot start is said and given up;
 * needle goes on collecting without it.
 */
#ifndef NEEDLE_PLUGINS_H
#define NEEDLE_PLUGINS_H

#include "conf.h"
#include "dispatch.h"
#include "pipeline.h"

struct plugins;

/* The active plugins of conf's plugin_dir; NULL when there are none (or
 * plugin_dir is empty), said. */
struct plugins *plugins_load(const struct conf *conf);

/* The dispatcher's settings for them (n 0 for NULL). */
void plugins_fill(const struct plugins *pl, const struct conf *conf,
		  struct dispatch_settings *ret);

/* Starts every plugin, handing its socket to d. NULL pl is fine. */
void plugins_start(struct plugins *pl, struct dispatch *d);

/* Once a second from the main loop. */
void plugins_tick(struct plugins *pl, unsigned max_restarts);

void plugins_hup(struct plugins *pl);

/* After pipeline_stop(), before pipeline_close(): ends and reaps the
 * processes and says what each plugin got. Then frees. NULL is fine. */
void plugins_stop(struct plugins *pl);

#endif
