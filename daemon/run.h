/* SPDX-License-Identifier: MIT */
/*
 * run: `needle run`: take the audit socket, run the pipeline, give the
 * kernel back as it was found.
 *
 * Start:  read the kernel's status and keep it; in unicast mode refuse if
 *         another live process is the audit daemon (kernel/kernel-session.h);
 *         open the pipeline (rings, log) and the data socket; start
 *         decoders and listeners; register (AUDIT_SET pid on the data
 *         socket, its ack read by a listener among the records); apply the
 *         configured kernel settings; load the default rules when the
 *         kernel has none and the config asks. In multicast mode join the
 *         read-only group and change nothing in the kernel.
 * Run:    the main thread waits for signals. SIGHUP reloads what can change
 *         live (reload.h). Each second: the kernel's status, the self-watch
 *         (watch.h), on a terminal (--foreground) a status line.
 * Stop:   remove the rules needle added, restore the settings it changed,
 *         unregister (pid 0) so the kernel stops sending, let the listeners
 *         drain what the socket still holds and the decoders drain the
 *         rings to the log (pipeline.h). Every record the kernel handed
 *         needle before unregistering is written, or counted where it was
 *         lost.
 * Failed: a listener or decoder that cannot go on (pipeline_failure) wakes
 *         the main thread, which logs the cause and stops as above, exit 1.
 *         What the failed thread held is drained by the main thread (a
 *         listener's socket) or counted abandoned (a decoder's ring).
 */
#ifndef NEEDLE_RUN_H
#define NEEDLE_RUN_H

#include "conf.h"

#include <stdbool.h>

/* Exit statuses of `needle run`. */
enum {
	EXIT_RUN_OK = 0,
	EXIT_RUN_FAILED = 1,  /* privileges, another daemon, kernel refusal */
	EXIT_RUN_CONFIG = 2,  /* bad configuration or command line */
};

/* Called first by `needle run`, on the main thread. Holds SIGHUP, SIGUSR1
 * and SIGUSR2 (blocked, kept pending) from the very start: their default
 * action would kill needle, and a logrotate's SIGUSR1 may come while it
 * starts; the main loop takes them once collecting. SIGTERM and SIGINT are
 * not held: a start that hangs can still be stopped. Each of the five,
 * should it land on another thread (a library's, which unblocked it), is
 * passed to the main thread instead of killing needle. */
void daemon_hold_signals(void);

/* Runs until SIGTERM or SIGINT. conf_path is re-read on SIGHUP (NULL: the
 * embedded configuration). Without foreground, detaches once collecting. */
int daemon_run(const struct conf *conf, const char *conf_path, bool foreground);

#endif
