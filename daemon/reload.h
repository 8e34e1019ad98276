/* SPDX-License-Identifier: MIT */
/*
 * reload: SIGHUP. The configuration is read again; a bad file is reported
 * whole and changes nothing. Otherwise every key that differs is named: a
 * CONF_LIVE key is applied where it lives (the decoders get a new settings
 * snapshot, the listeners the ring_full policy, the kernel session the
 * kernel settings, the socket its buffer, the process table its size, the
 * endpoints move), a CONF_NEXT_START key keeps its running value until the
 * next start, and the log says so (conf.h's CONF_KEYS).
 */
#ifndef NEEDLE_RELOAD_H
#define NEEDLE_RELOAD_H

#include "state.h"

/* Main thread, with the pipeline running. */
void reload_config(struct daemon *d);

/* Reads and compiles filter_file at path; NULL when it cannot be used,
 * every error said (each line after prefix). At start and on SIGHUP. */
struct filter_set *filters_read(const char *path, const char *prefix);

#endif
