/* SPDX-License-Identifier: MIT */
#include "notify.h"
#include "clock.h"

#include <stdlib.h>
#include <systemd/sd-daemon.h>

/* Without a watchdog the stall check still warns in the log, after this. */
#define STALL_BOUND_NO_WATCHDOG_MS 30000
/* The socket's fill, one of the stall check's inputs, is read once a
 * second: a shorter bound could call a thread stuck on a stale figure. */
#define STALL_BOUND_MIN_MS 1000

void notify_init(struct notify *n)
{
	uint64_t usec = 0;

	*n = (struct notify){ .on = getenv("NOTIFY_SOCKET") != NULL };
	/* > 0 only when WATCHDOG_USEC is set and WATCHDOG_PID, if set, is us. */
	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
		n->watchdog_ms = usec / 1000 ? usec / 1000 : 1;
	n->last_ping_ms = clock_mono_ms();
}

void notify_ready(struct notify *n, const char *status)
{
	if (n->on)
		sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void notify_status(struct notify *n, const char *text)
{
	if (n->on)
		sd_notifyf(0, "STATUS=%s", text);
}

uint64_t notify_stall_bound_ms(const struct notify *n)
{
	if (!n->watchdog_ms)
		return STALL_BOUND_NO_WATCHDOG_MS;
	return n->watchdog_ms / 2 > STALL_BOUND_MIN_MS ? n->watchdog_ms / 2 : STALL_BOUND_MIN_MS;
}

uint64_t notify_next_ping_ms(const struct notify *n)
{
	return n->watchdog_ms ? n->last_ping_ms + n->watchdog_ms / 2 : UINT64_MAX;
}

void notify_watchdog(struct notify *n, bool healthy, uint64_t now_ms)
{
	if (!n->watchdog_ms || now_ms < notify_next_ping_ms(n))
		return;
	n->withheld = !healthy;
	if (!healthy)
		return;
	sd_notify(0, "WATCHDOG=1");
	n->last_ping_ms = now_ms;
}

void notify_stopping(struct notify *n)
{
	if (n->on)
		sd_notify(0, "STOPPING=1");
}
