/* SPDX-License-Identifier: MIT */
#include "metric-table.h"

#include <stdio.h>

#define NAME_(id, value) [METRIC_##id] = value,

const char *const metric_type_names[METRIC_TYPE_COUNT] = { METRIC_TYPES(NAME_) };
const char *const metric_stage_names[METRIC_STAGE_COUNT] = { METRIC_STAGES(NAME_) };
const char *const metric_drop_reason_names[METRIC_DROP_REASON_COUNT] = {
	METRIC_DROP_REASONS(NAME_)
};
const char *const metric_event_state_names[METRIC_EVENT_STATE_COUNT] = {
	METRIC_EVENT_STATES(NAME_)
};
const char *const metric_rule_change_names[METRIC_RULE_CHANGE_COUNT] = {
	METRIC_RULE_CHANGES(NAME_)
};
const char *const metric_output_names[METRIC_OUTPUT_COUNT] = { METRIC_OUTPUTS(NAME_) };
const char *const metric_log_destination_names[METRIC_LOG_DESTINATION_COUNT] = {
	METRIC_LOG_DESTINATIONS(NAME_)
};
const char *const metric_record_cause_names[METRIC_RECORD_CAUSE_COUNT] = {
	METRIC_RECORD_CAUSES(NAME_)
};
const char *const metric_event_cause_names[METRIC_EVENT_CAUSE_COUNT] = {
	METRIC_EVENT_CAUSES(NAME_)
};
const char *const metric_plugin_drop_reason_names[METRIC_PLUGIN_DROP_REASON_COUNT] = {
	METRIC_PLUGIN_DROP_REASONS(NAME_)
};
const char *const metric_nats_loss_reason_names[METRIC_NATS_LOSS_REASON_COUNT] = {
	METRIC_NATS_LOSS_REASONS(NAME_)
};
const char *const metric_filter_action_names[METRIC_FILTER_ACTION_COUNT] = {
	METRIC_FILTER_ACTIONS(NAME_)
};
const char *const metric_key_state_names[METRIC_KEY_STATE_COUNT] = { METRIC_KEY_STATES(NAME_) };
const char *const metric_proc_event_kind_names[METRIC_PROC_EVENT_KIND_COUNT] = {
	METRIC_PROC_EVENT_KINDS(NAME_)
};
const char *const metric_process_found_names[METRIC_PROCESS_FOUND_COUNT] = {
	METRIC_PROCESS_FOUND(NAME_)
};

#define SET_(id, l1, v1, n1, l2, v2, n2) \
	[METRIC_LABELS_##id] = { { l1, l2 }, { v1, v2 }, { n1, n2 } },

const struct metric_label_set metric_label_sets[METRIC_LABELS_COUNT] = {
	METRIC_LABEL_SETS(SET_)
};

#define DEF_(id, name_, type_, labels_, help_)                                            \
	[METRIC_##id] = { .name = name_, .type = METRIC_##type_,                          \
			  .labels = METRIC_LABELS_##labels_, .help = help_ },

const struct metric_def metric_table[METRIC_COUNT] = { METRIC_TABLE(DEF_) };

int metric_key(char *buf, size_t size, enum metric m, const char *v1, const char *v2)
{
	const struct metric_def *d = &metric_table[m];
	const struct metric_label_set *l = &metric_label_sets[d->labels];
	const char *suffix = d->type == METRIC_HISTOGRAM ? "_bucket" : "";

	if (!l->name[0])
		return snprintf(buf, size, "%s%s", d->name, suffix);
	if (!l->name[1])
		return snprintf(buf, size, "%s%s{%s=\"%s\"}", d->name, suffix, l->name[0], v1);
	return snprintf(buf, size, "%s%s{%s=\"%s\",%s=\"%s\"}", d->name, suffix, l->name[0], v1,
			l->name[1], v2);
}

int metric_part_key(char *buf, size_t size, enum metric m, enum metric_part part)
{
	return snprintf(buf, size, "%s%s", metric_table[m].name,
			part == METRIC_PART_SUM ? "_sum" : "_count");
}
