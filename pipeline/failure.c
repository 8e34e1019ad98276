/* SPDX-License-Identifier: MIT */
/*
 * failure: how a pipeline thread that cannot go on (a receive error, an
 * allocation that failed) stops needle instead of ending silently.
 *
 *   listener/decoder --pipeline_fail(cause)--> p->failure, failure_state = 2
 *                    --pthread_kill(main, PIPELINE_WAKE_SIGNAL)--> main loop
 *   main loop: pipeline_failure() != NULL --> logs the cause, stops (exit 1)
 *
 * The thread sets its own listener_failed/decoder_failed flag (and, for a
 * decoder, its ring's abort_blocking) before calling pipeline_fail().
 */
#include "threads.h"

#include <stdarg.h>
#include <stdio.h>

void pipeline_fail(struct pipeline *p, const char *fmt, ...)
{
	int expected = 0;

	atomic_fetch_add_explicit(&p->failures, 1, memory_order_relaxed);
	if (atomic_compare_exchange_strong(&p->failure_state, &expected, 1)) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(p->failure, sizeof(p->failure), fmt, ap);
		va_end(ap);
		/* release: the cause is written before it is published (pairs
		 * with the acquire in pipeline_failure()). */
		atomic_store_explicit(&p->failure_state, 2, memory_order_release);
	}
	/* Now rather than at the main loop's next tick. The signal is blocked
	 * in every thread, so it waits for the main thread's sigtimedwait(). */
	pthread_kill(p->main_thread, PIPELINE_WAKE_SIGNAL);
}

const char *pipeline_failure(struct pipeline *p)
{
	return atomic_load_explicit(&p->failure_state, memory_order_acquire) == 2 ? p->failure
										   : NULL;
}

unsigned pipeline_failures(struct pipeline *p)
{
	return atomic_load_explicit(&p->failures, memory_order_relaxed);
}
