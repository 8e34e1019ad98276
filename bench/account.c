/* SPDX-License-Identifier: MIT */
/* account: see account.h. */
#include "account.h"

static uint64_t minus(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

void account_reconcile(const struct account_in *in, struct account *ret)
{
	uint64_t k = in->kernel_lost;

	ret->missing = minus(in->generated, in->delivered);
	/* Records missing from delivered events are first the daemon's own
	 * dropped records, then the kernel's. */
	ret->records_unexplained = minus(in->short_records, k + in->daemon_lost_records);
	ret->kernel_events_max = minus(k, minus(in->short_records, in->daemon_lost_records));
	if (ret->kernel_events_max > ret->missing)
		ret->kernel_events_max = ret->missing;
	ret->unexplained_max = minus(ret->missing, in->daemon_lost);
	ret->unexplained_min = minus(ret->unexplained_max, ret->kernel_events_max);
	ret->reconciled = ret->unexplained_min == 0 && ret->records_unexplained == 0 &&
			  in->delivered <= in->generated;
}
