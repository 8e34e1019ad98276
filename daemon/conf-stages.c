/* SPDX-License-Identifier: MIT */
#include "conf-stages.h"

#include <stddef.h>
#include <string.h>

_Static_assert(CONF_KEEP == KERNEL_KEEP, "keep means the same to the config and the kernel");

void conf_fill_decoder(const struct conf *c, struct decoder_settings *ret)
{
	/* Padding too: snapshots of equal settings compare equal, bytes and all. */
	memset(ret, 0, sizeof(*ret));
	ret->event_timeout_ms = c->event_timeout_ms;
	ret->max_open_events = c->max_open_events;
	ret->resolve_ids = c->resolve_ids;
	ret->ancestors_depth = c->ancestors_depth;
}

void conf_fill_pipeline(const struct conf *c, struct pipeline_settings *ret)
{
	*ret = (struct pipeline_settings){
		.listeners = c->listener_threads,
		.decoders = c->decoder_threads,
		.ring_size = c->ring_size,
		.ring_drop = c->ring_full == CONF_RING_DROP,
		.output_json = c->output_json,
		.output_raw = c->output_raw,
		.output_enriched = c->output_enriched,
		.output_stdout = c->output_stdout,
		.max_log_file = c->max_log_file,
		.num_logs = c->num_logs,
		.compress_lz4 = c->compress_lz4,
		.process_context = c->process_context,
		.process_table_size = c->process_table_size,
	};
	_Static_assert(sizeof(ret->log_dir) == sizeof(c->log_dir), "log_dir fits");
	memcpy(ret->log_dir, c->log_dir, sizeof(ret->log_dir));
	conf_fill_decoder(c, &ret->decoder);
}

/* Where each of audit_settings[] (same order) sits in struct conf. */
static const size_t conf_offset[AUDIT_SETTINGS] = {
	offsetof(struct conf, enabled),
	offsetof(struct conf, failure),
	offsetof(struct conf, rate_limit),
	offsetof(struct conf, backlog_limit),
	offsetof(struct conf, backlog_wait_time),
};

void conf_fill_kernel(const struct conf *c, struct kernel_wants *ret)
{
	for (unsigned i = 0; i < AUDIT_SETTINGS; i++)
		ret->value[i] = *(const int64_t *)((const char *)c + conf_offset[i]);
}
