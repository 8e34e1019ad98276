/* SPDX-License-Identifier: MIT */
#include "fault.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[] = {
	[FAULT_LISTENER_RECV] = "listener-recv",
	[FAULT_LISTENER_ALLOC] = "listener-alloc",
	[FAULT_DECODER_ASSEMBLER] = "decoder-assembler",
	[FAULT_DECODER_STALL] = "decoder-stall",
	[FAULT_RCVTIMEO] = "rcvtimeo",
	[FAULT_SINK_FSYNC] = "sink-fsync",
	[FAULT_GATHER_NO_ACK] = "gather-no-ack",
	[FAULT_GATHER_EXIT] = "gather-exit",
};

/* Written before any thread starts (fault_arm), read by all after. */
static _Atomic int armed = FAULT_NONE;
static uint64_t after;

int fault_arm(const char *spec, char *err, size_t err_size)
{
	size_t len;
	char *end;

	atomic_store(&armed, FAULT_NONE);
	after = 0;
	if (!spec || !*spec)
		return 0;
	len = strcspn(spec, ":");
	for (int f = FAULT_NONE + 1; f < (int)(sizeof(names) / sizeof(names[0])); f++) {
		if (strlen(names[f]) != len || strncmp(spec, names[f], len) != 0)
			continue;
		if (spec[len] == ':') {
			errno = 0;
			after = strtoull(spec + len + 1, &end, 10);
			if (errno || *end || end == spec + len + 1)
				break;
		}
		atomic_store(&armed, f);
		return 0;
	}
	snprintf(err, err_size,
		 "NEEDLE_TEST_FAULT=%s: not a fault (listener-recv[:N], listener-alloc, "
		 "decoder-assembler[:N], decoder-stall[:N], rcvtimeo, sink-fsync, gather-no-ack[:N], "
		 "gather-exit[:N]); it is for tests only, unset it",
		 spec);
	return -EINVAL;
}

int fault_init(char *err, size_t err_size)
{
	return fault_arm(getenv("NEEDLE_TEST_FAULT"), err, err_size);
}

const char *fault_name(void)
{
	int f = atomic_load_explicit(&armed, memory_order_relaxed);

	return f == FAULT_NONE ? NULL : names[f];
}

bool fault_armed(enum fault f)
{
	return atomic_load_explicit(&armed, memory_order_relaxed) == (int)f;
}

bool fault_take(enum fault f)
{
	int expected = (int)f;

	/* relaxed first: the common case (nothing armed) stays one load. */
	if (atomic_load_explicit(&armed, memory_order_relaxed) != (int)f)
		return false;
	return atomic_compare_exchange_strong(&armed, &expected, FAULT_NONE);
}

uint64_t fault_after(void)
{
	return after;
}
