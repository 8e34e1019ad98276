/* SPDX-License-Identifier: MIT */
/*
 * conf-stages: what each stage takes from the configuration. The stages
 * below daemon/ do not know struct conf: each has a settings struct of its
 * own, filled here, at start and again on SIGHUP.
 *
 *   struct conf --conf_fill_pipeline--> struct pipeline_settings (pipeline/pipeline.h)
 *               --conf_fill_decoder---> struct decoder_settings  (pipeline/settings.h)
 *               --conf_fill_logs------> struct logkeep_settings  (pipeline/logkeep.h)
 *               --conf_fill_kernel----> struct kernel_wants      (kernel/kernel-session.h)
 *
 * Which keys SIGHUP may change stays conf.h's business (CONF_KEYS): a
 * snapshot filled from a merged configuration carries the running value
 * of every key that waits for the next start.
 */
#ifndef NEEDLE_CONF_STAGES_H
#define NEEDLE_CONF_STAGES_H

#include "conf.h"
#include "pipeline.h"
#include "kernel-session.h"

void conf_fill_pipeline(const struct conf *c, struct pipeline_settings *ret);
void conf_fill_decoder(const struct conf *c, struct decoder_settings *ret);
void conf_fill_logs(const struct conf *c, struct logkeep_settings *ret);
void conf_fill_kernel(const struct conf *c, struct kernel_wants *ret);

#endif
