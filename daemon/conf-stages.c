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

/* The choices' order in CONF_KEYS is the enums' order. */
_Static_assert(SPACE_IGNORE == 0 && SPACE_SYSLOG == 1 && SPACE_ROTATE == 2 && SPACE_SUSPEND == 3,
	       "space_left_action's choices");
_Static_assert(LOGKEEP_EVERY_NONE == 0 && LOGKEEP_EVERY_HOUR == 1 && LOGKEEP_EVERY_DAY == 2,
	       "rotate_every's choices");
_Static_assert(SINK_FLUSH_NONE == 0 && SINK_FLUSH_INCREMENTAL == 1 &&
		       SINK_FLUSH_INCREMENTAL_ASYNC == 2 && SINK_FLUSH_DATA == 3 && SINK_FLUSH_SYNC == 4,
	       "flush's choices");

/* disk_full_action's choices: ignore, rotate, suspend. */
static const enum space_action disk_full_actions[] = { SPACE_IGNORE, SPACE_ROTATE, SPACE_SUSPEND };

static struct space_limit space_limit_of(const char *text)
{
	struct space_limit l = { 0 };

	/* The parser checked it: a text that is not a limit cannot be here. */
	conf_space(text, &l.mib, &l.percent);
	return l;
}

void conf_fill_logs(const struct conf *c, struct logkeep_settings *ret)
{
	*ret = (struct logkeep_settings){
		.space = {
			.space_left = space_limit_of(c->space_left),
			.admin_space_left = space_limit_of(c->admin_space_left),
			.action = {
				[SPACE_LOW] = (enum space_action)c->space_left_action,
				[SPACE_ADMIN] = (enum space_action)c->admin_space_left_action,
				[SPACE_FULL] = disk_full_actions[c->disk_full_action % 3],
			},
		},
		.rotate_every = (enum logkeep_every)c->rotate_every,
	};
}

/* output = nats: the nats_* keys; the spool under log_dir (pipeline.c). */
static void fill_nats(const struct conf *c, struct nats_out_settings *ret)
{
	*ret = (struct nats_out_settings){
		.raw = c->nats_format == 1,
		.replicas = c->nats_replicas,
		.max_age_s = c->nats_max_age,
		.max_bytes = c->nats_max_bytes,
		.duplicate_window_s = c->nats_duplicate_window,
		.max_pending = c->nats_max_pending,
		.spool_max = c->spool_max,
	};
#define COPY(to, from)                                                      \
	do {                                                                \
		_Static_assert(sizeof(ret->to) == sizeof(c->from), #from " fits"); \
		memcpy(ret->to, c->from, sizeof(ret->to));                  \
	} while (0)
	COPY(urls, nats_url);
	COPY(stream, nats_stream);
	COPY(subject, nats_subject);
	COPY(creds, nats_creds);
	COPY(user, nats_user);
	COPY(password, nats_password);
	COPY(token, nats_token);
	COPY(tls_ca, nats_tls_ca);
	COPY(tls_cert, nats_tls_cert);
	COPY(tls_key, nats_tls_key);
#undef COPY
}

void conf_fill_pipeline(const struct conf *c, struct pipeline_settings *ret)
{
	uint32_t gid = 0;

	/* The parser found the group; one gone since is root's (0600): the
	 * narrower choice. */
	if (conf_group_id(c->log_group, &gid) < 0)
		gid = 0;
	*ret = (struct pipeline_settings){
		.listeners = c->listener_threads,
		.decoders = c->decoder_threads,
		.ring_size = c->ring_size,
		.ring_drop = c->ring_full == CONF_RING_DROP,
		.output_json = c->output_json,
		.output_raw = c->output_raw,
		.output_enriched = c->output_enriched,
		.output_stdout = c->output_stdout,
		.output_nats = c->output_nats,
		.max_log_file = c->max_log_file,
		.num_logs = c->num_logs,
		.compress_lz4 = c->compress_lz4,
		.log_group = (gid_t)gid,
		.flush = (enum sink_flush)c->flush,
		.freq = c->freq,
		.process_context = c->process_context,
		.process_events = c->process_events,
		.process_table_size = c->process_table_size,
		.filtering = c->filter_file[0] != '\0',
	};
	_Static_assert(sizeof(ret->log_dir) == sizeof(c->log_dir), "log_dir fits");
	memcpy(ret->log_dir, c->log_dir, sizeof(ret->log_dir));
	conf_fill_decoder(c, &ret->decoder);
	conf_fill_logs(c, &ret->logs);
	fill_nats(c, &ret->nats);
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
