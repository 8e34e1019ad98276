/* SPDX-License-Identifier: MIT */
/* daemon: `needle run`: take the audit socket, run the pipeline, give the
 * kernel back as it was found. */
#ifndef NEEDLE_DAEMON_H
#define NEEDLE_DAEMON_H

#include "conf.h"

#include <stdbool.h>

/* Exit statuses of `needle run`. */
enum {
	EXIT_RUN_OK = 0,
	EXIT_RUN_FAILED = 1,  /* privileges, another daemon, kernel refusal */
	EXIT_RUN_CONFIG = 2,  /* bad configuration or command line */
};

/* Runs until SIGTERM or SIGINT. conf_path is re-read on SIGHUP (NULL: the
 * embedded configuration). Without foreground, detaches once collecting. */
int daemon_run(const struct conf *conf, const char *conf_path, bool foreground);

#endif
