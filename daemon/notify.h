/* SPDX-License-Identifier: MIT */
/*
 * notify: needle run under systemd's Type=notify (needle.service), through
 * libsystemd's sd_notify(3). Nothing here when NOTIFY_SOCKET is unset (a
 * needle started by hand or by another init): every call returns at once.
 *
 *   start-up ... registered, settings applied, threads running
 *     notify_ready()      READY=1 and STATUS=collecting ...
 *   each second
 *     notify_status()     STATUS=<the status line, watch.h>
 *     notify_watchdog()   WATCHDOG=1 every half of WATCHDOG_USEC, and only
 *                         while stall.h finds every thread making progress:
 *                         a stuck pipeline stops the pings and systemd
 *                         restarts needle once WatchdogSec has passed
 *   stop (SIGTERM, or a failed thread)
 *     notify_stopping()   STOPPING=1, before the kernel is restored
 *
 * systemd also accepts these only from the main process (NotifyAccess=main):
 * needle's children (the kernel-request child, plugins) inherit
 * NOTIFY_SOCKET but cannot speak for it. Main thread only.
 */
#ifndef NEEDLE_NOTIFY_H
#define NEEDLE_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

struct notify {
	bool on;                   /* NOTIFY_SOCKET is set */
	uint64_t watchdog_ms;      /* WATCHDOG_USEC for this process, ms; 0: none */
	uint64_t last_ping_ms;     /* monotonic; when WATCHDOG=1 last went out */
	bool withheld;             /* the last due ping was withheld (stuck) */
};

/* Reads the environment (NOTIFY_SOCKET; WATCHDOG_USEC and WATCHDOG_PID
 * through sd_watchdog_enabled). */
void notify_init(struct notify *n);

/* READY=1 with the first status. */
void notify_ready(struct notify *n, const char *status);

/* STATUS=text. */
void notify_status(struct notify *n, const char *text);

/* How long the pipeline may show no progress before a ping is withheld
 * (half the watchdog's interval, at least a second; without a watchdog
 * 30 s, for the log's warning alone). */
uint64_t notify_stall_bound_ms(const struct notify *n);

/* When a ping is due next (monotonic ms); UINT64_MAX without a watchdog. */
uint64_t notify_next_ping_ms(const struct notify *n);

/* Sends WATCHDOG=1 when one is due and healthy; a due ping that is not
 * healthy is withheld (and the next check tries again). */
void notify_watchdog(struct notify *n, bool healthy, uint64_t now_ms);

/* STOPPING=1. */
void notify_stopping(struct notify *n);

#endif
